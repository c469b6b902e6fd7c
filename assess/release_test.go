package assess

import (
	"slices"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// A rank is computed within one release: Norway's figure from NORDCAN 9.0
// is not ranked against Denmark's and Sweden's from 9.2, which recomputed
// the period; Norway is missing from the 9.2 ranking instead.
func TestRankWithinOneRelease(t *testing.T) {
	cat := testkit.Catalogue(t)
	fig := func(geo string, v float64, release string, published time.Time) indicators.Observation {
		return indicators.Observation{Indicator: "g3_survival_5y_nordic", Period: "2014-2018", Geography: geo,
			Breakdown: indicators.Breakdown{"sex": "male", "cancer_site": "990"}, Value: testkit.Float(v), Release: release, PublishedAt: published}
	}
	v90, v92 := time.Date(2021, 3, 19, 0, 0, 0, 0, time.UTC), time.Date(2022, 10, 31, 0, 0, 0, 0, time.UTC)
	s := Build(Input{Catalogue: cat, Now: now, Observations: obs(t, cat, []indicators.Observation{
		fig("DK", 60, "9.2", v92), fig("SE", 75, "9.2", v92), fig("NO", 90, "9.0", v90),
	})})
	a, _ := s.Indicator("g3_nordic_rank_all_sites")
	sr := series(t, a, "DK", "sex=male")
	if sr.Latest.Value != 2 || sr.Ranking == nil || sr.Ranking.Compared != 2 || sr.Ranking.Leader != "SE" || !slices.Contains(sr.Ranking.Missing, "NO") {
		t.Errorf("rank %v, ranking %+v; want 2 of 2 within 9.2 (Sweden first, Norway missing)", sr.Latest.Value, sr.Ranking)
	}
}

// A change is measured within one release: Denmark's 2011-2015 figure from
// NORDCAN 9.0 and its 2016-2020 figure from 9.2 are not one series' two
// periods; only the newer release's figures count.
func TestChangeWithinOneRelease(t *testing.T) {
	cat := testkit.Catalogue(t)
	fig := func(period string, v float64, release string, published time.Time) indicators.Observation {
		return indicators.Observation{Indicator: "g3_survival_5y_nordic", Period: period, Geography: "DK",
			Breakdown: indicators.Breakdown{"sex": "female", "cancer_site": "180"}, Value: testkit.Float(v), Release: release, PublishedAt: published}
	}
	s := Build(Input{Catalogue: cat, Now: now, Observations: obs(t, cat, []indicators.Observation{
		fig("2011-2015", 80, "9.0", time.Date(2021, 3, 19, 0, 0, 0, 0, time.UTC)),
		fig("2016-2020", 90.2, "9.2", time.Date(2022, 10, 31, 0, 0, 0, 0, time.UTC)),
	})})
	a, _ := s.Indicator("g3_survival_5y_nordic")
	sr := series(t, a, "DK", "cancer_site=180,sex=female")
	if sr.Periods != 1 || sr.Latest.Value != 90.2 || sr.Previous != nil {
		t.Errorf("periods %d, latest %v, previous %v; want only release 9.2's 2016-2020", sr.Periods, sr.Latest, sr.Previous)
	}
}
