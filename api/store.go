package api

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/report"
	"github.com/kraeftplan/kpv/store"
)

// Store is what the handlers read and write (*store.Store is one): the
// API serves most of the store, so this is wider than the monitor's or the
// report's view of it.
type Store interface {
	// readiness
	Ping(ctx context.Context) error
	CheckMigrated(ctx context.Context) error
	// figures and the yearly report
	Observations(ctx context.Context, f store.ObservationFilter) ([]indicators.Observation, error)
	report.Reader
	RecordVersion(ctx context.Context) (store.RecordVersion, error)
	IndicatorVersion(ctx context.Context, indicator string) (store.IndicatorVersion, error)
	Settled(ctx context.Context, cutoff time.Time) (bool, error)
	// run log and sources
	Runs(ctx context.Context, f store.RunFilter) ([]store.Run, error)
	LastRuns(ctx context.Context, kind store.RunKind) (map[string]store.Run, error)
	FetchStates(ctx context.Context) (map[string]store.FetchState, error)
	PendingRevisions(ctx context.Context, f store.PendingFilter) ([]store.PendingRevision, error)
	// submissions, tokens and the audit log
	Record(ctx context.Context, source string, kind store.RunKind, fn func(ctx context.Context, tx pgx.Tx, runID int64) (store.Counts, error)) (store.Run, error)
	Authenticate(ctx context.Context, secret string) (store.Token, error)
	Audit(ctx context.Context, e store.AuditEntry) (int64, error)
	AuditLog(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error)
	// the plan's follow-up and published reports
	report.Publications
	AddPlanSubmission(ctx context.Context, sub store.PlanSubmission, audit store.AuditEntry) (store.PlanSubmission, error)
	PlanVersion(ctx context.Context) (int64, int64, error)
	NextReportVersion(ctx context.Context, year int) (int, error)
	PublishReport(ctx context.Context, files []store.PublishedReport, tokenID *int64, audit store.AuditEntry) error
	PublishedReportBody(ctx context.Context, year, version int, format string) (store.PublishedReport, error)
}
