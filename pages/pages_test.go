package pages_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/pages"
	"github.com/kraeftplan/kpv/store"
)

type fixedSnapshot struct{ s *assess.Snapshot }

func (f fixedSnapshot) Snapshot() *assess.Snapshot { return f.s }

// runLog is a run log with one run of each kind of trouble.
type runLog struct{}

var (
	now      = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	finished = now.Add(time.Minute)
)

func (runLog) Runs(_ context.Context, f store.RunFilter) ([]store.Run, error) {
	return []store.Run{
		{ID: 4, Source: f.Source, Kind: store.KindSubmission, StartedAt: now, FinishedAt: &finished, Outcome: "failed",
			Counts: store.Counts{Read: 1, Rejected: 1}, Error: "row 1: value: 1234.5 is outside the range of unit percent [0, 100]"},
		{ID: 3, Source: f.Source, Kind: store.KindIngest, StartedAt: now, FinishedAt: &finished, Outcome: "failed",
			Error: `ERROR: duplicate key value violates unique constraint "observations_pkey" (SQLSTATE 23505)`},
		{ID: 2, Source: f.Source, Kind: store.KindIngest, StartedAt: now, FinishedAt: &finished, Outcome: "failed",
			Error: "read /home/official/Hemmelig mappe/LUP-bilag.xlsx: sheet \"Bilag 3\" not found; fetched from https://www.rkkp.dk/lup/bilag.xlsx"},
		{ID: 1, Source: f.Source, Kind: store.KindIngest, StartedAt: now, FinishedAt: &finished, Outcome: "success",
			Counts: store.Counts{Read: 8, Inserted: 8}, Detail: []byte(`{"origin":"/srv/secret/file.csv"}`)},
	}, nil
}

func (runLog) FetchStates(context.Context) (map[string]store.FetchState, error) {
	return map[string]store.FetchState{"barometer": {Source: "barometer", Origin: "/srv/secret/barometer.csv", ETag: `"abc"`, CheckedAt: now, ChangedAt: now}}, nil
}

func server(t *testing.T) *httptest.Server { t.Helper(); return serverWith(t) }

// serverWith serves the pages on the test catalogue with the figures given.
func serverWith(t *testing.T, figures ...indicators.Observation) *httptest.Server {
	t.Helper()
	cat := testkit.Catalogue(t)
	snap := assess.Build(assess.Input{Catalogue: cat, Now: now, Observations: figures})
	p := pages.New(pages.Options{Catalogue: cat, Assessor: fixedSnapshot{snap}, Runs: runLog{}, Plan: planLog{}, Now: func() time.Time { return now }})
	r := chi.NewRouter()
	p.Mount(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// The source page shows each run's outcome and counts, but not a
// submission's rejected values, a local file's path, a Postgres error or
// where a file was read from.
func TestSourcePageIsPublic(t *testing.T) {
	srv := server(t)
	status, h, body := get(t, srv.URL+"/sider/kilder/barometer")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, %s", status, h.Get("Content-Type"))
	}
	for _, secret := range []string{"1234", "/home/official", "Hemmelig mappe", "SQLSTATE", "observations_pkey", "/srv/secret", `abc`} {
		if strings.Contains(body, secret) {
			t.Errorf("the public source page shows %q", secret)
		}
	}
	for _, want := range []string{
		"Indberetningen blev afvist",         // the submission, without its values
		"Databasefejl",                       // the Postgres error, named only
		"read LUP-bilag.xlsx",                // the file's name, not its path
		"https://www.rkkp.dk/lup/bilag.xlsx", // a URL is public
		"fejlet / failed", "gennemført / success",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the source page lacks %q", want)
		}
	}
}

func TestPublicError(t *testing.T) {
	for _, c := range []struct {
		kind     store.RunKind
		in, want string
	}{
		{store.KindIngest, "open /tmp/kpv-123/body: no such file", "open body: no such file"},
		{store.KindIngest, `parse "/data/a b.csv": row 3`, `parse "a b.csv": row 3`},
		{store.KindIngest, "GET https://api.statbank.dk/v1/data: 500", "GET https://api.statbank.dk/v1/data: 500"},
		{store.KindIngest, "failed to connect to `host=/var/run/postgresql user=kpv`", "Database error; the details are in kpv's log."},
		{store.KindSubmission, "row 2: value 61.5 …", "The submission was refused; the submitter got the rows and reasons in the answer."},
		{store.KindIngest, "", ""},
	} {
		t.Run(c.in, func(t *testing.T) {
			if _, en := pages.PublicError(c.kind, c.in); en != c.want {
				t.Errorf("PublicError(%s, %q) = %q, want %q", c.kind, c.in, en, c.want)
			}
		})
	}
}

// Every page and every error page is HTML with the security headers; an
// unknown goal, indicator or source is a 404 page linking to the index.
func TestPagesStatusAndHeaders(t *testing.T) {
	srv := server(t)
	for path, want := range map[string]int{
		"/sider": 200, "/sider/maal/2": 200, "/sider/maal/x": 404, "/sider/maal/4": 404,
		"/sider/indikatorer/g2_pro_use": 200, "/sider/indikatorer/nope": 404,
		"/sider/kilder/indberetning": 200, "/sider/kilder/nope": 404,
	} {
		status, h, body := get(t, srv.URL+path)
		if status != want {
			t.Errorf("%s: %d, want %d", path, status, want)
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script") ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: headers %v", path, h)
		}
		if !strings.Contains(body, `<html lang="da">`) || !strings.Contains(body, `href="/sider"`) || strings.Contains(body, "<script") {
			t.Errorf("%s: not a page of kpv's:\n%.300s", path, body)
		}
	}
	// No figures: the indicator page says who owes them and how to submit.
	_, _, body := get(t, srv.URL+"/sider/indikatorer/g2_pro_use")
	for _, want := range []string{"Indberetningsstatus", "Reporting status", "Sundhedsdatastyrelsen indberetter tallene",
		"POST /api/v1/indicators/g2_pro_use/observations", "har endnu ikke kommenteret", `Ingen tal endnu <span class="en" lang="en">(no figures yet)</span>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page of an indicator without figures lacks %q", want)
		}
	}
}
