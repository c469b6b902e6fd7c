package store

import (
	"context"
	"fmt"
	"time"
)

// RecordVersion identifies what Visible can see, cheaply: it changes when a
// figure is added or revised and when a run ends. A cache of anything built
// from Visible for a recent cut-off is still good while it is unchanged.
type RecordVersion struct {
	// FiguresMaxID and Figures come from the series table alone: the
	// highest change number and the sum of every series' change number. A
	// merge that adds or revises a figure gives its series a new, higher
	// number, so the sum moves even when that merge commits after one with
	// a higher number was read.
	FiguresMaxID, Figures, RunsMaxID, RunsFinished int64
}

// RecordVersion returns the current RecordVersion.
func (s *Store) RecordVersion(ctx context.Context) (RecordVersion, error) {
	var v RecordVersion
	err := s.pool.QueryRow(ctx, `SELECT
			(SELECT COALESCE(max(changed), 0) FROM series), (SELECT COALESCE(sum(changed), 0)::bigint FROM series),
			(SELECT COALESCE(max(id), 0) FROM ingest_runs), (SELECT count(finished_at) FROM ingest_runs)`).
		Scan(&v.FiguresMaxID, &v.Figures, &v.RunsMaxID, &v.RunsFinished)
	return v, err
}

// Settled reports whether every transaction of kpv's database role that
// started by cutoff has ended. A figure's recorded_at is its transaction's
// start, so until then a transaction that began before the cut-off could
// still commit a figure "recorded" before it, and the set Visible returns for
// the cut-off could still change (a report once served 77.8 for DK-82 and
// later, for the same cut-off, 66.6). Only kpv's role writes figures, so
// other roles' sessions (Grafana's reader) do not hold a cut-off open.
func (s *Store) Settled(ctx context.Context, cutoff time.Time) (bool, error) {
	var open bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
		WHERE datname = current_database() AND usename = current_user AND pid <> pg_backend_pid()
		  AND xact_start IS NOT NULL AND xact_start <= $1)`, cutoff).Scan(&open)
	if err != nil {
		return false, fmt.Errorf("check for transactions open since %s: %w", cutoff.Format(time.RFC3339), err)
	}
	return !open, nil
}
