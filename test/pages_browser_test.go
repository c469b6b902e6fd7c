package test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image/png"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.yaml.in/yaml/v3"

	"github.com/kraeftplan/kpv/internal/a11y"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// pageCheck is what the test reads from an open page.
type pageCheck struct {
	Title    string `json:"title"`
	Lang     string `json:"lang"`
	Scripts  int    `json:"scripts"`
	Styled   bool   `json:"styled"`
	H1       string `json:"h1"`
	SVGs     int    `json:"svgs"`
	Untitled int    `json:"untitled"`
	Tables   int    `json:"tables"`
}

// The page's own style applies (the CSP lets its style sheet through by
// hash), and every chart has a title.
const readPage = `(() => ({
  title: document.title, lang: document.documentElement.lang, scripts: document.scripts.length,
  styled: getComputedStyle(document.body).fontFamily.includes("Helvetica"),
  h1: (document.querySelector("h1") || {}).textContent || "",
  svgs: document.querySelectorAll("svg.chart").length,
  untitled: [...document.querySelectorAll("svg.chart")].filter((s) => !s.querySelector(":scope > title") || !s.querySelector(":scope > title").textContent.trim()).length,
  tables: document.querySelectorAll("table").length,
}))()`

// TestPagesAccessible opens an indicator page of each kind, a goal page, a
// source page, the index, the follow-up's milestones, round and initiative
// pages and the yearly report of the running service (the
// bundled published figures) in headless Chromium, runs axe-core's WCAG
// 2.1 A and AA rules on each and requires zero violations, and writes a
// full-page screenshot of each under build/pages. The indicator page must
// also print on A4.
func TestPagesAccessible(t *testing.T) {
	script, err := a11y.Script(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	base := serveBundled(t)
	ctx := browser(t)
	year := time.Now().Year()
	cases := []struct {
		name, path, h1 string
		charts         int // at least
	}{
		// Breakdowns, a target direction and thresholds (Barometer 2019, 2023).
		{"indicator", "/sider/indikatorer/g1_late_effects_need_unmet", "Andel med behov for hjælp til senfølger", 1},
		// The Nordic table with a chart per comparison (NORDCAN).
		{"indicator-nordic", "/sider/indikatorer/g3_nordic_rank_all_sites", "", 2},
		// No figures yet: the reporting status.
		{"indicator-no-data", "/sider/indikatorer/g2_pro_use", "", 1},
		{"goal", "/sider/maal/1", "Mål 1: ", 0},
		{"source", "/sider/kilder/nordcan-survival", "", 0},
		{"index", "/sider", "", 0},
		// The plan's own follow-up: what the alerts' milestones_url and round_url open.
		{"milestones", "/sider/milepaele?ansvarlig=regioner&tilstand=overdue", "Milepæle: overskredet – Danske Regioner", 0},
		{"milestones-all", "/sider/milepaele", "Milepæle i Kræftplan V", 0},
		{"round", "/sider/runde", "Årets indberetning ", 0},
		{"round-org", "/sider/runde?org=region-syddanmark", "Årets indberetning ", 0},
		{"initiative", "/sider/initiativer/5", "Initiativ 5: ", 0},
		{"report", fmt.Sprintf("/api/v1/reports/%d?format=html", year), "", 3},
	}
	// The check can fail: a page with an unnamed image, no language and no
	// title breaks WCAG 2.1 A.
	bad, cancelBad := context.WithTimeout(ctx, 60*time.Second)
	if err := chromedp.Do(bad, chromedp.Navigate(`data:text/html,<html><body><img src="x.png"><a href="/"></a></body></html>`)); err != nil {
		t.Fatal(err)
	}
	res, err := a11y.Check(bad, script)
	cancelBad()
	if err != nil {
		t.Fatal(err)
	}
	var broken []string
	for _, v := range res.Violations {
		broken = append(broken, v.ID)
	}
	t.Logf("a broken page violates %v", broken)
	for _, want := range []string{"image-alt", "html-has-lang", "document-title", "link-name"} {
		if !slices.Contains(broken, want) {
			t.Errorf("axe-core did not find %s on a page that breaks it: %v", want, broken)
		}
	}

	out := filepath.Join(repoRoot(t), "build", "pages")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			step, cancel := context.WithTimeout(ctx, 90*time.Second)
			defer cancel()
			resp, err := chromedp.Run(step, chromedp.NavigateResponse(base+c.path))
			if err != nil {
				t.Fatalf("open %s: %v", c.path, err)
			}
			if resp.Status != 200 || resp.MimeType != "text/html" {
				t.Fatalf("%s: status %d, %s", c.path, resp.Status, resp.MimeType)
			}
			for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
				if resp.Headers[h] == nil {
					t.Errorf("%s: no %s header", c.path, h)
				}
			}
			if csp := fmt.Sprint(resp.Headers["Content-Security-Policy"]); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script-src") {
				t.Errorf("%s: Content-Security-Policy %q", c.path, csp)
			}
			pc, err := chromedp.Run(step, chromedp.Evaluate[pageCheck](readPage))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %q, %d charts, %d tables", c.path, pc.Title, pc.SVGs, pc.Tables)
			switch {
			case pc.Lang != "da":
				t.Errorf("lang %q, want da", pc.Lang)
			case pc.Scripts != 0:
				t.Errorf("%d scripts: the pages read without JavaScript", pc.Scripts)
			case !pc.Styled:
				t.Error("the page's style sheet does not apply (blocked by the Content-Security-Policy?)")
			case !strings.HasPrefix(pc.H1, c.h1):
				t.Errorf("h1 %q, want %q…", pc.H1, c.h1)
			case pc.SVGs < c.charts || pc.Untitled > 0:
				t.Errorf("%d charts (want at least %d), %d without a title", pc.SVGs, c.charts, pc.Untitled)
			}

			res, err := a11y.Check(step, script)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("axe-core %s: %d rules passed, %d violated, %d for a person to check", res.Version, res.Passes, len(res.Violations), res.Incomplete)
			for _, v := range res.Violations {
				t.Errorf("WCAG 2.1 AA: %s", v)
			}
			if res.Passes < 10 {
				t.Errorf("axe-core passed only %d rules: did it run?", res.Passes)
			}

			shot, err := chromedp.Run(step, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(shot))
			if err != nil {
				t.Fatalf("the screenshot is not a PNG: %v", err)
			}
			file := filepath.Join(out, c.name+".png")
			if err := os.WriteFile(file, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s (%d×%d px)", file, img.Bounds().Dx(), img.Bounds().Dy())

			if c.name == "indicator" {
				pdf, err := chromedp.Run(step, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
				if err != nil {
					t.Fatal(err)
				}
				_ = os.WriteFile(filepath.Join(out, c.name+".pdf"), pdf, 0o644)
				boxes := regexp.MustCompile(`/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]`).FindAllSubmatch(pdf, -1)
				if len(boxes) == 0 {
					t.Error("the printed page has no size")
				}
				for _, b := range boxes {
					w, _ := strconv.ParseFloat(string(b[1]), 64)
					h, _ := strconv.ParseFloat(string(b[2]), 64)
					if math.Abs(w-595.28) > 1 || math.Abs(h-841.89) > 1 {
						t.Errorf("a printed page is %.2f×%.2f pt, not A4", w, h)
						break
					}
				}
				t.Logf("printed: %d pages", len(boxes))
			}
		})
	}
}

// TestAlertLinkOpensIndicatorPage follows the indicator_url of a rule in
// the generated alerts/rules.yml, on the running service, and gets the
// indicator's page: what an owner reading the alert e-mail opens.
func TestAlertLinkOpensIndicatorPage(t *testing.T) {
	rules := generatedRules(t)
	cat := testkit.Catalogue(t)
	public := strings.TrimSuffix(cat.Alerting.APIURL, "/")
	base := serveBundled(t)
	followed := 0
	for _, g := range rules {
		for _, r := range g.Rules {
			link := fallbackLink(r.Annotations["indicator_url"])
			if link == "" || r.Alert != "KPVIndicatorCriticalThreshold" {
				continue
			}
			if !strings.HasPrefix(link, public+"/") {
				t.Fatalf("%s %s: indicator_url %q is not under the catalogue's api_url %s", r.Alert, r.Labels["indicator"], link, public)
			}
			// The same path on the test's server.
			req, _ := http.NewRequest("GET", base+strings.TrimPrefix(link, public), nil)
			req.Header.Set("Accept", "text/html")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			def, _ := cat.Indicator(r.Labels["indicator"])
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%s: %d %s", link, resp.StatusCode, resp.Header.Get("Content-Type"))
				continue
			}
			if def == nil || !bytes.Contains(body, []byte("<h1>"+html.EscapeString(def.NameDA)+"</h1>")) || !bytes.Contains(body, []byte(`id="status"`)) {
				t.Errorf("%s: not the page of indicator %s:\n%.400s", link, r.Labels["indicator"], body)
				continue
			}
			followed++
			if followed == 1 {
				t.Logf("%s (alert %s) → 200 %s, %d bytes, the page of %q", link, r.Alert, resp.Header.Get("Content-Type"), len(body), def.NameDA)
			}
		}
	}
	t.Logf("followed %d indicator_url links", followed)
	if followed == 0 {
		t.Error("no critical-threshold rule with an indicator_url in alerts/rules.yml")
	}
}

// TestAlertLinkOpensFollowUpPages follows the milestones_url and round_url
// of every follow-up rule in the generated alerts/rules.yml on the running
// service: each opens the organisation's page (overdue milestones, its
// part of the round), not JSON.
func TestAlertLinkOpensFollowUpPages(t *testing.T) {
	rules := generatedRules(t)
	cat := testkit.Catalogue(t)
	public := strings.TrimSuffix(cat.Alerting.APIURL, "/")
	base := serveBundled(t)
	followed := map[string]int{}
	for _, g := range rules {
		for _, r := range g.Rules {
			var link, h1 string
			org, _ := cat.Organisation(r.Labels["owner"])
			switch r.Alert {
			case "KPVMilestoneOverdue":
				link, h1 = fallbackLink(r.Annotations["milestones_url"]), "Milepæle: overskredet – "
			case "KPVFollowUpMissing":
				link, h1 = fallbackLink(r.Annotations["round_url"]), "Årets indberetning "
			default:
				continue
			}
			if org == nil {
				t.Fatalf("%s: owner %q is not an organisation", r.Alert, r.Labels["owner"])
			}
			if !strings.HasPrefix(link, public+"/sider/") {
				t.Fatalf("%s %s: link %q is not a page under the catalogue's api_url %s", r.Alert, org.ID, link, public)
			}
			req, _ := http.NewRequest("GET", base+strings.TrimPrefix(link, public), nil)
			req.Header.Set("Accept", "text/html")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%s: %d %s", link, resp.StatusCode, resp.Header.Get("Content-Type"))
				continue
			}
			m := regexp.MustCompile(`<h1>([^<]*)</h1>`).FindSubmatch(body)
			if m == nil || !strings.HasPrefix(html.UnescapeString(string(m[1])), h1) || !strings.HasSuffix(html.UnescapeString(string(m[1])), " – "+org.NameDA) {
				t.Errorf("%s (alert %s): not %s's page:\n%.400s", link, r.Alert, org.ID, body)
				continue
			}
			if r.Alert == "KPVMilestoneOverdue" && bytes.Contains(body, []byte(`class="m-upcoming"`)) {
				t.Errorf("%s: lists upcoming milestones", link)
			}
			if followed[r.Alert] == 0 {
				t.Logf("%s (alert %s) → 200 %s, %d bytes, %q", link, r.Alert, resp.Header.Get("Content-Type"), len(body), html.UnescapeString(string(m[1])))
			}
			followed[r.Alert]++
		}
	}
	t.Logf("followed %v", followed)
	if followed["KPVMilestoneOverdue"] == 0 || followed["KPVFollowUpMissing"] == 0 {
		t.Errorf("follow-up rules with links in alerts/rules.yml: %v", followed)
	}

	// The yearly report links its initiatives and its round to their pages,
	// at the address kpv serves on (its public URL by default).
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/reports/%d?format=html", base, time.Now().Year()))
	if err != nil {
		t.Fatal(err)
	}
	report, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, kind := range []string{"/sider/runde/", "/sider/initiativer/"} {
		m := regexp.MustCompile(`href="` + regexp.QuoteMeta(base+kind) + `([0-9]+)"`).FindSubmatch(report)
		if m == nil {
			t.Errorf("the report has no link to %s…", kind)
			continue
		}
		page, err := http.Get(base + kind + string(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		page.Body.Close()
		if page.StatusCode != 200 {
			t.Errorf("the report's link %s%s: %d", kind, m[1], page.StatusCode)
		}
	}
}

// linkTemplate is how a generated rule writes a link: kpv's public address
// from the kpv_info series kpv serves, else the catalogue's api_url.
var linkTemplate = regexp.MustCompile(`^\{\{ with query "kpv_info" \}\}.*?\{\{ else \}\}(.*?)\{\{ end \}\}`)

// fallbackLink is a rule's link as Prometheus renders it without kpv_info:
// under the catalogue's api_url (the rules' own tests in alerts/testdata
// render it with kpv_info).
func fallbackLink(link string) string { return linkTemplate.ReplaceAllString(link, "$1") }

// ruleGroup is a group of the generated alerts/rules.yml, as the alert
// link tests read it.
type ruleGroup struct {
	Rules []struct {
		Alert       string            `yaml:"alert"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"rules"`
}

// generatedRules reads the checked-in alerts/rules.yml.
func generatedRules(t *testing.T) []ruleGroup {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "alerts", "rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []ruleGroup `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	return rules.Groups
}
