package tabular

import (
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		opt  Options
		want [][]string
	}{
		{
			name: "semicolon with BOM",
			data: "\xEF\xBB\xBFÅr;Region;Andel\r\n2023;Region Sjælland;38,5\r\n",
			want: [][]string{{"År", "Region", "Andel"}, {"2023", "Region Sjælland", "38,5"}},
		},
		{
			name: "Windows-1252",
			// "Region Sjælland", "Ærø", "Øst" and "€" as Danish Excel saves them.
			data: "Region;Andel\nRegion Sj\xE6lland;38,5\n\xC6r\xF8;\x80\n\xD8st \x96 \xC5rhus;1\n",
			want: [][]string{{"Region", "Andel"}, {"Region Sjælland", "38,5"}, {"Ærø", "€"}, {"Øst – Århus", "1"}},
		},
		{
			name: "UTF-16 from Excel's Unicode text export",
			data: "\xFF\xFE\xC5\x00r\x00\t\x00A\x00\n\x002\x00\t\x00x\x00",
			want: [][]string{{"År", "A"}, {"2", "x"}},
		},
		{
			name: "comma sniffed",
			data: "year,region,share\n2023,\"Region Sjælland\",38.5\n",
			want: [][]string{{"year", "region", "share"}, {"2023", "Region Sjælland", "38.5"}},
		},
		{
			name: "tab sniffed",
			data: "År\tAndel\n2023\t38,5\n",
			want: [][]string{{"År", "Andel"}, {"2023", "38,5"}},
		},
		{
			name: "tie goes to semicolon",
			data: "a,b;c\n1,5;2\n",
			want: [][]string{{"a,b", "c"}, {"1,5", "2"}},
		},
		{
			name: "separator given",
			data: "a;b|c\n",
			opt:  Options{Comma: '|'},
			want: [][]string{{"a;b", "c"}},
		},
		{
			name: "sniffing skips leading blank lines and ignores quoted commas",
			data: "\n\n\"Andel, pct.\";\"År\"\n38,5;2023\n",
			want: [][]string{{}, {}, {"Andel, pct.", "År"}, {"38,5", "2023"}},
		},
		{
			name: "quoted field with separator and newline",
			data: "Region;Note\n\"Syd; Nord\";\"linje 1\nlinje 2\"\nHovedstaden;ok\n",
			want: [][]string{{"Region", "Note"}, {"Syd; Nord", "linje 1\nlinje 2"}, {"Hovedstaden", "ok"}},
		},
		{
			name: "stray quote kept as text",
			data: "Navn;Andel\n12\" skærm;3\n",
			want: [][]string{{"Navn", "Andel"}, {"12\" skærm", "3"}},
		},
		{
			name: "cells trimmed, ragged rows kept",
			data: "Tabel 1\n År ; Andel\u00a0;Note\n2023; 38,5 \n",
			want: [][]string{{"Tabel 1"}, {"År", "Andel", "Note"}, {"2023", "38,5"}},
		},
		{
			name: "blank line inside kept, trailing empty rows dropped",
			data: "a;b\n\n1;2\n;;\n\n\r\n",
			want: [][]string{{"a", "b"}, {}, {"1", "2"}},
		},
		{
			name: "empty file",
			data: "",
			want: [][]string{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := ReadCSV("t.csv", []byte(tc.data), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(g.Rows, tc.want) {
				t.Errorf("rows\n got %q\nwant %q", g.Rows, tc.want)
			}
			if g.Name != "t.csv" || g.Sheet != "" {
				t.Errorf("name %q sheet %q", g.Name, g.Sheet)
			}
		})
	}
}

func TestReadCSVBadSeparator(t *testing.T) {
	_, err := ReadCSV("t.csv", []byte("a;b\n"), Options{Comma: '"'})
	if err == nil || !strings.HasPrefix(err.Error(), "t.csv: ") {
		t.Errorf("got %v, want an error naming t.csv", err)
	}
}

// The row in a message must be the row a person sees when opening the
// file, even after blank lines and a quoted field spanning two lines.
func TestCSVPos(t *testing.T) {
	data := "Titel\n\nÅr;Region;Andel\n\"2023\";\"Syd\nNord\";38,5\n2024;Syd;x\n"
	g, err := ReadCSV("lup.csv", []byte(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	row, cols, err := g.FindHeader([]string{"Andel"})
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Rows[4][cols["Andel"]]; got != "x" {
		t.Fatalf("cell = %q, want x (rows %q)", got, g.Rows)
	}
	if got, want := g.Pos(4, cols["Andel"], "Andel"), `lup.csv: row 5, column 3 ("Andel")`; got != want {
		t.Errorf("Pos = %s, want %s", got, want)
	}
	if got, want := g.Pos(row, 0, ""), `lup.csv: row 3, column 1`; got != want {
		t.Errorf("Pos = %s, want %s", got, want)
	}
}

func TestRead(t *testing.T) {
	xlsx := buildWorkbook(t)
	for _, tc := range []struct {
		name  string
		data  []byte
		sheet string // "" for CSV
		err   string
	}{
		{name: "a.csv", data: []byte("a;b\n")},
		{name: "a.TXT", data: []byte("a;b\n")},
		{name: "a.xlsx", data: xlsx, sheet: "Oversigt"},
		{name: "download", data: xlsx, sheet: "Oversigt"},
		{name: "download", data: []byte("a;b\n")},
		{name: "misnamed.xls", data: xlsx, sheet: "Oversigt"},
		{name: "old.xls", data: []byte("\xD0\xCF\x11\xE0"), err: "old.xls: the old binary .xls format is not supported"},
		{name: "broken.xlsx", data: []byte("a;b\n"), err: "broken.xlsx: not a readable XLSX workbook"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := Read(tc.name, tc.data, Options{})
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Errorf("Read(%s): error %v, want %q", tc.name, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Errorf("Read(%s): %v", tc.name, err)
				return
			}
			if g.Sheet != tc.sheet || len(g.Rows) == 0 {
				t.Errorf("Read(%s): sheet %q, %d rows; want sheet %q", tc.name, g.Sheet, len(g.Rows), tc.sheet)
			}
		})
	}
}

// TestCSVReaderLargeFile reads a file larger than every buffer row by row:
// blank lines far down keep their row numbers, a multibyte letter is cut
// by any buffer boundary, and Windows-1252 letters are decoded throughout.
func TestCSVReaderLargeFile(t *testing.T) {
	for _, enc := range []string{"utf-8", "windows-1252"} {
		t.Run(enc, func(t *testing.T) {
			var b strings.Builder
			var want [][]string
			b.WriteString("Kommune;Andel\n")
			want = append(want, []string{"Kommune", "Andel"})
			for i := range 30000 {
				if i%997 == 0 {
					b.WriteString("\n")
					want = append(want, []string{})
				}
				name := "Ærø" + strings.Repeat("x", i%7)
				if enc == "windows-1252" {
					b.WriteString("\xC6r\xF8" + strings.Repeat("x", i%7))
				} else {
					b.WriteString(name)
				}
				b.WriteString(";\"" + strconv.Itoa(i) + ",5\"\n")
				want = append(want, []string{name, strconv.Itoa(i) + ",5"})
			}
			cr, err := NewCSVReader("big.csv", strings.NewReader(b.String()), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; ; i++ {
				row, err := cr.Next()
				if err == io.EOF {
					if i != len(want) {
						t.Fatalf("%s: %d rows, want %d", enc, i, len(want))
					}
					break
				}
				if err != nil || cr.Row() != i || !reflect.DeepEqual(row, want[i]) {
					t.Fatalf("%s: row %d (Row() %d): got %q %v, want %q", enc, i, cr.Row(), row, err, want[i])
				}
			}
		})
	}
}
