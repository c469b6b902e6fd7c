package api

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
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
// request's CPU (BENCHMARKS.md, API under load). One render per URL runs at
// a time; requests arriving meanwhile wait for it.
type pageCache struct {
	mu       sync.Mutex
	max      int
	size     int
	lru      *list.List // of *pageEntry, most recently served at the front
	entries  map[string]*list.Element
	building map[string]chan struct{} // closed when the key's render ends
}

type pageEntry struct {
	key     string
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
	return &pageCache{max: maxBytes, lru: list.New(), entries: map[string]*list.Element{}, building: map[string]chan struct{}{}}
}

func (e *pageEntry) cost() int { return len(e.key) + len(e.page.body) + len(e.page.etag) + 200 }

// get returns the page kept for key at version v, else renders it with
// render and keeps it.
func (c *pageCache) get(ctx context.Context, key string, v store.IndicatorVersion, render func() (renderedPage, error)) (renderedPage, error) {
	for {
		c.mu.Lock()
		if el, ok := c.entries[key]; ok && el.Value.(*pageEntry).version == v {
			c.lru.MoveToFront(el)
			p := el.Value.(*pageEntry).page
			c.mu.Unlock()
			return p, nil
		}
		wait, busy := c.building[key]
		if !busy {
			done := make(chan struct{})
			c.building[key] = done
			c.mu.Unlock()
			p, err := render()
			c.mu.Lock()
			if err == nil {
				c.put(&pageEntry{key: key, version: v, page: p})
			}
			delete(c.building, key)
			c.mu.Unlock()
			close(done)
			return p, err
		}
		c.mu.Unlock()
		select { // another request is rendering this page: use its result if it is of v
		case <-wait:
		case <-ctx.Done():
			return renderedPage{}, ctx.Err()
		}
	}
}

// put keeps e in place of the key's page, then drops the least recently
// served pages until the cache is within its bound. A page larger than an
// eighth of the bound is not kept. c.mu is held.
func (c *pageCache) put(e *pageEntry) {
	if old, ok := c.entries[e.key]; ok {
		c.size -= old.Value.(*pageEntry).cost()
		c.lru.Remove(old)
		delete(c.entries, e.key)
	}
	if e.cost() > c.max/8 {
		return
	}
	c.entries[e.key] = c.lru.PushFront(e)
	c.size += e.cost()
	for c.size > c.max {
		last := c.lru.Back()
		old := last.Value.(*pageEntry)
		c.size -= old.cost()
		c.lru.Remove(last)
		delete(c.entries, old.key)
	}
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
// requests waiting for one: a request joins the next read to start, never
// one already running (that one might not see a write the client saw
// committed before it asked), so under load one read per round trip serves
// every request that arrived meanwhile instead of one each.
type versionReads struct {
	read    func(ctx context.Context, indicator string) (store.IndicatorVersion, error)
	mu      sync.Mutex
	next    map[string]*versionRead // per indicator, the read not yet started
	running map[string]bool         // per indicator, whether a loop is reading
}

type versionRead struct {
	done chan struct{}
	v    store.IndicatorVersion
	err  error
}

func newVersionReads(read func(ctx context.Context, indicator string) (store.IndicatorVersion, error)) *versionReads {
	return &versionReads{read: read, next: map[string]*versionRead{}, running: map[string]bool{}}
}

// get returns indicator's version as read by a read started after the call.
func (b *versionReads) get(ctx context.Context, indicator string) (store.IndicatorVersion, error) {
	b.mu.Lock()
	r := b.next[indicator]
	if r == nil {
		r = &versionRead{done: make(chan struct{})}
		b.next[indicator] = r
		if !b.running[indicator] {
			b.running[indicator] = true
			go b.loop(indicator)
		}
	}
	b.mu.Unlock()
	select {
	case <-r.done:
		return r.v, r.err
	case <-ctx.Done():
		return store.IndicatorVersion{}, ctx.Err()
	}
}

// loop runs indicator's reads one after the other while requests wait.
func (b *versionReads) loop(indicator string) {
	for {
		b.mu.Lock()
		r := b.next[indicator]
		if r == nil {
			delete(b.running, indicator)
			b.mu.Unlock()
			return
		}
		delete(b.next, indicator)
		b.mu.Unlock()
		// Not a request's context: the read serves every request waiting.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r.v, r.err = b.read(ctx, indicator)
		cancel()
		close(r.done)
	}
}
