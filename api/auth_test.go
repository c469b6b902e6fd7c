package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/api"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/ingest"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/monitor"
	"github.com/kraeftplan/kpv/store"
)

// liveServer is kpv's API as `kpv serve` wires it: a fresh database, the
// monitor's assessment, the ingest runner reading the shipped snapshots,
// and tokens for the organisations the tests act for.
type liveServer struct {
	srv    *httptest.Server
	st     *store.Store
	cat    *indicators.Catalogue
	runner *ingest.Runner
	tokens map[string]string // by name
}

func newLiveServer(t *testing.T) *liveServer {
	t.Helper()
	ctx := context.Background()
	cat := testkit.Catalogue(t)
	st := pgtest.NewStore(t)
	if _, err := st.SyncCatalogue(ctx, cat); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	mon := monitor.New(monitor.Options{Catalogue: cat, Store: st, Registerer: reg})
	if err := mon.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	runner := &ingest.Runner{Store: st, Catalogue: cat, Metrics: ingest.NewMetrics(reg), Offline: true, AfterRun: mon.AfterRun}
	srv := httptest.NewServer(api.New(api.Options{Catalogue: cat, Store: st, Assessor: mon, Registerer: reg, Metrics: mon.Handler(reg),
		Runner: runner, AfterWrite: mon.AfterRun}))
	t.Cleanup(srv.Close)
	l := &liveServer{srv: srv, st: st, cat: cat, runner: runner, tokens: map[string]string{}}
	for _, tk := range []struct{ name, role, org string }{
		{"admin", store.RoleAdmin, "ism"},
		{"sst", store.RoleSubmitter, "sst"},
		{"regioner", store.RoleSubmitter, "regioner"},
		{"midtjylland", store.RoleSubmitter, "region-midtjylland"},
		{"revoked", store.RoleSubmitter, "regioner"},
	} {
		tok, secret, err := st.CreateToken(ctx, tk.role, tk.org, tk.name)
		if err != nil {
			t.Fatal(err)
		}
		l.tokens[tk.name] = secret
		if tk.name == "revoked" {
			if _, err := st.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	return l
}

// loadSnapshots ingests every shipped snapshot, as `make up` does.
func (l *liveServer) loadSnapshots(t *testing.T) {
	t.Helper()
	for _, src := range l.cat.Sources {
		if len(src.Files()) == 0 {
			continue
		}
		run, err := l.runner.Run(context.Background(), src.ID, ingest.Options{})
		if err != nil || run.Outcome != "success" {
			t.Fatalf("ingest %s: %s %v", src.ID, run.Outcome, err)
		}
	}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (rp reply) json(t *testing.T, into any) {
	t.Helper()
	if err := json.Unmarshal(rp.body, into); err != nil {
		t.Fatalf("%v in %s", err, rp.body)
	}
}

// do sends a request with the named token ("" for none; a name not in
// tokens is sent as the token itself).
func (l *liveServer) do(t *testing.T, method, path, token, ctype, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, l.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		if s, ok := l.tokens[token]; ok {
			token = s
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, b}
}

func (l *liveServer) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := l.st.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// lastAudit is the newest audit entry.
func (l *liveServer) lastAudit(t *testing.T) store.AuditEntry {
	t.Helper()
	es, err := l.st.AuditLog(context.Background(), store.AuditFilter{Limit: 1})
	if err != nil || len(es) != 1 {
		t.Fatalf("audit log: %v %v", es, err)
	}
	return es[0]
}

type problem struct {
	Type   string                `json:"type"`
	Status int                   `json:"status"`
	Detail string                `json:"detail"`
	Errors []indicators.RowError `json:"errors"`
}

const gpPlan = "/api/v1/indicators/g1_gp_followup_plan/observations"

// Every refused or rejected write answers with the right status and a
// problem naming what is wrong, writes no figure, and is in the audit log.
// (The figures in these batches are invented for the test.)
func TestSubmissionsRefusedWriteNothing(t *testing.T) {
	l := newLiveServer(t)
	okCSV := "period;geography;value;numerator;denominator\n2025;DK-82;61,5;123;200\n"
	bigCSV := "period,geography,value\n" + strings.Repeat("2025,DK-82,61.5\n", 300_000)
	cases := []struct {
		name, path, token, ctype, body string
		status                         int
		outcome, actor                 string
		detail                         string
		rows                           []indicators.RowError // field and row of each listed error
	}{
		{name: "no token", path: gpPlan, ctype: "text/csv", body: okCSV, status: 401, outcome: "refused", actor: "anonymous", detail: "needs a token"},
		{name: "wrong token", path: gpPlan, token: "kpv_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ctype: "text/csv", body: okCSV, status: 401, outcome: "refused", actor: "anonymous", detail: "unknown or revoked"},
		{name: "revoked token", path: gpPlan, token: "revoked", ctype: "text/csv", body: okCSV, status: 401, outcome: "refused", actor: "anonymous", detail: "unknown or revoked"},
		{name: "another organisation's indicator", path: gpPlan, token: "sst", ctype: "text/csv", body: okCSV, status: 403, outcome: "refused",
			detail: "owned by regioner; a token of sst may write only"},
		{name: "a region writing another organisation's indicator", path: "/api/v1/indicators/g2_pro_use/observations", token: "midtjylland", ctype: "text/csv",
			body: okCSV, status: 403, outcome: "refused", detail: "owned by sds"},
		{name: "another region's figures", path: gpPlan, token: "midtjylland", ctype: "text/csv",
			body: "period;geography;value\n2025;DK-82;60\n2025;DK-81;58\n2025;Region Hovedstaden;57\n", status: 403, outcome: "refused",
			detail: "2 row(s) are another region's figures", rows: []indicators.RowError{{Row: 2, Field: "geography"}, {Row: 3, Field: "geography"}}},
		{name: "a region writing the national figure", path: "/api/v1/indicators/g1_regions_late_effects_clinic/observations", token: "midtjylland",
			ctype: "application/json", body: `{"observations":[{"period":"2025","geography":"DK","value":3}]}`, status: 403, outcome: "refused",
			rows: []indicators.RowError{{Row: 1, Field: "geography"}}},
		{name: "bad CSV header", path: gpPlan, token: "regioner", ctype: "text/csv", body: "period;region;andel\n2025;DK-82;61,5\n", status: 422, outcome: "rejected",
			rows: []indicators.RowError{{Row: 0, Field: "region"}, {Row: 0, Field: "andel"}, {Row: 0, Field: "value"}}},
		{name: "bad rows", path: gpPlan, token: "regioner", ctype: "text/csv",
			body:   "period;geography;value;numerator;denominator\n2025;DK-81;61,5;123;200\n2025;DK-82;sixty;;\n2025;DK-99;50;;\n2025;DK-83;120;;\n2025q9;DK-84;50;;\n2025;DK-85;;;\n",
			status: 422, outcome: "rejected", detail: "5 problem(s) in a batch of 6 row(s)",
			rows: []indicators.RowError{{Row: 2, Field: "value"}, {Row: 3, Field: "geography"}, {Row: 4, Field: "value"}, {Row: 5, Field: "period"}, {Row: 6, Field: "value"}}},
		{name: "bad JSON rows", path: gpPlan, token: "admin", ctype: "application/json",
			body:   `{"observations":[{"period":"2025","geography":"DK","value":"61"},{"period":"2025","geography":"DK-81","value":50,"colour":"red"},{"period":"2025","geography":"DK-82","value":40,"numerator":90,"denominator":80}]}`,
			status: 422, outcome: "rejected", rows: []indicators.RowError{{Row: 1, Field: "value"}, {Row: 2, Field: "colour"}, {Row: 3, Field: "numerator"}}},
		{name: "not JSON", path: gpPlan, token: "regioner", ctype: "application/json", body: `[{"period": 2025`, status: 400, outcome: "rejected", detail: "not a JSON object"},
		{name: "empty batch", path: gpPlan, token: "regioner", ctype: "application/json", body: `{"observations":[]}`, status: 422, outcome: "rejected", rows: []indicators.RowError{{Row: 0, Field: "observations"}}},
		{name: "unsupported media type", path: gpPlan, token: "regioner", ctype: "text/plain", body: okCSV, status: 415, outcome: "rejected", detail: "application/json or text/csv"},
		{name: "oversized batch", path: gpPlan, token: "regioner", ctype: "text/csv", body: bigCSV, status: 413, outcome: "rejected", detail: "at most 4194304 bytes"},
		{name: "unknown indicator", path: "/api/v1/indicators/g9_happiness/observations", token: "admin", ctype: "text/csv", body: okCSV, status: 404, outcome: "rejected"},
		{name: "a derived indicator", path: "/api/v1/indicators/g3_nordic_rank_all_sites/observations", token: "admin", ctype: "text/csv", body: okCSV, status: 409, outcome: "rejected", detail: "derived by kpv"},
		{name: "a fetched indicator", path: "/api/v1/indicators/g3_survival_5y_nordic/observations", token: "admin", ctype: "text/csv", body: okCSV, status: 409, outcome: "rejected", detail: "fetched by kpv from nordcan-survival"},
		{name: "a submitter triggering an ingest", path: "/api/v1/ingest/barometer/run", token: "sst", status: 403, outcome: "refused", detail: "needs the role admin"},
		{name: "no token triggering an ingest", path: "/api/v1/ingest/barometer/run", status: 401, outcome: "refused", actor: "anonymous"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := l.count(t, `SELECT count(*) FROM observations`)
			got := l.do(t, "POST", c.path, c.token, c.ctype, c.body)
			if got.status != c.status {
				t.Fatalf("status %d, want %d: %s", got.status, c.status, got.body)
			}
			t.Logf("%d %s", got.status, got.body)
			if ct := got.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q", ct)
			}
			var p problem
			got.json(t, &p)
			if !strings.Contains(p.Detail, c.detail) {
				t.Errorf("detail %q lacks %q", p.Detail, c.detail)
			}
			if c.status == 401 && !strings.HasPrefix(got.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without a Bearer challenge: %q", got.header.Get("WWW-Authenticate"))
			}
			if len(p.Errors) != len(c.rows) {
				t.Fatalf("errors %+v, want %d", p.Errors, len(c.rows))
			}
			for i, want := range c.rows {
				if e := p.Errors[i]; e.Row != want.Row || e.Field != want.Field || e.Message == "" {
					t.Errorf("error %d: %+v, want row %d field %s", i, e, want.Row, want.Field)
				}
			}
			if after := l.count(t, `SELECT count(*) FROM observations`); after != before {
				t.Errorf("%d figures written", after-before)
			}
			a := l.lastAudit(t)
			if a.Outcome != c.outcome || a.Status != c.status || a.RequestID == "" {
				t.Errorf("audit entry: %+v, want outcome %s status %d", a, c.outcome, c.status)
			}
			if c.actor != "" && a.Actor != c.actor {
				t.Errorf("audit actor %q, want %q", a.Actor, c.actor)
			}
			if c.actor == "" && (a.TokenID == nil || a.Org == "") {
				t.Errorf("audit entry lacks the token and organisation: %+v", a)
			}
		})
	}
	// The rejected batches were logged as failed submission runs with
	// their rows; none wrote a figure.
	if n := l.count(t, `SELECT count(*) FROM ingest_runs WHERE kind = 'submission' AND outcome <> 'failed'`); n != 0 {
		t.Errorf("%d submission runs did not fail", n)
	}

	// Reading the audit log is for admins.
	if got := l.do(t, "GET", "/api/v1/audit", "", "", ""); got.status != 401 {
		t.Errorf("audit without a token: %d", got.status)
	}
	if got := l.do(t, "GET", "/api/v1/audit", "regioner", "", ""); got.status != 403 {
		t.Errorf("audit with a submitter's token: %d", got.status)
	}
}

// An accepted batch is written as a submission run, shows in the
// observations and in the audit log; the same batch again changes
// nothing. (Invented figures.)
func TestSubmissionAccepted(t *testing.T) {
	l := newLiveServer(t)
	csv := "period;geography;value;numerator;denominator\n2025;Region Midtjylland;61,5;123;200\n"
	got := l.do(t, "POST", gpPlan, "midtjylland", "text/csv; charset=utf-8", csv)
	if got.status != 200 {
		t.Fatalf("status %d: %s", got.status, got.body)
	}
	var out struct {
		Run     store.Run `json:"run"`
		AuditID int64     `json:"audit_id"`
	}
	got.json(t, &out)
	if out.Run.Kind != "submission" || out.Run.Source != "indberetning" || out.Run.Outcome != "success" || out.Run.Counts.Inserted != 1 || out.AuditID == 0 {
		t.Fatalf("run: %+v", out)
	}

	var obs struct {
		Items []indicators.Observation `json:"items"`
	}
	l.do(t, "GET", gpPlan+"?geography=DK-82", "", "", "").json(t, &obs)
	if len(obs.Items) != 1 || *obs.Items[0].Value != 61.5 || *obs.Items[0].Denominator != 200 || obs.Items[0].RunID != out.Run.ID || obs.Items[0].Source != "indberetning" {
		t.Fatalf("observations after the submission: %+v", obs.Items)
	}

	var audit struct {
		Items []store.AuditEntry `json:"items"`
		Count int                `json:"count"`
	}
	l.do(t, "GET", "/api/v1/audit?action=observations.submit&outcome=accepted", "admin", "", "").json(t, &audit)
	if audit.Count != 1 {
		t.Fatalf("audit: %+v", audit)
	}
	a := audit.Items[0]
	var detail struct {
		Rows   int          `json:"rows"`
		SHA256 string       `json:"sha256"`
		Counts store.Counts `json:"counts"`
	}
	_ = json.Unmarshal(a.Detail, &detail)
	if a.ID != out.AuditID || a.Org != "region-midtjylland" || a.Target != "indicator:g1_gp_followup_plan" || a.RunID == nil || *a.RunID != out.Run.ID ||
		detail.Rows != 1 || len(detail.SHA256) != 64 || detail.Counts.Inserted != 1 {
		t.Fatalf("audit entry: %+v %+v", a, detail)
	}

	// The whole country's batch as JSON from Danske Regioner; the
	// Midtjylland row is unchanged, the others are new.
	body := `{"observations":[` +
		`{"period":"2025","geography":"DK","value":60,"numerator":600,"denominator":1000},` +
		`{"period":"2025","geography":"DK-82","value":61.5,"numerator":123,"denominator":200},` +
		`{"period":"2025","geography":"DK-81","suppressed":true}]}`
	got = l.do(t, "POST", gpPlan, "regioner", "application/json", body)
	got.json(t, &out)
	if got.status != 200 || out.Run.Counts != (store.Counts{Read: 3, Inserted: 2, Unchanged: 1}) {
		t.Fatalf("JSON batch: %d %+v %s", got.status, out.Run, got.body)
	}
	got = l.do(t, "POST", gpPlan, "regioner", "application/json", body)
	got.json(t, &out)
	if got.status != 200 || out.Run.Outcome != "unchanged" {
		t.Fatalf("the same batch again: %d %+v", got.status, out.Run)
	}
	// The suppressed figure is stored as suppressed, not 0.
	l.do(t, "GET", gpPlan+"?geography=DK-81", "", "", "").json(t, &obs)
	if len(obs.Items) != 1 || !obs.Items[0].Suppressed || obs.Items[0].Value != nil {
		t.Fatalf("suppressed figure: %+v", obs.Items)
	}
	// The run log lists the submissions.
	var runs struct {
		Count int `json:"count"`
	}
	l.do(t, "GET", "/api/v1/ingest/runs?kind=submission", "", "", "").json(t, &runs)
	if runs.Count != 3 {
		t.Errorf("submission runs: %d, want 3", runs.Count)
	}
	// The assessment was refreshed after the write.
	var ind struct {
		Assessment struct {
			Series []json.RawMessage `json:"series"`
		} `json:"assessment"`
	}
	l.do(t, "GET", "/api/v1/indicators/g1_gp_followup_plan", "", "", "").json(t, &ind)
	if len(ind.Assessment.Series) == 0 {
		t.Errorf("assessment not refreshed after the submission: %s", l.do(t, "GET", "/api/v1/indicators/g1_gp_followup_plan", "", "", "").body)
	}
}

// An admin runs an ingest through the API; others cannot, and sources with
// nothing to fetch say so.
func TestIngestTrigger(t *testing.T) {
	l := newLiveServer(t)
	var out struct {
		Run store.Run `json:"run"`
	}
	got := l.do(t, "POST", "/api/v1/ingest/barometer/run", "admin", "", "")
	got.json(t, &out)
	if got.status != 200 || out.Run.Outcome != "success" || out.Run.Counts.Inserted == 0 || out.Run.Kind != "ingest" {
		t.Fatalf("first run: %d %+v", got.status, out.Run)
	}
	if n := l.count(t, `SELECT count(*) FROM observations WHERE run_id = $1`, out.Run.ID); n != out.Run.Counts.Inserted {
		t.Errorf("%d figures from the run, it says %d", n, out.Run.Counts.Inserted)
	}
	got = l.do(t, "POST", "/api/v1/ingest/barometer/run", "admin", "", "")
	got.json(t, &out)
	if got.status != 200 || out.Run.Outcome != "unchanged" {
		t.Fatalf("second run: %d %+v", got.status, out.Run)
	}
	a := l.lastAudit(t)
	if a.Action != "ingest.trigger" || a.Outcome != "accepted" || a.Org != "ism" || a.RunID == nil || *a.RunID != out.Run.ID {
		t.Errorf("audit: %+v", a)
	}
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/api/v1/ingest/indberetning/run", 409},
		{"/api/v1/ingest/gallup/run", 404},
		{"/api/v1/ingest/barometer/run?force=maybe", 400},
		{"/api/v1/ingest/lup/run", 200}, // runs, and fails: no snapshot is shipped
	} {
		t.Run(c.path, func(t *testing.T) {
			if got := l.do(t, "POST", c.path, "admin", "", ""); got.status != c.status {
				t.Errorf("%s: %d, want %d: %s", c.path, got.status, c.status, got.body)
			}
		})
	}
	if a := l.lastAudit(t); a.Outcome != "failed" || a.Target != "source:lup" {
		t.Errorf("failed run's audit: %+v", a)
	}
}
