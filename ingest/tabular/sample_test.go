package tabular

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite testdata/suppressed.xlsx from TestWriteSample")

var samplePath = filepath.Join("testdata", "suppressed.xlsx")

// sampleTitle marks the fixture for anyone who opens it in Excel: its
// figures test formats and mean nothing.
const sampleTitle = "Formattest – tallene er opdigtede, ikke statistik"

// sampleWorkbook builds testdata/suppressed.xlsx, a small workbook shaped
// like a LUP table: a title row, the header År/Region/Besvarelser/Andel, a
// share stored as a formatted number, one suppressed "–", and figures typed
// as Danish text.
func sampleWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const s = "Tabel 1"
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(f.SetSheetName("Sheet1", s))
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	check(err)
	for cell, v := range map[string]any{
		"A1": sampleTitle,
		"A3": "År", "B3": "Region", "C3": "Besvarelser", "D3": "Andel",
		"A4": 2023, "B4": "Region Nordjylland", "C4": 412, "D4": 0.385,
		"A5": 2023, "B5": "Region Sjælland", "C5": 9, "D5": "–",
		"A6": 2023, "B6": "Region Syddanmark", "C6": "1.234", "D6": "41,2 %",
	} {
		check(f.SetCellValue(s, cell, v))
	}
	check(f.SetCellStyle(s, "D4", "D4", pct))
	check(f.MergeCell(s, "A1", "D1"))
	var buf bytes.Buffer
	_, err = f.WriteTo(&buf)
	check(err)
	return buf.Bytes()
}

// TestWriteSample fails when the checked-in sample no longer matches its
// generator; -update rewrites it:
// go test ./ingest/tabular -run TestWriteSample -update
func TestWriteSample(t *testing.T) {
	want := sampleWorkbook(t)
	if *update {
		if err := os.WriteFile(samplePath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	gotGrid, err := ReadXLSX(samplePath, got, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantGrid, err := ReadXLSX(samplePath, want, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotGrid.Rows, wantGrid.Rows) {
		t.Errorf("%s is stale: run go test ./ingest/tabular -run TestWriteSample -update\nchecked in: %q\ngenerated:  %q", samplePath, gotGrid.Rows, wantGrid.Rows)
	}
}

// The checked-in sample reads back as published, and its "–" is a
// suppressed figure, not a zero.
func TestSuppressedSample(t *testing.T) {
	data, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Read("suppressed.xlsx", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{sampleTitle, sampleTitle, sampleTitle, sampleTitle},
		{},
		{"År", "Region", "Besvarelser", "Andel"},
		{"2023", "Region Nordjylland", "412", "38.50%"},
		{"2023", "Region Sjælland", "9", "–"},
		{"2023", "Region Syddanmark", "1.234", "41,2 %"},
	}
	if g.Sheet != "Tabel 1" || !reflect.DeepEqual(g.Rows, want) {
		t.Fatalf("sheet %q rows\n got %q\nwant %q", g.Sheet, g.Rows, want)
	}
	row, cols, err := g.FindHeader([]string{"År", "Region", "Besvarelser", "Andel"})
	if err != nil {
		t.Fatal(err)
	}
	cell := g.Rows[row+2][cols["Andel"]]
	if !IsSuppressed(cell) {
		t.Errorf("%s = %q: not suppressed", g.Pos(row+2, cols["Andel"], "Andel"), cell)
	}
	if v, _, err := Number(cell); err != ErrSuppressed {
		t.Errorf("Number(%q) = %v, %v; want ErrSuppressed", cell, v, err)
	}
	if v, _, err := Number(g.Rows[row+3][cols["Besvarelser"]]); err != nil || v != 1234 {
		t.Errorf("Besvarelser \"1.234\" = %v, %v; want 1234", v, err)
	}
}
