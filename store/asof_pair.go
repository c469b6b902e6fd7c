package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kraeftplan/kpv/indicators"
)

// AsOfPair returns what AsOf(cutoff, publishedBy) and AsOf(cutoff,
// earlier) return, earlier being an earlier publication cut-off (the
// previous year's report): the same figures, observations in the same
// order, read in one pass. The current revisions are read once, unsorted
// and without the text of their series and periods (resolved through the
// small series and periods tables, ordered there); the history is read
// only for the figures whose current revision one of the two does not see.
// The two sets share the figures both see. Its queries read one snapshot
// of the database (a merge moves a revision from figures to the history:
// between two reads it would be seen twice or not at all).
func (s *Store) AsOfPair(ctx context.Context, cutoff, publishedBy, earlier time.Time) (*AsOfSet, *AsOfSet, error) {
	if publishedBy.IsZero() || earlier.IsZero() {
		return nil, nil, fmt.Errorf("figures as of %s: both publication cut-offs are needed (AsOf reads without one)", cutoff.Format(time.RFC3339))
	}
	if earlier.After(publishedBy) {
		return nil, nil, fmt.Errorf("figures as of %s: the earlier publication cut-off %s is after %s", cutoff.Format(time.RFC3339),
			earlier.Format(time.RFC3339), publishedBy.Format(time.RFC3339))
	}
	fail := func(err error) (*AsOfSet, *AsOfSet, error) {
		return nil, nil, fmt.Errorf("figures as of %s: %w", cutoff.Format(time.RFC3339), err)
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fail(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	series, err := seriesRanks(ctx, tx)
	if err != nil {
		return fail(err)
	}
	periods, err := periodRanks(ctx, tx)
	if err != nil {
		return fail(err)
	}
	var estimate float64 // the planner's count of current figures, to size the slice once
	if err := tx.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'figures'::regclass`).Scan(&estimate); err != nil {
		return fail(err)
	}
	cur, err := compactFigures(ctx, tx, int(max(estimate, 0)*1.05), false, `SELECT `+compactCols+`
		FROM figures f JOIN ingest_runs r ON r.id = f.run_id WHERE r.recorded_at <= $1`, cutoff)
	if err != nil {
		return fail(err)
	}
	seen := func(f *compactFigure, by time.Time) bool { return !f.published.After(by) }
	// The history revisions of the figures whose current revision the
	// earlier cut-off does not see (the later one sees at least as much),
	// newest first per figure; figures recorded after the cut-off count too,
	// their earlier revisions may have been recorded by it.
	hist, err := compactFigures(ctx, tx, 0, true, `SELECT `+compactCols+`
		FROM figure_history f JOIN ingest_runs r ON r.id = f.run_id
		WHERE r.recorded_at <= $1 AND COALESCE(f.published_at, r.recorded_at) <= $2
		  AND EXISTS (SELECT 1 FROM figures c JOIN ingest_runs cr ON cr.id = c.run_id
		              WHERE c.series_id = f.series_id AND c.period_id = f.period_id
		                AND NOT (cr.recorded_at <= $1 AND COALESCE(c.published_at, cr.recorded_at) <= $3))
		ORDER BY f.series_id, f.period_id, f.revision DESC`, cutoff, publishedBy, earlier)
	if err != nil {
		return fail(err)
	}
	type key struct{ series, period int32 }
	// For each figure: the revision each set sees (nil: none).
	type pick struct{ later, earlier *compactFigure }
	picks := make(map[key]*pick, len(hist))
	for i := range cur {
		f := &cur[i]
		if !seen(f, earlier) {
			p := &pick{}
			if seen(f, publishedBy) {
				p.later = f
			}
			picks[key{f.series, f.period}] = p
		}
	}
	for i := range hist {
		f := &hist[i]
		p := picks[key{f.series, f.period}]
		if p == nil { // the current revision was recorded after the cut-off
			p = &pick{}
			picks[key{f.series, f.period}] = p
		}
		if p.later == nil { // newest first: the first seen is the latest
			p.later = f
		}
		if p.earlier == nil && seen(f, earlier) {
			p.earlier = f
		}
	}
	// Every figure either set sees, in the order Observations returns.
	all := make([]*compactFigure, 0, len(cur)+len(hist))
	for i := range cur {
		if f := &cur[i]; seen(f, publishedBy) {
			all = append(all, f)
		}
	}
	for _, p := range picks {
		if p.later != nil && p.later.history {
			all = append(all, p.later)
		}
	}
	for _, f := range all {
		sr, pr := series[f.series], periods[f.period]
		if sr == nil || pr == nil {
			return fail(fmt.Errorf("figure of series %d period %d: unknown series or period", f.series, f.period))
		}
		f.order = [3]int32{sr.indicatorRank, pr.rank, sr.rank}
	}
	sortByOrder(all)
	used := all
	for _, p := range picks {
		if p.earlier != nil {
			used = append(used, p.earlier)
		}
	}
	runs, err := runSources(ctx, tx, used)
	if err != nil {
		return fail(err)
	}
	later := &AsOfSet{CutOff: cutoff, PublishedBy: publishedBy, LastSuccess: map[string]time.Time{}}
	prev := &AsOfSet{CutOff: cutoff, PublishedBy: earlier, LastSuccess: map[string]time.Time{}}
	later.Observations = make([]indicators.Observation, 0, len(all))
	prev.Observations = make([]indicators.Observation, 0, len(all))
	// The values of both sets, five per figure, in one allocation.
	vals := make([]float64, 0, 5*len(all)+5*len(hist))
	for _, f := range all {
		var o indicators.Observation
		f.fill(&o, series[f.series], periods[f.period], runs[f.run], &vals)
		later.Observations = append(later.Observations, o)
		k := key{f.series, f.period}
		p, ok := picks[k]
		switch {
		case !ok: // both see the current revision
			prev.Observations = append(prev.Observations, o)
		case p.earlier == f:
			prev.Observations = append(prev.Observations, o)
		case p.earlier != nil:
			var e indicators.Observation
			p.earlier.fill(&e, series[f.series], periods[f.period], runs[p.earlier.run], &vals)
			prev.Observations = append(prev.Observations, e)
		}
	}
	// The earlier set sees no figure the later one does not: it sees fewer
	// revisions, and the later sees a figure's newest revision it can.
	for _, set := range []*AsOfSet{later, prev} {
		if err := asOfRuns(ctx, tx, set); err != nil {
			return nil, nil, err
		}
	}
	return later, prev, nil
}

// compactCols are a figure's columns without its series' and period's
// text, for compactFigure, from figure f and its run r (which holds when
// the figure was recorded, migration 00060).
const compactCols = `f.series_id, f.period_id, f.revision, f.value, f.numerator, f.denominator, f.ci_lower, f.ci_upper,
	f.suppressed, f.run_id, r.recorded_at, COALESCE(f.published_at, r.recorded_at), f.release`

// compactFigure is one revision of a figure as stored, ids unresolved.
type compactFigure struct {
	series, period, revision int32
	value, num, den, lo, hi  pgtype.Float8 // not pointers: a million figures, five allocations each
	suppressed               bool
	run                      int64
	recorded, published      time.Time
	release                  string
	history                  bool
	order                    [3]int32
}

// compactFigures reads the figures of q (compactCols), about size of them,
// from the history or not.
func compactFigures(ctx context.Context, tx pgx.Tx, size int, history bool, q string, args ...any) ([]compactFigure, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	releases := map[string]string{}
	out := make([]compactFigure, 0, size)
	var release []byte
	for rows.Next() {
		var f compactFigure
		if err := rows.Scan(&f.series, &f.period, &f.revision, &f.value, &f.num, &f.den, &f.lo, &f.hi,
			&f.suppressed, &f.run, &f.recorded, &f.published, &release); err != nil {
			return nil, err
		}
		r, ok := releases[string(release)]
		if !ok {
			r = string(release)
			releases[r] = r
		}
		f.release, f.history = r, history
		out = append(out, f)
	}
	return out, rows.Err()
}

// fill sets o to the figure f of series sr and period pr, written by a
// run of source; its values are copied into *vals.
func (f *compactFigure) fill(o *indicators.Observation, sr *seriesRank, pr *periodRank, source string, vals *[]float64) {
	ptr := func(p pgtype.Float8) *float64 {
		if !p.Valid {
			return nil
		}
		*vals = append(*vals, p.Float64)
		return &(*vals)[len(*vals)-1]
	}
	*o = indicators.Observation{Indicator: sr.indicator, Period: pr.period, Geography: sr.geography, Breakdown: sr.breakdown,
		Value: ptr(f.value), Numerator: ptr(f.num), Denominator: ptr(f.den), CILower: ptr(f.lo), CIUpper: ptr(f.hi),
		Suppressed: f.suppressed, PublishedAt: f.published, Release: f.release, PeriodStart: pr.start, PeriodEnd: pr.end,
		Revision: int(f.revision), Source: source, RunID: f.run, RecordedAt: f.recorded}
}

// seriesRank is a series with its place in the order of Observations:
// its indicator's rank, and its rank by indicator, geography, breakdown.
type seriesRank struct {
	indicator, geography string
	breakdown            indicators.Breakdown
	indicatorRank, rank  int32
}

func seriesRanks(ctx context.Context, tx pgx.Tx) (map[int32]*seriesRank, error) {
	rows, err := tx.Query(ctx, `SELECT id, indicator_id, geography, dims,
		dense_rank() OVER (ORDER BY indicator_id), rank() OVER (ORDER BY indicator_id, geography, breakdown)
		FROM series`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int32]*seriesRank{}
	dims := map[string]indicators.Breakdown{}
	var dimsJSON []byte
	for rows.Next() {
		var id int32
		var ir, r int64
		x := &seriesRank{}
		if err := rows.Scan(&id, &x.indicator, &x.geography, &dimsJSON, &ir, &r); err != nil {
			return nil, err
		}
		b, ok := dims[string(dimsJSON)]
		if !ok {
			if err := json.Unmarshal(dimsJSON, &b); err != nil {
				return nil, fmt.Errorf("dims %s: %w", dimsJSON, err)
			}
			dims[string(dimsJSON)] = b
		}
		x.breakdown, x.indicatorRank, x.rank = b, int32(ir), int32(r)
		out[id] = x
	}
	return out, rows.Err()
}

// periodRank is a period with its rank by start and name.
type periodRank struct {
	period     string
	start, end time.Time
	rank       int32
}

func periodRanks(ctx context.Context, tx pgx.Tx) (map[int32]*periodRank, error) {
	rows, err := tx.Query(ctx, `SELECT id, period, period_start, period_end, rank() OVER (ORDER BY period_start, period) FROM periods`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int32]*periodRank{}
	for rows.Next() {
		var id int32
		var r int64
		x := &periodRank{}
		if err := rows.Scan(&id, &x.period, &x.start, &x.end, &r); err != nil {
			return nil, err
		}
		x.rank = int32(r)
		out[id] = x
	}
	return out, rows.Err()
}

// runSources returns the source of each run that wrote one of figs.
func runSources(ctx context.Context, tx pgx.Tx, figs []*compactFigure) (map[int64]string, error) {
	seen := map[int64]bool{}
	var ids []int64
	for _, f := range figs {
		if !seen[f.run] {
			seen[f.run] = true
			ids = append(ids, f.run)
		}
	}
	rows, err := tx.Query(ctx, `SELECT id, source_id FROM ingest_runs WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]string, len(ids))
	for rows.Next() {
		var id int64
		var src string
		if err := rows.Scan(&id, &src); err != nil {
			return nil, err
		}
		out[id] = src
	}
	return out, rows.Err()
}

// SeriesPair is what AsOfPairOf read: the two sets' figures of the series
// asked for, every series' change number and the runs, all in one snapshot
// of the database.
type SeriesPair struct {
	// Later and Earlier are AsOfPair's two sets restricted to the series
	// read (the same figures, in the same order). Their Runs are the runs
	// that wrote one of Later's figures or were asked for, and each
	// source's latest successful run by the cut-off; LastSuccess is whole.
	Later, Earlier *AsOfSet
	// Versions are every stored series with its change number.
	Versions []SeriesVersion
	// Pending is, per indicator of the series read, the earliest cut-off at
	// which a set would see a revision it does not see now (one recorded
	// after the cut-off, or published after it but by the set's end): until
	// then, and while its series' change numbers stay, the sets hold the
	// same figures of it.
	Pending map[string]time.Time
}

// SeriesPick is what AsOfPairOf reads: every series, or those in Series;
// and Runs, more runs to return (those a caller's kept figures rest on).
type SeriesPick struct {
	All    bool
	Series []int32
	Runs   []int64
}

// AsOfPairOf is AsOfPair for a live cut-off, restricted to the series that
// pick chooses from every series' change number (read in the same
// snapshot, so a change committed meanwhile is not missed): the later set sees the figures published by
// min(laterEnd, cutoff), the earlier by min(earlierEnd, cutoff), as a
// year's report read as of cutoff does (report.PublishedBy). Every
// revision of the series is read (by the figures' primary key: an index
// range per series), so that it can also say when the sets would change
// as the cut-off moves (Pending).
func (s *Store) AsOfPairOf(ctx context.Context, cutoff, laterEnd, earlierEnd time.Time, pick func([]SeriesVersion) SeriesPick) (*SeriesPair, error) {
	if earlierEnd.After(laterEnd) {
		return nil, fmt.Errorf("figures as of %s: the earlier end %s is after %s", cutoff.Format(time.RFC3339),
			earlierEnd.Format(time.RFC3339), laterEnd.Format(time.RFC3339))
	}
	fail := func(err error) (*SeriesPair, error) {
		return nil, fmt.Errorf("figures as of %s: %w", cutoff.Format(time.RFC3339), err)
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fail(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	out := &SeriesPair{Pending: map[string]time.Time{}}
	rows, err := tx.Query(ctx, `SELECT id, indicator_id, geography, breakdown, changed FROM series ORDER BY id`)
	if err != nil {
		return fail(err)
	}
	if out.Versions, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (SeriesVersion, error) {
		var v SeriesVersion
		err := r.Scan(&v.ID, &v.Indicator, &v.Geography, &v.Breakdown, &v.Changed)
		return v, err
	}); err != nil {
		return fail(err)
	}
	series, err := seriesRanks(ctx, tx)
	if err != nil {
		return fail(err)
	}
	periods, err := periodRanks(ctx, tx)
	if err != nil {
		return fail(err)
	}
	want := pick(out.Versions)
	filter, size := "", 0
	args := []any{}
	if !want.All {
		filter, args = ` WHERE f.series_id = ANY($1)`, []any{want.Series}
	} else {
		var estimate float64
		if err := tx.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'figures'::regclass`).Scan(&estimate); err != nil {
			return fail(err)
		}
		size = int(max(estimate, 0) * 1.05)
	}
	cur, err := compactFigures(ctx, tx, size, false, `SELECT `+compactCols+`
		FROM figures f JOIN ingest_runs r ON r.id = f.run_id`+filter, args...)
	if err != nil {
		return fail(err)
	}
	hist, err := compactFigures(ctx, tx, 0, true, `SELECT `+compactCols+`
		FROM figure_history f JOIN ingest_runs r ON r.id = f.run_id`+filter+`
		ORDER BY f.series_id, f.period_id, f.revision DESC`, args...)
	if err != nil {
		return fail(err)
	}
	type key struct{ series, period int32 }
	older := make(map[key][]*compactFigure, len(hist)) // newest first
	for i := range hist {
		k := key{hist[i].series, hist[i].period}
		older[k] = append(older[k], &hist[i])
	}
	ends := [2]time.Time{laterEnd, earlierEnd}
	// A revision enters a set once the cut-off has passed both its
	// recording and its publication, if it was published by the set's end.
	seen := func(f *compactFigure, end time.Time) bool {
		return !f.recorded.After(cutoff) && !f.published.After(cutoff) && !f.published.After(end)
	}
	all := make([]*compactFigure, 0, len(cur))
	earlier := map[*compactFigure]*compactFigure{} // later's pick → earlier's, where they differ
	var orphans []*compactFigure                   // earlier's picks where later sees none (never: it sees more)
	for i := range cur {
		c := &cur[i]
		sr := series[c.series]
		if sr == nil || periods[c.period] == nil {
			return fail(fmt.Errorf("figure of series %d period %d: unknown series or period", c.series, c.period))
		}
		revs := append([]*compactFigure{c}, older[key{c.series, c.period}]...)
		var picks [2]*compactFigure
		for s, end := range ends {
			for _, f := range revs {
				if seen(f, end) {
					picks[s] = f
					break
				}
				if !f.published.After(end) {
					t := f.published
					if f.recorded.After(t) {
						t = f.recorded
					}
					if p, ok := out.Pending[sr.indicator]; !ok || t.Before(p) {
						out.Pending[sr.indicator] = t
					}
				}
			}
		}
		switch {
		case picks[0] == nil && picks[1] != nil:
			orphans = append(orphans, picks[1])
		case picks[0] != nil:
			all = append(all, picks[0])
			if picks[1] != picks[0] {
				earlier[picks[0]] = picks[1]
			}
		}
	}
	if len(orphans) > 0 {
		return fail(fmt.Errorf("the earlier set sees %d figures the later does not", len(orphans)))
	}
	for _, f := range all {
		sr, pr := series[f.series], periods[f.period]
		f.order = [3]int32{sr.indicatorRank, pr.rank, sr.rank}
	}
	sortByOrder(all)
	used := slices.Clone(all)
	for _, e := range earlier {
		if e != nil {
			used = append(used, e)
		}
	}
	sources, err := runSources(ctx, tx, used)
	if err != nil {
		return fail(err)
	}
	later := &AsOfSet{CutOff: cutoff, PublishedBy: min2(laterEnd, cutoff), LastSuccess: map[string]time.Time{}}
	prev := &AsOfSet{CutOff: cutoff, PublishedBy: min2(earlierEnd, cutoff), LastSuccess: map[string]time.Time{}}
	later.Observations = make([]indicators.Observation, 0, len(all))
	prev.Observations = make([]indicators.Observation, 0, len(all))
	vals := make([]float64, 0, 5*len(all)+5*len(earlier))
	for _, f := range all {
		var o indicators.Observation
		f.fill(&o, series[f.series], periods[f.period], sources[f.run], &vals)
		later.Observations = append(later.Observations, o)
		e, differs := earlier[f]
		switch {
		case !differs:
			prev.Observations = append(prev.Observations, o)
		case e != nil:
			var x indicators.Observation
			e.fill(&x, series[f.series], periods[f.period], sources[e.run], &vals)
			prev.Observations = append(prev.Observations, x)
		}
	}
	figures := map[int64]int{}
	for _, o := range later.Observations {
		figures[o.RunID]++
	}
	for _, id := range want.Runs {
		figures[id] += 0
	}
	if err := runsAsOf(ctx, tx, later, figures); err != nil {
		return nil, err
	}
	prev.LastSuccess = later.LastSuccess // the same cut-off: the same runs by it
	out.Later, out.Earlier = later, prev
	return out, nil
}

func min2(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// sortByOrder sorts figures into Observations' order (indicator, period,
// geography, breakdown) by the ranks in their order field.
func sortByOrder(figs []*compactFigure) {
	slices.SortFunc(figs, func(a, b *compactFigure) int {
		for i := range a.order {
			if a.order[i] != b.order[i] {
				return int(a.order[i] - b.order[i])
			}
		}
		return 0
	})
}
