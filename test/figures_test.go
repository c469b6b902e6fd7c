package test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/internal/testkit"
)

// TestBundledFiguresMustShow loads the bundled snapshots as `make up` does
// and checks what issue 15 promises a new user: at least 300 figures from
// at least 6 sources, each run citing its snapshot; Denmark's Nordic rank
// for 4 cancer sites among 4 countries; all five regions compared with
// Denmark for at least one indicator; the 2025 report with figures in
// every goal that has published data, read "published by" the end of 2025;
// and a reporting status for an indicator without figures.
func TestBundledFiguresMustShow(t *testing.T) {
	base := serveBundled(t)

	var runs struct {
		Items []struct {
			Source, Outcome string
			Counts          struct{ Inserted int }
			Detail          map[string]any
		}
	}
	testkit.GetJSON(t, base+"/api/v1/ingest/runs?limit=100", &runs)
	total, sources := 0, 0
	for _, r := range runs.Items {
		if r.Outcome == "success" && r.Counts.Inserted > 0 {
			total += r.Counts.Inserted
			sources++
			if o, _ := r.Detail["origin"].(string); !strings.HasPrefix(o, "snapshot:") {
				t.Errorf("%s: origin %q, want a shipped snapshot (cited in ingest/snapshots/README.md)", r.Source, o)
			}
		}
	}
	if total < 300 || sources < 6 {
		t.Errorf("%d figures from %d sources, want at least 300 from 6", total, sources)
	}
	t.Logf("bundled: %d figures from %d sources", total, sources)

	// Denmark's rank by site: NORDCAN 9.2, 2016–2020, among DK, FI, NO, SE.
	var rank struct {
		Assessment struct {
			Series []struct {
				Geography string
				Breakdown map[string]string
				Latest    struct {
					Period string
					Value  float64
				}
				Ranking *struct{ Compared int }
			}
		}
	}
	testkit.GetJSON(t, base+"/api/v1/indicators/g3_nordic_rank_by_site", &rank)
	got := map[string]float64{}
	for _, sr := range rank.Assessment.Series {
		if sr.Ranking == nil || sr.Ranking.Compared != 4 || sr.Latest.Period != "2016-2020" {
			t.Errorf("rank by site %v: %+v", sr.Breakdown, sr)
			continue
		}
		got[sr.Breakdown["cancer_site"]+"/"+sr.Breakdown["sex"]] = sr.Latest.Value
	}
	want := map[string]float64{"180/female": 4, "240/male": 4, "90/male": 1, "90/female": 1, "100/male": 1, "100/female": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Denmark's rank by site %v, want %v (last of four for breast and prostate, first for colon and rectum)", got, want)
	}

	// All five regions against Denmark: the kræftpakke shares, Q4 2025.
	var pathways struct {
		Assessment struct {
			Series []struct {
				Geography  string
				Comparison *struct{ State, Period string }
			}
		}
	}
	testkit.GetJSON(t, base+"/api/v1/indicators/g3_cancer_pathways_within_standard_time", &pathways)
	var regions []string
	for _, sr := range pathways.Assessment.Series {
		if strings.HasPrefix(sr.Geography, "DK-") && sr.Comparison != nil && sr.Comparison.Period == "2025K4" {
			regions = append(regions, sr.Geography)
		}
	}
	sort.Strings(regions)
	if strings.Join(regions, ",") != "DK-81,DK-82,DK-83,DK-84,DK-85" {
		t.Errorf("regions compared with Denmark for 2025K4: %v, want all five", regions)
	}

	// The 2025 report: published by the end of 2025, figures in goals 1
	// and 3 (goal 2 has no published figure, and says so).
	var rep struct {
		CutOffRule  string `json:"cut_off_rule"`
		PublishedBy string `json:"published_by"`
		Figures     int
		Goals       []struct {
			Goal       int
			Indicators []struct {
				Indicator       string
				Rows            []struct{ Latest *struct{ Period string } }
				ReportingStatus *struct {
					Owner string
					HowEN string `json:"how_en"`
				} `json:"reporting_status"`
			}
		}
	}
	testkit.GetJSON(t, base+"/api/v1/reports/2025", &rep)
	if rep.CutOffRule != "published_by" || rep.PublishedBy != "2025-12-31T23:59:59.999999Z" || rep.Figures == 0 {
		t.Errorf("report 2025: rule %q, published by %s, %d figures", rep.CutOffRule, rep.PublishedBy, rep.Figures)
	}
	for _, g := range rep.Goals {
		with, status := 0, 0
		for _, in := range g.Indicators {
			for _, r := range in.Rows {
				if r.Latest != nil {
					with++
					break
				}
			}
			if in.ReportingStatus != nil {
				status++
				if in.ReportingStatus.Owner == "" || in.ReportingStatus.HowEN == "" {
					t.Errorf("%s: reporting status %+v", in.Indicator, in.ReportingStatus)
				}
			}
			// Q4 2025 was published in 2026: not in the 2025 report.
			if in.Indicator == "g3_cancer_pathways_within_standard_time" {
				for _, r := range in.Rows {
					if r.Latest != nil && r.Latest.Period == "2025K4" {
						t.Errorf("the 2025 report shows 2025K4, published in 2026")
					}
				}
			}
		}
		if g.Goal != 2 && with == 0 {
			t.Errorf("goal %d: no indicator with figures in the 2025 report", g.Goal)
		}
		if g.Goal == 2 && status == 0 {
			t.Errorf("goal 2: no reporting status for its indicators without figures")
		}
		t.Logf("goal %d: %d indicators with figures, %d with a reporting status", g.Goal, with, status)
	}
}
