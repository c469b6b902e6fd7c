package test

// Process-level fault tests: the real kpv binary, built into a temporary
// directory, killed with SIGKILL in the middle of an ingest, stopped with
// SIGTERM while a request is in flight, and run as three replicas on one
// Postgres.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/internal/pgtest"
)

// TestSIGKILLDuringIngest kills `kpv ingest` inside its write transaction
// (held at the merge by a lock the test takes): nothing of the batch is
// stored, and the next run marks the killed one interrupted and succeeds.
func TestSIGKILLDuringIngest(t *testing.T) {
	ctx := context.Background()
	bin := buildKPV(t)
	db := pgtest.NewDatabase(t)
	env := []string{"KPV_DATABASE_URL=" + db, "KPV_LOG_LEVEL=warn"}
	migrate := exec.Command(bin, "migrate")
	migrate.Env = append(os.Environ(), env...)
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("kpv migrate: %v\n%s", err, out)
	}

	blocker, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close(ctx)
	watcher, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close(ctx)
	// The tables exist once kpv has synchronised the catalogue; the lock
	// then holds the run at its merge, inside its transaction.
	tx, err := blocker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE figures IN SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	p := startKPV(t, bin, env, "ingest", "nordcan-survival", "--offline")
	backend := waitForBackend(t, watcher, `copy "figures"`, p)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	if err := tx.Rollback(ctx); err != nil { // let the orphaned statement finish
		t.Fatal(err)
	}
	// Postgres ends the killed process's session when it next talks to it.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var alive bool
		if err := watcher.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)`, backend).Scan(&alive); err != nil {
			t.Fatal(err)
		}
		if !alive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the killed kpv's Postgres session is still there after 30s")
		}
	}
	var stored int
	var outcome string
	if err := watcher.QueryRow(ctx, `SELECT (SELECT count(*) FROM observations), (SELECT outcome FROM ingest_runs ORDER BY id LIMIT 1)`).
		Scan(&stored, &outcome); err != nil {
		t.Fatal(err)
	}
	if stored != 0 || outcome != "running" {
		t.Fatalf("after SIGKILL: %d figures stored, run %s; want none stored and the run still marked running", stored, outcome)
	}

	// On restart the next run marks the killed one interrupted.
	again := exec.Command(bin, "ingest", "nordcan-survival", "--offline")
	again.Env = append(os.Environ(), env...)
	out, err := again.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "nordcan-survival: success: read 248, inserted 248") {
		t.Fatalf("kpv ingest after the kill: %v\n%s", err, out)
	}
	rows, err := watcher.Query(ctx, `SELECT outcome, (SELECT count(*) FROM observations o WHERE o.run_id = r.id) FROM ingest_runs r ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var o string
		var n int
		if err := rows.Scan(&o, &n); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s:%d", o, n))
	}
	if want := "interrupted:0 success:248"; strings.Join(got, " ") != want {
		t.Errorf("run log (outcome:figures): %s, want %s", strings.Join(got, " "), want)
	}
}

// waitForBackend waits until a session runs a statement containing text and
// returns its backend pid; it fails if p exits first.
func waitForBackend(t *testing.T, conn *pgx.Conn, text string, p *kpvProc) int {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var pid int
		err := conn.QueryRow(context.Background(), `SELECT pid FROM pg_stat_activity
			WHERE pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%' LIMIT 1`, text).Scan(&pid)
		if err == nil {
			return pid
		}
		if err != pgx.ErrNoRows {
			t.Fatal(err)
		}
		select {
		case <-p.done:
			t.Fatalf("kpv exited before running %q: %v\n%s", text, p.err, p.output())
		default:
		}
	}
	t.Fatalf("no session ran %q within 60s", text)
	return 0
}

// survivalTable writes a table in Sundhedsdatastyrelsen's survival layout
// with 600 monthly periods (10,800 figures; invented values, for load only).
func survivalTable(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "overlevelse.csv")
	if err := os.WriteFile(path, []byte(survivalRows(600)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSIGTERMFinishesRequestsAndStopsScheduling sends SIGTERM to `kpv
// serve` while a large response is being sent to a client that reads it
// slowly: the response arrives whole, no scheduled run starts after the
// signal, and the process exits soon after the response is done.
func TestSIGTERMFinishesRequestsAndStopsScheduling(t *testing.T) {
	bin := buildKPV(t)
	srv, requests := countingPublisher(t)
	db := pgtest.NewDatabase(t)
	addr := freeAddr(t)
	env := []string{"KPV_DATABASE_URL=" + db, "KPV_CATALOGUE=" + scheduledCatalogue(t, srv.URL), "KPV_ADDR=" + addr,
		"KPV_SCHEDULER=on", "KPV_FETCH_ATTEMPTS=1"}
	for _, args := range [][]string{{"migrate"}, {"ingest", "sds-kraeftoverlevelse", "--file", survivalTable(t)}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("kpv %v: %v\n%s", args, err, out)
		}
	}
	p := startKPV(t, bin, env, "serve")
	base := "http://" + addr
	waitReady(t, p, base)
	for deadline := time.Now().Add(10 * time.Second); requests.Load() < 2; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the scheduler did not fetch twice in 10s\n%s", p.output())
		}
	}

	// A request in flight: 10,000 figures (about 4 MB of JSON) to a client
	// with a 4 KB receive buffer that reads nothing yet, so the handler is
	// still writing when the signal comes.
	dialer := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return errors.Join(err, serr)
	}}
	conn, err := dialer.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /api/v1/indicators/g3_survival_5y_denmark/observations?limit=10000 HTTP/1.1\r\nHost: kpv\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)

	// Ticks fall on whole seconds and a run takes milliseconds: signal
	// between two ticks, so no run is caught half-way.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1300 * time.Millisecond)))
	signalled := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	atSignal := requests.Load()
	time.Sleep(2 * time.Second) // two ticks that must not run
	select {
	case <-p.done:
		t.Fatalf("kpv exited with a response half sent: %v\n%s", p.err, p.output())
	default:
	}
	if n := requests.Load(); n != atSignal {
		t.Errorf("the scheduler fetched %d more time(s) after SIGTERM", n-atSignal)
	}

	// Read the response: it is whole.
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the in-flight request got no answer: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err != nil || resp.StatusCode != 200 || json.Unmarshal(body, &page) != nil || len(page.Items) != 10000 {
		t.Fatalf("the in-flight response: %d, %d bytes, %d figures, %v; want 200 with 10,000 figures", resp.StatusCode, len(body), len(page.Items), err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("kpv did not exit within 10s of its last response\n%s", p.output())
	}
	if p.err != nil {
		t.Errorf("kpv serve exited with %v after SIGTERM, want 0\n%s", p.err, p.output())
	}
	t.Logf("a %d-byte response finished after SIGTERM; exited %.1fs after the signal", len(body), time.Since(signalled).Seconds())
}

// TestThreeReplicasRunEachTickOnce runs three `kpv serve` replicas on one
// Postgres with the NORDCAN source due every second: every tick is run by
// exactly one replica, and each run fetches once.
func TestThreeReplicasRunEachTickOnce(t *testing.T) {
	ctx := context.Background()
	bin := buildKPV(t)
	srv, requests := countingPublisher(t)
	db := pgtest.NewDatabase(t)
	catalogue := scheduledCatalogue(t, srv.URL)
	base := []string{"KPV_DATABASE_URL=" + db, "KPV_CATALOGUE=" + catalogue, "KPV_SCHEDULER=on", "KPV_FETCH_ATTEMPTS=1"}
	migrate := exec.Command(bin, "migrate")
	migrate.Env = append(os.Environ(), base...)
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("kpv migrate: %v\n%s", err, out)
	}
	var procs []*kpvProc
	for range 3 {
		addr := freeAddr(t)
		p := startKPV(t, bin, append(base, "KPV_ADDR="+addr), "serve")
		waitReady(t, p, "http://"+addr)
		procs = append(procs, p)
	}
	time.Sleep(6 * time.Second)
	// Stop between two ticks (they fall on whole seconds).
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1400 * time.Millisecond)))
	for _, p := range procs {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range procs {
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			t.Fatalf("a replica did not stop within 20s\n%s", p.output())
		}
	}

	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var ticks, replicas, runs, stillRunning, cancelled int
	if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT claimed_by) FROM source_ticks WHERE source_id = 'nordcan-survival'`).
		Scan(&ticks, &replicas); err != nil {
		t.Fatal(err)
	}
	// A run under way when the replicas were stopped is cancelled (and may
	// not have fetched yet); on a busy machine a tick can run late.
	if err := conn.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE outcome = 'running'),
			count(*) FILTER (WHERE outcome = 'failed' AND error LIKE '%context canceled%')
		FROM ingest_runs WHERE source_id = 'nordcan-survival'`).Scan(&runs, &stillRunning, &cancelled); err != nil {
		t.Fatal(err)
	}
	fetches := int(requests.Load())
	t.Logf("%d ticks claimed by %d replica(s), %d runs (%d cancelled by the stop), %d fetches", ticks, replicas, runs, cancelled, fetches)
	if ticks < 5 {
		t.Errorf("%d ticks in about 7s, want at least 5", ticks)
	}
	if runs != ticks || stillRunning != 0 || fetches > runs || fetches < runs-cancelled || cancelled > 1 {
		t.Errorf("%d ticks, %d runs (%d still running, %d cancelled), %d fetches; want one run and one fetch per tick", ticks, runs, stillRunning, cancelled, fetches)
	}
	// No replica logged an error (a doubled run would fail on the lock),
	// other than a run cancelled by the stop.
	for i, p := range procs {
		for _, line := range strings.Split(p.output(), "\n") {
			if strings.Contains(line, "level=ERROR") && !strings.Contains(line, "context canceled") {
				t.Errorf("replica %d logged an error: %s", i, line)
			}
		}
	}
}
