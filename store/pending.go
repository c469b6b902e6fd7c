package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Far revisions are held, not written (issue 26). An ingest run's writer
// with a Review holds every revision of a published figure of the same
// release that its own revisions do not explain: a value outside the
// replaced figure's 95 % interval, a change beyond the source's tolerance,
// or revisions across more series at once than the source allows. A new
// release (another label) is the publisher's recomputation and goes
// through. Held revisions wait in pending_revisions (migration 00100) for
// an admin to accept or reject them.

// Review is how far an ingest run may revise published figures unheld.
type Review struct {
	// Tolerance is the largest change of a figure without an interval
	// that goes through (in the indicator's unit); 0 holds none for it.
	Tolerance float64
	// MaxSeries is how many series one run may revise within a release
	// before all its revisions are held; 0 means no limit.
	MaxSeries int
}

// hold moves the staged rows whose revision is far into pending_revisions
// and out of the merge; it returns how many and the first reason.
func (w *ObservationWriter) hold(ctx context.Context, r Review) (int, string, error) {
	tx := w.tx
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS obs_far (series_id integer, period_id integer, reason text) ON COMMIT DROP;
		TRUNCATE obs_far`); err != nil {
		return 0, "", err
	}
	// Every same-release revision, with why it is far (NULL if it is not).
	if _, err := tx.Exec(ctx, `INSERT INTO obs_far
		SELECT k.series_id, k.period_id, CASE
			WHEN k.value IS NOT NULL AND f.ci_lower IS NOT NULL AND f.ci_upper IS NOT NULL AND (k.value < f.ci_lower OR k.value > f.ci_upper)
				THEN format('%s is outside the interval [%s, %s] of the figure it would replace (%s)', k.value, f.ci_lower, f.ci_upper, f.value)
			WHEN $1 > 0 AND k.value IS NOT NULL AND f.value IS NOT NULL AND abs(k.value - f.value) > $1
				THEN format('%s differs from the figure it would replace (%s) by more than the source''s tolerance of %s', k.value, f.value, $1)
			END
		FROM obs_k k JOIN figures f USING (series_id, period_id)
		WHERE k.release = f.release
		  AND (k.value, k.numerator, k.denominator, k.ci_lower, k.ci_upper, k.suppressed)
		      IS DISTINCT FROM (f.value, f.numerator, f.denominator, f.ci_lower, f.ci_upper, f.suppressed)`, r.Tolerance); err != nil {
		return 0, "", fmt.Errorf("review revisions: %w", err)
	}
	if r.MaxSeries > 0 {
		if _, err := tx.Exec(ctx, `UPDATE obs_far SET reason = format('the run would revise %s series of one release at once (the source allows %s)', n, $1::int)
			FROM (SELECT count(DISTINCT series_id) AS n FROM obs_far) c
			WHERE c.n > $1 AND reason IS NULL`, r.MaxSeries); err != nil {
			return 0, "", fmt.Errorf("review revisions: %w", err)
		}
	}
	var n int
	var first *string
	err := tx.QueryRow(ctx, `
		WITH far AS (DELETE FROM obs_far WHERE reason IS NOT NULL RETURNING *),
		held AS (
			INSERT INTO pending_revisions (run_id, source_id, series_id, period_id, replaces_revision, reason, published_at,
				value, numerator, denominator, ci_lower, ci_upper, suppressed, release)
			SELECT $1, $2, k.series_id, k.period_id, f.revision, far.reason, k.published_at,
				k.value, k.numerator, k.denominator, k.ci_lower, k.ci_upper, k.suppressed, k.release
			FROM far JOIN obs_k k USING (series_id, period_id) JOIN figures f USING (series_id, period_id)
			RETURNING series_id, period_id, reason),
		gone AS (DELETE FROM obs_k k USING held h WHERE k.series_id = h.series_id AND k.period_id = h.period_id)
		SELECT count(*), min(reason) FROM held`, w.runID, w.source).Scan(&n, &first)
	if err != nil {
		return 0, "", fmt.Errorf("hold revisions: %w", err)
	}
	if first == nil {
		return n, "", nil
	}
	return n, *first, nil
}

// PendingRevision is a held revision with the figure it would replace.
type PendingRevision struct {
	ID        int64      `json:"id"`
	RunID     int64      `json:"run_id"`
	Source    string     `json:"source"`
	Indicator string     `json:"indicator"`
	Geography string     `json:"geography"`
	Breakdown string     `json:"breakdown"`
	Period    string     `json:"period"`
	Reason    string     `json:"reason"`
	Value     *float64   `json:"value"`
	CILower   *float64   `json:"ci_lower,omitempty"`
	CIUpper   *float64   `json:"ci_upper,omitempty"`
	Release   string     `json:"release,omitempty"`
	Replaces  int        `json:"replaces_revision"`
	OldValue  *float64   `json:"current_value"`
	Status    string     `json:"status"`
	DecidedBy string     `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	HeldAt    time.Time  `json:"held_at"`
}

// PendingFilter selects held revisions; zero fields match all.
type PendingFilter struct {
	Source string
	Status string // pending, accepted, rejected
	RunID  int64
	IDs    []int64
}

// PendingStatuses are the states of a held revision.
var PendingStatuses = []string{"pending", "accepted", "rejected"}

// PendingRevisions lists held revisions, oldest first.
func (s *Store) PendingRevisions(ctx context.Context, f PendingFilter) ([]PendingRevision, error) {
	return pendingRevisions(ctx, s.pool, f, "")
}

func pendingRevisions(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, f PendingFilter, lock string) ([]PendingRevision, error) {
	var w where
	w.addIf(f.Source != "", "p.source_id = ?", f.Source)
	w.addIf(f.Status != "", "p.status = ?", f.Status)
	w.addIf(f.RunID != 0, "p.run_id = ?", f.RunID)
	w.addIf(len(f.IDs) > 0, "p.id = ANY(?)", f.IDs)
	rows, err := q.Query(ctx, `SELECT p.id, p.run_id, p.source_id, s.indicator_id, s.geography, s.breakdown, pe.period, p.reason,
			p.value, p.ci_lower, p.ci_upper, p.release, p.replaces_revision, f.value, p.status, COALESCE(p.decided_by, ''), p.decided_at, r.started_at
		FROM pending_revisions p JOIN series s ON s.id = p.series_id JOIN periods pe ON pe.id = p.period_id
		JOIN ingest_runs r ON r.id = p.run_id
		LEFT JOIN figures f ON f.series_id = p.series_id AND f.period_id = p.period_id
		WHERE `+w.sql()+` ORDER BY p.id`+lock, w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PendingRevision, error) {
		var p PendingRevision
		err := r.Scan(&p.ID, &p.RunID, &p.Source, &p.Indicator, &p.Geography, &p.Breakdown, &p.Period, &p.Reason,
			&p.Value, &p.CILower, &p.CIUpper, &p.Release, &p.Replaces, &p.OldValue, &p.Status, &p.DecidedBy, &p.DecidedAt, &p.HeldAt)
		return p, err
	})
}

// PendingCounts returns the number of revisions waiting, per source.
func (s *Store) PendingCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT source_id, count(*) FROM pending_revisions WHERE status = 'pending' GROUP BY 1`)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	var src string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&src, &n}, func() error { out[src] = n; return nil })
	return out, err
}

// ErrNotPending means a decision named a held revision that is not
// waiting (unknown, or accepted or rejected already).
var ErrNotPending = errors.New("not a revision waiting for review")

// DecidePending accepts or rejects the waiting revisions ids of source, by
// who. Accepted ones are written as the next revision of their figures by
// a run of their own (the run log says who accepted what); a figure that
// changed since it was held is refused (reject it, and ingest again).
// Nothing is decided unless every id can be.
func (s *Store) DecidePending(ctx context.Context, source string, ids []int64, accept bool, by string) (Run, error) {
	status := "rejected"
	if accept {
		status = "accepted"
	}
	run, err := s.OpenRun(ctx, source, KindIngest)
	if err != nil {
		return run, err
	}
	var counts Counts
	runErr := s.InTx(ctx, func(tx pgx.Tx) error {
		ps, err := pendingRevisions(ctx, tx, PendingFilter{Source: source, IDs: ids}, " FOR UPDATE OF p")
		if err != nil {
			return err
		}
		if len(ps) != len(ids) {
			return fmt.Errorf("%w: of %d revision(s) named, %d are held for source %s", ErrNotPending, len(ids), len(ps), source)
		}
		for _, p := range ps {
			if p.Status != "pending" {
				return fmt.Errorf("%w: revision %d was %s by %s", ErrNotPending, p.ID, p.Status, p.DecidedBy)
			}
		}
		counts.Read = len(ps)
		if accept {
			if counts.Revised, err = applyPending(ctx, tx, run.ID, ids); err != nil {
				return err
			}
		} else {
			counts.Unchanged = len(ps)
		}
		_, err = tx.Exec(ctx, `UPDATE pending_revisions SET status = $2, decided_by = $3, decided_at = now(), decided_run_id = $4
			WHERE id = ANY($1)`, ids, status, noNUL(by), run.ID)
		return err
	})
	return run, s.CloseRun(ctx, &run, counts, runErr, map[string]any{"pending_" + status: ids, "decided_by": by})
}

// applyPending writes the held revisions ids as the next revisions of their
// figures, in run runID (recorded now), as the merge writes a revision.
func applyPending(ctx context.Context, tx pgx.Tx, runID int64, ids []int64) (int, error) {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM series WHERE id IN (SELECT series_id FROM pending_revisions WHERE id = ANY($1)) ORDER BY id FOR UPDATE`, ids); err != nil {
		return 0, err
	}
	var twice int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(max(id), 0) FROM (SELECT id, count(*) OVER (PARTITION BY series_id, period_id) AS n
		FROM pending_revisions WHERE id = ANY($1)) x WHERE n > 1`, ids).Scan(&twice); err != nil {
		return 0, err
	}
	if twice != 0 {
		return 0, fmt.Errorf("%w: revision %d is for the same figure as another one named: accept one of them", ErrNotPending, twice)
	}
	var stale int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(min(p.id), 0) FROM pending_revisions p JOIN figures f USING (series_id, period_id)
		WHERE p.id = ANY($1) AND f.revision <> p.replaces_revision`, ids).Scan(&stale); err != nil {
		return 0, err
	}
	if stale != 0 {
		return 0, fmt.Errorf("%w: revision %d was held against a figure that has been revised since: reject it and ingest again", ErrNotPending, stale)
	}
	if _, err := tx.Exec(ctx, `UPDATE ingest_runs SET recorded_at = now() WHERE id = $1`, runID); err != nil {
		return 0, err
	}
	var n int
	err := tx.QueryRow(ctx, `
		WITH p AS (SELECT * FROM pending_revisions WHERE id = ANY($1)),
		moved AS (INSERT INTO figure_history SELECT f.* FROM figures f JOIN p USING (series_id, period_id)),
		revised AS (
			UPDATE figures f SET id = nextval('figure_ids'), run_id = $2, published_at = p.published_at,
				value = p.value, numerator = p.numerator, denominator = p.denominator,
				ci_lower = p.ci_lower, ci_upper = p.ci_upper, suppressed = p.suppressed, release = p.release,
				revision = f.revision + 1
			FROM p WHERE f.series_id = p.series_id AND f.period_id = p.period_id
			RETURNING f.series_id),
		marked AS (UPDATE series SET changed = nextval('figure_changes') WHERE id IN (SELECT series_id FROM revised))
		SELECT count(*) FROM revised`, ids, runID).Scan(&n)
	return n, err
}
