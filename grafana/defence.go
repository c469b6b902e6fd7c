package grafana

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
