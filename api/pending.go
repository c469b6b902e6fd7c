package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/kraeftplan/kpv/store"
)

// Revisions held for review (issue 26): a run that would revise published
// figures further than their own revisions explain holds them; they are
// listed here and accepted or rejected by an admin, audited.

// listPending answers GET /api/v1/sources/{id}/pending-revisions
// [?status=pending|accepted|rejected] (pending by default).
func (s *Server) listPending(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "id")
	if _, ok := s.cat.Source(id); !ok {
		return errNotFound("no source " + fmt.Sprintf("%q", id) + "; GET /api/v1/sources lists them")
	}
	p := queryParams(r, "status")
	status := p.get("status")
	if status == "" {
		status = "pending"
	} else if !slices.Contains(store.PendingStatuses, status) {
		p.add("status", "use pending, accepted or rejected, not "+fmt.Sprintf("%q", status))
	}
	if err := p.err(); err != nil {
		return err
	}
	ps, err := s.store.PendingRevisions(r.Context(), store.PendingFilter{Source: id, Status: status})
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []store.PendingRevision{}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, r, map[string]any{"source": id, "status": status, "revisions": ps})
	return nil
}

const actionDecidePending = "revisions.decide"

// decidePending answers POST /api/v1/sources/{source}/pending-revisions/{decision}
// (accept or reject) with the body {"ids": [...]}: every named revision is
// decided, or none (an admin's token; audited either way).
func (s *Server) decidePending(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	id, decision := chi.URLParam(r, "source"), chi.URLParam(r, "decision")
	target := "source:" + id
	detail := map[string]any{"decision": decision}
	reject := func(status int, outcome string, prob Problem) {
		prob.Status = status
		detail["problem"] = prob.Detail
		s.audit(r, p, actionDecidePending, target, outcome, status, nil, detail)
		writeProblem(w, r, prob)
	}
	if decision != "accept" && decision != "reject" {
		reject(http.StatusNotFound, store.AuditRejected, Problem{Type: problemNotFound, Title: "Not found", Detail: "a held revision is accepted or rejected: POST …/pending-revisions/accept or …/reject"})
		return
	}
	if _, ok := s.cat.Source(id); !ok {
		reject(http.StatusNotFound, store.AuditRejected, Problem{Type: problemNotFound, Title: "Not found", Detail: fmt.Sprintf("no source %q", id)})
		return
	}
	var body struct {
		IDs []int64 `json:"ids"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || dec.More() || len(body.IDs) == 0 {
		reject(http.StatusBadRequest, store.AuditRejected, Problem{Type: problemInvalidParameter, Title: "Bad request",
			Detail: `the body is {"ids": [ID, ...]}: the ids of held revisions, from GET /api/v1/sources/` + id + `/pending-revisions`})
		return
	}
	detail["ids"] = body.IDs
	if s.runner == nil {
		reject(http.StatusServiceUnavailable, store.AuditFailed, Problem{Type: problemUnavailable, Detail: "this server runs without an ingest runner"})
		return
	}
	run, err := s.runner.Decide(context.WithoutCancel(r.Context()), id, body.IDs, decision == "accept", p.actor())
	if errors.Is(err, store.ErrNotPending) {
		// Refused as a whole (not waiting, revised since): nothing changed.
		detail["problem"] = err.Error()
		s.audit(r, p, actionDecidePending, target, store.AuditRejected, http.StatusConflict, &run.ID, detail)
		writeProblem(w, r, Problem{Type: problemConflict, Title: "Not decided", Status: http.StatusConflict, Detail: err.Error() + "; nothing was changed"})
		return
	}
	if err != nil {
		s.audit(r, p, actionDecidePending, target, store.AuditFailed, http.StatusInternalServerError, nil, detail)
		s.internalError(w, r, err)
		return
	}
	s.audit(r, p, actionDecidePending, target, store.AuditAccepted, http.StatusOK, &run.ID, detail)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, r, map[string]any{"run": run, "decision": decision, "ids": body.IDs})
}
