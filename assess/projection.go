package assess

import (
	"math"
	"time"

	"github.com/kraeftplan/kpv/indicators"
)

// Projection is where a series is heading at its current pace, after
// Cancer Research UK's projections of whether an ambition will be met, and
// where it should be now on the straight line from its baseline to its
// target (the pathway).
type Projection struct {
	TargetYear int `json:"target_year"`
	// Pace is the fitted slope a year on the scale PaceFrom names
	// ("trend_logit", "trend_log", "trend_linear").
	Pace     float64 `json:"pace"`
	PaceFrom string  `json:"pace_from"`
	// ProjectedValue is the value expected at the end of the target year,
	// Lower and Upper its 95 % interval, on the unit's own scale; Scale is
	// the scale the trend was fitted on and Periods how many it rests on.
	ProjectedValue float64 `json:"projected_value"`
	Lower          float64 `json:"projected_lower"`
	Upper          float64 `json:"projected_upper"`
	Scale          string  `json:"scale"`
	Periods        int     `json:"periods"`
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

// The scales a projection is fitted on, so that it keeps the unit's range.
const (
	ScaleLogit  = "logit"  // shares: ln(p / (1 − p)), never below 0 or above 100 %
	ScaleLog    = "log"    // rates and counts: ln(v), never below 0
	ScaleLinear = "linear" // values that may be zero or negative (gaps)
)

// MinProjectionPeriods is the fewest periods a projection is fitted from.
const MinProjectionPeriods = 3

// ProjectSeries projects a series (its comparable figures, oldest first)
// to the end of its target year from the trend of three or more periods,
// fitted by least squares on a scale that keeps the unit's range — logit
// for shares, log for rates and counts — with the 95 % interval of the
// fitted line there (Student's t, n − 2 degrees of freedom), transformed
// back. With fewer periods, a rank target or no target year it returns no
// projection and why.
func ProjectSeries(figs []Figure, baseline *Baseline, unit indicators.Unit, target *indicators.Target, polarity indicators.Polarity) (*Projection, *Note) {
	switch {
	case target == nil || target.Year == 0:
		return nil, &Note{ReasonDA: "ingen fremskrivning: indikatoren har intet målår", ReasonEN: "no projection: the indicator has no target year"}
	case target.Rank != 0:
		return nil, &Note{ReasonDA: "ingen fremskrivning: en placering fremskrives ikke", ReasonEN: "no projection: a rank is not projected"}
	case len(figs) < MinProjectionPeriods:
		return nil, &Note{
			ReasonDA: sprintfEN("ingen fremskrivning: den kræver mindst %d sammenlignelige perioder, serien har %d", MinProjectionPeriods, len(figs)),
			ReasonEN: sprintfEN("no projection: it needs at least %d comparable periods, the series has %d", MinProjectionPeriods, len(figs))}
	}
	lo, hi := unit.Bounds()
	scale := ScaleLinear
	switch {
	case unit.Share():
		scale = ScaleLogit
	case lo == 0:
		scale = ScaleLog
	}
	to := func(v float64) float64 {
		switch scale {
		case ScaleLogit:
			p := v / hi
			return math.Log(p / (1 - p))
		case ScaleLog:
			return math.Log(v)
		}
		return v
	}
	from := func(y float64) float64 {
		switch scale {
		case ScaleLogit:
			return hi / (1 + math.Exp(-y))
		case ScaleLog:
			return math.Exp(y)
		}
		return y
	}
	n := len(figs)
	xy := floats(2 * n)
	defer floatPool.Put(xy)
	x, y := (*xy)[:n], (*xy)[n:]
	m0 := monthNumber(figs[0].End)
	for i, f := range figs {
		if scale == ScaleLogit && !(f.Value > 0 && f.Value < hi) || scale == ScaleLog && !(f.Value > 0) {
			return nil, &Note{
				ReasonDA: sprintfDA("ingen fremskrivning: %s er %g, som %s-skalaen ikke kan tage", f.Period, f.Value, scale),
				ReasonEN: sprintfEN("no projection: %s is %g, which the %s scale cannot take", f.Period, f.Value, scale)}
		}
		x[i], y[i] = float64(monthNumber(f.End)-m0)/12, to(f.Value)
	}
	var mx, my float64
	for i := range x {
		mx += x[i] / float64(n)
		my += y[i] / float64(n)
	}
	var sxx, sxy float64
	for i := range x {
		sxx += sq(x[i] - mx)
		sxy += (x[i] - mx) * (y[i] - my)
	}
	if sxx == 0 {
		return nil, &Note{ReasonDA: "ingen fremskrivning: perioderne spænder ikke over nogen tid", ReasonEN: "no projection: the periods do not span any time"}
	}
	b := sxy / sxx
	var sse float64
	for i := range x {
		sse += sq(y[i] - (my + b*(x[i]-mx)))
	}
	s := math.Sqrt(sse / float64(n-2))
	latest := figs[n-1]
	targetEnd := time.Date(target.Year, 12, 31, 0, 0, 0, 0, time.UTC)
	x0 := yearsBetween(figs[0].End, targetEnd)
	y0 := my + b*(x0-mx)
	se := s * math.Sqrt(1/float64(n)+sq(x0-mx)/sxx)
	q := tQuantile(n - 2)
	p := &Projection{TargetYear: target.Year, Pace: b, PaceFrom: "trend_" + scale, Scale: scale, Periods: n,
		ProjectedValue: from(y0), Lower: from(y0 - q*se), Upper: from(y0 + q*se)}
	p.ReasonDA = sprintfDA("fremskrevet efter trenden over %d perioder (%s–%s, mindste kvadraters metode på %s-skala): %.1f i %d (95 %%-KI %.1f–%.1f)",
		n, figs[0].Period, latest.Period, scaleDA(scale), p.ProjectedValue, target.Year, p.Lower, p.Upper)
	p.ReasonEN = sprintfEN("projected from the trend over %d periods (%s–%s, least squares on the %s scale): %.1f in %d (95 %% CI %.1f–%.1f)",
		n, figs[0].Period, latest.Period, scale, p.ProjectedValue, target.Year, p.Lower, p.Upper)
	if target.Value == nil {
		return p, nil
	}
	goal := *target.Value
	if baseline != nil && latest.End.After(baseline.End) && yearsBetween(baseline.End, targetEnd) > 0 {
		total := yearsBetween(baseline.End, targetEnd)
		pw := baseline.Value + (goal-baseline.Value)*yearsBetween(baseline.End, latest.End)/total
		d := latest.Value - pw
		good := !polarity.Better(pw, latest.Value)
		p.PathwayValue, p.Distance, p.Ahead = &pw, &d, &good
	}
	var reached *int
	switch {
	case !polarity.Better(goal, latest.Value):
		y := latest.End.Year()
		reached = &y
	case b != 0 && (scale == ScaleLinear || goal > lo && goal < hi):
		// When the fitted line reaches the goal on its scale.
		if t := mx + (to(goal)-my)/b; t > yearsBetween(figs[0].End, latest.End) && t < 200 {
			y := figs[0].End.AddDate(0, int(math.Ceil(t*12)), 0).Year()
			reached = &y
		}
	}
	p.ReachedYear, p.NotAtThisPace = reached, reached == nil
	if reached != nil {
		p.ReasonDA += sprintfDA("; målet %g nås efter trenden i %d", goal, *reached)
		p.ReasonEN += sprintfEN("; the target %g is reached on the trend in %d", goal, *reached)
	} else {
		p.ReasonDA += sprintfDA("; målet %g nås ikke efter trenden", goal)
		p.ReasonEN += sprintfEN("; the target %g is not reached on the trend", goal)
	}
	if p.PathwayValue != nil {
		p.ReasonDA += sprintfDA("; linjen fra udgangspunkt til mål giver %.1f i %s (%+.1f)", *p.PathwayValue, latest.Period, *p.Distance)
		p.ReasonEN += sprintfEN("; the pathway from the baseline to the target puts %s at %.1f (%+.1f)", latest.Period, *p.PathwayValue, *p.Distance)
	}
	return p, nil
}

func scaleDA(s string) string {
	if s == ScaleLinear {
		return "lineær"
	}
	return s
}
