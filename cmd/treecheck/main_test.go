package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The repository itself must pass: no build output is tracked.
func TestRepositoryTracksNoBuildOutput(t *testing.T) {
	problems, err := check("../..")
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("tracked build outputs or oversized files:\n%s", strings.Join(problems, "\n"))
	}
}

// A commit that adds an executable, or a large file outside the data
// folders, fails the check; the same large file under testdata/ passes.
func TestCheckRefusesCommittedBinaries(t *testing.T) {
	self, err := os.Executable() // this test binary: a real executable
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	big := []byte(strings.Repeat("0123456789abcdef", (maxSize/16)+1))
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		want  string // "" = passes
	}{
		{"clean", map[string][]byte{"README.md": []byte("kpv\n"), "main.go": []byte("package main\n")}, ""},
		{"test binary at the root", map[string][]byte{"api.test": exe}, "api.test is an executable"},
		{"binary renamed as data", map[string][]byte{"ingest/snapshots/x.csv": exe}, "x.csv is an executable"},
		{"large file", map[string][]byte{"dump.json": big}, "dump.json is 1048592 bytes"},
		{"large file in testdata", map[string][]byte{"ingest/testdata/big.csv": big}, ""},
		{"large snapshot", map[string][]byte{"ingest/snapshots/big.csv": big}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			git := func(args ...string) {
				t.Helper()
				cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git %v: %v\n%s", args, err, out)
				}
			}
			git("init", "-q")
			for name, b := range tc.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			git("add", ".")
			git("commit", "-q", "-m", "add")
			problems, err := check(dir)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(problems, "\n")
			if tc.want == "" && got != "" {
				t.Fatalf("want no problem, got %q", got)
			}
			if tc.want != "" && !strings.Contains(got, tc.want) {
				t.Fatalf("want a problem containing %q, got %q", tc.want, got)
			}
		})
	}
}
