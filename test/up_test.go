package test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/alerts"
	"github.com/kraeftplan/kpv/internal/promstack"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// TestMakeUp runs the README's first command as a user would (scripts/up.sh,
// which `make up` calls) on a fresh data directory: Postgres is started and
// migrated, the catalogue loaded, kpv answers, Prometheus scrapes it with the
// generated rules loaded and knows the Alertmanager; Ctrl-C then stops
// everything it started.
func TestMakeUp(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole stack")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("bash is needed for scripts/up.sh")
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dataDir, err := os.MkdirTemp("", "kpv-up-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dataDir)
	_ = os.Chmod(dataDir, 0o755)
	addr, promAddr, amAddr := freeAddr(t), freeAddr(t), freeAddr(t)

	cmd := exec.Command("bash", "scripts/up.sh")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "KPV_DATA_DIR="+dataDir, "KPV_ADDR="+addr,
		"KPV_PROMETHEUS_ADDR="+promAddr, "KPV_ALERTMANAGER_ADDR="+amAddr, "KPV_SCRAPE_INTERVAL=1s")
	// Output goes to a file, not a pipe: Postgres, started by pg_ctl, would
	// inherit a pipe and keep Wait waiting.
	logs := logFile{filepath.Join(dataDir, "up.log")}
	out, err := os.Create(logs.path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// done is closed when up.sh has exited; waitErr is then its status.
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(done) }()
	defer func() {
		select {
		case <-done:
		default:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			}
			_ = exec.Command("bash", filepath.Join(repo, "scripts/postgres.sh"), "stop", filepath.Join(dataDir, "pg")).Run()
		}
	}()

	base := "http://" + addr
	started := time.Now()
	deadline := time.Now().Add(120 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case <-done:
			t.Fatalf("up.sh exited before kpv was ready: %v\n%s", waitErr, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("kpv not ready within 120s:\n%s", logs.String())
		}
		time.Sleep(300 * time.Millisecond)
	}

	t.Logf("ready after %s", time.Since(started).Round(time.Millisecond))
	var list struct{ Count int }
	testkit.GetJSON(t, base+"/api/v1/goals", &list)
	if list.Count != 3 {
		t.Errorf("goals: %d, want 3", list.Count)
	}
	testkit.GetJSON(t, base+"/api/v1/initiatives", &list)
	if list.Count != 36 {
		t.Errorf("initiatives: %d, want 36", list.Count)
	}
	// Every initiative shows its documented milestones (or that the
	// documents give none) and the reporting status of the round under way.
	var ms struct {
		Count int
		Items []struct{ Due, Quote string }
	}
	testkit.GetJSON(t, base+"/api/v1/milestones", &ms)
	if ms.Count < 20 {
		t.Errorf("milestones: %d, want the documents' 20 or more", ms.Count)
	}
	for n := 1; n <= 36; n++ {
		var fu struct {
			Initiative struct {
				Status         string
				Milestones     []struct{ Due, Quote string }
				MilestonesNote string `json:"milestones_note_da"`
			}
		}
		testkit.GetJSON(t, fmt.Sprintf("%s/api/v1/initiatives/%d/follow-up", base, n), &fu)
		if x := fu.Initiative; x.Status == "" || (len(x.Milestones) == 0 && x.MilestonesNote == "") {
			t.Errorf("initiative %d: no reporting status, or neither milestones nor a note that the documents give none: %+v", n, x)
		}
	}
	var round struct {
		Round struct{ Expected, Received int }
	}
	testkit.GetJSON(t, base+"/api/v1/rounds/current", &round)
	t.Logf("%d milestones; the round under way expects %d items, %d received", ms.Count, round.Round.Expected, round.Round.Received)
	if round.Round.Expected == 0 {
		t.Error("the round under way expects nothing")
	}
	var funding struct {
		Tables []struct {
			ID           string
			Sums         map[string]float64 `json:"sums"`
			StatedTotals map[string]float64 `json:"stated_totals"`
		}
	}
	testkit.GetJSON(t, base+"/api/v1/funding?year=2025&table=plan-oekonomi", &funding)
	if len(funding.Tables) != 1 || funding.Tables[0].StatedTotals["2025"] != 618 ||
		funding.Tables[0].Sums["2025"] < 617 || funding.Tables[0].Sums["2025"] > 619 {
		t.Errorf("funding 2025: %+v, want the plan's 618", funding.Tables)
	}

	// The bundled snapshots are loaded: real figures on goals 1 and 3.
	// Goal 2 has no public figure to ship (ingest/snapshots/README.md).
	for _, id := range []string{"g1_unmet_needs_followup", "g1_late_effects_need_unmet", "g3_survival_5y_denmark", "g3_survival_5y_nordic"} {
		var obs struct {
			Count int
			Items []struct {
				Period string
				Value  *float64
			}
		}
		testkit.GetJSON(t, base+"/api/v1/indicators/"+id+"/observations", &obs)
		if obs.Count == 0 {
			t.Errorf("%s: no observations after make up", id)
		}
	}
	var runs struct {
		Items []struct{ Source, Outcome string }
	}
	testkit.GetJSON(t, base+"/api/v1/ingest/runs", &runs)
	loaded := map[string]string{}
	for _, r := range runs.Items {
		loaded[r.Source] = r.Outcome
	}
	for _, src := range []string{"nordcan-survival", "sds-kraeftoverlevelse", "barometer"} {
		if loaded[src] != "success" {
			t.Errorf("run log: %s %q, want its snapshot loaded (success); log: %v", src, loaded[src], runs.Items)
		}
	}

	// Prometheus scrapes kpv, has loaded every generated rule group, and
	// sends to the stack's Alertmanager.
	// up.sh prints its banner once Alertmanager and Prometheus answer too.
	for !strings.Contains(logs.String(), "Ctrl-C stops everything") {
		select {
		case <-done:
			t.Fatalf("up.sh exited: %v\n%s", waitErr, logs.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("up.sh did not finish starting within 120s:\n%s", logs.String())
		}
	}
	prom := &promstack.Prometheus{URL: "http://" + promAddr, Logs: filepath.Join(dataDir, "prometheus.log")}
	prom.WaitFor(t, `up{job="kpv"} == 1`, 60*time.Second)
	prom.WaitFor(t, `kpv_indicator_status{indicator="g1_late_effects_need_unmet",status="series_break"} == 1`, 30*time.Second)
	prom.WaitFor(t, `kpv_goal_verdict{goal="3",state="off_track"} == 1`, 30*time.Second)
	var rules struct {
		Data struct {
			Groups []struct{ Rules []struct{ Health string } }
		}
	}
	testkit.GetJSON(t, prom.URL+"/api/v1/rules", &rules)
	cat := testkit.Catalogue(t)
	want, err := alerts.Rules(cat, alerts.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	nRules, healthy := 0, 0
	for _, g := range rules.Data.Groups {
		for _, r := range g.Rules {
			nRules++
			if r.Health != "err" {
				healthy++
			}
		}
	}
	if len(rules.Data.Groups) != len(want.Groups) || nRules != healthy {
		t.Errorf("Prometheus has %d rule groups (%d rules, %d without errors), want the %d generated", len(rules.Data.Groups), nRules, healthy, len(want.Groups))
	}
	var ams struct {
		Data struct{ ActiveAlertmanagers []struct{ URL string } }
	}
	testkit.GetJSON(t, prom.URL+"/api/v1/alertmanagers", &ams)
	if len(ams.Data.ActiveAlertmanagers) != 1 || !strings.Contains(ams.Data.ActiveAlertmanagers[0].URL, amAddr) {
		t.Errorf("Prometheus's Alertmanagers: %+v, want %s", ams.Data.ActiveAlertmanagers, amAddr)
	}
	var amStatus struct{ Cluster struct{ Status string } }
	testkit.GetJSON(t, "http://"+amAddr+"/api/v2/status", &amStatus)
	t.Logf("Prometheus %s: %d rule groups, %d rules loaded; Alertmanager %s (cluster %q)", prom.URL, len(rules.Data.Groups), nRules, amAddr, amStatus.Cluster.Status)
	if !strings.Contains(logs.String(), "http://"+promAddr) || !strings.Contains(logs.String(), "http://"+amAddr) {
		t.Errorf("up.sh did not print the Prometheus and Alertmanager URLs:\n%s", logs.String())
	}
	// The banner names the pages first, and every address it prints opens
	// with the versions installed (Debian's Prometheus 2.42 has no /alerts).
	banner := logs.String()[strings.LastIndex(logs.String(), "Pages "):]
	if !strings.HasPrefix(banner, "Pages         http://"+addr+"/sider") {
		t.Errorf("the banner does not start with the pages:\n%s", banner)
	}
	for _, u := range regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+[A-Za-z0-9/._?=&%-]*`).FindAllString(banner, -1) {
		if strings.HasSuffix(u, "/api/v1") {
			u += "/goals"
		}
		res, err := http.Get(u)
		if err != nil {
			t.Errorf("banner link %s: %v", u, err)
			continue
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("banner link %s: %s", u, res.Status)
		}
	}

	// kpv serves as kpv_app, which owns nothing: what a compromised kpv
	// could do to the published versions is refused to it.
	appPassword, err := os.ReadFile(filepath.Join(dataDir, "pg", "kpv_app.password"))
	if err != nil {
		t.Fatal(err)
	}
	pgPort, _ := os.ReadFile(filepath.Join(dataDir, "pg", "port"))
	ctx := context.Background()
	app, err := pgx.Connect(ctx, fmt.Sprintf("postgres://kpv_app:%s@127.0.0.1:%s/kpv?sslmode=disable", strings.TrimSpace(string(appPassword)), strings.TrimSpace(string(pgPort))))
	if err != nil {
		t.Fatalf("connect as kpv_app, the role make up serves as: %v", err)
	}
	var super bool
	if err := app.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil || super {
		t.Errorf("kpv_app: rolsuper %v (%v), want false", super, err)
	}
	for _, q := range []string{`TRUNCATE published_reports`, `ALTER TABLE published_reports DISABLE TRIGGER USER`, `SET session_replication_role = replica`} {
		if _, err := app.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "42501") {
			t.Errorf("%s as kpv_app: %v; want it refused (42501)", q, err)
		}
	}
	app.Close(ctx)

	// Ctrl-C: the whole process group gets SIGINT, as from a terminal.
	stopping := time.Now()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("up.sh did not stop within 60s of Ctrl-C:\n%s", logs.String())
	}
	t.Logf("stopped %s after Ctrl-C", time.Since(stopping).Round(time.Millisecond))
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("kpv still answers after Ctrl-C")
	}
	for name, a := range map[string]string{"Prometheus": promAddr, "Alertmanager": amAddr} {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still listening on %s after Ctrl-C", name, a)
		}
	}
	port, _ := os.ReadFile(filepath.Join(dataDir, "pg", "port"))
	if p := strings.TrimSpace(string(port)); p != "" {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+p, time.Second); err == nil {
			c.Close()
			t.Errorf("Postgres still listening on %s after Ctrl-C", p)
		}
	} else {
		t.Errorf("no Postgres port recorded in %s:\n%s", dataDir, logs.String())
	}
	t.Logf("stack came up on %s and stopped on Ctrl-C", base)
}

type logFile struct{ path string }

func (l logFile) String() string { b, _ := os.ReadFile(l.path); return string(b) }
