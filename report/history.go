package report

import (
	"maps"
	"reflect"
	"slices"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/view"
)

// historyBuilder builds the report's histories, from figures given a
// batch of whole indicators at a time: per indicator and breakdown key,
// Denmark's figure for every period, oldest first (the stored figures with
// their interval, published or Wilson), or for a derived indicator its
// rank or gap per period, computed as assess computes them.
type historyBuilder struct {
	cat *indicators.Catalogue
	// derivedFrom are the indicators others are derived from; from holds
	// a copy of their figures (a batch is reused), for finish.
	derivedFrom map[string]bool
	from        map[string][]indicators.Observation
	out         map[string]map[string][]view.Value
	keys        breakdownKeys
}

func newHistories(cat *indicators.Catalogue) *historyBuilder {
	h := &historyBuilder{cat: cat, derivedFrom: map[string]bool{}, from: map[string][]indicators.Observation{}, out: map[string]map[string][]view.Value{}}
	for i := range cat.Indicators {
		if d := cat.Indicators[i].Derived; d != nil {
			h.derivedFrom[d.From] = true
		}
	}
	return h
}

// add takes Denmark's figures of obs (and every figure of an indicator
// others are derived from).
func (h *historyBuilder) add(obs []indicators.Observation) {
	for run := range indicators.Runs(obs) {
		id := run[0].Indicator
		if h.derivedFrom[id] {
			h.from[id] = append(h.from[id], run...)
		}
		def, ok := h.cat.Indicator(id)
		if !ok || def.Derived != nil {
			continue
		}
		hm := h.out[id]
		if hm == nil {
			hm = map[string][]view.Value{}
			h.out[id] = hm
		}
		// Each breakdown's figures counted first, so that each history is
		// made once at its size.
		counts := map[string]int{}
		for i := range run {
			if o := &run[i]; o.Geography == assess.Home && !o.Suppressed && o.Value != nil {
				counts[h.keys.of(o.Breakdown)]++
			}
		}
		for k, n := range counts {
			hm[k] = slices.Grow(hm[k], n)
		}
		for i := range run {
			o := &run[i] // not a copy: a million figures in a full read
			if o.Geography != assess.Home || o.Suppressed || o.Value == nil {
				continue
			}
			v := view.Value{Period: o.Period, Value: *o.Value, Start: o.PeriodStart, End: o.PeriodEnd}
			if o.CILower != nil && o.CIUpper != nil {
				v.CI = &assess.Interval{Lower: *o.CILower, Upper: *o.CIUpper, Method: assess.Published}
			} else if def.Unit.Share() && o.Numerator != nil && o.Denominator != nil {
				if lo, hi, ok := assess.Wilson(*o.Numerator, *o.Denominator, assess.Z95); ok {
					v.CI = &assess.Interval{Lower: 100 * lo, Upper: 100 * hi, Method: assess.WilsonCI}
				}
			}
			k := h.keys.of(o.Breakdown)
			hm[k] = append(hm[k], v)
		}
	}
}

// finish gives every indicator of the catalogue its history, the derived
// ones' worked out from the figures they are derived from.
func (h *historyBuilder) finish() map[string]map[string][]view.Value {
	out := map[string]map[string][]view.Value{}
	for i := range h.cat.Indicators {
		def := &h.cat.Indicators[i]
		hm := h.out[def.ID]
		if hm == nil {
			hm = map[string][]view.Value{}
		}
		if d := def.Derived; d != nil {
			derivedHistory(h.cat, def, h.from[d.From], hm)
		}
		for k := range hm {
			slices.SortFunc(hm[k], func(a, b view.Value) int { return a.End.Compare(b.End) })
		}
		out[def.ID] = hm
	}
	return out
}

// breakdownKeys gives breakdowns' keys, each built once per map (a key
// sorts and joins): the store gives every figure of a series the same
// Breakdown map, held (by its series) for as long as a read hands out
// figures, so an identity is not reused for another map meanwhile.
type breakdownKeys map[uintptr]string

func (k *breakdownKeys) of(b indicators.Breakdown) string {
	if *k == nil {
		*k = breakdownKeys{}
	}
	id := reflect.ValueOf(b).Pointer()
	key, ok := (*k)[id]
	if !ok {
		key = b.Key()
		(*k)[id] = key
	}
	return key
}

func derivedHistory(cat *indicators.Catalogue, def *indicators.Indicator, from []indicators.Observation, h map[string][]view.Value) {
	d := def.Derived
	src, ok := cat.Indicator(d.From)
	if !ok {
		return
	}
	type group struct {
		o    indicators.Observation
		figs []assess.CountryFigure
	}
	groups := map[string]*group{}
	for _, o := range from {
		if o.Suppressed || o.Value == nil || !slices.Contains(d.Countries, o.Geography) || !slices.Contains(d.CancerSites, o.Breakdown["cancer_site"]) {
			continue
		}
		k := o.Period + "|" + o.Breakdown.Key()
		g := groups[k]
		if g == nil {
			g = &group{o: o}
			groups[k] = g
		}
		cf := assess.CountryFigure{Country: o.Geography, Value: *o.Value}
		if o.CILower != nil && o.CIUpper != nil {
			cf.CI = &assess.Interval{Lower: *o.CILower, Upper: *o.CIUpper, Method: assess.Published}
		}
		g.figs = append(g.figs, cf)
	}
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		g := groups[k]
		r, ok := assess.Rank(assess.Home, g.figs, d.Countries, src.Polarity)
		if !ok {
			continue
		}
		v := float64(r.Rank)
		if d.Method == indicators.GapToBest {
			v = r.GapToLeader
		}
		b := indicators.Breakdown{}
		for _, dim := range def.Breakdowns {
			if x, ok := g.o.Breakdown[dim]; ok {
				b[dim] = x
			}
		}
		h[b.Key()] = append(h[b.Key()], view.Value{Period: g.o.Period, Value: v, Start: g.o.PeriodStart, End: g.o.PeriodEnd})
	}
}
