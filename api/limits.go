package api

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kraeftplan/kpv/store"
)

const problemTooMany = "/problems/too-many-requests"

// maxAnonymousWrites is how many write requests without a token kpv
// handles at once. Each is refused, but each refusal is audited: without a
// bound, anonymous clients decide how fast kpv writes its audit log.
const maxAnonymousWrites = 16

// limitAnonymousWrites answers 503 with Retry-After to an anonymous write
// beyond maxAnonymousWrites at once, without auditing it; reads and
// requests with a token are not limited.
func limitAnonymousWrites(next http.Handler) http.Handler {
	slots := make(chan struct{}, maxAnonymousWrites)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Header.Get("Authorization") != "" {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			next.ServeHTTP(w, r)
		default:
			w.Header().Set("Retry-After", "1")
			writeProblem(w, r, Problem{Type: problemUnavailable, Title: "Busy", Status: http.StatusServiceUnavailable,
				Detail: "too many requests without a token at once; writes need a token"})
		}
	})
}

// Refused writes are limited per client address: each address may have
// refusalBurst refused writes at once and refusalRate a second after that.
// Beyond it a refusal answers 429 with Retry-After and is not audited a
// row each: the address's suppressed refusals are counted and entered as
// one audit entry (action refused.aggregate) at most every
// refusalAggregateEvery, and on the address's next audited refusal.
const (
	refusalBurst          = 30
	refusalRate           = 5.0
	refusalAggregateEvery = 10 * time.Second
	refusalAddresses      = 10000 // addresses remembered; the oldest half is forgotten beyond
)

type refusalBucket struct {
	tokens     float64
	last       time.Time
	suppressed int
	since      time.Time // the first suppressed refusal not yet audited
	lastAgg    time.Time
}

type refusalLimiter struct {
	mu sync.Mutex
	m  map[string]*refusalBucket
}

// clientAddress is the request's client address without its port.
func clientAddress(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func (l *refusalLimiter) bucket(addr string, now time.Time) *refusalBucket {
	if l.m == nil {
		l.m = map[string]*refusalBucket{}
	}
	b, ok := l.m[addr]
	if !ok {
		if len(l.m) >= refusalAddresses {
			for k, v := range l.m { // forget the idle (full) buckets first
				if v.suppressed == 0 && v.tokens+now.Sub(v.last).Seconds()*refusalRate >= refusalBurst {
					delete(l.m, k)
				}
			}
		}
		b = &refusalBucket{tokens: refusalBurst, last: now}
		l.m[addr] = b
	}
	b.tokens = min(refusalBurst, b.tokens+now.Sub(b.last).Seconds()*refusalRate)
	b.last = now
	return b
}

// take uses one of addr's refusals. ok: audit this refusal (with pending
// suppressed ones counted in it); otherwise it is suppressed, and flush is
// the count to enter as one aggregate entry now (0 for none).
func (l *refusalLimiter) take(addr string, now time.Time) (ok bool, pending, flush int, since time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(addr, now)
	if b.tokens >= 1 {
		b.tokens--
		pending, since = b.suppressed, b.since
		b.suppressed = 0
		return true, pending, 0, since
	}
	if b.suppressed == 0 {
		b.since = now
	}
	b.suppressed++
	if now.Sub(b.lastAgg) >= refusalAggregateEvery {
		flush, since = b.suppressed, b.since
		b.suppressed, b.lastAgg = 0, now
	}
	return false, 0, flush, since
}

// refuseLimited answers a refused write that is over its address's limit:
// 429 with Retry-After, audited only in aggregate.
func (s *Server) refuseLimited(w http.ResponseWriter, r *http.Request, action, target string, flush int, since time.Time) {
	if flush > 0 {
		s.audit(r, nil, "refused.aggregate", target, store.AuditRefused, http.StatusTooManyRequests, nil, map[string]any{
			"address": clientAddress(r), "refused": flush, "since": since.UTC(), "last_action": action,
			"note": "refused writes from this address beyond its limit, counted instead of entered one by one"})
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(1/refusalRate))))
	writeProblem(w, r, Problem{Type: problemTooMany, Title: "Too many refused writes", Status: http.StatusTooManyRequests,
		Detail: "too many refused writes from this address; writes need a valid token"})
}
