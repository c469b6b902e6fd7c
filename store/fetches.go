package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// FetchState is what kpv last fetched from a source: enough for a
// conditional request and to see that a payload has not changed.
type FetchState struct {
	Source       string    `json:"source"`
	Origin       string    `json:"origin"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	SHA256       string    `json:"sha256"`
	CheckedAt    time.Time `json:"checked_at"`
	ChangedAt    time.Time `json:"changed_at"`
	RunID        int64     `json:"run_id"`
}

// FetchState returns the source's last fetch; ok is false before the first.
func (s *Store) FetchState(ctx context.Context, source string) (st FetchState, ok bool, err error) {
	var etag, lastMod *string
	var runID *int64
	err = s.pool.QueryRow(ctx, `SELECT source_id, origin, etag, last_modified, content_sha256, checked_at, changed_at, run_id
		FROM source_fetches WHERE source_id = $1`, source).
		Scan(&st.Source, &st.Origin, &etag, &lastMod, &st.SHA256, &st.CheckedAt, &st.ChangedAt, &runID)
	if errors.Is(err, pgx.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("read fetch state of %s: %w", source, err)
	}
	st.ETag, st.LastModified = deref(etag), deref(lastMod)
	if runID != nil {
		st.RunID = *runID
	}
	return st, true, nil
}

// SaveFetchState records a parsed and stored payload, in the run's
// transaction so that it is kept only if the run's figures are.
func SaveFetchState(ctx context.Context, tx pgx.Tx, st FetchState) error {
	_, err := tx.Exec(ctx, `INSERT INTO source_fetches AS f (source_id, origin, etag, last_modified, content_sha256, checked_at, changed_at, run_id)
		VALUES ($1, $2, NULLIF($3, ''), NULLIF($4, ''), $5, now(), now(), $6)
		ON CONFLICT (source_id) DO UPDATE SET origin = EXCLUDED.origin, etag = EXCLUDED.etag,
			last_modified = EXCLUDED.last_modified, checked_at = now(), run_id = EXCLUDED.run_id,
			changed_at = CASE WHEN f.content_sha256 = EXCLUDED.content_sha256 THEN f.changed_at ELSE now() END,
			content_sha256 = EXCLUDED.content_sha256`,
		st.Source, st.Origin, st.ETag, st.LastModified, st.SHA256, st.RunID)
	if err != nil {
		return fmt.Errorf("save fetch state of %s: %w", st.Source, err)
	}
	return nil
}

// TouchFetchState notes that the source was checked and found unchanged.
func (s *Store) TouchFetchState(ctx context.Context, source string) error {
	_, err := s.pool.Exec(ctx, `UPDATE source_fetches SET checked_at = now() WHERE source_id = $1`, source)
	return err
}

// ClaimTick claims a scheduled tick of a source for this replica. It
// returns false when another replica claimed it first.
func (s *Store) ClaimTick(ctx context.Context, source string, due time.Time, replica string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO source_ticks (source_id, due_at, claimed_by) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, source, due, replica)
	if err != nil {
		return false, fmt.Errorf("claim tick %s of %s: %w", due.Format(time.RFC3339), source, err)
	}
	return tag.RowsAffected() == 1, nil
}

// TryLockSource takes the source's ingest lock, a session-level advisory
// lock held on a connection of its own, so that one process at a time
// ingests a source (across replicas, the scheduler and `kpv ingest`). ok is
// false when another holds it. release unlocks and returns the connection.
func (s *Store) TryLockSource(ctx context.Context, source string) (release func(), ok bool, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock source %s: %w", source, err)
	}
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('kpv.ingest'), hashtext($1))`, source).Scan(&ok); err != nil || !ok {
		conn.Release()
		if err != nil {
			return nil, false, fmt.Errorf("lock source %s: %w", source, err)
		}
		return nil, false, nil
	}
	release = func() {
		// Unlock on the same connection; if that fails the connection is
		// closed, which ends the session and so the lock.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(hashtext('kpv.ingest'), hashtext($1))`, source); err != nil {
			conn.Conn().Close(ctx)
		}
		conn.Release()
	}
	return release, true, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// FetchStates returns every source's last fetch, by source.
func (s *Store) FetchStates(ctx context.Context) (map[string]FetchState, error) {
	rows, err := s.pool.Query(ctx, `SELECT source_id, origin, COALESCE(etag, ''), COALESCE(last_modified, ''), content_sha256,
			checked_at, changed_at, COALESCE(run_id, 0) FROM source_fetches`)
	if err != nil {
		return nil, err
	}
	states, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FetchState, error) {
		var st FetchState
		err := r.Scan(&st.Source, &st.Origin, &st.ETag, &st.LastModified, &st.SHA256, &st.CheckedAt, &st.ChangedAt, &st.RunID)
		return st, err
	})
	out := make(map[string]FetchState, len(states))
	for _, st := range states {
		out[st.Source] = st
	}
	return out, err
}

// LastRuns returns each source's latest finished run of the given kind.
func (s *Store) LastRuns(ctx context.Context, kind RunKind) (map[string]Run, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (source_id) id, source_id, kind, started_at, finished_at, outcome,
			read_count, inserted_count, revised_count, unchanged_count, rejected_count, COALESCE(error, ''), detail
		FROM ingest_runs WHERE kind = $1 AND outcome <> $2 ORDER BY source_id, id DESC`, kind, RunRunning)
	if err != nil {
		return nil, err
	}
	runs, err := pgx.CollectRows(rows, scanRun)
	out := make(map[string]Run, len(runs))
	for _, r := range runs {
		out[r.Source] = r
	}
	return out, err
}
