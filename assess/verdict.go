package assess

import (
	"fmt"
	"math"
	"slices"

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
	// Indicators is how many the goal has; OnTrack how many are on track or
	// have reached their target; Needed how many must be; Worse lists those
	// significantly worse (deterioration); Unknown counts those not
	// assessable or of unknown significance.
	Indicators int      `json:"indicators"`
	OnTrack    int      `json:"on_track"`
	Needed     int      `json:"needed"`
	Worse      []string `json:"worse"`
	Unknown    int      `json:"unknown"`
	ReasonEN   string   `json:"reason_en"`
	ReasonDA   string   `json:"reason_da"`
}

// GoalVerdict judges a goal by rule from its indicators' headline statuses:
// off track when one is significantly worse (a deterioration survives
// Defend only when the data support it) or when the on-track share cannot
// be reached even if every unknown were on track; on track when at least
// the share is on track; otherwise undecided.
func GoalVerdict(rule indicators.VerdictRule, goal int, all []*Indicator) *Verdict {
	v := &Verdict{RuleDA: rule.RuleDA, RuleEN: rule.RuleEN, Worse: []string{}}
	for _, a := range all {
		if a.Goal != goal {
			continue
		}
		v.Indicators++
		switch a.Status {
		case OnTrack, TargetAchieved:
			v.OnTrack++
		case Deterioration:
			v.Worse = append(v.Worse, a.ID)
		case NotAssessable, SignificanceUnknown:
			v.Unknown++
		}
	}
	slices.Sort(v.Worse)
	v.Needed = int(math.Ceil(rule.OnTrackShare*float64(v.Indicators) - 1e-9))
	switch {
	case len(v.Worse) > 0:
		v.State = VerdictOffTrack
	case v.Indicators > 0 && v.OnTrack >= v.Needed:
		v.State = VerdictOnTrack
	case v.OnTrack+v.Unknown >= v.Needed:
		v.State = VerdictUndecided
	default:
		v.State = VerdictOffTrack
	}
	v.LabelDA, v.LabelEN = VerdictLabels[v.State][0], VerdictLabels[v.State][1]
	v.ReasonEN = fmt.Sprintf("%d of %d indicators on track or at target (%d needed), %d significantly worse, %d not assessable or of unknown significance",
		v.OnTrack, v.Indicators, v.Needed, len(v.Worse), v.Unknown)
	v.ReasonDA = fmt.Sprintf("%d af %d indikatorer på rette spor eller i mål (%d kræves), %d signifikant forværret, %d kan ikke vurderes eller har ukendt signifikans",
		v.OnTrack, v.Indicators, v.Needed, len(v.Worse), v.Unknown)
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
