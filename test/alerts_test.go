package test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/alerts"
	"github.com/kraeftplan/kpv/cli"
)

// TestAlertReachesOwnerEndToEnd runs the real chain: kpv serving the bundled
// figures, Prometheus scraping it every second with the generated rules, and
// Alertmanager with the generated routes posting to one local webhook per
// organisation. An ingest that takes an indicator past its critical threshold
// must reach its owner's receiver, and only that one, in bounded time; a
// corrective ingest must resolve it.
//
// The rules are generated with the timings shortened (no for:, 1s grouping)
// so the test need not wait 15 minutes; the real for: durations are covered
// by the promtool unit tests in alerts/testdata.
func TestAlertReachesOwnerEndToEnd(t *testing.T) {
	t.Setenv("KPV_REFRESH_INTERVAL", "1s") // picks up the CLI's ingest runs within a second
	base := serveBundled(t)

	// One webhook per organisation's receiver, on one local server.
	hooks, hooksAddr := listenReceivers(t)
	prom, am := startAlerting(t, base, hooksAddr, func(o *alerts.Options) {
		o.ThresholdFor, o.ProgressFor, o.RankFor, o.OverdueFor, o.SourceFor = 0, 0, 0, 0, 0
	})
	// The bundled Barometer 2019 figure: 38 %, at the warning level (38), under the critical (43).
	prom.WaitFor(t, `kpv_indicator_value{indicator="g1_unmet_needs_followup",geography="DK"} == 38`, 30*time.Second)

	critical := func(status string) func(webhookAlert) bool {
		return func(a webhookAlert) bool {
			return a.Status == status && a.Labels["alertname"] == alerts.AlertCritical &&
				a.Labels["indicator"] == "g1_unmet_needs_followup" && a.Labels["geography"] == "DK"
		}
	}
	if names, _ := hooks.find(critical("firing")); len(names) > 0 {
		t.Fatalf("critical alert before any breach, at %v", names)
	}

	ingestFigure := func(value string) {
		t.Helper()
		path := barometerFile(t, value)
		var out bytes.Buffer
		if err := cli.Run(context.Background(), []string{"ingest", "barometer", "--file", path}, &out, io.Discard); err != nil {
			t.Fatalf("kpv ingest: %v\n%s", err, out.String())
		}
		t.Logf("kpv ingest: %s", strings.TrimSpace(out.String()))
	}
	waitFor := func(what string, match func(webhookAlert) bool) ([]string, webhookAlert, time.Duration) {
		t.Helper()
		if names, a, took := hooks.wait(match, 60*time.Second); len(names) > 0 {
			return names, a, took
		}
		t.Fatalf("%s: no notification within 60s\nPrometheus log: %s\nAlertmanager log: %s", what, prom.Logs, am.Logs)
		return nil, webhookAlert{}, 0
	}

	// 47 % is beyond the critical threshold of 43 % (lower is better).
	ingestFigure("47")
	names, a, took := waitFor("critical alert", critical("firing"))
	t.Logf("critical alert reached %v %.1fs after the ingest: %q", names, took.Seconds(), a.Annotations["summary"])
	time.Sleep(3 * time.Second) // any misrouted copy would arrive within a few group intervals
	if names, _ := hooks.find(critical("firing")); len(names) != 1 || names[0] != "kpv-sst" {
		t.Errorf("the critical alert reached %v, want only the owner's receiver kpv-sst", names)
	}
	if a.Labels["owner"] != "sst" || a.Labels["severity"] != "critical" || a.Labels["goal"] != "1" {
		t.Errorf("labels %v", a.Labels)
	}
	// Danish with a decimal comma; no dashboard link, as no Grafana is
	// configured (KPV_GRAFANA_URL).
	if !strings.Contains(a.Annotations["description"], "47,0 %") || !strings.Contains(a.Annotations["description_en"], "critical threshold is 43 %") ||
		a.Annotations["indicator_url"] == "" || a.Annotations["dashboard_url"] != "" || a.Annotations["runbook_url"] == "" {
		t.Errorf("annotations do not carry the figures and links: %v", a.Annotations)
	}

	// A corrected figure (a new revision of 2025) resolves the alert.
	ingestFigure("36")
	names, _, took = waitFor("resolved notice", critical("resolved"))
	t.Logf("resolved notice reached %v %.1fs after the corrective ingest", names, took.Seconds())
	if len(names) != 1 || names[0] != "kpv-sst" {
		t.Errorf("the resolved notice reached %v, want only kpv-sst", names)
	}
}
