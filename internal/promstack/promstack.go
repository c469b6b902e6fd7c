// Package promstack starts real Prometheus and Alertmanager servers for tests:
// project-local instances from Debian's prometheus and prometheus-alertmanager
// packages, on free loopback ports, in the test's temporary directory, stopped
// when the test ends.
//
// Without the binaries a test is skipped, unless KPV_REQUIRE_DB is set (as
// `make test` does, after installing them), where it fails.
package promstack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Binary finds a server binary: the environment variable env if set, else
// name on PATH.
func Binary(t testing.TB, env, name, debianPackage string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("KPV_REQUIRE_DB") != "" {
		t.Fatalf("%s not found: install the Debian package %s (scripts/test.sh does)", name, debianPackage)
	}
	t.Skipf("%s not found (run `make test`)", name)
	return ""
}

// FreeAddr returns a loopback host:port that was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// PrometheusConfig is what a test's Prometheus scrapes and evaluates.
type PrometheusConfig struct {
	Targets      []string // host:port of kpv instances, scraped as job "kpv"
	RuleFiles    []string // absolute paths of rule files
	Alertmanager string   // host:port of an Alertmanager, or ""
	// Alertmanagers are more host:port of Alertmanagers (a cluster): each
	// alert is sent to every one.
	Alertmanagers []string
	Interval      time.Duration // scrape and evaluation interval (default 1s)
}

// Prometheus is a running server.
type Prometheus struct {
	URL  string // http://host:port
	Dir  string // its working directory (config, data, log)
	Logs string // path of its log file
}

// StartPrometheus writes a configuration and starts Prometheus on it.
func StartPrometheus(t testing.TB, cfg PrometheusConfig) *Prometheus {
	t.Helper()
	bin := Binary(t, "KPV_PROMETHEUS", "prometheus", "prometheus")
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	dir := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, "global:\n  scrape_interval: %s\n  evaluation_interval: %s\n", cfg.Interval, cfg.Interval)
	if len(cfg.RuleFiles) > 0 {
		b.WriteString("rule_files:\n")
		for _, f := range cfg.RuleFiles {
			fmt.Fprintf(&b, "  - %q\n", f)
		}
	}
	if cfg.Alertmanager != "" {
		cfg.Alertmanagers = append([]string{cfg.Alertmanager}, cfg.Alertmanagers...)
	}
	if len(cfg.Alertmanagers) > 0 {
		fmt.Fprintf(&b, "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: %s\n", flowList(cfg.Alertmanagers))
	}
	fmt.Fprintf(&b, "scrape_configs:\n  - job_name: kpv\n    static_configs:\n      - targets: %s\n", flowList(cfg.Targets))
	conf := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := FreeAddr(t)
	args := []string{
		"--config.file=" + conf,
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
		// Alerts reach Alertmanager a second after they fire, not a minute.
		"--rules.alert.resend-delay=1s",
		"--web.enable-lifecycle",
	}
	p := &Prometheus{URL: "http://" + addr, Dir: dir, Logs: filepath.Join(dir, "prometheus.log")}
	_ = start(t, bin, args, p.Logs, p.URL+"/-/ready")
	t.Logf("Prometheus %s (config %s)", p.URL, conf)
	return p
}

// flowList writes strings as a YAML flow sequence: ["a", "b"].
func flowList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// Alertmanager is a running server.
type Alertmanager struct {
	URL  string
	Logs string
	// Stop stops it (SIGTERM, then SIGKILL) before the test ends.
	Stop func()
}

// StartAlertmanager starts Alertmanager on a configuration file, alone (no
// cluster gossip).
func StartAlertmanager(t testing.TB, configFile string) *Alertmanager {
	t.Helper()
	// A single instance: no gossip port.
	return startAlertmanager(t, configFile, "--cluster.listen-address=")
}

// StartAlertmanagers starts n Alertmanagers on one configuration file as a
// cluster, gossiping on loopback ports (as Debian's package runs them with
// --cluster.listen-address and --cluster.peer), with the cluster's timings
// shortened for a test: a notification is deduplicated across the cluster,
// and one member stopped leaves the others notifying.
func StartAlertmanagers(t testing.TB, configFile string, n int) []*Alertmanager {
	t.Helper()
	gossip := make([]string, n)
	for i := range gossip {
		gossip[i] = FreeAddr(t)
	}
	var out []*Alertmanager
	for i := range n {
		args := []string{"--cluster.listen-address=" + gossip[i], "--cluster.advertise-address=" + gossip[i],
			"--cluster.settle-timeout=2s", "--cluster.peer-timeout=2s", "--cluster.pushpull-interval=2s",
			"--cluster.reconnect-interval=1s"}
		for j, g := range gossip {
			if j != i {
				args = append(args, "--cluster.peer="+g)
			}
		}
		out = append(out, startAlertmanager(t, configFile, args...))
	}
	return out
}

func startAlertmanager(t testing.TB, configFile string, cluster ...string) *Alertmanager {
	t.Helper()
	bin := Binary(t, "KPV_ALERTMANAGER", "prometheus-alertmanager", "prometheus-alertmanager")
	dir := t.TempDir()
	addr := FreeAddr(t)
	args := append([]string{
		"--config.file=" + configFile,
		"--storage.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
	}, cluster...)
	a := &Alertmanager{URL: "http://" + addr, Logs: filepath.Join(dir, "alertmanager.log")}
	a.Stop = start(t, bin, args, a.Logs, a.URL+"/-/ready")
	t.Logf("Alertmanager %s (config %s)", a.URL, configFile)
	return a
}

// start runs a server with its output in logPath, waits until ready answers
// 200, and stops it (SIGTERM, then SIGKILL) when the test ends, or when the
// function it returns is called.
func start(t testing.TB, bin string, args []string, logPath, ready string) (stop func()) {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logf.Close() }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
		})
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(ready); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return stop
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("%s exited before it was ready: %v\n%s", filepath.Base(bin), err, tail(logPath))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready within 30s\n%s", filepath.Base(bin), tail(logPath))
		}
	}
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Sample is one element of an instant query's result.
type Sample struct {
	Metric map[string]string
	Value  string
}

// Query runs an instant PromQL query and returns its samples; an error
// answer (a bad expression, say) is returned as an error.
func (p *Prometheus) Query(expr string) ([]Sample, error) {
	resp, err := http.PostForm(p.URL+"/api/v1/query", url.Values{"query": {expr}})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r struct {
		Status, Error, ErrorType string
		Data                     struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		}
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("query %q: %d %s", expr, resp.StatusCode, bytes.TrimSpace(body))
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("query %q: %s: %s", expr, r.ErrorType, r.Error)
	}
	switch r.Data.ResultType {
	case "vector":
		var vs []struct {
			Metric map[string]string
			Value  [2]any
		}
		if err := json.Unmarshal(r.Data.Result, &vs); err != nil {
			return nil, err
		}
		out := make([]Sample, len(vs))
		for i, v := range vs {
			out[i] = Sample{Metric: v.Metric, Value: fmt.Sprint(v.Value[1])}
		}
		return out, nil
	case "scalar", "string":
		var v [2]any
		if err := json.Unmarshal(r.Data.Result, &v); err != nil {
			return nil, err
		}
		return []Sample{{Value: fmt.Sprint(v[1])}}, nil
	default:
		return nil, fmt.Errorf("query %q: result type %s not handled", expr, r.Data.ResultType)
	}
}

// WaitFor polls an instant query until it returns at least one sample, and
// returns them; it fails the test after timeout.
func (p *Prometheus) WaitFor(t testing.TB, expr string, timeout time.Duration) []Sample {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s, err := p.Query(expr)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) > 0 {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus: %q returned nothing within %s\n%s", expr, timeout, tail(p.Logs))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
