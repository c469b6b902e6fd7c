package ingest_test

// Fault tests of the publisher: a source that fails in each of the ways
// publishers do. Each run must fail cleanly: the figures stored before stay
// exactly as they were, and the failure shows in the run log API and in
// kpv_ingest_runs_total. (An external test package: the API imports ingest.)

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/api"
	"github.com/kraeftplan/kpv/ingest"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

// NORDCAN web-table fixtures (numbers are not statistics).
const (
	payloadA = "All sites but non-melanoma skin cancer (Males) 5y;Denmark;Norway\n2014-2018;67.2[66.9-67.5];73.7[73.4-74.0]\n"
	payloadB = "All sites but non-melanoma skin cancer (Males) 5y;Denmark;Norway\n2014-2018;67.4[67.1-67.7];73.7[73.4-74.0]\n"
)

// faultRunner returns a runner whose NORDCAN source fetches from url with a
// 300 ms timeout and two attempts.
func faultRunner(t *testing.T, st *store.Store, url string) *ingest.Runner {
	t.Helper()
	c := testkit.Catalogue(t)
	src, _ := c.Source("nordcan-survival")
	src.URL = url
	if _, err := st.SyncCatalogue(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return &ingest.Runner{Store: st, Catalogue: c,
		Fetcher: &ingest.Fetcher{Client: http.DefaultClient, Timeout: 300 * time.Millisecond, Attempts: 2, Backoff: 10 * time.Millisecond}}
}

func TestFaultySourceFailsCleanly(t *testing.T) {
	ctx := context.Background()
	var fault atomic.Value // the handler for the current step
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fault.Load().(http.HandlerFunc)(w, r)
	}))
	defer srv.Close()

	st := pgtest.NewStore(t)
	r := faultRunner(t, st, srv.URL)
	reg := prometheus.NewRegistry()
	r.Metrics = ingest.NewMetrics(reg)
	r.Metrics.Init([]string{"nordcan-survival"})
	apiSrv := httptest.NewServer(api.New(api.Options{Catalogue: r.Catalogue, Store: st, Registerer: reg, Gatherer: reg}))
	defer apiSrv.Close()

	// Earlier data: one good publication.
	fault.Store(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, payloadA) }))
	if run, err := r.Run(ctx, "nordcan-survival", ingest.Options{}); err != nil || run.Outcome != "success" {
		t.Fatalf("first run: %s %v", run.Outcome, err)
	}
	before := allRevisions(t, st)

	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		wantErr string
	}{
		{"500", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}, "answered 500 Internal Server Error"},
		{"hang", func(w http.ResponseWriter, r *http.Request) {
			select { // past the fetcher's 300 ms timeout
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}, "deadline exceeded"},
		{"truncated body", func(w http.ResponseWriter, r *http.Request) {
			// The header promises the whole of payloadB; the connection
			// closes after half of it.
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, payloadB[:len(payloadB)/2])
		}, "unexpected EOF"},
		{"wrong format", func(w http.ResponseWriter, r *http.Request) {
			// JSON-stat where NORDCAN's CSV export was expected.
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"version":"2.0","class":"dataset","id":["Tid"],"size":[1],"dimension":{"Tid":{"category":{"index":["2023"]}}},"value":[67.4]}`)
		}, "got a JSON document, not a nordcan-survival file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			failedBefore := counter(t, reg, "nordcan-survival", "failed")
			fault.Store(tc.handler)
			run, err := r.Run(ctx, "nordcan-survival", ingest.Options{})
			if err == nil || run.Outcome != "failed" || !strings.Contains(run.Error, tc.wantErr) {
				t.Fatalf("run: outcome %s, error %q (%v); want failed with %q", run.Outcome, run.Error, err, tc.wantErr)
			}
			if got := allRevisions(t, st); got != before {
				t.Errorf("the stored figures changed:\nbefore %s\nafter  %s", before, got)
			}
			if n := counter(t, reg, "nordcan-survival", "failed"); n != failedBefore+1 {
				t.Errorf("kpv_ingest_runs_total{outcome=\"failed\"} went from %v to %v, want +1", failedBefore, n)
			}
			var page struct {
				Items []store.Run `json:"items"`
			}
			testkit.GetJSON(t, apiSrv.URL+"/api/v1/ingest/runs?source=nordcan-survival&outcome=failed&limit=1", &page)
			if len(page.Items) != 1 || page.Items[0].ID != run.ID || !strings.Contains(page.Items[0].Error, tc.wantErr) ||
				page.Items[0].FinishedAt == nil {
				t.Errorf("/api/v1/ingest/runs?outcome=failed: %+v; want run %d, finished, with its error", page.Items, run.ID)
			}
		})
	}

	// The publisher recovers: the next run succeeds and revises the figure.
	fault.Store(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, payloadB) }))
	if run, err := r.Run(ctx, "nordcan-survival", ingest.Options{}); err != nil || run.Outcome != "success" || run.Counts.Revised != 1 {
		t.Fatalf("run after the faults: %s %+v %v", run.Outcome, run.Counts, err)
	}
}

// allRevisions describes every stored revision, for before/after checks.
func allRevisions(t *testing.T, st *store.Store) string {
	t.Helper()
	obs, err := st.Observations(context.Background(), store.ObservationFilter{AllRevisions: true, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(obs)
	return string(b)
}

// counter reads kpv_ingest_runs_total for a source and outcome from reg.
func counter(t *testing.T, reg *prometheus.Registry, source, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "kpv_ingest_runs_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["source"] == source && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("kpv_ingest_runs_total{source=%q,outcome=%q} is not exposed", source, outcome)
	return 0
}
