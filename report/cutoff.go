package report

import (
	"fmt"
	"time"

	"github.com/kraeftplan/kpv/indicators"
)

// The cut-off policy: which years have a report, and which moment a
// report's figures are read as of.

// How the cut-off was chosen.
const (
	// RulePublishedBy, the default for a past year: the figures published
	// by the end of the year, as kpv holds them now.
	RulePublishedBy = "published_by"
	RuleNow         = "now"   // the default for the current year
	RuleAsOf        = "as_of" // asked for
)

// InputError is a year or cut-off the report cannot be made for; Param
// names the parameter (year or as_of).
type InputError struct {
	Param   string
	Message string
}

func (e *InputError) Error() string { return e.Param + ": " + e.Message }

// FirstYear is the first year a report can be made for: the year the plan
// was published.
func FirstYear(cat *indicators.Catalogue) int {
	if t, err := time.Parse("2006-01", cat.Plan.Published); err == nil {
		return t.Year()
	}
	return 2025
}

// EndOfYear is the last moment of a year (UTC), to the microsecond that
// Postgres keeps.
func EndOfYear(year int) time.Time {
	return time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Microsecond)
}

// Live reports whether a rule's cut-off is the moment of the request (the
// report changes as figures are recorded).
func Live(rule string) bool { return rule == RuleNow || rule == RulePublishedBy }

// PublishedBy is the publication cut-off of a year's report read as of
// cutoff: the end of the year, or cutoff if that is earlier.
func PublishedBy(year int, cutoff time.Time) time.Time {
	if end := EndOfYear(year); end.Before(cutoff) {
		return end
	}
	return cutoff
}

// CutOff checks a year and an optional cut-off (zero: the default) against
// the clock, and returns the cut-off to use and how it was chosen: asOf
// if given, else now; for a past year the rule is then "published by" its
// end (PublishedBy), so the report shows what was public by then.
func CutOff(cat *indicators.Catalogue, year int, asOf, now time.Time) (time.Time, string, error) {
	first, last := FirstYear(cat), now.Year()
	if year < first || year > last {
		return time.Time{}, "", &InputError{"year", fmt.Sprintf("no report for %d: reports cover the plan's years from %d to the current year %d", year, first, last)}
	}
	if !asOf.IsZero() {
		switch {
		case asOf.After(now):
			return time.Time{}, "", &InputError{"as_of", fmt.Sprintf("%s is in the future: a report rests on figures already recorded", asOf.UTC().Format(time.RFC3339))}
		case asOf.Year() < year:
			return time.Time{}, "", &InputError{"as_of", fmt.Sprintf("%s is before the year %d began", asOf.UTC().Format(time.RFC3339), year)}
		}
		return asOf.UTC().Truncate(time.Microsecond), RuleAsOf, nil
	}
	if EndOfYear(year).Before(now) {
		return now.UTC().Truncate(time.Microsecond), RulePublishedBy, nil
	}
	return now.UTC().Truncate(time.Microsecond), RuleNow, nil
}

// CutOffRuleWords says in Danish and English how a report's cut-off was
// chosen, for a reader (the rule's code is for programs).
func CutOffRuleWords(rule string) string {
	switch rule {
	case RuleAsOf:
		return "valgt skæringstidspunkt / the cut-off asked for"
	case RuleNow:
		return "tidspunktet for opgørelsen, da året ikke er slut / the time of the report, the year not being over"
	case RulePublishedBy:
		return "offentliggjort ved årets udgang / published by the end of the year"
	}
	return rule
}
