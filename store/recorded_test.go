package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// TestRecordedTimes: when each run recorded its figures, for the pages'
// "indlæst i kpv"; a run id that recorded nothing is left out.
func TestRecordedTimes(t *testing.T) {
	ctx := context.Background()
	s, c := synced(t)
	before := time.Now().Add(-time.Minute)
	r1 := write(t, s, c, []indicators.Observation{{Indicator: "g1_unmet_needs_followup", Period: "2019", Geography: "DK", Value: testkit.Float(38)}})
	r2 := write(t, s, c, []indicators.Observation{{Indicator: "g1_unmet_needs_followup", Period: "2019", Geography: "DK", Value: testkit.Float(37)}})
	for _, tc := range []struct {
		name string
		ids  []int64
		want int
	}{
		{"none asked", nil, 0},
		{"both runs", []int64{r1.ID, r2.ID}, 2},
		{"an unknown run", []int64{r1.ID, 999999}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.RecordedTimes(ctx, tc.ids)
			if err != nil || len(got) != tc.want {
				t.Fatalf("%v: %v, err %v; want %d", tc.ids, got, err, tc.want)
			}
			for id, at := range got {
				if at.Before(before) || at.After(time.Now().Add(time.Minute)) {
					t.Errorf("run %d recorded at %v", id, at)
				}
			}
		})
	}
}
