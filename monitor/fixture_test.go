package monitor

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// benchCatalogue is the shipped catalogue with n extra indicators, each
// published for Denmark and the five regions by sex: 18 series apiece, so
// about 260 exposed series per indicator.
func benchCatalogue(tb testing.TB, n int) *indicators.Catalogue {
	tb.Helper()
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, `  - id: "bench_%03d"
    goal: %d
    name_da: "Benchmark-indikator %d"
    name_en: "Benchmark indicator %d"
    unit: "percent"
    polarity: "higher_is_better"
    baseline: {to_be_set: true, note: "Benchmark fixture."}
    target: {direction: "improve", year: 2030, basis: "Benchmark fixture."}
    thresholds: {warning: 50, critical: 40, basis: "Benchmark fixture."}
    owner: "regioner"
    source: "indberetning"
    breakdowns: ["region", "sex"]
    methodology: "Benchmark fixture."
`, i, 1+i%3, i, i)
	}
	return testkit.CatalogueWith(tb, map[string]string{"indicators": sb.String()})
}

// benchFigures returns two periods of figures, with counts, for every
// series of the bench indicators; shift changes every value (for revisions).
func benchFigures(tb testing.TB, cat *indicators.Catalogue, shift float64) []indicators.Observation {
	tb.Helper()
	var out []indicators.Observation
	geos := []string{"DK", "DK-81", "DK-82", "DK-83", "DK-84", "DK-85"}
	for _, in := range cat.Indicators {
		if !strings.HasPrefix(in.ID, "bench_") {
			continue
		}
		for g, geo := range geos {
			for s, sex := range []string{"male", "female", "total"} {
				for p, period := range []string{"2025", "2026"} {
					den := 1000.0 + float64(100*g)
					num := float64(500+10*g+5*s+20*p) + shift
					v := 100 * num / den
					out = append(out, indicators.Observation{Indicator: in.ID, Period: period, Geography: geo,
						Breakdown: indicators.Breakdown{"sex": sex}, Value: &v, Numerator: &num, Denominator: &den})
				}
			}
		}
	}
	prepared, err := indicators.Prepare(cat, out)
	if err != nil {
		tb.Fatal(err)
	}
	return prepared
}
