package ingest

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/ingest/tabular"
)

// Format submission: figures that no publisher's API carries are sent by
// their owners through the API, as JSON (package api reads that) or as a
// CSV table, read here by the table adapter itself (readTable), so that a
// submitted table and a table file are read the same way and give the same
// errors: separators, encodings, Danish numbers, suppression marks, the
// default geography.

// submittedNumbers are the CSV columns of a submitted batch that hold figures.
var submittedNumbers = numberFields

// submittedDimensions are the breakdown columns of a CSV batch of in: its
// dimensions other than geography.
func submittedDimensions(in *indicators.Indicator) []string {
	var dims []string
	for _, d := range in.Breakdowns {
		if d != "region" && d != "country" {
			dims = append(dims, d)
		}
	}
	return dims
}

// ReadSubmittedCSV reads a CSV batch of in's figures named name: a header
// row of known columns (period and value required; geography defaults to
// DK; indicator, if given, must be in; suppressed=true marks a withheld
// figure), then one figure a row. It returns one observation per figure
// row, in order, where each came from, and the bad rows (Row counts the
// figure rows from 1, 0 is the header); a bad row's observation is empty.
// err is set only when the body is no table at all. The figures are not
// yet checked against the catalogue (indicators.Prepare does that).
func ReadSubmittedCSV(cat *indicators.Catalogue, in *indicators.Indicator, name string, body []byte) (rows []indicators.Observation, where []string, bad []indicators.RowError, err error) {
	g, err := tabular.ReadCSV(name, body, tabular.Options{})
	if err != nil {
		return nil, nil, nil, err
	}
	if len(g.Rows) == 0 {
		return nil, nil, nil, errors.New("the CSV batch is empty: it needs a header row and one row per figure")
	}
	dims := submittedDimensions(in)
	known := append(append([]string{"indicator", "period", "geography", "suppressed", "published"}, submittedNumbers...), dims...)
	m := indicators.Mapping{Columns: map[string]string{}}
	for i, h := range g.Rows[0] {
		h = strings.ToLower(strings.TrimSpace(h))
		switch _, dup := m.Columns[h]; {
		case h == "":
			bad = append(bad, indicators.RowError{Row: 0, Field: fmt.Sprintf("column %d", i+1), Where: g.Pos(0, i, ""),
				Message: "the column has no heading; a batch for " + in.ID + " has the columns " + strings.Join(known, ", ")})
		case !slices.Contains(known, h):
			msg := "unknown column; a batch for " + in.ID + " has the columns " + strings.Join(known, ", ")
			if h == "region" || h == "country" {
				msg = "unknown column: the region or country goes in the geography column"
			}
			bad = append(bad, indicators.RowError{Row: 0, Field: h, Where: g.Pos(0, i, ""), Message: msg})
		case dup:
			bad = append(bad, indicators.RowError{Row: 0, Field: h, Where: g.Pos(0, i, ""), Message: "column appears twice"})
		default:
			m.Columns[h] = h // the batch's columns are named by kpv's fields
		}
	}
	for _, need := range []string{"period", "value"} {
		if _, ok := m.Columns[need]; !ok {
			bad = append(bad, indicators.RowError{Row: 0, Field: need, Where: g.Name + ": row 1 (header)", Message: "missing column " + need})
		}
	}
	if len(bad) > 0 {
		// Without a usable header no row can be read.
		return nil, nil, bad, nil
	}
	// A cell beyond the header's columns would be dropped unread: refuse
	// its row, naming the cell (an empty trailing cell is fine).
	extra := map[int]indicators.RowError{}
	for r := 1; r < len(g.Rows); r++ {
		for c := len(g.Rows[0]); c < len(g.Rows[r]); c++ {
			if _, seen := extra[r]; !seen && strings.TrimSpace(g.Rows[r][c]) != "" {
				extra[r] = indicators.RowError{Row: r, Field: fmt.Sprintf("column %d", c+1), Where: g.Pos(r, c, ""),
					Message: fmt.Sprintf("a cell beyond the header's %d columns", len(g.Rows[0]))}
			}
		}
	}

	// The batch is read as a table of the indicator's own source, pinned
	// to the indicator it is posted to.
	b := newBatch(cat, &indicators.Source{ID: in.Source, Format: indicators.FormatTable, Mapping: &m})
	b.posted = in.ID
	if err := readTable(b, g, &gridRows{g: g, row: -1}, nil); err != nil {
		return nil, nil, nil, err
	}
	// Every figure row gave either an observation or a bad row, in order:
	// put them back in place so that row i+1 is rows[i].
	// A row with a cell beyond the header is refused whole (one problem per
	// row, as for every other problem).
	n := len(b.obs) + len(b.bad)
	rows, where = make([]indicators.Observation, n), make([]string, n)
	good, k := 0, 0 // b.bad is in row order
	for i := range n {
		if k < len(b.bad) && b.bad[k].Row == i+1 {
			where[i] = b.bad[k].Where
			bad = append(bad, b.bad[k])
			k++
			continue
		}
		rows[i], where[i] = b.obs[good], b.where[good]
		good++
		if e, ok := extra[i+1]; ok {
			rows[i], where[i] = indicators.Observation{}, e.Where
			bad = append(bad, e)
		}
	}
	return rows, where, bad, nil
}
