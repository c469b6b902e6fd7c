package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/store"
)

// TestAuditIsRetriedWhilePostgresStartsUp: an audit entry written while
// Postgres restarts, first down and then recovering (refusing every
// connection with 57P03, "not accepting connections"), is written once it
// takes connections again, not lost.
func TestAuditIsRetriedWhilePostgresStartsUp(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.NewCluster(t, "kpv_audit")
	st, err := store.Open(ctx, pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	pg.StartInRecovery()
	type result struct {
		id  int64
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		id, err := st.Audit(ctx, store.AuditEntry{Actor: "token 1", Action: "submit", Target: "g2_pro_use", Outcome: store.AuditFailed, Status: 503})
		done <- result{id, err}
	}()
	// Recovery lasts a few seconds, as a restart's does.
	select {
	case r := <-done:
		t.Fatalf("Audit returned after %s while Postgres refused connections: id %d, %v", time.Since(start).Round(time.Millisecond), r.id, r.err)
	case <-time.After(3 * time.Second):
	}
	pg.Promote()
	r := <-done
	t.Logf("Audit returned after %s: id %d, %v", time.Since(start).Round(time.Millisecond), r.id, r.err)
	if r.err != nil {
		t.Fatalf("the audit entry across the restart was lost: %v", r.err)
	}
	var n int
	if err := st.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'submit' AND target = 'g2_pro_use'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d audit entries for the submission, want 1", n)
	}
}
