package assess

import (
	"fmt"
	"maps"
	"slices"

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
	// breakdown → period → region → value
	byB := map[string]map[string]map[string]float64{}
	ends := map[string]Point{}
	bds := map[string]indicators.Breakdown{}
	for _, sr := range series {
		if !isRegion(cat, sr.Geography) {
			continue
		}
		k := sr.Breakdown.Key()
		bds[k] = sr.Breakdown
		if byB[k] == nil {
			byB[k] = map[string]map[string]float64{}
		}
		for _, f := range sr.history {
			if byB[k][f.Period] == nil {
				byB[k][f.Period] = map[string]float64{}
			}
			byB[k][f.Period][sr.Geography] = f.Value
			ends[f.Period] = f.Point
		}
	}
	var out []Inequality
	for _, k := range slices.Sorted(maps.Keys(byB)) {
		var gaps []regionGap
		for period, vals := range byB[k] {
			if len(vals) < 2 {
				continue
			}
			g := regionGap{period: ends[period], n: len(vals)}
			first := true
			for _, r := range slices.Sorted(maps.Keys(vals)) {
				v := vals[r]
				if first || def.Polarity.Better(v, g.bestV) {
					g.best, g.bestV = r, v
				}
				if first || def.Polarity.Better(g.worstV, v) {
					g.worst, g.worstV = r, v
				}
				first = false
			}
			g.gap = g.bestV - g.worstV
			if g.gap < 0 {
				g.gap = -g.gap
			}
			gaps = append(gaps, g)
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
