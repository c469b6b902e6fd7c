package ingest

import (
	"context"
	"encoding/json"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// Far revisions are held for review (store/pending.go): the runner writes
// with the source's review settings, notes what it held in the run's
// detail, and keeps kpv_source_pending_revisions current for the alert to
// the source's owner.

// review is how far a run of src may revise published figures unheld.
func review(src *indicators.Source) *store.Review {
	r := &store.Review{}
	if c := src.Review; c != nil {
		r.Tolerance, r.MaxSeries = c.Tolerance, c.MaxSeries
	}
	return r
}

// noteHeld puts what a write held into a run's detail.
func noteHeld(detail map[string]any, held int, reason string) {
	if held > 0 {
		detail["held"], detail["held_reason"] = held, reason
	}
}

// RefreshPending sets kpv_source_pending_revisions from the store; call it
// at start and after every decision on held revisions.
func (r *Runner) RefreshPending(ctx context.Context) error {
	counts, err := r.Store.PendingCounts(ctx)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(r.Catalogue.Sources))
	for _, s := range r.Catalogue.Sources {
		ids = append(ids, s.ID)
	}
	r.Metrics.setPending(ids, counts)
	return nil
}

// Decide accepts or rejects held revisions of source (store.DecidePending)
// and refreshes the metric; the caller audits who decided.
func (r *Runner) Decide(ctx context.Context, source string, ids []int64, accept bool, by string) (store.Run, error) {
	run, err := r.Store.DecidePending(ctx, source, ids, accept, by)
	_ = r.RefreshPending(ctx)
	if run.ID != 0 && run.FinishedAt != nil && r.AfterRun != nil {
		r.AfterRun(run)
	}
	return run, err
}

// detailHeld reports whether a run held revisions (its detail's "held").
func detailHeld(run store.Run) (int, bool) {
	var d struct {
		Held int `json:"held"`
	}
	if len(run.Detail) == 0 || json.Unmarshal(run.Detail, &d) != nil {
		return 0, false
	}
	return d.Held, d.Held > 0
}
