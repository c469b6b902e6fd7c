#!/usr/bin/env bash
# A throwaway local Postgres cluster in a directory, for development and tests.
#
#   scripts/postgres.sh start DIR [DBNAME]   init if needed, start, create DBNAME (default kpv);
#                                            prints the connection URL as the only stdout line
#   scripts/postgres.sh stop DIR             fast shutdown; quiet if not running
#   scripts/postgres.sh restart DIR [DBNAME] stop and start again on the same port (tests
#                                            of a restart under a running client)
#   scripts/postgres.sh url DIR              print the URL written by start
#
# Layout: DIR/data (cluster), DIR/socket, DIR/postgres.log, DIR/port, DIR/url, DIR/password.
# Listens on 127.0.0.1 only. TCP connections need a password (scram-sha-256; the superuser
# postgres gets a random one at initdb, kept in DIR/password and in the URL, mode 600);
# the socket in DIR/socket allows only the matching OS user (peer). A development cluster:
# never use it for real data.
# KPV_PG_FSYNC=on makes the cluster crash-safe (fsync, full_page_writes, synchronous_commit);
# the default "off" is faster and fine for a cluster we can always recreate.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# Postgres refuses to run as root, so as root the server commands run as user postgres.
if [ "$(id -u)" -eq 0 ]; then
  as_pg() { (cd / && runuser -u postgres -- "$@"); } # cd /: postgres may not be able to read our cwd
else
  as_pg() { "$@"; }
fi

# Prefer 15, else the newest installed major version. Prints nothing if none is installed.
find_bindir() {
  if [ -x /usr/lib/postgresql/15/bin/initdb ]; then echo /usr/lib/postgresql/15/bin; return; fi
  local d
  d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; fi
}

install_postgres() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "Postgres is not installed and we are not root: apt-get install postgresql-15"
    sudo=sudo
  fi
  log "no Postgres found, installing postgresql-15 (note: the Debian package also creates its own 'main' cluster on port 5432)"
  $sudo apt-get update >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql-15 >&2
}

# The cluster lives in DIR unless (as root) user postgres cannot reach DIR, e.g. a repo
# under /root (mode 700). Then it lives in a /tmp directory derived from DIR's path, so
# start/stop agree on it; DIR still gets the port and url files.
resolve_pgdir() {
  PGDIR="$DIR"
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$(dirname "$DIR")" 2>/dev/null; then
    PGDIR="/tmp/kpv-pg-$(printf %s "$DIR" | sha256sum | cut -c1-12)"
  fi
  DATA="$PGDIR/data"
}

running() { [ -f "$DATA/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

# Starting clusters take one machine-wide lock from choosing a port until the
# server listens on it: two clusters started at once would otherwise both find
# the same port free and the second would fail to bind. A restart holds it from
# the stop to the start, so no other cluster takes the port in between. The
# servers themselves never inherit the lock's descriptor (9>&- below).
take_port_lock() {
  exec 9>>"${TMPDIR:-/tmp}/kpv-postgres-ports.lock"
  flock -w 120 9 || die "waited 120 s for ${TMPDIR:-/tmp}/kpv-postgres-ports.lock (another cluster starting?)"
}

# A port is free if connecting to it fails (nothing listening).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Ports are taken from 25432-26431, below Linux's range for the local end of
# outgoing connections (32768-60999 by default): a port nothing listens on
# there can still be held by a client's connection (to this Postgres or any
# other), and the server then fails to bind it ("Address already in use").
pick_port() {
  local p
  p="$(cat "$DIR/port" 2>/dev/null || true)"
  if [[ "$p" =~ ^[0-9]+$ ]] && port_free "$p"; then echo "$p"; return; fi
  for ((p = 25432; p < 26432; p++)); do
    if port_free "$p"; then echo "$p"; return; fi
  done
  die "no free port in 25432-26431"
}

fail_with_log() {
  log "$*"
  if [ -f "$PGDIR/postgres.log" ]; then
    log "last lines of $PGDIR/postgres.log:"
    tail -n 30 "$PGDIR/postgres.log" >&2
  fi
  exit 1
}

cmd_start() {
  local dbname="${1:-kpv}" port fsync="${KPV_PG_FSYNC:-off}"
  # Only plain identifiers: the name goes into SQL and a URL unquoted.
  [[ "$dbname" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "bad database name: $dbname"
  [[ "$fsync" =~ ^(on|off)$ ]] || die "KPV_PG_FSYNC must be on or off, not $fsync"

  BIN="$(find_bindir)"
  if [ -z "$BIN" ]; then install_postgres; BIN="$(find_bindir)"; fi
  [ -n "$BIN" ] || die "Postgres installation failed: no initdb under /usr/lib/postgresql"
  if [ "$(id -u)" -eq 0 ] && ! id -u postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi

  mkdir -p "$DIR"
  resolve_pgdir
  if [ "$PGDIR" != "$DIR" ]; then
    log "note: user postgres cannot reach $DIR, using $PGDIR for the cluster instead"
    # Refuse a predictable /tmp path that someone else created first.
    if [ -e "$PGDIR" ] && [ "$(stat -c %U "$PGDIR")" != postgres ]; then die "$PGDIR exists and is not owned by postgres"; fi
  fi
  mkdir -p "$PGDIR/socket"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PGDIR" "$PGDIR/socket"; fi

  if [ ! -f "$DATA/PG_VERSION" ]; then
    log "initdb $DATA (password for TCP, peer for the socket)"
    local nosync=() # no point syncing a cluster that will run with fsync=off
    if [ "$fsync" = off ]; then nosync=(--no-sync); fi
    (umask 077 && head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/password")
    install -m 600 /dev/null "$PGDIR/pwfile"
    cat "$DIR/password" >"$PGDIR/pwfile"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PGDIR/pwfile"; fi
    as_pg "$BIN/initdb" -D "$DATA" --auth-local=peer --auth-host=scram-sha-256 --pwfile="$PGDIR/pwfile" \
      -U postgres --encoding=UTF8 --locale=C "${nosync[@]}" >&2 || { rm -f "$PGDIR/pwfile"; die "initdb failed"; }
    rm -f "$PGDIR/pwfile"
  fi
  # A cluster made before passwords (trust auth) has no password file: it
  # keeps working without one; remove DIR to get a password-protected one.
  local pass=""
  if [ -s "$DIR/password" ]; then pass="$(cat "$DIR/password")"; else log "note: $DATA trusts local TCP connections (made before passwords); remove $DIR to recreate it with one"; fi
  export PGPASSWORD="$pass"

  if running; then
    port="$(as_pg sed -n 4p "$DATA/postmaster.pid")" # line 4 of postmaster.pid is the port
    log "already running on port $port"
  else
    [ "${PORT_LOCKED:-}" = 1 ] || take_port_lock
    port="$(pick_port)"
    if [ -n "${KEEP_PORT:-}" ] && [ "$port" != "$KEEP_PORT" ]; then
      die "restart: port $KEEP_PORT was taken by another process while the cluster was stopped"
    fi
    log "starting on 127.0.0.1:$port (fsync=$fsync), log: $PGDIR/postgres.log"
    as_pg "$BIN/pg_ctl" -D "$DATA" -l "$PGDIR/postgres.log" -w -t 60 -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$PGDIR/socket' -c fsync=$fsync -c synchronous_commit=$fsync -c full_page_writes=$fsync" start >&2 9>&- ||
      fail_with_log "pg_ctl start failed"
  fi
  echo "$port" >"$DIR/port"

  local exists
  exists="$("$BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$dbname'")" ||
    fail_with_log "cannot query the server on port $port"
  if [ "$exists" != 1 ]; then
    log "createdb $dbname"
    "$BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$dbname" || fail_with_log "createdb $dbname failed"
  fi

  local url="postgres://postgres${pass:+:$pass}@127.0.0.1:$port/$dbname?sslmode=disable"
  (umask 077 && echo "$url" >"$DIR/url")
  echo "$url"
}

cmd_stop() {
  BIN="$(find_bindir)"
  [ -n "$BIN" ] || return 0 # nothing installed, so nothing running
  resolve_pgdir
  if running; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2
  fi
}

cmd_restart() {
  take_port_lock
  KEEP_PORT="$(cat "$DIR/port" 2>/dev/null || true)"
  [[ "$KEEP_PORT" =~ ^[0-9]+$ ]] || die "restart: $DIR/port holds no port: was the cluster started with start?"
  cmd_stop
  PORT_LOCKED=1 cmd_start "$@"
}

[ $# -ge 2 ] || die "usage: $0 start DIR [DBNAME] | stop DIR | restart DIR [DBNAME] | url DIR"
action="$1"
DIR="$(realpath -m "$2")" # absolute: server commands run from /
shift 2
case "$action" in
  start) cmd_start "$@" ;;
  stop) cmd_stop ;;
  restart) cmd_restart "$@" ;;
  url) cat "$DIR/url" ;;
  *) die "unknown command: $action (start, stop, restart, url)" ;;
esac
