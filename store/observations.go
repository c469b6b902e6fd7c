package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/indicators"
)

// Counts say what a write did.
type Counts struct {
	Read      int `json:"read"`
	Inserted  int `json:"inserted"`
	Revised   int `json:"revised"`
	Unchanged int `json:"unchanged"`
	Rejected  int `json:"rejected"`
}

// WriteObservations writes a prepared batch in tx, on behalf of run: a new
// figure gets revision 1, a changed figure the next revision (the old one
// stays), an unchanged figure nothing. The batch is copied into a temporary
// table and merged in one statement, so large batches cost one round trip.
func WriteObservations(ctx context.Context, tx pgx.Tx, runID int64, source string, batch []indicators.Observation) (Counts, error) {
	if len(batch) == 0 {
		return Counts{}, nil
	}
	w, err := NewObservationWriter(ctx, tx, runID, source)
	if err != nil {
		return Counts{}, err
	}
	if err := w.Copy(ctx, batch, nil); err != nil {
		return Counts{}, err
	}
	return w.Finish(ctx)
}

// ObservationWriter writes a batch too large to hold whole in chunks: each
// prepared chunk is copied into a staging table as it comes, and Finish
// checks the whole batch for duplicates and merges it in one statement, all
// in the caller's transaction (all or nothing).
type ObservationWriter struct {
	tx     pgx.Tx
	runID  int64
	source string
	n      int               // rows copied so far
	dims   map[string][]byte // each distinct breakdown encoded once
	// Where names a row (as numbered in Copy) in the publisher's file for
	// the duplicate messages of Finish; nil leaves them unnamed.
	Where func(row int) string
}

// NewObservationWriter creates (or empties) the staging table in tx.
func NewObservationWriter(ctx context.Context, tx pgx.Tx, runID int64, source string) (*ObservationWriter, error) {
	// The staging table lives until the transaction ends; row is the
	// caller's number for each row, for the duplicate messages.
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS obs_in (
		row integer, indicator_id text, period text, period_start date, period_end date, geography text, breakdown text, dims jsonb,
		value double precision, numerator double precision, denominator double precision,
		ci_lower double precision, ci_upper double precision, suppressed boolean,
		published_at timestamptz, release text) ON COMMIT DROP;
		TRUNCATE obs_in`); err != nil {
		return nil, err
	}
	return &ObservationWriter{tx: tx, runID: runID, source: source, dims: map[string][]byte{}}, nil
}

// Copy copies a prepared chunk into the staging table. rows[i] is the
// caller's number for chunk[i] (its row in the file, say), named in
// duplicate messages; nil numbers the rows of the batch from 1.
func (w *ObservationWriter) Copy(ctx context.Context, chunk []indicators.Observation, rows []int) error {
	cols := []string{"row", "indicator_id", "period", "period_start", "period_end", "geography", "breakdown", "dims",
		"value", "numerator", "denominator", "ci_lower", "ci_upper", "suppressed", "published_at", "release"}
	// Rows are made as COPY sends them, not held as a second copy.
	i := -1
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i++; i >= len(chunk) {
			return nil, nil
		}
		o := &chunk[i]
		row := w.n + i + 1
		if rows != nil {
			row = rows[i]
		}
		k := o.Key()
		d, ok := w.dims[k.Breakdown]
		if !ok {
			d, _ = json.Marshal(o.Breakdown)
			w.dims[k.Breakdown] = d
		}
		var published *time.Time
		if !o.PublishedAt.IsZero() {
			published = &o.PublishedAt
		}
		return []any{row, k.Indicator, k.Period, o.PeriodStart, o.PeriodEnd, k.Geography, k.Breakdown, d,
			o.Value, o.Numerator, o.Denominator, o.CILower, o.CIUpper, o.Suppressed, published, o.Release}, nil
	})
	if _, err := w.tx.CopyFrom(ctx, pgx.Identifier{"obs_in"}, cols, src); err != nil {
		return fmt.Errorf("copy observations: %w", err)
	}
	w.n += len(chunk)
	return nil
}

// Finish rejects the batch if two rows have the same indicator, period,
// geography and breakdown (a *BatchError naming them), and otherwise
// merges it into the observations table and returns the counts.
func (w *ObservationWriter) Finish(ctx context.Context) (Counts, error) {
	n := Counts{Read: w.n}
	if w.n == 0 {
		return n, nil
	}
	tx := w.tx
	// Temporary tables get no statistics of their own; without them the
	// merge of a large batch may be planned as if it were a few rows.
	if w.n > 10000 {
		if _, err := tx.Exec(ctx, `ANALYZE obs_in`); err != nil {
			return n, err
		}
	}
	if err := w.duplicates(ctx); err != nil {
		return n, err
	}
	// Writers of the same indicator take turns: the merge reads the latest
	// revision, and two transactions reading the same one would both write
	// the next (20 concurrent submissions of one figure once answered 14
	// unique violations). The lock is the transaction's and per indicator,
	// taken in a fixed order, so a batch of many figures takes few locks and
	// two batches cannot deadlock; the merge below is a new statement, so it
	// sees what the previous holder committed.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('kpv.observations'), hashtext(indicator_id))
		FROM (SELECT DISTINCT indicator_id FROM obs_in ORDER BY 1) i`); err != nil {
		return n, fmt.Errorf("lock indicators for the merge: %w", err)
	}
	// Only the counts come back, not a row per figure written.
	err := tx.QueryRow(ctx, `
		WITH latest AS (
			SELECT DISTINCT ON (o.indicator_id, o.period, o.geography, o.breakdown)
			       o.indicator_id, o.period, o.geography, o.breakdown, o.revision,
			       o.value, o.numerator, o.denominator, o.ci_lower, o.ci_upper, o.suppressed, o.release
			FROM observations o
			JOIN obs_in i USING (indicator_id, period, geography, breakdown)
			ORDER BY o.indicator_id, o.period, o.geography, o.breakdown, o.revision DESC
		), written AS (
		INSERT INTO observations (indicator_id, period, period_start, period_end, geography, breakdown, dims, revision,
		                          value, numerator, denominator, ci_lower, ci_upper, suppressed, source_id, run_id,
		                          published_at, release)
		SELECT i.indicator_id, i.period, i.period_start, i.period_end, i.geography, i.breakdown, i.dims,
		       COALESCE(l.revision, 0) + 1,
		       i.value, i.numerator, i.denominator, i.ci_lower, i.ci_upper, i.suppressed, $1, $2,
		       COALESCE(i.published_at, now()), COALESCE(i.release, '')
		FROM obs_in i
		LEFT JOIN latest l USING (indicator_id, period, geography, breakdown)
		-- A new release's recomputed figure is a revision even where the
		-- value is the same: it carries the new label.
		WHERE l.revision IS NULL
		   OR (i.value, i.numerator, i.denominator, i.ci_lower, i.ci_upper, i.suppressed, COALESCE(i.release, ''))
		      IS DISTINCT FROM (l.value, l.numerator, l.denominator, l.ci_lower, l.ci_upper, l.suppressed, l.release)
		RETURNING revision)
		SELECT count(*) FILTER (WHERE revision = 1), count(*) FILTER (WHERE revision > 1) FROM written`,
		w.source, w.runID).Scan(&n.Inserted, &n.Revised)
	if err != nil {
		return n, fmt.Errorf("merge observations: %w", err)
	}
	n.Unchanged = n.Read - n.Inserted - n.Revised
	return n, nil
}

// duplicates finds rows of the staged batch with the same key as an
// earlier row, in SQL rather than in a key set held in memory.
func (w *ObservationWriter) duplicates(ctx context.Context) error {
	rows, err := w.tx.Query(ctx, `
		WITH dup AS (
			SELECT indicator_id, period, geography, breakdown FROM obs_in
			GROUP BY 1, 2, 3, 4 HAVING count(*) > 1)
		SELECT row, min(row) OVER (PARTITION BY indicator_id, period, geography, breakdown) AS first
		FROM obs_in JOIN dup USING (indicator_id, period, geography, breakdown)
		ORDER BY row`)
	if err != nil {
		return fmt.Errorf("check duplicates: %w", err)
	}
	var bad []indicators.RowError
	for rows.Next() {
		var row, first int
		if err := rows.Scan(&row, &first); err != nil {
			rows.Close()
			return err
		}
		if row == first {
			continue
		}
		e := indicators.DuplicateRow(row, first)
		if w.Where != nil {
			e.Where = w.Where(row)
		}
		bad = append(bad, e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check duplicates: %w", err)
	}
	if len(bad) > 0 {
		return &indicators.BatchError{Rows: bad, Read: w.n}
	}
	return nil
}

// ObservationFilter selects observations. Zero fields select everything.
type ObservationFilter struct {
	Indicator   string
	Geographies []string
	// Breakdown matches observations whose breakdown contains these pairs.
	Breakdown indicators.Breakdown
	// From and To select periods that overlap [From, To].
	From, To time.Time
	// AllRevisions returns every revision instead of the latest.
	AllRevisions bool
	// AsOf, when set, ignores revisions recorded after it.
	AsOf time.Time
	// PublishedBy, when set, ignores revisions published after it (figures
	// recorded before kpv kept the publication date count as published
	// when recorded).
	PublishedBy time.Time
	Limit       int
	Offset      int
}

// Observations returns the observations matching f, ordered by period,
// geography, breakdown (and revision, with AllRevisions).
func (s *Store) Observations(ctx context.Context, f ObservationFilter) ([]indicators.Observation, error) {
	var w where
	w.addIf(f.Indicator != "", "indicator_id = ?", f.Indicator)
	w.addIf(len(f.Geographies) > 0, "geography = ANY(?)", f.Geographies)
	if len(f.Breakdown) > 0 {
		dims, _ := json.Marshal(f.Breakdown)
		w.add("dims @> ?", dims)
	}
	w.addIf(!f.From.IsZero(), "period_end >= ?", f.From)
	w.addIf(!f.To.IsZero(), "period_start <= ?", f.To)
	w.addIf(!f.AsOf.IsZero(), "recorded_at <= ?", f.AsOf)
	w.addIf(!f.PublishedBy.IsZero(), "COALESCE(published_at, recorded_at) <= ?", f.PublishedBy)
	cond := w.sql()
	const cols = `indicator_id, period, period_start, period_end, geography, dims, revision, value, numerator, denominator,
		ci_lower, ci_upper, suppressed, source_id, run_id, recorded_at, COALESCE(published_at, recorded_at), release`
	var q string
	if f.AllRevisions {
		q = `SELECT ` + cols + ` FROM observations WHERE ` + cond + `
			ORDER BY indicator_id, period_start, period, geography, breakdown, revision`
	} else {
		q = `SELECT ` + cols + ` FROM (
				SELECT DISTINCT ON (indicator_id, period, geography, breakdown) *
				FROM observations WHERE ` + cond + `
				ORDER BY indicator_id, period, geography, breakdown, revision DESC) cur
			ORDER BY indicator_id, period_start, period, geography, breakdown`
	}
	q += w.page(f.Limit, f.Offset)
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (indicators.Observation, error) {
		var o indicators.Observation
		err := r.Scan(&o.Indicator, &o.Period, &o.PeriodStart, &o.PeriodEnd, &o.Geography, &o.Breakdown, &o.Revision,
			&o.Value, &o.Numerator, &o.Denominator, &o.CILower, &o.CIUpper, &o.Suppressed, &o.Source, &o.RunID, &o.RecordedAt,
			&o.PublishedAt, &o.Release)
		return o, err
	})
}

// FiguresVersion identifies the stored figures cheaply: the newest
// revision's id and the number of revisions. It changes whenever a figure
// is added or revised (the count also catches a transaction that commits
// lower ids after a higher one was read).
func (s *Store) FiguresVersion(ctx context.Context) (maxID, count int64, err error) {
	err = s.pool.QueryRow(ctx, `SELECT COALESCE(max(id), 0), count(*) FROM observations`).Scan(&maxID, &count)
	return maxID, count, err
}
