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
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/refresh"
	"github.com/kraeftplan/kpv/store"
)

// Monitor holds the current assessment.
type Monitor struct {
	cat   *indicators.Catalogue
	store FigureSource
	log   *slog.Logger
	// refresher runs Refresh periodically and after ingest runs.
	refresher *refresh.Refresher
	now       func() time.Time
	descs     *descs

	current atomic.Pointer[state]

	mu sync.Mutex // serialises refreshes and guards the fields below
	// series holds every stored series' indicator and change number as
	// last read; nil before the first load. No figure is kept: a refresh
	// reads again the changed indicators' figures.
	series map[int32]seriesState
	// counts is each indicator's number of current figures as last read.
	counts map[string]int

	refreshes   *prometheus.CounterVec
	lastRefresh prometheus.Gauge
	refreshTook prometheus.Gauge
}

// state is one snapshot with its metrics and their encodings, built
// together and swapped in at once, so a scrape and an API call never see
// halves of two snapshots.
type state struct {
	snap    *assess.Snapshot
	series  int         // how many samples the assessment's metrics have
	text    net.Buffers // text exposition of the metrics, in pieces (assemble)
	gzipped []byte      // the same, gzipped
	// plain is text in one piece, made at the first scrape that does not
	// take gzip (Prometheus does): not at every refresh.
	plainOnce sync.Once
	plain     []byte
	// groups are each indicator's metrics encoded, kept for the next swap:
	// an indicator whose assessment is the same (Rebuild reused it) is not
	// encoded again. headers are each family's HELP and TYPE lines.
	groups  map[*assess.Indicator]*group
	headers map[string][]byte
	// segments are the gzipped exposition's parts, kept for the next swap
	// (handler.go).
	segments map[segmentKey]*segment
}

// seriesState is a stored series as last read.
type seriesState struct {
	indicator string
	changed   int64
}

// FigureSource is what the monitor reads from the store (*store.Store
// is one): the current figures, indicator by indicator, each series'
// change number to tell which to read again, and each source's last good
// run.
type FigureSource interface {
	SeriesVersions(ctx context.Context) ([]store.SeriesVersion, error)
	CurrentFigures(ctx context.Context, ids []int32, fn func(indicator string, figs []indicators.Observation) error) error
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
	m.refresher = refresh.New("assessment", o.Logger, 2*time.Minute, m.Refresh)
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
	var segments map[segmentKey]*segment
	if prev != nil {
		segments = prev.segments
	}
	st.series, st.text, st.gzipped, st.segments = assemble(parts, st.headers, segments)
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
	// The indicators whose assessment changes: those with a series added,
	// revised or gone since the last load.
	changed := map[string]bool{}
	series := make(map[int32]seriesState, len(versions))
	for _, v := range versions {
		series[v.ID] = seriesState{v.Indicator, v.Changed}
		if old, ok := m.series[v.ID]; full || !ok || old.changed != v.Changed {
			changed[v.Indicator] = true
		}
	}
	for id, old := range m.series {
		if _, ok := series[id]; !ok {
			changed[old.indicator] = true
		}
	}
	last, err := m.store.LastSuccesses(ctx)
	if err != nil {
		return err
	}
	in := assess.Input{Catalogue: m.cat, LastSuccess: last, Now: m.now()}
	counts := make(map[string]int, len(m.counts))
	var b *assess.Builder
	var ids []int32 // the series to read: nil for all
	if full {
		b = assess.NewBuilder(in)
	} else {
		// A derived indicator ranks the figures of the one it is derived
		// from: when one such changes, all of them are read (they are few).
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
		// Every series of a changed indicator is read again, as its
		// assessment needs all of them.
		for _, v := range versions {
			if changed[v.Indicator] {
				ids = append(ids, v.ID)
			}
		}
		for ind, n := range m.counts {
			if !changed[ind] {
				counts[ind] = n
			}
		}
		b = assess.NewRebuilder(m.Snapshot(), in, changed)
	}
	if full || len(ids) > 0 {
		if err := m.read(ctx, ids, func(indicator string, figs []indicators.Observation) {
			counts[indicator] = len(figs)
			b.Add(figs)
		}); err != nil {
			return err
		}
	}
	snap := b.Snapshot()
	snap.Figures = 0
	for _, n := range counts {
		snap.Figures += n
	}
	m.swap(snap)
	m.series, m.counts = series, counts
	return nil
}

// read hands the current figures of the series ids (all when nil) to
// assess indicator by indicator, as they are read: while one indicator is
// assessed the next is read, and at most three indicators' figures are
// held (the one assessed, one waiting, one being read), however many
// figures there are.
func (m *Monitor) read(ctx context.Context, ids []int32, assess func(indicator string, figs []indicators.Observation)) error {
	type batch struct {
		indicator string
		figs      []indicators.Observation
	}
	ready := make(chan batch, 1)
	free := make(chan []indicators.Observation, 2) // the buffers not being assessed or waiting
	free <- nil
	free <- nil
	done := make(chan error, 1)
	go func() {
		done <- m.store.CurrentFigures(ctx, ids, func(indicator string, figs []indicators.Observation) error {
			buf := <-free
			ready <- batch{indicator, append(buf[:0], figs...)}
			return nil
		})
		close(ready)
	}()
	for bt := range ready {
		assess(bt.indicator, bt.figs)
		free <- bt.figs
	}
	return <-done
}

// AfterRun refreshes after an ingest run; it suits ingest.Runner.AfterRun.
func (m *Monitor) AfterRun(run store.Run) { m.refresher.Now("run", run.ID, "source", run.Source) }

// Run refreshes every interval until ctx ends, so that freshness follows
// the clock and a replica sees figures another replica ingested.
func (m *Monitor) Run(ctx context.Context, interval time.Duration) { m.refresher.Run(ctx, interval) }

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

// Collect sends the current snapshot's metrics, built again as swap built
// them (they are not kept; see group).
func (c collector) Collect(ch chan<- prometheus.Metric) {
	s := c.m.current.Load().snap
	for _, mt := range c.m.descs.globalMetrics(c.m.cat, s) {
		ch <- mt
	}
	for _, a := range s.Indicators {
		for _, mt := range c.m.descs.indicatorMetrics(c.m.cat, a) {
			ch <- mt
		}
	}
}

// plainText returns the text exposition in one piece.
func (st *state) plainText() []byte {
	st.plainOnce.Do(func() { st.plain = bytes.Join(st.text, nil) })
	return st.plain
}
