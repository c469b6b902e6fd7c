package indicators

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"time"
)

// Observation is one figure: an indicator's value for a period, a geography
// and a breakdown. On the way in, only the first block is set; reads fill in
// the revision and where it came from.
type Observation struct {
	Indicator   string    `json:"indicator"`
	Period      string    `json:"period"`
	Geography   string    `json:"geography"`
	Breakdown   Breakdown `json:"breakdown"`
	Value       *float64  `json:"value"`
	Numerator   *float64  `json:"numerator,omitempty"`
	Denominator *float64  `json:"denominator,omitempty"`
	CILower     *float64  `json:"ci_lower,omitempty"`
	CIUpper     *float64  `json:"ci_upper,omitempty"`
	Suppressed  bool      `json:"suppressed"`
	// PublishedAt is when the publisher released the figure (kpv's second
	// clock, next to RecordedAt); zero on the way in means "at recording".
	PublishedAt time.Time `json:"published_at,omitzero"`
	// Release is the publisher's release label (NORDCAN "9.2"), "" if none.
	Release string `json:"release,omitempty"`

	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	Revision    int       `json:"revision,omitempty"`
	Source      string    `json:"source,omitempty"`
	RunID       int64     `json:"run_id,omitempty"`
	RecordedAt  time.Time `json:"recorded_at,omitzero"`
}

// ObservationKey identifies a figure across revisions: a batch may hold
// one row per key, and a new row for a stored key is a revision of it.
type ObservationKey struct {
	Indicator, Period, Geography string
	// Breakdown is the breakdown's canonical key (Breakdown.Key).
	Breakdown string
}

// Key returns the observation's key.
func (o *Observation) Key() ObservationKey {
	return ObservationKey{Indicator: o.Indicator, Period: o.Period, Geography: o.Geography, Breakdown: o.Breakdown.Key()}
}

// RowError is a problem with one row of a batch: its position (from 1), the
// field and what is wrong.
type RowError struct {
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Message string `json:"message"`
	// Where names the row in the publisher's file (row, cell or JSON path),
	// when the batch came from one.
	Where string `json:"where,omitempty"`
}

// DuplicateRow is the error for a row with the same key as an earlier one.
func DuplicateRow(row, first int) RowError {
	return RowError{Row: row, Field: "period", Message: fmt.Sprintf("same indicator, period, geography and breakdown as row %d", first)}
}

// BatchError rejects a whole batch; it lists every bad row.
type BatchError struct {
	Rows []RowError
	// Read is how many rows were checked, good and bad.
	Read int
}

func (e *BatchError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d invalid row(s), nothing written", len(e.Rows))
	for i, r := range e.Rows {
		if i == 10 {
			fmt.Fprintf(&sb, "; … and %d more", len(e.Rows)-10)
			break
		}
		if r.Where != "" {
			fmt.Fprintf(&sb, "; %s, %s: %s", Excerpt(r.Where), Excerpt(r.Field), Excerpt(r.Message))
		} else {
			fmt.Fprintf(&sb, "; row %d, %s: %s", r.Row, Excerpt(r.Field), Excerpt(r.Message))
		}
	}
	return sb.String()
}

// Prepare checks a batch against the catalogue and puts each row in
// canonical form (geography code, period label and dates), in place: a
// large batch is not held twice. The batch is accepted whole or rejected
// whole: the error lists every bad row.
func Prepare(c *Catalogue, batch []Observation) ([]Observation, error) {
	bad := check(c, batch, 0)
	rejected := make(map[int]bool, len(bad))
	for _, e := range bad {
		rejected[e.Row] = true
	}
	seen := make(map[ObservationKey]int, len(batch))
	for i := range batch {
		if rejected[i+1] {
			continue
		}
		key := batch[i].Key()
		if first, dup := seen[key]; dup {
			bad = append(bad, DuplicateRow(i+1, first))
			continue
		}
		seen[key] = i + 1
	}
	if len(bad) > 0 {
		slices.SortStableFunc(bad, func(a, b RowError) int { return a.Row - b.Row })
		return nil, &BatchError{Rows: bad, Read: len(batch)}
	}
	return batch, nil
}

// PrepareChunk checks one chunk of a batch too large to hold whole, as
// Prepare does, except for duplicates, which need the whole batch: the
// store's ObservationWriter finds those. Rows are numbered from first+1.
func PrepareChunk(c *Catalogue, chunk []Observation, first int) ([]Observation, error) {
	if bad := check(c, chunk, first); len(bad) > 0 {
		return nil, &BatchError{Rows: bad, Read: len(chunk)}
	}
	return chunk, nil
}

// check checks each row against the catalogue and puts the good ones in
// canonical form, in place.
func check(c *Catalogue, batch []Observation, first int) []RowError {
	var bad []RowError
	periods := map[string]Period{} // a large batch repeats a few periods
	finite := func(p *float64) bool { return p == nil || !math.IsNaN(*p) && !math.IsInf(*p, 0) }
	for i, o := range batch {
		row := first + i + 1
		fail := func(field, format string, args ...any) {
			bad = append(bad, RowError{Row: row, Field: field, Message: fmt.Sprintf(format, args...)})
		}
		if o.Suppressed && o.Value != nil {
			fail("value", "a suppressed figure has no value")
			continue
		}
		if !o.Suppressed && o.Value == nil {
			fail("value", "value is missing (mark the figure suppressed if the publisher withheld it)")
			continue
		}
		if !finite(o.Value) || !finite(o.Numerator) || !finite(o.Denominator) || !finite(o.CILower) || !finite(o.CIUpper) {
			fail("value", "numbers must be finite")
			continue
		}
		geo, err := c.CheckObservation(o.Indicator, o.Geography, o.Breakdown, o.Value)
		if err != nil {
			if fe, ok := err.(*FieldError); ok {
				fail(fe.Field, "%s", fe.Message)
			} else {
				fail("indicator", "%v", err)
			}
			continue
		}
		p, ok := periods[o.Period]
		if !ok {
			var err error
			if p, err = ParsePeriod(o.Period); err != nil {
				fail("period", "%v", err)
				continue
			}
			periods[o.Period] = p
		}
		if o.CILower != nil && o.CIUpper != nil && *o.CILower > *o.CIUpper {
			fail("ci_lower", "lower bound %v is above upper bound %v", *o.CILower, *o.CIUpper)
			continue
		}
		if o.Value != nil && (o.CILower != nil && *o.Value < *o.CILower || o.CIUpper != nil && *o.Value > *o.CIUpper) {
			fail("value", "%v lies outside its confidence interval", *o.Value)
			continue
		}
		// A bound beyond what the unit can take (a share above 100 %) is
		// a wrong figure, like a value there.
		if in, ok := c.Indicator(o.Indicator); ok {
			if field, bound := ciOutside(in.Unit, o.CILower, o.CIUpper); field != "" {
				lo, hi := in.Unit.Bounds()
				fail(field, "%v is outside the range of unit %s [%v, %v]", bound, in.Unit, lo, hi)
				continue
			}
		}
		// A count means nothing without what it counts of; a denominator
		// alone (the respondents behind a published share) is fine.
		if o.Numerator != nil && o.Denominator == nil {
			fail("numerator", "a numerator without a denominator: give the denominator too, or neither")
			continue
		}
		if o.Numerator != nil && o.Denominator != nil && (*o.Numerator < 0 || *o.Denominator <= 0 || *o.Numerator > *o.Denominator) {
			fail("numerator", "numerator %v and denominator %v do not form a proportion", *o.Numerator, *o.Denominator)
			continue
		}
		if in, ok := c.Indicator(o.Indicator); ok && in.Unit.Share() && o.Value != nil && o.Numerator != nil && o.Denominator != nil {
			if share := 100 * *o.Numerator / *o.Denominator; math.Abs(*o.Value-share) > shareSlack {
				fail("value", "%v %% contradicts numerator %v and denominator %v, which make %.1f %%: correct the value or the counts",
					*o.Value, *o.Numerator, *o.Denominator, share)
				continue
			}
		}
		o.Geography, o.Period, o.PeriodStart, o.PeriodEnd = geo, p.Label, p.Start, p.End
		if o.Breakdown == nil {
			o.Breakdown = Breakdown{}
		}
		batch[i] = o
	}
	return bad
}

// shareSlack is how far (in percentage points) a published share may lie
// from its numerator over denominator: rounding to whole percent, and a
// little for weighting.
const shareSlack = 1.0

// ciOutside names a confidence bound outside the unit's range, if any.
func ciOutside(u Unit, lower, upper *float64) (string, float64) {
	for _, b := range []struct {
		field string
		p     *float64
	}{{"ci_lower", lower}, {"ci_upper", upper}} {
		if b.p != nil && !u.Contains(*b.p) {
			return b.field, *b.p
		}
	}
	return "", 0
}

// Runs yields obs a run at a time: each the longest stretch of figures of
// one indicator (the store gives figures by indicator, one run each).
func Runs(obs []Observation) iter.Seq[[]Observation] {
	return func(yield func([]Observation) bool) {
		for i := 0; i < len(obs); {
			j := i + 1
			for j < len(obs) && obs[j].Indicator == obs[i].Indicator {
				j++
			}
			if !yield(obs[i:j:j]) {
				return
			}
			i = j
		}
	}
}
