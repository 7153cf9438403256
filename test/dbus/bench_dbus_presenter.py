#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""What statebus-dbus costs (BENCHMARKS.md "D-Bus presenter"): a private dbus-daemon, a real
mosquitto on a free loopback port, statebus-dbus, and dbus-bench standing in for the
coordinator (the rollups of --nodes nodes). Prints dbus-bench's figures and checks they parse.

    bench_dbus_presenter.py [--nodes 16] [--changes 2000] [--read-seconds 2]"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import BIN_DIR, Broker  # noqa: E402
from test_dbus_backend import BUS_CONFIG, TEST_BIN_DIR  # noqa: E402

KEYS = ("arrival_to_signal_p50_us", "arrival_to_signal_p99_us", "publish_to_signal_p99_us",
        "reads_per_s_sequential", "reads_per_s_32_in_flight")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=16)
    ap.add_argument("--changes", type=int, default=2000)
    ap.add_argument("--read-seconds", type=float, default=2.0)
    args = ap.parse_args()
    if not shutil.which("dbus-daemon"):
        print("SKIP: dbus-daemon is not installed (Debian package 'dbus')")
        return 0
    tmp = tempfile.mkdtemp(prefix="statebus-dbus-bench-")
    os.chmod(tmp, 0o755)
    procs = []
    broker = Broker(tmp)
    try:
        broker.start()
        socket_path = os.path.join(tmp, "bus.sock")
        conf = os.path.join(tmp, "bus.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(BUS_CONFIG.format(socket=socket_path))
        bus = subprocess.Popen(["dbus-daemon", f"--config-file={conf}", "--nofork",
                                "--print-address=1"], stdout=subprocess.PIPE,
                               stdin=subprocess.DEVNULL)
        procs.append(bus)
        address = bus.stdout.readline().decode().strip()
        err = open(os.path.join(tmp, "statebus-dbus.stderr"), "wb")
        presenter = subprocess.Popen([os.path.join(BIN_DIR, "statebus-dbus"), "--broker",
                                      broker.address, "--system", "bench", "--bus", address],
                                     stderr=err, stdin=subprocess.DEVNULL)
        procs.append(presenter)
        out = subprocess.run([os.path.join(TEST_BIN_DIR, "dbus-bench"), "--broker",
                              str(broker.port), "--system", "bench", "--bus", address,
                              "--nodes", str(args.nodes), "--changes", str(args.changes),
                              "--read-seconds", str(args.read_seconds)],
                             capture_output=True, text=True, timeout=300)
        sys.stdout.write(out.stdout)
        sys.stderr.write(out.stderr)
        if out.returncode != 0:
            print(f"FAIL: dbus-bench exited {out.returncode}")
            return 1
        figures = dict(line.split(" ", 1) for line in out.stdout.splitlines() if " " in line)
        missing = [k for k in KEYS if k not in figures]
        bad = [k for k in KEYS if k in figures and not float(figures[k]) > 0]
        if missing or bad or presenter.poll() is not None:
            print(f"FAIL: missing {missing}, not positive {bad}, presenter rc {presenter.poll()}")
            return 1
        return 0
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.kill()
            p.wait(10)
            if p.stdout:
                p.stdout.close()
        broker.stop()
        shutil.rmtree(tmp, True)


if __name__ == "__main__":
    sys.exit(main())
