package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// cutoffWait is how long a request for a past cut-off waits for the
// transactions that started before it; after that it answers 503 with
// cutoffRetryAfter.
const (
	cutoffWait       = 2 * time.Second
	cutoffRetryAfter = 5 * time.Second
)

// settledCutoffs remembers the cut-offs found settled: once every
// transaction that started by a cut-off has ended, none can start, so the
// check is made once per cut-off.
type settledCutoffs struct {
	mu   sync.Mutex
	seen map[time.Time]bool
}

func (c *settledCutoffs) has(t time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[t]
}

func (c *settledCutoffs) add(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil || len(c.seen) >= 10000 {
		c.seen = map[time.Time]bool{}
	}
	c.seen[t] = true
}

// awaitSettled makes "as of" mean what it says: figures for a past cut-off
// are served only once no transaction that started by then can still
// commit one (store.Settled). It waits up to cutoffWait and otherwise
// answers 503 with Retry-After, and reports whether to go on.
func (s *Server) awaitSettled(w http.ResponseWriter, r *http.Request, cutoff time.Time) bool {
	cutoff = cutoff.UTC()
	if s.settled.has(cutoff) {
		return true
	}
	deadline := time.Now().Add(cutoffWait)
	for {
		ok, err := s.store.Settled(r.Context(), cutoff)
		if err != nil {
			s.internalError(w, r, err)
			return false
		}
		if ok {
			s.settled.add(cutoff)
			return true
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(cutoffRetryAfter.Seconds())))
	writeProblem(w, r, Problem{Type: problemUnavailable, Title: "Cut-off not settled", Status: http.StatusServiceUnavailable,
		Detail: "a write that began before " + cutoff.Format(time.RFC3339Nano) + " is still going; the figures as of then are served once it has ended"})
	return false
}
