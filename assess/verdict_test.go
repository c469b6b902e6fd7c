package assess

import (
	"strings"
	"testing"
)

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
