package api_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// getPage GETs path (with If-None-Match when etag is set) and returns the
// status, the body and the ETag.
func getPage(t *testing.T, f *fixture, path, etag string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest("GET", f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header.Get("ETag")
}

// A page of figures is kept once rendered, and served again until a figure
// of its indicator is added or revised: the revision is in the next answer
// (with a new ETag), while another indicator's page is still served from
// the cache with its ETag, and a page as of a cut-off before the revision
// still reads the figure as it stood then.
func TestObservationPageCacheFollowsRevisions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	nordic := func(value float64) []indicators.Observation {
		return []indicators.Observation{{Indicator: "g3_survival_5y_nordic", Period: "2014-2018", Geography: "208",
			Breakdown: indicators.Breakdown{"sex": "female", "cancer_site": "990"}, Value: v(value)}}
	}
	f.seed(t, nordic(66.1))
	_, err := f.st.Record(ctx, "sds-kraeftoverlevelse", store.KindTest, func(ctx context.Context, tx pgx.Tx, runID int64) (store.Counts, error) {
		p, err := indicators.Prepare(f.cat, []indicators.Observation{{Indicator: "g3_survival_5y_denmark", Period: "2019-2021", Geography: "DK",
			Breakdown: indicators.Breakdown{"sex": "total"}, Value: v(63.5)}})
		if err != nil {
			return store.Counts{}, err
		}
		return store.WriteObservations(ctx, tx, runID, "sds-kraeftoverlevelse", p)
	})
	if err != nil {
		t.Fatal(err)
	}
	const nordicPage = "/api/v1/indicators/g3_survival_5y_nordic/observations?limit=10"
	const danishPage = "/api/v1/indicators/g3_survival_5y_denmark/observations"

	status, before, beforeTag := getPage(t, f, nordicPage, "")
	if status != 200 || !strings.Contains(before, `"value":66.1`) || beforeTag == "" {
		t.Fatalf("nordic page: %d, ETag %q: %s", status, beforeTag, before)
	}
	status, danish, danishTag := getPage(t, f, danishPage, "")
	if status != 200 || !strings.Contains(danish, `"value":63.5`) {
		t.Fatalf("danish page: %d: %s", status, danish)
	}
	if status, again, tag := getPage(t, f, nordicPage, ""); status != 200 || again != before || tag != beforeTag {
		t.Errorf("the unchanged nordic page came back different: %d, ETag %q (was %q): %s", status, tag, beforeTag, again)
	}
	if status, _, _ := getPage(t, f, nordicPage, beforeTag); status != http.StatusNotModified {
		t.Errorf("the unchanged nordic page with its ETag answered %d, want 304", status)
	}

	cutoff := time.Now().UTC()
	time.Sleep(10 * time.Millisecond)
	f.seed(t, nordic(67.4)) // a revision
	// A change written behind the merge's back (no change number): a page
	// that does not show it was served from the cache.
	if err := f.st.Exec(ctx, `UPDATE figures SET value = 1 WHERE series_id IN
		(SELECT id FROM series WHERE indicator_id = 'g3_survival_5y_denmark')`); err != nil {
		t.Fatal(err)
	}

	status, after, afterTag := getPage(t, f, nordicPage, beforeTag)
	if status != 200 || !strings.Contains(after, `"value":67.4`) || !strings.Contains(after, `"revision":2`) || afterTag == beforeTag {
		t.Errorf("after a revision the nordic page answered %d, ETag %q (was %q): %s", status, afterTag, beforeTag, after)
	}
	if status, body, tag := getPage(t, f, danishPage, ""); status != 200 || body != danish || tag != danishTag {
		t.Errorf("the other indicator's page was not served from the cache: %d, ETag %q (was %q): %s", status, tag, danishTag, body)
	}
	if status, _, tag := getPage(t, f, danishPage, danishTag); status != http.StatusNotModified || tag != danishTag {
		t.Errorf("the other indicator's page with its ETag answered %d (ETag %q), want 304 with %q", status, tag, danishTag)
	}
	asOf := nordicPage + "&as_of=" + url.QueryEscape(cutoff.Format(time.RFC3339Nano))
	if status, body, _ := getPage(t, f, asOf, ""); status != 200 || !strings.Contains(body, `"value":66.1`) {
		t.Errorf("as of before the revision: %d: %s", status, body)
	}
}
