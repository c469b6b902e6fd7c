package view

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
)

// yearly is a series' history: one figure per year from first (NaN-free;
// a zero value leaves the year out, a gap).
func yearly(first int, values ...float64) []Value {
	var out []Value
	for i, v := range values {
		if v == 0 {
			continue
		}
		y := first + i
		out = append(out, Value{Period: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006"), Value: v,
			Start: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)})
	}
	return out
}

func rankIndicator(compared int, ranks ...float64) Indicator {
	five := 1.0
	return Indicator{ID: "rank", NameDA: "Placering", NameEN: "Rank", Unit: indicators.UnitRank,
		Target: Target{Kind: indicators.TargetRank, Value: &five, Year: 2030, TextDA: "1. plads i 2030", TextEN: "rank 1 by 2030"},
		Rows: []Row{{Breakdown: indicators.Breakdown{"sex": "female"}, BreakdownDA: "Kvinder", BreakdownEN: "Women",
			History: yearly(2016, ranks...), Answers: &assess.Answers{Standing: assess.Answer{Compared: compared}}}}}
}

// tickLabels are the value axis's labels of a chart (text anchored at its
// end, left of the plot).
func tickLabels(svg string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`text-anchor="end" font-size="12" fill="#444">([^<]+)<`).FindAllStringSubmatch(svg, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestRankAxis: a rank axis runs from 1 to the number of countries
// compared, whatever ranks are drawn, and says so.
func TestRankAxis(t *testing.T) {
	for _, c := range []struct {
		name     string
		compared int
		ranks    []float64
		want     string
	}{
		{"first of four", 4, []float64{1, 1, 1}, "1 2 3 4"},
		{"second and third of five", 5, []float64{2, 3, 2}, "1 2 3 4 5"},
		{"unknown count: the ranks drawn", 0, []float64{1, 3}, "1 2 3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			svg := string(IndicatorChart(rankIndicator(c.compared, c.ranks...), 2026))
			if got := strings.Join(tickLabels(svg), " "); got != c.want {
				t.Errorf("rank axis %q, want %q", got, c.want)
			}
			if n := strings.Fields(c.want); !strings.Contains(svg, "fra 1 (bedst, øverst) til "+n[len(n)-1]) {
				t.Error("the key does not say where the rank axis runs")
			}
		})
	}
}

// TestDenmarkMarkedAlike: Denmark's marker in a Nordic comparison is the
// same whether it is first or last, and never red.
func TestDenmarkMarkedAlike(t *testing.T) {
	country := func(code, name string, rank int, v float64) NordicCountry {
		return NordicCountry{Country: code, NameDA: name, Rank: rank, Value: v}
	}
	marker := regexp.MustCompile(`<circle class="denmark"[^>]*fill="([^"]+)"[^>]*>`)
	radius := regexp.MustCompile(`<circle class="denmark"[^>]*r="([^"]+)"`)
	var first string
	for _, c := range []struct {
		name      string
		countries []NordicCountry
	}{
		{"Denmark first", []NordicCountry{country("DK", "Danmark", 1, 74.9), country("FI", "Finland", 2, 73.5), country("SE", "Sverige", 3, 70.8)}},
		{"Denmark last", []NordicCountry{country("SE", "Sverige", 1, 92.3), country("FI", "Finland", 2, 90.8), country("DK", "Danmark", 3, 90.2)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			svg := string(NordicChart(Nordic{CancerSiteDA: "Brystkræft", SexDA: "Kvinder", Period: "2016-2020", Countries: c.countries}))
			m, r := marker.FindStringSubmatch(svg), radius.FindStringSubmatch(svg)
			if m == nil || r == nil {
				t.Fatalf("no Denmark marker in %s", svg)
			}
			if m[1] != colourDenmark || strings.Contains(svg, "#c0392b") {
				t.Errorf("Denmark is drawn %s; red in the chart: %v", m[1], strings.Contains(svg, "#c0392b"))
			}
			if !regexp.MustCompile(`font-weight="bold" fill="#222">\d\. Danmark<`).MatchString(svg) {
				t.Error("Denmark's label is not bold")
			}
			style := regexp.MustCompile(` c[xy]="[^"]+"`).ReplaceAllString(m[0], "")
			if first == "" {
				first = style
			} else if style != first {
				t.Errorf("Denmark's marker differs by rank:\n%s\n%s", first, style)
			}
		})
	}
}

// TestChartDrawsWhatItSays: panels per series on shared axes, gaps as
// gaps, and a key that lists only what is drawn.
func TestChartDrawsWhatItSays(t *testing.T) {
	ninety := 90.0
	warn, crit := 66.0, 64.0
	long := "Alle kræftformer ekskl. anden hudkræft end modermærkekræft, Kvinder"
	base := func() Indicator {
		return Indicator{ID: "x", NameDA: "Overlevelse", NameEN: "Survival", Unit: indicators.UnitPercent,
			Rows: []Row{
				{Breakdown: indicators.Breakdown{"sex": "female"}, BreakdownDA: long, BreakdownEN: "All sites, Women", History: yearly(2015, 60, 62, 0, 0, 66, 67)},
				{Breakdown: indicators.Breakdown{"sex": "male"}, BreakdownDA: "Mænd", BreakdownEN: "Men", History: yearly(2015, 58, 59, 60, 61, 62, 63)},
			}}
	}
	withCI := base()
	withCI.Rows[1].History[0].CI = &assess.Interval{Lower: 57, Upper: 59}
	withTarget := base()
	withTarget.Target = Target{Kind: indicators.TargetValue, Value: &ninety, Year: 2030, TextDA: "90 i 2030", TextEN: "90 by 2030"}
	withTarget.Thresholds = Thresholds{Warning: &warn, Critical: &crit}
	for _, c := range []struct {
		name     string
		in       Indicator
		want     []string
		not      []string
		panels   int
		segments int // moves in the first panel's line: 2 where a gap breaks it
	}{
		{"plain", base(), []string{"Danmark", "Værdiaksen går fra", "alle felter har samme akser"}, []string{"95 %-interval", "Mål:", "Advarsel", "Kritisk", "Målsti"}, 2, 2},
		{"with an interval", withCI, []string{"95 %-interval"}, []string{"Mål:"}, 2, 2},
		{"target and thresholds", withTarget, []string{"Mål: 90 i 2030", "Advarsel: 66\u00a0%", "Kritisk: 64\u00a0%", `class="target"`}, []string{"95 %-interval"}, 2, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			html := string(IndicatorChart(c.in, 2026))
			for _, w := range c.want {
				if !strings.Contains(html, w) {
					t.Errorf("lacks %q", w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(html, w) {
					t.Errorf("says %q, which is not drawn", w)
				}
			}
			if n := strings.Count(html, `<svg xmlns="http://www.w3.org/2000/svg" class="chart"`); n != c.panels {
				t.Errorf("%d panels, want %d", n, c.panels)
			}
			if n := strings.Count(html, "<svg"); n != c.panels {
				t.Errorf("%d SVGs for %d panels: the key must be no image", n, c.panels)
			}
			if !strings.Contains(html, `viewBox="0 0 340 `) {
				t.Error("the panels do not scale (viewBox)")
			}
			// The long name is wrapped, not cut.
			for _, w := range strings.Fields(long) {
				if !strings.Contains(html, w) {
					t.Errorf("the series name lost %q", w)
				}
			}
			first := html[:strings.Index(html, "</svg>")]
			path := regexp.MustCompile(`class="denmark" d="([^"]+)"`).FindStringSubmatch(first)
			if path == nil || strings.Count(path[1], "M") != c.segments {
				t.Errorf("first panel's line %v, want %d segments", path, c.segments)
			}
			// Every panel has the same value axis.
			svgs := strings.Split(html, "</svg>")
			if a, b := tickLabels(svgs[0]), tickLabels(svgs[1]); strings.Join(a, " ") != strings.Join(b, " ") {
				t.Errorf("panels' axes differ: %v, %v", a, b)
			}
		})
	}
}

// TestRegionalChartWords: a region's comparison is in words beside its
// colour, and Denmark's figure is that of the regions' breakdown.
func TestRegionalChartWords(t *testing.T) {
	v := func(x float64) *Value { return &Value{Period: "2019-2021", Value: x} }
	in := Indicator{Rows: []Row{{Breakdown: indicators.Breakdown{"sex": "total"}, History: []Value{*v(68)}}}}
	reg := Regional{NameDA: "Overlevelse", Unit: indicators.UnitPercent, Regions: []RegionRow{
		{Row: Row{Breakdown: indicators.Breakdown{"sex": "total"}, Latest: v(70)}, NameDA: "Region Hovedstaden", Period: "2019-2021", Comparison: assess.Better, ComparisonDA: "Bedre end landet"},
		{Row: Row{Breakdown: indicators.Breakdown{"sex": "total"}, Latest: v(67)}, NameDA: "Region Sjælland", Period: "2019-2021", Comparison: assess.Worse, ComparisonDA: "Dårligere end landet"},
	}}
	html := string(RegionalChart(in, reg))
	for _, w := range []string{"70\u00a0% bedre end landet", "67\u00a0% dårligere end landet", ">68\u00a0%<", `class="denmark"`} {
		if !strings.Contains(html, w) {
			t.Errorf("lacks %q", w)
		}
	}
	if strings.Contains(html, "intet tal") {
		t.Error("Denmark has no figure beside the regions")
	}
}
