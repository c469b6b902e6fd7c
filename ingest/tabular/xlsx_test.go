package tabular

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

const title = "Tabel 2. Andel, der oplevede god information"

// buildWorkbook makes a workbook shaped like a survey publisher's: an index
// sheet first, then "Tabel 2" with a merged title row above the header, a
// region name merged over two rows, a suppressed cell, and figures stored
// both as numbers (with number formats) and as Danish text.
func buildWorkbook(t testing.TB) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "Oversigt"))
	must(f.SetCellValue("Oversigt", "A1", "Indhold"))
	_, err := f.NewSheet("Tabel 2")
	must(err)
	const s = "Tabel 2"
	grouped, err := f.NewStyle(&excelize.Style{NumFmt: 3}) // #,##0
	must(err)
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	must(err)
	for cell, v := range map[string]any{
		"A1": title,
		"A3": "Region", "B3": "År", "C3": "Andel", "D3": "Besvarelser",
		"A4": "Region Sjælland", "B4": 2022, "C4": 38.5, "D4": 1234,
		"B5": 2023, "C5": "38,5 %", "D5": "–",
		"A6": "Region Hovedstaden", "B6": 2023, "C6": 0.412, "D6": 2345,
	} {
		must(f.SetCellValue(s, cell, v))
	}
	must(f.SetCellStyle(s, "D4", "D4", grouped))
	must(f.SetCellStyle(s, "C6", "C6", pct))
	must(f.MergeCell(s, "A1", "D1"))
	must(f.MergeCell(s, "A4", "A5"))
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadXLSX(t *testing.T) {
	data := buildWorkbook(t)
	g, err := ReadXLSX("lup.xlsx", data, Options{Sheet: "Tabel 2"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{title, title, title, title}, // merged title fills its range
		{},
		{"Region", "År", "Andel", "Besvarelser"},
		{"Region Sjælland", "2022", "38.5", "1234"}, // not "1,234": that would read as 1.234
		{"Region Sjælland", "2023", "38,5 %", "–"},  // region filled down from the merge
		{"Region Hovedstaden", "2023", "41.20%", "2345"},
	}
	if !reflect.DeepEqual(g.Rows, want) {
		t.Fatalf("rows\n got %q\nwant %q", g.Rows, want)
	}
	if g.Name != "lup.xlsx" || g.Sheet != "Tabel 2" {
		t.Errorf("name %q, sheet %q", g.Name, g.Sheet)
	}

	// What the caller will do with it: every figure reads as published.
	row, cols, err := g.FindHeader([]string{"region", "ANDEL", "Besvarelser"})
	if err != nil {
		t.Fatal(err)
	}
	if row != 2 {
		t.Errorf("header row %d, want 2", row)
	}
	type fig struct {
		v   float64
		pct bool
		err error
	}
	var got []fig
	for _, r := range g.Rows[row+1:] {
		for _, h := range []string{"ANDEL", "Besvarelser"} {
			v, pct, err := Number(r[cols[h]])
			got = append(got, fig{v, pct, err})
		}
	}
	wantFigs := []fig{{38.5, false, nil}, {1234, false, nil}, {38.5, true, nil}, {0, false, ErrSuppressed}, {41.2, true, nil}, {2345, false, nil}}
	if !reflect.DeepEqual(got, wantFigs) {
		t.Errorf("figures\n got %v\nwant %v", got, wantFigs)
	}
	if got, want := g.Pos(3, cols["ANDEL"], "Andel"), `lup.xlsx: sheet "Tabel 2", cell C4 ("Andel")`; got != want {
		t.Errorf("Pos = %s, want %s", got, want)
	}
}

func TestReadXLSXSheets(t *testing.T) {
	data := buildWorkbook(t)
	for _, tc := range []struct {
		sheet, want, err string
	}{
		{sheet: "", want: "Oversigt"},
		{sheet: "Tabel 2", want: "Tabel 2"},
		{sheet: "tabel 2", want: "Tabel 2"}, // Excel's sheet names ignore case
		{sheet: "Tabel 3", err: `lup.xlsx: no sheet "Tabel 3"; the workbook has "Oversigt", "Tabel 2"`},
	} {
		t.Run("sheet="+tc.sheet, func(t *testing.T) {
			g, err := ReadXLSX("lup.xlsx", data, Options{Sheet: tc.sheet})
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("sheet %q: error %v, want %s", tc.sheet, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Errorf("sheet %q: %v", tc.sheet, err)
				return
			}
			if g.Sheet != tc.want {
				t.Errorf("sheet %q: read %q, want %q", tc.sheet, g.Sheet, tc.want)
			}
		})
	}
}

func TestReadXLSXBroken(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("PK\x03\x04garbage"), []byte("År;Andel\n")} {
		t.Run(fmt.Sprintf("%q", data), func(t *testing.T) {
			_, err := ReadXLSX("x.xlsx", data, Options{})
			if err == nil || !strings.HasPrefix(err.Error(), "x.xlsx: ") {
				t.Errorf("ReadXLSX(%q): error %v, want one naming x.xlsx", data, err)
			}
		})
	}
}

// A file that merges the whole sheet must not make the reader copy one
// value into billions of cells. (excelize's own MergeCell clears the range
// and takes seconds on a range this size, so the guard is tested directly.)
func TestFillMergedLimit(t *testing.T) {
	rows := make([][]string, 2000)
	rows[0] = make([]string, 16384)
	rows[0][0] = "x"
	err := fillMerged(rows, []excelize.MergeCell{{"A1:XFD2000", ""}})
	if err == nil || !strings.Contains(err.Error(), "merged ranges cover more than") {
		t.Errorf("got %v, want the merge limit error", err)
	}
	// A range beyond the data is clipped, not grown.
	rows = [][]string{{"Region Syd", "1"}, {"", "2"}}
	if err := fillMerged(rows, []excelize.MergeCell{{"A1:Z9", ""}}); err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"Region Syd", "Region Syd"}, {"Region Syd", "Region Syd"}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
}

func TestDropGroupingCommas(t *testing.T) {
	for in, want := range map[string]string{
		"1,234":         "1234",
		"12,345.67":     "12345.67",
		"1,234,567":     "1234567",
		"-1,234 pct.":   "-1234 pct.",
		"Mar 5, 2023":   "Mar 5, 2023", // a date's comma is not grouping
		"1,2345":        "1,2345",
		"38.50%":        "38.50%",
		"(1,234)":       "(1234)",
		"1,234,5678.9":  "1234,5678.9",
		",123":          ",123",
		"1,23":          "1,23",
		"12,345,678.00": "12345678.00",
	} {
		t.Run(in, func(t *testing.T) {
			if got := dropGroupingCommas(in); got != want {
				t.Errorf("dropGroupingCommas(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestFindHeader(t *testing.T) {
	g := &Grid{Name: "b.csv", Rows: [][]string{
		{"Barometerundersøgelsen 2023"},
		{"Kilde: Kræftens Bekæmpelse"},
		{},
		{"  ÅR ", "Region", "Antal\u00a0 besvarelser", "Andel"},
		{"2023", "Syd", "120", "38,5"},
	}}
	row, cols, err := g.FindHeader([]string{"år", "antal besvarelser", "Andel"})
	if err != nil {
		t.Fatal(err)
	}
	wantCols := map[string]int{"år": 0, "antal besvarelser": 2, "Andel": 3}
	if row != 3 || !reflect.DeepEqual(cols, wantCols) {
		t.Errorf("FindHeader = %d, %v; want 3, %v", row, cols, wantCols)
	}

	_, _, err = g.FindHeader([]string{"År", "Andel", "Køn"})
	want := `no row has the columns "År", "Andel", "Køn" (first rows: row 1 "Barometerundersøgelsen 2023"; row 2 "Kilde: Kræftens Bekæmpelse"; row 4 "ÅR | Region | Antal besvarelser | Andel")`
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}

	empty := &Grid{Name: "e.csv"}
	if _, _, err := empty.FindHeader([]string{"År"}); err == nil || !strings.Contains(err.Error(), "the table is empty") {
		t.Errorf("empty grid: %v", err)
	}

	// Two "Andel" columns (one per year) must not silently pick the first.
	dup := &Grid{Name: "d.xlsx", Sheet: "Tabel 1", Rows: [][]string{{"Region", "Andel", "Andel"}}}
	_, _, err = dup.FindHeader([]string{"Region", "Andel"})
	want = `d.xlsx: sheet "Tabel 1": the header row has the column "Andel" more than once: cell B1 and cell C1`
	if err == nil || err.Error() != want {
		t.Errorf("duplicate heading\n got %v\nwant %s", err, want)
	}
}

func TestColumnName(t *testing.T) {
	for col, want := range map[int]string{0: "A", 2: "C", 25: "Z", 26: "AA", 701: "ZZ", 702: "AAA", 16383: "XFD"} {
		t.Run(want, func(t *testing.T) {
			if got := columnName(col); got != want {
				t.Errorf("columnName(%d) = %s, want %s", col, got, want)
			}
		})
	}
}
