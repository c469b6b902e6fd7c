package report

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
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
	before := endingBy(prev.Observations, time.Date(year-1, 12, 31, 0, 0, 0, 0, time.UTC))
	want := assess.Build(assess.Input{Catalogue: cat, Observations: before, LastSuccess: prev.LastSuccess, Now: prev.CutOff})
	diff := difference(set, &prev)
	// This year's figures come in two batches, as a read gives them.
	g := previousGather{end: time.Date(year-1, 12, 31, 0, 0, 0, 0, time.UTC)}
	half := len(set.Observations) / 2
	for half < len(set.Observations) && set.Observations[half].Indicator == set.Observations[half-1].Indicator {
		half++
	}
	for _, batch := range [][]indicators.Observation{set.Observations[:half], set.Observations[half:]} {
		g.add(batch, endingBy(batch, time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)))
	}
	got := g.snapshot(cat, diff, snap)

	in, changed := g.input(cat, diff)
	if !changed["g1_unmet_needs_followup"] || !changed["g2_involved_decisions_lup"] || changed["g1_responsibility_followup"] {
		t.Errorf("changed indicators: %v, want the revised and the one with this year's figures only", changed)
	}
	if in.Figures != len(before) || got.Figures != len(before) {
		t.Errorf("last year's report counts %d figures (assessment: %d), want %d", in.Figures, got.Figures, len(before))
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

// difference gives whole, a set read on its own, as Visible gives a later
// set of a read beside first: the figures of the indicators whose figures
// differ from first's, named in Differs.
func difference(first, whole *store.AsOfSet) *store.AsOfSet {
	byIndicator := func(obs []indicators.Observation) map[string][]indicators.Observation {
		out := map[string][]indicators.Observation{}
		for _, o := range obs {
			out[o.Indicator] = append(out[o.Indicator], o)
		}
		return out
	}
	a, b := byIndicator(first.Observations), byIndicator(whole.Observations)
	out := *whole
	out.Observations, out.Differs = nil, map[string]bool{}
	for ind := range a {
		if !reflect.DeepEqual(a[ind], b[ind]) {
			out.Differs[ind] = true
		}
	}
	for ind := range b {
		if _, ok := a[ind]; !ok {
			out.Differs[ind] = true
		}
	}
	for _, o := range whole.Observations {
		if out.Differs[o.Indicator] {
			out.Observations = append(out.Observations, o)
		}
	}
	return &out
}
