package pages

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
	"github.com/kraeftplan/kpv/view"
)

// indicatorRow is an indicator in a list: its headline and freshness.
type indicatorRow struct {
	ID, NameDA, NameEN string
	Goal               int
	Status             assess.Status
	StatusDA, StatusEN string
	ReasonDA, ReasonEN string
	FreshDA, FreshEN   string
}

func (p *Pages) indicatorRow(snap *assess.Snapshot, def *indicators.Indicator) indicatorRow {
	row := indicatorRow{ID: def.ID, NameDA: def.NameDA, NameEN: def.NameEN, Goal: def.Goal, Status: assess.NotAssessable}
	row.StatusDA, row.StatusEN = assess.StatusLabels[row.Status][0], assess.StatusLabels[row.Status][1]
	row.FreshDA, row.FreshEN = assess.FreshLabels[assess.NoData][0], assess.FreshLabels[assess.NoData][1]
	if a, ok := snap.Indicator(def.ID); ok {
		row.Status, row.StatusDA, row.StatusEN, row.ReasonDA, row.ReasonEN = a.Status, a.StatusDA, a.StatusEN, a.ReasonDA, a.ReasonEN
		row.FreshDA, row.FreshEN = assess.FreshLabels[a.Freshness.State][0], assess.FreshLabels[a.Freshness.State][1]
	}
	return row
}

type goalEntry struct {
	indicators.Goal
	Summary    view.GoalSummary
	Verdict    *assess.Verdict
	Indicators []indicatorRow
	// Glance is the goal at a glance: the verdict and each indicator's
	// latest value, target, gap, direction and trend.
	Glance view.GoalGlance
}

type sourceRow struct {
	indicators.Source
	LastSuccess *time.Time
}

type indexView struct {
	layout
	Goals   []goalEntry
	Sources []sourceRow
	// The plan's own follow-up: its pages and the initiatives.
	Milestones, Overdue, Round string
	Initiatives                []indicators.Initiative
}

func (p *Pages) page(snap *assess.Snapshot, da, en string, crumbs ...crumb) layout {
	return layout{TitleDA: da, TitleEN: en, Crumbs: crumbs, AssessedAt: snap.ComputedAt, Year: p.now().Year()}
}

func (p *Pages) goalEntry(snap *assess.Snapshot, g indicators.Goal, reasons bool) goalEntry {
	e := goalEntry{Goal: g, Summary: view.Summary(snap, g)}
	if sum, ok := snap.Goal(g.ID); ok {
		e.Verdict = sum.Verdict
	}
	e.Glance = view.GoalGlance{Verdict: e.Verdict, Href: IndicatorPath, Reasons: reasons,
		Label: fmt.Sprintf("Mål %d: indikatorerne", g.ID)}
	for _, def := range p.cat.IndicatorsOfGoal(g.ID) {
		e.Indicators = append(e.Indicators, p.indicatorRow(snap, def))
		if in, ok := view.LiveIndicator(p.cat, snap, def.ID); ok {
			e.Glance.Glances = append(e.Glance.Glances, view.GlanceOf(in))
		}
	}
	return e
}

func (p *Pages) lastSuccess(snap *assess.Snapshot, source string) *time.Time {
	for _, s := range snap.Sources {
		if s.Source == source {
			return s.LastSuccess
		}
	}
	return nil
}

// Index serves the index: every goal with its indicators, and the sources.
func (p *Pages) Index(w http.ResponseWriter, r *http.Request) {
	snap := p.snapshot(w, r)
	if snap == nil {
		return
	}
	v := indexView{layout: p.page(snap, p.cat.Plan.TitleDA+" – opfølgning", "Follow-up of "+p.cat.Plan.TitleEN),
		Milestones: MilestonesPath("", ""), Overdue: MilestonesPath("", "overdue"), Round: RoundPath(0, ""), Initiatives: p.cat.Initiatives}
	for _, g := range p.cat.Goals {
		v.Goals = append(v.Goals, p.goalEntry(snap, g, false))
	}
	for _, s := range p.cat.Sources {
		v.Sources = append(v.Sources, sourceRow{Source: s, LastSuccess: p.lastSuccess(snap, s.ID)})
	}
	p.render(w, r, http.StatusOK, "index", v)
}

type goalView struct {
	layout
	goalEntry
	Initiatives []indicators.Initiative
}

// Goal serves a goal's page.
func (p *Pages) Goal(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(chi.URLParam(r, "id"))
	g, ok := p.cat.Goal(id)
	if err != nil || !ok {
		p.NotFound(w, r, "Målet "+strconv.Quote(chi.URLParam(r, "id"))+" findes ikke; planens mål er 1, 2 og 3.",
			"No goal "+strconv.Quote(chi.URLParam(r, "id"))+"; the plan's goals are 1, 2 and 3.")
		return
	}
	snap := p.snapshot(w, r)
	if snap == nil {
		return
	}
	v := goalView{layout: p.page(snap, fmt.Sprintf("Mål %d: %s", g.ID, g.ShortDA), fmt.Sprintf("Goal %d: %s", g.ID, g.ShortEN)),
		goalEntry: p.goalEntry(snap, *g, true)}
	for _, in := range p.cat.InitiativesOfGoal(g.ID) {
		v.Initiatives = append(v.Initiatives, *in)
	}
	p.render(w, r, http.StatusOK, "goal", v)
}

// chartTable is a chart's figures as a table: the chart's text
// alternative.
type chartTable struct {
	Caption string
	// Rows are every figure, each series' latest first; Latest the first
	// of each series (what the page shows unfolded).
	Rows   []chartTableRow
	Latest []chartTableRow
	// Apart are figures of another kind of period than their series'
	// latest (a whole year among quarters): not drawn, shown apart with
	// the reason.
	Apart []chartTableRow
	// ApartDA and ApartEN say why.
	ApartDA, ApartEN string
}

type chartTableRow struct {
	Series, SeriesEN, Period string
	Value                    float64
	CI                       *assess.Interval
	Baseline                 bool
	// Apart: not in the chart (another kind of period).
	Apart bool
	// Pub is the figure's publication and when kpv loaded it (nil for a
	// catalogue baseline: the catalogue cites it).
	Pub *view.Publication
}

type indicatorView struct {
	layout
	view.Indicator
	Def       *indicators.Indicator
	GoalDA    string
	GoalEN    string
	UnitDA    string
	UnitEN    string
	Chart     template.HTML
	Figures   chartTable
	Regional  *view.Regional
	RegChart  template.HTML
	Nordic    []nordicView
	SourceDef *indicators.Source
	// LastSuccess is the source's last successful run.
	LastSuccess *time.Time
	// NoData: nothing published or submitted yet, so the page says who
	// owes the figures instead of a bare "not assessable".
	NoData  bool
	Release indicators.Release
	// How figures get in: "submission" (the owner submits), "fetched"
	// (kpv fetches; corrected at the publisher) or "derived".
	Intake    string
	SubmitURL string
	// Reporting is the catalogue's reporting status: the expected source
	// and release, and how the owner gets the figures in.
	Reporting indicators.ReportingStatus
	// DerivedDA and DerivedEN name the indicator a derived one is
	// computed from.
	DerivedDA, DerivedEN string
	// Initiatives are those the indicator measures (Direct: tied to it by
	// the catalogue, else those serving its goal).
	Initiatives []indicators.Initiative
	Direct      bool
}

type nordicView struct {
	view.Nordic
	Chart template.HTML
}

// Indicator serves an indicator's page.
func (p *Pages) Indicator(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	def, ok := p.cat.Indicator(id)
	if !ok {
		p.NotFound(w, r, "Indikatoren "+strconv.Quote(id)+" findes ikke; oversigten viser dem alle.",
			"No indicator "+strconv.Quote(id)+"; the index lists them all.")
		return
	}
	snap := p.snapshot(w, r)
	if snap == nil {
		return
	}
	in, _ := view.LiveIndicator(p.cat, snap, id)
	p.loadedAt(r.Context(), in)
	g, _ := p.cat.Goal(def.Goal)
	v := indicatorView{Indicator: in, Def: def, GoalDA: g.ShortDA, GoalEN: g.ShortEN,
		UnitDA: def.Unit.NameDA(), UnitEN: def.Unit.NameEN(),
		layout: p.page(snap, def.NameDA, def.NameEN, crumb{GoalPath(g.ID), fmt.Sprintf("Mål %d / Goal %d", g.ID, g.ID)})}
	v.Chart = view.IndicatorChart(in, p.now().Year())
	v.Figures = figuresTable(in)
	switch r.URL.Query().Get("format") {
	case "csv":
		p.indicatorCSV(w, r, in, v.Figures)
		return
	case "xlsx":
		p.indicatorXLSX(w, r, in, v.Figures, snap)
		return
	}
	if reg, ok := view.LiveRegional(p.cat, snap, id); ok {
		v.Regional = &reg
		if len(reg.Regions) > 0 {
			v.RegChart = view.RegionalChart(in, reg)
		}
	}
	for _, n := range view.LiveNordic(p.cat, snap, id) {
		v.Nordic = append(v.Nordic, nordicView{Nordic: n, Chart: view.NordicChart(n)})
	}
	if src, ok := p.cat.Source(def.Source); ok {
		v.SourceDef, v.Release = src, src.Release
		v.LastSuccess = p.lastSuccess(snap, src.ID)
		switch {
		case def.Derived != nil:
			v.Intake = "derived"
		case src.Format == "submission" || src.Format == "table":
			v.Intake = "submission"
		default:
			v.Intake = "fetched"
		}
	}
	v.SubmitURL = "/api/v1/indicators/" + id + "/observations"
	if def.Derived != nil {
		v.DerivedDA, v.DerivedEN = def.Derived.From, def.Derived.From
		if from, ok := p.cat.Indicator(def.Derived.From); ok {
			v.DerivedDA, v.DerivedEN = from.NameDA, from.NameEN
		}
	}
	v.NoData = in.Freshness.State == assess.NoData
	v.Initiatives, v.Direct = initiativesOf(p.cat, def)
	if v.NoData {
		v.Reporting = p.cat.ReportingStatus(def)
	}
	p.render(w, r, http.StatusOK, "indicator", v)
}

// recordedTimer is the store's read of when runs recorded their figures
// (store.RecordedTimes).
type recordedTimer interface {
	RecordedTimes(ctx context.Context, ids []int64) (map[int64]time.Time, error)
}

// loadedAt sets when kpv loaded each of in's figures, from their runs.
func (p *Pages) loadedAt(ctx context.Context, in view.Indicator) {
	rt, ok := p.runs.(recordedTimer)
	if !ok {
		return
	}
	var ids []int64
	seen := map[int64]bool{}
	for _, row := range in.Rows {
		for _, h := range slices.Concat(row.History, row.ApartValues) {
			if h.Pub != nil && h.Pub.RunID != 0 && !seen[h.Pub.RunID] {
				seen[h.Pub.RunID] = true
				ids = append(ids, h.Pub.RunID)
			}
		}
	}
	times, err := rt.RecordedTimes(ctx, ids)
	if err != nil {
		p.log.Error("indicator page: read when the figures were loaded", "indicator", in.ID, "err", err)
		return
	}
	for _, row := range in.Rows {
		for _, h := range slices.Concat(row.History, row.ApartValues) {
			if h.Pub != nil {
				if t, ok := times[h.Pub.RunID]; ok {
					h.Pub.LoadedAt = &t
				}
			}
		}
	}
}

// figuresTable lists the figures the indicator's chart draws: Denmark's
// series, period by period, with the catalogue's baseline where no figure
// is stored for its period.
func figuresTable(in view.Indicator) chartTable {
	t := chartTable{Caption: "Tallene i diagrammet"}
	for _, row := range in.Rows {
		name, nameEN := "Danmark", "Denmark"
		if row.BreakdownDA != "" {
			name, nameEN = row.BreakdownDA, row.BreakdownEN
		}
		seen := map[string]bool{}
		for _, h := range row.History {
			seen[h.Period] = true
		}
		var rows []chartTableRow
		if b := row.Baseline; b != nil && !seen[b.Period] {
			rows = append(rows, chartTableRow{Series: name, SeriesEN: nameEN, Period: b.Period, Value: b.Value, Baseline: true})
		}
		for _, h := range row.History {
			rows = append(rows, chartTableRow{Series: name, SeriesEN: nameEN, Period: h.Period, Value: h.Value, CI: h.CI, Pub: h.Pub})
		}
		slices.Reverse(rows)
		if len(rows) > 0 {
			t.Latest = append(t.Latest, rows[0])
		}
		t.Rows = append(t.Rows, rows...)
		for i := len(row.ApartValues) - 1; i >= 0; i-- {
			h := row.ApartValues[i]
			t.Apart = append(t.Apart, chartTableRow{Series: name, SeriesEN: nameEN, Period: h.Period, Value: h.Value, CI: h.CI, Pub: h.Pub, Apart: true})
		}
		if row.Apart != nil && t.ApartDA == "" {
			t.ApartDA, t.ApartEN = row.Apart.ReasonDA, row.Apart.ReasonEN
		}
	}
	return t
}

type runRow struct {
	store.Run
	ErrorDA, ErrorEN string
}

type sourceView struct {
	layout
	Source      *indicators.Source
	Indicators  []indicatorRow
	LastSuccess *time.Time
	NextRun     *time.Time
	// Fetched is what was last fetched: when checked and when it last
	// changed (not the file it came from, which may be a local path).
	Fetched *store.FetchState
	Runs    []runRow
	RunsErr bool
	// Pending are the source's revisions held for review (issue 26).
	Pending []store.PendingRevision
}

// pendingLister is the store's list of held revisions (store/pending.go).
type pendingLister interface {
	PendingRevisions(ctx context.Context, f store.PendingFilter) ([]store.PendingRevision, error)
}

// recentRuns is how many runs a source page shows.
const recentRuns = 20

// Source serves a source's page with its recent runs and their errors.
func (p *Pages) Source(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	src, ok := p.cat.Source(id)
	if !ok {
		p.NotFound(w, r, "Kilden "+strconv.Quote(id)+" findes ikke; oversigten viser dem alle.",
			"No source "+strconv.Quote(id)+"; the index lists them all.")
		return
	}
	snap := p.snapshot(w, r)
	if snap == nil {
		return
	}
	v := sourceView{layout: p.page(snap, src.NameDA, src.NameEN), Source: src, LastSuccess: p.lastSuccess(snap, id)}
	for i := range p.cat.Indicators {
		if def := &p.cat.Indicators[i]; def.Source == id {
			v.Indicators = append(v.Indicators, p.indicatorRow(snap, def))
		}
	}
	if sched, err := indicators.ParseSchedule(src.Schedule); src.Schedule != "" && err == nil {
		next := sched.Next(p.now())
		v.NextRun = &next
	}
	if p.runs != nil {
		runs, err := p.runs.Runs(r.Context(), store.RunFilter{Source: id, Limit: recentRuns})
		if err == nil {
			for _, run := range runs {
				if run.Kind == store.KindTest {
					continue
				}
				row := runRow{Run: run}
				row.ErrorDA, row.ErrorEN = PublicError(run.Kind, run.Error)
				row.Detail = nil
				v.Runs = append(v.Runs, row)
			}
		}
		fetches, ferr := p.runs.FetchStates(r.Context())
		if f, ok := fetches[id]; ferr == nil && ok {
			f.Origin, f.ETag, f.LastModified = "", "", ""
			v.Fetched = &f
		}
		if err != nil || ferr != nil {
			p.log.Error("source page: read the run log", "source", id, "err", err, "fetch_err", ferr)
			v.RunsErr = true
		}
		if l, ok := p.runs.(pendingLister); ok {
			var perr error
			if v.Pending, perr = l.PendingRevisions(r.Context(), store.PendingFilter{Source: id, Status: "pending"}); perr != nil {
				p.log.Error("source page: read the held revisions", "source", id, "err", perr)
				v.RunsErr = true
			}
		}
	}
	p.render(w, r, http.StatusOK, "source", v)
}

// outcomeLabels name a run's outcome in Danish and English.
var outcomeLabels = map[store.RunOutcome][2]string{
	store.RunRunning: {"kører", "running"}, store.RunSuccess: {"gennemført", "success"}, store.RunUnchanged: {"uændret", "unchanged"},
	store.RunFailed: {"fejlet", "failed"}, store.RunInterrupted: {"afbrudt", "interrupted"},
}
