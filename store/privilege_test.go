package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

// TestServingRoleOwnsNothing: kpv serves as kpv_app (migration 00080), which
// does all kpv does — syncs the catalogue, writes figures, publishes a report
// version, audits — and nothing that would let a compromised kpv destroy what
// must last: it is no superuser, owns no table, and is refused TRUNCATE,
// ALTER, switching the triggers off, and changing a published version or the
// audit log.
func TestServingRoleOwnsNothing(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	owner, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	if _, err := owner.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	appURL := pgtest.AppURL(t, dbURL)

	// What kpv does, as kpv_app.
	s, err := store.Open(ctx, appURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CheckMigrated(ctx); err != nil {
		t.Fatalf("kpv_app cannot read the schema version: %v", err)
	}
	c := testkit.Catalogue(t)
	if _, err := s.SyncCatalogue(ctx, c); err != nil {
		t.Fatalf("catalogue sync as kpv_app: %v", err)
	}
	run := write(t, s, c, []indicators.Observation{{Indicator: "g1_unmet_needs_followup", Period: "2019", Geography: "DK", Value: testkit.Float(38)}})
	if run.Outcome != store.RunSuccess {
		t.Fatalf("write as kpv_app: %+v", run)
	}
	now := time.Now()
	if err := s.PublishReport(ctx, []store.PublishedReport{{Year: 2025, Version: 1, Format: "json", Body: []byte("{}"),
		SHA256: "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", CutOff: now, ApprovedAt: now, Org: "ism", Changes: []byte("[]")}},
		nil, store.AuditEntry{Actor: "test", Action: "approve", Target: "report:2025", Outcome: "ok"}); err != nil {
		t.Fatalf("publish a report version as kpv_app: %v", err)
	}

	conn, err := pgx.Connect(ctx, appURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var super, createRole, createDB bool
	var owned int
	if err := conn.QueryRow(ctx, `SELECT rolsuper, rolcreaterole, rolcreatedb,
			(SELECT count(*) FROM pg_class WHERE relowner = r.oid AND relpersistence <> 't')
		FROM pg_roles r WHERE rolname = current_user`).Scan(&super, &createRole, &createDB, &owned); err != nil {
		t.Fatal(err)
	}
	if super || createRole || createDB || owned != 0 {
		t.Errorf("kpv_app: rolsuper %v, rolcreaterole %v, rolcreatedb %v, owns %d tables; want none of it", super, createRole, createDB, owned)
	}
	for _, c := range []struct{ name, sql string }{
		{"truncate the published versions", `TRUNCATE published_reports`},
		{"truncate the audit log", `TRUNCATE audit_log`},
		{"alter a table", `ALTER TABLE published_reports ADD COLUMN x int`},
		{"switch the freeze trigger off", `ALTER TABLE published_reports DISABLE TRIGGER USER`},
		{"switch every trigger off for the session", `SET session_replication_role = replica`},
		{"change a published version", `UPDATE published_reports SET body = 'x'`},
		{"delete a published version", `DELETE FROM published_reports`},
		{"change the audit log", `UPDATE audit_log SET outcome = 'ok'`},
		{"delete from the audit log", `DELETE FROM audit_log`},
		{"delete figures", `DELETE FROM figures`},
		{"fake the schema version", `INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, true)`},
		{"drop a table", `DROP TABLE figures`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := conn.Exec(ctx, c.sql)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || (pgErr.Code != "42501" && pgErr.Code != "55P02") {
				t.Errorf("%s as kpv_app: %v; want it refused for want of privilege (42501)", c.sql, err)
			}
		})
	}
}
