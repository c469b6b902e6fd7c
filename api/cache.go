package api

import (
	"container/list"
	"context"
	"sync"

	"golang.org/x/sync/singleflight"
)

// cache keeps values built once per key: the rendered observation pages
// (pagecache.go), the yearly reports (report.go), and, keeping nothing, the
// reads of an indicator's version shared by the requests waiting for one.
// Requests for a key being built wait for that build (singleflight)
// instead of building it again. A kept value is served while the caller's
// fresh says so; otherwise the next build is given it (a build may find it
// still good and return it). The values kept cost at most max in all, the
// least recently served dropped first; a value costing more than an eighth
// of max is not kept.
type cache[V any] struct {
	max     int
	cost    func(key string, v V) int // nil: keep nothing
	flights singleflight.Group

	mu      sync.Mutex
	size    int
	lru     *list.List // of *cacheEntry[V], most recently served at the front
	entries map[string]*list.Element
}

type cacheEntry[V any] struct {
	key  string
	v    V
	cost int
}

// newCache returns a cache of values costing at most max in all, each
// cost(key, value); with a nil cost, it keeps nothing and only shares
// builds.
func newCache[V any](max int, cost func(key string, v V) int) *cache[V] {
	return &cache[V]{max: max, cost: cost, lru: list.New(), entries: map[string]*list.Element{}}
}

// get returns the value kept for key if fresh holds for it, else the value
// of a build: one running for key, if fresh holds for its value, else one
// of its own with build (given the kept value, if any).
func (c *cache[V]) get(ctx context.Context, key string, fresh func(V) bool, build func(old V, kept bool) (V, error)) (V, error) {
	var zero V
	for {
		if v, ok := c.lookup(key); ok && fresh(v) {
			return v, nil
		}
		led := false // whether this call's build ran, not another's
		ch := c.flights.DoChan(key, func() (any, error) {
			led = true
			old, kept := c.lookup(key)
			if kept && fresh(old) { // kept by a build that just ended
				return old, nil
			}
			v, err := build(old, kept)
			if err == nil {
				c.put(key, v)
			}
			return v, err
		})
		select {
		case res := <-ch:
			if res.Err != nil {
				return zero, res.Err
			}
			// Another request's build may be of an older state (a page of
			// an older version): then build again.
			if v := res.Val.(V); led || fresh(v) {
				return v, nil
			}
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}
}

// lookup returns the value kept for key, marking it served.
func (c *cache[V]) lookup(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(*cacheEntry[V]).v, true
}

// put keeps v in place of the key's value, then drops the least recently
// served values until the cache is within its bound.
func (c *cache[V]) put(key string, v V) {
	if c.cost == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		c.size -= old.Value.(*cacheEntry[V]).cost
		c.lru.Remove(old)
		delete(c.entries, key)
	}
	e := &cacheEntry[V]{key: key, v: v, cost: c.cost(key, v)}
	if e.cost > c.max/8 {
		return
	}
	c.entries[key] = c.lru.PushFront(e)
	c.size += e.cost
	for c.size > c.max {
		last := c.lru.Back()
		old := last.Value.(*cacheEntry[V])
		c.size -= old.cost
		c.lru.Remove(last)
		delete(c.entries, old.key)
	}
}
