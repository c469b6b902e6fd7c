package ingest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

// Format fixtures in NORDCAN's web-table shape (numbers are not statistics).
const (
	payloadA = "All sites but non-melanoma skin cancer (Males) 5y;Denmark;Norway\n2014-2018;67.2[66.9-67.5];73.7[73.4-74.0]\n"
	payloadB = "All sites but non-melanoma skin cancer (Males) 5y;Denmark;Norway\n2014-2018;67.4[67.1-67.7];73.7[73.4-74.0]\n"
)

// testRunner returns a runner on a fresh database whose NORDCAN source
// points at url, with a fetcher quick enough for tests.
func testRunner(t *testing.T, st *store.Store, url string) *Runner {
	t.Helper()
	c := testkit.Catalogue(t)
	source(t, c, "nordcan-survival").URL = url
	if _, err := st.SyncCatalogue(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return &Runner{Store: st, Catalogue: c, Metrics: NewMetrics(nil),
		Fetcher: &Fetcher{Client: http.DefaultClient, Timeout: 300 * time.Millisecond, Attempts: 2, Backoff: 10 * time.Millisecond}}
}

func TestRunsAgainstAPublisher(t *testing.T) {
	ctx := context.Background()
	var step atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch step.Load() {
		case 1:
			w.Header().Set("ETag", `"a"`)
			w.Write([]byte(payloadA))
		case 2:
			w.Header().Set("ETag", `"b"`)
			w.Write([]byte(payloadB))
		case 3:
			w.Write([]byte("<html><body>Service temporarily unavailable</body></html>"))
		case 4:
			http.Error(w, "internal error", http.StatusInternalServerError)
		case 5:
			select { // hang past the fetcher's timeout
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}
	}))
	defer srv.Close()
	st := pgtest.NewStore(t)
	r := testRunner(t, st, srv.URL)

	wantOutcome := []store.RunOutcome{store.RunSuccess, store.RunSuccess, store.RunFailed, store.RunFailed, store.RunFailed}
	wantErr := []string{"", "", "got a web page, not a nordcan-survival file", "answered 500 Internal Server Error", "deadline exceeded"}
	for i := range wantOutcome {
		step.Store(int32(i + 1))
		run, err := r.Run(ctx, "nordcan-survival", Options{})
		if run.Outcome != wantOutcome[i] {
			t.Errorf("run %d: outcome %s (%v), want %s", i+1, run.Outcome, err, wantOutcome[i])
		}
		if wantErr[i] != "" && (err == nil || !strings.Contains(run.Error, wantErr[i])) {
			t.Errorf("run %d: error %q, want one containing %q", i+1, run.Error, wantErr[i])
		}
	}

	runs, err := st.Runs(ctx, store.RunFilter{Source: "nordcan-survival", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 5 {
		t.Fatalf("run log has %d entries, want 5", len(runs))
	}
	for i, run := range runs {
		if want := wantOutcome[len(runs)-1-i]; run.Outcome != want || run.FinishedAt == nil {
			t.Errorf("run log entry %d: outcome %s finished %v, want %s and a finish time", run.ID, run.Outcome, run.FinishedAt, want)
		}
	}
	if !strings.Contains(runs[1].Error, "after 2 attempt(s)") || !strings.Contains(string(runs[1].Detail), `"attempts": 2`) {
		t.Errorf("the 500 run: error %q, detail %s; want both attempts recorded", runs[1].Error, runs[1].Detail)
	}
	if c := runs[3].Counts; c.Read != 2 || c.Inserted != 0 || c.Revised != 1 || c.Unchanged != 1 {
		t.Errorf("changed payload: counts %+v, want 2 read, 1 revised, 1 unchanged", c)
	}

	// The store holds the first values and their revisions, nothing from the bad runs.
	all, err := st.Observations(ctx, store.ObservationFilter{Indicator: "g3_survival_5y_nordic", AllRevisions: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]float64{}
	for _, o := range all {
		got[o.Geography] = append(got[o.Geography], *o.Value)
		if o.RunID != runs[4].ID && o.RunID != runs[3].ID {
			t.Errorf("figure %s %s from run %d, which should have written nothing", o.Geography, o.Period, o.RunID)
		}
	}
	if len(got["DK"]) != 2 || len(got["NO"]) != 1 {
		t.Errorf("revisions: %v; want DK 67.2 then 67.4, NO 73.7 once", got)
	}
	current, _ := st.Observations(ctx, store.ObservationFilter{Indicator: "g3_survival_5y_nordic", Geographies: []string{"DK"}, Limit: 10})
	if len(current) != 1 || *current[0].Value != 67.4 || current[0].Revision != 2 {
		t.Errorf("current DK figure %+v, want 67.4 as revision 2", current)
	}
}

func TestUnchangedPublicationIsNotParsedAgain(t *testing.T) {
	ctx := context.Background()
	var requests, conditional atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write([]byte(payloadA))
	}))
	defer srv.Close()
	r := testRunner(t, pgtest.NewStore(t), srv.URL)
	first, err := r.Run(ctx, "nordcan-survival", Options{})
	if err != nil || first.Outcome != "success" {
		t.Fatalf("first run: %s %v", first.Outcome, err)
	}
	second, err := r.Run(ctx, "nordcan-survival", Options{})
	if err != nil || second.Outcome != "unchanged" || !strings.Contains(string(second.Detail), `"not_modified":true`) {
		t.Fatalf("second run: %s %s %v; want unchanged after a 304", second.Outcome, second.Detail, err)
	}
	if conditional.Load() != 1 {
		t.Errorf("%d conditional requests, want 1 (If-None-Match with the stored ETag)", conditional.Load())
	}
	// The same bytes from a file are recognised by their hash.
	third, err := r.Run(ctx, "nordcan-survival", Options{File: writeTemp(t, payloadA)})
	if err != nil || third.Outcome != "unchanged" || !strings.Contains(string(third.Detail), "same_content_as_run") {
		t.Errorf("same content from a file: %s %s %v; want unchanged by content hash", third.Outcome, third.Detail, err)
	}
	// --force parses anyway; nothing changes, so the outcome is still unchanged, with counts.
	forced, err := r.Run(ctx, "nordcan-survival", Options{File: writeTemp(t, payloadA), Force: true})
	if err != nil || forced.Counts.Unchanged != 2 {
		t.Errorf("forced run: %+v %v; want 2 figures read and unchanged", forced.Counts, err)
	}
}

func writeTemp(t *testing.T, content string) string {
	path := t.TempDir() + "/export.csv"
	if err := writeFile(path, content); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRetriesOnlyWhatMayPass(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		status   int
		attempts int32
	}{{http.StatusNotFound, 1}, {http.StatusBadRequest, 1}, {http.StatusServiceUnavailable, 3}, {http.StatusTooManyRequests, 3}} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				w.WriteHeader(tc.status)
			}))
			f := &Fetcher{Timeout: time.Second, Attempts: 3, Backoff: time.Millisecond}
			src := &indicators.Source{ID: "x", URL: srv.URL, Format: "table"}
			_, err := f.Fetch(ctx, src, nil)
			srv.Close()
			if err == nil || n.Load() != tc.attempts {
				t.Errorf("HTTP %d: %d attempts (err %v), want %d", tc.status, n.Load(), err, tc.attempts)
			}
		})
	}
}

func TestBusySourceIsSkipped(t *testing.T) {
	ctx := context.Background()
	st := pgtest.NewStore(t)
	r := testRunner(t, st, "http://127.0.0.1:1/unused")
	release, ok, err := st.TryLockSource(ctx, "nordcan-survival")
	if err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	_, err = r.Run(ctx, "nordcan-survival", Options{Snapshot: true})
	release()
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("got %v, want ErrBusy while another process holds the source", err)
	}
	if runs, _ := st.Runs(ctx, store.RunFilter{Source: "nordcan-survival", Limit: 10}); len(runs) != 0 {
		t.Errorf("a skipped run left %d run log entries", len(runs))
	}
	if run, err := r.Run(ctx, "nordcan-survival", Options{Snapshot: true}); err != nil || run.Outcome != "success" {
		t.Errorf("after release: %s %v", run.Outcome, err)
	}
}

func TestRunsOfAStoppedProcessAreMarkedInterrupted(t *testing.T) {
	ctx := context.Background()
	st := pgtest.NewStore(t)
	r := testRunner(t, st, "http://127.0.0.1:1/unused")
	stale, err := st.OpenRun(ctx, "nordcan-survival", store.KindIngest)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Run(ctx, "nordcan-survival", Options{Snapshot: true}); err != nil {
		t.Fatal(err)
	}
	runs, _ := st.Runs(ctx, store.RunFilter{Source: "nordcan-survival", Limit: 10})
	for _, run := range runs {
		if run.ID == stale.ID && run.Outcome != "interrupted" {
			t.Errorf("stale run is %s, want interrupted", run.Outcome)
		}
	}
	if n := testutil.ToFloat64(r.Metrics.runs.WithLabelValues("nordcan-survival", "interrupted")); n != 1 {
		t.Errorf("kpv_ingest_runs_total{outcome=\"interrupted\"} = %v, want 1", n)
	}
}

func TestFailedSnapshotOrFileWritesNothing(t *testing.T) {
	ctx := context.Background()
	st := pgtest.NewStore(t)
	r := testRunner(t, st, "http://127.0.0.1:1/unused")
	bad := "All sites but non-melanoma skin cancer (Males) 5y;Denmark;Atlantis\n2014-2018;67.2;70.0\n"
	run, err := r.Run(ctx, "nordcan-survival", Options{File: writeTemp(t, bad)})
	if err == nil || run.Outcome != "failed" {
		t.Fatalf("got %s %v, want failed", run.Outcome, err)
	}
	if !strings.Contains(run.Error, `export.csv: row 1, column 3 ("Atlantis"), geography: "Atlantis" is not a country`) {
		t.Errorf("error %q does not say where", run.Error)
	}
	if obs, _ := st.Observations(ctx, store.ObservationFilter{Limit: 10}); len(obs) != 0 {
		t.Errorf("a failed run wrote %d figures", len(obs))
	}
}

func TestTwoSchedulersRunADueTickOnce(t *testing.T) {
	ctx := context.Background()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		time.Sleep(50 * time.Millisecond) // long enough for the two to overlap
		w.Write([]byte(payloadA))
	}))
	defer srv.Close()
	scheds, stores := replicas(t, srv.URL, nil)

	// The same tick, due on both replicas at once.
	due := time.Date(2026, 11, 23, 6, 0, 0, 0, Copenhagen)
	var wg sync.WaitGroup
	ran := make([]bool, 2)
	for i, s := range scheds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ran[i], _ = s.RunDue(ctx, "nordcan-survival", due)
		}()
	}
	wg.Wait()
	if ran[0] == ran[1] {
		t.Errorf("replicas ran the tick: %v; want exactly one", ran)
	}
	runs, _ := stores[0].Runs(ctx, store.RunFilter{Source: "nordcan-survival", Limit: 10})
	if len(runs) != 1 || requests.Load() != 1 {
		t.Errorf("%d runs and %d requests for one tick, want 1 and 1", len(runs), requests.Load())
	}
}

func TestSchedulersFireOnTheirScheduleOncePerTick(t *testing.T) {
	ctx := context.Background()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Write([]byte(payloadA))
	}))
	defer srv.Close()
	scheds, stores := replicas(t, srv.URL, func(c *indicators.Catalogue) {
		for i := range c.Sources {
			c.Sources[i].Schedule = "" // only the source under test
		}
		source(t, c, "nordcan-survival").Schedule = "@every 1s"
	})
	st0 := stores[0]
	for _, s := range scheds {
		s.Start()
	}
	time.Sleep(3500 * time.Millisecond)
	for _, s := range scheds {
		s.Stop()
	}
	var ticks int
	if err := st0.QueryRow(ctx, `SELECT count(*) FROM source_ticks WHERE source_id = 'nordcan-survival'`).Scan(&ticks); err != nil {
		t.Fatal(err)
	}
	runs, _ := st0.Runs(ctx, store.RunFilter{Source: "nordcan-survival", Limit: 100})
	// A tick claimed at the very moment of Stop may end before its run opens
	// (the stop cancels it): at most one claimed tick without a run.
	if ticks < 2 || len(runs) > ticks || len(runs) < ticks-1 || int(requests.Load()) != len(runs) {
		t.Errorf("%d ticks claimed, %d runs, %d requests; want at least 2 ticks, each run once (one may be cut short by the stop)", ticks, len(runs), requests.Load())
	}
	if len(runs) > 0 && runs[len(runs)-1].Outcome != "success" {
		t.Errorf("first scheduled run: %s", runs[len(runs)-1].Outcome)
	}
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }

// replicas starts two kpv replicas' schedulers, each with its own pool on
// one shared database, their NORDCAN source fetching from url.
func replicas(t *testing.T, url string, configure func(*indicators.Catalogue)) ([]*Scheduler, []*store.Store) {
	ctx := context.Background()
	db := pgtest.NewDatabase(t)
	var scheds []*Scheduler
	var stores []*store.Store
	for _, replica := range []string{"replica-a", "replica-b"} {
		st, err := store.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.Close)
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		r := testRunner(t, st, url)
		if configure != nil {
			configure(r.Catalogue)
		}
		s, err := NewScheduler(r, replica)
		if err != nil {
			t.Fatal(err)
		}
		scheds, stores = append(scheds, s), append(stores, st)
	}
	return scheds, stores
}
