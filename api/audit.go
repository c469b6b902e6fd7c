package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kraeftplan/kpv/store"
)

// auditLog lists the audit log, newest first, for admins. Filters: action,
// outcome, org, token_id, target (exact, or a prefix ending in '*', e.g.
// indicator:*), since and until (RFC 3339 or a date), limit and offset;
// format=csv for a table.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) error {
	p := queryParams(r, "action", "outcome", "org", "token_id", "target", "since", "until", "format", "limit", "offset")
	q := p.q
	f := store.AuditFilter{Action: q.Get("action"), Outcome: q.Get("outcome"), Org: q.Get("org"), Target: q.Get("target")}
	f.Limit, f.Offset = p.page()
	if o := f.Outcome; o != "" && !slices.Contains(store.AuditOutcomes, o) {
		p.add("outcome", "unknown outcome "+strconv.Quote(o)+"; one of "+strings.Join(store.AuditOutcomes, ", "))
	}
	if f.Org != "" {
		if _, ok := s.cat.Organisation(f.Org); !ok {
			p.add("org", "unknown organisation "+strconv.Quote(f.Org))
		}
	}
	if v := q.Get("token_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			p.add("token_id", "not a token id: "+strconv.Quote(v))
		}
		f.TokenID = n
	}
	for _, t := range []struct {
		name string
		into *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(t.name); v != "" {
			at, err := parseTime(v)
			if err != nil {
				p.add(t.name, err.Error())
			}
			*t.into = at
		}
	}
	format := p.format()
	if err := p.err(); err != nil {
		return err
	}
	entries, err := s.store.AuditLog(r.Context(), f)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []store.AuditEntry{}
	}
	// The log is not for shared caches.
	w.Header().Set("Cache-Control", "private, no-cache")
	return respond(w, r, format, pageOf(r, entries, f.Limit, f.Offset, nil), table{"kpv-audit.csv",
		[]string{"id", "at", "actor", "token_id", "org", "action", "target", "outcome", "status", "run_id", "request_id", "remote_addr", "detail"},
		func(add func(...string)) {
			for _, e := range entries {
				add(strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano), e.Actor, optInt(e.TokenID), e.Org, e.Action, e.Target,
					e.Outcome, strconv.Itoa(e.Status), optInt(e.RunID), e.RequestID, e.RemoteAddr, string(e.Detail))
			}
		}})
}

func optInt(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}
