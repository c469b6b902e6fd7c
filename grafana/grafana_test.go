package grafana

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite the checked-in dashboards and provisioning files")

const regenerate = "regenerate with `go test ./grafana -update` (or `go run ./cmd/kpv generate`)"

func generate(t *testing.T, cat *indicators.Catalogue) map[string][]byte {
	t.Helper()
	files, err := Generate(cat)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestCheckedInFilesAreCurrent fails when grafana/ differs from what the
// catalogue generates (with -update it rewrites them instead).
func TestCheckedInFilesAreCurrent(t *testing.T) {
	cat := testkit.Catalogue(t)
	if *update {
		if err := Write(cat, "."); err != nil {
			t.Fatal(err)
		}
		t.Log("rewrote grafana/dashboards and grafana/provisioning")
	}
	files := generate(t, cat)
	for path, want := range files {
		got, err := os.ReadFile(filepath.FromSlash(path))
		if err != nil {
			t.Errorf("grafana/%s is missing: %s", path, regenerate)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("grafana/%s is stale (the catalogue or the generator changed): %s", path, regenerate)
		}
	}
	onDisk, _ := filepath.Glob("dashboards/*.json")
	for _, p := range onDisk {
		if _, ok := files[filepath.ToSlash(p)]; !ok {
			t.Errorf("grafana/%s is no longer generated: %s", p, regenerate)
		}
	}
	t.Logf("%d files current", len(files))
}

// dashboards decodes the generated dashboards by file name.
func dashboards(t *testing.T, files map[string][]byte) map[string]*Dashboard {
	t.Helper()
	out := map[string]*Dashboard{}
	for path, b := range files {
		if !strings.HasPrefix(path, "dashboards/") {
			continue
		}
		var d Dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out[path] = &d
	}
	return out
}

func allPanels(ps []*Panel) []*Panel {
	var out []*Panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

// provisionedUIDs reads the data source UIDs from the provisioning file.
func provisionedUIDs(t *testing.T, files map[string][]byte) map[string]string {
	t.Helper()
	var cfg struct {
		Datasources []struct{ UID, Type string } `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(files["provisioning/datasources/kpv.yaml"], &cfg); err != nil {
		t.Fatalf("provisioning/datasources/kpv.yaml: %v", err)
	}
	out := map[string]string{}
	for _, d := range cfg.Datasources {
		out[d.UID] = d.Type
	}
	return out
}

// Grafana's built-in variables the dashboards may use.
var builtins = []string{"__timeFilter", "__rate_interval", "__interval", "__range", "__value", "__data", "__all", "__from", "__to"}

var varRef = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)(?:[:.][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)|\[\[([A-Za-z0-9_]+)\]\]`)

// strings walks a JSON value and calls f on every string in it.
func eachString(v any, f func(string)) {
	switch v := v.(type) {
	case string:
		f(v)
	case []any:
		for _, e := range v {
			eachString(e, f)
		}
	case map[string]any:
		for _, e := range v {
			eachString(e, f)
		}
	}
}

// TestDashboardStructure checks what Grafana would otherwise reject or show
// wrong: panel ids, grid positions, data sources, variables.
func TestDashboardStructure(t *testing.T) {
	files := generate(t, testkit.Catalogue(t))
	uids := provisionedUIDs(t, files)
	if uids[PrometheusUID] != "prometheus" || uids[PostgresUID] != "grafana-postgresql-datasource" {
		t.Fatalf("provisioned data sources: %v", uids)
	}
	seenUID := map[string]bool{}
	for path, d := range dashboards(t, files) {
		if seenUID[d.UID] || path != "dashboards/"+d.UID+".json" {
			t.Errorf("%s: dashboard uid %q duplicated or not its file name", path, d.UID)
		}
		seenUID[d.UID] = true
		ids := map[int]bool{}
		for _, p := range allPanels(d.Panels) {
			if p.ID <= 0 || ids[p.ID] {
				t.Errorf("%s: panel %q has id %d, not unique", path, p.Title, p.ID)
			}
			ids[p.ID] = true
			if p.Title == "" {
				t.Errorf("%s: panel %d has no title", path, p.ID)
			}
			if p.Type != "row" && p.Type != "text" && p.Description == "" {
				t.Errorf("%s: panel %q has no (English) description", path, p.Title)
			}
			for _, ds := range append([]*DSRef{p.Datasource}, targetsDS(p)...) {
				if ds != nil && uids[ds.UID] != ds.Type {
					t.Errorf("%s: panel %q uses data source %s/%s, which is not provisioned", path, p.Title, ds.Type, ds.UID)
				}
			}
			for _, tg := range p.Targets {
				if tg.Datasource == nil || (tg.Expr != "") != (tg.Datasource.UID == PrometheusUID) || (tg.RawSQL != "") != (tg.Datasource.UID == PostgresUID) {
					t.Errorf("%s: panel %q target %s: query and data source do not match", path, p.Title, tg.RefID)
				}
			}
		}
		// Grid: inside 24 columns, no two panels overlapping.
		for i, a := range d.Panels {
			g := a.GridPos
			if g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
				t.Errorf("%s: panel %q has gridPos %+v outside the 24-column grid", path, a.Title, g)
			}
			for _, b := range d.Panels[i+1:] {
				h := b.GridPos
				if g.X < h.X+h.W && h.X < g.X+g.W && g.Y < h.Y+h.H && h.Y < g.Y+g.H {
					t.Errorf("%s: panels %q %+v and %q %+v overlap", path, a.Title, g, b.Title, h)
				}
			}
		}
		// Every $variable used is defined (or one of Grafana's own).
		defined := map[string]bool{}
		for _, v := range d.Templating.List {
			defined[v.Name] = true
		}
		var raw map[string]any
		if err := json.Unmarshal(files[path], &raw); err != nil {
			t.Fatal(err)
		}
		delete(raw, "templating")
		used := map[string]bool{}
		eachString(raw, func(s string) {
			for _, m := range varRef.FindAllStringSubmatch(s, -1) {
				name := m[1] + m[2] + m[3]
				used[name] = true
				if !defined[name] && !slices.Contains(builtins, name) {
					t.Errorf("%s: variable $%s is used but not defined (in %.80q)", path, name, s)
				}
			}
		})
		for name := range defined {
			if !used[name] {
				t.Errorf("%s: variable %s is defined but not used", path, name)
			}
		}
	}
	for _, uid := range []string{OverviewUID, GoalUID(1), GoalUID(2), GoalUID(3), DataUID, InitiativesUID} {
		if !seenUID[uid] {
			t.Errorf("dashboard %s is missing", uid)
		}
	}
}

func targetsDS(p *Panel) []*DSRef {
	var out []*DSRef
	for _, tg := range p.Targets {
		out = append(out, tg.Datasource)
	}
	return out
}

// indicatorPanels counts the panels of a dashboard that query the
// indicator (by its id in PromQL or SQL).
func indicatorPanels(d *Dashboard, id string) int {
	n := 0
	for _, p := range allPanels(d.Panels) {
		for _, tg := range p.Targets {
			if strings.Contains(tg.Expr, `indicator="`+id+`"`) || strings.Contains(tg.RawSQL, "'"+id+"'") {
				n++
				break
			}
		}
	}
	return n
}

// TestEveryIndicatorHasPanels: each goal's dashboard has the status and
// history of every indicator of the goal; the overview names them all.
func TestEveryIndicatorHasPanels(t *testing.T) {
	cat := testkit.Catalogue(t)
	ds := dashboards(t, generate(t, cat))
	for _, goal := range cat.Goals {
		d := ds["dashboards/"+GoalUID(goal.ID)+".json"]
		n := 0
		for _, ind := range cat.Indicators {
			if ind.Goal != goal.ID {
				continue
			}
			n++
			if got := indicatorPanels(d, ind.ID); got < 2 {
				t.Errorf("goal %d dashboard: %d panels for %s, want at least its status and history", goal.ID, got, ind.ID)
			}
			if got := indicatorPanels(ds["dashboards/"+OverviewUID+".json"], ind.ID); got < 1 {
				t.Errorf("overview: no panel for %s", ind.ID)
			}
		}
		t.Logf("goal %d: %d indicators, %d panels", goal.ID, n, len(allPanels(d.Panels)))
	}
}

// TestNewIndicatorGetsPanels adds an indicator to a copy of the catalogue:
// it gets its panels without any hand editing.
func TestNewIndicatorGetsPanels(t *testing.T) {
	src := string(indicators.Embedded)
	start := strings.Index(src, `  - id: "g2_pro_use"`)
	if start < 0 {
		t.Fatal("g2_pro_use not found in the catalogue")
	}
	end := start + strings.Index(src[start:], "\n\n")
	extra := strings.Replace(src[start:end], `"g2_pro_use"`, `"g2_test_extra"`, 1)
	cat := testkit.CatalogueWith(t, map[string]string{"indicators": extra + "\n"})
	ds := dashboards(t, generate(t, cat))
	if got := indicatorPanels(ds["dashboards/"+GoalUID(2)+".json"], "g2_test_extra"); got < 3 {
		t.Errorf("goal 2 dashboard: %d panels for the new indicator, want status, history and regions", got)
	}
	if got := indicatorPanels(ds["dashboards/"+OverviewUID+".json"], "g2_test_extra"); got < 1 {
		t.Errorf("overview: no panel for the new indicator")
	}
}
