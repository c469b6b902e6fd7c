// Package report builds the yearly follow-up report of Kræftplan V: per
// goal, where each indicator stands (baseline, latest and previous figure,
// change, target, gap, progress status and reason), how the regions and
// the Nordic countries compare, how fresh the sources are, and which
// initiatives serve the goal with their funding that year; with a summary
// on top. It renders the report as JSON, CSV and a printable HTML page
// with charts drawn as inline SVG.
//
// A report rests on the figures as recorded by its cut-off (store.AsOf),
// so a report for a past year reads the same however the sources are
// revised later; the statuses come from assess.Build, so the report agrees
// with /metrics for the same figures.
package report

import (
	"context"
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
	Verdicts []Verdict     `json:"verdicts"`
	Changes  Changes       `json:"changes"`
	Summary  []GoalSummary `json:"summary"`
	Goals    []Goal        `json:"goals"`
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

// GoalSummary counts a goal's indicators by their headline status: on
// track (on track or target achieved), off track (needs acceleration, off
// track or deteriorating: not at the pace the target needs) and not
// assessable; ByStatus has every state.
type GoalSummary struct {
	Goal       int    `json:"goal"`
	ShortDA    string `json:"short_da"`
	ShortEN    string `json:"short_en"`
	Indicators int    `json:"indicators"`
	OnTrack    int    `json:"on_track"`
	OffTrack   int    `json:"off_track"`
	// Undecided have figures that do not yet tell (awaiting the first
	// figure after the baseline, a series break, unknown significance);
	// NotAssessable have no figures.
	Undecided     int                   `json:"undecided"`
	NotAssessable int                   `json:"not_assessable"`
	ByStatus      map[assess.Status]int `json:"by_status"`
}

// Goal is one goal's section.
type Goal struct {
	ID         int         `json:"goal"`
	NameDA     string      `json:"name_da"`
	NameEN     string      `json:"name_en"`
	ShortDA    string      `json:"short_da"`
	ShortEN    string      `json:"short_en"`
	Indicators []Indicator `json:"indicators"`
	// Regional compares the regions with Denmark: one entry per indicator
	// published by region.
	Regional []Regional `json:"regional,omitempty"`
	// Nordic ranks Denmark among the Nordic countries (goal 3).
	Nordic      []Nordic     `json:"nordic,omitempty"`
	Sources     []Source     `json:"sources"`
	Initiatives []Initiative `json:"initiatives"`
	// Funding is, per funding table, the year's amount of the lines that
	// pay for the goal's initiatives, each line counted once.
	Funding []FundingTotal `json:"funding"`
}

// Indicator is one indicator's entry.
type Indicator struct {
	ID         string              `json:"indicator"`
	NameDA     string              `json:"name_da"`
	NameEN     string              `json:"name_en"`
	Unit       indicators.Unit     `json:"unit"`
	Polarity   indicators.Polarity `json:"polarity"`
	Owner      string              `json:"owner"`
	OwnerDA    string              `json:"owner_name_da"`
	OwnerEN    string              `json:"owner_name_en"`
	Source     string              `json:"source"`
	SourceDA   string              `json:"source_name_da"`
	SourceEN   string              `json:"source_name_en"`
	Target     Target              `json:"target"`
	Thresholds Thresholds          `json:"thresholds"`
	// The headline status: the weakest of Denmark's series, as on /metrics.
	Status    assess.Status `json:"status"`
	StatusDA  string        `json:"status_da"`
	StatusEN  string        `json:"status_en"`
	ReasonDA  string        `json:"reason_da"`
	ReasonEN  string        `json:"reason_en"`
	Freshness Freshness     `json:"freshness"`
	// Answers are the headline standing, direction and progress since the
	// baseline (assess/answers.go); nil without figures.
	Answers *assess.Answers `json:"answers,omitempty"`
	// Rows are Denmark's series, one per breakdown (one row with no
	// figures when there are none).
	Rows []Row `json:"rows"`
	// ReportingStatus, for an indicator without figures by the cut-off,
	// says who owes them, from which source and release, and how the
	// owner submits.
	ReportingStatus *indicators.ReportingStatus `json:"reporting_status,omitempty"`
}

// Target is what the plan aims for.
type Target struct {
	Kind  indicators.TargetKind `json:"kind"` // value, rank or direction
	Value *float64              `json:"value,omitempty"`
	Year  int                   `json:"year,omitempty"`
	// TextDA and TextEN say it for people ("5 i 2030", "improve by 2030").
	TextDA string `json:"text_da"`
	TextEN string `json:"text_en"`
	Basis  string `json:"basis"`
}

// Thresholds are the alert levels (nil where the catalogue sets none).
type Thresholds struct {
	Warning  *float64 `json:"warning,omitempty"`
	Critical *float64 `json:"critical,omitempty"`
}

// Freshness says whether the indicator's figures were as recent as the
// source promises, at the cut-off.
type Freshness struct {
	State        assess.FreshState `json:"state"`
	LabelDA      string            `json:"label_da"`
	LabelEN      string            `json:"label_en"`
	LatestPeriod string            `json:"latest_period,omitempty"`
	NextDue      string            `json:"next_due,omitempty"`
	ReasonDA     string            `json:"reason_da"`
	ReasonEN     string            `json:"reason_en"`
}

// Value is a figure for a period.
type Value struct {
	Period string           `json:"period"`
	Value  float64          `json:"value"`
	CI     *assess.Interval `json:"ci,omitempty"`
	// Origin says where a baseline comes from (catalogue or figure).
	Origin string `json:"origin,omitempty"`

	start, end time.Time
}

// Row is one series (a geography and breakdown) of an indicator.
type Row struct {
	Geography   string               `json:"geography"`
	Breakdown   indicators.Breakdown `json:"breakdown"`
	BreakdownDA string               `json:"breakdown_da,omitempty"`
	BreakdownEN string               `json:"breakdown_en,omitempty"`
	Baseline    *Value               `json:"baseline,omitempty"`
	Previous    *Value               `json:"previous,omitempty"`
	Latest      *Value               `json:"latest,omitempty"`
	// LatestSuppressed: the publisher withheld a later period's figure.
	LatestSuppressed bool `json:"latest_suppressed,omitempty"`
	// Change is latest minus previous; ChangeSinceBaseline latest minus
	// baseline; GapToTarget how far latest is from the target (positive
	// while short of it), all in the indicator's unit.
	Change              *float64      `json:"change,omitempty"`
	ChangeSinceBaseline *float64      `json:"change_since_baseline,omitempty"`
	GapToTarget         *float64      `json:"gap_to_target,omitempty"`
	Status              assess.Status `json:"status"`
	StatusDA            string        `json:"status_da"`
	StatusEN            string        `json:"status_en"`
	ReasonDA            string        `json:"reason_da"`
	ReasonEN            string        `json:"reason_en"`
	// History is every period's figure, oldest first (Denmark's series).
	History []Value `json:"history,omitempty"`
	// PointStatus is the status by the point estimates alone, where the
	// change's significance overruled it; Changes, Trend, Projection and
	// Windows are as in the API (assess).
	PointStatus assess.Status      `json:"point_status,omitempty"`
	Changes     *assess.Changes    `json:"changes,omitempty"`
	Trend       *assess.Trend      `json:"trend,omitempty"`
	Projection  *assess.Projection `json:"projection,omitempty"`
	Windows     []assess.Window    `json:"windows,omitempty"`
	// Answers, Apart (figures of another kind of period), Break and
	// ProjectionNone are as in the API (assess).
	Answers        *assess.Answers         `json:"answers,omitempty"`
	Apart          *assess.Apart           `json:"apart,omitempty"`
	Break          *indicators.SeriesBreak `json:"break,omitempty"`
	ProjectionNone *assess.Note            `json:"projection_none,omitempty"`
}

// Regional is the regions against Denmark for one indicator.
type Regional struct {
	Indicator string          `json:"indicator"`
	NameDA    string          `json:"name_da"`
	NameEN    string          `json:"name_en"`
	Unit      indicators.Unit `json:"unit"`
	Regions   []RegionRow     `json:"regions"`
}

// RegionRow is one region's series against Denmark's.
type RegionRow struct {
	Row
	NameDA       string            `json:"name_da"`
	NameEN       string            `json:"name_en"`
	Period       string            `json:"period,omitempty"`
	National     *assess.Interval  `json:"national,omitempty"`
	NationalFrom string            `json:"national_from,omitempty"`
	Comparison   assess.Comparison `json:"comparison"`
	ComparisonDA string            `json:"comparison_da"`
	ComparisonEN string            `json:"comparison_en"`
	WhyDA        string            `json:"comparison_reason_da"`
	WhyEN        string            `json:"comparison_reason_en"`
}

// Nordic is Denmark's rank among the Nordic countries for one cancer site
// and sex in the latest period by the end of the year.
type Nordic struct {
	Indicator    string          `json:"indicator"`
	CancerSite   string          `json:"cancer_site"`
	CancerSiteDA string          `json:"cancer_site_da"`
	CancerSiteEN string          `json:"cancer_site_en"`
	Sex          string          `json:"sex"`
	SexDA        string          `json:"sex_da"`
	SexEN        string          `json:"sex_en"`
	Period       string          `json:"period"`
	Rank         int             `json:"rank"`
	Compared     int             `json:"compared"`
	Missing      []string        `json:"missing"`
	Leader       string          `json:"leader"`
	GapToLeader  float64         `json:"gap_to_leader"`
	Tie          *bool           `json:"tie_with_leader"`
	AtTop        bool            `json:"at_top"`
	Countries    []NordicCountry `json:"countries"`
}

// NordicCountry is one country's figure in a Nordic comparison.
type NordicCountry struct {
	Country string           `json:"country"`
	NameDA  string           `json:"name_da"`
	NameEN  string           `json:"name_en"`
	Rank    int              `json:"rank"`
	Value   float64          `json:"value"`
	CI      *assess.Interval `json:"ci,omitempty"`
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

// Recorder gives the figures as of a cut-off (*store.Store does).
type Recorder interface {
	AsOf(ctx context.Context, cutoff, publishedBy time.Time) (*store.AsOfSet, error)
}

// Build reads the figures as of the cut-off (see CutOff) and builds the
// report for year.
func Build(ctx context.Context, rec Recorder, cat *indicators.Catalogue, year int, asOf, now time.Time) (*Report, error) {
	cutoff, rule, err := CutOff(cat, year, asOf, now)
	if err != nil {
		return nil, err
	}
	set, prev, err := Sets(ctx, rec, cat, year, cutoff)
	if err != nil {
		return nil, err
	}
	return FromSets(cat, year, rule, set, prev), nil
}

// FromSet builds the report for year from the figures of set: those for
// periods that ended by the end of the year, assessed at the cut-off. The
// changes since the previous report are read from the same figures.
func FromSet(cat *indicators.Catalogue, year int, rule string, set *store.AsOfSet) *Report {
	return FromSets(cat, year, rule, set, nil)
}

// FromSets is FromSet with prev, the figures the previous year's report
// rested on (PreviousSet), for the changes since that report.
func FromSets(cat *indicators.Catalogue, year int, rule string, set, prev *store.AsOfSet) *Report {
	yearEnd := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	obs := endingBy(set.Observations, yearEnd)
	perRun := map[int64]int{}
	for _, o := range obs {
		perRun[o.RunID]++
	}
	// The histories do not need the assessment: built alongside it.
	var hist map[string]map[string][]Value
	done := make(chan struct{})
	go func() {
		defer close(done)
		hist = histories(cat, obs)
	}()
	snap := assess.Build(assess.Input{Catalogue: cat, Observations: obs, LastSuccess: set.LastSuccess, Now: set.CutOff})
	before := previousSnapshot(cat, year, set, prev, snap, obs)
	<-done
	return assemble(cat, year, rule, set, prev, len(obs), perRun, snap, before, hist)
}

// assemble lays out the report from its parts: the year's set (its cut-offs,
// runs and sources' last successes), the previous year's (nil: read as
// known now), the figures counted (per run), both assessments and the
// histories. FromSets and Incremental share it, so they agree to the byte.
func assemble(cat *indicators.Catalogue, year int, rule string, set, prev *store.AsOfSet, figures int, perRun map[int64]int,
	snap, before *assess.Snapshot, hist map[string]map[string][]Value) *Report {
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
		r.Summary = append(r.Summary, summarise(snap, g))
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

// onTrack and offTrack group the progress states for the summary.
var (
	onTrack  = []assess.Status{assess.TargetAchieved, assess.OnTrack}
	offTrack = []assess.Status{assess.NeedsAcceleration, assess.NoSignificantChange, assess.OffTrack, assess.Deterioration}
)

func summarise(snap *assess.Snapshot, g indicators.Goal) GoalSummary {
	s := GoalSummary{Goal: g.ID, ShortDA: g.ShortDA, ShortEN: g.ShortEN, ByStatus: map[assess.Status]int{}}
	sum, _ := snap.Goal(g.ID)
	s.Indicators = sum.Indicators
	for _, st := range assess.Statuses {
		n := sum.Status[st]
		s.ByStatus[st] = n
		switch {
		case slices.Contains(onTrack, st):
			s.OnTrack += n
		case slices.Contains(offTrack, st):
			s.OffTrack += n
		case st == assess.NotAssessable:
			s.NotAssessable += n
		default:
			s.Undecided += n
		}
	}
	return s
}

func goalSection(cat *indicators.Catalogue, snap *assess.Snapshot, hist map[string]map[string][]Value, g indicators.Goal,
	year int, lastSuccess map[string]time.Time) Goal {
	out := Goal{ID: g.ID, NameDA: g.NameDA, NameEN: g.NameEN, ShortDA: g.ShortDA, ShortEN: g.ShortEN,
		Indicators: []Indicator{}, Sources: []Source{}, Initiatives: []Initiative{}, Funding: []FundingTotal{}}
	sources := map[string]*Source{}
	var sourceOrder []string
	for _, def := range cat.IndicatorsOfGoal(g.ID) {
		a, _ := snap.Indicator(def.ID)
		in := indicatorEntry(cat, def, a, hist[def.ID])
		out.Indicators = append(out.Indicators, in)
		if slices.Contains(def.Breakdowns, "region") {
			out.Regional = append(out.Regional, regional(cat, def, a))
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
		out.Nordic = nordic(cat, snap)
	}
	out.Initiatives, out.Funding = initiatives(cat, g.ID, year)
	return out
}

func indicatorEntry(cat *indicators.Catalogue, def *indicators.Indicator, a *assess.Indicator, hist map[string][]Value) Indicator {
	in := Indicator{ID: def.ID, NameDA: def.NameDA, NameEN: def.NameEN, Unit: def.Unit, Polarity: def.Polarity, Owner: def.Owner,
		Source: def.Source, Target: targetOf(def), Rows: []Row{},
		Thresholds: Thresholds{Warning: def.Thresholds.Warning, Critical: def.Thresholds.Critical}}
	if o, ok := cat.Organisation(def.Owner); ok {
		in.OwnerDA, in.OwnerEN = o.NameDA, o.NameEN
	}
	if src, ok := cat.Source(def.Source); ok {
		in.SourceDA, in.SourceEN = src.NameDA, src.NameEN
	}
	in.Status, in.StatusDA, in.StatusEN, in.ReasonDA, in.ReasonEN = a.Status, a.StatusDA, a.StatusEN, a.ReasonDA, a.ReasonEN
	in.Answers = a.Answers
	f := a.Freshness
	in.Freshness = Freshness{State: f.State, LabelDA: assess.FreshLabels[f.State][0], LabelEN: assess.FreshLabels[f.State][1],
		LatestPeriod: f.LatestPeriod, ReasonDA: f.ReasonDA, ReasonEN: f.ReasonEN}
	if f.NextDue != nil {
		in.Freshness.NextDue = f.NextDue.Format(time.DateOnly)
	}
	for _, sr := range a.Series {
		if sr.Geography != assess.Home {
			continue
		}
		row := rowOf(cat, sr)
		row.History = sameKind(hist[sr.Breakdown.Key()], sr)
		in.Rows = append(in.Rows, row)
	}
	if len(a.Series) == 0 {
		rs := cat.ReportingStatus(def)
		in.ReportingStatus = &rs
	}
	if len(in.Rows) == 0 {
		in.Rows = append(in.Rows, Row{Geography: assess.Home, Breakdown: indicators.Breakdown{}, Status: a.Status,
			StatusDA: a.StatusDA, StatusEN: a.StatusEN, ReasonDA: a.ReasonDA, ReasonEN: a.ReasonEN})
	}
	return in
}

func rowOf(cat *indicators.Catalogue, sr *assess.Series) Row {
	row := Row{Geography: sr.Geography, Breakdown: sr.Breakdown, LatestSuppressed: sr.Suppressed,
		BreakdownDA: assess.BreakdownLabel(cat, sr.Breakdown, true), BreakdownEN: assess.BreakdownLabel(cat, sr.Breakdown, false)}
	fig := func(f *assess.Figure) *Value {
		if f == nil {
			return nil
		}
		return &Value{Period: f.Period, Value: f.Value, CI: f.CI}
	}
	row.Latest, row.Previous = fig(sr.Latest), fig(sr.Previous)
	if sr.Baseline != nil {
		row.Baseline = &Value{Period: sr.Baseline.Period, Value: sr.Baseline.Value, Origin: sr.Baseline.Origin}
	}
	if sr.Latest != nil && sr.Previous != nil {
		row.Change = round(sr.Latest.Value - sr.Previous.Value)
	}
	if p := sr.Progress; p != nil {
		if p.Change != nil {
			row.ChangeSinceBaseline = round(*p.Change)
		}
		if p.GapToTarget != nil {
			row.GapToTarget = round(*p.GapToTarget)
		}
		row.Status, row.ReasonDA, row.ReasonEN = p.Status, p.ReasonDA, p.ReasonEN
		row.StatusDA, row.StatusEN = assess.StatusLabels[p.Status][0], assess.StatusLabels[p.Status][1]
	}
	row.PointStatus, row.Changes, row.Trend, row.Projection, row.Windows = sr.PointStatus, sr.Changes, sr.Trend, sr.Projection, sr.Windows
	row.Answers, row.Apart, row.Break, row.ProjectionNone = sr.Answers, sr.Apart, sr.Break, sr.ProjectionNone
	return row
}

// sameKind keeps the history's periods of the series' own kind (a whole
// year is not drawn among quarters: it is shown apart).
func sameKind(h []Value, sr *assess.Series) []Value {
	if sr.Latest == nil || sr.Apart == nil {
		return h
	}
	kind := assess.PeriodKind(sr.Latest.Period)
	out := make([]Value, 0, len(h))
	for _, v := range h {
		if assess.PeriodKind(v.Period) == kind {
			out = append(out, v)
		}
	}
	return out
}

// round keeps differences of published figures free of binary noise
// (71 − 67.2 = 3.8, not 3.8000000000000043).
func round(v float64) *float64 {
	r := math.Round(v*1e9) / 1e9
	return &r
}

func targetOf(def *indicators.Indicator) Target {
	t := def.Target
	if t == nil {
		return Target{Kind: indicators.TargetNone, TextDA: "intet mål", TextEN: "no target"}
	}
	out := Target{Kind: t.Kind(), Year: t.Year, Basis: t.Basis}
	switch out.Kind {
	case indicators.TargetValue:
		out.Value = t.Value
		out.TextDA = fmt.Sprintf("%s i %d", numDA(*t.Value), t.Year)
		out.TextEN = fmt.Sprintf("%g by %d", *t.Value, t.Year)
	case indicators.TargetRank:
		v := float64(t.Rank)
		out.Value = &v
		out.TextDA = fmt.Sprintf("%d. plads i %d", t.Rank, t.Year)
		out.TextEN = fmt.Sprintf("rank %d by %d", t.Rank, t.Year)
	default:
		out.TextDA = fmt.Sprintf("forbedring frem til %d", t.Year)
		out.TextEN = fmt.Sprintf("improve by %d", t.Year)
	}
	return out
}

func regional(cat *indicators.Catalogue, def *indicators.Indicator, a *assess.Indicator) Regional {
	out := Regional{Indicator: def.ID, NameDA: def.NameDA, NameEN: def.NameEN, Unit: def.Unit, Regions: []RegionRow{}}
	for _, sr := range a.Series {
		g, ok := cat.Geography(sr.Geography)
		if !ok || g.Kind != indicators.GeoRegion {
			continue
		}
		rr := RegionRow{Row: rowOf(cat, sr), NameDA: g.NameDA, NameEN: g.NameEN, Comparison: assess.NotComparable}
		if c := sr.Comparison; c != nil {
			rr.Period, rr.National, rr.NationalFrom, rr.Comparison, rr.WhyDA, rr.WhyEN = c.Period, c.National, c.NationalFrom, c.State, c.ReasonDA, c.ReasonEN
		}
		rr.ComparisonDA, rr.ComparisonEN = assess.ComparisonLabels[rr.Comparison][0], assess.ComparisonLabels[rr.Comparison][1]
		out.Regions = append(out.Regions, rr)
	}
	return out
}

func nordic(cat *indicators.Catalogue, snap *assess.Snapshot) []Nordic {
	out := []Nordic{}
	for _, n := range snap.Nordic {
		x := Nordic{Indicator: n.Indicator, CancerSite: n.CancerSite, Sex: n.Sex, Period: n.Period, Rank: n.Rank, Compared: n.Compared,
			Missing: n.Missing, Leader: n.Leader, GapToLeader: n.GapToLeader, Tie: n.TieWithLeader, AtTop: n.AtTop}
		x.CancerSiteDA = assess.BreakdownLabel(cat, indicators.Breakdown{"cancer_site": n.CancerSite}, true)
		x.CancerSiteEN = assess.BreakdownLabel(cat, indicators.Breakdown{"cancer_site": n.CancerSite}, false)
		x.SexDA = assess.BreakdownLabel(cat, indicators.Breakdown{"sex": n.Sex}, true)
		x.SexEN = assess.BreakdownLabel(cat, indicators.Breakdown{"sex": n.Sex}, false)
		for _, c := range n.Countries {
			nc := NordicCountry{Country: c.Country, NameDA: c.Country, NameEN: c.Country, Rank: c.Rank, Value: c.Value, CI: c.CI}
			if g, ok := cat.Geography(c.Country); ok {
				nc.NameDA, nc.NameEN = g.NameDA, g.NameEN
			}
			x.Countries = append(x.Countries, nc)
		}
		out = append(out, x)
	}
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
func histories(cat *indicators.Catalogue, obs []indicators.Observation) map[string]map[string][]Value {
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
	out := map[string]map[string][]Value{}
	for i := range cat.Indicators {
		def := &cat.Indicators[i]
		h := map[string][]Value{}
		if d := def.Derived; d != nil {
			derivedHistory(cat, def, byIndicator[d.From], h)
		} else {
			unit := def.Unit
			for _, o := range byIndicator[def.ID] {
				if o.Geography != assess.Home || o.Suppressed || o.Value == nil {
					continue
				}
				v := Value{Period: o.Period, Value: *o.Value, start: o.PeriodStart, end: o.PeriodEnd}
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
			slices.SortFunc(h[k], func(a, b Value) int { return a.end.Compare(b.end) })
		}
		out[def.ID] = h
	}
	return out
}

func derivedHistory(cat *indicators.Catalogue, def *indicators.Indicator, from []indicators.Observation, h map[string][]Value) {
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
		h[b.Key()] = append(h[b.Key()], Value{Period: g.o.Period, Value: v, start: g.o.PeriodStart, end: g.o.PeriodEnd})
	}
}
