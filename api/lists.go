package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/kraeftplan/kpv/internal/csvsafe"
)

// Every read is sent through writeETagged: a strong ETag over the body, and
// 304 Not Modified for a matching If-None-Match, so a client polling an
// unchanged list or table transfers nothing.
func writeETagged(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	w.Header().Set("ETag", etag)
	// 304 only for a read: a write that has happened says so, whatever
	// If-None-Match (even "*") asked.
	if safeMethod(r) && etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(body)
}

// safeMethod is a read: GET or HEAD.
func safeMethod(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodHead
}

// etagMatch implements If-None-Match's weak comparison (RFC 9110 13.1.2):
// a list of tags, W/ prefixes ignored, or "*".
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// writeCSV sends a table as CSV with an ETag: the header row, then the rows
// fill adds.
func writeCSV(w http.ResponseWriter, r *http.Request, filename string, header []string, fill func(add func(...string))) {
	var buf bytes.Buffer
	cw := csvsafe.NewWriter(&buf)
	_ = cw.Write(header)
	fill(func(row ...string) { _ = cw.Write(row) })
	cw.Flush()
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	writeETagged(w, r, "text/csv; charset=utf-8", buf.Bytes())
}

// pageItems applies limit and offset to a list held in memory (the
// catalogue's), so those lists page like the ones read from Postgres.
func pageItems[T any](items []T, limit, offset int) []T {
	if offset >= len(items) || len(items) == 0 {
		return []T{}
	}
	items = items[offset:]
	if len(items) > limit {
		items = items[:limit]
	}
	return items
}

// writePage sends a list held in memory as a page of the common envelope
// (items, count, limit, offset, next).
func writePage[T any](w http.ResponseWriter, r *http.Request, items []T, limit, offset int) {
	writeJSON(w, r, pageOf(r, pageItems(items, limit, offset), limit, offset, nil))
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"unencodable": err.Error()})
	}
	return b
}
