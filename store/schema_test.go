package store_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/store"
)

// schemaFile is the current schema in one readable place: what the
// migrations in migrations/ build, as pg_dump prints it.
const schemaFile = "schema.sql"

// TestSchemaFileIsCurrent migrates a fresh database and compares its
// pg_dump with schema.sql, so the file a newcomer reads is what the
// migrations make. After changing a migration, write it anew with
//
//	KPV_WRITE_SCHEMA=1 make test ARGS='-run TestSchemaFileIsCurrent ./store/'
func TestSchemaFileIsCurrent(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Migrate(ctx)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgDump(url)
	if err != nil {
		t.Fatal(err)
	}
	got := normaliseDump(out)
	if os.Getenv("KPV_WRITE_SCHEMA") != "" {
		if err := os.WriteFile(schemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", schemaFile, len(got))
		return
	}
	want, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatalf("%v: write it with KPV_WRITE_SCHEMA=1 make test ARGS='-run TestSchemaFileIsCurrent ./store/'", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		i := 0
		for i < len(gl) && i < len(wl) && gl[i] == wl[i] {
			i++
		}
		line := func(l []string) string {
			if i < len(l) {
				return l[i]
			}
			return "(end of file)"
		}
		t.Fatalf("store/schema.sql is stale: line %d is %q, the migrations make %q; write it anew with KPV_WRITE_SCHEMA=1 make test ARGS='-run TestSchemaFileIsCurrent ./store/'",
			i+1, line(wl), line(gl))
	}
}

// pgDump prints the schema of the database at url, without owners or
// grants (those depend on the deployment), with pg_dump of the server's
// major version.
func pgDump(url string) ([]byte, error) {
	bin := "pg_dump"
	if _, err := os.Stat("/usr/lib/postgresql/15/bin/pg_dump"); err == nil {
		bin = "/usr/lib/postgresql/15/bin/pg_dump"
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--schema-only", "--no-owner", "--no-privileges", "--no-comments",
		"--exclude-table=goose_db_version*", "--dbname="+url)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, &dumpError{err, stderr.String()}
	}
	return out, nil
}

type dumpError struct {
	err    error
	stderr string
}

func (e *dumpError) Error() string { return "pg_dump: " + e.err.Error() + ": " + e.stderr }

var (
	dumpNoise  = regexp.MustCompile(`(?m)^(SET |SELECT pg_catalog\.set_config|-- Dumped (from|by) |-- PostgreSQL database dump|\\(un)?restrict ).*\n`)
	blankLines = regexp.MustCompile(`\n{3,}`)
)

// normaliseDump drops what changes from run to run or machine to machine
// (session settings, the dumping versions) and gives the file a header.
func normaliseDump(b []byte) []byte {
	b = dumpNoise.ReplaceAll(b, nil)
	b = blankLines.ReplaceAll(b, []byte("\n\n"))
	head := "-- kpv's schema as the migrations in store/migrations build it (pg_dump --schema-only).\n" +
		"-- Generated: do not edit; store TestSchemaFileIsCurrent checks it. Read this file to see the\n" +
		"-- tables, views, functions and triggers of today; read the migrations to see how they came to be.\n"
	lines := strings.Split(string(b), "\n")
	empty := func(l string) bool { return l == "" || l == "--" }
	for len(lines) > 0 && empty(lines[0]) {
		lines = lines[1:]
	}
	for len(lines) > 0 && empty(lines[len(lines)-1]) {
		lines = lines[:len(lines)-1]
	}
	return []byte(head + "\n" + strings.Join(lines, "\n") + "\n")
}
