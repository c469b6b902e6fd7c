package test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The yearly report is read on paper: the 2025 report on the bundled
// figures prints on at most maxReportPages A4 pages, and its summary (the
// verdict per goal, the changes since last year, the plan's
// implementation and its money) on the first two.
const (
	maxReportPages  = 15
	maxSummaryPages = 2
)

// printPDF prints url (http or file) to a PDF with headless Chromium's own
// print command, as an official printing the page would get it, and
// returns the PDF's bytes.
func printPDF(t *testing.T, exe, url, out string) []byte {
	t.Helper()
	userData := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir="+userData,
		"--no-pdf-header-footer", "--print-to-pdf="+out, url)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s --print-to-pdf %s: %v\n%s", exe, url, err, logs.String())
	}
	pdf, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("chromium wrote no PDF: %v\n%s", err, logs.String())
	}
	// The browser's helpers can write to its profile for a moment after it
	// stops: empty the directory before the test's own cleanup checks it.
	for range 50 {
		if os.RemoveAll(userData) == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return pdf
}

// pdfPages counts a PDF's page objects (/Type /Page, not /Pages).
func pdfPages(pdf []byte) int {
	return len(regexp.MustCompile(`/Type\s*/Page\b`).FindAll(pdf, -1))
}

func httpGet(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// TestReportPrintsOnFewPages serves the bundled figures, prints the 2025
// report with Chromium's --print-to-pdf and counts its A4 pages (at most
// 15), prints its summary alone (at most 2 pages), and follows the links
// to its CSV and XLSX at the top: the CSV for a Danish Excel by default,
// the program dialect on request, the workbook as a workbook.
func TestReportPrintsOnFewPages(t *testing.T) {
	exe := chromium(t)
	base := serveBundled(t)
	const year = 2025
	resp, page := httpGet(t, fmt.Sprintf("%s/api/v1/reports/%d?format=html", base, year))
	if resp.StatusCode != 200 {
		t.Fatalf("the %d report: status %d: %s", year, resp.StatusCode, page)
	}
	dir := filepath.Join(repoRoot(t), "build", "report")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, fmt.Sprintf("report-%d-print.pdf", year))
	pages := pdfPages(printPDF(t, exe, fmt.Sprintf("%s/api/v1/reports/%d?format=html", base, year), out))
	t.Logf("the %d report prints on %d A4 pages (at most %d): %s", year, pages, maxReportPages, out)
	if pages == 0 || pages > maxReportPages {
		t.Errorf("the %d report prints on %d pages; at most %d", year, pages, maxReportPages)
	}

	// The summary alone: the page up to the end of section#brief.
	s := string(page)
	start := strings.Index(s, `<section id="brief">`)
	end := strings.Index(s, `<section class="goal"`)
	if start < 0 || end < start {
		t.Fatalf("the report has no summary before its goals (brief at %d, first goal at %d)", start, end)
	}
	summary := filepath.Join(t.TempDir(), "summary.html")
	if err := os.WriteFile(summary, []byte(s[:end]+"</body></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	sumOut := filepath.Join(dir, fmt.Sprintf("report-%d-summary.pdf", year))
	sumPages := pdfPages(printPDF(t, exe, "file://"+summary, sumOut))
	t.Logf("its summary prints on %d pages (at most %d): %s", sumPages, maxSummaryPages, sumOut)
	if sumPages == 0 || sumPages > maxSummaryPages {
		t.Errorf("the summary prints on %d pages; at most %d", sumPages, maxSummaryPages)
	}
	for _, want := range []string{`id="verdict"`, `id="changes"`, `id="implementation"`, `id="money-by-recipient"`, "I alt, som planen angiver"} {
		if !strings.Contains(s[start:end], want) {
			t.Errorf("the summary lacks %s", want)
		}
	}

	// The links at the top to the report's own CSV and XLSX.
	links := regexp.MustCompile(`href="([^"]*/api/v1/reports/2025\?format=(csv|xlsx))"`).FindAllStringSubmatch(s[:start], -1)
	got := map[string]string{}
	for _, l := range links {
		got[l[2]] = strings.ReplaceAll(l[1], "&amp;", "&")
	}
	if got["csv"] == "" || got["xlsx"] == "" {
		t.Fatalf("the report's top does not link its CSV and XLSX: %q", links)
	}
	resp, csv := httpGet(t, got["csv"])
	header, _, _ := strings.Cut(string(csv), "\n")
	t.Logf("CSV %s: %d bytes, header %.80q…", got["csv"], len(csv), header)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(header, "\ufeffår;skæringstidspunkt;mål;indikator;indikatornavn;") {
		t.Errorf("the CSV link %s: status %d, %s, header %q", got["csv"], resp.StatusCode, resp.Header.Get("Content-Type"), header)
	}
	resp, prog := httpGet(t, got["csv"]+"&dialect=program")
	if header, _, _ := strings.Cut(string(prog), "\n"); resp.StatusCode != 200 || !strings.HasPrefix(header, "year,cut_off,goal,indicator,") {
		t.Errorf("the CSV for programs: status %d, header %q", resp.StatusCode, header)
	}
	resp, xlsx := httpGet(t, got["xlsx"])
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" || !bytes.HasPrefix(xlsx, []byte("PK")) {
		t.Errorf("the XLSX link %s: status %d, %s, %d bytes", got["xlsx"], resp.StatusCode, resp.Header.Get("Content-Type"), len(xlsx))
	}
}
