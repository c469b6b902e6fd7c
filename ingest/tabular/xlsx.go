package tabular

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// The bounds of what ReadXLSX reads. kpv reads survey appendices and
// register tables: a few hundred rows, a few megabytes unpacked at most. A
// workbook beyond any of them is refused with a message naming the bound
// and the file (ErrTooLarge), before it can take memory in proportion to
// what it claims to hold; so reading any file stays within a few tens of
// megabytes.
const (
	// MaxUnpacked is how much a workbook may unpack to, all its parts
	// together (from the zip directory, checked before anything is
	// unpacked; Go's zip reader refuses a part longer than it says).
	MaxUnpacked = 16 << 20
	// inMemoryPart is the largest part excelize keeps in memory; a larger
	// sheet or string table is unpacked to a temporary file and streamed.
	inMemoryPart = 1 << 20
	// MaxCellBytes bounds one cell's text: Excel's own limit is 32,767
	// characters.
	MaxCellBytes = 32767 * 4
	// MaxSheetRows and MaxSheetCells bound the rows of the sheet read and
	// the cells in them (the empty ones before a row's last cell count).
	MaxSheetRows  = 200_000
	MaxSheetCells = 300_000
	// MaxSheetText bounds the text of all the cells read from the sheet
	// (shared strings can repeat a long text in every cell).
	MaxSheetText = 32 << 20
	// mergeFillLimit caps how many cells merged ranges may fill. A hostile
	// or broken file can merge A1:XFD1048576, which would otherwise mean
	// seventeen billion copies of one string.
	mergeFillLimit = 1 << 20
)

// ErrTooLarge marks a file refused for exceeding one of the bounds on what
// kpv reads; the message names the file and the bound.
var ErrTooLarge = errors.New("too large to read")

// tooLarge is an ErrTooLarge naming where and which bound.
func tooLarge(where, format string, args ...any) error {
	return &tooLargeError{fmt.Sprintf("%s: %s; nothing was read", where, fmt.Sprintf(format, args...))}
}

type tooLargeError struct{ msg string }

func (e *tooLargeError) Error() string        { return e.msg }
func (e *tooLargeError) Is(target error) bool { return target == ErrTooLarge }

// mib writes a byte count for a person.
func mib(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

// checkUnpacked refuses a workbook whose parts unpack to more than
// MaxUnpacked, from the zip directory alone. A file that is no zip is left
// to excelize, whose message says so.
func checkUnpacked(name string, data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil
	}
	var total uint64
	for _, f := range zr.File {
		total = min(total+min(f.UncompressedSize64, 1<<40), 1<<40)
	}
	if total > MaxUnpacked {
		return tooLarge(name, "the workbook unpacks to %s from a file of %s: more than the %s kpv reads (a survey appendix unpacks to a few megabytes)",
			mib(int64(total)), mib(int64(len(data))), mib(MaxUnpacked))
	}
	return nil
}

// ReadXLSX reads one sheet of an XLSX workbook (Options.Sheet, or the first
// sheet) as the text a user sees in Excel: numbers come with their number
// format applied, so a cell holding 0.385 formatted as a percentage reads
// "38.5%". Row i of the grid is sheet row i+1 and column j is column j+1
// (A), so Grid.Pos names the cell a person would look at.
//
// Two things are adjusted on the way:
//
//   - excelize formats numbers the American way, so a number cell showing
//     1.234 in a Danish Excel comes out as "1,234", which Number would read
//     as 1.234. For cells that hold a number the grouping commas are
//     therefore dropped ("1234"); text cells are kept exactly as typed.
//   - The value of a merged range's top-left cell is copied into every cell
//     of the range, so a region name merged over three rows applies to all
//     three. Ranges are clipped to the rows and columns that hold data.
//
// Cells are trimmed of surrounding white space, and trailing empty rows
// are dropped, as for CSV. A workbook that makes excelize panic is reported
// as an error naming the file.
func ReadXLSX(name string, data []byte, opt Options) (g *Grid, err error) {
	defer func() {
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("%s: unreadable workbook: %v", name, r)
		}
	}()
	if err := checkUnpacked(name, data); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxUnpacked, UnzipXMLSizeLimit: inMemoryPart})
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable XLSX workbook: %w", name, err)
	}
	defer func() {
		// Close removes excelize's temporary files for large sheets; if
		// that fails the grid is still good, but the caller should know.
		if cerr := f.Close(); cerr != nil && err == nil {
			g, err = nil, fmt.Errorf("%s: %w", name, cerr)
		}
	}()

	sheet, err := pickSheet(f.GetSheetList(), opt.Sheet)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	g = &Grid{Name: name, Sheet: sheet}
	shown, err := sheetRows(f, g)
	if err != nil {
		return nil, err
	}
	g.Rows = shown

	merges, err := f.GetMergeCells(sheet, true)
	if err != nil {
		return nil, fmt.Errorf("%s: merged cells: %w", g.where(), err)
	}
	if err := fillMerged(g.Rows, merges); err != nil {
		return nil, fmt.Errorf("%s: %w", g.where(), err)
	}
	g.Rows = dropTrailingEmpty(g.Rows)
	return g, nil
}

// pickSheet finds the sheet to read. Excel treats sheet names without
// regard to case, so "tabel 2" finds "Tabel 2" when no exact match exists.
func pickSheet(sheets []string, want string) (string, error) {
	if len(sheets) == 0 {
		return "", errors.New("the workbook has no sheets")
	}
	if want == "" {
		return sheets[0], nil
	}
	for _, s := range sheets {
		if s == want {
			return s, nil
		}
	}
	for _, s := range sheets {
		if strings.EqualFold(s, want) {
			return s, nil
		}
	}
	quoted := make([]string, len(sheets))
	for i, s := range sheets {
		quoted[i] = strconv.Quote(s)
	}
	return "", fmt.Errorf("no sheet %q; the workbook has %s", want, strings.Join(quoted, ", "))
}

// sheetRows reads every row of g's sheet as shown (number formats
// applied), streaming it with excelize's Rows twice in step, formatted and
// raw, to tell number cells from text (see ReadXLSX). It stops with
// ErrTooLarge at the first bound a sheet passes (MaxSheetRows,
// MaxSheetCells, MaxCellBytes, MaxSheetText), so that what is held is
// bounded whatever the sheet claims; a row number beyond Excel's last row
// ends there too rather than in a loop over billions of empty rows.
func sheetRows(f *excelize.File, g *Grid) (out [][]string, err error) {
	shown, err := f.Rows(g.Sheet)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", g.where(), err)
	}
	defer closeRows(shown, &err)
	raw, err := f.Rows(g.Sheet)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", g.where(), err)
	}
	defer closeRows(raw, &err)
	out = [][]string{}
	var cells, text int
	for shown.Next() {
		r := len(out)
		if r >= MaxSheetRows {
			return nil, tooLarge(g.where(), "the sheet has more than %d rows, the most kpv reads from one sheet", MaxSheetRows)
		}
		row, err := shown.Columns()
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", g.where(), r+1, err)
		}
		var values []string
		if raw.Next() {
			if values, err = raw.Columns(excelize.Options{RawCellValue: true}); err != nil {
				return nil, fmt.Errorf("%s: row %d: %w", g.where(), r+1, err)
			}
		}
		if cells += len(row); cells > MaxSheetCells {
			return nil, tooLarge(g.where(), "the sheet has more than %d cells (up to row %d), the most kpv reads from one sheet", MaxSheetCells, r+1)
		}
		for c, s := range row {
			if len(s) > MaxCellBytes {
				return nil, tooLarge(g.where(), "cell %s%d holds %s of text, more than a cell may (Excel's limit is 32,767 characters)", columnName(c), r+1, mib(int64(len(s))))
			}
			if text += len(s); text > MaxSheetText {
				return nil, tooLarge(g.where(), "the sheet's cells hold more than %s of text (up to cell %s%d), the most kpv reads from one sheet", mib(MaxSheetText), columnName(c), r+1)
			}
			// A number cell is one whose formatted text differs from a
			// raw value that parses as a number; only there are commas
			// excelize's doing rather than the publisher's.
			if c < len(values) && values[c] != s {
				if _, perr := strconv.ParseFloat(values[c], 64); perr == nil {
					s = dropGroupingCommas(s)
				}
			}
			row[c] = strings.TrimSpace(s)
		}
		if row == nil {
			row = []string{}
		}
		out = append(out, row)
	}
	if err := shown.Error(); err != nil {
		return nil, fmt.Errorf("%s: %w", g.where(), err)
	}
	return out, nil
}

// closeRows closes a row iterator, keeping the first error.
func closeRows(rows *excelize.Rows, err *error) {
	if cerr := rows.Close(); cerr != nil && *err == nil {
		*err = cerr
	}
}

// dropGroupingCommas removes the commas excelize puts between groups of
// thousands when it formats a number ("12,345.6" → "12345.6"). A comma
// counts as grouping only between a digit and exactly three digits, so a
// date such as "5, 2023" is left alone.
func dropGroupingCommas(s string) string {
	if !strings.Contains(s, ",") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ',' && i > 0 && isDigit(s[i-1]) &&
			i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) &&
			(i+4 == len(s) || !isDigit(s[i+4])) {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// fillMerged copies the value of each merged range's top-left cell into
// every cell of the range. Ranges are clipped to the rows present and the
// widest row: beyond those there is no data for the value to label.
func fillMerged(rows [][]string, merges []excelize.MergeCell) error {
	width := 0
	for _, cells := range rows {
		width = max(width, len(cells))
	}
	filled := 0
	for _, m := range merges {
		if len(m) == 0 {
			continue
		}
		from, to, ok := strings.Cut(m[0], ":")
		if !ok {
			continue // a one-cell "range" has nothing to copy to
		}
		c1, r1, err := excelize.CellNameToCoordinates(from)
		if err != nil {
			return fmt.Errorf("merged range %q: %w", m[0], err)
		}
		c2, r2, err := excelize.CellNameToCoordinates(to)
		if err != nil {
			return fmt.Errorf("merged range %q: %w", m[0], err)
		}
		// Coordinates from 1; make them indexes from 0, top-left first.
		r1, r2 = min(r1, r2)-1, max(r1, r2)-1
		c1, c2 = min(c1, c2)-1, max(c1, c2)-1
		if r1 >= len(rows) || c1 >= len(rows[r1]) || rows[r1][c1] == "" {
			continue
		}
		v := rows[r1][c1]
		r2, c2 = min(r2, len(rows)-1), min(c2, width-1)
		filled += (r2 - r1 + 1) * (c2 - c1 + 1)
		if filled > mergeFillLimit {
			return fmt.Errorf("merged ranges cover more than %d cells, the most kpv fills: %w", mergeFillLimit, ErrTooLarge)
		}
		for r := r1; r <= r2; r++ {
			for len(rows[r]) <= c2 {
				rows[r] = append(rows[r], "")
			}
			for c := c1; c <= c2; c++ {
				rows[r][c] = v
			}
		}
	}
	return nil
}
