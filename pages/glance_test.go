package pages_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/view"
)

// TestGlance: the index shows each goal's verdict and, for every indicator
// with figures, its latest value and period with a trend line that has a
// text alternative; an indicator without figures says so.
func TestGlance(t *testing.T) {
	cat := testkit.Catalogue(t)
	snap := assess.Build(assess.Input{Catalogue: cat, Now: now, Observations: []indicators.Observation{
		obs("g1_late_effects_need_unmet", "2019", 58.5), obs("g1_late_effects_need_unmet", "2023", 54.25),
	}})
	in, _ := view.LiveIndicator(cat, snap, "g1_late_effects_need_unmet")
	g := view.GlanceOf(in)
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"has figures", g.HasFigures},
		{"latest period", g.Latest != nil && g.Latest.Period == "2023"},
		{"direction in words", g.DirectionDA != ""},
		{"trend line with a title", strings.Contains(string(g.Spark), "<title>") && strings.Contains(string(g.Spark), "54,25")},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Errorf("glance %+v", g)
			}
		})
	}
	// A rank by cancer site: Denmark is 1st for rectal cancer and 4th for
	// breast cancer (NORDCAN 9.2, 2016–2020). The glance shows the series
	// the standing and the goal's verdict come from, the weakest, not the
	// first: "1" beside an "off track" verdict would contradict it.
	t.Run("a rank shows its weakest series", func(t *testing.T) {
		var figs []indicators.Observation
		for _, f := range []struct {
			site, sex, country string
			v, lo, hi          float64
		}{
			{"180", "female", "DK", 90.2, 89.5, 90.9}, {"180", "female", "FI", 90.8, 90.3, 91.3},
			{"180", "female", "NO", 90.8, 90.2, 91.4}, {"180", "female", "SE", 92.3, 92.0, 92.6},
			{"100", "female", "DK", 74.9, 73.0, 76.9}, {"100", "female", "FI", 73.5, 71.1, 75.9},
			{"100", "female", "NO", 73.3, 71.4, 75.2}, {"100", "female", "SE", 70.8, 69.3, 72.3},
		} {
			o := obs("g3_survival_5y_nordic", "2016-2020", f.v)
			o.Geography, o.Release = f.country, "9.2"
			o.Breakdown = indicators.Breakdown{"cancer_site": f.site, "sex": f.sex}
			o.CILower, o.CIUpper = testkit.Float(f.lo), testkit.Float(f.hi)
			figs = append(figs, o)
		}
		snap := assess.Build(assess.Input{Catalogue: cat, Now: now, Observations: figs})
		in, _ := view.LiveIndicator(cat, snap, "g3_nordic_rank_by_site")
		g := view.GlanceOf(in)
		if g.Latest == nil || g.Latest.Value != 4 || !strings.Contains(g.BreakdownDA, "Bryst") {
			t.Errorf("at a glance: %v (%s); want rank 4 for breast cancer", g.Latest, g.BreakdownDA)
		}
	})
	t.Run("no figures", func(t *testing.T) {
		in, _ := view.LiveIndicator(cat, snap, "g2_pro_use")
		if g := view.GlanceOf(in); g.HasFigures || g.Spark != "" {
			t.Errorf("an indicator without figures at a glance: %+v", g)
		}
	})
	t.Run("index", func(t *testing.T) {
		_, _, body := get(t, server(t).URL+"/sider")
		for _, gl := range cat.Goals {
			if !strings.Contains(body, `id="goal-`) {
				t.Errorf("goal %d missing", gl.ID)
			}
		}
		if n := strings.Count(body, "Vurdering: "); n != len(cat.Goals) {
			t.Errorf("%d verdicts on the index, want %d", n, len(cat.Goals))
		}
	})
}

func obs(id, period string, v float64) indicators.Observation {
	p, _ := indicators.ParsePeriod(period)
	return indicators.Observation{Indicator: id, Geography: "DK", Period: period, PeriodStart: p.Start, PeriodEnd: p.End,
		Value: &v, PublishedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// TestInitiativesAndIndicatorsLinked: an initiative page links the
// indicators that measure it, an indicator page its initiatives.
func TestInitiativesAndIndicatorsLinked(t *testing.T) {
	srv := server(t)
	for _, c := range []struct{ name, page, want string }{
		{"initiative to indicator", "/sider/initiativer/5", `href="/sider/indikatorer/g1_late_effects_need_unmet"`},
		{"indicator to initiative", "/sider/indikatorer/g1_late_effects_need_unmet", `href="/sider/initiativer/5"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, _, body := get(t, srv.URL+c.page); !strings.Contains(body, c.want) {
				t.Errorf("%s lacks %s", c.page, c.want)
			}
		})
	}
}
