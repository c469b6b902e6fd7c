// Package store is kpv's system of record in Postgres: the synchronised plan
// catalogue, every revision of every observation, the ingest run log and the
// audit log. It owns the schema (SQL migrations embedded in the binary and
// applied with goose) and the one transaction helper everything writes
// through.
package store

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is a connection pool to kpv's database. The pool stays inside:
// everything reads and writes through Store's methods.
type Store struct {
	pool *pgxpool.Pool
	// process names this process's sessions (their application_name) and
	// the runs it opens, so that another process can tell its runs from
	// those of a process that stopped (CloseRunsOfStoppedProcesses).
	process string
	// writes are the submissions' write slots (submissionTx).
	writes chan struct{}
}

// processName is a name for this process's sessions that no other process
// has: kpv, the host, the pid and a random part (within Postgres's 63
// bytes).
func processName() string {
	host, _ := os.Hostname()
	if len(host) > 32 {
		host = host[:32]
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("kpv:%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Open connects to the database at url (a postgres:// URL or DSN).
func Open(ctx context.Context, url string) (*Store, error) {
	if url == "" {
		return nil, errors.New("no database URL: set KPV_DATABASE_URL")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	// Every session of the process carries its name, and one session is
	// kept open while the process lives: the name in pg_stat_activity says
	// that the process's runs are still going.
	process := processName()
	cfg.ConnConfig.RuntimeParams["application_name"] = process
	cfg.MinConns = max(cfg.MinConns, 1)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to Postgres at %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return &Store{pool: pool, process: process, writes: writeSlots(cfg.MaxConns)}, nil
}

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Ping checks that the database answers (the readiness probe).
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// QueryRow runs one query outside any run: for tests and checks that read
// what no method serves (counts, sizes). Writes go through InTx or Record.
func (s *Store) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return s.pool.QueryRow(ctx, sql, args...)
}

// Exec runs one statement outside any run: for tests and benchmarks that
// set up tables of their own, never for kpv's figures.
func (s *Store) Exec(ctx context.Context, sql string, args ...any) error {
	_, err := s.pool.Exec(ctx, sql, args...)
	return err
}

func (s *Store) migrator() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	// A session advisory lock makes concurrent `kpv migrate` runs (several
	// replicas starting at once) apply each migration once.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDBFromPool(s.pool)
	return goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
}

// Migrate applies every pending migration and returns the schema version.
func (s *Store) Migrate(ctx context.Context) (int64, error) {
	p, err := s.migrator()
	if err != nil {
		return 0, err
	}
	defer p.Close()
	if _, err := p.Up(ctx); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return p.GetDBVersion(ctx)
}

// ErrNotMigrated is returned by CheckMigrated when migrations are pending.
var ErrNotMigrated = errors.New("database is not migrated")

// CheckMigrated returns ErrNotMigrated (wrapped with the versions) unless
// every embedded migration has been applied.
func (s *Store) CheckMigrated(ctx context.Context) error {
	p, err := s.migrator()
	if err != nil {
		return err
	}
	defer p.Close()
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current < target {
		return fmt.Errorf("%w: schema version %d, this kpv needs %d; run `kpv migrate`", ErrNotMigrated, current, target)
	}
	return nil
}

// InTx runs fn in one transaction: committed if fn returns nil, rolled back
// otherwise (and on panic). A transaction that failed because its connection
// went away says so in one message (ConnectionLost), however the loss showed.
func (s *Store) InTx(ctx context.Context, fn func(pgx.Tx) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return ConnectionLost(err)
	}
	defer conn.Release()
	err = pgx.BeginFunc(ctx, conn, fn)
	if err != nil && (conn.Conn().IsClosed() || IsConnectionLost(err)) {
		return ConnectionLost(err)
	}
	return err
}
