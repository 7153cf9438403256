#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ctest bench.short: a short run of the benchmark (scripts/bench.sh --quick, N = 4 and 64) and a
check of its output - every row present, every number parses and is plausible, the rollups were
found current after every phase, no errors - not of its speed: whether a target was met is left
to BENCHMARKS.md and a quiet machine.

Usage: check-bench-output.py --build-dir DIR
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH_SH = os.path.join(HERE, "..", "scripts", "bench.sh")
SIZES = (4, 64)
RUN_TIMEOUT_S = 100

# figure -> (coordinator column, baseline column): "num" a number, "-" a dash.
FIGURES = {
    "raw QoS 1 round trip p50 (ms)": ("-", "num"),
    "raw QoS 1 round trip p99 (ms)": ("-", "num"),
    "gate release, first node p50 (ms)": ("num", "num"),
    "gate release, first node p99 (ms)": ("num", "num"),
    "gate release, every node p50 (ms)": ("num", "num"),
    "gate release, every node p99 (ms)": ("num", "num"),
    "ingest, rollups current (updates/s)": ("num", "num"),
    "cold start p50 (ms)": ("num", "num"),
    "cold start max (ms)": ("num", "num"),
    "coordinator RSS (MiB)": ("num", "num"),
    "coordinator peak VmHWM (MiB)": ("num", "-"),
}
AGENT_FIGURES = ("statebus-agent RSS/VmHWM (MiB)", "statebus-agent private/PSS (MiB)")
# The rollups are checked after set-up, after the gate and ingest phases and after every cold
# start (--quick: 2).
MIN_ROLLUP_CHECKS = 5


class OutputError(Exception):
    pass


def positive_number(text, what):
    try:
        value = float(text)
    except ValueError:
        raise OutputError(f"{what}: '{text}' is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise OutputError(f"{what}: {value} is not a positive number")
    return value


def parse_rows(stdout):
    """The table rows as {(N, figure): (coordinator, baseline, rest)}, and the checks rows."""
    rows, checks, header = {}, {}, False
    for line in stdout.splitlines():
        if line.split()[:3] == ["N", "conns", "figure"]:
            header = True
            continue
        fields = line.split()
        if not header or len(fields) < 3 or not (fields[0].isdigit() or fields[0] == "agent"):
            continue
        # "%6s %5s  %-36s ...": the figure is a fixed-width column (it holds spaces).
        figure = line[14:50].strip()
        rest = line[50:].split()
        if figure == "checks":
            checks[int(fields[0])] = line[50:].strip()
        else:
            rows[(fields[0], figure)] = rest
    if not header:
        raise OutputError("no table header")
    return rows, checks


def check_table(stdout):
    for prefix in ("machine:", "broker:", "state:", "load:"):
        if not any(line.startswith(prefix) for line in stdout.splitlines()):
            raise OutputError(f"no '{prefix}' line")
    rows, checks = parse_rows(stdout)
    for n in SIZES:
        for figure, kinds in FIGURES.items():
            rest = rows.get((str(n), figure))
            if rest is None or len(rest) < 2:
                raise OutputError(f"N={n}: row '{figure}' missing or short")
            for kind, text, column in zip(kinds, rest[:2], ("coordinator", "baseline")):
                if kind == "-":
                    if text != "-":
                        raise OutputError(f"N={n} '{figure}': {column} should be '-', got '{text}'")
                else:
                    positive_number(text, f"N={n} '{figure}' {column}")
        check = checks.get(n)
        if check is None:
            raise OutputError(f"N={n}: no checks row")
        if not check.startswith("ok ") or " 0 errors" not in check:
            raise OutputError(f"N={n}: checks row says '{check}'")
        current = int(check.split()[1])
        if current < MIN_ROLLUP_CHECKS:
            raise OutputError(f"N={n}: rollups found current only {current} times: '{check}'")
    for figure in AGENT_FIGURES:
        rest = rows.get(("agent", figure))
        if rest is None:
            raise OutputError(f"agent row '{figure}' missing")
        if len(rest) < 2:
            raise OutputError(f"agent row '{figure}' short")
        for column, text in zip(("agent", "floor"), rest[:2]):
            for part in text.split("/"):
                positive_number(part, f"agent '{figure}' {column}")


def check_json(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    runs = {run["nodes"]: run for run in data["runs"]}
    for n in SIZES:
        run = runs.get(n)
        if run is None:
            raise OutputError(f"JSON: no run for N={n}")
        if not run["completed"] or run["errors"] != 0 or run["error"]:
            raise OutputError(f"JSON: N={n} completed={run['completed']} errors={run['errors']} "
                              f"error='{run['error']}'")
        for series in ("gate_all", "raw_fanout_all", "raw_round_trip", "cold_start"):
            if run[series]["n"] < 1:
                raise OutputError(f"JSON: N={n} has no {series} samples")
    if data["agent"]["errors"] != 0:
        raise OutputError("JSON: the agent measurement had errors")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="statebus-bench-") as tmp:
        # As root, mosquitto drops to its own user, which must reach run/broker/ below this.
        os.chmod(tmp, 0o755)
        json_path = os.path.join(tmp, "bench.json")
        cmd = ["bash", BENCH_SH, "--build-dir", args.build_dir, "--quick",
               "--nodes", ",".join(str(n) for n in SIZES), "--run-dir", os.path.join(tmp, "run"),
               "--json", json_path]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
                              check=False)
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        try:
            if proc.returncode != 0:
                raise OutputError(f"scripts/bench.sh exited with {proc.returncode}")
            check_table(proc.stdout)
            check_json(json_path)
        except OutputError as e:
            for name in sorted(os.listdir(os.path.join(tmp, "run", "logs"))):
                if name.endswith(".log"):
                    with open(os.path.join(tmp, "run", "logs", name), encoding="utf-8",
                              errors="replace") as f:
                        sys.stderr.write(f"==== {name} (tail)\n" + "".join(f.readlines()[-20:]))
            print(f"check-bench-output: FAILED: {e}", file=sys.stderr)
            return 1
    print("check-bench-output: every row present, numbers parse, rollups current, no errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
