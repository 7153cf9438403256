#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The statebus story on one machine: a loopback broker, the coordinator of a 4-node system and
# four simulated nodes whose BMCs become Ready 2, 4, 6 and 8 s after they start. A power-on is
# requested at once: it is queued while any BMC is not Ready, released the moment the last one
# is, and the system walks to Running. The system state is shown live (statebusctl watch).
#
#   scripts/demo.sh [--port P] [--bin-dir DIR] [--run-dir DIR] [--check]
#
#   --port P       broker port on 127.0.0.1 (default 1883)
#   --bin-dir DIR  use these binaries instead of building build/bin (also $STATEBUS_BIN_DIR);
#                  skips deps.sh and the build
#   --run-dir DIR  runtime files: broker db and log, coordinator state, process logs
#                  (default ./run; wiped at start so every demo tells the whole story)
#   --check        no live view, no waiting for Ctrl-C: exit 0 once the power-on completed and
#                  every rollup says Ready / On / Running / OSRunning, non-zero otherwise
#
# Interactive mode runs until Ctrl-C; either way everything it started is stopped by PID.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
port=1883
bin_dir=${STATEBUS_BIN_DIR:-}
run_dir=$root/run
check=0
system=system
nodes=4
bmc_ready_ms=(2000 4000 6000 8000)
wait_s=90 # bound for the power-on: 8 s of BMC boots plus power and boot, with room for slow CI

usage() {
    sed -n '9,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while (($#)); do
    case "$1" in
    --port) port=${2:?--port needs a value}; shift 2 ;;
    --port=*) port=${1#*=}; shift ;;
    --bin-dir) bin_dir=${2:?--bin-dir needs a value}; shift 2 ;;
    --bin-dir=*) bin_dir=${1#*=}; shift ;;
    --run-dir) run_dir=${2:?--run-dir needs a value}; shift 2 ;;
    --run-dir=*) run_dir=${1#*=}; shift ;;
    --check) check=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "demo: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
    echo "demo: --port: expected 1..65535, got '$port'" >&2
    exit 2
fi

say() { printf '\033[1mdemo:\033[0m %s\n' "$*"; }
if [[ ! -t 1 ]]; then
    say() { printf 'demo: %s\n' "$*"; }
fi

if [[ -z "$bin_dir" ]]; then
    bash "$root/scripts/deps.sh"
    # One line for the build: an up-to-date tree printed ~55 lines that pushed the story off a
    # 45-line terminal. The whole output goes to a log, shown only when the build fails.
    build_log=$(mktemp "${TMPDIR:-/tmp}/statebus-demo-build.XXXXXX")
    build_start=$SECONDS
    if ! bash "$root/scripts/build.sh" release >"$build_log" 2>&1; then
        tail -n 40 "$build_log" >&2
        echo "demo: the build failed (whole log: $build_log)" >&2
        exit 1
    fi
    if grep -q "Building C object\|Linking C" "$build_log"; then
        say "build: build/ rebuilt in $((SECONDS - build_start)) s"
    else
        say "build: build/ up to date"
    fi
    rm -f "$build_log"
    bin_dir=$root/build/bin
fi
for b in statebus-coordinator statebus-agent statebusctl; do
    if [[ ! -x "$bin_dir/$b" ]]; then
        echo "demo: $bin_dir/$b is missing (build with scripts/build.sh)" >&2
        exit 1
    fi
done

broker_up() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
if broker_up; then
    echo "demo: 127.0.0.1:$port is already in use (another broker?); pick one with --port" >&2
    exit 1
fi

# --- everything started here is stopped by PID on the way out ------------------------------
# Background processes run under setsid: Ctrl-C reaches only this script (and the foreground
# statebusctl), and the cleanup stops the rest in order - agents and coordinator first, so they
# publish their own "offline" while the broker is still there. (setsid does not fork here: a
# background job of a non-interactive shell is no process group leader, so $! stays its PID.)
pids=()
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    # Reverse start order: the live view, the agents and coordinator (they publish their own
    # "offline"), then the broker.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[i]}" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "${pids[i]}" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- runtime dir --------------------------------------------------------------------------
mkdir -p "$run_dir"
run_dir=$(cd "$run_dir" && pwd)
rm -rf "$run_dir/broker" "$run_dir/coordinator" "$run_dir/logs"
mkdir -p "$run_dir/broker" "$run_dir/coordinator" "$run_dir/logs"
# As root, mosquitto drops to its own user before it writes its db and log.
if ((EUID == 0)) && id mosquitto >/dev/null 2>&1; then
    chown mosquitto: "$run_dir/broker"
fi

# The dev config with this demo's port, persistence location and log file.
# shellcheck source=scripts/dev-broker-conf.sh
source "$root/scripts/dev-broker-conf.sh"
dev_broker_conf "$root" "$run_dir/broker" "$port" "$run_dir/broker/mosquitto.conf" || {
    echo "demo: cannot derive the broker config" >&2
    exit 1
}

broker=127.0.0.1:$port
root_topic=statebus/$system

say "broker: mosquitto on $broker (config derived from broker-config/statebus-dev.conf)"
setsid mosquitto -c "$run_dir/broker/mosquitto.conf" >"$run_dir/logs/mosquitto.stdio" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    broker_up && break
    kill -0 "${pids[0]}" 2>/dev/null || break
    sleep 0.1
done
if ! broker_up; then
    echo "demo: mosquitto did not start:" >&2
    cat "$run_dir/logs/mosquitto.stdio" "$run_dir/broker/mosquitto.log" >&2 2>/dev/null || true
    exit 1
fi

say "coordinator: --nodes $nodes --state-dir ${run_dir#"$root"/}/coordinator"
setsid "$bin_dir/statebus-coordinator" --broker "$broker" --system "$system" --nodes "$nodes" \
    --state-dir "$run_dir/coordinator" 2>"$run_dir/logs/coordinator.log" &
pids+=($!)
# A request published before the coordinator subscribed would reach nobody: wait for its birth.
if ! status=$(mosquitto_sub -h 127.0.0.1 -p "$port" -t "$root_topic/system/status" -C 1 -W 15 \
    2>/dev/null) || [[ "$status" != *'"online"'* ]]; then
    echo "demo: the coordinator did not come online:" >&2
    cat "$run_dir/logs/coordinator.log" >&2
    exit 1
fi

if ((check)); then
    setsid "$bin_dir/statebusctl" --broker "$broker" --system "$system" watch \
        >"$run_dir/logs/watch.log" 2>&1 &
else
    # --brief: a line per change of a rollup's state, the gate or a request, so the whole
    # story fits a 45-line terminal (statebusctl watch without it shows every count).
    say "live view: statebusctl watch --brief (Ctrl-C stops the demo)"
    setsid "$bin_dir/statebusctl" --broker "$broker" --system "$system" watch --brief &
fi
pids+=($!)

ready_list=""
for n in $(seq "$nodes"); do
    ms=${bmc_ready_ms[n - 1]}
    ready_list+="${ready_list:+, }$((ms / 1000))"
    setsid "$bin_dir/statebus-agent" --broker "$broker" --system "$system" --node "$n" \
        --backend sim --sim-bmc-ready-ms "$ms" 2>"$run_dir/logs/agent$n.log" &
    pids+=($!)
done
say "nodes 1-$nodes: sim agents, BMCs Ready after $ready_list s"

say "statebusctl --wait=$wait_s poweron: queued until every BMC is Ready, then released"
ctl_rc=0
if ((check)); then
    "$bin_dir/statebusctl" --broker "$broker" --system "$system" --wait="$wait_s" poweron ||
        ctl_rc=$?
else
    # One stream of lines: the live view shows the request's events, so its own copy goes to
    # a log (it printed every event a second time).
    "$bin_dir/statebusctl" --broker "$broker" --system "$system" --wait="$wait_s" poweron \
        >"$run_dir/logs/poweron.log" 2>&1 || ctl_rc=$?
fi
if ((ctl_rc != 0)); then
    say "power-on FAILED (statebusctl exit $ctl_rc); logs in ${run_dir}/logs"
    if ((check)); then
        tail -n 20 "$run_dir"/logs/*.log >&2 || true
        exit 1
    fi
fi

# Every rollup (instance 0) as retained on the bus; -C 1 returns the retained value at once.
rollup_is() {
    local kind=$1 want=$2 payload
    payload=$(mosquitto_sub -h 127.0.0.1 -p "$port" -t "$root_topic/system/$kind" -C 1 -W 10 \
        2>/dev/null) || return 1
    [[ "$payload" =~ \"state\":\ *\"$want\" ]] &&
        [[ "$payload" =~ \"mixed\":\ *false ]] &&
        [[ "$payload" =~ \"stale\":\ *\[\] ]]
}

if ((ctl_rc == 0)); then
    ok=1
    shown=""
    for pair in bmc:Ready chassis:On host:Running boot-progress:OSRunning; do
        if rollup_is "${pair%%:*}" "${pair#*:}"; then
            shown+="${shown:+, }${pair%%:*} ${pair#*:}"
        else
            say "system/${pair%%:*}: expected ${pair#*:}, got: $(mosquitto_sub -h 127.0.0.1 \
                -p "$port" -t "$root_topic/system/${pair%%:*}" -C 1 -W 5 2>/dev/null || true)"
            ok=0
        fi
    done
    if ((ok)); then
        say "power-on completed: $shown"
    elif ((check)); then
        exit 1
    fi
fi

if ((check)); then
    exit 0
fi
say "running (statebusctl state: the summary; Ctrl-C stops all; logs: ${run_dir#"$root"/}/logs)"
wait "${pids[2]}" || true
