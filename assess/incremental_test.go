package assess

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// TestRebuildEqualsBuild checks that an incremental rebuild gives the
// assessment a full build gives: after a change to one indicator's figures
// (only its figures passed), after a change to the figures the Nordic ranks
// are derived from, and years later with nothing changed (freshness follows
// the clock on reused indicators too). The added figure is invented.
func TestRebuildEqualsBuild(t *testing.T) {
	cat, err := indicators.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	all := shipped(t, cat)
	last := map[string]time.Time{"barometer": now.Add(-time.Hour)}
	prev := Build(Input{Catalogue: cat, Observations: all, Now: now, LastSuccess: last})

	same := func(what string, got, want *Snapshot) {
		t.Helper()
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%s: the rebuild differs from a full build:\n got %.600s\nwant %.600s", what, g, w)
		}
	}
	of := func(obs []indicators.Observation, ids ...string) []indicators.Observation {
		var out []indicators.Observation
		for _, o := range obs {
			for _, id := range ids {
				if o.Indicator == id {
					out = append(out, o)
				}
			}
		}
		return out
	}

	// One indicator gets a new figure.
	added := append(append([]indicators.Observation{}, all...), obs(t, cat, []indicators.Observation{
		{Indicator: "g1_unmet_needs_followup", Period: "2025", Geography: "DK", Value: testkit.Float(30)}})...)
	in := Input{Catalogue: cat, Observations: of(added, "g1_unmet_needs_followup"), Now: now, LastSuccess: last, Figures: len(added)}
	got := Rebuild(prev, in, map[string]bool{"g1_unmet_needs_followup": true})
	same("one indicator changed", got, Build(Input{Catalogue: cat, Observations: added, Now: now, LastSuccess: last}))
	if a, _ := got.Indicator("g1_unmet_needs_followup"); a.Freshness.LatestPeriod != "2025" {
		t.Errorf("the changed indicator was not assessed again: latest period %q", a.Freshness.LatestPeriod)
	}

	// The Nordic figures change: the ranks derived from them follow (the
	// figures of every indicator a rank is derived from are passed).
	var from []string
	for _, def := range cat.Indicators {
		if def.Derived != nil && !slices.Contains(from, def.Derived.From) {
			from = append(from, def.Derived.From)
		}
	}
	in = Input{Catalogue: cat, Observations: of(all, from...), Now: now, LastSuccess: last, Figures: len(all)}
	same("the Nordic figures changed", Rebuild(prev, in, map[string]bool{"g3_survival_5y_nordic": true}),
		Build(Input{Catalogue: cat, Observations: all, Now: now, LastSuccess: last}))

	// Nothing changed, three years on: every indicator reused, overdue now.
	later := now.AddDate(3, 0, 0)
	same("nothing changed, years later", Rebuild(prev, Input{Catalogue: cat, Now: later, LastSuccess: last, Figures: len(all)}, nil),
		Build(Input{Catalogue: cat, Observations: all, Now: later, LastSuccess: last}))
}
