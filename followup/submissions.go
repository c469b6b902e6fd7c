// Package followup is the plan's own follow-up: the initiatives' status
// reports, the money allocated against what was spent, the owners'
// commentary on their indicators, the milestones from the documents and
// the yearly round that collects them. It checks what is submitted and
// works out, for a year and a moment, where each initiative stands, which
// milestones are overdue and who still owes what. It reads nothing itself:
// the store's submissions and figures are passed in, so the same inputs
// give the same answer (and the report built from them the same bytes).
package followup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kraeftplan/kpv/indicators"
)

// Initiative statuses a lead organisation reports, and the one kpv shows
// when no report has come for the year.
const (
	NotStarted = "not_started"
	OnSchedule = "on_schedule"
	Delayed    = "delayed"
	Completed  = "completed"
	Changed    = "changed"
	Stopped    = "stopped"
	NoReport   = "no_report"
)

// Statuses are the statuses a report may give, in the order shown.
var Statuses = []string{NotStarted, OnSchedule, Delayed, Completed, Changed, Stopped}

// AllStatuses are Statuses and NoReport: the values of the status gauge.
var AllStatuses = append(slices.Clone(Statuses), NoReport)

// StatusLabel is a status in Danish and English.
func StatusLabel(s string) (da, en string) {
	switch s {
	case NotStarted:
		return "Ikke påbegyndt", "Not started"
	case OnSchedule:
		return "Efter planen", "On schedule"
	case Delayed:
		return "Forsinket", "Delayed"
	case Completed:
		return "Gennemført", "Completed"
	case Changed:
		return "Ændret", "Changed"
	case Stopped:
		return "Stoppet", "Stopped"
	}
	return "Ingen statusrapport", "No status report"
}

// FieldError is a mistake in a submitted body: the field (a JSON path such
// as milestones_reached[1].date) and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a rejected submission: every mistake found.
type Error struct{ Fields []FieldError }

func (e *Error) Error() string {
	var parts []string
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return strings.Join(parts, "; ")
}

// StatusReport is a lead organisation's report on an initiative for a year.
type StatusReport struct {
	Year              int                `json:"year"`
	Status            string             `json:"status"`
	MilestonesReached []ReachedMilestone `json:"milestones_reached,omitempty"`
	NarrativeDA       string             `json:"narrative_da"`
	NarrativeEN       string             `json:"narrative_en,omitempty"`
	NextStepsDA       string             `json:"next_steps_da"`
	NextStepsEN       string             `json:"next_steps_en,omitempty"`
	RisksDA           string             `json:"risks_da,omitempty"`
	RisksEN           string             `json:"risks_en,omitempty"`
}

// ReachedMilestone is a milestone reported reached, with the day it was.
type ReachedMilestone struct {
	Milestone string `json:"milestone"`
	Date      string `json:"date"`
}

// Spending is a recipient's report on one funding line for a year, in the
// table's unit (DKK million, 2025 prices).
type Spending struct {
	Year      int      `json:"year"`
	Spent     *float64 `json:"spent"`
	Committed *float64 `json:"committed"`
	NoteDA    string   `json:"note_da,omitempty"`
	NoteEN    string   `json:"note_en,omitempty"`
}

// Commentary is an indicator owner's account of its assessment for a
// year: why it stands where it does, what is being done, by whom, by when.
type Commentary struct {
	Year      int    `json:"year"`
	WhyDA     string `json:"why_da"`
	WhyEN     string `json:"why_en,omitempty"`
	ActionsDA string `json:"actions_da"`
	ActionsEN string `json:"actions_en,omitempty"`
	By        string `json:"by"`
	ByWhen    string `json:"by_when"`
}

// Texts are bounded: a status report is a few paragraphs.
const maxText = 8000

// MaxBody bounds a submitted body.
const MaxBody = 64 << 10

// decode reads exactly one JSON object into v, naming an unknown or
// mistyped field.
func decode(body []byte, v any) []FieldError {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, more := dec.Token(); !errors.Is(more, io.EOF) {
			return []FieldError{{"(body)", "one JSON object expected; something follows it"}}
		}
		return nil
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		f := te.Field
		if f == "" {
			f = "(body)"
		}
		return []FieldError{{f, fmt.Sprintf("must be a %s, not a JSON %s", te.Type, te.Value)}}
	case errors.As(err, &se):
		return []FieldError{{"(body)", fmt.Sprintf("not JSON: %v (at byte %d)", se, se.Offset)}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return []FieldError{{indicators.Excerpt(name), "unknown field"}}
	case errors.Is(err, io.EOF):
		return []FieldError{{"(body)", "empty body: a JSON object expected"}}
	}
	return []FieldError{{"(body)", indicators.ExcerptError(err.Error())}}
}

func checkYear(errs *[]FieldError, year int, now time.Time) {
	switch {
	case year == 0:
		*errs = append(*errs, FieldError{"year", "missing: the year reported on, e.g. 2025"})
	case year < FirstYear:
		*errs = append(*errs, FieldError{"year", fmt.Sprintf("%d is before the plan (its first year is %d)", year, FirstYear)})
	case year > now.Year():
		*errs = append(*errs, FieldError{"year", fmt.Sprintf("%d has not begun", year)})
	}
}

func checkText(errs *[]FieldError, field, v string, required bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		*errs = append(*errs, FieldError{field, "missing: required, in Danish"})
	case !utf8.ValidString(v):
		*errs = append(*errs, FieldError{field, "not valid UTF-8"})
	case len(v) > maxText:
		*errs = append(*errs, FieldError{field, fmt.Sprintf("%d bytes; at most %d", len(v), maxText)})
	default:
		if i, r, ok := badRune(v); ok {
			*errs = append(*errs, FieldError{field, fmt.Sprintf("%U at byte %d: control and text-direction characters are not allowed (line breaks and tabs are)", r, i)})
		}
	}
}

// badRune finds the first character a text may not hold: NUL (Postgres
// refuses it), the other control characters but line breaks and tabs, and
// the bidirectional controls, which can make shown text read otherwise
// than it is stored.
func badRune(v string) (int, rune, bool) {
	for i, r := range v {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
		case r < 0x20 || (r >= 0x7f && r < 0xa0),
			r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return i, r, true
		}
	}
	return 0, 0, false
}

// quote is a submitted value as a message repeats it: quoted, cut to a
// short excerpt (indicators.Excerpt).
func quote(v string) string { return strconv.Quote(indicators.Excerpt(v)) }

// fieldKind is a field without its list positions
// (milestones_reached[].date), for counting problems per kind of field.
func fieldKind(f string) string {
	var b strings.Builder
	skip := false
	for _, r := range f {
		switch {
		case r == '[':
			skip = true
			b.WriteRune(r)
		case r == ']':
			skip = false
			b.WriteRune(r)
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Bound lists at most indicators.MaxListedErrors of errs, each field and
// message cut to an excerpt, with the total and the count per field: the
// same bound as a batch of figures' row problems.
func Bound(errs []FieldError) (listed []FieldError, total int, kinds map[string]int) {
	kinds = map[string]int{}
	for i, e := range errs {
		kinds[fieldKind(indicators.Excerpt(e.Field))]++
		if i < indicators.MaxListedErrors {
			listed = append(listed, FieldError{indicators.Excerpt(e.Field), indicators.Excerpt(e.Message)})
		}
	}
	return listed, len(errs), kinds
}

// MinDateYear is the earliest year of a date in a submission (a milestone
// reached, a commentary's deadline): the plan's follow-up has nothing to
// say of earlier days, and a year 0, which Go parses, has no day in
// Postgres's calendar (there is no year 0) and is a typing slip.
const MinDateYear = 2000

func checkDate(errs *[]FieldError, field, v string, now time.Time) time.Time {
	d, err := time.Parse(time.DateOnly, v)
	switch {
	case v == "":
		*errs = append(*errs, FieldError{field, "missing: a date YYYY-MM-DD"})
	case err != nil:
		*errs = append(*errs, FieldError{field, quote(v) + " is not a date YYYY-MM-DD"})
	case d.Year() < MinDateYear:
		*errs = append(*errs, FieldError{field, fmt.Sprintf("%s is before the year %d: a date YYYY-MM-DD in the plan's time", v, MinDateYear)})
	case d.After(now):
		*errs = append(*errs, FieldError{field, v + " is in the future"})
	}
	return d
}

// FirstYear is the plan's first year: nothing is reported for earlier ones.
const FirstYear = 2025

// ParseStatusReport checks a status report on initiative n: a known
// status, Danish narrative and next steps, milestones of this initiative
// reached on a real day not in the future, and no milestone twice.
func ParseStatusReport(cat *indicators.Catalogue, n int, body []byte, now time.Time) (StatusReport, error) {
	var r StatusReport
	if errs := decode(body, &r); errs != nil {
		return r, &Error{errs}
	}
	var errs []FieldError
	checkYear(&errs, r.Year, now)
	if !slices.Contains(Statuses, r.Status) {
		errs = append(errs, FieldError{"status", fmt.Sprintf("%s is not one of %s", quote(r.Status), strings.Join(Statuses, ", "))})
	}
	checkText(&errs, "narrative_da", r.NarrativeDA, true)
	checkText(&errs, "narrative_en", r.NarrativeEN, false)
	checkText(&errs, "next_steps_da", r.NextStepsDA, true)
	checkText(&errs, "next_steps_en", r.NextStepsEN, false)
	checkText(&errs, "risks_da", r.RisksDA, false)
	checkText(&errs, "risks_en", r.RisksEN, false)
	seen := map[string]bool{}
	for i, m := range r.MilestonesReached {
		f := fmt.Sprintf("milestones_reached[%d]", i)
		ms, ok := cat.Milestone(m.Milestone)
		switch {
		case !ok:
			errs = append(errs, FieldError{f + ".milestone", fmt.Sprintf("unknown milestone %s; GET /api/v1/milestones lists them", quote(m.Milestone))})
		case ms.Initiative != n && ms.Initiative != 0: // the plan's own may be reported with any initiative
			errs = append(errs, FieldError{f + ".milestone", fmt.Sprintf("milestone %q belongs to initiative %d, not %d", m.Milestone, ms.Initiative, n)})
		case seen[m.Milestone]:
			errs = append(errs, FieldError{f + ".milestone", fmt.Sprintf("milestone %s is listed twice", quote(m.Milestone))})
		}
		seen[m.Milestone] = true
		checkDate(&errs, f+".date", m.Date, now)
	}
	if errs != nil {
		return r, &Error{errs}
	}
	return r, nil
}

// ParseSpending checks a spending report: a year, spent and committed
// given, neither negative nor absurd. Spending above the allocation is
// accepted (it happens, and is shown as such), not rejected.
func ParseSpending(body []byte, now time.Time) (Spending, error) {
	var s Spending
	if errs := decode(body, &s); errs != nil {
		return s, &Error{errs}
	}
	var errs []FieldError
	checkYear(&errs, s.Year, now)
	for _, f := range []struct {
		name string
		v    *float64
	}{{"spent", s.Spent}, {"committed", s.Committed}} {
		switch {
		case f.v == nil:
			errs = append(errs, FieldError{f.name, "missing: DKK million (2025 prices), 0 if none"})
		case math.IsNaN(*f.v) || *f.v < 0:
			errs = append(errs, FieldError{f.name, fmt.Sprintf("%v: must be 0 or more (DKK million)", *f.v)})
		case *f.v > 100000:
			errs = append(errs, FieldError{f.name, fmt.Sprintf("%v DKK million is more than the whole plan; the unit is DKK million", *f.v)})
		}
	}
	checkText(&errs, "note_da", s.NoteDA, false)
	checkText(&errs, "note_en", s.NoteEN, false)
	if errs != nil {
		return s, &Error{errs}
	}
	return s, nil
}

// ParseCommentary checks a commentary: why and what in Danish, by whom,
// and by when (a date).
func ParseCommentary(body []byte, now time.Time) (Commentary, error) {
	var c Commentary
	if errs := decode(body, &c); errs != nil {
		return c, &Error{errs}
	}
	var errs []FieldError
	checkYear(&errs, c.Year, now)
	checkText(&errs, "why_da", c.WhyDA, true)
	checkText(&errs, "why_en", c.WhyEN, false)
	checkText(&errs, "actions_da", c.ActionsDA, true)
	checkText(&errs, "actions_en", c.ActionsEN, false)
	checkText(&errs, "by", c.By, true)
	if d, err := time.Parse(time.DateOnly, c.ByWhen); err != nil {
		errs = append(errs, FieldError{"by_when", quote(c.ByWhen) + " is not a date YYYY-MM-DD"})
	} else if d.Year() < MinDateYear {
		errs = append(errs, FieldError{"by_when", fmt.Sprintf("%s is before the year %d: a date YYYY-MM-DD in the plan's time", c.ByWhen, MinDateYear)})
	}
	if errs != nil {
		return c, &Error{errs}
	}
	return c, nil
}
