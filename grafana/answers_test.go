package grafana

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"testing"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// mappingsOf returns the value mappings (state → text, colour) a panel's
// defaults or the override of one column give.
func mappingsOf(t *testing.T, p *Panel, column string) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	read := func(v any) {
		list, _ := v.([]any)
		for _, m := range list {
			mm, _ := m.(map[string]any)
			if mm["type"] != "value" {
				continue
			}
			opts, _ := mm["options"].(map[string]any)
			for state, r := range opts {
				res, _ := r.(map[string]any)
				text, _ := res["text"].(string)
				colour, _ := res["color"].(string)
				out[state] = [2]string{text, colour}
			}
		}
	}
	if column == "" {
		defaults, _ := p.FieldConfig["defaults"].(map[string]any)
		read(defaults["mappings"])
		return out
	}
	overrides, _ := p.FieldConfig["overrides"].([]any)
	for _, o := range overrides {
		om, _ := o.(map[string]any)
		matcher, _ := om["matcher"].(map[string]any)
		if matcher["options"] != column {
			continue
		}
		props, _ := om["properties"].([]any)
		for _, pr := range props {
			pm, _ := pr.(map[string]any)
			if pm["id"] == "mappings" {
				read(pm["value"])
			}
		}
	}
	return out
}

// renamed says whether the panel's organize transformation shows field as
// column.
func renamed(p *Panel, field, column string) bool {
	for _, tr := range p.Transformations {
		if tr["id"] != "organize" {
			continue
		}
		opts, _ := tr["options"].(map[string]any)
		rn, _ := opts["renameByName"].(map[string]any)
		if rn[field] == column {
			return true
		}
	}
	return false
}

// TestDashboardsShowTheAnswers: on the overview and each goal's dashboard
// the goal's verdict comes first, in Danish words and colour for every
// verdict, and a table gives each indicator's three answers — standing,
// direction, progress since the baseline — with Danish words and a colour
// for every state in assess.AnswerLabels and for every progress status,
// next to the latest value and the target.
func TestDashboardsShowTheAnswers(t *testing.T) {
	cat := testkit.Catalogue(t)
	ds := dashboards(t, generate(t, cat))
	type column struct {
		field, name string
		states      []string
		labels      func(string) string
	}
	answer := func(s string) string { return assess.AnswerLabels[s][0] }
	var statuses []string
	for _, st := range assess.Statuses {
		statuses = append(statuses, string(st))
	}
	columns := []column{
		{"standing", colStanding, assess.StandingStates, answer},
		{"direction", colDirection, assess.DirectionStates, answer},
		{"progress", colProgress, statuses, func(s string) string { return assess.StatusLabels[assess.Status(s)][0] }},
	}
	// The two answer columns between them name every state that has words.
	var named []string
	for _, c := range columns[:2] {
		named = append(named, c.states...)
	}
	for state := range assess.AnswerLabels {
		if !slices.Contains(named, state) {
			t.Errorf("answer state %q has Danish words but no column of the table shows it", state)
		}
	}

	type board struct {
		name, file string
		goals      []int // the goals whose verdict and answers it shows
	}
	var boards []board
	var all []int
	for _, g := range cat.Goals {
		all = append(all, g.ID)
		boards = append(boards, board{fmt.Sprintf("goal %d", g.ID), "dashboards/" + GoalUID(g.ID) + ".json", []int{g.ID}})
	}
	boards = append(boards, board{"overview", "dashboards/" + OverviewUID + ".json", all})
	for _, b := range boards {
		t.Run(b.name, func(t *testing.T) {
			d := ds[b.file]
			if d == nil {
				t.Fatalf("%s is not generated", b.file)
			}
			// The verdicts are the first panels read: the top row, left first.
			top := slices.Clone(d.Panels)
			sort.SliceStable(top, func(i, j int) bool {
				a, c := top[i].GridPos, top[j].GridPos
				return a.Y < c.Y || a.Y == c.Y && a.X < c.X
			})
			for i, goal := range b.goals {
				want := fmt.Sprintf(`kpv_goal_verdict{goal="%d"}`, goal)
				p := top[i]
				if p.Type != "stat" || len(p.Targets) != 1 || !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(p.Targets[0].Expr) {
					t.Fatalf("panel %d in reading order is %s %q, want goal %d's verdict", i+1, p.Type, p.Title, goal)
				}
				got := mappingsOf(t, p, "")
				for _, st := range assess.VerdictStates {
					if m := got[string(st)]; m[0] != assess.VerdictLabels[st][0] || m[1] == "" {
						t.Errorf("goal %d's verdict %s is shown as %q on %q, want %q on a colour", goal, st, m[0], m[1], assess.VerdictLabels[st][0])
					}
				}
			}
			for _, goal := range b.goals {
				var table *Panel
				for _, p := range d.Panels {
					if p.Type == "table" && len(p.Targets) > 0 && regexp.MustCompile(fmt.Sprintf(`kpv_indicator_standing\{goal="%d"`, goal)).MatchString(p.Targets[0].Expr) {
						table = p
					}
				}
				if table == nil {
					t.Fatalf("no table of goal %d's answers", goal)
				}
				for _, c := range columns {
					t.Run(fmt.Sprintf("goal %d %s", goal, c.field), func(t *testing.T) {
						if !renamed(table, c.field, c.name) {
							t.Errorf("the %s field is not shown as the column %q", c.field, c.name)
						}
						got := mappingsOf(t, table, c.name)
						for _, st := range c.states {
							if m := got[st]; m[0] != c.labels(st) || m[1] == "" {
								t.Errorf("state %s is shown as %q on %q, want %q on a colour", st, m[0], m[1], c.labels(st))
							}
						}
						if len(got) != len(c.states) {
							t.Errorf("%d states mapped, want %d", len(got), len(c.states))
						}
					})
				}
				for field, name := range map[string]string{"Value #A": colValue, "Value #B": colTarget} {
					if !renamed(table, field, name) {
						t.Errorf("goal %d: no column %q", goal, name)
					}
				}
			}
		})
	}
}

// TestDashboardsWriteNoKPVAddress: links into kpv go through $kpv_url,
// which Grafana reads from kpv_info{public_url} (KPV_PUBLIC_URL, else the
// address kpv serves on); no dashboard writes an address or port of its own.
func TestDashboardsWriteNoKPVAddress(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("dashboards", "*.json"))
	if len(files) == 0 {
		t.Fatal("no dashboards")
	}
	addr := regexp.MustCompile(`https?://|127\.0\.0\.1|localhost|:8080\b|:3000\b`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := addr.Find(b); m != nil {
			t.Errorf("%s writes an address (%s): links go through ${kpv_url}", f, m)
		}
	}
	for path, d := range dashboards(t, generate(t, testkit.Catalogue(t))) {
		var v *Variable
		for _, x := range d.Templating.List {
			if x.Name == "kpv_url" {
				v = x
			}
		}
		if v == nil || v.Type != "query" || v.Query != KPVURLQuery || v.Datasource == nil || v.Datasource.UID != PrometheusUID {
			t.Errorf("%s: kpv_url is %+v, want a query of kpv_info's public_url", path, v)
		}
	}
}
