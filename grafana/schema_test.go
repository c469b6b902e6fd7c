package grafana

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/internal/testkit"
)

// The Grafana schema check: each dashboard's JSON is assigned, as an object
// literal, to schemacheck/dashboard.ts's KpvDashboard (Grafana's dashboard
// model from @grafana/schema with each panel typed by its plugin's options
// and field config), and TypeScript's compiler checks it. The npm packages
// are pinned in schemacheck/package-lock.json; scripts/test.sh runs `npm ci`
// there when node_modules is missing.

const schemaDir = "schemacheck"

// schemaError is one compiler error, placed in the dashboard's JSON.
type schemaError struct {
	File string // dashboards/NAME.json
	Line int    // line in that file
	Msg  string // the compiler's message, continuation lines joined
}

func (e schemaError) String() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// tscPath finds the pinned compiler, or skips (fails under make test).
func tscPath(t *testing.T) string {
	t.Helper()
	tsc := filepath.Join(schemaDir, "node_modules", "typescript", "bin", "tsc")
	_, errTSC := os.Stat(tsc)
	_, errSchema := os.Stat(filepath.Join(schemaDir, "node_modules", "@grafana", "schema", "package.json"))
	_, errNode := exec.LookPath("node")
	if err := errors.Join(errTSC, errSchema, errNode); err != nil {
		msg := fmt.Sprintf("the Grafana schema check needs node and `npm ci` in grafana/schemacheck (scripts/test.sh does both): %v", err)
		if os.Getenv("KPV_REQUIRE_DB") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return tsc
}

// header is the .ts file's first line; the JSON starts on the second, so a
// compiler line L is line L-1 of the dashboard file.
const header = `import type { KpvDashboard } from "../dashboard";` + "\n" + `export const dashboard: KpvDashboard = `

var tscLine = regexp.MustCompile(`^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$`)

// checkSchema type-checks the given dashboards (path → JSON) in one compiler
// run and returns the errors, sorted by file and line.
func checkSchema(t *testing.T, files map[string][]byte) []schemaError {
	t.Helper()
	tsc := tscPath(t)
	// Inside schemacheck/ so that the imports resolve from its node_modules.
	dir, err := os.MkdirTemp(schemaDir, "check-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	args := []string{tsc, "--noEmit", "--strict", "--pretty", "false", "--skipLibCheck",
		"--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022"}
	byTS := map[string]string{}
	for path, b := range files {
		ts := filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), ".json")+".ts")
		if err := os.WriteFile(ts, append([]byte(header), b...), 0o644); err != nil {
			t.Fatal(err)
		}
		byTS[filepath.ToSlash(ts)] = path
		args = append(args, ts)
	}
	cmd := exec.Command("node", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	var errs []schemaError
	for _, line := range strings.Split(out.String(), "\n") {
		if m := tscLine.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[2])
			file, ok := byTS[filepath.ToSlash(m[1])]
			if ok {
				n-- // the header line
			} else {
				file = m[1] // an error in dashboard.ts itself
			}
			errs = append(errs, schemaError{File: file, Line: n, Msg: m[4] + " " + m[5]})
		} else if strings.TrimSpace(line) != "" && len(errs) > 0 {
			errs[len(errs)-1].Msg += " " + strings.TrimSpace(line)
		}
	}
	if runErr != nil && len(errs) == 0 {
		t.Fatalf("tsc failed without a located error: %v\n%s", runErr, out.String())
	}
	if runErr == nil && len(errs) > 0 {
		t.Fatalf("tsc exited 0 but printed errors:\n%s", out.String())
	}
	sort.Slice(errs, func(i, j int) bool {
		if errs[i].File != errs[j].File {
			return errs[i].File < errs[j].File
		}
		return errs[i].Line < errs[j].Line
	})
	return errs
}

// TestDashboardsMatchGrafanaSchema checks every generated dashboard against
// Grafana's published schema: a property Grafana does not know, a misspelt
// panel option, a wrong type or a value outside an option's enum fails.
func TestDashboardsMatchGrafanaSchema(t *testing.T) {
	files := generate(t, testkit.Catalogue(t))
	dash := map[string][]byte{}
	panels := 0
	for path, b := range files {
		if strings.HasPrefix(path, "dashboards/") {
			dash[path] = b
			var d Dashboard
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatal(err)
			}
			panels += len(allPanels(d.Panels))
		}
	}
	if len(dash) < 6 {
		t.Fatalf("only %d dashboards generated", len(dash))
	}
	for _, e := range checkSchema(t, dash) {
		t.Errorf("grafana/%s", e)
	}
	t.Logf("%d dashboards, %d panels checked against @grafana/schema", len(dash), panels)
}

// firstPanel finds the first panel of a type, in rows too.
func firstPanel(panels []any, typ string) map[string]any {
	for _, p := range panels {
		m := p.(map[string]any)
		if m["type"] == typ {
			return m
		}
		if sub, ok := m["panels"].([]any); ok {
			if f := firstPanel(sub, typ); f != nil {
				return f
			}
		}
	}
	return nil
}

// TestGrafanaSchemaCheckCatchesMistakes: the same check fails on dashboards
// with one mistake each, and the error names the property and its line.
func TestGrafanaSchemaCheckCatchesMistakes(t *testing.T) {
	files := generate(t, testkit.Catalogue(t))
	src := files["dashboards/"+GoalUID(1)+".json"]
	cases := []struct {
		name   string
		mutate func(d map[string]any, panels []any)
		want   string // in the compiler's message
		line   string // on the reported line of the dashboard
	}{
		{"misspelt-reduce-calcs", func(_ map[string]any, ps []any) {
			ro := firstPanel(ps, "stat")["options"].(map[string]any)["reduceOptions"].(map[string]any)
			ro["calc"] = ro["calcs"]
			delete(ro, "calcs")
		}, `'"calc"' does not exist`, `"calc"`},
		{"misspelt-legend-displaymode", func(_ map[string]any, ps []any) {
			lg := firstPanel(ps, "timeseries")["options"].(map[string]any)["legend"].(map[string]any)
			lg["dispalyMode"] = lg["displayMode"]
			delete(lg, "displayMode")
		}, `'"dispalyMode"' does not exist`, `"dispalyMode"`},
		{"unknown-panel-option", func(_ map[string]any, ps []any) {
			firstPanel(ps, "table")["options"].(map[string]any)["showHeaders"] = true
		}, `'"showHeaders"' does not exist`, `"showHeaders"`},
		{"value-outside-enum", func(_ map[string]any, ps []any) {
			fc := firstPanel(ps, "timeseries")["fieldConfig"].(map[string]any)
			fc["defaults"].(map[string]any)["custom"].(map[string]any)["drawStyle"] = "lines"
		}, `Type '"lines"' is not assignable`, `"drawStyle"`},
		{"wrong-type", func(_ map[string]any, ps []any) {
			firstPanel(ps, "stat")["gridPos"].(map[string]any)["w"] = "6"
		}, `Type 'string' is not assignable to type 'number'`, `"w"`},
		{"misspelt-override-property", func(_ map[string]any, ps []any) {
			fc := firstPanel(ps, "timeseries")["fieldConfig"].(map[string]any)
			for _, o := range fc["overrides"].([]any) {
				for _, p := range o.(map[string]any)["properties"].([]any) {
					if pm := p.(map[string]any); pm["id"] == "custom.lineStyle" {
						pm["id"] = "custom.lineStyl"
						return
					}
				}
			}
			panic("no custom.lineStyle override")
		}, `'"custom.lineStyl"' is not assignable`, `"custom.lineStyl"`},
		{"excess-dashboard-property", func(d map[string]any, _ []any) {
			d["refreshInterval"] = "5m"
		}, `'"refreshInterval"' does not exist`, `"refreshInterval"`},
	}
	bad := map[string][]byte{}
	texts := map[string][]string{}
	for _, c := range cases {
		var d map[string]any
		if err := json.Unmarshal(src, &d); err != nil {
			t.Fatal(err)
		}
		c.mutate(d, d["panels"].([]any))
		b, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		path := "dashboards/" + c.name + ".json"
		bad[path] = b
		texts[path] = strings.Split(string(b), "\n")
	}
	got := map[string][]schemaError{}
	for _, e := range checkSchema(t, bad) {
		got[e.File] = append(got[e.File], e)
	}
	// The check runs once over every broken dashboard (one tsc run); each
	// case is then read as its own subtest.
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := "dashboards/" + c.name + ".json"
			errs := got[path]
			if len(errs) == 0 {
				t.Fatalf("the schema check passed a dashboard it must reject")
			}
			for _, e := range errs {
				lines := texts[path]
				if strings.Contains(e.Msg, c.want) && e.Line >= 1 && e.Line <= len(lines) && strings.Contains(lines[e.Line-1], c.line) {
					t.Logf("%s", e)
					return
				}
			}
			t.Errorf("no error naming %s on its line; got %v", c.want, errs)
		})
	}
}
