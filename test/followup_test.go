package test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/alerts"
	"github.com/kraeftplan/kpv/cli"
	"github.com/kraeftplan/kpv/followup"
	"github.com/kraeftplan/kpv/report"
)

// TestFollowUpRoundEndToEnd runs a whole yearly round of the plan's own
// follow-up on a real Postgres, with kpv serving, Prometheus scraping it
// with the generated rules and a real Alertmanager routing to one webhook
// per organisation:
//
//   - tokens for a region, KL and the ministry (and an admin);
//   - a status report, spending and commentary accepted, and one of each
//     refused for scope or rejected for bad input, with nothing written
//     and the refusal audited;
//   - an overdue milestone (KL's free smoking-cessation medicine, due in
//     2025) and a missing report (Region Syddanmark's own figures) each
//     alerting the organisation responsible;
//   - approval freezing the report as version 1, with its SHA-256;
//   - a later submission leaving version 1 byte-identical and making a
//     draft that shows the change; a second approval is version 2 listing it.
//
// The round is the one under way now (the year before this one, past its
// due date of 31 January). The texts and amounts submitted are invented
// test inputs, not reports of real spending.
func TestFollowUpRoundEndToEnd(t *testing.T) {
	t.Setenv("KPV_REFRESH_INTERVAL", "1s")
	base := serveBundled(t)
	ctx := context.Background()
	year := followup.CurrentRound(time.Now())

	token := func(role, org string) string {
		var out bytes.Buffer
		if err := cli.Run(ctx, []string{"token", "create", "--role", role, "--org", org, "--name", org + " follow-up"}, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		return tokenRE.FindString(out.String())
	}
	region, kl, ism, admin := token("submitter", "region-syddanmark"), token("submitter", "kl"), token("submitter", "ism"), token("admin", "ism")

	do := func(method, path, tok, body string) (int, []byte, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b, resp.Header
	}
	want := func(what string, status int, got int, body []byte, contains ...string) {
		t.Helper()
		if got != status {
			t.Fatalf("%s: %d, want %d: %s", what, got, status, body)
		}
		for _, c := range contains {
			if !bytes.Contains(body, []byte(c)) {
				t.Fatalf("%s: the answer does not say %q: %s", what, c, body)
			}
		}
	}

	// Accepted: one of each kind.
	st, b, _ := do("POST", "/api/v1/initiatives/26/status-reports", kl, fmt.Sprintf(`{"year": %d, "status": "on_schedule",
		"narrative_da": "Testtekst: kommunerne udleverer rygestopmedicin.", "next_steps_da": "Testtekst: opgørelse i STOPbasen."}`, year))
	want("KL's status report", 201, st, b, `"revision": 1`)
	st, b, _ = do("POST", "/api/v1/initiatives/12/status-reports", region, fmt.Sprintf(`{"year": %d, "status": "on_schedule",
		"narrative_da": "Testtekst: pilotstudiet kører.", "next_steps_da": "Testtekst: afslutning.", "risks_da": "Testtekst: rekruttering."}`, year))
	want("the region's status report on the lung-screening pilot (its milestone)", 201, st, b)
	st, b, _ = do("POST", "/api/v1/funding/palliation-kommuner/spending", kl, fmt.Sprintf(`{"year": %d, "spent": 80, "committed": 2.5}`, year))
	want("KL's spending", 201, st, b)
	st, b, _ = do("POST", "/api/v1/indicators/g3_nordic_rank_all_sites/commentary", ism, fmt.Sprintf(`{"year": %d,
		"why_da": "Testtekst: forklaring.", "actions_da": "Testtekst: tiltag.", "by": "Indenrigs- og Sundhedsministeriet", "by_when": "%d-12-31"}`, year, year+1))
	want("the ministry's commentary", 201, st, b)

	// Refused for scope, or rejected for bad input: nothing written.
	st, b, _ = do("POST", "/api/v1/initiatives/26/status-reports", region, fmt.Sprintf(`{"year": %d, "status": "delayed", "narrative_da": "x", "next_steps_da": "y"}`, year))
	want("a region reporting on KL's initiative", 403, st, b, "led by ism, kl")
	st, b, _ = do("POST", "/api/v1/initiatives/25/status-reports", ism, fmt.Sprintf(`{"year": %d, "status": "almost",
		"milestones_reached": [{"milestone": "i25-nikotinposer-krav", "date": "2099-01-01"}], "narrative_da": "x", "next_steps_da": "y"}`, year))
	want("a status report with a bad status and a future date", 422, st, b, `"field":"status"`, `"field":"milestones_reached[0].date"`, "nothing was written")
	st, b, _ = do("POST", "/api/v1/funding/palliation-kommuner/spending", region, fmt.Sprintf(`{"year": %d, "spent": 1, "committed": 0}`, year))
	want("a region reporting KL's spending", 403, st, b, "reported by its recipient kl")
	st, b, _ = do("POST", "/api/v1/funding/palliation-kommuner/spending", kl, fmt.Sprintf(`{"year": %d, "spent": -5, "committed": 0}`, year))
	want("negative spending", 422, st, b, `"field":"spent"`)
	st, b, _ = do("POST", "/api/v1/indicators/g1_unmet_needs_followup/commentary", kl, fmt.Sprintf(`{"year": %d, "why_da": "x", "actions_da": "y", "by": "KL", "by_when": "%d-06-30"}`, year, year+1))
	want("KL commenting on Sundhedsstyrelsen's indicator", 403, st, b, "owned by sst")
	st, b, _ = do("POST", "/api/v1/indicators/g3_nordic_rank_all_sites/commentary", ism, fmt.Sprintf(`{"year": %d, "why_da": "x", "actions_da": "y", "by": "ISM"}`, year))
	want("commentary without by_when", 422, st, b, `"field":"by_when"`)
	st, b, _ = do("POST", "/api/v1/initiatives/25/status-reports", ism, fmt.Sprintf(`{"year": %d, "status": "on_schedule",
		"milestones_reached": [{"milestone": "i25-nikotinposer-krav", "date": "0000-06-01"}], "narrative_da": "x", "next_steps_da": "y"}`, year))
	want("a milestone reached in year 0", 422, st, b, `"field":"milestones_reached[0].date"`, "0000-06-01 is before the year 2000", "nothing was written")
	st, b, _ = do("POST", "/api/v1/indicators/g3_nordic_rank_all_sites/commentary", ism, fmt.Sprintf(`{"year": %d, "why_da": "x", "actions_da": "y", "by": "ISM", "by_when": "0000-12-31"}`, year))
	want("a commentary's deadline in year 0", 422, st, b, `"field":"by_when"`, "0000-12-31 is before the year 2000")

	st, b, _ = do("GET", "/api/v1/initiatives/26/status-reports", "", "")
	var hist struct{ History []struct{ Org string } }
	if err := json.Unmarshal(b, &hist); err != nil || st != 200 || len(hist.History) != 1 || hist.History[0].Org != "kl" {
		t.Fatalf("initiative 26's history after a refused report: %d %s", st, b)
	}
	st, b, _ = do("GET", "/api/v1/initiatives/25/status-reports", "", "")
	if st != 200 || !bytes.Contains(b, []byte(`"history": []`)) {
		t.Fatalf("the rejected report on initiative 25 was written: %s", b)
	}
	st, b, _ = do("GET", fmt.Sprintf("/api/v1/spending?year=%d&by=recipient&format=csv", year), "", "")
	if st != 200 || !bytes.Contains(b, []byte(fmt.Sprintf("%d,2025,kl,", year))) && !bytes.Contains(b, []byte(",kl,")) {
		t.Fatalf("spending by recipient as CSV: %d %s", st, b)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, ",kl,") {
			t.Logf("spending, KL: %s", line)
			if !strings.Contains(line, ",80,2.5,") {
				t.Errorf("KL's spending is not the accepted report (80 spent, 2.5 committed), or the refused -5 was written: %s", line)
			}
		}
	}
	st, b, _ = do("GET", "/api/v1/audit?outcome=refused&target=initiative:26", admin, "")
	want("the refusal in the audit log", 200, st, b, `"action": "status.submit"`, `"org": "region-syddanmark"`)
	st, b, _ = do("GET", "/api/v1/audit?outcome=rejected&target=funding:palliation-kommuner", admin, "")
	want("the rejection in the audit log", 200, st, b, `"action": "spending.submit"`, "spent")

	// The round: completeness per organisation; a region sees its own gaps.
	st, b, _ = do("GET", fmt.Sprintf("/api/v1/rounds/%d?org=region-syddanmark", year), "", "")
	want("the region's part of the round", 200, st, b, `"past_due": true`, `"kind": "figures"`, `"received": false`)
	var rd struct {
		Round struct {
			Organisations []struct {
				Org          string
				Completeness float64
				Items        []struct {
					Kind, Subject string
					Received      bool
				}
			}
		}
	}
	if err := json.Unmarshal(b, &rd); err != nil || len(rd.Round.Organisations) != 1 {
		t.Fatalf("round: %v %s", err, b)
	}
	got := rd.Round.Organisations[0]
	if !slices.ContainsFunc(got.Items, func(i struct {
		Kind, Subject string
		Received      bool
	}) bool {
		return i.Kind == "status" && i.Subject == "initiative:12" && i.Received
	}) {
		t.Errorf("the region's round does not count its status report on initiative 12: %+v", got.Items)
	}
	t.Logf("round %d, region-syddanmark: completeness %.3f over %d items", year, got.Completeness, len(got.Items))

	// Prometheus and Alertmanager with the generated rules and routes.
	hooks, hooksAddr := listenReceivers(t)
	prom, am := startAlerting(t, base, hooksAddr, func(o *alerts.Options) {
		o.ThresholdFor, o.ProgressFor, o.RankFor, o.OverdueFor, o.SourceFor, o.FollowUpFor = 0, 0, 0, 0, 0, 0
	})
	// Initiative 26 (KL's report). Region Syddanmark's report on initiative
	// 12 (its pilot milestone) is kept and shown, but only the leads (the
	// ministry, Danske Regioner) set 12's status (issue 27).
	prom.WaitFor(t, `kpv_initiatives{status="on_schedule"} == 1`, 30*time.Second)
	prom.WaitFor(t, `kpv_funding_spent_dkk_million{recipient="kl"} == 80`, 30*time.Second)

	waitFor := func(what string, match func(webhookAlert) bool) []string {
		t.Helper()
		start := time.Now()
		for time.Since(start) < 60*time.Second {
			if names, _ := hooks.find(match); len(names) > 0 {
				t.Logf("%s reached %v after %.1fs", what, names, time.Since(start).Seconds())
				return names
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s: no notification within 60s\nPrometheus log: %s\nAlertmanager log: %s", what, prom.Logs, am.Logs)
		return nil
	}
	overdueKL := func(a webhookAlert) bool {
		return a.Status == "firing" && a.Labels["alertname"] == alerts.AlertMilestoneOverdue && a.Labels["owner"] == "kl"
	}
	waitFor("KL's overdue milestone", overdueKL)
	missingRegion := func(a webhookAlert) bool {
		return a.Status == "firing" && a.Labels["alertname"] == alerts.AlertFollowUpMissing && a.Labels["owner"] == "region-syddanmark" && a.Labels["kind"] == "figures"
	}
	waitFor("the region's missing figures", missingRegion)
	time.Sleep(3 * time.Second) // a misrouted copy would arrive within a few group intervals
	if names, _ := hooks.find(overdueKL); len(names) != 1 || names[0] != "kpv-kl" {
		t.Errorf("KL's overdue milestone reached %v, want only kpv-kl", names)
	}
	if names, a := hooks.find(missingRegion); len(names) != 1 || names[0] != "kpv-region-syddanmark" || !strings.Contains(a.Annotations["round_url"], "org=region-syddanmark") {
		t.Errorf("the region's missing figures reached %v (want only kpv-region-syddanmark) with %v", names, a.Annotations)
	}
	st, b, _ = do("GET", "/api/v1/milestones?state=overdue&owner=kl", "", "")
	want("KL's overdue milestones", 200, st, b, `"id": "i26-rygestopmedicin"`)

	// Approval freezes version 1.
	st, b, _ = do("GET", fmt.Sprintf("/api/v1/reports/%d", year), "", "")
	want("the report before approval", 200, st, b, `"status": "draft"`, `"follow_up"`)
	st, b, _ = do("POST", fmt.Sprintf("/api/v1/reports/%d/approve", year), ism, "")
	want("a submitter approving", 403, st, b)
	st, b, _ = do("POST", fmt.Sprintf("/api/v1/reports/%d/approve", year), admin, "")
	want("approval", 201, st, b, `"version": 1`)
	var appr struct {
		URL     string
		Formats map[string]struct {
			SHA256 string
			URL    string
		}
	}
	if err := json.Unmarshal(b, &appr); err != nil || len(appr.Formats) != len(report.Formats) {
		t.Fatalf("approval answer: %v %s", err, b)
	}
	v1 := map[string][]byte{}
	for f, x := range appr.Formats {
		st, body, h := do("GET", x.URL, "", "")
		sum := sha256.Sum256(body)
		if st != 200 || hex.EncodeToString(sum[:]) != x.SHA256 || h.Get("ETag") != `"`+x.SHA256+`"` {
			t.Fatalf("published %s: %d, sha256 %x, want %s", f, st, sum, x.SHA256)
		}
		v1[f] = body
	}
	if !bytes.Contains(v1["json"], []byte(`"status": "published"`)) || !bytes.Contains(v1["html"], []byte("Godkendt version 1")) ||
		!bytes.Contains(v1["html"], []byte(`id="money-by-recipient"`)) {
		t.Errorf("version 1 does not say it is published or lacks the money table")
	}

	// A later submission: version 1 stays byte-identical; the draft shows the change.
	st, b, _ = do("POST", "/api/v1/initiatives/26/status-reports", kl, fmt.Sprintf(`{"year": %d, "status": "delayed",
		"milestones_reached": [{"milestone": "i26-rygestopmedicin", "date": "%d-03-01"}],
		"narrative_da": "Testtekst: rettet rapport.", "next_steps_da": "Testtekst."}`, year, year))
	want("KL's corrected status report", 201, st, b, `"revision": 2`)
	for f, x := range appr.Formats {
		st, body, _ := do("GET", x.URL, "", "")
		if st != 200 || !bytes.Equal(body, v1[f]) {
			t.Errorf("published version 1 (%s) changed after a later submission", f)
		}
	}
	st, b, _ = do("GET", fmt.Sprintf("/api/v1/reports/%d", year), "", "")
	want("the draft after the correction", 200, st, b, `"status": "draft"`, `"changes_since": 1`, `"subject": "initiative:26"`, `"status": "delayed"`)
	st, b, _ = do("GET", fmt.Sprintf("/api/v1/reports/%d?format=html", year), "", "")
	want("the draft as HTML", 200, st, b, "UDKAST", `id="initiatives"`, `id="money-by-recipient"`, `id="ind-commentary-g3_nordic_rank_all_sites"`)
	prom.WaitFor(t, `kpv_milestones_overdue{owner="kl"} == 0`, 30*time.Second)
	waitFor("KL's overdue milestone resolved", func(a webhookAlert) bool {
		return a.Status == "resolved" && a.Labels["alertname"] == alerts.AlertMilestoneOverdue && a.Labels["owner"] == "kl"
	})

	st, b, _ = do("POST", fmt.Sprintf("/api/v1/reports/%d/approve", year), admin, "")
	want("the corrected report approved", 201, st, b, `"version": 2`, `"subject": "initiative:26"`)
	st, b, _ = do("GET", fmt.Sprintf("/api/v1/reports/%d/versions", year), "", "")
	want("the versions", 200, st, b, `"version": 1`, `"version": 2`)
	for f, x := range appr.Formats {
		if _, body, _ := do("GET", x.URL, "", ""); !bytes.Equal(body, v1[f]) {
			t.Errorf("version 1 (%s) changed after version 2", f)
		}
	}
}
