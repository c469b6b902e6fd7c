package followup

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// FundingTable is the table spending is reported against: the plan's own
// Økonomi table, which has a column per year.
const FundingTable = "plan-oekonomi"

// RoundDue is when a year's round is due: the last day of January after
// the year (kpv's default, for the owners to confirm, like the alert
// thresholds).
func RoundDue(year int) time.Time {
	return time.Date(year+1, time.February, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)
}

// CurrentRound is the round under way at now: the year before, whose
// reports are due in January and owed until they come.
func CurrentRound(now time.Time) int {
	y := now.Year() - 1
	if y < FirstYear {
		return FirstYear
	}
	return y
}

func latest(subs []store.PlanSubmission, kind string, year int) (map[string]store.PlanSubmission, map[string]int) {
	last, n := map[string]store.PlanSubmission{}, map[string]int{}
	for _, s := range subs {
		if s.Kind != kind || s.Year != year {
			continue
		}
		n[s.Subject]++
		if p, ok := last[s.Subject]; !ok || s.ID > p.ID {
			last[s.Subject] = s
		}
	}
	return last, n
}

// latestByOrg is each organisation's latest submission of kind for year
// per subject (in the order of their ids), and the revisions per subject.
func latestByOrg(subs []store.PlanSubmission, kind string, year int) (map[string][]store.PlanSubmission, map[string]int) {
	last, n := map[string]map[string]store.PlanSubmission{}, map[string]int{}
	for _, s := range subs {
		if s.Kind != kind || s.Year != year {
			continue
		}
		n[s.Subject]++
		if last[s.Subject] == nil {
			last[s.Subject] = map[string]store.PlanSubmission{}
		}
		if p, ok := last[s.Subject][s.Org]; !ok || s.ID > p.ID {
			last[s.Subject][s.Org] = s
		}
	}
	out := map[string][]store.PlanSubmission{}
	for subject, orgs := range last {
		for _, s := range orgs {
			out[subject] = append(out[subject], s)
		}
		slices.SortFunc(out[subject], func(a, b store.PlanSubmission) int { return int(a.ID - b.ID) })
	}
	return out, n
}

// statusOrder ranks the statuses from the least to the most favourable,
// for InitiativeStatus's rule.
var statusOrder = []string{Stopped, Delayed, Changed, NotStarted, OnSchedule, Completed}

// InitiativeStatus is an initiative's status for a year from each
// organisation's latest report (reports), by this rule:
//
//  1. When a lead organisation has reported, the least favourable of the
//     lead organisations' latest reports (stopped, delayed, changed,
//     not started, on schedule, completed): one lead's "completed" does
//     not hide another's "delayed".
//  2. Otherwise, for an initiative Danske Regioner leads, when all five
//     regions have reported, the least favourable of their reports: each
//     region reports on its own part, and the whole is only as far as the
//     part furthest behind.
//  3. Otherwise no report: a report of an organisation that does not lead
//     the initiative (a region's, before all five have come; a milestone
//     owner's) is kept and shown, but does not set the status alone.
//
// report is the report the status comes from (the latest of those
// ranked equal), nil under rule 3.
func InitiativeStatus(cat *indicators.Catalogue, in *indicators.Initiative, reports []ReportView) (status string, report *ReportView) {
	pick := func(keep func(ReportView) bool) *ReportView {
		var best *ReportView
		for i := range reports {
			r := &reports[i]
			if !keep(*r) || !slices.Contains(statusOrder, r.Status) {
				continue
			}
			if best == nil || slices.Index(statusOrder, r.Status) < slices.Index(statusOrder, best.Status) ||
				(r.Status == best.Status && r.RecordedAt.After(best.RecordedAt)) {
				best = r
			}
		}
		return best
	}
	if r := pick(func(r ReportView) bool { return slices.Contains(in.Lead, r.Org) }); r != nil {
		return r.Status, r
	}
	if slices.Contains(in.Lead, "regioner") {
		isRegion := func(r ReportView) bool { o, ok := cat.Organisation(r.Org); return ok && o.Kind == "region" }
		regions, reported := 0, 0
		for _, o := range cat.Organisations {
			if o.Kind == "region" {
				regions++
				if slices.ContainsFunc(reports, func(r ReportView) bool { return r.Org == o.ID }) {
					reported++
				}
			}
		}
		if regions > 0 && reported == regions {
			if r := pick(isRegion); r != nil {
				return r.Status, r
			}
		}
	}
	return NoReport, nil
}

// Build works out the section.
func Build(in Input) *Section {
	cat := in.Catalogue
	s := &Section{Year: in.Year, At: in.At.UTC(), FocusAreas: []Area{}, Commentary: []CommentaryEntry{}, MissingCommentary: []string{}}
	byOrg, revs := latestByOrg(in.Submissions, store.KindStatus, in.Year)

	// A milestone is reached when any status report of the initiative (of
	// any year, recorded by At) says so; the earliest date given counts.
	reached := map[string]string{}
	s.reportedAt = map[string]time.Time{} // the latest status report of each initiative, any year
	for _, sub := range in.Submissions {
		if sub.Kind != store.KindStatus {
			continue
		}
		if sub.RecordedAt.After(s.reportedAt[sub.Subject]) {
			s.reportedAt[sub.Subject] = sub.RecordedAt
		}
		var r StatusReport
		if json.Unmarshal(sub.Body, &r) != nil {
			continue
		}
		for _, m := range r.MilestonesReached {
			if d, ok := reached[m.Milestone]; !ok || m.Date < d {
				reached[m.Milestone] = m.Date
			}
		}
	}

	money := buildMoney(cat, in)
	s.Money = money
	byInit := map[string]MoneyRow{}
	for _, r := range money.ByInitiative {
		byInit[r.Key] = r
	}

	counts := map[string]int{}
	for _, fa := range cat.FocusAreas {
		area := Area{ID: fa.ID, NameDA: fa.NameDA, NameEN: fa.NameEN, Initiatives: []Initiative{}}
		for _, ini := range cat.Initiatives {
			if ini.FocusArea != fa.ID {
				continue
			}
			x := Initiative{Number: ini.Number, NameDA: ini.NameDA, NameEN: ini.NameEN, Lead: ini.Lead, Status: NoReport, Milestones: []MilestoneView{}}
			subject := fmt.Sprintf("initiative:%d", ini.Number)
			x.Reports = []ReportView{}
			for _, sub := range byOrg[subject] {
				var r StatusReport
				_ = json.Unmarshal(sub.Body, &r)
				x.Reports = append(x.Reports, ReportView{StatusReport: r, Org: sub.Org, Revision: sub.Revision, Revisions: revs[subject], RecordedAt: sub.RecordedAt.UTC()})
			}
			x.Status, x.Report = InitiativeStatus(cat, &ini, x.Reports)
			x.StatusDA, x.StatusEN = StatusLabel(x.Status)
			counts[x.Status]++
			for _, m := range cat.MilestonesOf(ini.Number) {
				v := s.milestone(m, reached)
				x.Milestones = append(x.Milestones, v)
			}
			if len(x.Milestones) == 0 {
				x.MilestonesNoteDA, x.MilestonesNoteEN = indicators.NoMilestonesDA, indicators.NoMilestonesEN
			}
			x.Money = byInit[strconv.Itoa(ini.Number)]
			area.Initiatives = append(area.Initiatives, x)
		}
		s.FocusAreas = append(s.FocusAreas, area)
	}
	s.PlanMilestones = []MilestoneView{}
	for _, m := range cat.MilestonesOf(0) {
		s.PlanMilestones = append(s.PlanMilestones, s.milestone(m, reached))
	}
	for _, st := range AllStatuses {
		da, en := StatusLabel(st)
		s.StatusCount = append(s.StatusCount, Count{st, da, en, counts[st]})
	}

	// An indicator's commentary is its owner's (or the ministry's); a
	// region's on a Danske Regioner indicator is about its own region's
	// figures and is shown as that region's, never as the indicator's.
	comments := map[string]store.PlanSubmission{}
	s.RegionalCommentary = []CommentaryEntry{}
	commentsByOrg, _ := latestByOrg(in.Submissions, store.KindCommentary, in.Year)
	for _, ind := range cat.Indicators {
		subject := "indicator:" + ind.ID
		for _, sub := range commentsByOrg[subject] {
			var c Commentary
			_ = json.Unmarshal(sub.Body, &c)
			e := CommentaryEntry{Indicator: ind.ID, Commentary: c, Org: sub.Org, Revision: sub.Revision, RecordedAt: sub.RecordedAt.UTC()}
			if o, ok := cat.Organisation(sub.Org); ok && o.Kind == "region" && ind.Owner != sub.Org {
				e.Region = o.Region
				s.RegionalCommentary = append(s.RegionalCommentary, e)
				continue
			}
			if p, ok := comments[subject]; !ok || sub.ID > p.ID {
				comments[subject] = sub
			}
		}
		sub, ok := comments[subject]
		if ok {
			var c Commentary
			_ = json.Unmarshal(sub.Body, &c)
			s.Commentary = append(s.Commentary, CommentaryEntry{Indicator: ind.ID, Commentary: c, Org: sub.Org, Revision: sub.Revision, RecordedAt: sub.RecordedAt.UTC()})
		} else if in.OffTrack[ind.ID] {
			s.MissingCommentary = append(s.MissingCommentary, ind.ID)
		}
	}
	s.Round = buildRound(cat, in, money, comments)
	return s
}

func (s *Section) milestone(m *indicators.Milestone, reached map[string]string) MilestoneView {
	v := MilestoneView{Milestone: m, State: Upcoming}
	after := m.DueDate().AddDate(0, 0, 1)
	if d, ok := reached[m.ID]; ok {
		v.State, v.ReachedOn = Reached, d
	} else if !s.At.Before(after) {
		// Overdue only when the owner's status report, sent after the
		// date, does not report it reached; without one kpv does not know.
		if at, ok := s.reportedAt[fmt.Sprintf("initiative:%d", m.Initiative)]; ok && !at.Before(after) {
			v.State = Overdue
			s.OverdueMilestones++
		} else {
			v.State = NotReported
			s.NotReportedMilestones++
		}
	}
	v.StateDA, v.StateEN = stateLabel(v.State)
	return v
}

// Overdue lists the milestones overdue at the section's moment.
func (s *Section) Overdue() []MilestoneView { return s.inState(Overdue) }

// inState lists the milestones in a state at the section's moment.
func (s *Section) inState(state string) []MilestoneView {
	var out []MilestoneView
	for _, m := range s.PlanMilestones {
		if m.State == state {
			out = append(out, m)
		}
	}
	for _, a := range s.FocusAreas {
		for _, in := range a.Initiatives {
			for _, m := range in.Milestones {
				if m.State == state {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// OffTrackIn lists the indicators an assessment finds off track or
// deteriorating: their owners owe a commentary.
func OffTrackIn(snap *assess.Snapshot) map[string]bool {
	out := map[string]bool{}
	if snap == nil {
		return out
	}
	for _, a := range snap.Indicators {
		if NeedsCommentary(a.Status) {
			out[a.ID] = true
		}
	}
	return out
}

// NeedsCommentary says whether a headline status must be explained.
func NeedsCommentary(s assess.Status) bool {
	return s == assess.OffTrack || s == assess.Deterioration
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func buildMoney(cat *indicators.Catalogue, in Input) Money {
	lines, col := SpendingLines(cat, in.Year)
	m := Money{Column: col, Lines: []MoneyRow{}, ByInitiative: []MoneyRow{}, ByGoal: []MoneyRow{}, ByRecipient: []MoneyRow{}}
	for _, t := range cat.FundingTables {
		if t.ID == FundingTable {
			m.Unit = t.Unit
		}
	}
	spend, _ := latest(in.Submissions, store.KindSpending, in.Year)
	add := func(into map[string]*MoneyRow, key, da, en string, r MoneyRow) {
		a, ok := into[key]
		if !ok {
			a = &MoneyRow{Key: key, NameDA: da, NameEN: en}
			into[key] = a
		}
		a.Allocated = round3(a.Allocated + r.Allocated)
		a.Lines++
		if r.Spent != nil {
			a.Reported++
			a.Spent = sum(a.Spent, *r.Spent)
			a.Committed = sum(a.Committed, *r.Committed)
		}
	}
	inits, goals, recips := map[string]*MoneyRow{}, map[string]*MoneyRow{}, map[string]*MoneyRow{}
	total := map[string]*MoneyRow{}
	for _, l := range lines {
		r := MoneyRow{Key: l.ID, NameDA: l.NameDA, NameEN: l.NameEN, Allocated: l.Allocated, Lines: 1, Recipient: l.Recipient}
		if sub, ok := spend["funding:"+l.ID]; ok {
			var sp Spending
			_ = json.Unmarshal(sub.Body, &sp)
			r.Spent, r.Committed, r.Reported = sp.Spent, sp.Committed, 1
		}
		finish(&r)
		m.Lines = append(m.Lines, r)
		goalSet := map[int]bool{}
		for _, n := range l.Initiatives {
			if n < 1 || n > len(cat.Initiatives) {
				continue
			}
			ini := cat.Initiatives[n-1]
			add(inits, strconv.Itoa(n), ini.NameDA, ini.NameEN, r)
			for _, g := range ini.Goals {
				goalSet[g] = true
			}
		}
		for g := range goalSet {
			if goal, ok := cat.Goal(g); ok {
				add(goals, strconv.Itoa(g), goal.ShortDA, goal.ShortEN, r)
			}
		}
		if o, ok := cat.Organisation(l.Recipient); ok {
			add(recips, o.ID, o.NameDA, o.NameEN, r)
		}
		add(total, "total", "I alt", "Total", r)
	}
	flat := func(x map[string]*MoneyRow) []MoneyRow {
		out := []MoneyRow{}
		for _, r := range x {
			finish(r)
			out = append(out, *r)
		}
		sort.Slice(out, func(i, j int) bool {
			a, ea := strconv.Atoi(out[i].Key)
			b, eb := strconv.Atoi(out[j].Key)
			if ea == nil && eb == nil {
				return a < b
			}
			return out[i].Key < out[j].Key
		})
		return out
	}
	m.ByInitiative, m.ByGoal, m.ByRecipient = flat(inits), flat(goals), flat(recips)
	m.Reconciliation = Reconcile(cat, in.Year)
	if t := flat(total); len(t) == 1 {
		m.Total = t[0]
	}
	return m
}

func sum(p *float64, v float64) *float64 {
	x := v
	if p != nil {
		x += *p
	}
	x = round3(x)
	return &x
}

// finish works out unspent (allocated less spent, where any is reported)
// and whether spending exceeds the allocation.
func finish(r *MoneyRow) {
	if r.Spent == nil {
		r.Unspent = nil
		return
	}
	u := round3(r.Allocated - *r.Spent)
	r.Unspent = &u
	r.Overspent = *r.Spent > r.Allocated+1e-9
}

func buildRound(cat *indicators.Catalogue, in Input, money Money, comments map[string]store.PlanSubmission) Round {
	due := RoundDue(in.Year)
	r := Round{Year: in.Year, Due: due, PastDue: in.At.After(due)}
	byOrg := map[string]*OrgRound{}
	owe := func(org string, it Item) {
		o, ok := byOrg[org]
		if !ok {
			oc, _ := cat.Organisation(org)
			o = &OrgRound{Org: org, Items: []Item{}}
			if oc != nil {
				o.NameDA, o.NameEN = oc.NameDA, oc.NameEN
			}
			byOrg[org] = o
		}
		if it.Due.IsZero() {
			it.Due = due
		}
		it.Late = !it.Received && in.At.After(it.Due)
		o.Items = append(o.Items, it)
	}
	held := map[string]bool{}
	for _, f := range in.Figures {
		held[f.Indicator+"|"+f.Geography] = true
		held[f.Indicator+"|*"] = true
	}
	// Figures: every indicator whose figures come by submission or from a
	// yearly report table, from its owner, for periods ending in the year,
	// due when the source's release lag has passed; Danske Regioner's
	// regional ones from each region for itself (the regions see their own
	// gaps). A survey published every few years is not owed every year.
	for _, ind := range cat.Indicators {
		src, _ := cat.Source(ind.Source)
		if ind.Derived != nil || src == nil || (src.Format != "submission" && src.Format != "table") || src.Release.EveryMonths > 12 {
			continue
		}
		figDue := time.Date(in.Year+1, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, src.Release.LagMonths, 0).Add(-time.Nanosecond)
		subject := "indicator:" + ind.ID
		if ind.Owner == "regioner" && slices.Contains(ind.Breakdowns, "region") {
			for _, o := range cat.Organisations {
				if o.Region == "" {
					continue
				}
				owe(o.ID, Item{Kind: ItemFigures, Subject: subject, NameDA: ind.NameDA + " – " + o.NameDA, NameEN: ind.NameEN + " – " + o.NameEN,
					Due: figDue, Received: held[ind.ID+"|"+o.Region]})
			}
			continue
		}
		owe(ind.Owner, Item{Kind: ItemFigures, Subject: subject, NameDA: ind.NameDA, NameEN: ind.NameEN, Due: figDue, Received: held[ind.ID+"|*"]})
	}
	// Status reports: from each lead organisation of an initiative and each
	// organisation responsible for one of its milestones, each its own (a
	// region's report counts for Danske Regioner too).
	sent := map[string]bool{}
	for _, sub := range in.Submissions {
		if sub.Kind == store.KindStatus && sub.Year == in.Year {
			sent[sub.Subject+"|"+sub.Org] = true
			if o, ok := cat.Organisation(sub.Org); ok && o.Region != "" {
				sent[sub.Subject+"|regioner"] = true
			}
		}
	}
	for _, ini := range cat.Initiatives {
		subject := fmt.Sprintf("initiative:%d", ini.Number)
		orgs := slices.Clone(ini.Lead)
		for _, m := range cat.MilestonesOf(ini.Number) {
			if !slices.Contains(orgs, m.Owner) {
				orgs = append(orgs, m.Owner)
			}
		}
		for _, org := range orgs {
			if org == "other" {
				continue
			}
			owe(org, Item{Kind: ItemStatus, Subject: subject, NameDA: fmt.Sprintf("Statusrapport: initiativ %d. %s", ini.Number, ini.NameDA),
				NameEN: fmt.Sprintf("Status report: initiative %d. %s", ini.Number, ini.NameEN), Received: sent[subject+"|"+org]})
		}
	}
	for _, l := range money.Lines {
		if l.Allocated <= 0 {
			continue
		}
		owe(l.Recipient, Item{Kind: ItemSpending, Subject: "funding:" + l.Key, NameDA: "Forbrug: " + l.NameDA, NameEN: "Spending: " + l.NameEN, Received: l.Spent != nil})
	}
	for _, ind := range cat.Indicators {
		subject := "indicator:" + ind.ID
		if _, ok := comments[subject]; ok || in.OffTrack[ind.ID] {
			owe(ind.Owner, Item{Kind: ItemCommentary, Subject: subject, NameDA: "Kommentar: " + ind.NameDA, NameEN: "Commentary: " + ind.NameEN, Received: ok})
		}
	}
	for _, o := range cat.Organisations {
		x, ok := byOrg[o.ID]
		if !ok {
			continue
		}
		x.Expected = len(x.Items)
		for _, it := range x.Items {
			if it.Received {
				x.Received++
			}
			if it.Late {
				x.Late++
			}
		}
		x.Completeness = 1
		if x.Expected > 0 {
			x.Completeness = math.Round(float64(x.Received)/float64(x.Expected)*1000) / 1000
		}
		r.Expected += x.Expected
		r.Received += x.Received
		r.Organisations = append(r.Organisations, *x)
	}
	return r
}

// Missing counts an organisation's late items (past due, not received),
// per kind.
func (o OrgRound) Missing() map[string]int {
	m := map[string]int{}
	for _, it := range o.Items {
		if it.Late {
			m[it.Kind]++
		}
	}
	return m
}

// Org returns one organisation's part of the round.
func (r Round) Org(id string) (OrgRound, bool) {
	for _, o := range r.Organisations {
		if o.Org == id {
			return o, true
		}
	}
	return OrgRound{}, false
}
