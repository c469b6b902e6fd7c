package indicators

import (
	"math"
	"strings"
	"testing"
)

func mustLoad(t *testing.T) *Catalogue {
	t.Helper()
	c, err := LoadEmbedded()
	if err != nil {
		t.Fatalf("embedded catalogue: %v", err)
	}
	return c
}

func TestEmbeddedCataloguePlanShape(t *testing.T) {
	c := mustLoad(t)
	if len(c.Goals) != 3 {
		t.Errorf("goals: got %d, want 3", len(c.Goals))
	}
	if len(c.FocusAreas) != 4 {
		t.Errorf("focus areas: got %d, want 4", len(c.FocusAreas))
	}
	if len(c.Initiatives) != 36 {
		t.Errorf("initiatives: got %d, want 36", len(c.Initiatives))
	}
	// The goals' Danish wording is verbatim from the plan's "Målsætninger".
	want := map[int]string{
		1: "Kræftpatienter skal i højere grad opleve, at de får den hjælp og støtte, de har brug for, efter endt sygehusbehandling.",
		2: "Kræftpatienter skal i højere grad opleve, at de bliver inddraget i beslutninger om deres kræftforløb.",
		3: "Kræftoverlevelsen i Danmark skal være i toppen blandt de nordiske lande.",
	}
	for id, w := range want {
		g, ok := c.Goal(id)
		if !ok || g.NameDA != w {
			t.Errorf("goal %d wording: got %q", id, g.NameDA)
		}
	}
	// Focus areas group the initiatives as the plan lists them: 1–9, 10–18, 19–30, 31–36.
	for _, in := range c.Initiatives {
		wantArea := 1
		switch {
		case in.Number >= 31:
			wantArea = 4
		case in.Number >= 19:
			wantArea = 3
		case in.Number >= 10:
			wantArea = 2
		}
		if in.FocusArea != wantArea {
			t.Errorf("initiative %d: focus area %d, want %d", in.Number, in.FocusArea, wantArea)
		}
	}
	for _, g := range c.Goals {
		if n := len(c.IndicatorsOfGoal(g.ID)); n < 3 {
			t.Errorf("goal %d has %d indicators, want at least 3", g.ID, n)
		}
		if len(c.InitiativesOfGoal(g.ID)) == 0 {
			t.Errorf("goal %d is served by no initiative", g.ID)
		}
	}
	regions := 0
	for _, g := range c.Geographies {
		if g.Kind == "region" {
			regions++
		}
	}
	if regions != 5 {
		t.Errorf("regions: got %d, want 5", regions)
	}
	for _, o := range []string{"ism", "sst", "sds", "regioner", "kl", "region-nordjylland", "region-midtjylland", "region-syddanmark", "region-hovedstaden", "region-sjaelland"} {
		if _, ok := c.Organisation(o); !ok {
			t.Errorf("organisation %s missing", o)
		}
	}
}

// The documents state their totals; the lines must add up to them within
// the rounding the documents note.
func TestFundingTotalsMatchDocuments(t *testing.T) {
	c := mustLoad(t)
	stated := map[string]float64{"plan-oekonomi": 618, "aftale-2025-tabel-1": 577.9}
	seen := 0
	for _, tab := range c.FundingTables {
		want, ok := stated[tab.ID]
		if !ok {
			continue
		}
		seen++
		sums := tab.Sum()
		for i, col := range tab.Columns {
			if tab.StatedTotals[i] != want {
				t.Errorf("%s %s: stated total %v, the document says %v", tab.ID, col, tab.StatedTotals[i], want)
			}
			if d := math.Abs(sums[i] - want); d > tab.Tolerance {
				t.Errorf("%s %s: lines sum to %v, stated total %v (difference %.2f > tolerance %v)", tab.ID, col, sums[i], want, d, tab.Tolerance)
			}
		}
		t.Logf("%s: sums %v against stated %v", tab.ID, sums, tab.StatedTotals)
	}
	if seen != 2 {
		t.Fatalf("found %d of the 2 funding tables", seen)
	}
}

// Parts ("Heraf regioner/kommuner") never exceed their line.
func TestFundingPartsWithinLine(t *testing.T) {
	c := mustLoad(t)
	for _, tab := range c.FundingTables {
		for _, l := range tab.Lines {
			for i := range tab.Columns {
				var parts float64
				for _, p := range l.Parts {
					parts += p.Amounts[i]
				}
				// The plan rounds lines to whole millions, so parts may exceed
				// the line by the rounding of the line itself.
				if parts > l.Amounts[i]+0.5 {
					t.Errorf("%s/%s %s: parts %v exceed line %v", tab.ID, l.ID, tab.Columns[i], parts, l.Amounts[i])
				}
			}
		}
	}
}

func TestIndicatorsCarryWhatUsersNeed(t *testing.T) {
	c := mustLoad(t)
	for _, in := range c.Indicators {
		if in.Target == nil {
			t.Errorf("%s: no target", in.ID)
			continue
		}
		if in.Goal == 3 && in.Unit == "rank" && in.Target.Rank != 1 {
			t.Errorf("%s: goal 3 rank target %d, want 1 (the plan: 'i toppen')", in.ID, in.Target.Rank)
		}
		if !in.Baseline.ToBeSet && in.Baseline.Citation == nil {
			t.Errorf("%s: baseline without citation", in.ID)
		}
		if _, ok := c.Source(in.Source); !ok {
			t.Errorf("%s: unknown source", in.ID)
		}
	}
}

func TestGeographyAliases(t *testing.T) {
	c := mustLoad(t)
	for alias, want := range map[string]string{
		"081": "DK-81", "1081": "DK-81", "DK05": "DK-81", "DK01": "DK-84", "region hovedstaden": "DK-84",
		"000": "DK", "208": "DK", "752": "SE", "578": "NO", "246": "FI", "352": "IS",
	} {
		t.Run(alias, func(t *testing.T) {
			g, ok := c.Geography(alias)
			if !ok || g.Code != want {
				t.Errorf("alias %q: got %v, want %s", alias, g, want)
			}
		})
	}
}

func TestCheckObservation(t *testing.T) {
	c := mustLoad(t)
	v := func(f float64) *float64 { return &f }
	cases := []struct {
		name, ind, geo string
		b              Breakdown
		val            *float64
		field          string // "" = accepted
	}{
		{"national value", "g1_unmet_needs_followup", "DK", nil, v(35), ""},
		{"region by alias", "g1_unmet_needs_followup", "081", nil, v(35), ""},
		{"unknown indicator", "nope", "DK", nil, v(1), "indicator"},
		{"unknown geography", "g1_unmet_needs_followup", "XX", nil, v(1), "geography"},
		{"country for a national indicator", "g1_unmet_needs_followup", "SE", nil, v(1), "geography"},
		{"percent over 100", "g1_unmet_needs_followup", "DK", nil, v(101), "value"},
		{"regions over 5", "g1_regions_late_effects_clinic", "DK", nil, v(6), "value"},
		{"unknown breakdown", "g1_unmet_needs_followup", "DK", Breakdown{"sex": "male"}, v(1), "sex"},
		{"unknown cancer site", "g3_survival_5y_nordic", "SE", Breakdown{"sex": "male", "cancer_site": "999"}, v(60), "cancer_site"},
		{"nordic survival", "g3_survival_5y_nordic", "752", Breakdown{"sex": "male", "cancer_site": "990"}, v(60), ""},
		{"breakdown missing", "g3_survival_5y_nordic", "752", Breakdown{"sex": "male"}, v(60), "cancer_site"},
		{"suppressed cell", "g1_unmet_needs_followup", "DK-82", nil, nil, ""},
		{"a derived indicator takes no figures", "g3_nordic_rank_all_sites", "DK", Breakdown{"sex": "male"}, v(1), "indicator"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CheckObservation(tc.ind, tc.geo, tc.b, tc.val)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			fe, ok := err.(*FieldError)
			if !ok || fe.Field != tc.field {
				t.Fatalf("want error on field %q, got %v", tc.field, err)
			}
		})
	}
}

// A catalogue with a mistake fails validation with a message that names the
// file, the line and the problem.
func TestValidationNamesTheMistake(t *testing.T) {
	base := string(Embedded)
	firstInd := strings.Index(base, `  - id: "g1_unmet_needs_followup"`)
	cases := []struct {
		name   string
		mutate func(string) string
		want   []string
	}{
		{"duplicate indicator id", func(s string) string {
			return strings.Replace(s, `id: "g1_responsibility_followup"`, `id: "g1_unmet_needs_followup"`, 1)
		}, []string{`duplicate indicator id "g1_unmet_needs_followup"`}},
		{"unknown goal", func(s string) string {
			return s[:firstInd] + strings.Replace(s[firstInd:], "goal: 1\n", "goal: 7\n", 1)
		}, []string{"indicator g1_unmet_needs_followup: unknown goal 7"}},
		{"missing target", func(s string) string {
			return strings.Replace(s, `    target: {direction: "improve", year: 2030, basis: "Målsætning 1 ('i højere grad opleve, at de får den hjælp og støtte, de har brug for'); the plan sets no level. 2030 is the last year of the plan's funding table."}`+"\n", "", 1)
		}, []string{"indicator g1_unmet_needs_followup: target is missing"}},
		{"threshold in the wrong direction", func(s string) string {
			return strings.Replace(s, "{warning: 41, critical: 43,", "{warning: 43, critical: 41,", 1)
		}, []string{"critical threshold 41 must lie beyond warning 43"}},
		{"bad schedule", func(s string) string {
			return strings.Replace(s, `schedule: "CRON_TZ=Europe/Copenhagen 0 6 * * 1"`, `schedule: "CRON_TZ=Europe/Copenhagen"`, 1)
		}, []string{"source nordcan-survival: invalid schedule"}},
		{"mapping to an unknown field", func(s string) string {
			return strings.Replace(s, `need_type: "Behov", value: "Andel (%)"`, `need_typ: "Behov", value: "Andel (%)"`, 1)
		}, []string{`source barometer: mapping field "need_typ" is neither an observation field`}},
		{"mapping fixes another source's indicator", func(s string) string {
			return strings.Replace(s, `fixed: {indicator: "g2_involved_decisions_lup"}`, `fixed: {indicator: "g3_survival_5y_denmark"}`, 1)
		}, []string{"source lup: indicator g3_survival_5y_denmark takes its figures from source sds-kraeftoverlevelse"}},
		{"table without a value column", func(s string) string {
			return strings.Replace(s, `, value: "Relativ overlevelse (%)"`, "", 1)
		}, []string{"source sds-kraeftoverlevelse: a table mapping must name the value column"}},
		{"jsonstat without a request", func(s string) string {
			return strings.Replace(s, `format: "nordcan-survival"`, `format: "jsonstat"`, 1)
		}, []string{"source nordcan-survival: a jsonstat source needs a request"}},
		{"derived from an unknown indicator", func(s string) string {
			return strings.Replace(s, `derived: {from: "g3_survival_5y_nordic", method: "gap_to_best"`, `derived: {from: "g3_survival", method: "gap_to_best"`, 1)
		}, []string{`indicator g3_survival_gap_to_best: derived.from "g3_survival" is not in the catalogue`}},
		{"derived by an unknown method", func(s string) string {
			return strings.Replace(s, `method: "gap_to_best"`, `method: "average"`, 1)
		}, []string{`indicator g3_survival_gap_to_best: derived.method "average" is not nordic_rank or gap_to_best`}},
		{"derived across an unknown country", func(s string) string {
			return strings.Replace(s, `countries: ["DK", "FI", "IS", "NO", "SE"], cancer_sites: ["990"]}`, `countries: ["DK", "FI", "IS", "NO", "XX"], cancer_sites: ["990"]}`, 1)
		}, []string{`derived.countries: "XX" is not a country code`}},
		{"several derived sites without the breakdown", func(s string) string {
			return strings.Replace(s, `    breakdowns: ["sex", "cancer_site"]
    initiatives: [11, 12, 17, 33, 36]`, `    breakdowns: ["sex"]
    initiatives: [11, 12, 17, 33, 36]`, 1)
		}, []string{"indicator g3_nordic_rank_by_site: several derived.cancer_sites need the breakdown cancer_site"}},
		{"alerts for an unknown operator", func(s string) string {
			return strings.Replace(s, `operator: "sds"`, `operator: "it"`, 1)
		}, []string{`alerting.operator "it" is not an organisation`}},
		{"an organisation nobody can reach", func(s string) string {
			return strings.Replace(s, `contact: {receiver: "kpv-kl", email: "kpv-alerts@kl.invalid"}`, `contact: {receiver: "kpv-kl", email: ""}`, 1)
		}, []string{"organisation kl: contact needs an email or a webhook"}},
		{"bad failing_after", func(s string) string {
			return strings.Replace(s, `    schedule: "CRON_TZ=Europe/Copenhagen 0 6 1 * *"`, `    schedule: "CRON_TZ=Europe/Copenhagen 0 6 1 * *"`+"\n    failing_after: \"two weeks\"", 1)
		}, []string{`failing_after "two weeks" is not a positive duration`}},
		{"unknown unit", func(s string) string {
			return s[:firstInd] + strings.Replace(s[firstInd:], `unit: "percent"`, `unit: "promille"`, 1)
		}, []string{`indicator g1_unmet_needs_followup: unknown unit "promille"`}},
		{"unknown polarity", func(s string) string {
			return s[:firstInd] + strings.Replace(s[firstInd:], `polarity: "lower_is_better"`, `polarity: "less_is_more"`, 1)
		}, []string{`indicator g1_unmet_needs_followup: polarity must be higher_is_better or lower_is_better, not "less_is_more"`}},
		{"unknown geography kind", func(s string) string {
			return strings.Replace(s, `{code: "DK-81", kind: "region"`, `{code: "DK-81", kind: "municipality"`, 1)
		}, []string{`geography DK-81: kind must be country or region, not "municipality"`}},
		{"unknown target direction", func(s string) string {
			return s[:firstInd] + strings.Replace(s[firstInd:], `target: {direction: "improve"`, `target: {direction: "better"`, 1)
		}, []string{`indicator g1_unmet_needs_followup: target direction must be "improve", not "better"`}},
		{"misspelt field", func(s string) string {
			return strings.Replace(s, "    polarity: \"lower_is_better\"\n", "    polarty: \"lower_is_better\"\n", 1)
		}, []string{"field polarty not found"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mutated := tc.mutate(base)
			if mutated == base {
				t.Fatal("mutation did not apply: the test is stale")
			}
			_, err := Parse("catalogue.yaml", []byte(mutated))
			if err == nil {
				t.Fatal("accepted a broken catalogue")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
			if !strings.Contains(err.Error(), "catalogue.yaml:") {
				t.Errorf("error does not name file and line:\n%v", err)
			}
		})
	}
}

func TestParsePeriod(t *testing.T) {
	for in, want := range map[string]string{
		"2024": "2024-01-01..2024-12-31", "2024K1": "2024-01-01..2024-03-31", "2024Q4": "2024-10-01..2024-12-31",
		"2024M02": "2024-02-01..2024-02-29", "2016-2020": "2016-01-01..2020-12-31", "2016–2020": "2016-01-01..2020-12-31",
	} {
		t.Run(in, func(t *testing.T) {
			p, err := ParsePeriod(in)
			if err != nil {
				t.Errorf("%s: %v", in, err)
				return
			}
			if got := p.Start.Format("2006-01-02") + ".." + p.End.Format("2006-01-02"); got != want {
				t.Errorf("%s: got %s, want %s", in, got, want)
			}
		})
	}
	for _, bad := range []string{"", "24", "2024K5", "2024M13", "2020-2016", "soon"} {
		t.Run(bad, func(t *testing.T) {
			if _, err := ParsePeriod(bad); err == nil {
				t.Errorf("%q accepted", bad)
			}
		})
	}
}
