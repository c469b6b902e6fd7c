package monitor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/report"
	"github.com/kraeftplan/kpv/store"
)

// monthlyFigures returns every bench indicator's 18 series (Denmark and the
// regions by sex) over months monthly periods, each value shifted by shift
// for the indicators keep selects (invented values, for load only). A
// figure is published the month after its period; a revision (shift not 0)
// is published at fixedNow, so last year's report still rests on the
// revision it replaced (read from the history).
func monthlyFigures(tb testing.TB, cat *indicators.Catalogue, months int, keep func(id string) bool, shift float64) []indicators.Observation {
	tb.Helper()
	var out []indicators.Observation
	geos := []string{"DK", "DK-81", "DK-82", "DK-83", "DK-84", "DK-85"}
	for _, in := range cat.Indicators {
		if !strings.HasPrefix(in.ID, "bench_") || !keep(in.ID) {
			continue
		}
		for m := range months {
			period := fmt.Sprintf("%dM%02d", 2000+m/12, m%12+1)
			published := time.Date(2000+m/12, time.Month(m%12+2), 1, 0, 0, 0, 0, time.UTC)
			if shift != 0 {
				published = fixedNow
			}
			for g, geo := range geos {
				for s, sex := range []string{"male", "female", "total"} {
					den := 1000.0 + float64(100*g)
					num := float64(500+10*g+5*s+m%7) + shift
					v := 100 * num / den
					out = append(out, indicators.Observation{Indicator: in.ID, Period: period, Geography: geo,
						Breakdown: indicators.Breakdown{"sex": sex}, Value: &v, Numerator: &num, Denominator: &den, PublishedAt: published})
				}
			}
		}
	}
	prepared, err := indicators.Prepare(cat, out)
	if err != nil {
		tb.Fatal(err)
	}
	return prepared
}

// BenchmarkRefresh: a million current figures (200 indicators × 18 series
// × 278 monthly periods; KPV_REFRESH_FIGURES changes the total) in
// Postgres. It times a full rebuild of the assessment from them (reading
// every current figure), then a run that revises every figure of 1 % of
// the series (two indicators' 36 series) and the incremental refresh after
// it, and the yearly report for the current year after that run: rebuilt
// by a report.Builder from the state an earlier request left (report-s,
// as the API's cache does) and built from a full read (report-full-s; and
// the median of five more in the same process, report-full-again-s, each
// beside what Postgres alone takes to send the figures, postgres-send-s),
// checked equal. It reports both refresh times, their ratio, the peak
// resident memory of the full rebuild and the series on /metrics. Run it
// on its own, once (-benchtime 1x): the loading takes minutes.
func BenchmarkRefresh(b *testing.B) {
	ctx := context.Background()
	total := 1_000_000
	if n, err := strconv.Atoi(os.Getenv("KPV_REFRESH_FIGURES")); err == nil && n > 0 {
		total = n
	}
	cat := benchCatalogue(b, benchIndicators)
	months := (total + benchIndicators*18 - 1) / (benchIndicators * 18)
	st, dbURL := pgtest.NewStoreURL(b)
	if _, err := st.SyncCatalogue(ctx, cat); err != nil {
		b.Fatal(err)
	}
	write := func(keep func(string) bool, shift float64) store.Run {
		figs := monthlyFigures(b, cat, months, keep, shift)
		run, err := st.Record(ctx, "indberetning", store.KindTest, func(ctx context.Context, tx pgx.Tx, id int64) (store.Counts, error) {
			return store.WriteObservations(ctx, tx, id, "indberetning", figs)
		})
		if err != nil {
			b.Fatal(err)
		}
		return run
	}
	// Ten indicators a run, so that the figures are never all in memory.
	stored := 0
	for i := 0; i < benchIndicators; i += 10 {
		run := write(func(id string) bool {
			n, _ := strconv.Atoi(strings.TrimPrefix(id, "bench_"))
			return n >= i && n < i+10
		}, 0)
		stored += run.Counts.Inserted
	}
	if err := st.Exec(ctx, `VACUUM ANALYZE figures, figure_history, series, periods`); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d current figures stored (%d months)", stored, months)

	var full, incr, rep, repFull, repFullCPU, repAgain, pgSend time.Duration
	var faults int64        // minor page faults of the first full-read report
	var builderHeap float64 // bytes the report builder keeps
	var rss float64
	var series int
	for range b.N {
		m := New(Options{Catalogue: cat, Store: st, Registerer: prometheus.NewRegistry(), Now: func() time.Time { return fixedNow }})
		runtime.GC()
		resetPeakRSS()
		start := time.Now()
		if err := m.RefreshAll(ctx); err != nil {
			b.Fatal(err)
		}
		full += time.Since(start)
		rss = max(rss, float64(peakRSS()))
		if got := m.Snapshot().Figures; got != stored {
			b.Fatalf("the full rebuild assessed %d figures, want %d", got, stored)
		}

		// The report as the API holds it from an earlier request, before
		// the run (not timed).
		b.StopTimer()
		year := time.Now().Year()
		// What the builder keeps (two assessments, histories, change
		// numbers) is measured as the live heap it adds.
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		inc := report.NewBuilder(cat, year)
		if cutoff, rule, err := report.CutOff(cat, year, time.Time{}, time.Now()); err != nil {
			b.Fatal(err)
		} else if _, err := inc.Build(ctx, st, rule, cutoff); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		builderHeap = max(builderHeap, float64(after.HeapAlloc)-float64(before.HeapAlloc))

		// A run revises every figure of 1 % of the series: two indicators.
		run := write(func(id string) bool { return id == "bench_000" || id == "bench_001" }, float64(1+len(fmt.Sprint(incr))%3))
		if run.Counts.Revised != 2*18*months {
			b.Fatalf("the revising run: %+v", run.Counts)
		}
		b.StartTimer()
		start = time.Now()
		if err := m.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
		incr += time.Since(start)
		series = m.current.Load().series

		// The report a user waits for after that run: rebuilt by the
		// kept builder (reading and reassessing the two revised
		// indicators); then the same report from a full read (report.Build,
		// nothing kept), the same.
		now := time.Now()
		cutoff, rule, err := report.CutOff(cat, year, time.Time{}, now)
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		got, err := inc.Build(ctx, st, rule, cutoff)
		if err != nil {
			b.Fatal(err)
		}
		rep += time.Since(start)
		start, cpu, flt := time.Now(), cpuTime(), minorFaults()
		full, err := report.Build(ctx, st, cat, year, time.Time{}, now)
		if err != nil {
			b.Fatal(err)
		}
		repFull += time.Since(start)
		repFullCPU += cpuTime() - cpu
		faults += minorFaults() - flt
		// The same again, five times, in the same process (as a server
		// answers as_of requests): the first one above also paid for the
		// process's memory growing to hold a full read (page faults). Each
		// is followed by the yardstick of this machine's speed at that
		// moment: one Postgres backend sending the columns of every figure
		// the read asks for, to nowhere (this machine's speed moves by a
		// third within minutes; the ratio of the two moves less).
		var again, sends []time.Duration
		for range 5 {
			start := time.Now()
			if _, err := report.Build(ctx, st, cat, year, time.Time{}, now); err != nil {
				b.Fatal(err)
			}
			again = append(again, time.Since(start))
			sends = append(sends, postgresSend(b, dbURL))
		}
		slices.Sort(again)
		slices.Sort(sends)
		repAgain += again[2]
		pgSend += sends[2]
		gotJSON, err := report.Render(got, "json")
		if err != nil {
			b.Fatal(err)
		}
		if fullJSON, _ := report.Render(full, "json"); !bytes.Equal(gotJSON, fullJSON) {
			b.Fatal("the incremental report differs from the full build")
		}
		if got.Changes.PreviousCutOff == nil {
			b.Fatal("the report has no previous year's report to compare with")
		}
	}
	n := float64(b.N)
	b.ReportMetric(full.Seconds()/n, "full-s")
	b.ReportMetric(incr.Seconds()/n, "incremental-s")
	b.ReportMetric(full.Seconds()/incr.Seconds(), "full/incremental")
	b.ReportMetric(rep.Seconds()/n, "report-s")
	b.ReportMetric(repFull.Seconds()/n, "report-full-s")
	b.ReportMetric(repFull.Seconds()/rep.Seconds(), "report-full/report")
	b.ReportMetric(repAgain.Seconds()/n, "report-full-again-s")
	b.ReportMetric(float64(faults)/n, "report-full-faults")
	b.ReportMetric(pgSend.Seconds()/n, "postgres-send-s")
	b.ReportMetric(repAgain.Seconds()/pgSend.Seconds(), "report-full-again/postgres-send")
	// kpv's own CPU time for it (Postgres's not counted): on a machine
	// shared with other work the wall time above varies several-fold.
	b.ReportMetric(repFullCPU.Seconds()/n, "report-full-cpu-s")
	b.ReportMetric(rss/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(builderHeap/(1<<20), "report-builder-MiB")
	b.ReportMetric(float64(stored), "figures")
	b.ReportMetric(float64(series), "series")
}

// postgresSend is how long one Postgres backend takes to send the columns
// store.Visible reads of every current figure, in COPY's binary format, to
// a reader that drops them: what a full read costs Postgres alone.
func postgresSend(tb testing.TB, dbURL string) time.Duration {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	start := time.Now()
	if _, err := conn.PgConn().CopyTo(ctx, io.Discard, `COPY (SELECT f.series_id, f.period_id, f.revision, f.value, f.numerator,
		f.denominator, f.ci_lower, f.ci_upper, f.run_id, f.published_at, f.release FROM figures f) TO STDOUT (FORMAT binary)`); err != nil {
		tb.Fatal(err)
	}
	return time.Since(start)
}

// cpuTime is the CPU time the process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// minorFaults is how many minor page faults the process has taken: each a
// page of memory touched for the first time.
func minorFaults() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Minflt
}

// peakRSS returns the process's peak resident set (VmHWM) in bytes;
// resetPeakRSS starts a new peak from the current resident set.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return -1
}

func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }
