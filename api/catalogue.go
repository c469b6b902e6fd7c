package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
)

// goalView is a goal with what serves and measures it.
type goalView struct {
	indicators.Goal
	Indicators  []string `json:"indicators"`
	Initiatives []int    `json:"initiatives"`
	// Assessment counts the goal's indicators by progress state.
	Assessment *goalAssessment `json:"assessment,omitempty"`
}

func (s *Server) goalView(g *indicators.Goal) goalView {
	v := goalView{Goal: *g, Indicators: []string{}, Initiatives: []int{}}
	for _, in := range s.cat.IndicatorsOfGoal(g.ID) {
		v.Indicators = append(v.Indicators, in.ID)
	}
	for _, in := range s.cat.InitiativesOfGoal(g.ID) {
		v.Initiatives = append(v.Initiatives, in.Number)
	}
	v.Assessment = s.goalAssessment(g.ID)
	return v
}

func (s *Server) goalAssessment(id int) *goalAssessment {
	snap := s.snapshot()
	if snap == nil {
		return nil
	}
	sum, _ := snap.Goal(id)
	return &goalAssessment{AssessedAt: snap.ComputedAt, GoalSummary: sum}
}

func (s *Server) listGoals(w http.ResponseWriter, r *http.Request) error {
	p := queryParams(r, "limit", "offset")
	limit, offset := p.page()
	if err := p.err(); err != nil {
		return err
	}
	var out []goalView
	for i := range s.cat.Goals {
		out = append(out, s.goalView(&s.cat.Goals[i]))
	}
	writePage(w, r, out, limit, offset)
	return nil
}

func (s *Server) getGoal(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.Atoi(chi.URLParam(r, "id"))
	g, ok := s.cat.Goal(id)
	if err != nil || !ok {
		return errNotFound("no goal " + strconv.Quote(chi.URLParam(r, "id")) + "; the plan's goals are 1, 2 and 3")
	}
	type detail struct {
		indicators.Goal
		// Assessment counts the goal's indicators by progress state.
		Assessment  *goalAssessment  `json:"assessment,omitempty"`
		Indicators  []indicatorView  `json:"indicators"`
		Initiatives []initiativeView `json:"initiatives"`
	}
	d := detail{Goal: *g, Indicators: []indicatorView{}, Initiatives: []initiativeView{}, Assessment: s.goalAssessment(id)}
	snap := s.snapshot()
	for _, in := range s.cat.IndicatorsOfGoal(id) {
		v := s.indicatorView(in)
		v.Assessment = assessmentOf(snap, in.ID)
		d.Indicators = append(d.Indicators, v)
	}
	for _, in := range s.cat.InitiativesOfGoal(id) {
		d.Initiatives = append(d.Initiatives, s.initiativeView(in))
	}
	writeJSON(w, r, d)
	return nil
}

// initiativeView is an initiative with the funding lines that pay for it.
type initiativeView struct {
	indicators.Initiative
	FocusAreaName string       `json:"focus_area_name_da"`
	Funding       []fundingRef `json:"funding"`
}

type fundingRef struct {
	Table  string `json:"table"`
	Line   string `json:"line"`
	NameDA string `json:"name_da"`
}

func (s *Server) initiativeView(in *indicators.Initiative) initiativeView {
	v := initiativeView{Initiative: *in, Funding: []fundingRef{}}
	for _, a := range s.cat.FocusAreas {
		if a.ID == in.FocusArea {
			v.FocusAreaName = a.NameDA
		}
	}
	for _, t := range s.cat.FundingTables {
		for _, l := range t.Lines {
			if slices.Contains(l.Initiatives, in.Number) {
				v.Funding = append(v.Funding, fundingRef{t.ID, l.ID, l.NameDA})
			}
		}
	}
	return v
}

func (s *Server) listInitiatives(w http.ResponseWriter, r *http.Request) error {
	p := queryParams(r, "goal", "focus_area", "limit", "offset")
	goal, byGoal := p.int("goal")
	area, byArea := p.int("focus_area")
	limit, offset := p.page()
	if err := p.err(); err != nil {
		return err
	}
	var out []initiativeView
	for i := range s.cat.Initiatives {
		in := &s.cat.Initiatives[i]
		if byGoal && !slices.Contains(in.Goals, goal) || byArea && in.FocusArea != area {
			continue
		}
		out = append(out, s.initiativeView(in))
	}
	writePage(w, r, out, limit, offset)
	return nil
}

// indicatorView is an indicator as the API shows it: the catalogue entry
// with its goal, owner and source resolved.
type indicatorView struct {
	indicators.Indicator
	GoalShortDA string `json:"goal_short_da"`
	// Release is the source's publication cadence: when new data are due.
	Release    indicators.Release `json:"release"`
	OwnerName  string             `json:"owner_name_da"`
	SourceName string             `json:"source_name_da"`
	UnitName   string             `json:"unit_name_da"`
	Links      map[string]string  `json:"links"`
	// Status is the headline of the assessment (in lists).
	Status *statusView `json:"status,omitempty"`
	// Assessment is the indicator's whole assessment (in single views): the
	// same snapshot /metrics serves.
	Assessment *assess.Indicator `json:"assessment,omitempty"`
	// ReportingStatus says, for an indicator without figures, who owes
	// them and how they get in (in single views).
	ReportingStatus *indicators.ReportingStatus `json:"reporting_status,omitempty"`
}

// statusView is an indicator's headline assessment.
type statusView struct {
	Progress  assess.Status     `json:"progress"`
	LabelDA   string            `json:"label_da"`
	LabelEN   string            `json:"label_en"`
	Freshness assess.FreshState `json:"freshness"`
}

// goalAssessment is the summary of a goal's assessment.
type goalAssessment struct {
	AssessedAt time.Time `json:"assessed_at"`
	assess.GoalSummary
}

func (s *Server) snapshot() *assess.Snapshot {
	if s.assess == nil {
		return nil
	}
	return s.assess.Snapshot()
}

func assessmentOf(snap *assess.Snapshot, id string) *assess.Indicator {
	if snap == nil {
		return nil
	}
	a, _ := snap.Indicator(id)
	return a
}

// getAssessment returns the whole current assessment.
func (s *Server) getAssessment(w http.ResponseWriter, r *http.Request) error {
	if err := queryParams(r).err(); err != nil {
		return err
	}
	snap := s.snapshot()
	if snap == nil {
		writeProblem(w, r, Problem{Type: problemUnavailable, Title: "Not ready", Status: http.StatusServiceUnavailable, Detail: "this server runs without an assessment"})
		return nil
	}
	writeJSON(w, r, snap)
	return nil
}

func (s *Server) indicatorView(in *indicators.Indicator) indicatorView {
	v := indicatorView{Indicator: *in, UnitName: in.Unit.NameDA()}
	if g, ok := s.cat.Goal(in.Goal); ok {
		v.GoalShortDA = g.ShortDA
	}
	if o, ok := s.cat.Organisation(in.Owner); ok {
		v.OwnerName = o.NameDA
	}
	if src, ok := s.cat.Source(in.Source); ok {
		v.SourceName = src.NameDA
		v.Release = src.Release
	}
	if v.Breakdowns == nil {
		v.Breakdowns = []string{}
	}
	v.Links = map[string]string{
		"self":         "/api/v1/indicators/" + in.ID,
		"observations": "/api/v1/indicators/" + in.ID + "/observations",
		"goal":         "/api/v1/goals/" + strconv.Itoa(in.Goal),
	}
	return v
}

func (s *Server) listIndicators(w http.ResponseWriter, r *http.Request) error {
	p := queryParams(r, "goal", "owner", "source", "limit", "offset")
	q := p.q
	goal, byGoal := p.int("goal")
	limit, offset := p.page()
	if o := q.Get("owner"); o != "" {
		if _, ok := s.cat.Organisation(o); !ok {
			p.add("owner", "unknown organisation "+strconv.Quote(o))
		}
	}
	if src := q.Get("source"); src != "" {
		if _, ok := s.cat.Source(src); !ok {
			p.add("source", "unknown source "+strconv.Quote(src))
		}
	}
	if err := p.err(); err != nil {
		return err
	}
	var out []indicatorView
	snap := s.snapshot()
	for i := range s.cat.Indicators {
		in := &s.cat.Indicators[i]
		if byGoal && in.Goal != goal || q.Has("owner") && in.Owner != q.Get("owner") || q.Has("source") && in.Source != q.Get("source") {
			continue
		}
		v := s.indicatorView(in)
		if a := assessmentOf(snap, in.ID); a != nil {
			v.Status = &statusView{a.Status, a.StatusDA, a.StatusEN, a.Freshness.State}
		}
		out = append(out, v)
	}
	writePage(w, r, out, limit, offset)
	return nil
}
