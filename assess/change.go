package assess

import (
	"math"

	"github.com/kraeftplan/kpv/indicators"
)

// Significance is what the data say about a change: a direction is claimed
// only when its 95 % interval excludes zero.
type Significance string

// The significance states.
const (
	// SigBetter and SigWorse: the interval of the change excludes zero.
	SigBetter Significance = "better"
	SigWorse  Significance = "worse"
	// SigNone: the interval of the change includes zero.
	SigNone Significance = "no_significant_change"
	// SigUnknown: neither counts nor intervals, so no interval of the change.
	SigUnknown Significance = "unknown"
	// SigExact: the figures are complete counts (regions with a service),
	// not samples, so the change has no sampling error.
	SigExact Significance = "exact"
)

// Significances are all significance states, in the order metrics expose them.
var Significances = []Significance{SigBetter, SigNone, SigWorse, SigExact, SigUnknown}

// SignificanceLabels are the Danish and English names.
var SignificanceLabels = map[Significance][2]string{
	SigBetter:  {"Signifikant bedre", "Significantly better"},
	SigWorse:   {"Signifikant dårligere", "Significantly worse"},
	SigNone:    {"Ingen signifikant ændring", "No significant change"},
	SigUnknown: {"Signifikans ukendt", "Significance unknown"},
	SigExact:   {"Optælling: ingen stikprøveusikkerhed", "Complete count: no sampling error"},
}

// Methods of the interval of a change.
const (
	// DiffNewcombe: Newcombe (1998) method 10, the hybrid score interval for
	// a difference of two independent proportions from Wilson intervals of
	// each, computed from numerators and denominators.
	DiffNewcombe = "newcombe_hybrid_score"
	// DiffMOVER: the method of variance estimates recovery (Zou & Donner
	// 2008) from the published intervals of two independent estimates; for
	// symmetric intervals it is the square root of the sum of the squared
	// half-widths (Altman & Bland 2003).
	DiffMOVER = "mover"
)

// Change is the difference between two figures of a series with its 95 %
// interval and significance.
type Change struct {
	From       string  `json:"from"`
	To         string  `json:"to"`
	FromValue  float64 `json:"from_value"`
	ToValue    float64 `json:"to_value"`
	Difference float64 `json:"difference"`
	// CI is the 95 % interval of the difference (absent when unknown).
	CI           *Interval    `json:"ci,omitempty"`
	Significance Significance `json:"significance"`
	ReasonEN     string       `json:"reason_en"`
	ReasonDA     string       `json:"reason_da"`
}

// DiffInterval is the 95 % interval of est1 − est2 from the two estimates'
// own independent 95 % intervals, by the method of variance estimates
// recovery (Zou & Donner 2008, Statistics in Medicine 27:1693–1702, eq. 8):
//
//	L = d − √((est1 − l1)² + (u2 − est2)²),  U = d + √((u1 − est1)² + (est2 − l2)²)
//
// With Wilson intervals this is Newcombe's (1998) method 10; with symmetric
// intervals it is d ± √(h1² + h2²) (Altman & Bland 2003, BMJ 326:219).
func DiffInterval(est1 float64, ci1 Interval, est2 float64, ci2 Interval) (lo, hi float64) {
	d := est1 - est2
	lo = d - math.Sqrt(sq(est1-ci1.Lower)+sq(ci2.Upper-est2))
	hi = d + math.Sqrt(sq(ci1.Upper-est1)+sq(est2-ci2.Lower))
	return lo, hi
}

// NewcombeDiff is the 95 % interval of p1 − p2 for k1/n1 and k2/n2 by
// Newcombe (1998) method 10, as proportions. ok is false when a count is
// not a proportion.
func NewcombeDiff(k1, n1, k2, n2 float64) (lo, hi float64, ok bool) {
	l1, u1, ok1 := Wilson(k1, n1, Z95)
	l2, u2, ok2 := Wilson(k2, n2, Z95)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	lo, hi = DiffInterval(k1/n1, Interval{Lower: l1, Upper: u1}, k2/n2, Interval{Lower: l2, Upper: u2})
	return lo, hi, true
}

func sq(v float64) float64 { return v * v }

// AssessChange works out the change from a to b (b later) in an indicator
// of the given unit and polarity, with its interval and significance.
func AssessChange(a, b Figure, unit indicators.Unit, polarity indicators.Polarity) *Change {
	c := &Change{From: a.Period, To: b.Period, FromValue: a.Value, ToValue: b.Value, Difference: b.Value - a.Value}
	uda, uen := unit.Change().Words()
	span := sprintfEN("%s → %s: %g → %g (%+.1f%s", a.Period, b.Period, a.Value, b.Value, c.Difference, uen)
	spanDA := sprintfDA("%s → %s: %g → %g (%+.1f%s", a.Period, b.Period, a.Value, b.Value, c.Difference, uda)
	switch {
	case unit.Exact():
		c.Significance = SigExact
		c.ReasonEN = span + "); a complete count, not a sample: the change is exact"
		c.ReasonDA = spanDA + "); en optælling, ikke en stikprøve: ændringen er eksakt"
		return c
	case a.CI == nil || b.CI == nil:
		c.Significance = SigUnknown
		c.ReasonEN = span + "); significance unknown: the figures have neither counts nor published intervals"
		c.ReasonDA = spanDA + "); signifikans ukendt: tallene har hverken antal eller offentliggjorte intervaller"
		return c
	}
	lo, hi := DiffInterval(b.Value, *b.CI, a.Value, *a.CI)
	method := DiffMOVER
	if a.CI.Method == WilsonCI && b.CI.Method == WilsonCI {
		method = DiffNewcombe
	}
	c.CI = &Interval{Lower: lo, Upper: hi, Method: method}
	ci := sprintfEN("95 %% CI %.1f to %.1f", lo, hi)
	ciDA := sprintfDA("95 %%-KI %.1f til %.1f", lo, hi)
	switch {
	case lo <= 0 && hi >= 0:
		c.Significance = SigNone
		c.ReasonEN = span + ", " + ci + "): no significant change — the interval includes zero"
		c.ReasonDA = spanDA + ", " + ciDA + "): ingen signifikant ændring — intervallet omfatter nul"
	case (lo > 0) == !polarity.BadAbove():
		c.Significance = SigBetter
		c.ReasonEN = span + ", " + ci + "): significantly better"
		c.ReasonDA = spanDA + ", " + ciDA + "): signifikant bedre"
	default:
		c.Significance = SigWorse
		c.ReasonEN = span + ", " + ci + "): significantly worse"
		c.ReasonDA = spanDA + ", " + ciDA + "): signifikant dårligere"
	}
	return c
}
