package store_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

// The figures are invented for the test.
func TestAsOfIgnoresLaterRevisions(t *testing.T) {
	s, c := synced(t)
	dk := func(period string, v float64) indicators.Observation {
		return indicators.Observation{Indicator: "g1_unmet_needs_followup", Period: period, Geography: "DK", Value: testkit.Float(v)}
	}
	first := write(t, s, c, []indicators.Observation{dk("2023", 35), dk("2024", 34)})
	cutoff := time.Now()
	time.Sleep(20 * time.Millisecond)
	// After the cut-off: 2024 is revised and 2025 appears.
	second := write(t, s, c, []indicators.Observation{dk("2023", 35), dk("2024", 33), dk("2025", 32)})
	if second.Counts.Revised != 1 || second.Counts.Inserted != 1 {
		t.Fatalf("second run: %+v", second.Counts)
	}

	then := asOf(t, s, cutoff)
	got := map[string]float64{}
	for _, o := range then.Observations {
		got[o.Period] = *o.Value
		if o.RunID != first.ID || o.Revision != 1 {
			t.Errorf("as of the cut-off, %s comes from run %d revision %d; want run %d revision 1", o.Period, o.RunID, o.Revision, first.ID)
		}
	}
	if len(got) != 2 || got["2023"] != 35 || got["2024"] != 34 {
		t.Errorf("figures as of the cut-off: %v, want 2023: 35, 2024: 34", got)
	}
	if len(then.Runs) != 1 || then.Runs[0].ID != first.ID || then.Runs[0].Figures != 2 || !then.Runs[0].LatestSuccess {
		t.Errorf("runs as of the cut-off: %+v, want run %d with 2 figures, the latest success", then.Runs, first.ID)
	}
	if at, ok := then.LastSuccess["barometer"]; !ok || at.After(cutoff) {
		t.Errorf("last success as of the cut-off: %v (%v)", at, ok)
	}

	now := asOf(t, s, time.Now())
	got = map[string]float64{}
	for _, o := range now.Observations {
		got[o.Period] = *o.Value
	}
	if len(got) != 3 || got["2024"] != 33 || got["2025"] != 32 {
		t.Errorf("figures now: %v, want the revision 2024: 33 and 2025: 32", got)
	}
	if len(now.Runs) != 2 || now.Runs[0].ID != first.ID || now.Runs[0].Figures != 1 || now.Runs[0].LatestSuccess ||
		now.Runs[1].ID != second.ID || now.Runs[1].Figures != 2 || !now.Runs[1].LatestSuccess {
		t.Errorf("runs now: %+v", now.Runs)
	}

	// Asking again for the old cut-off gives the same set.
	again := asOf(t, s, cutoff)
	if len(again.Observations) != len(then.Observations) || *again.Observations[1].Value != 34 {
		t.Errorf("asked again: %+v", again.Observations)
	}
}

func TestRecordVersionChanges(t *testing.T) {
	ctx := context.Background()
	s, c := synced(t)
	v0, err := s.RecordVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	obs := []indicators.Observation{{Indicator: "g1_unmet_needs_followup", Period: "2023", Geography: "DK", Value: testkit.Float(35)}}
	write(t, s, c, obs)
	v1, _ := s.RecordVersion(ctx)
	if v1.Figures == v0.Figures || v1.FiguresMaxID == v0.FiguresMaxID {
		t.Errorf("after a write: %+v, before %+v", v1, v0)
	}
	write(t, s, c, obs) // unchanged: no figure, but a run ended
	v2, _ := s.RecordVersion(ctx)
	if v2 == v1 || v2.Figures != v1.Figures || v2.FiguresMaxID != v1.FiguresMaxID || v2.RunsFinished != 2 {
		t.Errorf("after an unchanged run: %+v, before %+v", v2, v1)
	}
}

// A large table is read in parts side by side, each on its own connection
// sharing one snapshot: the parts together are exactly the one read, also
// with a revision committed between the reads of two sets.
func TestVisibleReadInPartsIsTheOneRead(t *testing.T) {
	s, c := synced(t)
	var batch []indicators.Observation
	for y := 1901; y <= 2100; y++ {
		for _, ind := range []string{"g1_unmet_needs_followup", "g2_involved_decisions_barometer"} {
			batch = append(batch, indicators.Observation{Indicator: ind, Period: fmt.Sprint(y), Geography: "DK", Value: testkit.Float(float64(y%50) + 0.5)})
		}
	}
	write(t, s, c, batch)
	cutoff := time.Now()
	batch[0].Value = testkit.Float(49.5) // a revision after the cut-off
	write(t, s, c, batch)
	if err := s.Exec(context.Background(), `VACUUM ANALYZE figures`); err != nil {
		t.Fatal(err)
	}
	var pages int64
	if err := s.QueryRow(context.Background(), `SELECT relpages FROM pg_class WHERE oid = 'figures'::regclass`).Scan(&pages); err != nil || pages < 2 {
		t.Fatalf("the figures table has %d blocks (%v): too few to read in parts", pages, err)
	}
	for _, at := range []time.Time{cutoff, time.Now()} {
		one := asOf(t, s, at)
		restore := store.SplitReadsFrom(1)
		parts := asOf(t, s, at)
		restore()
		if len(parts.Observations) != len(batch) || !reflect.DeepEqual(one, parts) {
			t.Errorf("as of %s: %d figures read in parts, %d in one read, or they differ", at, len(parts.Observations), len(one.Observations))
		}
	}
}

// A read of two sets gives the later as its difference from the first:
// only the indicators whose figures differ (here one revised after the
// later set's end), and whole through Of. The first end must be the
// latest: asked otherwise, the read fails and says so. The figures are
// invented for the test.
func TestLaterSetIsItsDifference(t *testing.T) {
	s, c := synced(t)
	ctx := context.Background()
	fig := func(ind, period string, v float64, published time.Time) indicators.Observation {
		return indicators.Observation{Indicator: ind, Period: period, Geography: "DK", Value: testkit.Float(v), PublishedAt: published}
	}
	lastYear, thisYear := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	write(t, s, c, []indicators.Observation{fig("g1_unmet_needs_followup", "2023", 35, lastYear), fig("g1_responsibility_followup", "2023", 60, lastYear)})
	write(t, s, c, []indicators.Observation{fig("g1_unmet_needs_followup", "2023", 33, thisYear)}) // revised this year
	ends := []time.Time{time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)}
	cs, err := s.Visible(ctx, store.Cut{CutOff: time.Now(), Ends: ends})
	if err != nil {
		t.Fatal(err)
	}
	first, later := cs.Sets[0], cs.Sets[1]
	if first.Differs != nil || fmt.Sprint(later.Differs) != "map[g1_unmet_needs_followup:true]" {
		t.Errorf("differs: first %v, later %v; want none, then the revised indicator only", first.Differs, later.Differs)
	}
	if len(later.Observations) != 1 || *later.Observations[0].Value != 35 {
		t.Errorf("the later set holds %d figures, want the revised indicator's one, as last year saw it (35)", len(later.Observations))
	}
	whole := map[string]float64{}
	for _, o := range later.Of(first, nil) {
		whole[o.Indicator] = *o.Value
	}
	if len(whole) != 2 || whole["g1_unmet_needs_followup"] != 35 || whole["g1_responsibility_followup"] != 60 {
		t.Errorf("the later set whole: %v, want 35 and 60", whole)
	}
	if _, err := s.Visible(ctx, store.Cut{CutOff: time.Now(), Ends: []time.Time{ends[1], ends[0]}}); err == nil || !strings.Contains(err.Error(), "the first end must be the latest") {
		t.Errorf("the later end second: %v, want an error saying the first end must be the latest", err)
	}
}
