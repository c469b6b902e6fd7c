package pages

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/followup"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// The pages of the plan's own follow-up (issue 16): the milestones, the
// yearly round and an initiative. The alerts' milestones_url and round_url
// and the initiatives dashboard link here. Their figures come from
// followup.Load, as the API's do, so a page and its CSV agree.

// Query parameters of the milestones page: the responsible organisation
// and the state (reached, overdue or upcoming: the API's values, so the
// CSV link carries them over unchanged).
const (
	paramOwner = "ansvarlig"
	paramState = "tilstand"
	paramOrg   = "org"
)

// MilestonesPath is the milestones page, filtered by owner and state when
// they are not empty.
func MilestonesPath(owner, state string) string {
	q := url.Values{}
	if owner != "" {
		q.Set(paramOwner, owner)
	}
	if state != "" {
		q.Set(paramState, state)
	}
	return withQuery(Prefix+"/milepaele", q)
}

// RoundPath is the round page of year (0: the round under way), for one
// organisation when org is not empty.
func RoundPath(year int, org string) string {
	p := Prefix + "/runde"
	if year != 0 {
		p += "/" + strconv.Itoa(year)
	}
	q := url.Values{}
	if org != "" {
		q.Set(paramOrg, org)
	}
	return withQuery(p, q)
}

// InitiativePath is an initiative's page.
func InitiativePath(n int) string { return Prefix + "/initiativer/" + strconv.Itoa(n) }

func withQuery(p string, q url.Values) string {
	if len(q) == 0 {
		return p
	}
	return p + "?" + q.Encode()
}

// PlanReader is what the follow-up pages read from the store
// (*store.Store is one): the same reader the API's follow-up endpoints use.
type PlanReader = followup.Reader

// section loads the follow-up for year as of now; without a store, or
// when it fails, the page says so and nil is returned.
func (p *Pages) section(w http.ResponseWriter, r *http.Request, year int) *followup.Section {
	if p.plan == nil {
		p.render(w, r, http.StatusServiceUnavailable, "error", errorView{layout: layout{TitleDA: "Ingen database", TitleEN: "No database", Year: p.now().Year()},
			DA: "Denne server kører uden database, så planens opfølgning kan ikke vises.", EN: "This server runs without a database, so the plan's follow-up cannot be shown."})
		return nil
	}
	sec, err := followup.Load(r.Context(), p.plan, p.cat, followup.OffTrackIn(p.snapshotOrNil()), year, p.now())
	if err != nil {
		p.log.Error("follow-up page: load", "path", r.URL.Path, "err", err)
		p.render(w, r, http.StatusInternalServerError, "error", errorView{layout: layout{TitleDA: "Fejl", TitleEN: "Error", Year: p.now().Year()},
			DA: "Opfølgningen kunne ikke læses; fejlen står i kpv's log.", EN: "The follow-up could not be read; the error is in kpv's log."})
		return nil
	}
	return sec
}

func (p *Pages) snapshotOrNil() *assess.Snapshot {
	if p.assess == nil {
		return nil
	}
	return p.assess.Snapshot()
}

// badRequest answers 400 with a page naming the parameter and what is
// wrong with it.
func (p *Pages) badRequest(w http.ResponseWriter, r *http.Request, param, da, en string) {
	p.render(w, r, http.StatusBadRequest, "error", errorView{layout: layout{TitleDA: "Ugyldig adresse", TitleEN: "Invalid address", Year: p.now().Year()},
		DA: "Parameteren " + strconv.Quote(param) + ": " + da, EN: "Parameter " + strconv.Quote(param) + ": " + en})
}

func (p *Pages) orgName(id string) (string, string) {
	if o, ok := p.cat.Organisation(id); ok {
		return o.NameDA, o.NameEN
	}
	return id, id
}

// filterLink is a link in a row of filters; Current marks the one shown.
type filterLink struct {
	Href, LabelDA, LabelEN string
	Current                bool
}

type milestoneRow struct {
	followup.MilestoneView
	InitiativeDA, InitiativeEN string
	OwnerDA, OwnerEN           string
	DocumentDA                 string
}

type milestonesView struct {
	layout
	Owner, State             string
	OwnerDA, OwnerEN         string
	StateDA, StateEN         string
	States, Owners           []filterLink
	Items                    []milestoneRow
	Reached, Overdue, Coming int
	NotReported              int
	CSV                      string
	RoundYear                int
}

var milestoneStates = []string{followup.Overdue, followup.NotReported, followup.Upcoming, followup.Reached}

func milestoneStateLabel(s string) (string, string) {
	switch s {
	case followup.Reached:
		return "nået", "reached"
	case followup.Overdue:
		return "overskredet", "overdue"
	case followup.NotReported:
		return "ikke rapporteret", "not reported"
	case followup.Upcoming:
		return "kommende", "upcoming"
	}
	return "alle", "all"
}

// Milestones serves the plan's milestones with their state, filtered by
// ?ansvarlig= (organisation) and ?tilstand= (reached, overdue, upcoming).
func (p *Pages) Milestones(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if k != paramOwner && k != paramState {
			p.badRequest(w, r, k, "ukendt; siden tager "+paramOwner+" og "+paramState+".", "unknown; the page takes "+paramOwner+" and "+paramState+".")
			return
		}
	}
	owner, state := q.Get(paramOwner), q.Get(paramState)
	if _, ok := p.cat.Organisation(owner); owner != "" && !ok {
		p.badRequest(w, r, paramOwner, "ukendt organisation "+strconv.Quote(owner)+".", "unknown organisation "+strconv.Quote(owner)+".")
		return
	}
	if state != "" && !slices.Contains(milestoneStates, state) {
		p.badRequest(w, r, paramState, strconv.Quote(state)+" er ikke reached, overdue, not_reported eller upcoming.", strconv.Quote(state)+" is not reached, overdue, not_reported or upcoming.")
		return
	}
	now := p.now()
	sec := p.section(w, r, followup.CurrentRound(now))
	if sec == nil {
		return
	}
	byID := map[string]followup.MilestoneView{}
	for _, m := range sec.PlanMilestones {
		byID[m.ID] = m
	}
	for _, a := range sec.FocusAreas {
		for _, in := range a.Initiatives {
			for _, m := range in.Milestones {
				byID[m.ID] = m
			}
		}
	}
	v := milestonesView{Owner: owner, State: state, RoundYear: sec.Year}
	v.OwnerDA, v.OwnerEN = p.orgName(owner)
	v.StateDA, v.StateEN = milestoneStateLabel(state)
	title := "Milepæle i Kræftplan V"
	titleEN := "Milestones of Cancer Plan V"
	if state != "" {
		title, titleEN = "Milepæle: "+v.StateDA, "Milestones: "+v.StateEN
	}
	if owner != "" {
		title += " – " + v.OwnerDA
		titleEN += " – " + v.OwnerEN
	}
	v.layout = p.pageAt(now, title, titleEN)
	owners := []string{}
	for i := range p.cat.Milestones {
		m := &p.cat.Milestones[i]
		if !slices.Contains(owners, m.Owner) {
			owners = append(owners, m.Owner)
		}
		mv := byID[m.ID]
		if mv.Milestone == nil { // not in the section: a milestone of no initiative the plan lists
			continue
		}
		if (owner != "" && m.Owner != owner) || (state != "" && mv.State != state) {
			continue
		}
		row := milestoneRow{MilestoneView: mv}
		if m.Initiative == 0 {
			row.InitiativeDA, row.InitiativeEN = "Planen som helhed", "The plan as a whole"
		} else if m.Initiative <= len(p.cat.Initiatives) {
			in := p.cat.Initiatives[m.Initiative-1]
			row.InitiativeDA, row.InitiativeEN = in.NameDA, in.NameEN
		}
		row.OwnerDA, row.OwnerEN = p.orgName(m.Owner)
		row.DocumentDA = p.documentTitle(m.Source.Document)
		switch mv.State {
		case followup.Reached:
			v.Reached++
		case followup.Overdue:
			v.Overdue++
		case followup.NotReported:
			v.NotReported++
		default:
			v.Coming++
		}
		v.Items = append(v.Items, row)
	}
	for _, s := range append([]string{""}, milestoneStates...) {
		da, en := milestoneStateLabel(s)
		v.States = append(v.States, filterLink{Href: MilestonesPath(owner, s), LabelDA: da, LabelEN: en, Current: s == state})
	}
	v.Owners = append(v.Owners, filterLink{Href: MilestonesPath("", state), LabelDA: "alle", LabelEN: "all", Current: owner == ""})
	for _, o := range p.cat.Organisations {
		if slices.Contains(owners, o.ID) {
			v.Owners = append(v.Owners, filterLink{Href: MilestonesPath(o.ID, state), LabelDA: o.NameDA, LabelEN: o.NameEN, Current: o.ID == owner})
		}
	}
	csv := url.Values{"format": {"csv"}}
	if owner != "" {
		csv.Set("owner", owner)
	}
	if state != "" {
		csv.Set("state", state)
	}
	v.CSV = "/api/v1/milestones?" + csv.Encode()
	p.render(w, r, http.StatusOK, "milestones", v)
}

func (p *Pages) documentTitle(id string) string {
	for _, d := range p.cat.Documents {
		if d.ID == id {
			return d.TitleDA
		}
	}
	return id
}

// pageAt is a page's frame without an assessment time: the follow-up
// pages are read from the store as of now.
func (p *Pages) pageAt(now time.Time, da, en string, crumbs ...crumb) layout {
	return layout{TitleDA: da, TitleEN: en, Crumbs: crumbs, Year: now.Year()}
}

// submitHow is how an item of the round is submitted: the endpoint and
// the token it takes.
type submitHow struct {
	Method, Path string
}

func howToSubmit(it followup.Item) submitHow {
	key := it.Subject[strings.IndexByte(it.Subject, ':')+1:]
	switch it.Kind {
	case followup.ItemFigures:
		return submitHow{"POST", "/api/v1/indicators/" + key + "/observations"}
	case followup.ItemStatus:
		return submitHow{"POST", "/api/v1/initiatives/" + key + "/status-reports"}
	case followup.ItemSpending:
		return submitHow{"POST", "/api/v1/funding/" + key + "/spending"}
	case followup.ItemCommentary:
		return submitHow{"POST", "/api/v1/indicators/" + key + "/commentary"}
	}
	return submitHow{}
}

type itemRow struct {
	followup.Item
	StateDA, StateEN string
	StateClass       string
	How              submitHow
	// Link is the page of what the item is about (an indicator or an
	// initiative), when kpv has one.
	Link string
}

type orgRoundView struct {
	followup.OrgRound
	Page    string
	Percent string
	Items   []itemRow
	Open    int // not received (late or not yet due)
}

type roundView struct {
	layout
	Round     followup.Round
	Org       string
	OneOrg    bool
	Orgs      []orgRoundView
	CSV       string
	Years     []filterLink
	Role      string
	Current   bool
	Overdue   int
	Milestone string
}

// Round serves a year's round (/sider/runde: the round under way;
// /sider/runde/{year}), for one organisation with ?org=.
func (p *Pages) Round(w http.ResponseWriter, r *http.Request) {
	now := p.now()
	year, current := followup.CurrentRound(now), true
	if y := chi.URLParam(r, "year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < followup.FirstYear || n > now.Year() {
			p.NotFound(w, r, fmt.Sprintf("Der er ingen runde for %q; planens år er %d–%d.", y, followup.FirstYear, now.Year()),
				fmt.Sprintf("No round for %q; the plan's years are %d–%d.", y, followup.FirstYear, now.Year()))
			return
		}
		year, current = n, n == followup.CurrentRound(now)
	}
	q := r.URL.Query()
	for k := range q {
		if k != paramOrg {
			p.badRequest(w, r, k, "ukendt; siden tager "+paramOrg+".", "unknown; the page takes "+paramOrg+".")
			return
		}
	}
	org := q.Get(paramOrg)
	if _, ok := p.cat.Organisation(org); org != "" && !ok {
		p.badRequest(w, r, paramOrg, "ukendt organisation "+strconv.Quote(org)+".", "unknown organisation "+strconv.Quote(org)+".")
		return
	}
	sec := p.section(w, r, year)
	if sec == nil {
		return
	}
	rd := sec.Round
	v := roundView{Round: rd, Org: org, OneOrg: org != "", Role: store.RoleSubmitter, Current: current, Overdue: sec.OverdueMilestones}
	title, titleEN := fmt.Sprintf("Årets indberetning %d", year), fmt.Sprintf("The yearly round %d", year)
	var crumbs []crumb
	if org != "" {
		da, en := p.orgName(org)
		title, titleEN = title+" – "+da, titleEN+" – "+en
		crumbs = append(crumbs, crumb{RoundPath(year, ""), fmt.Sprintf("Runde %d / round %d", year, year)})
		o, ok := rd.Org(org)
		if !ok { // nothing owed by this organisation this year
			o = followup.OrgRound{Org: org, NameDA: da, NameEN: en, Completeness: 1}
		}
		v.Round.Organisations = []followup.OrgRound{o}
		v.Round.Expected, v.Round.Received = o.Expected, o.Received
		v.Milestone = MilestonesPath(org, followup.Overdue)
	} else {
		v.Milestone = MilestonesPath("", followup.Overdue)
	}
	v.layout = p.pageAt(now, title, titleEN, crumbs...)
	for _, o := range v.Round.Organisations {
		ov := orgRoundView{OrgRound: o, Page: RoundPath(year, o.Org), Percent: strconv.FormatFloat(o.Completeness*100, 'f', 0, 64) + " %"}
		for _, it := range o.Items {
			if !it.Received {
				ov.Open++
			}
			if org == "" && it.Received { // the overview lists only what is still owed
				continue
			}
			row := itemRow{Item: it, How: howToSubmit(it), Link: p.subjectPage(it.Subject)}
			switch {
			case it.Received:
				row.StateDA, row.StateEN, row.StateClass = "Modtaget", "Received", "received"
			case it.Late:
				row.StateDA, row.StateEN, row.StateClass = "For sent", "Late", "late"
			default:
				row.StateDA, row.StateEN, row.StateClass = "Afventer", "Not yet due", "pending"
			}
			ov.Items = append(ov.Items, row)
		}
		// Late items first: they are what the alert is about.
		slices.SortStableFunc(ov.Items, func(a, b itemRow) int {
			rank := func(x itemRow) int {
				switch {
				case x.Late:
					return 0
				case !x.Received:
					return 1
				}
				return 2
			}
			return rank(a) - rank(b)
		})
		v.Orgs = append(v.Orgs, ov)
	}
	csv := url.Values{"format": {"csv"}}
	if org != "" {
		csv.Set("org", org)
	}
	v.CSV = fmt.Sprintf("/api/v1/rounds/%d?%s", year, csv.Encode())
	for y := followup.FirstYear; y <= followup.CurrentRound(now); y++ {
		v.Years = append(v.Years, filterLink{Href: RoundPath(y, org), LabelDA: strconv.Itoa(y), LabelEN: strconv.Itoa(y), Current: y == year})
	}
	p.render(w, r, http.StatusOK, "round", v)
}

// subjectPage is the page of a round item's subject.
func (p *Pages) subjectPage(subject string) string {
	kind, key, _ := strings.Cut(subject, ":")
	switch kind {
	case "indicator":
		if _, ok := p.cat.Indicator(key); ok {
			return IndicatorPath(key)
		}
	case "initiative":
		if n, err := strconv.Atoi(key); err == nil {
			return InitiativePath(n)
		}
	}
	return ""
}

type initiativeView struct {
	layout
	Def      *indicators.Initiative
	Goals    []indicators.Goal
	Lead     []filterLink
	FollowUp followup.Initiative
	Year     int
	Lines    []followup.MoneyRow
	Unit     string
	Column   string
	History  string
	Submit   string
	Role     string
	// Docs are the cited documents' Danish titles by id.
	Docs map[string]string
	// Measures are the indicators that measure the initiative: those the
	// catalogue ties to it, else those of the goals it serves.
	Measures []*indicators.Indicator
	// Direct is true when the catalogue ties them to the initiative.
	Direct bool
}

// Initiative serves an initiative's page: its status for the round under
// way (the latest status report, or none), milestones, money and narrative.
func (p *Pages) Initiative(w http.ResponseWriter, r *http.Request) {
	raw := chi.URLParam(r, "n")
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > len(p.cat.Initiatives) || strconv.Itoa(n) != raw {
		p.NotFound(w, r, fmt.Sprintf("Initiativet %q findes ikke; planens initiativer er nummereret 1–%d.", raw, len(p.cat.Initiatives)),
			fmt.Sprintf("No initiative %q; the plan's initiatives are numbered 1–%d.", raw, len(p.cat.Initiatives)))
		return
	}
	def := &p.cat.Initiatives[n-1]
	now := p.now()
	sec := p.section(w, r, followup.CurrentRound(now))
	if sec == nil {
		return
	}
	v := initiativeView{Def: def, Year: sec.Year, Unit: sec.Money.Unit, Column: sec.Money.Column, Role: store.RoleSubmitter,
		History: fmt.Sprintf("/api/v1/initiatives/%d/status-reports?format=csv", n),
		Submit:  fmt.Sprintf("/api/v1/initiatives/%d/status-reports", n), Docs: map[string]string{}}
	for _, d := range p.cat.Documents {
		v.Docs[d.ID] = d.TitleDA
	}
	var crumbs []crumb
	for _, g := range def.Goals {
		if goal, ok := p.cat.Goal(g); ok {
			v.Goals = append(v.Goals, *goal)
			crumbs = append(crumbs, crumb{GoalPath(g), fmt.Sprintf("Mål %d / Goal %d", g, g)})
		}
	}
	v.layout = p.pageAt(now, fmt.Sprintf("Initiativ %d: %s", n, def.NameDA), fmt.Sprintf("Initiative %d: %s", n, def.NameEN), crumbs...)
	for _, org := range def.Lead {
		da, en := p.orgName(org)
		v.Lead = append(v.Lead, filterLink{Href: RoundPath(0, org), LabelDA: da, LabelEN: en})
	}
	for _, a := range sec.FocusAreas {
		for _, x := range a.Initiatives {
			if x.Number == n {
				v.FollowUp = x
			}
		}
	}
	lines, _ := followup.SpendingLines(p.cat, sec.Year)
	byKey := map[string]followup.MoneyRow{}
	for _, l := range sec.Money.Lines {
		byKey[l.Key] = l
	}
	for _, l := range lines {
		if slices.Contains(l.Initiatives, n) {
			v.Lines = append(v.Lines, byKey[l.ID])
		}
	}
	v.Measures, v.Direct = measuring(p.cat, def)
	p.render(w, r, http.StatusOK, "initiative", v)
}

// measuring are the indicators that measure an initiative: those the
// catalogue ties to it (an indicator's initiatives), else those of the
// goals it serves; direct says which.
func measuring(cat *indicators.Catalogue, in *indicators.Initiative) (out []*indicators.Indicator, direct bool) {
	for i := range cat.Indicators {
		if slices.Contains(cat.Indicators[i].Initiatives, in.Number) {
			out = append(out, &cat.Indicators[i])
		}
	}
	if len(out) > 0 {
		return out, true
	}
	for _, g := range in.Goals {
		out = append(out, cat.IndicatorsOfGoal(g)...)
	}
	return out, false
}

// initiativesOf are the initiatives an indicator measures: those the
// catalogue ties to it, else those serving its goal.
func initiativesOf(cat *indicators.Catalogue, def *indicators.Indicator) (out []indicators.Initiative, direct bool) {
	for _, in := range cat.Initiatives {
		if slices.Contains(def.Initiatives, in.Number) {
			out = append(out, in)
		}
	}
	if len(out) > 0 {
		return out, true
	}
	for _, in := range cat.InitiativesOfGoal(def.Goal) {
		out = append(out, *in)
	}
	return out, false
}
