package promstack

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The harness itself: a real Prometheus scrapes a target and answers a query,
// and a real Alertmanager starts on a minimal configuration.
func TestPrometheusScrapesAndAlertmanagerStarts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "# TYPE kpv_probe gauge\nkpv_probe 42")
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	p := StartPrometheus(t, PrometheusConfig{Targets: []string{ln.Addr().String()}})
	got := p.WaitFor(t, `kpv_probe{job="kpv"}`, 30*time.Second)
	if got[0].Value != "42" {
		t.Errorf("kpv_probe = %s, want 42", got[0].Value)
	}
	if _, err := p.Query("sum("); err == nil {
		t.Error("a malformed expression was not reported as an error")
	}

	conf := filepath.Join(t.TempDir(), "am.yml")
	if err := os.WriteFile(conf, []byte("route:\n  receiver: none\nreceivers:\n  - name: none\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	am := StartAlertmanager(t, conf)
	resp, err := http.Get(am.URL + "/api/v2/status")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Alertmanager status: %v %v", resp, err)
	}
	resp.Body.Close()
}
