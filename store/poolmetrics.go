package store

import (
	"github.com/prometheus/client_golang/prometheus"
)

// PoolCollector exposes the connection pool's saturation as kpv_db_pool_*
// metrics, so that a pool held by slow work shows (and alerts) before the
// API stops answering.
func (s *Store) PoolCollector() prometheus.Collector { return poolCollector{s} }

type poolCollector struct{ s *Store }

var (
	poolAcquired = prometheus.NewDesc("kpv_db_pool_acquired_connections", "Connections of kpv's Postgres pool in use.", nil, nil)
	poolIdle     = prometheus.NewDesc("kpv_db_pool_idle_connections", "Idle connections of kpv's Postgres pool.", nil, nil)
	poolMax      = prometheus.NewDesc("kpv_db_pool_max_connections", "Maximum size of kpv's Postgres pool.", nil, nil)
	poolWaits    = prometheus.NewDesc("kpv_db_pool_empty_acquires_total", "Acquires that had to wait for a connection because the pool was empty.", nil, nil)
	poolWaitSecs = prometheus.NewDesc("kpv_db_pool_empty_acquire_wait_seconds_total", "Time spent waiting for a connection of an empty pool.", nil, nil)
	poolAcquires = prometheus.NewDesc("kpv_db_pool_acquires_total", "Connections acquired from the pool.", nil, nil)
)

// Describe sends the pool metrics' descriptors.
func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolAcquired, poolIdle, poolMax, poolWaits, poolWaitSecs, poolAcquires} {
		ch <- d
	}
}

// Collect reads the pool's statistics (no query: safe while it is full).
func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.pool.Stat()
	ch <- prometheus.MustNewConstMetric(poolAcquired, prometheus.GaugeValue, float64(st.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(st.IdleConns()))
	ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(st.MaxConns()))
	ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(st.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolWaitSecs, prometheus.CounterValue, st.EmptyAcquireWaitTime().Seconds())
	ch <- prometheus.MustNewConstMetric(poolAcquires, prometheus.CounterValue, float64(st.AcquireCount()))
}
