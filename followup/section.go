package followup

import (
	"time"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// What a follow-up section holds: the view of the plan's follow-up for a
// year as of a moment that the API, the pages and the report show.

// Input is what a follow-up section is built from.
type Input struct {
	Catalogue *indicators.Catalogue
	Year      int
	// Submissions are every revision recorded by At (any year: status
	// reports of earlier years count for milestones reached).
	Submissions []store.PlanSubmission
	// Figures are the figures held by At for periods ending in Year.
	Figures []store.FigureHeld
	// OffTrack are the indicators off track or deteriorating, which need
	// the owner's commentary (OffTrackIn gives them from an assessment).
	OffTrack map[string]bool
	// At is the moment the section describes: milestones due by then and
	// not reached are overdue.
	At time.Time
}

// Section is the plan's follow-up for a year as of a moment.
type Section struct {
	Year       int       `json:"year"`
	At         time.Time `json:"at"`
	FocusAreas []Area    `json:"focus_areas"`
	// PlanMilestones are the plan's own (initiative 0), e.g. the agreement
	// on the funds from 2026.
	PlanMilestones []MilestoneView `json:"plan_milestones"`
	StatusCount    []Count         `json:"status_counts"`
	// OverdueMilestones counts milestones past their date that a status
	// report sent after the date does not report reached; NotReported
	// those past their date with no status report since: kpv does not
	// know, and asks the owner for a status.
	OverdueMilestones     int               `json:"overdue_milestones"`
	NotReportedMilestones int               `json:"not_reported_milestones"`
	Money                 Money             `json:"money"`
	Commentary            []CommentaryEntry `json:"commentary"`
	// MissingCommentary lists indicators off track or deteriorating
	// without commentary for the year.
	MissingCommentary []string `json:"missing_commentary"`
	// RegionalCommentary is the regions' commentary on their own figures of
	// a Danske Regioner indicator, each region's latest: shown as the
	// region's, not as the indicator's.
	RegionalCommentary []CommentaryEntry `json:"regional_commentary"`
	Round              Round             `json:"round"`

	reportedAt map[string]time.Time
}

// Count is how many initiatives have a status.
type Count struct {
	Status   string `json:"status"`
	StatusDA string `json:"status_da"`
	StatusEN string `json:"status_en"`
	N        int    `json:"n"`
}

// Area is a focus area with its initiatives.
type Area struct {
	ID          int          `json:"id"`
	NameDA      string       `json:"name_da"`
	NameEN      string       `json:"name_en"`
	Initiatives []Initiative `json:"initiatives"`
}

// Initiative is where one initiative stands.
type Initiative struct {
	Number   int      `json:"number"`
	NameDA   string   `json:"name_da"`
	NameEN   string   `json:"name_en"`
	Lead     []string `json:"lead"`
	Status   string   `json:"status"`
	StatusDA string   `json:"status_da"`
	StatusEN string   `json:"status_en"`
	// Report is the report the status comes from (InitiativeStatus's
	// rule), nil if none; Reports are every organisation's latest report
	// for the year, oldest first: a region's report on a Danske
	// Regioner-led initiative is kept beside the others, not replaced.
	Report  *ReportView  `json:"report"`
	Reports []ReportView `json:"reports"`
	// Milestones are the documents' dated commitments; MilestonesNote says
	// so when the documents give none.
	Milestones       []MilestoneView `json:"milestones"`
	MilestonesNoteDA string          `json:"milestones_note_da,omitempty"`
	MilestonesNoteEN string          `json:"milestones_note_en,omitempty"`
	Money            MoneyRow        `json:"money"`
}

// ReportView is a stored status report with its provenance.
type ReportView struct {
	StatusReport
	Org        string    `json:"org"`
	Revision   int       `json:"revision"`
	Revisions  int       `json:"revisions"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Milestone states.
const (
	Reached  = "reached"
	Overdue  = "overdue"
	Upcoming = "upcoming"
	// NotReported: past its date, and no status report of the initiative
	// has come since: missing is not failure, so it is not called overdue.
	NotReported = "not_reported"
)

// MilestoneView is a milestone with its state at the section's moment.
type MilestoneView struct {
	*indicators.Milestone
	State     string `json:"state"`
	StateDA   string `json:"state_da"`
	StateEN   string `json:"state_en"`
	ReachedOn string `json:"reached_on,omitempty"`
}

func stateLabel(s string) (string, string) {
	switch s {
	case Reached:
		return "Nået", "Reached"
	case Overdue:
		return "Overskredet", "Overdue"
	case NotReported:
		return "Ikke rapporteret", "Not reported"
	}
	return "Kommende", "Upcoming"
}

// MoneyRow is allocated, spent, committed and unspent (allocated less
// spent) in DKK million for the year. Reported says how many of the lines
// behind it have a spending report; Lines how many there are.
type MoneyRow struct {
	Key       string   `json:"key"`
	NameDA    string   `json:"name_da"`
	NameEN    string   `json:"name_en"`
	Allocated float64  `json:"allocated"`
	Spent     *float64 `json:"spent"`
	Committed *float64 `json:"committed"`
	Unspent   *float64 `json:"unspent"`
	Lines     int      `json:"lines"`
	Reported  int      `json:"reported"`
	// Overspent: reported spending exceeds the allocation.
	Overspent bool `json:"overspent"`
	// Recipient is the organisation that reports a line.
	Recipient string `json:"recipient,omitempty"`
}

// Money is the year's allocations against spending, by line, initiative,
// goal and recipient. A line paying for several initiatives (or goals)
// counts in full for each: its amount is not split.
type Money struct {
	Unit         string     `json:"unit"`
	Column       string     `json:"column"`
	Lines        []MoneyRow `json:"lines"`
	ByInitiative []MoneyRow `json:"by_initiative"`
	ByGoal       []MoneyRow `json:"by_goal"`
	ByRecipient  []MoneyRow `json:"by_recipient"`
	// Total adds the lines reported on (by recipient); Reconciliation
	// ties it to the plan's total: the split lines' remainders no
	// recipient is named for, and the plan's rounding.
	Total          MoneyRow       `json:"total"`
	Reconciliation Reconciliation `json:"reconciliation"`
}

// CommentaryEntry is the latest commentary on an indicator for the year.
type CommentaryEntry struct {
	Indicator string `json:"indicator"`
	Commentary
	// Region is the region whose figures a regional commentary is about.
	Region     string    `json:"region,omitempty"`
	Org        string    `json:"org"`
	Revision   int       `json:"revision"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Round is what the year's round expects from whom, and what has come.
type Round struct {
	Year          int        `json:"year"`
	Due           time.Time  `json:"due"`
	PastDue       bool       `json:"past_due"`
	Expected      int        `json:"expected"`
	Received      int        `json:"received"`
	Organisations []OrgRound `json:"organisations"`
}

// Item kinds of a round.
const (
	ItemFigures    = "figures"
	ItemStatus     = "status"
	ItemSpending   = "spending"
	ItemCommentary = "commentary"
)

// ItemKinds lists them, for the metrics.
var ItemKinds = []string{ItemFigures, ItemStatus, ItemSpending, ItemCommentary}

// OrgRound is one organisation's part of the round.
type OrgRound struct {
	Org          string  `json:"org"`
	NameDA       string  `json:"name_da"`
	NameEN       string  `json:"name_en"`
	Expected     int     `json:"expected"`
	Received     int     `json:"received"`
	Late         int     `json:"late"`
	Completeness float64 `json:"completeness"`
	Items        []Item  `json:"items"`
}

// Item is one thing owed: its kind, what it is about, when it is due,
// whether it came, and whether it is late (past due and not come).
type Item struct {
	Kind     string    `json:"kind"`
	Subject  string    `json:"subject"`
	NameDA   string    `json:"name_da"`
	NameEN   string    `json:"name_en"`
	Due      time.Time `json:"due"`
	Received bool      `json:"received"`
	Late     bool      `json:"late"`
}
