package grafana

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
)

// The goal's verdict and the three answers of each of its indicators
// (DESIGN.md, "Answer the question"), shown first on the overview and on
// each goal's dashboard: states in Danish words on their colour, never
// colour alone.

var (
	verdictColours = map[assess.VerdictState]string{
		assess.VerdictOnTrack: "green", assess.VerdictUndecided: "#8e8e8e", assess.VerdictOffTrack: "red",
	}
	standingColours = map[string]string{
		assess.StandingMet: "green", assess.StandingNotMet: "orange",
		// The target is a direction only: no level to meet or miss.
		assess.StandingNoLevel: "#b0b0b0",
	}
	directionColours = map[string]string{
		assess.DirectionImproving: "green", assess.DirectionNoChange: "#b0b0b0",
		assess.DirectionWorsening: "red", assess.DirectionUnknown: "#8e8e8e",
	}
)

// The answer table's columns, as its headers read.
const (
	colIndicator = "Indikator"
	colStanding  = "Nu: målet"
	colDirection = "Retning, seneste 5 år"
	colProgress  = "Siden udgangspunktet"
	colValue     = "Seneste tal"
	colTarget    = "Mål"
	colUnit      = "Enhed"
	colID        = "Id"
)

// valueMappings map each state to its Danish words on its colour.
func valueMappings(states []string, labels func(string) string, colours func(string) string) []any {
	opts := map[string]any{}
	for i, st := range states {
		opts[st] = map[string]any{"text": labels(st), "color": colours(st), "index": i}
	}
	return []any{map[string]any{"type": "value", "options": opts}}
}

func verdictMappings() []any {
	var states []string
	for _, st := range assess.VerdictStates {
		states = append(states, string(st))
	}
	return valueMappings(states,
		func(s string) string { return assess.VerdictLabels[assess.VerdictState(s)][0] },
		func(s string) string { return verdictColours[assess.VerdictState(s)] })
}

func answerMappings(states []string, colours map[string]string) []any {
	return valueMappings(states, func(s string) string { return assess.AnswerLabels[s][0] }, func(s string) string { return colours[s] })
}

func progressMappings() []any {
	var states []string
	for _, st := range assess.Statuses {
		states = append(states, string(st))
	}
	return valueMappings(states,
		func(s string) string { return assess.StatusLabels[assess.Status(s)][0] },
		func(s string) string {
			if c, ok := statusColours[assess.Status(s)]; ok {
				return c
			}
			return "#8e8e8e"
		})
}

// columnMappings show a table column through mappings, on the mapped
// colour where colour is true.
func columnMappings(column string, mappings []any, colour bool) map[string]any {
	props := []any{map[string]any{"id": "mappings", "value": mappings}}
	if colour {
		props = append(props, map[string]any{"id": "custom.cellOptions", "value": map[string]any{"type": "color-background"}})
	}
	return map[string]any{"matcher": map[string]any{"id": "byName", "options": column}, "properties": props}
}

// nanText shows a NaN (no figure, no target level) in words.
func nanText(text string) []any {
	return []any{map[string]any{"type": "special", "options": map[string]any{"match": "nan", "result": map[string]any{"text": text, "index": 0}}}}
}

// verdictStat is a goal's verdict by the catalogue's rule
// (kpv_goal_verdict): the state's Danish words on its colour.
func verdictStat(goal indicators.Goal) *Panel {
	return &Panel{
		Type: "stat", Title: fmt.Sprintf("Vurdering – mål %d: %s", goal.ID, goal.ShortDA), Datasource: promDS,
		Description: fmt.Sprintf("Goal %d's verdict by the catalogue's rule (kpv_goal_verdict): off track when an indicator is short of its target in the latest period beyond the statistical uncertainty without improving significantly at the pace needed, or has worsened significantly over the last five years; on track when none is, at least half of the goal's indicators have figures and each has met its target or improved significantly at the pace needed; otherwise it cannot be decided yet. The reason is on the goal's page in kpv and in the report.", goal.ID),
		Targets:     []*Target{promInstant("A", fmt.Sprintf(`max by (state) (kpv_goal_verdict{goal="%d"} == 1)`, goal.ID), "", true)},
		Links:       []Link{goalLink(goal.ID), goalPageLink(goal.ID)},
		FieldConfig: map[string]any{
			"defaults": map[string]any{
				"mappings": verdictMappings(), "noValue": "Ingen vurdering",
				"color": map[string]any{"mode": "fixed", "fixedColor": "#8e8e8e"},
			},
			"overrides": []any{},
		},
		Options: map[string]any{
			"colorMode": "background", "graphMode": "none", "textMode": "value", "justifyMode": "center",
			"orientation": "auto", "reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "fields": "/^state$/", "values": false},
		},
	}
}

// answerExprs are the answer table's queries for a goal: A, per Danish
// series with figures, the latest value with the indicator's name and
// unit and the three answers as labels (an indicator without figures gets
// one row, NaN, "not assessable"); B the target per row (NaN where the
// target is a direction only). Rows are joined on the series label.
func (g *gen) answerExprs(goal int) (a, b string) {
	key := append([]string{"indicator", "geography"}, g.dims()...)
	quoted := make([]string, len(key))
	for i, k := range key {
		quoted[i] = strconv.Quote(k)
	}
	keyed := func(x string) string {
		return fmt.Sprintf(`label_join(%s, "series", "/", %s)`, x, strings.Join(quoted, ", "))
	}
	sel := fmt.Sprintf(`{goal="%d", geography="DK"}`, goal)
	info := fmt.Sprintf(`max by (indicator, name_da, unit) (kpv_indicator_info{goal="%d"})`, goal)
	state := func(metric, from, to string) string {
		return fmt.Sprintf(`max by (series, %s) (label_replace(%s, %q, "$1", %q, "(.*)"))`, to, keyed(metric+sel+" == 1"), to, from)
	}
	a = fmt.Sprintf(`(
  max by (series, %s) (%s)
  * on (series) group_left (standing) %s
  * on (series) group_left (direction) %s
  * on (series) group_left (progress) %s
  * on (indicator) group_left (name_da, unit) %s
)
or on (indicator)
(label_replace(label_join(%s, "series", "/", "indicator"), "progress", %q, "indicator", ".*") * NaN)`,
		strings.Join(key, ", "), keyed("kpv_indicator_value"+sel),
		state("kpv_indicator_standing", "state", "standing"),
		state("kpv_indicator_direction", "state", "direction"),
		state("kpv_indicator_progress_status", "status", "progress"),
		info, info, string(assess.NotAssessable))
	rows := "count by (series, indicator) (\n" + indent(a) + "\n)"
	b = fmt.Sprintf(`max by (series) (
  (%s * 0 + on (indicator) group_left () max by (indicator) (kpv_indicator_target{goal="%d"}))
  or
  (%s * NaN)
)`, rows, goal, rows)
	return a, b
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

// dims are the catalogue's breakdown dimensions, sorted as the metrics'
// labels are.
func (g *gen) dims() []string {
	var out []string
	for _, d := range g.cat.Dimensions {
		out = append(out, d.ID)
	}
	slices.Sort(out)
	return out
}

// dimValueMappings show a dimension's codes by their Danish names
// (cancer sites by the cancer entities' names).
func (g *gen) dimValueMappings(d indicators.Dimension) []any {
	opts := map[string]any{}
	for i, v := range d.Values {
		opts[v.Code] = map[string]any{"text": v.NameDA, "index": i}
	}
	if d.FromCancerEntities {
		for i, e := range g.cat.CancerEntities {
			opts[strconv.Itoa(e.Code)] = map[string]any{"text": e.NameDA, "index": len(d.Values) + i}
		}
	}
	return []any{map[string]any{"type": "value", "options": opts}}
}

// answersTable lists a goal's indicators with Denmark's series: the three
// answers in Danish words on their colours, the latest value, the target
// and the unit.
func (g *gen) answersTable(goal indicators.Goal) *Panel {
	a, b := g.answerExprs(goal.ID)
	names := []string{"name_da"}
	index := map[string]any{"name_da": 0}
	rename := map[string]any{"name_da": colIndicator}
	overrides := []any{}
	for _, d := range g.cat.Dimensions {
		names = append(names, d.ID)
		index[d.ID] = len(index)
		rename[d.ID] = d.NameDA
		overrides = append(overrides, columnMappings(d.NameDA, g.dimValueMappings(d), false))
	}
	for _, c := range []struct{ field, column string }{
		{"standing", colStanding}, {"direction", colDirection}, {"progress", colProgress},
		{"Value #A", colValue}, {"Value #B", colTarget}, {"unit", colUnit}, {"indicator", colID},
	} {
		names = append(names, c.field)
		index[c.field] = len(index)
		rename[c.field] = c.column
	}
	var units []string
	unitOpts := map[string]any{}
	for _, ind := range g.cat.Indicators {
		if !slices.Contains(units, string(ind.Unit)) {
			unitOpts[string(ind.Unit)] = map[string]any{"text": ind.Unit.NameDA(), "index": len(units)}
			units = append(units, string(ind.Unit))
		}
	}
	overrides = append(overrides,
		columnMappings(colStanding, answerMappings(assess.StandingStates, standingColours), true),
		columnMappings(colDirection, answerMappings(assess.DirectionStates, directionColours), true),
		columnMappings(colProgress, progressMappings(), true),
		columnMappings(colValue, nanText("Ingen tal"), false),
		columnMappings(colTarget, nanText("Intet niveau: målet er en retning"), false),
		columnMappings(colUnit, []any{map[string]any{"type": "value", "options": unitOpts}}, false),
		apiColumnLink(colID),
	)
	return &Panel{
		Type: "table", Title: fmt.Sprintf("Tre svar – mål %d: %s", goal.ID, goal.ShortDA), Datasource: promDS,
		Description: fmt.Sprintf("Goal %d: for each of Denmark's series with figures, kpv's three answers: its standing against the target in the latest period alone (met, not met, or the target is a direction only), its direction over the last five years (improving or worsening significantly, no significant change, unknown), and its progress since the plan's baseline; with the latest value, the target (a rank for a rank target) and the unit. An indicator without figures has one row, 'not assessable: no figures'. From kpv's metrics (kpv_indicator_standing, kpv_indicator_direction, kpv_indicator_progress_status); the reasons are on the indicator's page.", goal.ID),
		Targets:     []*Target{promInstant("A", a, "", true), promInstant("B", b, "", true)},
		Links:       []Link{goalLink(goal.ID), goalPageLink(goal.ID)},
		Transformations: []map[string]any{
			{"id": "joinByField", "options": map[string]any{"byField": "series", "mode": "outer"}},
			{"id": "filterFieldsByName", "options": map[string]any{"include": map[string]any{"names": names}}},
			{"id": "organize", "options": map[string]any{"indexByName": index, "renameByName": rename}},
		},
		FieldConfig: tableFieldConfig(overrides...),
		// An indicator's series together, by the indicator's name.
		Options: map[string]any{"showHeader": true, "cellHeight": "sm", "sortBy": []any{map[string]any{"displayName": colIndicator, "desc": false}}},
	}
}

// answersHeight fits a goal's answer table: a header and about two rows
// per indicator (breakdowns by sex), within 6 to 14 grid rows.
func answersHeight(inds []indicators.Indicator) int {
	return min(max(3+len(inds), 6), 14)
}
