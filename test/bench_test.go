package test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/internal/pgtest"
)

// BenchmarkAPIUnderLoad runs the real kpv binary on the bundled figures plus
// a 1,800-figure survival table, with a scheduled ingest of that table
// every second (the publisher revises every figure every tenth request, so
// one run in ten writes 1,800 revisions and rebuilds the assessment, the
// others fetch and find the publication unchanged), and drives it with wrk: 30 s
// and 64 connections per endpoint. It fails on any error or non-2xx
// answer, and reports each endpoint's throughput, its p99 latency and its
// throughput as a ratio of /healthz's on the same server in the same run.
// The figures are synthetic load, not data.
//
// wrk comes from Debian's wrk package; scripts/bench.sh installs it and
// sets KPV_WRK. Run it alone (scripts/bench.sh does): it takes about two
// minutes.
func BenchmarkAPIUnderLoad(b *testing.B) {
	wrk := os.Getenv("KPV_WRK")
	if wrk == "" {
		var err error
		if wrk, err = exec.LookPath("wrk"); err != nil {
			b.Fatal("wrk is missing: run `make bench`, which installs it, or apt-get install wrk")
		}
	}
	duration := os.Getenv("KPV_WRK_DURATION")
	if duration == "" {
		duration = "30s"
	}
	poolMax := os.Getenv("KPV_BENCH_POOL_MAX_CONNS")
	if poolMax == "" {
		poolMax = "16"
	}
	bin := buildKPV(b)
	db := pgtest.NewDatabase(b)

	// The publisher: a new version of the table every tenth request.
	table := survivalRows(100)
	var served atomic.Int64
	pub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := served.Add(1)
		w.Write([]byte(strings.ReplaceAll(table, ",5;", fmt.Sprintf(",%d;", n/10%2*2+5))))
	}))
	defer pub.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	// pgxpool's default of max(4, cores) connections lets 64 concurrent
	// requests starve the scheduler; a deployment sets pool_max_conns.
	env := []string{"KPV_DATABASE_URL=" + db + "&pool_max_conns=" + poolMax, "KPV_CATALOGUE=" + scheduledSurvival(b, pub.URL), "KPV_ADDR=" + addr,
		"KPV_SCHEDULER=on", "KPV_LOG_LEVEL=warn"}
	for _, args := range [][]string{{"migrate"}, {"ingest", "--all", "--offline"}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("kpv %v: %v\n%s", args, err, out)
		}
	}
	p := startKPV(b, bin, env, "serve")
	base := "http://" + addr
	waitReady(b, p, base)
	for deadline := time.Now().Add(30 * time.Second); served.Load() < 2; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("the scheduled ingest did not run within 30s\n%s", p.output())
		}
	}

	endpoints := []struct{ name, path string }{
		{"healthz", "/healthz"},
		{"observations", "/api/v1/indicators/g3_survival_5y_denmark/observations"},
		{"observations-page100", "/api/v1/indicators/g3_survival_5y_denmark/observations?geography=DK&limit=100"},
	}
	reports := fmt.Sprintf("/api/v1/reports/%d", time.Now().Year()) // the year the bundled figures were recorded in
	if resp, err := http.Get(base + reports); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			endpoints = append(endpoints, struct{ name, path string }{"reports", reports})
		}
	}
	b.ResetTimer()
	rates := map[string]float64{}
	for _, e := range endpoints {
		runsBefore := served.Load()
		out, err := exec.Command(wrk, "-t2", "-c64", "-d"+duration, "--timeout", "10s", "--latency", base+e.path).CombinedOutput()
		if err != nil {
			b.Fatalf("wrk %s: %v\n%s", e.path, err, out)
		}
		res, err := parseWrk(string(out))
		if err != nil {
			b.Fatalf("wrk %s: %v\n%s", e.path, err, out)
		}
		if res.errors > 0 {
			b.Errorf("%s: %d errors or non-2xx answers under load\n%s", e.path, res.errors, out)
		}
		rates[e.name] = res.rate
		b.ReportMetric(res.rate, e.name+"-req/s")
		b.ReportMetric(res.p99.Seconds()*1000, e.name+"-p99-ms")
		b.Logf("%s: %.0f req/s, p50 %v, p99 %v, %d requests, 0 errors, %d scheduled ingest runs meanwhile",
			e.path, res.rate, res.p50, res.p99, res.requests, served.Load()-runsBefore)
	}
	for name, rate := range rates {
		if name != "healthz" {
			b.ReportMetric(rate/rates["healthz"], name+"/healthz")
		}
	}
	b.StopTimer()
	var runs, failed int
	if err := pgxCount(db, `SELECT count(*), count(*) FILTER (WHERE outcome = 'failed') FROM ingest_runs WHERE source_id = 'sds-kraeftoverlevelse'`, &runs, &failed); err != nil {
		b.Fatal(err)
	}
	if failed > 0 {
		b.Errorf("%d of %d scheduled ingest runs failed under load", failed, runs)
	}
	b.Logf("%d scheduled ingest runs of 1,800 figures during the benchmark, %d failed", runs, failed)
}

// scheduledSurvival writes a copy of the shipped catalogue whose
// Sundhedsdatastyrelsen survival source is fetched from url every second.
func scheduledSurvival(t testing.TB, url string) string {
	t.Helper()
	old := "url: \"https://www.esundhed.dk/Emner/Kraeft/Kraeftoverlevelse\"\n    schedule: \"CRON_TZ=Europe/Copenhagen 0 6 * * 1\""
	return catalogueWith(t, old, fmt.Sprintf("url: %q\n    schedule: \"@every 1s\"", url))
}

type wrkResult struct {
	rate          float64
	requests      int
	errors        int
	p50, p99      time.Duration
	socketErrors  string
	non2xxOr3xx   int
	latencyParsed bool
}

var (
	wrkRate     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkPct      = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
)

// parseWrk reads wrk's report: throughput, requests, errors and the 50th
// and 99th percentile latencies (--latency).
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	m := wrkRate.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk's output")
	}
	r.rate, _ = strconv.ParseFloat(m[1], 64)
	if m := wrkRequests.FindStringSubmatch(out); m != nil {
		r.requests, _ = strconv.Atoi(m[1])
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		r.non2xxOr3xx, _ = strconv.Atoi(m[1])
		r.errors += r.non2xxOr3xx
	}
	if m := wrkSocket.FindStringSubmatch(out); m != nil {
		r.socketErrors = m[0]
		for _, s := range m[1:] {
			n, _ := strconv.Atoi(s)
			r.errors += n
		}
	}
	for _, m := range wrkPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[3]]
		d := time.Duration(v * float64(unit))
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99, r.latencyParsed = d, true
		}
	}
	if !r.latencyParsed {
		return r, fmt.Errorf("no 99%% latency in wrk's output (run with --latency)")
	}
	return r, nil
}
