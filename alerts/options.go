// Package alerts generates, from the plan catalogue, the Prometheus alerting
// rules on kpv's metrics and the Alertmanager configuration that routes each
// alert to the organisation that owns the indicator. Generation is pure: the
// files are written by `kpv generate` and checked in next to this code, and a
// test fails when they are stale.
package alerts

import "time"

// Options are the timings of the rules and routes. The defaults suit figures
// that change a few times a year; tests shorten them so they need not wait.
type Options struct {
	// How long a condition must hold before its alert fires. A figure only
	// changes when an ingest run or a submission lands, so these guard
	// against a wrong figure that is corrected at once, and against a
	// refresh that briefly sees half of a change.
	ThresholdFor time.Duration // a value at or beyond a threshold
	ProgressFor  time.Duration // off track or deteriorating
	RankFor      time.Duration // Denmark below its target rank
	OverdueFor   time.Duration // a publication later than due
	SourceFor    time.Duration // no successful run within the source's window
	DownFor      time.Duration // kpv not answering its scrapes
	AbsentFor    time.Duration // Prometheus has no kpv target at all
	StaleFor     time.Duration // the assessment not rebuilt for a while
	DatabaseFor  time.Duration // kpv's pings of Postgres unanswered
	FollowUpFor  time.Duration // a milestone overdue, a round's item missing

	// StaleAfter is how old the assessment may be before it is stale: a
	// few of kpv's refresh intervals (KPV_REFRESH_INTERVAL, 5m).
	StaleAfter time.Duration

	// Alertmanager grouping: wait before the first notice of a group,
	// between notices of a changed group, and before repeating one.
	GroupWait, GroupInterval, RepeatInterval time.Duration
}

// DefaultOptions are the timings of the checked-in files.
func DefaultOptions() Options {
	return Options{
		ThresholdFor: 15 * time.Minute,
		ProgressFor:  time.Hour,
		RankFor:      time.Hour,
		OverdueFor:   time.Hour,
		SourceFor:    10 * time.Minute,
		DownFor:      5 * time.Minute,
		AbsentFor:    10 * time.Minute,
		StaleFor:     10 * time.Minute,
		DatabaseFor:  2 * time.Minute,
		StaleAfter:   20 * time.Minute,
		FollowUpFor:  time.Hour,

		GroupWait:     time.Minute,
		GroupInterval: 10 * time.Minute,
		// Figures change yearly: a weekly reminder of what still holds.
		RepeatInterval: 7 * 24 * time.Hour,
	}
}
