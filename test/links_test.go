package test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var absLink = regexp.MustCompile(`(?:href|src)="(https?://[^"]+)"`)

// TestLinksFollowTheServedPort serves the bundled figures on a free port
// (not 8080) without KPV_PUBLIC_URL or KPV_GRAFANA_URL: every absolute
// link in the pages and the yearly report points at that port, and
// kpv_info, which the alerts' links read, names it with no Grafana.
func TestLinksFollowTheServedPort(t *testing.T) {
	t.Setenv("KPV_PUBLIC_URL", "")
	t.Setenv("KPV_GRAFANA_URL", "")
	base := serveBundled(t)
	own, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	fetch := func(t *testing.T, path string) string {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		return string(b)
	}
	for _, c := range []struct{ name, path string }{
		{"index", "/sider"},
		{"goal", "/sider/maal/1"},
		{"indicator", "/sider/indikatorer/g1_late_effects_need_unmet"},
		{"initiative", "/sider/initiativer/5"},
		{"report 2025", "/api/v1/reports/2025?format=html"},
	} {
		t.Run(c.name, func(t *testing.T) {
			links := 0
			for _, m := range absLink.FindAllStringSubmatch(fetch(t, c.path), -1) {
				u, err := url.Parse(m[1])
				if err != nil {
					t.Errorf("bad link %q", m[1])
					continue
				}
				if h := u.Hostname(); h == "127.0.0.1" || h == "localhost" {
					links++
					if u.Host != own.Host {
						t.Errorf("%s links to %s, not to %s where kpv serves", c.path, m[1], own.Host)
					}
				}
			}
			t.Logf("%s: %d links to kpv itself", c.path, links)
		})
	}
	t.Run("kpv_info", func(t *testing.T) {
		want := `kpv_info{grafana_url="",public_url="` + base + `"} 1`
		if body := fetch(t, "/metrics"); !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	})
}
