// Package test holds kpv's end-to-end tests: kpv serving a real Postgres
// (in process through cli.Run, or the built binary), with a real Prometheus,
// Alertmanager and headless Chromium where a test needs them. This file is
// their shared harness; each other file is one area.
package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/alerts"
	"github.com/kraeftplan/kpv/cli"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/promstack"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// kpv in this process (cli.Run), on a database of its own.

func freeAddr(t testing.TB) string { return promstack.FreeAddr(t) }

// serveDB starts `kpv serve` on the database at KPV_DATABASE_URL (already
// migrated) and returns its base URL.
func serveDB(t *testing.T) string {
	t.Helper()
	t.Setenv("KPV_SCHEDULER", "off")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cli.Run(ctx, []string{"serve", "--addr", addr}, io.Discard, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("kpv serve did not stop within 20s")
		}
	})
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base
			}
		}
		select {
		case err := <-done:
			t.Fatalf("kpv serve exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("kpv serve not ready within 30s")
		}
	}
}

// serveBundled migrates a fresh database, loads the shipped snapshots and
// starts `kpv serve` on it; it returns the base URL.
func serveBundled(t *testing.T) string {
	t.Helper()
	t.Setenv("KPV_DATABASE_URL", pgtest.NewDatabase(t))
	var out, logs bytes.Buffer
	for _, args := range [][]string{{"migrate"}, {"ingest", "--all", "--offline"}} {
		if err := cli.Run(context.Background(), args, &out, &logs); err != nil {
			t.Fatalf("kpv %v: %v\n%s", args, err, out.String())
		}
	}
	return serveDB(t)
}

// The kpv binary, built from cmd/kpv and run as a child process.

// buildKPV builds the kpv binary (cmd/kpv) into a temporary directory.
func buildKPV(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kpv")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/kpv").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// kpvProc is a kpv process with its output in a file.
type kpvProc struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

func startKPV(t testing.TB, bin string, env []string, args ...string) *kpvProc {
	t.Helper()
	p := &kpvProc{log: filepath.Join(t.TempDir(), "kpv.log"), done: make(chan struct{})}
	out, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); out.Close(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// runKPV runs the kpv binary with env to its end and returns its output;
// a failure fails the test.
func runKPV(t testing.TB, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kpv %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// serveKPV starts kpv serve with env on a free loopback address, waits
// until it is ready, and returns it with its base URL.
func serveKPV(t testing.TB, bin string, env []string) (*kpvProc, string) {
	t.Helper()
	addr := freeAddr(t)
	p := startKPV(t, bin, append(env, "KPV_ADDR="+addr), "serve")
	waitReady(t, p, "http://"+addr)
	return p, "http://" + addr
}

func (p *kpvProc) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// scheduledCatalogue writes a copy of the shipped catalogue whose NORDCAN
// source is fetched from url every second.
func scheduledCatalogue(t testing.TB, url string) string {
	t.Helper()
	old := "url: \"https://nordcan.iarc.fr/en/dataviz/survival\"\n    schedule: \"CRON_TZ=Europe/Copenhagen 0 6 * * 1\""
	return catalogueWith(t, old, fmt.Sprintf("url: %q\n    schedule: \"@every 1s\"", url))
}

// catalogueWith writes a copy of the shipped catalogue with old replaced by
// new and returns its path.
func catalogueWith(t testing.TB, old, new string) string {
	t.Helper()
	y := string(indicators.Embedded)
	if !strings.Contains(y, old) {
		t.Fatalf("the shipped catalogue no longer has %q; update the test", old)
	}
	path := filepath.Join(t.TempDir(), "catalogue.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(y, old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pgxCount runs a query returning counts on the database at url.
func pgxCount(url, query string, into ...any) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.QueryRow(ctx, query).Scan(into...)
}

// countingPublisher serves NORDCAN's web table and counts the requests.
func countingPublisher(t testing.TB) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.WriteString(w, "All sites but non-melanoma skin cancer (Males) 5y;Denmark;Norway\n2014-2018;67.2[66.9-67.5];73.7[73.4-74.0]\n")
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func waitReady(t testing.TB, p *kpvProc, base string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-p.done:
			t.Fatalf("kpv serve exited: %v\n%s", p.err, p.output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("kpv serve not ready within 60s\n%s", p.output())
		}
	}
}

// survivalRows is a table in Sundhedsdatastyrelsen's survival layout with
// the given number of monthly periods for Denmark and the regions by sex
// (invented values, for load only).
func survivalRows(months int) string {
	var b strings.Builder
	b.WriteString("Diagnoseperiode;Køn;Område;Overlevelsestid;Relativ overlevelse (%);Nedre 95 % KI;Øvre 95 % KI\n")
	for m := range months {
		for _, sex := range []string{"Mænd", "Kvinder", "I alt"} {
			for _, geo := range []string{"Hele landet", "Nordjylland", "Midtjylland", "Syddanmark", "Hovedstaden", "Sjælland"} {
				fmt.Fprintf(&b, "%dM%02d;%s;%s;5 år;%d,5;%d,0;%d,0\n", 1950+m/12, m%12+1, sex, geo, 60+m%10, 58+m%10, 62+m%10)
			}
		}
	}
	return b.String()
}

// Prometheus and Alertmanager with the generated rules and routes, and the
// owners' webhook receivers.

// promtool finds promtool (KPV_PROMTOOL, else PATH). Under `make test` a
// missing promtool fails the test rather than skipping it.
func promtool(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KPV_PROMTOOL"); p != "" {
		return p
	}
	if p, err := exec.LookPath("promtool"); err == nil {
		return p
	}
	if os.Getenv("KPV_REQUIRE_DB") != "" {
		t.Fatal("promtool not found: install the Debian package prometheus (scripts/test.sh does)")
	}
	t.Skip("promtool not found (run `make test`)")
	return ""
}

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

// firing matches a firing notification of alert, and of indicator if given.
func firing(alert, indicator string) func(webhookAlert) bool {
	return func(a webhookAlert) bool {
		return a.Status == "firing" && a.Labels["alertname"] == alert && (indicator == "" || a.Labels["indicator"] == indicator)
	}
}

// tokenRE matches an API token as `kpv token create` prints it.
var tokenRE = regexp.MustCompile(`kpv_[A-Za-z0-9_-]{43}`)

// Headless Chromium.

// chromium finds the browser (KPV_CHROMIUM, else chromium on PATH). Under
// `make test` a missing browser fails the test rather than skipping it.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KPV_CHROMIUM"); p != "" {
		return p
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("KPV_REQUIRE_DB") != "" {
		t.Fatal("chromium not found: install the Debian package chromium (scripts/test.sh does)")
	}
	t.Skip("chromium not found (run `make test`)")
	return ""
}

// repoRoot is the directory with go.mod above the test's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// browser starts headless Chromium for a test and returns a context whose
// tab it drives.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	userData := t.TempDir()
	allocCtx, stop := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("headless", true),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(userData), chromedp.WindowSize(1024, 1400))
	ctx, closeTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		closeTab()
		stop()
		for range 50 { // the browser's helpers may write to the profile for a moment
			if os.RemoveAll(userData) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return ctx
}
