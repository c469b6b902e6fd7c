package assess

import (
	"math"
	"time"

	"github.com/kraeftplan/kpv/indicators"
)

// Status is an indicator's progress towards its target.
type Status string

// The progress states, best first, in the order metrics expose them.
const (
	TargetAchieved    Status = "target_achieved"
	OnTrack           Status = "on_track"
	NeedsAcceleration Status = "needs_acceleration"
	OffTrack          Status = "off_track"
	Deterioration     Status = "deterioration"
	NotAssessable     Status = "not_assessable"
	// AwaitingFigure: the series has figures, but none after the plan's
	// baseline yet (answers.go says when one is expected).
	AwaitingFigure Status = "awaiting_figure"
	// SeriesBreak: the series breaks between the baseline and the latest
	// figure, so no progress is computed across it.
	SeriesBreak Status = "series_break"
)

// Statuses are all progress states.
var Statuses = []Status{TargetAchieved, OnTrack, NeedsAcceleration, NoSignificantChange, OffTrack, Deterioration, SignificanceUnknown, AwaitingFigure, SeriesBreak, NotAssessable}

// The cut-offs of the progress classes, after Eurostat's assessment of
// progress towards the EU SDG targets. With a target value: the growth
// achieved as a share of the growth needed (OnTrackRatio, AccelerateRatio).
// With only a direction: the annual rate of improvement (DirectionRate).
const (
	OnTrackRatio    = 0.95
	AccelerateRatio = 0.60
	DirectionRate   = 0.01
)

// Methods of assessing progress.
const (
	MethodCAGR      = "cagr"      // compound annual growth rate, achieved vs needed
	MethodLinear    = "linear"    // absolute change per year, where a zero makes CAGR undefined
	MethodDirection = "direction" // only a direction is set: the rate of improvement
	MethodRank      = "rank"      // a rank target: reached, or the change in rank
)

// Point is one figure of a series: its period and value.
type Point struct {
	Period string    `json:"period"`
	End    time.Time `json:"period_end"`
	Value  float64   `json:"value"`
}

// ProgressInput is what progress is assessed from.
type ProgressInput struct {
	Polarity indicators.Polarity
	Target   *indicators.Target
	Baseline *Point
	Latest   *Point
	// AtTop is set for ranks: Denmark's interval overlaps the leader's, so
	// the plan's "i toppen" holds even when the point estimate ranks lower.
	AtTop bool
}

// Progress is the assessment of one series against its target.
type Progress struct {
	Status Status `json:"status"`
	Method string `json:"method,omitempty"`
	// Years from the baseline period to the latest, and to the target year.
	Years         float64 `json:"years,omitempty"`
	YearsToTarget float64 `json:"years_to_target,omitempty"`
	// Change is latest minus baseline, in the indicator's unit.
	Change *float64 `json:"change,omitempty"`
	// GapToTarget is how far the latest figure is from a target value or
	// rank, in the indicator's unit: positive while short of it, whatever
	// the polarity; 0 or less once reached.
	GapToTarget *float64 `json:"gap_to_target,omitempty"`
	// AchievedRate and RequiredRate are per year: fractions for cagr and
	// direction (0.02 = 2 % a year), units for linear. Ratio is achieved
	// over required; Improvement is the achieved rate signed so that a
	// positive value is better, whatever the polarity.
	AchievedRate *float64 `json:"achieved_rate,omitempty"`
	RequiredRate *float64 `json:"required_rate,omitempty"`
	Ratio        *float64 `json:"ratio,omitempty"`
	Improvement  *float64 `json:"improvement,omitempty"`
	ReasonEN     string   `json:"reason_en"`
	ReasonDA     string   `json:"reason_da"`
}

func notAssessable(en, da string) Progress {
	return Progress{Status: NotAssessable, ReasonEN: en, ReasonDA: da}
}

// yearsBetween is the time from one period end to another in years,
// counted in whole months: period ends are month ends, so a year apart is
// exactly 1.
func yearsBetween(a, b time.Time) float64 {
	return float64(monthNumber(b)-monthNumber(a)) / 12
}

// monthNumber counts the months of t's date from year 0: one date
// computation, not one for the year and another for the month (a series
// is fitted over every figure, a million in a full read).
func monthNumber(t time.Time) int {
	y, m, _ := t.Date()
	return y*12 + int(m)
}

func ptr(v float64) *float64 { return &v }

// AssessProgress assesses a series' progress from its baseline to its
// latest figure against its target:
//
//   - a value target: the compound annual growth achieved since the baseline
//     against the growth needed to reach the target in the target year; at
//     least 95 % of it is on track, 60–95 % needs acceleration, 0–60 % is off
//     track, a move the wrong way is deterioration (absolute change per year
//     instead where a zero makes compound growth undefined);
//   - a direction: the annual rate of improvement; 1 % a year or more is on
//     track, less needs acceleration, none is off track, worse by 1 % a year
//     or more is deterioration;
//   - a rank: reached (or tied with the leader), else the change in rank.
//
// Reaching the target (polarity-aware) is target achieved. At least two
// periods are needed: the baseline and a later one.
func AssessProgress(in ProgressInput) Progress {
	switch {
	case in.Target == nil:
		return notAssessable("the indicator has no target", "indikatoren har intet mål")
	case in.Latest == nil:
		return notAssessable("no figures yet", "ingen tal endnu")
	case in.Baseline == nil:
		return notAssessable("no baseline: it is set by the catalogue or the first figure", "intet udgangspunkt: det fastsættes i kataloget eller af det første tal")
	case !in.Latest.End.After(in.Baseline.End):
		return notAssessable(
			sprintfEN("only one period (%s): progress needs the baseline and a later period", in.Latest.Period),
			sprintfDA("kun én periode (%s): udvikling kræver udgangspunktet og en senere periode", in.Latest.Period))
	}
	p := Progress{Years: yearsBetween(in.Baseline.End, in.Latest.End), Change: ptr(in.Latest.Value - in.Baseline.Value)}
	targetEnd := time.Date(in.Target.Year, 12, 31, 0, 0, 0, 0, time.UTC)
	p.YearsToTarget = yearsBetween(in.Baseline.End, targetEnd)
	switch in.Target.Kind() {
	case indicators.TargetRank:
		return rankProgress(in, p)
	case indicators.TargetValue:
		return valueProgress(in, p)
	}
	return directionProgress(in, p)
}

// conclude gives p its status and the reason for it, in English and Danish.
func (p Progress) conclude(s Status, en, da string) Progress {
	p.Status, p.ReasonEN, p.ReasonDA = s, en, da
	return p
}

// span is the periods compared, "2020 → 2024".
func (in ProgressInput) span() string {
	return sprintfEN("%s → %s", in.Baseline.Period, in.Latest.Period)
}

// rankProgress: reached (or tied with the leader), else the change in rank.
func rankProgress(in ProgressInput, p Progress) Progress {
	b, l, rank, span := in.Baseline.Value, in.Latest.Value, in.Target.Rank, in.span()
	p.GapToTarget = ptr(l - float64(rank))
	p.Method = MethodRank
	switch {
	case l <= float64(rank):
		return p.conclude(TargetAchieved,
			sprintfEN("rank %g reaches the target rank %d", l, rank),
			sprintfDA("placering %g når målet (%d. plads)", l, rank))
	case in.AtTop:
		return p.conclude(TargetAchieved,
			sprintfEN("rank %g, but the confidence interval overlaps the leader's: a statistical tie at the top", l),
			sprintfDA("placering %g, men konfidensintervallet overlapper førstepladsens: statistisk delt førsteplads", l))
	case l < b:
		return p.conclude(NeedsAcceleration,
			sprintfEN("rank improved from %g to %g (%s) but has not reached %d", b, l, span, rank),
			sprintfDA("placeringen er forbedret fra %g til %g (%s), men målet (%d. plads) er ikke nået", b, l, span, rank))
	case l == b:
		return p.conclude(OffTrack,
			sprintfEN("rank unchanged at %g (%s); the target is %d", l, span, rank),
			sprintfDA("placeringen er uændret %g (%s); målet er %d. plads", l, span, rank))
	}
	return p.conclude(Deterioration,
		sprintfEN("rank fell from %g to %g (%s)", b, l, span),
		sprintfDA("placeringen er faldet fra %g til %g (%s)", b, l, span))
}

// valueProgress: the growth achieved since the baseline against the growth
// needed to reach the target value in the target year.
func valueProgress(in ProgressInput, p Progress) Progress {
	b, l, t, span := in.Baseline.Value, in.Latest.Value, in.Target, in.span()
	goal := *t.Value
	p.GapToTarget = ptr(in.Polarity.Improvement(goal - l))
	if !in.Polarity.Better(goal, l) { // latest is at or beyond the target
		return p.conclude(TargetAchieved,
			sprintfEN("%g in %s reaches the target %g", l, in.Latest.Period, goal),
			sprintfDA("%g i %s når målet %g", l, in.Latest.Period, goal))
	}
	if p.YearsToTarget <= 0 {
		return notAssessable(sprintfEN("the target year %d is not after the baseline %s", t.Year, in.Baseline.Period),
			sprintfDA("målåret %d ligger ikke efter udgangspunktet %s", t.Year, in.Baseline.Period))
	}
	if !in.Polarity.Better(goal, b) {
		// The baseline already met the target and the series has fallen back.
		p.Method = MethodLinear
		return p.conclude(Deterioration,
			sprintfEN("the baseline %g met the target %g, the latest %g does not", b, goal, l),
			sprintfDA("udgangspunktet %g nåede målet %g, det seneste tal %g gør ikke", b, goal, l))
	}
	var achieved, required float64
	if b > 0 && l > 0 && goal > 0 {
		p.Method = MethodCAGR
		achieved = math.Pow(l/b, 1/p.Years) - 1
		required = math.Pow(goal/b, 1/p.YearsToTarget) - 1
	} else {
		p.Method = MethodLinear
		achieved = (l - b) / p.Years
		required = (goal - b) / p.YearsToTarget
	}
	ratio := achieved / required
	p.AchievedRate, p.RequiredRate, p.Ratio = ptr(achieved), ptr(required), ptr(ratio)
	status := Deterioration
	switch {
	case ratio >= OnTrackRatio:
		status = OnTrack
	case ratio >= AccelerateRatio:
		status = NeedsAcceleration
	case ratio >= 0:
		status = OffTrack
	}
	unitEN, unitDA := " % a year", " % om året"
	rate := func(v float64) float64 { return 100 * v }
	if p.Method == MethodLinear {
		unitEN, unitDA, rate = " a year", " om året", func(v float64) float64 { return v }
	}
	return p.conclude(status,
		sprintfEN("%s: %.2f%s achieved against %.2f%s needed to reach %g by %d (%.0f %% of the pace)",
			span, rate(achieved), unitEN, rate(required), unitEN, goal, t.Year, 100*ratio),
		sprintfDA("%s: %.2f%s opnået mod %.2f%s nødvendigt for at nå %g i %d (%.0f %% af tempoet)",
			span, rate(achieved), unitDA, rate(required), unitDA, goal, t.Year, 100*ratio))
}

// directionProgress: only a direction is set, so the annual rate of
// improvement since the baseline.
func directionProgress(in ProgressInput, p Progress) Progress {
	b, l, year, span := in.Baseline.Value, in.Latest.Value, in.Target.Year, in.span()
	var achieved float64
	if b > 0 && l > 0 {
		p.Method = MethodDirection
		achieved = math.Pow(l/b, 1/p.Years) - 1
	} else {
		p.Method = MethodLinear
		achieved = (l - b) / p.Years
	}
	improvement := in.Polarity.Improvement(achieved)
	p.AchievedRate, p.Improvement = ptr(achieved), ptr(improvement)
	threshold := DirectionRate
	if p.Method == MethodLinear {
		threshold = 0 // a rate in units: any improvement counts
	}
	status := Deterioration
	switch {
	case improvement >= threshold && improvement > 0:
		status = OnTrack
	case improvement > 0:
		status = NeedsAcceleration
	case improvement > -threshold || improvement == 0:
		status = OffTrack
	}
	word := map[bool][2]string{true: {"better", "bedre"}, false: {"worse", "dårligere"}}[improvement > 0]
	if improvement == 0 {
		word = [2]string{"unchanged", "uændret"}
	}
	if p.Method == MethodLinear {
		return p.conclude(status,
			sprintfEN("%s: %g → %g, %s (%+.2f a year); the target is to improve by %d", span, b, l, word[0], achieved, year),
			sprintfDA("%s: %g → %g, %s (%+.2f om året); målet er en forbedring frem til %d", span, b, l, word[1], achieved, year))
	}
	return p.conclude(status,
		sprintfEN("%s: %g → %g, %s by %.2f %% a year; the target is to improve by %d", span, b, l, word[0], math.Abs(100*achieved), year),
		sprintfDA("%s: %g → %g, %s med %.2f %% om året; målet er en forbedring frem til %d", span, b, l, word[1], math.Abs(100*achieved), year))
}
