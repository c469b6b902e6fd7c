package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kraeftplan/kpv/indicators"
)

// CurrentFigures reads the current figures of the given series (of every
// series when ids is nil) one indicator at a time, and hands each
// indicator's to fn (indicators in id order; figures in no particular
// order), so a reader of a million figures holds one indicator's at a time.
// The slice is reused for the next indicator: fn must not keep it (the
// figures' number pointers it may keep). It is the assessment's read: it selects only the
// columns the assessment uses, and names each figure's series and period
// from the small series and periods tables, read once, not per row. The
// figures' Source and RecordedAt are left empty (PublishedAt is the
// recording time where no publication time was stored, as elsewhere).
func (s *Store) CurrentFigures(ctx context.Context, ids []int32, fn func(indicator string, figs []indicators.Observation) error) error {
	type seriesInfo struct {
		indicator, geography string
		breakdown            indicators.Breakdown
	}
	var w where
	w.addIf(ids != nil, "id = ANY(?)", ids)
	rows, err := s.pool.Query(ctx, `SELECT id, indicator_id, geography, dims FROM series WHERE `+w.sql(), w.args...)
	if err != nil {
		return err
	}
	series := map[int32]seriesInfo{}
	byIndicator := map[string][]int32{}
	dims := map[string]indicators.Breakdown{} // one map per distinct breakdown, shared
	var id int32
	var ind, geo string
	var dimsJSON []byte
	for rows.Next() {
		if err := rows.Scan(&id, &ind, &geo, &dimsJSON); err != nil {
			rows.Close()
			return err
		}
		b, ok := dims[string(dimsJSON)]
		if !ok {
			if err := json.Unmarshal(dimsJSON, &b); err != nil {
				rows.Close()
				return fmt.Errorf("series %d dims %s: %w", id, dimsJSON, err)
			}
			dims[string(dimsJSON)] = b
		}
		series[id] = seriesInfo{ind, geo, b}
		byIndicator[ind] = append(byIndicator[ind], id)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(series) == 0 {
		return nil
	}

	type periodInfo struct {
		label      string
		start, end time.Time
	}
	periods := map[int32]periodInfo{}
	rows, err = s.pool.Query(ctx, `SELECT id, period, period_start, period_end FROM periods`)
	if err != nil {
		return err
	}
	var p periodInfo
	for rows.Next() {
		if err := rows.Scan(&id, &p.label, &p.start, &p.end); err != nil {
			rows.Close()
			return err
		}
		periods[id] = p
	}
	if err := rows.Err(); err != nil {
		return err
	}

	releases := map[string]string{} // each release label kept once
	var figs []indicators.Observation
	for _, indicator := range slices.Sorted(maps.Keys(byIndicator)) {
		rows, err := s.pool.Query(ctx, `SELECT series_id, period_id, revision, value, numerator, denominator,
			ci_lower, ci_upper, suppressed, run_id,
				COALESCE(published_at, (SELECT recorded_at FROM ingest_runs r WHERE r.id = run_id)), release
			FROM figures WHERE series_id = ANY($1)`, byIndicator[indicator])
		if err != nil {
			return err
		}
		figs = figs[:0]
		var floats []float64 // the figures' numbers, allocated in blocks
		num := func(v pgtype.Float8) *float64 {
			if !v.Valid {
				return nil
			}
			if len(floats) == cap(floats) {
				floats = make([]float64, 0, 4096)
			}
			floats = append(floats, v.Float64)
			return &floats[len(floats)-1]
		}
		raw := binaryColumns(rows.FieldDescriptions())
		var sid, pid, rev int32
		var value, numerator, denominator, lower, upper pgtype.Float8
		var suppressed bool
		var run int64
		var published time.Time
		var release []byte
		for rows.Next() {
			if raw {
				// Decoded here: through Scan, decoding was most of the read.
				v := rows.RawValues()
				sid, pid, rev = int32(binary.BigEndian.Uint32(v[0])), int32(binary.BigEndian.Uint32(v[1])), int32(binary.BigEndian.Uint32(v[2]))
				value, numerator, denominator, lower, upper = float8(v[3]), float8(v[4]), float8(v[5]), float8(v[6]), float8(v[7])
				suppressed, run, published, release = v[8][0] != 0, int64(binary.BigEndian.Uint64(v[9])), timestamptz(v[10]), v[11]
			} else if err := rows.Scan(&sid, &pid, &rev, &value, &numerator, &denominator, &lower, &upper,
				&suppressed, &run, &published, &release); err != nil {
				rows.Close()
				return err
			}
			sr, per := series[sid], periods[pid]
			rel, ok := releases[string(release)]
			if !ok {
				rel = string(release)
				releases[rel] = rel
			}
			figs = append(figs, indicators.Observation{Indicator: sr.indicator, Period: per.label, Geography: sr.geography,
				Breakdown: sr.breakdown, Value: num(value), Numerator: num(numerator), Denominator: num(denominator),
				CILower: num(lower), CIUpper: num(upper), Suppressed: suppressed, PublishedAt: published, Release: rel,
				PeriodStart: per.start, PeriodEnd: per.end, Revision: int(rev), RunID: run})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if err := fn(indicator, figs); err != nil {
			return err
		}
	}
	return nil
}

// binaryColumns reports whether the figures' columns come in Postgres's
// binary format with the types decoded by hand above (pgx asks for it
// unless the connection uses the simple protocol, which gets text: then
// the rows are scanned).
func binaryColumns(fields []pgconn.FieldDescription) bool {
	want := []uint32{pgtype.Int4OID, pgtype.Int4OID, pgtype.Int4OID, pgtype.Float8OID, pgtype.Float8OID, pgtype.Float8OID,
		pgtype.Float8OID, pgtype.Float8OID, pgtype.BoolOID, pgtype.Int8OID, pgtype.TimestamptzOID, pgtype.TextOID}
	if len(fields) != len(want) {
		return false
	}
	for i, f := range fields {
		// A text column's bytes are the same in either format.
		if f.DataTypeOID != want[i] || f.Format != pgtype.BinaryFormatCode && f.DataTypeOID != pgtype.TextOID {
			return false
		}
	}
	return true
}

// float8 decodes a binary float8, NULL (nil) as not valid.
func float8(b []byte) pgtype.Float8 {
	if b == nil {
		return pgtype.Float8{}
	}
	return pgtype.Float8{Float64: math.Float64frombits(binary.BigEndian.Uint64(b)), Valid: true}
}

// timestamptz decodes a binary timestamptz (microseconds since 2000-01-01
// UTC) as pgx does, in the local time zone.
func timestamptz(b []byte) time.Time {
	us := int64(binary.BigEndian.Uint64(b))
	return time.Unix(946_684_800+us/1_000_000, (us%1_000_000)*1000)
}
