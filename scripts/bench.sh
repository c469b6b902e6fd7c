#!/usr/bin/env bash
# Run kpv's benchmarks against a throwaway Postgres and print the ratios that
# matter, each against a baseline measured in the same run.
#
#   scripts/bench.sh            the quick benchmarks KPV_BENCH_COUNT (default 5) times, then
#                               the bulk ingest (~1,000,000 rows against psql \copy) and the
#                               API under load (wrk, 30 s x 64 connections per endpoint) once
#   scripts/bench.sh -bench X   extra args replace all that: go test -bench X ... ./...
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

# wrk drives the API-under-load benchmark (Debian package wrk).
source scripts/debian.sh
need_cmd wrk wrk
KPV_WRK="$(command -v wrk)"
export KPV_WRK

if [ $# -gt 0 ]; then
  echo "bench.sh: go test -run '^\$' $* -benchmem -count ${KPV_BENCH_COUNT:-5} ./..." >&2
  go test -run '^$' "$@" -benchmem -count "${KPV_BENCH_COUNT:-5}" ./... | tee "$OUT"
else
  # The quick benchmarks, KPV_BENCH_COUNT times; the two that take minutes
  # (a million-row ingest; 30 s of wrk per endpoint) once each, on their own.
  echo "bench.sh: go test -run '^\$' -bench . -skip 'BulkIngest|APIUnderLoad|BenchmarkRefresh\$' -benchmem -count ${KPV_BENCH_COUNT:-5} ./..." >&2
  go test -run '^$' -bench . -skip 'BulkIngest|APIUnderLoad|BenchmarkRefresh$' -benchmem -count "${KPV_BENCH_COUNT:-5}" ./... | tee "$OUT"
  echo "bench.sh: go test -run '^\$' -bench BulkIngest -benchtime 1x -timeout 30m ./ingest/" >&2
  go test -run '^$' -bench BulkIngest -benchtime 1x -timeout 30m -v ./ingest/ 2>&1 | grep -vE '^(time=|[0-9/]+ [0-9:]+ (INFO|WARN))' | tee -a "$OUT"
  echo "bench.sh: go test -run '^\$' -bench 'BenchmarkRefresh\$' -benchtime 1x -timeout 60m ./monitor/" >&2
  go test -run '^$' -bench 'BenchmarkRefresh$' -benchtime 1x -timeout 60m -v ./monitor/ 2>&1 | grep -vE '^(time=|[0-9/]+ [0-9:]+ (INFO|WARN))' | tee -a "$OUT"
  echo "bench.sh: go test -run '^\$' -bench APIUnderLoad -benchtime 1x -timeout 30m ./test/" >&2
  go test -run '^$' -bench APIUnderLoad -benchtime 1x -timeout 30m -v ./test/ 2>&1 | grep -vE '^(time=|[0-9/]+ [0-9:]+ (INFO|WARN))' | tee -a "$OUT"
fi

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
ratio "observations default page with 10x revisions stored / with 1x (target <= 1.2)" \
  BenchmarkObservationsPage/page=default/revisions=10 BenchmarkObservationsPage/page=default/revisions=1
ratio "observations page of 100 with 10x revisions stored / with 1x (target <= 1.2)" \
  BenchmarkObservationsPage/page=page100/revisions=10 BenchmarkObservationsPage/page=page100/revisions=1
ratio "gzipped scrape / plain scrape, 50,000 series" BenchmarkScrape/gzip=true BenchmarkScrape/gzip=false
ratio "gzipped scrape / the same through client_golang's registry per scrape" BenchmarkScrape/gzip=true BenchmarkScrape/registry

# metric NAME UNIT: the value of a custom metric (b.ReportMetric) of benchmark NAME,
# the median where it ran several times.
metric() {
  awk -v name="$1" -v unit="$2" '$1 ~ "^"name"-[0-9]+$" { for (i = 3; i <= NF; i++) if ($i == unit) print $(i-1) }' "$OUT" |
    sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
show() { # show LABEL NAME UNIT
  local v
  v="$(metric "$2" "$3")"
  if [ -n "$v" ]; then echo "$1: $v"; fi
}
show "observations: default page with 10x revisions / 1x, alternated call by call (target <= 1.2)" BenchmarkObservationsPage/page=default/interleaved 10x/1x
show "observations: page of 100 with 10x revisions / 1x, alternated call by call (target <= 1.2)" BenchmarkObservationsPage/page=page100/interleaved 10x/1x
show "bulk ingest: kpv rate / psql \\copy rate into the equivalent table (target >= 0.5)" BenchmarkBulkIngest kpv/copy
show "bulk ingest: kpv rate / psql \\copy rate into an unconstrained table (target >= 0.5)" BenchmarkBulkIngest kpv/copy-nofk
show "bulk ingest: bytes a stored figure, indexes included (target <= 120)" BenchmarkBulkIngest table-bytes/row
show "bulk ingest: kpv rows/s" BenchmarkBulkIngest kpv-rows/s
show "bulk ingest: peak RSS of the ingest, MiB" BenchmarkBulkIngest peak-RSS-MiB
show "refresh: full rebuild of the current figures, s (target < 10 for 1,000,000)" BenchmarkRefresh full-s
show "refresh: figures" BenchmarkRefresh figures
show "refresh: full / incremental after a run touching 1 % of the series (target >= 20)" BenchmarkRefresh full/incremental
show "refresh: peak RSS of the full rebuild, MiB" BenchmarkRefresh peak-RSS-MiB
show "refresh: yearly report rebuilt incrementally after the run (as the API's cache does), s (target < 1)" BenchmarkRefresh report-s
show "refresh: live heap the API's incremental report builder keeps for one year, MiB" BenchmarkRefresh report-builder-MiB
show "refresh: the same report built from a full read (report.Build) / incremental (same run)" BenchmarkRefresh report-full/report
show "refresh: the same report from a full read (report.Build: kpv report, as_of), s (target < 1)" BenchmarkRefresh report-full-s
show "refresh: the same report from a full read, CPU s (steadier than wall time on a shared machine)" BenchmarkRefresh report-full-cpu-s
show "refresh: the same report from a full read, minor page faults (memory the process touched for the first time)" BenchmarkRefresh report-full-faults
show "refresh: the same report from a full read again in the same process (median of 5, as a server answers as_of), s (target < 1)" BenchmarkRefresh report-full-again-s
show "refresh: one Postgres backend sending the same figures to nowhere, beside each of those five (median), s: this machine's speed at the time" BenchmarkRefresh postgres-send-s
show "refresh: the report from a full read again / Postgres sending its figures (medians of 5; steadier than either)" BenchmarkRefresh report-full-again/postgres-send
show "API under load: observations req/s / healthz req/s (target >= 0.05)" BenchmarkAPIUnderLoad observations/healthz
show "API under load: observations (page of 100) req/s / healthz req/s (target >= 0.2)" BenchmarkAPIUnderLoad observations-page100/healthz
show "API under load: reports req/s / healthz req/s" BenchmarkAPIUnderLoad reports/healthz
show "API under load: observations p99 ms" BenchmarkAPIUnderLoad observations-p99-ms
