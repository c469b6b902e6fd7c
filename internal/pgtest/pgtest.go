// Package pgtest gives tests a fresh, migrated Postgres database of their
// own on the server named by KPV_TEST_DATABASE_URL (which `make test` starts).
//
// Without that variable a test is skipped — unless KPV_REQUIRE_DB is set, as
// `make test` does, where a missing database fails the test: there, a
// skipped integration suite is a failed one.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kraeftplan/kpv/store"
)

// URL returns the admin database URL, or skips/fails the test without one.
func URL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("KPV_TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("KPV_REQUIRE_DB") != "" {
			t.Fatal("KPV_REQUIRE_DB is set but KPV_TEST_DATABASE_URL is empty: run the tests with `make test`")
		}
		t.Skip("no KPV_TEST_DATABASE_URL: integration test skipped (run `make test`)")
	}
	return url
}

// NewDatabase creates an empty database and returns its URL; it is dropped
// when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	return NewDatabaseOn(t, URL(t))
}

// NewDatabaseOn is NewDatabase on the server admin names (a Cluster's URL).
func NewDatabaseOn(t testing.TB, admin string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to test Postgres: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "kpv_t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Logf("Postgres: fresh test database %s", name)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		t.Fatal(err)
	}
	// Replace the database name in the URL's path.
	i := strings.LastIndex(admin, "/"+cfg.Database)
	if i < 0 {
		t.Fatalf("cannot find database %q in test URL", cfg.Database)
	}
	return admin[:i] + "/" + name + admin[i+len("/"+cfg.Database):]
}

// NewStore returns a store on a fresh database, migrated, closed when the
// test ends.
func NewStore(t testing.TB) *store.Store {
	t.Helper()
	s, _ := NewStoreURL(t)
	return s
}

// NewStoreURL is NewStore, with its database's URL (for a connection of
// the test's own beside the store).
func NewStoreURL(t testing.TB) (*store.Store, string) {
	t.Helper()
	ctx := context.Background()
	url := NewDatabase(t)
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s, url
}

// rolePassword is what the tests set for kpv's roles without a password of
// their own (kpv_grafana, kpv_app): the local cluster refuses TCP logins
// without one (scripts/postgres.sh), and the migrations create the roles
// without one (a deployment sets it).
const rolePassword = "kpv-test-role"

// ReaderURL is dbURL (a migrated database) for the role kpv_grafana, the
// dashboards' read-only role, with a password set for the test.
func ReaderURL(t testing.TB, dbURL string) string { return roleURL(t, dbURL, "kpv_grafana") }

// AppURL is dbURL (a migrated database) for the role kpv_app, the role kpv
// serves as: it owns nothing (migration 00080).
func AppURL(t testing.TB, dbURL string) string { return roleURL(t, dbURL, "kpv_app") }

func roleURL(t testing.TB, dbURL, role string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// The role is the cluster's, and other tests set the same password at
	// the same moment: of two concurrent updates of its row, the later
	// fails with "tuple concurrently updated", and is tried again.
	for attempt := 1; ; attempt++ {
		_, err := conn.Exec(ctx, "ALTER ROLE "+role+" PASSWORD '"+rolePassword+"'")
		var pgErr *pgconn.PgError
		if err == nil {
			break
		}
		if !errors.As(err, &pgErr) || pgErr.Message != "tuple concurrently updated" || attempt == 20 {
			t.Fatalf("set a test password for %s (attempt %d): %v", role, attempt, err)
		}
		time.Sleep(time.Duration(attempt) * 10 * time.Millisecond)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, rolePassword)
	return u.String()
}
