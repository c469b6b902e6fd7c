package assess

import (
	"reflect"
	"time"

	"github.com/kraeftplan/kpv/indicators"
)

// Rebuild is Build after a change to some indicators' figures: only the
// indicators in changed, and those derived from one of them, are assessed
// again, from in.Observations, which need hold only their figures (with,
// when a derived indicator is in changed, the figures of every indicator
// one is derived from). Every other indicator keeps prev's assessment with
// its freshness worked out again for in.Now (the only part of an
// indicator's assessment that depends on the clock): the very same
// *Indicator when that is unchanged, so a holder of the snapshot (the
// monitor's encoded metrics) can tell what it need not redo. in.Figures is the
// total number of current figures. With no prev it is Build.
func Rebuild(prev *Snapshot, in Input, changed map[string]bool) *Snapshot {
	return NewRebuilder(prev, in, changed).Snapshot()
}

// NewRebuilder is Rebuild's Builder: the figures of the indicators in
// changed (and, when a derived indicator is in changed or derived from one
// that is, of every indicator one is derived from) may be added one
// indicator at a time instead of in in.Observations.
func NewRebuilder(prev *Snapshot, in Input, changed map[string]bool) *Builder {
	if prev == nil || prev.CatalogueVersion != in.Catalogue.Version {
		return NewBuilder(in)
	}
	return newBuilder(in, prev, changed)
}

// reuse returns prev's assessment of def with its freshness for now, or nil
// when def must be assessed again.
func reuse(cat *indicators.Catalogue, def *indicators.Indicator, prev *Snapshot, changed map[string]bool, now time.Time) *Indicator {
	if changed[def.ID] || (def.Derived != nil && changed[def.Derived.From]) {
		return nil
	}
	old, ok := prev.byID[def.ID]
	if !ok {
		return nil
	}
	src, ok := cat.Source(def.Source)
	if !ok {
		return old
	}
	var latest *Point
	if f := old.Freshness; f.LatestPeriodEnd != nil {
		latest = &Point{Period: f.LatestPeriod, End: *f.LatestPeriodEnd}
	}
	fresh := AssessFreshness(latest, src.Release, now)
	if reflect.DeepEqual(fresh, old.Freshness) {
		return old // the same assessment: its holder may keep what it made of it
	}
	a := *old
	a.Freshness = fresh
	return &a
}
