package monitor

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/ingest"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

var fixedNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// fixture is a small set of figures, invented for the test (they are not
// statistics: the shipped NORDCAN snapshot has other values and no
// intervals). Men: Denmark third and clear of the leader; women: Denmark
// second but overlapping the leader.
func fixture(t *testing.T, cat *indicators.Catalogue) []indicators.Observation {
	t.Helper()
	const lup, nordic = "g2_involved_decisions_lup", "g3_survival_5y_nordic"
	row := func(id, period, geo string, b indicators.Breakdown, v, lo, hi float64) indicators.Observation {
		return indicators.Observation{Indicator: id, Period: period, Geography: geo, Breakdown: b, Value: testkit.Float(v), CILower: testkit.Float(lo), CIUpper: testkit.Float(hi)}
	}
	men := indicators.Breakdown{"sex": "male", "cancer_site": "990"}
	women := indicators.Breakdown{"sex": "female", "cancer_site": "990"}
	batch := []indicators.Observation{
		row(lup, "2025", "DK", nil, 60, 59, 61),
		row(lup, "2026", "DK", nil, 62, 61, 63),
		row(lup, "2026", "DK-81", nil, 58, 55, 60.5),
		row(lup, "2026", "DK-83", nil, 66, 63.5, 68),
		row(nordic, "2014-2018", "DK", men, 72.9, 72.1, 73.7),
		row(nordic, "2014-2018", "NO", men, 73.5, 73.0, 74.0),
		row(nordic, "2014-2018", "SE", men, 74.6, 74.0, 75.2),
		row(nordic, "2014-2018", "DK", women, 72.0, 71.2, 72.8),
		row(nordic, "2014-2018", "NO", women, 71.6, 70.9, 72.3),
		row(nordic, "2014-2018", "SE", women, 72.4, 71.8, 73.0),
	}
	out, err := indicators.Prepare(cat, batch)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExposedFamilies(t *testing.T) {
	cat := testkit.Catalogue(t)
	m := New(Options{Catalogue: cat, Now: func() time.Time { return fixedNow }})
	m.swap(assess.Build(assess.Input{Catalogue: cat, Observations: fixture(t, cat), Now: fixedNow}))

	const want = `
# HELP kpv_indicator_regional_comparison A region's latest figure against Denmark's by overlap of 95% intervals, polarity-aware, as a state set.
# TYPE kpv_indicator_regional_comparison gauge
kpv_indicator_regional_comparison{cancer_site="",geography="DK-81",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="better"} 0
kpv_indicator_regional_comparison{cancer_site="",geography="DK-81",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="not_comparable"} 0
kpv_indicator_regional_comparison{cancer_site="",geography="DK-81",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="similar"} 0
kpv_indicator_regional_comparison{cancer_site="",geography="DK-81",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="worse"} 1
kpv_indicator_regional_comparison{cancer_site="",geography="DK-83",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="better"} 1
kpv_indicator_regional_comparison{cancer_site="",geography="DK-83",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="not_comparable"} 0
kpv_indicator_regional_comparison{cancer_site="",geography="DK-83",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="similar"} 0
kpv_indicator_regional_comparison{cancer_site="",geography="DK-83",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="worse"} 0
# HELP kpv_nordic_rank Denmark's rank among the Nordic countries (1 = best) in the latest period, per cancer entity and sex.
# TYPE kpv_nordic_rank gauge
kpv_nordic_rank{cancer_site="990",indicator="g3_survival_5y_nordic",sex="female"} 2
kpv_nordic_rank{cancer_site="990",indicator="g3_survival_5y_nordic",sex="male"} 3
# HELP kpv_nordic_tie_with_leader 1 when Denmark trails the leader but their 95% intervals overlap (a statistical tie), 0 when they do not; absent when Denmark leads or an interval is unknown.
# TYPE kpv_nordic_tie_with_leader gauge
kpv_nordic_tie_with_leader{cancer_site="990",indicator="g3_survival_5y_nordic",sex="female"} 1
kpv_nordic_tie_with_leader{cancer_site="990",indicator="g3_survival_5y_nordic",sex="male"} 0
# HELP kpv_nordic_gap_to_leader The leading Nordic country's value minus Denmark's, in points of the indicator's unit (0 when Denmark leads).
# TYPE kpv_nordic_gap_to_leader gauge
kpv_nordic_gap_to_leader{cancer_site="990",indicator="g3_survival_5y_nordic",sex="female"} 0.4
kpv_nordic_gap_to_leader{cancer_site="990",indicator="g3_survival_5y_nordic",sex="male"} 1.7
# HELP kpv_indicator_value Latest published value of an indicator, per geography and breakdown, in the indicator's unit (see kpv_indicator_info).
# TYPE kpv_indicator_value gauge
kpv_indicator_value{cancer_site="",geography="DK",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex=""} 62
kpv_indicator_value{cancer_site="",geography="DK",goal="3",indicator="g3_nordic_rank_all_sites",need_type="",owner="ism",sex="female"} 2
kpv_indicator_value{cancer_site="",geography="DK",goal="3",indicator="g3_nordic_rank_all_sites",need_type="",owner="ism",sex="male"} 3
kpv_indicator_value{cancer_site="",geography="DK",goal="3",indicator="g3_survival_gap_to_best",need_type="",owner="ism",sex="female"} 0.4
kpv_indicator_value{cancer_site="",geography="DK",goal="3",indicator="g3_survival_gap_to_best",need_type="",owner="ism",sex="male"} 1.7
kpv_indicator_value{cancer_site="",geography="DK-81",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex=""} 58
kpv_indicator_value{cancer_site="",geography="DK-83",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex=""} 66
kpv_indicator_value{cancer_site="990",geography="DK",goal="3",indicator="g3_survival_5y_nordic",need_type="",owner="ism",sex="female"} 72
kpv_indicator_value{cancer_site="990",geography="DK",goal="3",indicator="g3_survival_5y_nordic",need_type="",owner="ism",sex="male"} 72.9
kpv_indicator_value{cancer_site="990",geography="NO",goal="3",indicator="g3_survival_5y_nordic",need_type="",owner="ism",sex="female"} 71.6
kpv_indicator_value{cancer_site="990",geography="NO",goal="3",indicator="g3_survival_5y_nordic",need_type="",owner="ism",sex="male"} 73.5
kpv_indicator_value{cancer_site="990",geography="SE",goal="3",indicator="g3_survival_5y_nordic",need_type="",owner="ism",sex="female"} 72.4
kpv_indicator_value{cancer_site="990",geography="SE",goal="3",indicator="g3_survival_5y_nordic",need_type="",owner="ism",sex="male"} 74.6
# HELP kpv_indicator_threshold Alert threshold of an indicator: a value at or beyond it, in the bad direction, breaches it.
# TYPE kpv_indicator_threshold gauge
kpv_indicator_threshold{goal="3",indicator="g3_nordic_rank_all_sites",level="critical",owner="ism",polarity="lower_is_better"} 3
kpv_indicator_threshold{goal="3",indicator="g3_nordic_rank_all_sites",level="warning",owner="ism",polarity="lower_is_better"} 2
# HELP kpv_indicator_standing A Danish or regional series' standing against its target in the latest period alone (met, not_met, or no_level where the target is a direction only), as a state set; the API's answers give the gap and whether it is beyond the statistical uncertainty.
# TYPE kpv_indicator_standing gauge
kpv_indicator_standing{cancer_site="",geography="DK",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="met"} 0
kpv_indicator_standing{cancer_site="",geography="DK",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="no_level"} 1
kpv_indicator_standing{cancer_site="",geography="DK",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="not_met"} 0
kpv_indicator_standing{cancer_site="",geography="DK-81",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="met"} 0
kpv_indicator_standing{cancer_site="",geography="DK-81",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="no_level"} 1
kpv_indicator_standing{cancer_site="",geography="DK-81",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="not_met"} 0
kpv_indicator_standing{cancer_site="",geography="DK-83",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="met"} 0
kpv_indicator_standing{cancer_site="",geography="DK-83",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="no_level"} 1
kpv_indicator_standing{cancer_site="",geography="DK-83",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="not_met"} 0
# HELP kpv_indicator_direction A Danish or regional series' direction over the last five years of periods (improving or worsening significantly, no_significant_change, or unknown for want of counts, intervals or periods), as a state set.
# TYPE kpv_indicator_direction gauge
kpv_indicator_direction{cancer_site="",geography="DK",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="improving"} 1
kpv_indicator_direction{cancer_site="",geography="DK",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="no_significant_change"} 0
kpv_indicator_direction{cancer_site="",geography="DK",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="unknown"} 0
kpv_indicator_direction{cancer_site="",geography="DK",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="worsening"} 0
kpv_indicator_direction{cancer_site="",geography="DK-81",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="improving"} 0
kpv_indicator_direction{cancer_site="",geography="DK-81",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="no_significant_change"} 0
kpv_indicator_direction{cancer_site="",geography="DK-81",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="unknown"} 1
kpv_indicator_direction{cancer_site="",geography="DK-81",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="worsening"} 0
kpv_indicator_direction{cancer_site="",geography="DK-83",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="improving"} 0
kpv_indicator_direction{cancer_site="",geography="DK-83",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="no_significant_change"} 0
kpv_indicator_direction{cancer_site="",geography="DK-83",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="unknown"} 1
kpv_indicator_direction{cancer_site="",geography="DK-83",goal="2",indicator="g2_involved_decisions_lup",need_type="",owner="regioner",sex="",state="worsening"} 0
`
	// Thresholds are compared for one indicator only, standing and direction
	// for LUP's (Denmark and two regions): the others add nothing new.
	got := filterFamily(m.Collector(), "kpv_indicator_threshold", `indicator="g3_nordic_rank_all_sites"`)
	got = filterFamily(got, "kpv_indicator_standing", `indicator="g2_involved_decisions_lup"`)
	got = filterFamily(got, "kpv_indicator_direction", `indicator="g2_involved_decisions_lup"`)
	if err := testutil.CollectAndCompare(got, strings.NewReader(want),
		"kpv_indicator_regional_comparison", "kpv_nordic_rank", "kpv_nordic_tie_with_leader", "kpv_nordic_gap_to_leader",
		"kpv_indicator_value", "kpv_indicator_threshold", "kpv_indicator_standing", "kpv_indicator_direction"); err != nil {
		t.Error(err)
	}
	// Standing and direction: one state for every series with a progress
	// state (every Danish or regional series with figures), no more.
	series := countOnes(t, m.Collector(), "kpv_indicator_progress_status")
	for _, fam := range []string{"kpv_indicator_standing", "kpv_indicator_direction"} {
		if n := countOnes(t, m.Collector(), fam); n != series || n == 0 {
			t.Errorf("%s: %d series in a state, want %d (those with progress)", fam, n, series)
		}
	}

	// The female ranking ties with the leader: goal 3's rank is at the top.
	status := collectState(t, m.Collector(), "kpv_indicator_progress_status", `indicator="g3_nordic_rank_all_sites"`, `sex="female"`)
	if status != "awaiting_figure" {
		t.Errorf("one ranked period (the baseline): %q, want awaiting_figure", status)
	}
	if problems, err := testutil.CollectAndLint(m.Collector()); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
	// Every indicator has one headline state, one freshness state and its info.
	for _, fam := range []string{"kpv_indicator_status", "kpv_indicator_freshness", "kpv_indicator_info"} {
		n := countOnes(t, m.Collector(), fam)
		if n != len(cat.Indicators) {
			t.Errorf("%s: %d indicators in a state, want %d", fam, n, len(cat.Indicators))
		}
	}
}

// familyFilter is a collector passing on only some samples of one family.
type familyFilter struct {
	c      prometheus.Collector
	family string
	keep   string
}

func filterFamily(c prometheus.Collector, family, keep string) prometheus.Collector {
	return familyFilter{c, family, keep}
}

func (f familyFilter) Describe(ch chan<- *prometheus.Desc) { f.c.Describe(ch) }

func (f familyFilter) Collect(ch chan<- prometheus.Metric) {
	all := make(chan prometheus.Metric)
	go func() { f.c.Collect(all); close(all) }()
	for m := range all {
		d := m.Desc().String()
		if strings.Contains(d, `fqName: "`+f.family+`"`) && !strings.Contains(metricText(m), f.keep) {
			continue
		}
		ch <- m
	}
}

func metricText(m prometheus.Metric) string {
	var dm dto.Metric
	_ = m.Write(&dm)
	var sb strings.Builder
	for _, l := range dm.Label {
		sb.WriteString(l.GetName() + `="` + l.GetValue() + `",`)
	}
	return sb.String()
}

// gather returns c's samples of one family.
func gather(t *testing.T, c prometheus.Collector, family string) []*dto.Metric {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == family {
			return mf.Metric
		}
	}
	return nil
}

// collectState returns the state set to 1 among a state set's samples
// whose labels contain every one of match.
func collectState(t *testing.T, c prometheus.Collector, family string, match ...string) string {
	t.Helper()
	state := ""
	for _, m := range gather(t, c, family) {
		text := ""
		var set string
		for _, l := range m.Label {
			text += l.GetName() + `="` + l.GetValue() + `",`
			if l.GetName() == "status" || l.GetName() == "state" {
				set = l.GetValue()
			}
		}
		ok := m.GetGauge().GetValue() == 1
		for _, want := range match {
			ok = ok && strings.Contains(text, want+",")
		}
		if ok {
			if state != "" {
				t.Errorf("%s %v: two states set, %s and %s", family, match, state, set)
			}
			state = set
		}
	}
	return state
}

// countOnes counts a family's samples whose value is 1.
func countOnes(t *testing.T, c prometheus.Collector, family string) int {
	n := 0
	for _, m := range gather(t, c, family) {
		if m.GetGauge().GetValue() == 1 {
			n++
		}
	}
	return n
}

// scrapeText scrapes h and returns the exposition without the monitor's
// refresh bookkeeping and the run log's times, which are not the assessment.
func scrapeText(t testing.TB, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body.String())
	}
	var keep []string
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		// The refresh bookkeeping and the run log's times are not the assessment.
		if !strings.Contains(line, "kpv_assessment_") && !strings.Contains(line, "kpv_source_last_success") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

func TestRefreshFromStoreAndScrapeWithoutIt(t *testing.T) {
	ctx := context.Background()
	st := pgtest.NewStore(t)
	cat := testkit.Catalogue(t)
	if _, err := st.SyncCatalogue(ctx, cat); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	m := New(Options{Catalogue: cat, Store: st, Registerer: reg, Now: func() time.Time { return fixedNow }})
	h := m.Handler(reg)
	if got := m.Snapshot().Figures; got != 0 {
		t.Fatalf("before the first refresh: %d figures", got)
	}

	// Every ingest run refreshes the assessment.
	runner := &ingest.Runner{Store: st, Catalogue: cat, AfterRun: m.AfterRun}
	for _, src := range []string{"barometer", "nordcan-survival", "sds-kraeftoverlevelse"} {
		if _, err := runner.Run(ctx, src, ingest.Options{Snapshot: true}); err != nil {
			t.Fatal(err)
		}
	}
	snap := m.Snapshot()
	late, _ := snap.Indicator("g1_late_effects_need_unmet")
	// 10 Barometer figures, 248 NORDCAN (8 from release 9.0, 240 by site
	// from 9.2), 11 from the registry.
	if snap.Figures != 269 || late.Status != assess.SeriesBreak {
		t.Fatalf("after ingest: %d figures, late effects %s; want 269 and a series break (the 2023 question is worded differently)", snap.Figures, late.Status)
	}
	for _, src := range snap.Sources {
		if src.Source == "barometer" && src.LastSuccess == nil {
			t.Errorf("barometer's last success %+v", src)
		}
	}

	// A revised publication: psychological late effects 71 → 60 in 2023.
	file := t.TempDir() + "/barometer.csv"
	data, _, _ := ingest.Snapshot(mustSource(t, cat, "barometer"))
	revised := strings.Replace(string(data), "Psykiske senfølger;71;", "Psykiske senfølger;60;", 1)
	if err := os.WriteFile(file, []byte(revised), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runner.Run(ctx, "barometer", ingest.Options{File: file}); err != nil {
		t.Fatal(err)
	}
	late, _ = m.Snapshot().Indicator("g1_late_effects_need_unmet")
	for _, sr := range late.Series {
		// The 2023 question is worded differently: a series break, so the
		// revised figure is shown but not compared with 2019.
		if sr.Breakdown["need_type"] == "psychological" && (sr.Latest.Value != 60 || sr.Latest.Revision != 2 || sr.Progress.Status != assess.SeriesBreak) {
			t.Errorf("after the revision: %+v %s (point %s), want 60 (revision 2), a series break", sr.Latest, sr.Progress.Status, sr.PointStatus)
		}
	}
	if !strings.Contains(scrapeText(t, h), `need_type="psychological",owner="sst",sex=""} 60`) {
		t.Error("the scrape does not show the revised figure")
	}

	// A scrape never queries Postgres: with the store closed it serves the
	// same assessment.
	before := scrapeText(t, h)
	st.Close()
	if after := scrapeText(t, h); after != before {
		t.Error("the scrape changed when Postgres went away")
	}
	if err := m.Refresh(ctx); err == nil {
		t.Error("refresh without Postgres should fail")
	} else if testutil.ToFloat64(m.refreshes.WithLabelValues("failed")) != 1 {
		t.Error("a failed refresh is not counted")
	}
	if after := scrapeText(t, h); after != before {
		t.Error("a failed refresh replaced the snapshot")
	}
}

func mustSource(t *testing.T, cat *indicators.Catalogue, id string) *indicators.Source {
	s, ok := cat.Source(id)
	if !ok {
		t.Fatalf("no source %s", id)
	}
	return s
}

// writeRevisions stores every bench figure revisions times, alternating
// between shifted and original values and ending at the original.
func writeRevisions(tb testing.TB, st *store.Store, cat *indicators.Catalogue, revisions int) {
	tb.Helper()
	ctx := context.Background()
	for r := 1; r <= revisions; r++ {
		shift := float64((revisions - r) % 2)
		figs := benchFigures(tb, cat, shift)
		_, err := st.Record(ctx, "indberetning", store.KindTest, func(ctx context.Context, tx pgx.Tx, run int64) (store.Counts, error) {
			return store.WriteObservations(ctx, tx, run, "indberetning", figs)
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

func TestScrapeUnchangedByRevisions(t *testing.T) {
	ctx := context.Background()
	cat := benchCatalogue(t, 5)
	scrapes := map[int]string{}
	for _, revisions := range []int{1, 10} {
		st := pgtest.NewStore(t)
		if _, err := st.SyncCatalogue(ctx, cat); err != nil {
			t.Fatal(err)
		}
		writeRevisions(t, st, cat, revisions)
		var stored int
		if err := st.QueryRow(ctx, `SELECT count(*) FROM observations`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		reg := prometheus.NewRegistry()
		m := New(Options{Catalogue: cat, Store: st, Registerer: reg, Now: func() time.Time { return fixedNow }})
		if err := m.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		scrapes[revisions] = scrapeText(t, m.Handler(reg))
		t.Logf("%d revision(s): %d rows stored, %d current figures, %d bytes scraped", revisions, stored, m.Snapshot().Figures, len(scrapes[revisions]))
	}
	if scrapes[1] != scrapes[10] {
		t.Error("ten revisions of every figure, ending at the same values, changed the scrape")
	}
}

// The handler's gzip answer (two gzip members) reads back as the plain one,
// with the process's own metrics first and the assessment after them.
func TestHandlerPlainAndGzip(t *testing.T) {
	cat := testkit.Catalogue(t)
	reg := prometheus.NewRegistry()
	m := New(Options{Catalogue: cat, Registerer: reg, Now: func() time.Time { return fixedNow }})
	m.swap(assess.Build(assess.Input{Catalogue: cat, Observations: fixture(t, cat), Now: fixedNow}))
	h := m.Handler(reg)

	plain := httptest.NewRecorder()
	h.ServeHTTP(plain, httptest.NewRequest("GET", "/metrics", nil))
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	zipped := httptest.NewRecorder()
	h.ServeHTTP(zipped, req)
	if zipped.Header().Get("Content-Encoding") != "gzip" || !strings.HasPrefix(plain.Header().Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("headers: %v / %v", zipped.Header(), plain.Header())
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if string(unzipped) != plain.Body.String() {
		t.Error("gzip and plain answers differ")
	}
	body := plain.Body.String()
	refresh, value := strings.Index(body, "kpv_assessment_refreshes_total"), strings.Index(body, "kpv_indicator_value{")
	if refresh < 0 || value < refresh {
		t.Errorf("want the process's metrics, then the assessment: refreshes at %d, values at %d", refresh, value)
	}
	// The text parser refuses a family that appears twice.
	parser := expfmt.NewTextParser(model.UTF8Validation)
	if _, err := parser.TextToMetricFamilies(strings.NewReader(body)); err != nil {
		t.Error(err)
	}
}

// Scrapes during refreshes see one whole snapshot or the next, never a
// mix: the number of figures a scrape reports matches the values it shows.
func TestScrapesDuringRefreshes(t *testing.T) {
	cat := testkit.Catalogue(t)
	reg := prometheus.NewRegistry()
	m := New(Options{Catalogue: cat, Registerer: reg, Now: func() time.Time { return fixedNow }})
	h := m.Handler(reg)
	figs := fixture(t, cat)
	raw := func() string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Body.String()
	}
	// Snapshot k holds the first k figures; note what a scrape of each shows.
	var snaps []*assess.Snapshot
	values := map[string]int{} // "kpv_assessment_figures N" line → kpv_indicator_value lines
	for k := 1; k <= len(figs); k++ {
		s := assess.Build(assess.Input{Catalogue: cat, Observations: figs[:k], Now: fixedNow})
		snaps = append(snaps, s)
		m.swap(s)
		body := raw()
		values[figuresLine(body)] = strings.Count(body, "kpv_indicator_value{")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			m.swap(snaps[i%len(snaps)])
		}
	}()
	scrapes := 0
	for running := true; running; scrapes++ {
		select {
		case <-done:
			running = false
		default:
		}
		body := raw()
		want, ok := values[figuresLine(body)]
		if got := strings.Count(body, "kpv_indicator_value{"); !ok || got != want {
			t.Fatalf("a scrape mixed snapshots: %q with %d values, want %d", figuresLine(body), got, want)
		}
	}
	t.Logf("%d scrapes during 200 swaps, each of one snapshot", scrapes)
}

func figuresLine(body string) string {
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "kpv_assessment_figures ") {
			return line
		}
	}
	return ""
}
