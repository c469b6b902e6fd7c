package ingest_test

// Overlap tests (issue 20, finding 1): four runs at once, by hand or by
// the scheduler when four schedules fall on the same minute, must leave the
// API answering; every run has a deadline and ends its run log entry.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/api"
	"github.com/kraeftplan/kpv/ingest"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

var fetchedSources = []string{"nordcan-survival", "sds-kraeftoverlevelse", "barometer", "lup"}

// smallPoolStore opens a migrated store whose pool has four connections,
// the default on a two-core machine, where the lock-up was seen.
func smallPoolStore(t *testing.T) *store.Store {
	t.Helper()
	url := pgtest.NewDatabase(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	st, err := store.Open(context.Background(), url+sep+"pool_max_conns=4")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// slowPublisher answers every source after delay: NORDCAN with its table,
// the others with 404 (a failed run is as good as any to hold a run open).
func slowPublisher(t *testing.T, delay time.Duration) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		if r.URL.Path == "/nordcan-survival" {
			_, _ = w.Write([]byte(payloadA))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// overlapRunner points the four fetched sources at the publisher.
func overlapRunner(t *testing.T, st *store.Store, base string) *ingest.Runner {
	t.Helper()
	c := testkit.Catalogue(t)
	for _, id := range fetchedSources {
		src, ok := c.Source(id)
		if !ok {
			t.Fatalf("the catalogue has no source %s; update the test", id)
		}
		src.URL = base + "/" + id
	}
	if _, err := st.SyncCatalogue(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return &ingest.Runner{Store: st, Catalogue: c, Timeout: 30 * time.Second,
		Fetcher: &ingest.Fetcher{Client: http.DefaultClient, Timeout: 10 * time.Second, Attempts: 1}}
}

// probe asks /readyz and a Postgres-backed endpoint every 100 ms until
// stop is closed, and returns every answer that was not a quick 200.
func probe(base string, stop <-chan struct{}) <-chan []string {
	out := make(chan []string, 1)
	go func() {
		var bad []string
		client := &http.Client{Timeout: 3 * time.Second}
		for n := 0; ; n++ {
			for _, path := range []string{"/readyz", "/api/v1/ingest/runs?limit=1"} {
				started := time.Now()
				resp, err := client.Get(base + path)
				switch {
				case err != nil:
					bad = append(bad, path+": "+err.Error())
				case resp.StatusCode != 200:
					bad = append(bad, path+": "+resp.Status)
				case time.Since(started) > 2*time.Second:
					bad = append(bad, path+": took "+time.Since(started).String())
				}
				if resp != nil {
					resp.Body.Close()
				}
			}
			select {
			case <-stop:
				out <- bad
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return out
}

func TestFourRunsAtOnceLeaveTheAPIAnswering(t *testing.T) {
	for _, how := range []string{"triggered", "scheduled"} {
		t.Run(how, func(t *testing.T) {
			// Bounded, so that a lock-up fails the test instead of hanging it.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			st := smallPoolStore(t)
			pub := slowPublisher(t, 1500*time.Millisecond)
			r := overlapRunner(t, st, pub.URL)
			srv := httptest.NewServer(api.New(api.Options{Catalogue: r.Catalogue, Store: st, Registerer: prometheus.NewRegistry(), Gatherer: prometheus.NewRegistry()}))
			defer srv.Close()
			sched, err := ingest.NewScheduler(r, "test-replica")
			if err != nil {
				t.Fatal(err)
			}

			stop := make(chan struct{})
			problems := probe(srv.URL, stop)
			// Every shipped schedule fires at 06:00 on a Monday that is the 1st.
			due := time.Date(2027, 2, 1, 6, 0, 0, 0, ingest.Copenhagen)
			started := time.Now()
			var wg sync.WaitGroup
			runs := make([]store.Run, len(fetchedSources))
			errs := make([]error, len(fetchedSources))
			for i, id := range fetchedSources {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if how == "scheduled" {
						_, errs[i] = sched.RunDue(ctx, id, due)
						return
					}
					runs[i], errs[i] = r.Run(ctx, id, ingest.Options{})
				}()
			}
			wg.Wait()
			took := time.Since(started)
			close(stop)
			bad := <-problems
			t.Logf("four %s runs took %s; the API answered throughout: %v", how, took.Round(time.Millisecond), len(bad) == 0)
			if len(bad) > 0 {
				t.Errorf("while four runs went, the API did not answer (%d of its answers):\n%s", len(bad), strings.Join(bad[:min(len(bad), 10)], "\n"))
			}
			for i, id := range fetchedSources {
				if errs[i] != nil && !strings.Contains(errs[i].Error(), "404") {
					t.Errorf("run of %s: %v", id, errs[i])
				}
			}
			all, err := st.Runs(ctx, store.RunFilter{})
			if err != nil {
				t.Fatal(err)
			}
			outcomes := map[string]store.RunOutcome{}
			for _, run := range all {
				outcomes[run.Source] = run.Outcome
			}
			want := map[string]store.RunOutcome{"nordcan-survival": store.RunSuccess, "sds-kraeftoverlevelse": store.RunFailed, "barometer": store.RunFailed, "lup": store.RunFailed}
			if len(all) != 4 {
				t.Errorf("%d runs in the log, want 4: %v", len(all), outcomes)
			}
			for id, o := range want {
				if outcomes[id] != o {
					t.Errorf("run of %s ended %q in the log, want %q", id, outcomes[id], o)
				}
			}
		})
	}
}

// A run that outlasts its deadline fails and says so, and its log entry is
// closed: a scheduled run has nobody to give up on it.
func TestRunHasADeadline(t *testing.T) {
	ctx := context.Background()
	st := smallPoolStore(t)
	pub := slowPublisher(t, time.Hour)
	r := overlapRunner(t, st, pub.URL)
	r.Timeout = time.Second
	started := time.Now()
	run, err := r.Run(ctx, "nordcan-survival", ingest.Options{})
	took := time.Since(started)
	if took > 5*time.Second {
		t.Errorf("a run with a 1s deadline took %s", took)
	}
	if err == nil || !strings.Contains(err.Error(), "KPV_RUN_TIMEOUT") {
		t.Errorf("run error %v, want one naming the deadline (KPV_RUN_TIMEOUT)", err)
	}
	all, err := st.Runs(ctx, store.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Outcome != store.RunFailed || !strings.Contains(all[0].Error, "deadline") || run.FinishedAt == nil {
		t.Errorf("run log %+v, want one failed run naming its deadline", all)
	}
}

// The pool's saturation is exposed for the KPVDatabasePoolSaturated alert.
func TestPoolMetrics(t *testing.T) {
	st := smallPoolStore(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(st.PoolCollector())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		m := mf.GetMetric()[0]
		if m.GetGauge() != nil {
			got[mf.GetName()] = m.GetGauge().GetValue()
		} else {
			got[mf.GetName()] = m.GetCounter().GetValue()
		}
	}
	if got["kpv_db_pool_max_connections"] != 4 {
		t.Errorf("kpv_db_pool_max_connections = %v, want 4 (%v)", got["kpv_db_pool_max_connections"], got)
	}
	for _, name := range []string{"kpv_db_pool_acquired_connections", "kpv_db_pool_idle_connections", "kpv_db_pool_empty_acquires_total", "kpv_db_pool_empty_acquire_wait_seconds_total"} {
		if _, ok := got[name]; !ok {
			t.Errorf("no %s among %v", name, got)
		}
	}
}

// A run that gives up waiting for its turn (the runner's runs all busy)
// is in the run log, failed, saying so.
func TestRunWaitingForItsTurnIsLogged(t *testing.T) {
	ctx := context.Background()
	st := smallPoolStore(t)
	pub := slowPublisher(t, time.Hour)
	r := overlapRunner(t, st, pub.URL)
	r.Concurrency = 1
	busy, stop := context.WithCancel(ctx)
	held := make(chan error, 1)
	go func() { _, err := r.Run(busy, "nordcan-survival", ingest.Options{}); held <- err }()
	// The first run holds the one turn, waiting on its publisher.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		runs, err := st.Runs(ctx, store.RunFilter{Outcome: store.RunRunning})
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first run did not start within 30s")
		}
	}
	waiting, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	run, err := r.Run(waiting, "barometer", ingest.Options{})
	stop()
	<-held
	if err == nil || !strings.Contains(err.Error(), "waiting for another run to finish") {
		t.Errorf("run error %v, want one saying it waited for another run", err)
	}
	logged, err := st.Runs(ctx, store.RunFilter{Source: "barometer"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("run log of the run that waited: %+v", logged)
	if len(logged) != 1 || logged[0].Outcome != store.RunFailed || !strings.Contains(logged[0].Error, "waiting for another run to finish") ||
		logged[0].ID != run.ID || logged[0].FinishedAt == nil {
		t.Errorf("run log %+v, want one failed run saying it waited for another run to finish", logged)
	}
}
