package api

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenAPIPassesRedoclyLint runs a peer's linter over openapi.yaml:
// Redocly CLI with its recommended rules (openapilint/redocly.yaml), pinned in
// openapilint/package-lock.json and installed by scripts/test.sh with npm ci.
// The few problems that are true of kpv are listed, each with its reason, in
// openapilint/.redocly.lint-ignore.yaml; anything else fails with the
// linter's own words.
func TestOpenAPIPassesRedoclyLint(t *testing.T) {
	cli := filepath.Join("openapilint", "node_modules", "@redocly", "cli", "bin", "cli.js")
	_, errCLI := os.Stat(cli)
	_, errNode := exec.LookPath("node")
	if err := errors.Join(errCLI, errNode); err != nil {
		msg := "the OpenAPI lint needs node and `npm ci` in api/openapilint (scripts/test.sh does both): " + err.Error()
		if os.Getenv("KPV_REQUIRE_DB") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command("node", "node_modules/@redocly/cli/bin/cli.js", "lint", "../openapi.yaml",
		"--config", "redocly.yaml", "--format", "stylish")
	cmd.Dir = "openapilint"
	// No telemetry or update check: the machines reach no other host.
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redocly lint api/openapi.yaml: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "valid") {
		t.Fatalf("redocly lint said neither valid nor invalid:\n%s", out)
	}
}
