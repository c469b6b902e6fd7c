package test

// Two of everything that runs: kpv replicas on one Postgres, Alertmanagers
// in a cluster, one of each stopped mid-round; and the operator alerted when
// the database goes away.

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/alerts"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/promstack"
)

// TestDatabaseOutageAlertsTheOperator: Postgres stopped under kpv serve
// raises KPVDatabaseUnreachable at the catalogue's operator (sds), through
// the real Prometheus and Alertmanager, and Postgres back resolves it.
func TestDatabaseOutageAlertsTheOperator(t *testing.T) {
	pg := pgtest.NewCluster(t, "kpv_outage")
	bin := buildKPV(t)
	env := []string{"KPV_DATABASE_URL=" + pg.URL, "KPV_SCHEDULER=off", "KPV_DB_PING_INTERVAL=200ms", "KPV_LOG_LEVEL=error"}
	runKPV(t, bin, env, "migrate")
	_, base := serveKPV(t, bin, env)
	hooks, hooksAddr := listenReceivers(t)
	prom, am := startAlerting(t, base, hooksAddr, func(o *alerts.Options) { o.DatabaseFor = 0 })
	prom.WaitFor(t, `kpv_database_up == 1`, 30*time.Second)

	pg.Script("stop", pg.Dir)
	stopped := time.Now()
	names, a, _ := hooks.wait(firing(alerts.AlertDatabase, ""), 60*time.Second)
	t.Logf("%s reached %v %.1fs after Postgres stopped: %q", alerts.AlertDatabase, names, time.Since(stopped).Seconds(), a.Annotations["summary"])
	if len(names) != 1 || names[0] != "kpv-sds" || a.Labels["severity"] != "critical" {
		t.Fatalf("the database alert reached %v (labels %v), want the operator's receiver kpv-sds, critical\nAlertmanager log: %s", names, a.Labels, am.Logs)
	}
	pg.Restart()
	resolved := func(a webhookAlert) bool {
		return a.Status == "resolved" && a.Labels["alertname"] == alerts.AlertDatabase
	}
	if names, _, took := hooks.wait(resolved, 60*time.Second); len(names) != 1 {
		t.Errorf("no resolved notice within %s of Postgres being back", took)
	}
}

// TestTwoReplicasAndTwoAlertmanagers: two kpv serve replicas on one Postgres
// with the scheduler on (a source due every second), two Alertmanagers in a
// cluster and a Prometheus scraping both replicas and sending to both
// Alertmanagers. Submissions go to both replicas throughout; mid-round one
// replica is killed and one Alertmanager stopped, then a figure past its
// critical threshold is ingested. Every accepted submission is stored; every
// second's tick is claimed once and run once; the indicator's owner is
// alerted through the Alertmanager left.
func TestTwoReplicasAndTwoAlertmanagers(t *testing.T) {
	bin := buildKPV(t)
	srv, fetches := countingPublisher(t)
	db := pgtest.NewDatabase(t)
	env := []string{"KPV_DATABASE_URL=" + db, "KPV_CATALOGUE=" + scheduledCatalogue(t, srv.URL), "KPV_SCHEDULER=on",
		"KPV_FETCH_ATTEMPTS=1", "KPV_REFRESH_INTERVAL=1s", "KPV_LOG_LEVEL=warn"}
	kpv := func(args ...string) string { t.Helper(); return runKPV(t, bin, env, args...) }
	kpv("migrate")
	token := tokenRE.FindString(kpv("token", "create", "--role", "submitter", "--org", "region-midtjylland", "--name", "RM"))

	var replicas []*kpvProc
	var bases []string
	for range 2 {
		p, base := serveKPV(t, bin, env)
		replicas, bases = append(replicas, p), append(bases, strings.TrimPrefix(base, "http://"))
	}
	hooks, hooksAddr := listenReceivers(t)
	dir := alertFiles(t, hooksAddr, func(o *alerts.Options) { o.ThresholdFor, o.ProgressFor, o.RankFor = 0, 0, 0 })
	ams := promstack.StartAlertmanagers(t, filepath.Join(dir, alerts.AlertmanagerFile), 2)
	prom := promstack.StartPrometheus(t, promstack.PrometheusConfig{
		Targets:       bases,
		RuleFiles:     []string{filepath.Join(dir, alerts.RulesFile)},
		Alertmanagers: []string{strings.TrimPrefix(ams[0].URL, "http://"), strings.TrimPrefix(ams[1].URL, "http://")},
	})
	prom.WaitFor(t, `count(up{job="kpv"} == 1) == 2`, 30*time.Second)

	// Submissions to both replicas in turn, each a new revision of one
	// figure, until stopped.
	var mu sync.Mutex
	accepted, unanswered, refused := 0, 0, 0
	stop := make(chan struct{})
	writing := make(chan struct{})
	go func() {
		defer close(writing)
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			req, _ := http.NewRequest("POST", "http://"+bases[i%2]+"/api/v1/indicators/g1_gp_followup_plan/observations",
				strings.NewReader(fmt.Sprintf("period;geography;value\n2025;DK-82;%d,%d\n", 40+i/10, i%10)))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "text/csv")
			resp, err := http.DefaultClient.Do(req)
			mu.Lock()
			switch {
			case err != nil && strings.Contains(err.Error(), "connection refused"):
				// The killed replica: the request never reached it.
			case err != nil:
				unanswered++
			case resp.StatusCode == 200:
				accepted++
			default:
				refused++
			}
			mu.Unlock()
			if resp != nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}()

	time.Sleep(3 * time.Second)
	if err := replicas[0].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-replicas[0].done
	ams[0].Stop()
	t.Logf("replica %s killed, Alertmanager %s stopped", bases[0], ams[0].URL)

	// 47 % is beyond g1_unmet_needs_followup's critical threshold of 43 %.
	t.Log(strings.TrimSpace(kpv("ingest", "barometer", "--file", barometerFile(t, "47"))))
	names, a, took := hooks.wait(firing(alerts.AlertCritical, "g1_unmet_needs_followup"), 60*time.Second)
	t.Logf("critical alert reached %v %.1fs after the ingest: %q", names, took.Seconds(), a.Annotations["summary"])
	time.Sleep(2 * time.Second) // any copy from elsewhere would arrive by now
	if names, _ := hooks.find(firing(alerts.AlertCritical, "g1_unmet_needs_followup")); len(names) != 1 || names[0] != "kpv-sst" {
		t.Errorf("the critical alert reached %v, want the owner's receiver kpv-sst\nAlertmanager log: %s", names, ams[1].Logs)
	}

	close(stop)
	<-writing
	// Stop between two ticks (they fall on whole seconds).
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1400 * time.Millisecond)))
	_ = replicas[1].cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-replicas[1].done:
	case <-time.After(20 * time.Second):
		t.Fatalf("the replica left did not stop within 20s\n%s", replicas[1].output())
	}

	// Every accepted write kept (one in flight when its replica was killed
	// may be stored without an answer).
	var stored int
	if err := pgxCount(db, `SELECT count(*) FROM observations WHERE indicator_id = 'g1_gp_followup_plan'`, &stored); err != nil {
		t.Fatal(err)
	}
	t.Logf("submissions: %d accepted, %d refused, %d unanswered; %d revisions stored", accepted, refused, unanswered, stored)
	if accepted < 20 || refused > 0 || stored < accepted || stored > accepted+unanswered {
		t.Errorf("%d submissions accepted (%d refused, %d unanswered), %d revisions stored: want every accepted one stored", accepted, refused, unanswered, stored)
	}

	// Every second's tick claimed once (no gap), each run once.
	var ticks, span, claimedBy, runs, running, ended int
	if err := pgxCount(db, `SELECT count(*), COALESCE(extract(epoch FROM max(due_at) - min(due_at))::int + 1, 0), count(DISTINCT claimed_by)
		FROM source_ticks WHERE source_id = 'nordcan-survival'`, &ticks, &span, &claimedBy); err != nil {
		t.Fatal(err)
	}
	if err := pgxCount(db, `SELECT count(*), count(*) FILTER (WHERE outcome = 'running'),
			count(*) FILTER (WHERE outcome = 'interrupted' OR error LIKE '%context canceled%')
		FROM ingest_runs WHERE source_id = 'nordcan-survival'`, &runs, &running, &ended); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d ticks over %d seconds claimed by %d replicas; %d runs (%d cut off by a stop), %d fetches", ticks, span, claimedBy, runs, ended, fetches.Load())
	if ticks < 8 || ticks != span || claimedBy != 2 {
		t.Errorf("%d ticks over %d seconds by %d replicas: want one tick a second, claimed by both replicas", ticks, span, claimedBy)
	}
	// A tick claimed by the killed replica in its last moment may have no
	// run (it died between the claim and the run); no tick has two.
	if runs > ticks || runs < ticks-1 || running != 0 || ended > 2 || int(fetches.Load()) > runs {
		t.Errorf("%d ticks, %d runs (%d still running, %d cut off), %d fetches: want one run per tick", ticks, runs, running, ended, fetches.Load())
	}
}
