#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The Redfish bridge's figures (BENCHMARKS.md "Redfish bridge"): GET /redfish/v1/Systems/system
per second with keep-alive (wrk), without and with authentication (a session token), and a
Reset's answer latency next to the coordinator's own answer to the same request over MQTT v5.

    /usr/bin/python3 redfish/bench/bench-redfish.py [--build-dir build] [--trials 200]

Starts its own mosquitto on a free loopback port, a coordinator with 4 nodes, 4 sim agents and
the bridge, all from the build tree; stops them by PID. Needs mosquitto, wrk, python3-paho-mqtt
(scripts/deps.sh)."""

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        threading.Event().wait(0.05)
    sys.exit(f"bench-redfish: no {what} within {timeout} s")


class Run:
    def __init__(self, bin_dir, tmp):
        self.bin, self.tmp, self.procs = bin_dir, tmp, []

    def spawn(self, name, args):
        log = open(os.path.join(self.tmp, f"{name}-{len(self.procs)}.log"), "w")
        p = subprocess.Popen([os.path.join(self.bin, name) if "/" not in name and name != "mosquitto"
                              else name, *map(str, args)], stdout=log, stderr=subprocess.STDOUT)
        p.log_path = log.name
        self.procs.append(p)
        return p

    def log(self, p):
        with open(p.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def wrk(url, seconds, headers=()):
    args = ["wrk", "-t1", "-c8", f"-d{seconds}s", "--latency"]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        sys.exit(f"bench-redfish: wrk got {non2xx.group(1)} error answers:\n{out}")
    return rps, p50, p99


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=10)
    args = ap.parse_args()
    bin_dir = os.path.join(args.build_dir, "bin")
    tmp = tempfile.mkdtemp(prefix="bench-redfish-")
    run = Run(bin_dir, tmp)
    try:
        mqtt_port, http_port, auth_port = free_port(), free_port(), free_port()
        conf = os.path.join(tmp, "mosquitto.conf")
        with open(conf, "w") as f:
            # The settings of broker-config/statebus-dev.conf that matter here; set_tcp_nodelay
            # above all (without it a QoS 1 answer waits for a delayed ACK, ~40 ms).
            f.write(f"listener {mqtt_port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    "set_tcp_nodelay true\nmax_queued_messages 100000\n")
        run.spawn("mosquitto", ["-c", conf])
        broker = f"127.0.0.1:{mqtt_port}"
        system = "bench"
        # On tmpfs, as scripts/bench.sh: the coordinator fsyncs state.json before it answers,
        # and the figure is meant to be the bridge's, not this disk's.
        state_dir = tempfile.mkdtemp(prefix="bench-redfish-state-",
                                     dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        run.state_dir = state_dir
        run.spawn("statebus-coordinator", ["--broker", broker, "--system", system, "--nodes", 4,
                                           "--state-dir", state_dir])
        for n in range(1, 5):
            run.spawn("statebus-agent", ["--broker", broker, "--system", system, "--node", n,
                                         "--backend", "sim", "--sim-bmc-ready-ms", 0,
                                         "--sim-power-ms", 50, "--sim-boot-ms", 100])
        accounts = os.path.join(tmp, "accounts")
        subprocess.run([os.path.join(bin_dir, "statebus-redfish-passwd"), accounts, "admin",
                        "Administrator"], input="bench\n", text=True, check=True,
                       capture_output=True)
        plain = run.spawn("statebus-redfish", ["--broker", broker, "--system", system,
                                               "--listen", f"127.0.0.1:{http_port}"])
        authed = run.spawn("statebus-redfish", ["--broker", broker, "--system", system,
                                                "--listen", f"127.0.0.1:{auth_port}",
                                                "--auth", "on", "--accounts", accounts])
        for p in (plain, authed):
            wait_for(lambda: "redfish: connected" in run.log(p), 15, "bridge connection")

        def system_json(port, headers=None):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", "/redfish/v1/Systems/system", headers=headers or {})
            r = c.getresponse()
            return json.loads(r.read()) if r.status == 200 else None
        wait_for(lambda: (system_json(http_port) or {}).get("Oem", {}).get("Statebus", {})
                 .get("PowerOnGate") == "open", 20, "open gate")

        # A session for the authenticated bridge.
        c = http.client.HTTPConnection("127.0.0.1", auth_port, timeout=10)
        c.request("POST", "/redfish/v1/SessionService/Sessions",
                  json.dumps({"UserName": "admin", "Password": "bench"}),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        token = r.getheader("X-Auth-Token")

        url = "/redfish/v1/Systems/system"
        plain_get = wrk(f"http://127.0.0.1:{http_port}{url}", args.seconds)
        auth_get = wrk(f"http://127.0.0.1:{auth_port}{url}", args.seconds,
                       [f"X-Auth-Token: {token}"])

        # Reset latency: the same request (chassis Off, never gated: answered "accepted" at once)
        # over HTTP (POST ForceOff on a keep-alive connection, until the answer) and straight
        # over MQTT v5 (publish with a response topic, until the coordinator's first answer),
        # alternating.
        answers = {}
        got = threading.Condition()
        client = mqtt.Client(client_id="bench-redfish", protocol=mqtt.MQTTv5)

        def on_message(cl, ud, msg):
            cd = msg.properties.CorrelationData if hasattr(msg.properties, "CorrelationData") \
                else None
            with got:
                if cd and cd.decode() not in answers:
                    answers[cd.decode()] = time.perf_counter()
                    got.notify_all()
        client.on_message = on_message
        client.connect("127.0.0.1", mqtt_port)
        # Both clients without Nagle, as statebus's own (mqtt-io sets TCP_NODELAY): else a small
        # write waits for a delayed ACK (40 ms) and that is what would be measured.
        client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reply = f"statebus/{system}/reply/bench"
        client.subscribe(reply, qos=1)
        client.loop_start()
        time.sleep(0.5)  # the subscription settles before the first trial
        h = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        h.connect()
        h.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        http_ms, mqtt_ms = [], []
        for i in range(args.trials):
            t0 = time.perf_counter()
            h.request("POST", "/redfish/v1/Systems/system/Actions/ComputerSystem.Reset",
                      json.dumps({"ResetType": "ForceOff"}), {"Content-Type": "application/json"})
            r = h.getresponse()
            r.read()
            if r.status != 204:
                sys.exit(f"bench-redfish: reset answered {r.status}")
            http_ms.append((time.perf_counter() - t0) * 1000)
            rid = f"bench-{i}"
            props = Properties(PacketTypes.PUBLISH)
            props.ResponseTopic = reply
            props.CorrelationData = rid.encode()
            t0 = time.perf_counter()
            client.publish(f"statebus/{system}/system/set/chassis",
                           json.dumps({"transition": "Off", "id": rid, "reason": "bench"}),
                           qos=1, properties=props)
            with got:
                if not got.wait_for(lambda: rid in answers, 10):
                    sys.exit("bench-redfish: no coordinator answer")
            mqtt_ms.append((answers[rid] - t0) * 1000)
        client.loop_stop()

        def q(v, p):
            return statistics.quantiles(v, n=100)[p - 1]
        print(f"GET {url}, keep-alive, wrk -t1 -c8 -d{args.seconds}s:")
        print(f"  no authentication : {plain_get[0]:,.0f} req/s (p50 {plain_get[1]}, p99 "
              f"{plain_get[2]})")
        print(f"  session token     : {auth_get[0]:,.0f} req/s (p50 {auth_get[1]}, p99 "
              f"{auth_get[2]})")
        print(f"Reset answer, {args.trials} alternating trials (ms):")
        print(f"  HTTP POST ForceOff -> 204       : p50 {q(http_ms, 50):.2f}  p99 "
              f"{q(http_ms, 99):.2f}")
        print(f"  MQTT v5 request -> first answer : p50 {q(mqtt_ms, 50):.2f}  p99 "
              f"{q(mqtt_ms, 99):.2f}")
        errors = [p for p in run.procs[1:] if re.search(r"^<[0-3]>", run.log(p), re.M)]
        if errors:
            sys.exit("bench-redfish: error lines in " + ", ".join(p.log_path for p in errors))
    finally:
        run.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        if getattr(run, "state_dir", None):
            shutil.rmtree(run.state_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
