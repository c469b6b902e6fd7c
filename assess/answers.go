package assess

import (
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/kraeftplan/kpv/indicators"
)

// The three answers kpv gives for every series with figures (DESIGN.md,
// "Answer the question"): its standing against the target now, its
// direction over the recent window, and its progress since the plan's
// baseline.

// The standing states: judged from the latest period alone.
const (
	StandingMet    = "met"
	StandingNotMet = "not_met"
	// StandingNoLevel: the target is a direction only (improve by a year),
	// so no level can be met or missed; the reason gives the latest figure
	// against the baseline.
	StandingNoLevel = "no_level"
)

// The direction states, over the short-term window.
const (
	DirectionImproving = "improving"
	DirectionNoChange  = "no_significant_change"
	DirectionWorsening = "worsening"
	DirectionUnknown   = "unknown"
)

// Whether a gap is beyond the statistical uncertainty.
const (
	UncertaintyBeyond  = "beyond"  // the intervals do not overlap
	UncertaintyWithin  = "within"  // they overlap: a statistical tie
	UncertaintyUnknown = "unknown" // the figures have no intervals
)

// ShortTermYears is Eurostat's short-term window for SDG monitoring: the
// last five years of periods.
const ShortTermYears = 5

// StandingStates and DirectionStates are the states of the standing and
// the direction, in the order metrics and dashboards list them.
var (
	StandingStates  = []string{StandingMet, StandingNotMet, StandingNoLevel}
	DirectionStates = []string{DirectionImproving, DirectionNoChange, DirectionWorsening, DirectionUnknown}
)

// AnswerLabels are the Danish and English names of the standing and
// direction states.
var AnswerLabels = map[string][2]string{
	StandingMet:        {"Målet er nået", "Target met"},
	StandingNotMet:     {"Målet er ikke nået", "Target not met"},
	StandingNoLevel:    {"Målet er en retning, ikke et niveau", "The target is a direction, not a level"},
	DirectionImproving: {"Signifikant forbedring", "Improving significantly"},
	DirectionNoChange:  {"Ingen signifikant ændring", "No significant change"},
	DirectionWorsening: {"Signifikant forværring", "Worsening significantly"},
	DirectionUnknown:   {"Retning ukendt", "Direction unknown"},
}

// Answer is one of the three answers for a series.
type Answer struct {
	State    string `json:"state"`
	LabelDA  string `json:"label_da"`
	LabelEN  string `json:"label_en"`
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
	ReasonDA string `json:"reason_da"`
	ReasonEN string `json:"reason_en"`
	// Series is, in an indicator's answer, the breakdown key of the
	// Danish series it was taken from (its weakest); empty without
	// breakdowns.
	Series string `json:"series,omitempty"`

	// Standing: the gap to the target (positive while short of it), and
	// for a rank Denmark's rank, how many were compared and the leader;
	// Uncertainty says whether the gap is beyond the intervals.
	Gap         *float64 `json:"gap,omitempty"`
	Rank        int      `json:"rank,omitempty"`
	Compared    int      `json:"compared,omitempty"`
	Leader      string   `json:"leader,omitempty"`
	GapToLeader *float64 `json:"gap_to_leader,omitempty"`
	Uncertainty string   `json:"uncertainty,omitempty"`

	// Direction: the significance of the move over the window, the rate
	// seen and the rate needed to reach the target in its year (per year:
	// a fraction for "cagr", units for "linear"), and for a survey without
	// item bases the smallest base at which the change would be
	// significant, next to the survey's respondents.
	Significance      Significance `json:"significance,omitempty"`
	RateMethod        string       `json:"rate_method,omitempty"`
	RateSeen          *float64     `json:"rate_seen,omitempty"`
	RateNeeded        *float64     `json:"rate_needed,omitempty"`
	AtPace            *bool        `json:"at_pace,omitempty"`
	SmallestItemBase  int          `json:"smallest_item_base,omitempty"`
	SurveyRespondents int          `json:"survey_respondents,omitempty"`

	// Since the baseline: the progress status, and while no figure after
	// the baseline is held, when the publisher's calendar expects one.
	Status     Status `json:"status,omitempty"`
	ExpectedBy string `json:"expected_by,omitempty"`
}

// Answers are the three answers for a series or, as the headline, for an
// indicator (the weakest of Denmark's series for each).
type Answers struct {
	Standing      Answer `json:"standing"`
	Direction     Answer `json:"direction"`
	SinceBaseline Answer `json:"since_baseline"`
}

func label(a *Answer) {
	if l, ok := AnswerLabels[a.State]; ok {
		a.LabelDA, a.LabelEN = l[0], l[1]
	}
}

// PeriodKind is the kind of a period (year, quarter, month, spanN), for
// keeping a series' figures of one kind together.
func PeriodKind(label string) string { return periodKind(label) }

// periodKind is the kind of a period: a year, a quarter, a month, or a
// span of n years, so that a series compares like with like.
func periodKind(label string) string {
	if k, ok := periodKinds.Load(label); ok {
		return k.(string)
	}
	k := parsePeriodKind(label)
	if k != "" {
		periodKinds.Store(label, k)
	}
	return k
}

// periodKinds caches periodKind: it is asked once per figure, a million
// times for a full read, of a few hundred labels. Only labels that parse are
// kept, and ParsePeriod accepts years 1900–2100 only, so the cache is
// bounded (some tens of thousands of labels at most).
var periodKinds sync.Map

func parsePeriodKind(label string) string {
	p, err := indicators.ParsePeriod(label)
	if err != nil {
		return ""
	}
	months := (p.End.Year()-p.Start.Year())*12 + int(p.End.Month()) - int(p.Start.Month()) + 1
	switch {
	case months == 12 && len(label) == 4:
		return "year"
	case months == 3:
		return "quarter"
	case months == 1:
		return "month"
	}
	return sprintfEN("span%d", months/12)
}

// PeriodKindLabels name the kinds for people.
func periodKindLabel(kind string) (da, en string) {
	switch kind {
	case "year":
		return "helårstal", "whole-year figures"
	case "quarter":
		return "kvartalstal", "quarterly figures"
	case "month":
		return "månedstal", "monthly figures"
	}
	return "flerårsperioder", "multi-year periods"
}

// Apart are a series' figures for another kind of period than its latest
// (a whole year among quarters): shown apart and never compared with the
// series' own.
type Apart struct {
	Kind     string   `json:"kind"`
	Figures  []Figure `json:"figures"`
	ReasonDA string   `json:"reason_da"`
	ReasonEN string   `json:"reason_en"`
}

// splitKinds keeps in sr.history the figures of the latest figure's kind
// (periodKind's) and moves the others to sr.Apart.
func splitKinds(sr *Series, periodKind func(label string) string) {
	n := len(sr.history)
	if n == 0 {
		return
	}
	kind := periodKind(sr.history[n-1].Period)
	if !slices.ContainsFunc(sr.history, func(f Figure) bool { return periodKind(f.Period) != kind }) {
		return // one kind (the usual case): nothing to move
	}
	var keep, apart []Figure
	for _, f := range sr.history {
		if periodKind(f.Period) == kind {
			keep = append(keep, f)
		} else {
			apart = append(apart, f)
		}
	}
	if len(apart) == 0 {
		return
	}
	sr.history = keep
	ada, aen := periodKindLabel(periodKind(apart[0].Period))
	kda, ken := periodKindLabel(kind)
	sr.Apart = &Apart{Kind: periodKind(apart[0].Period), Figures: apart,
		ReasonDA: sprintfEN("%s vises for sig: serien består af %s, og en anden slags periode sammenlignes ikke med dem", capitalize(ada), kda),
		ReasonEN: sprintfEN("%s are shown apart: the series holds %s, and another kind of period is not compared with them", capitalize(aen), ken)}
}

func capitalize(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

// segment is the part of a series comparable with its latest figure: the
// figures from the latest series break on (all of them without a break).
func segment(def *indicators.Indicator, sr *Series) ([]Figure, *indicators.SeriesBreak) {
	if sr.Latest == nil {
		return nil, nil
	}
	br, _ := def.BreakBefore(sr.Breakdown, sr.Latest.Period)
	if br == nil {
		return sr.history, nil
	}
	p, _ := indicators.ParsePeriod(br.Period)
	for i, f := range sr.history {
		if !f.End.Before(p.End) {
			return sr.history[i:], br
		}
	}
	return nil, br
}

// answerSeries gives a Danish or regional series its three answers. src
// is the indicator's source (its release calendar and survey rounds).
func answerSeries(cat *indicators.Catalogue, def *indicators.Indicator, sr *Series, src *indicators.Source) {
	if sr.Latest == nil || sr.Progress == nil {
		return
	}
	seg, br := segment(def, sr)
	sr.Answers = &Answers{
		Standing:      standingOf(cat, def, sr),
		Direction:     direction(def, sr, seg, br, src),
		SinceBaseline: sinceBaseline(sr, src),
	}
}

// standingOf judges the latest period alone against the target.
func standingOf(cat *indicators.Catalogue, def *indicators.Indicator, sr *Series) Answer {
	l := sr.Latest
	a := Answer{To: l.Period}
	t := def.Target
	uda, uen := unitWords(def.Unit)
	switch {
	case t == nil:
		a.State = StandingNoLevel
		a.ReasonDA, a.ReasonEN = "indikatoren har intet mål", "the indicator has no target"
	case t.Kind() == indicators.TargetRank:
		rankStanding(cat, t, sr, &a)
	case t.Kind() == indicators.TargetValue:
		goal := *t.Value
		gap := def.Polarity.Improvement(goal - l.Value)
		a.Gap = ptr(math.Round(gap*1e9) / 1e9)
		a.Uncertainty = UncertaintyUnknown
		if r := sr.Ranking; r != nil && def.Derived != nil {
			a.Uncertainty = tieUncertainty(r)
		} else if l.CI != nil {
			a.Uncertainty = UncertaintyWithin
			if !(l.CI.Lower <= goal && goal <= l.CI.Upper) {
				a.Uncertainty = UncertaintyBeyond
			}
		}
		if !def.Polarity.Better(goal, l.Value) {
			a.State = StandingMet
			a.ReasonDA = sprintfDA("%g%s i %s når målet %g%s (%d)", l.Value, uda, l.Period, goal, uda, t.Year)
			a.ReasonEN = sprintfEN("%g%s in %s meets the target %g%s (%d)", l.Value, uen, l.Period, goal, uen, t.Year)
			break
		}
		a.State = StandingNotMet
		a.ReasonDA = sprintfDA("%g%s i %s; målet er %g%s i %d: %g%s fra målet", l.Value, uda, l.Period, goal, uda, t.Year, *a.Gap, uda) + uncertaintyDA(a.Uncertainty)
		a.ReasonEN = sprintfEN("%g%s in %s; the target is %g%s by %d: %g%s short", l.Value, uen, l.Period, goal, uen, t.Year, *a.Gap, uen) + uncertaintyEN(a.Uncertainty)
	default:
		a.State = StandingNoLevel
		a.ReasonDA = sprintfDA("seneste tal %g%s (%s); planen sætter kun en retning (forbedring frem til %d), intet niveau at nå", l.Value, uda, l.Period, t.Year)
		a.ReasonEN = sprintfEN("latest figure %g%s (%s); the plan sets only a direction (improve by %d), no level to reach", l.Value, uen, l.Period, t.Year)
		if b := sr.Baseline; b != nil && b.Period != l.Period {
			a.ReasonDA += sprintfDA("; udgangspunktet er %g%s (%s)", b.Value, uda, b.Period)
			a.ReasonEN += sprintfEN("; the baseline is %g%s (%s)", b.Value, uen, b.Period)
		}
	}
	label(&a)
	return a
}

func rankStanding(cat *indicators.Catalogue, t *indicators.Target, sr *Series, a *Answer) {
	l := sr.Latest
	r := sr.Ranking
	a.Rank = int(l.Value)
	a.Gap = ptr(l.Value - float64(t.Rank))
	if r == nil {
		a.State = StandingNotMet
		if l.Value <= float64(t.Rank) {
			a.State = StandingMet
		}
		a.Uncertainty = UncertaintyUnknown
		a.ReasonDA = sprintfDA("placering %g i %s; målet er nr. %d", l.Value, l.Period, t.Rank)
		a.ReasonEN = sprintfEN("rank %g in %s; the target is rank %d", l.Value, l.Period, t.Rank)
		return
	}
	a.Compared, a.Leader, a.GapToLeader = r.Compared, r.Leader, ptr(r.GapToLeader)
	leaderDA, leaderEN := countryName(cat, r.Leader)
	var home, lead float64
	for _, c := range r.Countries {
		if c.Country == Home {
			home = c.Value
		}
		if c.Country == r.Leader {
			lead = c.Value
		}
	}
	head := sprintfDA("Danmark er nr. %d af %d i %s (%g); bedst er %s (%g)", a.Rank, r.Compared, l.Period, home, leaderDA, lead)
	headEN := sprintfEN("Denmark is %s of %d in %s (%g); the best is %s (%g)", ordinalEN(a.Rank), r.Compared, l.Period, home, leaderEN, lead)
	switch {
	case a.Rank <= t.Rank:
		a.State = StandingMet
		a.ReasonDA = sprintfDA("Danmark er nr. %d af %d i %s (%g): målet (nr. %d) er nået", a.Rank, r.Compared, l.Period, home, t.Rank)
		a.ReasonEN = sprintfEN("Denmark is %s of %d in %s (%g): the target (rank %d) is met", ordinalEN(a.Rank), r.Compared, l.Period, home, t.Rank)
		return
	case r.AtTop:
		a.State, a.Uncertainty = StandingMet, UncertaintyWithin
		a.ReasonDA = head + sprintfDA(", %g point foran; konfidensintervallerne overlapper, så Danmark er statistisk delt førsteplads", r.GapToLeader)
		a.ReasonEN = headEN + sprintfEN(", %g points ahead; the confidence intervals overlap, so Denmark shares the top statistically", r.GapToLeader)
		return
	}
	a.State = StandingNotMet
	a.Uncertainty = tieUncertainty(r)
	a.ReasonDA = head + sprintfDA(", %g point foran; målet er nr. %d", r.GapToLeader, t.Rank) + uncertaintyDA(a.Uncertainty)
	a.ReasonEN = headEN + sprintfEN(", %g points ahead; the target is rank %d", r.GapToLeader, t.Rank) + uncertaintyEN(a.Uncertainty)
	if len(r.Missing) > 0 {
		var da, en []string
		for _, c := range r.Missing {
			d, e := countryName(cat, c)
			da, en = append(da, d), append(en, e)
		}
		a.ReasonDA += " (ingen tal for " + joinDA(da, "og") + ")"
		a.ReasonEN += " (no figure for " + joinDA(en, "and") + ")"
	}
}

func tieUncertainty(r *Ranking) string {
	switch {
	case r.Rank == 1:
		return ""
	case r.TieWithLeader == nil:
		return UncertaintyUnknown
	case *r.TieWithLeader:
		return UncertaintyWithin
	}
	return UncertaintyBeyond
}

func uncertaintyDA(u string) string {
	switch u {
	case UncertaintyBeyond:
		return "; forskellen er ud over den statistiske usikkerhed (konfidensintervallerne overlapper ikke)"
	case UncertaintyWithin:
		return "; forskellen er inden for den statistiske usikkerhed (konfidensintervallerne overlapper)"
	case UncertaintyUnknown:
		return "; om forskellen er ud over den statistiske usikkerhed, er ukendt: tallene har ingen konfidensintervaller"
	}
	return ""
}

func uncertaintyEN(u string) string {
	switch u {
	case UncertaintyBeyond:
		return "; the gap is beyond the statistical uncertainty (the confidence intervals do not overlap)"
	case UncertaintyWithin:
		return "; the gap is within the statistical uncertainty (the confidence intervals overlap)"
	case UncertaintyUnknown:
		return "; whether the gap is beyond the statistical uncertainty is unknown: the figures have no confidence intervals"
	}
	return ""
}

func countryName(cat *indicators.Catalogue, code string) (da, en string) {
	if cat != nil {
		if g, ok := cat.Geography(code); ok {
			return g.NameDA, g.NameEN
		}
	}
	return code, code
}

func ordinalEN(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return sprintfEN("%dth", n)
	case n%10 == 1:
		return sprintfEN("%dst", n)
	case n%10 == 2:
		return sprintfEN("%dnd", n)
	case n%10 == 3:
		return sprintfEN("%drd", n)
	}
	return sprintfEN("%dth", n)
}

// unitWords are the unit's words after a value in running text.
func unitWords(u indicators.Unit) (da, en string) { return u.Words() }

// direction judges the move over the short-term window: the figures of
// the comparable segment within five years before the latest.
func direction(def *indicators.Indicator, sr *Series, seg []Figure, br *indicators.SeriesBreak, src *indicators.Source) Answer {
	l := sr.Latest
	a := Answer{State: DirectionUnknown, To: l.Period, Significance: SigUnknown}
	since := l.End.AddDate(-ShortTermYears, 0, 0)
	// seg is oldest first: the window is its figures from since on.
	win := seg[sort.Search(len(seg), func(i int) bool { return !seg[i].End.Before(since) }):]
	uda, uen := unitWords(def.Unit)
	if len(win) < 2 {
		a.ReasonDA = sprintfEN("kun én periode (%s) inden for de seneste fem år af serien: en retning kræver to", l.Period)
		a.ReasonEN = sprintfEN("only one period (%s) within the series' last five years: a direction needs two", l.Period)
		if br != nil && len(seg) < len(sr.history) {
			a.ReasonDA += "; serien har brud fra " + br.Period + ": " + br.ReasonDA
			a.ReasonEN += "; the series breaks from " + br.Period + ": " + br.ReasonEN
		} else if len(seg) > len(win) {
			// An earlier figure outside the window: say what it shows.
			prev := seg[len(seg)-len(win)-1]
			c := AssessChange(prev, *l, def.Unit, def.Polarity)
			a.ReasonDA += "; det forrige tal ligger uden for vinduet: " + c.ReasonDA
			a.ReasonEN += "; the previous figure lies outside the window: " + c.ReasonEN
			if c.Significance == SigUnknown {
				surveyBase(src, prev, *l, &a)
			}
		}
		if src != nil {
			due := NextDue(l.End, src.Release).Format(time.DateOnly)
			a.ReasonDA += "; næste tal ventes efter udgiverens kalender senest " + due
			a.ReasonEN += "; the publisher's calendar expects the next figure by " + due
		}
		label(&a)
		return a
	}
	first := win[0]
	a.From = first.Period
	years := yearsBetween(first.End, l.End)
	// The rate seen: compound annual change between the window's ends
	// (Eurostat), absolute change a year where a value is not positive.
	if first.Value > 0 && l.Value > 0 && def.Unit != indicators.UnitRank {
		a.RateMethod = MethodCAGR
		a.RateSeen = ptr(math.Pow(l.Value/first.Value, 1/years) - 1)
	} else {
		a.RateMethod = MethodLinear
		a.RateSeen = ptr((l.Value - first.Value) / years)
	}
	rateNeeded(def, first, l, &a)
	var reasonDA, reasonEN string
	switch {
	case def.Derived != nil:
		// A rank or a gap derived from a comparison: no interval of its
		// change is computed.
		a.Significance = SigUnknown
		reasonDA = sprintfDA("%s → %s: %g → %g%s; ændringen i en placering eller afstand har ingen beregnet usikkerhed, så retningen er ukendt", first.Period, l.Period, first.Value, l.Value, uda)
		reasonEN = sprintfEN("%s → %s: %g → %g%s; a change in a rank or gap has no computed uncertainty, so the direction is unknown", first.Period, l.Period, first.Value, l.Value, uen)
	case len(win) >= 3 && allCI(win):
		t := FitTrend(win, def.Polarity)
		a.Significance = t.Significance
		reasonDA, reasonEN = t.ReasonDA, t.ReasonEN
	default:
		c := AssessChange(first, *l, def.Unit, def.Polarity)
		a.Significance = c.Significance
		reasonDA, reasonEN = c.ReasonDA, c.ReasonEN
		if c.Significance == SigUnknown {
			surveyBase(src, first, *l, &a)
		}
	}
	switch a.Significance {
	case SigBetter:
		a.State = DirectionImproving
	case SigWorse:
		a.State = DirectionWorsening
	case SigNone:
		a.State = DirectionNoChange
	case SigExact:
		switch imp := def.Polarity.Improvement(l.Value - first.Value); {
		case imp > 0:
			a.State = DirectionImproving
		case imp < 0:
			a.State = DirectionWorsening
		default:
			a.State = DirectionNoChange
		}
	}
	a.ReasonDA = reasonDA + a.ReasonDA
	a.ReasonEN = reasonEN + a.ReasonEN
	if def.Unit != indicators.UnitRank {
		a.ReasonDA += rateTextDA(&a)
		a.ReasonEN += rateTextEN(&a)
	} else {
		a.RateSeen, a.RateMethod = nil, ""
	}
	label(&a)
	return a
}

func allCI(figs []Figure) bool {
	for _, f := range figs {
		if f.CI == nil {
			return false
		}
	}
	return true
}

// rateNeeded is the pace that reaches a target value in its year from the
// latest figure, and whether the pace seen keeps it. A target of zero or
// below is reached by absolute change, so both rates are then in units a
// year.
func rateNeeded(def *indicators.Indicator, first Figure, l *Figure, a *Answer) {
	t := def.Target
	if t == nil || t.Value == nil || !def.Polarity.Better(*t.Value, l.Value) {
		return
	}
	goal := *t.Value
	years := yearsBetween(l.End, time.Date(t.Year, 12, 31, 0, 0, 0, 0, time.UTC))
	if years <= 0 {
		return
	}
	if a.RateMethod == MethodCAGR && goal > 0 {
		a.RateNeeded = ptr(math.Pow(goal/l.Value, 1/years) - 1)
	} else {
		a.RateMethod = MethodLinear
		a.RateSeen = ptr((l.Value - first.Value) / yearsBetween(first.End, l.End))
		a.RateNeeded = ptr((goal - l.Value) / years)
	}
	pace := def.Polarity.Improvement(*a.RateSeen) >= def.Polarity.Improvement(*a.RateNeeded)
	a.AtPace = &pace
}

func rateTextDA(a *Answer) string {
	if a.RateSeen == nil {
		return ""
	}
	seen, unit := *a.RateSeen, " om året"
	if a.RateMethod == MethodCAGR {
		seen, unit = 100*seen, " % om året"
	}
	s := sprintfDA("; takt set %+.2f%s", seen, unit)
	if a.RateNeeded != nil {
		need := *a.RateNeeded
		if a.RateMethod == MethodCAGR {
			need *= 100
		}
		s += sprintfDA(", nødvendig takt for at nå målet %+.2f%s", need, unit)
	}
	return s
}

func rateTextEN(a *Answer) string {
	if a.RateSeen == nil {
		return ""
	}
	seen, unit := *a.RateSeen, " a year"
	if a.RateMethod == MethodCAGR {
		seen, unit = 100*seen, " % a year"
	}
	s := sprintfEN("; rate seen %+.2f%s", seen, unit)
	if a.RateNeeded != nil {
		need := *a.RateNeeded
		if a.RateMethod == MethodCAGR {
			need *= 100
		}
		s += sprintfEN(", rate needed to reach the target %+.2f%s", need, unit)
	}
	return s
}

// SmallestItemBase is the smallest number answering an item in each of two
// survey rounds for which the change from p1 to p2 (percent) would be
// significant at 95 % by the normal approximation:
// n > z² (p1(1−p1) + p2(1−p2)) / (p2 − p1)². 0 when there is no change.
func SmallestItemBase(p1, p2 float64) int {
	a, b := p1/100, p2/100
	d := b - a
	if d == 0 || a < 0 || a > 1 || b < 0 || b > 1 {
		return 0
	}
	n := Z95 * Z95 * (a*(1-a) + b*(1-b)) / (d * d)
	return int(math.Floor(n)) + 1
}

// surveyBase adds, for a share from a survey whose rounds give their
// respondents but not the item's base, the smallest base at which the
// change would be significant, next to the survey's total.
func surveyBase(src *indicators.Source, from, to Figure, a *Answer) {
	if src == nil || len(src.SurveyWaves) == 0 {
		return
	}
	wf, okf := src.Wave(from.Period)
	wt, okt := src.Wave(to.Period)
	if !okf && !okt {
		return
	}
	n := SmallestItemBase(from.Value, to.Value)
	if n == 0 {
		return
	}
	a.SmallestItemBase = n
	total := func(w indicators.SurveyWave, ok bool, period string, da bool) string {
		switch {
		case ok && da:
			return sprintfEN("%s: %s", period, intDA(w.Respondents))
		case ok:
			return sprintfEN("%s: %s", period, intEN(w.Respondents))
		case da:
			return period + ": ikke oplyst"
		}
		return period + ": not given"
	}
	if okt {
		a.SurveyRespondents = wt.Respondents
	} else {
		a.SurveyRespondents = wf.Respondents
	}
	a.ReasonDA += sprintfEN(". Undersøgelsen oplyser antal svarpersoner i alt (%s; %s), men ikke hvor mange der besvarede spørgsmålet: ændringen ville være signifikant, hvis mindst %s besvarede det i hver runde",
		total(wf, okf, from.Period, true), total(wt, okt, to.Period, true), intDA(n))
	a.ReasonEN += sprintfEN(". The survey gives its total respondents (%s; %s) but not how many answered the item: the change would be significant if at least %s answered it in each round",
		total(wf, okf, from.Period, false), total(wt, okt, to.Period, false), intEN(n))
}

// sinceBaseline is the progress since the plan's baseline: the assessed
// progress once a later figure is held, else awaiting it with when the
// publisher's calendar expects it; none across a series break.
func sinceBaseline(sr *Series, src *indicators.Source) Answer {
	p := sr.Progress
	a := Answer{Status: p.Status, To: sr.Latest.Period, ReasonDA: p.ReasonDA, ReasonEN: p.ReasonEN}
	if sr.Baseline != nil {
		a.From = sr.Baseline.Period
	}
	a.LabelDA, a.LabelEN = StatusLabels[p.Status][0], StatusLabels[p.Status][1]
	if p.Status == AwaitingFigure && src != nil {
		a.ExpectedBy = NextDue(sr.Latest.End, src.Release).Format(time.DateOnly)
	}
	return a
}

// settle turns a series' progress into what the figures carry: awaiting
// the first figure after the baseline (with when it is expected) instead
// of "not assessable", and no progress across a series break.
func settle(def *indicators.Indicator, sr *Series, src *indicators.Source) {
	p := sr.Progress
	if p == nil || sr.Latest == nil || sr.Baseline == nil {
		return
	}
	b, l := sr.Baseline, sr.Latest
	uda, uen := unitWords(def.Unit)
	if !l.End.After(b.End) && def.Target != nil {
		np := Progress{Status: AwaitingFigure}
		np.ReasonDA = sprintfDA("udgangspunktet er %g%s (%s), og kpv har intet tal efter det endnu", b.Value, uda, b.Period)
		np.ReasonEN = sprintfEN("the baseline is %g%s (%s), and kpv holds no figure after it yet", b.Value, uen, b.Period)
		if src != nil {
			d := NextDue(l.End, src.Release).Format(time.DateOnly)
			np.ReasonDA += sprintfEN("; efter udgiverens kalender er det næste tal ventet senest %s; det indlæses, når det er udkommet, eller indberettes af indikatorens ansvarlige", d)
			np.ReasonEN += sprintfEN("; by the publisher's calendar the next figure is due by %s; it is loaded once out, or submitted by the indicator's owner", d)
		}
		sr.Progress = &np
		return
	}
	br, _ := def.BreakBefore(sr.Breakdown, l.Period)
	if br == nil {
		return
	}
	bp, _ := indicators.ParsePeriod(br.Period)
	if b.End.Before(bp.End) {
		np := Progress{Status: SeriesBreak}
		np.ReasonDA = sprintfDA("serien har brud fra %s, så udgangspunktet %g%s (%s) og det seneste tal %g%s (%s) sammenlignes ikke: %s",
			br.Period, b.Value, uda, b.Period, l.Value, uda, l.Period, br.ReasonDA)
		np.ReasonEN = sprintfEN("the series breaks from %s, so the baseline %g%s (%s) and the latest figure %g%s (%s) are not compared: %s",
			br.Period, b.Value, uen, b.Period, l.Value, uen, l.Period, br.ReasonEN)
		sr.Progress = &np
	}
}

// standingRank and directionRank order the answers worst first, for the
// indicator's headline.
var (
	standingRank  = map[string]int{StandingNotMet: 0, StandingNoLevel: 2, StandingMet: 3}
	directionRank = map[string]int{DirectionWorsening: 0, DirectionUnknown: 1, DirectionNoChange: 2, DirectionImproving: 3}
)

func standingWorse(a, b Answer) bool {
	ra, rb := standingRank[a.State], standingRank[b.State]
	if a.State == StandingNotMet && a.Uncertainty != UncertaintyBeyond {
		ra = 1
	}
	if b.State == StandingNotMet && b.Uncertainty != UncertaintyBeyond {
		rb = 1
	}
	if ra != rb {
		return ra < rb
	}
	if a.Gap != nil && b.Gap != nil && *a.Gap != *b.Gap {
		return *a.Gap > *b.Gap
	}
	return a.GapToLeader != nil && b.GapToLeader != nil && *a.GapToLeader > *b.GapToLeader
}

// headlineAnswers gives the indicator, for each answer, that of its
// weakest Danish series, its reason led by the series' breakdown.
func headlineAnswers(cat *indicators.Catalogue, a *Indicator) {
	var st, dir, prog *Series
	for _, sr := range a.Series {
		if sr.Geography != Home || sr.Answers == nil {
			continue
		}
		x := sr.Answers
		if st == nil || standingWorse(x.Standing, st.Answers.Standing) {
			st = sr
		}
		if dir == nil || directionRank[x.Direction.State] < directionRank[dir.Answers.Direction.State] {
			dir = sr
		}
		if prog == nil || severity[x.SinceBaseline.Status] < severity[prog.Answers.SinceBaseline.Status] {
			prog = sr
		}
	}
	if st == nil {
		return
	}
	lead := func(sr *Series, ans Answer) Answer {
		ans.Series = sr.Breakdown.Key()
		if len(sr.Breakdown) > 0 {
			ans.ReasonDA = BreakdownLabel(cat, sr.Breakdown, true) + ": " + ans.ReasonDA
			ans.ReasonEN = BreakdownLabel(cat, sr.Breakdown, false) + ": " + ans.ReasonEN
		}
		return ans
	}
	a.Answers = &Answers{Standing: lead(st, st.Answers.Standing), Direction: lead(dir, dir.Answers.Direction),
		SinceBaseline: lead(prog, prog.Answers.SinceBaseline)}
}

// joinDA joins names as a sentence does: "a, b og c".
func joinDA(names []string, and string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + and + " " + names[len(names)-1]
}
