package report

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// SeriesPairReader reads the two sets a live report rests on, restricted to
// the series a caller picks (*store.Store does).
type SeriesPairReader interface {
	AsOfPairOf(ctx context.Context, cutoff, laterEnd, earlierEnd time.Time, pick func([]store.SeriesVersion) store.SeriesPick) (*store.SeriesPair, error)
}

// Incremental builds one year's live report (cut-off "now") again after
// figures change, doing only the work that changed, as the monitor's
// refresh does: it keeps both assessments (the year's and the previous
// year's report's), each series' change number and, per indicator, what
// the report derives from its figures (histories, figures per run); a
// build reads again, as of the new cut-off, only the indicators with a
// changed series (and, when one is a derived indicator's or the source of
// one, all of those), and reassesses them with assess.Rebuild, which works
// out every other indicator's freshness again for the new cut-off.
//
// A figure can also enter a set without its series changing, as the
// cut-off passes its recording or publication: per indicator the earliest
// such moment is kept (store.SeriesPair.Pending) and the indicator counts
// as changed once the cut-off passes it. The report equals FromSets on a
// full read (TestIncrementalReportEqualsFullBuild).
type Incremental struct {
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
	hist         map[string]map[string][]Value
	snap, before *assess.Snapshot
}

type part struct {
	figures int
	perRun  map[int64]int
}

// NewIncremental returns a builder of year's live report; its first Build
// reads every figure.
func NewIncremental(cat *indicators.Catalogue, year int) *Incremental {
	return &Incremental{cat: cat, year: year}
}

// Build returns the report for the year as of cutoff (report.CutOff's, for
// a live rule), reading only what changed since the last build. A cut-off
// earlier than the last one's is built from every figure.
func (b *Incremental) Build(ctx context.Context, st SeriesPairReader, rule string, cutoff time.Time) (*Report, error) {
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
	sp, err := st.AsOfPairOf(ctx, cutoff, EndOfYear(year), EndOfYear(py), pick)
	if err != nil {
		return nil, err
	}
	obs := endingBy(sp.Later.Observations, time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC))
	earlier := endingBy(sp.Earlier.Observations, time.Date(py, 12, 31, 0, 0, 0, 0, time.UTC))
	hist := histories(cat, obs)
	parts, pending := map[string]part{}, map[string]time.Time{}
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
		for id, h := range b.hist {
			if def, ok := cat.Indicator(id); ok && !changed[id] && (def.Derived == nil || !changed[def.Derived.From]) {
				hist[id] = h
			}
		}
	}
	for ind, t := range sp.Pending {
		pending[ind] = t
	}
	for _, o := range obs {
		pt, ok := parts[o.Indicator]
		if !ok {
			pt = part{perRun: map[int64]int{}}
		}
		pt.figures++
		pt.perRun[o.RunID]++
		parts[o.Indicator] = pt
	}
	figures, perRun := 0, map[int64]int{}
	for _, pt := range parts {
		figures += pt.figures
		for id, n := range pt.perRun {
			perRun[id] += n
		}
	}
	in := assess.Input{Catalogue: cat, Observations: obs, LastSuccess: sp.Later.LastSuccess, Now: cutoff, Figures: figures}
	var snap, before *assess.Snapshot
	var prev *store.AsOfSet
	if full {
		snap = assess.Build(in)
		before = previousSnapshot(cat, year, sp.Later, sp.Earlier, snap, obs)
	} else {
		snap = assess.Rebuild(b.snap, in, changed)
		if hasPrev {
			before = assess.Rebuild(b.before, assess.Input{Catalogue: cat, Observations: earlier, LastSuccess: sp.Earlier.LastSuccess, Now: cutoff}, changed)
		}
	}
	if hasPrev {
		prev = sp.Earlier
	}
	b.cutoff, b.versions, b.pending, b.parts, b.hist, b.snap, b.before = cutoff, versions, pending, parts, hist, snap, before
	return assemble(cat, year, rule, sp.Later, prev, figures, perRun, snap, before, hist), nil
}

// changed returns the indicators whose figures in either set may differ
// from the last build's: a series added, revised or gone, or a figure the
// cut-off now lets in; widened, as the monitor's refresh is, to every
// indicator a derived one is computed from (and the derived ones) when one
// of those changed.
func (b *Incremental) changed(versions map[int32]store.SeriesVersion, cutoff time.Time) map[string]bool {
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
