package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
)

// httpMetrics counts, times and logs every request. Metrics are labelled by
// route pattern (never by raw path, which would be unbounded); the log line
// has the full path.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	log      *slog.Logger
	// reportBuilds counts yearly reports built (not served from the cache).
	reportBuilds prometheus.Counter
}

func newHTTPMetrics(reg prometheus.Registerer, log *slog.Logger) *httpMetrics {
	m := &httpMetrics{
		log: log,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kpv_http_requests_total",
			Help: "HTTP requests served, by route, method and status code.",
		}, []string{"handler", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kpv_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by route and method.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"handler", "method"}),
	}
	m.reportBuilds = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "kpv_report_builds_total",
		Help: "Yearly follow-up reports built from the store; every other report request was served from the cache.",
	})
	reg.MustRegister(m.requests, m.duration, m.reportBuilds)
	return m
}

func (m *httpMetrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		took := time.Since(start)
		m.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(route, r.Method).Observe(took.Seconds())
		m.log.Info("request", "method", r.Method, "path", redactedURI(r.URL), "status", status,
			"bytes", ww.BytesWritten(), "duration", took.Round(time.Microsecond))
	})
}
