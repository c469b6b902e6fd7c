package grafana

import (
	"fmt"

	"github.com/kraeftplan/kpv/assess"
)

var verdictColours = map[assess.VerdictState]string{
	assess.VerdictOnTrack: "green", assess.VerdictUndecided: "#8e8e8e", assess.VerdictOffTrack: "red",
}

// verdictStat is a goal's verdict by the catalogue's rule (kpv_goal_verdict).
func verdictStat(goal int) *Panel {
	var overrides []any
	for _, st := range assess.VerdictStates {
		overrides = append(overrides, map[string]any{
			"matcher": map[string]any{"id": "byName", "options": string(st)},
			"properties": []any{
				map[string]any{"id": "displayName", "value": bilingual(assess.VerdictLabels[st])},
				map[string]any{"id": "color", "value": map[string]any{"mode": "fixed", "fixedColor": verdictColours[st]}},
			},
		})
	}
	return &Panel{
		Type: "stat", Title: fmt.Sprintf("Vurdering – mål %d", goal), Datasource: promDS,
		Description: fmt.Sprintf("Goal %d's verdict by the catalogue's stated rule: on track when no indicator is significantly worse and at least half are on track; off track when one is significantly worse or half is out of reach; otherwise undecided. The rule is printed in the report.", goal),
		Targets:     []*Target{promInstant("A", fmt.Sprintf(`max by (state) (kpv_goal_verdict{goal="%d"}) == 1`, goal), "{{state}}", false)},
		Links:       []Link{goalLink(goal), goalPageLink(goal)},
		FieldConfig: map[string]any{
			"defaults":  map[string]any{"unit": "none", "decimals": 0, "color": map[string]any{"mode": "fixed", "fixedColor": "#8e8e8e"}},
			"overrides": overrides,
		},
		Options: map[string]any{
			"colorMode": "background", "graphMode": "none", "textMode": "name", "justifyMode": "auto",
			"orientation": "auto", "reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "fields": "", "values": false},
		},
	}
}

// defenceTable lists, per Danish or regional series, whether the change
// since the baseline is significant, the trend's annual percent change and
// the value projected for the target year.
func defenceTable() *Panel {
	by := "indicator, geography, need_type, sex, cancer_site"
	return &Panel{
		Type: "table", Title: "Signifikans, trend og fremskrivning", Datasource: promDS,
		Description: "Per series: whether the change since the baseline is significant at 95 % (unknown where the publisher gives neither counts nor intervals), the annual percent change over three or more periods, and the value expected in the target year at the current pace. From kpv's metrics; the report and the API give the intervals and reasons.",
		Targets: []*Target{
			promInstant("A", "max by ("+by+", significance) (kpv_indicator_change_significance == 1)", "", true),
			promInstant("B", "max by ("+by+") (kpv_indicator_trend_apc)", "", true),
			promInstant("C", "max by ("+by+") (kpv_indicator_projected_value)", "", true),
		},
		Transformations: []map[string]any{
			{"id": "merge", "options": map[string]any{}},
			{"id": "organize", "options": map[string]any{
				"excludeByName": map[string]any{"Time": true, "Value #A": true},
				"renameByName": map[string]any{"indicator": "Indikator", "geography": "Geografi", "need_type": "Behov", "sex": "Køn", "cancer_site": "Kræftform",
					"significance": "Signifikans", "Value #B": "APC (% om året)", "Value #C": "Fremskrevet i målåret"},
			}},
		},
		FieldConfig: tableFieldConfig(apiColumnLink("Indikator")),
		Options:     map[string]any{"showHeader": true, "cellHeight": "sm"},
	}
}
