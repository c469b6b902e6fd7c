package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// Principal is who an authenticated request acts for: a token, its role,
// its organisation and, for a region's organisation, the region's
// geography code.
type Principal struct {
	TokenID int64  `json:"token_id"`
	Role    string `json:"role"`
	Org     string `json:"org"`
	Region  string `json:"region,omitempty"`
}

func (p *Principal) actor() string {
	if p == nil {
		return "anonymous"
	}
	return "token:" + strconv.FormatInt(p.TokenID, 10)
}

type principalKey struct{}

// principalOf returns the request's principal, set by requireToken.
func principalOf(r *http.Request) *Principal {
	p, _ := r.Context().Value(principalKey{}).(*Principal)
	return p
}

const problemUnauthorized = "/problems/unauthorized"
const problemForbidden = "/problems/forbidden"

// requireToken lets a request through only with a live bearer token of one
// of roles. A missing or wrong token is 401 (with WWW-Authenticate), a
// token of another role 403. For writes (action set), every refusal is
// entered in the audit log with target(r) as what was attempted.
func (s *Server) requireToken(action string, target func(*http.Request) string, roles ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			refuse := func(p *Principal, status int, detail string) {
				if status == http.StatusUnauthorized {
					challenge := `Bearer realm="kpv"`
					if r.Header.Get("Authorization") != "" {
						challenge += `, error="invalid_token"`
					}
					w.Header().Set("WWW-Authenticate", challenge)
				}
				if action != "" {
					// Limited per client address, and beyond the limit
					// audited in aggregate (refusalLimiter).
					ok, pending, flush, since := s.refusals.take(clientAddress(r), time.Now())
					if !ok {
						s.refuseLimited(w, r, action, target(r), flush, since)
						return
					}
					d := map[string]any{"reason": detail}
					if pending > 0 {
						d["refused_beyond_limit_before"] = map[string]any{"count": pending, "since": since.UTC()}
					}
					s.audit(r, p, action, target(r), store.AuditRefused, status, nil, d)
				}
				typ, title := problemForbidden, "Forbidden"
				if status == http.StatusUnauthorized {
					typ, title = problemUnauthorized, "Unauthorized"
				}
				writeProblem(w, r, Problem{Type: typ, Title: title, Status: status, Detail: detail})
			}
			secret, ok := bearer(r.Header.Get("Authorization"))
			if !ok {
				refuse(nil, http.StatusUnauthorized, "this endpoint needs a token: send `Authorization: Bearer kpv_…` (tokens are made with `kpv token create`)")
				return
			}
			tok, err := s.store.Authenticate(r.Context(), secret)
			if errors.Is(err, store.ErrBadToken) {
				refuse(nil, http.StatusUnauthorized, "the token is unknown or revoked")
				return
			}
			if err != nil {
				s.internalError(w, r, err)
				return
			}
			p := &Principal{TokenID: tok.ID, Role: tok.Role, Org: tok.Org}
			if o, ok := s.cat.Organisation(tok.Org); ok {
				p.Region = o.Region
			}
			if !slices.Contains(roles, p.Role) {
				refuse(p, http.StatusForbidden, "a "+p.Role+" token may not do this; it needs the role "+strings.Join(roles, " or "))
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
		})
	}
}

// pathTarget names what a request writes, for the audit log: prefix and
// the path parameter param.
func pathTarget(prefix, param string) func(*http.Request) string {
	return func(r *http.Request) string { return prefix + chi.URLParam(r, param) }
}

// bearer takes the token from an Authorization header.
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// audit enters a write in the audit log. A failure to audit is logged; the
// answer to the client has already been decided.
func (s *Server) audit(r *http.Request, p *Principal, action, target, outcome string, status int, runID *int64, detail map[string]any) {
	if _, err := s.store.Audit(r.Context(), s.auditEntry(r, p, action, target, outcome, status, runID, detail)); err != nil {
		s.log.Error("audit log entry not written", "action", action, "target", target, "outcome", outcome, "err", err)
	}
}

func (s *Server) auditEntry(r *http.Request, p *Principal, action, target, outcome string, status int, runID *int64, detail map[string]any) store.AuditEntry {
	// What the request named is kept only as an excerpt.
	e := store.AuditEntry{Actor: p.actor(), Action: action, Target: indicators.Excerpt(target), Outcome: outcome, Status: status, RunID: runID,
		RequestID: middleware.GetReqID(r.Context()), RemoteAddr: r.RemoteAddr}
	if p != nil {
		e.TokenID, e.Org = &p.TokenID, p.Org
	}
	if len(detail) > 0 {
		e.Detail = mustJSON(detail)
	}
	return e
}
