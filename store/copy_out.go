package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The full read of the figures comes in COPY's binary format, decoded
// here: a million rows through pgx's Scan (a scan plan and an interface
// per value) took as much CPU as Postgres took to send them.

// copyOut runs COPY (q) TO STDOUT in binary on tx's connection and gives
// each row's fields to row, in order; a NULL field is nil. The fields
// alias a buffer reused for the next rows.
func copyOut(ctx context.Context, tx pgx.Tx, q string, row func(fields [][]byte) error) error {
	d := &copyDecoder{row: row}
	if _, err := tx.Conn().PgConn().CopyTo(ctx, d, "COPY ("+q+") TO STDOUT (FORMAT binary)"); err != nil {
		return err
	}
	if d.err != nil {
		return d.err
	}
	if !d.ended {
		return fmt.Errorf("COPY of %q: the data ended without its trailer", q)
	}
	return nil
}

// copyHeader opens COPY's binary format: the signature, flags and an empty
// header extension.
var copyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// copyDecoder takes the COPY data as Postgres sends it (a message may end
// inside a row) and decodes whole rows.
type copyDecoder struct {
	row     func([][]byte) error
	buf     []byte // bytes not yet decoded
	header  bool
	ended   bool
	fields  [][]byte
	err     error
	decoded int
}

func (d *copyDecoder) Write(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	data := p
	if len(d.buf) > 0 {
		d.buf = append(d.buf, p...)
		data = d.buf
	}
	used, err := d.decode(data)
	if err != nil {
		d.err = err
		return 0, err
	}
	// Keep what is left of a row for the next message.
	rest := data[used:]
	if len(d.buf) > 0 {
		d.buf = append(d.buf[:0], rest...)
	} else {
		d.buf = append(d.buf, rest...)
	}
	return len(p), nil
}

// decode decodes the whole rows at the start of b and returns the bytes
// they took.
func (d *copyDecoder) decode(b []byte) (int, error) {
	off := 0
	if !d.header {
		if len(b) < len(copyHeader) {
			return 0, nil
		}
		if !bytes.Equal(b[:11], copyHeader[:11]) {
			return 0, fmt.Errorf("COPY data: not the binary format's signature")
		}
		if ext := binary.BigEndian.Uint32(b[15:19]); ext != 0 {
			return 0, fmt.Errorf("COPY data: a header extension of %d bytes", ext)
		}
		off, d.header = len(copyHeader), true
	}
	for off+2 <= len(b) && !d.ended {
		n := int16(binary.BigEndian.Uint16(b[off:]))
		if n == -1 {
			d.ended = true
			return off + 2, nil
		}
		at := off + 2
		d.fields = d.fields[:0]
		whole := true
		for range n {
			if at+4 > len(b) {
				whole = false
				break
			}
			size := int32(binary.BigEndian.Uint32(b[at:]))
			at += 4
			if size < 0 {
				d.fields = append(d.fields, nil)
				continue
			}
			if at+int(size) > len(b) {
				whole = false
				break
			}
			d.fields = append(d.fields, b[at:at+int(size):at+int(size)])
			at += int(size)
		}
		if !whole {
			break
		}
		if err := d.row(d.fields); err != nil {
			return 0, fmt.Errorf("row %d: %w", d.decoded+1, err)
		}
		d.decoded++
		off = at
	}
	return off, nil
}
