package grafana

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kraeftplan/kpv/indicators"
)

// SQL for Grafana's PostgreSQL data source. The queries read the tables of
// store/migrations (current_observations, indicators, geographies, …) as
// the read-only role; dashboard variables are spliced in with Grafana's
// ${var:sqlstring} format, which quotes and escapes each value.

// lit quotes s as an SQL string literal.
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func litList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = lit(s)
	}
	return strings.Join(q, ", ")
}

// varFilter says which dashboard variables filter an indicator's figures.
type varFilter struct {
	region, sex, cancerSite bool
}

func has(ind indicators.Indicator, b string) bool { return slices.Contains(ind.Breakdowns, b) }

// filtersFor picks the variables an indicator's history is filtered by:
// the region variable for an indicator published by region (Denmark is
// always shown), sex and cancer entity where it is broken down by them.
func filtersFor(ind indicators.Indicator) varFilter {
	return varFilter{region: has(ind, "region"), sex: has(ind, "sex"), cancerSite: has(ind, "cancer_site") && ind.Derived == nil}
}

// dimsLabel rebuilds an observation's breakdown ("k=v,k=v", sorted) keeping
// only the given dimensions, as kpv's metrics label a derived series.
func dimsLabel(alias string, dims []string) string {
	dims = slices.Sorted(slices.Values(dims))
	if len(dims) == 0 {
		return "''"
	}
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = fmt.Sprintf("%s || (%s.dims->>%s)", lit(d+"="), alias, lit(d))
	}
	return "concat_ws(',', " + strings.Join(parts, ", ") + ")"
}

// seriesSQL selects an indicator's figures as rows of (indicator, period,
// period_end, geography, breakdown, value): the latest revision of each
// stored figure, or, for a derived indicator, Denmark's rank or gap to the
// best country computed the way kpv's assessment does (assess.Rank: ties
// share a rank, at least two countries with a figure, Denmark among them).
// With dkOnly only Denmark's series are kept; f adds variable filters.
func (g *gen) seriesSQL(ind indicators.Indicator, f varFilter, dkOnly bool) string {
	var w []string
	if f.sex {
		w = append(w, "o.dims->>'sex' IN (${sex:sqlstring})")
	}
	if f.cancerSite {
		// The selected cancer entity, or every entity the indicator has
		// where it has no figure for the selected one (Eurostat's all
		// cancers are 980, not NORDCAN's 990).
		w = append(w, "(o.dims->>'cancer_site' IN (${cancer_site:sqlstring}) OR NOT EXISTS (SELECT 1 FROM current_observations x WHERE x.indicator_id = o.indicator_id AND x.dims->>'cancer_site' IN (${cancer_site:sqlstring})))")
	}
	and := ""
	if len(w) > 0 {
		and = "\n    AND " + strings.Join(w, "\n    AND ")
	}
	if d := ind.Derived; d != nil {
		from, _ := g.cat.Indicator(d.From)
		order := "DESC"
		if from.Polarity.BadAbove() {
			order = "ASC"
		}
		var dims []string
		for _, b := range ind.Breakdowns {
			if !indicators.IsGeographyLevel(b) {
				dims = append(dims, b)
			}
		}
		value := "r.rank::float8"
		if d.Method == indicators.GapToBest {
			value = "abs(r.best - r.value)"
		}
		best := "max"
		if from.Polarity.BadAbove() {
			best = "min"
		}
		return fmt.Sprintf(`SELECT %s AS indicator, r.period, r.period_end, r.geography, r.breakdown, %s AS value
  FROM (
    SELECT o.period, o.period_end, o.geography, o.value, %s AS breakdown,
           rank() OVER (PARTITION BY o.period, o.breakdown ORDER BY o.value %s) AS rank,
           count(*) OVER (PARTITION BY o.period, o.breakdown) AS compared,
           %s(o.value) OVER (PARTITION BY o.period, o.breakdown) AS best
    FROM current_observations o
    WHERE o.indicator_id = %s AND NOT o.suppressed
    AND o.geography IN (%s)
    AND o.dims->>'cancer_site' IN (%s)%s
  ) r
  WHERE r.geography = 'DK' AND r.compared >= 2`,
			lit(ind.ID), value, dimsLabel("o", dims), order, best, lit(d.From), litList(d.Countries), litList(d.CancerSites), and)
	}
	geo := ""
	switch {
	case dkOnly:
		geo = "\n    AND o.geography = 'DK'"
	case f.region:
		geo = "\n    AND o.geography IN ('DK', ${region:sqlstring})"
	}
	return fmt.Sprintf(`SELECT o.indicator_id AS indicator, o.period, o.period_end, o.geography, o.breakdown, o.value
  FROM current_observations o
  WHERE o.indicator_id = %s AND NOT o.suppressed%s%s`, lit(ind.ID), geo, and)
}

// referenceSQL draws the catalogue's baseline, target and alert thresholds
// as horizontal lines from the baseline period (else the plan's
// publication) to the end of the target year. They are read from
// indicators.spec — the catalogue kpv synchronised, which a deployment may
// have edited (KPV_CATALOGUE) — not copied into the dashboard. Every
// indicator has a threshold, a target level or a baseline, or figures, so
// a history panel always has something to show (and its query returns
// rows) even before the first figure is published.
func (g *gen) referenceSQL(ind indicators.Indicator) string {
	start := "DATE '" + planStart(g.cat) + "'"
	return fmt.Sprintf(`SELECT t.time::timestamptz AS time, r.metric, r.value
FROM indicators i
CROSS JOIN LATERAL (
  SELECT 'Mål / target' AS metric, COALESCE((i.spec->'target'->>'value')::float8, (i.spec->'target'->>'rank')::float8) AS value
  UNION ALL SELECT 'Varselsgrænse / warning', (i.spec->'thresholds'->>'warning')::float8
  UNION ALL SELECT 'Kritisk grænse / critical', (i.spec->'thresholds'->>'critical')::float8
  UNION ALL SELECT 'Udgangspunkt / baseline', (i.spec->'baseline'->>'value')::float8
  UNION ALL SELECT 'Udgangspunkt / baseline – ' || (SELECT string_agg(k || '=' || v, ',' ORDER BY k) FROM jsonb_each_text(b->'breakdown') AS e(k, v)), (b->>'value')::float8
    FROM jsonb_array_elements(COALESCE(i.spec->'baseline'->'values', '[]'::jsonb)) AS b
) r
-- The baseline period's last year (periods are "2019", "2016-2020", "2024K1", …).
CROSS JOIN LATERAL (VALUES
  (COALESCE(make_date(substring(i.spec->'baseline'->>'period' FROM '.*(\d{4})')::int, 12, 31), %s)),
  (make_date((i.spec->'target'->>'year')::int, 12, 31))
) AS t(time)
WHERE i.id = %s AND r.value IS NOT NULL AND t.time IS NOT NULL`, start, lit(ind.ID))
}

// planStart is the first day of the month the plan was published.
func planStart(cat *indicators.Catalogue) string {
	p := cat.Plan.Published
	switch len(p) {
	case 4:
		return p + "-01-01"
	case 7:
		return p + "-01"
	case 10:
		return p
	}
	return "2025-01-01"
}

// historySQL is an indicator's history panel: its figures (Denmark and the
// selected regions, or every country) and the reference lines, in
// Grafana's long time-series format (time, metric, value).
func (g *gen) historySQL(ind indicators.Indicator) string {
	return fmt.Sprintf(`-- %s: figures from Postgres (latest revision of each) with the catalogue's reference lines.
SELECT s.period_end::timestamptz AS time,
       coalesce(g.name_da, s.geography) || coalesce(' – ' || nullif(s.breakdown, ''), '') AS metric,
       s.value
FROM (
  %s
) s
LEFT JOIN geographies g ON g.code = s.geography
WHERE $__timeFilter(s.period_end)
UNION ALL
%s
ORDER BY 1, 2`, ind.ID, g.seriesSQL(ind, filtersFor(ind), false), g.referenceSQL(ind))
}

// latestSQL lists a goal's indicators with Denmark's latest figure of each
// series, the period, the unit and the target. An indicator without
// figures is listed with none, so a gap shows rather than hides.
func (g *gen) latestSQL(goal int) string {
	var parts []string
	for _, ind := range g.goalIndicators(goal) {
		parts = append(parts, g.seriesSQL(ind, varFilter{}, true))
	}
	union := strings.Join(parts, "\n  UNION ALL\n  ")
	if union == "" {
		union = "SELECT NULL::text AS indicator, NULL::text AS period, NULL::date AS period_end, NULL::text AS geography, NULL::text AS breakdown, NULL::float8 AS value"
	}
	return fmt.Sprintf(`-- Goal %d: Denmark's latest figure per indicator and series, with the target.
WITH s AS (
  %s
), latest AS (
  SELECT DISTINCT ON (indicator, breakdown) *
  FROM s
  ORDER BY indicator, breakdown, period_end DESC
)
SELECT i.id AS indicator,
       i.name_da AS "Indikator",
       nullif(l.breakdown, '') AS "Opdeling",
       l.period AS "Periode",
       l.value AS "Seneste værdi",
       i.unit AS "Enhed",
       coalesce(i.spec->'target'->>'value', 'plads ' || (i.spec->'target'->>'rank'), 'forbedring / improve') AS "Mål",
       (i.spec->'target'->>'year')::int AS "Målår"
FROM indicators i
LEFT JOIN latest l ON l.indicator = i.id
WHERE i.goal_id = %d AND i.active
ORDER BY i.id, l.breakdown`, goal, union, goal)
}

// regionalSQL compares Denmark and each region on their latest figure with
// its 95 %% interval: the published one, else (for a share) Wilson's score
// interval from numerator and denominator, as kpv's assessment computes it.
// Every region is listed, one without a figure with none.
func (g *gen) regionalSQL(ind indicators.Indicator) string {
	lower, upper := "l.ci_lower", "l.ci_upper"
	if ind.Unit.Share() {
		// Wilson (1927), z = 1.96, scaled to percent.
		const p, n, z2 = "(l.numerator / l.denominator)", "l.denominator", "3.8416"
		centre := fmt.Sprintf("(%s + %s / (2 * %s))", p, z2, n)
		half := fmt.Sprintf("1.96 * sqrt(%s * (1 - %s) / %s + %s / (4 * %s * %s))", p, p, n, z2, n, n)
		den := fmt.Sprintf("(1 + %s / %s)", z2, n)
		wilson := func(sign string) string {
			return fmt.Sprintf("CASE WHEN l.denominator > 0 AND l.numerator IS NOT NULL THEN 100 * (%s %s %s) / %s END", centre, sign, half, den)
		}
		lower = "coalesce(l.ci_lower, " + wilson("-") + ")"
		upper = "coalesce(l.ci_upper, " + wilson("+") + ")"
	}
	sex := ""
	if has(ind, "sex") {
		sex = "\n    AND o.dims->>'sex' IN (${sex:sqlstring})"
	}
	return fmt.Sprintf(`-- %s: Denmark and the regions, latest figure with its 95 %% interval.
WITH latest AS (
  SELECT DISTINCT ON (o.geography, o.breakdown) o.*
  FROM current_observations o
  WHERE o.indicator_id = %s AND NOT o.suppressed%s
  ORDER BY o.geography, o.breakdown, o.period_end DESC
)
SELECT g.name_da AS "Område",
       nullif(l.breakdown, '') AS "Opdeling",
       l.period AS "Periode",
       l.value AS "Værdi",
       %s AS "Nedre 95 %%",
       %s AS "Øvre 95 %%",
       l.denominator AS "Besvarelser"
FROM geographies g
LEFT JOIN latest l ON l.geography = g.code
WHERE g.code = 'DK' OR (g.kind = 'region' AND g.active)
ORDER BY g.code <> 'DK', g.code, l.breakdown`, ind.ID, lit(ind.ID), sex, lower, upper)
}

// nordicSQL compares the Nordic countries for the selected cancer entity
// and sex in Denmark's latest period: each country's figure, interval and
// rank (ties share a rank). Every country compared is listed.
func (g *gen) nordicSQL(ind indicators.Indicator) string {
	countries := g.comparedCountries(ind)
	order := "DESC"
	if ind.Polarity.BadAbove() {
		order = "ASC"
	}
	var vals []string
	for _, c := range countries {
		vals = append(vals, "("+lit(c)+")")
	}
	return fmt.Sprintf(`-- %s: the Nordic countries in Denmark's latest period, per sex, for the selected cancer entity.
WITH obs AS (
  SELECT o.*, o.dims->>'sex' AS sex
  FROM current_observations o
  WHERE o.indicator_id = %s AND NOT o.suppressed
    AND o.dims->>'cancer_site' IN (${cancer_site:sqlstring})
    AND o.dims->>'sex' IN (${sex:sqlstring})
), last AS (
  SELECT breakdown, max(period_end) AS period_end FROM obs WHERE geography = 'DK' GROUP BY breakdown
), ranked AS (
  SELECT obs.*, rank() OVER (PARTITION BY obs.breakdown ORDER BY obs.value %s) AS rank
  FROM obs JOIN last USING (breakdown, period_end)
)
SELECT g.name_da AS "Land",
       r.sex AS "Køn",
       r.period AS "Periode",
       r.value AS "Værdi",
       r.ci_lower AS "Nedre 95 %%",
       r.ci_upper AS "Øvre 95 %%",
       r.rank AS "Placering"
FROM (VALUES %s) AS c(code)
JOIN geographies g ON g.code = c.code
LEFT JOIN ranked r ON r.geography = c.code
ORDER BY r.sex, r.rank NULLS LAST, g.code`, ind.ID, lit(ind.ID), order, strings.Join(vals, ", "))
}

// comparedCountries are the countries the derived indicators compare for
// ind, else every country in the catalogue.
func (g *gen) comparedCountries(ind indicators.Indicator) []string {
	var out []string
	for _, d := range g.cat.Indicators {
		if d.Derived != nil && d.Derived.From == ind.ID {
			for _, c := range d.Derived.Countries {
				if !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
		}
	}
	if len(out) == 0 {
		for _, geo := range g.cat.Geographies {
			if geo.Kind == indicators.GeoCountry {
				out = append(out, geo.Code)
			}
		}
	}
	return out
}
