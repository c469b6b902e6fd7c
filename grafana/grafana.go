// Package grafana generates kpv's Grafana dashboards from the plan
// catalogue: an overview of the three goals, one dashboard per goal with
// panels for each of its indicators, one for the data and ingest, and one
// for the initiatives and funding. A new indicator in the catalogue gets its
// panels when the dashboards are generated again; no JSON is edited by hand.
//
// Current state (status, freshness, alerts) comes from Prometheus, which
// scrapes kpv's /metrics; history comes from Postgres, the system of record,
// through Grafana's PostgreSQL data source, as the read-only role kpv_grafana
// (store/migrations/00003_grafana_reader.sql).
//
// The output is checked in under grafana/ (dashboards/*.json and
// provisioning/); a test fails when it is stale, and test/grafana_test.go
// runs every panel's query against a real Prometheus and Postgres.
package grafana

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kraeftplan/kpv/indicators"
)

// Dashboard UIDs are fixed so links between dashboards and bookmarks keep
// working wherever the dashboards are provisioned.
const (
	OverviewUID    = "kpv-overview"
	DataUID        = "kpv-data"
	InitiativesUID = "kpv-initiatives"
)

// GoalUID is the UID of a goal's dashboard.
func GoalUID(goal int) string { return fmt.Sprintf("kpv-goal-%d", goal) }

// Generate returns every generated file, keyed by its path relative to the
// repository's grafana/ directory.
func Generate(cat *indicators.Catalogue) (map[string][]byte, error) {
	if len(cat.Goals) == 0 {
		return nil, fmt.Errorf("grafana: the catalogue has no goals")
	}
	g := &gen{cat: cat}
	boards := []*Dashboard{g.overview()}
	for _, goal := range cat.Goals {
		boards = append(boards, g.goal(goal))
	}
	boards = append(boards, g.data(), g.initiatives())
	out := map[string][]byte{
		"provisioning/datasources/kpv.yaml": []byte(datasourcesYAML),
		"provisioning/dashboards/kpv.yaml":  []byte(dashboardsYAML),
	}
	for _, d := range boards {
		if err := number(d); err != nil {
			return nil, err
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			return nil, fmt.Errorf("grafana: encode %s: %w", d.UID, err)
		}
		out["dashboards/"+d.UID+".json"] = b.Bytes()
	}
	return out, nil
}

// Write generates the files into dir (the repository's grafana/ directory),
// and removes generated dashboards that are no longer generated.
func Write(cat *indicators.Catalogue, dir string) error {
	files, err := Generate(cat)
	if err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "dashboards", "kpv-*.json"))
	for _, p := range old {
		rel, _ := filepath.Rel(dir, p)
		if _, ok := files[filepath.ToSlash(rel)]; !ok {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, files[p], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// number gives every panel a dashboard-unique id, in reading order.
func number(d *Dashboard) error {
	id := 0
	var walk func(ps []*Panel)
	walk = func(ps []*Panel) {
		for _, p := range ps {
			id++
			p.ID = id
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	if id == 0 {
		return fmt.Errorf("grafana: dashboard %s has no panels", d.UID)
	}
	return nil
}

type gen struct {
	cat *indicators.Catalogue
}

// rankedSites lists the cancer sites for which a derived indicator ranks
// Denmark by id's figures (none: the series is shown, not ranked).
func (g *gen) rankedSites(id string) []string {
	var sites []string
	for _, ind := range g.cat.Indicators {
		if ind.Derived != nil && ind.Derived.From == id && ind.Derived.Method == indicators.NordicRank {
			sites = append(sites, ind.Derived.CancerSites...)
		}
	}
	return sites
}

// siteSelector is the cancer_site a rank panel shows: the dashboard's
// variable where its default is among the ranked sites, else the first
// ranked site (Eurostat's all cancers are entity 980, not 990).
func (g *gen) siteSelector(sites []string) string {
	if len(g.cat.CancerEntities) > 0 && slices.Contains(sites, strconv.Itoa(g.cat.CancerEntities[0].Code)) {
		return "${cancer_site}"
	}
	return sites[0]
}

func (g *gen) goalIndicators(goal int) []indicators.Indicator {
	var out []indicators.Indicator
	for _, ind := range g.cat.Indicators {
		if ind.Goal == goal {
			out = append(out, ind)
		}
	}
	return out
}

// newDashboard has the settings all kpv dashboards share.
func newDashboard(uid, title, description string) *Dashboard {
	return &Dashboard{
		UID:           uid,
		Title:         title,
		Description:   description,
		Tags:          []string{"kpv", "kræftplan-v"},
		GraphTooltip:  1,
		Timezone:      "browser",
		SchemaVersion: 39,
		Version:       1,
		Refresh:       "5m",
		// Indicator figures are yearly or for multi-year periods, the oldest
		// shipped ones from the 1990s; the plan's targets run to 2030.
		Time:        TimeRange{From: "now-30y", To: "now+6y"},
		Annotations: Annotations{List: []any{}},
		Templating:  Templating{List: []*Variable{kpvURLVar()}},
		Links: []DashLink{{
			Title: "Kræftplan V", Type: "dashboards", Tags: []string{"kpv"},
			AsDropdown: true, KeepTime: true, Tooltip: "kpv's dashboards", Icon: "external link",
		}},
		WeekStart:  "monday",
		TimePicker: map[string]any{},
	}
}

// KPVURLQuery is the kpv_url variable's query: kpv's public address as kpv
// itself serves it (kpv_info's public_url label: KPV_PUBLIC_URL, else the
// address it listens on), the one the report's and the alerts' links use.
// No address or port is written into a dashboard.
const KPVURLQuery = "label_values(kpv_info, public_url)"

func kpvURLVar() *Variable {
	return &Variable{
		Name: "kpv_url", Label: "kpv", Type: "query", Query: KPVURLQuery, Datasource: promDS,
		// Read again when the dashboard loads.
		Refresh:     1,
		Description: "kpv's public address, which the panels' links to its pages use: read from kpv_info{public_url} (KPV_PUBLIC_URL, else the address kpv serves on).",
		Current:     Option{Text: "", Value: ""},
		Options:     []Option{},
	}
}

// customVar is a variable with a fixed list from the catalogue. With all,
// it is multi-valued and defaults to every value; else it defaults to def.
func customVar(name, label, description string, texts, values []string, all bool, def string) *Variable {
	v := &Variable{Name: name, Label: label, Description: description, Type: "custom", Multi: all, IncludeAll: all}
	var q []string
	for i, val := range values {
		// Grafana's custom variable syntax: "text : value", comma-separated,
		// with commas inside a text escaped.
		q = append(q, strings.ReplaceAll(texts[i], ",", `\,`)+" : "+val)
		v.Options = append(v.Options, Option{Selected: !all && val == def, Text: texts[i], Value: val})
	}
	v.Query = strings.Join(q, ",")
	if all {
		v.Current = Option{Selected: true, Text: []string{"All"}, Value: []string{"$__all"}}
		v.Options = append([]Option{{Selected: true, Text: "All", Value: "$__all"}}, v.Options...)
		return v
	}
	for _, o := range v.Options {
		if o.Selected {
			v.Current = Option{Selected: true, Text: o.Text, Value: o.Value}
		}
	}
	return v
}

// layout places panels left to right in rows of the 24-column grid.
type layout struct {
	d    *Dashboard
	y    int
	rowH int
	x    int
}

func (l *layout) add(p *Panel, w, h int) {
	if l.x+w > 24 {
		l.newline()
	}
	p.GridPos = GridPos{H: h, W: w, X: l.x, Y: l.y}
	l.x += w
	if h > l.rowH {
		l.rowH = h
	}
	l.d.Panels = append(l.d.Panels, p)
}

func (l *layout) newline() {
	l.y += l.rowH
	l.x, l.rowH = 0, 0
}

// row adds a row header across the grid.
func (l *layout) row(title string) {
	if l.x > 0 {
		l.newline()
	}
	f := false
	l.d.Panels = append(l.d.Panels, &Panel{Type: "row", Title: title, Collapsed: &f, GridPos: GridPos{H: 1, W: 24, X: 0, Y: l.y}, Panels: []*Panel{}})
	l.y++
}

func boolp(b bool) *bool { return &b }

func promInstant(ref, expr, legend string, table bool) *Target {
	t := &Target{RefID: ref, Datasource: promDS, Expr: expr, LegendFormat: legend, Instant: boolp(true), Range: boolp(false)}
	if table {
		t.Format = "table"
	}
	return t
}

func promRange(ref, expr, legend string) *Target {
	return &Target{RefID: ref, Datasource: promDS, Expr: expr, LegendFormat: legend, Instant: boolp(false), Range: boolp(true)}
}

func sqlTarget(ref, sql, format string) *Target {
	return &Target{RefID: ref, Datasource: pgDS, RawSQL: sql, RawQuery: true, EditorMode: "code", Format: format}
}

// indicatorPageLink and goalPageLink open kpv's pages for people (pages/), never
// the JSON API.
func goalPageLink(goal int) Link {
	return Link{Title: fmt.Sprintf("Side / page: mål %d", goal), URL: fmt.Sprintf("${kpv_url}/sider/maal/%d", goal), TargetBlank: true}
}

func indicatorPageLink(id string) Link {
	return Link{Title: "Side / page: " + id, URL: "${kpv_url}/sider/indikatorer/" + id, TargetBlank: true}
}

func goalLink(goal int) Link {
	return Link{Title: fmt.Sprintf("Mål %d – dashboard", goal), URL: "/d/" + GoalUID(goal)}
}

// indicatorDescription is a panel's description: the English name and
// method, since titles are Danish.
func indicatorDescription(ind indicators.Indicator) string {
	_, polarity := ind.Polarity.Words()
	s := ind.NameEN + " (" + ind.ID + ", unit: " + string(ind.Unit) + ", " + polarity + ")."
	if ind.MethodologyEN != "" {
		s += " " + ind.MethodologyEN
	}
	return s
}
