package pgtest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Cluster is a Postgres cluster of a test's own (scripts/postgres.sh), for
// tests that stop, restart or hold Postgres in recovery under a client.
type Cluster struct {
	t      testing.TB
	Dir    string // the script's DIR: data, socket, port, url
	URL    string // the database made at start
	script string
	db     string
}

// NewCluster starts a cluster with a database db; it is stopped and
// removed when the test ends.
func NewCluster(t testing.TB, db string) *Cluster {
	t.Helper()
	URL(t) // skipped, or failed under make test, where Postgres cannot run
	dir, err := os.MkdirTemp("", "kpv-pg-own-")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(dir, 0o755) // Postgres runs as user postgres when we are root
	_, self, _, _ := runtime.Caller(0)
	c := &Cluster{t: t, Dir: filepath.Join(dir, "pg"), db: db,
		script: filepath.Join(filepath.Dir(self), "..", "..", "scripts", "postgres.sh")}
	c.URL = c.Script("start", c.Dir, db)
	t.Cleanup(func() { c.Script("stop", c.Dir); os.RemoveAll(dir) })
	return c
}

// Script runs scripts/postgres.sh with args and returns its output; a
// failure fails the test with the script's stderr.
func (c *Cluster) Script(args ...string) string {
	c.t.Helper()
	var stderr strings.Builder
	cmd := exec.Command("bash", append([]string{c.script}, args...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("postgres.sh %v: %v\n%s", args, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// Restart stops and starts the cluster on the same port.
func (c *Cluster) Restart() string { c.t.Helper(); return c.Script("restart", c.Dir, c.db) }

// StartInRecovery stops the cluster and starts it again as a standby
// without hot standby on its port: every connection is then refused with
// 57P03 ("the database system is not accepting connections", as while it
// starts up) until Promote. The state Postgres is in while it recovers after
// a restart, held for as long as the test needs.
func (c *Cluster) StartInRecovery() {
	c.t.Helper()
	c.Script("stop", c.Dir)
	data, port := filepath.Join(c.Dir, "data"), c.read("port")
	if err := os.WriteFile(filepath.Join(data, "standby.signal"), nil, 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.pgctl("-D", data, "-l", filepath.Join(c.Dir, "postgres.log"), "-W", "-o",
		"-c listen_addresses=127.0.0.1 -p "+port+" -c unix_socket_directories='"+filepath.Join(c.Dir, "socket")+"' -c fsync=off -c hot_standby=off", "start")
	// Started once it listens (and refuses).
	for deadline := time.Now().Add(30 * time.Second); !listening("127.0.0.1:" + port); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			c.t.Fatalf("Postgres in recovery did not start within 30s:\n%s", c.read("postgres.log"))
		}
	}
}

// Promote ends the recovery StartInRecovery began: Postgres takes
// connections again.
func (c *Cluster) Promote() {
	c.t.Helper()
	c.pgctl("-D", filepath.Join(c.Dir, "data"), "-w", "promote")
}

func listening(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		conn.Close()
	}
	return err == nil
}

func (c *Cluster) read(name string) string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, name))
	return strings.TrimSpace(string(b))
}

// pgctl runs Postgres 15's pg_ctl, as user postgres when we are root.
func (c *Cluster) pgctl(args ...string) {
	c.t.Helper()
	bin := "/usr/lib/postgresql/15/bin/pg_ctl"
	cmd := exec.Command(bin, args...)
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", bin}, args...)...)
		cmd.Dir = "/"
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("pg_ctl %v: %v\n%s\n%s", args, err, out, c.read("postgres.log"))
	}
}
