package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/api"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

func reportBuilds(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "kpv_report_builds_total" {
			return mf.Metric[0].GetCounter().GetValue()
		}
	}
	t.Fatal("kpv_report_builds_total is not registered")
	return 0
}

// Many people opening this year's report at once cost one build, not one
// each; a report as of now is reused for a few seconds, then rebuilt when
// figures were written meanwhile.
func TestReportCacheBuildsOnce(t *testing.T) {
	cat := testkit.Catalogue(t)
	st := pgtest.NewStore(t)
	ctx := context.Background()
	if _, err := st.SyncCatalogue(ctx, cat); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv := httptest.NewServer(api.New(api.Options{Catalogue: cat, Store: st, Registerer: reg, Gatherer: reg}))
	t.Cleanup(srv.Close)
	url := fmt.Sprintf("%s/api/v1/reports/%d", srv.URL, time.Now().Year())

	var wg sync.WaitGroup
	etags := make([]string, 32)
	for i := range etags {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(url)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
			etags[i] = resp.Header.Get("ETag")
		}()
	}
	wg.Wait()
	if n := reportBuilds(t, reg); n != 1 {
		t.Errorf("32 concurrent requests built the report %v times, want once", n)
	}
	for _, e := range etags {
		if e != etags[0] {
			t.Errorf("concurrent requests got different reports: %q and %q", e, etags[0])
		}
	}

	// A run recorded meanwhile (an empty test run) changes what the report
	// rests on: it is rebuilt once the cached one is a few seconds old.
	_, err := st.Record(ctx, "indberetning", store.KindTest, func(ctx context.Context, tx pgx.Tx, runID int64) (store.Counts, error) {
		return store.Counts{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5500 * time.Millisecond)
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := reportBuilds(t, reg); n != 2 {
		t.Errorf("after a write and 5.5 s: %v builds, want 2 (rebuilt once)", n)
	}
}
