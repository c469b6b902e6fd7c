package test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/internal/pgtest"
)

// TestStartClosesRunsOfStoppedProcesses: two kpv serve replicas on one
// database, each with a submission held inside its transaction (by a table
// lock the test takes). One replica is killed; when kpv serve starts again,
// the killed replica's run is closed as interrupted at once, while the live
// replica's run goes on and succeeds.
func TestStartClosesRunsOfStoppedProcesses(t *testing.T) {
	ctx := context.Background()
	bin := buildKPV(t)
	db := pgtest.NewDatabase(t)
	env := []string{"KPV_DATABASE_URL=" + db, "KPV_SCHEDULER=off", "KPV_LOG_LEVEL=warn"}
	runKPV(t, bin, env, "migrate")
	token := tokenRE.FindString(runKPV(t, bin, env, "token", "create", "--role", "submitter", "--org", "region-midtjylland", "--name", "RM"))

	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	blocker, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close(ctx)
	serve := func() (*kpvProc, string) { t.Helper(); return serveKPV(t, bin, env) }
	type answer struct {
		status int
		body   string
	}
	submit := func(base, period string) chan answer {
		c := make(chan answer, 1)
		go func() {
			req, _ := http.NewRequest("POST", base+"/api/v1/indicators/g1_gp_followup_plan/observations",
				strings.NewReader("period;geography;value\n"+period+";DK-82;61,5\n"))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "text/csv")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				c <- answer{0, err.Error()}
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			c <- answer{resp.StatusCode, string(b)}
		}()
		return c
	}
	running := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			var n int
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM ingest_runs WHERE kind = 'submission' AND outcome = 'running'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d submission runs running, want %d", n, want)
			}
		}
	}

	// Submissions wait at their write, inside their transactions.
	tx, err := blocker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE figures IN SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	dead, deadBase := serve()
	submit(deadBase, "2024")
	running(1)
	// The sessions of the replica to be killed: every one there is now
	// but the test's own.
	var deadSessions []int32
	if err := conn.QueryRow(ctx, `SELECT array_agg(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), $1)`, blocker.PgConn().PID()).Scan(&deadSessions); err != nil {
		t.Fatal(err)
	}
	_, liveBase := serve()
	liveAnswer := submit(liveBase, "2025")
	running(2)

	if err := dead.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-dead.done
	// Postgres ends a killed client's sessions when it next talks to them;
	// the one waiting on the lock is ended here rather than by releasing it.
	if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY($1)`, deadSessions); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)`, deadSessions).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the killed replica's sessions are still there after 30s")
		}
	}

	start := time.Now()
	_, _ = serve()
	outcomes := func() string {
		rows, err := conn.Query(ctx, `SELECT outcome FROM ingest_runs WHERE kind = 'submission' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(got, " ")
	}
	got := outcomes()
	t.Logf("%s after kpv serve started again (ready after %s)", got, time.Since(start).Round(time.Millisecond))
	if want := "interrupted running"; got != want {
		t.Errorf("submission runs (killed replica's, live replica's): %s, want %s", got, want)
	}

	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if a := <-liveAnswer; a.status != 200 {
		t.Fatalf("the live replica's submission: %d %s", a.status, a.body)
	}
	if got, want := outcomes(), "interrupted success"; got != want {
		t.Errorf("submission runs after the live one finished: %s, want %s", got, want)
	}
}
