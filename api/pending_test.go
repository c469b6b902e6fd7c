package api_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
