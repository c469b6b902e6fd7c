package assess

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/indicators"
)

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// The reference values are Newcombe (1998), "Two-sided confidence intervals
// for the single proportion: comparison of seven methods", Statistics in
// Medicine 17:857–872, Table I, method 3 (Wilson score, no continuity
// correction), printed to four decimals.
func TestWilsonMatchesNewcombe1998(t *testing.T) {
	for _, c := range []struct{ k, n, lo, hi float64 }{
		{81, 263, 0.2553, 0.3662},
		{15, 148, 0.0624, 0.1605},
		{0, 20, 0, 0.1611},
		{1, 29, 0.0061, 0.1718},
	} {
		t.Run(fmt.Sprintf("%v/%v", c.k, c.n), func(t *testing.T) {
			lo, hi, ok := Wilson(c.k, c.n, Z95)
			if !ok || round(lo, 4) != c.lo || round(hi, 4) != c.hi {
				t.Errorf("Wilson(%v/%v) = %.4f–%.4f (ok %v), Newcombe prints %.4f–%.4f", c.k, c.n, lo, hi, ok, c.lo, c.hi)
			}
		})
	}
	for _, bad := range [][2]float64{{1, 0}, {-1, 10}, {11, 10}, {1, math.Inf(1)}} {
		t.Run(fmt.Sprintf("%v/%v", bad[0], bad[1]), func(t *testing.T) {
			if _, _, ok := Wilson(bad[0], bad[1], Z95); ok {
				t.Errorf("Wilson(%v/%v) should refuse: not a proportion", bad[0], bad[1])
			}
		})
	}
	// All or nothing stays inside [0, 1].
	if lo, hi, _ := Wilson(20, 20, Z95); hi != 1 || round(lo, 4) != 0.8389 {
		t.Errorf("Wilson(20/20) = %v–%v, want 0.8389–1", lo, hi)
	}
}

func TestCompareByOverlap(t *testing.T) {
	nat := Interval{Lower: 60, Upper: 64}
	for _, c := range []struct {
		name     string
		region   Interval
		polarity indicators.Polarity
		want     Comparison
	}{
		{"overlapping is similar", Interval{Lower: 63, Upper: 70}, indicators.HigherIsBetter, Similar},
		{"touching counts as overlapping", Interval{Lower: 64, Upper: 70}, indicators.HigherIsBetter, Similar},
		{"inside is similar", Interval{Lower: 61, Upper: 62}, indicators.LowerIsBetter, Similar},
		{"above, higher is better", Interval{Lower: 64.1, Upper: 70}, indicators.HigherIsBetter, Better},
		{"above, lower is better", Interval{Lower: 64.1, Upper: 70}, indicators.LowerIsBetter, Worse},
		{"below, higher is better", Interval{Lower: 50, Upper: 59.9}, indicators.HigherIsBetter, Worse},
		{"below, lower is better", Interval{Lower: 50, Upper: 59.9}, indicators.LowerIsBetter, Better},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Compare(c.region, nat, c.polarity); got != c.want {
				t.Errorf("Compare(%v, %v, %s) = %s, want %s", c.region, nat, c.polarity, got, c.want)
			}
		})
	}
}

func year(y int) *Point {
	return &Point{Period: itoa(y), End: time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)}
}

func itoa(y int) string { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006") }

func at(p *Point, v float64) *Point { q := *p; q.Value = v; return &q }

func value(v float64) *indicators.Target { return &indicators.Target{Value: &v, Year: 2030} }

// Hand-worked: baseline 50 in 2020, target 80 in 2030. The growth needed is
// (80/50)^(1/10) − 1 = 4.812 % a year. A latest 60 in 2024 is
// (60/50)^(1/4) − 1 = 4.664 % a year, 96.9 % of the pace: on track.
func TestProgress(t *testing.T) {
	improve := &indicators.Target{Direction: "improve", Year: 2030}
	rank1 := &indicators.Target{Rank: 1, Year: 2030}
	hi, lo := indicators.HigherIsBetter, indicators.LowerIsBetter
	for _, c := range []struct {
		name      string
		in        ProgressInput
		want      Status
		method    string
		ratio     float64 // 0: not checked
		achieved  float64 // 0: not checked
		reasonHas string
	}{
		{"value target, on track (96.9 % of pace)", ProgressInput{hi, value(80), at(year(2020), 50), at(year(2024), 60), false}, OnTrack, MethodCAGR, 0.9691, 0.046635, "97 % of the pace"},
		{"value target, needs acceleration (78.6 %)", ProgressInput{hi, value(80), at(year(2020), 50), at(year(2024), 58), false}, NeedsAcceleration, MethodCAGR, 0.7855, 0.037802, ""},
		{"value target, off track (50.1 %)", ProgressInput{hi, value(80), at(year(2020), 50), at(year(2024), 55), false}, OffTrack, MethodCAGR, 0.5011, 0.024114, ""},
		{"value target, deterioration", ProgressInput{hi, value(80), at(year(2020), 50), at(year(2024), 45), false}, Deterioration, MethodCAGR, 0, 0, ""},
		{"value target reached", ProgressInput{hi, value(80), at(year(2020), 50), at(year(2024), 82), false}, TargetAchieved, "", 0, 0, "reaches the target 80"},
		// Lower is better: 40 → 20 needs (0.5)^(1/10) − 1 = −6.697 % a year;
		// 32 in 2024 is (0.8)^(1/4) − 1 = −5.426 % a year, 81.0 % of the pace.
		{"lower is better, needs acceleration (81.0 %)", ProgressInput{lo, value(20), at(year(2020), 40), at(year(2024), 32), false}, NeedsAcceleration, MethodCAGR, 0.8102, -0.054258, ""},
		{"lower is better, moving up is deterioration", ProgressInput{lo, value(20), at(year(2020), 40), at(year(2024), 41), false}, Deterioration, MethodCAGR, 0, 0, ""},
		{"lower is better, reached", ProgressInput{lo, value(20), at(year(2020), 40), at(year(2024), 19), false}, TargetAchieved, "", 0, 0, ""},
		// Zero makes compound growth undefined: 0 → 5 regions by 2030 needs
		// 0.5 a year; 2 by 2024 is 0.5 a year.
		{"from zero, linear, on track", ProgressInput{hi, value(5), at(year(2020), 0), at(year(2024), 2), false}, OnTrack, MethodLinear, 1, 0.5, "0.50 a year"},
		// A gap to close to 0 points: 7.4 → 5.4 over 4 years is −0.5 a
		// year against −0.74 needed: 67.6 %.
		{"gap to zero, linear", ProgressInput{lo, value(0), at(year(2020), 7.4), at(year(2024), 5.4), false}, NeedsAcceleration, MethodLinear, 0.6757, -0.5, ""},
		// Direction only, lower is better: 38 → 36 over 2019–2023 is
		// (36/38)^(1/4) − 1 = −1.343 % a year, an improvement of 1.343 %.
		{"direction, lower is better, on track", ProgressInput{lo, improve, at(year(2019), 38), at(year(2023), 36), false}, OnTrack, MethodDirection, 0, -0.013426, "better by 1.34 % a year"},
		{"direction, small improvement", ProgressInput{lo, improve, at(year(2019), 38), at(year(2023), 37.8), false}, NeedsAcceleration, MethodDirection, 0, -0.001318, ""},
		{"direction, unchanged", ProgressInput{hi, improve, at(year(2019), 38), at(year(2023), 38), false}, OffTrack, MethodDirection, 0, 0, "unchanged"},
		// 67 → 71 (psychological late effects, Barometer 2019 → 2023):
		// +1.460 % a year in the bad direction.
		{"direction, lower is better, deterioration", ProgressInput{lo, improve, at(year(2019), 67), at(year(2023), 71), false}, Deterioration, MethodDirection, 0, 0.014602, "worse by 1.46 % a year"},
		{"direction, higher is better, on track", ProgressInput{hi, improve, at(year(2019), 67), at(year(2023), 71), false}, OnTrack, MethodDirection, 0, 0.014602, ""},
		{"rank reached", ProgressInput{lo, rank1, at(year(2018), 3), at(year(2022), 1), false}, TargetAchieved, MethodRank, 0, 0, ""},
		{"rank 2 tied with the leader is at the top", ProgressInput{lo, rank1, at(year(2018), 3), at(year(2022), 2), true}, TargetAchieved, MethodRank, 0, 0, "statistical tie"},
		{"rank improving", ProgressInput{lo, rank1, at(year(2018), 3), at(year(2022), 2), false}, NeedsAcceleration, MethodRank, 0, 0, ""},
		{"rank unchanged", ProgressInput{lo, rank1, at(year(2018), 3), at(year(2022), 3), false}, OffTrack, MethodRank, 0, 0, ""},
		{"rank falling", ProgressInput{lo, rank1, at(year(2018), 2), at(year(2022), 3), false}, Deterioration, MethodRank, 0, 0, ""},
		{"one period only", ProgressInput{hi, improve, at(year(2023), 38), at(year(2023), 38), false}, NotAssessable, "", 0, 0, "only one period (2023)"},
		{"no figures", ProgressInput{hi, improve, nil, nil, false}, NotAssessable, "", 0, 0, "no figures"},
		{"no baseline", ProgressInput{hi, improve, nil, at(year(2023), 38), false}, NotAssessable, "", 0, 0, "no baseline"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := AssessProgress(c.in)
			if p.Status != c.want || p.Method != c.method && c.method != "" {
				t.Fatalf("status %s by %q, want %s by %q (%s)", p.Status, p.Method, c.want, c.method, p.ReasonEN)
			}
			if c.ratio != 0 && (p.Ratio == nil || round(*p.Ratio, 4) != c.ratio) {
				t.Errorf("ratio %v, want %v", deref(p.Ratio), c.ratio)
			}
			if c.achieved != 0 && (p.AchievedRate == nil || round(*p.AchievedRate, 6) != c.achieved) {
				t.Errorf("achieved rate %v, want %v", deref(p.AchievedRate), c.achieved)
			}
			if p.ReasonEN == "" || p.ReasonDA == "" {
				t.Errorf("a status needs its reason in English and Danish: %q / %q", p.ReasonEN, p.ReasonDA)
			}
			if c.reasonHas != "" && !strings.Contains(p.ReasonEN, c.reasonHas) {
				t.Errorf("reason %q does not say %q", p.ReasonEN, c.reasonHas)
			}
		})
	}
}

func TestGapToTarget(t *testing.T) {
	hi, lo := indicators.HigherIsBetter, indicators.LowerIsBetter
	for _, c := range []struct {
		name string
		in   ProgressInput
		want float64
	}{
		{"higher is better, short of the target", ProgressInput{hi, value(80), at(year(2020), 50), at(year(2024), 60), false}, 20},
		{"lower is better, short of the target", ProgressInput{lo, value(20), at(year(2020), 40), at(year(2024), 32), false}, 12},
		{"lower is better, beyond the target", ProgressInput{lo, value(20), at(year(2020), 40), at(year(2024), 19), false}, -1},
		{"rank", ProgressInput{lo, &indicators.Target{Rank: 1, Year: 2030}, at(year(2018), 3), at(year(2022), 2), false}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := AssessProgress(c.in)
			if p.GapToTarget == nil || *p.GapToTarget != c.want {
				t.Errorf("%s %g → %g against %+v: gap %v, want %g", c.in.Polarity, c.in.Baseline.Value, c.in.Latest.Value, *c.in.Target, deref(p.GapToTarget), c.want)
			}
		})
	}
	if p := AssessProgress(ProgressInput{hi, &indicators.Target{Direction: "improve", Year: 2030}, at(year(2019), 1), at(year(2023), 2), false}); p.GapToTarget != nil {
		t.Errorf("a direction has no gap: %v", *p.GapToTarget)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func ci(lo, hi float64) *Interval { return &Interval{Lower: lo, Upper: hi, Method: Published} }

func TestRank(t *testing.T) {
	nordic := []string{"DK", "FI", "IS", "NO", "SE"}
	hi := indicators.HigherIsBetter
	// NORDCAN 2014–2018, all sites but non-melanoma skin, men (the shipped
	// snapshot): Sweden 74.6, Norway 73.7, Denmark 67.2; Finland and Iceland
	// are not in it.
	r, ok := Rank("DK", []CountryFigure{{Country: "DK", Value: 67.2}, {Country: "NO", Value: 73.7}, {Country: "SE", Value: 74.6}}, nordic, hi)
	if !ok || r.Rank != 3 || r.Compared != 3 || r.Leader != "SE" || round(r.GapToLeader, 1) != 7.4 {
		t.Errorf("rank %d of %d behind %s by %.1f, want 3 of 3 behind SE by 7.4", r.Rank, r.Compared, r.Leader, r.GapToLeader)
	}
	if len(r.Missing) != 2 || r.Missing[0] != "FI" || r.Missing[1] != "IS" {
		t.Errorf("missing %v, want [FI IS]", r.Missing)
	}
	if r.TieWithLeader != nil || r.AtTop {
		t.Errorf("without intervals a tie is unknown (nil), not %v; at top %v", *r.TieWithLeader, r.AtTop)
	}

	// Equal values share a rank; the next rank skips (1, 1, 3).
	r, _ = Rank("DK", []CountryFigure{{Country: "DK", Value: 70}, {Country: "NO", Value: 70}, {Country: "SE", Value: 65}}, nordic, hi)
	if r.Rank != 1 || !r.AtTop || r.GapToLeader != 0 {
		t.Errorf("tied first: rank %d at top %v gap %v", r.Rank, r.AtTop, r.GapToLeader)
	}
	r, _ = Rank("SE", []CountryFigure{{Country: "DK", Value: 70}, {Country: "NO", Value: 70}, {Country: "SE", Value: 65}}, nordic, hi)
	if r.Rank != 3 {
		t.Errorf("after a tie for first the next rank is 3, got %d", r.Rank)
	}

	// Second, but the intervals overlap: a statistical tie, at the top.
	r, _ = Rank("DK", []CountryFigure{{Country: "DK", Value: 72.9, CI: ci(72.1, 73.7)}, {Country: "NO", Value: 73.5, CI: ci(73.0, 74.0)}}, nordic, hi)
	if r.Rank != 2 || r.TieWithLeader == nil || !*r.TieWithLeader || !r.AtTop {
		t.Errorf("overlapping second: rank %d tie %v at top %v, want 2, true, true", r.Rank, r.TieWithLeader, r.AtTop)
	}
	// Second with clear daylight: a loss.
	r, _ = Rank("DK", []CountryFigure{{Country: "DK", Value: 70, CI: ci(69.5, 70.5)}, {Country: "NO", Value: 73.5, CI: ci(73.0, 74.0)}}, nordic, hi)
	if r.TieWithLeader == nil || *r.TieWithLeader || r.AtTop {
		t.Errorf("separate intervals: tie %v at top %v, want false, false", r.TieWithLeader, r.AtTop)
	}
	// Lower is better (e.g. mortality): the smallest value leads.
	r, _ = Rank("DK", []CountryFigure{{Country: "DK", Value: 10}, {Country: "NO", Value: 12}}, nordic, indicators.LowerIsBetter)
	if r.Rank != 1 || r.GapToLeader != 0 {
		t.Errorf("lower is better: rank %d gap %v", r.Rank, r.GapToLeader)
	}
	// Denmark alone, or missing, cannot be ranked.
	if _, ok := Rank("DK", []CountryFigure{{Country: "DK", Value: 45.9}}, nordic, hi); ok {
		t.Error("Denmark alone (NORDCAN 1999–2003 in the snapshot) must not be ranked 1 of 1")
	}
	if _, ok := Rank("DK", []CountryFigure{{Country: "NO", Value: 45.9}, {Country: "SE", Value: 50}}, nordic, hi); ok {
		t.Error("a ranking without Denmark must not be made")
	}
}

func TestFreshness(t *testing.T) {
	d := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	nordcan := indicators.Release{EveryMonths: 12, LagMonths: 30}
	// NORDCAN 2014–2018 ends 2018-12-31; the next period (2015–2019) ends a
	// year later and is due 30 months after that: by 2022-06-30.
	if got := NextDue(d("2018-12-31"), nordcan); !got.Equal(d("2022-06-30")) {
		t.Errorf("next NORDCAN due %s, want 2022-06-30", got.Format("2006-01-02"))
	}
	// Month arithmetic from a month end must not spill (31 Jan + 1 month).
	if got := NextDue(d("2024-01-31"), indicators.Release{EveryMonths: 1}); !got.Equal(d("2024-02-29")) {
		t.Errorf("due %s, want 2024-02-29", got.Format("2006-01-02"))
	}
	p := &Point{Period: "2014-2018", End: d("2018-12-31")}
	if f := AssessFreshness(p, nordcan, d("2022-06-30")); f.State != Fresh {
		t.Errorf("on the due date: %s, want fresh", f.State)
	}
	if f := AssessFreshness(p, nordcan, d("2022-07-02")); f.State != Overdue || !strings.Contains(f.ReasonEN, "2022-06-30") {
		t.Errorf("after the due date: %s (%s), want overdue naming the date", f.State, f.ReasonEN)
	}
	if f := AssessFreshness(nil, nordcan, d("2022-07-02")); f.State != NoData {
		t.Errorf("no figures: %s, want no_data", f.State)
	}
}
