package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Plan submission kinds: an initiative's status report, a funding line's
// spending, an indicator's commentary.
const (
	KindStatus     = "status"
	KindSpending   = "spending"
	KindCommentary = "commentary"
)

// PlanSubmission is one revision of a status report, a spending report or
// a commentary, for a subject (initiative:N, funding:LINE, indicator:ID)
// and a year. Revision counts from 1 per kind, subject and year.
type PlanSubmission struct {
	ID         int64           `json:"id"`
	Kind       string          `json:"kind"`
	Subject    string          `json:"subject"`
	Year       int             `json:"year"`
	Org        string          `json:"org"`
	TokenID    *int64          `json:"token_id,omitempty"`
	RecordedAt time.Time       `json:"recorded_at"`
	Revision   int             `json:"revision"`
	Body       json.RawMessage `json:"body"`
	// Unchanged marks an identical resubmission: no new revision was made,
	// and this is the one it repeats.
	Unchanged bool `json:"unchanged,omitempty"`
}

// jsonEqual compares two JSON documents as Postgres's jsonb does (key
// order and spacing aside).
func jsonEqual(ctx context.Context, tx pgx.Tx, a, b []byte) (bool, error) {
	var same bool
	err := tx.QueryRow(ctx, `SELECT $1::jsonb = $2::jsonb`, string(a), string(b)).Scan(&same)
	return same, err
}

// AddPlanSubmission stores a submission and its audit entry in one
// transaction, and returns it with its id, time and revision.
func (s *Store) AddPlanSubmission(ctx context.Context, sub PlanSubmission, audit AuditEntry) (PlanSubmission, error) {
	err := s.submissionTx(ctx, func(tx pgx.Tx) error {
		// One writer per key at a time, so revisions count without gaps.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, sub.Kind+"|"+sub.Subject); err != nil {
			return err
		}
		// The same body again from the same organisation is not a new
		// revision: the latest one is answered, marked unchanged.
		var body []byte
		err := tx.QueryRow(ctx, `SELECT id, recorded_at, body,
				(SELECT count(*) FROM plan_submissions p WHERE p.kind = $1 AND p.subject = $2 AND p.year = $3 AND p.id <= s.id)
			FROM plan_submissions s WHERE kind = $1 AND subject = $2 AND year = $3 AND org = $4
			ORDER BY id DESC LIMIT 1`, sub.Kind, sub.Subject, sub.Year, sub.Org).Scan(&sub.ID, &sub.RecordedAt, &body, &sub.Revision)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("read the latest %s submission: %w", sub.Kind, err)
		}
		if err == nil {
			same, err := jsonEqual(ctx, tx, body, sub.Body)
			if err != nil {
				return err
			}
			if same {
				sub.Unchanged = true
				audit.Status = 200 // answered with the revision it repeats, not created
				audit.Detail = mustMerge(audit.Detail, map[string]any{"submission_id": sub.ID, "revision": sub.Revision, "unchanged": true})
				_, err := AuditIn(ctx, tx, audit)
				return err
			}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO plan_submissions (kind, subject, year, org, token_id, body)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, recorded_at,
			(SELECT count(*) + 1 FROM plan_submissions WHERE kind = $1 AND subject = $2 AND year = $3)`,
			sub.Kind, sub.Subject, sub.Year, sub.Org, sub.TokenID, []byte(sub.Body)).Scan(&sub.ID, &sub.RecordedAt, &sub.Revision); err != nil {
			return fmt.Errorf("store %s submission: %w", sub.Kind, err)
		}
		audit.Detail = mustMerge(audit.Detail, map[string]any{"submission_id": sub.ID, "revision": sub.Revision})
		_, err = AuditIn(ctx, tx, audit)
		return err
	})
	return sub, err
}

func mustMerge(raw json.RawMessage, add map[string]any) json.RawMessage {
	m := map[string]any{}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &m)
	}
	for k, v := range add {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return b
}

// PlanFilter selects plan submissions; zero fields match all. AsOf keeps
// only what was recorded by then.
type PlanFilter struct {
	Kind    string
	Subject string
	Year    int
	AsOf    time.Time
}

// PlanSubmissions returns every revision matching f, oldest first, each
// with its revision number.
func (s *Store) PlanSubmissions(ctx context.Context, f PlanFilter) ([]PlanSubmission, error) {
	var asOf *time.Time
	if !f.AsOf.IsZero() {
		asOf = &f.AsOf
	}
	rows, err := s.pool.Query(ctx, `SELECT id, kind, subject, year, org, token_id, recorded_at,
			row_number() OVER (PARTITION BY kind, subject, year ORDER BY id), body
		FROM plan_submissions
		WHERE ($1 = '' OR kind = $1) AND ($2 = '' OR subject = $2) AND ($3 = 0 OR year = $3)
		  AND ($4::timestamptz IS NULL OR recorded_at <= $4)
		ORDER BY id`, f.Kind, f.Subject, f.Year, asOf)
	if err != nil {
		return nil, fmt.Errorf("read plan submissions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PlanSubmission, error) {
		var p PlanSubmission
		var body []byte
		err := r.Scan(&p.ID, &p.Kind, &p.Subject, &p.Year, &p.Org, &p.TokenID, &p.RecordedAt, &p.Revision, &body)
		p.Body = body
		return p, err
	})
}

// PlanVersion changes whenever a plan submission is added or a report
// approved, for caches of what is built from them.
func (s *Store) PlanVersion(ctx context.Context) (int64, int64, error) {
	var subs, pubs int64
	err := s.pool.QueryRow(ctx, `SELECT (SELECT COALESCE(max(id), 0) FROM plan_submissions),
		(SELECT count(*) FROM published_reports)`).Scan(&subs, &pubs)
	return subs, pubs, err
}

// PublishedReport is one format of an approved report version.
type PublishedReport struct {
	Year       int             `json:"year"`
	Version    int             `json:"version"`
	Format     string          `json:"format"`
	SHA256     string          `json:"sha256"`
	CutOff     time.Time       `json:"cut_off"`
	ApprovedAt time.Time       `json:"approved_at"`
	Org        string          `json:"approved_by"`
	Changes    json.RawMessage `json:"changes"`
	Body       []byte          `json:"-"`
}

// NextReportVersion is the version number an approval of year would get.
func (s *Store) NextReportVersion(ctx context.Context, year int) (int, error) {
	var v int
	err := s.pool.QueryRow(ctx, `SELECT COALESCE(max(version), 0) + 1 FROM published_reports WHERE year = $1`, year).Scan(&v)
	return v, err
}

// ErrVersionTaken means another approval of the same year won the race.
var ErrVersionTaken = errors.New("that report version was approved meanwhile")

// PublishReport stores an approved version's renderings (all formats, one
// version) with the audit entry, in one transaction.
func (s *Store) PublishReport(ctx context.Context, files []PublishedReport, tokenID *int64, audit AuditEntry) error {
	return s.submissionTx(ctx, func(tx pgx.Tx) error {
		for _, f := range files {
			_, err := tx.Exec(ctx, `INSERT INTO published_reports (year, version, format, body, sha256, cut_off, approved_at, token_id, org, changes)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				f.Year, f.Version, f.Format, f.Body, f.SHA256, f.CutOff, f.ApprovedAt, tokenID, f.Org, []byte(f.Changes))
			if err != nil {
				if isUniqueViolation(err) {
					return ErrVersionTaken
				}
				return fmt.Errorf("publish report %d version %d: %w", f.Year, f.Version, err)
			}
		}
		_, err := AuditIn(ctx, tx, audit)
		return err
	})
}

// PublishedReports lists a year's approved versions and formats (without
// their bodies), oldest first.
func (s *Store) PublishedReports(ctx context.Context, year int) ([]PublishedReport, error) {
	rows, err := s.pool.Query(ctx, `SELECT year, version, format, sha256, cut_off, approved_at, org, changes
		FROM published_reports WHERE year = $1 ORDER BY version, format`, year)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PublishedReport, error) {
		var p PublishedReport
		var ch []byte
		err := r.Scan(&p.Year, &p.Version, &p.Format, &p.SHA256, &p.CutOff, &p.ApprovedAt, &p.Org, &ch)
		p.Changes = ch
		return p, err
	})
}

// ErrNoSuchReport means no such published version or format.
var ErrNoSuchReport = errors.New("no such published report")

// PublishedReportBody returns one format of one approved version, bytes
// as stored.
func (s *Store) PublishedReportBody(ctx context.Context, year, version int, format string) (PublishedReport, error) {
	p := PublishedReport{Year: year, Version: version, Format: format}
	var ch []byte
	err := s.pool.QueryRow(ctx, `SELECT body, sha256, cut_off, approved_at, org, changes FROM published_reports
		WHERE year = $1 AND version = $2 AND format = $3`, year, version, format).
		Scan(&p.Body, &p.SHA256, &p.CutOff, &p.ApprovedAt, &p.Org, &ch)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, ErrNoSuchReport
	}
	p.Changes = ch
	return p, err
}

func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505"
}

// FigureHeld says that kpv held, by a moment, a figure of an indicator for
// a geography for a period ending in Year: what the yearly round asks of
// the organisations that submit figures.
type FigureHeld struct {
	Indicator string
	Geography string
	Year      int
}

// FiguresHeld lists, for periods ending in year, which indicators and
// geographies had a figure recorded by asOf (zero: now).
func (s *Store) FiguresHeld(ctx context.Context, year int, asOf time.Time) ([]FigureHeld, error) {
	var at *time.Time
	if !asOf.IsZero() {
		at = &asOf
	}
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT indicator_id, geography FROM observations
		WHERE extract(year FROM period_end) = $1 AND ($2::timestamptz IS NULL OR recorded_at <= $2)
		ORDER BY 1, 2`, year, at)
	if err != nil {
		return nil, fmt.Errorf("figures held for %d: %w", year, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (FigureHeld, error) {
		f := FigureHeld{Year: year}
		return f, r.Scan(&f.Indicator, &f.Geography)
	})
}

// Recorded is something recorded in a window: a follow-up submission, or
// an indicator's figures (Figures counts them; Kind "figures").
type Recorded struct {
	Kind       string
	Subject    string
	Year       int
	Org        string
	Revision   int
	Figures    int
	RecordedAt time.Time
}

// RecordedBetween lists what was recorded after from and by to: each
// follow-up submission, and per indicator the figures added or revised.
func (s *Store) RecordedBetween(ctx context.Context, from, to time.Time) ([]Recorded, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT kind, subject, year, org, rev, 0, recorded_at FROM (
			SELECT kind, subject, year, org, recorded_at,
				row_number() OVER (PARTITION BY kind, subject, year ORDER BY id) AS rev
			FROM plan_submissions WHERE recorded_at <= $2) p
		WHERE recorded_at > $1
		UNION ALL
		SELECT 'figures', 'indicator:' || indicator_id, 0, '', 0, count(*)::int, max(recorded_at)
		FROM observations WHERE recorded_at > $1 AND recorded_at <= $2 GROUP BY indicator_id
		ORDER BY 7, 1, 2`, from, to)
	if err != nil {
		return nil, fmt.Errorf("recorded between %s and %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Recorded, error) {
		var x Recorded
		return x, r.Scan(&x.Kind, &x.Subject, &x.Year, &x.Org, &x.Revision, &x.Figures, &x.RecordedAt)
	})
}
