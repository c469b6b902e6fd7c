package indicators

import (
	"fmt"
	"slices"
	"time"
)

// Milestone kinds: a piece of work to have begun by Due ("påbegyndes i
// 2025", "fra 2027"), to be done by Due ("i 2025", "færdigt i 2027"), or a
// rule in force on Due ("træder i kraft den 1. juli 2025").
const (
	MilestoneStart   = "start"
	MilestoneDone    = "done"
	MilestoneInForce = "in_force"
)

// MilestoneKinds lists the kinds, for validation and the API.
var MilestoneKinds = []string{MilestoneStart, MilestoneDone, MilestoneInForce}

// Milestone is a dated commitment the plan or the 2025 agreement states for
// an initiative, cited to its section with the document's own words.
//
// Due is the last day of the period the document names: "i 2025" is
// 2025-12-31, "i efteråret 2025" 2025-11-30 (the end of the Danish autumn),
// "fra 2027" 2027-01-01; WhenDA keeps the document's wording, so the date
// can be checked against it. A milestone not reported reached by Due is
// overdue.
type Milestone struct {
	ID string `yaml:"id" json:"id"`
	// Initiative is the initiative's number; 0 is the plan as a whole
	// (the agreement on the funds from 2026).
	Initiative int    `yaml:"initiative" json:"initiative"`
	Kind       string `yaml:"kind" json:"kind"`
	Due        string `yaml:"due" json:"due"`
	WhenDA     string `yaml:"when_da" json:"when_da"`
	WhenEN     string `yaml:"when_en" json:"when_en"`
	NameDA     string `yaml:"name_da" json:"name_da"`
	NameEN     string `yaml:"name_en" json:"name_en"`
	// Owner is the organisation that reports the milestone reached and is
	// alerted when it is overdue.
	Owner string `yaml:"owner" json:"owner"`
	// Quote is the document's sentence the milestone rests on, verbatim
	// (a test finds it in the document's text).
	Quote  string   `yaml:"quote" json:"quote"`
	Source Citation `yaml:"source" json:"source"`
	Line   int      `yaml:"-" json:"-"`
}

// DueDate is Due as a date (validated on load).
func (m *Milestone) DueDate() time.Time {
	t, _ := time.Parse(time.DateOnly, m.Due)
	return t
}

// Milestone returns the milestone with id.
func (c *Catalogue) Milestone(id string) (*Milestone, bool) {
	for i := range c.Milestones {
		if c.Milestones[i].ID == id {
			return &c.Milestones[i], true
		}
	}
	return nil, false
}

// MilestonesOf returns initiative n's milestones in date order (0: the
// plan's own).
func (c *Catalogue) MilestonesOf(n int) []*Milestone {
	var out []*Milestone
	for i := range c.Milestones {
		if c.Milestones[i].Initiative == n {
			out = append(out, &c.Milestones[i])
		}
	}
	slices.SortStableFunc(out, func(a, b *Milestone) int { return compareStrings(a.Due, b.Due) })
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// NoMilestonesDA and NoMilestonesEN are what an initiative without a dated
// milestone says: the documents give no date for it.
const (
	NoMilestonesDA = "Kræftplan V og aftalen om udmøntning af midlerne i 2025 angiver ingen dato for dette initiativ."
	NoMilestonesEN = "Cancer Plan V and the agreement on the 2025 funds give no date for this initiative."
)

// validateMilestones checks the milestones: known initiative and owner,
// a real date, a kind, both languages, the document's words and a citation.
func (c *Catalogue) validateMilestones(p *problems, cite func(int, string, *Citation)) {
	seen := map[string]bool{}
	for _, m := range c.Milestones {
		what := fmt.Sprintf("milestone %q", m.ID)
		if m.ID == "" || seen[m.ID] {
			p.add(m.Line, "milestone id %q is empty or duplicated", m.ID)
		}
		seen[m.ID] = true
		if m.Initiative < 0 || m.Initiative > len(c.Initiatives) {
			p.add(m.Line, "%s: unknown initiative %d (0 is the plan as a whole, 1–%d the initiatives)", what, m.Initiative, len(c.Initiatives))
		}
		if !slices.Contains(MilestoneKinds, m.Kind) {
			p.add(m.Line, "%s: kind %q is not one of %v", what, m.Kind, MilestoneKinds)
		}
		if _, err := time.Parse(time.DateOnly, m.Due); err != nil {
			p.add(m.Line, "%s: due %q is not a date (YYYY-MM-DD)", what, m.Due)
		}
		if m.NameDA == "" || m.NameEN == "" || m.WhenDA == "" || m.WhenEN == "" {
			p.add(m.Line, "%s needs name_da, name_en, when_da and when_en", what)
		}
		if _, ok := c.Organisation(m.Owner); !ok {
			p.add(m.Line, "%s: unknown owner %q", what, m.Owner)
		}
		if m.Quote == "" {
			p.add(m.Line, "%s has no quote: give the document's own words for the date", what)
		}
		cite(m.Line, what, &m.Source)
	}
}
