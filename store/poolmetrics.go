package store

import (
	"context"
	"time"

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

// WatchUp pings the database every interval until ctx is done and keeps
// the result in the gauge kpv_database_up (1 when it answered within
// timeout, 0 when not), registered on reg: what the KPVDatabaseUnreachable
// alert watches. The gauge is set once before WatchUp returns, so the
// first scrape already has it; a scrape itself never queries Postgres.
func (s *Store) WatchUp(ctx context.Context, reg prometheus.Registerer, interval, timeout time.Duration) {
	up := prometheus.NewGauge(prometheus.GaugeOpts{Name: "kpv_database_up",
		Help: "Whether kpv's last ping of its Postgres database was answered (1) or not (0), every KPV_DB_PING_INTERVAL."})
	reg.MustRegister(up)
	ping := func() {
		pctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		if s.pool.Ping(pctx) == nil {
			up.Set(1)
		} else if ctx.Err() == nil {
			up.Set(0)
		}
	}
	ping()
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				ping()
			}
		}
	}()
}
