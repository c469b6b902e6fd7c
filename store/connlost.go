package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// errConnectionLost heads the one message for a connection to Postgres that
// went away (a restart, a failover, a network fault). How a lost connection
// shows depends on timing: Postgres's own "terminating connection" when the
// server's notice arrives first, a write on a closed socket or an EOF when
// the client notices first; the run log should say the same either way.
var errConnectionLost = errors.New("the connection to Postgres was lost (the server restarted, failed over or could not be reached)")

// ConnectionLost wraps err, an error of a database call whose connection went
// away, in that one message; the original follows it. Callers use it only on
// errors of database calls (InTx does): a publisher's network error is no lost
// Postgres connection.
func ConnectionLost(err error) error {
	if err == nil || errors.Is(err, errConnectionLost) {
		return err
	}
	return fmt.Errorf("%w; nothing of the transaction was written: %w", errConnectionLost, err)
}

// IsConnectionLost tells whether err, an error of a database call, is
// Postgres's own word that the connection is going (class 57P: shutdown,
// crash, cannot connect now; class 08: connection exception) or a failed
// connect. A connection that closed under a call is seen by its IsClosed.
func IsConnectionLost(err error) bool {
	if errors.Is(err, errConnectionLost) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "57P") || strings.HasPrefix(pgErr.Code, "08")
	}
	var connectErr *pgconn.ConnectError
	return errors.As(err, &connectErr)
}
