package assess

import (
	"math"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
)

func pci(lo, hi float64) *Interval { return &Interval{Lower: lo, Upper: hi, Method: Published} }

// A rank target is judged from the latest period alone: Denmark's rank,
// the leader, the gap, and whether the gap is beyond the intervals —
// "unknown" where the figures have none.
func TestStandingOfARank(t *testing.T) {
	cat := testkit.Catalogue(t)
	def := &indicators.Indicator{ID: "r", Unit: indicators.UnitRank, Polarity: indicators.LowerIsBetter,
		Target: &indicators.Target{Rank: 1, Year: 2030}, Derived: &indicators.Derivation{}}
	hi := indicators.HigherIsBetter
	for _, c := range []struct {
		name        string
		figs        []CountryFigure
		state       string
		rank        int
		leader      string
		gap         float64
		uncertainty string
		reasonDA    string
	}{
		// NORDCAN 9.2 prostate 2016–2020: 94.9 − 90.1 = 4.8; Denmark's upper
		// 91.0 is below Norway's lower 94.2: beyond the intervals.
		{"with intervals, beyond", []CountryFigure{{Country: "DK", Value: 90.1, CI: pci(89.3, 91.0)}, {Country: "FI", Value: 93.6, CI: pci(92.8, 94.4)},
			{Country: "NO", Value: 94.9, CI: pci(94.2, 95.6)}, {Country: "SE", Value: 94.9, CI: pci(94.4, 95.4)}},
			StandingNotMet, 4, "NO", 4.8, UncertaintyBeyond, "Danmark er nr. 4 af 4 i 2016-2020 (90,1); bedst er Norge (94,9), 4,8 point foran; målet er nr. 1; forskellen er ud over den statistiske usikkerhed"},
		// 72.5 − 72.0 = 0.5, and 70.3–73.7 overlaps 70.8–74.2: a statistical tie at the top.
		{"with intervals, overlapping", []CountryFigure{{Country: "DK", Value: 72.0, CI: pci(70.3, 73.7)}, {Country: "NO", Value: 72.5, CI: pci(70.8, 74.2)}},
			StandingMet, 2, "NO", 0.5, UncertaintyWithin, "statistisk delt førsteplads"},
		// NORDCAN 9.0 men 2014–2018 from the article: 74.6 − 67.2 = 7.4, no intervals.
		{"without intervals", []CountryFigure{{Country: "DK", Value: 67.2}, {Country: "NO", Value: 73.7}, {Country: "SE", Value: 74.6}},
			StandingNotMet, 3, "SE", 7.4, UncertaintyUnknown, "om forskellen er ud over den statistiske usikkerhed, er ukendt: tallene har ingen konfidensintervaller"},
		{"first", []CountryFigure{{Country: "DK", Value: 75}, {Country: "SE", Value: 74.6}},
			StandingMet, 1, "DK", 0, "", "målet (nr. 1) er nået"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, ok := Rank(Home, c.figs, nil, hi)
			if !ok {
				t.Fatal("no ranking")
			}
			sr := &Series{Geography: Home, Latest: &Figure{Point: Point{Period: "2016-2020", Value: float64(r.Rank)}}, Ranking: &r}
			if c.name == "without intervals" {
				sr.Latest.Period = "2014-2018"
			}
			a := standingOf(cat, def, sr)
			if a.State != c.state || a.Rank != c.rank || a.Leader != c.leader || math.Abs(r.GapToLeader-c.gap) > 1e-9 || a.Uncertainty != c.uncertainty {
				t.Errorf("%+v (gap %v), want %s rank %d leader %s gap %v uncertainty %q", a, r.GapToLeader, c.state, c.rank, c.leader, c.gap, c.uncertainty)
			}
			if !strings.Contains(a.ReasonDA, c.reasonDA) {
				t.Errorf("reason %q, want it to contain %q", a.ReasonDA, c.reasonDA)
			}
		})
	}
}

// A survey that gives its total respondents but not the item's base: the
// change's significance is unknown, and the answer says the smallest base
// for which it would be significant, next to the survey's total.
func TestTwoWaveSurveyWithOnlyTheTotal(t *testing.T) {
	for _, c := range []struct {
		name   string
		p1, p2 float64
		want   int
	}{
		// 1.96² × (0.60·0.40 + 0.50·0.50) / 0.10² = 3.8415 × 0.49 / 0.01 = 188.23 → 189.
		{"60 to 50", 60, 50, 189},
		// 3.8415 × (0.63·0.37 + 0.72·0.28) / 0.09² = 3.8415 × 0.4347 / 0.0081 = 206.16 → 207.
		{"63 to 72", 63, 72, 207},
		// 3.8415 × (0.38·0.62 + 0.36·0.64) / 0.02² = 3.8415 × 0.4660 / 0.0004 = 4475.3 → 4476.
		{"38 to 36", 38, 36, 4476},
		{"no change", 40, 40, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := SmallestItemBase(c.p1, c.p2); got != c.want {
				t.Errorf("SmallestItemBase(%v, %v) = %d, want %d", c.p1, c.p2, got, c.want)
			}
		})
	}
	t.Run("in the direction's answer", func(t *testing.T) {
		def := &indicators.Indicator{ID: "s", Unit: indicators.UnitPercent, Polarity: indicators.LowerIsBetter,
			Target: &indicators.Target{Direction: "improve", Year: 2030}}
		src := &indicators.Source{ID: "survey", Release: indicators.Release{EveryMonths: 48, LagMonths: 12},
			SurveyWaves: []indicators.SurveyWave{{Period: "2023", Respondents: 3232}}}
		sr := &Series{Geography: Home, history: []Figure{fig("2019", 63, nil), fig("2023", 72, nil)}}
		sr.Latest = &sr.history[1]
		seg, br := segment(def, sr)
		a := direction(def, sr, seg, br, src)
		if a.State != DirectionUnknown || a.Significance != SigUnknown || a.SmallestItemBase != 207 || a.SurveyRespondents != 3232 || a.From != "2019" {
			t.Errorf("%+v", a)
		}
		for _, want := range []string{"2019: ikke oplyst; 2023: 3.232", "mindst 207 besvarede det i hver runde", "+9,0 procentpoint"} {
			if !strings.Contains(a.ReasonDA, want) {
				t.Errorf("reason %q lacks %q", a.ReasonDA, want)
			}
		}
		if !strings.Contains(a.ReasonEN, "2019: not given; 2023: 3,232") || strings.Contains(a.ReasonDA, "svarpersoner eller") {
			t.Errorf("reason %q", a.ReasonEN)
		}
	})
}

// A series break: no change, trend or progress is computed across it, and
// the answers say so with the break's reason.
func TestSeriesWithABreak(t *testing.T) {
	def := &indicators.Indicator{ID: "b", Unit: indicators.UnitPercent, Polarity: indicators.LowerIsBetter,
		Target: &indicators.Target{Direction: "improve", Year: 2030},
		Breaks: []indicators.SeriesBreak{{Period: "2023", ReasonDA: "nyt spørgsmål", ReasonEN: "new question"}}}
	src := &indicators.Source{ID: "survey", Release: indicators.Release{EveryMonths: 48, LagMonths: 12}}
	for _, c := range []struct {
		name     string
		figs     []Figure
		progress Status
		segment  int
		changes  bool
	}{
		// 2019 59 → 2023 55: the baseline is before the break.
		{"baseline before the break", []Figure{fig("2019", 59, nil), fig("2023", 55, nil)}, SeriesBreak, 1, false},
		// 2023 and 2027 are both after it: a change is computed (unknown
		// significance without counts).
		{"both after the break", []Figure{fig("2019", 59, nil), fig("2023", 55, nil), fig("2027", 50, nil)}, SeriesBreak, 2, true},
		{"no figure after the break", []Figure{fig("2015", 60, nil), fig("2019", 59, nil)}, SignificanceUnknown, 2, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			sr := &Series{Geography: Home, history: c.figs}
			n := len(c.figs)
			sr.Latest, sr.Previous = &sr.history[n-1], &sr.history[n-2]
			sr.Baseline = &Baseline{Point: sr.history[0].Point, Origin: "figure"}
			if c.name != "no figure after the break" {
				sr.Baseline = &Baseline{Point: fig("2019", 59, nil).Point, Origin: "catalogue"}
			}
			p := AssessProgress(ProgressInput{Polarity: def.Polarity, Target: def.Target, Baseline: &sr.Baseline.Point, Latest: &sr.Latest.Point})
			sr.Progress = &p
			settle(def, sr, src)
			defendSeries(def, sr)
			seg, _ := segment(def, sr)
			if sr.Progress.Status != c.progress || len(seg) != c.segment || (sr.Changes != nil) != c.changes {
				t.Errorf("progress %s segment %d changes %+v, want %s %d %v", sr.Progress.Status, len(seg), sr.Changes, c.progress, c.segment, c.changes)
			}
			if c.progress == SeriesBreak && (!strings.Contains(sr.Progress.ReasonDA, "serien har brud fra 2023") || !strings.Contains(sr.Progress.ReasonDA, "nyt spørgsmål") || sr.Break == nil) {
				t.Errorf("reason %q break %+v", sr.Progress.ReasonDA, sr.Break)
			}
			if c.name == "baseline before the break" {
				d := direction(def, sr, seg, sr.Break, src)
				if d.State != DirectionUnknown || !strings.Contains(d.ReasonDA, "serien har brud fra 2023: nyt spørgsmål") {
					t.Errorf("direction %+v", d)
				}
			}
		})
	}
}

// A quarterly series with a whole-year figure: the year is kept apart, and
// "previous" is the previous quarter.
func TestQuarterlySeriesWithAnAnnualFigure(t *testing.T) {
	for _, c := range []struct {
		name     string
		figs     []Figure
		kept     string
		apart    string
		previous string
	}{
		// Sundhedsstyrelsen: 2021K4 77 %, the whole of 2022 74 %, 2025K4 78 %.
		{"the kræftpakke series", []Figure{fig("2021K4", 77, nil), fig("2022", 74, nil), fig("2025K4", 78, nil)}, "2021K4 2025K4", "2022", "2021K4"},
		{"years only", []Figure{fig("2021", 1, nil), fig("2022", 2, nil)}, "2021 2022", "", "2021"},
		{"a year last", []Figure{fig("2021K4", 77, nil), fig("2022K1", 76, nil), fig("2022", 74, nil)}, "2022", "2021K4 2022K1", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			sr := &Series{history: c.figs}
			splitKinds(sr, periodKind)
			var kept, apart []string
			for _, f := range sr.history {
				kept = append(kept, f.Period)
			}
			if sr.Apart != nil {
				for _, f := range sr.Apart.Figures {
					apart = append(apart, f.Period)
				}
			}
			if strings.Join(kept, " ") != c.kept || strings.Join(apart, " ") != c.apart {
				t.Errorf("kept %v apart %v, want %q and %q", kept, apart, c.kept, c.apart)
			}
			prev := ""
			if n := len(sr.history); n > 1 {
				prev = sr.history[n-2].Period
			}
			if prev != c.previous {
				t.Errorf("previous %q, want %q", prev, c.previous)
			}
		})
	}
	if k := periodKind("2016-2020"); k != "span5" {
		t.Errorf("2016-2020 is %q", k)
	}
}

// A projection near 100 %: fitted on the logit scale it stays below 100,
// with its interval; from fewer than three periods there is none.
func TestProjectionNearAHundredPercent(t *testing.T) {
	target := &indicators.Target{Value: testkit.Float(95), Year: 2030}
	for _, c := range []struct {
		name    string
		figs    []Figure
		want    float64 // projected value, rounded to 4 decimals; 0 = none
		reached int
		none    string
	}{
		// logit 80 % = ln 4, logit 88.89 % = ln 8, logit 94.12 % = ln 16: a
		// straight line of slope ln 2 a year through 2021–2023. 2030 is 9
		// years after 2021: ln 4 + 9 ln 2 = ln 2048, so 100 × 2048/2049 =
		// 99.9512 % (a straight line in percent would pass 100 % in 2024 and
		// give 143 %). 95 % (logit ln 19) is reached ln(19/8)/ln 2 = 1.248
		// years after 2022: 27 months after 2021, in 2024.
		{"exact logit line", []Figure{fig("2021", 80, nil), fig("2022", 800.0/9, nil), fig("2023", 1600.0/17, nil)}, 99.9512, 2024, ""},
		{"two periods", []Figure{fig("2022", 90, nil), fig("2023", 94, nil)}, 0, 0, "at least 3 comparable periods, the series has 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, none := ProjectSeries(c.figs, nil, indicators.UnitPercent, target, indicators.HigherIsBetter)
			if c.want == 0 {
				if p != nil || none == nil || !strings.Contains(none.ReasonEN, c.none) {
					t.Errorf("projection %+v none %+v", p, none)
				}
				return
			}
			if p == nil || round(p.ProjectedValue, 4) != c.want || p.Scale != ScaleLogit || p.ReachedYear == nil || *p.ReachedYear != c.reached {
				t.Fatalf("projection %+v", p)
			}
			if !(p.Lower <= p.ProjectedValue && p.ProjectedValue <= p.Upper && p.Upper < 100) {
				t.Errorf("interval %v–%v around %v", p.Lower, p.Upper, p.ProjectedValue)
			}
		})
	}
	t.Run("noisy, the interval stays within 0–100", func(t *testing.T) {
		p, _ := ProjectSeries([]Figure{fig("2016-2020", 90.1, nil), fig("2011-2015", 89.9, nil), fig("2006-2010", 86.4, nil)}, nil, indicators.UnitPercent, target, indicators.HigherIsBetter)
		if p == nil || !(0 < p.Lower && p.Upper < 100) {
			t.Errorf("%+v", p)
		}
	})
}

// The goal's verdict follows the catalogue's rule over the answers.
func TestGoalVerdictFollowsTheStatedRule(t *testing.T) {
	cat := testkit.Catalogue(t)
	yes, no := true, false
	ind := func(id string, goal int, standing, uncertainty, direction string, atPace *bool) *Indicator {
		x := &Answers{Standing: Answer{State: standing, Uncertainty: uncertainty, ReasonDA: "s-" + id, ReasonEN: "s-" + id},
			Direction: Answer{State: direction, AtPace: atPace, ReasonDA: "d-" + id, ReasonEN: "d-" + id}}
		return &Indicator{ID: id, Goal: goal, Answers: x, Series: []*Series{{Geography: Home, Answers: x}}}
	}
	none := func(id string, goal int) *Indicator { return &Indicator{ID: id, Goal: goal} }
	for _, c := range []struct {
		name  string
		goal  int
		in    []*Indicator
		want  VerdictState
		short string
		worse string
		has   string
	}{
		{"short beyond the intervals, not closing", 3, []*Indicator{ind("a", 3, StandingNotMet, UncertaintyBeyond, DirectionUnknown, nil), ind("b", 3, StandingMet, "", DirectionUnknown, nil)},
			VerdictOffTrack, "a", "", "Ikke på rette spor efter reglen: mindst én indikator ligger i den seneste periode fra sit mål ud over den statistiske usikkerhed"},
		{"short without intervals only", 3, []*Indicator{ind("a", 3, StandingNotMet, UncertaintyUnknown, DirectionUnknown, nil), ind("b", 3, StandingMet, "", DirectionUnknown, nil)},
			VerdictUndecided, "", "", "Efter punktestimaterne alene (uden konfidensintervaller): a – s-a"},
		{"short but closing at the pace needed", 3, []*Indicator{ind("a", 3, StandingNotMet, UncertaintyBeyond, DirectionImproving, &yes), ind("b", 3, StandingMet, "", DirectionNoChange, nil)},
			VerdictOnTrack, "", "", "På rette spor efter reglen"},
		{"short and improving too slowly", 3, []*Indicator{ind("a", 3, StandingNotMet, UncertaintyBeyond, DirectionImproving, &no)},
			VerdictOffTrack, "a", "", ""},
		{"significantly worse", 1, []*Indicator{ind("a", 1, StandingNoLevel, "", DirectionWorsening, nil), ind("b", 1, StandingNoLevel, "", DirectionImproving, nil)},
			VerdictOffTrack, "", "a", "signifikant forværret i de seneste fem år: a – d-a"},
		{"improving but too few with figures", 1, []*Indicator{ind("a", 1, StandingNoLevel, "", DirectionImproving, nil), none("b", 1), none("c", 1)},
			VerdictUndecided, "", "", "1 af 3 indikatorer har tal (2 kræves"},
		{"no figures: the goal's finding", 2, []*Indicator{none("a", 2), none("b", 2), none("c", 2)},
			VerdictUndecided, "", "", "Der findes ikke noget sammenligneligt nordisk mål for inddragelse"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := GoalVerdict(cat, c.goal, append(c.in, ind("other goal", 9, StandingNotMet, UncertaintyBeyond, DirectionWorsening, nil)))
			if v.State != c.want || strings.Join(v.Short, ",") != c.short || strings.Join(v.Worse, ",") != c.worse || v.Indicators != len(c.in) || v.RuleDA != cat.Verdict.RuleDA {
				t.Errorf("%s short %v worse %v (%s), want %s short %q worse %q", v.State, v.Short, v.Worse, v.ReasonDA, c.want, c.short, c.worse)
			}
			if !strings.Contains(v.ReasonDA, c.has) || v.ReasonEN == "" || v.LabelDA != VerdictLabels[c.want][0] {
				t.Errorf("reason %q, want it to contain %q", v.ReasonDA, c.has)
			}
		})
	}
}
