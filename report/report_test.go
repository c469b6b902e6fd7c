package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
	"github.com/kraeftplan/kpv/view"
)

// setReader reads one fixed set, whatever the ends asked for.
type setReader struct{ set *store.AsOfSet }

func (r setReader) Visible(_ context.Context, c store.Cut) (*store.CutSets, error) {
	out := &store.CutSets{}
	for range c.Ends {
		out.Sets = append(out.Sets, r.set)
	}
	return out, nil
}

// fromSet builds year's report as of set's cut-off from its figures.
func fromSet(t *testing.T, cat *indicators.Catalogue, year int, set *store.AsOfSet) *Report {
	t.Helper()
	r, err := NewBuilder(cat, year).Build(context.Background(), setReader{set}, RuleAsOf, set.CutOff)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fixture is a set of figures as of a cut-off. The figures are invented
// for the test (they are not published figures); the expected statuses
// and numbers are worked out by hand in the comments of TestFixtureReport.
func fixture(t *testing.T, cat *indicators.Catalogue) *store.AsOfSet {
	t.Helper()
	type fig struct {
		run                 int64
		ind, period, geo    string
		b                   indicators.Breakdown
		v, num, den, lo, hi float64
		hasCounts, hasCI    bool
	}
	counts := func(run int64, ind, period, geo string, v, num, den float64) fig {
		return fig{run: run, ind: ind, period: period, geo: geo, v: v, num: num, den: den, hasCounts: true}
	}
	plain := func(run int64, ind, period, geo string, b indicators.Breakdown, v float64) fig {
		return fig{run: run, ind: ind, period: period, geo: geo, b: b, v: v}
	}
	ci := func(geo, sex string, v, lo, hi float64) fig {
		return fig{run: 4, ind: "g3_survival_5y_nordic", period: "2015-2019", geo: geo,
			b: indicators.Breakdown{"sex": sex, "cancer_site": "990"}, v: v, lo: lo, hi: hi, hasCI: true}
	}
	figs := []fig{
		// Run 1, barometer.
		counts(1, "g1_unmet_needs_followup", "2021", "DK", 36.5, 730, 2000),
		counts(1, "g1_unmet_needs_followup", "2023", "DK", 35, 700, 2000),
		counts(1, "g1_unmet_needs_followup", "2026", "DK", 30, 600, 2000), // after the year: left out
		counts(1, "g1_unmet_needs_followup", "2023", "DK-81", 30, 150, 500),
		counts(1, "g1_unmet_needs_followup", "2023", "DK-84", 50, 250, 500),
		plain(1, "g1_responsibility_followup", "2023", "DK", nil, 23),
		// Run 2, a submission.
		plain(2, "g1_regions_late_effects_clinic", "2024", "DK", nil, 2),
		plain(2, "g1_regions_late_effects_clinic", "2025", "DK", nil, 3),
		// Run 3, LUP.
		counts(3, "g2_involved_decisions_lup", "2024", "DK", 60, 600, 1000),
		counts(3, "g2_involved_decisions_lup", "2025", "DK", 59.5, 595, 1000),
		counts(3, "g2_involved_decisions_lup", "2025", "DK-82", 65, 130, 200),
		counts(3, "g2_involved_decisions_lup", "2025", "DK-83", 45, 90, 200),
		// Run 4, NORDCAN.
		ci("DK", "male", 68.0, 67.5, 68.5), ci("NO", "male", 70.1, 69.6, 70.6), ci("SE", "male", 71.0, 70.6, 71.4), ci("FI", "male", 66.0, 65.4, 66.6),
		ci("DK", "female", 71.0, 70.5, 71.5), ci("NO", "female", 71.2, 70.7, 71.7), ci("SE", "female", 72.5, 72.1, 72.9), ci("FI", "female", 70.0, 69.4, 70.6),
		// Run 5, the national survival register.
		plain(5, "g3_survival_5y_denmark", "2021-2023", "DK", indicators.Breakdown{"sex": "male"}, 68),
		plain(5, "g3_survival_5y_denmark", "2021-2023", "DK", indicators.Breakdown{"sex": "female"}, 70.5),
	}
	var batch []indicators.Observation
	for _, f := range figs {
		o := indicators.Observation{Indicator: f.ind, Period: f.period, Geography: f.geo, Breakdown: f.b, Value: testkit.Float(f.v)}
		if f.hasCounts {
			o.Numerator, o.Denominator = testkit.Float(f.num), testkit.Float(f.den)
		}
		if f.hasCI {
			o.CILower, o.CIUpper = testkit.Float(f.lo), testkit.Float(f.hi)
		}
		batch = append(batch, o)
	}
	prepared, err := indicators.Prepare(cat, batch)
	if err != nil {
		t.Fatal(err)
	}
	cutoff := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	sources := []string{"", "barometer", "indberetning", "lup", "nordcan-survival", "sds-kraeftoverlevelse"}
	for i := range prepared {
		prepared[i].RunID, prepared[i].Revision = figs[i].run, 1
		prepared[i].Source = sources[figs[i].run]
		prepared[i].RecordedAt = cutoff.Add(-time.Hour)
	}
	set := &store.AsOfSet{CutOff: cutoff, Observations: prepared, LastSuccess: map[string]time.Time{}}
	for id := int64(1); id <= 5; id++ {
		fin := cutoff.Add(-time.Hour + time.Duration(id)*time.Minute)
		set.Runs = append(set.Runs, store.AsOfRun{Run: store.Run{ID: id, Source: sources[id], Kind: store.KindTest, Outcome: "success",
			StartedAt: fin.Add(-time.Second), FinishedAt: &fin}, LatestSuccess: true})
		set.LastSuccess[sources[id]] = fin
	}
	return set
}

func findIndicator(t *testing.T, r *Report, id string) view.Indicator {
	t.Helper()
	for _, g := range r.Goals {
		for _, in := range g.Indicators {
			if in.ID == id {
				return in
			}
		}
	}
	t.Fatalf("no indicator %s in the report", id)
	return view.Indicator{}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestFixtureReport(t *testing.T) {
	cat := testkit.Catalogue(t)
	r := fromSet(t, cat, 2025, fixture(t, cat))

	// Summary, counted as the goal's verdict reads the indicators (their
	// standing and direction, not their progress status). Goal 1: the
	// late-effects clinics on track (a complete count); unmet needs and
	// responsibility move by their point estimates, but the catalogue's
	// 2019 baselines have no interval: undecided; four indicators have no
	// figures. Goal 2: LUP's progress is off track (−0.83 % a year), but
	// its change is not significant and its target is a direction: the
	// verdict cannot count it either way (undecided). Goal 3: the two
	// Nordic indicators stand third of four with intervals apart from the
	// leader, beyond the uncertainty: off track, as the verdict says
	// (their progress status, one period each, says nothing); the five
	// context indicators (pathway times, mortality, its rank, deaths,
	// NORDCAN mortality) have no figures in the fixture.
	want := map[int][3]int{1: {1, 0, 4}, 2: {0, 0, 2}, 3: {0, 2, 6}}
	for _, s := range r.Summary {
		if got := [3]int{s.OnTrack, s.OffTrack, s.NotAssessable}; got != want[s.Goal] {
			t.Errorf("goal %d: on track, off track, not assessable = %v, want %v", s.Goal, got, want[s.Goal])
		}
	}
	if r.Figures != 21 {
		t.Errorf("figures: %d, want 21 (the 2026 figure left out)", r.Figures)
	}

	// Unmet needs (lower is better): catalogue baseline 38 (2019), 36.5
	// (2021), 35 (2023); (35/38)^(1/4) − 1 = −2.03 % a year, better by
	// more than 1 % a year: on track. The 2026 figure is after the year.
	un := findIndicator(t, r, "g1_unmet_needs_followup")
	row := un.Rows[0]
	if row.Baseline.Value != 38 || row.Baseline.Origin != "catalogue" || row.Previous.Value != 36.5 || row.Latest.Period != "2023" ||
		row.Latest.Value != 35 || *row.Change != -1.5 || *row.ChangeSinceBaseline != -3 || row.Status != assess.SignificanceUnknown || row.PointStatus != assess.OnTrack {
		t.Errorf("unmet needs: %+v", row)
	}
	if ci := row.Latest.CI; ci == nil || !near(ci.Lower, 32.940189345498666) || ci.Method != assess.WilsonCI {
		t.Errorf("unmet needs 2023 interval: %+v, want Wilson 32.94–37.12", ci)
	}
	if !strings.Contains(row.ReasonEN, "38 → 35, better by 2.03 % a year") || !strings.HasPrefix(row.ReasonEN, "2019 → 2023: 38 → 35 (-3.0 percentage points); significance unknown: the figures have neither counts") {
		t.Errorf("unmet needs reason: %s", row.ReasonEN)
	}
	// The last five years, 2021 → 2023, have Wilson intervals from the
	// counts: 36.5 → 35, −1.5 points, Newcombe's interval −4.5 to 1.5
	// includes zero.
	if w := row.Windows; len(w) != 2 || w[1].Window != assess.WindowLastFive || w[1].Status != assess.NoSignificantChange ||
		w[1].Change.CI.Method != assess.DiffNewcombe || !strings.Contains(w[1].ReasonEN, "95 % CI -4.5 to 1.5): no significant change") {
		t.Errorf("unmet needs windows: %+v", w)
	}
	if c := row.Changes.SincePrevious; c == nil || c.Significance != assess.SigNone {
		t.Errorf("unmet needs since 2021: %+v", c)
	}
	// Regions: 30 % of 500 (26.1–34.2) overlaps Denmark's 32.9–37.1;
	// 50 % of 500 (45.6–54.4) does not and is higher: worse.
	reg := map[string]assess.Comparison{}
	for _, rr := range r.Goals[0].Regional[0].Regions {
		reg[rr.Geography] = rr.Comparison
	}
	if r.Goals[0].Regional[0].Indicator != "g1_unmet_needs_followup" || reg["DK-81"] != assess.Similar || reg["DK-84"] != assess.Worse {
		t.Errorf("unmet needs by region: %v", reg)
	}

	// Late-effects clinics: baseline 2 (2024, the last figure before the
	// plan), 3 in 2025; 50 % a year achieved against (5/2)^(1/6) − 1 =
	// 16.5 % needed: 303 % of the pace, on track; 2 regions short of 5.
	cl := findIndicator(t, r, "g1_regions_late_effects_clinic").Rows[0]
	if cl.Baseline.Value != 2 || cl.Baseline.Origin != "figure" || cl.Latest.Value != 3 || *cl.Change != 1 || *cl.GapToTarget != 2 ||
		cl.Status != assess.OnTrack || !strings.Contains(cl.ReasonEN, "(303 % of the pace)") {
		t.Errorf("clinics: %+v", cl)
	}
	if rs := findIndicator(t, r, "g1_responsibility_followup"); rs.Status != assess.SignificanceUnknown || rs.Rows[0].PointStatus != assess.Deterioration {
		t.Errorf("responsibility: %s (%s), want significance unknown (21 → 23 without counts)", rs.Status, rs.ReasonEN)
	}
	// Goal 1's verdict: 3 of 7 indicators have figures (4 needed), none
	// short beyond the uncertainty or significantly worse: it cannot be
	// decided yet.
	if v := r.Verdicts[0]; v.Goal != 1 || v.State != assess.VerdictUndecided || v.OnTrack != 1 || v.Needed != 4 || v.WithFigures != 3 ||
		!strings.HasPrefix(v.ReasonDA, "Kan ikke afgøres endnu efter reglen: 3 af 7 indikatorer har tal") {
		t.Errorf("goal 1 verdict: %+v", v)
	}
	if r.Changes.PreviousYear != 0 || len(r.Changes.Indicators) != 0 || !strings.Contains(r.Changes.NoteEN, "first follow-up") {
		t.Errorf("2025 is the plan's first report: %+v", r.Changes)
	}

	// LUP: 60 → 59.5, −0.83 % a year: off track. DK-82 65 % of 200
	// (58.2–71.3) overlaps 56.4–62.5; DK-83 45 % (38.3–51.9) is below it.
	lup := findIndicator(t, r, "g2_involved_decisions_lup")
	if lup.Status != assess.OffTrack || *lup.Rows[0].Change != -0.5 {
		t.Errorf("LUP: %s %+v", lup.Status, lup.Rows[0])
	}
	reg = map[string]assess.Comparison{}
	for _, rr := range r.Goals[1].Regional[0].Regions {
		reg[rr.Geography] = rr.Comparison
	}
	if reg["DK-82"] != assess.Similar || reg["DK-83"] != assess.Worse {
		t.Errorf("LUP by region: %v", reg)
	}

	// Nordic: men SE 71.0, NO 70.1, DK 68.0, FI 66.0: third of four, 3
	// points behind, intervals apart; women SE 72.5, NO 71.2, DK 71.0:
	// third, 1.5 behind. Iceland is missing.
	g3 := r.Goals[2]
	if len(g3.Nordic) != 2 {
		t.Fatalf("Nordic tables: %+v", g3.Nordic)
	}
	for _, n := range g3.Nordic {
		gap := map[string]float64{"male": 3, "female": 1.5}[n.Sex]
		if n.Rank != 3 || n.Compared != 4 || n.Leader != "SE" || !near(n.GapToLeader, gap) || n.Tie == nil || *n.Tie ||
			fmt.Sprint(n.Missing) != "[IS]" || n.Period != "2015-2019" {
			t.Errorf("Nordic %s: %+v", n.Sex, n)
		}
	}
	// Goal 3's indicators published by region are compared too; the
	// fixture has no regional figures for them.
	for _, reg := range g3.Regional {
		if len(reg.Regions) != 0 {
			t.Errorf("goal 3 regional comparison with figures the fixture lacks: %+v", reg)
		}
	}
	// Register survival: men 67 → 68 (+1.49 %: on track), women 70 →
	// 70.5 (+0.71 %: needs acceleration); the headline is the weaker.
	dk := findIndicator(t, r, "g3_survival_5y_denmark")
	st := map[string]assess.Status{}
	for _, row := range dk.Rows {
		st[row.Breakdown["sex"]] = row.Status
	}
	if dk.Status != assess.SignificanceUnknown || st["male"] != assess.SignificanceUnknown || st["female"] != assess.SignificanceUnknown {
		t.Errorf("register survival: %s %v", dk.Status, st)
	}
	// Rank history is derived as assess derives it.
	rk := findIndicator(t, r, "g3_nordic_rank_all_sites")
	for _, row := range rk.Rows {
		if len(row.History) != 1 || row.History[0].Value != 3 || row.Latest.Value != 3 {
			t.Errorf("rank %v: history %+v, latest %+v", row.Breakdown, row.History, row.Latest)
		}
	}

	// Funding in 2025: initiative 5 (late-effects clinics) is paid by the
	// plan's "Senfølger" line, 60 million in 2025.
	var late *Initiative
	for i, in := range r.Goals[0].Initiatives {
		if in.Number == 5 {
			late = &r.Goals[0].Initiatives[i]
		}
	}
	if late == nil || len(late.Funding) == 0 || late.Funding[0].Line != "senfoelger" || late.Funding[0].Amount != 60 || late.Funding[0].Column != "2025" {
		t.Errorf("initiative 5 funding: %+v", late)
	}

	// The runs: every run supplied figures and is its source's latest.
	if len(r.Runs) != 5 || r.Runs[0].Figures != 5 || r.Runs[3].Figures != 8 {
		t.Errorf("runs: %+v", r.Runs)
	}

	checkJSON(t, r)
	checkCSV(t, r)
	checkHTML(t, r)
}

func checkJSON(t *testing.T, r *Report) {
	t.Helper()
	body, err := Render(r, "json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		CutOff string `json:"cut_off"`
		Goals  []struct {
			Indicators []struct {
				Indicator string
				Status    string
				Rows      []struct {
					Latest      *struct{ Value float64 }
					GapToTarget *float64 `json:"gap_to_target"`
				}
			}
		}
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.CutOff != "2026-03-01T12:00:00Z" {
		t.Errorf("JSON cut_off %q", doc.CutOff)
	}
	var found bool
	for _, in := range doc.Goals[0].Indicators {
		if in.Indicator == "g1_regions_late_effects_clinic" {
			found = in.Status == "on_track" && in.Rows[0].Latest.Value == 3 && *in.Rows[0].GapToTarget == 2
		}
	}
	if !found {
		t.Errorf("JSON lacks the clinics on track at 3, 2 short of the target")
	}
	for _, want := range []string{`"on_track": 1`, `"off_track": 0`, `"not_assessable": 4`, `"verdicts": [`, `"state": "undecided"`, `"significance": "no_significant_change"`, `"comparison": "worse"`, `"leader": "SE"`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	again, _ := Render(r, "json")
	if !bytes.Equal(body, again) {
		t.Error("JSON differs between two renderings of the same report")
	}
}

func checkCSV(t *testing.T, r *Report) {
	t.Helper()
	checkCSVDanish(t, r)
	body, err := Render(r, CSVProgram)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	get := func(ind, geo, breakdown string) []string {
		for _, row := range rows[1:] {
			if row[col["indicator"]] == ind && row[col["geography"]] == geo && row[col["breakdown"]] == breakdown {
				return row
			}
		}
		t.Fatalf("CSV has no row for %s %s %q", ind, geo, breakdown)
		return nil
	}
	cl := get("g1_regions_late_effects_clinic", "DK", "")
	for field, want := range map[string]string{"baseline": "2", "baseline_period": "2024", "latest": "3", "previous": "2", "change": "1",
		"gap_to_target": "2", "target": "5", "target_year": "2030", "status": "on_track", "cut_off": "2026-03-01T12:00:00Z", "year": "2025"} {
		if got := cl[col[field]]; got != want {
			t.Errorf("CSV clinics %s = %q, want %q", field, got, want)
		}
	}
	un := get("g1_unmet_needs_followup", "DK", "")
	if un[col["latest"]] != "35" || un[col["latest_period"]] != "2023" || un[col["change"]] != "-1.5" || un[col["status"]] != "significance_unknown" ||
		un[col["point_status"]] != "on_track" || un[col["change_significance"]] != "unknown" || un[col["status_last_5_years"]] != "no_significant_change" ||
		!strings.HasPrefix(un[col["ci_lower"]], "32.94") {
		t.Errorf("CSV unmet needs: %v", un)
	}
	if got := get("g1_unmet_needs_followup", "DK-84", "")[col["comparison"]]; got != "worse" {
		t.Errorf("CSV DK-84 comparison %q", got)
	}
	if got := get("g3_survival_5y_denmark", "DK", "sex=female")[col["point_status"]]; got != "needs_acceleration" {
		t.Errorf("CSV register survival, women: %q", got)
	}
	// One row per indicator and breakdown: 14 indicators, with the
	// late-effects and Nordic series broken down, plus four regions.
	// unmet 1, late effects 1 (no figures), responsibility 1, clinics 1,
	// palliative 1, GP 1, LUP 1, barometer 1, PRO 1, Nordic 2, rank 2,
	// gap 2, rank by site 1, register 2 = 18; regions 4.
	if n := len(rows) - 1; n != 28 {
		t.Errorf("CSV has %d rows, want 28 (one per Danish series and indicator)", n)
	}
}

func checkHTML(t *testing.T, r *Report) {
	t.Helper()
	body, err := Render(r, "html")
	if err != nil {
		t.Fatal(err)
	}
	page := string(body)
	for _, want := range []string{
		`<html lang="da">`, `@page { size: A4; margin: 12mm; }`, `break-before: page`,
		`<section class="goal" id="goal-1">`, `<section class="goal" id="goal-2">`, `<section class="goal" id="goal-3">`,
		`<h2>Mål 1: Hjælp og støtte efter endt sygehusbehandling</h2>`, `<p lang="en" class="en">Goal 1: Help and support after hospital treatment</p>`,
		`<td class="num on-track">1</td><td class="num off-track">0</td><td class="num undecided">2</td><td class="num not-assessable">4</td>`,
		`<section id="brief">`, `<h2>Sammendrag</h2>`, `<section id="verdict">`, `<h3>Vurdering pr. mål</h3>`, `Kan ikke afgøres endnu`, `Regel: Et mål er ikke på rette spor`,
		`<section id="changes">`, `Planens første opfølgning`, `<section id="methods">`, `Newcombe RG (1998)`, `Zou GY, Donner A (2008)`,
		`SEER*Stat`, `Eurostat`, `ingen antal: signifikans ukendt`, `class="pathway"`,
		"<strong>35\u00a0%</strong>", "36,5\u00a0%", "−1,5\u00a0pp", `<strong>3</strong> af 4`, `Dårligere end landet`,
		`7 indikatorer: 1 på rette spor, 0 ikke på rette spor, 2 med tal, der endnu ikke afgør det, 4 uden tal.`,
		`registreret i kpv senest <strong>1. marts 2026 kl. 13:00</strong>`, `Indberetningsstatus:</strong> ingen tal endnu. Ansvarlig: Danske Regioner`, `Senfølger <small>(Økonomi (Kræftplan V), 2025`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") {
		t.Error("HTML has a script")
	}
	// One panel per series of each indicator with figures (8 indicators,
	// 12 series: the twelve without say so in words instead of an empty
	// chart), one chart per regional comparison with figures (unmet
	// needs, LUP) and per Nordic table (2).
	if n := strings.Count(page, `<svg xmlns="http://www.w3.org/2000/svg" class="chart"`); n != 16 {
		t.Errorf("HTML has %d charts, want 16", n)
	}
	// The clinics' chart has its target line and the threshold bands.
	chart := regexp.MustCompile(`(?s)<article class="indicator" id="ind-g1_regions_late_effects_clinic">.*?</article>`).FindString(page)
	for _, want := range []string{"Mål: 5 i 2030", "Advarsel: 4", "Kritisk: 3", "stroke-dasharray=\"8 4\""} {
		if !strings.Contains(chart, want) {
			t.Errorf("clinics chart lacks %q", want)
		}
	}
}

func TestCutOff(t *testing.T) {
	cat := testkit.Catalogue(t)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	cut, rule, err := CutOff(cat, 2025, time.Time{}, now)
	// A past year: as kpv holds the figures now, those published by the
	// end of the year.
	if err != nil || rule != RulePublishedBy || !cut.Equal(now) || PublishedBy(2025, cut).Format(time.RFC3339Nano) != "2025-12-31T23:59:59.999999Z" {
		t.Errorf("2025: %v %s %v, published by %v", cut, rule, err, PublishedBy(2025, cut))
	}
	cut, rule, err = CutOff(cat, 2026, time.Time{}, now)
	if err != nil || rule != RuleNow || !cut.Equal(now) {
		t.Errorf("2026: %v %s %v", cut, rule, err)
	}
	asOf := time.Date(2026, 6, 30, 23, 59, 59, 0, time.UTC)
	if cut, rule, err = CutOff(cat, 2025, asOf, now); err != nil || rule != RuleAsOf || !cut.Equal(asOf) || !PublishedBy(2025, cut).Equal(EndOfYear(2025)) {
		t.Errorf("as of: %v %s %v", cut, rule, err)
	}
	for _, c := range []struct {
		year        int
		asOf        time.Time
		param, text string
	}{
		{2024, time.Time{}, "year", "reports cover the plan's years from 2025 to the current year 2026"},
		{2027, time.Time{}, "year", "no report for 2027"},
		{2025, now.Add(time.Hour), "as_of", "is in the future"},
		{2026, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), "as_of", "before the year 2026 began"},
	} {
		t.Run(fmt.Sprint(c.year, "/", c.param), func(t *testing.T) {
			_, _, err := CutOff(cat, c.year, c.asOf, now)
			ie, ok := err.(*InputError)
			if !ok || ie.Param != c.param || !strings.Contains(ie.Message, c.text) {
				t.Errorf("%d as of %v: %v, want %s: …%s…", c.year, c.asOf, err, c.param, c.text)
			}
		})
	}
}

func TestFundingColumn(t *testing.T) {
	cat := testkit.Catalogue(t)
	var plan, agreement *indicators.FundingTable
	for i := range cat.FundingTables {
		switch cat.FundingTables[i].ID {
		case "plan-oekonomi":
			plan = &cat.FundingTables[i]
		case "aftale-2025-tabel-1":
			agreement = &cat.FundingTables[i]
		}
	}
	for _, c := range []struct {
		t    *indicators.FundingTable
		year int
		want string
	}{{plan, 2026, "2026"}, {plan, 2031, "varigt"}, {plan, 2024, ""}, {agreement, 2025, "2025"}, {agreement, 2026, ""}} {
		t.Run(fmt.Sprint(c.t.ID, "/", c.year), func(t *testing.T) {
			if got := fundingColumn(c.t, c.year); got != c.want {
				t.Errorf("%s %d: %q, want %q", c.t.ID, c.year, got, c.want)
			}
		})
	}
}

// checkCSVDanish reads the report's CSV for a Danish Excel: a byte order
// mark, semicolons, Danish headings, the indicator's name beside its id,
// and values rounded as shown with a decimal comma.
func checkCSVDanish(t *testing.T, r *Report) {
	t.Helper()
	body, err := Render(r, "csv")
	if err != nil {
		t.Fatal(err)
	}
	rest, ok := bytes.CutPrefix(body, []byte("\ufeff"))
	if !ok {
		t.Fatal("the Danish CSV has no byte order mark")
	}
	cr := csv.NewReader(bytes.NewReader(rest))
	cr.Comma = ';'
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var un []string
	for _, row := range rows[1:] {
		if row[col["indikator"]] == "g1_unmet_needs_followup" && row[col["geografi"]] == "DK" {
			un = row
		}
	}
	if un == nil {
		t.Fatalf("no row for unmet needs in %v", rows[0])
	}
	if un[col["indikatornavn"]] == "" || un[col["seneste"]] != "35" || un[col["ændring"]] != "-1,5" || un[col["nedre_95"]] != "32,94" ||
		un[col["skæringstidspunkt"]] != "1. marts 2026 kl. 13:00" {
		t.Errorf("Danish CSV, unmet needs: %v", un)
	}
	numeric := map[string]bool{} // CSVHeaderDA has the name after the id (column 3)
	for i, h := range CSVHeader {
		if j := i + min(1, max(0, i-2)); csvNumeric[h] {
			numeric[CSVHeaderDA[j]] = true
		}
	}
	if len(numeric) != len(csvNumeric) || !numeric["seneste"] || !numeric["afstand_til_mål"] {
		t.Errorf("numeric Danish columns: %v", numeric)
	}
	for _, row := range rows[1:] {
		for i, c := range row {
			if numeric[rows[0][i]] && strings.Contains(c, ".") {
				t.Errorf("a decimal point in the Danish CSV: %s = %q", rows[0][i], c)
			}
		}
	}
}
