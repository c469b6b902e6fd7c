package report

import (
	"slices"
	"strings"

	"github.com/kraeftplan/kpv/followup"
	"github.com/kraeftplan/kpv/view"
)

// The report opens with a summary an official reads in two pages: each
// goal's verdict in one line, what changed since last year, the plan's
// implementation (initiatives' status and milestones) and the money at a
// glance. These are what its template reads; the details follow.

// MilestoneCount is how many of the year's milestones are in a state.
type MilestoneCount struct {
	State, StateDA, StateEN string
	N                       int
}

// MilestoneLine is a milestone in the summary, with its initiative.
type MilestoneLine struct {
	Initiative int
	followup.MilestoneView
}

// Milestones counts the plan's and the initiatives' milestones by state
// (reached, overdue, not reported, upcoming: the states that occur).
func (r *Report) Milestones() []MilestoneCount {
	var out []MilestoneCount
	for _, m := range r.allMilestones() {
		i := slices.IndexFunc(out, func(c MilestoneCount) bool { return c.State == m.State })
		if i < 0 {
			out = append(out, MilestoneCount{State: m.State, StateDA: m.StateDA, StateEN: m.StateEN})
			i = len(out) - 1
		}
		out[i].N++
	}
	order := []string{followup.Overdue, followup.NotReported, followup.Reached, followup.Upcoming}
	slices.SortFunc(out, func(a, b MilestoneCount) int { return slices.Index(order, a.State) - slices.Index(order, b.State) })
	return out
}

// DueMilestones are the milestones past their date and not reported
// reached (overdue or not reported), earliest first: what an official
// asks about.
func (r *Report) DueMilestones() []MilestoneLine {
	var out []MilestoneLine
	for _, m := range r.allMilestones() {
		if m.State == followup.Overdue || m.State == followup.NotReported {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(a, b MilestoneLine) int {
		if a.Due != b.Due {
			if a.Due < b.Due {
				return -1
			}
			return 1
		}
		return a.Initiative - b.Initiative
	})
	return out
}

// MilestoneList is every milestone of the year's follow-up: the plan's
// own, then each initiative's in order.
func (r *Report) MilestoneList() []MilestoneLine { return r.allMilestones() }

func (r *Report) allMilestones() []MilestoneLine {
	if r.FollowUp == nil {
		return nil
	}
	var out []MilestoneLine
	for _, m := range r.FollowUp.PlanMilestones {
		out = append(out, MilestoneLine{0, m})
	}
	for _, a := range r.FollowUp.FocusAreas {
		for _, in := range a.Initiatives {
			for _, m := range in.Milestones {
				out = append(out, MilestoneLine{in.Number, m})
			}
		}
	}
	return out
}

// VerdictOf is goal's verdict (nil if it has none).
func (r *Report) VerdictOf(goal int) *Verdict {
	for i := range r.Verdicts {
		if r.Verdicts[i].Goal == goal {
			return &r.Verdicts[i]
		}
	}
	return nil
}

// SummaryOf is goal's summary.
func (r *Report) SummaryOf(goal int) view.GoalSummary {
	for _, s := range r.Summary {
		if s.Goal == goal {
			return s
		}
	}
	return view.GoalSummary{Goal: goal}
}

// IndicatorName is an indicator's Danish name, for a line that would
// otherwise show its id.
func (r *Report) IndicatorName(id string) string {
	for _, g := range r.Goals {
		for _, in := range g.Indicators {
			if in.ID == id {
				return in.NameDA
			}
		}
	}
	return id
}

// SourceName is a source's Danish name.
func (r *Report) SourceName(id string) string {
	for _, g := range r.Goals {
		for _, s := range g.Sources {
			if s.ID == id {
				return s.NameDA
			}
		}
	}
	return id
}

// DocumentName is a plan document's Danish title (milestones cite them).
func (r *Report) DocumentName(id string) string {
	if t, ok := r.documents[id]; ok {
		return t
	}
	return id
}

// WithoutFigures are a goal's indicators without figures: on paper they
// are one list instead of an entry each.
func (g Goal) WithoutFigures() []view.Indicator {
	var out []view.Indicator
	for _, in := range g.Indicators {
		if !in.HasFigures() {
			out = append(out, in)
		}
	}
	return out
}

// runWords are the run log's kinds and outcomes in Danish and English.
var runWords = map[string][2]string{
	"ingest": {"hentning", "ingest"}, "submission": {"indberetning", "submission"}, "test": {"test", "test"},
	"success": {"gennemført", "success"}, "unchanged": {"uændret", "unchanged"}, "failed": {"fejlet", "failed"},
	"interrupted": {"afbrudt", "interrupted"}, "running": {"i gang", "running"},
}

// RunWordDA is a run's kind or outcome in Danish.
func RunWordDA(code string) string {
	if w, ok := runWords[code]; ok {
		return w[0]
	}
	return code
}

// RunWordEN is a run's kind or outcome in English.
func RunWordEN(code string) string {
	if w, ok := runWords[code]; ok {
		return w[1]
	}
	return code
}

// ChangeDA says in Danish what a change recorded since a version is about:
// "statusrapport for initiativ 26", "nye eller reviderede tal for <name>".
func (r *Report) ChangeDA(kind, subject string) string {
	what, id, _ := strings.Cut(subject, ":")
	about := subject
	switch what {
	case "initiative":
		about = "initiativ " + id
	case "indicator":
		about = r.IndicatorName(id)
	case "funding":
		about = "bevillingslinjen " + id
		if r.FollowUp != nil {
			for _, l := range r.FollowUp.Money.Lines {
				if l.Key == id {
					about = "bevillingslinjen «" + l.NameDA + "»"
				}
			}
		}
	default:
		about = r.IndicatorName(subject)
	}
	switch kind {
	case "status":
		return "Statusrapport for " + about
	case "spending":
		return "Forbrug på " + about
	case "commentary":
		return "Kommentar til " + about
	case "figures":
		return "Nye eller reviderede tal for " + about
	}
	return kind + " " + about
}

// RegionalWithout names the goal's regional comparisons without regional
// figures: on paper one line instead of a heading each.
func (g Goal) RegionalWithout() []string {
	var out []string
	for _, r := range g.Regional {
		if len(r.Regions) == 0 {
			out = append(out, r.NameDA)
		}
	}
	return out
}

// Names are indicators' Danish names, joined for a sentence.
func (r *Report) Names(ids []string) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = "«" + r.IndicatorName(id) + "»"
	}
	return strings.Join(names, "; ")
}

// DocumentRef is a plan document cited by number in the milestones'
// table on paper.
type DocumentRef struct {
	No    int
	Title string
}

// DocumentList lists the plan documents in the catalogue's order, numbered
// from 1.
func (r *Report) DocumentList() []DocumentRef {
	out := make([]DocumentRef, len(r.documentOrder))
	for i, id := range r.documentOrder {
		out[i] = DocumentRef{i + 1, r.documents[id]}
	}
	return out
}

// DocumentNo is a document's number in DocumentList (0 if unknown).
func (r *Report) DocumentNo(id string) int {
	return slices.Index(r.documentOrder, id) + 1
}

// NamesEN are indicators' English names, joined for a sentence.
func (r *Report) NamesEN(ids []string) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id
		for _, g := range r.Goals {
			for _, in := range g.Indicators {
				if in.ID == id {
					names[i] = "“" + in.NameEN + "”"
				}
			}
		}
	}
	return strings.Join(names, "; ")
}
