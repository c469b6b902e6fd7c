package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kraeftplan/kpv/followup"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// The plan's own follow-up (issue 16): milestones from the documents,
// status reports, spending and commentary submitted by the organisations,
// the yearly round, and approved report versions.
const (
	actionStatus       = "status.submit"
	actionSpending     = "spending.submit"
	actionCommentary   = "commentary.submit"
	actionApprove      = "report.approve"
	problemInvalidBody = "/problems/invalid-body"
)

// planRoutes adds the follow-up's endpoints to the /api/v1 router.
func (s *Server) planRoutes(r chi.Router) {
	r.Get("/milestones", s.handle(s.listMilestones))
	r.Get("/initiatives/{n}/follow-up", s.handle(s.initiativeFollowUp))
	r.Get("/initiatives/{n}/status-reports", s.handle(s.statusReports))
	r.Get("/spending", s.handle(s.spending))
	r.Get("/commentary", s.handle(s.commentary))
	r.Get("/rounds/{year}", s.handle(s.round))
	r.Get("/reports/{year}/versions", s.handle(s.reportVersions))
	r.Get("/reports/{year}/versions/{version}", s.handle(s.reportVersion))
	submit := s.requireToken
	r.With(submit(actionStatus, pathTarget("initiative:", "n"), store.RoleSubmitter, store.RoleAdmin)).
		Post("/initiatives/{n}/status-reports", s.submitPlan(store.KindStatus))
	r.With(submit(actionSpending, pathTarget("funding:", "line"), store.RoleSubmitter, store.RoleAdmin)).
		Post("/funding/{line}/spending", s.submitPlan(store.KindSpending))
	r.With(submit(actionCommentary, pathTarget("indicator:", "id"), store.RoleSubmitter, store.RoleAdmin)).
		Post("/indicators/{id}/commentary", s.submitPlan(store.KindCommentary))
	r.With(submit(actionApprove, pathTarget("report:", "year"), store.RoleAdmin)).
		Post("/reports/{year}/approve", s.approveReport)
}

// section is the follow-up for year as of at. Asked as of a past moment
// (as_of), it is built once that moment has settled (settle), so it does
// not change after it was served.
func (s *Server) section(w http.ResponseWriter, r *http.Request, p *params, year int, at time.Time) (*followup.Section, error) {
	if p.get("as_of") != "" {
		if err := s.settle(w, r, at); err != nil {
			return nil, err
		}
	}
	return followup.Load(r.Context(), s.store, s.cat, followup.OffTrackIn(s.snapshot()), year, at)
}

// listMilestones lists every milestone with its state (reached, overdue,
// upcoming) as of as_of; filters initiative, owner, state; format=csv.
func (s *Server) listMilestones(w http.ResponseWriter, r *http.Request) error {
	p := queryParams(r, "initiative", "owner", "state", "as_of", "format")
	at := p.asOf(p.now)
	ini, hasIni := p.int("initiative")
	if hasIni && (ini < 0 || ini > len(s.cat.Initiatives)) {
		p.add("initiative", fmt.Sprintf("no initiative %d (0 is the plan as a whole, 1–%d)", ini, len(s.cat.Initiatives)))
	}
	state := p.get("state")
	if state != "" && !slices.Contains([]string{followup.Reached, followup.Overdue, followup.NotReported, followup.Upcoming}, state) {
		p.add("state", "unknown state "+strconv.Quote(state)+"; reached, overdue, not_reported or upcoming")
	}
	owner := p.get("owner")
	if _, ok := s.cat.Organisation(owner); owner != "" && !ok {
		p.add("owner", "unknown organisation "+strconv.Quote(owner))
	}
	format := p.format()
	if err := p.err(); err != nil {
		return err
	}
	sec, err := s.section(w, r, p, followup.CurrentRound(at), at)
	if err != nil {
		return err
	}
	reached := map[string]followup.MilestoneView{}
	for _, m := range sec.PlanMilestones {
		reached[m.ID] = m
	}
	for _, a := range sec.FocusAreas {
		for _, in := range a.Initiatives {
			for _, m := range in.Milestones {
				reached[m.ID] = m
			}
		}
	}
	items := []followup.MilestoneView{}
	for i := range s.cat.Milestones {
		m := &s.cat.Milestones[i]
		v := reached[m.ID]
		if (hasIni && m.Initiative != ini) || (owner != "" && m.Owner != owner) || (state != "" && v.State != state) {
			continue
		}
		items = append(items, v)
	}
	return respond(w, r, format, withAsOf(p.q, at, map[string]any{"count": len(items), "items": items}), table{"kpv-milestones.csv",
		[]string{"id", "initiative", "kind", "due", "when_da", "when_en", "name_da", "name_en", "owner", "state", "reached_on", "document", "section", "quote"},
		func(add func(...string)) {
			for _, v := range items {
				add(v.ID, strconv.Itoa(v.Initiative), v.Kind, v.Due, v.WhenDA, v.WhenEN, v.NameDA, v.NameEN, v.Owner, v.State, v.ReachedOn,
					v.Source.Document, v.Source.Section, v.Quote)
			}
		}})
}

func (s *Server) initiativeParam(r *http.Request) (*indicators.Initiative, error) {
	n, err := strconv.Atoi(chi.URLParam(r, "n"))
	if err != nil || n < 1 || n > len(s.cat.Initiatives) {
		return nil, errNotFound(fmt.Sprintf("no initiative %q; they are numbered 1–%d as in the plan", chi.URLParam(r, "n"), len(s.cat.Initiatives)))
	}
	return &s.cat.Initiatives[n-1], nil
}

// initiativeFollowUp is one initiative for a year: status, the latest
// report, milestones, money.
func (s *Server) initiativeFollowUp(w http.ResponseWriter, r *http.Request) error {
	p := queryParams(r, "year", "as_of")
	year, at := p.planYear(), p.asOf(p.now)
	if err := p.err(); err != nil {
		return err
	}
	in, err := s.initiativeParam(r)
	if err != nil {
		return err
	}
	sec, err := s.section(w, r, p, year, at)
	if err != nil {
		return err
	}
	for _, a := range sec.FocusAreas {
		for _, x := range a.Initiatives {
			if x.Number == in.Number {
				writeJSON(w, r, withAsOf(p.q, at, map[string]any{"year": year, "initiative": x}))
				return nil
			}
		}
	}
	return errNotFound(fmt.Sprintf("initiative %d is in no focus area", in.Number))
}

// statusReports is an initiative's reports: every revision (history,
// oldest first) and the latest per year; year narrows to one year.
func (s *Server) statusReports(w http.ResponseWriter, r *http.Request) error {
	p := queryParams(r, "year", "as_of", "format")
	year, _ := p.int("year")
	at := p.asOf(p.now)
	format := p.format()
	if err := p.err(); err != nil {
		return err
	}
	in, err := s.initiativeParam(r)
	if err != nil {
		return err
	}
	if p.get("as_of") != "" {
		if err := s.settle(w, r, at); err != nil {
			return err
		}
	}
	subs, err := s.store.PlanSubmissions(r.Context(), store.PlanFilter{Kind: store.KindStatus, Subject: fmt.Sprintf("initiative:%d", in.Number), Year: year, AsOf: at})
	if err != nil {
		return err
	}
	type rev struct {
		store.PlanSubmission
		Report followup.StatusReport `json:"report"`
	}
	// latest is each organisation's latest report per year: a region's
	// report on a Danske Regioner-led initiative does not replace
	// another's.
	history := []rev{}
	type yearOrg struct {
		year int
		org  string
	}
	latest := map[yearOrg]int{}
	for _, sub := range subs {
		x := rev{PlanSubmission: sub}
		_ = json.Unmarshal(sub.Body, &x.Report)
		x.Body = nil
		history = append(history, x)
		latest[yearOrg{sub.Year, sub.Org}] = len(history) - 1
	}
	years := []rev{}
	for i, h := range history {
		if latest[yearOrg{h.Year, h.Org}] == i {
			years = append(years, h)
		}
	}
	slices.SortStableFunc(years, func(a, b rev) int { return a.Year - b.Year })
	return respond(w, r, format, withAsOf(p.q, at, map[string]any{"initiative": in.Number, "latest": years, "history": history}), table{
		fmt.Sprintf("kpv-status-reports-%d.csv", in.Number), []string{"initiative", "year", "revision", "recorded_at", "org", "status",
			"milestones_reached", "narrative_da", "narrative_en", "next_steps_da", "next_steps_en", "risks_da", "risks_en"},
		func(add func(...string)) {
			for _, h := range history {
				var ms []string
				for _, m := range h.Report.MilestonesReached {
					ms = append(ms, m.Milestone+"@"+m.Date)
				}
				add(strconv.Itoa(in.Number), strconv.Itoa(h.Year), strconv.Itoa(h.Revision), h.RecordedAt.UTC().Format(time.RFC3339Nano), h.Org,
					h.Report.Status, strings.Join(ms, " "), h.Report.NarrativeDA, h.Report.NarrativeEN, h.Report.NextStepsDA, h.Report.NextStepsEN,
					h.Report.RisksDA, h.Report.RisksEN)
			}
		}})
}

// spending is the year's money: allocated, spent, committed and unspent
// per line, initiative, goal and recipient (by=…; format=csv for one of
// them).
func (s *Server) spending(w http.ResponseWriter, r *http.Request) error {
	p := queryParams(r, "year", "as_of", "by", "format")
	year, at := p.planYear(), p.asOf(p.now)
	by := p.get("by")
	if by == "" {
		by = "line"
	}
	if !slices.Contains([]string{"line", "initiative", "goal", "recipient"}, by) {
		p.add("by", "unknown grouping "+strconv.Quote(by)+"; line, initiative, goal or recipient")
	}
	format := p.format()
	if err := p.err(); err != nil {
		return err
	}
	sec, err := s.section(w, r, p, year, at)
	if err != nil {
		return err
	}
	m := sec.Money
	var missing []string
	for _, l := range m.Lines {
		if l.Spent == nil && l.Allocated > 0 {
			missing = append(missing, l.Key)
		}
	}
	rows := map[string][]followup.MoneyRow{"line": m.Lines, "initiative": m.ByInitiative, "goal": m.ByGoal, "recipient": m.ByRecipient}[by]
	return respond(w, r, format, withAsOf(p.q, at, map[string]any{"year": year, "money": m, "unreported_lines": nonNil(missing),
		"round_due": followup.RoundDue(year), "past_due": at.After(followup.RoundDue(year))}), table{
		fmt.Sprintf("kpv-spending-%d-by-%s.csv", year, by), []string{"year", "column", by, "name_da", "name_en", "recipient",
			"allocated_mdkk", "spent_mdkk", "committed_mdkk", "unspent_mdkk", "overspent", "lines", "reported"},
		func(add func(...string)) {
			for _, x := range append(slices.Clip(rows), m.Total) {
				add(strconv.Itoa(year), m.Column, x.Key, x.NameDA, x.NameEN, x.Recipient, num(&x.Allocated), num(x.Spent), num(x.Committed), num(x.Unspent),
					strconv.FormatBool(x.Overspent), strconv.Itoa(x.Lines), strconv.Itoa(x.Reported))
			}
		}})
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// commentary is the year's latest commentary per indicator, and the
// indicators off track or deteriorating without one.
func (s *Server) commentary(w http.ResponseWriter, r *http.Request) error {
	p := queryParams(r, "year", "as_of", "format")
	year, at := p.planYear(), p.asOf(p.now)
	format := p.format()
	if err := p.err(); err != nil {
		return err
	}
	sec, err := s.section(w, r, p, year, at)
	if err != nil {
		return err
	}
	return respond(w, r, format, withAsOf(p.q, at, map[string]any{"year": year, "commentary": sec.Commentary, "missing_commentary": sec.MissingCommentary,
		"regional_commentary": sec.RegionalCommentary}), table{
		fmt.Sprintf("kpv-commentary-%d.csv", year), []string{"year", "indicator", "org", "revision", "recorded_at", "why_da", "why_en",
			"actions_da", "actions_en", "by", "by_when", "region"},
		func(add func(...string)) {
			for _, c := range append(slices.Clip(sec.Commentary), sec.RegionalCommentary...) {
				add(strconv.Itoa(year), c.Indicator, c.Org, strconv.Itoa(c.Revision), c.RecordedAt.Format(time.RFC3339Nano), c.WhyDA, c.WhyEN,
					c.ActionsDA, c.ActionsEN, c.By, c.ByWhen, c.Region)
			}
		}})
}

// round is what the year's round expects from whom, with completeness per
// organisation; org narrows to one (a region sees its own gaps).
func (s *Server) round(w http.ResponseWriter, r *http.Request) error {
	p := queryParams(r, "org", "as_of", "format")
	year, err := strconv.Atoi(chi.URLParam(r, "year"))
	now := p.now
	if chi.URLParam(r, "year") == "current" { // the alerts link here
		year, err = followup.CurrentRound(now), nil
	}
	if err != nil || year < followup.FirstYear || year > now.Year() {
		p.add("year", fmt.Sprintf("%q is not a year of the plan (%d–%d)", chi.URLParam(r, "year"), followup.FirstYear, now.Year()))
	}
	at := p.asOf(now)
	org := p.get("org")
	if _, ok := s.cat.Organisation(org); org != "" && !ok {
		p.add("org", "unknown organisation "+strconv.Quote(org))
	}
	format := p.format()
	if err := p.err(); err != nil {
		return err
	}
	sec, err := s.section(w, r, p, year, at)
	if err != nil {
		return err
	}
	rd := sec.Round
	if org != "" {
		o, _ := rd.Org(org)
		if o.Org == "" {
			o = followup.OrgRound{Org: org, Items: []followup.Item{}, Completeness: 1}
		}
		rd.Organisations = []followup.OrgRound{o}
		rd.Expected, rd.Received = o.Expected, o.Received
	}
	status := map[string]int{}
	for _, c := range sec.StatusCount {
		status[c.Status] = c.N
	}
	return respond(w, r, format, withAsOf(p.q, at, map[string]any{"year": year, "round": rd, "initiatives_by_status": status,
		"overdue_milestones": sec.OverdueMilestones}), table{
		fmt.Sprintf("kpv-round-%d.csv", year), []string{"year", "due", "org", "kind", "subject", "name_da", "name_en", "received"},
		func(add func(...string)) {
			for _, o := range rd.Organisations {
				for _, it := range o.Items {
					add(strconv.Itoa(year), rd.Due.Format(time.DateOnly), o.Org, it.Kind, it.Subject, it.NameDA, it.NameEN, strconv.FormatBool(it.Received))
				}
			}
		}})
}

// planScope says why p may not write subject, or "".
func (s *Server) planScope(p *Principal, kind, key string) (string, bool) {
	if p.Role == store.RoleAdmin {
		return "", true
	}
	switch kind {
	case store.KindStatus:
		n, _ := strconv.Atoi(key)
		in := &s.cat.Initiatives[n-1]
		if slices.Contains(in.Lead, p.Org) || (p.Region != "" && slices.Contains(in.Lead, regionsOrg)) {
			return "", true
		}
		for _, m := range s.cat.MilestonesOf(n) {
			if m.Owner == p.Org {
				return "", true
			}
		}
		return fmt.Sprintf("initiative %d is led by %s; a token of %s may report only on initiatives its organisation leads or has a milestone in", n, strings.Join(in.Lead, ", "), p.Org), false
	case store.KindSpending:
		lines, _ := followup.SpendingLines(s.cat, followup.FirstYear)
		for _, l := range lines {
			if l.ID == key && l.Recipient != p.Org {
				return fmt.Sprintf("funding line %s is reported by its recipient %s, not %s", key, l.Recipient, p.Org), false
			}
		}
		return "", true
	case store.KindCommentary:
		in, _ := s.cat.Indicator(key)
		if why := scopeError(p, in); why != "" {
			return why, false
		}
	}
	return "", true
}

// milestoneScope says why p may not report x's milestones reached, or "":
// a milestone is marked reached by its responsible organisation, or by the
// ministry (or an admin), not by whoever reports on the initiative.
func (s *Server) milestoneScope(p *Principal, x followup.StatusReport) string {
	if p.Role == store.RoleAdmin {
		return ""
	}
	if o, ok := s.cat.Organisation(p.Org); ok && o.Kind == "ministry" {
		return ""
	}
	var others []string
	for _, rm := range x.MilestonesReached {
		if m, ok := s.cat.Milestone(rm.Milestone); ok && m.Owner != p.Org {
			others = append(others, m.ID+" ("+m.Owner+")")
		}
	}
	if len(others) == 0 {
		return ""
	}
	return fmt.Sprintf("a token of %s may report reached only the milestones %s is responsible for; not %s", p.Org, p.Org, strings.Join(others, ", "))
}

// submitPlan takes a status report, a spending report or a commentary:
// checked whole, stored as a new revision with its audit entry in one
// transaction, or refused (scope) or rejected (bad input) with nothing
// written and the refusal audited.
func (s *Server) submitPlan(kind string) http.HandlerFunc {
	action := map[string]string{store.KindStatus: actionStatus, store.KindSpending: actionSpending, store.KindCommentary: actionCommentary}[kind]
	return func(w http.ResponseWriter, r *http.Request) {
		p := principalOf(r)
		now := time.Now()
		var key, subject string
		switch kind {
		case store.KindStatus:
			key = chi.URLParam(r, "n")
			subject = "initiative:" + key
		case store.KindSpending:
			key = chi.URLParam(r, "line")
			subject = "funding:" + key
		case store.KindCommentary:
			key = chi.URLParam(r, "id")
			subject = "indicator:" + key
		}
		detail := map[string]any{}
		reject := func(status int, outcome string, prob Problem) {
			prob.Status = status
			detail["problem"] = prob.Detail
			if prob.Errors != nil {
				detail["errors"] = prob.Errors
				if prob.ErrorsTotal > 0 {
					detail["errors_total"], detail["error_kinds"] = prob.ErrorsTotal, prob.ErrorKinds
				}
			}
			s.audit(r, p, action, subject, outcome, status, nil, detail)
			writeProblem(w, r, prob)
		}
		// The subject must exist.
		switch kind {
		case store.KindStatus:
			if n, err := strconv.Atoi(key); err != nil || n < 1 || n > len(s.cat.Initiatives) || strconv.Itoa(n) != key {
				reject(http.StatusNotFound, store.AuditRejected, Problem{Type: problemNotFound, Title: "Not found",
					Detail: fmt.Sprintf("no initiative %q; they are numbered 1–%d as in the plan", key, len(s.cat.Initiatives))})
				return
			}
		case store.KindSpending:
			lines, _ := followup.SpendingLines(s.cat, followup.FirstYear)
			if !slices.ContainsFunc(lines, func(l followup.SpendingLine) bool { return l.ID == key }) {
				reject(http.StatusNotFound, store.AuditRejected, Problem{Type: problemNotFound, Title: "Not found",
					Detail: fmt.Sprintf("no funding line %q that spending is reported on; GET /api/v1/spending lists them", key)})
				return
			}
		case store.KindCommentary:
			if _, ok := s.cat.Indicator(key); !ok {
				reject(http.StatusNotFound, store.AuditRejected, Problem{Type: problemNotFound, Title: "Not found",
					Detail: "no indicator " + strconv.Quote(key) + "; GET /api/v1/indicators lists them"})
				return
			}
		}
		if why, ok := s.planScope(p, kind, key); !ok {
			reject(http.StatusForbidden, store.AuditRefused, Problem{Type: problemForbidden, Title: "Forbidden", Detail: why})
			return
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			reject(http.StatusUnsupportedMediaType, store.AuditRejected, Problem{Type: problemInvalidBody, Title: "Unsupported media type",
				Detail: "send a JSON object (Content-Type: application/json), not " + strconv.Quote(ct)})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, followup.MaxBody))
		if err != nil {
			reject(http.StatusRequestEntityTooLarge, store.AuditRejected, Problem{Type: problemInvalidBody, Title: "Body too large",
				Detail: fmt.Sprintf("a submission may have at most %d bytes", followup.MaxBody)})
			return
		}
		var year int
		var clean any
		switch kind {
		case store.KindStatus:
			n, _ := strconv.Atoi(key)
			var x followup.StatusReport
			x, err = followup.ParseStatusReport(s.cat, n, body, now)
			year, clean = x.Year, x
		case store.KindSpending:
			var x followup.Spending
			x, err = followup.ParseSpending(body, now)
			year, clean = x.Year, x
		case store.KindCommentary:
			var x followup.Commentary
			x, err = followup.ParseCommentary(body, now)
			year, clean = x.Year, x
		}
		var fe *followup.Error
		if errors.As(err, &fe) {
			// The same bound as a batch of figures' problems: the first
			// indicators.MaxListedErrors, each an excerpt, and counts.
			listed, total, kinds := followup.Bound(fe.Fields)
			detail := listed[0].Field + ": " + listed[0].Message
			if total > 1 {
				detail += fmt.Sprintf(" (and %d more, see errors)", total-1)
			}
			reject(http.StatusUnprocessableEntity, store.AuditRejected, Problem{Type: problemInvalidBody, Title: "Invalid " + kind + " submission",
				Detail: detail + "; nothing was written", Errors: listed, ErrorsTotal: total, ErrorKinds: kinds})
			return
		}
		if x, ok := clean.(followup.StatusReport); ok {
			if why := s.milestoneScope(p, x); why != "" {
				reject(http.StatusForbidden, store.AuditRefused, Problem{Type: problemForbidden, Title: "Forbidden", Detail: why})
				return
			}
		}
		stored, _ := json.Marshal(clean) // the checked form, not the raw bytes
		detail["year"] = year
		sub, err := s.store.AddPlanSubmission(r.Context(), store.PlanSubmission{Kind: kind, Subject: subject, Year: year, Org: p.Org, TokenID: &p.TokenID, Body: stored},
			s.auditEntry(r, p, action, subject, store.AuditAccepted, http.StatusCreated, nil, detail))
		if err != nil {
			s.audit(r, p, action, subject, store.AuditFailed, failedStatus(err), nil, map[string]any{"error": indicators.ExcerptError(err.Error())})
			s.internalError(w, r, err)
			return
		}
		if s.afterPlanWrite != nil {
			s.afterPlanWrite()
		}
		w.Header().Set("Location", r.URL.Path)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if sub.Unchanged { // the same as this organisation's latest: no new revision
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusCreated)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"submission": sub})
	}
}

// withAsOf adds as_of to an answer when the client asked for one: an
// answer "as of now" carries no clock, so it keeps its ETag until
// something changes.
func withAsOf(q map[string][]string, at time.Time, v map[string]any) map[string]any {
	if vs := q["as_of"]; len(vs) > 0 && vs[0] != "" {
		v["as_of"] = at.UTC()
	}
	return v
}
