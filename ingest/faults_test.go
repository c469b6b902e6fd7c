package ingest

// Fault test: Postgres restarted in the middle of a run (the publisher's
// faults are in faults_api_test.go, which needs the API).

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/store"
)

// TestPostgresRestartDuringIngest restarts Postgres while a run is writing
// its batch: that run fails, nothing of it is kept, and the next run
// succeeds. The run is held inside its own copy into figures by a trigger
// that sleeps in the run's own session until the restart ends it, so the
// restart lands inside the run's transaction every time. (A lock held by
// another session would not do: the shutdown ends that session too, and on
// a loaded machine the run could take the released lock and commit before
// its own end reached it — seen in CI as "the run across the restart:
// success".)
func TestPostgresRestartDuringIngest(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.NewCluster(t, "kpv_restart")
	dir, url := t.TempDir(), pg.URL

	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cat := benchCatalogue(t, 1)
	if _, err := st.SyncCatalogue(ctx, cat); err != nil {
		t.Fatal(err)
	}
	table := filepath.Join(dir, "kommuner.csv")
	rows, err := writeBenchTable(table, 1)
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Store: st, Catalogue: cat, Metrics: NewMetrics(nil)}

	// Hold the write: while the table hold has a row, a copy into figures
	// sleeps in its trigger, inside the run's transaction.
	if err := st.Exec(ctx, `CREATE TABLE hold (held bool);
		INSERT INTO hold VALUES (true);
		CREATE FUNCTION hold_write() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF EXISTS (SELECT FROM hold) THEN PERFORM pg_sleep(600); END IF;
			RETURN NULL;
		END $$;
		CREATE TRIGGER hold_write BEFORE INSERT ON figures FOR EACH STATEMENT EXECUTE FUNCTION hold_write();`); err != nil {
		t.Fatal(err)
	}
	type result struct {
		run store.Run
		err error
	}
	done := make(chan result, 1)
	go func() {
		run, err := r.Run(ctx, benchSource, Options{File: table})
		done <- result{run, err}
	}()
	// A separate session: pg_stat_activity is read once per transaction.
	watcher, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	waitForHeld(t, watcher, `copy "figures"`, 60*time.Second)

	// Restart Postgres under the run, on the same port (the script holds
	// its port lock from the stop to the start, so no cluster started by
	// another test takes the port in between).
	if again := pg.Restart(); again != url {
		t.Fatalf("Postgres came back at %s, not %s", again, url)
	}
	var first result
	select {
	case first = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the run did not end after Postgres restarted")
	}
	if first.err == nil || first.run.Outcome == "success" {
		t.Fatalf("the run across the restart: %s %v; want a failure", first.run.Outcome, first.err)
	}
	t.Logf("run %d across the restart: %v", first.run.ID, first.err)
	if err := st.Exec(ctx, `DELETE FROM hold`); err != nil {
		t.Fatal(err)
	}

	second, err := r.Run(ctx, benchSource, Options{File: table})
	if err != nil || second.Outcome != "success" || second.Counts.Inserted != rows {
		t.Fatalf("the run after the restart: %s %+v %v; want success with %d figures", second.Outcome, second.Counts, err, rows)
	}
	var total, fromFirst int
	if err := st.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE run_id = $1) FROM observations`, first.run.ID).
		Scan(&total, &fromFirst); err != nil {
		t.Fatal(err)
	}
	if total != rows || fromFirst != 0 {
		t.Errorf("%d figures stored, %d of them from the interrupted run; want %d and none", total, fromFirst, rows)
	}
	// The run's log entry is closed once Postgres is back, as failed, with
	// one message for the lost connection however it showed: Postgres's
	// "terminating connection" or a write on the closed socket, depending on
	// which the client saw first.
	runs, err := st.Runs(ctx, store.RunFilter{Source: benchSource, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range runs {
		if run.ID == first.run.ID && (run.Outcome != "failed" || !strings.HasPrefix(run.Error, "the connection to Postgres was lost")) {
			t.Errorf("run log: the run across the restart is %s (%q), want failed saying the connection to Postgres was lost", run.Outcome, run.Error)
		}
	}
}

// waitForHeld waits until a session runs a statement containing text and
// sleeps in the hold_write trigger.
func waitForHeld(t *testing.T, conn *pgx.Conn, text string, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%' AND wait_event = 'PgSleep'`, text).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
	t.Fatalf("no session ran %q held in its trigger within %v", text, timeout)
}
