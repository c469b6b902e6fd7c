package assess

import (
	"math"
	"slices"
	"strings"

	"github.com/kraeftplan/kpv/indicators"
)

// VerdictState is a goal's verdict.
type VerdictState string

// The verdicts.
const (
	VerdictOnTrack   VerdictState = "on_track"
	VerdictOffTrack  VerdictState = "off_track"
	VerdictUndecided VerdictState = "undecided"
)

// VerdictStates are all verdicts, in the order metrics expose them.
var VerdictStates = []VerdictState{VerdictOnTrack, VerdictUndecided, VerdictOffTrack}

// VerdictLabels are the Danish and English names.
var VerdictLabels = map[VerdictState][2]string{
	VerdictOnTrack:   {"På rette spor", "On track"},
	VerdictOffTrack:  {"Ikke på rette spor", "Off track"},
	VerdictUndecided: {"Kan ikke afgøres endnu", "Cannot be decided yet"},
}

// Verdict is a goal's verdict by the catalogue's rule, with the counts it
// rests on.
type Verdict struct {
	State   VerdictState `json:"state"`
	LabelDA string       `json:"label_da"`
	LabelEN string       `json:"label_en"`
	RuleDA  string       `json:"rule_da"`
	RuleEN  string       `json:"rule_en"`
	// Indicators is how many the goal has and WithFigures how many of them
	// have figures; Needed is how many must have figures for the goal to
	// be on track. Short lists those short of their target beyond the
	// statistical uncertainty without closing the gap at the pace needed,
	// Worse those significantly worse over the last five years: either
	// decides the goal off track. OnTrack counts those that meet their
	// target or improve significantly at the pace needed; Unknown those
	// whose standing or direction the figures cannot tell.
	Indicators  int      `json:"indicators"`
	WithFigures int      `json:"with_figures"`
	OnTrack     int      `json:"on_track"`
	Needed      int      `json:"needed"`
	Short       []string `json:"short"`
	Worse       []string `json:"worse"`
	Unknown     int      `json:"unknown"`
	ReasonEN    string   `json:"reason_en"`
	ReasonDA    string   `json:"reason_da"`
}

// GoalVerdict judges a goal by the catalogue's rule from the answers of
// its indicators' Danish series (answers.go):
//
//   - off track when a series is short of its target in the latest period
//     beyond the statistical uncertainty (intervals that do not overlap)
//     and is not improving significantly at the pace the target needs, or
//     when a series worsened significantly over the last five years;
//   - on track when none is, at least rule.OnTrackShare of the goal's
//     indicators have figures, and every series meets its target or
//     improves significantly (at the pace needed, where a level is set);
//   - otherwise undecided, saying why.
//
// A gap without intervals, or a change without counts or intervals, never
// decides on its own; the reason names them as what the figures show.
func GoalVerdict(cat *indicators.Catalogue, goal int, all []*Indicator) *Verdict {
	rule := cat.Verdict
	v := &Verdict{RuleDA: rule.RuleDA, RuleEN: rule.RuleEN, Short: []string{}, Worse: []string{}}
	var shortDA, shortEN, worseDA, worseEN, pointDA, pointEN []string
	name := func(id string) (string, string) {
		if d, ok := cat.Indicator(id); ok {
			return d.NameDA, d.NameEN
		}
		return id, id
	}
	for _, a := range all {
		if a.Goal != goal {
			continue
		}
		v.Indicators++
		if a.Answers == nil {
			continue
		}
		v.WithFigures++
		nda, nen := name(a.ID)
		short, worse, good, unknown := false, false, true, false
		var shortItems [][2]string
		var point *Series
		for _, sr := range a.Series {
			x := sr.Answers
			if sr.Geography != Home || x == nil {
				continue
			}
			closing := x.Direction.State == DirectionImproving && (x.Direction.AtPace == nil || *x.Direction.AtPace)
			switch {
			case x.Standing.State == StandingNotMet && x.Standing.Uncertainty == UncertaintyBeyond && !closing:
				short = true
				da, en := leadAnswer(cat, sr, x.Standing)
				shortItems = append(shortItems, [2]string{da, en})
			case x.Standing.State == StandingNotMet && x.Standing.Uncertainty == UncertaintyUnknown && !closing:
				if point == nil || standingWorse(x.Standing, point.Answers.Standing) {
					point = sr
				}
			}
			if x.Direction.State == DirectionWorsening {
				if !worse {
					da, en := leadAnswer(cat, sr, x.Direction)
					worseDA, worseEN = append(worseDA, nda+" – "+da), append(worseEN, nen+" – "+en)
				}
				worse = true
			}
			if !(x.Standing.State == StandingMet || closing) {
				good = false
			}
			if x.Direction.State == DirectionUnknown && x.Standing.State != StandingMet {
				unknown = true
			}
		}
		if len(shortItems) > 0 {
			var da, en []string
			for _, it := range shortItems {
				da, en = append(da, it[0]), append(en, it[1])
			}
			shortDA = append(shortDA, nda+" – "+strings.Join(da, "; "))
			shortEN = append(shortEN, nen+" – "+strings.Join(en, "; "))
		}
		if point != nil && !short {
			da, en := leadAnswer(cat, point, point.Answers.Standing)
			pointDA, pointEN = append(pointDA, nda+" – "+da), append(pointEN, nen+" – "+en)
		}
		switch {
		case short:
			v.Short = append(v.Short, a.ID)
		case good && !worse: // one that also worsened counts as off track
			v.OnTrack++
		}
		if worse {
			v.Worse = append(v.Worse, a.ID)
		}
		if unknown {
			v.Unknown++
		}
	}
	slices.Sort(v.Short)
	slices.Sort(v.Worse)
	v.Needed = int(math.Ceil(rule.OnTrackShare*float64(v.Indicators) - 1e-9))
	switch {
	case len(v.Short) > 0 || len(v.Worse) > 0:
		v.State = VerdictOffTrack
	case v.WithFigures >= v.Needed && v.OnTrack == v.WithFigures && v.WithFigures > 0:
		v.State = VerdictOnTrack
	default:
		v.State = VerdictUndecided
	}
	v.LabelDA, v.LabelEN = VerdictLabels[v.State][0], VerdictLabels[v.State][1]
	counts := sprintfEN("%d af %d indikatorer har tal", v.WithFigures, v.Indicators)
	countsEN := sprintfEN("%d of %d indicators have figures", v.WithFigures, v.Indicators)
	switch v.State {
	case VerdictOffTrack:
		v.ReasonDA = "Ikke på rette spor efter reglen: "
		v.ReasonEN = "Off track by the rule: "
		if len(shortDA) > 0 {
			v.ReasonDA += "mindst én indikator ligger i den seneste periode fra sit mål ud over den statistiske usikkerhed uden signifikant forbedring i det nødvendige tempo. " + strings.Join(shortDA, ". ") + "."
			v.ReasonEN += "at least one indicator is short of its target in the latest period beyond the statistical uncertainty, without improving significantly at the pace needed. " + strings.Join(shortEN, ". ") + "."
		}
		if len(worseDA) > 0 {
			if len(shortDA) > 0 {
				v.ReasonDA += " Desuden er "
				v.ReasonEN += " Also, "
			}
			v.ReasonDA += "signifikant forværret i de seneste fem år: " + strings.Join(worseDA, ". ") + "."
			v.ReasonEN += "significantly worse over the last five years: " + strings.Join(worseEN, ". ") + "."
		}
		if len(pointDA) > 0 {
			v.ReasonDA += " Efter punktestimaterne alene (uden konfidensintervaller, afgør ikke i sig selv): " + strings.Join(pointDA, ". ") + "."
			v.ReasonEN += " By the point estimates alone (no confidence intervals, not deciding on their own): " + strings.Join(pointEN, ". ") + "."
		}
		v.ReasonDA += " (" + counts + ".)"
		v.ReasonEN += " (" + countsEN + ".)"
	case VerdictOnTrack:
		v.ReasonDA = sprintfEN("På rette spor efter reglen: %s (%d kræves), og hver af dem har nået sit mål eller er signifikant forbedret i det nødvendige tempo; ingen er signifikant forværret.", counts, v.Needed)
		v.ReasonEN = sprintfEN("On track by the rule: %s (%d needed), and each of them meets its target or improves significantly at the pace needed; none worsened significantly.", countsEN, v.Needed)
	default:
		v.ReasonDA = sprintfEN("Kan ikke afgøres endnu efter reglen: %s (%d kræves for at kunne være på rette spor); ingen ligger fra sit mål ud over den statistiske usikkerhed, og ingen er signifikant forværret, men %d af dem med tal har hverken nået et mål eller vist en signifikant forbedring", counts, v.Needed, v.WithFigures-v.OnTrack)
		v.ReasonEN = sprintfEN("Cannot be decided yet by the rule: %s (%d needed to be on track); none is short of its target beyond the statistical uncertainty and none worsened significantly, but %d of those with figures have neither met a target nor improved significantly", countsEN, v.Needed, v.WithFigures-v.OnTrack)
		if v.WithFigures == 0 {
			v.ReasonDA = sprintfEN("Kan ikke afgøres endnu efter reglen: ingen af målets %d indikatorer har offentliggjorte tal", v.Indicators)
			v.ReasonEN = sprintfEN("Cannot be decided yet by the rule: none of the goal's %d indicators has published figures", v.Indicators)
			if g, ok := cat.Goal(goal); ok && g.FindingDA != "" {
				v.ReasonDA += ". " + strings.TrimSuffix(g.FindingDA, ".")
				v.ReasonEN += ". " + strings.TrimSuffix(g.FindingEN, ".")
			}
		}
		if len(pointDA) > 0 {
			v.ReasonDA += ". Efter punktestimaterne alene (uden konfidensintervaller): " + strings.Join(pointDA, ". ")
			v.ReasonEN += ". By the point estimates alone (no confidence intervals): " + strings.Join(pointEN, ". ")
		}
		v.ReasonDA += "."
		v.ReasonEN += "."
	}
	return v
}

// StatusChange is an indicator whose headline status differs from the
// previous year's report.
type StatusChange struct {
	Indicator string `json:"indicator"`
	Goal      int    `json:"goal"`
	From      Status `json:"from"`
	To        Status `json:"to"`
	FromDA    string `json:"from_da"`
	FromEN    string `json:"from_en"`
	ToDA      string `json:"to_da"`
	ToEN      string `json:"to_en"`
	// Direction is "improved", "worsened", or "changed" where one side
	// is not assessable or of unknown significance.
	Direction string `json:"direction"`
	ReasonEN  string `json:"reason_en"`
	ReasonDA  string `json:"reason_da"`
}

// standing orders the statuses that say how an indicator is doing, worst
// first; those absent say nothing either way.
var standing = map[Status]int{Deterioration: 1, OffTrack: 2, NoSignificantChange: 3, NeedsAcceleration: 4, OnTrack: 5, TargetAchieved: 6}

// StatusChanges lists the indicators whose headline status differs between
// the previous report's snapshot and this one: worsened first, then
// improved, then changed, each in catalogue order.
func StatusChanges(prev, cur *Snapshot) []StatusChange {
	out := []StatusChange{}
	if prev == nil || cur == nil {
		return out
	}
	for _, a := range cur.Indicators {
		p, ok := prev.Indicator(a.ID)
		if !ok || p.Status == a.Status {
			continue
		}
		c := StatusChange{Indicator: a.ID, Goal: a.Goal, From: p.Status, To: a.Status,
			FromDA: StatusLabels[p.Status][0], FromEN: StatusLabels[p.Status][1], ToDA: a.StatusDA, ToEN: a.StatusEN,
			Direction: "changed", ReasonEN: a.ReasonEN, ReasonDA: a.ReasonDA}
		from, to := standing[p.Status], standing[a.Status]
		switch {
		case from > 0 && to > 0 && to > from:
			c.Direction = "improved"
		case from > 0 && to > 0:
			c.Direction = "worsened"
		}
		out = append(out, c)
	}
	order := map[string]int{"worsened": 0, "improved": 1, "changed": 2}
	slices.SortStableFunc(out, func(x, y StatusChange) int { return order[x.Direction] - order[y.Direction] })
	return out
}

// leadAnswer is an answer's reason led by its series' breakdown.
func leadAnswer(cat *indicators.Catalogue, sr *Series, ans Answer) (da, en string) {
	if len(sr.Breakdown) == 0 {
		return ans.ReasonDA, ans.ReasonEN
	}
	return BreakdownLabel(cat, sr.Breakdown, true) + ": " + ans.ReasonDA, BreakdownLabel(cat, sr.Breakdown, false) + ": " + ans.ReasonEN
}
