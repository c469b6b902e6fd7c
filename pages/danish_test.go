package pages_test

import (
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/internal/danishtext"
)

// TestPagesDanish runs the Danish-text checker over every page kind: no
// decimal point, English word, raw code, UTC stamp, plural after 1 or
// other name for a status in the Danish text (English stands in lang="en"
// elements beside it).
func TestPagesDanish(t *testing.T) {
	srv := serverWith(t, obs("g1_late_effects_need_unmet", "2019", 58.5), obs("g1_late_effects_need_unmet", "2023", 54.25))
	for _, c := range []struct{ name, path string }{
		{"index", "/sider"},
		{"goal", "/sider/maal/1"},
		{"indicator with figures", "/sider/indikatorer/g1_late_effects_need_unmet"},
		{"indicator without figures", "/sider/indikatorer/g2_pro_use"},
		{"indicator nordic", "/sider/indikatorer/g3_nordic_rank_all_sites"},
		{"source", "/sider/kilder/barometer"},
		{"milestones", "/sider/milepaele"},
		{"round", "/sider/runde"},
		{"initiative", "/sider/initiativer/5"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, _, body := get(t, srv.URL+c.path)
			if status != 200 {
				t.Fatalf("%s: %d", c.path, status)
			}
			problems, err := danishtext.CheckHTML(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Errorf("%s: %s", c.path, p)
			}
		})
	}
}
