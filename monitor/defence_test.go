package monitor

import (
	"time"

	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// The Barometer's responsibility item, 21 → 23 % without counts (made-up
// later figure; the late-effects items break in 2023):
// /metrics says significance unknown, never a direction; every goal has
// one verdict; the series labels stay those of the other series metrics.
func TestDefenceMetrics(t *testing.T) {
	cat := testkit.Catalogue(t)
	v := func(x float64) *float64 { return &x }
	obs, err := indicators.Prepare(cat, []indicators.Observation{
		{Indicator: "g1_responsibility_followup", Period: "2019", Geography: "DK", Value: v(21)},
		{Indicator: "g1_responsibility_followup", Period: "2023", Geography: "DK", Value: v(23)},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Catalogue: cat, Now: func() time.Time { return fixedNow }})
	m.swap(assess.Build(assess.Input{Catalogue: cat, Observations: obs, Now: fixedNow}))
	c := m.Collector()
	got := ""
	for _, mf := range gather(t, c, "kpv_indicator_change_significance") {
		if mf.GetGauge().GetValue() == 1 {
			for _, l := range mf.Label {
				if l.GetName() == "significance" {
					got = l.GetValue()
				}
			}
		}
	}
	if got != string(assess.SigUnknown) {
		t.Errorf("significance %q, want unknown", got)
	}
	if st := collectState(t, c, "kpv_indicator_status", `indicator="g1_responsibility_followup"`); st != string(assess.SignificanceUnknown) {
		t.Errorf("headline %q, want significance_unknown", st)
	}
	if n := countOnes(t, c, "kpv_goal_verdict"); n != len(cat.Goals) {
		t.Errorf("%d goals with a verdict, want %d", n, len(cat.Goals))
	}
	if n := countOnes(t, c, "kpv_indicator_short_term_status"); n != 1 {
		t.Errorf("%d short-term states, want 1 (the one series)", n)
	}
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}
