#!/usr/bin/env bash
# Run kpv's benchmarks against a throwaway Postgres and print the ratios that
# matter, each against a baseline measured in the same run.
#
#   scripts/bench.sh            every benchmark, KPV_BENCH_COUNT (default 5) times
#   scripts/bench.sh -bench X   extra args replace the default -bench .
#
# Raw results: build/bench.txt (benchstat reads it).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
mkdir -p build
OUT=build/bench.txt
TMP="$(mktemp -d)"
chmod 755 "$TMP"
trap 'bash scripts/postgres.sh stop "$TMP/pg" || true; rm -rf "$TMP"' EXIT

KPV_TEST_DATABASE_URL="$(bash scripts/postgres.sh start "$TMP/pg" kpv_bench_admin)"
export KPV_TEST_DATABASE_URL KPV_REQUIRE_DB=1

if [ $# -eq 0 ]; then set -- -bench .; fi
echo "bench.sh: go test -run '^\$' $* -benchmem -count ${KPV_BENCH_COUNT:-5} ./..." >&2
go test -run '^$' "$@" -benchmem -count "${KPV_BENCH_COUNT:-5}" ./... | tee "$OUT"

# median NAME: the median ns/op of the benchmark lines named NAME-<procs>.
median() {
  awk -v name="$1" '$1 ~ "^"name"-[0-9]+$" { for (i = 2; i < NF; i++) if ($(i+1) == "ns/op") print $i }' "$OUT" |
    sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
ratio() { # ratio LABEL NUMERATOR DENOMINATOR
  local a b
  a="$(median "$2")" b="$(median "$3")"
  if [ -n "$a" ] && [ -n "$b" ]; then
    awk -v l="$1" -v a="$a" -v b="$b" 'BEGIN { printf "%s: %.4g (%.0f ns / %.0f ns)\n", l, a / b, a, b }'
  fi
}
echo
echo "== ratios (medians of ${KPV_BENCH_COUNT:-5} runs)"
ratio "scrape with 10x revisions stored / with 1x (flat = 1)" \
  BenchmarkScrapeRevisions/revisions=10 BenchmarkScrapeRevisions/revisions=1
ratio "gzipped scrape / plain scrape, 50,000 series" BenchmarkScrape/gzip=true BenchmarkScrape/gzip=false
ratio "gzipped scrape / the same through client_golang's registry per scrape" BenchmarkScrape/gzip=true BenchmarkScrape/registry
