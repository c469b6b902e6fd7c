package api_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/ingest"
	"github.com/kraeftplan/kpv/store"
)

// pendingContractCases holds two far revisions of the shipped colon series
// (a file whose Danish and Norwegian men's 2016-2020 figures lie outside the
// shipped intervals; the numbers are invented for the test) and returns the
// requests that list them, accept one and reject the other.
func pendingContractCases(t *testing.T, l *liveServer) []contractCase {
	t.Helper()
	p := filepath.Join(t.TempDir(), "far.csv")
	if err := os.WriteFile(p, []byte("Colon (Males) 5y;Denmark;Norway\n2016-2020;95.2[94.3-96.2];93.0[92.1-93.9]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := l.runner.Run(context.Background(), "nordcan-survival", ingest.Options{File: p}); err != nil {
		t.Fatal(err)
	}
	ps, err := l.st.PendingRevisions(context.Background(), store.PendingFilter{Source: "nordcan-survival", Status: "pending"})
	if err != nil || len(ps) != 2 {
		t.Fatalf("%d held revisions (%v), want 2", len(ps), err)
	}
	const base = "/api/v1/sources/nordcan-survival/pending-revisions"
	return []contractCase{
		{method: "GET", path: base, status: 200},
		{method: "GET", path: base + "?status=accepted", status: 200},
		{method: "GET", path: base + "?status=maybe", status: 400},
		{method: "GET", path: "/api/v1/sources/gallup/pending-revisions", status: 404},
		{method: "POST", path: base + "/accept", token: "regioner", ctype: "application/json", body: fmt.Sprintf(`{"ids":[%d]}`, ps[0].ID), status: 403},
		{method: "POST", path: base + "/accept", token: "admin", ctype: "application/json", body: `{"ids":[]}`, status: 400},
		{method: "POST", path: base + "/accept", token: "admin", ctype: "application/json", body: fmt.Sprintf(`{"ids":[%d]}`, ps[0].ID), status: 200},
		{method: "POST", path: base + "/reject", token: "admin", ctype: "application/json", body: fmt.Sprintf(`{"ids":[%d]}`, ps[1].ID), status: 200},
		{method: "POST", path: base + "/reject", token: "admin", ctype: "application/json", body: fmt.Sprintf(`{"ids":[%d]}`, ps[1].ID), status: 409},
	}
}

// The source page lists the held revisions until they are decided, and a
// decision is audited with the admin's token.
func TestHeldRevisionsOnSourcePageAndAudited(t *testing.T) {
	l := newLiveServer(t)
	l.loadSnapshots(t)
	page := func() string {
		rp := l.do(t, "GET", "/sider/kilder/nordcan-survival", "", "", "")
		if rp.status != 200 {
			t.Fatalf("source page: %d", rp.status)
		}
		return string(rp.body)
	}
	if strings.Contains(page(), `id="held"`) {
		t.Fatal("the source page lists held revisions before any was held")
	}
	cases := pendingContractCases(t, l)
	body := page()
	for _, want := range []string{`id="held"`, "Revisioner der venter på godkendelse", "95.2", "outside the interval [71.6, 74.2]"} {
		if !strings.Contains(body, want) {
			t.Errorf("the source page does not show %q", want)
		}
	}
	for _, c := range cases {
		if c.method == "POST" && c.token == "admin" && c.status == 200 {
			if rp := l.do(t, c.method, c.path, c.token, c.ctype, c.body); rp.status != 200 {
				t.Fatalf("%s %s: %d %s", c.method, c.path, rp.status, rp.body)
			}
			if e := l.lastAudit(t); e.Action != "revisions.decide" || e.Outcome != store.AuditAccepted || e.RunID == nil {
				t.Errorf("audit entry %+v", e)
			}
		}
	}
	if strings.Contains(page(), `id="held"`) {
		t.Error("the source page still lists held revisions after they were decided")
	}
}
