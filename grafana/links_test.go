package grafana

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every link a dashboard gives into kpv opens a page for people (/sider,
// package pages), not a JSON document; the one exception is the funding
// table's CSV, a download for spreadsheets that says so in its title.
func TestLinksIntoKPVOpenPages(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards: %v", err)
	}
	link := regexp.MustCompile(`"\$\{kpv_url\}([^"]*)"`)
	pages := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllSubmatch(b, -1) {
			path, _, _ := strings.Cut(string(m[1]), "#")
			switch {
			case path == "/sider" || strings.HasPrefix(path, "/sider/indikatorer/") || strings.HasPrefix(path, "/sider/maal/") ||
				strings.HasPrefix(path, "/sider/milepaele") || strings.HasPrefix(path, "/sider/runde") || strings.HasPrefix(path, "/sider/initiativer/"):
				pages++
			case strings.HasPrefix(path, "/api/v1/") && strings.Contains(path, "format=csv"):
				// a table people pass around, as a spreadsheet download
			default:
				t.Errorf("%s: a link into kpv opens %s, not a page", f, path)
			}
		}
	}
	t.Logf("%d links into kpv open a page", pages)
	if pages < 10 {
		t.Errorf("only %d links into kpv open a page", pages)
	}
}
