package test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kraeftplan/kpv/internal/testkit"
)

func scrape(t *testing.T, base string) []byte {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	return body
}

var yearLike = regexp.MustCompile(`^(19|20)\d\d(\b|$)`)

// TestMetricsOnARealScrape scrapes kpv serving the bundled data and checks
// the exposition with promtool, the metrics' shape, and that the API tells
// the same assessment.
func TestMetricsOnARealScrape(t *testing.T) {
	tool := promtool(t)
	base := serveBundled(t)
	body := scrape(t, base)

	// promtool check metrics prints lint problems and exits 3 on any.
	cmd := exec.Command(tool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
	t.Logf("promtool check metrics: clean on %d bytes", len(body))

	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"kpv_indicator_value", "kpv_indicator_baseline", "kpv_indicator_target", "kpv_indicator_threshold",
		"kpv_indicator_status", "kpv_indicator_progress_status", "kpv_indicator_freshness", "kpv_nordic_rank",
		"kpv_indicator_latest_period_end_timestamp_seconds", "kpv_source_last_success_timestamp_seconds",
		"kpv_ingest_runs_total", "kpv_ingest_duration_seconds", "kpv_http_requests_total", "kpv_indicator_info",
		"kpv_goal_indicators", "kpv_assessment_last_refresh_timestamp_seconds",
	} {
		if families[name] == nil {
			t.Errorf("%s is not exposed", name)
		}
	}
	series := 0
	for name, mf := range families {
		if !strings.HasPrefix(name, "kpv_") {
			continue
		}
		for _, m := range mf.Metric {
			series++
			if m.TimestampMs != nil {
				t.Errorf("%s carries a timestamp", name)
			}
			for _, l := range m.Label {
				if yearLike.MatchString(l.GetValue()) && l.GetName() != "name_da" && l.GetName() != "name_en" {
					t.Errorf("%s has a year in label %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
	t.Logf("%d kpv_ series exposed", series)

	// The state sets have exactly one state set per indicator.
	status := map[string]string{}
	for _, m := range families["kpv_indicator_status"].Metric {
		if m.GetGauge().GetValue() == 1 {
			if prev, dup := status[label(m, "indicator")]; dup {
				t.Errorf("%s has two states: %s and %s", label(m, "indicator"), prev, label(m, "status"))
			}
			status[label(m, "indicator")] = label(m, "status")
		}
	}

	// The API carries the same assessment as the metrics.
	var goal struct {
		Assessment struct {
			Status map[string]int
		}
		Indicators []struct {
			ID         string
			Assessment struct{ Status string }
		}
	}
	for g := 1; g <= 3; g++ {
		testkit.GetJSON(t, fmt.Sprintf("%s/api/v1/goals/%d", base, g), &goal)
		for _, in := range goal.Indicators {
			if status[in.ID] == "" || in.Assessment.Status != status[in.ID] {
				t.Errorf("goal %d, %s: API says %q, metrics %q", g, in.ID, in.Assessment.Status, status[in.ID])
			}
			var one struct{ Assessment struct{ Status string } }
			testkit.GetJSON(t, base+"/api/v1/indicators/"+in.ID, &one)
			if one.Assessment.Status != status[in.ID] {
				t.Errorf("/indicators/%s says %q, metrics %q", in.ID, one.Assessment.Status, status[in.ID])
			}
		}
		for _, m := range families["kpv_goal_indicators"].Metric {
			if label(m, "goal") == strconv.Itoa(g) && int(m.GetGauge().GetValue()) != goal.Assessment.Status[label(m, "status")] {
				t.Errorf("goal %d %s: metrics %v, API %d", g, label(m, "status"), m.GetGauge().GetValue(), goal.Assessment.Status[label(m, "status")])
			}
		}
	}
	var whole struct {
		Indicators []struct{ Indicator, Status string }
		Nordic     []struct{ Rank int }
		Goals      []struct{ Goal int }
	}
	testkit.GetJSON(t, base+"/api/v1/assessment", &whole)
	// 19 indicators; Nordic ranks: survival 990 (2 sexes), by site (breast,
	// prostate, colon and rectum by sex: 6), lung mortality (3 sexes).
	if len(whole.Indicators) != 20 || len(whole.Nordic) != 11 || len(whole.Goals) != 3 {
		t.Errorf("/api/v1/assessment: %d indicators, %d Nordic ranks, %d goals", len(whole.Indicators), len(whole.Nordic), len(whole.Goals))
	}
	for _, in := range whole.Indicators {
		if in.Status != status[in.Indicator] {
			t.Errorf("/api/v1/assessment %s: %q, metrics %q", in.Indicator, in.Status, status[in.Indicator])
		}
	}
	if status["g1_late_effects_need_unmet"] != "series_break" {
		t.Errorf("g1_late_effects_need_unmet: %q, want series_break: the Barometer's 2023 question is worded differently from 2019's", status["g1_late_effects_need_unmet"])
	}
	// NORDCAN 2014–2018: Denmark third of the three countries shipped, men and women.
	for _, m := range families["kpv_nordic_rank"].Metric {
		if label(m, "cancer_site") == "990" && m.GetGauge().GetValue() != 3 {
			t.Errorf("kpv_nordic_rank %s: %v, want 3", label(m, "sex"), m.GetGauge().GetValue())
		}
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
