package assess

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/ingest"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// shipped returns the figures of every shipped snapshot, as an offline
// ingest would store them.
func shipped(t *testing.T, cat *indicators.Catalogue) []indicators.Observation {
	t.Helper()
	var all []indicators.Observation
	for i := range cat.Sources {
		src := &cat.Sources[i]
		if len(src.Files()) == 0 {
			continue
		}
		obs, _, err := ingest.SnapshotFigures(cat, src)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, obs...)
	}
	return all
}

// obs prepares hand-made figures (as a submission would be).
func obs(t *testing.T, cat *indicators.Catalogue, batch []indicators.Observation) []indicators.Observation {
	t.Helper()
	out, err := indicators.Prepare(cat, batch)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func series(t *testing.T, a *Indicator, geo, breakdown string) *Series {
	t.Helper()
	for _, sr := range a.Series {
		if sr.Geography == geo && sr.Breakdown.Key() == breakdown {
			return sr
		}
	}
	t.Fatalf("%s has no series %s %q", a.ID, geo, breakdown)
	return nil
}

func TestBuildFromShippedSnapshots(t *testing.T) {
	cat := testkit.Catalogue(t)
	s := Build(Input{Catalogue: cat, Observations: shipped(t, cat), Now: now,
		LastSuccess: map[string]time.Time{"barometer": now.Add(-time.Hour)}})

	if len(s.Indicators) != len(cat.Indicators) {
		t.Fatalf("%d assessments for %d indicators", len(s.Indicators), len(cat.Indicators))
	}
	get := func(id string) *Indicator {
		a, ok := s.Indicator(id)
		if !ok {
			t.Fatalf("no assessment of %s", id)
		}
		return a
	}

	// Barometer 2019 → 2023 (lower is better): the unmet-help items are
	// worded differently in 2023 (a series break in the catalogue), so no
	// change is computed across it: the progress since the 2019 baseline is
	// "series break", with the break's reason, and no change is claimed.
	late := get("g1_late_effects_need_unmet")
	for _, bd := range []string{"need_type=physical", "need_type=psychological", "need_type=sexual"} {
		sr := series(t, late, "DK", bd)
		if sr.Progress.Status != SeriesBreak || sr.Changes != nil || sr.Break == nil || sr.Break.Period != "2023" ||
			sr.Baseline.Origin != "catalogue" || sr.Baseline.Period != "2019" || sr.Latest.Period != "2023" {
			t.Errorf("%s: %s changes %+v break %+v from %s baseline %s to %s, want a series break", bd, sr.Progress.Status,
				sr.Changes, sr.Break, sr.Baseline.Origin, sr.Baseline.Period, sr.Latest.Period)
		}
	}
	if late.Status != SeriesBreak || !strings.Contains(late.ReasonDA, "serien har brud fra 2023") || late.StatusDA != "Brud i serien: ingen udvikling beregnes" {
		t.Errorf("headline %s (%s) %q", late.Status, late.StatusDA, late.ReasonDA)
	}
	if sr := series(t, late, "DK", "need_type=physical"); sr.Previous.Value != 59 || sr.Latest.Value != 55 {
		t.Errorf("physical: previous %v latest %v, want 59 and 55", sr.Previous.Value, sr.Latest.Value)
	}

	// One survey round only: awaiting the first figure after the baseline
	// (not "not assessable"), with when the publisher's calendar put it.
	unmet := get("g1_unmet_needs_followup")
	if unmet.Status != AwaitingFigure || !strings.Contains(unmet.ReasonEN, "the baseline is 38 % (2019)") || !strings.Contains(unmet.ReasonEN, "due by 2024-12-31") {
		t.Errorf("g1_unmet_needs_followup: %s %q", unmet.Status, unmet.ReasonEN)
	}

	// NORDCAN 2014–2018, men: Denmark 67.2, Norway 73.7, Sweden 74.6.
	rank := get("g3_nordic_rank_all_sites")
	men := series(t, rank, "DK", "sex=male")
	if men.Latest.Value != 3 || men.Latest.Period != "2014-2018" || men.Ranking == nil || men.Ranking.Compared != 3 ||
		strings.Join(men.Ranking.Missing, ",") != "FI,IS" || men.Ranking.Leader != "SE" {
		t.Errorf("rank, men: %+v ranking %+v", men.Latest, men.Ranking)
	}
	// 1999–2003 has only Denmark: no ranking, so one ranked period, the
	// baseline itself: awaiting the next.
	if men.Periods != 1 || men.Progress.Status != AwaitingFigure {
		t.Errorf("rank, men: %d periods, %s; want 1 and awaiting a figure", men.Periods, men.Progress.Status)
	}
	gap := get("g3_survival_gap_to_best")
	if v := series(t, gap, "DK", "sex=male").Latest.Value; round(v, 1) != 7.4 {
		t.Errorf("gap, men %.2f, want 74.6 − 67.2 = 7.4", v)
	}
	if v := series(t, gap, "DK", "sex=female").Latest.Value; round(v, 1) != 2.2 {
		t.Errorf("gap, women %.2f, want 72.0 − 69.8 = 2.2", v)
	}
	// Denmark's ranks: all sites (990, NORDCAN 9.0 via the 2021 article)
	// third of three; by site (9.2, 2016–2020) last of four for breast and
	// prostate, first for colon and rectum on point estimates, with
	// intervals so a tie with the leader is told; lung mortality
	// (Eurostat 2023, lower is better) last of five.
	want := map[string]int{"990|female": 3, "990|male": 3, "180|female": 4, "240|male": 4, "90|male": 1, "90|female": 1,
		"100|male": 1, "100|female": 1, "160|female": 5, "160|male": 5, "160|total": 5}
	got := map[string]int{}
	for _, n := range s.Nordic {
		got[n.CancerSite+"|"+n.Sex] = n.Rank
		if n.CancerSite != "990" && n.CancerSite != "160" && (n.Period != "2016-2020" || n.Compared != 4) {
			t.Errorf("Nordic rank %+v, want 2016-2020 among 4", n)
		}
		if n.CancerSite == "180" && (n.TieWithLeader == nil || *n.TieWithLeader) {
			t.Errorf("breast: tie with leader %v, want false (90.2 [89.5-90.9] against Sweden's 92.3 [91.7-92.8])", n.TieWithLeader)
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("Nordic ranks %v, want %v", got, want)
	}
	// The comparator countries are not assessed for progress.
	nordic := get("g3_survival_5y_nordic")
	if sr := series(t, nordic, "NO", "cancer_site=990,sex=male"); sr.Progress != nil || sr.Latest.Value != 73.7 {
		t.Errorf("Norway: progress %v latest %v", sr.Progress, sr.Latest)
	}

	// Freshness: NORDCAN's latest period shipped ended 2020 (release 9.2);
	// the next was due by mid-2024. The Barometer (every 4 years, a year's
	// lag) is current.
	if fr := nordic.Freshness; fr.State != Overdue || fr.LatestPeriod != "2016-2020" || fr.NextDue.Format("2006-01-02") != "2024-06-30" {
		t.Errorf("NORDCAN freshness %+v", fr)
	}
	if fr := rank.Freshness; fr.State != Overdue {
		t.Errorf("a derived indicator is as fresh as its source: %+v", fr)
	}
	if fr := late.Freshness; fr.State != Fresh || fr.NextDue.Format("2006-01-02") != "2028-12-31" {
		t.Errorf("Barometer freshness %+v", fr)
	}
	if fr := get("g1_gp_followup_plan").Freshness; fr.State != NoData {
		t.Errorf("a submitted indicator with no submissions: %+v", fr)
	}

	total := 0
	for _, g := range s.Goals {
		for _, n := range g.Status {
			total += n
		}
	}
	if total != len(cat.Indicators) || len(s.Goals) != 3 {
		t.Errorf("goal summaries count %d indicators over %d goals", total, len(s.Goals))
	}
	if len(s.Sources) != len(cat.Sources) || s.Sources[0].Source == "" {
		t.Errorf("sources %+v", s.Sources)
	}
}

// LUP-like figures with respondent counts: Wilson intervals for Denmark
// and each region, compared by overlap.
func TestRegionalComparison(t *testing.T) {
	cat := testkit.Catalogue(t)
	const id = "g2_involved_decisions_lup"
	row := func(period, geo string, k, n float64) indicators.Observation {
		return indicators.Observation{Indicator: id, Period: period, Geography: geo, Value: testkit.Float(100 * k / n), Numerator: testkit.Float(k), Denominator: testkit.Float(n)}
	}
	batch := []indicators.Observation{
		row("2025", "DK", 6000, 10000),
		row("2026", "DK", 6200, 10000),   // 61.04–62.95
		row("2026", "DK-81", 420, 700),   // 56.33–63.57: overlaps
		row("2026", "DK-82", 1300, 2000), // 62.88–67.06: overlaps by 0.07
		row("2026", "DK-83", 1400, 2000), // 67.9–71.9: above
		row("2026", "DK-84", 500, 1000),  // 46.9–53.1: below
		// A published interval is used as given.
		{Indicator: id, Period: "2026", Geography: "DK-85", Value: testkit.Float(56.5), CILower: testkit.Float(55), CIUpper: testkit.Float(58)},
	}
	s := Build(Input{Catalogue: cat, Observations: obs(t, cat, batch), Now: now})
	a, _ := s.Indicator(id)
	for geo, want := range map[string]Comparison{"DK-81": Similar, "DK-82": Similar, "DK-83": Better, "DK-84": Worse, "DK-85": Worse} {
		t.Run(geo, func(t *testing.T) {
			c := series(t, a, geo, "").Comparison
			if c == nil || c.State != want || c.NationalFrom != "DK" || c.Period != "2026" {
				t.Errorf("%s: %+v, want %s against the national figure", geo, c, want)
			}
		})
	}
	dk := series(t, a, "DK", "")
	if dk.Latest.CI == nil || dk.Latest.CI.Method != WilsonCI || round(dk.Latest.CI.Lower, 2) != 61.04 || round(dk.Latest.CI.Upper, 2) != 62.95 {
		t.Errorf("Denmark's interval %+v, want Wilson 61.04–62.95", dk.Latest.CI)
	}
	if c := series(t, a, "DK-85", "").Comparison; c.Region.Method != Published {
		t.Errorf("DK-85 interval %+v, want the published one", c.Region)
	}
	// No catalogue baseline and no figure before the plan (May 2025): the
	// first figure is the baseline. 60 % → 62 % in a year: 3.33 % a year.
	if dk.Progress.Status != OnTrack || dk.Baseline.Origin != "figure" || dk.Baseline.Period != "2025" {
		t.Errorf("Denmark: %s from %s %s", dk.Progress.Status, dk.Baseline.Origin, dk.Baseline.Period)
	}
	if sr := series(t, a, "DK-83", ""); sr.Progress == nil || sr.Progress.Status != AwaitingFigure {
		t.Errorf("a region with one period (its baseline): %+v", sr.Progress)
	}

	// Without a national figure, Denmark is pooled from all five regions.
	const gp = "g1_gp_followup_plan"
	var pooled []indicators.Observation
	for i, geo := range []string{"DK-81", "DK-82", "DK-83", "DK-84", "DK-85"} {
		n := float64(1000 + 100*i)
		pooled = append(pooled, indicators.Observation{Indicator: gp, Period: "2025", Geography: geo, Value: testkit.Float(70), Numerator: testkit.Float(0.7 * n), Denominator: testkit.Float(n)})
	}
	pooled[4].Numerator, pooled[4].Value = testkit.Float(0.5*1400), testkit.Float(50)
	s = Build(Input{Catalogue: cat, Observations: obs(t, cat, pooled), Now: now})
	a, _ = s.Indicator(gp)
	c := series(t, a, "DK-85", "").Comparison
	if c.NationalFrom != "regions" || c.State != Worse {
		t.Errorf("pooled: %+v, want worse than the regions' pooled figure", c)
	}
	// Four regions without the fifth: no national figure, not comparable.
	s = Build(Input{Catalogue: cat, Observations: obs(t, cat, pooled[:4]), Now: now})
	a, _ = s.Indicator(gp)
	if c := series(t, a, "DK-81", "").Comparison; c.State != NotComparable || !strings.Contains(c.ReasonEN, "no national figure") {
		t.Errorf("four regions: %+v", c)
	}
	if a.Status != NotAssessable || a.ReasonEN != "no figures for Denmark yet" {
		t.Errorf("no Danish series: %s %q", a.Status, a.ReasonEN)
	}
}

// The shipped figures carry no counts or intervals: every change says so,
// both windows are judged, the verdict follows the catalogue's rule, and
// Danish survival (four periods) has a trend and a projection.
func TestBuildDefendsEveryStatus(t *testing.T) {
	cat := testkit.Catalogue(t)
	s := Build(Input{Catalogue: cat, Observations: shipped(t, cat), Now: now})
	late, _ := s.Indicator("g1_late_effects_need_unmet")
	psy := series(t, late, "DK", "need_type=psychological")
	// Across the 2023 break: no change, no trend, no projection (one
	// comparable period), saying why; the short-term window has no earlier
	// comparable figure.
	if psy.Changes != nil || psy.Trend != nil || psy.Projection != nil || psy.ProjectionNone == nil ||
		!strings.Contains(psy.ProjectionNone.ReasonEN, "at least 3 comparable periods, the series has 1") {
		t.Fatalf("psychological: changes %+v trend %+v projection %+v none %+v", psy.Changes, psy.Trend, psy.Projection, psy.ProjectionNone)
	}
	if len(psy.Windows) != 2 || psy.Windows[0].Window != WindowSinceBaseline || psy.Windows[0].Status != SeriesBreak ||
		psy.Windows[1].Window != WindowLastFive || psy.Windows[1].Status != NotAssessable {
		t.Errorf("windows: %+v", psy.Windows)
	}
	surv, _ := s.Indicator("g3_survival_5y_denmark")
	men := series(t, surv, "DK", "sex=male")
	// 59, 60, 67, 67 for 2008–2010 … 2020–2022: without intervals, OLS on
	// the log scale with t(2).
	if men.Trend == nil || men.Trend.Periods != 4 || men.Trend.Method != TrendOLS || men.Trend.CI == nil {
		t.Fatalf("survival trend: %+v", men.Trend)
	}
	if p := men.Projection; p == nil || p.Scale != ScaleLogit || p.Periods != 4 || !(p.Lower <= p.ProjectedValue && p.ProjectedValue <= p.Upper && p.Upper < 100) {
		t.Errorf("survival projection: %+v", men.Projection)
	}
	for _, g := range s.Goals {
		if g.Verdict == nil || g.Verdict.RuleDA != cat.Verdict.RuleDA || g.Verdict.Indicators != g.Indicators {
			t.Errorf("goal %d verdict %+v", g.Goal, g.Verdict)
		}
	}
}

// After the shipped figures: every indicator with figures has its three
// answers (a standing and a direction, or the figures' reason for none),
// "not assessable" only without figures, no projection outside the unit's
// range, and goal 3 decided.
func TestShippedFiguresAnswerTheQuestion(t *testing.T) {
	cat := testkit.Catalogue(t)
	s := Build(Input{Catalogue: cat, Observations: shipped(t, cat), Now: now})
	for _, a := range s.Indicators {
		def, _ := cat.Indicator(a.ID)
		t.Run(a.ID, func(t *testing.T) {
			if len(a.Series) == 0 {
				if a.Status != NotAssessable || a.Answers != nil {
					t.Errorf("no figures: %s, answers %+v", a.Status, a.Answers)
				}
				return
			}
			if a.Status == NotAssessable {
				t.Errorf("has figures but not assessable: %q", a.ReasonEN)
			}
			x := a.Answers
			if x == nil || x.Standing.State == "" || x.Direction.State == "" || x.SinceBaseline.Status == "" ||
				x.Standing.ReasonDA == "" || x.Direction.ReasonDA == "" || x.Direction.ReasonEN == "" || x.SinceBaseline.ReasonDA == "" {
				t.Fatalf("answers %+v", x)
			}
			if x.SinceBaseline.Status == AwaitingFigure && x.SinceBaseline.ExpectedBy == "" {
				t.Errorf("awaiting without a date: %+v", x.SinceBaseline)
			}
			lo, hi := def.Unit.Bounds()
			for _, sr := range a.Series {
				if p := sr.Projection; p != nil && (p.ProjectedValue < lo || p.ProjectedValue > hi || p.Lower < lo || p.Upper > hi || p.Periods < 3) {
					t.Errorf("%s %v: projection %+v outside %v–%v", sr.Geography, sr.Breakdown, p, lo, hi)
				}
			}
		})
	}
	g3, _ := s.Goal(3)
	if g3.Verdict.State != VerdictOffTrack || !slices.Contains(g3.Verdict.Short, "g3_nordic_rank_by_site") ||
		!strings.Contains(g3.Verdict.ReasonDA, "Prostatakræft, Mænd: Danmark er nr. 4 af 4 i 2016-2020 (90,1); bedst er Norge (94,9), 4,8 point foran") ||
		!strings.Contains(g3.Verdict.ReasonDA, "Danmark er nr. 3 af 3 i 2014-2018") {
		t.Errorf("goal 3: %+v", g3.Verdict)
	}
	if g2, _ := s.Goal(2); g2.Verdict.State != VerdictUndecided || !strings.Contains(g2.Verdict.ReasonEN, "No comparable Nordic measure") {
		t.Errorf("goal 2: %+v", g2.Verdict)
	}
	// The kræftpakke series: the whole of 2022 apart from the quarters,
	// and the previous figure is the previous quarter.
	pk, _ := s.Indicator("g3_cancer_pathways_within_standard_time")
	dk := series(t, pk, "DK", "")
	if dk.Apart == nil || dk.Apart.Figures[0].Period != "2022" || dk.Previous.Period != "2021K4" {
		t.Errorf("kræftpakker: apart %+v previous %+v", dk.Apart, dk.Previous)
	}
}

// An assessment without histories (Input.NoHistory, the report's) is the
// same assessment: every indicator of the shipped figures, worked one
// after another in reused memory, says the same, to the byte; only the
// series' histories are left out.
func TestNoHistoryIsTheSameAssessment(t *testing.T) {
	cat := testkit.Catalogue(t)
	figs := shipped(t, cat)
	in := Input{Catalogue: cat, Observations: figs, Now: now, LastSuccess: map[string]time.Time{"barometer": now.Add(-time.Hour)}}
	with := Build(in)
	in.NoHistory = true
	b := NewBuilder(Input{Catalogue: cat, Now: now, LastSuccess: in.LastSuccess, NoHistory: true})
	// In two adds of whole indicators, as the report gives them, so that
	// scratch memory passes from one add to the next.
	figs = slices.Clone(figs)
	slices.SortStableFunc(figs, func(a, b indicators.Observation) int { return strings.Compare(a.Indicator, b.Indicator) })
	half := len(figs) / 2
	for half < len(figs) && figs[half].Indicator == figs[half-1].Indicator {
		half++
	}
	b.Add(figs[:half])
	b.Add(figs[half:])
	for name, without := range map[string]*Snapshot{"in one add": Build(in), "in two adds": b.Snapshot()} {
		a, _ := json.Marshal(with)
		w, _ := json.Marshal(without)
		if !bytes.Equal(a, w) {
			t.Errorf("%s: the assessment without histories differs from the one with them", name)
		}
		histories := 0
		for _, ind := range without.Indicators {
			for _, sr := range ind.Series {
				histories += len(sr.History())
			}
		}
		if histories != 0 {
			t.Errorf("%s: %d figures of histories kept", name, histories)
		}
	}
}

// TestRegionalGapOverDifferentPeriods: the gap between the best and the
// worst region is worked out per period, whether the regions have the same
// periods (found by place) or not (found by label).
func TestRegionalGapOverDifferentPeriods(t *testing.T) {
	cat := testkit.Catalogue(t)
	const id = "g2_involved_decisions_lup"
	row := func(period, geo string, v float64) indicators.Observation {
		return indicators.Observation{Indicator: id, Period: period, Geography: geo, Value: testkit.Float(v)}
	}
	cases := []struct {
		name string
		rows []indicators.Observation
		// the latest period compared, its regions, best and worst; the first
		// period compared
		period      string
		regions     int
		best, worst string
		gap         float64
		from        string
	}{
		{"the same periods", []indicators.Observation{
			row("2024", "DK-81", 60), row("2025", "DK-81", 62),
			row("2024", "DK-82", 50), row("2025", "DK-82", 55),
		}, "2025", 2, "DK-81", "DK-82", 7, "2024"},
		{"a region without the first period", []indicators.Observation{
			row("2024", "DK-81", 60), row("2025", "DK-81", 62),
			row("2025", "DK-82", 55), row("2026", "DK-82", 58),
			row("2024", "DK-83", 40), row("2025", "DK-83", 65), row("2026", "DK-83", 57),
		}, "2026", 2, "DK-82", "DK-83", 1, "2024"},
		{"a region with a period the first lacks in the middle", []indicators.Observation{
			row("2023", "DK-81", 60), row("2025", "DK-81", 62),
			row("2023", "DK-82", 70), row("2024", "DK-82", 71), row("2025", "DK-82", 52),
		}, "2025", 2, "DK-81", "DK-82", 10, "2023"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Build(Input{Catalogue: cat, Observations: obs(t, cat, c.rows), Now: now})
			a, _ := s.Indicator(id)
			if len(a.Inequality) != 1 {
				t.Fatalf("inequality %+v, want one breakdown", a.Inequality)
			}
			in := a.Inequality[0]
			// The Danish reason writes the gap with a decimal comma.
			if want := sprintfDA("forskel %.1f", c.gap); !strings.Contains(in.ReasonDA, want) || strings.Contains(in.ReasonDA, ".") {
				t.Errorf("Danish reason %q, want %q and no decimal point", in.ReasonDA, want)
			}
			if in.Period != c.period || in.Regions != c.regions || in.Best != c.best || in.Worst != c.worst ||
				math.Abs(in.Gap-c.gap) > 1e-9 || in.FromPeriod != c.from {
				t.Errorf("got %s: %d regions, best %s, worst %s, gap %g, from %s; want %s: %d, %s, %s, %g, from %s",
					in.Period, in.Regions, in.Best, in.Worst, in.Gap, in.FromPeriod, c.period, c.regions, c.best, c.worst, c.gap, c.from)
			}
		})
	}
}
