package tabular

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/internal/testkit"
)

// workbook writes a one-sheet workbook whose sheet data rows writes.
func workbook(t *testing.T, rows func(*bufio.Writer), shared ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := testkit.WriteXLSX(&buf, rows, shared...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Every bound of the XLSX reader refuses a sheet beyond it with a message
// naming the file, the sheet or cell and the bound, as ErrTooLarge.
func TestReadXLSXBounds(t *testing.T) {
	for _, c := range []struct {
		name   string
		data   func(t *testing.T) []byte
		want   string
		tooBig bool
	}{
		{"a small sheet is read", func(t *testing.T) []byte {
			return workbook(t, func(w *bufio.Writer) {
				w.WriteString(`<row><c t="inlineStr"><is><t>Region Syd</t></is></c><c><v>1</v></c></row>`)
			})
		}, "", false},
		{"unpacked beyond the workbook bound", func(t *testing.T) []byte {
			return workbook(t, func(w *bufio.Writer) { w.WriteString(strings.Repeat(" ", MaxUnpacked)) })
		}, `b.xlsx: the workbook unpacks to 16.0 MiB from a file of`, true},
		{"a cell beyond Excel's length", func(t *testing.T) []byte {
			return workbook(t, func(w *bufio.Writer) {
				fmt.Fprintf(w, `<row><c t="inlineStr"><is><t>%s</t></is></c></row>`, strings.Repeat("x", MaxCellBytes+1))
			})
		}, `b.xlsx: sheet "Tabel 1": cell A1 holds 131069 bytes of text, more than a cell may`, true},
		{"more cells than a sheet may have", func(t *testing.T) []byte {
			return workbook(t, func(w *bufio.Writer) {
				row := "<row>" + strings.Repeat(`<c><v>1</v></c>`, 1000) + "</row>"
				for range MaxSheetCells/1000 + 1 {
					w.WriteString(row)
				}
			})
		}, `b.xlsx: sheet "Tabel 1": the sheet has more than 300000 cells (up to row 301)`, true},
		{"a row far beyond the rows a sheet may have", func(t *testing.T) []byte {
			return workbook(t, func(w *bufio.Writer) { w.WriteString(`<row r="1000000"><c><v>1</v></c></row>`) })
		}, `b.xlsx: sheet "Tabel 1": the sheet has more than 200000 rows`, true},
		{"a long shared string in every cell", func(t *testing.T) []byte {
			return workbook(t, func(w *bufio.Writer) {
				row := "<row>" + strings.Repeat(`<c t="s"><v>0</v></c>`, 100) + "</row>"
				for range 400 {
					w.WriteString(row)
				}
			}, strings.Repeat("x", 100_000))
		}, `b.xlsx: sheet "Tabel 1": the sheet's cells hold more than 32.0 MiB of text`, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, err := ReadXLSX("b.xlsx", c.data(t), Options{})
			if c.want == "" {
				if err != nil || len(g.Rows) != 1 || g.Rows[0][0] != "Region Syd" {
					t.Fatalf("got %v, %v", g, err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), c.want) || !strings.HasSuffix(err.Error(), "; nothing was read") {
				t.Fatalf("got %v\nwant an error starting %q", err, c.want)
			}
			if errors.Is(err, ErrTooLarge) != c.tooBig {
				t.Errorf("errors.Is(err, ErrTooLarge) = %v", !c.tooBig)
			}
		})
	}
}

// A CSV row is bounded however it runs on: a line without a break, a
// quote never closed; a UTF-16 file, decoded whole, is bounded too.
func TestReadCSVBounds(t *testing.T) {
	long := strings.Repeat("x", MaxRowBytes+1)
	for _, c := range []struct {
		name, data, want string
	}{
		{"a line without a break", "År;Andel\n2024;" + long, `c.csv: the row after row 1 runs on for more than 1.0 MiB`},
		{"a quote never closed", "År;Andel\n2024;\"38,5\n" + strings.Repeat("2024;38,5\n", MaxRowBytes/10+1), `c.csv: the row after row 1 runs on for more than 1.0 MiB`},
		{"a UTF-16 file beyond its bound", "\xff\xfe" + strings.Repeat("x", MaxUTF16+1), `c.csv: a UTF-16 text file is read whole, and this one is larger than the 16.0 MiB`},
		{"long rows within the bound", "År;Andel\n2024;" + long[:MaxRowBytes/2] + "\n2025;1\n", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, err := ReadCSV("c.csv", []byte(c.data), Options{})
			if c.want == "" {
				if err != nil || len(g.Rows) != 3 {
					t.Fatalf("got %v rows, %v", g, err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), c.want) || !errors.Is(err, ErrTooLarge) {
				t.Fatalf("got %v\nwant an ErrTooLarge starting %q", err, c.want)
			}
		})
	}
}
