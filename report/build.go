package report

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
	"github.com/kraeftplan/kpv/view"
)

// Reader reads the figures visible at a cut-off (*store.Store does): the
// one reader every report is built from.
type Reader interface {
	Visible(ctx context.Context, c store.Cut) (*store.CutSets, error)
}

// Build reads the figures as of the cut-off (see CutOff) and builds the
// report for year from every figure: what `kpv report`, an as-of request
// and an approved version get.
func Build(ctx context.Context, rd Reader, cat *indicators.Catalogue, year int, asOf, now time.Time) (*Report, error) {
	cutoff, rule, err := CutOff(cat, year, asOf, now)
	if err != nil {
		return nil, err
	}
	return NewBuilder(cat, year).Build(ctx, rd, rule, cutoff)
}

// Builder builds one year's report; every report is built by one. Its
// first build reads every figure; a later one, for a cut-off no earlier
// than the last, does only the work that changed, as the monitor's refresh
// does (the API keeps one per year for the live report): it keeps both
// assessments (the year's and the previous year's report's), each series'
// change number and, per indicator, what the report derives from its
// figures (histories, figures per run); a build reads again, as of the new
// cut-off, only the indicators with a changed series (and, when one is a
// derived indicator's or the source of one, all of those), and reassesses
// them with assess.Rebuild, which works out every other indicator's
// freshness again for the new cut-off.
//
// A figure can also enter a set without its series changing, as the
// cut-off passes its recording or publication: per indicator the earliest
// such moment is kept (store.CutSets.Pending) and the indicator counts as
// changed once the cut-off passes it. A later build equals a first one
// for the same cut-off (TestIncrementalReportEqualsFullBuild).
type Builder struct {
	cat  *indicators.Catalogue
	year int

	mu     sync.Mutex // one build at a time; guards the fields below
	cutoff time.Time
	// versions is every series' change number as last read; nil before the
	// first build.
	versions map[int32]store.SeriesVersion
	pending  map[string]time.Time
	// parts is, per indicator of the stored figures, what the report counts
	// of its figures (those for periods ended by the year's end).
	parts map[string]part
	// hist is the report's histories per catalogue indicator.
	hist         map[string]map[string][]view.Value
	snap, before *assess.Snapshot
}

type part struct {
	figures int
	perRun  map[int64]int
}

// NewBuilder returns a builder of year's report.
func NewBuilder(cat *indicators.Catalogue, year int) *Builder {
	return &Builder{cat: cat, year: year}
}

// Build returns the report for the year as of cutoff (CutOff's), reading
// only what changed since the last build. A cut-off earlier than the last
// one's is built from every figure.
func (b *Builder) Build(ctx context.Context, rd Reader, rule string, cutoff time.Time) (*Report, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	cat, year := b.cat, b.year
	py, hasPrev := previousYear(cat, year)
	full := b.versions == nil || cutoff.Before(b.cutoff)
	var changed map[string]bool
	var versions map[int32]store.SeriesVersion
	pick := func(vs []store.SeriesVersion) store.SeriesPick {
		versions = make(map[int32]store.SeriesVersion, len(vs))
		for _, v := range vs {
			versions[v.ID] = v
		}
		if full {
			return store.SeriesPick{All: true}
		}
		changed = b.changed(versions, cutoff)
		var p store.SeriesPick
		for _, v := range vs {
			if changed[v.Indicator] {
				p.Series = append(p.Series, v.ID)
			}
		}
		seen := map[int64]bool{}
		for ind, pt := range b.parts {
			if changed[ind] {
				continue
			}
			for id := range pt.perRun {
				if !seen[id] {
					seen[id] = true
					p.Runs = append(p.Runs, id)
				}
			}
		}
		return p
	}
	ends := []time.Time{EndOfYear(year)}
	if hasPrev {
		ends = append(ends, EndOfYear(py))
	}
	// The figures come a batch of whole indicators at a time (Cut.Each):
	// each batch is assessed, and what the report counts of it, its
	// histories and what the previous year's assessment needs of it are
	// taken alongside, before the next batch.
	yearEnd := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	parts := map[string]part{}
	hist := newHistories(cat)
	gather := previousGather{end: time.Date(py, 12, 31, 0, 0, 0, 0, time.UTC), all: !full}
	// The sources' last successes are known once the read ends; the
	// assessment reads them only when it is finished (Snapshot).
	last := map[string]time.Time{}
	var ab *assess.Builder
	start := func() { // once the read has picked what changed
		if ab == nil {
			in := assess.Input{Catalogue: cat, LastSuccess: last, Now: cutoff, NoHistory: true}
			if full {
				ab = assess.NewBuilder(in)
			} else {
				ab = assess.NewRebuilder(b.snap, in, changed)
			}
		}
	}
	each := func(batch []indicators.Observation) {
		start()
		obs := endingBy(batch, yearEnd)
		var wg sync.WaitGroup
		wg.Go(func() { hist.add(obs) })
		wg.Go(func() {
			countParts(parts, obs)
			if hasPrev {
				gather.add(batch, obs)
			}
		})
		ab.Add(obs)
		wg.Wait()
	}
	cs, err := rd.Visible(ctx, store.Cut{CutOff: cutoff, Ends: ends, Pick: pick, Each: each})
	if err != nil {
		return nil, err
	}
	set := cs.Sets[0]
	if set.Observations != nil { // a reader that gives the set whole
		each(set.Observations)
	}
	start()
	var prev *store.AsOfSet
	if hasPrev {
		prev = cs.Sets[1]
	}
	maps.Copy(last, set.LastSuccess)
	snap := ab.Snapshot()
	pending := map[string]time.Time{}
	if !full {
		for ind, pt := range b.parts {
			if !changed[ind] {
				parts[ind] = pt
			}
		}
		for ind, t := range b.pending {
			if !changed[ind] {
				pending[ind] = t
			}
		}
	}
	for ind, t := range cs.Pending {
		pending[ind] = t
	}
	figures, perRun := 0, map[int64]int{}
	for _, pt := range parts {
		figures += pt.figures
		for id, n := range pt.perRun {
			perRun[id] += n
		}
	}
	snap.Figures = figures
	var before *assess.Snapshot
	if hasPrev {
		if full {
			before = gather.snapshot(cat, prev, snap)
		} else {
			in, _ := gather.input(cat, prev)
			in.Now = cutoff
			before = assess.Rebuild(b.before, in, changed)
		}
	}
	hists := hist.finish()
	if !full {
		for id, h := range b.hist {
			if def, ok := cat.Indicator(id); ok && !changed[id] && (def.Derived == nil || !changed[def.Derived.From]) {
				hists[id] = h
			}
		}
	}
	b.cutoff, b.versions, b.pending, b.parts, b.hist, b.snap, b.before = cutoff, versions, pending, parts, hists, snap, before
	return assemble(cat, year, rule, set, prev, figures, perRun, snap, before, hists), nil
}

// countParts adds to parts what the report counts of obs: each
// indicator's figures, and per run. Counted a run of one indicator's
// figures of one run at a time (the store gives them by indicator).
func countParts(parts map[string]part, obs []indicators.Observation) {
	for i := 0; i < len(obs); {
		j := i + 1
		for j < len(obs) && obs[j].Indicator == obs[i].Indicator && obs[j].RunID == obs[i].RunID {
			j++
		}
		pt, ok := parts[obs[i].Indicator]
		if !ok {
			pt = part{perRun: map[int64]int{}}
		}
		pt.figures += j - i
		pt.perRun[obs[i].RunID] += j - i
		parts[obs[i].Indicator] = pt
		i = j
	}
}

// changed returns the indicators whose figures in either set may differ
// from the last build's: a series added, revised or gone, or a figure the
// cut-off now lets in; widened, as the monitor's refresh is, to every
// indicator a derived one is computed from (and the derived ones) when one
// of those changed.
func (b *Builder) changed(versions map[int32]store.SeriesVersion, cutoff time.Time) map[string]bool {
	changed := map[string]bool{}
	for id, v := range versions {
		if old, ok := b.versions[id]; !ok || old.Changed != v.Changed || old.Indicator != v.Indicator {
			changed[v.Indicator] = true
		}
	}
	for id, old := range b.versions {
		if _, ok := versions[id]; !ok {
			changed[old.Indicator] = true
		}
	}
	for ind, t := range b.pending {
		if !t.After(cutoff) {
			changed[ind] = true
		}
	}
	derived := func(def indicators.Indicator) bool {
		return def.Derived != nil || slices.ContainsFunc(b.cat.Indicators, func(d indicators.Indicator) bool {
			return d.Derived != nil && d.Derived.From == def.ID
		})
	}
	widen := false
	for _, def := range b.cat.Indicators {
		if changed[def.ID] && derived(def) {
			widen = true
			break
		}
	}
	if widen {
		for _, def := range b.cat.Indicators {
			if derived(def) {
				changed[def.ID] = true
			}
		}
	}
	return changed
}
