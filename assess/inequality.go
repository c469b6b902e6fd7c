package assess

import (
	"maps"
	"math"
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
	period             *Point // a figure's, in the history of one of the regions
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
	// Per breakdown, its periods' gaps, found by place while the regions
	// have the first one's periods (as a rule; a series has each period
	// once), then by period label.
	type periods struct {
		at   map[string]int // nil while every region had the first's periods
		gaps []regionGap
	}
	byB := map[string]*periods{}
	bds := map[string]indicators.Breakdown{}
	for _, sr := range regions {
		if !isRegion(cat, sr.Geography) {
			continue
		}
		k := sr.Breakdown.Key()
		bds[k] = sr.Breakdown
		ps := byB[k]
		if ps == nil {
			ps = &periods{}
			byB[k] = ps
		}
		if ps.gaps == nil {
			ps.gaps = make([]regionGap, 0, len(sr.history)) // the regions have the same periods, as a rule
		}
		first := len(ps.gaps) == 0
		for j := range sr.history {
			f := &sr.history[j]
			i := j
			switch {
			case ps.at == nil && first:
				ps.gaps = append(ps.gaps, regionGap{})
			case ps.at == nil && j < len(ps.gaps) && ps.gaps[j].period.Period == f.Period:
			default:
				if ps.at == nil {
					ps.at = make(map[string]int, len(ps.gaps))
					for x := range ps.gaps {
						ps.at[ps.gaps[x].period.Period] = x
					}
				}
				var ok bool
				if i, ok = ps.at[f.Period]; !ok {
					i = len(ps.gaps)
					ps.at[f.Period] = i
					ps.gaps = append(ps.gaps, regionGap{})
				}
			}
			g := &ps.gaps[i]
			g.period, g.n = &f.Point, g.n+1
			v := f.Value
			if g.n == 1 || def.Polarity.Better(v, g.bestV) {
				g.best, g.bestV = sr.Geography, v
			}
			if g.n == 1 || def.Polarity.Better(g.worstV, v) {
				g.worst, g.worstV = sr.Geography, v
			}
		}
	}
	// Only the first and the latest period compared (by end, then label)
	// are reported.
	earlier := func(a, b *regionGap) bool {
		if c := a.period.End.Compare(b.period.End); c != 0 {
			return c < 0
		}
		return a.period.Period < b.period.Period
	}
	var out []Inequality
	for _, k := range slices.Sorted(maps.Keys(byB)) {
		var first, last *regionGap
		for i := range byB[k].gaps {
			g := &byB[k].gaps[i]
			if g.n < 2 {
				continue
			}
			g.gap = math.Abs(g.bestV - g.worstV)
			if first == nil || earlier(g, first) {
				first = g
			}
			if last == nil || earlier(last, g) {
				last = g
			}
		}
		if last == nil {
			continue
		}
		in := Inequality{Breakdown: bds[k], Period: last.period.Period, Regions: last.n, Best: last.best, Worst: last.worst,
			BestValue: last.bestV, WorstValue: last.worstV, Gap: last.gap}
		in.ReasonEN = sprintfEN("%s: best %s %g, worst %s %g, gap %.1f (%d regions)", in.Period, in.Best, in.BestValue, in.Worst, in.WorstValue, in.Gap, in.Regions)
		in.ReasonDA = sprintfDA("%s: bedst %s %g, dårligst %s %g, forskel %.1f (%d regioner)", in.Period, in.Best, in.BestValue, in.Worst, in.WorstValue, in.Gap, in.Regions)
		if first != last {
			ch := last.gap - first.gap
			in.FromPeriod, in.FromGap, in.Change = first.period.Period, ptr(first.gap), &ch
			in.ReasonEN += sprintfEN("; %s: %.1f, change %+.1f", first.period.Period, first.gap, ch)
			in.ReasonDA += sprintfDA("; %s: %.1f, ændring %+.1f", first.period.Period, first.gap, ch)
		}
		out = append(out, in)
	}
	return out
}
