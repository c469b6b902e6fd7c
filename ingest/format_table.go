package ingest

// Format table: CSV and XLSX tables (LUP appendices, the Barometer survey,
// eSundhed exports); a CSV file is streamed. Submitted CSV batches are read
// by the same code (format_submission.go).

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"slices"
	"sort"
	"strings"

	"github.com/kraeftplan/kpv/ingest/tabular"
)

// rowReader yields a table's rows one by one: a CSV file read as it goes
// (tabular.CSVReader), or a grid already read whole (XLSX).
type rowReader interface {
	Next() ([]string, error) // io.EOF after the last row
	Row() int                // index from 0 of the row Next returned last
}

// gridRows reads the rows of a grid.
type gridRows struct {
	g   *tabular.Grid
	row int
}

func (r *gridRows) Next() ([]string, error) {
	if r.row+1 >= len(r.g.Rows) {
		return nil, io.EOF
	}
	r.row++
	return r.g.Rows[r.row], nil
}

func (r *gridRows) Row() int { return r.row }

// maxHeaderRows is how far down a table its header is looked for; the
// rows above it are held until it is found.
const maxHeaderRows = 1000

// readTable reads a survey or register table (CSV or XLSX) with the
// source's column mapping: the first row that has every mapped heading is
// the header, and each row below it with anything in the mapped columns is
// one figure. file names the file and sheet in messages; its rows are not
// used. header, if set, is told where cells are once the header is found.
func readTable(b *batch, file *tabular.Grid, rows rowReader, header func(where func(row int) string)) error {
	fields := make([]string, 0, len(b.m.Columns))
	for f := range b.m.Columns {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	// The publication date column is optional: a table that lacks it
	// (an owner's file) gets the batch's date.
	var want []string
	for _, f := range fields {
		if f != "published" {
			want = append(want, b.m.Columns[f])
		}
	}
	filters := make([]string, 0, len(b.m.Filter))
	for h := range b.m.Filter {
		filters = append(filters, h)
	}
	sort.Strings(filters)
	want = append(want, filters...)

	// The header: the rows above it are kept for the message if it is
	// missing.
	top := &tabular.Grid{Name: file.Name, Sheet: file.Sheet}
	var cols map[string]int
	for cols == nil {
		row, err := rows.Next()
		if errors.Is(err, io.EOF) || len(top.Rows) == maxHeaderRows {
			_, _, err := top.FindHeader(want)
			if len(top.Rows) == maxHeaderRows {
				err = fmt.Errorf("%w, in the first %d rows", err, maxHeaderRows)
			}
			return fmt.Errorf("%s: %w", file.Name, err)
		}
		if err != nil {
			return err
		}
		top.Rows = append(top.Rows, row)
		if cols, err = top.HeaderAt(len(top.Rows)-1, want); err != nil {
			return fmt.Errorf("%s: %w", file.Name, err)
		}
	}
	if h := b.m.Columns["published"]; h != "" {
		found := false
		for i, c := range top.Rows[len(top.Rows)-1] {
			if strings.EqualFold(strings.Join(strings.Fields(c), " "), strings.Join(strings.Fields(h), " ")) {
				cols[h], found = i, true
				break
			}
		}
		if !found {
			fields = slices.DeleteFunc(fields, func(f string) bool { return f == "published" })
		}
	}
	valueCol, valueHeading := cols[b.m.Columns["value"]], b.m.Columns["value"]
	if header != nil {
		header(func(row int) string { return file.Pos(row-1, valueCol, valueHeading) })
	}

	// A streamed table's rows are named only when one fails (batch.pos).
	where := func(row int) string { return file.Pos(row, valueCol, valueHeading) }
	if b.write != nil {
		b.pos = func(line int) string { return file.Pos(line-1, valueCol, valueHeading) }
		where = func(int) string { return "" }
	}
	cell := func(row []string, heading string) string {
		if i := cols[heading]; i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	text := map[string]string{} // one row's fields, emptied for each row
rows:
	for {
		row, err := rows.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, h := range filters {
			if !strings.EqualFold(cell(row, h), b.m.Filter[h]) {
				continue rows
			}
		}
		clear(text)
		empty := true
		for _, f := range fields {
			v := cell(row, b.m.Columns[f])
			text[f] = v
			if v != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		b.line = rows.Row() + 1
		b.addText(where(rows.Row()), text)
		if err := b.flush(false); err != nil {
			return err
		}
	}
}

// readCSVTable reads a CSV table from in, row by row, into b. A panic in
// the reader is recovered into an error, as in Parse.
func readCSVTable(b *batch, name string, in io.ReadSeeker, header func(func(int) string)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: the table adapter failed on this input (panic: %v); nothing was written", name, r)
			slog.Error("ingest adapter panic", "source", b.src.ID, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	rows, err := tabular.NewCSVReader(name, in, tabular.Options{})
	if err != nil {
		return err
	}
	return readTable(b, &tabular.Grid{Name: name}, rows, header)
}

// readTableData reads a table held whole: CSV row by row as it is
// decoded, XLSX as a grid.
func readTableData(b *batch, name string, data []byte) error {
	if tabular.IsCSV(name, data) {
		rows, err := tabular.NewCSVReader(name, bytes.NewReader(data), tabular.Options{})
		if err != nil {
			return err
		}
		return readTable(b, &tabular.Grid{Name: name}, rows, nil)
	}
	g, err := tabular.Read(name, data, tabular.Options{Sheet: b.m.Sheet})
	if err != nil {
		return err
	}
	return readTable(b, g, &gridRows{g: g, row: -1}, nil)
}
