package store

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"golang.org/x/sync/errgroup"

	"github.com/kraeftplan/kpv/indicators"
)

// visible is the rule of "the figures visible at a cut-off", written once:
// a revision is visible at cutoff, in a set whose publication end is end,
// once it was recorded by the cut-off and published by the cut-off and by
// the end (a zero end bounds nothing beyond the cut-off). Every set a
// report, a published version or a test reads comes through Visible, so
// this is the only place the rule is written.
func visible(f *compactFigure, cutoff, end time.Time) bool {
	// In whole microseconds, as stored: a time of whole microseconds is at
	// or before t exactly when it is at or before t's whole microsecond.
	c := cutoff.UnixMicro()
	return f.recorded <= c && f.published <= c && (end.IsZero() || f.published <= end.UnixMicro())
}

// Cut asks Visible for the figures visible at CutOff: one set per
// publication end in Ends (a year's report: the end of its year; the
// previous year's report: the end of that year).
type Cut struct {
	CutOff time.Time
	Ends   []time.Time
	// Pick chooses, from every series' change number (read in the same
	// snapshot as the figures, so a change committed meanwhile is not
	// missed), the series to read and more runs to return; nil reads every
	// series.
	Pick func([]SeriesVersion) SeriesPick
}

// SeriesPick is what Visible reads: every series, or those in Series;
// and Runs, more runs to return (those a caller's kept figures rest on).
type SeriesPick struct {
	All    bool
	Series []int32
	Runs   []int64
}

// CutSets is what Visible read, in one snapshot of the database.
type CutSets struct {
	// Sets are the figures of the series read visible at the cut-off, one
	// per end asked for, in Observations' order (indicator, period,
	// geography, breakdown). Their Runs are the runs that wrote one of the
	// set's figures or were asked for, and each source's latest successful
	// run by the cut-off; LastSuccess is whole.
	Sets []*AsOfSet
	// Versions are every stored series with its change number.
	Versions []SeriesVersion
	// Pending is, per indicator of the series read, the earliest cut-off at
	// which a set would see a revision it does not see now (one recorded
	// after the cut-off, or published after it but by the set's end): until
	// then, and while its series' change numbers stay, the sets hold the
	// same figures of it.
	Pending map[string]time.Time
}

// AsOfSet is the stored figures visible at a cut-off: for each figure, the
// latest revision visible, and the run log entries those figures rest on.
// Revisions recorded later are not seen, so the set for a past cut-off
// stays the same however the sources are revised.
type AsOfSet struct {
	// PublishedBy is the publication bound the set was read with: its end,
	// or the cut-off if that is earlier (zero end: the cut-off).
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

// Visible returns the figures visible at c.CutOff (see visible), one set
// per end. The current revisions of the series read come in one query,
// without the text of their series and periods (resolved through the small
// series and periods tables); the history is read only for the figures
// whose current revision some set does not see, so a full read costs one
// pass over the current figures whatever the cut-off.
func (s *Store) Visible(ctx context.Context, c Cut) (*CutSets, error) {
	cutoff := c.CutOff
	fail := func(err error) (*CutSets, error) {
		return nil, fmt.Errorf("figures as of %s: %w", cutoff.Format(time.RFC3339), err)
	}
	// One snapshot: a merge moves a revision from figures to the history;
	// between two reads it would be seen twice or not at all.
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fail(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	out := &CutSets{Pending: map[string]time.Time{}}
	series, err := seriesRanks(ctx, tx, &out.Versions)
	if err != nil {
		return fail(err)
	}
	periods, err := periodRanks(ctx, tx)
	if err != nil {
		return fail(err)
	}
	want := SeriesPick{All: true}
	if c.Pick != nil {
		want = c.Pick(out.Versions)
	}
	filter, size := "", 0
	args := []any{}
	if !want.All {
		filter, args = ` WHERE f.series_id = ANY($1)`, []any{want.Series}
	} else {
		var estimate float64 // the planner's count of current figures, to size the slice once
		if err := tx.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'figures'::regclass`).Scan(&estimate); err != nil {
			return fail(err)
		}
		size = int(max(estimate, 0) * 1.05)
	}
	var releases releaseNames
	var parts [][]compactFigure
	if want.All {
		parts, err = s.allFigures(ctx, tx, &releases, size)
	} else {
		var part []compactFigure
		part, err = compactFigures(ctx, tx, &releases, size, false, `SELECT `+compactCols+`
		FROM figures f JOIN ingest_runs r ON r.id = f.run_id`+filter, args...)
		parts = [][]compactFigure{part}
	}
	if err != nil {
		return fail(err)
	}
	// order: every current figure, sorted below.
	n := 0
	for _, part := range parts {
		n += len(part)
	}
	order := make([]*compactFigure, 0, n)
	for _, part := range parts {
		for i := range part {
			order = append(order, &part[i])
		}
	}
	// The history of the figures whose current revision some set does not
	// see, newest first per figure.
	var ks, kp []int32
	for _, f := range order {
		for _, end := range c.Ends {
			if !visible(f, cutoff, end) {
				f.partial = true
				ks, kp = append(ks, f.series), append(kp, f.period)
				break
			}
		}
	}
	var hist []compactFigure
	if len(ks) > 0 {
		hist, err = compactFigures(ctx, tx, &releases, 0, true, `SELECT `+compactCols+`
			FROM unnest($1::int[], $2::int[]) k(series_id, period_id)
			JOIN figure_history f ON f.series_id = k.series_id AND f.period_id = k.period_id
			JOIN ingest_runs r ON r.id = f.run_id
			ORDER BY f.series_id, f.period_id, f.revision DESC`, ks, kp)
		if err != nil {
			return fail(err)
		}
	}
	type key struct{ series, period int32 }
	older := make(map[key][]*compactFigure, len(ks))
	for i := range hist {
		k := key{hist[i].series, hist[i].period}
		older[k] = append(older[k], &hist[i])
	}
	for _, f := range order {
		sr, pr := series.at(f.series), periods.at(f.period)
		if sr == nil || pr == nil {
			return fail(fmt.Errorf("figure of series %d period %d: unknown series or period", f.series, f.period))
		}
		f.order = [3]int32{sr.indicatorRank, pr.rank, sr.rank}
	}
	// Sorted once, the current figures give every set its order.
	sortByOrder(order)
	// picks[s][i] is the revision set s sees of figure order[i] (nil: none).
	picks := make([][]*compactFigure, len(c.Ends))
	for s := range picks {
		picks[s] = make([]*compactFigure, len(order))
	}
	used, lastRun := map[int64]bool{}, int64(-1)
	see := func(s, i int, r *compactFigure) {
		picks[s][i] = r
		if r.run != lastRun {
			used[r.run], lastRun = true, r.run
		}
	}
	for i, f := range order {
		if !f.partial { // every set sees the current revision
			for s := range c.Ends {
				see(s, i, f)
			}
			continue
		}
		revs := append([]*compactFigure{f}, older[key{f.series, f.period}]...)
		for s, end := range c.Ends {
			for _, r := range revs {
				if visible(r, cutoff, end) {
					see(s, i, r)
					break
				}
				// Not visible now: visible once the cut-off passes its
				// recording and publication, if it was published by the end.
				if end.IsZero() || r.published <= end.UnixMicro() {
					t := time.UnixMicro(max(r.published, r.recorded))
					ind := series.at(r.series).indicator
					if p, ok := out.Pending[ind]; !ok || t.Before(p) {
						out.Pending[ind] = t
					}
				}
			}
		}
	}
	sources, err := runSources(ctx, tx, used)
	if err != nil {
		return fail(err)
	}
	pos := make([]int32, len(order)) // figure order[i]'s place in the first set
	for s, end := range c.Ends {
		by := cutoff
		if !end.IsZero() && end.Before(cutoff) {
			by = end
		}
		set := &AsOfSet{CutOff: cutoff, PublishedBy: by, LastSuccess: map[string]time.Time{}}
		n, fresh := 0, 0
		for i, p := range picks[s] {
			if p != nil {
				n++
				if s == 0 || p != picks[0][i] {
					fresh++
				}
			}
		}
		set.Observations = make([]indicators.Observation, 0, n)
		vals := make([]float64, 0, 5*fresh) // the values, five per figure, in one allocation
		// The same revision as the first set's is the same observation,
		// copied a run of them at a time: [from, to) of the first set.
		from, to := int32(0), int32(0)
		flush := func() {
			if to > from {
				set.Observations = append(set.Observations, out.Sets[0].Observations[from:to]...)
			}
			from, to = 0, 0
		}
		for i, p := range picks[s] {
			switch {
			case p == nil:
			case s > 0 && p == picks[0][i]:
				if to == 0 || pos[i] != to {
					flush()
					from = pos[i]
				}
				to = pos[i] + 1
			default:
				flush()
				var o indicators.Observation
				p.fill(&o, series.at(p.series), periods.at(p.period), sources[p.run], releases.list, &vals)
				if s == 0 {
					pos[i] = int32(len(set.Observations))
				}
				set.Observations = append(set.Observations, o)
			}
		}
		flush()
		out.Sets = append(out.Sets, set)
	}
	if err := runsOf(ctx, tx, out.Sets, want.Runs); err != nil {
		return fail(err)
	}
	return out, nil
}

// compactCols are a figure's columns without its series' and period's
// text, for compactFigure, from figure f and its run r (which holds when
// the figure was recorded, migration 00060).
const compactCols = `f.series_id, f.period_id, f.revision, f.value, f.numerator, f.denominator, f.ci_lower, f.ci_upper,
	f.suppressed, f.run_id, r.recorded_at, COALESCE(f.published_at, r.recorded_at), f.release`

// compactFigure is one revision of a figure as stored, ids unresolved. It
// holds no pointer, so the garbage collector never scans the million of a
// full read.
type compactFigure struct {
	series, period, revision int32
	// value, numerator, denominator, CI lower and upper bound: not
	// pointers (a million figures, five allocations each); bit i of valid
	// says whether vals[i] is there.
	vals                [5]float64
	valid               uint8
	suppressed          bool
	run                 int64
	recorded, published int64 // Unix microseconds, Postgres's precision
	release             int32 // in releaseNames.list
	history             bool
	partial             bool // some set does not see this current revision
	order               [3]int32
}

// allFigures reads every current figure, about size of them, in tx's
// snapshot, in parts (not copied into one slice: a million figures). A
// large table is read in parts side by side, one per CPU (at most four),
// each a range of the table's blocks (a TID range scan) on a connection of
// its own that shares tx's snapshot: the read of a million figures is most
// of a full report's time, and Postgres and the decoding then use every
// core.
func (s *Store) allFigures(ctx context.Context, tx pgx.Tx, releases *releaseNames, size int) ([][]compactFigure, error) {
	const q = `SELECT ` + compactCols + ` FROM figures f JOIN ingest_runs r ON r.id = f.run_id`
	var pages int64
	if err := tx.QueryRow(ctx, `SELECT relpages FROM pg_class WHERE oid = 'figures'::regclass`).Scan(&pages); err != nil {
		return nil, err
	}
	n := int64(min(runtime.GOMAXPROCS(0), 4, int(s.pool.Config().MaxConns)-1))
	if n < 2 || pages < splitFromPages {
		part, err := compactFigures(ctx, tx, releases, size, false, q)
		return [][]compactFigure{part}, err
	}
	var snapshot string
	if err := tx.QueryRow(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return nil, err
	}
	parts := make([][]compactFigure, n)
	names := make([]releaseNames, n)
	g, gctx := errgroup.WithContext(ctx)
	for i := range n {
		// Blocks [from, to) of the table; the last part also reads any
		// blocks added since the statistics counted them.
		where := fmt.Sprintf(` WHERE f.ctid >= '(%d,0)'`, pages*i/n)
		if i < n-1 {
			where += fmt.Sprintf(` AND f.ctid < '(%d,0)'`, pages*(i+1)/n)
		}
		g.Go(func() (err error) {
			ptx := tx
			if i > 0 {
				if ptx, err = s.pool.BeginTx(gctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}); err != nil {
					return err
				}
				defer func() { _ = ptx.Rollback(context.WithoutCancel(gctx)) }()
				if _, err := ptx.Exec(gctx, `SET TRANSACTION SNAPSHOT '`+snapshot+`'`); err != nil {
					return err
				}
			}
			parts[i], err = compactFigures(gctx, ptx, &names[i], size/int(n)+1, false, q+where)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// Each part's releases numbered in releases.
	for i, part := range parts {
		to := make([]int32, len(names[i].list))
		for j, name := range names[i].list {
			to[j] = releases.of([]byte(name))
		}
		for j := range part {
			part[j].release = to[part[j].release]
		}
	}
	return parts, nil
}

// splitFromPages is the size of the figures table, in 8 KiB blocks, from
// which allFigures reads it in parts: under 16 MiB one read is as quick.
var splitFromPages int64 = 2048

// releaseNames numbers the few releases of a read's figures.
type releaseNames struct {
	index map[string]int32
	list  []string
}

func (r *releaseNames) of(name []byte) int32 {
	i, ok := r.index[string(name)]
	if !ok {
		if r.index == nil {
			r.index = map[string]int32{}
		}
		i = int32(len(r.list))
		r.list = append(r.list, string(name))
		r.index[string(name)] = i
	}
	return i
}

// compactFigures reads the figures of q (compactCols), about size of them,
// from the history or not, numbering their releases in releases.
func compactFigures(ctx context.Context, tx pgx.Tx, releases *releaseNames, size int, history bool, q string, args ...any) ([]compactFigure, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]compactFigure, 0, size)
	var release []byte
	var recorded, published time.Time
	var vals [5]pgtype.Float8
	for rows.Next() {
		var f compactFigure
		if err := rows.Scan(&f.series, &f.period, &f.revision, &vals[0], &vals[1], &vals[2], &vals[3], &vals[4],
			&f.suppressed, &f.run, &recorded, &published, &release); err != nil {
			return nil, err
		}
		for i, v := range vals {
			if v.Valid {
				f.vals[i], f.valid = v.Float64, f.valid|1<<i
			}
		}
		f.recorded, f.published = recorded.UnixMicro(), published.UnixMicro()
		f.release, f.history = releases.of(release), history
		out = append(out, f)
	}
	return out, rows.Err()
}

// fill sets o to the figure f of series sr and period pr, written by a
// run of source; its values are copied into *vals.
func (f *compactFigure) fill(o *indicators.Observation, sr *seriesRank, pr *periodRank, source string, releases []string, vals *[]float64) {
	ptr := func(i int) *float64 {
		if f.valid&(1<<i) == 0 {
			return nil
		}
		*vals = append(*vals, f.vals[i])
		return &(*vals)[len(*vals)-1]
	}
	*o = indicators.Observation{Indicator: sr.indicator, Period: pr.period, Geography: sr.geography, Breakdown: sr.breakdown,
		Value: ptr(0), Numerator: ptr(1), Denominator: ptr(2), CILower: ptr(3), CIUpper: ptr(4),
		Suppressed: f.suppressed, PublishedAt: time.UnixMicro(f.published), Release: releases[f.release], PeriodStart: pr.start, PeriodEnd: pr.end,
		Revision: int(f.revision), Source: source, RunID: f.run, RecordedAt: time.UnixMicro(f.recorded)}
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

// seriesRank is a series with its place in the order of Observations:
// its indicator's rank, and its rank by indicator, geography, breakdown.
type seriesRank struct {
	indicator, geography string
	breakdown            indicators.Breakdown
	indicatorRank, rank  int32
}

// seriesRanks reads every series with its rank, and its change number into
// *versions (ordered by id).
func seriesRanks(ctx context.Context, tx pgx.Tx, versions *[]SeriesVersion) (byID[seriesRank], error) {
	rows, err := tx.Query(ctx, `SELECT id, indicator_id, geography, breakdown, changed, dims,
		dense_rank() OVER (ORDER BY indicator_id), rank() OVER (ORDER BY indicator_id, geography, breakdown)
		FROM series ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out byID[seriesRank]
	dims := map[string]indicators.Breakdown{}
	var dimsJSON []byte
	for rows.Next() {
		var v SeriesVersion
		var ir, r int64
		x := &seriesRank{}
		if err := rows.Scan(&v.ID, &v.Indicator, &v.Geography, &v.Breakdown, &v.Changed, &dimsJSON, &ir, &r); err != nil {
			return nil, err
		}
		b, ok := dims[string(dimsJSON)]
		if !ok {
			if err := json.Unmarshal(dimsJSON, &b); err != nil {
				return nil, fmt.Errorf("dims %s: %w", dimsJSON, err)
			}
			dims[string(dimsJSON)] = b
		}
		x.indicator, x.geography = v.Indicator, v.Geography
		x.breakdown, x.indicatorRank, x.rank = b, int32(ir), int32(r)
		out.set(v.ID, x)
		*versions = append(*versions, v)
	}
	return out, rows.Err()
}

// byID holds rows of a small table by their serial id: a slice, since a
// million figures look theirs up.
type byID[T any] []*T

func (b *byID[T]) set(id int32, x *T) {
	for int(id) >= len(*b) {
		*b = append(*b, nil)
	}
	(*b)[id] = x
}

func (b byID[T]) at(id int32) *T {
	if id < 0 || int(id) >= len(b) {
		return nil
	}
	return b[id]
}

// periodRank is a period with its rank by start and name.
type periodRank struct {
	period     string
	start, end time.Time
	rank       int32
}

func periodRanks(ctx context.Context, tx pgx.Tx) (byID[periodRank], error) {
	rows, err := tx.Query(ctx, `SELECT id, period, period_start, period_end, rank() OVER (ORDER BY period_start, period) FROM periods`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out byID[periodRank]
	for rows.Next() {
		var id int32
		var r int64
		x := &periodRank{}
		if err := rows.Scan(&id, &x.period, &x.start, &x.end, &r); err != nil {
			return nil, err
		}
		x.rank = int32(r)
		out.set(id, x)
	}
	return out, rows.Err()
}

// runSources returns the source of each run in ids.
func runSources(ctx context.Context, tx pgx.Tx, ids map[int64]bool) (map[int64]string, error) {
	list := make([]int64, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	rows, err := tx.Query(ctx, `SELECT id, source_id FROM ingest_runs WHERE id = ANY($1)`, list)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]string, len(list))
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

// runsOf sets the runs of each set: those that wrote one of its figures
// (with their count of figures), those in extra, and each source's latest
// successful one by the cut-off (its finish is what freshness of a source
// means); and the sources' last successes.
func runsOf(ctx context.Context, tx pgx.Tx, sets []*AsOfSet, extra []int64) error {
	if len(sets) == 0 {
		return nil
	}
	cutoff := sets[0].CutOff
	figures := make([]map[int64]int, len(sets))
	var ids []int64
	seen := map[int64]bool{}
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for i, set := range sets {
		figures[i] = map[int64]int{}
		for _, o := range set.Observations {
			figures[i][o.RunID]++
			add(o.RunID)
		}
		for _, id := range extra {
			figures[i][id] += 0
		}
	}
	for _, id := range extra {
		add(id)
	}
	rows, err := tx.Query(ctx, `
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
	runs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AsOfRun, error) {
		var x AsOfRun
		var detail []byte
		err := r.Scan(&x.ID, &x.Source, &x.Kind, &x.StartedAt, &x.FinishedAt, &x.Outcome, &x.Counts.Read, &x.Counts.Inserted,
			&x.Counts.Revised, &x.Counts.Unchanged, &x.Counts.Rejected, &x.Error, &detail, &x.LatestSuccess)
		x.Detail = detail
		return x, err
	})
	if err != nil {
		return fmt.Errorf("runs as of %s: %w", cutoff.Format(time.RFC3339), err)
	}
	for i, set := range sets {
		for _, r := range runs {
			n, ok := figures[i][r.ID]
			if !ok && !r.LatestSuccess {
				continue
			}
			r.Figures = n
			set.Runs = append(set.Runs, r)
			if r.LatestSuccess && r.FinishedAt != nil {
				set.LastSuccess[r.Source] = *r.FinishedAt
			}
		}
	}
	return nil
}
