#!/usr/bin/env bash
# Run every test against a fresh, throwaway Postgres.
#
#   scripts/test.sh                    go vet ./..., gofmt, staticcheck, deadcode (scripts/lint.sh),
#                                      go test ./... and every fuzz target for KPV_FUZZTIME
#                                      (default 10s) each
#   scripts/test.sh -run Foo ./store/  extra args replace the default ./... for go test
#                                      (and skip the fuzzing and scripts/lint.sh)
#
# The tests get KPV_TEST_DATABASE_URL (an admin database; each package creates its own
# databases from it), KPV_PROMTOOL (installed from Debian's prometheus package when
# missing, with prometheus, prometheus-alertmanager and amtool) and KPV_REQUIRE_DB=1 (a missing DB or tool is a failure, not a skip).
# Exit 1 if go vet or go test failed, or if any test was skipped. The last line of output
# is always "N passed, N failed, N skipped" (counts of --- PASS/FAIL/SKIP lines, subtests
# included). Full go test output: build/test.log; inputs tried per fuzz target: build/fuzz.txt.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
LOG=build/test.log
FUZZLOG=build/fuzz.txt # inputs tried per fuzz target
mkdir -p build
rm -f "$LOG" "$FUZZLOG" # a stale log would give a wrong summary if we fail before go test runs

TMP="$(mktemp -d)"
chmod 755 "$TMP" # user postgres must be able to enter it when we run as root

count() { grep -cE "^ *--- $1" "$LOG" 2>/dev/null || true; }

# Runs on every exit: stop Postgres and remove it first, so that the summary line
# really is the last line of output.
finish() {
  local status=$?
  trap - EXIT INT TERM
  bash scripts/postgres.sh stop "$TMP/pg" || true
  rm -rf "$TMP"
  local pass fail skip
  pass="$(count PASS)" fail="$(count FAIL)" skip="$(count SKIP)"
  echo
  echo "== packages"
  grep -E '^(ok|FAIL)[[:space:]]+[^[:space:]]' "$LOG" 2>/dev/null || echo "(none: go test did not run)"
  if [ -s "$FUZZLOG" ]; then
    echo "== fuzzing: inputs tried in ${KPV_FUZZTIME:-10s} per target"
    cat "$FUZZLOG"
  fi
  if [ "${skip:-0}" -gt 0 ]; then
    echo "== skipped tests (a skipped test is a failed test here)"
    grep -E '^ *--- SKIP' "$LOG"
    status=1
  fi
  echo "${pass:-0} passed, ${fail:-0} failed, ${skip:-0} skipped"
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT # exit runs the EXIT trap
trap 'exit 143' TERM

# A tracked executable or a file over 1 MB outside testdata/ and ingest/snapshots/
# fails the run before anything else (build outputs never belong in git).
echo "test.sh: go run ./cmd/treecheck" >&2
go run ./cmd/treecheck .

# Real servers and tools from Debian's packages, installed when missing:
# promtool checks kpv's /metrics and the generated rules; tests start their own
# Prometheus and Alertmanager (internal/promstack) on free loopback ports.
source scripts/debian.sh
need_cmd promtool prometheus
need_cmd prometheus prometheus
need_cmd prometheus-alertmanager prometheus-alertmanager
need_cmd amtool prometheus-alertmanager
need_cmd chromium chromium # the HTML report is opened in headless Chromium (test/ TestReportInBrowser)
# The Grafana schema check (grafana TestDashboardsMatchGrafanaSchema) runs
# TypeScript's compiler on @grafana/schema, pinned in its package-lock.json.
need_cmd npm npm # Debian's npm brings nodejs
if [ ! -d grafana/schemacheck/node_modules/@grafana/schema ] || [ ! -x grafana/schemacheck/node_modules/typescript/bin/tsc ]; then
  echo "test.sh: npm ci in grafana/schemacheck" >&2
  (cd grafana/schemacheck && npm ci --ignore-scripts --no-audit --no-fund >&2)
fi
KPV_PROMTOOL="$(command -v promtool)"
export KPV_PROMTOOL
# axe-core for the accessibility test (test/ TestPagesAccessible), pinned in
# internal/a11y/package-lock.json; npm from Debian when missing.
need_cmd npm npm
[ -f internal/a11y/node_modules/axe-core/axe.min.js ] || (cd internal/a11y && npm ci --no-audit --no-fund >&2)
# Redocly CLI for the OpenAPI lint (api TestOpenAPIPassesRedoclyLint), pinned in
# api/openapilint/package-lock.json.
[ -f api/openapilint/node_modules/@redocly/cli/bin/cli.js ] || (cd api/openapilint && npm ci --ignore-scripts --no-audit --no-fund >&2)

KPV_TEST_DATABASE_URL="$(bash scripts/postgres.sh start "$TMP/pg" kpv_test_admin)"
export KPV_TEST_DATABASE_URL KPV_REQUIRE_DB=1
echo "test.sh: KPV_TEST_DATABASE_URL=$KPV_TEST_DATABASE_URL KPV_REQUIRE_DB=1" >&2

# Keep going after a vet or format failure: the test results are still worth seeing.
vet_status=0
echo "test.sh: go vet ./... and gofmt -l" >&2
go vet ./... || vet_status=$?
unformatted="$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"
if [ -n "$unformatted" ]; then
  printf 'test.sh: gofmt needed on:\n%s\n' "$unformatted" >&2
  vet_status=1
fi

# staticcheck and deadcode (pinned, installed through the module proxy), on
# the whole tree: with extra args (one package, one test) they are skipped.
if [ $# -eq 0 ]; then bash scripts/lint.sh || vet_status=$?; fi

fuzz=0
if [ $# -eq 0 ]; then set -- ./...; fuzz=1; fi
echo "test.sh: go test -count=1 -p 2 -v $*" >&2
set +e
go test -count=1 -p 2 -v "$@" 2>&1 | tee "$LOG"
test_status=${PIPESTATUS[0]}
set -e

# Every parser has a fuzz target; each runs for a bounded time. A finding fails
# the run and is saved under the package's testdata/fuzz as a regression seed.
# Go 1.26's fuzz coordinator can end a clean run with a bare "context deadline
# exceeded" at the -fuzztime boundary (golang/go#75804, fixed in Go 1.27): a
# run fails only when it wrote a failing input or failed for another reason
# (kpv's own INFO request log lines and the test database notice are not
# reasons).
if [ "$fuzz" = 1 ]; then
  for pkg in $(go list ./...); do
    for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
      echo "test.sh: fuzzing $target in $pkg for ${KPV_FUZZTIME:-10s}" >&2
      out="$TMP/fuzz.out"
      set +e
      go test -run '^$' -fuzz "^$target\$" -fuzztime "${KPV_FUZZTIME:-10s}" -fuzzminimizetime 2s -v "$pkg" >"$out" 2>&1
      fstatus=$?
      # A fuzz worker that died before it tried an input ("terminated without
      # fuzzing", no failing input written) is a failure of the run, not a
      # finding: seen once in many runs on a loaded machine. It gets one
      # more try, said in the log; a second such failure fails the run.
      if [ "$fstatus" -ne 0 ] && grep -q 'fuzzing process terminated without fuzzing' "$out" && ! grep -q 'Failing input written to' "$out"; then
        echo "test.sh: $target's fuzz worker died before fuzzing (no input written); trying once more" >&2
        grep -vE '^fuzz: elapsed|INFO request' "$out" | sed 's/^/test.sh: first try: /' >&2
        go test -run '^$' -fuzz "^$target\$" -fuzztime "${KPV_FUZZTIME:-10s}" -fuzzminimizetime 2s -v "$pkg" >"$out" 2>&1
        fstatus=$?
      fi
      set -e
      if [ "$fstatus" -ne 0 ] && ! grep -q 'Failing input written to' "$out" &&
        [ "$(grep -cvE '^(fuzz: |=== |--- FAIL: Fuzz|    context deadline exceeded$|FAIL|exit status 1$|$|[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]+ (INFO|DEBUG) |    [a-z_]+\.go:[0-9]+: Postgres: )' "$out")" -eq 0 ] &&
        grep -q '^    context deadline exceeded$' "$out"; then
        echo "test.sh: $target ran its full time and found nothing; Go reported its known boundary race (golang/go#75804), not a finding" >&2
        sed -i "s/^--- FAIL: $target /--- PASS: $target /" "$out"
        fstatus=0
      fi
      grep -vE '^fuzz: elapsed' "$out" | tee -a "$LOG"
      # Go's progress lines count the inputs tried so far; the last one is the total.
      execs="$(grep -E '^fuzz: elapsed' "$out" | tail -n 1 | sed -nE 's/.*execs: ([0-9]+).*/\1/p')"
      printf '%-22s %-45s %12s inputs\n' "$target" "${pkg#github.com/kraeftplan/kpv}" "${execs:-0}" | tee -a "$FUZZLOG"
      [ "$fstatus" -eq 0 ] || test_status=1
    done
  done
fi

if [ "$vet_status" -ne 0 ]; then echo "test.sh: go vet, gofmt, staticcheck or deadcode failed" >&2; fi
if [ "$test_status" -ne 0 ]; then echo "test.sh: go test failed (exit $test_status)" >&2; fi
if [ "$vet_status" -ne 0 ] || [ "$test_status" -ne 0 ]; then exit 1; fi
