package ingest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

// statbankDODA1 is a StatBank answer for DODA1 in its real shape (JSON-stat
// 1.x under "dataset", id/size/role inside "dimension", KØN coded 1, 2,
// TOT). The numbers are format fixtures, not statistics: no real DODA1
// answer could be read offline.
const statbankDODA1 = `{"dataset":{"dimension":{
 "ÅRSAG":{"label":"årsag","category":{"index":{"A02":0},"label":{"A02":"A-02 Kræft"}}},
 "ALDER":{"label":"alder","category":{"index":{"TOT":0},"label":{"TOT":"Alder i alt"}}},
 "KØN":{"label":"køn","category":{"index":{"1":0,"2":1,"TOT":2},"label":{"1":"Mænd","2":"Kvinder","TOT":"I alt"}}},
 "Tid":{"label":"tid","category":{"index":{"2021":0,"2022":1},"label":{"2021":"2021","2022":"2022"}}},
 "id":["ÅRSAG","ALDER","KØN","Tid"],"size":[1,1,3,2],"role":{"time":["Tid"]}},
 "label":"Døde efter dødsårsag, alder, køn og tid","source":"Danmarks Statistik","updated":"2024-02-14T07:00:00Z",
 "value":[101,102,201,202,302,304]}}`

// request is what the publisher was asked.
type request struct {
	method, path string
	query        url.Values
	body         string
}

// publisher answers each path with a payload and records the requests.
type publisher struct {
	mu       sync.Mutex
	got      []request
	payloads map[string]string
	headers  map[string]string
}

func (p *publisher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, request{r.Method, r.URL.Path, r.URL.Query(), string(b)})
	for k, v := range p.headers {
		w.Header().Set(k, v)
	}
	body, ok := p.payloads[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write([]byte(body))
}

func (p *publisher) last() request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.got[len(p.got)-1]
}

// The three live sources run their real request builders against a local
// publisher answering in the publisher's real shape: Eurostat (GET, a
// parameter repeated per value), Statistics Denmark (POST /v1/data with the
// DODA1 query) and NORDCAN (GET, release 9.6 in the path). Each figure
// carries the publisher's date (JSON-stat "updated", else Last-Modified)
// and NORDCAN's release.
func TestLiveSourcesAgainstAPublisher(t *testing.T) {
	ctx := context.Background()
	eurostat, _ := Snapshots.ReadFile("snapshots/eurostat-hlth_cd_asdr2.json")
	nordcan, _ := Snapshots.ReadFile("snapshots/nordcan-mortality-9.6.json")
	pub := &publisher{headers: map[string]string{"Last-Modified": "Tue, 30 Jun 2026 08:00:00 GMT"}, payloads: map[string]string{
		"/eurostat/api/dissemination/statistics/1.0/data/HLTH_CD_ASDR2": string(eurostat),
		"/v1/data": statbankDODA1,
		"/api/nordcan/v2/96/data/population/1/1_2/208_246_352_578_752/980_160_180_240_520/": string(nordcan),
	}}
	srv := httptest.NewServer(pub)
	defer srv.Close()
	st := pgtest.NewStore(t)
	c := testkit.Catalogue(t)
	for id, path := range map[string]string{"eurostat-asdr2": "/eurostat/api/dissemination/statistics/1.0/data/HLTH_CD_ASDR2", "statbank-doda1": "/v1/data",
		"nordcan-mortality": "/api/nordcan/v2/96/data/population/1/1_2/208_246_352_578_752/980_160_180_240_520/?ages_group=0_17&year_start=2000&year_end=2024"} {
		src := source(t, c, id)
		u, _ := url.Parse(src.URL)
		if !strings.HasSuffix(u.Path, strings.SplitN(path, "?", 2)[0]) {
			t.Fatalf("%s: catalogue url %s is not the publisher's API path %s", id, src.URL, path)
		}
		src.URL = srv.URL + path
	}
	if _, err := st.SyncCatalogue(ctx, c); err != nil {
		t.Fatal(err)
	}
	r := &Runner{Store: st, Catalogue: c, Metrics: NewMetrics(nil),
		Fetcher: &Fetcher{Client: http.DefaultClient, Timeout: 2 * time.Second, Attempts: 1, Backoff: time.Millisecond}}

	for _, tc := range []struct {
		source, indicator string
		figures           int
		published         time.Time
		release           string
		request           func(request) string // "" if the request is right
	}{
		{"eurostat-asdr2", "g3_cancer_mortality", 195, time.Date(2026, 6, 8, 21, 0, 0, 0, time.UTC), "", func(q request) string {
			if q.method != http.MethodGet || strings.Join(q.query["geo"], ",") != "DK,FI,IS,NO,SE,DK01,DK02,DK03,DK04,DK05" ||
				strings.Join(q.query["icd10"], ",") != "C,C33_C34,C50,C61,C18-C21" || q.query.Get("lang") != "EN" || q.query.Get("sinceTimePeriod") != "2011" {
				return "want GET with geo, icd10, sex repeated per value"
			}
			return ""
		}},
		{"statbank-doda1", "g3_cancer_deaths_denmark", 6, time.Date(2024, 2, 14, 7, 0, 0, 0, time.UTC), "", func(q request) string {
			var body struct {
				Table, Format string
				Variables     []struct {
					Code   string
					Values []string
				}
			}
			if q.method != http.MethodPost || json.Unmarshal([]byte(q.body), &body) != nil || body.Table != "DODA1" || body.Format != "JSONSTAT" ||
				len(body.Variables) != 4 || body.Variables[0].Code != "ÅRSAG" || body.Variables[0].Values[0] != "A02" {
				return "want POST /v1/data {table: DODA1, format: JSONSTAT, variables: ÅRSAG A02, ALDER, KØN, Tid}"
			}
			return ""
		}},
		{"nordcan-mortality", "g3_cancer_mortality_nordcan", 13, time.Date(2026, 6, 30, 8, 0, 0, 0, time.UTC), "9.6", func(q request) string {
			if q.method != http.MethodGet || q.query.Get("year_end") != "2024" {
				return "want GET of the release-9.6 path with the years"
			}
			return ""
		}},
	} {
		t.Run(tc.source, func(t *testing.T) {
			run, err := r.Run(ctx, tc.source, Options{})
			if err != nil || run.Outcome != store.RunSuccess || run.Counts.Inserted != tc.figures {
				t.Fatalf("run: %s, %+v, %v; want success with %d figures", run.Outcome, run.Counts, err, tc.figures)
			}
			if msg := tc.request(pub.last()); msg != "" {
				t.Errorf("request %+v: %s", pub.last(), msg)
			}
			obs, err := st.Observations(ctx, store.ObservationFilter{Indicator: tc.indicator, Limit: 1000})
			if err != nil || len(obs) != tc.figures {
				t.Fatalf("%d figures stored (%v), want %d", len(obs), err, tc.figures)
			}
			for _, o := range obs {
				if !o.PublishedAt.Equal(tc.published) || o.Release != tc.release || !o.RecordedAt.After(o.PublishedAt) {
					t.Fatalf("%s %s %s: published %v release %q recorded %v; want published %v, release %q", o.Period, o.Geography, o.Breakdown.Key(),
						o.PublishedAt, o.Release, o.RecordedAt, tc.published, tc.release)
				}
			}
		})
	}
	// Spot checks against the publishers' tables: Eurostat, lung, Denmark,
	// both sexes, 2023: 53.85; NORDCAN 9.6, women's lung, Denmark 2024,
	// European standard 2013: 43.0.
	for _, ck := range []struct {
		ind, geo, period string
		b                indicators.Breakdown
		want             float64
	}{
		{"g3_cancer_mortality", "DK", "2023", indicators.Breakdown{"sex": "total", "cancer_site": "160"}, 53.85},
		{"g3_cancer_mortality_nordcan", "DK", "2024", indicators.Breakdown{"sex": "female", "cancer_site": "160"}, 43.0},
	} {
		t.Run(ck.ind, func(t *testing.T) {
			obs, _ := st.Observations(ctx, store.ObservationFilter{Indicator: ck.ind, Geographies: []string{ck.geo}, Breakdown: ck.b, Limit: 100})
			found := false
			for _, o := range obs {
				if o.Period == ck.period {
					found = true
					if o.Value == nil || *o.Value != ck.want {
						t.Errorf("%s %s %s: %v, want %v", ck.ind, ck.geo, ck.period, o.Value, ck.want)
					}
				}
			}
			if !found {
				t.Errorf("%s %s %s: no figure", ck.ind, ck.geo, ck.period)
			}
		})
	}

	// An answer whose shape changed fails the run with a message naming
	// what changed, and writes nothing.
	before, _ := st.Observations(ctx, store.ObservationFilter{AllRevisions: true, Limit: 10000})
	for _, tc := range []struct{ source, path, payload, want string }{
		{"eurostat-asdr2", "/eurostat/api/dissemination/statistics/1.0/data/HLTH_CD_ASDR2",
			strings.ReplaceAll(string(eurostat), `"icd10"`, `"icd11"`), `the mapping takes cancer_site from dimension "icd10", which the dataset does not have`},
		{"statbank-doda1", "/v1/data", strings.Replace(statbankDODA1, `"TOT":2},"label":{"1":"Mænd","2":"Kvinder","TOT":"I alt"}`, `"T":2},"label":{"1":"Mænd","2":"Kvinder","T":"I alt"}`, 1), `"T"`},
		{"nordcan-mortality", "/api/nordcan/v2/96/data/population/1/1_2/208_246_352_578_752/980_160_180_240_520/",
			strings.ReplaceAll(string(nordcan), `"asr_e2013"`, `"asr_eu2013"`), "NORDCAN's answer changed shape: no field asr_e2013"},
		{"eurostat-asdr2", "/eurostat/api/dissemination/statistics/1.0/data/HLTH_CD_ASDR2", "<!DOCTYPE html><html><body>Eurostat maintenance</body></html>", "got a web page"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			pub.mu.Lock()
			pub.payloads[tc.path] = tc.payload
			pub.mu.Unlock()
			run, err := r.Run(ctx, tc.source, Options{Force: true})
			if run.Outcome != store.RunFailed || err == nil || !strings.Contains(run.Error, tc.want) {
				t.Errorf("%s, changed shape: %s %q; want failed naming %q", tc.source, run.Outcome, run.Error, tc.want)
			}
		})
	}
	after, _ := st.Observations(ctx, store.ObservationFilter{AllRevisions: true, Limit: 10000})
	if len(after) != len(before) {
		t.Errorf("%d revisions after the failed runs, %d before: a failed run wrote", len(after), len(before))
	}
}
