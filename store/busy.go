package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SubmissionLockWait bounds how long a submission (figures, a follow-up
// report, an approval) waits, first for one of the store's write slots and
// then, in its transaction, for any lock (lock_timeout). Runs are bounded
// by the runner; submissions were not: six waiting on one lock held all
// four pool connections, and /readyz and reads of other indicators hung.
const SubmissionLockWait = 5 * time.Second

// ErrBusy is a submission that waited SubmissionLockWait for a write slot
// or a lock: nothing was written, and it may be sent again shortly.
var ErrBusy = errors.New("busy: another write holds what this one needs")

// writeSlots is how many submissions may hold a pool connection at once:
// half the pool, so that reads and the readiness probe keep connections of
// their own however many submissions wait.
func writeSlots(maxConns int32) chan struct{} { return make(chan struct{}, max(1, int(maxConns)/2)) }

// submissionTx runs fn in one transaction as InTx does, holding one of the
// store's write slots and with lock_timeout set to SubmissionLockWait;
// waiting longer for either is ErrBusy.
func (s *Store) submissionTx(ctx context.Context, fn func(pgx.Tx) error) error {
	if s.writes != nil {
		t := time.NewTimer(SubmissionLockWait)
		defer t.Stop()
		select {
		case s.writes <- struct{}{}:
			defer func() { <-s.writes }()
		case <-t.C:
			return fmt.Errorf("%w: every write slot stayed taken for %s", ErrBusy, SubmissionLockWait)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, fmt.Sprintf("SET LOCAL lock_timeout = '%dms'", SubmissionLockWait.Milliseconds())); err != nil {
			return err
		}
		return fn(tx)
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "55P03" { // lock_not_available
		return fmt.Errorf("%w: waited %s for a lock (%s)", ErrBusy, SubmissionLockWait, pe.Message)
	}
	return err
}
