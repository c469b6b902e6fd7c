package monitor

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// group is some of the assessment's metrics, encoded: each family's sample
// lines without its HELP and TYPE lines, and how many samples. The metrics
// themselves are not kept: at 140,000 series they were a third of the
// process's live heap, in small objects every garbage collection walks.
type group struct {
	series   int
	families map[string][]byte
}

// encodeGroup encodes metrics as text, family by family, and records each
// family's HELP and TYPE lines in headers.
func encodeGroup(metrics []prometheus.Metric, headers map[string][]byte, log *slog.Logger) *group {
	g := &group{series: len(metrics), families: map[string][]byte{}}
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

// blockParts is how many indicators' encodings share a compressed
// segment of a family: a refresh that changed one indicator compresses its
// block again in each family, about 1/30 of the exposition at 200
// indicators, and the blocks stay large enough to compress well alone.
const blockParts = 8

// segmentKey names a segment: a family and a block of parts.
type segmentKey struct {
	family string
	block  int
}

// segment is one family's samples from one block of parts, compressed
// alone as raw deflate ending in a sync flush, with what it was made from.
type segment struct {
	parts  []*group
	header bool // the family's HELP and TYPE lines come first
	z      []byte
}

// same reports whether sg was made from exactly these parts.
func (sg *segment) same(parts []*group, header bool) bool {
	return sg != nil && sg.header == header && slices.Equal(sg.parts, parts)
}

// assemble puts the groups' encodings together, family by family (a
// family's samples must follow its HELP and TYPE lines together), as text
// and gzipped. parts[0] is the global group, the rest the indicators' in
// order. The text is kept as the groups' own pieces in order, not copied
// into one buffer (at 200 indicators that copy was most of an incremental
// refresh). The gzip is one member whose deflate stream is the segments
// compressed apart and concatenated (each ends byte-aligned after a sync
// flush, with no reference to what came before), as pigz does: a segment
// of prev whose parts are the same is not compressed again.
func assemble(parts []*group, headers map[string][]byte, prev map[segmentKey]*segment) (series int, text net.Buffers, gzipped []byte, segments map[segmentKey]*segment) {
	for _, g := range parts {
		series += g.series
	}
	// Blocks: the global group alone (it changes with every refresh), then
	// the indicators blockParts at a time.
	blocks := [][]*group{parts[:1]}
	for i := 1; i < len(parts); i += blockParts {
		blocks = append(blocks, parts[i:min(i+blockParts, len(parts))])
	}
	segments = map[segmentKey]*segment{}
	var order []*segment
	var z bytes.Buffer
	zw := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(zw)
	crc, length := uint32(0), 0
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		header := true // the family's header is still to be written
		for bi, block := range blocks {
			start, withHeader := len(text), header
			for _, g := range block {
				if b, ok := g.families[name]; ok {
					if header {
						text = append(text, headers[name])
					}
					text = append(text, b)
					header = false
				}
			}
			if len(text) == start {
				continue
			}
			for _, b := range text[start:] {
				crc = crc32.Update(crc, crc32.IEEETable, b)
				length += len(b)
			}
			key := segmentKey{name, bi}
			sg := prev[key]
			if !sg.same(block, withHeader) {
				z.Reset()
				zw.Reset(&z)
				for _, b := range text[start:] {
					_, _ = zw.Write(b)
				}
				_ = zw.Flush()
				sg = &segment{parts: slices.Clone(block), header: withHeader, z: bytes.Clone(z.Bytes())}
			}
			segments[key] = sg
			order = append(order, sg)
		}
	}
	// The gzip member: header, the segments, a final empty stored block,
	// then the CRC-32 and length of the whole text (RFC 1952).
	zsize := 10 + 5 + 8
	for _, sg := range order {
		zsize += len(sg.z)
	}
	gzipped = make([]byte, 0, zsize)
	gzipped = append(gzipped, 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255)
	for _, sg := range order {
		gzipped = append(gzipped, sg.z...)
	}
	gzipped = append(gzipped, 1, 0, 0, 0xff, 0xff)
	gzipped = binary.LittleEndian.AppendUint32(gzipped, crc)
	gzipped = binary.LittleEndian.AppendUint32(gzipped, uint32(length))
	return series, text, gzipped, segments
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
			_, _ = w.Write(st.plainText())
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

// flateWriters saves allocating a compressor per segment.
var flateWriters = sync.Pool{New: func() any {
	zw, _ := flate.NewWriter(nil, flate.BestSpeed)
	return zw
}}

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
