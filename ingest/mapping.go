package ingest

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/ingest/tabular"
)

// numberFields are the observation fields that hold figures.
var numberFields = []string{"value", "numerator", "denominator", "ci_lower", "ci_upper"}

// batch collects the observations an adapter reads, with where in the
// publisher's file each came from and every problem found. Adapters add
// rows; the batch turns the publisher's codes into the catalogue's.
type batch struct {
	cat   *indicators.Catalogue
	src   *indicators.Source
	m     indicators.Mapping
	obs   []indicators.Observation
	where []string
	bad   []indicators.RowError
	// breakdowns holds one map per distinct breakdown, shared by the rows
	// that have it: a million rows have a handful of breakdowns. byCodes
	// finds it from a row's codes (dim=value\x00…, in the indicator's
	// order) without making a map per row; codes is that key's buffer.
	breakdowns map[string]indicators.Breakdown
	byCodes    map[string]indicators.Breakdown
	codes      []byte

	// write, when set, streams the batch: every chunkSize rows are checked
	// (indicators.PrepareChunk) and, while no row has failed, handed to write,
	// so that a large table is never held whole. line is the publisher's
	// row number (from 1) of the row being added; lines holds it for obs.
	write func(obs []indicators.Observation, lines []int) error
	line  int
	lines []int
	// pos, when set, names the row at a line for messages: a streamed
	// table's rows then come with no where, which is made only for a row
	// that fails (a position string per row was an eighth of the ingest's
	// CPU).
	pos  func(line int) string
	done int // rows handed to write or rejected by PrepareChunk
	read int // rows read, good and bad

	// posted, for a submitted batch (format_submission.go), is the
	// indicator it is posted to: a row without one is that indicator's, a
	// row of another is refused, and an empty figure is only missing (a
	// submitter withholds one with a mark or suppressed=true).
	posted string

	// published is when the publication was released, for figures whose
	// row does not say (a snapshot's citation date, the answer's own date,
	// Last-Modified); zero leaves it to the store (the time of recording).
	// release is the publisher's release label for every figure.
	published time.Time
	release   string

	// notes and defaults are what the read applied or doubted (notes.go).
	notes    Notes
	defaults map[[3]string]int
}

// chunkSize is how many rows a streamed batch holds at a time.
const chunkSize = 20000

func newBatch(cat *indicators.Catalogue, src *indicators.Source) *batch {
	b := &batch{cat: cat, src: src, release: src.Release.Label}
	if src.Mapping != nil {
		b.m = *src.Mapping
	}
	return b
}

// reject records a problem with the row at where.
func (b *batch) reject(where, field, format string, args ...any) {
	b.read++
	row := len(b.obs) + len(b.bad) + 1
	if b.write != nil {
		row = b.line
	}
	if where == "" && b.pos != nil {
		where = b.pos(b.line)
	}
	b.bad = append(b.bad, indicators.RowError{Row: row, Field: field, Message: fmt.Sprintf(format, args...), Where: where})
}

// code translates a publisher's code or label for field into kpv's, through
// the mapping's codes table; unknown codes pass through for the catalogue
// to judge.
func (b *batch) code(field, s string) string {
	s = strings.TrimSpace(s)
	if t, ok := b.m.Codes[field][s]; ok {
		return t
	}
	return s
}

// keyed fills in the mapping's fixed values and starts the observation with
// its key fields in kpv's codes; a figure with no geography is national.
func (b *batch) keyed(fields map[string]string) indicators.Observation {
	for f, v := range b.m.Fixed {
		if _, set := fields[f]; !set {
			fields[f] = v
		}
	}
	if b.posted != "" && strings.TrimSpace(fields["indicator"]) == "" {
		fields["indicator"] = b.posted
	}
	o := indicators.Observation{
		Indicator: b.code("indicator", fields["indicator"]),
		Period:    b.code("period", fields["period"]),
		Geography: b.code("geography", fields["geography"]),
	}
	if o.Geography == "" {
		o.Geography = b.defaulted("geography", "DK", "the row names no geography")
	}
	return o
}

// addText adds a row whose fields and figures are text, as in a table:
// fields holds the publisher's text per kpv field (fixed values are filled
// in here). A figure that is a suppression mark makes the row suppressed.
func (b *batch) addText(where string, fields map[string]string) {
	o := b.keyed(fields)
	for _, f := range numberFields {
		text, ok := fields[f]
		if !ok || b.posted != "" && strings.TrimSpace(text) == "" {
			continue
		}
		v, _, err := tabular.Number(text)
		switch {
		case errors.Is(err, tabular.ErrSuppressed):
			if f == "value" {
				o.Suppressed = true
			}
		case err != nil:
			b.reject(where, f, "%v", err)
			return
		default:
			if f != "numerator" && f != "denominator" {
				v = b.scale(v)
			}
			*numberField(&o, f) = &v
		}
	}
	if text := fields["suppressed"]; text != "" {
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "true", "1", "ja", "yes":
			o.Suppressed = true
		case "false", "0", "nej", "no":
		default:
			b.reject(where, "suppressed", "%q is not true or false", text)
			return
		}
	}
	if o.Suppressed {
		// A withheld figure has no interval or counts worth keeping.
		o.CILower, o.CIUpper = nil, nil
	}
	b.add(where, o, fields)
}

// addValue adds a row whose figures are already numbers (JSON-stat cells,
// NORDCAN estimates); fields holds the other fields as text.
func (b *batch) addValue(where string, fields map[string]string, value, lower, upper *float64) {
	o := b.keyed(fields)
	o.Suppressed = value == nil
	scaled := func(p *float64) *float64 {
		if p == nil || o.Suppressed {
			return nil
		}
		v := b.scale(*p)
		return &v
	}
	o.Value, o.CILower, o.CIUpper = scaled(value), scaled(lower), scaled(upper)
	b.add(where, o, fields)
}

// add fills in the breakdown and keeps the row. Only the dimensions the
// indicator declares are taken from the row: a table with several
// indicators has empty cells in the columns one of them does not use.
func (b *batch) add(where string, o indicators.Observation, fields map[string]string) {
	if b.posted != "" && o.Indicator != b.posted {
		b.reject(where, "indicator", "row is for %s, but the batch is posted to %s", o.Indicator, b.posted)
		return
	}
	in, ok := b.cat.Indicator(o.Indicator)
	if !ok {
		b.reject(where, "indicator", "unknown indicator %q", o.Indicator)
		return
	}
	if in.Source != b.src.ID {
		b.reject(where, "indicator", "indicator %s takes its figures from source %s, not %s", in.ID, in.Source, b.src.ID)
		return
	}
	b.codes = b.codes[:0]
	for _, dim := range in.Breakdowns {
		if dim == "region" || dim == "country" {
			continue
		}
		if v := b.code(dim, fields[dim]); v != "" {
			b.codes = append(append(append(append(b.codes, dim...), '='), v...), 0)
		}
	}
	shared, known := b.byCodes[string(b.codes)]
	if known {
		o.Breakdown = shared
	} else {
		o.Breakdown = indicators.Breakdown{}
		for _, dim := range in.Breakdowns {
			if dim == "region" || dim == "country" {
				continue
			}
			if v := b.code(dim, fields[dim]); v != "" {
				o.Breakdown[dim] = v
			}
		}
	}
	for f, v := range fields {
		if _, isDim := b.cat.Dimension(f); isDim && strings.TrimSpace(v) != "" && o.Breakdown[f] == "" {
			b.reject(where, f, "indicator %s has no breakdown by %s (got %q)", in.ID, f, v)
			return
		}
	}
	if !known {
		if shared, ok := b.breakdowns[o.Breakdown.Key()]; ok {
			o.Breakdown = shared
		} else {
			if b.breakdowns == nil {
				b.breakdowns = map[string]indicators.Breakdown{}
			}
			b.breakdowns[o.Breakdown.Key()] = o.Breakdown
		}
		if b.byCodes == nil {
			b.byCodes = map[string]indicators.Breakdown{}
		}
		b.byCodes[string(b.codes)] = o.Breakdown
	}
	// The two clocks: a row's own publication date, else the batch's.
	o.PublishedAt, o.Release = b.published, b.release
	if text := strings.TrimSpace(fields["published"]); text != "" {
		t, err := indicators.ParsePublished(text)
		if err != nil {
			b.reject(where, "published", "%v", err)
			return
		}
		o.PublishedAt = t
	}
	if r := b.m.RegionsPublishedFrom; r != nil && !o.PublishedAt.IsZero() {
		from, _ := indicators.ParsePublished(r.Date)
		if g, ok := b.cat.Geography(o.Geography); ok && g.Kind == indicators.GeoRegion && o.PublishedAt.Before(from) {
			b.reject(where, "published", "a regional figure published %s, before %s, is refused: %s", o.PublishedAt.Format(time.DateOnly), r.Date, r.Reason)
			return
		}
	}
	b.read++
	b.obs = append(b.obs, o)
	if b.pos == nil {
		b.where = append(b.where, where)
	}
	if b.write != nil {
		b.lines = append(b.lines, b.line)
	}
}

// flush checks the rows held by a streamed batch and, if no row of the
// batch has failed so far, writes them; then it lets them go. Below
// chunkSize rows it waits for more, unless final.
func (b *batch) flush(final bool) error {
	if b.write == nil || len(b.obs) == 0 || len(b.obs) < chunkSize && !final {
		return nil
	}
	out, err := indicators.PrepareChunk(b.cat, b.obs, b.done)
	var be *indicators.BatchError
	switch {
	case errors.As(err, &be):
		for _, e := range be.Rows {
			i := e.Row - b.done - 1
			if b.pos != nil {
				e.Row, e.Where = b.lines[i], b.pos(b.lines[i])
			} else {
				e.Row, e.Where = b.lines[i], b.where[i]
			}
			b.bad = append(b.bad, e)
		}
	case err != nil:
		return err
	case len(b.bad) == 0:
		// Once a row has failed nothing will be written; the rest is
		// still read and checked, so that the error lists every bad row.
		if err := b.write(out, b.lines); err != nil {
			return err
		}
	}
	b.done += len(b.obs)
	b.obs, b.where, b.lines = b.obs[:0], b.where[:0], b.lines[:0]
	return nil
}

// finish ends a streamed batch: the last rows are checked and written, and
// the error lists every bad row in the order of the file.
func (b *batch) finish() error {
	if err := b.flush(true); err != nil {
		return err
	}
	if len(b.bad) > 0 {
		slices.SortStableFunc(b.bad, func(x, y indicators.RowError) int { return x.Row - y.Row })
		return &indicators.BatchError{Rows: b.bad, Read: b.read}
	}
	if b.done == 0 {
		return fmt.Errorf("no figures found for source %s: check the file against the source's mapping", b.src.ID)
	}
	return nil
}

func (b *batch) scale(v float64) float64 {
	if b.m.Scale == 0 {
		return v
	}
	return v * b.m.Scale
}

// result checks the batch against the catalogue (indicators.Prepare) and returns
// it, or a *indicators.BatchError naming every bad row by where it is in the
// publisher's file.
func (b *batch) result() ([]indicators.Observation, error) {
	if len(b.bad) > 0 {
		return nil, &indicators.BatchError{Rows: b.bad, Read: len(b.obs) + len(b.bad)}
	}
	if len(b.obs) == 0 {
		return nil, fmt.Errorf("no figures found for source %s: check the file against the source's mapping", b.src.ID)
	}
	out, err := indicators.Prepare(b.cat, b.obs)
	var be *indicators.BatchError
	if errors.As(err, &be) {
		for i := range be.Rows {
			if r := be.Rows[i].Row - 1; r >= 0 && r < len(b.where) {
				be.Rows[i].Where = b.where[r]
			}
		}
	}
	return out, err
}

// finite reports whether v is a usable figure.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// parseFloat parses a number in the C locale, as machine-written outputs use.
func parseFloat(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !finite(v) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

// numberField is the field of o that holds the figure named f (one of
// numberFields).
func numberField(o *indicators.Observation, f string) **float64 {
	switch f {
	case "value":
		return &o.Value
	case "numerator":
		return &o.Numerator
	case "denominator":
		return &o.Denominator
	case "ci_lower":
		return &o.CILower
	default:
		return &o.CIUpper
	}
}
