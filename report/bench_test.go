package report_test

import (
	"context"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/ingest"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/report"
)

// BenchmarkReportHTML builds the HTML report for the current year from the
// full bundled data (every shipped snapshot, ingested as `kpv ingest --all
// --offline` does): the figures as of now read from Postgres, assessed and
// rendered with their charts.
func BenchmarkReportHTML(b *testing.B) {
	ctx := context.Background()
	cat := testkit.Catalogue(b)
	st := pgtest.NewStore(b)
	if _, err := st.SyncCatalogue(ctx, cat); err != nil {
		b.Fatal(err)
	}
	r := &ingest.Runner{Store: st, Catalogue: cat}
	figures := 0
	for _, src := range cat.Sources {
		if len(src.Files()) == 0 {
			continue
		}
		run, err := r.Run(ctx, src.ID, ingest.Options{Snapshot: true})
		if err != nil {
			b.Fatalf("%s: %v", src.ID, err)
		}
		figures += run.Counts.Inserted
	}
	year := time.Now().Year()
	var size int
	for b.Loop() {
		rep, err := report.Build(ctx, st, cat, year, time.Time{}, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		out, err := report.Render(rep, "html")
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size), "html-bytes")
	b.ReportMetric(float64(figures), "figures")
}
