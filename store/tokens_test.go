package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/store"
)

// A token is shown once, stored only as a hash, works until revoked, and
// must belong to one of the catalogue's organisations.
func TestTokens(t *testing.T) {
	ctx := context.Background()
	s, _ := synced(t)
	tok, secret, err := s.CreateToken(ctx, store.RoleSubmitter, "region-midtjylland", "LUP upload")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "kpv_") || len(secret) < 40 {
		t.Fatalf("secret %q: want kpv_ and 32 random bytes", secret)
	}
	// Only the hash is kept.
	var hashed bool
	if err := s.QueryRow(ctx, `SELECT token_sha256 = sha256(convert_to($1, 'UTF8')) FROM api_tokens WHERE id = $2`, secret, tok.ID).Scan(&hashed); err != nil || !hashed {
		t.Fatalf("stored form is not the SHA-256 of the secret (%v)", err)
	}
	got, err := s.Authenticate(ctx, secret)
	if err != nil || got.ID != tok.ID || got.Org != "region-midtjylland" || got.Role != store.RoleSubmitter || got.LastUsedAt == nil {
		t.Fatalf("authenticate: %+v, %v", got, err)
	}
	if _, err := s.Authenticate(ctx, secret+"x"); !errors.Is(err, store.ErrBadToken) {
		t.Fatalf("a wrong secret: %v", err)
	}
	if _, err := s.Authenticate(ctx, "Bearer "+secret); !errors.Is(err, store.ErrBadToken) {
		t.Fatalf("a malformed secret: %v", err)
	}
	if r, err := s.RevokeToken(ctx, tok.ID); err != nil || r.RevokedAt == nil {
		t.Fatalf("revoke: %+v %v", r, err)
	}
	if _, err := s.Authenticate(ctx, secret); !errors.Is(err, store.ErrBadToken) {
		t.Fatalf("a revoked token still works: %v", err)
	}
	if _, _, err := s.CreateToken(ctx, store.RoleAdmin, "atlantis", ""); err == nil || !strings.Contains(err.Error(), `unknown organisation "atlantis"`) {
		t.Fatalf("unknown organisation: %v", err)
	}
	if _, _, err := s.CreateToken(ctx, "root", "ism", ""); err == nil || !strings.Contains(err.Error(), `unknown role "root"`) {
		t.Fatalf("unknown role: %v", err)
	}
	list, err := s.Tokens(ctx)
	if err != nil || len(list) != 1 || list[0].RevokedAt == nil {
		t.Fatalf("list: %+v %v", list, err)
	}
}

func TestAuditLog(t *testing.T) {
	ctx := context.Background()
	s, _ := synced(t)
	tok, _, err := s.CreateToken(ctx, store.RoleAdmin, "ism", "")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Second)
	for _, e := range []store.AuditEntry{
		{Actor: "anonymous", Action: "observations.submit", Target: "indicator:g1_gp_followup_plan", Outcome: store.AuditRefused, Status: 401},
		{Actor: "token:1", TokenID: &tok.ID, Org: "ism", Action: "ingest.trigger", Target: "source:barometer", Outcome: store.AuditAccepted, Status: 200,
			Detail: json.RawMessage(`{"outcome":"success"}`)},
	} {
		if _, err := s.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	// The catalogue's synchronisation is the first entry.
	all, err := s.AuditLog(ctx, store.AuditFilter{Limit: 10})
	if err != nil || len(all) != 3 || all[2].Action != "catalogue.sync" || all[0].Action != "ingest.trigger" || all[0].Org != "ism" || string(all[0].Detail) != `{"outcome": "success"}` {
		t.Fatalf("newest first: %+v %v", all, err)
	}
	for _, c := range []struct {
		name string
		f    store.AuditFilter
		want int
	}{
		{"refused", store.AuditFilter{Outcome: store.AuditRefused}, 1},
		{"target pattern", store.AuditFilter{Target: "indicator:*"}, 1},
		{"token", store.AuditFilter{TokenID: tok.ID}, 1},
		{"another org", store.AuditFilter{Org: "sst"}, 0},
		{"since the start", store.AuditFilter{Since: start}, 3},
		{"until the start", store.AuditFilter{Until: start}, 0},
		{"action", store.AuditFilter{Action: "ingest.trigger"}, 1},
		{"a page", store.AuditFilter{Limit: 2, Offset: 1}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.AuditLog(ctx, c.f)
			if err != nil || len(got) != c.want {
				t.Errorf("filter %+v: %d entries (%v), want %d", c.f, len(got), err, c.want)
			}
		})
	}
}
