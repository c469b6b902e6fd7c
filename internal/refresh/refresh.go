// Package refresh runs a refresh every interval and on demand, under the
// context of the caller that runs it: the monitor's assessment and the
// follow-up tracker are refreshed the same way.
package refresh

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Refresher refreshes something periodically (Run) and on demand (Now).
type Refresher struct {
	what    string
	log     *slog.Logger
	timeout time.Duration
	refresh func(ctx context.Context) error

	mu  sync.Mutex
	ctx context.Context // Run's: a refresh on demand ends with it too
}

// New returns a refresher of what (for the log) by refresh; a refresh on
// demand is given timeout.
func New(what string, log *slog.Logger, timeout time.Duration, refresh func(ctx context.Context) error) *Refresher {
	return &Refresher{what: what, log: log, timeout: timeout, refresh: refresh, ctx: context.Background()}
}

// Run refreshes every interval until ctx ends.
func (r *Refresher) Run(ctx context.Context, interval time.Duration) {
	r.mu.Lock()
	r.ctx = ctx
	r.mu.Unlock()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := r.refresh(ctx); err != nil && ctx.Err() == nil {
				r.log.Error("periodic "+r.what+" refresh failed", "err", err)
			}
		}
	}
}

// Now refreshes at once (after a write), within the refresher's timeout
// and Run's context; attrs say why, for the log.
func (r *Refresher) Now(attrs ...any) {
	r.mu.Lock()
	parent := r.ctx
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(parent, r.timeout)
	defer cancel()
	if err := r.refresh(ctx); err != nil && parent.Err() == nil {
		r.log.Error(r.what+" not refreshed", append(attrs, "err", err)...)
	}
}
