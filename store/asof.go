package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/indicators"
)

// AsOfSet is the stored figures as they stood at a cut-off: for each
// figure, the latest revision recorded by then, and the run log entries
// those figures rest on. Revisions recorded later are not seen, so the set
// for a past cut-off stays the same however the sources are revised.
type AsOfSet struct {
	// PublishedBy, if set, is the publication cut-off the figures were
	// read with.
	PublishedBy  time.Time
	CutOff       time.Time
	Observations []indicators.Observation
	// Runs are the runs that wrote one of the revisions in Observations,
	// and each source's latest successful run finished by the cut-off,
	// oldest first.
	Runs []AsOfRun
	// LastSuccess is when each source's latest successful run (success or
	// unchanged) finished, counting only runs finished by the cut-off.
	LastSuccess map[string]time.Time
}

// AsOfRun is a run log entry a set rests on, and why.
type AsOfRun struct {
	Run
	// Figures is how many of the set's figures this run wrote.
	Figures int `json:"figures"`
	// LatestSuccess marks the source's latest successful run by the cut-off.
	LatestSuccess bool `json:"latest_success"`
}

// AsOf returns the figures as recorded by cutoff (recorded_at <= cutoff)
// and, unless publishedBy is zero, published by publishedBy, with the runs
// they rest on.
func (s *Store) AsOf(ctx context.Context, cutoff, publishedBy time.Time) (*AsOfSet, error) {
	set := &AsOfSet{CutOff: cutoff, PublishedBy: publishedBy, LastSuccess: map[string]time.Time{}}
	var err error
	set.Observations, err = s.Observations(ctx, ObservationFilter{AsOf: cutoff, PublishedBy: publishedBy})
	if err != nil {
		return nil, fmt.Errorf("figures as of %s: %w", cutoff.Format(time.RFC3339), err)
	}
	if err := asOfRuns(ctx, s.pool, set); err != nil {
		return nil, err
	}
	return set, nil
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// asOfRuns sets the runs and the sources' last successes of set from its
// observations.
func asOfRuns(ctx context.Context, db querier, set *AsOfSet) error {
	figures := map[int64]int{}
	for _, o := range set.Observations {
		figures[o.RunID]++
	}
	return runsAsOf(ctx, db, set, figures)
}

// runsAsOf sets the runs of set: those in figures (with their count of
// figures) and each source's latest successful one by the cut-off.
func runsAsOf(ctx context.Context, db querier, set *AsOfSet, figures map[int64]int) error {
	cutoff := set.CutOff
	ids := make([]int64, 0, len(figures))
	for id := range figures {
		ids = append(ids, id)
	}
	// The runs behind the figures, and per source the latest run that ended
	// well by the cut-off (its finish is what freshness of a source means).
	rows, err := db.Query(ctx, `
		WITH latest AS (
			SELECT DISTINCT ON (source_id) id
			FROM ingest_runs
			WHERE outcome IN ($3, $4) AND finished_at IS NOT NULL AND finished_at <= $2
			ORDER BY source_id, finished_at DESC, id DESC)
		SELECT r.id, r.source_id, r.kind, r.started_at, r.finished_at, r.outcome, r.read_count, r.inserted_count,
		       r.revised_count, r.unchanged_count, r.rejected_count, COALESCE(r.error, ''), r.detail,
		       r.id IN (SELECT id FROM latest)
		FROM ingest_runs r
		WHERE r.id = ANY($1) OR r.id IN (SELECT id FROM latest)
		ORDER BY r.id`, ids, cutoff, RunSuccess, RunUnchanged)
	if err != nil {
		return fmt.Errorf("runs as of %s: %w", cutoff.Format(time.RFC3339), err)
	}
	set.Runs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AsOfRun, error) {
		var x AsOfRun
		var detail []byte
		err := r.Scan(&x.ID, &x.Source, &x.Kind, &x.StartedAt, &x.FinishedAt, &x.Outcome, &x.Counts.Read, &x.Counts.Inserted,
			&x.Counts.Revised, &x.Counts.Unchanged, &x.Counts.Rejected, &x.Error, &detail, &x.LatestSuccess)
		x.Detail = detail
		x.Figures = figures[x.ID]
		return x, err
	})
	if err != nil {
		return err
	}
	for _, r := range set.Runs {
		if r.LatestSuccess && r.FinishedAt != nil {
			set.LastSuccess[r.Source] = *r.FinishedAt
		}
	}
	return nil
}

// RecordVersion identifies what AsOf can see, cheaply: it changes when a
// figure is added or revised and when a run ends. A cache of anything built
// from AsOf for a recent cut-off is still good while it is unchanged.
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
// still commit a figure "recorded" before it, and the set AsOf returns for
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
