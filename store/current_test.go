package store_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

// The assessment's compact read gives, indicator by indicator, the same
// current figures as the general read of the latest figures (the latest revision,
// suppressed cells without a value, counts and intervals, breakdowns),
// leaving out only the run's source and the recording time; given series
// ids it reads only those.
func TestCurrentFiguresMatchObservations(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c := testkit.Catalogue(t)
	if _, err := s.SyncCatalogue(ctx, c); err != nil {
		t.Fatal(err)
	}
	write(t, s, c, []indicators.Observation{
		{Indicator: "g1_unmet_needs_followup", Period: "2019", Geography: "DK", Value: testkit.Float(38), CILower: testkit.Float(36), CIUpper: testkit.Float(40)},
		{Indicator: "g1_unmet_needs_followup", Period: "2019", Geography: "DK-81", Value: testkit.Float(36), Numerator: testkit.Float(180), Denominator: testkit.Float(500)},
		{Indicator: "g1_unmet_needs_followup", Period: "2023", Geography: "DK-85", Suppressed: true},
		{Indicator: "g1_late_effects_need_unmet", Period: "2023", Geography: "DK", Breakdown: indicators.Breakdown{"need_type": "physical"}, Value: testkit.Float(20)},
	})
	write(t, s, c, []indicators.Observation{ // a revision of one figure
		{Indicator: "g1_unmet_needs_followup", Period: "2019", Geography: "DK", Value: testkit.Float(37), CILower: testkit.Float(35), CIUpper: testkit.Float(39)},
	})

	want, err := s.Observations(ctx, store.ObservationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byIndicator := map[string][]indicators.Observation{}
	for _, o := range want {
		o.Source, o.RecordedAt = "", time.Time{}
		byIndicator[o.Indicator] = append(byIndicator[o.Indicator], o)
	}
	// The rows come in binary and are decoded by hand; over the simple
	// protocol they come as text and are scanned: the same figures.
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	simple, err := store.Open(ctx, url+sep+"default_query_exec_mode=simple_protocol")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(simple.Close)
	var got map[string][]indicators.Observation
	for _, st := range []*store.Store{s, simple} {
		var order []string
		got = map[string][]indicators.Observation{}
		if err := st.CurrentFigures(ctx, nil, func(ind string, figs []indicators.Observation) error {
			order = append(order, ind)
			got[ind] = slices.Clone(figs)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(order, []string{"g1_late_effects_need_unmet", "g1_unmet_needs_followup"}) {
			t.Fatalf("indicators read %v, want each once in id order", order)
		}
		for ind, w := range byIndicator {
			if g := got[ind]; !sameFigures(g, w) {
				t.Errorf("%s: the compact read gave\n%+v\nwant\n%+v", ind, g, w)
			}
		}
	}
	for _, o := range got["g1_unmet_needs_followup"] {
		if o.Geography == "DK" && (*o.Value != 37 || o.Revision != 2 || *o.CILower != 35) {
			t.Errorf("the current DK figure is %+v, want the revision 37 (35–39)", o)
		}
	}

	// One series by id: only its figures.
	versions, err := s.SeriesVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var one int32
	for _, v := range versions {
		if v.Indicator == "g1_unmet_needs_followup" && v.Geography == "DK-81" {
			one = v.ID
		}
	}
	n := 0
	if err := s.CurrentFigures(ctx, []int32{one}, func(ind string, figs []indicators.Observation) error {
		n += len(figs)
		if ind != "g1_unmet_needs_followup" || len(figs) != 1 || figs[0].Geography != "DK-81" || *figs[0].Denominator != 500 {
			t.Errorf("series %d: %s %+v", one, ind, figs)
		}
		return nil
	}); err != nil || n != 1 {
		t.Errorf("reading series %d: %d figures, err %v", one, n, err)
	}
}

// sameFigures compares two sets of figures in any order, by value.
func sameFigures(a, b []indicators.Observation) bool {
	sorted := func(obs []indicators.Observation) []indicators.Observation {
		return slices.SortedFunc(slices.Values(obs), func(x, y indicators.Observation) int {
			return strings.Compare(x.Period+"|"+x.Geography+"|"+x.Breakdown.Key(), y.Period+"|"+y.Geography+"|"+y.Breakdown.Key())
		})
	}
	return len(a) == len(b) && reflect.DeepEqual(sorted(a), sorted(b))
}
