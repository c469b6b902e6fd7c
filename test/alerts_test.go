package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/alerts"
	"github.com/kraeftplan/kpv/internal/cli"
	"github.com/kraeftplan/kpv/internal/promstack"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// webhookAlert is one alert of an Alertmanager webhook notification.
type webhookAlert struct {
	Status      string
	Labels      map[string]string
	Annotations map[string]string
}

// receivers records the notifications each organisation's webhook gets.
type receivers struct {
	mu  sync.Mutex
	got map[string][]webhookAlert // receiver name → alerts, in arrival order
}

func (r *receivers) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var n struct {
		Receiver string
		Alerts   []webhookAlert
	}
	if err := json.NewDecoder(req.Body).Decode(&n); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	name := strings.TrimPrefix(req.URL.Path, "/")
	r.mu.Lock()
	r.got[name] = append(r.got[name], n.Alerts...)
	r.mu.Unlock()
}

// find returns the receivers that got the alert in the given status.
func (r *receivers) find(match func(webhookAlert) bool) (names []string, alert webhookAlert) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, alerts := range r.got {
		for _, a := range alerts {
			if match(a) {
				names = append(names, name)
				alert = a
				break
			}
		}
	}
	return names, alert
}

// listenReceivers serves the organisations' webhooks on one local server
// until the test ends and returns them with its address.
func listenReceivers(t *testing.T) (*receivers, string) {
	t.Helper()
	hooks := &receivers{got: map[string][]webhookAlert{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: hooks}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return hooks, ln.Addr().String()
}

// wait polls for a notification that matches, for up to timeout.
func (r *receivers) wait(match func(webhookAlert) bool, timeout time.Duration) (names []string, alert webhookAlert, took time.Duration) {
	start := time.Now()
	for time.Since(start) < timeout {
		if names, a := r.find(match); len(names) > 0 {
			return names, a, time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, webhookAlert{}, timeout
}

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

// startAlerting starts a real Alertmanager and a Prometheus scraping kpv at
// base every second with the rules generated from the shipped catalogue,
// every organisation's alerts going to webhookAddr/RECEIVER; forZero sets
// the "for:" durations the test needs at 0.
func startAlerting(t *testing.T, base, webhookAddr string, forZero func(*alerts.Options)) (*promstack.Prometheus, *promstack.Alertmanager) {
	t.Helper()
	dir := alertFiles(t, webhookAddr, forZero)
	am := promstack.StartAlertmanager(t, filepath.Join(dir, alerts.AlertmanagerFile))
	prom := promstack.StartPrometheus(t, promstack.PrometheusConfig{
		Targets:      []string{strings.TrimPrefix(base, "http://")},
		RuleFiles:    []string{filepath.Join(dir, alerts.RulesFile)},
		Alertmanager: strings.TrimPrefix(am.URL, "http://"),
		Interval:     time.Second,
	})
	return prom, am
}

// alertFiles writes the rules and the Alertmanager configuration generated
// from the shipped catalogue, every organisation's alerts going to
// webhookAddr/RECEIVER, with forZero's timings and 1s grouping, and returns
// their directory.
func alertFiles(t *testing.T, webhookAddr string, forZero func(*alerts.Options)) string {
	t.Helper()
	cat := testkit.Catalogue(t)
	for i := range cat.Organisations {
		c := &cat.Organisations[i].Contact
		c.Email, c.Webhook = "", fmt.Sprintf("http://%s/%s", webhookAddr, c.Receiver)
	}
	o := alerts.DefaultOptions()
	forZero(&o)
	o.GroupWait, o.GroupInterval = time.Second, time.Second
	files, err := alerts.GenerateWith(cat, o)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// barometerFile writes a Barometer table with one invented national figure
// of g1_unmet_needs_followup for 2025 (value in %), in the real table's
// shape, and returns its path.
func barometerFile(t *testing.T, value string) string {
	t.Helper()
	csv := "Indikator;År;Område;Behov;Andel (%);Antal;Besvarelser;Kilde\n" +
		"g1_unmet_needs_followup;2025;Hele landet;;" + value + ";;;Testtal (opfundet) / invented test figure\n"
	path := filepath.Join(t.TempDir(), "barometer.csv")
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
