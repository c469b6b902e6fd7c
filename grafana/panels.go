package grafana

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
)

// The panels the dashboards are made of: status stats and tables, an
// indicator's history, its regions and Nordic ranks, and their value
// mappings.

// stateOverrides name and colour the series of a state-set query whose
// legend is the state (stat panels).
func stateOverrides() []any {
	var out []any
	add := func(name, text, colour string) {
		out = append(out, map[string]any{
			"matcher": map[string]any{"id": "byName", "options": name},
			"properties": []any{
				map[string]any{"id": "displayName", "value": text},
				map[string]any{"id": "color", "value": map[string]any{"mode": "fixed", "fixedColor": colour}},
			},
		})
	}
	for _, st := range assess.Statuses {
		add(string(st), bilingual(assess.StatusLabels[st]), statusColours[st])
	}
	for _, st := range assess.FreshStates {
		add(string(st), bilingual(assess.FreshLabels[st]), freshColours[st])
	}
	return out
}

// stateMappings turn a table column holding a state into its label on the
// state's colour.
func stateMappings(column string, fresh bool) map[string]any {
	opts := map[string]any{}
	if fresh {
		for i, st := range assess.FreshStates {
			opts[string(st)] = map[string]any{"text": bilingual(assess.FreshLabels[st]), "color": freshColours[st], "index": i}
		}
	} else {
		for i, st := range assess.Statuses {
			opts[string(st)] = map[string]any{"text": bilingual(assess.StatusLabels[st]), "color": statusColours[st], "index": i}
		}
	}
	return map[string]any{
		"matcher": map[string]any{"id": "byName", "options": column},
		"properties": []any{
			map[string]any{"id": "mappings", "value": []any{map[string]any{"type": "value", "options": opts}}},
			map[string]any{"id": "custom.cellOptions", "value": map[string]any{"type": "color-background"}},
		},
	}
}

// apiColumnLink makes a table's indicator column link to the indicator's
// page (kpv's /sider, package pages).
func apiColumnLink(column string) map[string]any {
	return map[string]any{
		"matcher": map[string]any{"id": "byName", "options": column},
		"properties": []any{map[string]any{"id": "links", "value": []any{map[string]any{
			"title": "Side / page: ${__value.raw}", "url": "${kpv_url}/sider/indikatorer/${__value.raw}", "targetBlank": true,
		}}}},
	}
}

func tableFieldConfig(overrides ...any) map[string]any {
	if overrides == nil {
		overrides = []any{}
	}
	return map[string]any{
		"defaults":  map[string]any{"custom": map[string]any{"align": "auto", "cellOptions": map[string]any{"type": "auto"}}},
		"overrides": overrides,
	}
}

// goalStatusStat is the count of a goal's indicators per headline state.
func goalStatusStat(title, description string, goal int) *Panel {
	return &Panel{
		Type: "stat", Title: title, Description: description, Datasource: promDS,
		Targets: []*Target{promInstant("A", fmt.Sprintf(`sum by (status) (kpv_goal_indicators{goal="%d"})`, goal), "{{status}}", false)},
		Links:   []Link{goalLink(goal), goalPageLink(goal)},
		FieldConfig: map[string]any{
			"defaults":  map[string]any{"unit": "none", "decimals": 0, "color": map[string]any{"mode": "fixed", "fixedColor": "#8e8e8e"}},
			"overrides": stateOverrides(),
		},
		Options: map[string]any{
			"colorMode": "background", "graphMode": "none", "textMode": "value_and_name", "justifyMode": "auto",
			"orientation": "auto", "reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "fields": "", "values": false},
		},
	}
}

// statusTable lists a goal's indicators with their headline status and
// freshness (instant queries joined on the indicator).
func statusTable(goal int) *Panel {
	sel := fmt.Sprintf(`goal="%d"`, goal)
	return &Panel{
		Type: "table", Title: fmt.Sprintf("Status og aktualitet – mål %d", goal), Datasource: promDS,
		Description: fmt.Sprintf("Goal %d: each indicator's headline progress status (the weakest of Denmark's series) and whether its data are as recent as the source's release cadence promises. From kpv's metrics.", goal),
		Targets: []*Target{
			promInstant("A", "kpv_indicator_info{"+sel+"}", "", true),
			promInstant("B", "max by (indicator, status) (kpv_indicator_status{"+sel+"} == 1)", "", true),
			promInstant("C", "max by (indicator, state) (kpv_indicator_freshness{"+sel+"} == 1)", "", true),
		},
		Links: []Link{goalLink(goal)},
		Transformations: []map[string]any{
			{"id": "joinByField", "options": map[string]any{"byField": "indicator", "mode": "outer"}},
			{"id": "filterFieldsByName", "options": map[string]any{"include": map[string]any{"names": []string{"indicator", "name_da", "status", "state"}}}},
			{"id": "organize", "options": map[string]any{
				"indexByName":  map[string]any{"name_da": 0, "status": 1, "state": 2, "indicator": 3},
				"renameByName": map[string]any{"name_da": "Indikator", "status": "Status", "state": "Aktualitet", "indicator": "Id"},
			}},
		},
		FieldConfig: tableFieldConfig(stateMappings("Status", false), stateMappings("Aktualitet", true), apiColumnLink("Id")),
		Options:     map[string]any{"showHeader": true, "cellHeight": "sm"},
	}
}

func (g *gen) latestTable(goal int) *Panel {
	return &Panel{
		Type: "table", Title: fmt.Sprintf("Seneste tal og mål – mål %d", goal), Datasource: pgDS,
		Description: fmt.Sprintf("Goal %d: Denmark's latest figure of each indicator and series (derived ranks and gaps computed from the survival figures as kpv does), the period it covers and the plan's target. From Postgres.", goal),
		Targets:     []*Target{sqlTarget("A", g.latestSQL(goal), "table")},
		Links:       []Link{goalLink(goal)},
		FieldConfig: tableFieldConfig(apiColumnLink("indicator")),
		Options:     map[string]any{"showHeader": true, "cellHeight": "sm"},
	}
}

// thresholdSteps colours the band of each alert level, polarity-aware:
// breaching is at or beyond a threshold in the bad direction.
func thresholdSteps(ind indicators.Indicator) []any {
	th := ind.Thresholds
	if th.NotApplicable || th.Warning == nil || th.Critical == nil {
		return []any{map[string]any{"color": "transparent", "value": nil}}
	}
	if ind.Polarity.BadAbove() {
		return []any{
			map[string]any{"color": "transparent", "value": nil},
			map[string]any{"color": "yellow", "value": *th.Warning},
			map[string]any{"color": "red", "value": *th.Critical},
		}
	}
	return []any{
		map[string]any{"color": "red", "value": nil},
		map[string]any{"color": "yellow", "value": *th.Critical},
		map[string]any{"color": "transparent", "value": *th.Warning},
	}
}

func dashedLine(nameRegex, colour string) map[string]any {
	return map[string]any{
		"matcher": map[string]any{"id": "byRegexp", "options": nameRegex},
		"properties": []any{
			map[string]any{"id": "color", "value": map[string]any{"mode": "fixed", "fixedColor": colour}},
			map[string]any{"id": "custom.lineStyle", "value": map[string]any{"fill": "dash", "dash": []int{10, 10}}},
			map[string]any{"id": "custom.showPoints", "value": "never"},
		},
	}
}

func (g *gen) historyPanel(ind indicators.Indicator) *Panel {
	desc := indicatorDescription(ind) + " History of the figures (latest revision of each) from Postgres; dashed lines are the catalogue's target, baseline and alert thresholds, the bands the threshold zones."
	if ind.Derived != nil {
		desc += fmt.Sprintf(" Derived from %s (%s) over %s.", ind.Derived.From, ind.Derived.Method, strings.Join(ind.Derived.Countries, ", "))
	}
	defaults := map[string]any{
		"unit": ind.Unit.Grafana(),
		"custom": map[string]any{
			"drawStyle": "line", "lineWidth": 2, "showPoints": "always", "pointSize": 6, "spanNulls": true,
			"thresholdsStyle": map[string]any{"mode": "area"},
		},
		"thresholds": map[string]any{"mode": "absolute", "steps": thresholdSteps(ind)},
	}
	if ind.Unit == indicators.UnitRank {
		// Rank 1 is best: show it at the top.
		defaults["custom"].(map[string]any)["transform"] = "negative-Y"
		defaults["decimals"] = 0
	}
	return &Panel{
		Type: "timeseries", Title: "Udvikling: " + ind.NameDA, Description: desc, Datasource: pgDS,
		Targets: []*Target{sqlTarget("A", g.historySQL(ind), "time_series")},
		Links:   []Link{indicatorPageLink(ind.ID)},
		FieldConfig: map[string]any{
			"defaults": defaults,
			"overrides": []any{
				dashedLine("^Mål.*", "blue"),
				dashedLine("^Udgangspunkt.*", "purple"),
				dashedLine("^Varselsgrænse.*", "yellow"),
				dashedLine("^Kritisk grænse.*", "red"),
			},
		},
		Options: map[string]any{
			"legend":  map[string]any{"displayMode": "list", "placement": "bottom", "showLegend": true},
			"tooltip": map[string]any{"mode": "multi", "sort": "none"},
		},
	}
}

func statusStat(ind indicators.Indicator) *Panel {
	sel := fmt.Sprintf(`indicator="%s"`, ind.ID)
	desc := "Headline progress status and data freshness of " + ind.ID + ": " + ind.NameEN + "."
	if t := ind.Target; t != nil {
		switch {
		case t.Value != nil:
			desc += fmt.Sprintf(" Target: %s %s by %d.", strconv.FormatFloat(*t.Value, 'f', -1, 64), ind.Unit, t.Year)
		case t.Rank != 0:
			desc += fmt.Sprintf(" Target: rank %d by %d.", t.Rank, t.Year)
		default:
			desc += fmt.Sprintf(" Target: %s by %d (no level set).", t.Direction, t.Year)
		}
	}
	return &Panel{
		Type: "stat", Title: "Status", Description: desc, Datasource: promDS,
		Targets: []*Target{
			promInstant("A", "max by (status) (kpv_indicator_status{"+sel+"} == 1)", "{{status}}", false),
			promInstant("B", "max by (state) (kpv_indicator_freshness{"+sel+"} == 1)", "{{state}}", false),
		},
		Links:       []Link{indicatorPageLink(ind.ID)},
		FieldConfig: map[string]any{"defaults": map[string]any{"color": map[string]any{"mode": "fixed", "fixedColor": "#8e8e8e"}}, "overrides": stateOverrides()},
		Options: map[string]any{
			"colorMode": "background", "graphMode": "none", "textMode": "name", "justifyMode": "center",
			"orientation": "horizontal", "reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "fields": "", "values": false},
		},
	}
}

func (g *gen) regionalPanel(ind indicators.Indicator) *Panel {
	return &Panel{
		Type: "table", Title: "Regioner: " + ind.NameDA, Datasource: pgDS,
		Description: indicatorDescription(ind) + " Denmark and each region: the latest figure with its 95% interval (published, else Wilson's from numerator and denominator). Intervals that do not overlap Denmark's mark a real difference.",
		Targets:     []*Target{sqlTarget("A", g.regionalSQL(ind), "table")},
		Links:       []Link{indicatorPageLink(ind.ID)},
		FieldConfig: tableFieldConfig(),
		Options:     map[string]any{"showHeader": true, "cellHeight": "sm"},
	}
}

func (g *gen) nordicPanel(ind indicators.Indicator) *Panel {
	return &Panel{
		Type: "table", Title: "Norden: " + ind.NameDA, Datasource: pgDS,
		Description: indicatorDescription(ind) + " The Nordic countries in Denmark's latest period for the selected cancer entity, per sex, with 95% intervals and rank (ties share a rank).",
		Targets:     []*Target{sqlTarget("A", g.nordicSQL(ind), "table")},
		Links:       []Link{indicatorPageLink(ind.ID)},
		FieldConfig: tableFieldConfig(g.dimensionMappings("Køn", "sex")),
		Options:     map[string]any{"showHeader": true, "cellHeight": "sm"},
	}
}

func nordicRankStat(ind indicators.Indicator, site string) *Panel {
	sel := fmt.Sprintf(`indicator="%s", cancer_site="%s", sex=~"${sex:regex}"`, ind.ID, site)
	// The selected entity, or every ranked entity where it has none.
	anySite := fmt.Sprintf(`indicator="%s", sex=~"${sex:regex}"`, ind.ID)
	expr := func(metric string) string {
		return fmt.Sprintf("%s{%s} or (%s{%s} unless on() %s{%s})", metric, sel, metric, anySite, metric, sel)
	}
	return &Panel{
		Type: "stat", Title: "Danmarks placering nu", Datasource: promDS,
		Description: "Denmark's rank among the Nordic countries with a figure in the latest period, for the selected cancer entity and sex, and the points behind the leader (kpv's assessment).",
		Targets: []*Target{
			promInstant("A", expr("kpv_nordic_rank"), "Placering {{cancer_site}} {{sex}}", false),
			promInstant("B", expr("kpv_nordic_gap_to_leader"), "Point efter nr. 1 {{cancer_site}} {{sex}}", false),
		},
		Links:       []Link{indicatorPageLink(ind.ID)},
		FieldConfig: map[string]any{"defaults": map[string]any{"unit": "none", "color": map[string]any{"mode": "fixed", "fixedColor": "blue"}}, "overrides": []any{}},
		Options: map[string]any{
			"colorMode": "value", "graphMode": "none", "textMode": "value_and_name", "orientation": "horizontal",
			"reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "fields": "", "values": false},
		},
	}
}

// dimensionMappings show a table column of a dimension's codes by their
// Danish names.
func (g *gen) dimensionMappings(column, dim string) map[string]any {
	opts := map[string]any{}
	for _, d := range g.cat.Dimensions {
		if d.ID == dim {
			for i, v := range d.Values {
				opts[v.Code] = map[string]any{"text": v.NameDA, "index": i}
			}
		}
	}
	return map[string]any{
		"matcher":    map[string]any{"id": "byName", "options": column},
		"properties": []any{map[string]any{"id": "mappings", "value": []any{map[string]any{"type": "value", "options": opts}}}},
	}
}
