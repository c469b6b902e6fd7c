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
	"maps"
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

	mu sync.Mutex // serialises refreshes and guards the cache below
	// series holds the current figures of every stored series as last
	// read, with the series' change number then; nil before the first load.
	series  map[int32]*cachedSeries
	figures int // how many, in all

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
	// groups are each indicator's metrics encoded, kept for the next swap:
	// an indicator whose assessment is the same (Rebuild reused it) is not
	// encoded again. headers are each family's HELP and TYPE lines.
	groups  map[*assess.Indicator]*group
	headers map[string][]byte
}

// cachedSeries is one series' current figures as last read.
type cachedSeries struct {
	indicator string
	changed   int64
	figures   []indicators.Observation
}

// FigureSource is what the monitor reads from the store (*store.Store
// is one): the figures, each series' change number to tell which to read
// again, and each source's last good run.
type FigureSource interface {
	SeriesVersions(ctx context.Context) ([]store.SeriesVersion, error)
	SeriesFigures(ctx context.Context, ids []int32) (map[int32][]indicators.Observation, error)
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
	prev := m.current.Load()
	st := &state{snap: s, groups: make(map[*assess.Indicator]*group, len(s.Indicators)), headers: map[string][]byte{}}
	if prev != nil {
		maps.Copy(st.headers, prev.headers)
	}
	parts := []*group{encodeGroup(m.descs.globalMetrics(m.cat, s), st.headers, m.log)}
	for _, a := range s.Indicators {
		var g *group
		if prev != nil {
			g = prev.groups[a]
		}
		if g == nil {
			g = encodeGroup(m.descs.indicatorMetrics(m.cat, a), st.headers, m.log)
		}
		st.groups[a] = g
		parts = append(parts, g)
	}
	st.metrics, st.text, st.gzipped = assemble(parts, st.headers)
	m.current.Store(st)
}

// Refresh brings the assessment up to date with the store, doing only the
// work that changed: the figures of the series whose change number moved
// since the last load are read again (the first refresh reads them all),
// the indicators they belong to are assessed again, and the rest of the
// snapshot is reused with its freshness worked out for the clock.
func (m *Monitor) Refresh(ctx context.Context) error { return m.refreshLocked(ctx, false) }

// RefreshAll rebuilds the assessment from every current figure, read
// again, as the first Refresh does.
func (m *Monitor) RefreshAll(ctx context.Context) error { return m.refreshLocked(ctx, true) }

func (m *Monitor) refreshLocked(ctx context.Context, full bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	start := time.Now()
	err := m.refresh(ctx, full)
	if err != nil {
		m.refreshes.WithLabelValues("failed").Inc()
		return fmt.Errorf("refresh assessment: %w", err)
	}
	m.refreshes.WithLabelValues("success").Inc()
	m.refreshTook.Set(time.Since(start).Seconds())
	m.lastRefresh.SetToCurrentTime()
	return nil
}

func (m *Monitor) refresh(ctx context.Context, full bool) error {
	versions, err := m.store.SeriesVersions(ctx)
	if err != nil {
		return err
	}
	full = full || m.series == nil
	// The series to read again, and the indicators whose assessment changes.
	var reload []int32
	changed := map[string]bool{}
	stored := make(map[int32]bool, len(versions))
	for _, v := range versions {
		stored[v.ID] = true
		if c, ok := m.series[v.ID]; full || !ok || c.changed != v.Changed {
			reload = append(reload, v.ID)
			changed[v.Indicator] = true
		}
	}
	series := m.series
	if full {
		series = make(map[int32]*cachedSeries, len(versions))
	}
	for id, c := range series {
		if !stored[id] {
			changed[c.indicator] = true
			m.figures -= len(c.figures)
			delete(series, id)
		}
	}
	var figs map[int32][]indicators.Observation
	if len(reload) > 0 {
		var ids []int32
		if !full {
			ids = reload
		}
		if figs, err = m.store.SeriesFigures(ctx, ids); err != nil {
			return err
		}
	}
	if full {
		m.figures = 0
	}
	for _, id := range reload {
		c := series[id]
		if c == nil {
			c = &cachedSeries{}
			series[id] = c
		}
		m.figures += len(figs[id]) - len(c.figures)
		c.figures = figs[id]
	}
	for _, v := range versions {
		if c, ok := series[v.ID]; ok {
			c.indicator, c.changed = v.Indicator, v.Changed
		}
	}
	m.series = series
	last, err := m.store.LastSuccesses(ctx)
	if err != nil {
		return err
	}
	in := assess.Input{Catalogue: m.cat, LastSuccess: last, Now: m.now(), Figures: m.figures}
	if full {
		in.Observations = make([]indicators.Observation, 0, m.figures)
		for _, c := range series {
			in.Observations = append(in.Observations, c.figures...)
		}
		m.swap(assess.Build(in))
		return nil
	}
	// A derived indicator ranks the figures of the one it is derived from:
	// when one such changes, all of them are passed (they are few).
	for _, def := range m.cat.Indicators {
		if d := def.Derived; d != nil && changed[d.From] {
			for _, def := range m.cat.Indicators {
				if def.Derived != nil {
					changed[def.Derived.From] = true
				}
			}
			break
		}
	}
	for _, c := range series {
		if changed[c.indicator] {
			in.Observations = append(in.Observations, c.figures...)
		}
	}
	m.swap(assess.Rebuild(m.Snapshot(), in, changed))
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
