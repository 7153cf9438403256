# SPDX-License-Identifier: Apache-2.0
"""The seeded fault campaign (issue #13): a real mosquitto, the coordinator and sim agents on
loopback; faults chosen by a seeded random generator; a separate paho subscriber records every
message under the system's root; afterwards campaign_check.py judges the record alone.

Faults: coordinator SIGKILL (also right after a request is published) and SIGSTOP/SIGCONT; agent
SIGKILL (restarted with its --sim-state-file: the hardware carries on) and SIGSTOP/SIGCONT; broker
SIGKILL (also the moment a request arrives) and restart with persistence; single-node BMC reboots;
a system-wide AC loss (every agent killed and restarted with --sim-ac-loss, policy AlwaysOn);
power-restore-delay set to 0, 1 or 3 s (issue #14: the restore's action then waits as a delayed
request, through the same kills); operators' requests of every transition. The action schedule is reproducible from the seed; the
processes' timing is not.

By hand (a long run; the seed is printed first):
    STATEBUS_BIN_DIR=build/bin /usr/bin/python3 test/fault/campaign.py --seed 7 --duration 180
Exit status: 0 with no violation, 1 with violations (listed), 2 when the run itself broke.
"""

import argparse
import collections
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.packettypes import PacketTypes  # noqa: E402
from paho.mqtt.properties import Properties  # noqa: E402

import campaign_check  # noqa: E402
from harness import SANITIZER_MARKERS, Broker, Proc, unique_id, wait_briefly  # noqa: E402

TICK_S = 0.2
HEARTBEAT_MS = 500
TRANSITION_TIMEOUT_MS = 6000
REQUEST_TIMEOUT_MS = 8000
TRANSITIONS = {
    "chassis": ["On", "Off", "PowerCycle"],
    "host": ["On", "Off", "Reboot", "GracefulWarmReboot", "ForceWarmReboot"],
}


class Recorder:
    """Every message under root, with its receive time. A persistent session (the broker saves it
    with its retained store) so that what is published while the recorder reconnects after a
    broker restart is queued for it, not lost; subscribed again after each reconnect anyway."""

    def __init__(self, port, root):
        self.root = root
        self.lock = threading.Lock()
        self.msgs = []
        self.connected = threading.Event()
        self.mqtt = mqtt.Client(client_id=unique_id("recorder"), protocol=mqtt.MQTTv5)
        self.mqtt.on_connect = self._on_connect
        self.mqtt.on_message = self._on_message
        self.mqtt.on_disconnect = lambda *a, **k: self.connected.clear()
        self.mqtt.reconnect_delay_set(0.05, 0.5)
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600
        self.mqtt.connect("127.0.0.1", port, keepalive=10, clean_start=False, properties=props)
        self.mqtt.loop_start()
        if not self.connected.wait(15):
            raise RuntimeError("recorder did not connect")
        self.stopped = False

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        client.subscribe(f"{self.root}/#", qos=1)
        self.connected.set()

    def _on_message(self, client, userdata, message):
        if self.stopped:
            return
        with self.lock:
            self.msgs.append({"t": time.monotonic(), "topic": message.topic,
                              "retain": bool(message.retain), "dup": bool(message.dup),
                              "payload": bytes(message.payload).decode("utf-8", "replace")})

    def events(self, since=0):
        with self.lock:
            msgs = self.msgs[since:]
        out = []
        for m in msgs:
            if m["topic"] == f"{self.root}/event":
                try:
                    out.append(json.loads(m["payload"]))
                except ValueError:
                    pass
        return out

    def save(self, path):
        with self.lock, open(path, "w", encoding="utf-8") as f:
            for m in self.msgs:
                f.write(json.dumps(m) + "\n")

    def close(self):
        self.mqtt.disconnect()
        self.mqtt.loop_stop()


class Campaign:

    def __init__(self, seed, duration_s, nodes, workdir, log):
        self.rng = random.Random(seed)
        self.seed = seed
        self.duration = duration_s
        self.nodes = nodes
        self.dir = workdir
        self.log = log
        self.system = f"fc-{seed}"
        self.root = f"statebus/{self.system}"
        self.procs = []
        self.faults = collections.Counter()
        self.broker = Broker(workdir)
        self.broker.start()
        self.recorder = Recorder(self.broker.port, self.root)
        self.operator = mqtt.Client(client_id=unique_id("operator"), protocol=mqtt.MQTTv5)
        self.operator.reconnect_delay_set(0.05, 0.5)
        self.operator.connect("127.0.0.1", self.broker.port, keepalive=10)
        self.operator.loop_start()
        self.state_dir = os.path.join(workdir, "coordinator-state")
        self.coord = None
        self.agents = {}
        self.stopped = {}  # proc -> monotonic time of its SIGCONT
        self.pending = []  # (monotonic time, callable): restarts due
        self.request_no = 0

    # ---- processes ------------------------------------------------------------------------
    def spawn(self, name, args, tag):
        p = Proc(self.dir, name, args, tag=tag)
        self.procs.append(p)
        return p

    def start_coordinator(self):
        self.coord = self.spawn("statebus-coordinator", [
            "--broker", self.broker.address, "--system", self.system, "--nodes", self.nodes,
            "--state-dir", self.state_dir, "--transition-timeout", TRANSITION_TIMEOUT_MS,
            "--request-timeout", REQUEST_TIMEOUT_MS], "coordinator")

    def start_agent(self, n, ac_loss=False):
        extra = ["--sim-ac-loss"] if ac_loss else []
        self.agents[n] = self.spawn("statebus-agent", [
            "--broker", self.broker.address, "--system", self.system, "--node", n,
            "--backend", "sim", "--sim-bmc-ready-ms", self.rng.randrange(0, 1500),
            "--sim-power-ms", self.rng.randrange(100, 500),
            "--sim-boot-ms", self.rng.randrange(200, 1000), "--heartbeat-ms", HEARTBEAT_MS,
            "--sim-state-file", os.path.join(self.dir, f"sim-{n}.json"), *extra],
            f"agent{n}")

    def later(self, delay_s, fn, tag=None):
        self.pending.append((time.monotonic() + delay_s, fn, tag))

    def stop_for(self, proc, seconds):
        if proc.alive() and proc not in self.stopped:
            proc.signal(signal.SIGSTOP)
            self.stopped[proc] = time.monotonic() + seconds

    def resume_due(self, force=False):
        now = time.monotonic()
        for proc, at in list(self.stopped.items()):
            if force or at <= now:
                proc.signal(signal.SIGCONT)
                del self.stopped[proc]
        for item in list(self.pending):
            if force or item[0] <= now:
                self.pending.remove(item)
                item[1]()

    # ---- actions --------------------------------------------------------------------------
    def publish(self, suffix, payload):
        self.operator.publish(f"{self.root}/{suffix}", json.dumps(payload), qos=1)

    def request(self, target=None, transition=None, nodes=None):
        target = target or self.rng.choice(["chassis", "chassis", "host", "host", "host"])
        transition = transition or self.rng.choice(TRANSITIONS[target])
        self.request_no += 1
        body = {"transition": transition, "id": f"s{self.seed}-{self.request_no}"}
        if nodes:
            body["nodes"] = nodes
        self.publish(f"system/set/{target}", body)
        self.faults[f"request {target}"] += 1

    def kill_coordinator(self):
        if self.coord and self.coord.alive():
            self.stopped.pop(self.coord, None)
            self.coord.kill()
            self.faults["coordinator SIGKILL"] += 1
            self.later(self.rng.uniform(0.3, 2.0), self.start_coordinator)

    def kill_broker(self):
        if not self.broker.proc or self.broker.proc.poll() is not None:
            return
        self.broker.kill()
        self.faults["broker SIGKILL"] += 1
        self.later(self.rng.uniform(0.3, 2.0), self.broker.start)

    def kill_agent(self, n):
        a = self.agents.get(n)
        if a and a.alive():
            self.stopped.pop(a, None)
            a.kill()
            self.faults["agent SIGKILL"] += 1
            self.later(self.rng.uniform(0.3, 3.0), lambda: self.start_agent(n), ("agent", n))

    def ac_loss(self):
        for n, a in self.agents.items():
            self.stopped.pop(a, None)
            a.kill()
        self.pending = [p for p in self.pending if not (p[2] and p[2][0] == "agent")]
        self.faults["AC loss (all nodes)"] += 1
        for n in range(1, self.nodes + 1):
            self.start_agent(n, ac_loss=True)

    def step(self):
        roll = self.rng.random()
        n = self.rng.randrange(1, self.nodes + 1)
        if roll < 0.30:
            self.request()
        elif roll < 0.36:
            self.publish(f"system/set/bmc", {"transition": self.rng.choice(["Reboot",
                                                                             "HardReboot"]),
                                              "id": f"s{self.seed}-b{self.request_no}",
                                              "nodes": [n]})
            self.request_no += 1
            self.faults["BMC reboot"] += 1
        elif roll < 0.42:
            self.kill_agent(n)
        elif roll < 0.48:
            if self.agents.get(n):
                self.stop_for(self.agents[n], self.rng.uniform(0.3, 3.0))
                self.faults["agent SIGSTOP"] += 1
        elif roll < 0.52:
            self.stop_for(self.coord, self.rng.uniform(0.5, 3.0))
            self.faults["coordinator SIGSTOP"] += 1
        elif roll < 0.55:
            self.kill_coordinator()
        elif roll < 0.57:
            # The moment a request arrives: published, and the coordinator killed behind it.
            self.request()
            self.kill_coordinator()
            self.faults["coordinator SIGKILL at a request"] += 1
        elif roll < 0.59:
            self.kill_broker()
        elif roll < 0.605:
            self.request()
            self.kill_broker()
            self.faults["broker SIGKILL at a request"] += 1
        elif roll < 0.615:
            self.ac_loss()
        elif roll < 0.625:
            self.publish("system/settings/power-restore-delay/set",
                         {"value": self.rng.choice([0, 1, 3])})
            self.faults["power-restore-delay set"] += 1

    # ---- the run --------------------------------------------------------------------------
    def wait_until(self, cond, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                return True
            wait_briefly(0.1)
        return False

    def open_requests(self):
        started, ended = set(), set()
        for e in self.recorder.events():
            if "node" in e or not e.get("id"):
                continue
            if e.get("kind") in ("accepted", "queued"):
                started.add(e["id"])
            if e.get("kind") in campaign_check.FINALS:
                ended.add(e["id"])
        return started - ended

    def run(self):
        self.start_coordinator()
        for n in range(1, self.nodes + 1):
            self.start_agent(n)
        # The coordinator online and the system up before the first fault.
        if not self.wait_until(lambda: any(
                m["topic"] == f"{self.root}/system/bmc" and '"Ready"' in m["payload"]
                and '"stale":[]' in m["payload"] for m in list(self.recorder.msgs)), 30):
            raise RuntimeError("the system did not come up")
        self.publish("system/settings/power-restore-policy/set", {"value": "AlwaysOn"})
        self.publish("system/settings/power-restore-delay/set",
                     {"value": self.rng.choice([0, 1, 3])})
        end = time.monotonic() + self.duration
        while time.monotonic() < end:
            self.resume_due()
            self.step()
            wait_briefly(TICK_S)
        # Faults stop: everything runs again; every request must end.
        self.resume_due(force=True)
        if not self.broker.proc or self.broker.proc.poll() is not None:
            self.broker.start()
        if not self.coord.alive():
            self.start_coordinator()
        for n, a in list(self.agents.items()):
            if not a.alive():
                self.start_agent(n)
        # Quiet: no request open for 3 s in a row, each look after a marker's round trip through
        # the broker (what was routed before it is recorded), so a request published in the last
        # tick is not missed.
        quiet_s = (REQUEST_TIMEOUT_MS + TRANSITION_TIMEOUT_MS) / 1000 + 20
        if not self.wait_until(lambda: self.quiet_for(3.0), quiet_s):
            self.log(f"campaign: requests still open after {quiet_s} s: {self.open_requests()}")
        # The rollups settle once every node is online again (none stale).
        self.wait_until(lambda: self.barrier() and self.settled(), 20)

    def barrier(self):
        """A marker published by the operator and seen by the recorder: every message the broker
        routed to the recorder before it is recorded. False when it does not come back in 5 s."""
        self.request_no += 1
        token = f"barrier-{self.seed}-{self.request_no}"
        since = len(self.recorder.msgs)
        self.operator.publish(f"{self.root}/reply/campaign-barrier", token, qos=1)
        return self.wait_until(lambda: any(m["payload"] == token
                                           for m in list(self.recorder.msgs)[since:]), 5)

    def quiet_for(self, hold_s):
        start = time.monotonic()
        while time.monotonic() - start < hold_s:
            if not self.barrier() or self.open_requests():
                return False
            wait_briefly(0.5)
        return True

    def settled(self):
        last = {}
        for m in list(self.recorder.msgs):
            if m["topic"] in (f"{self.root}/system/{k}" for k in ("bmc", "chassis", "host")):
                last[m["topic"]] = m["payload"]
        return len(last) == 3 and all('"stale":[]' in p for p in last.values())

    def close(self):
        # The record ends here: what the shutdown below causes (Wills) is not the system's.
        self.recorder.stopped = True
        self.resume_due(force=True)
        if self.coord:
            self.coord.kill()
        for p in self.procs:
            if p.alive():
                p.signal(signal.SIGCONT)
                p.kill()
        self.operator.disconnect()
        self.operator.loop_stop()
        self.recorder.close()
        self.broker.kill()

    def sanitizer_reports(self):
        return [p.tag for p in self.procs if any(s in p.stderr() for s in SANITIZER_MARKERS)]


def run_campaign(seed, duration_s, nodes, keep_dir=None, log=print):
    """Runs one campaign; returns (violations, counts, faults, record path)."""
    workdir = keep_dir or tempfile.mkdtemp(prefix=f"statebus-campaign-{seed}-")
    os.makedirs(workdir, exist_ok=True)
    os.chmod(workdir, 0o755)
    camp = Campaign(seed, duration_s, nodes, workdir, log)
    record = os.path.join(workdir, "record.jsonl")
    try:
        camp.run()
    finally:
        camp.close()
        camp.recorder.save(record)
    violations, counts = campaign_check.check(record, nodes)
    for tag in camp.sanitizer_reports():
        violations.append(f"sanitizer: report in {tag}")
    crashed = [p.tag for p in camp.procs
               if p.returncode not in (None, 0, -signal.SIGKILL, -signal.SIGTERM)]
    for tag in crashed:
        violations.append(f"crash: {tag} exited {[p.returncode for p in camp.procs if p.tag == tag]}")
    if not violations and not keep_dir:
        shutil.rmtree(workdir, ignore_errors=True)
        record = None
    return violations, counts, dict(camp.faults), record


def main():
    ap = argparse.ArgumentParser(description="statebus seeded fault campaign (issue #13)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--duration", type=float, default=180.0, help="seconds of faults")
    ap.add_argument("--nodes", type=int, default=6)
    ap.add_argument("--keep", metavar="DIR", help="keep logs and the record in DIR")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    print(f"campaign: seed={seed} duration={args.duration} nodes={args.nodes}", flush=True)
    try:
        violations, counts, faults, record = run_campaign(seed, args.duration, args.nodes,
                                                          args.keep)
    except RuntimeError as e:
        print(f"campaign: seed={seed} run broke: {e}")
        return 2
    print(f"campaign: seed={seed} faults={json.dumps(faults, sort_keys=True)}")
    print(f"campaign: seed={seed} checked={json.dumps(counts, sort_keys=True)}")
    for v in violations:
        print(f"campaign: seed={seed} VIOLATION {v}")
    print(f"campaign: seed={seed} {'FAILED' if violations else 'ok'} violations={len(violations)}"
          + (f" record={record}" if record else ""), flush=True)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
