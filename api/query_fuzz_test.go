package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/api"
	"github.com/kraeftplan/kpv/ingest"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

// FuzzQueryParameters sends arbitrary query parameters, as a user or a
// crawler could, to the endpoints that take them, against a real database:
// the answer is a result or a problem+json naming the bad parameter, never
// a server error or a crash.
func FuzzQueryParameters(f *testing.F) {
	cat := testkit.Catalogue(f)
	st := pgtest.NewStore(f)
	if _, err := st.SyncCatalogue(context.Background(), cat); err != nil {
		f.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	h := api.New(api.Options{Catalogue: cat, Store: st, Registerer: reg, Gatherer: reg, Logger: slog.New(slog.DiscardHandler)})
	paths := []string{
		"/api/v1/indicators/g3_survival_5y_denmark/observations",
		"/api/v1/indicators/g1_late_effects_need_unmet/observations",
		"/api/v1/ingest/runs",
		"/api/v1/indicators",
		"/api/v1/funding",
		"/api/v1/sources",
	}
	for _, seed := range []string{
		"geography=DK,081&from=2019&to=2024K1&sex=female&revisions=all&limit=10&offset=5",
		"as_of=2025-01-01&format=csv", "as_of=2025-01-01T10:00:00Z", "from=2016-2020&to=2024M01",
		"source=barometer&outcome=failed&kind=ingest&limit=1", "goal=1&owner=sst", "year=2025&table=plan-oekonomi",
		"limit=0", "offset=-1", "sex=%00", "geography=%ff", "need_type=physical", "from=9999&to=1900",
	} {
		for i := range paths {
			f.Add(uint8(i), seed)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, query string) {
		target := paths[int(which)%len(paths)] + "?" + query
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: kpv\r\n\r\n")))
		if err != nil {
			return // not a request a client could send
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
		case http.StatusBadRequest, http.StatusNotFound:
			var p struct {
				Status int    `json:"status"`
				Detail string `json:"detail"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != rec.Code || p.Detail == "" {
				t.Fatalf("GET %s: %d without a problem+json detail: %s", target, rec.Code, rec.Body)
			}
		default:
			t.Fatalf("GET %s: %d: %s", target, rec.Code, rec.Body)
		}
	})
}

// FuzzWriteEndpoints sends arbitrary bodies, content types and paths to the
// write endpoints (submissions and the admin ingest trigger) with a valid
// admin token, against a real database: every answer is a result or a
// problem+json, never a server error or a crash. An accepted batch is
// written, as it would be.
func FuzzWriteEndpoints(f *testing.F) {
	ctx := context.Background()
	cat := testkit.Catalogue(f)
	st := pgtest.NewStore(f)
	if _, err := st.SyncCatalogue(ctx, cat); err != nil {
		f.Fatal(err)
	}
	_, secret, err := st.CreateToken(ctx, store.RoleAdmin, "sds", "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	runner := &ingest.Runner{Store: st, Catalogue: cat, Offline: true, Metrics: ingest.NewMetrics(nil)}
	h := api.New(api.Options{Catalogue: cat, Store: st, Registerer: reg, Gatherer: reg, Runner: runner,
		Logger: slog.New(slog.DiscardHandler)})
	ctypes := []string{"text/csv", "application/json", "text/csv; charset=utf-8", "application/xml", ""}
	for _, seed := range []struct {
		path string
		body string
	}{
		{"/api/v1/indicators/g1_gp_followup_plan/observations", "period;geography;value;numerator;denominator\n2025;DK-82;61,5;123;200\n"},
		{"/api/v1/indicators/g1_late_effects_need_unmet/observations", `{"observations":[{"period":"2023","breakdown":{"need_type":"physical"},"value":71}]}`},
		{"/api/v1/indicators/g3_survival_5y_denmark/observations", "period,sex,value\n2020-2022,female,70\n"},
		{"/api/v1/indicators/nope/observations", "{}"},
		{"/api/v1/ingest/barometer/run", ""},
		{"/api/v1/ingest/lup/run?force=true", ""},
		{"/api/v1/ingest/%00/run", ""},
		// The plan's follow-up (plan.go).
		{"/api/v1/initiatives/26/status-reports", `{"year":2025,"status":"delayed","milestones_reached":[{"milestone":"i26-rygestopmedicin","date":"2025-03-01"}],"narrative_da":"a","next_steps_da":"b"}`},
		{"/api/v1/funding/palliation-kommuner/spending", `{"year":2025,"spent":70.5,"committed":2}`},
		{"/api/v1/indicators/g1_unmet_needs_followup/commentary", `{"year":2025,"why_da":"a","actions_da":"b","by":"SST","by_when":"2026-12-31"}`},
	} {
		for i := range ctypes {
			f.Add(seed.path, uint8(i), []byte(seed.body))
		}
	}
	f.Fuzz(func(t *testing.T, path string, ctype uint8, body []byte) {
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("POST " + path + " HTTP/1.1\r\nHost: kpv\r\n\r\n")))
		if err != nil {
			return // not a request a client could send
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		if ct := ctypes[int(ctype)%len(ctypes)]; ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST %s (%s, %q): %d: %s", path, req.Header.Get("Content-Type"), body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var p struct {
				Status int    `json:"status"`
				Detail string `json:"detail"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != rec.Code {
				t.Fatalf("POST %s: %d without a problem+json: %s", path, rec.Code, rec.Body)
			}
		}
	})
}
