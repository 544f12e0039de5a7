#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL 15 for the test suites: a primary
# and, on demand, a synchronous hot standby for the failover test. Used by
# scripts/test.sh as
#     eval "$(bash scripts/postgres.sh start)"
#     trap 'bash scripts/postgres.sh stop' EXIT
# Subcommands (all but start work on CAPI_PG_DIR, as exported by start):
#   start          initdb and start a primary; prints `export` lines for
#                  CAPI_PG_DIR (a new /tmp/capi-pg.* unless set), CAPI_PG_PORT,
#                  CAPI_PG_BIN and CAPI_TEST_DATABASE_URL (role capi/capi)
#   start-standby  pg_basebackup it, start that as synchronous standby
#                  `standby1`; prints `export CAPI_PG_STANDBY_PORT=…`
#   kill-primary   SIGKILL the primary's postmaster and its processes
#   restart-primary  start the killed primary again, on its port
#   promote        promote the standby, wait until it accepts writes
#   stop           stop every server under CAPI_PG_DIR and remove it
# Servers listen on 127.0.0.1 (password auth) and on a unix socket in
# CAPI_PG_DIR (trust, superuser `postgres`). Logs stay in CAPI_PG_DIR; only
# the export lines go to stdout. As root, servers run as user postgres.
set -euo pipefail
if [[ -n ${CAPI_PG_DIR:-} ]]; then CAPI_PG_DIR=$(realpath -m -- "$CAPI_PG_DIR"); fi
cd /
PG_BIN=${CAPI_PG_BIN:-/usr/lib/postgresql/15/bin}
exec 3>&1 4>&2 # 3: the export lines, 4: messages for the caller
cmd=${1:-} base=

die() { echo "postgres.sh${cmd:+ $cmd}: $*" >&4; exit 1; }

# Runs a server-side command as the postgres user when we are root. Closes
# fds 3 and 4: a server holding the caller's stdout would block `$(…)`.
as_pg() {
    if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi 3>&- 4>&-
}

sql() { # port, statement, more psql arguments
    as_pg "$PG_BIN/psql" -X -qAt -v ON_ERROR_STOP=1 -h "$base" -p "$1" -U postgres -d postgres -c "${@:2}"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits up to 30 s for a command to succeed.
wait_for() {
    local i
    for ((i = 0; i < 150; i++)); do "$@" && return 0; sleep 0.2; done
    return 1
}

# Prints the pid of the live postmaster of a data directory, if any.
postmaster_pid() {
    local pid
    pid=$(head -n 1 "$1/postmaster.pid" 2>/dev/null) || return 1
    grep -aqF -- "$1" "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

# Succeeds once all the processes are gone (zombies count as gone: init may
# take a second or two to reap them).
gone() { ! ps -o stat= -p "$(IFS=,; echo "$*")" | grep -v '^Z' >/dev/null; }

is_sync() {
    [[ $(sql "$1" "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'") == sync ]]
}

is_writable() { [[ $(sql "$1" "SELECT pg_is_in_recovery()") == f ]]; }

port_of() { sed -n 4p "$base/$1/postmaster.pid"; }

# Starts the server of a data directory on a free port, retrying if another
# process takes the port first.
start_server() { # name, extra postgres options
    local dir=$base/$1 log=$base/$1.log port try
    for try in 1 2 3; do
        port=$(free_port)
        if as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$log" -w -t 30 -o "-p $port ${2:-}" start; then
            wait_for as_pg "$PG_BIN/pg_isready" -q -h "$base" -p "$port" && return 0
            die "$1 not ready within 30 s"
        fi
        tail -n 5 "$log" | grep -q 'Address already in use' || break
    done
    die "$1 did not start"
}

stop_server() { # data directory
    local pid
    pid=$(postmaster_pid "$1") || return 0
    as_pg "$PG_BIN/pg_ctl" -D "$1" -m immediate -w -t 30 stop || kill -KILL "$pid" || true
    wait_for gone "$pid" || die "postmaster $pid of $1 did not exit"
}

# On failure, shows the tails of the logs (start also cleans up after itself).
on_exit() {
    local rc=$? log
    if ((rc == 0)) || [[ -z $base || ! -d $base ]]; then return; fi
    for log in "$base"/*.log; do
        if [[ -f $log ]]; then echo "--- last lines of $log:" && tail -n 15 "$log"; fi
    done >&4
    if [[ $cmd == start ]]; then (cmd_stop) || true; fi
}
trap on_exit EXIT

use_base() {
    [[ -n ${CAPI_PG_DIR:-} ]] || die "CAPI_PG_DIR is not set (eval the output of start first)"
    base=$CAPI_PG_DIR
    [[ -d $base ]] || die "$base does not exist"
    exec >>"$base/postgres.sh.log" 2>&1
}

cmd_start() {
    [[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] || die "no PostgreSQL binaries in $PG_BIN"
    if [[ -n ${CAPI_PG_DIR:-} ]]; then
        mkdir -p "$CAPI_PG_DIR"
        [[ -z $(ls -A "$CAPI_PG_DIR") ]] || die "$CAPI_PG_DIR is not empty"
        base=$CAPI_PG_DIR
    else
        base=$(mktemp -d /tmp/capi-pg.XXXXXX)
    fi
    touch "$base/.capi-pg"
    if ((EUID == 0)); then chown postgres: "$base"; fi
    chmod 700 "$base"
    exec >>"$base/postgres.sh.log" 2>&1
    as_pg test -w "$base" || die "the postgres user cannot write $base"
    as_pg "$PG_BIN/initdb" -D "$base/primary" -U postgres -A trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C --no-sync || die "initdb failed"
    cat >>"$base/primary/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$base'
cluster_name = 'capi-pg-primary'
fsync = on
synchronous_commit = on
wal_level = replica
max_wal_senders = 10
shared_buffers = 128MB
max_connections = 200
EOF
    start_server primary
    local port
    port=$(port_of primary)
    sql "$port" "CREATE ROLE capi LOGIN PASSWORD 'capi'" -c "CREATE DATABASE capi OWNER capi"
    printf 'export %s=%q\n' CAPI_PG_DIR "$base" CAPI_PG_PORT "$port" CAPI_PG_BIN "$PG_BIN" \
        CAPI_TEST_DATABASE_URL "postgres://capi:capi@127.0.0.1:$port/capi" >&3
}

cmd_start_standby() {
    use_base
    [[ ! -e $base/standby ]] || die "$base/standby already exists"
    local port
    postmaster_pid "$base/primary" >/dev/null || die "no primary running under $base"
    port=$(port_of primary)
    as_pg "$PG_BIN/pg_basebackup" -D "$base/standby" -R -X stream -c fast -C -S standby1 \
        -d "host=$base port=$port user=postgres application_name=standby1" || die "pg_basebackup failed"
    start_server standby "-c cluster_name=capi-pg-standby"
    sql "$port" "ALTER SYSTEM SET synchronous_standby_names = 'standby1'" -c "SELECT pg_reload_conf()"
    wait_for is_sync "$port" || die "standby1 did not become a synchronous standby within 30 s"
    printf 'export CAPI_PG_STANDBY_PORT=%q\n' "$(port_of standby)" >&3
}

cmd_kill_primary() {
    use_base
    local pid pids
    pid=$(postmaster_pid "$base/primary") || die "no primary running under $base"
    # Kill its children too, like a crash: freeze the postmaster so that it
    # forks no more, then SIGKILL it and them at once.
    kill -STOP "$pid"
    pids="$pid $(pgrep -d ' ' -P "$pid" || true)"
    kill -KILL $pids
    wait_for gone $pids || die "primary processes did not exit"
}

cmd_restart_primary() {
    use_base
    local port
    ! postmaster_pid "$base/primary" >/dev/null || die "the primary under $base is running"
    port=$(port_of primary) || die "no port recorded for the primary"
    as_pg "$PG_BIN/pg_ctl" -D "$base/primary" -l "$base/primary.log" -w -t 60 -o "-p $port" start ||
        die "the primary did not start again"
    wait_for as_pg "$PG_BIN/pg_isready" -q -h "$base" -p "$port" || die "primary not ready within 30 s"
}

cmd_promote() {
    use_base
    local port
    postmaster_pid "$base/standby" >/dev/null || die "no standby running under $base"
    port=$(port_of standby)
    as_pg "$PG_BIN/pg_ctl" -D "$base/standby" -w -t 30 promote || die "promotion failed"
    wait_for is_writable "$port" || die "standby still in recovery after 30 s"
}

cmd_stop() {
    base=${base:-${CAPI_PG_DIR:-}}
    if [[ -z $base || ! -d $base ]]; then return; fi
    [[ -e $base/.capi-pg ]] || die "$base was not made by postgres.sh start; not removing it"
    local pidfile
    for pidfile in "$base"/*/postmaster.pid; do
        if [[ -e $pidfile ]]; then stop_server "${pidfile%/*}" >>"$base/postgres.sh.log" 2>&1; fi
    done
    rm -rf -- "$base"
}

case $cmd in
start) cmd_start ;;
start-standby) cmd_start_standby ;;
kill-primary) cmd_kill_primary ;;
restart-primary) cmd_restart_primary ;;
promote) cmd_promote ;;
stop) cmd_stop ;;
*) die "usage: postgres.sh start|start-standby|kill-primary|restart-primary|promote|stop" ;;
esac
