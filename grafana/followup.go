package grafana

// followUpPanels add the plan's own follow-up to the initiatives
// dashboard: initiatives by status, overdue milestones and the round's
// completeness from kpv's gauges, and allocated against spent per funding
// line from the submissions in Postgres (issue 16).
func (g *gen) followUpPanels(l *layout) {
	l.newline()
	bar := func(unit string, max any) map[string]any {
		d := map[string]any{"unit": unit, "min": 0}
		if max != nil {
			d["max"] = max
		}
		return map[string]any{"defaults": d, "overrides": []any{}}
	}
	opts := map[string]any{"orientation": "horizontal", "displayMode": "basic", "reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "fields": "", "values": false}}
	l.add(&Panel{Type: "bargauge", Title: "Initiativer pr. status (runden under vejs)", Datasource: promDS,
		Description: "Initiatives by the status of their latest status report for the year of the round under way (no_report: none yet).",
		Links: []Link{{Title: "Initiativerne / the initiatives", URL: "${kpv_url}/sider#followup", TargetBlank: true},
			{Title: "Runden (regneark) / the round (spreadsheet)", URL: "${kpv_url}/api/v1/rounds/current?format=csv", TargetBlank: true}},
		Targets:     []*Target{promInstant("A", `max by (status) (kpv_initiatives)`, "{{status}}", false)},
		FieldConfig: bar("none", nil), Options: opts,
	}, 8, 8)
	l.add(&Panel{Type: "bargauge", Title: "Overskredne milepæle pr. ansvarlig", Datasource: promDS,
		Description: "Milestones from the plan and the 2025 agreement past their date and not reported reached, by the organisation responsible.",
		Links: []Link{{Title: "Overskredne milepæle / overdue milestones", URL: "${kpv_url}/sider/milepaele?tilstand=overdue", TargetBlank: true},
			{Title: "Overskredne milepæle (regneark) / overdue milestones (spreadsheet)", URL: "${kpv_url}/api/v1/milestones?state=overdue&format=csv", TargetBlank: true}},
		Targets:     []*Target{promInstant("A", `max by (owner) (kpv_milestones_overdue)`, "{{owner}}", false)},
		FieldConfig: bar("none", nil), Options: opts,
	}, 8, 8)
	l.add(&Panel{Type: "bargauge", Title: "Årets indberetning pr. organisation", Datasource: promDS,
		Description: "Share of what the round under way expects from each organisation (figures, status reports, spending, commentary) that has come.",
		Links: []Link{{Title: "Runden: hvad mangler hvem / the round: who owes what", URL: "${kpv_url}/sider/runde", TargetBlank: true},
			{Title: "Runden (regneark) / the round (spreadsheet)", URL: "${kpv_url}/api/v1/rounds/current?format=csv", TargetBlank: true}},
		Targets:     []*Target{promInstant("A", `max by (owner) (kpv_round_completeness_ratio)`, "{{owner}}", false)},
		FieldConfig: bar("percentunit", 1), Options: opts,
	}, 8, 8)
	l.add(&Panel{Type: "table", Title: "Bevilget og forbrugt pr. linje (runden under vejs, mio. kr.)", Datasource: pgDS,
		Description: "Each funding line spending is reported on (a 'Heraf' part by its recipient, a line without parts by the ministry): allocated in the plan's Økonomi table for the round's year, and the latest spending report. Empty spent means not reported, never 0.",
		Links:       []Link{{Title: "Forbrug (regneark) / spending (spreadsheet)", URL: "${kpv_url}/api/v1/spending?format=csv", TargetBlank: true}},
		Targets: []*Target{sqlTarget("A", `-- Allocated against the latest spending report, for the round under way (last year).
WITH y AS (SELECT extract(year FROM now())::int - 1 AS year)
SELECT f.name_da AS "Linje",
       f.recipient AS "Modtager",
       f.amount_mdkk AS "Bevilget",
       (s.body->>'spent')::numeric AS "Forbrugt",
       (s.body->>'committed')::numeric AS "Disponeret",
       f.amount_mdkk - (s.body->>'spent')::numeric AS "Ikke forbrugt",
       s.org AS "Indberettet af",
       s.recorded_at AS "Indberettet"
FROM y
JOIN funding f ON f.table_id = 'plan-oekonomi'
  AND f.column_label = CASE WHEN y.year > 2030 THEN 'varigt' ELSE y.year::text END
LEFT JOIN LATERAL (
  SELECT p.body, p.org, p.recorded_at FROM plan_submissions p
  WHERE p.kind = 'spending' AND p.subject = 'funding:' || f.line_id AND p.year = y.year
  ORDER BY p.id DESC LIMIT 1) s ON true
WHERE f.parent_id IS NOT NULL
   OR NOT EXISTS (SELECT 1 FROM funding c WHERE c.table_id = f.table_id AND c.parent_id = f.line_id)
ORDER BY f.line_id`, "table")},
		FieldConfig: tableFieldConfig(),
		Options:     map[string]any{"showHeader": true, "cellHeight": "sm"},
	}, 24, 12)
}
