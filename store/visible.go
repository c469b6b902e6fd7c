package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
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
// previous year's report: the end of that year). The first end is the
// latest (a zero end bounds nothing): every later set sees a figure only if
// the first does, and is given as its difference from the first.
type Cut struct {
	CutOff time.Time
	Ends   []time.Time
	// Pick chooses, from every series' change number (read in the same
	// snapshot as the figures, so a change committed meanwhile is not
	// missed), the series to read and more runs to return; nil reads every
	// series.
	Pick func([]SeriesVersion) SeriesPick
	// Each, if not nil, is given the first set's figures a batch at a
	// time, each batch of whole indicators in Observations' order, and the
	// first set then holds none (a report reads a million figures and need
	// hold only a batch of them). A batch is reused once Each returns.
	Each func(batch []indicators.Observation)
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
	// geography, breakdown): the first whole (or empty, its figures handed
	// to Cut.Each), each later one as its difference from the first
	// (AsOfSet.Differs). Their Runs are the runs
	// that wrote one of the set's figures or were asked for, and each
	// source's latest successful run by the cut-off; LastSuccess is whole.
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
	PublishedBy time.Time
	CutOff      time.Time
	// Observations are the set's figures; in a difference (Differs not
	// nil), only those of the indicators in Differs.
	Observations []indicators.Observation
	// Differs is nil in a whole set. In a later set of a read it names the
	// indicators whose figures differ from the first set's (a revision, or
	// a figure one sees and the other does not): the others' figures are
	// the first set's, and a year's revisions touch few indicators, so a
	// read of two sets holds a million figures once, not twice. Of gives
	// a difference's figures whole.
	Differs map[string]bool
	// Runs are the runs that wrote one of the revisions in Observations,
	// and each source's latest successful run finished by the cut-off,
	// oldest first.
	Runs []AsOfRun
	// LastSuccess is when each source's latest successful run (success or
	// unchanged) finished, counting only runs finished by the cut-off.
	LastSuccess map[string]time.Time
}

// Of returns the set's figures of the indicators keep names (every one
// for a nil keep), in Observations' order. first is the first set of the
// same read: a difference takes from it the figures of the indicators it
// does not differ in.
func (s *AsOfSet) Of(first *AsOfSet, keep map[string]bool) []indicators.Observation {
	wanted := func(ind string) bool { return keep == nil || keep[ind] }
	if s.Differs == nil {
		if keep == nil {
			return s.Observations
		}
		var out []indicators.Observation
		for _, o := range s.Observations {
			if wanted(o.Indicator) {
				out = append(out, o)
			}
		}
		return out
	}
	own := map[string][]indicators.Observation{}
	for run := range indicators.Runs(s.Observations) {
		own[run[0].Indicator] = append(own[run[0].Indicator], run...)
	}
	var out []indicators.Observation
	done := map[string]bool{}
	for run := range indicators.Runs(first.Observations) {
		switch ind := run[0].Indicator; {
		case !wanted(ind):
		case !s.Differs[ind]:
			out = append(out, run...)
		case !done[ind]:
			out = append(out, own[ind]...)
			done[ind] = true
		}
	}
	return out
}

// AsOfRun is a run log entry a set rests on, and why.
type AsOfRun struct {
	Run
	// Figures is how many of the set's figures this run wrote.
	Figures int `json:"figures"`
	// LatestSuccess marks the source's latest successful run by the cut-off.
	LatestSuccess bool `json:"latest_success"`
}

// Visible returns the figures visible at cut.CutOff (see visible), one
// set per end: the first whole (or handed to cut.Each a batch at a time),
// each later one as its difference from the first. The current revisions
// of the series read come in one COPY (in parts side by side for a full
// read), without the text of their series and periods (resolved through
// the small series and periods tables); the history is read only for the
// figures whose current revision some set does not see, so a full read
// costs one pass over the current figures whatever the cut-off.
func (s *Store) Visible(ctx context.Context, cut Cut) (*CutSets, error) {
	cutoff := cut.CutOff
	fail := func(err error) (*CutSets, error) {
		return nil, fmt.Errorf("figures as of %s: %w", cutoff.Format(time.RFC3339), err)
	}
	for _, end := range cut.Ends[min(1, len(cut.Ends)):] {
		if first := cut.Ends[0]; !first.IsZero() && (end.IsZero() || end.After(first)) {
			return fail(fmt.Errorf("publication end %s is later than the first, %s: the first end must be the latest", end, first))
		}
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
	if cut.Pick != nil {
		want = cut.Pick(out.Versions)
	}
	filter, size := "", 0
	if !want.All {
		filter = ` WHERE f.series_id = ANY(` + intArray(want.Series) + `)`
	} else {
		var estimate float64 // the planner's count of current figures, to size the slice once
		if err := tx.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'figures'::regclass`).Scan(&estimate); err != nil {
			return fail(err)
		}
		size = int(max(estimate, 0) * 1.05)
	}
	recorded, err := runClocks(ctx, tx)
	if err != nil {
		return fail(err)
	}
	// As each part of the read comes (side by side): whether some set
	// does not see a figure's current revision (then its history is read,
	// newest first per figure), and how many current figures each run
	// wrote. Figures of one run come together, so a count is kept per
	// stretch of one run.
	type key struct{ series, period int32 }
	type runCount struct {
		run int64
		n   int
	}
	type partSeen struct {
		keys   []key       // the partial figures', in the order read
		refs   []figureRef // the same figures
		perRun []runCount
	}
	var seen []*partSeen // per part
	var mu sync.Mutex
	prepare := func(p int) func(*compactFigure) error {
		ps := &partSeen{}
		mu.Lock()
		for len(seen) <= p {
			seen = append(seen, nil)
		}
		seen[p] = ps
		mu.Unlock()
		i := 0 // the figure's index in its part: figures come in order
		return func(f *compactFigure) error {
			ref := figureRef(p<<refBits | i)
			i++
			sr, pr := series.at(f.series), periods.at(f.period)
			if sr == nil || pr == nil {
				return fmt.Errorf("figure of series %d period %d: unknown series or period", f.series, f.period)
			}
			if n := len(ps.perRun); n == 0 || ps.perRun[n-1].run != f.run {
				ps.perRun = append(ps.perRun, runCount{run: f.run})
			}
			ps.perRun[len(ps.perRun)-1].n++
			for _, end := range cut.Ends {
				if !visible(f, cutoff, end) {
					ps.keys, ps.refs = append(ps.keys, key{f.series, f.period}), append(ps.refs, ref)
					break
				}
			}
			return nil
		}
	}
	var releases releaseNames
	var parts [][]compactFigure
	if want.All {
		parts, err = s.allFigures(ctx, tx, &releases, recorded, size, prepare)
	} else {
		var part []compactFigure
		part, err = compactFigures(ctx, tx, &releases, recorded, size, `SELECT `+compactCols+` FROM figures f`+filter, prepare(0))
		parts = [][]compactFigure{part}
	}
	if err != nil {
		return fail(err)
	}
	// Figures are referred to by number (figureRef), not pointer: the
	// collector then scans none of the million references below.
	read := figureSet{parts: parts}
	n := 0
	for _, part := range parts {
		if len(part) > refMask {
			return fail(fmt.Errorf("%d figures in one part of the read: more than %d", len(part), refMask))
		}
		n += len(part)
	}
	// order: every current figure, sorted below.
	order := make([]figureRef, 0, n)
	for p, part := range parts {
		for i := range part {
			order = append(order, figureRef(p<<refBits|i))
		}
	}
	var ks, kp []int32
	for _, ps := range seen {
		for _, k := range ps.keys {
			ks, kp = append(ks, k.series), append(kp, k.period)
		}
	}
	if len(ks) > 0 {
		hist, err := compactFigures(ctx, tx, &releases, recorded, 0, `SELECT `+compactCols+`
			FROM unnest(`+intArray(ks)+`, `+intArray(kp)+`) k(series_id, period_id)
			JOIN figure_history f ON f.series_id = k.series_id AND f.period_id = k.period_id
			ORDER BY f.series_id, f.period_id, f.revision DESC`, nil)
		if err != nil {
			return fail(err)
		}
		read.parts = append(read.parts, hist)
	}
	older := make(map[key][]figureRef, len(ks))
	if len(read.parts) > len(parts) {
		h := len(read.parts) - 1
		for i, f := range read.parts[h] {
			k := key{f.series, f.period}
			older[k] = append(older[k], figureRef(h<<refBits|i))
		}
	}
	// Sorted once, the current figures give every set its order.
	// ranks is a figure's place: its indicator's rank, its period's, its
	// series' (from small dense tables, rather than kept per figure).
	indRank, serRank, perRank := make([]int32, len(series)), make([]int32, len(series)), make([]int32, len(periods))
	for id, sr := range series {
		if sr != nil {
			indRank[id], serRank[id] = sr.indicatorRank, sr.rank
		}
	}
	for id, pr := range periods {
		if pr != nil {
			perRank[id] = pr.rank
		}
	}
	ranks := func(ref figureRef) [3]int32 {
		f := read.at(ref)
		return [3]int32{indRank[f.series], perRank[f.period], serRank[f.series]}
	}
	indicatorRank := func(ref figureRef) int32 { return indRank[read.at(ref).series] }
	sortByOrder(order, ranks, int64(slices.Max(append(indRank, 0)))+1, int64(slices.Max(append(perRank, 0)))+1)
	// picks[s][i] is the revision set s sees of figure order[i] (noFigure:
	// none): the current one, but for the few partial figures, found
	// (where the sort put them) by a mark per figure.
	picks := make([][]figureRef, len(cut.Ends))
	for s := range picks {
		picks[s] = slices.Clone(order)
	}
	marks := make([][]uint64, len(parts))
	nPartial := 0
	for p, ps := range seen {
		if p < len(parts) && len(ps.refs) > 0 {
			marks[p] = make([]uint64, len(parts[p])/64+1)
			for _, ref := range ps.refs {
				i := ref & refMask
				marks[p][i/64] |= 1 << (i % 64)
			}
			nPartial += len(ps.refs)
		}
	}
	var partialAt []int // the places in order of the partial figures
	if nPartial > 0 {
		partialAt = make([]int, 0, nPartial)
		for i, ref := range order {
			if m := marks[ref>>refBits]; m != nil && m[(ref&refMask)/64]&(1<<((ref&refMask)%64)) != 0 {
				partialAt = append(partialAt, i)
			}
		}
	}
	// The figures each run wrote that each set sees: every current figure
	// counted as read, less the partial ones a set does not see, plus the
	// revisions it sees instead. used: the runs of the figures given.
	figures := make([]map[int64]int, len(cut.Ends))
	used := map[int64]bool{}
	for s := range figures {
		figures[s] = map[int64]int{}
		for _, ps := range seen {
			for _, rc := range ps.perRun {
				figures[s][rc.run] += rc.n
				used[rc.run] = true
			}
		}
	}
	for _, i := range partialAt {
		ref := order[i]
		revs := append([]figureRef{ref}, older[key{read.at(ref).series, read.at(ref).period}]...)
		for s, end := range cut.Ends {
			picks[s][i] = noFigure
			figures[s][read.at(ref).run]--
			for _, rev := range revs {
				r := read.at(rev)
				if visible(r, cutoff, end) {
					picks[s][i] = rev
					figures[s][r.run]++
					used[r.run] = true
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
	for s := range figures {
		maps.DeleteFunc(figures[s], func(_ int64, n int) bool { return n == 0 })
	}
	sources, err := runSources(ctx, tx, used)
	if err != nil {
		return fail(err)
	}
	// indicatorAt(i) is figure order[i]'s indicator.
	indicatorAt := func(i int) string { return series.at(read.at(order[i]).series).indicator }
	// observer gives one goroutine its maker of observations, which keeps
	// the last run's source (a run's figures come together).
	observer := func() func(ref figureRef, o *indicators.Observation) {
		lastRun, source := int64(-1), ""
		return func(ref figureRef, o *indicators.Observation) {
			f := read.at(ref)
			if f.run != lastRun {
				lastRun, source = f.run, sources[f.run]
			}
			f.fill(o, series.at(f.series), periods.at(f.period), source, releases.list)
		}
	}
	for s, end := range cut.Ends {
		by := cutoff
		if !end.IsZero() && end.Before(cutoff) {
			by = end
		}
		set := &AsOfSet{CutOff: cutoff, PublishedBy: by, LastSuccess: map[string]time.Time{}}
		if s == 0 {
			if cut.Each == nil {
				set.Observations = observationsOf(order, picks[0], 0, len(order), observer, nil)
			} else {
				handOut(cut.Each, order, picks[0], indicatorRank, observer)
			}
			out.Sets = append(out.Sets, set)
			continue
		}
		// A later set holds only the indicators it differs in: it differs
		// only where a figure is partial.
		set.Differs = map[string]bool{}
		var differ []int32 // their ranks, in order
		for _, i := range partialAt {
			if picks[s][i] != picks[0][i] && !set.Differs[indicatorAt(i)] {
				set.Differs[indicatorAt(i)] = true
				differ = append(differ, indicatorRank(order[i]))
			}
		}
		observe := observer()
		for _, rank := range differ {
			from, _ := slices.BinarySearchFunc(order, rank, func(ref figureRef, r int32) int { return cmp.Compare(indicatorRank(ref), r) })
			for i := from; i < len(order) && indicatorRank(order[i]) == rank; i++ {
				if ref := picks[s][i]; ref != noFigure {
					set.Observations = append(set.Observations, indicators.Observation{})
					observe(ref, &set.Observations[len(set.Observations)-1])
				}
			}
		}
		out.Sets = append(out.Sets, set)
	}
	if err := runsOf(ctx, tx, out.Sets, figures, want.Runs); err != nil {
		return fail(err)
	}
	return out, nil
}

// compactCols are a figure's columns without its series' and period's
// text, for compactFigure, from figure f (when it was recorded is its
// run's: runClocks; it is suppressed when it has no value, as both tables
// check: each column sent costs Postgres about 3 % of a full read).
const compactCols = `f.series_id, f.period_id, f.revision, f.value, f.numerator, f.denominator, f.ci_lower, f.ci_upper,
	f.run_id, f.published_at, f.release`

// compactFigure is one revision of a figure as stored, ids unresolved, in
// 80 bytes (a million of them in a full read). It holds no pointer, so
// the garbage collector never scans them; its place in the order of
// Observations comes from its series' and period's ranks.
type compactFigure struct {
	// value, numerator, denominator, CI lower and upper bound: not
	// pointers (a million figures, five allocations each); bit i of bits
	// says whether vals[i] is there.
	vals                [5]float64
	recorded, published int64 // Unix microseconds, Postgres's precision
	run                 int64
	series, period      int32
	revision            int32
	release             uint16 // in releaseNames.list
	bits                uint8  // the vals there
}

func (f *compactFigure) has(i int) bool { return f.bits&(1<<i) != 0 }

// suppressed: a figure without a value (a check of the tables).
func (f *compactFigure) suppressed() bool { return !f.has(0) }

// allFigures reads every current figure, about size of them, in tx's
// snapshot, in parts (not copied into one slice: a million figures). A
// large table is read in parts side by side, two per CPU (at most four),
// each a range of the table's blocks (a TID range scan) on a connection of
// its own that shares tx's snapshot: the read of a million figures is most
// of a full report's time, and Postgres and the decoding then use every
// core.
func (s *Store) allFigures(ctx context.Context, tx pgx.Tx, releases *releaseNames, recorded runClock, size int, prepare func(part int) func(*compactFigure) error) ([][]compactFigure, error) {
	const q = `SELECT ` + compactCols + ` FROM figures f`
	var pages int64
	if err := tx.QueryRow(ctx, `SELECT relpages FROM pg_class WHERE oid = 'figures'::regclass`).Scan(&pages); err != nil {
		return nil, err
	}
	// Two parts per CPU: a backend that has filled its socket waits for
	// its reader, and another part's then has the CPU (at 1,000,000
	// figures on two cores three or four parts read in 0.35-0.4 s, two in
	// 0.5 s). One connection of the pool is left for others.
	n := int64(min(2*runtime.GOMAXPROCS(0), 4, int(s.pool.Config().MaxConns)-1))
	if n < 2 || pages < splitFromPages {
		part, err := compactFigures(ctx, tx, releases, recorded, size, q, prepare(0))
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
			parts[i], err = compactFigures(gctx, ptx, &names[i], recorded, size/int(n)+1, q+where, prepare(int(i)))
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// Each part's releases numbered in releases.
	for i, part := range parts {
		to := make([]uint16, len(names[i].list))
		for j, name := range names[i].list {
			r, err := releases.of([]byte(name))
			if err != nil {
				return nil, err
			}
			to[j] = r
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

// splitFromFigures is the number of figures from which Visible works on
// them side by side.
var splitFromFigures = 1 << 14

// releaseNames numbers the few releases of a read's figures.
type releaseNames struct {
	index map[string]uint16
	list  []string
}

func (r *releaseNames) of(name []byte) (uint16, error) {
	i, ok := r.index[string(name)]
	if !ok {
		if len(r.list) > math.MaxUint16 {
			return 0, fmt.Errorf("more than %d releases in one read", math.MaxUint16+1)
		}
		if r.index == nil {
			r.index = map[string]uint16{}
		}
		i = uint16(len(r.list))
		r.list = append(r.list, string(name))
		r.index[string(name)] = i
	}
	return i, nil
}

// compactFigures reads the figures of q (compactCols of figures or the
// history as f), about size of them, from the history or not, numbering
// their releases in releases; recorded gives each run's recording time.
// each, if not nil, is called with every figure as it is read.
func compactFigures(ctx context.Context, tx pgx.Tx, releases *releaseNames, recorded runClock, size int, q string, each func(*compactFigure) error) ([]compactFigure, error) {
	out := make([]compactFigure, 0, size)
	lastRun, lastRecorded := int64(-1), int64(0)
	// The last release and its number: figures of one release come together.
	var lastRelease []byte
	var lastReleaseNo uint16
	haveRelease := false
	err := copyOut(ctx, tx, q, func(c [][]byte) error {
		if len(c) != 11 || c[0] == nil || c[1] == nil || c[2] == nil || c[8] == nil || c[10] == nil {
			return fmt.Errorf("a figure's row of %d fields, or a NULL where none can be", len(c))
		}
		// Suppressed is a figure without a value (a check of the tables).
		f := compactFigure{series: be32(c[0]), period: be32(c[1]), revision: be32(c[2]), run: int64(binary.BigEndian.Uint64(c[8]))}
		for i, v := range c[3:8] {
			if v != nil {
				f.vals[i], f.bits = math.Float64frombits(binary.BigEndian.Uint64(v)), f.bits|1<<i
			}
		}
		if f.run != lastRun {
			t, ok := recorded[f.run]
			if !ok {
				return fmt.Errorf("figure of series %d period %d: run %d is not in the run log", f.series, f.period, f.run)
			}
			lastRun, lastRecorded = f.run, t
		}
		f.recorded, f.published = lastRecorded, lastRecorded
		if c[9] != nil {
			f.published = int64(binary.BigEndian.Uint64(c[9])) + pgEpochMicros
		}
		if !haveRelease || !bytes.Equal(c[10], lastRelease) {
			var bad error
			if lastReleaseNo, bad = releases.of(c[10]); bad != nil {
				return bad
			}
			lastRelease, haveRelease = append(lastRelease[:0], c[10]...), true
		}
		f.release = lastReleaseNo
		out = append(out, f)
		if each != nil {
			// The figure in out, not f: a pointer to f would move every
			// figure read to the heap on its own.
			return each(&out[len(out)-1])
		}
		return nil
	})
	return out, err
}

func be32(b []byte) int32 { return int32(binary.BigEndian.Uint32(b)) }

// pgEpochMicros is Postgres's epoch for timestamps in Unix microseconds.
var pgEpochMicros = pgEpoch.UnixMicro()

// runClock is when each run was recorded, in Unix microseconds.
type runClock map[int64]int64

// runClocks reads the recording time of every run that wrote figures (a
// run that wrote none has none): a figure's recording is its run's
// (migration 00060), looked up here rather than joined in the read of a
// million figures.
func runClocks(ctx context.Context, tx pgx.Tx) (runClock, error) {
	rows, err := tx.Query(ctx, `SELECT id, recorded_at FROM ingest_runs WHERE recorded_at IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := runClock{}
	for rows.Next() {
		var id int64
		var t time.Time
		if err := rows.Scan(&id, &t); err != nil {
			return nil, err
		}
		out[id] = t.UnixMicro()
	}
	return out, rows.Err()
}

// intArray is ids as an array literal, for a COPY (which takes no
// parameters): integers only, so nothing in it needs quoting.
func intArray(ids []int32) string {
	b := make([]byte, 0, 8*len(ids)+8)
	b = append(b, "'{"...)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(id), 10)
	}
	return string(append(b, "}'::int[]"...))
}

// fill sets o to the figure f of series sr and period pr, written by a
// run of source. Its values point into f, which holds no pointer: the
// figures read stay one allocation the collector need not scan.
func (f *compactFigure) fill(o *indicators.Observation, sr *seriesRank, pr *periodRank, source string, releases []string) {
	ptr := func(i int) *float64 {
		if !f.has(i) {
			return nil
		}
		return &f.vals[i]
	}
	*o = indicators.Observation{Indicator: sr.indicator, Period: pr.period, Geography: sr.geography, Breakdown: sr.breakdown,
		Value: ptr(0), Numerator: ptr(1), Denominator: ptr(2), CILower: ptr(3), CIUpper: ptr(4),
		Suppressed: f.suppressed(), PublishedAt: time.UnixMicro(f.published), Release: releases[f.release], PeriodStart: pr.start, PeriodEnd: pr.end,
		Revision: int(f.revision), Source: source, RunID: f.run, RecordedAt: time.UnixMicro(f.recorded)}
}

// handOut gives each the observations of the figures picks (for order) a
// batch of whole indicators at a time (indicatorRank tells them apart),
// each batch made while the one before is with each, in two buffers in
// turn. A panic in each stops the making.
func handOut(each func([]indicators.Observation), order, picks []figureRef, indicatorRank func(figureRef) int32,
	observer func() func(figureRef, *indicators.Observation)) {
	var bufs [2][]indicators.Observation
	ready, free, stop := make(chan int), make(chan int, 2), make(chan struct{})
	free <- 0
	free <- 1
	go func() {
		defer close(ready)
		for from := 0; from < len(order); {
			to := min(from+eachBatch, len(order))
			for to < len(order) && indicatorRank(order[to]) == indicatorRank(order[to-1]) {
				to++
			}
			var k int
			select {
			case k = <-free:
			case <-stop:
				return
			}
			bufs[k] = observationsOf(order, picks, from, to, observer, bufs[k])
			select {
			case ready <- k:
			case <-stop:
				return
			}
			from = to
		}
	}()
	defer close(stop)
	for k := range ready {
		each(bufs[k])
		free <- k
	}
}

// eachBatch is about how many figures Cut.Each is given at a time.
const eachBatch = 1 << 15

// observationsOf returns, in buf, the observations of the figures
// picks[from:to] (for order[from:to]) that are there, made side by side,
// each part by a maker of its own from observer.
func observationsOf(order, picks []figureRef, from, to int, observer func() func(figureRef, *indicators.Observation), buf []indicators.Observation) []indicators.Observation {
	// Each figure's place: the count of figures there before it.
	pos := make([]int32, to-from+1)
	for i, ref := range picks[from:to] {
		pos[i+1] = pos[i]
		if ref != noFigure {
			pos[i+1]++
		}
	}
	buf = slices.Grow(buf[:0], int(pos[to-from]))[:pos[to-from]]
	var wg sync.WaitGroup
	for _, r := range splitRange(to - from) {
		wg.Go(func() {
			observe := observer()
			for i := r[0]; i < r[1]; i++ {
				if ref := picks[from+i]; ref != noFigure {
					observe(ref, &buf[pos[i]])
				}
			}
		})
	}
	wg.Wait()
	return buf
}

// figureRef is a figure of a read by number: part<<refBits | index.
type figureRef uint32

const (
	refBits = 28
	refMask = 1<<refBits - 1
	// noFigure: no figure (a set that sees no revision of one).
	noFigure figureRef = math.MaxUint32
)

// figureSet is the figures of a read, in parts (the current figures, read
// side by side, and the history read for some of them).
type figureSet struct{ parts [][]compactFigure }

func (r *figureSet) at(ref figureRef) *compactFigure {
	return &r.parts[ref>>refBits][ref&refMask]
}

// splitRange splits [0, n) into one range per CPU (one below
// splitFromFigures).
func splitRange(n int) [][2]int {
	k := 1
	if n >= splitFromFigures {
		k = runtime.GOMAXPROCS(0)
	}
	out := make([][2]int, k)
	for i := range k {
		out[i] = [2]int{n * i / k, n * (i + 1) / k}
	}
	return out
}

// sortByOrder sorts figures into Observations' order (indicator, period,
// geography, breakdown) by their ranks, asked once per figure (each rank
// is under the count given for it): counted into one bucket per indicator
// and period (a pass over a million figures instead of twenty comparisons
// each), each bucket then sorted by series.
func sortByOrder(figs []figureRef, ranks func(figureRef) [3]int32, indicators, periods int64) {
	buckets := indicators * periods
	if buckets > 4*int64(len(figs))+1024 || buckets > math.MaxInt32 { // sparse: comparing is cheaper
		slices.SortFunc(figs, func(a, b figureRef) int {
			x, y := ranks(a), ranks(b)
			for i := range x {
				if x[i] != y[i] {
					return int(x[i] - y[i])
				}
			}
			return 0
		})
		return
	}
	// Figure i's bucket and series rank, then the figures by bucket (as
	// indexes into figs). Each step is shared among the CPUs, each taking
	// a range of the figures (or of the buckets): range r's figures of a
	// bucket go after those of the ranges before it, so the figures of a
	// bucket stay in the order they came, as one pass would leave them.
	ranges := splitRange(len(figs))
	each := func(ranges [][2]int, do func(r, lo, hi int)) {
		var wg sync.WaitGroup
		for r, rg := range ranges {
			wg.Go(func() { do(r, rg[0], rg[1]) })
		}
		wg.Wait()
	}
	bucket, series := make([]int32, len(figs)), make([]int32, len(figs))
	next := make([][]int32, len(ranges)) // range r's count, then its next place, per bucket
	each(ranges, func(r, lo, hi int) {
		count := make([]int32, buckets)
		for i := lo; i < hi; i++ {
			rk := ranks(figs[i])
			b := int32(int64(rk[0])*periods + int64(rk[1]))
			bucket[i], series[i] = b, rk[2]
			count[b]++
		}
		next[r] = count
	})
	start := make([]int32, buckets+1)
	for b := range buckets {
		at := start[b]
		for r := range next {
			at, next[r][b] = at+next[r][b], at
		}
		start[b+1] = at
	}
	sorted := make([]int32, len(figs))
	each(ranges, func(r, lo, hi int) {
		for i := lo; i < hi; i++ {
			b := bucket[i]
			sorted[next[r][b]] = int32(i)
			next[r][b]++
		}
	})
	bySeries := func(a, b int32) int { return int(series[a] - series[b]) }
	each(splitBuckets(start, len(ranges)), func(_, lo, hi int) {
		for b := lo; b < hi; b++ {
			// The figures come in series order, as a rule.
			if part := sorted[start[b]:start[b+1]]; len(part) > 1 && !slices.IsSortedFunc(part, bySeries) {
				slices.SortFunc(part, bySeries)
			}
		}
	})
	each(ranges, func(_, lo, hi int) {
		for j := lo; j < hi; j++ {
			sorted[j] = int32(figs[sorted[j]])
		}
	})
	each(ranges, func(_, lo, hi int) {
		for j := lo; j < hi; j++ {
			figs[j] = figureRef(sorted[j])
		}
	})
}

// splitBuckets splits the buckets (start[b] is where bucket b begins) into
// k ranges of about as many figures each.
func splitBuckets(start []int32, k int) [][2]int {
	buckets, n := len(start)-1, int64(start[len(start)-1])
	out := make([][2]int, 0, k)
	from := 0
	for i := 1; i <= k; i++ {
		to := buckets
		if i < k {
			// The first bucket that begins at or after i/k of the figures.
			to, _ = slices.BinarySearch(start[:buckets], int32(n*int64(i)/int64(k)))
			to = max(to, from)
		}
		out = append(out, [2]int{from, to})
		from = to
	}
	return out
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
	// One string per indicator and geography: the figures of a read then
	// share them, and comparing two (a million times) compares pointers.
	names := map[string]string{}
	intern := func(s string) string {
		if t, ok := names[s]; ok {
			return t
		}
		names[s] = s
		return s
	}
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
		v.Indicator, v.Geography = intern(v.Indicator), intern(v.Geography)
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
// (figures[i] counts them per run), those in extra, and each source's
// latest successful one by the cut-off (its finish is what freshness of a
// source means); and the sources' last successes.
func runsOf(ctx context.Context, tx pgx.Tx, sets []*AsOfSet, figures []map[int64]int, extra []int64) error {
	if len(sets) == 0 {
		return nil
	}
	cutoff := sets[0].CutOff
	var ids []int64
	seen := map[int64]bool{}
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for i := range sets {
		for id := range figures[i] {
			add(id)
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
