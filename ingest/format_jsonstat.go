package ingest

// Format jsonstat: the statistics offices' JSON-stat answers, read with
// the decoder in ingest/jsonstat and asked for with the request builders in
// request_statbank.go and request_pxweb.go.

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/ingest/jsonstat"
)

// readJSONStat reads a JSON-stat dataset (Statistics Denmark's 1.x answer or
// the PxWeb offices' 2.0) with the source's mapping: each mapped field takes
// its code from a dimension, the figure is the cell's value, and a cell
// with no value (a status such as ".." or ":") is stored as suppressed.
func readJSONStat(b *batch, name string, data []byte) error {
	d, err := jsonstat.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	// The answer's own date ("updated") is when its figures were published.
	// One that does not parse is said in the run, not replaced silently.
	if d.Updated != "" {
		if t, err := indicators.ParsePublished(d.Updated); err == nil {
			b.published = t
		} else {
			b.warn("%s: the answer's \"updated\" %q is not a date (%v): its figures are dated by the Last-Modified header or, without one, when recorded", name, d.Updated, err)
		}
	}
	pos := map[string]int{}
	for i, id := range d.ID {
		pos[id] = i
	}
	used := map[string]bool{}
	for field, dim := range b.m.Columns {
		if _, ok := pos[dim]; !ok {
			return fmt.Errorf("%s: the mapping takes %s from dimension %q, which the dataset does not have (it has %s)",
				name, field, dim, strings.Join(d.ID, ", "))
		}
		used[dim] = true
	}
	for dim := range b.m.Filter {
		if _, ok := pos[dim]; !ok {
			return fmt.Errorf("%s: the mapping filters on dimension %q, which the dataset does not have (it has %s)",
				name, dim, strings.Join(d.ID, ", "))
		}
		used[dim] = true
	}
	// A dimension the mapping ignores would fold several figures onto one
	// key; it must be mapped or filtered unless it has one category.
	for i, id := range d.ID {
		if !used[id] && d.Size[i] > 1 {
			return fmt.Errorf("%s: dimension %q has %d categories but the mapping neither uses nor filters it", name, id, d.Size[i])
		}
	}
cells:
	for c := range d.All() {
		for dim, want := range b.m.Filter {
			if c.Codes[pos[dim]] != want {
				continue cells
			}
		}
		fields := map[string]string{}
		for field, dim := range b.m.Columns {
			fields[field] = c.Codes[pos[dim]]
		}
		where := fmt.Sprintf("%s: %s (%s)", name, c.Path, describeCell(d, c))
		if c.Value == nil {
			b.addValue(where, fields, nil, nil, nil)
			continue
		}
		v := *c.Value
		b.addValue(where, fields, &v, nil, nil)
	}
	return nil
}

func describeCell(d *jsonstat.Dataset, c jsonstat.Cell) string {
	parts := make([]string, len(d.ID))
	for i, id := range d.ID {
		parts[i] = id + "=" + c.Codes[i]
	}
	s := strings.Join(parts, ", ")
	if c.Status != "" {
		s += ", status " + c.Status
	}
	return s
}

// jsonstatRequest asks a statistics office's API for the source's table,
// as the source's request says; without a request the URL is fetched as it
// is (a saved query, a static export).
func jsonstatRequest(src *indicators.Source) (*http.Request, error) {
	q := src.Request
	if q == nil {
		return plainGet(src)
	}
	switch q.API {
	case "statbank":
		return statbankRequest(src.URL, q)
	case "pxweb-v1":
		return pxwebV1Request(src.URL, q)
	case "pxweb-v2":
		return pxwebV2Request(src.URL, q)
	case "eurostat":
		return eurostatRequest(src.URL, q)
	}
	return nil, fmt.Errorf("source %s: unknown request api %q", src.ID, q.API)
}
