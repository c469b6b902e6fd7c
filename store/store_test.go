package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

// synced returns a migrated store with the embedded catalogue loaded.
func synced(t testing.TB) (*store.Store, *indicators.Catalogue) {
	t.Helper()
	s := pgtest.NewStore(t)
	c := testkit.Catalogue(t)
	if _, err := s.SyncCatalogue(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return s, c
}

// asOf reads the figures visible at cutoff, with no publication end.
func asOf(t *testing.T, s *store.Store, cutoff time.Time) *store.AsOfSet {
	t.Helper()
	cs, err := s.Visible(context.Background(), store.Cut{CutOff: cutoff, Ends: []time.Time{{}}})
	if err != nil {
		t.Fatal(err)
	}
	return cs.Sets[0]
}

func write(t *testing.T, s *store.Store, c *indicators.Catalogue, batch []indicators.Observation) store.Run {
	t.Helper()
	run, err := s.Record(context.Background(), "barometer", store.KindTest, func(ctx context.Context, tx pgx.Tx, runID int64) (store.Counts, error) {
		prepared, err := indicators.Prepare(c, batch)
		if err != nil {
			return store.Counts{Read: len(batch)}, err
		}
		return store.WriteObservations(ctx, tx, runID, "barometer", prepared)
	})
	if err != nil {
		t.Fatalf("write: %v", err)
	}
	return run
}

func TestServeRefusesUnmigratedDatabase(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.CheckMigrated(ctx)
	if !errors.Is(err, store.ErrNotMigrated) || !strings.Contains(err.Error(), "kpv migrate") {
		t.Fatalf("unmigrated database: got %v, want ErrNotMigrated telling to run kpv migrate", err)
	}
	v1, err := s.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := s.Migrate(ctx) // idempotent
	if err != nil || v1 != v2 || v1 < 1 {
		t.Fatalf("second migrate: version %d then %d, err %v", v1, v2, err)
	}
	if err := s.CheckMigrated(ctx); err != nil {
		t.Fatalf("after migrate: %v", err)
	}
}

func TestSyncCatalogue(t *testing.T) {
	ctx := context.Background()
	s, c := synced(t)
	var goals, inits, inds int
	var funding2025 float64
	err := s.QueryRow(ctx, `SELECT (SELECT count(*) FROM goals), (SELECT count(*) FROM initiatives),
		(SELECT count(*) FROM indicators WHERE active),
		(SELECT sum(amount_mdkk)::float8 FROM funding WHERE table_id = 'plan-oekonomi' AND column_label = '2025' AND parent_id IS NULL)`).
		Scan(&goals, &inits, &inds, &funding2025)
	if err != nil {
		t.Fatal(err)
	}
	if goals != 3 || inits != 36 || inds != len(c.Indicators) {
		t.Errorf("synced %d goals, %d initiatives, %d indicators; want 3, 36, %d", goals, inits, inds, len(c.Indicators))
	}
	if funding2025 < 617.5 || funding2025 > 618.5 {
		t.Errorf("plan funding 2025 in the database sums to %v, want the plan's 618 within rounding", funding2025)
	}

	changed, err := s.SyncCatalogue(ctx, c)
	if err != nil || changed {
		t.Fatalf("re-sync of the same file: changed=%v err=%v", changed, err)
	}

	// An indicator dropped from the file is kept, inactive: its figures stay.
	edited := strings.Replace(string(indicators.Embedded), `id: "g2_pro_use"`, `id: "g2_pro_use_v2"`, 1)
	c2, err := indicators.Parse("edited.yaml", []byte(edited))
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := s.SyncCatalogue(ctx, c2); err != nil || !changed {
		t.Fatalf("sync of edited file: changed=%v err=%v", changed, err)
	}
	var oldActive, newActive bool
	if err := s.QueryRow(ctx, `SELECT (SELECT active FROM indicators WHERE id='g2_pro_use'), (SELECT active FROM indicators WHERE id='g2_pro_use_v2')`).Scan(&oldActive, &newActive); err != nil {
		t.Fatal(err)
	}
	if oldActive || !newActive {
		t.Errorf("after rename: old active=%v (want false), new active=%v (want true)", oldActive, newActive)
	}
}

// Writing the same figure again adds nothing; a changed figure adds a
// revision and the old one stays readable.
func TestRevisionsAreKept(t *testing.T) {
	ctx := context.Background()
	s, c := synced(t)
	batch := []indicators.Observation{
		{Indicator: "g1_unmet_needs_followup", Period: "2019", Geography: "DK", Value: testkit.Float(38)},
		{Indicator: "g1_unmet_needs_followup", Period: "2019", Geography: "081", Value: testkit.Float(36), Numerator: testkit.Float(180), Denominator: testkit.Float(500)},
		{Indicator: "g1_unmet_needs_followup", Period: "2019", Geography: "DK-85", Suppressed: true},
	}
	r1 := write(t, s, c, batch)
	if r1.Counts != (store.Counts{Read: 3, Inserted: 3}) || r1.Outcome != "success" {
		t.Fatalf("first write: %+v %s", r1.Counts, r1.Outcome)
	}
	r2 := write(t, s, c, batch)
	if r2.Counts != (store.Counts{Read: 3, Unchanged: 3}) || r2.Outcome != "unchanged" {
		t.Fatalf("same figures again: %+v %s", r2.Counts, r2.Outcome)
	}
	var rows int
	if err := s.QueryRow(ctx, `SELECT count(*) FROM observations`).Scan(&rows); err != nil || rows != 3 {
		t.Fatalf("after a repeated write: %d rows (err %v), want 3", rows, err)
	}
	betweenRuns := time.Now()
	time.Sleep(10 * time.Millisecond)

	batch[0].Value = testkit.Float(37)
	r3 := write(t, s, c, batch)
	if r3.Counts != (store.Counts{Read: 3, Revised: 1, Unchanged: 2}) {
		t.Fatalf("one changed figure: %+v", r3.Counts)
	}

	cur, err := s.Observations(ctx, store.ObservationFilter{Indicator: "g1_unmet_needs_followup", Geographies: []string{"DK"}})
	if err != nil || len(cur) != 1 || *cur[0].Value != 37 || cur[0].Revision != 2 || cur[0].RunID != r3.ID {
		t.Fatalf("current DK figure: %+v err %v; want value 37, revision 2 from run %d", cur, err, r3.ID)
	}
	all, err := s.Observations(ctx, store.ObservationFilter{Indicator: "g1_unmet_needs_followup", Geographies: []string{"DK"}, AllRevisions: true})
	if err != nil || len(all) != 2 || *all[0].Value != 38 || all[0].Revision != 1 || all[0].RunID != r1.ID {
		t.Fatalf("history: %+v err %v; want revision 1 = 38 from run %d kept", all, err, r1.ID)
	}
	asOf, err := s.Observations(ctx, store.ObservationFilter{Indicator: "g1_unmet_needs_followup", Geographies: []string{"DK"}, AsOf: betweenRuns})
	if err != nil || len(asOf) != 1 || *asOf[0].Value != 38 {
		t.Fatalf("as of before the revision: %+v err %v; want 38", asOf, err)
	}

	// The suppressed cell stays suppressed: no value, never zero.
	sup, err := s.Observations(ctx, store.ObservationFilter{Indicator: "g1_unmet_needs_followup", Geographies: []string{"DK-85"}})
	if err != nil || len(sup) != 1 || !sup[0].Suppressed || sup[0].Value != nil {
		t.Fatalf("suppressed cell: %+v err %v", sup, err)
	}
	// A region given by its Statistics Denmark code is stored under its canonical code.
	reg, err := s.Observations(ctx, store.ObservationFilter{Indicator: "g1_unmet_needs_followup", Geographies: []string{"DK-81"}})
	if err != nil || len(reg) != 1 || *reg[0].Denominator != 500 {
		t.Fatalf("region 081 stored as DK-81: %+v err %v", reg, err)
	}
}

// A batch with bad rows is rejected whole: nothing is written and the run
// log records the failure with every bad row.
func TestBadBatchWritesNothing(t *testing.T) {
	ctx := context.Background()
	s, c := synced(t)
	batch := []indicators.Observation{
		{Indicator: "g1_unmet_needs_followup", Period: "2023", Geography: "DK", Value: testkit.Float(35)},
		{Indicator: "g1_unmet_needs_followup", Period: "2023", Geography: "Atlantis", Value: testkit.Float(35)},
		{Indicator: "g1_unmet_needs_followup", Period: "2023", Geography: "DK-82", Value: testkit.Float(135)},
		{Indicator: "g1_unmet_needs_followup", Period: "last year", Geography: "DK-83", Value: testkit.Float(35)},
		{Indicator: "no_such_indicator", Period: "2023", Geography: "DK", Value: testkit.Float(1)},
		{Indicator: "g1_unmet_needs_followup", Period: "2023", Geography: "DK", Value: testkit.Float(34)},
	}
	run, err := s.Record(ctx, "barometer", store.KindTest, func(ctx context.Context, tx pgx.Tx, runID int64) (store.Counts, error) {
		p, err := indicators.Prepare(c, batch)
		if err != nil {
			return store.Counts{Read: len(batch)}, err
		}
		return store.WriteObservations(ctx, tx, runID, "barometer", p)
	})
	var be *indicators.BatchError
	if !errors.As(err, &be) {
		t.Fatalf("want a BatchError, got %v", err)
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
	var n int
	if err := s.QueryRow(ctx, `SELECT count(*) FROM observations`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d observations written by a rejected batch", n)
	}
	runs, err := s.Runs(ctx, store.RunFilter{Source: "barometer", Limit: 10})
	if err != nil || len(runs) != 1 {
		t.Fatalf("run log: %v %v", runs, err)
	}
	r := runs[0]
	if r.ID != run.ID || r.Outcome != "failed" || r.Counts.Rejected != 5 || !strings.Contains(r.Error, "row 2, geography") || r.FinishedAt == nil {
		t.Errorf("run log entry: %+v", r)
	}
}

// A run that fails after writing keeps nothing it wrote.
func TestFailedRunRollsBack(t *testing.T) {
	ctx := context.Background()
	s, c := synced(t)
	boom := errors.New("publisher sent a truncated body")
	_, err := s.Record(ctx, "barometer", store.KindTest, func(ctx context.Context, tx pgx.Tx, runID int64) (store.Counts, error) {
		p, err := indicators.Prepare(c, []indicators.Observation{{Indicator: "g1_unmet_needs_followup", Period: "2023", Geography: "DK", Value: testkit.Float(35)}})
		if err != nil {
			return store.Counts{}, err
		}
		n, err := store.WriteObservations(ctx, tx, runID, "barometer", p)
		if err != nil || n.Inserted != 1 {
			t.Fatalf("write inside run: %+v %v", n, err)
		}
		return n, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	var n int
	if err := s.QueryRow(ctx, `SELECT count(*) FROM observations`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d observations kept from a failed run", n)
	}
	runs, _ := s.Runs(ctx, store.RunFilter{Source: "", Limit: 10})
	if len(runs) != 1 || runs[0].Outcome != "failed" || runs[0].Error != boom.Error() || runs[0].Counts.Inserted != 0 {
		t.Fatalf("run log: %+v", runs)
	}
}

// A run may write several batches (a streamed source) in its one transaction.
func TestSeveralBatchesInOneRun(t *testing.T) {
	ctx := context.Background()
	s, c := synced(t)
	run, err := s.Record(ctx, "barometer", store.KindTest, func(ctx context.Context, tx pgx.Tx, runID int64) (store.Counts, error) {
		var total store.Counts
		for _, period := range []string{"2019", "2023"} {
			p, err := indicators.Prepare(c, []indicators.Observation{{Indicator: "g1_unmet_needs_followup", Period: period, Geography: "DK", Value: testkit.Float(30)}})
			if err != nil {
				return total, err
			}
			n, err := store.WriteObservations(ctx, tx, runID, "barometer", p)
			if err != nil {
				return total, err
			}
			total.Read += n.Read
			total.Inserted += n.Inserted
		}
		return total, nil
	})
	if err != nil || run.Counts.Inserted != 2 || run.Outcome != "success" {
		t.Fatalf("two batches in one run: %+v %v", run, err)
	}
}
