package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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

type fixture struct {
	srv *httptest.Server
	st  *store.Store
	cat *indicators.Catalogue
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	cat := testkit.Catalogue(t)
	st := pgtest.NewStore(t)
	if _, err := st.SyncCatalogue(context.Background(), cat); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv := httptest.NewServer(api.New(api.Options{Catalogue: cat, Store: st, Registerer: reg, Gatherer: reg}))
	t.Cleanup(srv.Close)
	return &fixture{srv, st, cat}
}

func (f *fixture) get(t *testing.T, path string, wantStatus int, into any) *http.Response {
	t.Helper()
	resp, err := http.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d: %s", path, resp.StatusCode, wantStatus, body)
	}
	if into != nil {
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("GET %s: %v in %s", path, err, body)
		}
	}
	return resp
}

func (f *fixture) seed(t *testing.T, batch []indicators.Observation) {
	t.Helper()
	_, err := f.st.Record(context.Background(), "nordcan-survival", store.KindTest, func(ctx context.Context, tx pgx.Tx, runID int64) (store.Counts, error) {
		p, err := indicators.Prepare(f.cat, batch)
		if err != nil {
			return store.Counts{}, err
		}
		return store.WriteObservations(ctx, tx, runID, "nordcan-survival", p)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func v(x float64) *float64 { return &x }

func TestCatalogueEndpoints(t *testing.T) {
	f := newFixture(t)

	var goals struct {
		Items []struct {
			ID          int      `json:"id"`
			NameDA      string   `json:"name_da"`
			Indicators  []string `json:"indicators"`
			Initiatives []int    `json:"initiatives"`
		} `json:"items"`
		Count int `json:"count"`
	}
	f.get(t, "/api/v1/goals", 200, &goals)
	if goals.Count != 3 || len(goals.Items) != 3 {
		t.Fatalf("goals: %d", goals.Count)
	}
	for _, g := range goals.Items {
		if len(g.Indicators) < 3 || len(g.Initiatives) == 0 || g.NameDA == "" {
			t.Errorf("goal %d: %d indicators, %d initiatives", g.ID, len(g.Indicators), len(g.Initiatives))
		}
	}

	var goal struct {
		ID         int `json:"id"`
		Indicators []struct {
			ID     string `json:"id"`
			Target any    `json:"target"`
			Owner  string `json:"owner_name_da"`
		} `json:"indicators"`
		Initiatives []struct {
			Number  int                            `json:"number"`
			Funding []struct{ Table, Line string } `json:"funding"`
		} `json:"initiatives"`
	}
	f.get(t, "/api/v1/goals/3", 200, &goal)
	if goal.ID != 3 || len(goal.Indicators) < 3 || goal.Indicators[0].Target == nil || goal.Indicators[0].Owner == "" {
		t.Errorf("goal 3: %+v", goal)
	}
	f.get(t, "/api/v1/goals/4", 404, nil)
	f.get(t, "/api/v1/goals/x", 404, nil)

	var inits struct {
		Count int `json:"count"`
		Items []struct {
			Number int    `json:"number"`
			NameDA string `json:"name_da"`
		} `json:"items"`
	}
	f.get(t, "/api/v1/initiatives", 200, &inits)
	if inits.Count != 36 || inits.Items[0].Number != 1 || inits.Items[35].Number != 36 {
		t.Fatalf("initiatives: %d", inits.Count)
	}
	if inits.Items[4].NameDA != "Senfølgeklinikker i hele landet" {
		t.Errorf("initiative 5: %q", inits.Items[4].NameDA)
	}
	f.get(t, "/api/v1/initiatives?focus_area=3", 200, &inits)
	if inits.Count != 12 {
		t.Errorf("focus area 3 has %d initiatives, want 12 (19–30)", inits.Count)
	}

	var inds struct{ Count int }
	f.get(t, "/api/v1/indicators?goal=2", 200, &inds)
	if inds.Count < 3 {
		t.Errorf("goal 2 indicators: %d", inds.Count)
	}
	f.get(t, "/api/v1/indicators/nope", 404, nil)
}

// /api/v1/funding?year=2025 sums to the plan's 618 (within the rounding the
// plan notes), and the parts filter by recipient.
func TestFunding(t *testing.T) {
	f := newFixture(t)
	type table struct {
		ID           string             `json:"id"`
		Sums         map[string]float64 `json:"sums"`
		StatedTotals map[string]float64 `json:"stated_totals"`
		Rows         []struct {
			Recipient string  `json:"recipient"`
			Amount    float64 `json:"amount"`
		} `json:"rows"`
	}
	var resp struct{ Tables []table }
	f.get(t, "/api/v1/funding?year=2025&table=plan-oekonomi", 200, &resp)
	if len(resp.Tables) != 1 {
		t.Fatalf("tables: %+v", resp.Tables)
	}
	plan := resp.Tables[0]
	var sum float64
	for _, r := range plan.Rows {
		sum += r.Amount
	}
	if plan.StatedTotals["2025"] != 618 || sum < 617 || sum > 619 || plan.Sums["2025"] != 617.6 {
		t.Errorf("plan 2025: rows sum %v, sums %v, stated %v; want ≈618", sum, plan.Sums, plan.StatedTotals)
	}

	f.get(t, "/api/v1/funding?year=2025&table=aftale-2025-tabel-1", 200, &resp)
	if resp.Tables[0].Sums["2025"] != 577.9 {
		t.Errorf("Tabel 1: %v, want 577.9", resp.Tables[0].Sums)
	}

	f.get(t, "/api/v1/funding?year=2027&recipient=kommuner&table=plan-oekonomi", 200, &resp)
	// 2027, "Heraf kommuner": palliation 18, tobacco 6, unhealthy products 16.
	if got := resp.Tables[0].Sums["2027"]; got != 40 {
		t.Errorf("municipalities 2027: %v, want 40", got)
	}
	for _, r := range resp.Tables[0].Rows {
		if r.Recipient != "kommuner" {
			t.Errorf("recipient filter leaked %q", r.Recipient)
		}
	}
	f.get(t, "/api/v1/funding?year=1999", 400, nil)
	f.get(t, "/api/v1/funding?recipient=nobody", 400, nil)

	resp2, err := http.Get(f.srv.URL + "/api/v1/funding?year=2025&table=plan-oekonomi&format=csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	recs, err := csv.NewReader(resp2.Body).ReadAll()
	if err != nil || len(recs) != len(plan.Rows)+1 || recs[0][8] != "amount_mdkk" {
		t.Errorf("funding CSV: %d records, err %v", len(recs), err)
	}
}

func TestObservationsEndpoint(t *testing.T) {
	f := newFixture(t)
	f.seed(t, []indicators.Observation{
		{Indicator: "g3_survival_5y_nordic", Period: "2014-2018", Geography: "208", Breakdown: indicators.Breakdown{"sex": "female", "cancer_site": "990"}, Value: v(66.1), CILower: v(65.6), CIUpper: v(66.6)},
		{Indicator: "g3_survival_5y_nordic", Period: "2014-2018", Geography: "752", Breakdown: indicators.Breakdown{"sex": "female", "cancer_site": "990"}, Value: v(71.0), CILower: v(70.7), CIUpper: v(71.3)},
		{Indicator: "g3_survival_5y_nordic", Period: "2019-2023", Geography: "208", Breakdown: indicators.Breakdown{"sex": "female", "cancer_site": "990"}, Value: v(68.0), CILower: v(67.5), CIUpper: v(68.5)},
		{Indicator: "g3_survival_5y_nordic", Period: "2019-2023", Geography: "208", Breakdown: indicators.Breakdown{"sex": "male", "cancer_site": "990"}, Suppressed: true},
	})
	type page struct {
		Items []indicators.Observation `json:"items"`
		Count int                      `json:"count"`
	}
	var p page
	f.get(t, "/api/v1/indicators/g3_survival_5y_nordic/observations", 200, &p)
	if p.Count != 4 {
		t.Fatalf("all: %d", p.Count)
	}
	f.get(t, "/api/v1/indicators/g3_survival_5y_nordic/observations?geography=DK&sex=female", 200, &p)
	if p.Count != 2 || p.Items[0].Period != "2014-2018" || p.Items[1].Period != "2019-2023" {
		t.Fatalf("DK women: %+v", p.Items)
	}
	f.get(t, "/api/v1/indicators/g3_survival_5y_nordic/observations?from=2019&to=2023", 200, &p)
	if p.Count != 2 {
		t.Errorf("period range 2019–2023: %d rows, want 2", p.Count)
	}
	f.get(t, "/api/v1/indicators/g3_survival_5y_nordic/observations?geography=SE,FI", 200, &p)
	if p.Count != 1 || *p.Items[0].CIUpper != 71.3 {
		t.Errorf("Sweden with CI: %+v", p.Items)
	}
	f.get(t, "/api/v1/indicators/g3_survival_5y_nordic/observations?limit=3", 200, &p)
	if p.Count != 3 {
		t.Errorf("limit=3: %d", p.Count)
	}
	// Keyset paging gives the same figures in the same order as offsets,
	// and the next link goes on with after.
	type keyset struct {
		Items     []indicators.Observation `json:"items"`
		NextAfter string                   `json:"next_after"`
		Next      string                   `json:"next"`
	}
	var all keyset
	f.get(t, "/api/v1/indicators/g3_survival_5y_nordic/observations", 200, &all)
	var k keyset
	f.get(t, "/api/v1/indicators/g3_survival_5y_nordic/observations?limit=2", 200, &k)
	var got []string
	for i := 0; ; i++ {
		for _, o := range k.Items {
			got = append(got, o.Period+" "+o.Geography+" "+o.Breakdown.Key())
		}
		if k.NextAfter == "" || i > 3 {
			break
		}
		if i > 0 && !strings.Contains(k.Next, "after=") {
			t.Errorf("the next link of an after page pages by offset: %s", k.Next)
		}
		next := k.NextAfter
		k = keyset{}
		f.get(t, "/api/v1/indicators/g3_survival_5y_nordic/observations?limit=2&after="+next, 200, &k)
	}
	var want []string
	for _, o := range all.Items {
		want = append(want, o.Period+" "+o.Geography+" "+o.Breakdown.Key())
	}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("pages by after=:\n %q\nwant %q", got, want)
	}
	// Bad filters are refused with a problem naming the parameter.
	for _, bad := range []string{"?geography=Atlantis", "?from=soon", "?colour=red", "?limit=0", "?revisions=some", "?format=xml", "?as_of=yesterday",
		"?after=bogus", "?offset=2&after=" + k.NextAfter + "x"} {
		t.Run(bad, func(t *testing.T) {
			var prob api.Problem
			resp := f.get(t, "/api/v1/indicators/g3_survival_5y_nordic/observations"+bad, 400, &prob)
			if resp.Header.Get("Content-Type") != "application/problem+json" || prob.Status != 400 || prob.Detail == "" {
				t.Errorf("%s: %+v (%s)", bad, prob, resp.Header.Get("Content-Type"))
			}
		})
	}
	f.get(t, "/api/v1/indicators/nope/observations", 404, nil)

	// CSV: suppressed cells are empty and flagged, never 0.
	resp, err := http.Get(f.srv.URL + "/api/v1/indicators/g3_survival_5y_nordic/observations?format=csv&sex=male")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	recs, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("CSV: %v %v", recs, err)
	}
	head := strings.Join(recs[0], ",")
	if !strings.HasPrefix(head, "indicator,period,") || recs[1][6] != "" || recs[1][11] != "true" {
		t.Errorf("suppressed row in CSV: %v", recs[1])
	}

	// The indicator page carries the latest figure per series.
	var ind struct {
		ID     string                   `json:"id"`
		Latest []indicators.Observation `json:"latest"`
	}
	f.get(t, "/api/v1/indicators/g3_survival_5y_nordic", 200, &ind)
	found := false
	for _, o := range ind.Latest {
		if o.Geography == "DK" && o.Breakdown["sex"] == "female" {
			found = true
			if o.Period != "2019-2023" || *o.Value != 68.0 {
				t.Errorf("latest DK women: %+v", o)
			}
		}
	}
	if !found || len(ind.Latest) != 3 {
		t.Errorf("latest: %+v", ind.Latest)
	}
}

func TestHealthAndETag(t *testing.T) {
	f := newFixture(t)
	f.get(t, "/healthz", 200, nil)
	var ready map[string]string
	f.get(t, "/readyz", 200, &ready)
	if ready["postgres"] != "ok" {
		t.Errorf("readyz: %v", ready)
	}
	resp := f.get(t, "/api/v1/goals", 200, nil)
	etag := resp.Header.Get("ETag")
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/goals", nil)
	req.Header.Set("If-None-Match", etag)
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if etag == "" || r2.StatusCode != http.StatusNotModified {
		t.Errorf("ETag %q, conditional GET status %d", etag, r2.StatusCode)
	}
	var prob api.Problem
	f.get(t, "/no/such/thing", 404, &prob)
	if prob.Type != "/problems/not-found" {
		t.Errorf("404 problem: %+v", prob)
	}
	// Request metrics are labelled by route, not by raw path.
	mresp, err := http.Get(f.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	if !strings.Contains(string(body), `kpv_http_requests_total{code="200",handler="/api/v1/goals",method="GET"}`) ||
		!strings.Contains(string(body), `handler="unmatched"`) {
		t.Errorf("metrics lack per-route request counts:\n%s", body)
	}
}

// readyz reports 503 while the database is unmigrated.
func TestReadyzUnmigrated(t *testing.T) {
	ctx := context.Background()
	cat, _ := indicators.LoadEmbedded()
	st, err := store.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := prometheus.NewRegistry()
	srv := httptest.NewServer(api.New(api.Options{Catalogue: cat, Store: st, Registerer: reg, Gatherer: reg}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(body), "kpv migrate") {
		t.Errorf("readyz on an unmigrated database: %d %s", resp.StatusCode, body)
	}
}

func TestSourcesShowWhatWasLastFetched(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	run, err := f.st.OpenRun(ctx, "barometer", store.KindIngest)
	if err != nil {
		t.Fatal(err)
	}
	err = f.st.InTx(ctx, func(tx pgx.Tx) error {
		return store.SaveFetchState(ctx, tx, store.FetchState{Source: "barometer", Origin: "snapshot:barometer.csv", SHA256: "abc", RunID: run.ID})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.CloseRun(ctx, &run, store.Counts{Read: 8, Inserted: 8}, nil, nil); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Count int
		Items []struct {
			ID         string
			Indicators []string
			NextRun    *time.Time               `json:"next_run"`
			LastFetch  *struct{ Origin string } `json:"last_fetch"`
			LastRun    *struct {
				Outcome string
				Counts  struct{ Inserted int }
			} `json:"last_run"`
		}
	}
	f.get(t, "/api/v1/sources", http.StatusOK, &list)
	if list.Count != 9 {
		t.Fatalf("%d sources, want the catalogue's 9", list.Count)
	}
	for _, s := range list.Items {
		switch s.ID {
		case "barometer":
			if s.LastFetch == nil || s.LastFetch.Origin != "snapshot:barometer.csv" || s.LastRun == nil || s.LastRun.Outcome != "success" || s.LastRun.Counts.Inserted != 8 {
				t.Errorf("barometer: last fetch %+v, last run %+v", s.LastFetch, s.LastRun)
			}
			if s.NextRun == nil || !s.NextRun.After(time.Now()) || len(s.Indicators) != 5 {
				t.Errorf("barometer: next run %v, indicators %v", s.NextRun, s.Indicators)
			}
		case "indberetning":
			if s.NextRun != nil || s.LastRun != nil {
				t.Errorf("submission source has a schedule or a run: %+v", s)
			}
		}
	}
	f.get(t, "/api/v1/sources/nope", http.StatusNotFound, nil)
}

func TestRunLogFilters(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.st.Record(ctx, "barometer", store.KindIngest, func(ctx context.Context, tx pgx.Tx, runID int64) (store.Counts, error) {
		return store.Counts{}, errors.New("barometer.csv: row 3, column 5: not a number")
	})
	if err == nil {
		t.Fatal("the failing run did not fail")
	}
	f.seed(t, []indicators.Observation{{Indicator: "g3_survival_5y_nordic", Period: "2014-2018", Geography: "DK",
		Breakdown: indicators.Breakdown{"sex": "male", "cancer_site": "990"}, Value: v(67.2)}})
	var runs struct {
		Count int
		Items []struct{ Source, Outcome, Error string }
	}
	f.get(t, "/api/v1/ingest/runs?outcome=failed", http.StatusOK, &runs)
	if runs.Count != 1 || runs.Items[0].Source != "barometer" || !strings.Contains(runs.Items[0].Error, "row 3, column 5") {
		t.Errorf("failed runs: %+v", runs.Items)
	}
	f.get(t, "/api/v1/ingest/runs?source=barometer&kind=ingest", http.StatusOK, &runs)
	if runs.Count != 1 {
		t.Errorf("barometer ingest runs: %+v", runs.Items)
	}
	var problem struct{ Detail string }
	f.get(t, "/api/v1/ingest/runs?outcome=exploded", http.StatusBadRequest, &problem)
	if !strings.Contains(problem.Detail, "outcome") {
		t.Errorf("bad outcome: %q", problem.Detail)
	}
}
