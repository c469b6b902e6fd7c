package tabular

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzNumber(f *testing.F) {
	for _, s := range []string{
		"38", "38,5", "38.5", "1.234,5", "1 234,5", "1,234.5", "38 %", "-2,1", "−2,1", "+3",
		"1.234", "0.123", "12,3,4", "1.23.4", "–", "..", "n/a", "", "NaN", "1e5", "1\u202f234",
		strings.Repeat("9", 400), "-%", "5,", ",5",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, _, err := Number(s)
		if IsSuppressed(s) != errors.Is(err, ErrSuppressed) {
			t.Fatalf("Number(%q): IsSuppressed %v but error %v", s, IsSuppressed(s), err)
		}
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("Number(%q): empty error", s)
			}
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("Number(%q) = %v, want a finite number", s, v)
		}
	})
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"\xEF\xBB\xBFÅr;Region;Andel\r\n2023;Region Sjælland;38,5\r\n",
		"Region;Andel\nRegion Sj\xE6lland;38,5\n",
		"a,\"b;\nc\",d\n\n\n",
		"\xFF\xFE\xC5\x00r\x00",
		"\"unterminated;quote\n1;2",
	} {
		f.Add([]byte(s), rune(0))
	}
	f.Add([]byte("a|b\n"), '|')
	f.Fuzz(func(t *testing.T, data []byte, comma rune) {
		g, err := ReadCSV("f.csv", data, Options{Comma: comma})
		if err != nil {
			return
		}
		for i, row := range g.Rows {
			if row == nil {
				t.Fatalf("row %d is nil", i)
			}
			for _, c := range row {
				// Cells go to Postgres, which refuses invalid UTF-8.
				if !utf8.ValidString(c) || c != strings.TrimSpace(c) {
					t.Fatalf("row %d: cell %q not valid, trimmed UTF-8", i, c)
				}
			}
		}
	})
}

func FuzzReadXLSX(f *testing.F) {
	sample, err := os.ReadFile(samplePath)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample, "")
	f.Add(sample, "Tabel 1")
	f.Add(buildWorkbook(f), "Tabel 2")
	f.Add([]byte("PK\x03\x04"), "")
	// Mutations of a deflated zip almost all die at the checksum, before
	// excelize sees any XML. Stored entries without a checksum let the
	// fuzzer reach the sheet, shared strings and styles parsers.
	stored := storedZip(f, sample)
	if _, err := ReadXLSX("stored.xlsx", stored, Options{}); err != nil {
		f.Fatalf("the stored seed must be readable to be worth mutating: %v", err)
	}
	f.Add(stored, "")
	f.Add(storedZip(f, buildWorkbook(f)), "Tabel 2")
	f.Fuzz(func(t *testing.T, data []byte, sheet string) {
		g, err := ReadXLSX("f.xlsx", data, Options{Sheet: sheet})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.xlsx: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for i, row := range g.Rows {
			if row == nil {
				t.Fatalf("row %d is nil", i)
			}
		}
	})
}

// storedZip repacks a zip archive with every entry stored uncompressed and
// its CRC-32 left 0, which archive/zip takes as "do not check".
func storedZip(t testing.TB, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name:               zf.Name,
			Method:             zip.Store,
			CompressedSize64:   uint64(len(body)),
			UncompressedSize64: uint64(len(body)),
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
