package store

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortByOrder: figures come out in Observations' order (indicator,
// period, series rank) whatever order they were read in, by buckets (side
// by side for many) or, when the ranks are sparse, by comparison.
func TestSortByOrder(t *testing.T) {
	cases := []struct {
		name                        string
		figures                     int
		indicators, periods, series int32
		inSeriesOrder, sparse       bool
	}{
		{"read in order", 5000, 10, 50, 20, true, false},
		{"read shuffled", 5000, 10, 50, 20, false, false},
		{"one bucket of many series", 300, 1, 1, 300, false, false},
		{"sparse ranks", 2000, 4000, 4000, 5, false, true},
		// Well above splitFromFigures (after duplicates are dropped too):
		// counted and placed side by side.
		{"many read in order", 4 * splitFromFigures, 30, 300, 18, true, false},
		{"many read shuffled", 4 * splitFromFigures, 30, 300, 18, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			ranks := make([][3]int32, c.figures)
			for i := range ranks {
				ranks[i] = [3]int32{rng.Int32N(c.indicators) + 1, rng.Int32N(c.periods) + 1, int32(i) % c.series}
			}
			// Series ranks are unique within an indicator and period.
			seen := map[[3]int32]bool{}
			ranks = slices.DeleteFunc(ranks, func(r [3]int32) bool { d := seen[r]; seen[r] = true; return d })
			figs := make([]figureRef, len(ranks))
			for i := range figs {
				figs[i] = figureRef(i)
			}
			if c.inSeriesOrder {
				slices.SortFunc(figs, func(a, b figureRef) int { return cmp.Compare(ranks[a][2], ranks[b][2]) })
			} else {
				rng.Shuffle(len(figs), func(i, j int) { figs[i], figs[j] = figs[j], figs[i] })
			}
			sortByOrder(figs, func(r figureRef) [3]int32 { return ranks[r] }, int64(c.indicators)+1, int64(c.periods)+1)
			if !slices.IsSortedFunc(figs, func(a, b figureRef) int {
				x, y := ranks[a], ranks[b]
				return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1]), cmp.Compare(x[2], y[2]))
			}) {
				t.Error("figures not in (indicator, period, series) order")
			}
			if got := len(slices.Compact(slices.Sorted(slices.Values(figs)))); got != len(ranks) {
				t.Errorf("%d distinct figures after sorting, want %d", got, len(ranks))
			}
		})
	}
}
