// Package view is what a person sees of the assessment, whether on kpv's
// pages or in the yearly report (HTML, XLSX, CSV): the view model of a
// goal's summary, an indicator, a regional table and a Nordic table, built
// from an assessment; the charts (SVG); the number formats; and the
// template partials both render with (partials.html). A region row, say,
// is written once here.
package view

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
)

// GoalSummary counts a goal's indicators as the goal's verdict reads
// them (their standing against the target and their direction over the
// last five years, by the catalogue's rule): on track, off track (short of
// the target beyond the statistical uncertainty without closing the gap at
// the pace needed, or significantly worse), undecided (figures that do not
// decide it yet) and without figures. ByStatus counts the headline
// progress states. LineDA and LineEN say it in a sentence, the same on
// the pages and in the report.
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

	// Start and End are the period's, for the charts.
	Start, End time.Time `json:"-"`
	// Pub is where and when the figure was published, and when kpv loaded
	// it (the pages' figures; nil where not known).
	Pub *Publication `json:"publication,omitempty"`
}

// Publication is a figure's publication: who published it under which
// title and when, the publisher's release, and when kpv loaded it.
type Publication struct {
	Publisher string `json:"publisher"`
	// PublisherEN: the publisher is named as the catalogue's source names
	// it, in English ("IARC and the Association of …").
	PublisherEN bool   `json:"-"`
	Title       string `json:"title"`
	URL         string `json:"url,omitempty"`
	// PublishedDA is the date in Danish as precise as it is known: "2. maj
	// 2024", "juni 2017" or "2024".
	PublishedDA string `json:"published_da"`
	Release     string `json:"release,omitempty"`
	// RunID is the run that loaded the figure; LoadedAt when it recorded
	// it (set by the reader that knows the runs).
	RunID    int64      `json:"run_id,omitempty"`
	LoadedAt *time.Time `json:"loaded_at,omitempty"`
	// DerivedFromDA names the indicator a derived figure is computed from
	// (by kpv); the publication is then that of its figures.
	DerivedFromDA string `json:"derived_from_da,omitempty"`
}

// PublicationOf is the publication of a figure of src published at t in
// release rel, loaded by run: the one the catalogue names for its date,
// else the source itself with the figure's date. Nil when t is zero.
func PublicationOf(src *indicators.Source, t time.Time, rel string, run int64) *Publication {
	if src == nil || t.IsZero() {
		return nil
	}
	p := &Publication{Publisher: src.Publisher, PublisherEN: true, Title: src.NameDA, URL: src.Citation.URL, PublishedDA: DateDA(t), Release: rel, RunID: run}
	if c, ok := src.PublicationOf(t); ok {
		p.Publisher, p.PublisherEN, p.Title, p.URL, p.PublishedDA = c.Publisher, false, c.Title, c.URL, PublishedDA(c.Published)
	} else if d, ok := src.FilePublished(t); ok {
		p.PublishedDA = PublishedDA(d) // a shipped file's date, as precise as it is known
	}
	return p
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
	Answers *assess.Answers `json:"answers,omitempty"`
	Apart   *assess.Apart   `json:"apart,omitempty"`
	// ApartValues are Apart's figures with their publications (the pages').
	ApartValues    []Value                 `json:"-"`
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
	// Unit is the indicator's, for the row's figures.
	Unit indicators.Unit `json:"-"`
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

// onTrack and offTrack group the progress states for the summary.
var (
	onTrack  = []assess.Status{assess.TargetAchieved, assess.OnTrack}
	offTrack = []assess.Status{assess.NeedsAcceleration, assess.NoSignificantChange, assess.OffTrack, assess.Deterioration}
)

// Summary counts a goal's indicators as its verdict reads them (the
// headline progress states in ByStatus); without a verdict, by progress
// state.
func Summary(snap *assess.Snapshot, g indicators.Goal) GoalSummary {
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
	if v := sum.Verdict; v != nil {
		off := map[string]bool{}
		for _, id := range append(slices.Clone(v.Short), v.Worse...) {
			off[id] = true
		}
		s.OnTrack, s.OffTrack, s.NotAssessable = v.OnTrack, len(off), v.Indicators-v.WithFigures
		s.Undecided = v.WithFigures - s.OnTrack - s.OffTrack
	}
	return s
}

// LineDA is the summary in a Danish sentence: "6 indikatorer: 0 på rette
// spor, 1 ikke på rette spor, 3 med tal, der endnu ikke afgør det, 2 uden
// tal."
func (s GoalSummary) LineDA() string {
	noun := "indikatorer"
	if s.Indicators == 1 {
		noun = "indikator"
	}
	return fmt.Sprintf("%d %s: %d på rette spor, %d ikke på rette spor, %d med tal, der endnu ikke afgør det, %d uden tal.",
		s.Indicators, noun, s.OnTrack, s.OffTrack, s.Undecided, s.NotAssessable)
}

// LineEN is LineDA in English.
func (s GoalSummary) LineEN() string {
	noun := "indicators"
	if s.Indicators == 1 {
		noun = "indicator"
	}
	return fmt.Sprintf("%d %s: %d on track, %d off track, %d with figures that do not decide it yet, %d without figures.",
		s.Indicators, noun, s.OnTrack, s.OffTrack, s.Undecided, s.NotAssessable)
}

// HasFigures says whether any of the indicator's series has a figure.
func (in Indicator) HasFigures() bool {
	return slices.ContainsFunc(in.Rows, func(r Row) bool { return r.Latest != nil })
}

// Points is the most figures any of the indicator's series has drawn: a
// chart of one or two is left off paper (the table holds them).
func (in Indicator) Points() int {
	n := 0
	for _, r := range in.Rows {
		n = max(n, len(r.History))
	}
	return n
}

// IndicatorOf is an indicator's entry from its assessment a and
// Denmark's history per breakdown key.
func IndicatorOf(cat *indicators.Catalogue, def *indicators.Indicator, a *assess.Indicator, hist map[string][]Value) Indicator {
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

// RegionalOf is the regions against Denmark for an indicator.
func RegionalOf(cat *indicators.Catalogue, def *indicators.Indicator, a *assess.Indicator) Regional {
	out := Regional{Indicator: def.ID, NameDA: def.NameDA, NameEN: def.NameEN, Unit: def.Unit, Regions: []RegionRow{}}
	for _, sr := range a.Series {
		g, ok := cat.Geography(sr.Geography)
		if !ok || g.Kind != indicators.GeoRegion {
			continue
		}
		rr := RegionRow{Row: rowOf(cat, sr), NameDA: g.NameDA, NameEN: g.NameEN, Comparison: assess.NotComparable, Unit: def.Unit}
		if c := sr.Comparison; c != nil {
			rr.Period, rr.National, rr.NationalFrom, rr.Comparison, rr.WhyDA, rr.WhyEN = c.Period, c.National, c.NationalFrom, c.State, c.ReasonDA, c.ReasonEN
		}
		rr.ComparisonDA, rr.ComparisonEN = assess.ComparisonLabels[rr.Comparison][0], assess.ComparisonLabels[rr.Comparison][1]
		out.Regions = append(out.Regions, rr)
	}
	return out
}

// NordicOf is Denmark's Nordic rankings in snap.
func NordicOf(cat *indicators.Catalogue, snap *assess.Snapshot) []Nordic {
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
