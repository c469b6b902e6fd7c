package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/go-chi/chi/v5"

	"github.com/kraeftplan/kpv/api"
)

// awaitingMerge are operations the document describes whose handlers are
// built on another branch (the yearly report); until they are routed here,
// the route check accepts their absence and their cases are not sent. Once
// routed, they are checked like every other endpoint.
var awaitingMerge = []string{"GET /api/v1/reports/{year}"}

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := api.LoadOpenAPI()
	if err != nil {
		t.Fatalf("api/openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("api/openapi.yaml is not a valid OpenAPI 3 document: %v", err)
	}
	return doc
}

// specOperations lists "METHOD /path" of every operation in the document.
func specOperations(doc *openapi3.T) []string {
	var ops []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	sort.Strings(ops)
	return ops
}

// routedOperations lists "METHOD /pattern" of every route of the handler.
func routedOperations(t *testing.T, h http.Handler) []string {
	t.Helper()
	mux, ok := h.(chi.Routes)
	if !ok {
		t.Fatalf("api.New returned %T, not a chi router", h)
	}
	seen := map[string]bool{}
	err := chi.Walk(mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.TrimSuffix(route, "/*")
		// /metrics is mounted for every method; GET is the one served.
		if route == "/metrics" && method != http.MethodGet {
			return nil
		}
		seen[method+" "+route] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for op := range seen {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

// The document describes every route, and nothing that is not routed.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc := loadSpec(t)
	l := newLiveServer(t)
	specified, routed := specOperations(doc), routedOperations(t, l.srv.Config.Handler)
	for _, op := range routed {
		if !slices.Contains(specified, op) {
			t.Errorf("%s is routed but not in api/openapi.yaml", op)
		}
	}
	for _, op := range specified {
		if !slices.Contains(routed, op) {
			if slices.Contains(awaitingMerge, op) {
				t.Logf("%s is described and awaits its handler from the report branch", op)
				continue
			}
			t.Errorf("%s is in api/openapi.yaml but not routed", op)
		}
	}
	for _, op := range specified {
		method, path, _ := strings.Cut(op, " ")
		o := doc.Paths.Find(path).GetOperation(method)
		if o.Summary == "" || o.OperationID == "" {
			t.Errorf("%s has no summary or operationId", op)
		}
		// Every write needs a token, and says so.
		if method != http.MethodGet && (o.Security == nil || len(*o.Security) == 0) {
			t.Errorf("%s is a write without a security requirement", op)
		}
	}
	// The served document is this one.
	got := l.do(t, "GET", "/openapi.json", "", "", "")
	served, err := openapi3.NewLoader().LoadFromData(got.body)
	if got.status != 200 || err != nil || served.Paths.Len() != doc.Paths.Len() {
		t.Fatalf("/openapi.json: %d %v", got.status, err)
	}
}

// contractCase is one real request; every routed operation needs at least
// one case answering 2xx, and error answers are checked too.
type contractCase struct {
	method, path, token, ctype, body string
	status                           int
}

// Every endpoint is called on a real server with real data (the shipped
// snapshots, a submission, a triggered ingest), and each request and
// response is validated against the document: status, headers, media type
// and body schema. Every 2xx read is asked again with its ETag and must
// answer 304.
func TestContract(t *testing.T) {
	doc := loadSpec(t)
	doc.Servers = nil // match paths on the test server's address
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	// CSV (';'-separated, as Danish spreadsheets write it) and HTML are
	// described as text; kin-openapi's CSV decoder knows only ','.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.PlainBodyDecoder)
	// The XLSX report is a binary file (format: binary).
	openapi3filter.RegisterBodyDecoder("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", openapi3filter.FileBodyDecoder)
	l := newLiveServer(t)
	l.loadSnapshots(t)
	routed := routedOperations(t, l.srv.Config.Handler)

	// The figures in the submitted batches are invented for the test.
	cases := []contractCase{
		{method: "GET", path: "/healthz", status: 200},
		{method: "GET", path: "/readyz", status: 200},
		{method: "GET", path: "/metrics", status: 200},
		{method: "GET", path: "/openapi.json", status: 200},
		{method: "GET", path: "/api/v1/goals", status: 200},
		{method: "GET", path: "/api/v1/goals?limit=2&offset=1", status: 200},
		{method: "GET", path: "/api/v1/goals?limit=0", status: 400},
		{method: "GET", path: "/api/v1/goals/3", status: 200},
		{method: "GET", path: "/api/v1/goals/4", status: 404},
		{method: "GET", path: "/api/v1/initiatives?goal=2", status: 200},
		{method: "GET", path: "/api/v1/initiatives?limit=5&offset=35", status: 200},
		{method: "GET", path: "/api/v1/initiatives?colour=red", status: 400},
		{method: "GET", path: "/api/v1/funding", status: 200},
		{method: "GET", path: "/api/v1/funding?year=2026&recipient=all", status: 200},
		{method: "GET", path: "/api/v1/funding?format=csv", status: 200},
		{method: "GET", path: "/api/v1/funding?year=1999", status: 400},
		{method: "GET", path: "/api/v1/indicators", status: 200},
		{method: "GET", path: "/api/v1/indicators?goal=3&owner=ism&limit=2", status: 200},
		{method: "GET", path: "/api/v1/indicators?owner=nobody", status: 400},
		{method: "GET", path: "/api/v1/indicators/g3_nordic_rank_all_sites", status: 200},
		{method: "GET", path: "/api/v1/indicators/g1_unmet_needs_followup", status: 200},
		{method: "GET", path: "/api/v1/indicators/g9_happiness", status: 404},
		{method: "GET", path: "/api/v1/indicators/g3_survival_5y_nordic/observations", status: 200},
		{method: "GET", path: "/api/v1/indicators/g3_survival_5y_nordic/observations?geography=DK,SE&sex=female&cancer_site=990&limit=3", status: 200},
		{method: "GET", path: "/api/v1/indicators/g3_survival_5y_denmark/observations?format=csv&revisions=all&as_of=2030-01-01", status: 200},
		{method: "GET", path: "/api/v1/indicators/g1_unmet_needs_followup/observations?from=2019&to=2023&geography=081", status: 200},
		{method: "GET", path: "/api/v1/indicators/g1_unmet_needs_followup/observations?from=someday", status: 400},
		{method: "GET", path: "/api/v1/indicators/g1_unmet_needs_followup/observations?after=not-a-cursor", status: 400},
		{method: "GET", path: "/api/v1/indicators/g9_happiness/observations", status: 404},
		{method: "POST", path: gpPlan, token: "midtjylland", ctype: "text/csv", body: "period;geography;value;numerator;denominator\n2025;DK-82;61,5;123;200\n", status: 200},
		{method: "POST", path: gpPlan, token: "regioner", ctype: "application/json",
			body: `{"observations":[{"period":"2025","geography":"DK-81","value":58,"numerator":116,"denominator":200},{"period":"2025","geography":"DK-85","suppressed":true}]}`, status: 200},
		{method: "POST", path: gpPlan, ctype: "text/csv", body: "period;value\n2025;60\n", status: 401},
		{method: "POST", path: gpPlan, token: "sst", ctype: "text/csv", body: "period;value\n2025;60\n", status: 403},
		{method: "POST", path: gpPlan, token: "regioner", ctype: "application/json", body: `{"observations":[{"period":"2025","value":160}]}`, status: 422},
		{method: "POST", path: gpPlan, token: "regioner", ctype: "application/json", body: `{"observations":`, status: 400},
		{method: "POST", path: "/api/v1/indicators/g3_nordic_rank_all_sites/observations", token: "admin", ctype: "application/json", body: `{"observations":[]}`, status: 409},
		{method: "GET", path: "/api/v1/assessment", status: 200},
		{method: "GET", path: "/api/v1/sources", status: 200},
		{method: "GET", path: "/api/v1/sources/nordcan-survival", status: 200},
		{method: "GET", path: "/api/v1/sources/gallup", status: 404},
		{method: "POST", path: "/api/v1/ingest/barometer/run?force=true", token: "admin", status: 200},
		{method: "POST", path: "/api/v1/ingest/lup/run", token: "admin", status: 200},
		{method: "POST", path: "/api/v1/ingest/indberetning/run", token: "admin", status: 409},
		{method: "POST", path: "/api/v1/ingest/barometer/run", token: "regioner", status: 403},
		{method: "GET", path: "/api/v1/ingest/runs", status: 200},
		{method: "GET", path: "/api/v1/ingest/runs?kind=submission&outcome=success&limit=1", status: 200},
		{method: "GET", path: "/api/v1/ingest/runs?outcome=great", status: 400},
		{method: "GET", path: "/api/v1/audit", token: "admin", status: 200},
		{method: "GET", path: "/api/v1/audit?action=observations.submit&outcome=refused&target=indicator:*&since=2020-01-01", token: "admin", status: 200},
		{method: "GET", path: "/api/v1/audit?format=csv&org=region-midtjylland", token: "admin", status: 200},
		{method: "GET", path: "/api/v1/audit", status: 401},
		{method: "GET", path: "/api/v1/audit", token: "sst", status: 403},
		{method: "GET", path: "/api/v1/reports/2025", status: 200},
		{method: "GET", path: "/api/v1/reports/2025?format=csv", status: 200},
		{method: "GET", path: "/api/v1/reports/2025?format=xlsx", status: 200},
		{method: "GET", path: "/api/v1/reports/2025?format=html&as_of=2025-12-31", status: 200},
		{method: "GET", path: "/sider", status: 200},
		{method: "GET", path: "/sider/maal/3", status: 200},
		{method: "GET", path: "/sider/maal/9", status: 404},
		{method: "GET", path: "/sider/indikatorer/g1_unmet_needs_followup", status: 200},
		{method: "GET", path: "/sider/indikatorer/g3_nordic_rank_all_sites", status: 200},
		{method: "GET", path: "/sider/indikatorer/g9_happiness", status: 404},
		{method: "GET", path: "/sider/kilder/barometer", status: 200},
		{method: "GET", path: "/sider/kilder/gallup", status: 404},
	}
	cases = append(cases, planContractCases...)          // plan_contract_test.go
	cases = append(cases, followUpPageCases...)          // pages_contract_test.go
	cases = append(cases, pendingContractCases(t, l)...) // pending_test.go

	covered := map[string]bool{}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			name := c.method + " " + c.path
			route, params, err := router.FindRoute(newRequest(t, l, c, ""))
			if err != nil {
				t.Errorf("%s: not in the document: %v", name, err)
				return
			}
			op := c.method + " " + route.Path
			if !slices.Contains(routed, op) && slices.Contains(awaitingMerge, op) {
				t.Logf("%s: not routed in this build yet (%s)", name, op)
				return
			}
			resp := send(t, l, router, c, route, params, "")
			if resp == nil {
				return
			}
			if c.status < 300 {
				covered[op] = true
			}
			// Every successful read has an ETag and honours it.
			etag := resp.Header.Get("ETag")
			if c.method == "GET" && c.status == 200 && (strings.HasPrefix(c.path, "/api/") || c.path == "/openapi.json") {
				if etag == "" {
					t.Errorf("%s: no ETag", name)
					return
				}
				send(t, l, router, contractCase{method: c.method, path: c.path, token: c.token, status: http.StatusNotModified}, route, params, etag)
			}
		})
	}
	for _, op := range routed {
		if !covered[op] {
			t.Errorf("%s has no contract case that succeeds", op)
		}
	}
}

func newRequest(t *testing.T, l *liveServer, c contractCase, ifNoneMatch string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(c.method, l.srv.URL+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.ctype != "" {
		req.Header.Set("Content-Type", c.ctype)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+l.tokens[c.token])
	}
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	return req
}

// send validates the request against the document, sends it, checks the
// status and validates the response; it returns nil after a failure.
func send(t *testing.T, l *liveServer, router routers.Router, c contractCase, route *routers.Route, params map[string]string, ifNoneMatch string) *http.Response {
	t.Helper()
	name := c.method + " " + c.path
	if ifNoneMatch != "" {
		name += " (If-None-Match)"
	}
	req := newRequest(t, l, c, ifNoneMatch)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	// Requests meant to be refused for their content or their token are
	// sent anyway; the others must be valid by the document.
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && c.status < 400 {
		t.Errorf("%s: request does not fit the document: %v", name, err)
		return nil
	}
	req = newRequest(t, l, c, ifNoneMatch)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != c.status {
		t.Errorf("%s: status %d, want %d: %.300s", name, resp.StatusCode, c.status, body)
		return nil
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s: response does not fit the document: %v\n%.500s", name, err, body)
		return nil
	}
	return resp
}
