// Package monitor keeps kpv's current assessment: it rebuilds it from the
// store after every ingest run (and periodically, so that freshness moves
// with the clock and replicas agree), holds it in memory, and serves it to
// Prometheus and the API.
//
// The assessment's metrics are encoded once per rebuild, as text and
// gzipped; a scrape copies those bytes after the process's own metrics. So
// a scrape never queries Postgres, and its cost depends neither on how many
// revisions the store holds nor (beyond the copy) on how many series the
// assessment has.
package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// Monitor holds the current assessment.
type Monitor struct {
	cat   *indicators.Catalogue
	store FigureSource
	log   *slog.Logger
	now   func() time.Time
	descs *descs

	current atomic.Pointer[state]

	mu       sync.Mutex // serialises refreshes and guards the cache below
	loadedAt fingerprint
	figures  []indicators.Observation

	refreshes   *prometheus.CounterVec
	lastRefresh prometheus.Gauge
	refreshTook prometheus.Gauge
}

// state is one snapshot with its metrics and their encodings, built
// together and swapped in at once, so a scrape and an API call never see
// halves of two snapshots.
type state struct {
	snap    *assess.Snapshot
	metrics []prometheus.Metric
	text    []byte // text exposition of metrics
	gzipped []byte // the same, as one gzip member
}

// fingerprint identifies the stored figures (store.FiguresVersion).
type fingerprint struct {
	maxID, count int64
}

// FigureSource is what the monitor reads from the store (*store.Store
// is one): the figures, a cheap version of them to tell when to read them
// again, and each source's last good run.
type FigureSource interface {
	FiguresVersion(ctx context.Context) (maxID, count int64, err error)
	Observations(ctx context.Context, f store.ObservationFilter) ([]indicators.Observation, error)
	LastSuccesses(ctx context.Context) (map[string]time.Time, error)
}

// Options configure a Monitor.
type Options struct {
	Catalogue *indicators.Catalogue
	Store     FigureSource
	Logger    *slog.Logger
	// Registerer receives the assessment's metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// Now is the clock (time.Now by default); tests fix it.
	Now func() time.Time
}

// New returns a Monitor holding an assessment of no figures; call Refresh
// to load the store's. The Registerer gets the monitor's own bookkeeping
// (refreshes); the assessment is served by Handler.
func New(o Options) *Monitor {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Monitor{cat: o.Catalogue, store: o.Store, log: o.Logger, now: o.Now, descs: newDescs(o.Catalogue),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kpv_assessment_refreshes_total",
			Help: "Rebuilds of the assessment from the store, by outcome (success, failed).",
		}, []string{"outcome"}),
		lastRefresh: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kpv_assessment_last_refresh_timestamp_seconds",
			Help: "When the assessment served on /metrics was built, as a Unix time.",
		}),
		refreshTook: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kpv_assessment_refresh_duration_seconds",
			Help: "How long the last successful rebuild of the assessment took.",
		}),
	}
	m.refreshes.WithLabelValues("success")
	m.refreshes.WithLabelValues("failed")
	m.swap(assess.Build(assess.Input{Catalogue: o.Catalogue, Now: o.Now()}))
	if o.Registerer != nil {
		o.Registerer.MustRegister(m.refreshes, m.lastRefresh, m.refreshTook)
	}
	return m
}

// Snapshot returns the current assessment. It is never nil; treat it as
// read-only.
func (m *Monitor) Snapshot() *assess.Snapshot { return m.current.Load().snap }

func (m *Monitor) swap(s *assess.Snapshot) {
	st := &state{snap: s, metrics: m.descs.metrics(m.cat, s)}
	st.text, st.gzipped = encode(st.metrics, m.log)
	m.current.Store(st)
}

// Refresh rebuilds the assessment from the store. The figures are reloaded
// only when they have changed since the last load; the assessment itself
// is always rebuilt, because freshness depends on the clock.
func (m *Monitor) Refresh(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	start := time.Now()
	err := m.refresh(ctx)
	if err != nil {
		m.refreshes.WithLabelValues("failed").Inc()
		return fmt.Errorf("refresh assessment: %w", err)
	}
	m.refreshes.WithLabelValues("success").Inc()
	m.refreshTook.Set(time.Since(start).Seconds())
	m.lastRefresh.SetToCurrentTime()
	return nil
}

func (m *Monitor) refresh(ctx context.Context) error {
	var fp fingerprint
	var err error
	if fp.maxID, fp.count, err = m.store.FiguresVersion(ctx); err != nil {
		return err
	}
	if fp != m.loadedAt || m.figures == nil {
		figs, err := m.store.Observations(ctx, store.ObservationFilter{})
		if err != nil {
			return err
		}
		m.figures, m.loadedAt = figs, fp
	}
	last, err := m.store.LastSuccesses(ctx)
	if err != nil {
		return err
	}
	m.swap(assess.Build(assess.Input{Catalogue: m.cat, Observations: m.figures, LastSuccess: last, Now: m.now()}))
	return nil
}

// AfterRun refreshes after an ingest run; it suits ingest.Runner.AfterRun.
func (m *Monitor) AfterRun(run store.Run) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := m.Refresh(ctx); err != nil {
		m.log.Error("assessment not refreshed after ingest run", "run", run.ID, "source", run.Source, "err", err)
	}
}

// Run refreshes every interval until ctx ends, so that freshness follows
// the clock and a replica sees figures another replica ingested.
func (m *Monitor) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := m.Refresh(ctx); err != nil && ctx.Err() == nil {
				m.log.Error("periodic assessment refresh failed", "err", err)
			}
		}
	}
}

// Collector returns a collector of the current assessment's metrics, for
// tests and for callers with their own registry (not to be used together
// with Handler, which already serves them).
func (m *Monitor) Collector() prometheus.Collector { return collector{m} }

type collector struct{ m *Monitor }

// Describe sends the descriptors of the assessment's metrics.
func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.m.descs.all {
		ch <- d
	}
}

// Collect sends the metrics built with the current snapshot.
func (c collector) Collect(ch chan<- prometheus.Metric) {
	for _, mt := range c.m.current.Load().metrics {
		ch <- mt
	}
}
