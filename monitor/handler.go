package monitor

import (
	"bytes"
	"compress/gzip"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// group is some of the assessment's metrics, encoded: each family's sample
// lines without its HELP and TYPE lines.
type group struct {
	metrics  []prometheus.Metric
	families map[string][]byte
}

// encodeGroup encodes metrics as text, family by family, and records each
// family's HELP and TYPE lines in headers.
func encodeGroup(metrics []prometheus.Metric, headers map[string][]byte, log *slog.Logger) *group {
	g := &group{metrics: metrics, families: map[string][]byte{}}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(constCollector(metrics))
	mfs, err := reg.Gather()
	if err != nil {
		// A bug in building the metrics: serve what gathered, and say so.
		log.Error("assessment metrics are inconsistent", "err", err)
	}
	var buf bytes.Buffer
	for _, mf := range mfs {
		buf.Reset()
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			log.Error("encode assessment metrics", "family", mf.GetName(), "err", err)
		}
		// The text starts with the family's # HELP and # TYPE lines.
		b := buf.Bytes()
		cut := 0
		for range 2 {
			if i := bytes.IndexByte(b[cut:], '\n'); i >= 0 && bytes.HasPrefix(b[cut:], []byte("# ")) {
				cut += i + 1
			}
		}
		if _, ok := headers[mf.GetName()]; !ok {
			headers[mf.GetName()] = bytes.Clone(b[:cut])
		}
		g.families[mf.GetName()] = bytes.Clone(b[cut:])
	}
	return g
}

// assemble puts the groups' encodings together, family by family (a
// family's samples must follow its HELP and TYPE lines together), as text
// and gzipped.
func assemble(parts []*group, headers map[string][]byte) (metrics []prometheus.Metric, text, gzipped []byte) {
	size, n := 0, 0
	for _, g := range parts {
		n += len(g.metrics)
		for _, b := range g.families {
			size += len(b)
		}
	}
	metrics = make([]prometheus.Metric, 0, n)
	for _, g := range parts {
		metrics = append(metrics, g.metrics...)
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+64*len(headers)))
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		wrote := false
		for _, g := range parts {
			if b, ok := g.families[name]; ok {
				if !wrote {
					buf.Write(headers[name])
					wrote = true
				}
				buf.Write(b)
			}
		}
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	_, _ = zw.Write(buf.Bytes())
	_ = zw.Close()
	return metrics, buf.Bytes(), gz.Bytes()
}

// constCollector is an unchecked collector of fixed metrics.
type constCollector []prometheus.Metric

func (constCollector) Describe(chan<- *prometheus.Desc) {}

func (c constCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c {
		ch <- m
	}
}

// Handler serves /metrics: the process's own metrics from g (HTTP, ingest,
// Go runtime), gathered per scrape, followed by the assessment encoded at
// its last rebuild. Gzip is answered with two gzip members, which every
// gzip reader (Prometheus's included) reads as one stream.
func (m *Monitor) Handler(g prometheus.Gatherer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mfs, err := g.Gather()
		if err != nil {
			m.log.Error("gather metrics", "err", err) // serve what was gathered, as promhttp.ContinueOnError
		}
		var head bytes.Buffer
		for _, mf := range mfs {
			if _, err := expfmt.MetricFamilyToText(&head, mf); err != nil {
				m.log.Error("encode metrics", "family", mf.GetName(), "err", err)
			}
		}
		st := m.current.Load()
		w.Header().Set("Content-Type", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
		if !acceptsGzip(r) {
			_, _ = w.Write(head.Bytes())
			_, _ = w.Write(st.text)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(w)
		_, _ = zw.Write(head.Bytes())
		_ = zw.Close()
		gzipWriters.Put(zw)
		_, _ = w.Write(st.gzipped)
	})
}

// gzipWriters saves allocating a compressor (about a megabyte) per scrape.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
