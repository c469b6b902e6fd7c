package alerts

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/promstack"
	"github.com/kraeftplan/kpv/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite the generated files (same as `go run ./cmd/kpv generate`)")

// The checked-in files are what the catalogue generates today.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	files, err := Generate(testkit.Catalogue(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		if *update {
			if err := os.WriteFile(name, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("%v: run `go run ./cmd/kpv generate` from the repository root", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("alerts/%s is stale: the catalogue or the generator changed; run `go run ./cmd/kpv generate` and commit the result", name)
		}
	}
}

func tool(t *testing.T, name, pkg string) string {
	return promstack.Binary(t, "KPV_"+strings.ToUpper(name), name, pkg)
}

func runTool(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// promtool and amtool accept the generated files, and promtool's unit tests
// of every kind of rule pass.
func TestPrometheusToolsAcceptTheFiles(t *testing.T) {
	promtool := tool(t, "promtool", "prometheus")
	amtool := tool(t, "amtool", "prometheus-alertmanager")
	out := runTool(t, promtool, "check", "rules", RulesFile)
	t.Logf("promtool check rules: %s", strings.TrimSpace(out))
	out = runTool(t, amtool, "check-config", AlertmanagerFile)
	t.Logf("amtool check-config: %s", strings.Join(strings.Fields(out), " "))
	tests, _ := filepath.Glob("testdata/*_test.yml")
	if len(tests) == 0 {
		t.Fatal("no promtool rule tests in testdata/")
	}
	for _, f := range tests {
		out := runTool(t, promtool, "test", "rules", f)
		if !strings.Contains(out, "SUCCESS") {
			t.Errorf("promtool test rules %s:\n%s", f, out)
		}
	}
	t.Logf("promtool test rules: %d files pass", len(tests))
}

// Every kind of rule has a promtool unit test.
func TestEveryRuleKindIsUnitTested(t *testing.T) {
	var all []byte
	tests, _ := filepath.Glob("testdata/*_test.yml")
	for _, f := range tests {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	for _, name := range AlertNames {
		if !regexp.MustCompile(`alertname(: |=")` + name + `\b`).Match(all) {
			t.Errorf("%s has no promtool test in testdata/", name)
		}
	}
}

// Every rule carries what routing and the people reading it need; thresholds
// point the right way for the indicator's polarity.
func TestRulesCarryLabelsAnnotationsAndPolarity(t *testing.T) {
	cat := testkit.Catalogue(t)
	rf, err := Rules(cat, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	runbook, err := os.ReadFile("RUNBOOK.md")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			kinds[r.Alert]++
			for _, l := range []string{"severity", "goal", "indicator", "owner"} {
				if r.Labels[l] == "" {
					t.Errorf("%s %s: no %s label", g.Name, r.Alert, l)
				}
			}
			if _, ok := cat.Organisation(r.Labels["owner"]); !ok {
				t.Errorf("%s %s: owner %q is not an organisation", g.Name, r.Alert, r.Labels["owner"])
			}
			for _, a := range []string{"summary", "summary_en", "description", "description_en", "dashboard_url", "runbook_url"} {
				if r.Annotations[a] == "" {
					t.Errorf("%s %s: no %s annotation", g.Name, r.Alert, a)
				}
			}
			if r.Labels["indicator"] != serviceScope && r.Labels["indicator"] != planScope && !strings.HasSuffix(r.Annotations["indicator_url"], "/sider/indikatorer/"+r.Labels["indicator"]) {
				t.Errorf("%s %s: indicator_url %q", g.Name, r.Alert, r.Annotations["indicator_url"])
			}
			if !bytes.Contains(runbook, []byte("## "+r.Alert+"\n")) {
				t.Errorf("RUNBOOK.md has no section %q for runbook_url %s", r.Alert, r.Annotations["runbook_url"])
			}
			if r.For == "" {
				t.Errorf("%s %s: no for: duration (alerts would flap)", g.Name, r.Alert)
			}
		}
	}
	for _, name := range AlertNames {
		if kinds[name] == 0 {
			t.Errorf("no %s rule was generated", name)
		}
	}

	byIndicator := map[string]map[string]Rule{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if byIndicator[r.Labels["indicator"]] == nil {
				byIndicator[r.Labels["indicator"]] = map[string]Rule{}
			}
			byIndicator[r.Labels["indicator"]][r.Alert] = r
		}
	}
	for _, tc := range []struct {
		indicator, alert, wantSuffix string
	}{
		{"g1_unmet_needs_followup", AlertCritical, ">= 43"},      // lower is better
		{"g1_unmet_needs_followup", AlertWarning, ">= 41"},       // lower is better
		{"g2_involved_decisions_lup", AlertCritical, "<= 50"},    // higher is better
		{"g1_regions_late_effects_clinic", AlertWarning, "<= 4"}, // a count of regions
		{"g3_nordic_rank_all_sites", AlertCritical, ">= 3"},      // a rank: lower is better
	} {
		t.Run(tc.indicator+"/"+tc.alert, func(t *testing.T) {
			r, ok := byIndicator[tc.indicator][tc.alert]
			if !ok || !strings.HasSuffix(r.Expr, tc.wantSuffix) {
				t.Errorf("%s %s: expr %q, want it to end in %q", tc.indicator, tc.alert, r.Expr, tc.wantSuffix)
			}
		})
	}
	// A comparison series has no thresholds of its own; submitted figures have
	// no source run to fail.
	if _, ok := byIndicator["g3_survival_5y_nordic"][AlertCritical]; ok {
		t.Error("g3_survival_5y_nordic (thresholds not applicable) got a threshold rule")
	}
	if _, ok := byIndicator["g2_pro_use"][AlertSource]; ok {
		t.Error("g2_pro_use (submitted) got a source-failing rule")
	}
}

func TestFailingAfter(t *testing.T) {
	for _, tc := range []struct {
		src  indicators.Source
		want time.Duration
	}{
		{indicators.Source{Schedule: "CRON_TZ=Europe/Copenhagen 0 6 * * 1"}, 15 * 24 * time.Hour},
		{indicators.Source{Schedule: "CRON_TZ=Europe/Copenhagen 0 6 1 * *"}, 60 * 24 * time.Hour}, // 1 Feb → 1 Apr 2026, plus a day
		{indicators.Source{Schedule: "0 6 * * *", FailingAfter: "36h"}, 36 * time.Hour},
	} {
		t.Run(tc.src.Schedule, func(t *testing.T) {
			got, err := FailingAfter(&tc.src)
			if err != nil || got != tc.want {
				t.Errorf("FailingAfter(%+v) = %s, %v; want %s", tc.src, got, err, tc.want)
			}
		})
	}
}

// amtool routes each owner's alerts to that organisation's receiver, and a
// failing source also to the operator.
func TestRoutesReachTheOwner(t *testing.T) {
	amtool := tool(t, "amtool", "prometheus-alertmanager")
	cat := testkit.Catalogue(t)
	route := func(labels ...string) string {
		args := append([]string{"config", "routes", "test", "--config.file=" + AlertmanagerFile}, labels...)
		// The last line is the receivers; amtool may warn before it.
		lines := strings.Split(strings.TrimSpace(runTool(t, amtool, args...)), "\n")
		return lines[len(lines)-1]
	}
	for _, o := range cat.Organisations {
		got := route("alertname="+AlertCritical, "owner="+o.ID, "goal=1", "severity=critical")
		if got != o.Contact.Receiver {
			t.Errorf("owner %s: routed to %q, want %q", o.ID, got, o.Contact.Receiver)
		}
	}
	if got := route("alertname="+AlertSource, "owner=sst", "goal=1", "severity=warning"); got != "kpv-sds,kpv-sst" {
		t.Errorf("a failing source behind sst's indicator: routed to %q, want the operator and the owner (kpv-sds,kpv-sst)", got)
	}
	if got := route("alertname="+AlertSource, "owner=sds", "goal=3", "severity=warning"); got != "kpv-sds" {
		t.Errorf("a failing source behind the operator's own indicator: routed to %q, want kpv-sds once", got)
	}
	// A region's own figure past a threshold also reaches the region.
	if got := route("alertname="+AlertCritical, "owner=sst", "goal=1", "severity=critical", "geography=DK-82"); got != "kpv-region-midtjylland,kpv-sst" {
		t.Errorf("a breach in Region Midtjylland's figure: routed to %q, want the region and the owner", got)
	}
	if got := route("alertname="+AlertOffTrack, "owner=sst", "goal=1", "severity=warning", "geography=DK-82"); got != "kpv-sst" {
		t.Errorf("off track: routed to %q, want the owner only", got)
	}
	if got := route("alertname="+AlertDown, "owner=sds", "goal=all", "severity=critical"); got != "kpv-sds" {
		t.Errorf("kpv down: routed to %q, want the operator's kpv-sds", got)
	}
}

// In a real Alertmanager on the generated configuration, indicator warnings
// are muted while kpv is down, and a threshold warning while the same series
// is critical; critical alerts are not muted.
func TestInhibitionInARealAlertmanager(t *testing.T) {
	dir := t.TempDir()
	cat := testkit.Catalogue(t)
	// No mail leaves the test: the relay is a closed local port.
	cat.Alerting.SMTP.Smarthost = promstack.FreeAddr(t)
	files, err := Generate(cat)
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, AlertmanagerFile)
	if err := os.WriteFile(conf, files[AlertmanagerFile], 0o644); err != nil {
		t.Fatal(err)
	}
	am := promstack.StartAlertmanager(t, conf)

	series := map[string]string{"geography": "DK", "indicator": "g1_unmet_needs_followup", "goal": "1", "owner": "sst"}
	alert := func(name, severity string, extra map[string]string) map[string]any {
		l := map[string]string{"alertname": name, "severity": severity}
		for k, v := range extra {
			l[k] = v
		}
		return map[string]any{"labels": l, "annotations": map[string]string{"summary": name}, "startsAt": time.Now().Add(-time.Minute).Format(time.RFC3339)}
	}
	post := func(alerts ...map[string]any) {
		b, _ := json.Marshal(alerts)
		resp, err := http.Post(am.URL+"/api/v2/alerts", "application/json", bytes.NewReader(b))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("post alerts: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	post(
		alert(AlertCritical, "critical", series),
		alert(AlertWarning, "warning", series),
		alert(AlertOverdue, "warning", map[string]string{"indicator": "g2_pro_use", "goal": "2", "owner": "sds"}),
	)
	states := func() map[string]string {
		resp, err := http.Get(am.URL + "/api/v2/alerts")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got []struct {
			Labels map[string]string
			Status struct{ State string }
		}
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, a := range got {
			m[a.Labels["alertname"]] = a.Status.State
		}
		return m
	}
	want := func(w map[string]string) {
		t.Helper()
		var got map[string]string
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if got = states(); fmt.Sprint(got) == fmt.Sprint(w) {
				return
			}
		}
		t.Errorf("alert states %v, want %v", got, w)
	}
	want(map[string]string{AlertCritical: "active", AlertWarning: "suppressed", AlertOverdue: "active"})

	post(alert(AlertDown, "critical", map[string]string{"goal": "all", "indicator": "all", "owner": "sds", "instance": "kpv:8080"}))
	want(map[string]string{AlertCritical: "active", AlertWarning: "suppressed", AlertOverdue: "suppressed", AlertDown: "active"})
}

// The generated files parse as YAML with the structure Prometheus expects
// (also a guard on the encoder's output).
func TestRuleFileShape(t *testing.T) {
	b, err := os.ReadFile(RulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var rf RuleFile
	if err := yaml.Unmarshal(b, &rf); err != nil {
		t.Fatal(err)
	}
	cat := testkit.Catalogue(t)
	var names []string
	for _, g := range rf.Groups {
		names = append(names, g.Name)
	}
	for _, in := range cat.Indicators {
		if !slices.Contains(names, "kpv-indicator-"+in.ID) {
			t.Errorf("no rule group for indicator %s", in.ID)
		}
	}
}
