#!/usr/bin/env bash
# The whole local stack in the foreground: Postgres, then kpv (migrate, load the
# bundled snapshots of published figures, serve with the ingest scheduler).
# Ctrl-C (or SIGTERM) stops everything that was started, in reverse order.
#
#   KPV_DATA_DIR    state directory (default: REPO/.kpv); Postgres lives in KPV_DATA_DIR/pg
#   KPV_ADDR        kpv listen address (default: 127.0.0.1:8080)
#   KPV_OFFLINE     1 (default here): sources are read from the shipped snapshots, also
#                   by the scheduler; 0 fetches from the publishers' URLs
#   KPV_SKIP_BUILD  testing hook: when 1, skip build/migrate/serve and just sleep, so the
#                   Postgres start/stop and the trap can be checked without a working kpv:
#                     KPV_SKIP_BUILD=1 timeout -s INT 8 bash scripts/up.sh
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
DATA_DIR="${KPV_DATA_DIR:-$REPO/.kpv}"
export KPV_ADDR="${KPV_ADDR:-127.0.0.1:8080}"
export KPV_OFFLINE="${KPV_OFFLINE:-1}"

# Every service adds its stop function to STOPS *before* starting, so a half-started
# service is still stopped. To add a service (Prometheus, Alertmanager), write a
# start_x/stop_x pair and call them below.
STOPS=()
cleanup() {
  local status=$? i
  trap - EXIT INT TERM
  for ((i = ${#STOPS[@]} - 1; i >= 0; i--)); do "${STOPS[i]}" || true; done
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT # exit runs the EXIT trap, so cleanup happens exactly once
trap 'exit 143' TERM

stop_postgres() { bash scripts/postgres.sh stop "$DATA_DIR/pg"; }
start_postgres() {
  STOPS+=(stop_postgres)
  KPV_DATABASE_URL="$(bash scripts/postgres.sh start "$DATA_DIR/pg")"
  export KPV_DATABASE_URL
}

# kpv runs in the background and we `wait` for it: a trapped signal interrupts `wait`
# at once, whereas a foreground child would delay the trap until the child exits.
KPV_PID=""
stop_kpv() {
  if [ -n "$KPV_PID" ] && kill -0 "$KPV_PID" 2>/dev/null; then
    echo "up.sh: stopping kpv (pid $KPV_PID)" >&2
    kill -TERM "$KPV_PID" 2>/dev/null || true
    wait "$KPV_PID" 2>/dev/null || true
  fi
}
start_kpv() {
  STOPS+=(stop_kpv)
  if [ "${KPV_SKIP_BUILD:-}" = 1 ]; then
    echo "up.sh: KPV_SKIP_BUILD=1, not building or running kpv, just sleeping" >&2
    sleep infinity &
  else
    go build -o bin/kpv ./cmd/kpv
    bin/kpv migrate
    # The bundled figures: every source that ships a snapshot (a failure stops here).
    bin/kpv ingest --all --offline
    bin/kpv serve &
  fi
  KPV_PID=$!
}

start_postgres
start_kpv
cat >&2 <<EOF

  kpv       http://$KPV_ADDR   (API under /api/v1, e.g. /api/v1/assessment)
  metrics   http://$KPV_ADDR/metrics
  Postgres  $KPV_DATABASE_URL
  Ctrl-C stops everything

EOF
wait "$KPV_PID" # kpv's exit status becomes ours (via set -e and the EXIT trap)
