package api

import (
	"github.com/go-chi/chi/v5"

	"github.com/kraeftplan/kpv/pages"
)

// routePages serves the pages for people (package pages) under /sider,
// from the same snapshot as the API and /metrics. The JSON API is
// unchanged; every link kpv gives a person (alerts, report, dashboards)
// opens one of these pages.
func (s *Server) routePages(r chi.Router, o Options) {
	opts := pages.Options{Catalogue: o.Catalogue, Logger: o.Logger}
	if o.Assessor != nil {
		opts.Assessor = o.Assessor
	}
	if o.Store != nil {
		opts.Runs = o.Store
		opts.Plan = o.Store
	}
	pages.New(opts).Mount(r)
}
