package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Audit outcomes: a write was accepted; rejected for what it contained
// (bad rows, unknown indicator); refused for who sent it (no or a wrong
// token, out of scope); or failed in kpv. kpv's own catalogue
// synchronisation is logged as "success".
const (
	AuditSuccess  = "success"
	AuditAccepted = "accepted"
	AuditRejected = "rejected"
	AuditRefused  = "refused"
	AuditFailed   = "failed"
)

// AuditOutcomes lists the outcomes, for validating filters.
var AuditOutcomes = []string{AuditSuccess, AuditAccepted, AuditRejected, AuditRefused, AuditFailed}

// AuditEntry is one row of the audit log: who (token and organisation, or
// "anonymous"), when, what (action and target, with a detail such as the
// row count and digest of a batch), and the outcome with the HTTP status.
type AuditEntry struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	Actor      string          `json:"actor"`
	TokenID    *int64          `json:"token_id,omitempty"`
	Org        string          `json:"org,omitempty"`
	Action     string          `json:"action"`
	Target     string          `json:"target"`
	Outcome    string          `json:"outcome"`
	Status     int             `json:"status,omitempty"`
	RunID      *int64          `json:"run_id,omitempty"`
	RequestID  string          `json:"request_id,omitempty"`
	RemoteAddr string          `json:"remote_addr,omitempty"`
	Detail     json.RawMessage `json:"detail,omitempty"`
}

// AuditRetryFor bounds how long Audit keeps trying to write an entry while
// Postgres cannot take it (restarting, failing over, starting up).
const AuditRetryFor = 30 * time.Second

// Audit appends e to the audit log and returns its id. It is written on its
// own, outside any write transaction, so a rejected write is recorded too.
// While the connection is lost or Postgres answers that it cannot take
// connections yet (57P03, "the database system is starting up"), it tries
// again for up to AuditRetryFor, so that a write cut off by a restart is
// still audited once Postgres is back; an entry Postgres refuses for what
// it holds is not tried again.
func (s *Store) Audit(ctx context.Context, e AuditEntry) (int64, error) {
	// The entry is written even if the request that caused it was cancelled.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), AuditRetryFor)
	defer cancel()
	id, err := audit(ctx, s.pool, e)
	for wait := 100 * time.Millisecond; err != nil && retryable(err) && ctx.Err() == nil; wait = min(2*wait, 2*time.Second) {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		id, err = audit(ctx, s.pool, e)
	}
	return id, err
}

// retryable tells whether a failed write may succeed when tried again: the
// connection was lost or could not be made, or Postgres is not taking
// connections now; not a statement Postgres refused.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return !errors.As(err, &pgErr) || IsConnectionLost(err)
}

// AuditIn appends e to the audit log inside tx: an accepted write and its
// audit entry commit together or not at all.
func AuditIn(ctx context.Context, tx pgx.Tx, e AuditEntry) (int64, error) {
	return audit(ctx, tx, e)
}

type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func audit(ctx context.Context, db queryRower, e AuditEntry) (int64, error) {
	var id int64
	err := db.QueryRow(ctx, `INSERT INTO audit_log (actor, token_id, org, action, target, outcome, status, run_id,
			request_id, remote_addr, detail)
		VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6, NULLIF($7, 0), $8, NULLIF($9, ''), NULLIF($10, ''), $11) RETURNING id`,
		noNUL(e.Actor), e.TokenID, noNUL(e.Org), noNUL(e.Action), noNUL(e.Target), e.Outcome, e.Status, e.RunID, noNUL(e.RequestID),
		noNUL(e.RemoteAddr), nullJSON(e.Detail)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("write audit log: %w", err)
	}
	return id, nil
}

// AuditFilter selects audit entries; zero fields match all.
type AuditFilter struct {
	Action  string
	Outcome string
	Org     string
	TokenID int64
	// Target matches exactly, or by prefix when it ends in '*'.
	Target       string
	Since, Until time.Time
	Limit        int
	Offset       int
}

// AuditLog lists audit entries, newest first.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var w where
	w.addIf(f.Action != "", "action = ?", f.Action)
	w.addIf(f.Outcome != "", "outcome = ?", f.Outcome)
	w.addIf(f.Org != "", "org = ?", f.Org)
	w.addIf(f.TokenID != 0, "token_id = ?", f.TokenID)
	if p, ok := strings.CutSuffix(f.Target, "*"); ok {
		w.add("starts_with(target, ?)", p)
	} else {
		w.addIf(f.Target != "", "target = ?", f.Target)
	}
	w.addIf(!f.Since.IsZero(), "at >= ?", f.Since)
	w.addIf(!f.Until.IsZero(), "at <= ?", f.Until)
	q := `SELECT id, at, actor, token_id, COALESCE(org, ''), action, target, outcome, COALESCE(status, 0), run_id,
			COALESCE(request_id, ''), COALESCE(remote_addr, ''), detail
		FROM audit_log WHERE ` + w.sql() + ` ORDER BY at DESC, id DESC`
	q += w.page(f.Limit, f.Offset)
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) {
		var e AuditEntry
		var detail []byte
		err := r.Scan(&e.ID, &e.At, &e.Actor, &e.TokenID, &e.Org, &e.Action, &e.Target, &e.Outcome, &e.Status, &e.RunID,
			&e.RequestID, &e.RemoteAddr, &detail)
		e.Detail = detail
		return e, err
	})
}
