package assess

import (
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/indicators"
)

func TestGoalVerdictFollowsTheStatedRule(t *testing.T) {
	rule := indicators.VerdictRule{OnTrackShare: 0.5, RuleDA: "regel", RuleEN: "rule"}
	goal := func(st ...Status) []*Indicator {
		var out []*Indicator
		for i, s := range st {
			out = append(out, &Indicator{ID: string(rune('a' + i)), Goal: 1, Status: s})
		}
		out = append(out, &Indicator{ID: "other goal", Goal: 2, Status: Deterioration})
		return out
	}
	for _, c := range []struct {
		name string
		in   []*Indicator
		want VerdictState
	}{
		{"half on track, none worse", goal(OnTrack, TargetAchieved, OffTrack, NoSignificantChange), VerdictOnTrack},
		{"one significantly worse", goal(OnTrack, TargetAchieved, OnTrack, Deterioration), VerdictOffTrack},
		{"unknowns could still decide it", goal(OnTrack, SignificanceUnknown, NotAssessable, OffTrack), VerdictUndecided},
		{"half out of reach", goal(OnTrack, OffTrack, NoSignificantChange, NeedsAcceleration), VerdictOffTrack},
		{"nothing assessable", goal(NotAssessable, SignificanceUnknown), VerdictUndecided},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := GoalVerdict(rule, 1, c.in)
			if v.State != c.want || v.Indicators != len(c.in)-1 || v.RuleEN != "rule" {
				t.Errorf("%s: %s (%s), want %s", c.name, v.State, v.ReasonEN, c.want)
			}
		})
	}
	v := GoalVerdict(rule, 1, goal(OnTrack, Deterioration, OffTrack))
	if strings.Join(v.Worse, ",") != "b" || v.Needed != 2 || v.LabelDA != "Ikke på rette spor" ||
		v.ReasonEN != "1 of 3 indicators on track or at target (2 needed), 1 significantly worse, 0 not assessable or of unknown significance" {
		t.Errorf("%+v", v)
	}
}

func TestStatusChangesSinceThePreviousReport(t *testing.T) {
	snap := func(st map[string]Status) *Snapshot {
		s := &Snapshot{byID: map[string]*Indicator{}}
		for _, id := range []string{"a", "b", "c", "d"} {
			if v, ok := st[id]; ok {
				in := &Indicator{ID: id, Goal: 1, Status: v, StatusDA: StatusLabels[v][0], StatusEN: StatusLabels[v][1]}
				s.Indicators = append(s.Indicators, in)
				s.byID[id] = in
			}
		}
		return s
	}
	prev := snap(map[string]Status{"a": OnTrack, "b": OffTrack, "c": NotAssessable, "d": OnTrack})
	cur := snap(map[string]Status{"a": Deterioration, "b": OnTrack, "c": SignificanceUnknown, "d": OnTrack})
	got := StatusChanges(prev, cur)
	var s []string
	for _, c := range got {
		s = append(s, c.Indicator+":"+c.Direction+":"+string(c.From)+">"+string(c.To))
	}
	want := "a:worsened:on_track>deterioration b:improved:off_track>on_track c:changed:not_assessable>significance_unknown"
	if strings.Join(s, " ") != want {
		t.Errorf("changes %q, want %q", strings.Join(s, " "), want)
	}
	if len(StatusChanges(nil, cur)) != 0 {
		t.Error("no previous report: no changes")
	}
}
