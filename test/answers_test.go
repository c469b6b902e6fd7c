package test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/internal/testkit"
)

// TestBundledFiguresAnswerTheQuestion (issue 24) loads the bundled
// snapshots as `make up` does and checks the answers: every indicator with
// figures has a standing and a direction with their reasons, "not
// assessable" only without figures; goal 3 is decided in the API, on
// /metrics and in the 2025 and 2026 reports; no projected value lies
// outside its unit's range; no milestone is called overdue without a
// status report that says so.
func TestBundledFiguresAnswerTheQuestion(t *testing.T) {
	base := serveBundled(t)
	cat := testkit.Catalogue(t)

	type answer struct {
		State    string
		Status   string
		ReasonDA string `json:"reason_da"`
		ReasonEN string `json:"reason_en"`
	}
	var snap struct {
		Goals []struct {
			Goal    int
			Verdict struct {
				State    string
				ReasonDA string `json:"reason_da"`
				ReasonEN string `json:"reason_en"`
			}
		}
		Indicators []struct {
			Indicator string
			Status    string
			ReasonEN  string `json:"reason_en"`
			Answers   *struct {
				Standing      answer
				Direction     answer
				SinceBaseline answer `json:"since_baseline"`
			}
			Series []struct {
				Geography  string
				Projection *struct {
					Value float64 `json:"projected_value"`
					Lower float64 `json:"projected_lower"`
					Upper float64 `json:"projected_upper"`
				}
			}
		}
	}
	testkit.GetJSON(t, base+"/api/v1/assessment", &snap)
	for _, in := range snap.Indicators {
		def, ok := cat.Indicator(in.Indicator)
		if !ok {
			t.Fatalf("unknown indicator %s", in.Indicator)
		}
		if len(in.Series) == 0 {
			if in.Status != "not_assessable" || in.Answers != nil {
				t.Errorf("%s: no figures, status %s answers %+v", in.Indicator, in.Status, in.Answers)
			}
			continue
		}
		a := in.Answers
		switch {
		case in.Status == "not_assessable":
			t.Errorf("%s has figures but is not assessable: %s", in.Indicator, in.ReasonEN)
		case a == nil || a.Standing.State == "" || a.Standing.ReasonDA == "" || a.Direction.State == "" || a.Direction.ReasonDA == "" ||
			a.Direction.ReasonEN == "" || a.SinceBaseline.Status == "" || a.SinceBaseline.ReasonDA == "":
			t.Errorf("%s: answers %+v", in.Indicator, a)
		}
		lo, hi := def.Unit.Bounds()
		for _, sr := range in.Series {
			if p := sr.Projection; p != nil && (p.Value < lo || p.Value > hi || p.Lower < lo || p.Upper > hi) {
				t.Errorf("%s %s: projection %+v outside %v–%v", in.Indicator, sr.Geography, p, lo, hi)
			}
		}
	}
	verdict := map[int]string{}
	for _, g := range snap.Goals {
		verdict[g.Goal] = g.Verdict.State
		t.Logf("API goal %d: %s\n  DA: %s\n  EN: %s", g.Goal, g.Verdict.State, g.Verdict.ReasonDA, g.Verdict.ReasonEN)
	}
	if verdict[3] != "off_track" {
		t.Errorf("goal 3 in the API: %q, want decided (off_track: Denmark last of four for breast and prostate, beyond the intervals)", verdict[3])
	}

	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !strings.Contains(string(body), `kpv_goal_verdict{goal="3",state="off_track"} 1`) {
		t.Error(`/metrics lacks kpv_goal_verdict{goal="3",state="off_track"} 1`)
	}

	for _, year := range []int{2025, 2026} {
		var rep struct {
			Verdicts []struct {
				Goal     int
				State    string
				ReasonDA string `json:"reason_da"`
				ReasonEN string `json:"reason_en"`
				RuleDA   string `json:"rule_da"`
			}
		}
		testkit.GetJSON(t, fmt.Sprintf("%s/api/v1/reports/%d", base, year), &rep)
		for _, v := range rep.Verdicts {
			t.Logf("report %d, goal %d: %s\n  DA: %s\n  EN: %s", year, v.Goal, v.State, v.ReasonDA, v.ReasonEN)
			if v.Goal == 3 && (v.State != "off_track" || !strings.HasPrefix(v.ReasonDA, "Ikke på rette spor efter reglen") || v.RuleDA != cat.Verdict.RuleDA) {
				t.Errorf("report %d, goal 3: %s %q", year, v.State, v.ReasonDA)
			}
		}
		if len(rep.Verdicts) != 3 {
			t.Errorf("report %d: %d verdicts", year, len(rep.Verdicts))
		}
	}

	// No status report has been submitted: no milestone is overdue, those
	// past their date are "not reported".
	var ms struct {
		Items []struct {
			ID, State string
			StateDA   string `json:"state_da"`
		} `json:"items"`
	}
	testkit.GetJSON(t, base+"/api/v1/milestones", &ms)
	notReported := 0
	for _, m := range ms.Items {
		switch m.State {
		case "overdue":
			t.Errorf("milestone %s is overdue without a status report", m.ID)
		case "not_reported":
			notReported++
			if m.StateDA != "Ikke rapporteret" {
				t.Errorf("milestone %s: %q", m.ID, m.StateDA)
			}
		}
	}
	if notReported == 0 {
		t.Error("no milestone past its date: the check would prove nothing")
	}
}
