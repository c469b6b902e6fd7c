package test

// Connection limits (issue 20, finding 7): a slow body and an idle
// keep-alive connection are let go, by the real kpv binary on Postgres.

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/internal/pgtest"
)

// heldFor reads conn until the server closes it, and returns how long that
// took (or limit if it still held the connection then).
func heldFor(t *testing.T, conn net.Conn, limit time.Duration) time.Duration {
	t.Helper()
	started := time.Now()
	_ = conn.SetReadDeadline(started.Add(limit))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return limit
	}
	return time.Since(started)
}

func TestSlowAndIdleConnectionsAreLetGo(t *testing.T) {
	bin := buildKPV(t)
	db := pgtest.NewDatabase(t)
	env := []string{"KPV_DATABASE_URL=" + db, "KPV_SCHEDULER=off", "KPV_HTTP_READ_TIMEOUT=2s", "KPV_HTTP_IDLE_TIMEOUT=2s"}
	runKPV(t, bin, env, "migrate")
	p, base := serveKPV(t, bin, env)
	addr := strings.TrimPrefix(base, "http://")
	const limit = 8 * time.Second

	// A body that never finishes: cut off at the read timeout.
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	_, _ = io.WriteString(slow, "POST /api/v1/indicators/g1_gp_followup_plan/observations HTTP/1.1\r\nHost: kpv\r\n"+
		"Content-Type: text/csv\r\nContent-Length: 100000\r\n\r\nperiod;geography;value\n")
	slowHeld := heldFor(t, slow, limit)

	// A keep-alive connection left idle after an answer: closed.
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	_, _ = io.WriteString(idle, "GET /healthz HTTP/1.1\r\nHost: kpv\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	idleHeld := heldFor(t, idle, limit)

	t.Logf("with 2s read and idle timeouts: a stalled body held %s, an idle keep-alive connection %s", slowHeld.Round(time.Millisecond), idleHeld.Round(time.Millisecond))
	if slowHeld >= limit {
		t.Errorf("a stalled body was still held after %s", limit)
	}
	if idleHeld >= limit {
		t.Errorf("an idle connection was still held after %s", limit)
	}
	if out := p.output(); strings.Contains(out, "panic") {
		t.Errorf("kpv panicked:\n%s", out)
	}
}
