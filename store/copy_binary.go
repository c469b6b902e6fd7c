package store

import (
	"context"
	"encoding/binary"
	"io"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kraeftplan/kpv/indicators"
)

// The bulk write path sends its rows in COPY's binary format, encoded
// here: pgx's CopyFrom looks up an encode plan for every value (a map
// lookup by type, a fifth of the Go CPU of a bulk ingest), and the row's
// types are fixed and few.

// copyBinary copies n rows into table's cols, each encoded by row(j, e)
// with one field per column, in order.
func copyBinary(ctx context.Context, tx pgx.Tx, table string, cols []string, n int, row func(j int, e *rowEncoder)) error {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pgx.Identifier{c}.Sanitize()
	}
	// The statement pgx's CopyFrom sends, word for word (what a watcher of
	// pg_stat_activity looks for).
	sql := "copy " + pgx.Identifier{table}.Sanitize() + " ( " + strings.Join(quoted, ", ") + " ) from stdin binary;"
	r := &copyReader{n: n, fields: int16(len(cols)), row: row}
	r.buf = append(r.buf, "PGCOPY\n\xff\r\n\x00"...)
	r.buf = binary.BigEndian.AppendUint32(r.buf, 0) // flags
	r.buf = binary.BigEndian.AppendUint32(r.buf, 0) // header extension
	_, err := tx.Conn().PgConn().CopyFrom(ctx, r, sql)
	return err
}

// copyReader makes the COPY data as it is read, a few rows at a time.
type copyReader struct {
	n, j   int
	fields int16
	row    func(j int, e *rowEncoder)
	buf    []byte
	off    int
	ended  bool
	enc    rowEncoder
}

func (r *copyReader) Read(p []byte) (int, error) {
	if r.off == len(r.buf) {
		if r.ended {
			return 0, io.EOF
		}
		r.buf, r.off = r.buf[:0], 0
		for r.j < r.n && len(r.buf) < 32<<10 {
			r.enc.b = binary.BigEndian.AppendUint16(r.buf, uint16(r.fields))
			r.row(r.j, &r.enc)
			r.buf = r.enc.b
			r.j++
		}
		if r.j == r.n {
			r.buf = binary.BigEndian.AppendUint16(r.buf, 0xffff) // trailer
			r.ended = true
		}
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}

// rowEncoder appends one row's fields in COPY's binary format.
type rowEncoder struct{ b []byte }

func (e *rowEncoder) null() { e.b = binary.BigEndian.AppendUint32(e.b, 0xffffffff) }

func (e *rowEncoder) int8(v int64) {
	e.b = binary.BigEndian.AppendUint32(e.b, 8)
	e.b = binary.BigEndian.AppendUint64(e.b, uint64(v))
}

func (e *rowEncoder) int4(v int32) {
	e.b = binary.BigEndian.AppendUint32(e.b, 4)
	e.b = binary.BigEndian.AppendUint32(e.b, uint32(v))
}

// float8 is a double precision, NULL for nil.
func (e *rowEncoder) float8(v *float64) {
	if v == nil {
		e.null()
		return
	}
	e.b = binary.BigEndian.AppendUint32(e.b, 8)
	e.b = binary.BigEndian.AppendUint64(e.b, math.Float64bits(*v))
}

func (e *rowEncoder) bool(v bool) {
	e.b = binary.BigEndian.AppendUint32(e.b, 1)
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// pgEpoch is where a timestamptz counts its microseconds from.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// timestamptz is t to the microsecond, as Postgres keeps it (truncated,
// as pgx sends it).
func (e *rowEncoder) timestamptz(t time.Time) {
	us := t.Unix()*1e6 + int64(t.Nanosecond())/1e3 - pgEpoch.Unix()*1e6
	e.b = binary.BigEndian.AppendUint32(e.b, 8)
	e.b = binary.BigEndian.AppendUint64(e.b, uint64(us))
}

func (e *rowEncoder) text(s string) {
	e.b = binary.BigEndian.AppendUint32(e.b, uint32(len(s)))
	e.b = append(e.b, s...)
}

// values encodes a figure's columns from value to release, in the order
// the staging table and figures both list them after the ids.
func (e *rowEncoder) values(o *indicators.Observation, published time.Time) {
	e.float8(o.Value)
	e.float8(o.Numerator)
	e.float8(o.Denominator)
	e.float8(o.CILower)
	e.float8(o.CIUpper)
	e.bool(o.Suppressed)
	e.timestamptz(published)
	e.text(o.Release)
}
