#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The statebus benchmark (issue #8): a mosquitto from broker-config/statebus-dev.conf on a free
# 127.0.0.1 port, the real statebus-coordinator of the release build, and statebus-bench, which
# simulates N nodes and measures gate release, ingest, cold start and memory, each next to the
# broker's own baseline from the same run. Prints the machine and one table; BENCHMARKS.md
# explains the figures and records results.
#
#   scripts/bench.sh [--build-dir DIR] [--nodes N,N,...] [--quick] [--run-dir DIR]
#                    [--state-dir DIR] [--json FILE] [-- statebus-bench options]
#
#   --build-dir DIR  use this (already built) tree: DIR/bin and DIR/bench; default: build the
#                    release tree build/ first (scripts/build.sh release)
#   --nodes LIST     system sizes (default 4,64,1000,10000)
#   --quick          few trials (what the ctest run uses); the figures are then rough
#   --run-dir DIR    broker db and log, process logs (default ./run-bench; wiped at start)
#   --state-dir DIR  parent of the coordinator's --state-dir (default: a directory on /dev/shm,
#                    so gate release measures the coordinator, not this disk's fsync; give a
#                    directory on disk to include the fsync of state.json - BENCHMARKS.md has both)
#   --json FILE      also write the results as JSON
#
# Exit status: statebus-bench's (0 when every run was complete and correct, targets met or not).
# Bounded: about a minute on 2 cores for the default sizes (every wait has a time-out); everything
# it starts is stopped by PID.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=
nodes=4,64,1000,10000
quick=0
run_dir=$root/run-bench
state_dir=
json=
extra=()

usage() {
    sed -n '10,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while (($#)); do
    case "$1" in
    --build-dir) build_dir=${2:?--build-dir needs a value}; shift 2 ;;
    --build-dir=*) build_dir=${1#*=}; shift ;;
    --nodes) nodes=${2:?--nodes needs a value}; shift 2 ;;
    --nodes=*) nodes=${1#*=}; shift ;;
    --quick) quick=1; shift ;;
    --run-dir) run_dir=${2:?--run-dir needs a value}; shift 2 ;;
    --run-dir=*) run_dir=${1#*=}; shift ;;
    --state-dir) state_dir=${2:?--state-dir needs a value}; shift 2 ;;
    --state-dir=*) state_dir=${1#*=}; shift ;;
    --json) json=${2:?--json needs a value}; shift 2 ;;
    --json=*) json=${1#*=}; shift ;;
    --) shift; extra=("$@"); break ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

if [[ -z "$build_dir" ]]; then
    bash "$root/scripts/deps.sh"
    bash "$root/scripts/build.sh" release
    build_dir=$root/build
fi
build_dir=$(cd "$build_dir" && pwd)
bench_bin=$build_dir/bench/statebus-bench
for b in "$build_dir/bin/statebus-coordinator" "$build_dir/bin/statebus-agent" "$bench_bin"; do
    if [[ ! -x "$b" ]]; then
        echo "bench: $b is missing (build with scripts/build.sh release)" >&2
        exit 1
    fi
done

# --- everything started here is stopped by PID on the way out ------------------------------
broker_pid=
shm_state=
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$broker_pid" ]]; then
        kill -TERM "$broker_pid" 2>/dev/null || true
        wait "$broker_pid" 2>/dev/null || true
    fi
    if [[ -n "$shm_state" ]]; then
        rm -rf "$shm_state"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$run_dir"
run_dir=$(cd "$run_dir" && pwd)
rm -rf "$run_dir/broker" "$run_dir/logs"
mkdir -p "$run_dir/broker" "$run_dir/logs"
if [[ -z "$state_dir" ]]; then
    if [[ "$(stat -f -c %T /dev/shm 2>/dev/null)" == tmpfs ]]; then
        shm_state=$(mktemp -d /dev/shm/statebus-bench.XXXXXX)
        state_dir=$shm_state
    else
        state_dir=$run_dir/logs
    fi
fi
mkdir -p "$state_dir"
# As root, mosquitto drops to its own user before it writes its db and log.
if ((EUID == 0)) && id mosquitto >/dev/null 2>&1; then
    chown mosquitto: "$run_dir/broker"
fi

# --- broker: the dev config on a free port ---------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# shellcheck source=scripts/dev-broker-conf.sh
source "$root/scripts/dev-broker-conf.sh"

# Up since it logged its listener on our port (a connect alone could reach someone else's
# broker that took the port between our probe and our bind): bounded, then the next port.
broker_up() {
    grep -qs "listen socket on port $1" "$run_dir/broker/mosquitto.log" && port_in_use "$1"
}

conf=$run_dir/broker/mosquitto.conf
port=
for _ in $(seq 5); do
    candidate=$((20000 + RANDOM % 40000))
    port_in_use "$candidate" && continue
    # max_queued_messages 1000000: one cold start at 10,000 nodes queues the 50,000-message
    # retained snapshot and 50,000 rebirth answers for one client, and a burst may sit behind.
    dev_broker_conf "$root" "$run_dir/broker" "$candidate" "$conf" 1000000 || {
        echo "bench: cannot derive the broker config" >&2
        exit 1
    }
    rm -f "$run_dir/broker/mosquitto.log"
    mosquitto -c "$conf" >"$run_dir/logs/mosquitto.stdio" 2>&1 &
    broker_pid=$!
    for _ in $(seq 100); do
        broker_up "$candidate" && break
        kill -0 "$broker_pid" 2>/dev/null || break
        sleep 0.05
    done
    if broker_up "$candidate" && kill -0 "$broker_pid" 2>/dev/null; then
        port=$candidate
        break
    fi
    kill -TERM "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
    broker_pid=
done
if [[ -z "$port" ]]; then
    echo "bench: mosquitto did not start (as root it runs as user mosquitto, which must be able" \
        "to reach $run_dir/broker):" >&2
    cat "$run_dir/logs/mosquitto.stdio" "$run_dir/broker/mosquitto.log" >&2 2>/dev/null || true
    exit 1
fi

# --- the machine ------------------------------------------------------------------------------
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "machine: $(nproc) CPUs, ${model:-unknown CPU}, kernel $(uname -r)"
echo "broker:  $(mosquitto -h 2>/dev/null | head -1) on 127.0.0.1:$port (statebus-dev.conf," \
    "max_queued_messages 1000000)"
echo "state:   $state_dir ($(stat -f -c %T "$state_dir"))"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at start"

args=(--broker "127.0.0.1:$port" --bin-dir "$build_dir/bin" --run-dir "$run_dir/logs"
    --state-dir "$state_dir" --nodes "$nodes" --broker-pid "$broker_pid")
if ((quick)); then
    args+=(--pings 50 --gate-trials 10 --cold-trials 2 --ingest-updates 4000 --ingest-bursts 1)
fi
if [[ -n "$json" ]]; then
    args+=(--json "$json")
fi

rc=0
"$bench_bin" "${args[@]}" "${extra[@]}" 2>"$run_dir/logs/bench.log" || rc=$?
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at end"
if ((rc != 0)); then
    echo "bench: statebus-bench exited with $rc; logs in $run_dir/logs" >&2
    grep -h '^<[0-3]>' "$run_dir/logs/bench.log" >&2 || true
fi
exit "$rc"
