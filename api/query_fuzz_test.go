package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/api"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/pgtest"
)

// FuzzQueryParameters sends arbitrary query parameters, as a user or a
// crawler could, to the endpoints that take them, against a real database:
// the answer is a result or a problem+json naming the bad parameter, never
// a server error or a crash.
func FuzzQueryParameters(f *testing.F) {
	cat, err := indicators.LoadEmbedded()
	if err != nil {
		f.Fatal(err)
	}
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
