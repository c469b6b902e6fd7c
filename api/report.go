package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/pages"
	"github.com/kraeftplan/kpv/report"
	"github.com/kraeftplan/kpv/store"
	"github.com/kraeftplan/kpv/view"
)

// Reports are cached per year and cut-off, and rendered once per format.
// A cut-off well in the past is settled: nothing recorded later can change
// what it sees, so its report is served without asking Postgres. A recent
// one is checked against the store's RecordVersion on each request, and a
// report "as of now" is rebuilt at least every reportNowTTL, since
// freshness follows the clock, and at most every reportNowMinAge: while
// figures are being written, a report a few seconds old (it states its
// cut-off) serves everyone instead of each request rebuilding it. One build
// per key runs at a time; requests arriving meanwhile wait for it. At
// most reportCacheSize are kept, the least recently served giving way.
const (
	reportSettle    = 10 * time.Minute // longer than any write transaction
	reportNowTTL    = time.Minute
	reportNowMinAge = 5 * time.Second
	reportCacheSize = 32
)

// liveBuilders is how many years keep an incremental report builder: the
// current year's and the previous one's are the reports asked for while
// figures still come in.
const liveBuilders = 2

type reportCache struct {
	// linkBase is kpv's public address for the HTML's links ("" keeps the
	// catalogue's).
	linkBase string
	reports  *cache[*reportEntry]
	builds   prometheus.Counter
	mu       sync.Mutex // guards live and liveUsed
	// live keeps, per year, the builder of its live report
	// (report.Builder): a rebuild after an ingest reads and reassesses
	// only the indicators whose figures changed. A builder holds two
	// assessments (188 MiB at a million figures, BENCHMARKS.md), so at
	// most liveBuilders years keep one, the least recently asked for
	// giving way; liveUsed orders them, most recent last.
	live     map[int]*report.Builder
	liveUsed []int
	// decorate adds the publication part (draft, follow-up, changes) as of
	// a moment (report_versions.go).
	decorate func(ctx context.Context, rep *report.Report, at time.Time) error
}

type reportEntry struct {
	version store.RecordVersion
	built   time.Time
	report  *report.Report

	mu     sync.Mutex
	bodies map[string]renderedReport // by format
}

type renderedReport struct {
	body []byte
	etag string
}

func (e *reportEntry) render(format string) (renderedReport, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.bodies[format]; ok {
		return r, nil
	}
	body, err := report.Render(e.report, format)
	if err != nil {
		return renderedReport{}, err
	}
	sum := sha256.Sum256(body)
	r := renderedReport{body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	e.bodies[format] = r
	return r, nil
}

// reportHandler serves GET /api/v1/reports/{year}: the yearly follow-up
// report as JSON (default), CSV (format=csv), a printable HTML page
// (format=html) or a workbook (format=xlsx), with the figures as recorded by as_of (a date, taken as
// the end of that day UTC, or an RFC 3339 time; default the end of the
// year or now, whichever is earlier).
func (s *Server) reportHandler() http.HandlerFunc {
	cache := &reportCache{reports: newCache(reportCacheSize, func(string, *reportEntry) int { return 1 }), builds: s.metrics.reportBuilds, decorate: s.decorateReport, linkBase: s.publicURL}
	return s.handle(func(w http.ResponseWriter, r *http.Request) error { return s.report(w, r, cache) })
}

func (s *Server) report(w http.ResponseWriter, r *http.Request, cache *reportCache) error {
	p := queryParams(r, "format", "as_of", "dialect")
	year, err := strconv.Atoi(chi.URLParam(r, "year"))
	if err != nil {
		p.add("year", "not a year: "+strconv.Quote(chi.URLParam(r, "year")))
	}
	format := p.format(report.Formats...)
	asOf := p.asOf(time.Time{})
	// The CSV is for a Danish Excel unless dialect=program asks for the
	// dialect for programs.
	render := format
	if d, err := view.Dialect(p.get("dialect")); err != nil {
		p.add("dialect", err.Error())
	} else if d == view.DialectProgram && format == "csv" {
		render = report.CSVProgram
	}
	if err := p.err(); err != nil {
		return err
	}
	now := p.now
	cutoff, rule, err := report.CutOff(s.cat, year, asOf, now)
	var ie *report.InputError
	switch {
	case errors.As(err, &ie) && ie.Param == "year":
		return errNotFound(ie.Message)
	case errors.As(err, &ie):
		return paramErrors{{ie.Param, ie.Message}}
	case err != nil:
		return err
	}
	if rule != report.RuleNow && !cutoff.After(now) && !s.awaitSettled(w, r, cutoff) {
		return nil
	}
	// The follow-up part is read as of the cut-off asked for, else now (the
	// year's status reports come in after it ends); a new submission or
	// approval, or a new day (milestones fall due), makes a new cache key.
	followAt := now
	if rule == report.RuleAsOf {
		followAt = cutoff
	}
	subs, pubs, err := s.store.PlanVersion(r.Context())
	if err != nil {
		return err
	}
	tag := fmt.Sprintf("plan:%d:%d:%s", subs, pubs, followAt.UTC().Format(time.DateOnly))
	e, err := cache.get(r.Context(), s.store, s.cat, year, cutoff, rule, now, tag, followAt)
	if err != nil {
		return err
	}
	out, err := e.render(render)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", out.etag)
	if r.Header.Get("If-None-Match") == out.etag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.Header().Set("Content-Type", report.ContentType(format))
	switch format {
	case "csv", "xlsx":
		w.Header().Set("Content-Disposition", `attachment; filename="`+report.FileName(year, format)+`"`)
	case "html":
		pages.SecurityHeaders(w.Header())
		w.Header().Set("Content-Disposition", `inline; filename="`+report.FileName(year, format)+`"`)
	}
	_, _ = w.Write(out.body)
	return nil
}

// get returns the cached report for year and cut-off if it still holds,
// else builds it.
func (c *reportCache) get(ctx context.Context, st Store, cat *indicators.Catalogue, year int, cutoff time.Time, rule string, now time.Time, tag string, followAt time.Time) (*reportEntry, error) {
	key := strconv.Itoa(year) + "|" + rule + "|" + tag
	if !report.Live(rule) {
		key += "|" + cutoff.Format(time.RFC3339Nano)
	}
	settled := !report.Live(rule) && cutoff.Before(now.Add(-reportSettle))
	fresh := func(e *reportEntry) bool { return settled || report.Live(rule) && now.Sub(e.built) < reportNowMinAge }
	return c.reports.get(ctx, key, fresh, func(e *reportEntry, kept bool) (*reportEntry, error) {
		var version store.RecordVersion
		if !settled {
			var err error
			if version, err = st.RecordVersion(ctx); err != nil {
				return nil, err
			}
			if kept && e.version == version && (!report.Live(rule) || now.Sub(e.built) < reportNowTTL) {
				return e, nil
			}
		}
		rep, err := c.fromStore(ctx, st, cat, year, cutoff, rule)
		if err != nil {
			return nil, err
		}
		c.builds.Inc()
		if c.linkBase != "" {
			rep.LinkBase = c.linkBase
		}
		if c.decorate != nil {
			if err := c.decorate(ctx, rep, followAt); err != nil {
				return nil, err
			}
		}
		return &reportEntry{version: version, built: now, report: rep, bodies: map[string]renderedReport{}}, nil
	})
}

// fromStore builds the report: a live one through the year's kept
// builder (it reads and reassesses only what changed), else a new one.
func (c *reportCache) fromStore(ctx context.Context, st Store, cat *indicators.Catalogue, year int, cutoff time.Time, rule string) (*report.Report, error) {
	b := report.NewBuilder(cat, year)
	if report.Live(rule) {
		b = c.liveBuilder(cat, year)
	}
	return b.Build(ctx, st, rule, cutoff)
}

// liveBuilder returns year's incremental builder, made if missing; the
// least recently asked for beyond liveBuilders are dropped.
func (c *reportCache) liveBuilder(cat *indicators.Catalogue, year int) *report.Builder {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live == nil {
		c.live = map[int]*report.Builder{}
	}
	b := c.live[year]
	if b == nil {
		b = report.NewBuilder(cat, year)
		c.live[year] = b
	}
	c.liveUsed = append(slices.DeleteFunc(c.liveUsed, func(y int) bool { return y == year }), year)
	for len(c.liveUsed) > liveBuilders {
		delete(c.live, c.liveUsed[0])
		c.liveUsed = c.liveUsed[1:]
	}
	return b
}
