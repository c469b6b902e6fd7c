package test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// sectionCheck is what the test's script finds for one goal section.
type sectionCheck struct {
	ID            string  `json:"id"`
	Found         bool    `json:"found"`
	Visible       bool    `json:"visible"`
	Heading       string  `json:"heading"`
	Charts        int     `json:"charts"`
	VisibleCharts int     `json:"visibleCharts"`
	SmallestChart float64 `json:"smallestChart"`
}

// The page has no JavaScript of its own; the test runs this in it. An
// element is visible when it has a box of non-zero size and neither it nor
// its style hides it.
const checkSections = `(() => {
  const visible = (el) => {
    const b = el.getBoundingClientRect(), st = getComputedStyle(el);
    return b.width > 0 && b.height > 0 && st.display !== "none" && st.visibility !== "hidden" && parseFloat(st.opacity) > 0;
  };
  return ["goal-1", "goal-2", "goal-3"].map((id) => {
    const s = document.querySelector("section#" + id);
    if (!s) return {id, found: false};
    const charts = [...s.querySelectorAll("svg")];
    const shown = charts.filter(visible);
    const areas = shown.map((c) => { const b = c.getBoundingClientRect(); return b.width * b.height; });
    return {id, found: true, visible: visible(s), heading: (s.querySelector("h2") || {}).textContent || "",
      charts: charts.length, visibleCharts: shown.length, smallestChart: areas.length ? Math.min(...areas) : 0};
  });
})()`

// openingCheck is what the report's opening shows in the browser.
type openingCheck struct {
	VerdictVisible, ChangesVisible     bool
	VerdictTop, ChangesTop, SummaryTop float64
	Verdicts, Changes                  int
	VerdictTexts                       []string
	Rule                               string
	NoChanges                          bool
}

const checkOpening = `(() => {
  const visible = (el) => { if (!el) return false; const b = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return b.width > 0 && b.height > 0 && s.visibility !== "hidden" && s.display !== "none"; };
  const top = (el) => el ? el.getBoundingClientRect().top + window.scrollY : -1;
  const v = document.querySelector("section#verdict"), c = document.querySelector("section#changes"), s = document.querySelector("section#summary");
  const rows = v ? [...v.querySelectorAll("tbody tr")].filter(visible) : [];
  const changes = c ? [...c.querySelectorAll("tbody tr")].filter(visible) : [];
  const none = c ? c.querySelector(".no-changes") : null;
  const rule = v ? v.querySelector(".rule") : null;
  return {verdictVisible: visible(v), changesVisible: visible(c), verdictTop: top(v), changesTop: top(c), summaryTop: top(s),
    verdicts: rows.length, changes: changes.length, verdictTexts: rows.map((r) => r.innerText),
    rule: rule && visible(rule) ? rule.innerText : "", noChanges: visible(none)};
})()`

// TestReportInBrowser opens the HTML report of the running service (the
// bundled published figures) in headless Chromium, writes a full-page
// screenshot under build/report, checks that each goal's section and its
// charts are there and visible, and that the page prints on A4.
func TestReportInBrowser(t *testing.T) {
	exe := chromium(t)
	base := serveBundled(t)
	// The bundled figures are recorded now, so this year's report (as of
	// now) has them.
	year := time.Now().Year()
	pageURL := fmt.Sprintf("%s/api/v1/reports/%d?format=html", base, year)

	userData := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(userData),
		chromedp.WindowSize(1024, 1400),
	}
	allocCtx, stopBrowser := chromedp.NewExecAllocator(context.Background(), opts...)
	// The browser's helpers can write to its profile for a moment after it
	// stops: empty the directory before the test's own cleanup checks it.
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(userData) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	defer stopBrowser()
	ctx, closeTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	defer closeTab()
	// Start the browser without a deadline (a deadline on the first run
	// would bound the browser's life), then bound each step.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	step, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	resp, err := chromedp.Run(step, chromedp.NavigateResponse(pageURL))
	if err != nil {
		t.Fatalf("open %s: %v", pageURL, err)
	}
	if resp.Status != 200 || resp.MimeType != "text/html" {
		t.Fatalf("%s: status %d, %s", pageURL, resp.Status, resp.MimeType)
	}
	title, err := chromedp.Run(step, chromedp.Title())
	if err != nil || title != fmt.Sprintf("Opfølgning på Et bedre liv med og efter kræft – Kræftplan V – %d", year) {
		t.Errorf("title %q (%v)", title, err)
	}
	scripts, err := chromedp.Run(step, chromedp.Evaluate[int](`document.scripts.length`))
	if err != nil || scripts != 0 {
		t.Errorf("the page has %d scripts (%v); it must read without JavaScript", scripts, err)
	}

	shot, err := chromedp.Run(step, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	out := filepath.Join(repoRoot(t), "build", "report", fmt.Sprintf("report-%d.png", year))
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes, %d×%d px)", out, len(shot), img.Bounds().Dx(), img.Bounds().Dy())
	if img.Bounds().Dy() < 3000 {
		t.Errorf("the full-page screenshot is only %d px tall", img.Bounds().Dy())
	}

	sections, err := chromedp.Run(step, chromedp.Evaluate[[]sectionCheck](checkSections))
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile(`^Mål [123]: \S`)
	for _, s := range sections {
		t.Logf("%s: heading %q, %d charts, %d visible, smallest %.0f px²", s.ID, s.Heading, s.Charts, s.VisibleCharts, s.SmallestChart)
		switch {
		case !s.Found:
			t.Errorf("section#%s is missing", s.ID)
		case !s.Visible:
			t.Errorf("section#%s is not visible", s.ID)
		case !heading.MatchString(s.Heading):
			t.Errorf("section#%s heading %q", s.ID, s.Heading)
		// A goal without figures has no chart (its indicators say so in
		// words, not with empty charts).
		case s.VisibleCharts != s.Charts || s.Charts > 0 && s.SmallestChart < 100*100:
			t.Errorf("section#%s: %d of %d charts visible, the smallest %.0f px²", s.ID, s.VisibleCharts, s.Charts, s.SmallestChart)
		}
	}
	if len(sections) != 3 {
		t.Errorf("sections: %+v", sections)
	}
	// The plan's own follow-up: the initiatives per focus area with their
	// status and money, and the money table by recipient (issue 16).
	fu, err := chromedp.Run(step, chromedp.Evaluate[followUpCheck](checkFollowUp))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("initiatives section: visible %v, %d initiative rows in %d focus-area money tables, %d recipient rows, heading %q",
		fu.Visible, fu.Initiatives, fu.AreaTables, fu.RecipientRows, fu.Heading)
	if !fu.Visible || fu.Initiatives != 36 || fu.AreaTables != 4 || fu.RecipientRows < 2 || !fu.MoneyVisible {
		t.Errorf("the initiatives section with its money tables is not shown: %+v", fu)
	}

	// The report opens with the verdict per goal and the changes since the
	// previous year's report, both visible above the summary.
	opening, err := chromedp.Run(step, chromedp.Evaluate[openingCheck](checkOpening))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("opening: %+v", opening)
	switch {
	case !opening.VerdictVisible || !opening.ChangesVisible:
		t.Errorf("verdict visible %v, changes visible %v", opening.VerdictVisible, opening.ChangesVisible)
	case !(opening.VerdictTop < opening.SummaryTop && opening.ChangesTop < opening.SummaryTop):
		t.Errorf("verdict at %.0f px and changes at %.0f px should come before the summary at %.0f px", opening.VerdictTop, opening.ChangesTop, opening.SummaryTop)
	case opening.Verdicts != 3 || len(opening.VerdictTexts) != 3:
		t.Errorf("%d verdict rows visible, want one per goal: %q", opening.Verdicts, opening.VerdictTexts)
	case !strings.Contains(opening.Rule, "Regel: Et mål er ikke på rette spor"):
		t.Errorf("the verdict's rule is not shown: %q", opening.Rule)
	case opening.Changes < 1 && !opening.NoChanges:
		t.Errorf("the changes section shows neither changes nor that there are none")
	}
	for _, v := range opening.VerdictTexts {
		if !strings.Contains(v, "På rette spor") && !strings.Contains(v, "Ikke på rette spor") && !strings.Contains(v, "Kan ikke afgøres endnu") {
			t.Errorf("verdict row without a verdict: %q", v)
		}
	}

	// The report's statuses are the assessment's: the same as the API's
	// indicators (and /metrics) show for the same figures.
	var rep struct {
		Goals []struct {
			Indicators []struct{ Indicator, Status string }
		}
	}
	var list struct {
		Items []struct {
			ID     string `json:"id"`
			Status struct{ Progress string }
		}
	}
	testkit.GetJSON(t, fmt.Sprintf("%s/api/v1/reports/%d", base, year), &rep)
	testkit.GetJSON(t, base+"/api/v1/indicators", &list)
	want := map[string]string{}
	for _, in := range list.Items {
		want[in.ID] = in.Status.Progress
	}
	n := 0
	for _, g := range rep.Goals {
		for _, in := range g.Indicators {
			n++
			if in.Status != want[in.Indicator] {
				t.Errorf("%s: the report says %s, the API %s", in.Indicator, in.Status, want[in.Indicator])
			}
		}
	}
	if n != len(want) || n == 0 {
		t.Errorf("the report has %d indicators, the API %d", n, len(want))
	}

	// Printed with the page's own size: A4 (595×842 pt), each goal and the
	// data basis on a page of its own after the summary.
	pdf, err := chromedp.Run(step, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
	if err != nil {
		t.Fatal(err)
	}
	pdfOut := filepath.Join(filepath.Dir(out), fmt.Sprintf("report-%d.pdf", year))
	if err := os.WriteFile(pdfOut, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	pages := len(regexp.MustCompile(`/Type\s*/Page\b`).FindAll(pdf, -1))
	t.Logf("printed: %s (%d bytes, %d pages)", pdfOut, len(pdf), pages)
	boxes := regexp.MustCompile(`/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]`).FindAllSubmatch(pdf, -1)
	if len(boxes) == 0 {
		t.Error("the PDF has no page size")
	}
	for _, b := range boxes {
		w, _ := strconv.ParseFloat(string(b[1]), 64)
		h, _ := strconv.ParseFloat(string(b[2]), 64)
		if math.Abs(w-595.28) > 1 || math.Abs(h-841.89) > 1 {
			t.Errorf("a printed page is %.2f×%.2f pt, not A4 (595.28×841.89)", w, h)
			break
		}
	}
	if pages < 5 {
		t.Errorf("the printed report has %d pages; each goal should start a page", pages)
	}
}

// followUpCheck is what checkFollowUp finds of the initiatives section.
type followUpCheck struct {
	Visible       bool   `json:"visible"`
	Heading       string `json:"heading"`
	Initiatives   int    `json:"initiatives"`
	AreaTables    int    `json:"areaTables"`
	RecipientRows int    `json:"recipientRows"`
	MoneyVisible  bool   `json:"moneyVisible"`
}

const checkFollowUp = `(() => {
  const visible = (el) => {
    if (!el) return false;
    const b = el.getBoundingClientRect(), st = getComputedStyle(el);
    return b.width > 0 && b.height > 0 && st.display !== "none" && st.visibility !== "hidden";
  };
  const s = document.querySelector("section#initiatives");
  const money = document.querySelector("table#money-by-recipient");
  return {visible: visible(s), heading: s ? (s.querySelector("h2") || {}).textContent : "",
    initiatives: s ? s.querySelectorAll("table.money tr[id^=initiative-]").length : 0,
    areaTables: s ? s.querySelectorAll("table[id^=money-focus-area-]").length : 0,
    recipientRows: money ? money.querySelectorAll("tbody tr").length : 0, moneyVisible: visible(money)};
})()`
