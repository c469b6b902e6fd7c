package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/cli"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

type reportResponse struct {
	status int
	header http.Header
	body   []byte
}

func getReport(t *testing.T, base, path string, header ...string) reportResponse {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return reportResponse{resp.StatusCode, resp.Header, body}
}

// writeFigures records a batch as one run of source.
func writeFigures(t *testing.T, st *store.Store, cat *indicators.Catalogue, source string, batch []indicators.Observation) store.Run {
	t.Helper()
	// The figures were published in December 2025, so the 2025 report,
	// which reads what was published by the end of the year, holds them.
	for i := range batch {
		if batch[i].PublishedAt.IsZero() {
			batch[i].PublishedAt = time.Date(2025, 12, 15, 0, 0, 0, 0, time.UTC)
		}
	}
	run, err := st.Record(context.Background(), source, store.KindTest, func(ctx context.Context, tx pgx.Tx, runID int64) (store.Counts, error) {
		prepared, err := indicators.Prepare(cat, batch)
		if err != nil {
			return store.Counts{}, err
		}
		return store.WriteObservations(ctx, tx, runID, source, prepared)
	})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// nextSecond waits for the next whole second and returns it (RFC 3339):
// a cut-off after everything recorded so far, and not in the future.
func nextSecond() string {
	cutoff := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(cutoff) + 50*time.Millisecond)
	return cutoff.Format(time.RFC3339)
}

// TestReportReproducible records figures, takes the report as of a
// cut-off through the API and `kpv report`, then revises a figure after
// the cut-off: the report as of the cut-off is the same to the byte, the
// report as of now shows the revision. The figures are invented for the
// test.
func TestReportReproducible(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	t.Setenv("KPV_DATABASE_URL", dbURL)
	var out bytes.Buffer
	if err := cli.Run(ctx, []string{"migrate"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	cat := testkit.Catalogue(t)
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.SyncCatalogue(ctx, cat); err != nil {
		t.Fatal(err)
	}
	v := func(x float64) *float64 { return &x }
	clinics := func(period string, n float64) indicators.Observation {
		return indicators.Observation{Indicator: "g1_regions_late_effects_clinic", Period: period, Geography: "DK", Value: v(n)}
	}
	first := writeFigures(t, st, cat, "indberetning", []indicators.Observation{clinics("2024", 2), clinics("2025", 3)})
	writeFigures(t, st, cat, "barometer", []indicators.Observation{
		{Indicator: "g1_unmet_needs_followup", Period: "2023", Geography: "DK", Value: v(35), Numerator: v(700), Denominator: v(2000)},
		{Indicator: "g1_unmet_needs_followup", Period: "2023", Geography: "DK-84", Value: v(50), Numerator: v(250), Denominator: v(500)},
	})
	asOf := nextSecond()

	base := serveDB(t)
	// The report's links lead to kpv's public address: the served one for
	// the API, KPV_PUBLIC_URL (else KPV_ADDR) for a file the CLI writes.
	t.Setenv("KPV_PUBLIC_URL", base)
	year := 2025
	path := func(format string) string {
		return fmt.Sprintf("/api/v1/reports/%d?format=%s&as_of=%s", year, format, url.QueryEscape(asOf))
	}
	before := map[string][]byte{}
	for _, format := range []string{"json", "csv", "html"} {
		r := getReport(t, base, path(format))
		if r.status != 200 {
			t.Fatalf("%s: status %d: %s", path(format), r.status, r.body)
		}
		before[format] = r.body
		// The CLI writes the same bytes.
		file := filepath.Join(t.TempDir(), "report."+format)
		out.Reset()
		if err := cli.Run(ctx, []string{"report", strconv.Itoa(year), "--as-of", asOf, "--out", file}, &out, io.Discard); err != nil {
			t.Fatalf("kpv report --format %s: %v", format, err)
		}
		if got, _ := os.ReadFile(file); !bytes.Equal(got, r.body) {
			t.Errorf("kpv report %s differs from the API's (%d and %d bytes)", format, len(got), len(r.body))
		}
		if !strings.Contains(out.String(), "report 2025 ("+format) || !strings.Contains(out.String(), "4 figures recorded by "+asOf) {
			t.Errorf("kpv report says: %s", out.String())
		}
	}
	type doc struct {
		CutOff     string `json:"cut_off"`
		CutOffRule string `json:"cut_off_rule"`
		Published  string `json:"published_by"`
		Figures    int
		Goals      []struct {
			Indicators []struct {
				Indicator string
				Status    string
				Rows      []struct {
					Latest *struct{ Value float64 }
				}
			}
		}
		Runs []struct {
			ID      int64
			Figures int
		}
	}
	read := func(body []byte) (status string, latest float64, d doc) {
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		for _, in := range d.Goals[0].Indicators {
			if in.Indicator == "g1_regions_late_effects_clinic" {
				status = in.Status
				if l := in.Rows[0].Latest; l != nil {
					latest = l.Value
				}
			}
		}
		return status, latest, d
	}
	// 2 regions in 2024, 3 in 2025: on track for 5 by 2030.
	status, latest, d := read(before["json"])
	if status != "on_track" || latest != 3 || d.CutOff != asOf || d.CutOffRule != "as_of" || d.Figures != 4 || len(d.Runs) != 2 || d.Runs[0].ID != first.ID {
		t.Fatalf("report as of %s: %s at %v, %+v", asOf, status, latest, d)
	}
	for _, want := range []string{`id="goal-1"`, `id="goal-2"`, `id="goal-3"`, "Mål 1: Hjælp og støtte efter endt sygehusbehandling"} {
		if !bytes.Contains(before["html"], []byte(want)) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if !bytes.Contains(before["csv"], []byte(";g1_regions_late_effects_clinic;Regioner med senfølgeklinik med det ensartede senfølgetilbud;DK;;;;antal regioner;2024;2;figure;2024;2;2025;3;")) {
		t.Errorf("CSV lacks the clinics' row:\n%s", before["csv"])
	}

	// A conditional request for the same report is answered 304.
	first304 := getReport(t, base, path("json"))
	if r := getReport(t, base, path("json"), "If-None-Match", first304.header.Get("ETag")); r.status != 304 || first304.header.Get("ETag") == "" {
		t.Errorf("If-None-Match: status %d, ETag %q", r.status, first304.header.Get("ETag"))
	}

	// The region submits a correction after the cut-off: 2 in 2025, not 3.
	rev := writeFigures(t, st, cat, "indberetning", []indicators.Observation{clinics("2024", 2), clinics("2025", 2)})
	if rev.Counts.Revised != 1 {
		t.Fatalf("revision: %+v", rev.Counts)
	}
	for format, want := range before {
		if r := getReport(t, base, path(format)); r.status != 200 || !bytes.Equal(r.body, want) {
			t.Errorf("%s report as of %s changed after a later revision (%d bytes, was %d)", format, asOf, len(r.body), len(want))
		}
		file := filepath.Join(t.TempDir(), "again."+format)
		if err := cli.Run(ctx, []string{"report", "2025", "--format", format, "--as-of", asOf, "--out", file}, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(file); !bytes.Equal(got, want) {
			t.Errorf("kpv report %s as of %s changed after a later revision", format, asOf)
		}
	}
	// As of now, the revision shows: no progress from 2 to 2, off track.
	r := getReport(t, base, "/api/v1/reports/2025?as_of="+url.QueryEscape(nextSecond()))
	if status, latest, d := read(r.body); status != "off_track" || latest != 2 || len(d.Runs) != 3 {
		t.Errorf("report as of now: %s at %v, runs %+v", status, latest, d.Runs)
	}
	thisYear := time.Now().Year()
	r = getReport(t, base, fmt.Sprintf("/api/v1/reports/%d", thisYear))
	if status, latest, d := read(r.body); r.status != 200 || status != "off_track" || latest != 2 || d.CutOffRule != "now" {
		t.Errorf("report for %d (cut-off now): %d %s at %v, %s", thisYear, r.status, status, latest, d.CutOffRule)
	}
	if thisYear > 2025 {
		// Without as_of a past year's report holds the figures published
		// by the end of that year, as kpv holds them now (with the
		// revision), and says so.
		r = getReport(t, base, "/api/v1/reports/2025?format=json")
		if status, latest, d := read(r.body); d.Published != "2025-12-31T23:59:59.999999Z" || d.CutOffRule != "published_by" || d.Figures == 0 || latest != 2 || status != "off_track" {
			t.Errorf("report 2025 by default: published by %s (%s), %d figures, %s at %v", d.Published, d.CutOffRule, d.Figures, status, latest)
		}
	}
}

// TestReportRefusesBadInput: a bad year, format, date or parameter is a
// problem+json naming it (API), or an error naming it with nothing
// written (CLI).
func TestReportRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	t.Setenv("KPV_DATABASE_URL", pgtest.NewDatabase(t))
	if err := cli.Run(ctx, []string{"migrate"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	base := serveDB(t)
	future := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	for _, c := range []struct {
		path, param, text string
		status            int
	}{
		{"/api/v1/reports/abc", "", `year: not a year: "abc"`, 400},
		{"/api/v1/reports/2024", "", "reports cover the plan's years from 2025", 404},
		{"/api/v1/reports/2099", "", "no report for 2099", 404},
		{"/api/v1/reports/2025?format=pdf", "format", `unknown format "pdf"; use json, csv, html`, 400},
		{"/api/v1/reports/2025?as_of=yesterday", "as_of", "not a date or timestamp", 400},
		{"/api/v1/reports/2025?as_of=" + future, "as_of", "is in the future", 400},
		{"/api/v1/reports/2025?colour=red", "colour", "unknown parameter", 400},
	} {
		t.Run(c.path, func(t *testing.T) {
			r := getReport(t, base, c.path)
			var p struct {
				Status int
				Detail string
				Errors []struct{ Parameter, Message string }
			}
			_ = json.Unmarshal(r.body, &p)
			if r.status != c.status || r.header.Get("Content-Type") != "application/problem+json" || !strings.Contains(p.Detail, c.text) {
				t.Errorf("%s: %d %s %s", c.path, r.status, r.header.Get("Content-Type"), r.body)
			}
			if c.param != "" && (len(p.Errors) == 0 || p.Errors[0].Parameter != c.param) {
				t.Errorf("%s: errors %+v, want parameter %s", c.path, p.Errors, c.param)
			}
		})
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "r.html")
	for _, c := range []struct {
		args []string
		text string
	}{
		{[]string{"report"}, "usage: kpv report YEAR"},
		{[]string{"report", "2025", "2026"}, "usage: kpv report YEAR"},
		{[]string{"report", "twenty", "--out", file}, `year: not a year: "twenty"`},
		{[]string{"report", "2024", "--out", file}, "no report for 2024"},
		{[]string{"report", "2025", "--format", "pdf", "--out", file}, `--format: unknown format "pdf"`},
		{[]string{"report", "2025", "--as-of", "soon", "--out", file}, `--as-of: "soon" is not a date`},
		{[]string{"report", "2025", "--as-of", future, "--out", file}, "is in the future"},
		{[]string{"report", "2025", "--colour", "red"}, "flag provided but not defined: -colour"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			err := cli.Run(ctx, c.args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.text) {
				t.Errorf("kpv %v: %v, want …%s…", c.args, err, c.text)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused report wrote %v", entries)
	}
}
