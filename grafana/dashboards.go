package grafana

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
)

// Colours of the assessment's states, worst in red; "not assessable" and
// "no data" are grey, not green.
var (
	statusColours = map[assess.Status]string{
		assess.TargetAchieved:    "dark-green",
		assess.OnTrack:           "green",
		assess.NeedsAcceleration: "yellow",
		assess.OffTrack:          "orange",
		assess.Deterioration:     "red",
		assess.NotAssessable:     "#8e8e8e",
		// Without a significant change no direction is shown: grey.
		assess.NoSignificantChange: "#b0b0b0",
		assess.SignificanceUnknown: "#8e8e8e",
	}
	freshColours = map[assess.FreshState]string{
		assess.Fresh:   "green",
		assess.Overdue: "orange",
		assess.NoData:  "#8e8e8e",
	}
)

func bilingual(l [2]string) string { return l[0] + " / " + l[1] }

func (g *gen) overview() *Dashboard {
	d := g.newDashboard(OverviewUID, "Kræftplan V – overblik",
		"Cancer Plan V at a glance: the plan's goals side by side, each indicator's latest figure, target, progress status and freshness, the count of indicators per status, and active alerts. Generated from kpv's catalogue.")
	l := &layout{d: d}
	w := 24 / len(g.cat.Goals)
	if w < 6 {
		w = 6
	}
	// The answers first: each goal's verdict, then its indicators' three
	// answers (answers.go).
	for _, goal := range g.cat.Goals {
		l.add(verdictStat(goal), w, 4)
	}
	l.newline()
	for _, goal := range g.cat.Goals {
		l.add(g.answersTable(goal), 24, answersHeight(g.goalIndicators(goal.ID)))
		l.newline()
	}
	var md strings.Builder
	md.WriteString("**" + g.cat.Plan.TitleDA + "** — opfølgning på planens mål / follow-up of the plan's goals.\n\n")
	for _, goal := range g.cat.Goals {
		fmt.Fprintf(&md, "- [Mål %d: %s](/d/%s) — %s\n", goal.ID, goal.ShortDA, GoalUID(goal.ID), goal.ShortEN)
	}
	md.WriteString("- [Data og indsamling](/d/" + DataUID + ") · [Initiativer og økonomi](/d/" + InitiativesUID + ")\n")
	l.add(&Panel{Type: "text", Title: "Kræftplan V", Description: "What the dashboards show and where to go next.",
		Options: map[string]any{"mode": "markdown", "content": md.String()}}, 24, 4)
	l.newline()
	for _, goal := range g.cat.Goals {
		l.add(goalStatusStat(fmt.Sprintf("Mål %d: %s", goal.ID, goal.ShortDA), fmt.Sprintf("Goal %d: %s. %s Number of the goal's indicators in each progress state.", goal.ID, goal.ShortEN, goal.NameEN), goal.ID), w, 6)
	}
	l.newline()
	for _, goal := range g.cat.Goals {
		l.add(statusTable(goal.ID), w, 10)
	}
	l.newline()
	for _, goal := range g.cat.Goals {
		l.add(g.latestTable(goal.ID), w, 10)
	}
	l.newline()
	l.add(defenceTable(), 24, 9)
	l.newline()
	l.add(&Panel{
		Type: "stat", Title: "Aktive alarmer", Datasource: promDS,
		Description: "Number of kpv alerts firing now (Prometheus' ALERTS series; 0 when none fires).",
		Targets:     []*Target{promInstant("A", `count(ALERTS{alertstate="firing"}) or vector(0)`, "", false)},
		FieldConfig: map[string]any{"defaults": map[string]any{"unit": "none", "decimals": 0, "thresholds": map[string]any{"mode": "absolute", "steps": []any{
			map[string]any{"color": "green", "value": nil}, map[string]any{"color": "red", "value": 1}}}}, "overrides": []any{}},
		Options: map[string]any{"colorMode": "background", "graphMode": "none", "reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "fields": "", "values": false}},
	}, 6, 8)
	l.add(&Panel{
		Type: "table", Title: "Aktive alarmer – detaljer", Datasource: promDS,
		Description: "The alerts firing now, with the indicator, goal and owner they are routed to. Empty when nothing fires.",
		// ALERTS has no series when no alert fires: the query test accepts
		// an empty answer for ALERTS alone (see test/grafana_test.go).
		Targets: []*Target{promInstant("A", `ALERTS{alertstate="firing"}`, "", true)},
		Transformations: []map[string]any{{"id": "organize", "options": map[string]any{
			"excludeByName": map[string]any{"Time": true, "Value": true, "__name__": true, "alertstate": true, "job": true, "instance": true},
			"renameByName":  map[string]any{"alertname": "Alarm", "indicator": "Indikator", "goal": "Mål", "owner": "Ejer", "severity": "Alvor"},
		}}},
		FieldConfig: tableFieldConfig(apiColumnLink("Indikator")),
		Options:     map[string]any{"showHeader": true, "cellHeight": "sm"},
	}, 18, 8)
	for _, goal := range g.cat.Goals {
		d.Links = append(d.Links, DashLink{Title: fmt.Sprintf("Mål %d", goal.ID), Type: "link", URL: "/d/" + GoalUID(goal.ID),
			Tooltip: goal.ShortEN, Tags: []string{}, KeepTime: true, Icon: "dashboard"})
	}
	return d
}

// newDashboard is newDashboard with the time range running to the end of
// the catalogue's last target year.
func (g *gen) newDashboard(uid, title, description string) *Dashboard {
	d := newDashboard(uid, title, description)
	last := 0
	for _, ind := range g.cat.Indicators {
		if ind.Target != nil && ind.Target.Year > last {
			last = ind.Target.Year
		}
	}
	if last > 0 {
		d.Time.To = fmt.Sprintf("%d-12-31T23:59:59.000Z", last)
	}
	return d
}

// goalVariables are the variables a goal's indicators are filtered by.
func (g *gen) goalVariables(inds []indicators.Indicator) []*Variable {
	var region, sex, site bool
	for _, ind := range inds {
		f := filtersFor(ind)
		region = region || f.region
		sex = sex || f.sex || has(ind, "country") && has(ind, "sex")
		site = site || f.cancerSite
	}
	var out []*Variable
	if region {
		var texts, vals []string
		for _, geo := range g.cat.Geographies {
			if geo.Kind == indicators.GeoRegion {
				texts, vals = append(texts, geo.NameDA), append(vals, geo.Code)
			}
		}
		out = append(out, customVar("region", "Region", "Regions shown next to Denmark.", texts, vals, true, ""))
	}
	if sex {
		var texts, vals []string
		for _, dim := range g.cat.Dimensions {
			if dim.ID == "sex" {
				for _, v := range dim.Values {
					texts, vals = append(texts, v.NameDA), append(vals, v.Code)
				}
			}
		}
		out = append(out, customVar("sex", "Køn", "Sex.", texts, vals, true, ""))
	}
	if site {
		var texts, vals []string
		for _, e := range g.cat.CancerEntities {
			texts, vals = append(texts, fmt.Sprintf("%s (%d)", e.NameDA, e.Code)), append(vals, strconv.Itoa(e.Code))
		}
		def := ""
		if len(vals) > 0 {
			def = vals[0]
		}
		out = append(out, customVar("cancer_site", "Kræftform", "NORDCAN cancer entity compared across the Nordic countries.", texts, vals, false, def))
	}
	return out
}

func (g *gen) goal(goal indicators.Goal) *Dashboard {
	inds := g.goalIndicators(goal.ID)
	d := g.newDashboard(GoalUID(goal.ID), fmt.Sprintf("Mål %d: %s", goal.ID, goal.ShortDA),
		fmt.Sprintf("Goal %d: %s — each indicator's status, its history from baseline to target year with the target and alert thresholds, and the regional or Nordic comparison. Generated from kpv's catalogue.", goal.ID, goal.NameEN))
	d.Templating.List = append(d.Templating.List, g.goalVariables(inds)...)
	d.Links = append(d.Links, DashLink{Title: "Overblik", Type: "link", URL: "/d/" + OverviewUID, Tooltip: "Cancer Plan V overview", Tags: []string{}, KeepTime: true, Icon: "dashboard"})
	l := &layout{d: d}
	// The verdict first, then the three answers of each indicator.
	l.add(verdictStat(goal), 6, 5)
	l.add(&Panel{Type: "text", Title: fmt.Sprintf("Mål %d", goal.ID), Description: goal.NameEN,
		Options: map[string]any{"mode": "markdown", "content": fmt.Sprintf("**%s**\n\n*%s*", goal.NameDA, goal.NameEN)}}, 10, 5)
	l.add(goalStatusStat("Indikatorer pr. status", fmt.Sprintf("Number of goal %d's indicators in each progress state.", goal.ID), goal.ID), 8, 5)
	l.newline()
	l.add(g.answersTable(goal), 24, answersHeight(inds))
	for _, ind := range inds {
		l.row(ind.NameDA)
		l.add(statusStat(ind), 4, 9)
		switch {
		case has(ind, "country"):
			l.add(g.historyPanel(ind), 8, 9)
			l.add(g.nordicPanel(ind), 8, 9)
			// Denmark's rank exists where a derived indicator ranks the
			// series (NORDCAN's mortality is shown, not ranked).
			if sites := g.rankedSites(ind.ID); len(sites) > 0 {
				l.add(nordicRankStat(ind, g.siteSelector(sites)), 4, 9)
			}
			if has(ind, "region") {
				l.add(g.regionalPanel(ind), 9, 9)
			}
		case has(ind, "region"):
			l.add(g.historyPanel(ind), 11, 9)
			l.add(g.regionalPanel(ind), 9, 9)
		default:
			l.add(g.historyPanel(ind), 20, 9)
		}
	}
	return d
}

func (g *gen) data() *Dashboard {
	d := g.newDashboard(DataUID, "Data og indsamling",
		"The data behind the indicators: each source with its last successful run, overdue publications, the ingest runs and their errors. Generated from kpv's catalogue.")
	d.Time = TimeRange{From: "now-7d", To: "now"}
	d.Links = append(d.Links, DashLink{Title: "Overblik", Type: "link", URL: "/d/" + OverviewUID, Tooltip: "Cancer Plan V overview", Tags: []string{}, Icon: "dashboard"})
	l := &layout{d: d}
	count := func(title, desc, expr string, warnAt float64) *Panel {
		return &Panel{Type: "stat", Title: title, Description: desc, Datasource: promDS,
			Targets: []*Target{promInstant("A", expr, "", false)},
			FieldConfig: map[string]any{"defaults": map[string]any{"unit": "none", "decimals": 0, "thresholds": map[string]any{"mode": "absolute", "steps": []any{
				map[string]any{"color": "green", "value": nil}, map[string]any{"color": "orange", "value": warnAt}}}}, "overrides": []any{}},
			Options: map[string]any{"colorMode": "background", "graphMode": "none", "reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "fields": "", "values": false}},
		}
	}
	l.add(count("Forsinkede indikatorer", "Indicators whose next publication is overdue by the source's release cadence.",
		`count(kpv_indicator_freshness{state="overdue"} == 1) or vector(0)`, 1), 6, 4)
	l.add(count("Indikatorer uden data", "Indicators with no figures yet (sources not yet ingested, or submissions not yet made).",
		`count(kpv_indicator_freshness{state="no_data"} == 1) or vector(0)`, 1), 6, 4)
	l.add(count("Fejlede kørsler (døgn)", "Ingest runs that failed in the last 24 hours, over all sources.",
		`sum(increase(kpv_ingest_runs_total{outcome="failed"}[1d])) or vector(0)`, 1), 6, 4)
	l.add(&Panel{Type: "stat", Title: "Vurdering opdateret", Description: "Time since kpv last rebuilt its assessment.", Datasource: promDS,
		Targets:     []*Target{promInstant("A", `time() - max(kpv_assessment_last_refresh_timestamp_seconds)`, "", false)},
		FieldConfig: map[string]any{"defaults": map[string]any{"unit": "s"}, "overrides": []any{}},
		Options:     map[string]any{"colorMode": "value", "graphMode": "none", "reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "fields": "", "values": false}},
	}, 6, 4)
	l.add(&Panel{Type: "table", Title: "Kilder", Datasource: pgDS,
		Description: "Each source in the catalogue: format, schedule, its last successful run (success or unchanged), and how its last run ended, with the error. Sources without a run are listed too.",
		Targets: []*Target{sqlTarget("A", `-- Every source with its last successful run and its last run (NULL where none).
SELECT s.id AS "Kilde",
       s.name_da AS "Navn",
       s.format AS "Format",
       s.schedule AS "Plan (cron)",
       ok.finished_at AS "Sidste succes",
       last.started_at AS "Sidste kørsel",
       last.outcome AS "Udfald",
       last.error AS "Fejl"
FROM sources s
LEFT JOIN LATERAL (
  SELECT max(r.finished_at) AS finished_at FROM ingest_runs r
  WHERE r.source_id = s.id AND r.outcome IN ('success', 'unchanged')
) ok ON true
LEFT JOIN LATERAL (
  SELECT r.started_at, r.outcome, r.error FROM ingest_runs r
  WHERE r.source_id = s.id ORDER BY r.started_at DESC LIMIT 1
) last ON true
WHERE s.active
ORDER BY s.id`, "table")},
		FieldConfig: tableFieldConfig(),
		Options:     map[string]any{"showHeader": true, "cellHeight": "sm"},
	}, 24, 8)
	l.add(&Panel{Type: "bargauge", Title: "Tid siden sidste succes", Datasource: promDS,
		Description: "Per source, the time since its last successful ingest run (from the run log).",
		Targets:     []*Target{promInstant("A", `time() - kpv_source_last_success_timestamp_seconds`, "{{source}}", false)},
		FieldConfig: map[string]any{"defaults": map[string]any{"unit": "s", "min": 0}, "overrides": []any{}},
		Options:     map[string]any{"orientation": "horizontal", "displayMode": "basic", "reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "fields": "", "values": false}},
	}, 12, 8)
	l.add(&Panel{Type: "table", Title: "Aktualitet pr. indikator", Datasource: promDS,
		Description: "Each indicator's freshness and when its next publication is due by the source's release cadence.",
		Targets: []*Target{
			promInstant("A", `max by (indicator, state) (kpv_indicator_freshness == 1)`, "", true),
			promInstant("B", `max by (indicator) (kpv_indicator_next_release_due_timestamp_seconds) * 1000`, "", true),
		},
		Transformations: []map[string]any{
			{"id": "joinByField", "options": map[string]any{"byField": "indicator", "mode": "outer"}},
			{"id": "filterFieldsByName", "options": map[string]any{"include": map[string]any{"names": []string{"indicator", "state", "Value #B"}}}},
			{"id": "organize", "options": map[string]any{"renameByName": map[string]any{"indicator": "Indikator", "state": "Aktualitet", "Value #B": "Næste forventet"}}},
		},
		FieldConfig: tableFieldConfig(stateMappings("Aktualitet", true), apiColumnLink("Indikator"), map[string]any{
			"matcher": map[string]any{"id": "byName", "options": "Næste forventet"}, "properties": []any{map[string]any{"id": "unit", "value": "dateTimeAsIso"}}}),
		Options: map[string]any{"showHeader": true, "cellHeight": "sm"},
	}, 12, 8)
	l.add(&Panel{Type: "table", Title: "Indberetningsstatus: indikatorer uden tal", Datasource: promDS,
		Description: "Indicators without figures (kpv_indicator_reporting_status): the source expected to carry them, how they get in (fetched, file, submission, derived) and the owner who owes them. The indicator's page in kpv says how the owner submits.",
		Targets:     []*Target{promInstant("A", `max by (indicator, owner, source, channel) (kpv_indicator_reporting_status == 1)`, "", true)},
		Transformations: []map[string]any{
			{"id": "filterFieldsByName", "options": map[string]any{"include": map[string]any{"names": []string{"indicator", "owner", "source", "channel"}}}},
			{"id": "organize", "options": map[string]any{"renameByName": map[string]any{"indicator": "Indikator", "owner": "Ansvarlig", "source": "Forventet kilde", "channel": "Sådan kommer tallene ind"}}},
		},
		FieldConfig: tableFieldConfig(apiColumnLink("Indikator")),
		Options:     map[string]any{"showHeader": true, "cellHeight": "sm"},
	}, 24, 8)
	l.add(&Panel{Type: "timeseries", Title: "Ingest-kørsler", Datasource: promDS,
		Description: "Ingest runs per source and outcome (success, unchanged, failed, interrupted, skipped) over time.",
		Targets:     []*Target{promRange("A", `sum by (source, outcome) (increase(kpv_ingest_runs_total[$__rate_interval]))`, "{{source}} {{outcome}}")},
		FieldConfig: map[string]any{"defaults": map[string]any{"unit": "none", "custom": map[string]any{"drawStyle": "bars", "stacking": map[string]any{"mode": "normal"}}}, "overrides": []any{}},
		Options:     map[string]any{"legend": map[string]any{"displayMode": "list", "placement": "bottom", "showLegend": true}},
	}, 12, 9)
	l.add(&Panel{Type: "table", Title: "Seneste kørsler og fejl", Datasource: pgDS,
		Description: "The run log, newest first: source, kind, outcome, counts and the error of a failed run.",
		Targets: []*Target{sqlTarget("A", `-- The run log, newest first.
SELECT r.started_at AS "Start",
       r.source_id AS "Kilde",
       r.kind AS "Art",
       r.outcome AS "Udfald",
       r.read_count AS "Læst",
       r.inserted_count AS "Nye",
       r.revised_count AS "Reviderede",
       r.rejected_count AS "Afviste",
       r.error AS "Fejl"
FROM ingest_runs r
WHERE $__timeFilter(r.started_at) OR r.outcome = 'failed'
ORDER BY r.started_at DESC
LIMIT 200`, "table")},
		FieldConfig: tableFieldConfig(),
		Options:     map[string]any{"showHeader": true, "cellHeight": "sm"},
	}, 12, 9)
	return d
}

// recipients are the recipients of funding line parts ("Heraf …").
func recipients(cat *indicators.Catalogue) []string {
	var out []string
	for _, t := range cat.FundingTables {
		for _, line := range t.Lines {
			for _, p := range line.Parts {
				if p.Recipient != "" && !slices.Contains(out, p.Recipient) {
					out = append(out, p.Recipient)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// lineOrder is every funding line and part in the order printed.
func lineOrder(cat *indicators.Catalogue) []string {
	var out []string
	for _, t := range cat.FundingTables {
		for _, line := range t.Lines {
			out = append(out, line.ID)
			for _, p := range line.Parts {
				out = append(out, p.ID)
			}
		}
	}
	return out
}

// columns are every funding table's column headings, in order.
func columns(cat *indicators.Catalogue) []string {
	var out []string
	for _, t := range cat.FundingTables {
		for _, c := range t.Columns {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

func (g *gen) initiatives() *Dashboard {
	d := g.newDashboard(InitiativesUID, "Initiativer og økonomi",
		"The plan's initiatives by focus area and goal, and its funding per year and recipient, as printed in the plan's Økonomi table and the 2025 implementation agreement. Generated from kpv's catalogue.")
	d.Links = append(d.Links, DashLink{Title: "Overblik", Type: "link", URL: "/d/" + OverviewUID, Tooltip: "Cancer Plan V overview", Tags: []string{}, Icon: "dashboard"})
	var texts, vals []string
	for _, t := range g.cat.FundingTables {
		texts, vals = append(texts, t.TitleDA), append(vals, t.ID)
	}
	def := ""
	if len(vals) > 0 {
		def = vals[0]
	}
	d.Templating.List = append(d.Templating.List, customVar("funding_table", "Tabel", "Funding table: the plan's Økonomi table or Tabel 1 of the 2025 agreement.", texts, vals, false, def))
	l := &layout{d: d}

	var perGoal []string
	for _, goal := range g.cat.Goals {
		perGoal = append(perGoal, fmt.Sprintf(`count(*) FILTER (WHERE %d = ANY(i.goals)) AS "Mål %d"`, goal.ID, goal.ID))
	}
	l.add(&Panel{Type: "barchart", Title: "Initiativer pr. indsatsområde og mål", Datasource: pgDS,
		Description: "Number of initiatives in each focus area serving each goal (an initiative may serve several goals; which goal is kpv's reading of the plan).",
		Targets: []*Target{sqlTarget("A", `-- Initiatives per focus area and goal.
SELECT f.id || '. ' || f.name_da AS "Indsatsområde",
       `+strings.Join(perGoal, ",\n       ")+`
FROM focus_areas f
LEFT JOIN initiatives i ON i.focus_area = f.id
GROUP BY f.id, f.name_da
ORDER BY f.id`, "table")},
		FieldConfig: map[string]any{"defaults": map[string]any{"unit": "none", "decimals": 0}, "overrides": []any{}},
		Options:     map[string]any{"orientation": "horizontal", "stacking": "none", "xTickLabelRotation": 0, "legend": map[string]any{"displayMode": "list", "placement": "bottom", "showLegend": true}},
	}, 12, 9)

	funding := []string{`sum(f.amount_mdkk) FILTER (WHERE f.parent_id IS NULL) AS "I alt / total"`}
	for _, r := range recipients(g.cat) {
		funding = append(funding, fmt.Sprintf(`sum(f.amount_mdkk) FILTER (WHERE f.parent_id IS NOT NULL AND f.recipient = %s) AS %q`, lit(r), "heraf "+r))
	}
	l.add(&Panel{Type: "barchart", Title: "Bevilling pr. år og modtager (mio. kr.)", Datasource: pgDS,
		Description: "Funding of the selected table per year (and permanent, 'varigt'), DKK million in 2025 prices: the total of the lines, and the parts printed as 'Heraf regioner/kommuner/…'.",
		Targets: []*Target{sqlTarget("A", `-- Funding per column (year) and recipient; parts are the "Heraf" rows.
SELECT f.column_label AS "År",
       `+strings.Join(funding, ",\n       ")+`
FROM funding f
WHERE f.table_id = ${funding_table:sqlstring}
GROUP BY f.column_label
ORDER BY f.column_label`, "table")},
		FieldConfig: map[string]any{"defaults": map[string]any{"unit": "none", "decimals": 1}, "overrides": []any{}},
		Options:     map[string]any{"orientation": "vertical", "stacking": "none", "legend": map[string]any{"displayMode": "list", "placement": "bottom", "showLegend": true}},
	}, 12, 9)

	l.add(&Panel{Type: "table", Title: "De " + strconv.Itoa(len(g.cat.Initiatives)) + " initiativer", Datasource: pgDS,
		Description: "The plan's initiatives numbered as in the plan, with focus area, the goals they serve and who leads them.",
		Links:       []Link{{Title: "Side / page: mål og initiativer", URL: "${kpv_url}/sider", TargetBlank: true}},
		Targets: []*Target{sqlTarget("A", `-- The initiatives with their focus area and goals.
SELECT i.number AS "Nr.",
       i.name_da AS "Initiativ",
       f.name_da AS "Indsatsområde",
       array_to_string(i.goals, ', ') AS "Mål",
       array_to_string(i.lead, ', ') AS "Ansvarlig",
       i.name_en AS "Initiative (en)"
FROM initiatives i
JOIN focus_areas f ON f.id = i.focus_area
ORDER BY i.number`, "table")},
		FieldConfig: tableFieldConfig(),
		Options:     map[string]any{"showHeader": true, "cellHeight": "sm"},
	}, 24, 12)

	var cols []string
	for _, c := range columns(g.cat) {
		cols = append(cols, fmt.Sprintf(`sum(f.amount_mdkk) FILTER (WHERE f.column_label = %s) AS %q`, lit(c), c))
	}
	l.add(&Panel{Type: "table", Title: "Bevillingslinjer (mio. kr.)", Datasource: pgDS,
		Links:       []Link{{Title: "API: bevillinger (CSV)", URL: "${kpv_url}/api/v1/funding?table=${funding_table}&recipient=all&format=csv", TargetBlank: true}},
		Description: "Each line of the selected funding table with its recipient, the initiatives it pays for and its amount per year, DKK million; 'Heraf' parts are indented under their line.",
		Targets: []*Target{sqlTarget("A", `-- The funding table's lines as printed, one column per year.
SELECT CASE WHEN f.parent_id IS NULL THEN f.name_da ELSE '    ' || f.name_da END AS "Linje",
       f.recipient AS "Modtager",
       array_to_string(f.initiatives, ', ') AS "Initiativer",
       `+strings.Join(cols, ",\n       ")+`
FROM funding f
WHERE f.table_id = ${funding_table:sqlstring}
GROUP BY f.line_id, f.parent_id, f.name_da, f.recipient, f.initiatives
-- In the order the document prints them.
ORDER BY array_position(ARRAY[`+litList(lineOrder(g.cat))+`]::text[], f.line_id), f.line_id`, "table")},
		FieldConfig: tableFieldConfig(),
		Options:     map[string]any{"showHeader": true, "cellHeight": "sm"},
	}, 24, 12)
	g.followUpPanels(l) // followup.go
	return d
}
