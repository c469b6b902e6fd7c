package report_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/report"
	"github.com/kraeftplan/kpv/store"
)

// oneEndAtATime reads each set of a Cut on its own: the sets of one read
// must not depend on the other ends asked for with them.
type oneEndAtATime struct{ st *store.Store }

func (a oneEndAtATime) Visible(ctx context.Context, c store.Cut) (*store.CutSets, error) {
	out := &store.CutSets{Pending: map[string]time.Time{}}
	for _, end := range c.Ends {
		one, err := a.st.Visible(ctx, store.Cut{CutOff: c.CutOff, Ends: []time.Time{end}, Pick: c.Pick})
		if err != nil {
			return nil, err
		}
		set := one.Sets[0]
		if len(out.Sets) > 0 { // as a later set of one read gives it
			set = report.Difference(out.Sets[0], set)
		}
		out.Sets, out.Versions = append(out.Sets, set), one.Versions
		for ind, t := range one.Pending {
			if p, ok := out.Pending[ind]; !ok || t.Before(p) {
				out.Pending[ind] = t
			}
		}
	}
	return out, nil
}

// The year's figures and the previous year's report's, read in one pass
// (store.Visible with two ends), are those read one end at a time: on the
// bundled figures, and after revisions and figures published this year,
// late or after a cut-off. The later figures are invented for the test.
func TestReportFromOneReadIsTheSame(t *testing.T) {
	ctx := context.Background()
	st, cat, _ := bundledStore(t)
	year := time.Now().Year()
	if year-1 < report.FirstYear(cat) {
		t.Fatalf("%d is the plan's first year: no previous report to read with it", year)
	}
	same := func(label string, asOf time.Time) *report.Report {
		t.Helper()
		now := time.Now()
		got, err := report.Build(ctx, st, cat, year, asOf, now)
		if err != nil {
			t.Fatal(err)
		}
		want, err := report.Build(ctx, oneEndAtATime{st}, cat, year, asOf, now)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the report from one read differs from the one from a read per end", label)
		}
		return got
	}
	bundled := same("bundled figures", time.Time{})
	if bundled.Figures < 400 {
		t.Fatalf("the bundled figures: %d in the report", bundled.Figures)
	}

	write := func(obs ...indicators.Observation) {
		t.Helper()
		prepared, err := indicators.Prepare(cat, obs)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Record(ctx, "indberetning", store.KindTest, func(ctx context.Context, tx pgx.Tx, id int64) (store.Counts, error) {
			return store.WriteObservations(ctx, tx, id, "indberetning", prepared)
		}); err != nil {
			t.Fatal(err)
		}
	}
	lastYear := time.Date(year-1, 6, 1, 0, 0, 0, 0, time.UTC)
	thisYear := time.Date(year, 1, 15, 0, 0, 0, 0, time.UTC)
	fig := func(period, geo string, v float64, published time.Time) indicators.Observation {
		return indicators.Observation{Indicator: "g1_unmet_needs_followup", Period: period, Geography: geo, Value: testkit.Float(v),
			Numerator: testkit.Float(v * 20), Denominator: testkit.Float(2000), PublishedAt: published}
	}
	// 2015 published last year, revised twice: last year, then this year;
	// 2014 published last year, revised this year; 2013 first published
	// this year (last year's report has none); 2016 published last year,
	// revised twice this year.
	write(fig("2015", "DK", 40, lastYear.AddDate(0, -3, 0)), fig("2014", "DK", 41, lastYear), fig("2014", "DK-81", 39, lastYear),
		fig("2016", "DK", 45, lastYear))
	write(fig("2015", "DK", 38, lastYear), fig("2016", "DK", 46, thisYear))
	write(fig("2015", "DK", 36, thisYear), fig("2014", "DK", 37, thisYear), fig("2013", "DK", 42, thisYear), fig("2016", "DK", 47, thisYear))
	time.Sleep(20 * time.Millisecond)
	cutoff := time.Now()
	time.Sleep(20 * time.Millisecond)
	// After the cut-off: a revision and a new figure, both published last
	// year (recorded late), which a report as of the cut-off must not see.
	write(fig("2014", "DK-81", 30, lastYear), fig("2012", "DK", 44, lastYear))

	now := same("revised and late figures, as of now", time.Time{})
	then := same("revised and late figures, as of a cut-off before the last run", cutoff)
	if then.Figures != bundled.Figures+5 || now.Figures != then.Figures+1 {
		t.Errorf("figures: bundled %d, as of the cut-off %d, now %d; want 5 more, then one more", bundled.Figures, then.Figures, now.Figures)
	}
	cs, err := st.Visible(ctx, store.Cut{CutOff: cutoff, Ends: []time.Time{report.EndOfYear(year), report.EndOfYear(year - 1)}})
	if err != nil {
		t.Fatal(err)
	}
	set, prev := cs.Sets[0], cs.Sets[1]
	value := func(s *store.AsOfSet, period, geo string) float64 {
		for _, o := range s.Of(set, nil) {
			if o.Indicator == "g1_unmet_needs_followup" && o.Period == period && o.Geography == geo && o.Breakdown.Key() == "" {
				return *o.Value
			}
		}
		return -1
	}
	for _, c := range []struct {
		s           *store.AsOfSet
		set, period string
		geo         string
		want        float64
	}{
		{set, "the year's", "2015", "DK", 36}, {prev, "last year's", "2015", "DK", 38},
		{set, "the year's", "2014", "DK", 37}, {prev, "last year's", "2014", "DK", 41},
		{set, "the year's", "2013", "DK", 42}, {prev, "last year's", "2013", "DK", -1},
		{set, "the year's", "2016", "DK", 47}, {prev, "last year's", "2016", "DK", 45},
		{set, "the year's", "2014", "DK-81", 39}, {prev, "last year's", "2014", "DK-81", 39},
		{set, "the year's", "2012", "DK", -1}, {prev, "last year's", "2012", "DK", -1},
	} {
		if got := value(c.s, c.period, c.geo); got != c.want {
			t.Errorf("%s figures as of the cut-off: %s %s is %v, want %v (-1: none)", c.set, c.geo, c.period, got, c.want)
		}
	}
}
