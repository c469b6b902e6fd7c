package ingest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kraeftplan/kpv/ingest/tabular"
)

// readTable reads a survey or register table (CSV or XLSX) with the
// source's column mapping: the first row that has every mapped heading is
// the header, and each row below it with anything in the mapped columns is
// one figure.
func readTable(b *batch, name string, data []byte) error {
	g, err := tabular.Read(name, data, tabular.Options{Sheet: b.m.Sheet})
	if err != nil {
		return err
	}
	fields := make([]string, 0, len(b.m.Columns))
	for f := range b.m.Columns {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var want []string
	for _, f := range fields {
		want = append(want, b.m.Columns[f])
	}
	filters := make([]string, 0, len(b.m.Filter))
	for h := range b.m.Filter {
		filters = append(filters, h)
	}
	sort.Strings(filters)
	want = append(want, filters...)
	head, cols, err := g.FindHeader(want)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	cell := func(row []string, heading string) string {
		if i := cols[heading]; i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	b.grow(len(g.Rows) - head - 1)
rows:
	for r := head + 1; r < len(g.Rows); r++ {
		row := g.Rows[r]
		for _, h := range filters {
			if !strings.EqualFold(cell(row, h), b.m.Filter[h]) {
				continue rows
			}
		}
		text := map[string]string{}
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
		where := g.Pos(r, cols[b.m.Columns["value"]], b.m.Columns["value"])
		b.addText(where, text)
	}
	return nil
}
