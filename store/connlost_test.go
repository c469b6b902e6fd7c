package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/internal/pgtest"
)

// TestLostConnectionIsOneMessage: a transaction whose connection goes away
// fails with the same leading words whether Postgres said so first
// (terminating connection, 57P01) or the client found its socket closed
// (use of closed network connection); which one comes first is a matter of
// timing in a real restart. An ordinary error is left as it is.
func TestLostConnectionIsOneMessage(t *testing.T) {
	s := pgtest.NewStore(t)
	ctx := context.Background()
	const want = "the connection to Postgres was lost"
	cases := []struct {
		name   string
		lose   func(t *testing.T, tx pgx.Tx) error
		wantIn string // the original error, kept after the message
		lost   bool
	}{
		{"the server terminates the session", func(t *testing.T, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `SELECT pg_terminate_backend(pg_backend_pid())`)
			return err
		}, "57P01", true},
		{"the client's socket closes under a write", func(t *testing.T, tx pgx.Tx) error {
			if err := tx.Conn().PgConn().Conn().Close(); err != nil {
				t.Fatal(err)
			}
			_, err := tx.Exec(ctx, `SELECT 1`)
			return err
		}, "closed network connection", true},
		{"an ordinary SQL error", func(t *testing.T, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `SELECT 1/0`)
			return err
		}, "division by zero", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.InTx(ctx, func(tx pgx.Tx) error { return c.lose(t, tx) })
			if err == nil {
				t.Fatal("the transaction succeeded")
			}
			if got := strings.HasPrefix(err.Error(), want); got != c.lost {
				t.Errorf("error %q: starts with %q = %v, want %v", err, want, got, c.lost)
			}
			if !strings.Contains(err.Error(), c.wantIn) {
				t.Errorf("error %q does not keep the original (%q)", err, c.wantIn)
			}
		})
	}
	// The pool still serves after both losses.
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping after the lost connections: %v", err)
	}
}
