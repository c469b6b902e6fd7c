package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Token roles: a submitter writes figures within its organisation's scope;
// an admin may write anything, read the audit log and trigger ingests.
const (
	RoleSubmitter = "submitter"
	RoleAdmin     = "admin"
)

// Roles lists the roles a token can have.
var Roles = []string{RoleSubmitter, RoleAdmin}

// tokenPrefix marks kpv tokens, so a leaked one is recognisable (secret
// scanners, logs).
const tokenPrefix = "kpv_"

// Token is an API token as stored: never the secret itself.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Org        string     `json:"org"`
	CreatedAt  time.Time  `json:"created_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// ErrBadToken means a presented token is unknown or revoked.
var ErrBadToken = errors.New("unknown or revoked token")

// hashToken is the stored form of a token. SHA-256 without salt or
// stretching is enough here: a token carries 256 random bits, so there is
// no dictionary to try, and a slow hash would only slow every request.
func hashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CreateToken makes a token for org with role and returns it with its
// secret, which is shown once and not kept. org must be one of the
// catalogue's organisations (synchronised into the database).
func (s *Store) CreateToken(ctx context.Context, role, org, name string) (Token, string, error) {
	if role != RoleSubmitter && role != RoleAdmin {
		return Token{}, "", fmt.Errorf("unknown role %q: use %s", role, strings.Join(Roles, " or "))
	}
	var known bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organisations WHERE id = $1 AND active)`, org).Scan(&known); err != nil {
		return Token{}, "", err
	}
	if !known {
		return Token{}, "", fmt.Errorf("unknown organisation %q: use an id from the catalogue's organisations", org)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Token{}, "", err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	t := Token{Name: name, Role: role, Org: org}
	err := s.pool.QueryRow(ctx, `INSERT INTO api_tokens (token_sha256, name, role, org) VALUES ($1, $2, $3, $4)
		RETURNING id, created_at`, hashToken(secret), name, role, org).Scan(&t.ID, &t.CreatedAt)
	if err != nil {
		return Token{}, "", fmt.Errorf("create token: %w", err)
	}
	return t, secret, nil
}

// Authenticate returns the live token whose secret this is, and notes its
// use; ErrBadToken if there is none.
func (s *Store) Authenticate(ctx context.Context, secret string) (Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return Token{}, ErrBadToken
	}
	var t Token
	err := s.pool.QueryRow(ctx, `UPDATE api_tokens SET last_used_at = now()
		WHERE token_sha256 = $1 AND revoked_at IS NULL
		RETURNING id, name, role, org, created_at, revoked_at, last_used_at`, hashToken(secret)).
		Scan(&t.ID, &t.Name, &t.Role, &t.Org, &t.CreatedAt, &t.RevokedAt, &t.LastUsedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Token{}, ErrBadToken
	}
	return t, err
}

// Tokens lists every token, revoked ones included, oldest first.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, role, org, created_at, revoked_at, last_used_at FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Token, error) {
		var t Token
		err := r.Scan(&t.ID, &t.Name, &t.Role, &t.Org, &t.CreatedAt, &t.RevokedAt, &t.LastUsedAt)
		return t, err
	})
}

// RevokeToken revokes the token with id; revoking it again changes nothing.
func (s *Store) RevokeToken(ctx context.Context, id int64) (Token, error) {
	var t Token
	err := s.pool.QueryRow(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1
		RETURNING id, name, role, org, created_at, revoked_at, last_used_at`, id).
		Scan(&t.ID, &t.Name, &t.Role, &t.Org, &t.CreatedAt, &t.RevokedAt, &t.LastUsedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("no token %d", id)
	}
	return t, err
}
