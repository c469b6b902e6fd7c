#!/usr/bin/env bash
# The whole local stack in the foreground: Postgres, then kpv (migrate, load the
# bundled snapshots of published figures, serve with the ingest scheduler), then
# Alertmanager (alerts/alertmanager.yml) and Prometheus (scraping kpv, evaluating
# alerts/rules.yml). Prometheus and Alertmanager come from Debian's packages,
# installed when missing. Ctrl-C (or SIGTERM) stops everything that was started,
# in reverse order.
#
#   KPV_DATA_DIR    state directory (default: REPO/.kpv); Postgres lives in KPV_DATA_DIR/pg
#                   (the superuser's URL in pg/url; kpv runs as kpv_app, migrations as kpv_owner,
#                   their passwords in pg/kpv_app.password and pg/kpv_owner.password),
#                   Prometheus and Alertmanager in KPV_DATA_DIR/prometheus and /alertmanager
#   KPV_ADDR        kpv listen address (default: 127.0.0.1:8080)
#   KPV_PROMETHEUS_ADDR    Prometheus listen address (default: 127.0.0.1:9090)
#   KPV_ALERTMANAGER_ADDR  Alertmanager listen address (default: 127.0.0.1:9093)
#   KPV_SCRAPE_INTERVAL    how often Prometheus scrapes kpv and evaluates the rules (default: 15s)
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
PROM_ADDR="${KPV_PROMETHEUS_ADDR:-127.0.0.1:9090}"
AM_ADDR="${KPV_ALERTMANAGER_ADDR:-127.0.0.1:9093}"
SCRAPE_INTERVAL="${KPV_SCRAPE_INTERVAL:-15s}"

# Every service adds its stop function to STOPS *before* starting, so a half-started
# service is still stopped. To add a service, write a start_x/stop_x pair and
# call them below.
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
  SUPER_URL="$(bash scripts/postgres.sh start "$DATA_DIR/pg")"
  roles
}

# Least privilege: the superuser only makes the roles. The migrations run as
# kpv_owner, which owns the database and every table; kpv serves as kpv_app,
# which owns nothing (store/migrations/00080_serving_role.sql says what it may
# do). Each role's password is made once and kept in DATA_DIR/pg (mode 600).
role_password() {
  local f="$DATA_DIR/pg/$1.password"
  [ -s "$f" ] || (umask 077 && head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$f")
  cat "$f"
}
roles() {
  local owner_pw app_pw hostport psql
  owner_pw="$(role_password kpv_owner)" app_pw="$(role_password kpv_app)"
  psql="$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)"
  "$psql" "$SUPER_URL" -v ON_ERROR_STOP=1 -q -v owner_pw="$owner_pw" -v app_pw="$app_pw" >&2 <<'SQL'
SELECT format('CREATE ROLE kpv_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kpv_owner') \gexec
SELECT format('CREATE ROLE kpv_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kpv_app') \gexec
SELECT format('CREATE ROLE kpv_grafana LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kpv_grafana') \gexec
ALTER ROLE kpv_owner PASSWORD :'owner_pw';
ALTER ROLE kpv_app PASSWORD :'app_pw';
ALTER DATABASE kpv OWNER TO kpv_owner;
-- A data directory made before kpv had an owner role: its tables belong to
-- the superuser; they pass to kpv_owner, so that migrations run as it.
SELECT format('ALTER %s public.%I OWNER TO kpv_owner',
         CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'S') AND pg_get_userbyid(c.relowner) <> 'kpv_owner'
   AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))) \gexec
SELECT format('ALTER FUNCTION public.%I() OWNER TO kpv_owner', p.proname)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> 'kpv_owner' \gexec
SQL
  hostport="${SUPER_URL#*@}" hostport="${hostport%%/*}"
  OWNER_URL="postgres://kpv_owner:$owner_pw@$hostport/kpv?sslmode=disable"
  KPV_DATABASE_URL="postgres://kpv_app:$app_pw@$hostport/kpv?sslmode=disable"
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
    KPV_DATABASE_URL="$OWNER_URL" bin/kpv migrate
    # The bundled figures: every source that ships a snapshot (a failure stops here).
    bin/kpv ingest --all --offline
    bin/kpv serve &
  fi
  KPV_PID=$!
}

# Background servers: each writes DATA_DIR/NAME.log and is stopped with SIGTERM;
# PIDS maps name to pid for stop_bg.
declare -A PIDS=()
stop_bg() {
  local name="$1" pid="${PIDS[$1]:-}"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    echo "up.sh: stopping $name (pid $pid)" >&2
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
# wait_http HOST:PORT PATH: until the server answers 200 (bash's /dev/tcp: no curl needed).
wait_http() {
  local host="${1%:*}" port="${1##*:}" i status
  for ((i = 0; i < 150; i++)); do
    # In a subshell, so neither fd 3 nor the silenced errors outlive the check.
    status="$( (exec 3<>"/dev/tcp/$host/$port" && printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$2" "$1" >&3 && head -n 1 <&3) 2>/dev/null || true)"
    case "$status" in *" 200"*) return 0 ;; esac
    sleep 0.2
  done
  echo "up.sh: $1$2 did not answer 200 within 30s; see $DATA_DIR/*.log" >&2
  return 1
}

stop_alertmanager() { stop_bg alertmanager; }
start_alertmanager() {
  STOPS+=(stop_alertmanager)
  need_cmd prometheus-alertmanager prometheus-alertmanager
  mkdir -p "$DATA_DIR/alertmanager"
  # A single local instance: no cluster gossip port.
  prometheus-alertmanager --config.file="$REPO/alerts/alertmanager.yml" \
    --storage.path="$DATA_DIR/alertmanager" --web.listen-address="$AM_ADDR" \
    --cluster.listen-address= >"$DATA_DIR/alertmanager.log" 2>&1 &
  PIDS[alertmanager]=$!
  wait_http "$AM_ADDR" /-/ready
}

stop_prometheus() { stop_bg prometheus; }
start_prometheus() {
  STOPS+=(stop_prometheus)
  need_cmd prometheus prometheus
  mkdir -p "$DATA_DIR/prometheus"
  cat >"$DATA_DIR/prometheus.yml" <<CONF
# Written by scripts/up.sh for the local stack.
global:
  scrape_interval: $SCRAPE_INTERVAL
  evaluation_interval: $SCRAPE_INTERVAL
rule_files:
  - "$REPO/alerts/rules.yml"
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["$AM_ADDR"]
scrape_configs:
  - job_name: kpv
    static_configs:
      - targets: ["$KPV_ADDR"]
CONF
  prometheus --config.file="$DATA_DIR/prometheus.yml" --storage.tsdb.path="$DATA_DIR/prometheus" \
    --web.listen-address="$PROM_ADDR" >"$DATA_DIR/prometheus.log" 2>&1 &
  PIDS[prometheus]=$!
  wait_http "$PROM_ADDR" /-/ready
}

source scripts/debian.sh
mkdir -p "$DATA_DIR"
start_postgres
start_kpv
if [ "${KPV_SKIP_BUILD:-}" != 1 ]; then
  start_alertmanager
  start_prometheus
fi
PG_HOSTPORT="${KPV_DATABASE_URL#*@}"
PG_HOSTPORT="${PG_HOSTPORT%%/*}"
cat >&2 <<EOF

  Pages         http://$KPV_ADDR/sider   (the goals, their indicators and where each stands)
  Report        http://$KPV_ADDR/api/v1/reports/$(date +%Y)?format=html   (also xlsx, csv, json; any year from 2025)
  API           http://$KPV_ADDR/api/v1   (contract: http://$KPV_ADDR/openapi.json)
  Metrics       http://$KPV_ADDR/metrics
  Prometheus    http://$PROM_ADDR/classic/alerts   (the alerts as the rules evaluate them)
  Alertmanager  amtool --alertmanager.url=http://$AM_ADDR alert query   (or http://$AM_ADDR/api/v2/alerts; no web page)
  bin/kpv       export KPV_DATABASE_URL='$KPV_DATABASE_URL'   (kpv_app, as kpv serves; migrations: kpv_owner)
  Grafana       none runs here: point yours at grafana/provisioning (docs/grafana.md) with
                KPV_PROMETHEUS_URL=http://$PROM_ADDR KPV_GRAFANA_PG_HOST=$PG_HOSTPORT KPV_GRAFANA_PG_DB=kpv KPV_GRAFANA_PG_SSLMODE=disable
  Logs          $DATA_DIR/*.log
  Ctrl-C stops everything

EOF
wait "$KPV_PID" # kpv's exit status becomes ours (via set -e and the EXIT trap)
