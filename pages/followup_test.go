package pages_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kraeftplan/kpv/followup"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/pages"
	"github.com/kraeftplan/kpv/store"
)

// planLog holds one status report: Danske Regioner on initiative 5 for
// 2025, on schedule, with one of its two milestones reached.
type planLog struct{}

func (planLog) PlanSubmissions(_ context.Context, f store.PlanFilter) ([]store.PlanSubmission, error) {
	body, _ := json.Marshal(followup.StatusReport{Year: 2025, Status: followup.OnSchedule,
		MilestonesReached: []followup.ReachedMilestone{{Milestone: "i05-klinikker-paabegyndt", Date: "2025-10-01"}},
		NarrativeDA:       "Klinikkerne i Aarhus og Odense er åbnet.", NarrativeEN: "The clinics in Aarhus and Odense have opened.",
		NextStepsDA: "Fælles tilbud aftales i 2026."})
	return []store.PlanSubmission{{ID: 1, Kind: store.KindStatus, Subject: "initiative:5", Year: 2025, Org: "regioner",
		RecordedAt: now.AddDate(0, -2, 0), Revision: 1, Body: body}}, nil
}

func (planLog) FiguresHeld(context.Context, int, time.Time) ([]store.FigureHeld, error) {
	return []store.FigureHeld{{Indicator: "g1_late_effects_clinics", Geography: "DK-84", Year: 2025}}, nil
}

func body(t *testing.T, srv *httptest.Server, path string, status int) string {
	t.Helper()
	got, _, b := get(t, srv.URL+path)
	if got != status {
		t.Fatalf("%s: %d, want %d:\n%.600s", path, got, status, b)
	}
	return b
}

func contains(t *testing.T, path, b string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(b, w) {
			t.Errorf("%s lacks %q", path, w)
		}
	}
}

// The milestones page an overdue-milestone alert links to lists the
// owner's overdue milestones with their citation, and not the one reported
// reached; its CSV link asks the API for the same rows.
func TestPagesMilestones(t *testing.T) {
	srv := server(t)
	path := pages.MilestonesPath("regioner", followup.Overdue)
	if path != "/sider/milepaele?ansvarlig=regioner&tilstand=overdue" {
		t.Errorf("MilestonesPath = %q", path)
	}
	b := body(t, srv, path, 200)
	contains(t, path, b, `id="m-i05-klinikker-rammer"`, "Overskredet", "Danske Regioner",
		"de nærmere rammer for senfølgeklikkernes funktion", // the document's own words
		"Senfølgeklinikker", // its section
		`href="/sider/initiativer/5"`,
		html.EscapeString("/api/v1/milestones?format=csv&owner=regioner&state=overdue"))
	if strings.Contains(b, `id="m-i05-klinikker-paabegyndt"`) {
		t.Error("a milestone reported reached is listed as overdue")
	}
	if strings.Contains(b, `id="m-i06-retningslinjer"`) {
		t.Error("Sundhedsstyrelsen's milestone is listed under Danske Regioner")
	}
	b = body(t, srv, pages.MilestonesPath("", followup.Reached), 200)
	contains(t, "reached", b, `id="m-i05-klinikker-paabegyndt"`, "1. oktober 2025")

	// Every milestone of the catalogue, in one of the three states.
	cat, _ := indicators.LoadEmbedded()
	b = body(t, srv, "/sider/milepaele", 200)
	if n := strings.Count(b, `<tr id="m-`); n != len(cat.Milestones) {
		t.Errorf("the unfiltered page lists %d milestones, the catalogue has %d", n, len(cat.Milestones))
	}

	for q, param := range map[string]string{"tilstand=late": "tilstand", "ansvarlig=nope": "ansvarlig", "owner=kl": "owner"} {
		b := body(t, srv, "/sider/milepaele?"+q, 400)
		contains(t, q, b, "Parameteren &#34;"+param+"&#34;")
	}
}

// The round page a missing-items alert links to shows the organisation's
// items: what came, what is late and how to submit each; its counts are
// followup.Build's, the API's.
func TestPagesRound(t *testing.T) {
	srv := server(t)
	cat, _ := indicators.LoadEmbedded()
	subs, _ := planLog{}.PlanSubmissions(context.Background(), store.PlanFilter{})
	figs, _ := planLog{}.FiguresHeld(context.Background(), 2025, now)
	sec := followup.Build(followup.Input{Catalogue: cat, Year: 2025, Submissions: subs, Figures: figs, At: now})
	want, ok := sec.Round.Org("regioner")
	if !ok || want.Late == 0 {
		t.Fatalf("the fixture's round has no late items for regioner: %+v", want)
	}

	path := pages.RoundPath(0, "regioner")
	b := body(t, srv, path, 200)
	contains(t, path, b, "Årets indberetning 2025 – Danske Regioner",
		fmt.Sprintf("%d forventet, %d modtaget, %d for sent", want.Expected, want.Received, want.Late),
		"POST /api/v1/initiatives/", "<code>submitter</code>",
		html.EscapeString("/api/v1/rounds/2025?format=csv&org=regioner"))
	if got := strings.Count(b, `class="item-late"`); got != want.Late {
		t.Errorf("%d late items on the page, followup counts %d", got, want.Late)
	}
	if got := strings.Count(b, `class="item-received"`); got != want.Received {
		t.Errorf("%d received items on the page, followup counts %d", got, want.Received)
	}
	// The report that came is received and links to its initiative.
	if !strings.Contains(b, `<tr class="item-received"><td><a href="/sider/initiativer/5">`) {
		t.Error("initiative 5's status report is not shown received")
	}

	// The overview: every organisation's completeness, and only what is owed.
	b = body(t, srv, "/sider/runde", 200)
	for _, o := range sec.Round.Organisations {
		contains(t, "/sider/runde", b, `id="org-`+o.Org+`"`)
	}
	if strings.Contains(b, `class="item-received"`) {
		t.Error("the overview lists items that came")
	}
	body(t, srv, "/sider/runde/2025", 200)
	body(t, srv, "/sider/runde/2024", 404)
	body(t, srv, "/sider/runde/2027", 404)
	body(t, srv, "/sider/runde?org=nope", 400)
}

// An initiative's page shows its latest status report, or says there is
// none; its milestones and money.
func TestPagesInitiative(t *testing.T) {
	srv := server(t)
	b := body(t, srv, "/sider/initiativer/5", 200)
	contains(t, "5", b, "Efter planen", "Klinikkerne i Aarhus og Odense er åbnet.", "The clinics in Aarhus and Odense have opened.",
		`id="m-i05-klinikker-paabegyndt"`, "Nået", "Økonomi 2025", "POST /api/v1/initiatives/5/status-reports", `href="/sider/maal/1"`)
	// The milestone's citation names the document, not its id.
	cat, _ := indicators.LoadEmbedded()
	for _, d := range cat.Documents {
		if d.ID == "aftale-2025" {
			contains(t, "5", b, html.EscapeString(d.TitleDA)+", Senfølgeklinikker:")
		}
	}
	b = body(t, srv, "/sider/initiativer/6", 200)
	contains(t, "6", b, `id="no-report"`, "Ingen statusrapport for 2025")
	for _, bad := range []string{"0", "37", "05", "x"} {
		body(t, srv, "/sider/initiativer/"+bad, 404)
	}
	// The goal page and the index link the initiatives.
	contains(t, "goal", body(t, srv, "/sider/maal/1", 200), `href="/sider/initiativer/5"`)
	contains(t, "index", body(t, srv, "/sider", 200), `href="/sider/initiativer/36"`, `href="/sider/runde"`, html.EscapeString("/sider/milepaele?tilstand=overdue"))
}

// Without a store the follow-up pages say so.
func TestPagesFollowUpWithoutStore(t *testing.T) {
	cat, _ := indicators.LoadEmbedded()
	p := pages.New(pages.Options{Catalogue: cat, Now: func() time.Time { return now }})
	r := chi.NewRouter()
	p.Mount(r)
	srv := httptest.NewServer(r)
	defer srv.Close()
	for _, path := range []string{"/sider/milepaele", "/sider/runde", "/sider/initiativer/1"} {
		contains(t, path, body(t, srv, path, 503), "uden database")
	}
}
