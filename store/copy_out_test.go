package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// The full read decodes COPY's binary format as Postgres sends it, which
// may end a message inside a row: every row is decoded whole and the
// same, wherever the data is cut, and data that is not COPY's binary
// format is an error naming what is wrong.
func TestCopyDecoderReadsRowsCutAnywhere(t *testing.T) {
	var e rowEncoder
	e.b = append(e.b, copyHeader...)
	want := []string{}
	for i := range 5 {
		e.b = binary.BigEndian.AppendUint16(e.b, 3)
		e.int4(int32(i))
		if i%2 == 0 {
			e.null()
		} else {
			e.float8(ptr(float64(i) / 4))
		}
		e.text(strings.Repeat("æ", i))
		want = append(want, row(i, i%2 == 0, strings.Repeat("æ", i)))
	}
	e.b = binary.BigEndian.AppendUint16(e.b, 0xffff)
	data := e.b

	for _, size := range []int{1, 2, 3, 7, 19, len(data)} {
		t.Run(fmt.Sprintf("messages of %d bytes", size), func(t *testing.T) {
			var got []string
			d := &copyDecoder{row: func(f [][]byte) error {
				if len(f) != 3 {
					return fmt.Errorf("%d fields", len(f))
				}
				got = append(got, row(int(int32(binary.BigEndian.Uint32(f[0]))), f[1] == nil, string(f[2])))
				return nil
			}}
			for at := 0; at < len(data); at += size {
				msg := bytes.Clone(data[at:min(at+size, len(data))])
				if n, err := d.Write(msg); err != nil || n != len(msg) {
					t.Fatalf("at byte %d: wrote %d of %d: %v", at, n, len(msg), err)
				}
				clear(msg) // pgx reuses its buffer: nothing may keep it
			}
			if !d.ended || d.decoded != len(want) || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("decoded %d rows %v (ended %v), want %v", d.decoded, got, d.ended, want)
			}
		})
	}
	t.Run("not COPY's binary format", func(t *testing.T) {
		d := &copyDecoder{row: func([][]byte) error { return nil }}
		if _, err := d.Write([]byte("series_id\tperiod_id\n1\t2\n\\.\n")); err == nil || !strings.Contains(err.Error(), "signature") {
			t.Errorf("text COPY data: %v, want an error naming the signature", err)
		}
	})
	t.Run("a row the reader refuses", func(t *testing.T) {
		d := &copyDecoder{row: func([][]byte) error { return fmt.Errorf("no such run") }}
		if _, err := d.Write(data); err == nil || !strings.Contains(err.Error(), "row 1: no such run") {
			t.Errorf("refused row: %v, want the row's number and the reason", err)
		}
	})
}

func row(i int, null bool, text string) string { return fmt.Sprintf("%d/%v/%q", i, null, text) }

func ptr(v float64) *float64 { return &v }
