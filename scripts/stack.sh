#!/usr/bin/env bash
# The local stack: a Postgres cluster, a nats-server with JetStream, every
# service and the SIP sandbox carrier (tools/sandbox-carrier: simulated
# contacts who answer the calls), all bound to 127.0.0.1 and kept under one
# folder (STACK_DIR, default .local/ in the checkout):
#
#   pg/            Postgres data (owned by the postgres user when run as root)
#   pg-run/        Postgres unix socket
#   nats/          JetStream store
#   logs/<x>.log   stdout and stderr of every process
#   pids/<x>.pid   pid of every process; pids/<x>.rc its exit code once it ended
#   sandbox/       results.jsonl: one line per call the sandbox carrier took
#   stack.env      the ports and paths the running stack uses
#   stack.pid      pid of the `stack.sh run` that owns the stack, while it runs
#
# `make run` uses `run`, which also runs scripts/seed.sh (a demo tenant and
# campaign calling the sandbox carrier); scripts/run-tests.sh uses `start`,
# `env` and `stop` with a throwaway STACK_DIR; the integration tests drive
# the other subcommands (through $OC_STACK) to stop, kill and restart parts
# of the stack.
# Ports and folders follow docs/development.md. Usage: stack.sh help.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF="$ROOT/scripts/stack.sh"

# ---------------------------------------------------------------- settings

STACK_DIR=${STACK_DIR:-$ROOT/.local}
case $STACK_DIR in /*) ;; *) STACK_DIR="$PWD/$STACK_DIR" ;; esac
STACK_DIR=${STACK_DIR%/}

PIDS="$STACK_DIR/pids"
LOGS="$STACK_DIR/logs"
PGDATA_DIR="$STACK_DIR/pg"
PGSOCK_DIR="$STACK_DIR/pg-run"
LOCK_FILE="$STACK_DIR/stack.lock"
ENV_FILE="$STACK_DIR/stack.env"
OWNER_FILE="$STACK_DIR/stack.pid"

READY_TIMEOUT=${STACK_READY_TIMEOUT:-60}   # seconds for the whole stack to be ready
STOP_WAIT=6                                # seconds a process gets after SIGTERM

# Services without a database (docs/development.md).
NO_DB_SERVICES=" media "

# The sandbox carrier: a process of the stack like the services, but not a
# service (no admin port, no NATS); ready once its SIP port accepts.
SANDBOX=sandbox-carrier
SANDBOX_DIR="$STACK_DIR/sandbox"
SANDBOX_RESULTS_FILE="$SANDBOX_DIR/results.jsonl"

say() { printf 'stack: %s\n' "$*"; }
die() { printf 'stack: %s\n' "$*" >&2; exit 1; }

# All services in the order of the table in docs/development.md, which gives
# their admin ports. The Makefile is the one list; parse it if make fails.
all_services() {
    local s
    if s=$(make -s --no-print-directory -C "$ROOT" print-services 2>/dev/null) && [ -n "$s" ]; then
        echo "$s"
    else
        sed -n '/^SERVICES *:=/,/[^\\]$/p' "$ROOT/Makefile" | sed 's/^SERVICES *:=//; s/\\//g' | tr -s ' \n' ' '
    fi
}

# Reads the settings: from the environment (defaults as documented) for
# start/run, and from stack.env for everything else, so that later commands
# act on the stack that is actually running whatever the caller's variables.
load_settings() {
    local from_env=$1
    if [ "$from_env" = 0 ] && [ -f "$ENV_FILE" ]; then
        # shellcheck disable=SC1090
        . "$ENV_FILE"
        # A stack.env written before the sandbox carrier was part of the stack.
        SANDBOX_SIP_PORT=${SANDBOX_SIP_PORT:-5070}
        STACK_SANDBOX=${STACK_SANDBOX:-off}
        SANDBOX_CONTACTS=${SANDBOX_CONTACTS:-}
    else
        NATS_PORT=${NATS_PORT:-4222}
        PG_PORT=${PG_PORT:-5432}
        GATEWAY_PORT=${GATEWAY_PORT:-8080}
        ADMIN_PORT_BASE=${ADMIN_PORT_BASE:-9100}
        LOG_LEVEL=${LOG_LEVEL:-info}
        STACK_FSYNC=${STACK_FSYNC:-on}
        # Whether the caller chose the carrier's port (see check_ports).
        SANDBOX_PORT_GIVEN=${SANDBOX_SIP_PORT:+1}
        SANDBOX_SIP_PORT=${SANDBOX_SIP_PORT:-5070}
        STACK_SANDBOX=${STACK_SANDBOX:-on}
        SANDBOX_CONTACTS=${SANDBOX_CONTACTS:-$ROOT/tools/sandbox-carrier/contacts.conf}
        case $SANDBOX_CONTACTS in /*) ;; *) SANDBOX_CONTACTS="$PWD/$SANDBOX_CONTACTS" ;; esac
        local build=${BUILD:-build}
        case $build in /*) ;; *) build="$ROOT/$build" ;; esac
        BIN_DIR="$build/bin"
        ALL_SERVICES=$(all_services)
        # STACK_SERVICES starts a subset (default: all of them).
        SERVICES=${STACK_SERVICES:-$ALL_SERVICES}
    fi
    local p
    case ${STACK_SANDBOX:-on} in
    on | off) ;;
    *) die "STACK_SANDBOX: expected on or off, got \"$STACK_SANDBOX\"" ;;
    esac
    for p in NATS_PORT PG_PORT GATEWAY_PORT ADMIN_PORT_BASE SANDBOX_SIP_PORT; do
        if ! [[ ${!p} =~ ^[0-9]+$ ]] || [ "${!p}" -lt 1 ] || [ "${!p}" -gt 65535 ]; then
            die "$p: expected a port number, got \"${!p}\""
        fi
    done
    NATS_URL="nats://127.0.0.1:$NATS_PORT"
    GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT"
}

write_settings() {
    {
        echo "# Written by scripts/stack.sh start; read by the other subcommands."
        local v
        for v in NATS_PORT PG_PORT GATEWAY_PORT ADMIN_PORT_BASE LOG_LEVEL STACK_FSYNC BIN_DIR \
            ALL_SERVICES SERVICES SANDBOX_SIP_PORT STACK_SANDBOX SANDBOX_CONTACTS; do
            printf '%s=%q\n' "$v" "${!v}"
        done
    } >"$ENV_FILE.tmp"
    mv "$ENV_FILE.tmp" "$ENV_FILE"
}

is_service() { [[ " $ALL_SERVICES " == *" $1 "* ]]; }

admin_port() {
    local i=1 s
    for s in $ALL_SERVICES; do
        if [ "$s" = "$1" ]; then
            echo $((ADMIN_PORT_BASE + i))
            return
        fi
        i=$((i + 1))
    done
    die "unknown service $1 (services: $ALL_SERVICES)"
}

schema_of() {
    if [[ $NO_DB_SERVICES == *" $1 "* ]]; then echo ""; else echo "${1//-/_}"; fi
}

now_ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }
elapsed() { local ms=$(($(now_ms) - $1)); printf '%d.%01d s' $((ms / 1000)) $((ms % 1000 / 100)); }

# ---------------------------------------------------------------- processes

nats_bin() {
    local b
    b=$(command -v nats-server 2>/dev/null) && { echo "$b"; return; }
    for b in /usr/sbin/nats-server /usr/bin/nats-server /usr/local/bin/nats-server; do
        [ -x "$b" ] && { echo "$b"; return; }
    done
    die "nats-server not found: run scripts/deps.sh"
}

pg_bin() {
    if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
    local d best=""
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] || continue
        if [ -z "$best" ] || [ "${d//[^0-9]/}" -gt "${best//[^0-9]/}" ]; then best=$d; fi
    done
    [ -n "$best" ] || die "Postgres server binaries not found under /usr/lib/postgresql: run scripts/deps.sh"
    echo "$best"
}

# Postgres refuses to run as root: its programs run as the postgres user then,
# from / so that an unreadable working directory does not bother them.
# The lock's descriptor is closed so that the server does not hold the lock.
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u postgres -- "$@") 9>&-
    else
        (cd / && "$@") 9>&-
    fi
}

# The pid in a pid file when that process is alive (not a zombie) and is the
# program it should be: a pid file can outlive its process and the pid be
# reused. The program is recognised by its command name, or by the first or
# second word of its command line (scripts run through an interpreter).
live_pid() {
    local file=$1 prog=$2 pid comm stat args
    [ -s "$file" ] || return 1
    read -r pid <"$file" 2>/dev/null || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat:0:1}" != Z ] || return 1
    read -r comm <"/proc/$pid/comm" 2>/dev/null || return 1
    if [ "$comm" != "${prog:0:15}" ]; then
        mapfile -d '' -n 2 args <"/proc/$pid/cmdline" 2>/dev/null || return 1
        args+=("" "")
        [ "${args[0]##*/}" = "$prog" ] || [ "${args[1]##*/}" = "$prog" ] || return 1
    fi
    echo "$pid"
}

svc_pid() { live_pid "$PIDS/$1.pid" "$1"; }
nats_pid() { live_pid "$PIDS/nats.pid" nats-server; }
pg_pid() { live_pid "$PGDATA_DIR/postmaster.pid" postgres; }
owner_pid() {
    local pid
    [ -s "$OWNER_FILE" ] || return 1
    read -r pid <"$OWNER_FILE" 2>/dev/null || return 1
    [[ $pid =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 1
    # Only a `stack.sh run` owns a stack.
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'stack\.sh run' || return 1
    echo "$pid"
}

# The wrapper every program runs under: it starts the program with the
# default signal dispositions (background jobs of a script ignore SIGINT),
# records its pid, waits, records its exit code, and notes the exit in the log.
# Arguments: name log pidfile rcfile program args...
# shellcheck disable=SC2016
WRAPPER='n=$1 l=$2 pf=$3 rf=$4; shift 4
$RESET_SIGNALS "$@" </dev/null >>"$l" 2>&1 & p=$!
echo $p >"$pf.tmp" && mv "$pf.tmp" "$pf"
rc=0; wait $p || rc=$?
echo $rc >"$rf.tmp" && mv "$rf.tmp" "$rf"
echo "[stack] $n (pid $p) exited with code $rc" >>"$l"'
# `env --default-signal` needs coreutils 9; without it SIGINT stays ignored.
RESET_SIGNALS=""
if env --default-signal true 2>/dev/null; then RESET_SIGNALS="env --default-signal"; fi
export RESET_SIGNALS

# Starts a program in its own session (so a Ctrl-C in the terminal reaches
# only the `run` script, which then stops everything in order) under WRAPPER.
launch() {
    local name=$1 log=$2
    shift 2
    rm -f "$PIDS/$name.pid" "$PIDS/$name.rc"
    setsid bash -c "$WRAPPER" stack-wrapper "$name" "$log" "$PIDS/$name.pid" "$PIDS/$name.rc" "$@" \
        </dev/null >/dev/null 2>&1 9>&- &
    local i
    for i in $(seq 1 100); do
        [ -s "$PIDS/$name.pid" ] && return 0
        sleep 0.05
    done
    die "$name: did not start (see $log)"
}

# Waits for a launched process to end; true when it did within $2 seconds.
wait_exit() {
    local name=$1 secs=$2 prog=$3 deadline
    deadline=$(($(now_ms) + secs * 1000))
    while [ "$(now_ms)" -lt "$deadline" ]; do
        if [ -f "$PIDS/$name.rc" ] || ! live_pid "$PIDS/$name.pid" "$prog" >/dev/null; then
            # Give the wrapper a moment to record the exit code.
            local i
            for i in 1 2 3 4 5 6 7 8 9 10; do
                [ -f "$PIDS/$name.rc" ] && break
                sleep 0.05
            done
            return 0
        fi
        sleep 0.05
    done
    return 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints who listens on a TCP port, or nothing when it is free.
port_user() {
    local out
    if command -v ss >/dev/null 2>&1; then
        out=$(ss -Hltnp "sport = :$1" 2>/dev/null | head -n1) || true
        [ -n "$out" ] || return 0
        if [[ $out =~ \"([^\"]+)\",pid=([0-9]+) ]]; then
            echo "${BASH_REMATCH[1]} (pid ${BASH_REMATCH[2]})"
        else
            echo "another process"
        fi
    elif port_open "$1"; then
        echo "another process"
    fi
}

tail_log() {
    local f="$LOGS/$1.log"
    if [ -s "$f" ]; then
        echo "---- last lines of $f"
        tail -n "${2:-20}" "$f"
        echo "----"
    else
        echo "---- $f is empty"
    fi
}

# ---------------------------------------------------------------- postgres

pg_admin_host() {
    if [ -S "$PGSOCK_DIR/.s.PGSQL.$PG_PORT" ]; then echo "$PGSOCK_DIR"; else echo 127.0.0.1; fi
}

psql_admin() {
    PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 \
        -h "$(pg_admin_host)" -p "$PG_PORT" -U postgres "$@"
}

pg_start() {
    local bin t0 pguser
    bin=$(pg_bin)
    t0=$(now_ms)
    pguser=$(id -un)
    [ "$(id -u)" = 0 ] && pguser=postgres
    if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
        say "creating the Postgres cluster in $PGDATA_DIR"
        rm -rf "$PGDATA_DIR"
        mkdir -p "$PGDATA_DIR"
        chown "$pguser" "$PGDATA_DIR"
        chmod 700 "$PGDATA_DIR"
        # Byte-order collation (fast, the same everywhere) with UTF-8 character
        # classes, so that lower() and upper() work beyond ASCII.
        local opts=(--no-locale)
        if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then
            opts=(--lc-collate=C --lc-ctype=C.UTF-8 --lc-messages=C)
        fi
        [ "$STACK_FSYNC" != off ] || opts+=(--no-sync)
        if ! as_pg "$bin/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 "${opts[@]}" \
            >"$LOGS/initdb.log" 2>&1; then
            cat "$LOGS/initdb.log" >&2
            rm -rf "$PGDATA_DIR"
            die "initdb failed"
        fi
        printf "\n# Added by scripts/stack.sh: settings of this stack.\ninclude_if_exists = 'stack.conf'\n" \
            >>"$PGDATA_DIR/postgresql.conf"
    fi
    local have want
    have=$(cat "$PGDATA_DIR/PG_VERSION")
    want=$("$bin/postgres" --version | sed -n 's/.* \([0-9][0-9]*\)\..*/\1/p')
    [ "$have" = "$want" ] ||
        die "$PGDATA_DIR holds a Postgres $have cluster but the server is $want: remove $STACK_DIR to start afresh"

    mkdir -p "$PGSOCK_DIR"
    chown "$pguser" "$PGSOCK_DIR"
    # The socket path must fit in sun_path (108 bytes); use TCP only otherwise.
    local sockdirs="$PGSOCK_DIR"
    [ ${#PGSOCK_DIR} -le 90 ] || sockdirs=""
    {
        echo "# Written by scripts/stack.sh at every start."
        echo "port = $PG_PORT"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '${sockdirs//\'/\'\'}'"
        echo "max_connections = 200"
        if [ "$STACK_FSYNC" = off ]; then
            # Throwaway test clusters only: a crash may lose or corrupt data.
            echo "fsync = off"
            echo "synchronous_commit = off"
            echo "full_page_writes = off"
        fi
    } >"$PGDATA_DIR/stack.conf"
    chown "$pguser" "$PGDATA_DIR/stack.conf"
    touch "$LOGS/postgres.log"
    chown "$pguser" "$LOGS/postgres.log"

    if ! as_pg "$bin/pg_ctl" -D "$PGDATA_DIR" -l "$LOGS/postgres.log" -w -t 60 -s start >/dev/null; then
        tail_log postgres >&2
        die "postgres did not start"
    fi

    if [ -z "$(psql_admin -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'outcall'")" ]; then
        psql_admin -d postgres -c "CREATE DATABASE outcall" >/dev/null
    fi
    # Idempotent: run on every start so that new schemas appear by themselves.
    psql_admin -d outcall -f "$ROOT/deploy/postgres/init.sql" >/dev/null
    say "postgres ready on 127.0.0.1:$PG_PORT ($(elapsed "$t0"))"
}

pg_stop() {
    pg_pid >/dev/null || return 0
    local bin
    bin=$(pg_bin)
    if ! as_pg "$bin/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t 30 -s stop >/dev/null; then
        say "postgres did not stop in 30 s; stopping it in immediate mode"
        as_pg "$bin/pg_ctl" -D "$PGDATA_DIR" -m immediate -w -t 30 -s stop >/dev/null || true
    fi
}

# ---------------------------------------------------------------- nats

nats_start() {
    local t0 deadline
    t0=$(now_ms)
    mkdir -p "$STACK_DIR/nats"
    launch nats "$LOGS/nats.log" "$(nats_bin)" -js -sd "$STACK_DIR/nats" -a 127.0.0.1 -p "$NATS_PORT" \
        -n outcall-stack
    deadline=$(($(now_ms) + 30000))
    until port_open "$NATS_PORT"; do
        if [ -f "$PIDS/nats.rc" ] || [ "$(now_ms)" -gt "$deadline" ]; then
            tail_log nats >&2
            die "nats-server did not start"
        fi
        sleep 0.05
    done
    say "nats ready on 127.0.0.1:$NATS_PORT ($(elapsed "$t0"))"
}

# Sends a signal (default TERM), waits, then SIGKILL. Quiet when the process
# is not running.
term_process() {
    local name=$1 prog=$2 sig=${3:-TERM} pid
    pid=$(live_pid "$PIDS/$name.pid" "$prog") || { rm -f "$PIDS/$name.pid"; return 0; }
    kill -s "$sig" "$pid" 2>/dev/null || true
    if ! wait_exit "$name" "$STOP_WAIT" "$prog"; then
        say "$name (pid $pid) did not exit within $STOP_WAIT s of SIG$sig; killing it"
        kill -KILL "$pid" 2>/dev/null || true
        wait_exit "$name" 5 "$prog" || true
    fi
    rm -f "$PIDS/$name.pid"
}

# nats-server shuts down the same way on SIGINT and SIGTERM, but exits with
# code 1 after SIGTERM; SIGINT leaves code 0 for a clean stop.
nats_stop() { term_process nats nats-server INT; }

# ---------------------------------------------------------------- sandbox carrier

sandbox_on() { [ "$STACK_SANDBOX" = on ]; }

# Starts the sandbox carrier on SANDBOX_SIP_PORT (UDP and TCP) and waits
# until it listens. Its calls go to logs/sandbox-carrier.log and, one JSON
# line each, to sandbox/results.jsonl.
sandbox_start() {
    local bin="$BIN_DIR/$SANDBOX" t0 deadline
    [ -x "$bin" ] || die "$bin is missing: build it with make build"
    [ -r "$SANDBOX_CONTACTS" ] || die "SANDBOX_CONTACTS: cannot read $SANDBOX_CONTACTS"
    t0=$(now_ms)
    mkdir -p "$SANDBOX_DIR"
    echo "[stack] starting $SANDBOX $(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$LOGS/$SANDBOX.log"
    launch "$SANDBOX" "$LOGS/$SANDBOX.log" env SANDBOX_SIP_ADDR=127.0.0.1 \
        SANDBOX_SIP_PORT="$SANDBOX_SIP_PORT" SANDBOX_CONTACTS="$SANDBOX_CONTACTS" \
        SANDBOX_RESULTS="$SANDBOX_RESULTS_FILE" LOG_LEVEL="$LOG_LEVEL" "$bin"
    deadline=$(($(now_ms) + 15000))
    until port_open "$SANDBOX_SIP_PORT"; do
        if [ -f "$PIDS/$SANDBOX.rc" ] || [ "$(now_ms)" -gt "$deadline" ]; then
            tail_log "$SANDBOX" >&2
            die "the sandbox carrier did not start"
        fi
        sleep 0.05
    done
    say "sandbox carrier ready on sip:127.0.0.1:$SANDBOX_SIP_PORT ($(elapsed "$t0"))"
}

# ---------------------------------------------------------------- services

svc_start() {
    local name=$1 bin schema port
    bin="$BIN_DIR/$name"
    [ -x "$bin" ] || die "$bin is missing: build it with make build"
    schema=$(schema_of "$name")
    port=$(admin_port "$name")
    local env=(NATS_URL="$NATS_URL" ADMIN_ADDR=127.0.0.1 ADMIN_PORT="$port" LOG_LEVEL="$LOG_LEVEL")
    if [ -n "$schema" ]; then
        env+=(DATABASE_URL="postgresql://oc_$schema@127.0.0.1:$PG_PORT/outcall")
    fi
    if [ "$name" = gateway ]; then
        env+=(GATEWAY_ADDR=127.0.0.1 GATEWAY_PORT="$GATEWAY_PORT")
    fi
    echo "[stack] starting $name $(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$LOGS/$name.log"
    # Everything else comes from the caller's environment, so a variable set
    # for `stack.sh start-service NAME` reaches that copy alone (the
    # end-to-end tests start a dialer with DIALER_TEST_HOLD_BEFORE_ACK_MS).
    launch "$name" "$LOGS/$name.log" env -u DATABASE_URL "${env[@]}" "$bin"
}

# One readiness probe: the admin /readyz, and for the gateway its /healthz too.
svc_ready() {
    local name=$1
    curl -fs -o /dev/null -m 1 "http://127.0.0.1:$(admin_port "$name")/readyz" || return 1
    if [ "$name" = gateway ]; then
        curl -fs -o /dev/null -m 1 "$GATEWAY_URL/healthz" || return 1
    fi
}

# Waits until every named service is ready. On failure names each service that
# is not, with why (its /readyz answer or its exit code) and the tail of its log.
svc_wait_ready() {
    local timeout=$1
    shift
    local pending=("$@") deadline rest s failed=0
    deadline=$(($(now_ms) + timeout * 1000))
    while [ ${#pending[@]} -gt 0 ]; do
        rest=()
        for s in "${pending[@]}"; do
            if [ -f "$PIDS/$s.rc" ]; then
                echo "stack: $s exited with code $(cat "$PIDS/$s.rc") before it was ready" >&2
                tail_log "$s" >&2
                failed=1
            elif ! svc_ready "$s"; then
                rest+=("$s")
            fi
        done
        [ "$failed" = 0 ] || return 1
        pending=("${rest[@]+"${rest[@]}"}")
        [ ${#pending[@]} -gt 0 ] || break
        if [ "$(now_ms)" -gt "$deadline" ]; then
            for s in "${pending[@]}"; do
                local why
                why=$(curl -s -m 1 "http://127.0.0.1:$(admin_port "$s")/readyz" 2>&1 | head -c 300) ||
                    why="no answer on its admin port $(admin_port "$s")"
                [ -n "$why" ] || why="no answer on its admin port $(admin_port "$s")"
                echo "stack: $s is not ready after $timeout s: $why" >&2
                tail_log "$s" >&2
            done
            return 1
        fi
        sleep 0.1
    done
    return 0
}

# ---------------------------------------------------------------- start / stop

# Prints "pid N, gateway URL" of a running stack and returns 0, or returns 1.
running_desc() {
    local pid="" s url=""
    pid=$(owner_pid) || pid=""
    if [ -z "$pid" ]; then
        for s in $ALL_SERVICES; do pid=$(svc_pid "$s") && break || pid=""; done
    fi
    [ -n "$pid" ] || pid=$(nats_pid) || pid=$(pg_pid) || return 1
    [ -n "${GATEWAY_PORT:-}" ] && url=", gateway http://127.0.0.1:$GATEWAY_PORT"
    echo "pid $pid$url"
}

check_not_running() {
    local desc
    desc=$(
        # Describe the stack as it was started, not with the caller's ports.
        # shellcheck disable=SC1090
        [ -f "$ENV_FILE" ] && . "$ENV_FILE"
        running_desc
    ) || return 0
    if owner_pid >/dev/null; then
        die "a stack is already running ($desc); stop it with Ctrl-C in its terminal or scripts/stack.sh stop"
    fi
    die "a stack is already running ($desc); stop it with scripts/stack.sh stop"
}

check_ports() {
    local bad=0 who s
    check_port() {
        who=$(port_user "$1")
        if [ -n "$who" ]; then
            echo "stack: port $1 ($2) is already in use by $who; set $3 to another port" >&2
            bad=1
        fi
    }
    check_port "$NATS_PORT" "nats" NATS_PORT
    check_port "$PG_PORT" "postgres" PG_PORT
    if sandbox_on && sip_port_busy "$SANDBOX_SIP_PORT"; then
        # The default port taken (another stack's carrier, most likely): the
        # next free one will do, since everything that needs it reads it
        # from stack.env. A port the caller chose is the caller's to change.
        local p=$SANDBOX_SIP_PORT
        if [ -z "${SANDBOX_PORT_GIVEN:-}" ]; then
            while sip_port_busy "$p" && [ "$p" -lt $((SANDBOX_SIP_PORT + 100)) ]; do p=$((p + 1)); done
        fi
        if sip_port_busy "$p"; then
            echo "stack: port $SANDBOX_SIP_PORT (sandbox carrier) is already in use; set SANDBOX_SIP_PORT to another port" >&2
            bad=1
        else
            say "port $SANDBOX_SIP_PORT is in use; the sandbox carrier takes $p"
            SANDBOX_SIP_PORT=$p
        fi
    fi
    if [[ " $SERVICES " == *" gateway "* ]]; then check_port "$GATEWAY_PORT" "gateway" GATEWAY_PORT; fi
    for s in $SERVICES; do
        check_port "$(admin_port "$s")" "$s admin" ADMIN_PORT_BASE
    done
    [ "$bad" = 0 ] || exit 1
}

# True when something listens on the port over TCP or UDP (SIP uses both;
# without ss only TCP can be seen).
sip_port_busy() {
    [ -n "$(port_user "$1")" ] && return 0
    command -v ss >/dev/null 2>&1 && [ -n "$(ss -Hlun "sport = :$1" 2>/dev/null)" ]
}

# Serialises start and stop on one STACK_DIR. A stop that cannot get the
# lock goes on anyway: stopping must work even when something is stuck.
take_lock() {
    exec 9>>"$LOCK_FILE"
    flock -w 60 9 && return 0
    [ "${1:-}" = force ] || die "another stack.sh has held $LOCK_FILE for 60 s"
    say "another stack.sh has held $LOCK_FILE for 60 s; going on without it"
}
drop_lock() { exec 9>&-; }

# While starting, any exit but success stops what was started.
on_start_exit() {
    local st=$?
    if [ "$st" = 130 ]; then
        say "interrupted; stopping what was started"
        do_stop_all
    elif [ "$st" != 0 ]; then
        say "start failed; stopping what was started"
        do_stop_all
    fi
}

do_start() {
    local t0 s missing=""
    t0=$(now_ms)
    mkdir -p "$STACK_DIR"
    take_lock
    check_not_running
    for s in $SERVICES; do
        is_service "$s" || die "unknown service $s in STACK_SERVICES (services: $ALL_SERVICES)"
        [ -x "$BIN_DIR/$s" ] || missing="$missing $s"
    done
    if sandbox_on && [ ! -x "$BIN_DIR/$SANDBOX" ]; then missing="$missing $SANDBOX"; fi
    [ -z "$missing" ] || die "not built:$missing (looked in $BIN_DIR); build them with make build"
    check_ports

    mkdir -p "$PIDS" "$LOGS"
    rm -f "$PIDS"/*.pid "$PIDS"/*.rc
    # Each start gets fresh logs; the previous run's stay beside them as .prev.
    local f
    for f in "$LOGS"/*.log "$SANDBOX_RESULTS_FILE"; do
        [ -e "$f" ] && mv -f "$f" "$f.prev"
    done
    # The postgres user must reach its folders inside STACK_DIR.
    if [ "$(id -u)" = 0 ]; then
        chmod go+x "$STACK_DIR"
        runuser -u postgres -- test -x "$STACK_DIR" ||
            die "the postgres user cannot enter $STACK_DIR: give its parent folders o+x or set STACK_DIR"
    fi
    write_settings

    # From here on a failure stops whatever was started.
    trap on_start_exit EXIT
    trap 'exit 130' INT TERM HUP

    pg_start
    nats_start
    if sandbox_on; then sandbox_start; fi
    local t1
    t1=$(now_ms)
    for s in $SERVICES; do svc_start "$s"; done
    # shellcheck disable=SC2086
    svc_wait_ready "$READY_TIMEOUT" $SERVICES || exit 1
    say "services ready: $SERVICES ($(elapsed "$t1"))"
    local carrier=""
    if sandbox_on; then carrier=", sandbox carrier sip:127.0.0.1:$SANDBOX_SIP_PORT"; fi
    say "stack ready in $(elapsed "$t0"): gateway $GATEWAY_URL, nats $NATS_URL, postgres 127.0.0.1:$PG_PORT$carrier"
    # Only EXIT is cleared: `trap - INT` would reset a SIGINT ignored since
    # this shell started to its default, and `run` sets its own handlers.
    trap - EXIT
    drop_lock
}

# Stops services (all at once, each given STOP_WAIT seconds), then NATS, then
# Postgres. Safe when only part of the stack runs.
do_stop_all() {
    local f name pid names=() pids=()
    if [ -d "$PIDS" ]; then
        for f in "$PIDS"/*.pid; do
            [ -e "$f" ] || continue
            name=$(basename "$f" .pid)
            [ "$name" = nats ] && continue
            if pid=$(live_pid "$f" "$name"); then
                STOPPED_ANY=1
                kill -TERM "$pid" 2>/dev/null || true
                names+=("$name")
                pids+=("$pid")
            else
                rm -f "$f"
            fi
        done
    fi
    local i
    for i in "${!names[@]}"; do
        name=${names[$i]}
        if ! wait_exit "$name" "$STOP_WAIT" "$name"; then
            say "$name (pid ${pids[$i]}) did not exit within $STOP_WAIT s of SIGTERM; killing it"
            kill -KILL "${pids[$i]}" 2>/dev/null || true
            wait_exit "$name" 5 "$name" || true
        fi
        rm -f "$PIDS/$name.pid"
        if [ -f "$PIDS/$name.rc" ] && [ "$(cat "$PIDS/$name.rc")" != 0 ]; then
            say "$name exited with code $(cat "$PIDS/$name.rc")"
        fi
    done
    if nats_pid >/dev/null; then STOPPED_ANY=1; fi
    nats_stop
    if pg_pid >/dev/null; then STOPPED_ANY=1; fi
    pg_stop
}

do_stop() {
    local owner
    STOPPED_ANY=0
    # A `stack.sh run` owns the stack: ask it to stop (it stops everything in
    # order and exits), then clean up whatever is left.
    if owner=$(owner_pid) && [ "$owner" != "$$" ]; then
        say "asking stack.sh run (pid $owner) to stop the stack"
        STOPPED_ANY=1
        kill -TERM "$owner" 2>/dev/null || true
        local i
        for i in $(seq 1 600); do
            [ -d "/proc/$owner" ] || break
            sleep 0.05
        done
    fi
    [ -d "$STACK_DIR" ] || { say "nothing to stop in $STACK_DIR"; return 0; }
    take_lock force
    do_stop_all
    if [ "$(owner_pid 2>/dev/null || true)" = "$$" ]; then rm -f "$OWNER_FILE"; fi
    drop_lock
    if [ "$STOPPED_ANY" = 1 ]; then say "stopped"; else say "nothing was running in $STACK_DIR"; fi
}

# ---------------------------------------------------------------- subcommands

cmd_start() {
    load_settings 1
    do_start
}

cmd_stop() {
    load_settings 0
    do_stop
}

cmd_run() {
    load_settings 1
    stopping=0
    tail_pid=""
    on_signal() {
        [ "$stopping" = 0 ] || return 0
        stopping=1
        echo
        say "stopping"
        [ -z "$tail_pid" ] || kill "$tail_pid" 2>/dev/null || true
        do_stop
        exit 0
    }
    do_start
    echo "$$" >"$OWNER_FILE"
    trap on_signal INT TERM HUP

    echo
    say "dashboard: $GATEWAY_URL/"
    if [ -x "$ROOT/scripts/seed.sh" ]; then
        (eval "$(cmd_env)" && "$ROOT/scripts/seed.sh") || say "scripts/seed.sh failed (the stack keeps running)"
    else
        say "demo login: none yet (no scripts/seed.sh); sign up at $GATEWAY_URL/"
    fi
    say "logs: $LOGS; Ctrl-C stops the stack"
    echo

    # The combined log, each line prefixed with its source. tail ends by
    # itself when this script does (--pid); a shell loop rather than awk
    # because mawk buffers its input from a pipe.
    local files=() s
    for s in $SERVICES nats; do files+=("$LOGS/$s.log"); done
    if sandbox_on; then files+=("$LOGS/$SANDBOX.log"); fi
    tail --pid=$$ -n0 -F "${files[@]}" 2>/dev/null | {
        src=""
        while IFS= read -r line; do
            case $line in
            "==> "*" <==")
                src=${line#==> }
                src=${src% <==}
                src=${src##*/}
                src=${src%.log}
                ;;
            "") ;;
            *) printf '%-12s| %s\n' "$src" "$line" ;;
            esac
        done
    } &
    tail_pid=$!
    while :; do
        wait "$tail_pid" || true
        [ -d "/proc/$tail_pid" ] || break
    done
    on_signal
}

cmd_status() {
    load_settings 0
    local s pid state up=0 total=0
    row() { printf '%-16s %-8s %s\n' "$1" "$2" "$3"; }
    row NAME PID STATE
    total=$((total + 1))
    if pid=$(pg_pid); then row postgres "$pid" "running on 127.0.0.1:$PG_PORT"; up=$((up + 1));
    else row postgres - stopped; fi
    total=$((total + 1))
    if pid=$(nats_pid); then row nats "$pid" "running on 127.0.0.1:$NATS_PORT"; up=$((up + 1));
    else row nats - stopped; fi
    if sandbox_on; then
        total=$((total + 1))
        if pid=$(live_pid "$PIDS/$SANDBOX.pid" "$SANDBOX"); then
            row "$SANDBOX" "$pid" "running on sip:127.0.0.1:$SANDBOX_SIP_PORT"
            up=$((up + 1))
        elif [ -f "$PIDS/$SANDBOX.rc" ]; then
            row "$SANDBOX" - "exited with code $(cat "$PIDS/$SANDBOX.rc")"
        else
            row "$SANDBOX" - stopped
        fi
    fi
    for s in $SERVICES; do
        total=$((total + 1))
        if pid=$(svc_pid "$s"); then
            up=$((up + 1))
            if svc_ready "$s"; then state=ready; else state="running, not ready"; fi
            row "$s" "$pid" "$state (admin :$(admin_port "$s"))"
        elif [ -f "$PIDS/$s.rc" ]; then
            row "$s" - "exited with code $(cat "$PIDS/$s.rc")"
        else
            row "$s" - stopped
        fi
    done
    if pid=$(owner_pid); then echo "owned by stack.sh run (pid $pid)"; fi
    [ "$up" = "$total" ] && return 0
    [ "$up" = 0 ] && return 3
    return 1
}

cmd_env() {
    load_settings 0
    local admin_host=127.0.0.1
    [ -S "$PGSOCK_DIR/.s.PGSQL.$PG_PORT" ] && admin_host=$PGSOCK_DIR
    printf 'export NATS_URL=%q\n' "$NATS_URL"
    printf 'export OC_GATEWAY_URL=%q\n' "$GATEWAY_URL"
    printf 'export OC_PG_ADMIN=%q\n' "host=$admin_host port=$PG_PORT user=postgres dbname=outcall"
    printf 'export OC_PG_URL_BASE=%q\n' "postgresql://%s@127.0.0.1:$PG_PORT/outcall"
    printf 'export STACK_DIR=%q\n' "$STACK_DIR"
    printf 'export OC_STACK=%q\n' "$SELF"
    printf 'export OC_SERVICES=%q\n' "$SERVICES"
    if sandbox_on; then
        printf 'export OC_SANDBOX_SIP_PORT=%q\n' "$SANDBOX_SIP_PORT"
        printf 'export OC_SANDBOX_RESULTS=%q\n' "$SANDBOX_RESULTS_FILE"
        printf 'export OC_SANDBOX_CONTACTS=%q\n' "$SANDBOX_CONTACTS"
    fi
}

need_service() {
    if [ $# -lt 1 ] || [ -z "$1" ]; then die "which service? (services: $ALL_SERVICES)"; fi
    is_service "$1" || die "unknown service $1 (services: $ALL_SERVICES)"
}

cmd_stop_service() {
    load_settings 0
    need_service "${1:-}"
    local name=$1 sig=${2:-TERM} pid signame
    sig=${sig#SIG}
    if [[ $sig =~ ^[0-9]+$ ]]; then signame=$(kill -l "$sig" 2>/dev/null) || die "unknown signal $sig"
    else signame=${sig^^}; kill -l "$signame" >/dev/null 2>&1 || die "unknown signal $sig"; fi
    if ! pid=$(svc_pid "$name"); then
        if [ -f "$PIDS/$name.rc" ]; then
            say "$name is not running (it exited with code $(cat "$PIDS/$name.rc"))"
            return "$(cat "$PIDS/$name.rc")"
        fi
        say "$name is not running"
        return 1
    fi
    kill -s "$signame" "$pid"
    case $signame in
    STOP | TSTP | TTIN | TTOU | CONT | WINCH | URG | 0) return 0 ;;
    esac
    local secs=${STOP_SERVICE_TIMEOUT:-10}
    if ! wait_exit "$name" "$secs" "$name"; then
        say "$name (pid $pid) did not exit within $secs s of SIG$signame"
        return 124
    fi
    rm -f "$PIDS/$name.pid"
    if [ -f "$PIDS/$name.rc" ]; then
        return "$(cat "$PIDS/$name.rc")"
    fi
    return 0
}

cmd_start_service() {
    load_settings 0
    need_service "${1:-}"
    local name=$1 pid who
    if pid=$(svc_pid "$name"); then die "$name is already running (pid $pid)"; fi
    who=$(port_user "$(admin_port "$name")")
    [ -z "$who" ] || die "port $(admin_port "$name") ($name admin) is already in use by $who"
    mkdir -p "$PIDS" "$LOGS"
    svc_start "$name"
    svc_wait_ready "$READY_TIMEOUT" "$name"
}

cmd_wait_ready() {
    load_settings 0
    local name=${1:-} secs=${2:-$READY_TIMEOUT} deadline
    deadline=$(($(now_ms) + secs * 1000))
    case $name in
    nats)
        until port_open "$NATS_PORT"; do
            [ "$(now_ms)" -lt "$deadline" ] || die "nats is not ready after $secs s"
            sleep 0.05
        done
        ;;
    postgres)
        until "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; do
            [ "$(now_ms)" -lt "$deadline" ] || die "postgres is not ready after $secs s"
            sleep 0.1
        done
        ;;
    *)
        need_service "$name"
        svc_pid "$name" >/dev/null || [ -f "$PIDS/$name.rc" ] || die "$name is not running"
        svc_wait_ready "$secs" "$name"
        ;;
    esac
}

cmd_stop_nats() {
    load_settings 0
    nats_stop
}

cmd_start_nats() {
    load_settings 0
    local pid
    if pid=$(nats_pid); then die "nats is already running (pid $pid)"; fi
    mkdir -p "$PIDS" "$LOGS"
    echo "[stack] starting nats $(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$LOGS/nats.log"
    nats_start
}

cmd_restart_nats() {
    cmd_stop_nats
    cmd_start_nats
}

cmd_restart_pg() {
    load_settings 0
    pg_stop
    pg_start
}

cmd_logs() {
    local name=${1:-}
    [ -n "$name" ] || die "whose logs? (a service, nats or postgres)"
    [ -f "$LOGS/$name.log" ] || die "no log for $name in $LOGS"
    if [ "${2:-}" = -f ]; then exec tail -n 100 -F "$LOGS/$name.log"; fi
    cat "$LOGS/$name.log"
}

usage() {
    cat <<EOF
usage: scripts/stack.sh COMMAND

  run                       start, show the combined log, stop on Ctrl-C (make run)
  start                     start everything and wait until it is ready
  stop                      stop everything (safe when only part runs)
  status                    what runs (exit 0: all, 1: part, 3: nothing)
  env                       export lines for the running stack (eval "\$(stack.sh env)")
  stop-service NAME [SIG]   signal a service (default TERM), wait; exits with its exit code
  start-service NAME        start one service and wait until it is ready
  wait-ready NAME [SECS]    wait for a service, nats or postgres to be ready
  stop-nats | start-nats | restart-nats
  restart-pg                stop Postgres (fast mode) and start it again
  logs NAME [-f]            print (or follow) the log of a service, nats or postgres

Folder: STACK_DIR (default .local). Ports: NATS_PORT (4222), PG_PORT (5432),
GATEWAY_PORT (8080), ADMIN_PORT_BASE (9100; service i of docs/development.md
gets base + i), SANDBOX_SIP_PORT (5070, the sandbox carrier). Also LOG_LEVEL,
BUILD (build), STACK_SERVICES (a subset to start), STACK_SANDBOX=off (no
sandbox carrier), SANDBOX_CONTACTS (its contacts file), STACK_FSYNC=off
(throwaway clusters only), STACK_READY_TIMEOUT (60).
EOF
}

cmd=${1:-help}
[ $# -gt 0 ] && shift
case $cmd in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
run) cmd_run "$@" ;;
status) cmd_status "$@" ;;
env) cmd_env "$@" ;;
stop-service) cmd_stop_service "$@" ;;
start-service) cmd_start_service "$@" ;;
wait-ready) cmd_wait_ready "$@" ;;
stop-nats) cmd_stop_nats "$@" ;;
start-nats) cmd_start_nats "$@" ;;
restart-pg) cmd_restart_pg "$@" ;;
restart-nats) cmd_restart_nats "$@" ;;
logs) cmd_logs "$@" ;;
help | -h | --help) usage ;;
*)
    usage >&2
    exit 2
    ;;
esac
