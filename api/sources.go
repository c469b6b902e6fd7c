package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// sourceView is a source as the API shows it: the catalogue entry, when it
// runs next, what was last fetched from it and how its last run ended, so an
// official can see at a glance whether the figures are current.
type sourceView struct {
	indicators.Source
	Indicators []string          `json:"indicators"`
	NextRun    *time.Time        `json:"next_run,omitempty"`
	LastFetch  *store.FetchState `json:"last_fetch,omitempty"`
	LastRun    *store.Run        `json:"last_run,omitempty"`
	Links      map[string]string `json:"links"`
}

func (s *Server) sourceViews(r *http.Request) ([]sourceView, error) {
	fetches, err := s.store.FetchStates(r.Context())
	if err != nil {
		return nil, err
	}
	last, err := s.store.LastRuns(r.Context(), store.KindIngest)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := make([]sourceView, 0, len(s.cat.Sources))
	for _, src := range s.cat.Sources {
		v := sourceView{Source: src, Indicators: []string{}, Links: map[string]string{
			"runs": "/api/v1/ingest/runs?source=" + src.ID, "self": "/api/v1/sources/" + src.ID}}
		for _, in := range s.cat.Indicators {
			if in.Source == src.ID {
				v.Indicators = append(v.Indicators, in.ID)
			}
		}
		if sched, err := indicators.ParseSchedule(src.Schedule); src.Schedule != "" && err == nil {
			next := sched.Next(now)
			v.NextRun = &next
		}
		if f, ok := fetches[src.ID]; ok {
			v.LastFetch = &f
		}
		if run, ok := last[src.ID]; ok {
			v.LastRun = &run
		}
		out = append(out, v)
	}
	return out, nil
}

// listSources lists the sources with their fetch state and last run.
func (s *Server) listSources(w http.ResponseWriter, r *http.Request) error {
	p := queryParams(r, "limit", "offset")
	limit, offset := p.page()
	if err := p.err(); err != nil {
		return err
	}
	views, err := s.sourceViews(r)
	if err != nil {
		return err
	}
	writePage(w, r, views, limit, offset)
	return nil
}

// getSource shows one source.
func (s *Server) getSource(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "id")
	if _, ok := s.cat.Source(id); !ok {
		return errNotFound("no source " + strconv.Quote(id) + "; GET /api/v1/sources lists them")
	}
	views, err := s.sourceViews(r)
	if err != nil {
		return err
	}
	for _, v := range views {
		if v.ID == id {
			writeJSON(w, r, v)
			return nil
		}
	}
	return nil
}
