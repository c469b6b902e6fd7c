package test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chartCheck is what the test reads of an indicator page on a phone.
type chartCheck struct {
	Charts    int      `json:"charts"`
	Overflow  []string `json:"overflow"`  // charts wider than the screen
	Small     []string `json:"small"`     // charts drawn at under 3/4 of their size
	Sources   []string `json:"sources"`   // the latest figures' "Kilde" lines
	Published string   `json:"published"` // the folded table's publications
}

const readCharts = `(() => {
  const out = {charts: 0, overflow: [], small: [], sources: [], published: ""};
  for (const s of document.querySelectorAll("svg.chart")) {
    const r = s.getBoundingClientRect();
    if (r.width === 0) continue;
    out.charts++;
    const name = (s.querySelector(":scope > title") || {}).textContent || "?";
    if (r.right > window.innerWidth + 1) out.overflow.push(name + " " + Math.round(r.right));
    const scale = r.width / s.viewBox.baseVal.width;
    if (scale < 0.75) out.small.push(name + " " + scale.toFixed(2));
  }
  for (const td of document.querySelectorAll("tr.source td")) out.sources.push(td.textContent.replace(/\s+/g, " ").trim());
  out.published = [...document.querySelectorAll("td.pub")].map((td) => td.textContent.replace(/\s+/g, " ").trim()).join(" | ");
  return out;
})()`

// TestPagesChartsOnPhone opens indicator pages of the bundled figures at
// 390 px: every chart fits the screen and is drawn at three quarters of
// its size or more (its 12-unit text at 9 px or more), and each series'
// latest figure names its publication, with the newspaper and news
// articles the figures come from in the folded table.
func TestPagesChartsOnPhone(t *testing.T) {
	base := serveBundled(t)
	ctx := browser(t)
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 1400)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, id  string
		charts    int // at least
		sources   []string
		published []string
	}{
		{"survival in Denmark, by sex and region", "g3_survival_5y_denmark", 4,
			[]string{"Indenrigs- og Sundhedsministeriet", "2. maj 2024", "indlæst i kpv"},
			[]string{"Dagens Medicin", "juni 2017", "Sundhedsdatastyrelsen", "17. juni 2021"}},
		{"cancer packages, quarters and regions", "g3_cancer_pathways_within_standard_time", 2,
			[]string{"Sundhedsstyrelsen", "Monitorering af forløbstider på kræftområdet 4. kvartal 2025", "2026"},
			[]string{"Jyllands-Posten", "september 2018", "17. marts 2022"}},
		{"Nordic survival, eight series", "g3_survival_5y_nordic", 16,
			[]string{"31. oktober 2022 (udgave 9.2)", "Kræftens Bekæmpelse", "Langt flere overlever kræft i Danmark", "19. marts 2021"},
			nil},
		{"Nordic rank, derived", "g3_nordic_rank_by_site", 12,
			[]string{"Beregnet af kpv ud fra tal fra", "31. oktober 2022"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			step, cancel := context.WithTimeout(ctx, 90*time.Second)
			defer cancel()
			if _, err := chromedp.Run(step, chromedp.NavigateResponse(base+"/sider/indikatorer/"+c.id)); err != nil {
				t.Fatal(err)
			}
			got, err := chromedp.Run(step, chromedp.Evaluate[chartCheck](readCharts))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d charts; first source: %.160s", got.Charts, strings.Join(got.Sources, " | "))
			if got.Charts < c.charts || len(got.Overflow) > 0 || len(got.Small) > 0 {
				t.Errorf("%d charts (want at least %d); wider than the screen: %v; drawn too small: %v", got.Charts, c.charts, got.Overflow, got.Small)
			}
			sources := strings.Join(got.Sources, " | ")
			for _, w := range c.sources {
				if !strings.Contains(sources, w) {
					t.Errorf("the latest figures' sources lack %q: %s", w, sources)
				}
			}
			for _, w := range c.published {
				if !strings.Contains(got.Published, w) {
					t.Errorf("the folded table's publications lack %q", w)
				}
			}
		})
	}
}
