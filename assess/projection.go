package assess

import (
	"fmt"
	"math"
	"time"

	"github.com/kraeftplan/kpv/indicators"
)

// Where a projection's pace comes from.
const (
	PaceTrend    = "trend"    // the fitted trend's annual percent change
	PaceBaseline = "baseline" // compound annual change from the baseline to the latest figure
	PaceLinear   = "linear"   // absolute change a year, where a zero makes compound change undefined
)

// Projection is where a series is heading at its current pace, after
// Cancer Research UK's projections of whether an ambition will be met, and
// where it should be now on the straight line from its baseline to its
// target (the pathway).
type Projection struct {
	TargetYear int `json:"target_year"`
	// Pace is the annual change: a fraction (0.02 = 2 % a year) for trend
	// and baseline, units a year for linear.
	Pace     float64 `json:"pace"`
	PaceFrom string  `json:"pace_from"`
	// ProjectedValue is the value expected at the end of the target year.
	ProjectedValue float64 `json:"projected_value"`
	// PathwayValue is where the series should be at its latest period on a
	// straight line from the baseline to the target value; Distance is
	// latest minus pathway, and Ahead says whether that is on the good side.
	PathwayValue *float64 `json:"pathway_value,omitempty"`
	Distance     *float64 `json:"distance_from_pathway,omitempty"`
	Ahead        *bool    `json:"ahead_of_pathway,omitempty"`
	// ReachedYear is the year the target value would be reached at this
	// pace; NotAtThisPace is true when it never would be.
	ReachedYear   *int   `json:"reached_year,omitempty"`
	NotAtThisPace bool   `json:"not_at_this_pace,omitempty"`
	ReasonEN      string `json:"reason_en"`
	ReasonDA      string `json:"reason_da"`
}

// Project projects a series from its latest figure at its pace: the trend's
// APC where there is a trend, else the compound change since the baseline
// (absolute change where a value is zero). It returns nil without a target
// year, without either a trend or a baseline before the latest figure, and
// for rank targets. The pathway needs the baseline.
func Project(baseline *Point, latest Point, target *indicators.Target, polarity indicators.Polarity, trend *Trend) *Projection {
	hasTrend := trend != nil && trend.CI != nil
	sinceBaseline := baseline != nil && latest.End.After(baseline.End)
	if target == nil || target.Rank != 0 || !hasTrend && !sinceBaseline {
		return nil
	}
	targetEnd := time.Date(target.Year, 12, 31, 0, 0, 0, 0, time.UTC)
	p := &Projection{TargetYear: target.Year}
	l := latest.Value
	var b float64
	if sinceBaseline {
		b = baseline.Value
	}
	switch {
	case hasTrend:
		p.Pace, p.PaceFrom = trend.APC/100, PaceTrend
	case b > 0 && l > 0:
		p.Pace, p.PaceFrom = math.Pow(l/b, 1/yearsBetween(baseline.End, latest.End))-1, PaceBaseline
	default:
		p.Pace, p.PaceFrom = (l-b)/yearsBetween(baseline.End, latest.End), PaceLinear
	}
	ahead := yearsBetween(latest.End, targetEnd)
	at := func(years float64) float64 {
		if p.PaceFrom == PaceLinear {
			return l + p.Pace*years
		}
		return l * math.Pow(1+p.Pace, years)
	}
	p.ProjectedValue = at(ahead)
	paceEN, paceDA := fmt.Sprintf("%+.2f %% a year", 100*p.Pace), fmt.Sprintf("%+.2f %% om året", 100*p.Pace)
	if p.PaceFrom == PaceLinear {
		paceEN, paceDA = fmt.Sprintf("%+.2f a year", p.Pace), fmt.Sprintf("%+.2f om året", p.Pace)
	}
	p.ReasonEN = fmt.Sprintf("at %s (%s) the figure would be %.1f in %d", paceEN, p.PaceFrom, p.ProjectedValue, target.Year)
	p.ReasonDA = fmt.Sprintf("med %s (%s) vil tallet være %.1f i %d", paceDA, map[string]string{PaceTrend: "trend", PaceBaseline: "siden udgangspunktet", PaceLinear: "lineært"}[p.PaceFrom], p.ProjectedValue, target.Year)
	if target.Value == nil {
		return p
	}
	goal := *target.Value
	if sinceBaseline && yearsBetween(baseline.End, targetEnd) > 0 {
		total := yearsBetween(baseline.End, targetEnd)
		pw := b + (goal-b)*yearsBetween(baseline.End, latest.End)/total
		d := l - pw
		p.PathwayValue, p.Distance = &pw, &d
		good := !polarity.Better(pw, l)
		p.Ahead = &good
	}
	var reached *int
	switch {
	case !polarity.Better(goal, l): // already there
		y := latest.End.Year()
		reached = &y
	case p.PaceFrom == PaceLinear && p.Pace != 0:
		if t := (goal - l) / p.Pace; t > 0 {
			y := latest.End.AddDate(0, int(math.Ceil(t*12)), 0).Year()
			reached = &y
		}
	case p.PaceFrom != PaceLinear && p.Pace > -1 && p.Pace != 0 && goal > 0:
		if t := math.Log(goal/l) / math.Log(1+p.Pace); t > 0 {
			y := latest.End.AddDate(0, int(math.Ceil(t*12)), 0).Year()
			reached = &y
		}
	}
	if reached != nil && *reached-latest.End.Year() > 200 {
		reached = nil // centuries away is "not at this pace"
	}
	p.ReachedYear, p.NotAtThisPace = reached, reached == nil
	if reached != nil {
		p.ReasonEN += fmt.Sprintf("; the target %g would be reached in %d", goal, *reached)
		p.ReasonDA += fmt.Sprintf("; målet %g vil være nået i %d", goal, *reached)
	} else {
		p.ReasonEN += fmt.Sprintf("; the target %g is not reached at this pace", goal)
		p.ReasonDA += fmt.Sprintf("; målet %g nås ikke i dette tempo", goal)
	}
	if p.PathwayValue != nil {
		p.ReasonEN += fmt.Sprintf("; the pathway from the baseline to the target puts %s at %.1f (%+.1f)", latest.Period, *p.PathwayValue, *p.Distance)
		p.ReasonDA += fmt.Sprintf("; linjen fra udgangspunkt til mål giver %.1f i %s (%+.1f)", *p.PathwayValue, latest.Period, *p.Distance)
	}
	return p
}
