package api

import (
	"fmt"
	"time"

	"github.com/kraeftplan/kpv/indicators"
)

// publishedOutside refuses submitted figures whose publication date is not
// between their period's start and the submission: 9999-12-31 would hide a
// figure from every yearly report, a date before its period publish it
// before it could exist. rows are prepared (their periods parsed); index
// and where place them in the batch.
func publishedOutside(rows []indicators.Observation, index []int, where []string, now time.Time) []indicators.RowError {
	var bad []indicators.RowError
	for k, o := range rows {
		t := o.PublishedAt
		if t.IsZero() || !t.Before(o.PeriodStart) && !t.After(now) {
			continue
		}
		i := index[k]
		bad = append(bad, indicators.RowError{Row: i + 1, Field: "published", Where: where[i],
			Message: fmt.Sprintf("published %s is not between the start of the period %s (%s) and the submission (%s)",
				t.Format(time.DateOnly), o.Period, o.PeriodStart.Format(time.DateOnly), now.Format(time.DateOnly))})
	}
	return bad
}
