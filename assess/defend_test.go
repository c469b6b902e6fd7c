package assess

import (
	"math"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/indicators"
)

// Newcombe RG (1998), "Interval estimation for the difference between
// independent proportions: comparison of eleven methods", Statistics in
// Medicine 17:873–890, Table II, method 10 (score interval from Wilson
// intervals, no continuity correction), to four decimals. Examples (a) and
// (b) are also the reference values of the R package propint's tests.
func TestNewcombeMethod10MatchesTableII(t *testing.T) {
	for _, c := range []struct {
		name           string
		k1, n1, k2, n2 float64
		lo, hi         float64
	}{
		{"(a) 56/70 − 48/80", 56, 70, 48, 80, 0.0524, 0.3339},
		{"(b) 9/10 − 3/10", 9, 10, 3, 10, 0.1705, 0.8090},
		{"(d) 5/56 − 0/29", 5, 56, 0, 29, -0.0381, 0.1926},
		{"(e) 0/10 − 0/20", 0, 10, 0, 20, -0.1611, 0.2775},
		{"(g) 10/10 − 0/20", 10, 10, 0, 20, 0.6791, 1.0000},
	} {
		t.Run(c.name, func(t *testing.T) {
			lo, hi, ok := NewcombeDiff(c.k1, c.n1, c.k2, c.n2)
			if !ok || round(lo, 4) != c.lo || round(hi, 4) != c.hi {
				t.Errorf("%s: %.4f to %.4f (ok %v), Newcombe prints %.4f to %.4f", c.name, lo, hi, ok, c.lo, c.hi)
			}
		})
	}
	if _, _, ok := NewcombeDiff(5, 0, 1, 10); ok {
		t.Error("a zero denominator must be refused")
	}
}

// For symmetric published intervals the method of variance estimates
// recovery is d ± √(h1² + h2²) (Altman DG, Bland JM (2003), "Interaction
// revisited: the difference between two estimates", BMJ 326:219). Hand
// case: 70 (68–72) against 67 (65–69): 3 ± √8 = 0.17 to 5.83.
func TestDiffIntervalFromPublishedIntervals(t *testing.T) {
	lo, hi := DiffInterval(70, Interval{Lower: 68, Upper: 72}, 67, Interval{Lower: 65, Upper: 69})
	if round(lo, 4) != round(3-math.Sqrt(8), 4) || round(hi, 4) != round(3+math.Sqrt(8), 4) {
		t.Errorf("70 (68–72) − 67 (65–69) = %.4f to %.4f, want 3 ± √8", lo, hi)
	}
}

func fig(period string, v float64, ci *Interval) Figure {
	p, _ := indicators.ParsePeriod(period)
	return Figure{Point: Point{Period: p.Label, End: p.End, Value: v}, CI: ci}
}

func wilsonFig(period string, k, n float64) Figure {
	return fig(period, 100*k/n, wilsonPercent(&k, &n))
}

func TestAssessChange(t *testing.T) {
	lo, hi := indicators.LowerIsBetter, indicators.HigherIsBetter
	// The Barometer's psychological late effects, 2019 → 2023: 67 → 71 %.
	// Neither publication gives the number who needed that help nor an
	// interval (ingest/snapshots/README.md), so kpv must not guess.
	c := AssessChange(fig("2019", 67, nil), fig("2023", 71, nil), "percent", lo)
	if c.Significance != SigUnknown || c.CI != nil || c.Difference != 4 ||
		!strings.Contains(c.ReasonEN, "2019 → 2023: 67 → 71 (+4.0 percentage points); significance unknown: the figures have neither counts nor published intervals") ||
		!strings.Contains(c.ReasonDA, "(+4,0 procentpoint); signifikans ukendt") {
		t.Errorf("Barometer 67 → 71: %+v", c)
	}
	// Newcombe's example (a) as percentages, 48/80 → 56/70: a rise of 20
	// points, 5.24 to 33.39, excludes zero.
	c = AssessChange(wilsonFig("2019", 48, 80), wilsonFig("2023", 56, 70), "percent", hi)
	if c.Significance != SigBetter || c.CI.Method != DiffNewcombe || round(c.CI.Lower, 2) != 5.24 || round(c.CI.Upper, 2) != 33.39 {
		t.Errorf("48/80 → 56/70, higher is better: %+v %+v", c, c.CI)
	}
	if c := AssessChange(wilsonFig("2019", 48, 80), wilsonFig("2023", 56, 70), "percent", lo); c.Significance != SigWorse ||
		!strings.Contains(c.ReasonEN, "significantly worse") || !strings.Contains(c.ReasonDA, "signifikant dårligere") {
		t.Errorf("48/80 → 56/70, lower is better: %s %q", c.Significance, c.ReasonEN)
	}
	// Example (d) reversed, 0/29 → 5/56: the interval −3.81 to 19.26
	// includes zero.
	c = AssessChange(wilsonFig("2019", 0, 29), wilsonFig("2023", 5, 56), "percent", hi)
	if c.Significance != SigNone || round(c.CI.Lower, 2) != -3.81 || round(c.CI.Upper, 2) != 19.26 ||
		!strings.Contains(c.ReasonEN, "no significant change") || !strings.Contains(c.ReasonDA, "ingen signifikant ændring") {
		t.Errorf("0/29 → 5/56: %+v", c)
	}
	// Published intervals: MOVER.
	if c := AssessChange(fig("2019", 67, &Interval{Lower: 65, Upper: 69, Method: Published}), fig("2023", 70, &Interval{Lower: 68, Upper: 72, Method: Published}), "percent", hi); c.CI.Method != DiffMOVER || c.Significance != SigBetter {
		t.Errorf("published intervals: %+v", c)
	}
	// Regions with a service are counted, not sampled.
	if c := AssessChange(fig("2024", 2, nil), fig("2025", 3, nil), "regions", hi); c.Significance != SigExact {
		t.Errorf("regions: %s", c.Significance)
	}
}

func TestDefendKeepsStatusesToWhatTheDataSupport(t *testing.T) {
	lo := indicators.LowerIsBetter
	det := func() Progress {
		return AssessProgress(ProgressInput{Polarity: lo, Target: &indicators.Target{Direction: "improve", Year: 2030},
			Baseline: &Point{Period: "2019", End: fig("2019", 0, nil).End, Value: 67}, Latest: &Point{Period: "2023", End: fig("2023", 0, nil).End, Value: 71}})
	}
	for _, c := range []struct {
		name   string
		change *Change
		want   Status
		reason string
	}{
		{"no counts", AssessChange(fig("2019", 67, nil), fig("2023", 71, nil), "percent", lo), SignificanceUnknown, "significance unknown: the figures have neither counts"},
		{"interval includes zero", AssessChange(wilsonFig("2019", 67, 100), wilsonFig("2023", 71, 100), "percent", lo), NoSignificantChange, "no significant change"},
		{"significantly worse", AssessChange(wilsonFig("2019", 6700, 10000), wilsonFig("2023", 7100, 10000), "percent", lo), Deterioration, "worse by 1.46 % a year"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := det()
			point := Defend(&p, c.change)
			if point != Deterioration || p.Status != c.want || !strings.Contains(p.ReasonEN, c.reason) {
				t.Errorf("%s: %s (point %s) %q, want %s", c.name, p.Status, point, p.ReasonEN, c.want)
			}
		})
	}
	// 67 → 71 % is not significant even with 1,000 respondents a round
	// (−0.05 to 8.04 points); with 10,000 it is.
	if c := AssessChange(wilsonFig("2019", 670, 1000), wilsonFig("2023", 710, 1000), "percent", lo); c.Significance != SigNone || round(c.CI.Lower, 2) != -0.05 {
		t.Errorf("670/1000 → 710/1000: %+v", c.CI)
	}
	if c := AssessChange(wilsonFig("2019", 6700, 10000), wilsonFig("2023", 7100, 10000), "percent", lo); c.CI.Lower <= 0 {
		t.Errorf("670/1000 → 710/1000: %+v", c.CI)
	}
}

// The annual percent change as NCI's SEER*Stat and Joinpoint define it:
// APC = 100 (e^b − 1) for the least-squares slope b of ln(value) on years,
// its interval from Student's t with n − 2 degrees of freedom.
func TestFitTrend(t *testing.T) {
	hi := indicators.HigherIsBetter
	// An exact 5 % a year: APC 5, an interval of no width.
	tr := FitTrend([]Figure{fig("2020", 100, nil), fig("2021", 105, nil), fig("2022", 110.25, nil), fig("2023", 115.7625, nil)}, hi)
	if tr.Method != TrendOLS || round(tr.APC, 6) != 5 || round(tr.CI.Lower, 6) != 5 || round(tr.CI.Upper, 6) != 5 || tr.Significance != SigBetter {
		t.Errorf("5 %% a year: %+v %+v", tr, tr.CI)
	}
	// Worked by hand: 100, 110, 115, 130 over 2020–2023. ln values
	// 4.605170, 4.700480, 4.744932, 4.867534; x̄ = 1.5, Sxx = 5,
	// Sxy = 0.415772, b = 0.0831544, APC = 8.671 %. Residuals 0.000373,
	// 0.012528, −0.026174, 0.013273; SSE = 0.0010183, s² = SSE/2,
	// se(b) = √(s²/5) = 0.0100913; t(2) = 4.303: b ± 0.043423, APC 4.05 to 13.49.
	tr = FitTrend([]Figure{fig("2020", 100, nil), fig("2021", 110, nil), fig("2022", 115, nil), fig("2023", 130, nil)}, hi)
	if round(tr.APC, 2) != 8.67 || round(tr.CI.Lower, 2) != 4.05 || round(tr.CI.Upper, 2) != 13.49 || tr.Significance != SigBetter {
		t.Errorf("hand case: APC %.4f (%.4f to %.4f) %s", tr.APC, tr.CI.Lower, tr.CI.Upper, tr.Significance)
	}
	// Lower is better: the same rise is significantly worse.
	if tr := FitTrend([]Figure{fig("2020", 100, nil), fig("2021", 110, nil), fig("2022", 115, nil), fig("2023", 130, nil)}, indicators.LowerIsBetter); tr.Significance != SigWorse {
		t.Errorf("lower is better: %s", tr.Significance)
	}
	// Three noisy points: t(1) = 12.706 makes the interval include zero.
	if tr := FitTrend([]Figure{fig("2020", 100, nil), fig("2021", 95, nil), fig("2022", 104, nil)}, hi); tr.Significance != SigNone {
		t.Errorf("noisy: %+v %+v", tr, tr.CI)
	}
	// With intervals: weighted by the inverse variance of each log, normal
	// quantile. Equal widths on the log scale give the unweighted slope.
	ci := func(v float64) *Interval { return &Interval{Lower: v / 1.1, Upper: v * 1.1, Method: Published} }
	tr = FitTrend([]Figure{fig("2020", 100, ci(100)), fig("2021", 110, ci(110)), fig("2022", 115, ci(115)), fig("2023", 130, ci(130))}, hi)
	se := math.Log(1.1) / Z95 // of each log
	wantLo := 100 * (math.Exp(0.0831544-Z95*se/math.Sqrt(5)) - 1)
	if tr.Method != TrendWLS || round(tr.APC, 2) != 8.67 || round(tr.CI.Lower, 2) != round(wantLo, 2) {
		t.Errorf("weighted: %+v %+v, want lower %.2f", tr, tr.CI, wantLo)
	}
	if FitTrend([]Figure{fig("2020", 100, nil), fig("2021", 110, nil)}, hi) != nil {
		t.Error("two periods make no trend")
	}
	if tr := FitTrend([]Figure{fig("2020", 0, nil), fig("2021", 1, nil), fig("2022", 2, nil)}, hi); tr.Significance != SigUnknown || tr.CI != nil {
		t.Errorf("a zero: %+v", tr)
	}
}
