// Package tabular reads the survey and register tables that Danish
// public-health publishers put out as CSV or XLSX (LUP patient-experience
// surveys, Kræftens Bekæmpelse's Barometer survey, Sundhedsdatastyrelsen's
// eSundhed exports, Statistics Denmark) into a grid of strings, and parses
// the figures in them the way those publishers write numbers.
//
// The package deliberately stops at text: a Grid holds each cell as the
// publisher shows it, and the caller decides which columns it wants
// (FindHeader) and how to read each figure (Number). Keeping the two steps
// apart lets every error name the file, sheet and cell a person would open
// to check it (Grid.Pos).
package tabular

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Grid is a table as read: rows of cells as text, with where each came from.
type Grid struct {
	Name  string     // file name, for messages
	Sheet string     // XLSX sheet name, "" for CSV
	Rows  [][]string // as in the file; rows may have different lengths
}

// Options tune how a file is read. The zero value suits most files.
type Options struct {
	// Sheet is the XLSX sheet to read; "" means the first sheet. An unknown
	// sheet is an error that names the sheets the workbook has.
	Sheet string
	// Comma is the CSV field separator; 0 sniffs it from the first
	// non-empty line among ';', ',' and '\t', preferring ';' on ties.
	Comma rune
}

// Read picks the reader from the name's extension (.csv, .tsv and .txt are
// CSV; .xlsx and .xlsm are XLSX) or, for any other name, from the content:
// an XLSX workbook is a zip archive and so starts with "PK\x03\x04".
func Read(name string, data []byte, opt Options) (*Grid, error) {
	if IsCSV(name, data) {
		return ReadCSV(name, data, opt)
	}
	// Some sites serve XLSX under an .xls name; the old binary format
	// itself is beyond excelize, and guessing at it would only produce
	// garbage cells.
	if strings.EqualFold(filepath.Ext(name), ".xls") && !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil, fmt.Errorf("%s: the old binary .xls format is not supported; save the file as .xlsx or CSV", name)
	}
	return ReadXLSX(name, data, opt)
}

// IsCSV reports whether Read takes a file of this name, starting with
// head (its first few bytes), as CSV.
func IsCSV(name string, head []byte) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".tsv", ".txt":
		return true
	case ".xlsx", ".xlsm", ".xls":
		return false
	}
	return !bytes.HasPrefix(head, []byte("PK\x03\x04"))
}

// Pos names a cell for error messages, the way a person finds it in the
// file: for CSV `file.csv: row 4, column 3 ("Andel")`, for XLSX
// `file.xlsx: sheet "Tabel 2", cell C4 ("Andel")`. row and col count from 0
// in Rows; heading, if not empty, is the column's heading.
func (g *Grid) Pos(row, col int, heading string) string {
	s := g.Name + ": " + g.cellName(row, col)
	if g.Sheet != "" {
		s = fmt.Sprintf("%s: sheet %q, %s", g.Name, g.Sheet, g.cellName(row, col))
	}
	if heading != "" {
		s += fmt.Sprintf(" (%q)", heading)
	}
	return s
}

// where is the file, and for XLSX the sheet, that a message is about.
func (g *Grid) where() string {
	if g.Sheet == "" {
		return g.Name
	}
	return fmt.Sprintf("%s: sheet %q", g.Name, g.Sheet)
}

// cellName names one cell as the program that shows the file does: a
// spreadsheet's "C4", or a CSV file's row and column numbers from 1.
func (g *Grid) cellName(row, col int) string {
	if g.Sheet == "" {
		return fmt.Sprintf("row %d, column %d", row+1, col+1)
	}
	return fmt.Sprintf("cell %s%d", columnName(col), row+1)
}

// columnName turns a column index from 0 into spreadsheet letters: 0 → A,
// 25 → Z, 26 → AA.
func columnName(col int) string {
	if col < 0 {
		return "?"
	}
	var b []byte
	for n := col + 1; n > 0; n = (n - 1) / 26 {
		b = append(b, byte('A'+(n-1)%26))
	}
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// FindHeader returns the index of the first row that contains every one of
// the wanted headings, and the column index of each, keyed by the heading
// as given in want. Headings compare case-insensitively after trimming and
// collapsing inner whitespace, because publishers retype their headings
// from year to year ("Antal  besvarelser", "antal besvarelser").
//
// A wanted heading that appears twice in the header row is an error rather
// than a guess: tables that repeat "Andel" under each year would otherwise
// be read from whichever column happens to come first.
func (g *Grid) FindHeader(want []string) (row int, cols map[string]int, err error) {
	for r := range g.Rows {
		cols, err := g.HeaderAt(r, want)
		if err != nil || cols != nil {
			return r, cols, err
		}
	}
	quoted := make([]string, len(want))
	for i, w := range want {
		quoted[i] = fmt.Sprintf("%q", w)
	}
	return 0, nil, fmt.Errorf("no row has the columns %s (%s)", strings.Join(quoted, ", "), g.firstRows(3))
}

// HeaderAt returns the column of each wanted heading if row r has them
// all, as FindHeader does, or nil if it does not: a caller reading a file
// row by row finds the header with it.
func (g *Grid) HeaderAt(r int, want []string) (map[string]int, error) {
	cells := g.Rows[r]
	at := make(map[string][]int, len(cells))
	for c, cell := range cells {
		k := normHeading(cell)
		at[k] = append(at[k], c)
	}
	for _, w := range want {
		if len(at[normHeading(w)]) == 0 {
			return nil, nil
		}
	}
	cols := make(map[string]int, len(want))
	for _, w := range want {
		if cs := at[normHeading(w)]; len(cs) > 1 {
			return nil, fmt.Errorf("%s: the header row has the column %q more than once: %s and %s",
				g.where(), w, g.cellName(r, cs[0]), g.cellName(r, cs[1]))
		}
		cols[w] = at[normHeading(w)][0]
	}
	return cols, nil
}

// normHeading is the form in which headings are compared.
func normHeading(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// firstRows describes the first n non-empty rows briefly, so that an error
// shows which table was read without dumping it.
func (g *Grid) firstRows(n int) string {
	var parts []string
	for r, cells := range g.Rows {
		if len(parts) == n {
			break
		}
		var texts []string
		for _, c := range cells {
			if c := strings.Join(strings.Fields(c), " "); c != "" {
				texts = append(texts, c)
			}
		}
		if len(texts) == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("row %d %q", r+1, shorten(strings.Join(texts, " | "), 60)))
	}
	if len(parts) == 0 {
		return "the table is empty"
	}
	return "first rows: " + strings.Join(parts, "; ")
}

// shorten cuts s to at most n runes, marking the cut with "…".
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
