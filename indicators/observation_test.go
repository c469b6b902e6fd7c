package indicators

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func fp(v float64) *float64 { return &v }

const unmet = "g1_unmet_needs_followup"

// A batch with bad rows is rejected whole, every bad row named with its
// field; nothing of it comes back to be written.
func TestPrepareRejectsBadBatchWhole(t *testing.T) {
	c := mustLoad(t)
	batch := []Observation{
		{Indicator: unmet, Period: "2023", Geography: "DK", Value: fp(35)},
		{Indicator: unmet, Period: "2023", Geography: "Atlantis", Value: fp(35)},
		{Indicator: unmet, Period: "2023", Geography: "DK-82", Value: fp(135)},
		{Indicator: unmet, Period: "last year", Geography: "DK-83", Value: fp(35)},
		{Indicator: "no_such_indicator", Period: "2023", Geography: "DK", Value: fp(1)},
		{Indicator: unmet, Period: "2023", Geography: "DK", Value: fp(34)},
	}
	got, err := Prepare(c, batch)
	var be *BatchError
	if !errors.As(err, &be) || got != nil {
		t.Fatalf("want a BatchError and no rows, got %d rows, %v", len(got), err)
	}
	want := map[int]string{2: "geography", 3: "value", 4: "period", 5: "indicator", 6: "period"}
	for _, r := range be.Rows {
		if want[r.Row] != r.Field {
			t.Errorf("row %d flagged on %s (%s), want %q", r.Row, r.Field, r.Message, want[r.Row])
		}
		delete(want, r.Row)
	}
	if len(want) != 0 {
		t.Errorf("rows not flagged: %v", want)
	}
	if be.Read != 6 {
		t.Errorf("read %d rows, want 6", be.Read)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "5 invalid row(s), nothing written") || !strings.Contains(msg, "row 2, geography") ||
		!strings.Contains(msg, "row 6, period: same indicator, period, geography and breakdown as row 1") {
		t.Errorf("message: %s", msg)
	}
}

// Each kind of bad number is caught on its own row and field.
func TestPrepareChecksNumbers(t *testing.T) {
	c := mustLoad(t)
	for _, tc := range []struct {
		name  string
		o     Observation
		field string
		msg   string
	}{
		{"suppressed with a value", Observation{Value: fp(3), Suppressed: true}, "value", "a suppressed figure has no value"},
		{"no value, not suppressed", Observation{}, "value", "value is missing"},
		{"NaN", Observation{Value: fp(math.NaN())}, "value", "finite"},
		{"infinite CI", Observation{Value: fp(3), CIUpper: fp(math.Inf(1))}, "value", "finite"},
		{"CI upside down", Observation{Value: fp(30), CILower: fp(40), CIUpper: fp(20)}, "ci_lower", "above upper bound"},
		{"value outside CI", Observation{Value: fp(50), CILower: fp(20), CIUpper: fp(40)}, "value", "outside its confidence interval"},
		{"numerator above denominator", Observation{Value: fp(30), Numerator: fp(600), Denominator: fp(500)}, "numerator", "do not form a proportion"},
		{"zero denominator", Observation{Value: fp(30), Numerator: fp(0), Denominator: fp(0)}, "numerator", "do not form a proportion"},
		{"CI upper above 100 %", Observation{Value: fp(99), CILower: fp(95), CIUpper: fp(104)}, "ci_upper", "outside the range of unit percent [0, 100]"},
		{"CI lower below 0 %", Observation{Value: fp(1), CILower: fp(-2), CIUpper: fp(3)}, "ci_lower", "outside the range of unit percent"},
		{"numerator without denominator", Observation{Value: fp(30), Numerator: fp(60)}, "numerator", "a numerator without a denominator"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			o.Indicator, o.Period, o.Geography = unmet, "2023", "DK"
			_, err := Prepare(c, []Observation{o})
			var be *BatchError
			if !errors.As(err, &be) || len(be.Rows) != 1 {
				t.Fatalf("want one bad row, got %v", err)
			}
			if r := be.Rows[0]; r.Row != 1 || r.Field != tc.field || !strings.Contains(r.Message, tc.msg) {
				t.Errorf("got row %d %s: %s; want row 1 %s: …%s…", r.Row, r.Field, r.Message, tc.field, tc.msg)
			}
		})
	}
}

// A good batch comes back in canonical form, in place: the region's code,
// the period's dates, an empty breakdown rather than none; a suppressed
// cell stays without a value.
func TestPrepareCanonicalForm(t *testing.T) {
	c := mustLoad(t)
	batch := []Observation{
		{Indicator: unmet, Period: "2019", Geography: "081", Value: fp(36), Numerator: fp(180), Denominator: fp(500)},
		{Indicator: unmet, Period: "2019", Geography: "DK-85", Suppressed: true},
	}
	got, err := Prepare(c, batch)
	if err != nil || len(got) != 2 || &got[0] != &batch[0] {
		t.Fatalf("got %d rows (in place: %v), %v", len(got), len(got) > 0 && &got[0] == &batch[0], err)
	}
	o := got[0]
	if o.Geography != "DK-81" || o.Period != "2019" || o.Breakdown == nil ||
		!o.PeriodStart.Equal(time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)) || !o.PeriodEnd.Equal(time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("canonical row: %+v", o)
	}
	if !got[1].Suppressed || got[1].Value != nil {
		t.Errorf("suppressed cell: %+v", got[1])
	}
}

// Two rows are the same figure when indicator, period, geography and
// breakdown agree, whatever order the breakdown was written in.
func TestObservationKey(t *testing.T) {
	a := Observation{Indicator: "x", Period: "2023", Geography: "DK", Breakdown: Breakdown{"sex": "female", "cancer_site": "990"}}
	b := Observation{Indicator: "x", Period: "2023", Geography: "DK", Breakdown: Breakdown{"cancer_site": "990", "sex": "female"}}
	if a.Key() != b.Key() {
		t.Errorf("same figure, different keys: %v %v", a.Key(), b.Key())
	}
	b.Breakdown["sex"] = "male"
	if a.Key() == b.Key() {
		t.Errorf("different breakdowns share the key %v", a.Key())
	}
	// A "|" in a field cannot make two figures collide.
	p := Observation{Indicator: "a|b", Period: "c"}
	q := Observation{Indicator: "a", Period: "b|c"}
	if p.Key() == q.Key() {
		t.Errorf("%v and %v collide", p, q)
	}
}

// A chunk of a streamed batch numbers its rows from first+1 and leaves
// duplicates to the writer, which sees the whole batch.
func TestPrepareChunk(t *testing.T) {
	c := mustLoad(t)
	chunk := []Observation{
		{Indicator: unmet, Period: "2023", Geography: "DK", Value: fp(35)},
		{Indicator: unmet, Period: "2023", Geography: "DK", Value: fp(35)},
	}
	if _, err := PrepareChunk(c, chunk, 1000); err != nil {
		t.Fatalf("duplicates within a chunk are the writer's to find: %v", err)
	}
	chunk[1].Geography = "Atlantis"
	_, err := PrepareChunk(c, chunk, 1000)
	var be *BatchError
	if !errors.As(err, &be) || len(be.Rows) != 1 || be.Rows[0].Row != 1002 || be.Read != 2 {
		t.Fatalf("want row 1002 flagged of 2 read, got %+v", err)
	}
}

// The error names rows by their place in the publisher's file when known,
// and stops listing after ten.
func TestBatchErrorMessage(t *testing.T) {
	e := &BatchError{Read: 20}
	for i := 1; i <= 12; i++ {
		e.Rows = append(e.Rows, RowError{Row: i, Field: "value", Message: "bad"})
	}
	e.Rows[0].Where = "Ark1!C7"
	msg := e.Error()
	for _, want := range []string{"12 invalid row(s), nothing written", "; Ark1!C7, value: bad", "; row 2, value: bad", "; … and 2 more"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "row 11,") {
		t.Errorf("message lists past ten rows: %s", msg)
	}
}

// Runs gives each stretch of one indicator's figures, in order, capped so
// that appending to one cannot overwrite the next; an indicator that comes
// again is a run again.
func TestRuns(t *testing.T) {
	obs := []Observation{{Indicator: "a"}, {Indicator: "a"}, {Indicator: "b"}, {Indicator: "a"}}
	var got []string
	for run := range Runs(obs) {
		got = append(got, fmt.Sprintf("%s×%d", run[0].Indicator, len(run)))
		if cap(run) != len(run) {
			t.Errorf("run of %s: capacity %d beyond its %d figures", run[0].Indicator, cap(run), len(run))
		}
	}
	if want := "[a×2 b×1 a×1]"; fmt.Sprint(got) != want {
		t.Errorf("runs %v, want %s", got, want)
	}
	for range Runs(obs) {
		break // stopping early must not panic
	}
	for range Runs(nil) {
		t.Error("a run of no figures")
	}
}
