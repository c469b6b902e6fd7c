package store

import (
	"bytes"
	"context"
	"encoding/base64"
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
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS obs_in (
		row integer, indicator_id text, period text, period_start date, period_end date, geography text, breakdown text, dims jsonb,
		value double precision, numerator double precision, denominator double precision,
		ci_lower double precision, ci_upper double precision, suppressed boolean) ON COMMIT DROP;
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
		"value", "numerator", "denominator", "ci_lower", "ci_upper", "suppressed"}
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
		return []any{row, k.Indicator, k.Period, o.PeriodStart, o.PeriodEnd, k.Geography, k.Breakdown, d,
			o.Value, o.Numerator, o.Denominator, o.CILower, o.CIUpper, o.Suppressed}, nil
	})
	if _, err := w.tx.CopyFrom(ctx, pgx.Identifier{"obs_in"}, cols, src); err != nil {
		return fmt.Errorf("copy observations: %w", err)
	}
	w.n += len(chunk)
	return nil
}

// Finish rejects the batch if two rows have the same indicator, period,
// geography and breakdown (a *BatchError naming them), and otherwise
// merges it and returns the counts.
//
// The merge makes the batch's new series and periods, locks the batch's
// series (in id order, so two merges cannot deadlock: a concurrent write
// to the same series waits for this one to commit and then sees its
// revisions), moves each current figure whose values changed to the
// history and puts the next revision in its place, inserts the new
// figures as revision 1, and marks the series it changed with one new
// change number.
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
	steps := []struct{ what, sql string }{
		{"series", `INSERT INTO series (indicator_id, geography, breakdown, dims)
			SELECT DISTINCT ON (indicator_id, geography, breakdown) indicator_id, geography, breakdown, dims
			FROM obs_in ORDER BY indicator_id, geography, breakdown
			ON CONFLICT DO NOTHING`},
		{"periods", `INSERT INTO periods (period, period_start, period_end)
			SELECT DISTINCT period, period_start, period_end FROM obs_in ORDER BY period_start, period, period_end
			ON CONFLICT DO NOTHING`},
		{"keys", `CREATE TEMP TABLE IF NOT EXISTS obs_k (series_id integer, period_id integer,
			value double precision, numerator double precision, denominator double precision,
			ci_lower double precision, ci_upper double precision, suppressed boolean, release text) ON COMMIT DROP;
			TRUNCATE obs_k;
			INSERT INTO obs_k
			SELECT s.id, p.id, i.value, i.numerator, i.denominator, i.ci_lower, i.ci_upper, i.suppressed, ''
			FROM obs_in i
			JOIN series s USING (indicator_id, geography, breakdown)
			JOIN periods p USING (period, period_start, period_end)
			ORDER BY s.id, p.id`},
		{"lock series", `SELECT 1 FROM series WHERE id IN (SELECT DISTINCT series_id FROM obs_k) ORDER BY id FOR UPDATE`},
	}
	for _, st := range steps {
		if _, err := tx.Exec(ctx, st.sql); err != nil {
			return n, fmt.Errorf("merge observations (%s): %w", st.what, err)
		}
	}
	if w.n > 10000 {
		if _, err := tx.Exec(ctx, `ANALYZE obs_k`); err != nil {
			return n, err
		}
	}
	var change int64
	if err := tx.QueryRow(ctx, `SELECT nextval('figure_changes')`).Scan(&change); err != nil {
		return n, err
	}
	// Both statements see the figures as they were when each began: the
	// revision moves the replaced row to the history and updates it in
	// place; the insert then skips every figure that exists.
	err := tx.QueryRow(ctx, `
		WITH old AS (
			SELECT f.* FROM figures f JOIN obs_k k USING (series_id, period_id)
			WHERE (k.value, k.numerator, k.denominator, k.ci_lower, k.ci_upper, k.suppressed, k.release)
			      IS DISTINCT FROM (f.value, f.numerator, f.denominator, f.ci_lower, f.ci_upper, f.suppressed, f.release)
		), moved AS (
			INSERT INTO figure_history SELECT * FROM old RETURNING series_id
		), revised AS (
			UPDATE figures f SET id = nextval('figure_ids'), run_id = $1, recorded_at = now(), published_at = NULL,
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
	err = tx.QueryRow(ctx, `
		WITH inserted AS (
			INSERT INTO figures (run_id, value, numerator, denominator, ci_lower, ci_upper,
			                     series_id, period_id, revision, suppressed, release)
			SELECT $1, k.value, k.numerator, k.denominator, k.ci_lower, k.ci_upper,
			       k.series_id, k.period_id, 1, k.suppressed, k.release
			FROM obs_k k
			WHERE NOT EXISTS (SELECT 1 FROM figures f WHERE f.series_id = k.series_id AND f.period_id = k.period_id)
			RETURNING series_id
		), marked AS (
			UPDATE series SET changed = $2 WHERE id IN (SELECT series_id FROM inserted)
		)
		SELECT count(*) FROM inserted`, w.runID, change).Scan(&n.Inserted)
	if err != nil {
		return n, fmt.Errorf("merge observations (new figures): %w", err)
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
	// Series selects the figures of these series only (SeriesVersion.ID).
	Series []int32
	// From and To select periods that overlap [From, To].
	From, To time.Time
	// AllRevisions returns every revision instead of the latest.
	AllRevisions bool
	// AsOf, when set, ignores revisions recorded after it.
	AsOf time.Time
	// BySeries orders the figures by series (SeriesVersion.ID), then
	// period, instead of by indicator, period, geography and breakdown; not
	// with After.
	BySeries bool
	// After, when set, starts after this figure in the order Observations
	// returns (keyset paging: the cost of a page does not grow with how
	// far into the figures it starts, as an Offset's does).
	After  *Cursor
	Limit  int
	Offset int
}

// Cursor is a figure's place in the order Observations returns: what a
// keyset page continues after.
type Cursor struct {
	Indicator   string    `json:"i"`
	PeriodStart time.Time `json:"s"`
	Period      string    `json:"p"`
	Geography   string    `json:"g"`
	Breakdown   string    `json:"b"`
	Revision    int       `json:"r,omitempty"` // with AllRevisions
}

// CursorOf returns o's place, for the next page after it.
func CursorOf(o indicators.Observation, allRevisions bool) Cursor {
	c := Cursor{Indicator: o.Indicator, PeriodStart: o.PeriodStart, Period: o.Period, Geography: o.Geography, Breakdown: o.Breakdown.Key()}
	if allRevisions {
		c.Revision = o.Revision
	}
	return c
}

// String encodes the cursor as an opaque URL-safe token.
func (c Cursor) String() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseCursor decodes a token made by Cursor.String.
func ParseCursor(s string) (Cursor, error) {
	var c Cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		err = d.Decode(&c)
	}
	if err != nil || c.Indicator == "" || c.Period == "" || c.Geography == "" || c.PeriodStart.IsZero() {
		return Cursor{}, fmt.Errorf("not a cursor from a previous page (next_after)")
	}
	return c, nil
}

// The columns of an observation, from the series s, period p, figure f and
// run r of the queries below.
const observationCols = `s.indicator_id, p.period, p.period_start, p.period_end, s.geography, s.dims, f.revision,
	f.value, f.numerator, f.denominator, f.ci_lower, f.ci_upper, f.suppressed, r.source_id, f.run_id, f.recorded_at`

// Observations returns the observations matching f, ordered by indicator,
// period, geography, breakdown (and revision, with AllRevisions). The
// latest revisions are read from the current figures alone, however many
// revisions are stored; AllRevisions and AsOf read the history too.
func (s *Store) Observations(ctx context.Context, f ObservationFilter) ([]indicators.Observation, error) {
	var w where
	w.addIf(f.Indicator != "", "s.indicator_id = ?", f.Indicator)
	w.addIf(len(f.Geographies) > 0, "s.geography = ANY(?)", f.Geographies)
	w.addIf(len(f.Series) > 0, "s.id = ANY(?)", f.Series)
	if len(f.Breakdown) > 0 {
		dims, _ := json.Marshal(f.Breakdown)
		w.add("s.dims @> ?", dims)
	}
	w.addIf(!f.From.IsZero(), "p.period_end >= ?", f.From)
	w.addIf(!f.To.IsZero(), "p.period_start <= ?", f.To)
	order := "s.indicator_id, p.period_start, p.period, s.geography, s.breakdown"
	if f.BySeries {
		if f.After != nil {
			return nil, fmt.Errorf("observations: After pages in the default order only, not BySeries")
		}
		order = "s.id, p.period_start, p.period"
	}
	if f.AllRevisions {
		order += ", f.revision"
	}
	if c := f.After; c != nil {
		if f.AllRevisions {
			w.conds = append(w.conds, fmt.Sprintf("(%s) > (%s, %s, %s, %s, %s, %s)", order,
				w.arg(c.Indicator), w.arg(c.PeriodStart), w.arg(c.Period), w.arg(c.Geography), w.arg(c.Breakdown), w.arg(c.Revision)))
		} else {
			w.conds = append(w.conds, fmt.Sprintf("(%s) > (%s, %s, %s, %s, %s)", order,
				w.arg(c.Indicator), w.arg(c.PeriodStart), w.arg(c.Period), w.arg(c.Geography), w.arg(c.Breakdown)))
		}
	}
	var figs string
	switch {
	case f.AsOf.IsZero() && !f.AllRevisions:
		figs = `figures`
	case f.AsOf.IsZero():
		figs = `(SELECT * FROM figures UNION ALL SELECT * FROM figure_history)`
	case f.AllRevisions:
		figs = `(SELECT * FROM figures WHERE recorded_at <= ` + w.arg(f.AsOf) + `
			UNION ALL SELECT * FROM figure_history WHERE recorded_at <= ` + w.arg(f.AsOf) + `)`
	default:
		// The latest revision of each figure recorded by then: the current
		// one if it was, else the newest such in the history.
		cut := w.arg(f.AsOf)
		figs = `(SELECT DISTINCT ON (series_id, period_id) * FROM (
				SELECT * FROM figures WHERE recorded_at <= ` + cut + `
				UNION ALL SELECT * FROM figure_history WHERE recorded_at <= ` + cut + `) x
			ORDER BY series_id, period_id, revision DESC)`
	}
	q := `SELECT ` + observationCols + `
		FROM series s
		JOIN ` + figs + ` f ON f.series_id = s.id
		JOIN periods p ON p.id = f.period_id
		JOIN ingest_runs r ON r.id = f.run_id
		WHERE ` + w.sql() + `
		ORDER BY ` + order + w.page(f.Limit, f.Offset)
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, err
	}
	// The same text and breakdown come back on many rows: each is kept
	// once (a breakdown is shared by its figures and must not be changed),
	// so a million figures do not hold a million copies.
	strs := map[string]string{}
	dims := map[string]indicators.Breakdown{}
	intern := func(b []byte) string {
		if v, ok := strs[string(b)]; ok {
			return v
		}
		v := string(b)
		strs[v] = v
		return v
	}
	var ind, period, geo, dimsJSON, source []byte
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (indicators.Observation, error) {
		var o indicators.Observation
		err := r.Scan(&ind, &period, &o.PeriodStart, &o.PeriodEnd, &geo, &dimsJSON, &o.Revision,
			&o.Value, &o.Numerator, &o.Denominator, &o.CILower, &o.CIUpper, &o.Suppressed, &source, &o.RunID, &o.RecordedAt)
		if err != nil {
			return o, err
		}
		o.Indicator, o.Period, o.Geography, o.Source = intern(ind), intern(period), intern(geo), intern(source)
		b, ok := dims[string(dimsJSON)]
		if !ok {
			if err := json.Unmarshal(dimsJSON, &b); err != nil {
				return o, fmt.Errorf("dims %s: %w", dimsJSON, err)
			}
			dims[string(dimsJSON)] = b
		}
		o.Breakdown = b
		return o, nil
	})
}

// SeriesVersion is a stored series and the change number of the last
// merge that added or revised one of its figures.
type SeriesVersion struct {
	ID        int32
	Indicator string
	Geography string
	Breakdown string // canonical key (indicators.Breakdown.Key)
	Changed   int64
}

// SeriesVersions returns every series with its change number: a reader
// that kept them reads again only the series whose number differs. The
// series table has a row per series, not per figure, so this stays small.
func (s *Store) SeriesVersions(ctx context.Context) ([]SeriesVersion, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, indicator_id, geography, breakdown, changed FROM series ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (SeriesVersion, error) {
		var v SeriesVersion
		err := r.Scan(&v.ID, &v.Indicator, &v.Geography, &v.Breakdown, &v.Changed)
		return v, err
	})
}

// FiguresVersion identifies the stored figures cheaply, from the series
// table alone: the highest change number and the sum of every series'
// change number. A merge that adds or revises a figure gives its series a
// new, higher number, so the sum changes even when that merge commits after
// one with a higher number was read.
func (s *Store) FiguresVersion(ctx context.Context) (maxChange, sumChange int64, err error) {
	err = s.pool.QueryRow(ctx, `SELECT COALESCE(max(changed), 0), COALESCE(sum(changed), 0)::bigint FROM series`).Scan(&maxChange, &sumChange)
	return maxChange, sumChange, err
}
