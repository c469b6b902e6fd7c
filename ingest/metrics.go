package ingest

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the ingesters' Prometheus metrics, registered on the
// registerer the caller passes (as in prometheus/alertmanager).
type Metrics struct {
	runs        *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
}

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
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kpv_source_last_success_timestamp_seconds",
			Help: "When a run of the source last ended in success or unchanged, as a Unix time.",
		}, []string{"source"}),
	}
	if reg != nil {
		reg.MustRegister(m.runs, m.duration, m.lastSuccess)
	}
	return m
}

func (m *Metrics) observe(source, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(source, outcome).Inc()
	if outcome == "success" || outcome == "unchanged" {
		m.lastSuccess.WithLabelValues(source).SetToCurrentTime()
	}
	if d > 0 {
		m.duration.WithLabelValues(source).Observe(d.Seconds())
	}
}
