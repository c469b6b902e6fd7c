package report_test

import (
	"context"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/report"
)

// BenchmarkReportHTML builds the HTML report for the current year from the
// full bundled data (every shipped snapshot, ingested as `kpv ingest --all
// --offline` does): the figures as of now read from Postgres, assessed and
// rendered with their charts.
func BenchmarkReportHTML(b *testing.B) {
	ctx := context.Background()
	st, cat, figures := bundledStore(b)
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
