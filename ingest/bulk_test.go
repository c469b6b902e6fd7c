package ingest

// The bulk-ingest benchmark: a municipality-level table of about a million
// figures, loaded through the real ingest path (Runner.Run with a file in
// the `table` format: CSV parsing, mapping, catalogue checks, COPY into a
// staging table and one merge) and compared with `psql \copy` of the same
// rows into an equivalent table on the same server in the same run.
//
// Everything here is synthetic load, not data: the indicators, the source
// and the figures are invented for the benchmark and never shipped. The
// municipalities are Statistics Denmark's 98 municipality codes (KOMK), added
// as geographies of kind "region" (the catalogue has no municipality kind)
// to a copy of the shipped catalogue that exists only in this benchmark.

import (
	"bufio"
	"context"
	"fmt"

	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

// municipalities are Statistics Denmark's municipality codes and names.
var municipalities = []struct {
	code int
	name string
}{
	{101, "København"}, {147, "Frederiksberg"}, {151, "Ballerup"}, {153, "Brøndby"}, {155, "Dragør"},
	{157, "Gentofte"}, {159, "Gladsaxe"}, {161, "Glostrup"}, {163, "Herlev"}, {165, "Albertslund"},
	{167, "Hvidovre"}, {169, "Høje-Taastrup"}, {173, "Lyngby-Taarbæk"}, {175, "Rødovre"}, {183, "Ishøj"},
	{185, "Tårnby"}, {187, "Vallensbæk"}, {190, "Furesø"}, {201, "Allerød"}, {210, "Fredensborg"},
	{217, "Helsingør"}, {219, "Hillerød"}, {223, "Hørsholm"}, {230, "Rudersdal"}, {240, "Egedal"},
	{250, "Frederikssund"}, {253, "Greve"}, {259, "Køge"}, {260, "Halsnæs"}, {265, "Roskilde"},
	{269, "Solrød"}, {270, "Gribskov"}, {306, "Odsherred"}, {316, "Holbæk"}, {320, "Faxe"},
	{326, "Kalundborg"}, {329, "Ringsted"}, {330, "Slagelse"}, {336, "Stevns"}, {340, "Sorø"},
	{350, "Lejre"}, {360, "Lolland"}, {370, "Næstved"}, {376, "Guldborgsund"}, {390, "Vordingborg"},
	{400, "Bornholm"}, {410, "Middelfart"}, {420, "Assens"}, {430, "Faaborg-Midtfyn"}, {440, "Kerteminde"},
	{450, "Nyborg"}, {461, "Odense"}, {479, "Svendborg"}, {480, "Nordfyns"}, {482, "Langeland"},
	{492, "Ærø"}, {510, "Haderslev"}, {530, "Billund"}, {540, "Sønderborg"}, {550, "Tønder"},
	{561, "Esbjerg"}, {563, "Fanø"}, {573, "Varde"}, {575, "Vejen"}, {580, "Aabenraa"},
	{607, "Fredericia"}, {615, "Horsens"}, {621, "Kolding"}, {630, "Vejle"}, {657, "Herning"},
	{661, "Holstebro"}, {665, "Lemvig"}, {671, "Struer"}, {706, "Syddjurs"}, {707, "Norddjurs"},
	{710, "Favrskov"}, {727, "Odder"}, {730, "Randers"}, {740, "Silkeborg"}, {741, "Samsø"},
	{746, "Skanderborg"}, {751, "Aarhus"}, {756, "Ikast-Brande"}, {760, "Ringkøbing-Skjern"}, {766, "Hedensted"},
	{773, "Morsø"}, {779, "Skive"}, {787, "Thisted"}, {791, "Viborg"}, {810, "Brønderslev"},
	{813, "Frederikshavn"}, {820, "Vesthimmerlands"}, {825, "Læsø"}, {840, "Rebild"}, {846, "Mariagerfjord"},
	{849, "Jammerbugt"}, {851, "Aalborg"}, {860, "Hjørring"},
}

// The shape of the synthetic table: 98 municipalities × benchIndicators ×
// 3 sexes × benchMonths monthly periods = 999,600 figures.
const (
	benchIndicators = 20
	benchMonths     = 170
	benchSource     = "bench-municipal"
)

var benchSexes = []string{"Mænd", "Kvinder", "I alt"}

// benchCatalogue is the shipped catalogue plus the 98 municipalities, one
// synthetic source in the `table` format and benchIndicators synthetic
// indicators broken down by municipality and sex. It is built as YAML text
// and loaded with the real loader, so it is validated like the shipped one.
func benchCatalogue(tb testing.TB, indicatorCount int) *indicators.Catalogue {
	tb.Helper()
	var geo strings.Builder
	for _, m := range municipalities {
		fmt.Fprintf(&geo, "  - {code: \"M%d\", kind: \"region\", name_da: \"%s Kommune\", name_en: \"%s Municipality\", aliases: [\"%d\"]}\n",
			m.code, m.name, m.name, m.code)
	}
	source := `  - id: "` + benchSource + `"
    name_da: "Benchmark: kommunetabel (syntetisk)"
    name_en: "Benchmark: municipality table (synthetic)"
    publisher: "kpv benchmark"
    format: "table"
    url: "http://127.0.0.1:1/bench.csv"
    schedule: "CRON_TZ=Europe/Copenhagen 0 6 1 1 *"
    release: {every_months: 12, lag_months: 12, note: "Synthetic load for the bulk-ingest benchmark; never shipped."}
    citation: {title: "kpv bulk-ingest benchmark (synthetic figures)", url: "https://github.com/kraeftplan/kpv"}
    mapping:
      columns: {indicator: "Indikator", period: "Periode", geography: "Kommune", sex: "Køn", value: "Andel (%)"}
      codes:
        sex: {"Mænd": "male", "Kvinder": "female", "I alt": "total"}
`
	var ind strings.Builder
	for i := range indicatorCount {
		fmt.Fprintf(&ind, `  - id: "bench_%02d"
    goal: 1
    name_da: "Benchmark-indikator %d (syntetisk)"
    name_en: "Benchmark indicator %d (synthetic)"
    unit: "percent"
    polarity: "lower_is_better"
    baseline: {to_be_set: true, note: "synthetic benchmark indicator"}
    target: {direction: "improve", year: 2030, basis: "synthetic benchmark indicator"}
    thresholds: {warning: 50, critical: 60, basis: "synthetic benchmark indicator"}
    owner: "sst"
    source: "%s"
    breakdowns: ["region", "sex"]
    initiatives: [1]
    methodology: "Syntetisk belastning til benchmark; ingen data."
    methodology_en: "Synthetic load for the benchmark; no data."
`, i, i, i, benchSource)
	}
	return testkit.CatalogueWith(tb, map[string]string{"geographies": geo.String(), "sources": source, "indicators": ind.String()})
}

// benchRows calls emit for every figure of the synthetic table, in file
// order; value is in tenths of a percent. Nothing is held: the rows are made
// as they are written.
func benchRows(indicatorCount int, emit func(ind int, period string, muni int, sex int, tenths int) error) error {
	n := 0
	for i := range indicatorCount {
		for p := range benchMonths {
			period := fmt.Sprintf("%dM%02d", 2012+p/12, p%12+1)
			for _, m := range municipalities {
				for s := range benchSexes {
					n++
					if err := emit(i, period, m.code, s, (n*7919)%1000); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// writeBenchTable writes the synthetic table as the publisher would: a
// semicolon-separated CSV with Danish decimal commas.
func writeBenchTable(path string, indicatorCount int) (rows int, err error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	fmt.Fprintln(w, "Indikator;Periode;Kommune;Køn;Andel (%)")
	err = benchRows(indicatorCount, func(ind int, period string, muni, sex, tenths int) error {
		rows++
		_, err := fmt.Fprintf(w, "bench_%02d;%s;%d;%s;%d,%d\n", ind, period, muni, benchSexes[sex], tenths/10, tenths%10)
		return err
	})
	return rows, closeAll(err, w.Flush(), f.Close())
}

// writeBenchCopy writes the same rows as kpv stores them (the observations
// table's columns), for `psql \copy`.
func writeBenchCopy(path string, indicatorCount int, runID int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	codes := []string{"male", "female", "total"}
	err = benchRows(indicatorCount, func(ind int, period string, muni, sex, tenths int) error {
		p, err := indicators.ParsePeriod(period)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "bench_%02d,%s,%s,%s,M%d,sex=%s,\"{\"\"sex\"\": \"\"%s\"\"}\",1,%s,false,%s,%d\n",
			ind, p.Label, p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly), muni, codes[sex], codes[sex],
			strconv.FormatFloat(float64(tenths)/10, 'f', -1, 64), benchSource, runID)
		return err
	})
	return closeAll(err, w.Flush(), f.Close())
}

func closeAll(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
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

// psqlPath finds psql: on PATH, or in the Debian Postgres 15 directory.
func psqlPath() string {
	if p, err := exec.LookPath("psql"); err == nil {
		return p
	}
	return "/usr/lib/postgresql/15/bin/psql"
}

// psqlCopy runs `psql \copy` of file into table and returns its seconds.
func psqlCopy(b *testing.B, url, table, file string) float64 {
	cmd := exec.Command(psqlPath(), url, "-v", "ON_ERROR_STOP=1", "-qc",
		`\copy `+table+` (indicator_id, period, period_start, period_end, geography, breakdown, dims, revision, value, suppressed, source_id, run_id) FROM '`+file+`' WITH (FORMAT csv)`)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	secs := time.Since(start).Seconds()
	if err != nil {
		b.Fatalf("psql \\copy: %v\n%s", err, out)
	}
	return secs
}

// legacyObservations makes copy_target: the observations table of
// migration 00001 (with 00030's clocks), the shape every figure had before
// migration 00050 stored series apart from samples.
const legacyObservations = `CREATE TABLE copy_target (
    id             bigserial PRIMARY KEY,
    indicator_id   text    NOT NULL,
    period         text    NOT NULL,
    period_start   date    NOT NULL,
    period_end     date    NOT NULL,
    geography      text    NOT NULL,
    breakdown      text    NOT NULL DEFAULT '',
    dims           jsonb   NOT NULL DEFAULT '{}',
    revision       int     NOT NULL CHECK (revision >= 1),
    value          double precision,
    numerator      double precision,
    denominator    double precision,
    ci_lower       double precision,
    ci_upper       double precision,
    suppressed     boolean NOT NULL DEFAULT false,
    source_id      text    NOT NULL,
    run_id         bigint  NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    published_at   timestamptz,
    release        text NOT NULL DEFAULT '',
    UNIQUE (indicator_id, period, geography, breakdown, revision),
    CHECK (suppressed = (value IS NULL)),
    CHECK (ci_lower IS NULL OR ci_upper IS NULL OR ci_lower <= ci_upper)
);
CREATE INDEX copy_target_key_latest ON copy_target (indicator_id, geography, breakdown, period, revision DESC);
CREATE INDEX copy_target_run ON copy_target (run_id);
CREATE INDEX copy_target_published ON copy_target (published_at);`

// BenchmarkBulkIngest loads the ~1,000,000-row municipality table through
// the real ingest path and, on the same server in the same run, `psql
// \copy`s the same rows into an equivalent table (the observations table
// as it was before migration 00050: columns, defaults, checks, indexes and
// foreign keys) and into the same columns with no constraint or index (the
// physical limit). It reports the rates, kpv's ratio to each, the ingest's
// peak resident memory and the bytes a stored figure takes. Run it alone
// (scripts/bench.sh does): it takes about a minute per iteration.
func BenchmarkBulkIngest(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	table := filepath.Join(dir, "kommuner.csv")
	// KPV_BULK_INDICATORS makes a smaller table (4,998 rows an indicator),
	// to show that the ingest's memory does not grow with the rows.
	indicatorCount := benchIndicators
	if n, err := strconv.Atoi(os.Getenv("KPV_BULK_INDICATORS")); err == nil && n > 0 {
		indicatorCount = n
	}
	rows, err := writeBenchTable(table, indicatorCount)
	if err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(table)
	b.Logf("synthetic table: %d rows, %.1f MB", rows, float64(fi.Size())/1e6)
	var ingestSecs, copySecs, copyNoFKSecs, rss float64
	var tableBytes int64
	for range b.N {
		b.StopTimer()
		url := pgtest.NewDatabase(b)
		st, err := store.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		cat := benchCatalogue(b, indicatorCount)
		if _, err := st.SyncCatalogue(ctx, cat); err != nil {
			b.Fatal(err)
		}

		// psql \copy of the same rows into an equivalent table.
		run, err := st.OpenRun(ctx, benchSource, store.KindTest)
		if err != nil {
			b.Fatal(err)
		}
		copyFile := filepath.Join(dir, "copy.csv")
		if err := writeBenchCopy(copyFile, indicatorCount, run.ID); err != nil {
			b.Fatal(err)
		}
		// The equivalent table: the observations table as it was before
		// series were stored apart (migration 00050) — its columns,
		// defaults, checks, unique key, indexes and four foreign keys; and,
		// as the physical limit, the same columns in a table with no
		// constraint or index at all.
		if err := st.Exec(ctx, legacyObservations+`
			ALTER TABLE copy_target ADD FOREIGN KEY (indicator_id) REFERENCES indicators(id),
				ADD FOREIGN KEY (geography) REFERENCES geographies(code),
				ADD FOREIGN KEY (source_id) REFERENCES sources(id),
				ADD FOREIGN KEY (run_id) REFERENCES ingest_runs(id);
			CREATE TABLE copy_target_nofk (LIKE copy_target INCLUDING DEFAULTS)`); err != nil {
			b.Fatal(err)
		}
		copySecs += psqlCopy(b, url, "copy_target", copyFile)
		copyNoFKSecs += psqlCopy(b, url, "copy_target_nofk", copyFile)
		_ = os.Remove(copyFile)

		// The real ingest path.
		r := &Runner{Store: st, Catalogue: cat, Metrics: NewMetrics(nil)}
		resetPeakRSS()
		b.StartTimer()
		start := time.Now()
		got, err := r.Run(ctx, benchSource, Options{File: table})
		ingestSecs += time.Since(start).Seconds()
		b.StopTimer()
		rss = max(rss, float64(peakRSS()))
		if err != nil || got.Counts.Inserted != rows {
			b.Fatalf("ingest: %s %+v %v", got.Outcome, got.Counts, err)
		}
		var n, m int
		if err := st.QueryRow(ctx, `SELECT (SELECT count(*) FROM observations), (SELECT count(*) FROM copy_target) + (SELECT count(*) FROM copy_target_nofk) - $1`, rows).Scan(&n, &m); err != nil || n != rows || m != rows {
			b.Fatalf("stored %d by kpv and %d by COPY, want %d each (%v)", n, m, rows, err)
		}
		// What a million figures take on disk, indexes included: the
		// figures, their history, and the series and periods they refer to.
		if err := st.QueryRow(ctx, `SELECT pg_total_relation_size('figures') + pg_total_relation_size('figure_history')
			+ pg_total_relation_size('series') + pg_total_relation_size('periods')`).Scan(&tableBytes); err != nil {
			b.Fatal(err)
		}
		st.Close()
		b.StartTimer()
	}
	perRun := float64(b.N)
	b.ReportMetric(float64(rows)*perRun/ingestSecs, "kpv-rows/s")
	b.ReportMetric(float64(rows)*perRun/copySecs, "copy-rows/s")
	b.ReportMetric(float64(rows)*perRun/copyNoFKSecs, "copy-nofk-rows/s")
	b.ReportMetric(copySecs/ingestSecs, "kpv/copy")
	b.ReportMetric(copyNoFKSecs/ingestSecs, "kpv/copy-nofk")
	b.ReportMetric(rss/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(tableBytes)/float64(rows), "table-bytes/row")
}

// TestBenchCatalogue keeps the benchmark's catalogue and table honest: 98
// municipalities, and a small table that ingests whole.
func TestBenchCatalogue(t *testing.T) {
	if len(municipalities) != 98 {
		t.Fatalf("%d municipalities, want Denmark's 98", len(municipalities))
	}
	st := pgtest.NewStore(t)
	cat := benchCatalogue(t, 1)
	if _, err := st.SyncCatalogue(context.Background(), cat); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kommuner.csv")
	rows, err := writeBenchTable(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Store: st, Catalogue: cat, Metrics: NewMetrics(nil)}
	run, err := r.Run(context.Background(), benchSource, Options{File: path})
	if err != nil || run.Counts.Inserted != rows || rows != 98*3*benchMonths {
		t.Fatalf("ingest of the benchmark table: %s %+v (%d rows) %v", run.Outcome, run.Counts, rows, err)
	}
}
