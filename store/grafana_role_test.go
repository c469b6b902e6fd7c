package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/store"
)

// kpv_grafana may only read: no temporary tables, no large objects, a
// statement timeout and a connection limit (issue 20).
func TestGrafanaRoleIsLimited(t *testing.T) {
	ctx := context.Background()
	db := pgtest.NewDatabase(t)
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, pgtest.ReaderURL(t, db))
	if err != nil {
		t.Fatalf("connect as kpv_grafana: %v", err)
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		"CREATE TEMP TABLE grab (x text)",
		"SELECT lo_create(0)",
		"SELECT lo_from_bytea(0, 'x')",
	} {
		_, err := conn.Exec(ctx, stmt)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || (pgErr.Code != "42501" && pgErr.Code != "25006") {
			t.Errorf("kpv_grafana: %s: want permission denied or read-only, got %v", stmt, err)
		}
	}
	var timeout string
	var limit int
	if err := conn.QueryRow(ctx, "SELECT current_setting('statement_timeout'), (SELECT rolconnlimit FROM pg_roles WHERE rolname = 'kpv_grafana')").Scan(&timeout, &limit); err != nil {
		t.Fatal(err)
	}
	if timeout != "30s" || limit != 10 {
		t.Errorf("kpv_grafana: statement_timeout %q, connection limit %d; want 30s and 10", timeout, limit)
	}
	// kpv itself still stages batches in a temporary table.
	if err := st.Exec(ctx, "CREATE TEMP TABLE staging (x int)"); err != nil {
		t.Errorf("kpv's own role lost temporary tables: %v", err)
	}
}
