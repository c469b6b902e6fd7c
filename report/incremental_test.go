package report_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/report"
	"github.com/kraeftplan/kpv/store"
)

// A live report built again incrementally after each change is, to the
// byte in its JSON, the report built from a full read as of the same
// cut-off: for this year's report and last year's, after a revision, a new
// period, a figure published after the cut-off and then the cut-off
// passing it, a figure recorded after the cut-off, another source's run, a
// new series, a suppressed cell, a revision of the figures Nordic ranks
// are derived from, and the clock moving on (freshness). The later figures
// are invented for the test.
func TestIncrementalReportEqualsFullBuild(t *testing.T) {
	ctx := context.Background()
	st, cat, _ := bundledStore(t)
	year := time.Now().Year()
	builders := map[int]*report.Builder{year: report.NewBuilder(cat, year), year - 1: report.NewBuilder(cat, year-1)}
	rebuilt := 0
	check := func(step string, cutoff time.Time) {
		t.Helper()
		cutoff = cutoff.UTC().Truncate(time.Microsecond)
		for _, y := range []int{year, year - 1} {
			rule := report.RuleNow
			if report.EndOfYear(y).Before(cutoff) {
				rule = report.RulePublishedBy
			}
			full, err := report.NewBuilder(cat, y).Build(ctx, st, rule, cutoff)
			if err != nil {
				t.Fatal(err)
			}
			want, err := report.Render(full, "json")
			if err != nil {
				t.Fatal(err)
			}
			inc, err := builders[y].Build(ctx, st, rule, cutoff)
			if err != nil {
				t.Fatal(err)
			}
			got, err := report.Render(inc, "json")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s, report for %d: the incremental report differs from the full build: %s", step, y, firstDiff(got, want))
			}
			rebuilt++
		}
	}
	check("bundled figures", time.Now())

	run := func(source string, obs ...indicators.Observation) {
		t.Helper()
		prepared, err := indicators.Prepare(cat, obs)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Record(ctx, source, store.KindTest, func(ctx context.Context, tx pgx.Tx, id int64) (store.Counts, error) {
			return store.WriteObservations(ctx, tx, id, source, prepared)
		}); err != nil {
			t.Fatal(err)
		}
	}
	lastYear := time.Date(year-1, 6, 1, 0, 0, 0, 0, time.UTC)
	fig := func(period, geo string, v float64, published time.Time) indicators.Observation {
		return indicators.Observation{Indicator: "g1_unmet_needs_followup", Period: period, Geography: geo, Value: testkit.Float(v),
			Numerator: testkit.Float(v * 20), Denominator: testkit.Float(2000), PublishedAt: published}
	}
	run("indberetning", fig("2015", "DK", 40, lastYear), fig("2016", "DK", 45, lastYear))
	check("new figures published last year", time.Now())
	run("indberetning", fig("2015", "DK", 38, time.Now()))
	check("a revision published now", time.Now())
	run("indberetning", fig(fmt.Sprint(year-1), "DK", 47, time.Now()), fig(fmt.Sprint(year-1), "DK-81", 41, time.Now()))
	check("a new period", time.Now())

	// Published a moment after the cut-off: left out, then let in as the
	// cut-off passes its publication, its series unchanged.
	soon := time.Now().Add(300 * time.Millisecond)
	run("indberetning", fig("2017", "DK", 44, soon))
	check("a figure published after the cut-off", time.Now())
	time.Sleep(time.Until(soon) + 50*time.Millisecond)
	check("the cut-off past its publication", time.Now())

	// Recorded after the cut-off (the run began after it): seen by the next.
	cutoff := time.Now()
	time.Sleep(20 * time.Millisecond)
	run("indberetning", fig("2018", "DK", 43, lastYear))
	check("a figure recorded after the cut-off", cutoff)
	check("the cut-off past its recording", time.Now())

	run("nordcan-survival") // another source's run finishes: its last success moves
	check("another source's run", time.Now())
	run("indberetning", indicators.Observation{Indicator: "g1_unmet_needs_followup", Period: "2016", Geography: "DK-83",
		Value: testkit.Float(33), Numerator: testkit.Float(660), Denominator: testkit.Float(2000), PublishedAt: lastYear})
	check("a new series", time.Now())
	run("indberetning", indicators.Observation{Indicator: "g1_unmet_needs_followup", Period: fmt.Sprint(year - 1), Geography: "DK-82",
		Suppressed: true, PublishedAt: lastYear})
	check("a suppressed cell", time.Now())
	run("indberetning", indicators.Observation{Indicator: "g3_survival_5y_nordic", Period: "2014-2018", Geography: "DK",
		Breakdown: indicators.Breakdown{"sex": "female", "cancer_site": "990"}, Value: testkit.Float(75), CILower: testkit.Float(74.5),
		CIUpper: testkit.Float(75.5), PublishedAt: lastYear})
	check("a revision of the figures Nordic ranks are derived from", time.Now())
	check("nothing changed", time.Now())
	check("a year and more later (freshness)", time.Now().AddDate(1, 3, 0))
	if rebuilt != 28 {
		t.Fatalf("%d reports compared", rebuilt)
	}
}

// firstDiff shows where two renderings part.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-200)
	return fmt.Sprintf("at byte %d:\n got …%s…\nwant …%s…", i, a[from:min(len(a), i+200)], b[from:min(len(b), i+200)])
}
