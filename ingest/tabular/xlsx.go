package tabular

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

const (
	// unzipLimit caps how much a workbook may expand to. Real exports are
	// a few megabytes; the cap keeps a zip bomb from filling the disk or
	// memory (excelize's own default is 16 GB).
	unzipLimit = 512 << 20
	// mergeFillLimit caps how many cells merged ranges may fill. A hostile
	// or broken file can merge A1:XFD1048576, which would otherwise mean
	// seventeen billion copies of one string.
	mergeFillLimit = 4 << 20
)

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
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: unzipLimit})
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
	shown, err := sheetRows(f, sheet, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", g.where(), err)
	}
	raw, err := sheetRows(f, sheet, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", g.where(), err)
	}
	for r, cells := range shown {
		for c, text := range cells {
			// A number cell is one whose formatted text differs from a raw
			// value that parses as a number; only there are commas
			// excelize's doing rather than the publisher's.
			if r < len(raw) && c < len(raw[r]) && raw[r][c] != text {
				if _, perr := strconv.ParseFloat(raw[r][c], 64); perr == nil {
					text = dropGroupingCommas(text)
				}
			}
			cells[c] = strings.TrimSpace(text)
		}
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

// sheetRows reads every row of a sheet, formatted or raw. It streams the
// rows itself instead of calling GetRows so that a row number beyond
// Excel's last row, which a broken file can claim, ends in an error rather
// than in a loop over billions of empty rows.
func sheetRows(f *excelize.File, sheet string, raw bool) (out [][]string, err error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := rows.Close(); cerr != nil && err == nil {
			out, err = nil, cerr
		}
	}()
	out = [][]string{}
	for rows.Next() {
		if len(out) >= excelize.TotalRows {
			return nil, fmt.Errorf("the sheet has rows beyond Excel's last row %d", excelize.TotalRows)
		}
		cells, err := rows.Columns(excelize.Options{RawCellValue: raw})
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", len(out)+1, err)
		}
		if cells == nil {
			cells = []string{}
		}
		out = append(out, cells)
	}
	if err := rows.Error(); err != nil {
		return nil, err
	}
	return out, nil
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
			return fmt.Errorf("merged ranges cover more than %d cells", mergeFillLimit)
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
