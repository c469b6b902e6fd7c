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
	"slices"
	"strings"
	"time"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
	"github.com/kraeftplan/kpv/view"
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
	// documents are the plan documents' Danish titles by id, for the
	// milestones' citations.
	documents     map[string]string
	documentOrder []string
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
	Table string `json:"table"`
	// TableDA and TableEN are the table's title, which the HTML shows
	// instead of its id.
	TableDA     string  `json:"table_title_da"`
	TableEN     string  `json:"table_title_en"`
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
	r.documents = map[string]string{}
	for _, d := range cat.Documents {
		r.documents[d.ID] = d.TitleDA
		r.documentOrder = append(r.documentOrder, d.ID)
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
	// By index, not slices.IndexFunc: it would copy every figure.
	i := 0
	for i < len(obs) && !obs[i].PeriodEnd.After(end) {
		i++
	}
	if i == len(obs) {
		return obs
	}
	out := slices.Clip(obs[:i:i])
	for j := i; j < len(obs); j++ {
		if !obs[j].PeriodEnd.After(end) {
			out = append(out, obs[j])
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
