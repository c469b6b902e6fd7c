package followup

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

var now = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

func sub(id int64, kind, subject, org string, year int, body any) store.PlanSubmission {
	b, _ := json.Marshal(body)
	return store.PlanSubmission{ID: id, Kind: kind, Subject: subject, Year: year, Org: org, Body: b, RecordedAt: now}
}

// Bad input names every field that is wrong, so an owner can fix all at once.
func TestParseNamesEveryBadField(t *testing.T) {
	cat := testkit.Catalogue(t)
	for _, tc := range []struct {
		name  string
		parse func() error
		want  []string
	}{
		{"status", func() error {
			_, err := ParseStatusReport(cat, 25, []byte(`{"year": 2024, "status": "almost", "narrative_da": " ",
				"milestones_reached": [{"milestone": "i05-klinikker-rammer", "date": "2025-13-01"}, {"milestone": "nope", "date": "2027-01-01"}]}`), now)
			return err
		}, []string{"year: 2024 is before the plan", "status: \"almost\" is not one of", "narrative_da: missing", "next_steps_da: missing",
			`milestones_reached[0].milestone: milestone "i05-klinikker-rammer" belongs to initiative 5, not 25`,
			`milestones_reached[0].date: "2025-13-01" is not a date`, `milestones_reached[1].milestone: unknown milestone "nope"`,
			"milestones_reached[1].date: 2027-01-01 is in the future"}},
		{"unknown field", func() error {
			_, err := ParseStatusReport(cat, 1, []byte(`{"year": 2025, "stauts": "delayed"}`), now)
			return err
		}, []string{"stauts: unknown field"}},
		{"wrong type", func() error {
			_, err := ParseSpending([]byte(`{"year": 2025, "spent": "lots", "committed": 0}`), now)
			return err
		},
			[]string{"spent: must be a float64, not a JSON string"}},
		{"spending", func() error { _, err := ParseSpending([]byte(`{"year": 2027, "spent": -1}`), now); return err },
			[]string{"year: 2027 has not begun", "spent: -1: must be 0 or more", "committed: missing"}},
		{"commentary", func() error {
			_, err := ParseCommentary([]byte(`{"year": 2025, "why_da": "x", "by_when": "snart"}`), now)
			return err
		},
			[]string{"actions_da: missing", "by: missing", `by_when: "snart" is not a date`}},
		{"dates in year 0", func() error {
			_, err := ParseStatusReport(cat, 26, []byte(`{"year": 2025, "status": "completed", "narrative_da": "a", "next_steps_da": "b",
				"milestones_reached": [{"milestone": "i26-rygestopmedicin", "date": "0000-02-01"}]}`), now)
			_, err2 := ParseCommentary([]byte(`{"year": 2025, "why_da": "x", "actions_da": "y", "by": "KL", "by_when": "0000-12-31"}`), now)
			return errors.Join(err, err2)
		},
			[]string{"milestones_reached[0].date: 0000-02-01 is before the year 2000", "by_when: 0000-12-31 is before the year 2000"}},
		{"not JSON", func() error { _, err := ParseCommentary([]byte(`{"year": 2025,`), now); return err }, []string{"(body)"}},
		{"two objects", func() error {
			_, err := ParseSpending([]byte(`{"year": 2025, "spent": 1, "committed": 0} {}`), now)
			return err
		},
			[]string{"something follows it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.parse()
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("want field errors, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q not in %v", w, err)
				}
			}
		})
	}
	if _, err := ParseStatusReport(cat, 26, []byte(`{"year": 2025, "status": "completed", "narrative_da": "a", "next_steps_da": "b",
		"milestones_reached": [{"milestone": "i26-rygestopmedicin", "date": "2025-02-01"}, {"milestone": "plan-aftale-2026", "date": "2025-11-14"}]}`), now); err != nil {
		t.Errorf("a good report (with the plan's own milestone) was rejected: %v", err)
	}
}

// The section for a year: the latest report counts, milestones reached by
// any report (of any year) are reached, those past their date without a
// status report since "not reported",
// money rolls up without counting unreported lines as 0, and the round
// says who still owes what.
func TestBuild(t *testing.T) {
	cat := testkit.Catalogue(t)
	subs := []store.PlanSubmission{
		sub(1, store.KindStatus, "initiative:26", "kl", 2025, StatusReport{Year: 2025, Status: OnSchedule, NarrativeDA: "a", NextStepsDA: "b"}),
		sub(2, store.KindStatus, "initiative:26", "kl", 2025, StatusReport{Year: 2025, Status: Delayed, NarrativeDA: "a", NextStepsDA: "b",
			MilestonesReached: []ReachedMilestone{{"i26-rygestopmedicin", "2025-09-01"}}}),
		sub(3, store.KindStatus, "initiative:12", "region-syddanmark", 2025, StatusReport{Year: 2025, Status: OnSchedule, NarrativeDA: "a", NextStepsDA: "b"}),
		sub(4, store.KindSpending, "funding:palliation-kommuner", "kl", 2025, Spending{Year: 2025, Spent: testkit.Float(80), Committed: testkit.Float(2.5)}),
		// Over the allocation of 43 (2025): accepted, and shown.
		sub(5, store.KindSpending, "funding:palliation-regioner", "regioner", 2025, Spending{Year: 2025, Spent: testkit.Float(50), Committed: testkit.Float(0)}),
		// Another year's spending does not count for 2025.
		sub(6, store.KindSpending, "funding:senfoelger-regioner", "regioner", 2026, Spending{Year: 2026, Spent: testkit.Float(1), Committed: testkit.Float(0)}),
		sub(7, store.KindCommentary, "indicator:g3_nordic_rank_all_sites", "ism", 2025, Commentary{Year: 2025, WhyDA: "w", ActionsDA: "a", By: "ISM", ByWhen: "2026-12-31"}),
	}
	subs[0].Revision, subs[1].Revision = 1, 2 // as the store numbers them
	s := Build(Input{Catalogue: cat, Year: 2025, Submissions: subs, At: now,
		OffTrack: map[string]bool{"g3_nordic_rank_all_sites": true, "g1_unmet_needs_followup": true},
		Figures:  []store.FigureHeld{{Indicator: "g1_gp_followup_plan", Geography: "DK-83", Year: 2025}}})

	ini := map[int]Initiative{}
	for _, a := range s.FocusAreas {
		for _, x := range a.Initiatives {
			ini[x.Number] = x
		}
	}
	if len(ini) != 36 {
		t.Fatalf("%d initiatives in the focus areas", len(ini))
	}
	if x := ini[26]; x.Status != Delayed || x.Report.Revision != 2 || x.Report.Revisions != 2 || x.Report.Org != "kl" {
		t.Errorf("initiative 26: %+v", x.Report)
	}
	if x := ini[12]; x.Status != NoReport || x.Report != nil || len(x.Reports) != 1 || x.Reports[0].Org != "region-syddanmark" {
		t.Errorf("initiative 12 (one region's report): status %s, reports %+v", x.Status, x.Reports)
	}
	if x := ini[10]; x.Status != NoReport || x.Report != nil || x.MilestonesNoteDA == "" {
		t.Errorf("initiative 10 (no report, no dated milestone): %+v", x)
	}
	states := map[string]string{}
	for _, x := range ini {
		for _, m := range x.Milestones {
			states[m.ID] = m.State
		}
	}
	for id, want := range map[string]string{
		"i26-rygestopmedicin":       Reached,     // reported reached
		"i06-retningslinjer":        NotReported, // due 2025-12-31, no status report: not called overdue
		"i25-nikotinposer-indfaset": Upcoming,    // due 1 April 2026
	} {
		t.Run(id, func(t *testing.T) {
			if states[id] != want {
				t.Errorf("milestone %s: %s, want %s", id, states[id], want)
			}
		})
	}
	if s.PlanMilestones[0].State != NotReported || s.PlanMilestones[0].StateDA != "Ikke rapporteret" {
		t.Errorf("the plan's own milestone (autumn 2025, no status report): %s", s.PlanMilestones[0].State)
	}
	n := 0
	for _, c := range s.StatusCount {
		n += c.N
		// Initiative 12 (led by the ministry and Danske Regioner) has one
		// region's report: kept and shown, but it does not set the status
		// alone (InitiativeStatus, rule 3).
		if c.Status == Delayed && c.N != 1 || c.Status == NoReport && c.N != 35 {
			t.Errorf("status count %+v", c)
		}
	}
	if n != 36 {
		t.Errorf("status counts add up to %d", n)
	}

	lines := map[string]MoneyRow{}
	for _, l := range s.Money.Lines {
		lines[l.Key] = l
	}
	if l := lines["palliation-kommuner"]; l.Allocated != 73 || *l.Spent != 80 || *l.Unspent != -7 || !l.Overspent || l.Recipient != "kl" {
		t.Errorf("palliation-kommuner: %+v", l)
	}
	if l := lines["senfoelger-regioner"]; l.Spent != nil || l.Unspent != nil || l.Reported != 0 {
		t.Errorf("an unreported line must stay unreported, not 0: %+v", l)
	}
	rec := map[string]MoneyRow{}
	for _, r := range s.Money.ByRecipient {
		rec[r.Key] = r
	}
	if r := rec["kl"]; r.Reported != 1 || *r.Spent != 80 || *r.Committed != 2.5 {
		t.Errorf("KL: %+v", r)
	}
	if s.Money.Total.Allocated < 600 || s.Money.Total.Allocated > 620 {
		t.Errorf("the 2025 allocation adds to %v; the plan's table says 618 a year", s.Money.Total.Allocated)
	}

	if len(s.Commentary) != 1 || s.Commentary[0].Indicator != "g3_nordic_rank_all_sites" {
		t.Errorf("commentary: %+v", s.Commentary)
	}
	if len(s.MissingCommentary) != 1 || s.MissingCommentary[0] != "g1_unmet_needs_followup" {
		t.Errorf("missing commentary: %v", s.MissingCommentary)
	}

	if !s.Round.PastDue {
		t.Error("the 2025 round is due on 31 January 2026")
	}
	region, ok := s.Round.Org("region-syddanmark")
	if !ok {
		t.Fatal("no region-syddanmark in the round")
	}
	got := map[string]bool{}
	for _, it := range region.Items {
		got[it.Kind+" "+it.Subject] = it.Received
	}
	if !got["figures indicator:g1_gp_followup_plan"] || got["figures indicator:g2_involved_decisions_lup"] || !got["status initiative:12"] {
		t.Errorf("region-syddanmark's items: %v", got)
	}
	for _, it := range region.Items {
		switch it.Subject {
		case "indicator:g2_involved_decisions_lup": // LUP: yearly, 6 months' lag
			if it.Due.Format(time.DateOnly) != "2026-06-30" || it.Late {
				t.Errorf("the region's LUP figures for 2025: due %s, late %v; want due 2026-06-30, not late on 15 March", it.Due, it.Late)
			}
		case "initiative:12":
			if it.Late {
				t.Error("a received status report is not late")
			}
		}
	}
	sst, _ := s.Round.Org("sst")
	for _, it := range sst.Items {
		if it.Subject == "indicator:g1_unmet_needs_followup" && it.Kind == ItemFigures {
			t.Error("the Barometer survey (every 48 months) is not owed every year")
		}
	}
	kl, _ := s.Round.Org("kl")
	status := 0
	for _, it := range kl.Items {
		if it.Kind == ItemStatus {
			status++
		}
	}
	// Every status report KL owes is late (due 31 January 2026) but 26's, which came.
	if kl.Missing()[ItemStatus] != status-1 || status < 2 {
		t.Errorf("KL's late items: %+v of %d status reports", kl.Missing(), status)
	}
	if sst.Missing()[ItemCommentary] != 1 {
		t.Errorf("sst owes a commentary on its off-track indicator: %+v", sst.Missing())
	}
	if kl, _ := s.Round.Org("kl"); kl.Completeness <= 0 || kl.Completeness >= 1 {
		t.Errorf("KL's completeness %v", kl.Completeness)
	}
}

func TestRoundDates(t *testing.T) {
	if d := RoundDue(2025); d.Format(time.RFC3339Nano) != "2026-01-31T23:59:59.999999999Z" {
		t.Errorf("due %v", d)
	}
	if y := CurrentRound(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)); y != 2025 {
		t.Errorf("current round %d", y)
	}
	if y := CurrentRound(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)); y != 2025 {
		t.Errorf("current round in the plan's first year %d", y)
	}
}

// Missing is not failure: a milestone past its date is overdue only when a
// status report of its initiative, sent after the date, does not report it
// reached; without one it is "not reported", and not counted as overdue.
func TestMilestoneOverdueOnlyWithAReport(t *testing.T) {
	cat := testkit.Catalogue(t)
	due := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC) // i06-retningslinjer
	report := func(at time.Time, reached ...ReachedMilestone) store.PlanSubmission {
		s := sub(1, store.KindStatus, "initiative:6", "sst", 2025, StatusReport{Year: 2025, Status: Delayed, NarrativeDA: "a", NextStepsDA: "b", MilestonesReached: reached})
		s.RecordedAt = at
		return s
	}
	for _, c := range []struct {
		name        string
		subs        []store.PlanSubmission
		want        string
		overdue     int
		notReported bool
	}{
		{"no status report", nil, NotReported, 0, true},
		{"a report from before the date", []store.PlanSubmission{report(due.AddDate(0, -2, 0))}, NotReported, 0, true},
		{"a report after the date without it", []store.PlanSubmission{report(due.AddDate(0, 1, 0))}, Overdue, 1, false},
		{"a report saying it was reached", []store.PlanSubmission{report(due.AddDate(0, 1, 0), ReachedMilestone{"i06-retningslinjer", "2025-11-01"})}, Reached, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := Build(Input{Catalogue: cat, Year: 2025, Submissions: c.subs, At: now})
			var got MilestoneView
			for _, a := range s.FocusAreas {
				for _, x := range a.Initiatives {
					for _, m := range x.Milestones {
						if m.ID == "i06-retningslinjer" {
							got = m
						}
					}
				}
			}
			over := 0
			for _, m := range s.Overdue() {
				if m.ID == "i06-retningslinjer" {
					over++
				}
			}
			if got.State != c.want || over != c.overdue || c.notReported && s.NotReportedMilestones == 0 {
				t.Errorf("state %s (overdue %d, not reported %d), want %s", got.State, over, s.NotReportedMilestones, c.want)
			}
		})
	}
}

// The initiative's status comes from its leads by a stated rule, each
// organisation's report kept (issue 27).
func TestInitiativeStatusRule(t *testing.T) {
	cat := testkit.Catalogue(t)
	in := &cat.Initiatives[11] // 12: led by ism and regioner
	regions := []string{"region-nordjylland", "region-midtjylland", "region-syddanmark", "region-hovedstaden", "region-sjaelland"}
	rep := func(org, status string) ReportView {
		return ReportView{StatusReport: StatusReport{Status: status}, Org: org}
	}
	all := func(status, last string) []ReportView {
		var rs []ReportView
		for i, o := range regions {
			s := status
			if i == len(regions)-1 {
				s = last
			}
			rs = append(rs, rep(o, s))
		}
		return rs
	}
	for _, c := range []struct {
		name    string
		reports []ReportView
		want    string
		from    string
	}{
		{"no report", nil, NoReport, ""},
		{"a lead's report", []ReportView{rep("regioner", OnSchedule)}, OnSchedule, "regioner"},
		{"a region's completed beside the lead's on schedule", []ReportView{rep("regioner", OnSchedule), rep("region-midtjylland", Completed)}, OnSchedule, "regioner"},
		{"two leads: the less favourable", []ReportView{rep("ism", Completed), rep("regioner", Delayed)}, Delayed, "regioner"},
		{"one region alone", []ReportView{rep("region-midtjylland", Completed)}, NoReport, ""},
		{"all five regions: the part furthest behind", all(Completed, Delayed), Delayed, "region-sjaelland"},
		{"a milestone owner that does not lead", []ReportView{rep("sst", Completed)}, NoReport, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, from := InitiativeStatus(cat, in, c.reports)
			org := ""
			if from != nil {
				org = from.Org
			}
			if got != c.want || org != c.from {
				t.Errorf("status %s from %q; want %s from %q", got, org, c.want, c.from)
			}
		})
	}
}
