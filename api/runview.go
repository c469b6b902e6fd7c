package api

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kraeftplan/kpv/store"
)

// isAdmin reports whether the request carries a live admin token; reads
// that are open to all show admins more.
func (s *Server) isAdmin(r *http.Request) bool {
	secret, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		return false
	}
	tok, err := s.store.Authenticate(r.Context(), secret)
	return err == nil && tok.Role == store.RoleAdmin
}

var absPath = regexp.MustCompile(`(?:/[^\s/:;,"'()]+){2,}`)

// publicRun is a run as the open run log shows it: the values of rejected
// submissions, absolute local file paths and Postgres' own errors are for
// admins (who send their token to see them).
func publicRun(run store.Run) store.Run {
	switch {
	case strings.Contains(run.Error, "SQLSTATE"):
		run.Error = "the database refused the run's write; an admin sees the error"
	case run.Kind == store.KindSubmission:
		// "N invalid row(s), nothing written; row 2, value: \"…\" …"
		run.Error, _, _ = strings.Cut(run.Error, ";")
	}
	run.Error = absPath.ReplaceAllStringFunc(run.Error, filepath.Base)
	if len(run.Detail) == 0 {
		return run
	}
	var d map[string]any
	if json.Unmarshal(run.Detail, &d) != nil {
		run.Detail = nil
		return run
	}
	if o, ok := d["origin"].(string); ok && strings.HasPrefix(o, "file:") {
		d["origin"] = "file:" + filepath.Base(strings.TrimPrefix(o, "file:"))
	}
	if rows, ok := d["rows"].([]any); ok {
		for i, x := range rows {
			if m, ok := x.(map[string]any); ok {
				rows[i] = map[string]any{"row": m["row"], "field": m["field"]}
			}
		}
	}
	run.Detail, _ = json.Marshal(d)
	return run
}
