#!/usr/bin/env bash
# Runs the test binaries the Makefile built and sums up their results.
#
#   scripts/run-tests.sh [unit|integration|all]     (default all)
#
# unit:        every $BUILD/tests/unit-* binary and $BUILD/tests/deploy
#              (Criterion; no NATS, no Postgres).
# integration: starts a throwaway stack (scripts/stack.sh) on free ports in a
#              temporary STACK_DIR, runs $BUILD/tests/integration against it
#              one test at a time, then stops the stack and removes the folder
#              whatever happened. On failure the tail of every log is shown.
#
# Every binary's Criterion synthesis line is added up, and the output ends
# with one total line in the same format. The exit code is non-zero when a
# test failed or crashed, a binary exited non-zero, a service did not exit
# cleanly at the end, or (under SANITIZE) a sanitizer reported anything.
#
# Environment: BUILD (default build), SANITIZE (non-empty: sanitizer options),
# TEST_TIMEOUT (seconds per test, default 120), LOG_LEVEL for the stack.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=${BUILD:-build}
export BUILD
TESTS_DIR="$BUILD/tests"
TEST_TIMEOUT=${TEST_TIMEOUT:-120}

what=${1:-all}
case $what in
unit | integration | all) ;;
*)
    echo "usage: scripts/run-tests.sh [unit|integration|all]" >&2
    exit 2
    ;;
esac

tested=0 passing=0 failing=0 crashing=0
bad=0            # set when anything failed, whatever the counts say
problems=()      # one line per problem, repeated before the total
failures=()      # Criterion's lines about failed tests, repeated at the end
stack_dir=""     # the integration stack's folder while it exists
stack_started=0

note() {
    echo "run-tests: $*"
    problems+=("$*")
    bad=1
}

# ---------------------------------------------------------------- sanitizers

if [ -n "${SANITIZE:-}" ]; then
    # Stop at the first error and fail the process; report leaks. The test
    # runner counts any report in a binary's output as a failure, because
    # Criterion itself does not notice a leak in a test worker.
    export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
    # No library leak is known to need a suppression so far; if one appears,
    # list it in a file and add suppressions=<file> to LSAN_OPTIONS here.
    export LSAN_OPTIONS="${LSAN_OPTIONS:-}"
fi

sanitizer_report() {
    grep -qE '(ERROR|WARNING): (Address|Leak|Thread|Memory|UndefinedBehavior)Sanitizer|runtime error: ' "$1"
}

# ---------------------------------------------------------------- one binary

# Runs a Criterion binary, shows its output as it comes, and adds its
# synthesis line to the totals. The binary runs in the background so that an
# interrupt is handled at once (Criterion puts itself in a process group of
# its own, out of reach of the terminal's Ctrl-C); its output goes through a
# file that tail shows live.
test_pid=""
run_criterion() {
    local label=$1
    shift
    local out rc line t p f c tail_pid
    out=$(mktemp)
    local color=()
    [ -t 1 ] && color=(--color=always)
    echo "==> $label"
    "$@" "${color[@]}" --timeout "$TEST_TIMEOUT" </dev/null >"$out" 2>&1 &
    test_pid=$!
    tail --pid="$test_pid" -n +1 -f "$out" &
    tail_pid=$!
    rc=0
    wait "$test_pid" || rc=$?
    test_pid=""
    wait "$tail_pid" 2>/dev/null || true
    line=$(sed 's/\x1b\[[0-9;]*m//g' "$out" | grep -E 'Synthesis: Tested: [0-9]+' | tail -n1)
    if [[ $line =~ Tested:\ ([0-9]+)\ \|\ Passing:\ ([0-9]+)\ \|\ Failing:\ ([0-9]+)\ \|\ Crashing:\ ([0-9]+) ]]; then
        t=${BASH_REMATCH[1]} p=${BASH_REMATCH[2]} f=${BASH_REMATCH[3]} c=${BASH_REMATCH[4]}
        tested=$((tested + t)) passing=$((passing + p)) failing=$((failing + f)) crashing=$((crashing + c))
        if [ "$f" != 0 ] || [ "$c" != 0 ]; then
            note "$label: $f failing, $c crashing"
            # Which tests and why, so that the end of a long log says it.
            mapfile -t -O "${#failures[@]}" failures < <(sed 's/\x1b\[[0-9;]*m//g' "$out" |
                grep -E '^\[(FAIL|----)\]' | grep -vE '^\[----\] (Criterion|Running|Synthesis)' | head -n 80)
        fi
    else
        note "$label printed no Criterion synthesis line"
    fi
    if [ "$rc" != 0 ]; then
        note "$label exited with code $rc"
    fi
    if [ -n "${SANITIZE:-}" ] && sanitizer_report "$out"; then
        note "$label: a sanitizer reported an error (see above)"
    fi
    rm -f "$out"
    echo
}

# Stops the test binary in hand (and its workers, in its process group).
stop_test() {
    [ -n "$test_pid" ] || return 0
    kill -TERM -- "-$test_pid" 2>/dev/null || kill -TERM "$test_pid" 2>/dev/null || true
    wait "$test_pid" 2>/dev/null || true
    test_pid=""
}

on_interrupt() {
    trap '' INT TERM HUP
    echo
    echo "run-tests: interrupted"
    stop_test
    cleanup_stack
    exit 130
}
trap on_interrupt INT TERM HUP

# ---------------------------------------------------------------- unit

run_unit() {
    local bins=() b
    for b in "$TESTS_DIR"/unit-* "$TESTS_DIR/deploy"; do
        [ -x "$b" ] && [ -f "$b" ] && bins+=("$b")
    done
    if [ ${#bins[@]} = 0 ]; then
        echo "run-tests: no unit test binaries in $TESTS_DIR (build them with make tests)"
        return
    fi
    for b in "${bins[@]}"; do
        run_criterion "$(basename "$b")" "$b"
    done
}

# ---------------------------------------------------------------- integration

# Prints four free TCP ports on 127.0.0.1 (nats, postgres, gateway, sandbox
# carrier) and an admin base B with B+1..B+n free, all distinct, chosen below the usual
# ephemeral range so that outgoing connections do not take them meanwhile.
free_ports() {
    if ! command -v python3 >/dev/null 2>&1; then
        free_ports_bash "$1"
        return
    fi
    python3 - "$1" <<'EOF'
import random, socket, sys
n_admin = int(sys.argv[1])
held = []
def grab(port):
    # Free for TCP and UDP alike: the sandbox carrier's SIP port is both.
    socks = []
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            s.close()
            for t in socks:
                t.close()
            return False
        socks.append(s)
    held.append(socks)
    return True
def pick_block(n):
    for _ in range(2000):
        base = random.randrange(20000, 32000 - n)
        ok = []
        for p in range(base, base + n):
            if grab(p):
                ok.append(p)
            else:
                break
        if len(ok) == n:
            return base
        for _ in ok:
            for s in held.pop():
                s.close()
    sys.exit("no free ports found")
singles = [pick_block(1) for _ in range(4)]
admin_base = pick_block(n_admin) - 1
print(*singles, admin_base)
EOF
}

# The same without python3: a port is taken when something accepts a
# connection on it (weaker: it misses listeners on other addresses).
free_ports_bash() {
    local n=$1 taken=" " singles=() base p i ok
    port_free() { [[ $taken != *" $1 "* ]] && ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
    for i in 1 2 3 4 5; do
        for _ in $(seq 1 2000); do
            if [ "$i" -lt 5 ]; then
                p=$((20000 + RANDOM % 12000))
                if port_free "$p"; then singles+=("$p"); taken+="$p "; break; fi
            else
                base=$((20000 + RANDOM % (12000 - n)))
                ok=1
                for ((p = base + 1; p <= base + n; p++)); do port_free "$p" || { ok=0; break; }; done
                if [ "$ok" = 1 ]; then singles+=("$base"); break; fi
            fi
        done
    done
    [ ${#singles[@]} = 5 ] || return 1
    echo "${singles[@]}"
}

cleanup_stack() {
    [ -n "$stack_dir" ] || return 0
    if [ "$stack_started" = 1 ]; then
        STACK_DIR="$stack_dir" scripts/stack.sh stop >/dev/null 2>&1 || true
    fi
    rm -rf "$stack_dir"
    stack_dir=""
}

# The tail of every service's log, and a shorter one of nats and postgres.
show_logs() {
    local f name n
    for f in "$stack_dir"/logs/*.log; do
        [ -s "$f" ] || continue
        name=$(basename "$f" .log)
        case $name in
        initdb) continue ;;
        nats | postgres) n=10 ;;
        *) n=30 ;;
        esac
        echo "---- last lines of logs/$name.log"
        tail -n "$n" "$f"
    done
    echo "----"
}

run_integration() {
    local bin="$TESTS_DIR/integration"
    if [ ! -x "$bin" ]; then
        echo "run-tests: no $bin (no integration tests built yet)"
        return
    fi
    local n ports nats pg gw sip admin
    n=$(make -s --no-print-directory print-services 2>/dev/null | wc -w)
    [ "$n" -gt 0 ] || n=10
    if ! ports=$(free_ports "$n"); then
        note "integration: could not find free ports"
        return
    fi
    read -r nats pg gw sip admin <<<"$ports"

    stack_dir=$(mktemp -d "${TMPDIR:-/tmp}/oc-stack.XXXXXX")
    trap 'cleanup_stack' EXIT

    echo "==> integration stack in $stack_dir (nats $nats, postgres $pg, gateway $gw, sandbox carrier $sip, admin $((admin + 1))-$((admin + n)))"
    stack_started=1
    if ! STACK_DIR="$stack_dir" STACK_FSYNC=off NATS_PORT=$nats PG_PORT=$pg GATEWAY_PORT=$gw \
        SANDBOX_SIP_PORT=$sip ADMIN_PORT_BASE=$admin scripts/stack.sh start; then
        note "integration: the stack did not start"
        show_logs
        cleanup_stack
        return
    fi
    echo

    local env_lines
    env_lines=$(STACK_DIR="$stack_dir" scripts/stack.sh env) || {
        note "integration: stack.sh env failed"
        cleanup_stack
        return
    }
    local before=${#problems[@]}
    eval "$env_lines"
    # TEST_FILTER narrows the run to some suites, e.g. TEST_FILTER='services/*'.
    if [ -n "${TEST_FILTER:-}" ]; then
        run_criterion integration "$bin" --jobs 1 --filter "$TEST_FILTER"
    else
        run_criterion integration "$bin" --jobs 1
    fi

    # Every service must exit cleanly (code 0) on SIGTERM.
    STACK_DIR="$stack_dir" scripts/stack.sh stop
    stack_started=0
    local rc name
    for rc in "$stack_dir"/pids/*.rc; do
        [ -f "$rc" ] || continue
        name=$(basename "$rc" .rc)
        [ "$(cat "$rc")" = 0 ] || note "integration: $name exited with code $(cat "$rc") when the stack stopped"
    done
    if [ -n "${SANITIZE:-}" ]; then
        local f
        for f in "$stack_dir"/logs/*.log "$stack_dir"/logs/*.prev; do
            [ -f "$f" ] || continue
            if sanitizer_report "$f"; then
                note "integration: a sanitizer reported an error in logs/$(basename "$f")"
                # The report itself, which the log tails below may not reach.
                echo "---- sanitizer report in logs/$(basename "$f")"
                grep -nE -A 40 '(ERROR|WARNING): (Address|Leak|Thread|Memory|UndefinedBehavior)Sanitizer|runtime error: ' "$f" | head -120
            fi
        done
    fi
    [ "${#problems[@]}" = "$before" ] || show_logs
    cleanup_stack
    trap - EXIT
}

# ---------------------------------------------------------------- main

case $what in
unit) run_unit ;;
integration) run_integration ;;
all)
    run_unit
    run_integration
    ;;
esac

if [ ${#failures[@]} -gt 0 ]; then
    echo "run-tests: failed tests:"
    printf '  %s\n' "${failures[@]}"
fi
if [ ${#problems[@]} -gt 0 ]; then
    echo "run-tests: problems:"
    printf '  %s\n' "${problems[@]}"
fi
echo "[====] Synthesis: Tested: $tested | Passing: $passing | Failing: $failing | Crashing: $crashing"
[ "$bad" = 0 ] && [ "$failing" = 0 ] && [ "$crashing" = 0 ]
