package monitor

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/internal/pgtest"
)

// benchIndicators is how many bench indicators give about 50,000 series.
const benchIndicators = 200

// scrapeOnce serves one scrape as Prometheus asks for it (gzip or not) and
// returns the bytes sent.
func scrapeOnce(b *testing.B, h http.Handler, gzip bool) int {
	req := httptest.NewRequest("GET", "/metrics", nil)
	if gzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("scrape: %d", rec.Code)
	}
	return rec.Body.Len()
}

func countSeries(b *testing.B, h http.Handler) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	n := 0
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(line, "kpv_") {
			n++
		}
	}
	return n
}

// BenchmarkScrape measures /metrics with about 50,000 assessment series:
// latency, allocations and bytes per scrape, plain and gzipped; and, as the
// baseline, the same metrics gathered and encoded per scrape by
// client_golang's registry and promhttp (what the handler avoids).
func BenchmarkScrape(b *testing.B) {
	cat := benchCatalogue(b, benchIndicators)
	figs := benchFigures(b, cat, 0)
	reg := prometheus.NewRegistry()
	m := New(Options{Catalogue: cat, Registerer: reg, Now: func() time.Time { return fixedNow }})
	m.swap(assess.Build(assess.Input{Catalogue: cat, Observations: figs, Now: fixedNow}))
	h := m.Handler(reg)
	series := countSeries(b, h)
	for _, gzip := range []bool{false, true} {
		b.Run(fmt.Sprintf("gzip=%v", gzip), func(b *testing.B) {
			b.ReportAllocs()
			bytes := 0
			for b.Loop() {
				bytes = scrapeOnce(b, h, gzip)
			}
			b.ReportMetric(float64(series), "series")
			b.ReportMetric(float64(bytes), "bytes/scrape")
		})
	}
	b.Run("registry", func(b *testing.B) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(m.Collector())
		h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
		b.ReportAllocs()
		bytes := 0
		for b.Loop() {
			bytes = scrapeOnce(b, h, true)
		}
		b.ReportMetric(float64(bytes), "bytes/scrape")
	})
}

// BenchmarkScrapeRevisions loads the same figures into Postgres with one
// revision each and with ten, refreshes from the store, and measures the
// scrape: the cost must not grow with the revisions (scripts/bench.sh
// prints the ratio). The refresh, which does read the store, is timed once
// and reported too.
func BenchmarkScrapeRevisions(b *testing.B) {
	ctx := context.Background()
	cat := benchCatalogue(b, benchIndicators)
	for _, revisions := range []int{1, 10} {
		b.Run(fmt.Sprintf("revisions=%d", revisions), func(b *testing.B) {
			st := pgtest.NewStore(b)
			if _, err := st.SyncCatalogue(ctx, cat); err != nil {
				b.Fatal(err)
			}
			writeRevisions(b, st, cat, revisions)
			reg := prometheus.NewRegistry()
			m := New(Options{Catalogue: cat, Store: st, Registerer: reg, Now: func() time.Time { return fixedNow }})
			start := time.Now()
			if err := m.Refresh(ctx); err != nil {
				b.Fatal(err)
			}
			refresh := time.Since(start)
			h := m.Handler(reg)
			series := countSeries(b, h)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				scrapeOnce(b, h, true)
			}
			b.ReportMetric(float64(series), "series")
			b.ReportMetric(refresh.Seconds(), "refresh-s")
		})
	}
}
