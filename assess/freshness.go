package assess

import (
	"time"

	"github.com/kraeftplan/kpv/indicators"
)

// FreshState says whether an indicator's data are as recent as the source's
// release cadence promises.
type FreshState string

// The freshness states, in the order metrics expose them.
const (
	Fresh   FreshState = "fresh"
	Overdue FreshState = "overdue"
	NoData  FreshState = "no_data"
)

// FreshStates are all freshness states.
var FreshStates = []FreshState{Fresh, Overdue, NoData}

// Freshness is how current an indicator's data are.
type Freshness struct {
	State FreshState `json:"state"`
	// LatestPeriod is the most recent period held, and its last day.
	LatestPeriod    string     `json:"latest_period,omitempty"`
	LatestPeriodEnd *time.Time `json:"latest_period_end,omitempty"`
	// NextDue is the end of the month by which the next period's figures
	// should have been published: the latest period's end, plus the
	// source's interval between publications, plus its publication lag.
	NextDue  *time.Time `json:"next_due,omitempty"`
	ReasonEN string     `json:"reason_en"`
	ReasonDA string     `json:"reason_da"`
}

// NextDue is when the period after one ending at end is due for release.
func NextDue(end time.Time, r indicators.Release) time.Time {
	first := time.Date(end.Year(), end.Month(), 1, 0, 0, 0, 0, time.UTC)
	// The last day of the month EveryMonths+LagMonths after the period's last month.
	return first.AddDate(0, r.EveryMonths+r.LagMonths+1, -1)
}

// AssessFreshness says whether figures up to latest (nil if none) are
// overdue at now under the release cadence r.
func AssessFreshness(latest *Point, r indicators.Release, now time.Time) Freshness {
	if latest == nil {
		return Freshness{State: NoData, ReasonEN: "no figures have been ingested or submitted", ReasonDA: "der er ikke indlæst eller indberettet tal"}
	}
	end, due := latest.End, NextDue(latest.End, r)
	f := Freshness{LatestPeriod: latest.Period, LatestPeriodEnd: &end, NextDue: &due}
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	if now.After(due.AddDate(0, 0, 1)) { // due is a date: overdue from the day after
		f.State = Overdue
		// Say what kpv holds and when the publisher's calendar put the next
		// release: kpv may simply not have loaded it (no blame).
		f.ReasonEN = sprintfEN("kpv holds figures up to %s; by the publisher's calendar the next period was due by %s (every %d months, %d months after the period): load it if it is out", latest.Period, day(due), r.EveryMonths, r.LagMonths)
		f.ReasonDA = sprintfEN("kpv har tal til og med %s; efter udgiverens kalender var næste periode ventet senest %s (hver %d. måned, %d måneder efter perioden): indlæs den, hvis den er udkommet", latest.Period, day(due), r.EveryMonths, r.LagMonths)
		return f
	}
	f.State = Fresh
	f.ReasonEN = sprintfEN("the latest period is %s; the next is due by %s", latest.Period, day(due))
	f.ReasonDA = sprintfEN("seneste periode er %s; den næste forventes senest %s", latest.Period, day(due))
	return f
}
