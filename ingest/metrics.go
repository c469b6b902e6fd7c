package ingest

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/store"
)

// Metrics are the ingesters' Prometheus metrics, registered on the
// registerer the caller passes (as in prometheus/alertmanager).
type Metrics struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	pending  *prometheus.GaugeVec
}

// Outcomes are the values of kpv_ingest_runs_total's outcome label: how a
// run ended, or skipped when another run held the source.
var Outcomes = []string{string(store.RunSuccess), string(store.RunUnchanged), string(store.RunFailed), string(store.RunInterrupted), "skipped"}

// NewMetrics creates and registers the ingest metrics; reg may be nil.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kpv_ingest_runs_total",
			Help: "Ingest runs by source and outcome (success, unchanged, failed, skipped when another run held the source).",
		}, []string{"source", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kpv_ingest_duration_seconds",
			Help:    "Duration of ingest runs, from taking the source's lock to closing the run log entry.",
			Buckets: []float64{0.1, 0.5, 1, 5, 15, 60, 300, 900},
		}, []string{"source"}),
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kpv_source_pending_revisions",
			Help: "Revisions of published figures held for review (far from the figures they would replace), by source, from the store.",
		}, []string{"source"}),
	}
	if reg != nil {
		reg.MustRegister(m.runs, m.duration, m.pending)
	}
	return m
}

// Init exposes every source's run counters and duration at zero, so that rate() and
// increase() see a source's first failure. (The time of each source's last
// success is exposed by the monitor, from the run log, so that it survives
// restarts and agrees across replicas.)
func (m *Metrics) Init(sources []string) {
	if m == nil {
		return
	}
	for _, s := range sources {
		m.duration.WithLabelValues(s)
		m.pending.WithLabelValues(s)
		for _, o := range Outcomes {
			m.runs.WithLabelValues(s, o)
		}
	}
}

func (m *Metrics) observe(source, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(source, outcome).Inc()
	if d > 0 {
		m.duration.WithLabelValues(source).Observe(d.Seconds())
	}
}

// interrupted counts runs of a stopped process found and marked interrupted.
func (m *Metrics) interrupted(source string, n int64) {
	if m != nil {
		m.runs.WithLabelValues(source, string(store.RunInterrupted)).Add(float64(n))
	}
}

// setPending sets the held revisions per source (counts from the store;
// a source missing from it has none).
func (m *Metrics) setPending(sources []string, counts map[string]int) {
	if m == nil {
		return
	}
	for _, s := range sources {
		m.pending.WithLabelValues(s).Set(float64(counts[s]))
	}
}
