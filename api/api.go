// Package api is kpv's HTTP API: health, the plan catalogue (goals,
// initiatives, funding, indicators) and the observations, as JSON (and CSV
// where a table is natural). Errors are RFC 9457 problem+json.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// Server serves the API.
type Server struct {
	cat        *indicators.Catalogue
	store      Store
	log        *slog.Logger
	refusals   refusalLimiter // refused writes per client address (limits.go)
	assess     Assessor
	runner     IngestRunner
	afterWrite func(store.Run)
	metrics    *httpMetrics
	settled    settledCutoffs
	pages      *pageCache    // rendered observation pages (pagecache.go)
	versions   *versionReads // their indicators' versions, read once for many requests
	// afterPlanWrite is called after an accepted status report, spending,
	// commentary or approval (the follow-up metrics' refresh).
	afterPlanWrite func()
	// publicURL is kpv's public address (Options.PublicURL).
	publicURL string
}

// Assessor gives the current assessment (the monitor's snapshot, the same
// one /metrics serves).
type Assessor interface {
	Snapshot() *assess.Snapshot
}

// Options configure the handler.
type Options struct {
	Catalogue *indicators.Catalogue
	Store     Store
	Logger    *slog.Logger
	// Assessor gives the assessment shown with goals and indicators; nil
	// leaves it out.
	Assessor Assessor
	// Registerer receives the HTTP metrics. Metrics serves /metrics (the
	// monitor's handler); without it, Gatherer is served with promhttp.
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
	Metrics    http.Handler
	// Runner runs an ingest an admin asks for (POST
	// /api/v1/ingest/{source}/run); nil answers 503 there.
	Runner IngestRunner
	// AfterWrite is called after an accepted submission (the monitor's
	// refresh, as after an ingest run).
	AfterWrite func(store.Run)
	// AfterPlanWrite is called after an accepted follow-up submission or
	// report approval.
	AfterPlanWrite func()
	// PublicURL is kpv's public address, which the HTML report's links
	// lead to (KPV_PUBLIC_URL); empty keeps the catalogue's
	// alerting.api_url.
	PublicURL string
}

// allowed lists the methods root routes req's path for (HEAD with GET),
// for a 405's Allow header.
func allowed(root chi.Routes, req *http.Request) []string {
	path := req.URL.RawPath
	if path == "" {
		path = req.URL.Path
	}
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if root.Match(chi.NewRouteContext(), m, path) || (m == http.MethodHead && slices.Contains(out, http.MethodGet)) {
			out = append(out, m)
		}
	}
	return out
}

// New returns the API's handler.
func New(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &Server{cat: o.Catalogue, store: o.Store, log: o.Logger, assess: o.Assessor, runner: o.Runner, afterWrite: o.AfterWrite, afterPlanWrite: o.AfterPlanWrite,
		pages: newPageCache(pageCacheBytes), publicURL: strings.TrimSuffix(o.PublicURL, "/")}
	if o.Store != nil {
		s.versions = newVersionReads(o.Store.IndicatorVersion)
	}
	m := newHTTPMetrics(o.Registerer, o.Logger)
	s.metrics = m

	r := chi.NewRouter()
	r.Use(requestID, m.middleware, middleware.Recoverer, limitAnonymousWrites, middleware.GetHead) // HEAD wherever GET
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		notFound(w, r, "no such endpoint: "+r.URL.Path)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		allow := allowed(r, req)
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, req, Problem{Status: http.StatusMethodNotAllowed, Detail: req.Method + " is not allowed on " + req.URL.Path + "; it takes " + strings.Join(allow, ", ")})
	})

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	if o.Metrics == nil {
		o.Metrics = promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{})
	}
	r.Handle("/metrics", o.Metrics)
	r.Get("/openapi.json", s.handle(s.openapi))

	r.Route("/api/v1", func(r chi.Router) {
		r.Get("/goals", s.handle(s.listGoals))
		r.Get("/goals/{id}", s.handle(s.getGoal))
		r.Get("/initiatives", s.handle(s.listInitiatives))
		r.Get("/funding", s.handle(s.funding))
		r.Get("/indicators", s.handle(s.listIndicators))
		r.Get("/indicators/{id}", s.handle(s.getIndicator))
		r.Get("/indicators/{id}/observations", s.handle(s.observations))
		r.Get("/assessment", s.handle(s.getAssessment))
		r.Get("/sources", s.handle(s.listSources))
		r.Get("/sources/{id}", s.handle(s.getSource))
		r.Get("/ingest/runs", s.handle(s.runs))
		r.With(s.requireToken(actionSubmit, pathTarget("indicator:", "id"), store.RoleSubmitter, store.RoleAdmin)).
			Post("/indicators/{id}/observations", s.submitObservations)
		r.With(s.requireToken(actionTrigger, pathTarget("source:", "source"), store.RoleAdmin)).
			Post("/ingest/{source}/run", s.triggerIngest)
		r.Get("/sources/{id}/pending-revisions", s.handle(s.listPending)) // pending.go
		r.With(s.requireToken(actionDecidePending, pathTarget("source:", "source"), store.RoleAdmin)).
			Post("/sources/{source}/pending-revisions/{decision}", s.decidePending)
		r.With(s.requireToken("", nil, store.RoleAdmin)).Get("/audit", s.handle(s.auditLog))
		r.Get("/reports/{year}", s.reportHandler())
		s.planRoutes(r) // the plan's own follow-up (plan.go)
	})
	s.routePages(r, o)
	return r
}

// writeJSON writes v with a strong ETag over the body and answers a matching
// If-None-Match with 304 (writeETagged).
func writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	writeJSONIndent(w, r, v, "  ")
}

func writeJSONIndent(w http.ResponseWriter, r *http.Request, v any, indent string) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	if err := enc.Encode(v); err != nil {
		writeProblem(w, r, Problem{Status: http.StatusInternalServerError, Detail: "encode response: " + err.Error()})
		return
	}
	writeETagged(w, r, "application/json; charset=utf-8", buf.Bytes())
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// readyz answers 200 when Postgres answers and is migrated.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		writeProblem(w, r, Problem{Type: problemUnavailable, Title: "Not ready", Status: http.StatusServiceUnavailable, Detail: "Postgres does not answer: " + err.Error()})
		return
	}
	if err := s.store.CheckMigrated(ctx); err != nil {
		writeProblem(w, r, Problem{Type: problemUnavailable, Title: "Not ready", Status: http.StatusServiceUnavailable, Detail: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ready","postgres":"ok"}` + "\n"))
}

// internalError logs err and answers 500 without leaking internals, or
// 503 with Retry-After when Postgres does not answer: a client should try
// again later, not report a bug.
// failedStatus is the status a failed write answers (internalError's).
func failedStatus(err error) int {
	if errors.Is(err, store.ErrBusy) {
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request failed", "path", r.URL.Path, "err", err)
	if errors.Is(err, store.ErrBusy) {
		w.Header().Set("Retry-After", strconv.Itoa(int(store.SubmissionLockWait.Seconds())))
		writeProblem(w, r, Problem{Type: problemUnavailable, Title: "Busy", Status: http.StatusServiceUnavailable,
			Detail: "another write holds what this one needs; nothing was written, send it again shortly"})
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Second)
	defer cancel()
	if s.store != nil && s.store.Ping(ctx) != nil {
		w.Header().Set("Retry-After", "10")
		writeProblem(w, r, Problem{Type: problemUnavailable, Title: "Database unavailable", Status: http.StatusServiceUnavailable,
			Detail: "kpv's database does not answer; try again shortly"})
		return
	}
	writeProblem(w, r, Problem{Status: http.StatusInternalServerError, Detail: "the request failed; the error is in kpv's log"})
}
