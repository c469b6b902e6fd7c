package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

// seriesMigration is migration 00050, which moves observations into
// series, periods, figures and their history.
const seriesMigration = 50

// TestSeriesMigrationKeepsEveryRevision writes figures in the schema before
// migration 00050 — three revisions of some, suppressed cells, intervals
// and counts, breakdowns, submitted figures — and checks that the
// migration keeps every row with every column (the old table's rows read
// through the view of its name), that the latest revisions, the figures as
// of three cut-offs and the revision history are the same as the old
// schema's answers, that migrating down gives the old table back, and that
// ids and revisions go on from where they were. The figures are invented.
func TestSeriesMigrationKeepsEveryRevision(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.MigrateTo(ctx, seriesMigration-1); err != nil {
		t.Fatal(err)
	}
	c := testkit.Catalogue(t)
	if _, err := s.SyncCatalogue(ctx, c); err != nil {
		t.Fatal(err)
	}

	// Runs: three ingests of NORDCAN, two of the Barometer, one
	// submission. A run records all its figures at one moment (its
	// transaction's start; migration 00060 keeps it on the run).
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	runs := map[string]int64{}
	for i, r := range []struct{ name, source, kind string }{
		{"nordcan1", "nordcan-survival", "ingest"}, {"nordcan2", "nordcan-survival", "ingest"}, {"nordcan3", "nordcan-survival", "ingest"},
		{"barometer", "barometer", "ingest"}, {"barometer2", "barometer", "ingest"}, {"submission", "indberetning", "submission"},
	} {
		var id int64
		if err := s.QueryRow(ctx, `INSERT INTO ingest_runs (source_id, kind, started_at, finished_at, outcome)
			VALUES ($1, $2, $3, $3, 'success') RETURNING id`, r.source, r.kind, base.Add(time.Duration(i)*24*time.Hour)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		runs[r.name] = id
	}
	rows := 0
	insert := func(ind, period, start, end, geo, breakdown, dims string, rev int, value, num, den, lo, hi *float64, source, run string, at time.Time) {
		t.Helper()
		if err := s.Exec(ctx, `INSERT INTO observations (indicator_id, period, period_start, period_end, geography, breakdown, dims,
				revision, value, numerator, denominator, ci_lower, ci_upper, suppressed, source_id, run_id, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $9::float8 IS NULL, $14, $15, $16)`,
			ind, period, start, end, geo, breakdown, dims, rev, value, num, den, lo, hi, source, runs[run], at); err != nil {
			t.Fatalf("insert %s %s %s r%d: %v", ind, period, geo, rev, err)
		}
		rows++
	}
	// NORDCAN survival by sex and site, three revisions of 2014-2018 for DK.
	for _, geo := range []string{"DK", "SE", "NO"} {
		for _, sex := range []string{"male", "female"} {
			bk, dims := "cancer_site=990,sex="+sex, fmt.Sprintf(`{"cancer_site": "990", "sex": %q}`, sex)
			for p, period := range []string{"2009-2013", "2014-2018"} {
				y := 2009 + 5*p
				start, end := fmt.Sprintf("%d-01-01", y), fmt.Sprintf("%d-12-31", y+4)
				v := 60 + float64(p)
				insert("g3_survival_5y_nordic", period, start, end, geo, bk, dims, 1, &v, nil, nil, testkit.Float(v-1), testkit.Float(v+1), "nordcan-survival", "nordcan1", base)
				if geo == "DK" && p == 1 {
					insert("g3_survival_5y_nordic", period, start, end, geo, bk, dims, 2, testkit.Float(v+0.5), nil, nil, testkit.Float(v-0.5), testkit.Float(v+1.5), "nordcan-survival", "nordcan2", base.Add(24*time.Hour))
					insert("g3_survival_5y_nordic", period, start, end, geo, bk, dims, 3, testkit.Float(v+0.7), nil, nil, nil, nil, "nordcan-survival", "nordcan3", base.Add(48*time.Hour))
				}
			}
		}
	}
	// The Barometer by region with counts; a suppressed cell, then revised to a value.
	for _, geo := range []string{"DK", "DK-81", "DK-82"} {
		insert("g1_unmet_needs_followup", "2023", "2023-01-01", "2023-12-31", geo, "", "{}", 1, testkit.Float(35), testkit.Float(350), testkit.Float(1000), nil, nil, "barometer", "barometer", base.Add(48*time.Hour))
	}
	insert("g1_unmet_needs_followup", "2019", "2019-01-01", "2019-12-31", "DK-83", "", "{}", 1, nil, nil, nil, nil, nil, "barometer", "barometer", base.Add(48*time.Hour))
	insert("g1_unmet_needs_followup", "2019", "2019-01-01", "2019-12-31", "DK-83", "", "{}", 2, testkit.Float(41), nil, nil, nil, nil, "barometer", "barometer2", base.Add(72*time.Hour))
	// A suppressed cell that stays suppressed, and a submitted figure.
	insert("g1_unmet_needs_followup", "2023", "2023-01-01", "2023-12-31", "DK-84", "", "{}", 1, nil, nil, nil, nil, nil, "barometer", "barometer", base.Add(48*time.Hour))
	insert("g1_gp_followup_plan", "2025", "2025-01-01", "2025-12-31", "DK-85", "", "{}", 1, testkit.Float(12.5), testkit.Float(25), testkit.Float(200), nil, nil, "indberetning", "submission", base.Add(72*time.Hour))
	if rows != 23 {
		t.Fatalf("wrote %d rows, the test expects 23", rows)
	}

	// Migration 00030's clocks (added here as 00050 adds them where 00030
	// is missing), set on some rows so that their move is checked too.
	if err := s.Exec(ctx, `ALTER TABLE observations ADD COLUMN IF NOT EXISTS published_at timestamptz;
		ALTER TABLE observations ADD COLUMN IF NOT EXISTS release text NOT NULL DEFAULT '';
		CREATE OR REPLACE VIEW current_observations AS SELECT DISTINCT ON (indicator_id, period, geography, breakdown) *
			FROM observations ORDER BY indicator_id, period, geography, breakdown, revision DESC;
		UPDATE observations SET published_at = recorded_at - interval '30 days', release = '9.2' WHERE source_id = 'nordcan-survival' AND revision > 1;
		UPDATE observations SET published_at = recorded_at WHERE source_id = 'indberetning'`); err != nil {
		t.Fatal(err)
	}

	// The old schema's answers.
	dump := func(view string) []string {
		t.Helper()
		var out []string
		r, err := s.Query(ctx, `SELECT to_jsonb(o)::text FROM `+view+` o ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for r.Next() {
			var j string
			if err := r.Scan(&j); err != nil {
				t.Fatal(err)
			}
			out = append(out, j)
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	// key of a figure as the API gives it, for comparing answers.
	key := func(o indicators.Observation) string {
		v := "suppressed"
		if o.Value != nil {
			v = fmt.Sprint(*o.Value)
		}
		return fmt.Sprintf("%s|%s|%s|%s|r%d|%s|%s|run%d|%s", o.Indicator, o.Period, o.Geography, o.Breakdown.Key(), o.Revision, v,
			o.Source, o.RunID, o.RecordedAt.UTC().Format(time.RFC3339))
	}
	oldAnswer := func(cutoff *time.Time, all bool) []string {
		t.Helper()
		q := `SELECT indicator_id || '|' || period || '|' || geography || '|' || breakdown || '|r' || revision || '|' ||
				COALESCE(value::text, 'suppressed') || '|' || source_id || '|run' || run_id || '|' ||
				to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
			FROM `
		var args []any
		switch {
		case all:
			q += `observations`
		case cutoff == nil:
			q += `current_observations`
		default:
			q += `(SELECT DISTINCT ON (indicator_id, period, geography, breakdown) * FROM observations WHERE recorded_at <= $1
				ORDER BY indicator_id, period, geography, breakdown, revision DESC) o`
			args = append(args, *cutoff)
		}
		r, err := s.Query(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var out []string
		for r.Next() {
			var k string
			if err := r.Scan(&k); err != nil {
				t.Fatal(err)
			}
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	cutoffs := []time.Time{base.Add(time.Hour), base.Add(25 * time.Hour), base.Add(60 * time.Hour)}
	beforeAll, beforeCurrent := dump("observations"), dump("current_observations")
	beforeHistory, beforeLatest := oldAnswer(nil, true), oldAnswer(nil, false)
	var beforeAsOf [][]string
	for _, cut := range cutoffs {
		beforeAsOf = append(beforeAsOf, oldAnswer(&cut, false))
	}
	if len(beforeAll) != 23 || len(beforeCurrent) != 18 {
		t.Fatalf("old schema: %d rows, %d current; want 23 and 18", len(beforeAll), len(beforeCurrent))
	}

	check := func(when string) {
		t.Helper()
		if got := dump("observations"); !slices.Equal(got, beforeAll) {
			t.Errorf("%s: observations differ:\n got %d rows %q\nwant %d rows %q", when, len(got), got, len(beforeAll), beforeAll)
		}
		if got := dump("current_observations"); !slices.Equal(got, beforeCurrent) {
			t.Errorf("%s: current_observations differ:\n got %q\nwant %q", when, got, beforeCurrent)
		}
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	check("after the migration")
	var figures, history, series, periods int
	if err := s.QueryRow(ctx, `SELECT (SELECT count(*) FROM figures), (SELECT count(*) FROM figure_history),
		(SELECT count(*) FROM series), (SELECT count(*) FROM periods)`).Scan(&figures, &history, &series, &periods); err != nil {
		t.Fatal(err)
	}
	if figures != 18 || history != 5 || series != 12 || periods != 5 {
		t.Errorf("moved into %d current figures, %d in the history, %d series, %d periods; want 18, 5, 12, 5", figures, history, series, periods)
	}

	// Figures refer to series and periods by id without a foreign key:
	// neither may lose a row.
	for _, q := range []string{`DELETE FROM series WHERE geography = 'NO'`, `TRUNCATE periods CASCADE`, `UPDATE series SET id = id + 1000`} {
		if err := s.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "never deleted") {
			t.Errorf("%s: %v, want it refused", q, err)
		}
	}

	// The store's answers in the new layout are the old schema's.
	keys := func(obs []indicators.Observation) []string {
		var out []string
		for _, o := range obs {
			out = append(out, key(o))
		}
		slices.Sort(out)
		return out
	}
	latest, err := s.Observations(ctx, store.ObservationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(latest); !slices.Equal(got, beforeLatest) {
		t.Errorf("latest figures:\n got %q\nwant %q", got, beforeLatest)
	}
	all, err := s.Observations(ctx, store.ObservationFilter{AllRevisions: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(all); !slices.Equal(got, beforeHistory) {
		t.Errorf("revision history:\n got %q\nwant %q", got, beforeHistory)
	}
	for i, cut := range cutoffs {
		set := asOf(t, s, cut)
		if got := keys(set.Observations); !slices.Equal(got, beforeAsOf[i]) {
			t.Errorf("as of %s:\n got %q\nwant %q", cut, got, beforeAsOf[i])
		}
	}

	// Down and up again: the old table comes back whole.
	if err := s.MigrateDownTo(ctx, seriesMigration-1); err != nil {
		t.Fatal(err)
	}
	check("after migrating down")
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	check("after migrating up again")

	// Revising a moved figure goes on from its revisions and ids.
	var maxID int64
	if err := s.QueryRow(ctx, `SELECT max(id) FROM observations`).Scan(&maxID); err != nil {
		t.Fatal(err)
	}
	run, err := s.Record(ctx, "barometer", store.KindTest, func(ctx context.Context, tx pgx.Tx, runID int64) (store.Counts, error) {
		p, err := indicators.Prepare(c, []indicators.Observation{{Indicator: "g1_unmet_needs_followup", Period: "2019", Geography: "DK-83", Value: testkit.Float(40)}})
		if err != nil {
			return store.Counts{}, err
		}
		return store.WriteObservations(ctx, tx, runID, "barometer", p)
	})
	if err != nil || run.Counts.Revised != 1 {
		t.Fatalf("revise a moved figure: %+v %v", run.Counts, err)
	}
	var id int64
	var rev int
	if err := s.QueryRow(ctx, `SELECT id, revision FROM current_observations WHERE indicator_id = 'g1_unmet_needs_followup'
		AND period = '2019' AND geography = 'DK-83'`).Scan(&id, &rev); err != nil {
		t.Fatal(err)
	}
	if rev != 3 || id <= maxID {
		t.Errorf("the revision of a moved figure: id %d revision %d; want an id above %d and revision 3", id, rev, maxID)
	}
}

// TestRecordedPerRunMigrationRefusesMixedRuns: migration 00060 keeps when
// a figure was recorded on its run, which holds only if each run recorded
// its figures at one moment (as kpv's writer does). A database where a run's
// figures carry two times is left as it was, with the run named.
func TestRecordedPerRunMigrationRefusesMixedRuns(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.MigrateTo(ctx, 59); err != nil {
		t.Fatal(err)
	}
	c := testkit.Catalogue(t)
	if _, err := s.SyncCatalogue(ctx, c); err != nil {
		t.Fatal(err)
	}
	var run int64
	if err := s.QueryRow(ctx, `INSERT INTO ingest_runs (source_id, kind, outcome) VALUES ('barometer', 'ingest', 'success') RETURNING id`).Scan(&run); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(ctx, `INSERT INTO series (indicator_id, geography) VALUES ('g1_unmet_needs_followup', 'DK');
		INSERT INTO periods (period, period_start, period_end) VALUES ('2019', '2019-01-01', '2019-12-31'), ('2023', '2023-01-01', '2023-12-31')`); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(ctx, `INSERT INTO figures (run_id, recorded_at, value, series_id, period_id, revision)
		SELECT $1, t, 30, (SELECT id FROM series), p.id, 1
		FROM periods p JOIN (VALUES ('2019', timestamptz '2025-01-01'), ('2023', timestamptz '2025-02-01')) v(period, t) USING (period)`, run); err != nil {
		t.Fatal(err)
	}
	_, err = s.Migrate(ctx)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("the figures of run %d were recorded at 2 different times", run)) {
		t.Fatalf("migrating a run with figures recorded at two times: %v, want it refused naming run %d", err, run)
	}
	var n int
	if err := s.QueryRow(ctx, `SELECT count(*) FROM figures WHERE recorded_at IS NOT NULL`).Scan(&n); err != nil || n != 2 {
		t.Errorf("after the refused migration: %d figures keep their recording time (%v), want 2", n, err)
	}
}
