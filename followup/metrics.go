package followup

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/refresh"
	"github.com/kraeftplan/kpv/store"
)

// Tracker keeps the current round's follow-up in memory for /metrics: it
// is rebuilt after each accepted submission or approval and periodically
// (milestones fall due with the clock), so a scrape never queries
// Postgres. Every gauge's labels are bounded by the catalogue: statuses,
// organisations, recipients, item kinds; the year is a value, not a label.
type Tracker struct {
	cat *indicators.Catalogue
	st  *store.Store
	// refresher runs Refresh periodically and after submissions.
	refresher *refresh.Refresher
	now       func() time.Time
	snapshot  func() *assess.Snapshot

	mu  sync.Mutex
	cur atomic.Pointer[Section]

	initiatives, overdue, notReported, allocated, spent, unspent, overspent, completeness, missing, pastDue, year, refreshed *prometheus.Desc
}

// TrackerOptions configure a Tracker.
type TrackerOptions struct {
	Catalogue *indicators.Catalogue
	Store     *store.Store
	Logger    *slog.Logger
	Now       func() time.Time
	// Snapshot gives the assessment (for the commentary off-track
	// indicators owe); nil asks for none.
	Snapshot func() *assess.Snapshot
}

// NewTracker returns a tracker holding the round with nothing submitted;
// call Refresh to load the store's.
func NewTracker(o TrackerOptions) *Tracker {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	t := &Tracker{cat: o.Catalogue, st: o.Store, now: o.Now, snapshot: o.Snapshot,
		initiatives:  d("kpv_initiatives", "Initiatives of the plan by the status of their latest report for the current round's year (no_report: none yet).", "status"),
		overdue:      d("kpv_milestones_overdue", "Milestones from the plan and the 2025 agreement past their date that a status report sent after the date does not report reached, by the organisation responsible.", "owner"),
		notReported:  d("kpv_milestones_not_reported", "Milestones past their date with no status report of their initiative since: not called overdue; the organisation responsible is asked for a status.", "owner"),
		allocated:    d("kpv_funding_allocated_dkk_million", "Allocated in the plan's funding table for the current round's year, DKK million (2025 prices), by recipient.", "recipient"),
		spent:        d("kpv_funding_spent_dkk_million", "Reported spending for the current round's year, DKK million, by recipient (only lines with a report).", "recipient"),
		unspent:      d("kpv_funding_unspent_dkk_million", "Allocated less reported spending on the lines with a report, current round's year, DKK million, by recipient.", "recipient"),
		overspent:    d("kpv_funding_overspent_lines", "Funding lines whose reported spending exceeds the allocation, current round's year, by recipient.", "recipient"),
		completeness: d("kpv_round_completeness_ratio", "Share of what the current round expects from an organisation (figures, status reports, spending, commentary) that has come.", "owner"),
		missing:      d("kpv_round_missing_items", "Items the current round expects from an organisation that are past their due date and have not come, by kind.", "owner", "kind"),
		pastDue:      d("kpv_round_past_due", "1 when the current round's due date has passed (missing items are then late), else 0."),
		year:         d("kpv_round_year", "The year the current round reports on."),
		refreshed:    d("kpv_followup_last_refresh_timestamp_seconds", "When the follow-up served on /metrics was built, as a Unix time."),
	}
	t.refresher = refresh.New("follow-up", o.Logger, time.Minute, t.Refresh)
	t.cur.Store(Build(Input{Catalogue: o.Catalogue, Year: CurrentRound(o.Now()), At: o.Now()}))
	return t
}

// Section is the current round's follow-up; never nil.
func (t *Tracker) Section() *Section { return t.cur.Load() }

// Refresh rebuilds the current round's follow-up from the store.
func (t *Tracker) Refresh(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var snap *assess.Snapshot
	if t.snapshot != nil {
		snap = t.snapshot()
	}
	now := t.now()
	sec, err := Load(ctx, t.st, t.cat, OffTrackIn(snap), CurrentRound(now), now)
	if err != nil {
		return fmt.Errorf("refresh follow-up: %w", err)
	}
	t.cur.Store(sec)
	return nil
}

// AfterWrite refreshes after an accepted submission; it suits
// api.Options.AfterPlanWrite.
func (t *Tracker) AfterWrite() { t.refresher.Now() }

// Run refreshes every interval until ctx ends.
func (t *Tracker) Run(ctx context.Context, interval time.Duration) { t.refresher.Run(ctx, interval) }

// Describe sends the gauges' descriptors.
func (t *Tracker) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{t.initiatives, t.overdue, t.notReported, t.allocated, t.spent, t.unspent, t.overspent, t.completeness, t.missing, t.pastDue, t.year, t.refreshed} {
		ch <- d
	}
}

// Collect sends the gauges of the current section.
func (t *Tracker) Collect(ch chan<- prometheus.Metric) {
	s := t.cur.Load()
	g := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, c := range s.StatusCount {
		g(t.initiatives, float64(c.N), c.Status)
	}
	// Every organisation that owns a milestone has a series, 0 included,
	// so an alert resolves when the last overdue milestone is reached.
	overdue, notReported := map[string]int{}, map[string]int{}
	for _, m := range t.cat.Milestones {
		overdue[m.Owner] += 0
		notReported[m.Owner] += 0
	}
	for _, m := range s.Overdue() {
		overdue[m.Owner]++
	}
	for _, m := range s.inState(NotReported) {
		notReported[m.Owner]++
	}
	for owner, n := range overdue {
		g(t.overdue, float64(n), owner)
	}
	for owner, n := range notReported {
		g(t.notReported, float64(n), owner)
	}
	for _, r := range s.Money.ByRecipient {
		g(t.allocated, r.Allocated, r.Key)
		over := 0
		for _, l := range s.Money.Lines {
			if l.Recipient == r.Key && l.Overspent {
				over++
			}
		}
		g(t.overspent, float64(over), r.Key)
		if r.Spent != nil {
			g(t.spent, *r.Spent, r.Key)
			g(t.unspent, *r.Unspent, r.Key)
		}
	}
	for _, o := range s.Round.Organisations {
		g(t.completeness, o.Completeness, o.Org)
		miss := o.Missing()
		for _, k := range ItemKinds {
			g(t.missing, float64(miss[k]), o.Org, k)
		}
	}
	past := 0.0
	if s.Round.PastDue {
		past = 1
	}
	g(t.pastDue, past)
	g(t.year, float64(s.Year))
	g(t.refreshed, float64(s.At.UnixNano())/1e9)
}
