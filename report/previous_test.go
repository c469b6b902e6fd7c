package report

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// The previous year's assessment, reusing this year's for the indicators
// whose figures are the same, is the one a full build gives: statuses,
// reasons and the changes since that report. The figures are invented.
func TestPreviousAssessmentReusesOnlyUnchangedIndicators(t *testing.T) {
	cat := testkit.Catalogue(t)
	set := fixture(t, cat)
	const year = 2026
	prev := *set
	prev.Observations = nil
	for _, o := range set.Observations {
		switch {
		case o.Indicator == "g1_unmet_needs_followup" && o.Period == "2023" && o.Geography == "DK":
			// An earlier revision, before this year's: much better then.
			o.Value, o.Numerator, o.Revision = testkit.Float(20), testkit.Float(400), 1
		case o.Indicator == "g2_involved_decisions_lup" && o.Period == "2025":
			continue // published this year: not in last year's report
		}
		prev.Observations = append(prev.Observations, o)
	}
	obs := endingBy(set.Observations, time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC))
	snap := assess.Build(assess.Input{Catalogue: cat, Observations: obs, LastSuccess: set.LastSuccess, Now: set.CutOff})
	got := previousSnapshot(cat, year, set, &prev, snap, obs)
	before := endingBy(prev.Observations, time.Date(year-1, 12, 31, 0, 0, 0, 0, time.UTC))
	want := assess.Build(assess.Input{Catalogue: cat, Observations: before, LastSuccess: prev.LastSuccess, Now: prev.CutOff})

	changed := changedIndicators(obs, before)
	if !changed["g1_unmet_needs_followup"] || !changed["g2_involved_decisions_lup"] || changed["g1_responsibility_followup"] {
		t.Errorf("changed indicators: %v, want the revised and the one with this year's figures only", changed)
	}
	for _, w := range want.Indicators {
		g, ok := got.Indicator(w.ID)
		if !ok {
			t.Errorf("%s: not assessed", w.ID)
			continue
		}
		if g.Status != w.Status || g.ReasonEN != w.ReasonEN || !reflect.DeepEqual(g.Freshness, w.Freshness) || len(g.Series) != len(w.Series) {
			t.Errorf("%s: %s (%s), want %s (%s) as a full build gives", w.ID, g.Status, g.ReasonEN, w.Status, w.ReasonEN)
		}
	}
	gotChanges, wantChanges := assess.StatusChanges(got, snap), assess.StatusChanges(want, snap)
	if !reflect.DeepEqual(gotChanges, wantChanges) {
		t.Errorf("changes since last year's report: %+v, want %+v", gotChanges, wantChanges)
	}
	if !slices.ContainsFunc(wantChanges, func(c assess.StatusChange) bool { return c.Indicator == "g2_involved_decisions_lup" }) {
		t.Errorf("the test's figures change no status since last year: %+v", wantChanges)
	}
}

func TestSameFigure(t *testing.T) {
	a := indicators.Observation{Indicator: "x", Period: "2024", Geography: "DK", Breakdown: indicators.Breakdown{"sex": "male"}, Value: testkit.Float(1)}
	b := a
	b.Value, b.Breakdown = testkit.Float(1), indicators.Breakdown{"sex": "male"}
	if !sameFigure(&a, &b) {
		t.Error("equal figures in different memory are not the same")
	}
	for name, change := range map[string]func(o *indicators.Observation){
		"value":     func(o *indicators.Observation) { o.Value = testkit.Float(2) },
		"breakdown": func(o *indicators.Observation) { o.Breakdown = indicators.Breakdown{"sex": "female"} },
		"revision":  func(o *indicators.Observation) { o.Revision = 2 },
		"ci":        func(o *indicators.Observation) { o.CILower = testkit.Float(0) },
	} {
		c := a
		change(&c)
		if sameFigure(&a, &c) {
			t.Errorf("figures differing in %s are the same", name)
		}
	}
}
