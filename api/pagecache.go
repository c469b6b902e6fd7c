package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kraeftplan/kpv/store"
)

// pageCacheBytes bounds the memory of the rendered observation pages kept
// (bodies and keys); the least recently served go first. A page of the
// maximum limit (10,000 figures) is about 4 MB, so a few dozen of the
// largest pages, or thousands of the default, fit.
const pageCacheBytes = 64 << 20

// pageCache keeps rendered observation pages (the response bytes and their
// ETag) by the request's canonical URL, each with the IndicatorVersion it
// was read at: a request whose indicator still has that version is served
// the bytes without reading the figures again. Under load, reading 1,000
// figures through pgx and encoding them as JSON was nearly all of a
// request's CPU (BENCHMARKS.md, API under load).
type pageCache struct{ pages *cache[versionedPage] }

type versionedPage struct {
	version store.IndicatorVersion
	page    renderedPage
}

// renderedPage is a response body ready to send.
type renderedPage struct {
	contentType string
	body        []byte
	etag        string
}

func newPageCache(maxBytes int) *pageCache {
	return &pageCache{newCache(maxBytes, func(key string, p versionedPage) int {
		return len(key) + len(p.page.body) + len(p.page.etag) + 200
	})}
}

// get returns the page kept for key at version v, else renders it with
// render and keeps it.
func (c *pageCache) get(ctx context.Context, key string, v store.IndicatorVersion, render func() (renderedPage, error)) (renderedPage, error) {
	p, err := c.pages.get(ctx, key, func(p versionedPage) bool { return p.version == v }, func(versionedPage, bool) (versionedPage, error) {
		page, err := render()
		return versionedPage{v, page}, err
	})
	return p.page, err
}

// newRenderedPage makes a page of body with its strong ETag, the one
// writeETagged sends.
func newRenderedPage(contentType string, body []byte) renderedPage {
	sum := sha256.Sum256(body)
	return renderedPage{contentType: contentType, body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

// write sends p as writeETagged does: 304 for a matching If-None-Match.
func (p renderedPage) write(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("ETag", p.etag)
	if etagMatch(r.Header.Get("If-None-Match"), p.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", p.contentType)
	_, _ = w.Write(p.body)
}

// versionReads shares the reads of an indicator's version among the
// requests waiting for one: a request joins a read not yet started, never
// one already running (that one might not see a write the client saw
// committed before it asked). The indicator's next read waits for the one
// running, so under load one read per round trip serves every request that
// arrived meanwhile instead of one each. A read's key carries the
// indicator's generation, moved on as the read starts.
type versionReads struct {
	read    func(ctx context.Context, indicator string) (store.IndicatorVersion, error)
	reads   *cache[store.IndicatorVersion] // keeps nothing: shares the reads
	mu      sync.Mutex
	gen     map[string]int
	running map[string]*sync.Mutex // held by the indicator's read while it runs
}

func newVersionReads(read func(ctx context.Context, indicator string) (store.IndicatorVersion, error)) *versionReads {
	return &versionReads{read: read, reads: newCache[store.IndicatorVersion](0, nil), gen: map[string]int{}, running: map[string]*sync.Mutex{}}
}

// get returns indicator's version as read by a read started after the call.
func (b *versionReads) get(ctx context.Context, indicator string) (store.IndicatorVersion, error) {
	b.mu.Lock()
	key := indicator + "#" + strconv.Itoa(b.gen[indicator])
	running := b.running[indicator]
	if running == nil {
		running = &sync.Mutex{}
		b.running[indicator] = running
	}
	b.mu.Unlock()
	always := func(store.IndicatorVersion) bool { return true }
	return b.reads.get(ctx, key, always, func(store.IndicatorVersion, bool) (store.IndicatorVersion, error) {
		// Until the running read ends, the generation stays, and the
		// requests arriving meanwhile join this read, not yet started.
		running.Lock()
		defer running.Unlock()
		b.mu.Lock()
		b.gen[indicator]++ // later requests wait for the next read
		b.mu.Unlock()
		// Not a request's context: the read serves every request waiting.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return b.read(ctx, indicator)
	})
}
