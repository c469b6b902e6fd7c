package assess

import (
	"math"
	"slices"

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
