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
	err := s.settle(w, r, cutoff)
	if err == nil {
		return true
	}
	s.handle(func(http.ResponseWriter, *http.Request) error { return err })(w, r)
	return false
}

// settle waits, as awaitSettled does, until cutoff has settled, and
// returns the 503 answer (Retry-After set on w) when it has not within
// cutoffWait. A cut-off still to come is not waited for: an answer as of
// a time after now is an answer as of now.
func (s *Server) settle(w http.ResponseWriter, r *http.Request, cutoff time.Time) error {
	cutoff = cutoff.UTC()
	if cutoff.After(time.Now()) || s.settled.has(cutoff) {
		return nil
	}
	deadline := time.Now().Add(cutoffWait)
	for {
		ok, err := s.store.Settled(r.Context(), cutoff)
		if err != nil {
			return err
		}
		if ok {
			s.settled.add(cutoff)
			return nil
		}
		if time.Now().After(deadline) {
			break
		}
		select {
		case <-r.Context().Done():
			return r.Context().Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(cutoffRetryAfter.Seconds())))
	return &Problem{Type: problemUnavailable, Title: "Cut-off not settled", Status: http.StatusServiceUnavailable,
		Detail: "a write that began before " + cutoff.Format(time.RFC3339Nano) + " is still going; the answer as of then is served once it has ended"}
}
