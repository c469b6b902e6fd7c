// Package assess works out where each indicator of the plan stands: its
// progress from baseline towards target, how the regions compare with
// Denmark as a whole, Denmark's rank among the Nordic countries, and whether
// its data are fresh. It is pure: it reads the catalogue and a set of
// figures and returns a Snapshot; the monitor package keeps the current one
// and serves it to Prometheus and the API.
package assess

import (
	"math"

	"github.com/kraeftplan/kpv/indicators"
)

// Z95 is the standard normal quantile for a two-sided 95% interval.
const Z95 = 1.959963984540054

// Interval is a confidence interval, in the indicator's unit.
type Interval struct {
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
	// Method is how it was obtained: "published" (as the publisher gave
	// it) or "wilson" (computed by kpv from numerator and denominator).
	Method string `json:"method"`
}

// Interval methods.
const (
	Published = "published"
	WilsonCI  = "wilson"
)

// Wilson returns the Wilson score interval for k successes out of n at the
// normal quantile z, as proportions in [0, 1] (Wilson 1927; Newcombe 1998,
// method 3, without continuity correction). ok is false when n is not
// positive or k lies outside [0, n].
func Wilson(k, n, z float64) (lo, hi float64, ok bool) {
	if !(n > 0) || k < 0 || k > n || math.IsInf(n, 0) {
		return 0, 0, false
	}
	p := k / n
	z2 := z * z
	centre := p + z2/(2*n)
	half := z * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	den := 1 + z2/n
	lo, hi = (centre-half)/den, (centre+half)/den
	// Rounding can leave the bounds a hair outside [0, 1] at p = 0 or 1.
	return math.Max(0, lo), math.Min(1, hi), true
}

// Overlaps reports whether two closed intervals share at least one point.
func (a Interval) Overlaps(b Interval) bool {
	return a.Lower <= b.Upper && b.Lower <= a.Upper
}

// Comparison is how a region's figure compares with Denmark's.
type Comparison string

// The comparison states, in the order metrics expose them.
const (
	Better        Comparison = "better"
	Similar       Comparison = "similar"
	Worse         Comparison = "worse"
	NotComparable Comparison = "not_comparable"
)

// Comparisons are all comparison states.
var Comparisons = []Comparison{Better, Similar, Worse, NotComparable}

// Compare says whether region is better, similar or worse than national:
// overlapping intervals are similar (the difference is not clear at the 95%
// level by this conservative rule); otherwise the side the region lies on,
// read through the indicator's polarity.
func Compare(region, national Interval, polarity indicators.Polarity) Comparison {
	if region.Overlaps(national) {
		return Similar
	}
	above := region.Lower > national.Upper
	if above != polarity.BadAbove() {
		return Better
	}
	return Worse
}
