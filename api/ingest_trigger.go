package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kraeftplan/kpv/ingest"
	"github.com/kraeftplan/kpv/store"
)

// IngestRunner runs one ingest of a source; *ingest.Runner is one.
type IngestRunner interface {
	Run(ctx context.Context, sourceID string, opt ingest.Options) (store.Run, error)
	// Decide accepts or rejects revisions held for review (pending.go).
	Decide(ctx context.Context, source string, ids []int64, accept bool, by string) (store.Run, error)
}

const actionTrigger = "ingest.trigger"

// maxTriggeredRun bounds a run started through the API; the fetcher's own
// timeouts and retries end a stuck publisher well before.
const maxTriggeredRun = 10 * time.Minute

// triggerIngest runs a source now, as the scheduler would, and answers with
// the run log entry, whatever its outcome. Parameters: force=true parses
// the publication even if unchanged; snapshot=true reads the shipped
// snapshot instead of the publisher's URL.
func (s *Server) triggerIngest(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	id := chi.URLParam(r, "source")
	target := "source:" + id
	detail := map[string]any{}
	reject := func(status int, outcome string, prob Problem) {
		prob.Status = status
		detail["problem"] = prob.Detail
		s.audit(r, p, actionTrigger, target, outcome, status, nil, detail)
		writeProblem(w, r, prob)
	}
	q := queryParams(r, "force", "snapshot")
	force, snapshot := q.bool("force"), q.bool("snapshot")
	if len(q.errs) > 0 {
		detail["problem"] = q.errs
		s.audit(r, p, actionTrigger, target, store.AuditRejected, http.StatusBadRequest, nil, detail)
		badParams(w, r, q.errs)
		return
	}
	src, ok := s.cat.Source(id)
	if !ok {
		reject(http.StatusNotFound, store.AuditRejected, Problem{Type: problemNotFound, Title: "Not found",
			Detail: "no source " + strconv.Quote(id) + "; GET /api/v1/sources lists them"})
		return
	}
	if src.Format.Submitted() {
		reject(http.StatusConflict, store.AuditRejected, Problem{Type: problemConflict, Title: "Nothing to fetch",
			Detail: "source " + id + " takes figures submitted through POST /api/v1/indicators/{id}/observations; it has nothing to fetch"})
		return
	}
	if s.runner == nil {
		reject(http.StatusServiceUnavailable, store.AuditFailed, Problem{Type: problemUnavailable, Title: "Not available",
			Detail: "this server runs without an ingest runner"})
		return
	}
	detail["force"], detail["snapshot"] = force, snapshot
	// The answer waits for the run, longer than the server's write timeout.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(maxTriggeredRun + 30*time.Second))
	// The run goes on if the client hangs up: it is logged either way.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), maxTriggeredRun)
	defer cancel()
	run, err := s.runner.Run(ctx, id, ingest.Options{Force: force, Snapshot: snapshot})
	if run.ID == 0 {
		if errors.Is(err, ingest.ErrBusy) {
			reject(http.StatusConflict, store.AuditRejected, Problem{Type: problemConflict, Title: "Busy", Detail: err.Error() + "; try again when it has finished"})
			return
		}
		s.audit(r, p, actionTrigger, target, store.AuditFailed, http.StatusInternalServerError, nil, detail)
		s.internalError(w, r, err)
		return
	}
	outcome := store.AuditAccepted
	if run.Outcome == store.RunFailed {
		outcome = store.AuditFailed
	}
	detail["run_outcome"], detail["counts"] = run.Outcome, run.Counts
	s.audit(r, p, actionTrigger, target, outcome, http.StatusOK, &run.ID, detail)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, r, map[string]any{"run": run, "links": map[string]string{"runs": "/api/v1/ingest/runs?source=" + id, "source": "/api/v1/sources/" + id}})
}
