package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/indicators"
)

// Run is one entry of the run log: an ingest of a source or a submitted
// batch.
type Run struct {
	ID         int64           `json:"id"`
	Source     string          `json:"source"`
	Kind       RunKind         `json:"kind"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at"`
	Outcome    RunOutcome      `json:"outcome"`
	Counts     Counts          `json:"counts"`
	Error      string          `json:"error,omitempty"`
	Detail     json.RawMessage `json:"detail,omitempty"`
}

// RunOutcome is how a run ended, or RunRunning while it goes. The values
// are those of the run log's outcome column and of the API.
type RunOutcome string

// The outcomes of a run.
const (
	RunRunning     RunOutcome = "running"
	RunSuccess     RunOutcome = "success"
	RunUnchanged   RunOutcome = "unchanged"
	RunFailed      RunOutcome = "failed"
	RunInterrupted RunOutcome = "interrupted"
)

// RunOutcomes lists the outcomes, for validating filters.
var RunOutcomes = []RunOutcome{RunRunning, RunSuccess, RunUnchanged, RunFailed, RunInterrupted}

// Valid reports whether o is one of RunOutcomes.
func (o RunOutcome) Valid() bool { return slices.Contains(RunOutcomes, o) }

// RunKind is what a run did: an ingest of a source, a submitted batch, or
// a test's run.
type RunKind string

// The kinds of run the log records.
const (
	KindIngest     RunKind = "ingest"
	KindSubmission RunKind = "submission"
	KindTest       RunKind = "test"
)

// RunKinds lists the kinds of run, for validating filters.
var RunKinds = []RunKind{KindIngest, KindSubmission, KindTest}

// Valid reports whether k is one of RunKinds.
func (k RunKind) Valid() bool { return slices.Contains(RunKinds, k) }

// Names joins a list of outcomes or kinds for an error message.
func Names[T ~string](xs []T) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return strings.Join(out, ", ")
}

// Record runs fn as one logged run of source: the run is entered in the log
// first (committed on its own, so a failure is recorded too), then fn runs in
// one transaction and writes through tx. If fn fails, nothing it wrote is
// kept and the run is logged as failed with fn's error; otherwise it is
// logged with fn's counts ("unchanged" when nothing was inserted or
// revised).
func (s *Store) Record(ctx context.Context, source string, kind RunKind, fn func(ctx context.Context, tx pgx.Tx, runID int64) (Counts, error)) (Run, error) {
	if kind == KindSubmission {
		s.markStaleSubmissions(ctx)
	}
	run, err := s.OpenRun(ctx, source, kind)
	if err != nil {
		return run, err
	}
	var counts Counts
	inTx := s.InTx
	if kind == KindSubmission { // bounded waits, and reads keep connections
		inTx = s.submissionTx
	}
	runErr := inTx(ctx, func(tx pgx.Tx) error {
		var err error
		counts, err = fn(ctx, tx, run.ID)
		return err
	})
	return run, s.CloseRun(ctx, &run, counts, runErr, nil)
}

// OpenRun enters a run in the log as running. Callers that do work outside
// the run's write transaction (an ingest fetches before it writes) pair it
// with CloseRun; Record does both around one transaction.
func (s *Store) OpenRun(ctx context.Context, source string, kind RunKind) (Run, error) {
	run := Run{Source: source, Kind: kind, Outcome: RunRunning}
	err := s.pool.QueryRow(ctx, `INSERT INTO ingest_runs (source_id, kind, process) VALUES ($1, $2, $3) RETURNING id, started_at`,
		source, kind, s.process).Scan(&run.ID, &run.StartedAt)
	if err != nil {
		return run, fmt.Errorf("open run log entry: %w", err)
	}
	return run, nil
}

// CloseRun records how a run ended and returns runErr (joined with any
// error closing the entry). A failed run keeps no counts of written rows,
// since its transaction wrote nothing; a batch error's rows are kept in the
// entry's detail. detail adds facts about the run (where it read from, …).
func (s *Store) CloseRun(ctx context.Context, run *Run, counts Counts, runErr error, detail map[string]any) error {
	run.Counts = counts
	if detail == nil {
		detail = map[string]any{}
	}
	switch {
	case runErr != nil:
		run.Outcome = RunFailed
		run.Error = indicators.ExcerptError(runErr.Error())
		var be *indicators.BatchError
		if errors.As(runErr, &be) {
			run.Counts.Rejected = len(be.Rows)
			run.Counts.Read = max(run.Counts.Read, be.Read)
			// Bounded: the run log is public and read whole.
			l := indicators.Bound(be.Rows)
			detail["rows"], detail["rows_total"], detail["row_kinds"] = l.Rows, l.Total, l.Kinds
		}
		run.Counts.Inserted, run.Counts.Revised, run.Counts.Unchanged = 0, 0, 0
	case counts.Inserted+counts.Revised == 0:
		run.Outcome = RunUnchanged
	default:
		run.Outcome = RunSuccess
	}
	if len(detail) > 0 {
		run.Detail, _ = json.Marshal(detail)
	}
	// The log entry is closed even if the caller's context was cancelled.
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var errText *string
	if run.Error != "" {
		errText = &run.Error
	}
	c := run.Counts
	err := s.pool.QueryRow(closeCtx, `UPDATE ingest_runs SET finished_at = now(), outcome = $2, read_count = $3, inserted_count = $4,
			revised_count = $5, unchanged_count = $6, rejected_count = $7, error = $8, detail = $9
		WHERE id = $1 RETURNING finished_at`,
		run.ID, run.Outcome, c.Read, c.Inserted, c.Revised, c.Unchanged, c.Rejected, errText, nullJSON(run.Detail)).Scan(&run.FinishedAt)
	if err != nil {
		return errors.Join(runErr, fmt.Errorf("close run log entry %d: %w", run.ID, err))
	}
	return runErr
}

// MarkInterrupted closes the source's runs still marked running as
// interrupted. Call it only while holding the source's ingest lock: then no
// live process owns those runs (they belonged to a process that died).
func (s *Store) MarkInterrupted(ctx context.Context, source string) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE ingest_runs SET outcome = $2, finished_at = now(),
			error = 'the process running it stopped before it finished'
		WHERE source_id = $1 AND kind = $3 AND outcome = $4`, source, RunInterrupted, KindIngest, RunRunning)
	return tag.RowsAffected(), err
}

// CloseRunsOfStoppedProcesses closes as interrupted the runs, of any kind,
// still marked running whose process has stopped: no session of the
// database carries the process's name any more (a live kpv keeps one open,
// Store.Open). kpv serve calls it as it starts, so that a submission or an
// ingest cut off by a crash is closed then rather than by the next run of
// its source or fifteen minutes later. Runs of live replicas sharing the
// database are left alone, as are runs opened before migration 00090 (no
// process recorded). It returns how many runs it closed, by kind.
func (s *Store) CloseRunsOfStoppedProcesses(ctx context.Context) (map[RunKind]int, error) {
	rows, err := s.pool.Query(ctx, `UPDATE ingest_runs r SET outcome = $1, finished_at = now(),
			error = 'the process running it stopped before it finished'
		WHERE outcome = $2 AND process IS NOT NULL AND process <> $3
		  AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = r.process)
		RETURNING kind`, RunInterrupted, RunRunning, s.process)
	if err != nil {
		return nil, fmt.Errorf("close runs of stopped processes: %w", err)
	}
	out := map[RunKind]int{}
	var k RunKind
	_, err = pgx.ForEachRow(rows, []any{&k}, func() error { out[k]++; return nil })
	return out, err
}

// nullJSON is b for a jsonb column, NULL when empty. Postgres refuses
// \u0000 in jsonb, and a NUL in a submitted key once lost the audit entry
// and left the run running: it is stored as U+FFFD.
func nullJSON(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return bytes.ReplaceAll(b, []byte(`\u0000`), []byte(`\ufffd`))
}

// noNUL replaces NUL, which Postgres refuses in text, with U+FFFD.
func noNUL(s string) string { return strings.ReplaceAll(s, "\x00", "\uFFFD") }

// staleSubmissionAfter is when a submission run still marked running can
// no longer be going: a request is cut off long before (the HTTP read and
// write timeouts).
const staleSubmissionAfter = 15 * time.Minute

// markStaleSubmissions ends submission runs left running by a process or a
// database that stopped under them, as MarkInterrupted does for ingests.
func (s *Store) markStaleSubmissions(ctx context.Context) {
	_, _ = s.pool.Exec(ctx, `UPDATE ingest_runs SET outcome = $1, finished_at = now(),
			error = 'the submission stopped before it finished (the process or the database stopped under it)'
		WHERE kind = $2 AND outcome = $3 AND started_at < now() - make_interval(secs => $4)`,
		RunInterrupted, KindSubmission, RunRunning, staleSubmissionAfter.Seconds())
}

// RunFilter selects entries of the run log; zero fields match all.
type RunFilter struct {
	Source  string
	Outcome RunOutcome
	Kind    RunKind
	Limit   int
	Offset  int
}

// Runs lists the run log, newest first.
func (s *Store) Runs(ctx context.Context, f RunFilter) ([]Run, error) {
	var w where
	w.addIf(f.Source != "", "source_id = ?", f.Source)
	w.addIf(f.Outcome != "", "outcome = ?", f.Outcome)
	w.addIf(f.Kind != "", "kind = ?", f.Kind)
	q := `SELECT id, source_id, kind, started_at, finished_at, outcome, read_count, inserted_count,
			revised_count, unchanged_count, rejected_count, COALESCE(error, ''), detail
		FROM ingest_runs WHERE ` + w.sql() + ` ORDER BY id DESC` + w.page(f.Limit, f.Offset)
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanRun)
}

func scanRun(r pgx.CollectableRow) (Run, error) {
	var x Run
	var detail []byte
	err := r.Scan(&x.ID, &x.Source, &x.Kind, &x.StartedAt, &x.FinishedAt, &x.Outcome, &x.Counts.Read, &x.Counts.Inserted,
		&x.Counts.Revised, &x.Counts.Unchanged, &x.Counts.Rejected, &x.Error, &detail)
	x.Detail = detail
	return x, err
}

// LastSuccesses returns, per source, when its last run that ended in
// success or unchanged finished.
func (s *Store) LastSuccesses(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.pool.Query(ctx, `SELECT source_id, max(finished_at) FROM ingest_runs
		WHERE outcome IN ($1, $2) AND finished_at IS NOT NULL GROUP BY source_id`, RunSuccess, RunUnchanged)
	if err != nil {
		return nil, err
	}
	out := map[string]time.Time{}
	var src string
	var at time.Time
	_, err = pgx.ForEachRow(rows, []any{&src, &at}, func() error { out[src] = at; return nil })
	return out, err
}

// RecordedTimes returns when each of the given runs recorded its figures
// (a run that recorded none is left out): when kpv loaded a figure, for
// the pages beside when it was published.
func (s *Store) RecordedTimes(ctx context.Context, ids []int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT id, recorded_at FROM ingest_runs WHERE id = ANY($1) AND recorded_at IS NOT NULL`, ids)
	if err != nil {
		return nil, err
	}
	var id int64
	var at time.Time
	_, err = pgx.ForEachRow(rows, []any{&id, &at}, func() error { out[id] = at; return nil })
	return out, err
}
