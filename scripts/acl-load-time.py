#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""How long mosquitto takes to load the ACL of scripts/make-acl.sh: the ACL of a NODES-node
system is made in each --node-acl variant, and a real mosquitto started on a free loopback port
with only that acl_file; the time from exec to its listener accepting a connection is the load
time (mosquitto reads the ACL before it listens; an empty ACL's start is printed for reference).

  scripts/acl-load-time.py [--nodes N] [--runs R] [--variants patterns,blocks] [--max-s S]
                           [--faster F]

--max-s S fails (exit 1) when the median of the first variant exceeds S seconds; --faster F
when the first variant is not at least F times faster than the second, measured in the same
run (so a loaded machine slows both: ctest integration.acl-load uses that).
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_time(acl, work, timeout=120.0):
    port = free_port()
    conf = os.path.join(work, "mosquitto.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write(f"per_listener_settings false\nallow_anonymous true\nacl_file {acl}\n"
                f"listener {port} 127.0.0.1\nlog_dest none\n")
    started = time.monotonic()
    broker = subprocess.Popen(["mosquitto", "-c", conf], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        while True:
            if broker.poll() is not None:
                raise RuntimeError(f"mosquitto exited with {broker.returncode} loading {acl}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.05):
                    return time.monotonic() - started
            except OSError:
                if time.monotonic() - started > timeout:
                    raise RuntimeError(f"mosquitto did not listen within {timeout} s") from None
                # Nothing to wait on but the listener itself: retry the connect every 5 ms.
                time.sleep(0.005)
    finally:
        broker.terminate()
        broker.wait(10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=16384)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--variants", default="patterns,blocks")
    ap.add_argument("--max-s", type=float)
    ap.add_argument("--faster", type=float)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="statebus-acl-") as work:
        # Run as root, mosquitto drops to its own user before it reads the ACL.
        os.chmod(work, 0o755)
        empty = os.path.join(work, "empty.acl")
        with open(empty, "w", encoding="utf-8") as f:
            f.write("user nobody\ntopic read nothing\n")
        rows = [("empty ACL", empty)]
        for variant in args.variants.split(","):
            acl = os.path.join(work, f"{variant}.acl")
            subprocess.run(["bash", os.path.join(ROOT, "scripts", "make-acl.sh"), "--system",
                            "sys1", "--nodes", str(args.nodes), "--node-acl", variant,
                            "--out", acl], check=True, stdout=subprocess.DEVNULL)
            rows.append((variant, acl))
        medians = {}
        for name, acl in rows:
            times = [load_time(acl, work) for _ in range(args.runs)]
            medians[name] = statistics.median(times)
            size = os.path.getsize(acl)
            print(f"{name:>10}: {args.nodes} nodes, {size / 1e6:.2f} MB, {sum(1 for _ in open(acl))} "
                  f"lines: load {', '.join(f'{t:.2f}' for t in times)} s, "
                  f"median {medians[name]:.2f} s")
    variants = args.variants.split(",")
    first = variants[0]
    if args.max_s is not None and medians[first] > args.max_s:
        print(f"FAIL: {first} took {medians[first]:.2f} s, more than {args.max_s} s")
        return 1
    if args.faster is not None:
        other = variants[1]
        ratio = medians[other] / max(medians[first], 1e-3)
        print(f"{first} loads {ratio:.1f} times as fast as {other}")
        if ratio < args.faster:
            print(f"FAIL: wanted at least {args.faster} times")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
