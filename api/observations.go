package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

const (
	defaultLimit = 1000
	maxLimit     = 10000
)

// indicatorParam is the indicator the path names.
func (s *Server) indicatorParam(r *http.Request) (*indicators.Indicator, error) {
	id := chi.URLParam(r, "id")
	in, ok := s.cat.Indicator(id)
	if !ok {
		return nil, errNotFound("no indicator " + strconv.Quote(id) + "; GET /api/v1/indicators lists them")
	}
	return in, nil
}

// getIndicator returns the catalogue entry with the latest figure for each
// geography and breakdown.
func (s *Server) getIndicator(w http.ResponseWriter, r *http.Request) error {
	in, err := s.indicatorParam(r)
	if err != nil {
		return err
	}
	obs, err := s.store.Observations(r.Context(), store.ObservationFilter{Indicator: in.ID})
	if err != nil {
		return err
	}
	// Observations come ordered by period start, so the last one seen for a
	// series is its latest.
	latest := map[string]indicators.Observation{}
	var order []string
	for _, o := range obs {
		k := o.Geography + "|" + o.Breakdown.Key()
		if _, seen := latest[k]; !seen {
			order = append(order, k)
		}
		latest[k] = o
	}
	out := struct {
		indicatorView
		Latest []indicators.Observation `json:"latest"`
	}{indicatorView: s.indicatorView(in), Latest: []indicators.Observation{}}
	out.Assessment = assessmentOf(s.snapshot(), in.ID)
	if out.Assessment == nil || len(out.Assessment.Series) == 0 {
		rs := s.cat.ReportingStatus(in)
		out.ReportingStatus = &rs
	}
	for _, k := range order {
		out.Latest = append(out.Latest, latest[k])
	}
	writeJSON(w, r, out)
	return nil
}

// observations lists an indicator's figures. Filters: geography (codes or
// publisher aliases, comma-separated or repeated), from and to (periods:
// 2019, 2024K1, 2016-2020), one parameter per breakdown dimension the
// indicator has (e.g. sex=female), revisions=all for the full history,
// as_of (RFC 3339 or a date) for the figures as they stood then, limit and
// offset or after (keyset paging: the next_after of the previous page, so
// a page deep into the figures costs what the first does); format=csv for
// a table.
func (s *Server) observations(w http.ResponseWriter, r *http.Request) error {
	in, err := s.indicatorParam(r)
	if err != nil {
		return err
	}
	known := append([]string{"geography", "from", "to", "revisions", "as_of", "format", "limit", "offset", "after"}, in.Breakdowns...)
	known = slices.DeleteFunc(known, indicators.IsGeographyLevel)
	p := queryParams(r, known...)
	q := p.q
	f := store.ObservationFilter{Indicator: in.ID}
	for _, v := range q["geography"] {
		for _, code := range strings.Split(v, ",") {
			g, ok := s.cat.Geography(code)
			if !ok {
				p.add("geography", "unknown geography "+strconv.Quote(code))
				continue
			}
			f.Geographies = append(f.Geographies, g.Code)
		}
	}
	if v := q.Get("from"); v != "" {
		per, err := indicators.ParsePeriod(v)
		if err != nil {
			p.add("from", err.Error())
		}
		f.From = per.Start
	}
	if v := q.Get("to"); v != "" {
		per, err := indicators.ParsePeriod(v)
		if err != nil {
			p.add("to", err.Error())
		}
		f.To = per.End
	}
	for _, dim := range in.Breakdowns {
		if v := q.Get(dim); v != "" && !indicators.IsGeographyLevel(dim) {
			code, ok := dimensionValue(s.cat, dim, v)
			if !ok {
				p.add(dim, "unknown "+dim+" "+strconv.Quote(v))
				continue
			}
			if f.Breakdown == nil {
				f.Breakdown = indicators.Breakdown{}
			}
			f.Breakdown[dim] = code
		}
	}
	switch q.Get("revisions") {
	case "", "latest":
	case "all":
		f.AllRevisions = true
	default:
		p.add("revisions", "use latest (default) or all")
	}
	f.AsOf = p.asOf(time.Time{})
	format := p.format()
	f.Limit, f.Offset = p.page()
	if v := q.Get("after"); v != "" {
		c, err := store.ParseCursor(v)
		switch {
		case err != nil:
			p.add("after", err.Error())
		case f.Offset > 0:
			p.add("after", "use after or offset, not both")
		case c.Indicator != in.ID:
			p.add("after", "a cursor of another indicator's figures")
		default:
			f.After = &c
		}
	}
	if err := p.err(); err != nil {
		return err
	}
	if !f.AsOf.IsZero() && !f.AsOf.After(time.Now()) && !s.awaitSettled(w, r, f.AsOf) {
		return nil
	}
	if format == "csv" {
		obs, err := s.store.Observations(r.Context(), f)
		if err != nil {
			return err
		}
		// Not kept: a table is asked for rarely, and whole.
		return respond(w, r, format, nil, observationsTable("kpv-"+in.ID+".csv", obs))
	}
	render := func() (renderedPage, error) { return s.observationsPage(r, in, f) }
	var page renderedPage
	if f.AsOf.IsZero() {
		// The version is read before the figures: a page rendered from
		// figures written meanwhile is kept under the older version and
		// rendered again by the next request, never the other way round.
		var v store.IndicatorVersion
		if v, err = s.versions.get(r.Context(), in.ID); err == nil {
			page, err = s.pages.get(r.Context(), r.URL.Path+"?"+q.Encode(), v, render)
		}
	} else {
		// As of a cut-off: not kept (a cut-off in the future still sees
		// what is written until then).
		page, err = render()
	}
	if enc := (*encodeError)(nil); errors.As(err, &enc) {
		return &Problem{Status: http.StatusInternalServerError, Detail: "encode response: " + enc.err.Error()}
	}
	if err != nil {
		return err
	}
	page.write(w, r)
	return nil
}

// encodeError is a page that could not be encoded as JSON.
type encodeError struct{ err error }

func (e *encodeError) Error() string { return "encode response: " + e.err.Error() }

// observationsPage reads the figures f selects and renders them as the
// JSON page of in's observations, without indentation: pages are the large
// answers, and indenting them took a quarter of a request's CPU
// (BENCHMARKS.md, API under load).
func (s *Server) observationsPage(r *http.Request, in *indicators.Indicator, f store.ObservationFilter) (renderedPage, error) {
	obs, err := s.store.Observations(r.Context(), f)
	if err != nil {
		return renderedPage{}, err
	}
	if obs == nil {
		obs = []indicators.Observation{}
	}
	out := pageOf(r, obs, f.Limit, f.Offset, map[string]any{"indicator": in.ID, "unit": in.Unit})
	if len(obs) == f.Limit {
		// The keyset continuation; a page that began with after goes on with it.
		after := store.CursorOf(obs[len(obs)-1], f.AllRevisions).String()
		out["next_after"] = after
		if f.After != nil {
			q := r.URL.Query()
			q.Set("after", after)
			out["next"] = r.URL.Path + "?" + q.Encode()
		}
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(out); err != nil {
		return renderedPage{}, &encodeError{err}
	}
	return newRenderedPage("application/json; charset=utf-8", buf.Bytes()), nil
}

// dimensionValue returns the code of a breakdown value given by code (or,
// for cancer sites, by NORDCAN code or name), if the catalogue has it.
func dimensionValue(c *indicators.Catalogue, dim, v string) (string, bool) {
	d, ok := c.Dimension(dim)
	if !ok {
		return "", false
	}
	if d.FromCancerEntities {
		e, ok := c.CancerEntity(v)
		if !ok {
			return "", false
		}
		return strconv.Itoa(e.Code), true
	}
	for _, dv := range d.Values {
		if dv.Code == v {
			return v, true
		}
	}
	return "", false
}

// runs lists the ingest run log, newest first.
func (s *Server) runs(w http.ResponseWriter, r *http.Request) error {
	p := queryParams(r, "source", "outcome", "kind", "limit", "offset")
	q := p.q
	limit, offset := p.page()
	if src := q.Get("source"); src != "" {
		if _, ok := s.cat.Source(src); !ok {
			p.add("source", "unknown source "+strconv.Quote(src))
		}
	}
	outcome, kind := store.RunOutcome(q.Get("outcome")), store.RunKind(q.Get("kind"))
	if outcome != "" && !outcome.Valid() {
		p.add("outcome", "unknown outcome "+strconv.Quote(string(outcome))+"; one of "+store.Names(store.RunOutcomes))
	}
	if kind != "" && !kind.Valid() {
		p.add("kind", "unknown kind "+strconv.Quote(string(kind))+"; one of "+store.Names(store.RunKinds))
	}
	if err := p.err(); err != nil {
		return err
	}
	runs, err := s.store.Runs(r.Context(), store.RunFilter{Source: q.Get("source"), Outcome: outcome, Kind: kind, Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	if runs == nil {
		runs = []store.Run{}
	}
	w.Header().Set("Vary", "Authorization")
	if !s.isAdmin(r) {
		for i := range runs {
			runs[i] = publicRun(runs[i])
		}
	}
	writeJSON(w, r, pageOf(r, runs, limit, offset, nil))
	return nil
}

// pageOf is the envelope of paginated lists: the items, their count, the
// paging, and a link to the next page when this one is full.
func pageOf[T any](r *http.Request, items []T, limit, offset int, extra map[string]any) map[string]any {
	out := map[string]any{"items": items, "count": len(items), "limit": limit, "offset": offset}
	if len(items) == limit {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(offset+limit))
		out["next"] = r.URL.Path + "?" + q.Encode()
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}
