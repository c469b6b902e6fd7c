package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/store"
)

// Roles belong to the whole cluster while each database migrates on its
// own. Databases migrating at once — every test package under make test,
// or two deployments on one cluster — alter the same role rows, and the
// later of two concurrent updates of a row fails with "tuple concurrently
// updated" (stop 33's CI: migration 00040 in TestRunHasADeadline). Each
// must still migrate, and the role must end as the migrations leave it.
//
// On a cluster of its own, so that each round starts with kpv_grafana's
// settings undone and every migration of the round has them to write.
func TestDatabasesMigrateAtOnceInOneCluster(t *testing.T) {
	pg := pgtest.NewCluster(t, "kpv_roles")
	ctx := context.Background()
	const rounds, databases = 5, 8
	for round := 1; round <= rounds; round++ {
		if round > 1 {
			conn, err := pgx.Connect(ctx, pg.URL)
			if err != nil {
				t.Fatal(err)
			}
			_, err = conn.Exec(ctx, "ALTER ROLE kpv_grafana RESET ALL; ALTER ROLE kpv_grafana CONNECTION LIMIT -1")
			conn.Close(ctx)
			if err != nil {
				t.Fatalf("undo kpv_grafana's settings: %v", err)
			}
		}
		t.Run(fmt.Sprintf("round %d", round), func(t *testing.T) {
			for i := 1; i <= databases; i++ {
				t.Run(fmt.Sprintf("database %d", i), func(t *testing.T) {
					t.Parallel()
					url := pgtest.NewDatabaseOn(t, pg.URL)
					st, err := store.Open(ctx, url)
					if err != nil {
						t.Fatal(err)
					}
					defer st.Close()
					if _, err := st.Migrate(ctx); err != nil {
						t.Fatalf("migrate while %d databases migrate at once: %v", databases, err)
					}
					// The tests' own password for the roles is set at once too.
					pgtest.ReaderURL(t, url)
					pgtest.AppURL(t, url)
				})
			}
		})
	}
	conn, err := pgx.Connect(ctx, pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var limit int
	var config []string
	if err := conn.QueryRow(ctx, "SELECT rolconnlimit, coalesce(rolconfig, '{}') FROM pg_roles WHERE rolname = 'kpv_grafana'").Scan(&limit, &config); err != nil {
		t.Fatal(err)
	}
	want := []string{"statement_timeout=30s", "idle_in_transaction_session_timeout=60s", "default_transaction_read_only=on", "temp_file_limit=256MB"}
	if limit != 10 || fmt.Sprint(config) != fmt.Sprint(want) {
		t.Errorf("kpv_grafana after the migrations: connection limit %d, settings %v; want 10 and %v", limit, config, want)
	}
}
