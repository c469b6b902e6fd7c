package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Issue 27: the plan's follow-up holds like the figures do. Each test
// here failed on main before the change; the figures before and after are
// in the commit messages.

// hold opens a transaction of kpv's role that runs stmts and stays open
// until release is called; done is closed once it has committed.
func (l *liveServer) hold(t *testing.T, stmts ...string) (release func(), done <-chan struct{}) {
	t.Helper()
	ready, rel, fin := make(chan error, 1), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(fin)
		err := l.st.InTx(context.Background(), func(tx pgx.Tx) error {
			for _, s := range stmts {
				if _, err := tx.Exec(context.Background(), s); err != nil {
					return fmt.Errorf("%s: %w", s, err)
				}
			}
			ready <- nil
			<-rel
			return nil
		})
		if err != nil {
			ready <- err
		}
	}()
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	var once bool
	return func() {
		if !once {
			once = true
			close(rel)
		}
	}, fin
}

// lateWrites are a status report (reaching a milestone), a spending
// report and a commentary, written in one transaction that is still open
// at the cut-off.
func lateWrites(tag string) []string {
	return []string{
		`INSERT INTO plan_submissions (kind, subject, year, org, body) VALUES ('status', 'initiative:5', 2025, 'regioner',
			'{"year":2025,"status":"delayed","milestones_reached":[{"milestone":"i05-klinikker-rammer","date":"2025-10-01"}],"narrative_da":"` + tag + `","next_steps_da":"x"}')`,
		`INSERT INTO plan_submissions (kind, subject, year, org, body) VALUES ('spending', 'funding:senfoelger-regioner', 2025, 'regioner',
			'{"year":2025,"spent":12.5,"committed":1,"note_da":"` + tag + `"}')`,
		`INSERT INTO plan_submissions (kind, subject, year, org, body) VALUES ('commentary', 'indicator:g1_unmet_needs_followup', 2025, 'sst',
			'{"year":2025,"why_da":"` + tag + `","actions_da":"y","by":"SST","by_when":"2026-12-31"}')`,
	}
}

// Every follow-up read with as_of gives the same answer before and after
// a write that began before the cut-off has committed.
func TestFollowUpReadsAsOfAreSettled(t *testing.T) {
	for _, c := range []struct{ name, path string }{
		{"milestones", "/api/v1/milestones"},
		{"follow-up", "/api/v1/initiatives/5/follow-up?year=2025"},
		{"status-reports", "/api/v1/initiatives/5/status-reports"},
		{"spending", "/api/v1/spending?year=2025"},
		{"commentary", "/api/v1/commentary?year=2025"},
		{"rounds", "/api/v1/rounds/2025"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLiveServer(t) // nothing received yet: the round changes too
			release, done := l.hold(t, lateWrites("skrevet-"+c.name)...)
			defer release()
			time.Sleep(20 * time.Millisecond)
			cutoff := time.Now().UTC().Format(time.RFC3339Nano)
			sep := "?"
			if strings.Contains(c.path, "?") {
				sep = "&"
			}
			path := c.path + sep + "as_of=" + url.QueryEscape(cutoff)
			go func() { time.Sleep(700 * time.Millisecond); release() }()
			first := l.do(t, "GET", path, "", "", "")
			<-done
			second := l.do(t, "GET", path, "", "", "")
			if first.status != 200 || second.status != 200 {
				t.Fatalf("status %d then %d; want 200 twice: %s", first.status, second.status, first.body)
			}
			if !bytes.Equal(first.body, second.body) {
				t.Errorf("as of %s the answer changed after it was served (%d bytes, then %d)", cutoff, len(first.body), len(second.body))
			}
		})
	}
}

// Approving a report waits for the cut-off to settle: the version holds
// the write that began before it, as the as-of report does.
func TestApprovalWaitsForTheCutOff(t *testing.T) {
	l := newLiveServer(t)
	const tag = "skrevet-foer-godkendelsen"
	release, done := l.hold(t, lateWrites(tag)...)
	defer release()
	time.Sleep(20 * time.Millisecond)
	go func() { time.Sleep(700 * time.Millisecond); release() }()
	ap := l.do(t, "POST", "/api/v1/reports/2025/approve", "admin", "", "")
	<-done
	if ap.status != 201 {
		t.Fatalf("approve: %d %s", ap.status, ap.body)
	}
	var out struct {
		CutOff time.Time `json:"cut_off"`
	}
	ap.json(t, &out)
	v1 := l.do(t, "GET", "/api/v1/reports/2025/versions/1", "", "", "")
	asOf := l.do(t, "GET", "/api/v1/reports/2025?as_of="+url.QueryEscape(out.CutOff.Format(time.RFC3339Nano)), "", "", "")
	inV1, inAsOf := bytes.Count(v1.body, []byte(tag)), bytes.Count(asOf.body, []byte(tag))
	if inAsOf == 0 {
		t.Fatalf("the as-of report (%d) does not hold the write either: %.300s", asOf.status, asOf.body)
	}
	if inV1 != inAsOf {
		t.Errorf("version 1 mentions the write begun before its cut-off %d times, the as-of report %d times", inV1, inAsOf)
	}
}

// Milestones are marked reached by their responsible organisation, an
// initiative's status comes from its leads by a stated rule with every
// organisation's report kept, and a region's commentary on a Danske
// Regioner indicator is regional commentary.
func TestFollowUpScopeByOwner(t *testing.T) {
	l := newLiveServer(t)
	report := func(status, milestones string) string {
		return `{"year":2025,"status":"` + status + `","milestones_reached":[` + milestones + `],"narrative_da":"n","next_steps_da":"s"}`
	}
	for _, c := range []struct {
		name, path, token, body string
		status                  int
	}{
		{"a region marks the ministry's milestone reached", "/api/v1/initiatives/5/status-reports", "midtjylland",
			report("on_schedule", `{"milestone":"plan-aftale-2026","date":"2025-11-01"}`), 403},
		{"a region marks Danske Regioner's milestone reached", "/api/v1/initiatives/5/status-reports", "midtjylland",
			report("on_schedule", `{"milestone":"i05-klinikker-rammer","date":"2025-11-01"}`), 403},
		{"a region marks another region's milestone reached", "/api/v1/initiatives/12/status-reports", "midtjylland",
			report("on_schedule", `{"milestone":"i12-lungescreening-pilot","date":"2025-11-01"}`), 403},
		{"Danske Regioner marks its own milestone reached", "/api/v1/initiatives/5/status-reports", "regioner",
			report("on_schedule", `{"milestone":"i05-klinikker-rammer","date":"2025-11-01"}`), 201},
		{"the ministry (admin) marks its milestone reached", "/api/v1/initiatives/5/status-reports", "admin",
			report("on_schedule", `{"milestone":"plan-aftale-2026","date":"2025-11-01"}`), 201},
	} {
		t.Run(c.name, func(t *testing.T) {
			if rp := l.do(t, "POST", c.path, c.token, "application/json", c.body); rp.status != c.status {
				t.Errorf("status %d, want %d: %s", rp.status, c.status, rp.body)
			}
		})
	}

	t.Run("a region's completed does not set a Danske Regioner-led initiative's status", func(t *testing.T) {
		for _, w := range []struct{ token, status string }{{"regioner", "on_schedule"}, {"midtjylland", "completed"}} {
			if rp := l.do(t, "POST", "/api/v1/initiatives/12/status-reports", w.token, "application/json", report(w.status, "")); rp.status != 201 {
				t.Fatalf("%s: %d %s", w.token, rp.status, rp.body)
			}
		}
		var fu struct {
			Initiative struct {
				Status  string `json:"status"`
				Reports []struct {
					Org    string `json:"org"`
					Status string `json:"status"`
				} `json:"reports"`
			} `json:"initiative"`
		}
		l.do(t, "GET", "/api/v1/initiatives/12/follow-up?year=2025", "", "", "").json(t, &fu)
		if fu.Initiative.Status != "on_schedule" || len(fu.Initiative.Reports) != 2 {
			t.Errorf("initiative 12: status %q from %d report(s) %+v; want on_schedule (the lead's), both reports kept", fu.Initiative.Status, len(fu.Initiative.Reports), fu.Initiative.Reports)
		}
		var sr struct {
			Latest []struct {
				Org string `json:"org"`
			} `json:"latest"`
		}
		l.do(t, "GET", "/api/v1/initiatives/12/status-reports", "", "", "").json(t, &sr)
		if len(sr.Latest) != 2 {
			t.Errorf("status-reports latest: %d report(s), want each organisation's (2)", len(sr.Latest))
		}
	})

	t.Run("a region's commentary is regional commentary", func(t *testing.T) {
		body := `{"year":2025,"why_da":"Midtjyllands egne tal","actions_da":"a","by":"RM","by_when":"2026-12-31"}`
		if rp := l.do(t, "POST", "/api/v1/indicators/g1_gp_followup_plan/commentary", "midtjylland", "application/json", body); rp.status != 201 {
			t.Fatalf("%d %s", rp.status, rp.body)
		}
		type entry struct {
			Indicator, Org, Region string
		}
		var cm struct {
			Commentary []entry `json:"commentary"`
			Regional   []entry `json:"regional_commentary"`
		}
		l.do(t, "GET", "/api/v1/commentary?year=2025", "", "", "").json(t, &cm)
		for _, e := range cm.Commentary {
			if e.Indicator == "g1_gp_followup_plan" {
				t.Errorf("the region's commentary is shown as the indicator's: %+v", e)
			}
		}
		if len(cm.Regional) != 1 || cm.Regional[0].Region != "DK-82" {
			t.Errorf("regional commentary %+v; want Region Midtjylland's, for DK-82", cm.Regional)
		}
	})
}

// Follow-up writes are bounded and clean as the figures' are.
func TestFollowUpInputBoundedAndClean(t *testing.T) {
	l := newLiveServer(t)
	var many []string
	for i := 0; len(strings.Join(many, ",")) < 50_000; i++ {
		many = append(many, fmt.Sprintf(`{"milestone":"m%d","date":"d"}`, i))
	}
	status := `{"year":2025,"status":"on_schedule","narrative_da":"n","next_steps_da":"s"}`
	with := func(field, value string) string {
		v, _ := json.Marshal(value)
		return strings.Replace(status, `"`+field+`":"`+map[string]string{"narrative_da": "n", "next_steps_da": "s", "status": "on_schedule"}[field]+`"`, `"`+field+`":`+string(v), 1)
	}
	for _, c := range []struct {
		name, body string
		status     int
		field      string // named in the first error
		maxBytes   int    // of the answer and of its audit entry
	}{
		{"50 KB of bad milestones", `{"year":2025,"status":"on_schedule","narrative_da":"n","next_steps_da":"s","milestones_reached":[` + strings.Join(many, ",") + `]}`,
			422, "milestones_reached[0].milestone", 40_000},
		{"a long value is excerpted", with("status", strings.Repeat("x", 7000)), 422, "status", 2_000},
		{"NUL in a narrative", with("narrative_da", "før\x00efter"), 422, "narrative_da", 2_000},
		{"a bidi override in next steps", with("next_steps_da", "abc\u202edef"), 422, "next_steps_da", 2_000},
		{"a bell in a narrative", with("narrative_da", "ding\x07"), 422, "narrative_da", 2_000},
	} {
		t.Run(c.name, func(t *testing.T) {
			rp := l.do(t, "POST", "/api/v1/initiatives/4/status-reports", "regioner", "application/json", c.body)
			var prob struct {
				Errors []struct{ Field string } `json:"errors"`
			}
			if rp.status != c.status {
				t.Fatalf("status %d, want %d: %.300s", rp.status, c.status, rp.body)
			}
			rp.json(t, &prob)
			if len(prob.Errors) == 0 || prob.Errors[0].Field != c.field {
				t.Errorf("errors %+v; want the first to name %s", prob.Errors, c.field)
			}
			if len(prob.Errors) > 100 {
				t.Errorf("%d errors listed; at most 100", len(prob.Errors))
			}
			t.Logf("%d: %d error(s) listed, answer %d bytes", rp.status, len(prob.Errors), len(rp.body))
			if len(rp.body) > c.maxBytes {
				t.Errorf("answer of %d bytes; at most %d", len(rp.body), c.maxBytes)
			}
			if a := l.lastAudit(t); len(a.Detail) > c.maxBytes {
				t.Errorf("audit detail of %d bytes; at most %d", len(a.Detail), c.maxBytes)
			}
		})
	}
	t.Run("identical submissions are one revision", func(t *testing.T) {
		body := `{"year":2025,"spent":3.5,"committed":1}`
		var got []int
		for range 3 {
			got = append(got, l.do(t, "POST", "/api/v1/funding/senfoelger-regioner/spending", "regioner", "application/json", body).status)
		}
		n := l.count(t, `SELECT count(*) FROM plan_submissions WHERE subject = 'funding:senfoelger-regioner'`)
		if n != 1 || got[0] != 201 || got[1] != 200 || got[2] != 200 {
			t.Errorf("statuses %v and %d revision(s); want 201, 200, 200 and 1", got, n)
		}
	})
}

// A published version whose bytes no longer match their SHA-256 is not
// served; published HTML carries the live pages' security headers.
func TestPublishedVersionChecked(t *testing.T) {
	l := newLiveServer(t)
	if rp := l.do(t, "POST", "/api/v1/reports/2025/approve", "admin", "", ""); rp.status != 201 {
		t.Fatalf("approve: %d %s", rp.status, rp.body)
	}
	release, done := l.hold(t, `SET LOCAL session_replication_role = replica`,
		`UPDATE published_reports SET body = convert_to('{"tampered": true}', 'UTF8') WHERE format = 'json'`)
	release()
	<-done
	t.Run("a tampered body is not served", func(t *testing.T) {
		rp := l.do(t, "GET", "/api/v1/reports/2025/versions/1", "", "", "")
		if rp.status != 500 || bytes.Contains(rp.body, []byte("tampered")) || !bytes.Contains(rp.body, []byte("published-version-damaged")) {
			t.Errorf("%d %.300s; want 500 naming the damage, not the body", rp.status, rp.body)
		}
	})
	t.Run("published HTML has the security headers", func(t *testing.T) {
		rp := l.do(t, "GET", "/api/v1/reports/2025/versions/1?format=html", "", "", "")
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
			if rp.header.Get(h) == "" {
				t.Errorf("%d: no %s", rp.status, h)
			}
		}
	})
}
