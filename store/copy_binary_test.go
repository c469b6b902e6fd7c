package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

// Figures are sent to Postgres in COPY's binary format, encoded by kpv:
// every field must read back as written — figures and counts, the interval,
// a suppressed cell with no value, the publication time (to the
// microsecond, also before 2000) and a release label in Danish letters —
// both for a new series (copied straight in) and for a revision (staged
// and merged).
func TestWrittenFiguresReadBackExactly(t *testing.T) {
	ctx := context.Background()
	s, c := synced(t)
	published := time.Date(1999, 12, 31, 23, 59, 59, 123456789, time.UTC)
	batch := []indicators.Observation{
		{Indicator: "g1_unmet_needs_followup", Period: "2019", Geography: "DK", Value: testkit.Float(38.25), Numerator: testkit.Float(153),
			Denominator: testkit.Float(400), CILower: testkit.Float(35.5), CIUpper: testkit.Float(41), PublishedAt: published, Release: "9.2 rettet (æøå)"},
		{Indicator: "g1_unmet_needs_followup", Period: "2019", Geography: "DK-81", Suppressed: true, PublishedAt: published},
	}
	check := func(what string, want indicators.Observation, revision int) {
		t.Helper()
		got, err := s.Observations(ctx, store.ObservationFilter{Indicator: want.Indicator, Geographies: []string{want.Geography}})
		if err != nil || len(got) != 1 {
			t.Fatalf("%s: %+v %v", what, got, err)
		}
		g := got[0]
		same := func(a, b *float64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
		if !same(g.Value, want.Value) || !same(g.Numerator, want.Numerator) || !same(g.Denominator, want.Denominator) ||
			!same(g.CILower, want.CILower) || !same(g.CIUpper, want.CIUpper) || g.Suppressed != want.Suppressed ||
			!g.PublishedAt.Equal(want.PublishedAt.Truncate(time.Microsecond)) || g.Release != want.Release || g.Revision != revision {
			t.Errorf("%s: read back %+v (published %s), want %+v (published %s) as revision %d", what, g, g.PublishedAt, want, want.PublishedAt, revision)
		}
	}
	if r := write(t, s, c, batch); r.Counts.Inserted != 2 {
		t.Fatalf("first write: %+v", r.Counts)
	}
	check("new figure", batch[0], 1)
	check("new suppressed figure", batch[1], 1)

	later := time.Date(2026, 11, 3, 8, 30, 0, 999, time.UTC)
	batch[0].Value, batch[0].CILower, batch[0].CIUpper, batch[0].Numerator = testkit.Float(37.125), nil, nil, nil
	batch[0].PublishedAt, batch[0].Release = later, "9.3"
	batch[1] = indicators.Observation{Indicator: "g1_unmet_needs_followup", Period: "2019", Geography: "DK-81", Value: testkit.Float(0), PublishedAt: later}
	if r := write(t, s, c, batch); r.Counts.Revised != 2 {
		t.Fatalf("second write: %+v", r.Counts)
	}
	check("revised figure", batch[0], 2)
	check("a suppressed figure given as zero", batch[1], 2)
}
