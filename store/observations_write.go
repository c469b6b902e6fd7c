package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
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
	c, _, _, err := WriteReviewed(ctx, tx, runID, source, batch, nil)
	return c, err
}

// WriteReviewed is WriteObservations for an ingest run: with review set,
// far revisions are held (pending.go) and counted in held, with the first
// reason.
func WriteReviewed(ctx context.Context, tx pgx.Tx, runID int64, source string, batch []indicators.Observation, review *Review) (c Counts, held int, reason string, err error) {
	if len(batch) == 0 {
		return Counts{}, 0, "", nil
	}
	w, err := NewObservationWriter(ctx, tx, runID, source)
	if err != nil {
		return Counts{}, 0, "", err
	}
	w.Review = review
	if err := w.Copy(ctx, batch, nil); err != nil {
		return Counts{}, 0, "", err
	}
	c, err = w.Finish(ctx)
	return c, w.Held, w.HeldReason, err
}

// ObservationWriter writes a batch too large to hold whole in chunks: each
// prepared chunk is copied into a staging table as it comes, and Finish
// checks the whole batch for duplicates and merges it in one statement, all
// in the caller's transaction (all or nothing).
//
// The staging table holds integers and values only: each chunk's series
// and periods are looked up (and the new ones made) once, in one statement
// per chunk, and kept in memory — a series or period per key, not per
// figure.
type ObservationWriter struct {
	tx      pgx.Tx
	runID   int64
	source  string
	n       int // rows copied so far
	series  map[seriesRef]int32
	periods map[periodKey]int32
	// fresh are the series this writer made: they have no stored figure,
	// so their figures are copied straight into the figures table as
	// revision 1, with no merge; fresh[series][period] is the row that
	// gave each (a duplicate of it is refused in Finish).
	fresh  map[int32][]int32
	direct int // rows copied straight in
	// now is the transaction's start, the published_at of a figure whose
	// publisher gave no date (what a merge's now() is).
	now  time.Time
	dups []indicators.RowError
	// Where names a row (as numbered in Copy) in the publisher's file for
	// the duplicate messages of Finish; nil leaves them unnamed.
	Where func(row int) string
	// Review, when set (an ingest run), holds far revisions for review
	// instead of writing them (pending.go); Held and HeldReason say what
	// Finish held.
	Review     *Review
	Held       int
	HeldReason string
}

type periodKey struct {
	label      string
	start, end time.Time
}

// seriesRef is a series' key: indicator, geography and breakdown key.
type seriesRef struct{ indicator, geography, breakdown string }

// NewObservationWriter creates (or empties) the staging table in tx. The
// figures are stored as the run's: source must be the run's source.
func NewObservationWriter(ctx context.Context, tx pgx.Tx, runID int64, source string) (*ObservationWriter, error) {
	var runSource string
	if err := tx.QueryRow(ctx, `SELECT source_id FROM ingest_runs WHERE id = $1`, runID).Scan(&runSource); err != nil {
		return nil, fmt.Errorf("run %d: %w", runID, err)
	}
	if runSource != source {
		return nil, fmt.Errorf("run %d is of source %q, not %q: a figure's source is its run's", runID, runSource, source)
	}
	// The staging table lives until the transaction ends; row is the
	// caller's number for each row, for the duplicate messages.
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS obs_k (row integer, series_id integer, period_id integer,
		value double precision, numerator double precision, denominator double precision,
		ci_lower double precision, ci_upper double precision, suppressed boolean,
		published_at timestamptz NOT NULL, release text NOT NULL) ON COMMIT DROP;
		TRUNCATE obs_k`); err != nil {
		return nil, err
	}
	w := &ObservationWriter{tx: tx, runID: runID, source: source, series: map[seriesRef]int32{}, periods: map[periodKey]int32{},
		fresh: map[int32][]int32{}}
	if err := tx.QueryRow(ctx, `SELECT now()`).Scan(&w.now); err != nil {
		return nil, err
	}
	return w, nil
}

// Copy copies a prepared chunk into the staging table. rows[i] is the
// caller's number for chunk[i] (its row in the file, say), named in
// duplicate messages; nil numbers the rows of the batch from 1.
func (w *ObservationWriter) Copy(ctx context.Context, chunk []indicators.Observation, rows []int) error {
	// Each row's series and period ids, looked up once (a million rows
	// have a few thousand keys: the lookups, not the rows, are the cost).
	ids, err := w.resolve(ctx, chunk)
	if err != nil {
		return err
	}
	// The rows of fresh series go straight into figures; the others are
	// staged for the merge.
	var staged, direct []int
	for i := range chunk {
		sid, pid := ids[i].series, ids[i].period
		first, ok := w.fresh[sid]
		if !ok {
			staged = append(staged, i)
			continue
		}
		row := w.n + i + 1
		if rows != nil {
			row = rows[i]
		}
		if int(pid) >= len(first) {
			first = append(first, make([]int32, int(pid)+1-len(first))...)
			w.fresh[sid] = first
		}
		if first[pid] != 0 {
			e := indicators.DuplicateRow(row, int(first[pid]))
			if w.Where != nil {
				e.Where = w.Where(row)
			}
			w.dups = append(w.dups, e)
			continue
		}
		first[pid] = int32(row)
		direct = append(direct, i)
	}
	copyRows := func(table string, cols []string, idx []int, values func(e *rowEncoder, o *indicators.Observation, id rowIDs, row int)) error {
		if len(idx) == 0 {
			return nil
		}
		// Rows are encoded as COPY sends them, not held as a second copy.
		err := copyBinary(ctx, w.tx, table, cols, len(idx), func(j int, e *rowEncoder) {
			i := idx[j]
			row := w.n + i + 1
			if rows != nil {
				row = rows[i]
			}
			values(e, &chunk[i], ids[i], row)
		})
		if err != nil {
			return fmt.Errorf("copy observations: %w", err)
		}
		return nil
	}
	err = copyRows("obs_k", []string{"row", "series_id", "period_id", "value", "numerator", "denominator", "ci_lower", "ci_upper", "suppressed",
		"published_at", "release"},
		staged, func(e *rowEncoder, o *indicators.Observation, id rowIDs, row int) {
			e.int4(int32(row))
			e.int4(id.series)
			e.int4(id.period)
			e.values(o, w.published(o))
		})
	if err != nil {
		return err
	}
	// A batch with a duplicate is refused whole in Finish: its rows need not go in.
	if len(w.dups) == 0 {
		err = copyRows("figures", []string{"run_id", "series_id", "period_id", "revision", "value", "numerator", "denominator", "ci_lower", "ci_upper", "suppressed",
			"published_at", "release"},
			direct, func(e *rowEncoder, o *indicators.Observation, id rowIDs, _ int) {
				e.int8(w.runID)
				e.int4(id.series)
				e.int4(id.period)
				e.int4(1)
				e.values(o, w.published(o))
			})
		if err != nil {
			return err
		}
		w.direct += len(direct)
	}
	w.n += len(chunk)
	return nil
}

// rowIDs are a row's series and period ids.
type rowIDs struct{ series, period int32 }

// published is when o was published: the publisher's date, else now (as
// the merge has it).
func (w *ObservationWriter) published(o *indicators.Observation) time.Time {
	if o.PublishedAt.IsZero() {
		return w.now
	}
	return o.PublishedAt
}

// resolve returns the series and period ids of every row of the chunk,
// finding those not yet known and making those that do not exist.
func (w *ObservationWriter) resolve(ctx context.Context, chunk []indicators.Observation) ([]rowIDs, error) {
	var inds, geos, bks []string
	var dims [][]byte
	var labels []string
	var starts, ends []time.Time
	ids := make([]rowIDs, len(chunk))
	var missing []int // rows whose series is not known yet
	seen := map[seriesRef]bool{}
	seenP := map[periodKey]bool{}
	// Each breakdown's key, by map: rows share breakdown maps (one per
	// distinct breakdown), so a key is made once per map, not per row.
	type keyOf struct {
		dims indicators.Breakdown
		key  string
	}
	var keys []keyOf
	var prevP periodKey // rows come in runs of one period
	bkKey := func(d indicators.Breakdown) string {
		if len(d) == 0 {
			return ""
		}
		for _, k := range keys {
			if sameMap(k.dims, d) {
				return k.key
			}
		}
		k := d.Key()
		if len(keys) < 64 {
			keys = append(keys, keyOf{d, k})
		}
		return k
	}
	for i := range chunk {
		o := &chunk[i]
		sk := seriesRef{o.Indicator, o.Geography, bkKey(o.Breakdown)}
		if id, ok := w.series[sk]; ok {
			ids[i].series = id
		} else {
			missing = append(missing, i)
			if !seen[sk] {
				seen[sk] = true
				d, _ := json.Marshal(o.Breakdown)
				if o.Breakdown == nil {
					d = []byte("{}")
				}
				inds, geos, bks, dims = append(inds, sk.indicator), append(geos, sk.geography), append(bks, sk.breakdown), append(dims, d)
			}
		}
		if pk := (periodKey{o.Period, o.PeriodStart, o.PeriodEnd}); i == 0 || pk != prevP {
			prevP = pk
			if w.periods[pk] == 0 && !seenP[pk] {
				seenP[pk] = true
				labels, starts, ends = append(labels, o.Period), append(starts, o.PeriodStart), append(ends, o.PeriodEnd)
			}
		}
	}
	// Made if missing, then read: a series another transaction made
	// meanwhile is read by the second statement, which sees it committed.
	if len(inds) > 0 {
		made, err := w.tx.Query(ctx, `INSERT INTO series (indicator_id, geography, breakdown, dims)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) ORDER BY 1, 2, 3
			ON CONFLICT DO NOTHING RETURNING id`, inds, geos, bks, dims)
		if err != nil {
			return nil, fmt.Errorf("series: %w", err)
		}
		var id int32
		if _, err := pgx.ForEachRow(made, []any{&id}, func() error {
			w.fresh[id] = nil
			return nil
		}); err != nil {
			return nil, fmt.Errorf("series: %w", err)
		}
		rows, err := w.tx.Query(ctx, `SELECT s.id, s.indicator_id, s.geography, s.breakdown
			FROM series s JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(indicator_id, geography, breakdown)
			USING (indicator_id, geography, breakdown)`, inds, geos, bks)
		if err != nil {
			return nil, fmt.Errorf("series: %w", err)
		}
		var k seriesRef
		if _, err := pgx.ForEachRow(rows, []any{&id, &k.indicator, &k.geography, &k.breakdown}, func() error {
			w.series[k] = id
			return nil
		}); err != nil {
			return nil, fmt.Errorf("series: %w", err)
		}
	}
	if len(labels) > 0 {
		if _, err := w.tx.Exec(ctx, `INSERT INTO periods (period, period_start, period_end)
			SELECT * FROM unnest($1::text[], $2::date[], $3::date[]) ORDER BY 2, 1, 3
			ON CONFLICT DO NOTHING`, labels, starts, ends); err != nil {
			return nil, fmt.Errorf("periods: %w", err)
		}
		rows, err := w.tx.Query(ctx, `SELECT p.id, p.period, p.period_start, p.period_end
			FROM periods p JOIN unnest($1::text[], $2::date[], $3::date[]) AS k(period, period_start, period_end)
			USING (period, period_start, period_end)`, labels, starts, ends)
		if err != nil {
			return nil, fmt.Errorf("periods: %w", err)
		}
		var id int32
		var pk periodKey
		if _, err := pgx.ForEachRow(rows, []any{&id, &pk.label, &pk.start, &pk.end}, func() error {
			w.periods[pk] = id
			return nil
		}); err != nil {
			return nil, fmt.Errorf("periods: %w", err)
		}
	}
	for _, i := range missing {
		o := &chunk[i]
		ids[i].series = w.series[seriesRef{o.Indicator, o.Geography, bkKey(o.Breakdown)}]
	}
	var lastP periodKey
	var lastPID int32
	for i := range chunk {
		o := &chunk[i]
		if pk := (periodKey{o.Period, o.PeriodStart, o.PeriodEnd}); pk != lastP || lastPID == 0 {
			lastP, lastPID = pk, w.periods[pk]
		}
		ids[i].period = lastPID
	}
	return ids, nil
}

// sameMap reports whether a and b are the same map (not equal contents):
// a batch shares one map among the rows with the same breakdown.
func sameMap(a, b indicators.Breakdown) bool {
	return a != nil && b != nil && reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// Finish rejects the batch if two rows have the same indicator, period,
// geography and breakdown (a *BatchError naming them), and otherwise
// merges it and returns the counts.
//
// The merge locks the batch's series (in id order, so two merges cannot
// deadlock: a concurrent write to the same series waits for this one to
// commit and then sees its revisions), moves each current figure whose
// values changed to the history and puts the next revision in its place,
// inserts the new figures as revision 1, and marks the series it changed
// with one new change number.
func (w *ObservationWriter) Finish(ctx context.Context) (Counts, error) {
	n := Counts{Read: w.n}
	if w.n == 0 {
		return n, nil
	}
	tx := w.tx
	// Temporary tables get no statistics of their own; without them the
	// merge of a large batch may be planned as if it were a few rows.
	if w.n > 10000 {
		if _, err := tx.Exec(ctx, `ANALYZE obs_k`); err != nil {
			return n, err
		}
	}
	if err := w.duplicates(ctx); err != nil {
		return n, err
	}
	if w.Review != nil {
		var err error
		if w.Held, w.HeldReason, err = w.hold(ctx, *w.Review); err != nil {
			return n, err
		}
	}
	// Every figure of the run is recorded at the transaction's start: the
	// run keeps that instant once (migration 00060), not each figure.
	if _, err := tx.Exec(ctx, `UPDATE ingest_runs SET recorded_at = now() WHERE id = $1`, w.runID); err != nil {
		return n, fmt.Errorf("merge observations (run %d): %w", w.runID, err)
	}
	n.Inserted = w.direct // the fresh series' figures, already in
	ids := make([]int32, 0, len(w.series))
	for _, id := range w.series {
		ids = append(ids, id)
	}
	// Writers of the same series take turns: the merge reads the current
	// revision, and two transactions reading the same one would both write
	// the next (20 concurrent submissions of one figure once answered 14
	// unique violations). The locks are the series rows', taken in id order
	// so two batches cannot deadlock; the merge below is a new statement, so
	// it sees what the previous holder committed.
	if _, err := tx.Exec(ctx, `SELECT 1 FROM series WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids); err != nil {
		return n, fmt.Errorf("merge observations (lock series): %w", err)
	}
	var change int64
	if err := tx.QueryRow(ctx, `SELECT nextval('figure_changes')`).Scan(&change); err != nil {
		return n, err
	}
	// The revision moves the replaced row to the history and updates it in
	// place (every part of the statement sees the figures as they were when
	// it began); the insert then skips every figure that exists.
	err := tx.QueryRow(ctx, `
		WITH old AS (
			SELECT f.* FROM figures f JOIN obs_k k USING (series_id, period_id)
			WHERE (k.value, k.numerator, k.denominator, k.ci_lower, k.ci_upper, k.suppressed, k.release)
			      IS DISTINCT FROM (f.value, f.numerator, f.denominator, f.ci_lower, f.ci_upper, f.suppressed, f.release)
		), moved AS (
			INSERT INTO figure_history SELECT * FROM old RETURNING series_id
		-- A new release's recomputed figure is a revision even where the
		-- value is the same: it carries the new label.
		), revised AS (
			UPDATE figures f SET id = nextval('figure_ids'), run_id = $1, published_at = k.published_at,
			       value = k.value, numerator = k.numerator, denominator = k.denominator,
			       ci_lower = k.ci_lower, ci_upper = k.ci_upper, suppressed = k.suppressed, release = k.release,
			       revision = f.revision + 1
			FROM old, obs_k k
			WHERE f.series_id = old.series_id AND f.period_id = old.period_id
			  AND k.series_id = old.series_id AND k.period_id = old.period_id
			RETURNING f.series_id
		), marked AS (
			UPDATE series SET changed = $2 WHERE id IN (SELECT series_id FROM revised)
		)
		SELECT count(*) FROM revised`, w.runID, change).Scan(&n.Revised)
	if err != nil {
		return n, fmt.Errorf("merge observations (revisions): %w", err)
	}
	var inserted int
	err = tx.QueryRow(ctx, `
		WITH inserted AS (
			INSERT INTO figures (run_id, value, numerator, denominator, ci_lower, ci_upper,
			                     series_id, period_id, revision, suppressed, published_at, release)
			SELECT $1, k.value, k.numerator, k.denominator, k.ci_lower, k.ci_upper,
			       k.series_id, k.period_id, 1, k.suppressed, k.published_at, k.release
			FROM obs_k k
			WHERE NOT EXISTS (SELECT 1 FROM figures f WHERE f.series_id = k.series_id AND f.period_id = k.period_id)
			RETURNING series_id
		), marked AS (
			UPDATE series SET changed = $2 WHERE id IN (SELECT series_id FROM inserted)
		)
		SELECT count(*) FROM inserted`, w.runID, change).Scan(&inserted)
	n.Inserted += inserted
	if err != nil {
		return n, fmt.Errorf("merge observations (new figures): %w", err)
	}
	n.Unchanged = n.Read - n.Inserted - n.Revised - w.Held
	return n, nil
}

// duplicates finds rows of the staged batch with the same key as an
// earlier row, in SQL rather than in a key set held in memory.
func (w *ObservationWriter) duplicates(ctx context.Context) error {
	rows, err := w.tx.Query(ctx, `
		WITH dup AS (
			SELECT series_id, period_id FROM obs_k GROUP BY 1, 2 HAVING count(*) > 1)
		SELECT row, min(row) OVER (PARTITION BY series_id, period_id) AS first
		FROM obs_k JOIN dup USING (series_id, period_id)
		ORDER BY row`)
	if err != nil {
		return fmt.Errorf("check duplicates: %w", err)
	}
	bad := w.dups
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
		slices.SortStableFunc(bad, func(a, b indicators.RowError) int { return a.Row - b.Row })
		return &indicators.BatchError{Rows: bad, Read: w.n}
	}
	return nil
}
