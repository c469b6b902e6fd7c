package report

import (
	"maps"
	"slices"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/view"
)

// histories gives, per indicator and breakdown key, Denmark's figure for
// every period, oldest first: the stored figures (with their interval,
// published or Wilson), or for a derived indicator its rank or gap per
// period, computed as assess computes them.
func histories(cat *indicators.Catalogue, obs []indicators.Observation) map[string]map[string][]view.Value {
	// Only Denmark's figures, and every figure of an indicator others are
	// derived from, are read below.
	derivedFrom := map[string]bool{}
	for i := range cat.Indicators {
		if d := cat.Indicators[i].Derived; d != nil {
			derivedFrom[d.From] = true
		}
	}
	byIndicator := map[string][]indicators.Observation{}
	for _, o := range obs {
		if o.Geography == assess.Home || derivedFrom[o.Indicator] {
			byIndicator[o.Indicator] = append(byIndicator[o.Indicator], o)
		}
	}
	out := map[string]map[string][]view.Value{}
	for i := range cat.Indicators {
		def := &cat.Indicators[i]
		h := map[string][]view.Value{}
		if d := def.Derived; d != nil {
			derivedHistory(cat, def, byIndicator[d.From], h)
		} else {
			unit := def.Unit
			for _, o := range byIndicator[def.ID] {
				if o.Geography != assess.Home || o.Suppressed || o.Value == nil {
					continue
				}
				v := view.Value{Period: o.Period, Value: *o.Value, Start: o.PeriodStart, End: o.PeriodEnd}
				if o.CILower != nil && o.CIUpper != nil {
					v.CI = &assess.Interval{Lower: *o.CILower, Upper: *o.CIUpper, Method: assess.Published}
				} else if unit.Share() && o.Numerator != nil && o.Denominator != nil {
					if lo, hi, ok := assess.Wilson(*o.Numerator, *o.Denominator, assess.Z95); ok {
						v.CI = &assess.Interval{Lower: 100 * lo, Upper: 100 * hi, Method: assess.WilsonCI}
					}
				}
				k := o.Breakdown.Key()
				h[k] = append(h[k], v)
			}
		}
		for k := range h {
			slices.SortFunc(h[k], func(a, b view.Value) int { return a.End.Compare(b.End) })
		}
		out[def.ID] = h
	}
	return out
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
