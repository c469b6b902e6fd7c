package assess

import (
	"maps"
	"math"
	"slices"
	"time"

	"github.com/kraeftplan/kpv/indicators"
)

// CountryFigure is one country's figure in a comparison.
type CountryFigure struct {
	Country string    `json:"country"`
	Value   float64   `json:"value"`
	CI      *Interval `json:"ci,omitempty"`
	Rank    int       `json:"rank"`
}

// Ranking is Denmark's place among the compared countries for one period,
// cancer entity and sex.
type Ranking struct {
	// Rank is Denmark's rank, 1 = best; countries with equal values share a
	// rank (1, 2, 2, 4).
	Rank int `json:"rank"`
	// Compared is how many countries had a figure; Missing lists those that
	// did not (suppressed or not published), so a rank of 1 among 2 is not
	// read as 1 among 5.
	Compared int      `json:"compared"`
	Missing  []string `json:"missing"`
	Leader   string   `json:"leader"`
	// GapToLeader is the leader's value minus Denmark's, in points of the
	// unit, signed so that it is 0 when Denmark leads and positive behind.
	GapToLeader float64 `json:"gap_to_leader"`
	// TieWithLeader is true when Denmark trails the leader but their
	// confidence intervals overlap (a statistical tie, not a clear loss),
	// false when they do not overlap, and nil when Denmark leads or an
	// interval is unknown.
	TieWithLeader *bool `json:"tie_with_leader"`
	// AtTop is rank 1 or a statistical tie with the leader.
	AtTop     bool            `json:"at_top"`
	Countries []CountryFigure `json:"countries"`
}

// Rank ranks home among figures (one per country, suppressed ones left
// out) under polarity; expected lists the countries that should take part.
// ok is false when home has no figure or no other country has one.
func Rank(home string, figures []CountryFigure, expected []string, polarity indicators.Polarity) (Ranking, bool) {
	var r Ranking
	var homeFig *CountryFigure
	figs := slices.Clone(figures)
	slices.SortStableFunc(figs, func(a, b CountryFigure) int {
		switch {
		case polarity.Better(a.Value, b.Value):
			return -1
		case polarity.Better(b.Value, a.Value):
			return 1
		}
		return 0
	})
	for i := range figs {
		figs[i].Rank = i + 1
		if i > 0 && figs[i].Value == figs[i-1].Value {
			figs[i].Rank = figs[i-1].Rank
		}
		if figs[i].Country == home {
			homeFig = &figs[i]
		}
	}
	if homeFig == nil || len(figs) < 2 {
		return r, false
	}
	leader := figs[0]
	r.Rank, r.Compared, r.Countries = homeFig.Rank, len(figs), figs
	r.Leader = leader.Country
	gap := polarity.Improvement(leader.Value - homeFig.Value)
	// Published figures have one or two decimals: keep the difference free
	// of binary floating-point noise (74.6 − 67.2 = 7.4, not 7.3999…).
	r.GapToLeader = math.Round(gap*1e9) / 1e9
	r.Missing = []string{}
	for _, c := range expected {
		if !slices.ContainsFunc(figs, func(f CountryFigure) bool { return f.Country == c }) {
			r.Missing = append(r.Missing, c)
		}
	}
	if r.Rank > 1 && homeFig.CI != nil && leader.CI != nil {
		tie := homeFig.CI.Overlaps(*leader.CI)
		r.TieWithLeader = &tie
	}
	r.AtTop = r.Rank == 1 || r.TieWithLeader != nil && *r.TieWithLeader
	return r, true
}

// NordicRank is Denmark's Nordic ranking for one cancer entity and sex in
// the latest period that has one.
type NordicRank struct {
	Indicator  string `json:"indicator"`
	CancerSite string `json:"cancer_site"`
	Sex        string `json:"sex"`
	Period     string `json:"period"`
	Ranking
}

// groupRanking is the comparison of countries for one period and breakdown
// (other than country) of a comparison series.
type groupRanking struct {
	Period    Point
	Breakdown indicators.Breakdown
	Ranking   Ranking
}

// rankGroups ranks Denmark among countries for every period and breakdown
// of a comparison series.
func rankGroups(obs []indicators.Observation, countries []string, polarity indicators.Polarity) map[string]*groupRanking {
	// A rank is computed within one publisher's release, never across two
	// (each release recomputes earlier periods): where a period's figures
	// come from several releases, the newest release's are ranked and the
	// countries it lacks are missing.
	type release struct {
		published time.Time
		figs      []CountryFigure
	}
	type group struct {
		period   Point
		b        indicators.Breakdown
		releases map[string]*release
	}
	groups := map[string]*group{}
	for _, o := range obs {
		if o.Suppressed || !slices.Contains(countries, o.Geography) {
			continue
		}
		k := o.Period + "|" + o.Breakdown.Key()
		g := groups[k]
		if g == nil {
			g = &group{period: Point{Period: o.Period, End: o.PeriodEnd}, b: o.Breakdown, releases: map[string]*release{}}
			groups[k] = g
		}
		rel := g.releases[o.Release]
		if rel == nil {
			rel = &release{}
			g.releases[o.Release] = rel
		}
		if o.PublishedAt.After(rel.published) {
			rel.published = o.PublishedAt
		}
		f := figureOf(&o)
		rel.figs = append(rel.figs, CountryFigure{Country: o.Geography, Value: f.Value, CI: f.CI})
	}
	out := map[string]*groupRanking{}
	for k, g := range groups {
		var newest *release
		for _, label := range slices.Sorted(maps.Keys(g.releases)) {
			if rel := g.releases[label]; newest == nil || rel.published.After(newest.published) {
				newest = rel
			}
		}
		r, ok := Rank(Home, newest.figs, countries, polarity)
		if ok {
			out[k] = &groupRanking{Period: g.period, Breakdown: g.b, Ranking: r}
		}
	}
	return out
}

// derive turns rankings into the figures of a derived indicator (Denmark's
// rank, or its gap to the best), with the ranking behind each figure keyed
// by series and period.
func derive(def *indicators.Indicator, groups map[string]*groupRanking) ([]indicators.Observation, map[string]*Ranking) {
	var obs []indicators.Observation
	ranks := map[string]*Ranking{}
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		g := groups[k]
		if !slices.Contains(def.Derived.CancerSites, g.Breakdown["cancer_site"]) {
			continue
		}
		b := indicators.Breakdown{}
		for _, dim := range def.Breakdowns {
			if v, ok := g.Breakdown[dim]; ok {
				b[dim] = v
			}
		}
		v := float64(g.Ranking.Rank)
		if def.Derived.Method == indicators.GapToBest {
			v = g.Ranking.GapToLeader
		}
		obs = append(obs, indicators.Observation{Indicator: def.ID, Period: g.Period.Period, PeriodEnd: g.Period.End,
			Geography: Home, Breakdown: b, Value: &v})
		ranks[Home+"|"+b.Key()+"|"+g.Period.Period] = &g.Ranking
	}
	return obs, ranks
}

// nordicRanks lists Denmark's latest ranking for every cancer entity and
// sex of each comparison series.
func nordicRanks(rankings map[string]map[string]*groupRanking) []NordicRank {
	var out []NordicRank
	for _, from := range slices.Sorted(maps.Keys(rankings)) {
		latest := map[string]*groupRanking{}
		for _, g := range rankings[from] {
			k := g.Breakdown["cancer_site"] + "|" + g.Breakdown["sex"]
			if cur := latest[k]; cur == nil || g.Period.End.After(cur.Period.End) {
				latest[k] = g
			}
		}
		for _, k := range slices.Sorted(maps.Keys(latest)) {
			g := latest[k]
			out = append(out, NordicRank{Indicator: from, CancerSite: g.Breakdown["cancer_site"], Sex: g.Breakdown["sex"],
				Period: g.Period.Period, Ranking: g.Ranking})
		}
	}
	return out
}
