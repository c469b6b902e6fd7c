package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// pageFigures is Denmark and the five regions by sex over 100 monthly
// periods of one indicator — the 1,800 figures of the API-under-load
// benchmark — with every value shifted by shift (invented, for load only).
func pageFigures(b *testing.B, c *indicators.Catalogue, shift float64) []indicators.Observation {
	var out []indicators.Observation
	for m := range 100 {
		for _, sex := range []string{"male", "female", "total"} {
			for _, geo := range []string{"DK", "DK-81", "DK-82", "DK-83", "DK-84", "DK-85"} {
				v := 60 + float64(m%10) + shift
				out = append(out, indicators.Observation{Indicator: "g3_survival_5y_denmark", Period: fmt.Sprintf("%dM%02d", 2000+m/12, m%12+1),
					Geography: geo, Breakdown: indicators.Breakdown{"sex": sex}, Value: &v})
			}
		}
	}
	p, err := indicators.Prepare(c, out)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkObservationsPage reads the same page of current figures — the
// API's default page of 1,000 and a page of 100 for Denmark — with every
// figure stored once and with ten revisions of each (alternating values,
// ending at the same ones). The current figures are kept apart from their
// history, so the time must not grow with the revisions (scripts/bench.sh
// prints the ratio; the target is at most 1.2). Run it on its own: the
// revisions are written before the timed part, by -benchtime's measure.
//
// Both stores are written first and each page is then timed with one
// revision and with ten back to back, so the two sides of a ratio are
// measured seconds apart: on shared cores the load moves within a minute
// (one run timed the same page at 8.7 and at 23.9 ms a minute apart).
// The interleaved sub-benchmarks go further and alternate the two stores
// call by call.
func BenchmarkObservationsPage(b *testing.B) {
	ctx := context.Background()
	stores := map[int]*store.Store{}
	for _, revisions := range []int{1, 10} {
		s, c := synced(b)
		for r := 1; r <= revisions; r++ {
			figs := pageFigures(b, c, float64((revisions-r)%2))
			_, err := s.Record(ctx, "sds-kraeftoverlevelse", store.KindTest, func(ctx context.Context, tx pgx.Tx, runID int64) (store.Counts, error) {
				return store.WriteObservations(ctx, tx, runID, "sds-kraeftoverlevelse", figs)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		// Measured as the store stands once autovacuum has been by after
		// the revisions (the revised figures' old row versions are dead
		// until then; revisions arrive a few times a year).
		if err := s.Exec(ctx, `VACUUM ANALYZE figures, figure_history, series, periods`); err != nil {
			b.Fatal(err)
		}
		stores[revisions] = s
	}
	for _, page := range []struct {
		name string
		f    store.ObservationFilter
	}{
		{"default", store.ObservationFilter{Indicator: "g3_survival_5y_denmark", Limit: 1000}},
		{"page100", store.ObservationFilter{Indicator: "g3_survival_5y_denmark", Geographies: []string{"DK"}, Limit: 100}},
	} {
		for _, revisions := range []int{1, 10} {
			s := stores[revisions]
			b.Run(fmt.Sprintf("page=%s/revisions=%d", page.name, revisions), func(b *testing.B) {
				for b.Loop() {
					obs, err := s.Observations(ctx, page.f)
					if err != nil || len(obs) != page.f.Limit {
						b.Fatalf("%d figures, %v", len(obs), err)
					}
				}
			})
		}
		// The same ratio with the two stores read call by call in turn,
		// so the load of the moment weighs on both alike: the median
		// time of a read of the ten-revision store over the one-revision
		// store's (metric 10x/1x).
		b.Run(fmt.Sprintf("page=%s/interleaved", page.name), func(b *testing.B) {
			took := map[int][]time.Duration{}
			for i := 0; b.Loop(); i++ {
				for _, revisions := range [][]int{{1, 10}, {10, 1}}[i%2] {
					start := time.Now()
					obs, err := stores[revisions].Observations(ctx, page.f)
					if err != nil || len(obs) != page.f.Limit {
						b.Fatalf("%d figures, %v", len(obs), err)
					}
					took[revisions] = append(took[revisions], time.Since(start))
				}
			}
			median := func(d []time.Duration) float64 {
				slices.Sort(d)
				return float64(d[len(d)/2])
			}
			b.ReportMetric(median(took[10])/median(took[1]), "10x/1x")
		})
	}
}
