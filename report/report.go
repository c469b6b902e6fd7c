// Package report builds the yearly follow-up report of Kræftplan V: per
// goal, where each indicator stands (baseline, latest and previous figure,
// change, target, gap, progress status and reason), how the regions and
// the Nordic countries compare, how fresh the sources are, and which
// initiatives serve the goal with their funding that year; with a summary
// on top. It renders the report as JSON, CSV and a printable HTML page
// with charts drawn as inline SVG.
//
// A report rests on the figures visible at its cut-off (store.Visible),
// so a report for a past year reads the same however the sources are
// revised later; the statuses come from assess.Build, so the report agrees
// with /metrics for the same figures.
package report

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
	"github.com/kraeftplan/kpv/view"
)

// How the cut-off was chosen.
const (
	// RulePublishedBy, the default for a past year: the figures published
	// by the end of the year, as kpv holds them now.
	RulePublishedBy = "published_by"
	RuleNow         = "now"   // the default for the current year
	RuleAsOf        = "as_of" // asked for
)

// Report is the follow-up report for one year.
type Report struct {
	Year    int    `json:"year"`
	TitleDA string `json:"title_da"`
	TitleEN string `json:"title_en"`
	// CutOff is the moment the figures are read as of: only revisions
	// recorded by then count. PeriodsEndingBy is the end of the year: only
	// periods that ended by then count.
	CutOff     time.Time `json:"cut_off"`
	CutOffRule string    `json:"cut_off_rule"`
	// PublishedBy is the other clock: only figures published by then
	// count (the end of the year, or the cut-off if earlier).
	PublishedBy      time.Time `json:"published_by"`
	PeriodsEndingBy  string    `json:"periods_ending_by"`
	CatalogueVersion string    `json:"catalogue_version"`
	// Figures is how many figures (latest revisions by the cut-off, for
	// periods ending by the end of the year) the report rests on.
	Figures int `json:"figures"`
	// Verdicts and Changes open the report: each goal's verdict by the
	// catalogue's rule, and the indicators whose status changed since the
	// previous year's report (assessment.go).
	Verdicts []Verdict          `json:"verdicts"`
	Changes  Changes            `json:"changes"`
	Summary  []view.GoalSummary `json:"summary"`
	Goals    []Goal             `json:"goals"`
	// Methods are the statistical methods used, each with its source.
	Methods []Method `json:"methods"`
	// Runs are the ingest runs and submissions the figures come from, and
	// each source's latest successful run by the cut-off.
	Runs []Run `json:"runs"`
	// LinkBase prefixes the HTML page's links to kpv's pages (/sider/…):
	// kpv's public address (the catalogue's alerting.api_url, as in the
	// alerts), so a saved report links to them too and the same report is
	// the same bytes from the API and from `kpv report`.
	LinkBase string `json:"-"`
	// Publication: draft or published, the plan's follow-up, changes
	// (followup.go; set by the API).
	Publication
}

// Goal is one goal's section.
type Goal struct {
	ID         int              `json:"goal"`
	NameDA     string           `json:"name_da"`
	NameEN     string           `json:"name_en"`
	ShortDA    string           `json:"short_da"`
	ShortEN    string           `json:"short_en"`
	Indicators []view.Indicator `json:"indicators"`
	// Regional compares the regions with Denmark: one entry per indicator
	// published by region.
	Regional []view.Regional `json:"regional,omitempty"`
	// Nordic ranks Denmark among the Nordic countries (goal 3).
	Nordic      []view.Nordic `json:"nordic,omitempty"`
	Sources     []Source      `json:"sources"`
	Initiatives []Initiative  `json:"initiatives"`
	// Funding is, per funding table, the year's amount of the lines that
	// pay for the goal's initiatives, each line counted once.
	Funding []FundingTotal `json:"funding"`
}

// Source is a source a goal's indicators come from, with its last
// successful run by the cut-off.
type Source struct {
	ID          string     `json:"source"`
	NameDA      string     `json:"name_da"`
	NameEN      string     `json:"name_en"`
	Publisher   string     `json:"publisher"`
	LastSuccess *time.Time `json:"last_success,omitempty"`
	Indicators  []string   `json:"indicators"`
}

// Initiative is an initiative serving a goal, with the funding lines that
// pay for it in the report's year.
type Initiative struct {
	Number  int           `json:"number"`
	NameDA  string        `json:"name_da"`
	NameEN  string        `json:"name_en"`
	Funding []FundingLine `json:"funding"`
}

// FundingLine is one line of a funding table in one column. A line can pay
// for several initiatives (Initiatives): its amount is not split.
type FundingLine struct {
	Table       string  `json:"table"`
	Line        string  `json:"line"`
	NameDA      string  `json:"name_da"`
	NameEN      string  `json:"name_en"`
	Column      string  `json:"column"`
	Amount      float64 `json:"amount"`
	Unit        string  `json:"unit"`
	Initiatives []int   `json:"initiatives"`
}

// FundingTotal is a goal's share of one funding table in one column.
type FundingTotal struct {
	Table   string  `json:"table"`
	TitleDA string  `json:"title_da"`
	TitleEN string  `json:"title_en"`
	Column  string  `json:"column"`
	Unit    string  `json:"unit"`
	Lines   int     `json:"lines"`
	Amount  float64 `json:"amount"`
}

// Run is a run log entry the report rests on.
type Run struct {
	ID         int64      `json:"id"`
	Source     string     `json:"source"`
	Kind       string     `json:"kind"`
	Outcome    string     `json:"outcome"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	// Figures is how many of the report's figures the run wrote;
	// LatestSuccess marks its source's latest successful run by the cut-off.
	Figures       int  `json:"figures"`
	LatestSuccess bool `json:"latest_success"`
}

// InputError is a year or cut-off the report cannot be made for; Param
// names the parameter (year or as_of).
type InputError struct {
	Param   string
	Message string
}

func (e *InputError) Error() string { return e.Param + ": " + e.Message }

// FirstYear is the first year a report can be made for: the year the plan
// was published.
func FirstYear(cat *indicators.Catalogue) int {
	if t, err := time.Parse("2006-01", cat.Plan.Published); err == nil {
		return t.Year()
	}
	return 2025
}

// EndOfYear is the last moment of a year (UTC), to the microsecond that
// Postgres keeps.
func EndOfYear(year int) time.Time {
	return time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Microsecond)
}

// Live reports whether a rule's cut-off is the moment of the request (the
// report changes as figures are recorded).
func Live(rule string) bool { return rule == RuleNow || rule == RulePublishedBy }

// PublishedBy is the publication cut-off of a year's report read as of
// cutoff: the end of the year, or cutoff if that is earlier.
func PublishedBy(year int, cutoff time.Time) time.Time {
	if end := EndOfYear(year); end.Before(cutoff) {
		return end
	}
	return cutoff
}

// CutOff checks a year and an optional cut-off (zero: the default) against
// the clock, and returns the cut-off to use and how it was chosen: asOf
// if given, else now; for a past year the rule is then "published by" its
// end (PublishedBy), so the report shows what was public by then.
func CutOff(cat *indicators.Catalogue, year int, asOf, now time.Time) (time.Time, string, error) {
	first, last := FirstYear(cat), now.Year()
	if year < first || year > last {
		return time.Time{}, "", &InputError{"year", fmt.Sprintf("no report for %d: reports cover the plan's years from %d to the current year %d", year, first, last)}
	}
	if !asOf.IsZero() {
		switch {
		case asOf.After(now):
			return time.Time{}, "", &InputError{"as_of", fmt.Sprintf("%s is in the future: a report rests on figures already recorded", asOf.UTC().Format(time.RFC3339))}
		case asOf.Year() < year:
			return time.Time{}, "", &InputError{"as_of", fmt.Sprintf("%s is before the year %d began", asOf.UTC().Format(time.RFC3339), year)}
		}
		return asOf.UTC().Truncate(time.Microsecond), RuleAsOf, nil
	}
	if EndOfYear(year).Before(now) {
		return now.UTC().Truncate(time.Microsecond), RulePublishedBy, nil
	}
	return now.UTC().Truncate(time.Microsecond), RuleNow, nil
}

// assemble lays out the report from its parts: the year's set (its cut-offs,
// runs and sources' last successes), the previous year's (nil for the
// plan's first year), the figures counted (per run), both assessments and
// the histories.
func assemble(cat *indicators.Catalogue, year int, rule string, set, prev *store.AsOfSet, figures int, perRun map[int64]int,
	snap, before *assess.Snapshot, hist map[string]map[string][]view.Value) *Report {
	yearEnd := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	r := &Report{
		Year: year, CutOff: set.CutOff, CutOffRule: rule, PublishedBy: set.PublishedBy, PeriodsEndingBy: yearEnd.Format(time.DateOnly),
		TitleDA:          fmt.Sprintf("Opfølgning på %s – %d", cat.Plan.TitleDA, year),
		TitleEN:          fmt.Sprintf("Follow-up of %s – %d", cat.Plan.TitleEN, year),
		CatalogueVersion: cat.Version, Figures: figures, Runs: []Run{}, Methods: Methods,
		LinkBase: strings.TrimSuffix(cat.Alerting.APIURL, "/"),
	}
	r.verdictsAndChanges(cat, snap, before, prev)
	for _, g := range cat.Goals {
		r.Summary = append(r.Summary, view.Summary(snap, g))
		r.Goals = append(r.Goals, goalSection(cat, snap, hist, g, year, set.LastSuccess))
	}
	for _, run := range set.Runs {
		if perRun[run.ID] == 0 && !run.LatestSuccess {
			continue
		}
		r.Runs = append(r.Runs, Run{ID: run.ID, Source: run.Source, Kind: string(run.Kind), Outcome: string(run.Outcome), StartedAt: run.StartedAt.UTC(),
			FinishedAt: utc(run.FinishedAt), Figures: perRun[run.ID], LatestSuccess: run.LatestSuccess})
	}
	return r
}

// endingBy returns the observations of periods that ended by end: obs
// itself when they all did (a million figures are not copied for nothing).
func endingBy(obs []indicators.Observation, end time.Time) []indicators.Observation {
	i := slices.IndexFunc(obs, func(o indicators.Observation) bool { return o.PeriodEnd.After(end) })
	if i < 0 {
		return obs
	}
	out := slices.Clip(obs[:i:i])
	for _, o := range obs[i:] {
		if !o.PeriodEnd.After(end) {
			out = append(out, o)
		}
	}
	return out
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func goalSection(cat *indicators.Catalogue, snap *assess.Snapshot, hist map[string]map[string][]view.Value, g indicators.Goal,
	year int, lastSuccess map[string]time.Time) Goal {
	out := Goal{ID: g.ID, NameDA: g.NameDA, NameEN: g.NameEN, ShortDA: g.ShortDA, ShortEN: g.ShortEN,
		Indicators: []view.Indicator{}, Sources: []Source{}, Initiatives: []Initiative{}, Funding: []FundingTotal{}}
	sources := map[string]*Source{}
	var sourceOrder []string
	for _, def := range cat.IndicatorsOfGoal(g.ID) {
		a, _ := snap.Indicator(def.ID)
		in := view.IndicatorOf(cat, def, a, hist[def.ID])
		out.Indicators = append(out.Indicators, in)
		if slices.Contains(def.Breakdowns, "region") {
			out.Regional = append(out.Regional, view.RegionalOf(cat, def, a))
		}
		src, ok := sources[def.Source]
		if !ok {
			cs, _ := cat.Source(def.Source)
			src = &Source{ID: cs.ID, NameDA: cs.NameDA, NameEN: cs.NameEN, Publisher: cs.Publisher}
			if t, ok := lastSuccess[cs.ID]; ok {
				t = t.UTC()
				src.LastSuccess = &t
			}
			sources[def.Source] = src
			sourceOrder = append(sourceOrder, def.Source)
		}
		src.Indicators = append(src.Indicators, def.ID)
	}
	for _, id := range sourceOrder {
		out.Sources = append(out.Sources, *sources[id])
	}
	if g.ID == 3 {
		out.Nordic = view.NordicOf(cat, snap)
	}
	out.Initiatives, out.Funding = initiatives(cat, g.ID, year)
	return out
}

// fundingColumn is the column of a funding table that holds year: the
// year itself, or "varigt" (the permanent level) for years after the
// table's last year; "" when the table does not cover the year.
func fundingColumn(t *indicators.FundingTable, year int) string {
	label := strconv.Itoa(year)
	if t.Column(label) >= 0 {
		return label
	}
	if t.Column("varigt") < 0 {
		return ""
	}
	last := 0
	for _, c := range t.Columns {
		if y, err := strconv.Atoi(c); err == nil && y > last {
			last = y
		}
	}
	if last > 0 && year > last {
		return "varigt"
	}
	return ""
}

// initiatives lists the initiatives serving a goal with the funding lines
// (as a whole, recipient "i alt") that pay for each in year, and the
// goal's total per table.
func initiatives(cat *indicators.Catalogue, goal, year int) ([]Initiative, []FundingTotal) {
	out := []Initiative{}
	totals := []FundingTotal{}
	counted := map[string]bool{}
	byTable := map[string]int{} // table → index in totals
	for _, in := range cat.InitiativesOfGoal(goal) {
		x := Initiative{Number: in.Number, NameDA: in.NameDA, NameEN: in.NameEN, Funding: []FundingLine{}}
		for ti := range cat.FundingTables {
			t := &cat.FundingTables[ti]
			col := fundingColumn(t, year)
			if col == "" {
				continue
			}
			for _, row := range t.Rows() {
				if row.Column != col || row.Recipient != "i alt" || !slices.Contains(row.Initiatives, in.Number) {
					continue
				}
				x.Funding = append(x.Funding, FundingLine{Table: t.ID, Line: row.Line, NameDA: row.NameDA, NameEN: row.NameEN,
					Column: col, Amount: row.Amount, Unit: t.Unit, Initiatives: row.Initiatives})
				key := t.ID + "|" + row.Line
				if counted[key] {
					continue
				}
				counted[key] = true
				i, ok := byTable[t.ID]
				if !ok {
					i = len(totals)
					byTable[t.ID] = i
					totals = append(totals, FundingTotal{Table: t.ID, TitleDA: t.TitleDA, TitleEN: t.TitleEN, Column: col, Unit: t.Unit})
				}
				totals[i].Lines++
				totals[i].Amount = math.Round((totals[i].Amount+row.Amount)*1000) / 1000
			}
		}
		out = append(out, x)
	}
	return out, totals
}

// histories gives, per indicator and breakdown key, Denmark's figure for
// every period, oldest first: the stored figures (with their interval,
// published or Wilson), or for a derived indicator its rank or gap per
// period, computed as assess computes them.
func histories(cat *indicators.Catalogue, obs []indicators.Observation) map[string]map[string][]view.Value {
	// Only Denmark's figures, and every figure of an indicator others are
	// derived from, are read below.
	derivedFrom := map[string]bool{}
	for i := range cat.Indicators {
		if d := cat.Indicators[i].Derived; d != nil {
			derivedFrom[d.From] = true
		}
	}
	byIndicator := map[string][]indicators.Observation{}
	for _, o := range obs {
		if o.Geography == assess.Home || derivedFrom[o.Indicator] {
			byIndicator[o.Indicator] = append(byIndicator[o.Indicator], o)
		}
	}
	out := map[string]map[string][]view.Value{}
	for i := range cat.Indicators {
		def := &cat.Indicators[i]
		h := map[string][]view.Value{}
		if d := def.Derived; d != nil {
			derivedHistory(cat, def, byIndicator[d.From], h)
		} else {
			unit := def.Unit
			for _, o := range byIndicator[def.ID] {
				if o.Geography != assess.Home || o.Suppressed || o.Value == nil {
					continue
				}
				v := view.Value{Period: o.Period, Value: *o.Value, Start: o.PeriodStart, End: o.PeriodEnd}
				if o.CILower != nil && o.CIUpper != nil {
					v.CI = &assess.Interval{Lower: *o.CILower, Upper: *o.CIUpper, Method: assess.Published}
				} else if unit.Share() && o.Numerator != nil && o.Denominator != nil {
					if lo, hi, ok := assess.Wilson(*o.Numerator, *o.Denominator, assess.Z95); ok {
						v.CI = &assess.Interval{Lower: 100 * lo, Upper: 100 * hi, Method: assess.WilsonCI}
					}
				}
				k := o.Breakdown.Key()
				h[k] = append(h[k], v)
			}
		}
		for k := range h {
			slices.SortFunc(h[k], func(a, b view.Value) int { return a.End.Compare(b.End) })
		}
		out[def.ID] = h
	}
	return out
}

func derivedHistory(cat *indicators.Catalogue, def *indicators.Indicator, from []indicators.Observation, h map[string][]view.Value) {
	d := def.Derived
	src, ok := cat.Indicator(d.From)
	if !ok {
		return
	}
	type group struct {
		o    indicators.Observation
		figs []assess.CountryFigure
	}
	groups := map[string]*group{}
	for _, o := range from {
		if o.Suppressed || o.Value == nil || !slices.Contains(d.Countries, o.Geography) || !slices.Contains(d.CancerSites, o.Breakdown["cancer_site"]) {
			continue
		}
		k := o.Period + "|" + o.Breakdown.Key()
		g := groups[k]
		if g == nil {
			g = &group{o: o}
			groups[k] = g
		}
		cf := assess.CountryFigure{Country: o.Geography, Value: *o.Value}
		if o.CILower != nil && o.CIUpper != nil {
			cf.CI = &assess.Interval{Lower: *o.CILower, Upper: *o.CIUpper, Method: assess.Published}
		}
		g.figs = append(g.figs, cf)
	}
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		g := groups[k]
		r, ok := assess.Rank(assess.Home, g.figs, d.Countries, src.Polarity)
		if !ok {
			continue
		}
		v := float64(r.Rank)
		if d.Method == indicators.GapToBest {
			v = r.GapToLeader
		}
		b := indicators.Breakdown{}
		for _, dim := range def.Breakdowns {
			if x, ok := g.o.Breakdown[dim]; ok {
				b[dim] = x
			}
		}
		h[b.Key()] = append(h[b.Key()], view.Value{Period: g.o.Period, Value: v, Start: g.o.PeriodStart, End: g.o.PeriodEnd})
	}
}
