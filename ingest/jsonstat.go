package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
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

// newRequest builds the HTTP request for a source: the statistics offices'
// APIs get the query the catalogue configures, other sources a plain GET.
func newRequest(src *indicators.Source) (*http.Request, error) {
	q := src.Request
	if src.Format != "jsonstat" || q == nil {
		return http.NewRequest(http.MethodGet, src.URL, nil)
	}
	switch q.API {
	case "statbank":
		// POST /v1/data {"table":…,"format":"JSONSTAT","lang":…,"variables":[…]}
		type variable struct {
			Code   string   `json:"code"`
			Values []string `json:"values"`
		}
		body := struct {
			Table     string     `json:"table"`
			Format    string     `json:"format"`
			Lang      string     `json:"lang,omitempty"`
			Variables []variable `json:"variables"`
		}{Table: q.Table, Format: "JSONSTAT", Lang: q.Lang, Variables: []variable{}}
		for _, v := range q.Variables {
			body.Variables = append(body.Variables, variable(v))
		}
		return jsonRequest(src.URL, body)
	case "pxweb-v1":
		// POST TABLE.px {"query":[{"code":…,"selection":{"filter":"item","values":[…]}}],"response":{"format":"json-stat2"}}
		type selection struct {
			Filter string   `json:"filter"`
			Values []string `json:"values"`
		}
		type query struct {
			Code      string    `json:"code"`
			Selection selection `json:"selection"`
		}
		body := struct {
			Query    []query           `json:"query"`
			Response map[string]string `json:"response"`
		}{Query: []query{}, Response: map[string]string{"format": "json-stat2"}}
		for _, v := range q.Variables {
			sel := selection{Filter: "item", Values: v.Values}
			if slices.Equal(v.Values, []string{"*"}) {
				sel.Filter = "all"
			}
			body.Query = append(body.Query, query{v.Code, sel})
		}
		return jsonRequest(src.URL, body)
	case "pxweb-v2":
		// GET /tables/{id}/data?lang=…&outputFormat=json-stat2&valuecodes[X]=a,b
		u, err := url.Parse(src.URL)
		if err != nil {
			return nil, err
		}
		params := u.Query()
		params.Set("outputFormat", "json-stat2")
		if q.Lang != "" {
			params.Set("lang", q.Lang)
		}
		for _, v := range q.Variables {
			params.Set("valuecodes["+v.Code+"]", strings.Join(v.Values, ","))
		}
		u.RawQuery = params.Encode()
		return http.NewRequest(http.MethodGet, u.String(), nil)
	}
	return nil, fmt.Errorf("source %s: unknown request api %q", src.ID, q.API)
}

func jsonRequest(target string, body any) (*http.Request, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}
