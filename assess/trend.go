package assess

import (
	"math"
	"slices"
	"sync"

	"github.com/kraeftplan/kpv/indicators"
)

// Methods of fitting a trend.
const (
	// TrendWLS: weighted least squares of ln(value) on time, each figure
	// weighted by the inverse variance of its log recovered from its 95 %
	// interval; the interval of the slope uses the normal quantile.
	TrendWLS = "wls_log"
	// TrendOLS: ordinary least squares of ln(value) on time where the
	// figures have no intervals; the slope's standard error comes from the
	// scatter about the line and its interval from Student's t with n − 2
	// degrees of freedom, as NCI's Joinpoint/SEER*Stat annual percent change.
	TrendOLS = "ols_log"
)

// Trend is the annual percent change of a series over three or more
// periods: APC = 100 (e^b − 1) for the slope b of ln(value) on years (NCI
// SEER*Stat, "Annual Percent Change (APC) and Confidence Interval").
type Trend struct {
	From    string  `json:"from"`
	To      string  `json:"to"`
	Periods int     `json:"periods"`
	APC     float64 `json:"apc"`
	// CI is the 95 % interval of the APC, in per cent a year.
	CI           *Interval    `json:"ci,omitempty"`
	Method       string       `json:"method"`
	Significance Significance `json:"significance"`
	ReasonEN     string       `json:"reason_en"`
	ReasonDA     string       `json:"reason_da"`
}

// tQuantile975 is Student's t 0.975 quantile for 1–30 degrees of freedom
// (any statistical table); beyond 30 Cornish–Fisher's first correction.
var tQuantile975 = []float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

func tQuantile(df int) float64 {
	if df >= 1 && df <= len(tQuantile975) {
		return tQuantile975[df-1]
	}
	z := Z95
	return z + (z*z*z+z)/(4*float64(df))
}

// floatPool holds the fits' working memory: a series is fitted several
// times, and a full report fits every series of a million figures.
var floatPool sync.Pool

// floats returns room for n numbers from floatPool; put it back when done.
func floats(n int) *[]float64 {
	b, _ := floatPool.Get().(*[]float64)
	if b == nil {
		b = new([]float64)
	}
	*b = slices.Grow((*b)[:0], n)[:n]
	return b
}

// FitTrend fits the trend of figures (oldest first). It returns nil with
// fewer than three figures.
func FitTrend(figs []Figure, polarity indicators.Polarity) *Trend {
	n := len(figs)
	if n < 3 {
		return nil
	}
	t := &Trend{From: figs[0].Period, To: figs[n-1].Period, Periods: n, Significance: SigUnknown}
	weighted := true
	for _, f := range figs {
		if !(f.Value > 0) {
			t.ReasonEN = sprintfEN("a trend on the log scale needs positive figures; %s is %g", f.Period, f.Value)
			t.ReasonDA = sprintfDA("en trend på logaritmisk skala kræver positive tal; %s er %g", f.Period, f.Value)
			return t
		}
		if f.CI == nil || !(f.CI.Lower > 0) || !(f.CI.Upper > f.CI.Lower) {
			weighted = false
		}
	}
	buf := floats(3 * n)
	defer floatPool.Put(buf)
	x, y, w := (*buf)[:n], (*buf)[n:2*n], (*buf)[2*n:]
	m0 := monthNumber(figs[0].End)
	for i, f := range figs {
		x[i] = float64(monthNumber(f.End)-m0) / 12
		y[i] = math.Log(f.Value)
		w[i] = 1
		if weighted {
			se := (math.Log(f.CI.Upper) - math.Log(f.CI.Lower)) / (2 * Z95)
			w[i] = 1 / (se * se)
		}
	}
	var sw, swx, swy float64
	for i := range x {
		sw += w[i]
		swx += w[i] * x[i]
		swy += w[i] * y[i]
	}
	mx, my := swx/sw, swy/sw
	var sxx, sxy float64
	for i := range x {
		sxx += w[i] * sq(x[i]-mx)
		sxy += w[i] * (x[i] - mx) * (y[i] - my)
	}
	if sxx == 0 {
		t.ReasonEN, t.ReasonDA = "the periods do not span any time", "perioderne spænder ikke over nogen tid"
		return t
	}
	b := sxy / sxx
	var se, q float64
	if weighted {
		t.Method, se, q = TrendWLS, math.Sqrt(1/sxx), Z95
	} else {
		var sse float64
		for i := range x {
			sse += sq(y[i] - (my + b*(x[i]-mx)))
		}
		t.Method, se, q = TrendOLS, math.Sqrt(sse/float64(n-2)/sxx), tQuantile(n-2)
	}
	apc := func(v float64) float64 { return 100 * (math.Exp(v) - 1) }
	t.APC = apc(b)
	t.CI = &Interval{Lower: apc(b - q*se), Upper: apc(b + q*se), Method: t.Method}
	span := sprintfEN("%s → %s, %d periods: %+.2f %% a year (95 %% CI %+.2f to %+.2f)", t.From, t.To, n, t.APC, t.CI.Lower, t.CI.Upper)
	spanDA := sprintfDA("%s → %s, %d perioder: %+.2f %% om året (95 %%-KI %+.2f til %+.2f)", t.From, t.To, n, t.APC, t.CI.Lower, t.CI.Upper)
	switch {
	case t.CI.Lower <= 0 && t.CI.Upper >= 0:
		t.Significance = SigNone
		t.ReasonEN, t.ReasonDA = span+": no significant trend", spanDA+": ingen signifikant udvikling"
	case (t.CI.Lower > 0) == !polarity.BadAbove():
		t.Significance = SigBetter
		t.ReasonEN, t.ReasonDA = span+": significantly improving", spanDA+": signifikant forbedring"
	default:
		t.Significance = SigWorse
		t.ReasonEN, t.ReasonDA = span+": significantly worsening", spanDA+": signifikant forværring"
	}
	return t
}
