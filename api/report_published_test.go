package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"
)

// A published version is the as-of report for its cut-off: built by the
// same builder from the same figures (with the previous year's report's,
// for the changes since it). Only the publication part says what each is:
// "published" and its version, or a draft with the versions so far.
func TestPublishedVersionIsTheAsOfReport(t *testing.T) {
	l := newLiveServer(t)
	l.loadSnapshots(t)
	year := time.Now().Year()
	rp := l.do(t, "POST", fmt.Sprintf("/api/v1/reports/%d/approve", year), "admin", "", "")
	if rp.status != 201 {
		t.Fatalf("approve: %d %s", rp.status, rp.body)
	}
	var appr struct {
		CutOff time.Time `json:"cut_off"`
		URL    string    `json:"url"`
	}
	rp.json(t, &appr)
	published := l.do(t, "GET", appr.URL+"?format=json", "", "", "")
	asOf := l.do(t, "GET", fmt.Sprintf("/api/v1/reports/%d?as_of=%s", year, url.QueryEscape(appr.CutOff.Format(time.RFC3339Nano))), "", "", "")
	if published.status != 200 || asOf.status != 200 {
		t.Fatalf("published %d, as of its cut-off %d: %s", published.status, asOf.status, asOf.body)
	}
	figures := func(body []byte) []byte {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"status", "version", "published_versions", "changes_since", "version_changes"} {
			delete(m, k)
		}
		out, _ := json.Marshal(m)
		return out
	}
	got, want := figures(published.body), figures(asOf.body)
	if string(got) != string(want) {
		t.Errorf("the published version differs from the as-of report for its cut-off:\n got %.600s\nwant %.600s", got, want)
	}
	var rep struct {
		Changes struct {
			PreviousCutOff *time.Time `json:"previous_cut_off"`
		} `json:"changes"`
	}
	_ = json.Unmarshal(published.body, &rep)
	if year > 2025 && rep.Changes.PreviousCutOff == nil {
		t.Error("the published version does not compare with the previous year's report")
	}
}
