package api_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/api"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// send is do with extra request headers.
func (l *liveServer) send(t *testing.T, method, path, token, ctype, body string, header map[string]string) reply {
	t.Helper()
	req, err := http.NewRequest(method, l.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+l.tokens[token])
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return reply{resp.StatusCode, resp.Header, b.Bytes()}
}

// Issue 27's smaller findings: If-None-Match on a write, HEAD and 405's
// Allow.
func TestMethodsAndConditionalWrites(t *testing.T) {
	l := newLiveServer(t)
	t.Run("If-None-Match * on an accepted write is not 304", func(t *testing.T) {
		before := l.count(t, `SELECT count(*) FROM observations`)
		rp := l.send(t, "POST", gpPlan, "regioner", "text/csv", "period;geography;value\n2025;DK-82;61,5\n", map[string]string{"If-None-Match": "*"})
		after := l.count(t, `SELECT count(*) FROM observations`)
		if rp.status != 200 || after != before+1 {
			t.Errorf("status %d with %d figure(s) written; want 200 with 1", rp.status, after-before)
		}
	})
	for _, c := range []struct {
		name, method, path string
		status             int
		allow              string // the Allow header, "" for none wanted
	}{
		{"HEAD where GET works", "HEAD", "/api/v1/goals", 200, ""},
		{"HEAD on a published-style read", "HEAD", "/api/v1/milestones", 200, ""},
		{"DELETE on a read", "DELETE", "/api/v1/goals", 405, "GET, HEAD"},
		{"GET on a write", "GET", "/api/v1/funding/senfoelger-regioner/spending", 405, "POST"},
		{"HEAD on a write", "HEAD", "/api/v1/funding/senfoelger-regioner/spending", 405, "POST"},
		{"PUT where GET and POST work", "PUT", "/api/v1/initiatives/4/status-reports", 405, "GET, HEAD, POST"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rp := l.send(t, c.method, c.path, "", "", "", nil)
			if rp.status != c.status || rp.header.Get("Allow") != c.allow {
				t.Errorf("%d, Allow %q; want %d, Allow %q", rp.status, rp.header.Get("Allow"), c.status, c.allow)
			}
		})
	}
}

// syncBuffer is a log destination the server writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A token pasted into a URL's path is not written to the request log.
func TestTokenInPathNotLogged(t *testing.T) {
	cat := testkit.Catalogue(t)
	st := pgtest.NewStore(t)
	if _, err := st.SyncCatalogue(context.Background(), cat); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	srv := httptest.NewServer(api.New(api.Options{Catalogue: cat, Store: st, Registerer: prometheus.NewRegistry(),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	defer srv.Close()
	const secret = "kpv_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd"
	for _, c := range []struct{ name, path string }{
		{"as a path segment", "/api/v1/" + secret},
		{"after the endpoint", "/api/v1/goals/" + secret + "/x"},
		{"in the query", "/api/v1/goals?t=" + secret},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, err := http.Get(srv.URL + c.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), secret[4:]) {
				t.Errorf("the token is in the log: %s", logs.String())
			}
		})
	}
}

// Refused writes are limited per client address and, beyond the limit,
// audited in aggregate: a flood of anonymous writes or writes with a bogus
// token (which the anonymous limiter did not see) no longer writes an
// audit row each.
func TestRefusedWritesLimitedPerAddress(t *testing.T) {
	const n = 300
	for _, c := range []struct{ name, auth string }{
		{"anonymous", ""},
		{"a bogus token", "Bearer kpv_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLiveServer(t)
			statuses := map[int]int{}
			for range n {
				h := map[string]string{}
				if c.auth != "" {
					h["Authorization"] = c.auth
				}
				statuses[l.send(t, "POST", gpPlan, "", "text/csv", "period;geography;value\n2025;DK-82;1\n", h).status]++
			}
			var rows, bytes int
			if err := l.st.QueryRow(context.Background(), `SELECT count(*), COALESCE(sum(pg_column_size(a.*)), 0) FROM audit_log a`).Scan(&rows, &bytes); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d writes: statuses %v; %d audit rows, %d bytes", n, statuses, rows, bytes)
			if rows > 60 || statuses[429] < n/2 {
				t.Errorf("%d refused writes from one address wrote %d audit rows (%d answered 429); want at most 60 rows, the rest 429", n, rows, statuses[429])
			}
			if statuses[401]+statuses[429] != n {
				t.Errorf("statuses %v; want only 401 and 429", statuses)
			}
		})
	}
	t.Run("the suppressed refusals are counted in the audit log", func(t *testing.T) {
		l := newLiveServer(t)
		for range 100 {
			l.send(t, "POST", gpPlan, "", "text/csv", "x", nil)
		}
		var counted int
		if err := l.st.QueryRow(context.Background(), `SELECT COALESCE(sum((detail->>'refused')::int), 0) FROM audit_log WHERE action = 'refused.aggregate'`).Scan(&counted); err != nil {
			t.Fatal(err)
		}
		rows := l.count(t, `SELECT count(*) FROM audit_log WHERE action <> 'refused.aggregate'`)
		if counted == 0 || rows+counted > 100 || rows >= 100 {
			t.Errorf("%d refusals audited one by one and %d in aggregate; want some in aggregate, none counted twice", rows, counted)
		}
	})
}

// Submissions waiting on a lock have a deadline and do not take every
// pool connection: /readyz and reads answer meanwhile.
func TestSubmissionsWaitingOnALockLeaveReads(t *testing.T) {
	l := newLiveServer(t)
	release, done := l.hold(t, `SELECT pg_advisory_xact_lock(hashtext('status|initiative:4'))`)
	defer func() { release(); <-done }()
	const n = 6
	results := make(chan int, n)
	start := time.Now()
	for i := range n {
		go func() {
			body := fmt.Sprintf(`{"year":2025,"status":"on_schedule","narrative_da":"venter %d","next_steps_da":"s"}`, i)
			req, _ := http.NewRequest("POST", l.srv.URL+"/api/v1/initiatives/4/status-reports", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+l.tokens["regioner"])
			resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
			if err != nil {
				results <- 0
				return
			}
			resp.Body.Close()
			results <- resp.StatusCode
		}()
	}
	time.Sleep(500 * time.Millisecond) // all six are waiting
	client := &http.Client{Timeout: 3 * time.Second}
	for _, c := range []struct{ name, path string }{
		{"the readiness probe", "/readyz"},
		{"a read of the run log", "/api/v1/ingest/runs?limit=1"},
		{"a read of the follow-up", "/api/v1/initiatives/7/status-reports"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t0 := time.Now()
			resp, err := client.Get(l.srv.URL + c.path)
			if err != nil {
				t.Fatalf("while %d submissions wait on a lock: %v after %s", n, err, time.Since(t0).Round(time.Millisecond))
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("while %d submissions wait on a lock: %d after %s", n, resp.StatusCode, time.Since(t0).Round(time.Millisecond))
			}
		})
	}
	t.Run("the waiting submissions end by their deadline", func(t *testing.T) {
		statuses := map[int]int{}
		for range n {
			statuses[<-results]++
		}
		took := time.Since(start)
		t.Logf("%d submissions waiting on a lock held for good: %v after %s", n, statuses, took.Round(time.Millisecond))
		if statuses[503] != n || took > 15*time.Second {
			t.Errorf("statuses %v after %s; want %d × 503 within 15 s", statuses, took.Round(time.Millisecond), n)
		}
	})
}
