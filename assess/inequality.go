package assess

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kraeftplan/kpv/indicators"
)

// Inequality is the gap between the best and the worst region in the
// latest period with figures for at least two regions, and its change since
// the first such period.
type Inequality struct {
	Breakdown  indicators.Breakdown `json:"breakdown"`
	Period     string               `json:"period"`
	Regions    int                  `json:"regions"`
	Best       string               `json:"best"`
	Worst      string               `json:"worst"`
	BestValue  float64              `json:"best_value"`
	WorstValue float64              `json:"worst_value"`
	// Gap is best minus worst, always 0 or more, in the indicator's unit.
	Gap        float64  `json:"gap"`
	FromPeriod string   `json:"from_period,omitempty"`
	FromGap    *float64 `json:"from_gap,omitempty"`
	// Change is Gap minus FromGap: negative when the regions have come closer.
	Change   *float64 `json:"change,omitempty"`
	ReasonEN string   `json:"reason_en"`
	ReasonDA string   `json:"reason_da"`
}

type regionGap struct {
	period             Point
	best, worst        string
	bestV, worstV, gap float64
	n                  int
}

// regionalGaps works out the inequality between regions per breakdown.
func regionalGaps(cat *indicators.Catalogue, def *indicators.Indicator, series []*Series) []Inequality {
	// Per breakdown and period, the best and worst region so far: the
	// regions are taken in the order of their codes, so a tie goes to the
	// first code.
	regions := slices.Clone(series)
	slices.SortStableFunc(regions, func(a, b *Series) int { return strings.Compare(a.Geography, b.Geography) })
	byB := map[string]map[string]*regionGap{}
	bds := map[string]indicators.Breakdown{}
	for _, sr := range regions {
		if !isRegion(cat, sr.Geography) {
			continue
		}
		k := sr.Breakdown.Key()
		bds[k] = sr.Breakdown
		if byB[k] == nil {
			byB[k] = map[string]*regionGap{}
		}
		for _, f := range sr.history {
			g := byB[k][f.Period]
			if g == nil {
				g = &regionGap{period: f.Point}
				byB[k][f.Period] = g
			}
			g.period, g.n = f.Point, g.n+1
			v := f.Value
			if g.n == 1 || def.Polarity.Better(v, g.bestV) {
				g.best, g.bestV = sr.Geography, v
			}
			if g.n == 1 || def.Polarity.Better(g.worstV, v) {
				g.worst, g.worstV = sr.Geography, v
			}
		}
	}
	var out []Inequality
	for _, k := range slices.Sorted(maps.Keys(byB)) {
		var gaps []regionGap
		for _, g := range byB[k] {
			if g.n < 2 {
				continue
			}
			g.gap = g.bestV - g.worstV
			if g.gap < 0 {
				g.gap = -g.gap
			}
			gaps = append(gaps, *g)
		}
		if len(gaps) == 0 {
			continue
		}
		slices.SortFunc(gaps, func(a, b regionGap) int { return a.period.End.Compare(b.period.End) })
		last := gaps[len(gaps)-1]
		in := Inequality{Breakdown: bds[k], Period: last.period.Period, Regions: last.n, Best: last.best, Worst: last.worst,
			BestValue: last.bestV, WorstValue: last.worstV, Gap: last.gap}
		in.ReasonEN = fmt.Sprintf("%s: best %s %g, worst %s %g, gap %.1f (%d regions)", in.Period, in.Best, in.BestValue, in.Worst, in.WorstValue, in.Gap, in.Regions)
		in.ReasonDA = fmt.Sprintf("%s: bedst %s %g, dårligst %s %g, forskel %.1f (%d regioner)", in.Period, in.Best, in.BestValue, in.Worst, in.WorstValue, in.Gap, in.Regions)
		if len(gaps) > 1 {
			first := gaps[0]
			ch := last.gap - first.gap
			in.FromPeriod, in.FromGap, in.Change = first.period.Period, ptr(first.gap), &ch
			in.ReasonEN += fmt.Sprintf("; %s: %.1f, change %+.1f", first.period.Period, first.gap, ch)
			in.ReasonDA += fmt.Sprintf("; %s: %.1f, ændring %+.1f", first.period.Period, first.gap, ch)
		}
		out = append(out, in)
	}
	return out
}
