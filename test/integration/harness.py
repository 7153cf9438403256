# SPDX-License-Identifier: Apache-2.0
"""Integration test harness: a real mosquitto on a free loopback port, the statebus binaries
as subprocesses, and paho-mqtt clients that record every message.

paho (Debian's python3-paho-mqtt 1.6.1) is deliberately not libmosquitto: the tests check the
contract with an independent MQTT implementation. Run with /usr/bin/python3 (a pyenv python3
cannot import Debian's packages).

Rules the harness enforces so tests stay parallel-safe (ctest -j2) and honest:
- every test gets its own broker (own port, own temp dir), own system id and unique client ids;
- waits are conditions with a deadline (Client.wait_for), never a bare sleep;
- every process a test started is killed on teardown; temp dirs are removed;
- a failed test prints the logs of every process and of the broker;
- a sanitizer report in any process log fails the test.
"""

import itertools
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import uuid
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = (os.environ.get("STATEBUS_SOURCE_DIR")
              or os.path.normpath(os.path.join(HERE, "..", "..")))
BIN_DIR = os.environ.get("STATEBUS_BIN_DIR") or os.path.join(SOURCE_DIR, "build", "bin")
DEV_CONF = os.path.join(SOURCE_DIR, "broker-config", "statebus-dev.conf")
SCHEMA_DIR = os.path.join(SOURCE_DIR, "topics", "schema")

# Bounds used across tests (seconds). Generous for a 2-core machine running two sanitizer builds.
START_TIMEOUT = 15.0
EVENT_TIMEOUT = 20.0
# keepalive 5: the 2.0.x broker drops a silent client after 1.5 x keepalive, scanning every ~6 s.
LWT_BOUND = 16.0

# The rollups every test waits for (hypervisor comes with power restore) and the end of a
# completed power-on.
ROLLUPS = ("bmc", "chassis", "host", "boot-progress")
FINAL = {"bmc": "Ready", "chassis": "On", "host": "Running", "boot-progress": "OSRunning"}

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "SUMMARY: UndefinedBehaviorSanitizer")

_ids = itertools.count(1)


def unique_id(prefix):
    """A client id no other test or process uses (session takeover would fire the old Will)."""
    return f"{prefix}-{os.getpid()}-{next(_ids)}-{uuid.uuid4().hex[:6]}"


def now_ms():
    return int(time.time() * 1000)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _chown_to_mosquitto(path):
    """As root, mosquitto drops to the mosquitto user before it writes its db and log."""
    if os.geteuid() != 0:
        return
    try:
        pw = pwd.getpwnam("mosquitto")
    except KeyError:
        return
    os.chown(path, pw.pw_uid, pw.pw_gid)


def derive_broker_config(port, directory):
    """statebus-dev.conf with the listener port, persistence location and log destination
    substituted. Every substitution must apply: a changed dev config fails loudly here."""
    with open(DEV_CONF, encoding="utf-8") as f:
        text = f.read()
    subs = [
        (r"(?m)^listener 1883 127\.0\.0\.1$", f"listener {port} 127.0.0.1"),
        (r"(?m)^persistence_location .*$", f"persistence_location {directory}/"),
        (r"(?m)^log_dest stderr$", f"log_dest file {directory}/mosquitto.log"),
    ]
    for pattern, repl in subs:
        text, n = re.subn(pattern, repl, text)
        if n != 1:
            raise RuntimeError(f"{DEV_CONF}: expected one line matching {pattern!r}, found {n}")
    return text


class Broker:
    """A mosquitto from broker-config/statebus-dev.conf on a free 127.0.0.1 port."""

    def __init__(self, directory):
        self.dir = os.path.join(directory, "broker")
        os.makedirs(self.dir)
        _chown_to_mosquitto(self.dir)
        self.port = None
        self.proc = None
        self.conf = os.path.join(self.dir, "mosquitto.conf")
        self.log = os.path.join(self.dir, "mosquitto.log")
        self.stdio = os.path.join(self.dir, "mosquitto.stdio")

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def start(self):
        """Start on a new free port (retried: another process may take the port between our
        probe and the broker's bind), or on the same port when restarting."""
        attempts = 1 if self.port else 5
        for _ in range(attempts):
            if self.port is None or attempts > 1:
                self.port = free_port()
            with open(self.conf, "w", encoding="utf-8") as f:
                f.write(self.config_text())
            if self._spawn_and_wait():
                return
        raise RuntimeError(f"mosquitto did not start:\n{read_tail(self.stdio)}\n"
                           f"{read_tail(self.log)}")

    def config_text(self):
        """The config for this start (port and directory chosen); a subclass may derive it from
        another template (test_security.py: the production config)."""
        return derive_broker_config(self.port, self.dir)

    def _spawn_and_wait(self):
        with open(self.stdio, "ab") as out:
            self.proc = subprocess.Popen(["mosquitto", "-c", self.conf], stdout=out, stderr=out,
                                         stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                # A connect alone could reach someone else's listener on a reused port; the
                # broker's own process must still be running after it, and must have logged the
                # listener, for this to count.
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                if self.proc.poll() is None and f"on port {self.port}" in read_tail(self.log, 50):
                    return True
            except OSError:
                pass
            wait_briefly(0.02)
        self.kill()
        return False

    def stop(self):
        """Graceful stop: the broker publishes the Will of every connected client and saves."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def kill(self):
        """kill -9: no Wills, retained state as of the last autosave (<= 1 s old)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self, hard=False):
        """Stop (or kill -9) and start again on the same port with the same persistence."""
        if hard:
            # Give autosave (1 s) the chance to store what is retained now.
            self.force_save()
            self.kill()
        else:
            self.stop()
        self.start()

    def force_save(self):
        """SIGUSR1 makes mosquitto write its db now; wait until the log says so."""
        if not self.proc or self.proc.poll() is not None:
            return
        before = read_tail(self.log, 100000).count("Saving in-memory database")
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if read_tail(self.log, 100000).count("Saving in-memory database") > before:
                return
            wait_briefly(0.02)


def wait_briefly(seconds):
    """The one place the harness pauses: between polls of a condition that offers no event to
    wait on (a process starting to listen, a log line). Always inside a loop with a deadline."""
    threading.Event().wait(seconds)


def read_tail(path, lines=200):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


class Proc:
    """A statebus binary from $STATEBUS_BIN_DIR; stdout and stderr go to per-process files."""

    def __init__(self, directory, name, args, tag=None, env=None):
        self.name = name
        self.tag = tag or name
        self.args = [str(a) for a in args]
        path = os.path.join(BIN_DIR, name)
        if not os.access(path, os.X_OK):
            raise AssertionError(f"{path} is not built (STATEBUS_BIN_DIR={BIN_DIR})")
        base = os.path.join(directory, f"{self.tag}-{next(_ids)}")
        self.stderr_path = base + ".stderr"
        self.stdout_path = base + ".stdout"
        full_env = dict(os.environ)
        full_env.update(env or {})
        with open(self.stderr_path, "wb") as err, open(self.stdout_path, "wb") as out:
            self.popen = subprocess.Popen([path] + self.args, stdout=out, stderr=err,
                                          stdin=subprocess.DEVNULL, env=full_env)
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def signal(self, sig):
        if self.alive():
            self.popen.send_signal(sig)

    def kill(self):
        """SIGKILL and reap."""
        if self.alive():
            self.popen.kill()
        self.popen.wait(10)

    def wait(self, timeout):
        """Exit code; raises subprocess.TimeoutExpired after timeout seconds."""
        return self.popen.wait(timeout)

    @property
    def returncode(self):
        return self.popen.returncode

    def stderr(self):
        return read_tail(self.stderr_path, 100000)

    def stdout(self):
        return read_tail(self.stdout_path, 100000)


@dataclass
class Msg:
    topic: str
    payload: bytes
    retain: bool
    qos: int
    props: dict
    time: float  # time.monotonic() at receipt
    index: int
    _json: object = field(default=None, repr=False)
    _parsed: bool = field(default=False, repr=False)

    @property
    def json(self):
        """The payload as JSON, or None when it is not JSON."""
        if not self._parsed:
            self._parsed = True
            try:
                self._json = json.loads(self.payload.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                self._json = None
        return self._json

    def get(self, key, default=None):
        """A top-level field of a JSON object payload; default for anything else."""
        j = self.json
        return j.get(key, default) if isinstance(j, dict) else default

    def __str__(self):
        text = self.payload[:300].decode("utf-8", errors="replace")
        return f"#{self.index} {self.topic} r={int(self.retain)} q={self.qos} {text}"


def kind_of(m):
    """An event message's kind, or None."""
    return m.json.get("kind") if isinstance(m.json, dict) else None


def topic_matches(filt, topic):
    return mqtt.topic_matches_sub(filt, topic)


class Client:
    """A paho client (MQTT v5 or v3.1.1) that records every message it receives."""

    def __init__(self, port, protocol=5, client_id=None, name="client", tls=None,
                 credentials=None):
        self.name = name
        self.client_id = client_id or unique_id(name)
        self.protocol = mqtt.MQTTv5 if protocol == 5 else mqtt.MQTTv311
        self.cond = threading.Condition()
        self.messages = []
        self.connected = False
        self.mqtt = mqtt.Client(client_id=self.client_id, protocol=self.protocol)
        self.mqtt.on_connect = self._on_connect
        self.mqtt.on_disconnect = self._on_disconnect
        self.mqtt.on_message = self._on_message
        self.mqtt.on_subscribe = self._on_subscribe
        # contract.md "Broker settings": Nagle costs 44 ms per QoS 1 hop.
        self.mqtt.on_socket_open = lambda c, u, sock: sock.setsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.subacks = {}
        self.port = port
        if tls:
            # paho's tls_set() arguments (ca_certs, certfile, keyfile): a TLS broker.
            self.mqtt.tls_set(**tls)
        if credentials:
            self.mqtt.username_pw_set(*credentials)  # (username, password)
        self.mqtt.connect("127.0.0.1", port, keepalive=30)
        self.mqtt.loop_start()
        self.wait_for(lambda _: self.connected, START_TIMEOUT, f"{self.name} connected")

    # paho callbacks run on paho's network thread.
    def _on_connect(self, client, userdata, flags, rc, properties=None):
        with self.cond:
            self.connected = rc == 0
            self.cond.notify_all()

    def _on_disconnect(self, client, userdata, rc, properties=None):
        with self.cond:
            self.connected = False
            self.cond.notify_all()

    def _on_subscribe(self, client, userdata, mid, granted, properties=None):
        with self.cond:
            self.subacks[mid] = granted
            self.cond.notify_all()

    def _on_message(self, client, userdata, message):
        props = {}
        p = getattr(message, "properties", None)
        if p is not None:
            for name in ("ResponseTopic", "CorrelationData", "MessageExpiryInterval",
                         "ContentType"):
                if hasattr(p, name):
                    props[name] = getattr(p, name)
        with self.cond:
            self.messages.append(Msg(topic=message.topic, payload=bytes(message.payload),
                                     retain=bool(message.retain), qos=message.qos, props=props,
                                     time=time.monotonic(), index=len(self.messages)))
            self.cond.notify_all()

    def close(self):
        try:
            self.mqtt.disconnect()
        finally:
            self.mqtt.loop_stop()

    def subscribe(self, *filters, qos=1):
        for filt in filters:
            rc, mid = self.mqtt.subscribe(filt, qos)
            if rc != mqtt.MQTT_ERR_SUCCESS:
                raise AssertionError(f"{self.name}: subscribe {filt}: rc={rc}")
            self.wait_for(lambda _: mid in self.subacks, START_TIMEOUT, f"SUBACK for {filt}")
        return self

    def publish(self, topic, payload, qos=1, retain=False, response_topic=None,
                correlation_data=None):
        """Publish and, for QoS 1, wait for the PUBACK. payload: bytes, str or a JSON value."""
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload)
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        props = None
        if response_topic is not None or correlation_data is not None:
            if self.protocol != mqtt.MQTTv5:
                raise ValueError("properties need MQTT v5")
            props = Properties(PacketTypes.PUBLISH)
            if response_topic is not None:
                props.ResponseTopic = response_topic
            if correlation_data is not None:
                props.CorrelationData = correlation_data
        info = self.mqtt.publish(topic, payload, qos=qos, retain=retain, properties=props)
        if qos > 0:
            info.wait_for_publish(START_TIMEOUT)
            if not info.is_published():
                raise AssertionError(f"{self.name}: no PUBACK for {topic} within {START_TIMEOUT} s")
        return info

    def clear_retained(self, topic):
        self.publish(topic, b"", retain=True)

    # ---- queries over what was received --------------------------------------------------
    def mark(self):
        """Index of the next message; pass as since= to look only at later ones."""
        with self.cond:
            return len(self.messages)

    def received(self, filt="#", since=0, pred=None):
        with self.cond:
            msgs = list(self.messages[since:])
        return [m for m in msgs if topic_matches(filt, m.topic) and (pred is None or pred(m))]

    def wait_for(self, cond, timeout, what):
        """Wait until cond(messages) is truthy (evaluated on every message) and return its value;
        fail with what and the last messages when timeout seconds pass first."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = cond(self.messages)
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    recent = "\n  ".join(str(m) for m in self.messages[-25:])
                    raise AssertionError(f"{self.name}: timed out after {timeout} s waiting for "
                                         f"{what}; last messages:\n  {recent}")
                self.cond.wait(left)

    def assert_none_for(self, filt, pred, seconds, since=0, what=None):
        """Fail as soon as a message matching filt and pred arrives within seconds. For what must
        not happen in a time-driven window (a keepalive expiring), where no barrier can tell."""
        def find(msgs):
            return next((m for m in msgs[since:] if topic_matches(filt, m.topic)
                         and (pred is None or pred(m))), None)
        deadline = time.monotonic() + seconds
        with self.cond:
            while True:
                hit = find(self.messages)
                if hit:
                    raise AssertionError(f"{self.name}: unexpected {what or filt}: {hit}")
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self.cond.wait(left)

    def wait_msg(self, filt, pred=None, timeout=EVENT_TIMEOUT, since=0, what=None):
        """The first message matching filt (and pred, given the Msg) at index >= since."""
        def find(msgs):
            for m in msgs[since:]:
                if topic_matches(filt, m.topic) and (pred is None or pred(m)):
                    return m
            return None
        return self.wait_for(find, timeout, what or f"a message on {filt}")

    def wait_json(self, filt, timeout=EVENT_TIMEOUT, since=0, what=None, **fields):
        """The first JSON message on filt whose payload has every given field value."""
        def pred(m):
            j = m.json
            return isinstance(j, dict) and all(j.get(k) == v for k, v in fields.items())
        return self.wait_msg(filt, pred, timeout, since,
                             what or f"{filt} with {fields}")

    def barrier(self, topic):
        """Round-trip a marker through the broker: every message the broker had routed to us
        before it handled the marker has then been received. Used to check that something did
        NOT happen without sleeping."""
        token = uuid.uuid4().hex
        self.subscribe(topic)
        mark = self.mark()
        self.publish(topic, token, qos=1)
        self.wait_msg(topic, lambda m: m.payload == token.encode(), START_TIMEOUT, since=mark,
                      what="barrier marker")


class IntegrationTest(unittest.TestCase):
    """Base class: a fresh broker, system id and temp dir per test; cleanup of everything."""

    start_broker = True

    def _problems(self):
        """Failures and errors the runner recorded so far (Python 3.11 records them as they
        happen, before cleanups run); -1 when that cannot be seen, so logs are always shown."""
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result is None or not hasattr(result, "failures"):
            return -1
        return len(result.failures) + len(result.errors)

    def setUp(self):
        self._problems_at_start = self._problems() if self._problems() >= 0 else -2
        self.tmp = tempfile.mkdtemp(prefix="statebus-it-")
        os.chmod(self.tmp, 0o755)
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.procs = []
        self.clients = []
        self.system = "it-" + uuid.uuid4().hex[:8]
        self.root = f"statebus/{self.system}"
        self.broker = Broker(self.tmp)
        self.addCleanup(self._teardown_everything)
        if self.start_broker:
            self.broker.start()

    # ---- processes ----------------------------------------------------------------------
    def spawn(self, name, args, tag=None, env=None):
        p = Proc(self.tmp, name, args, tag=tag, env=env)
        self.procs.append(p)
        return p

    def agent(self, node, bmc_ready_ms=0, power_ms=200, boot_ms=600, heartbeat_ms=1000,
              extra=()):
        args = ["--broker", self.broker.address, "--system", self.system, "--node", node,
                "--backend", "sim", "--sim-bmc-ready-ms", bmc_ready_ms,
                "--sim-power-ms", power_ms, "--sim-boot-ms", boot_ms,
                "--heartbeat-ms", heartbeat_ms, *extra]
        return self.spawn("statebus-agent", args, tag=f"agent{node}")

    def coordinator(self, nodes, state_dir=None, extra=()):
        state_dir = state_dir or os.path.join(self.tmp, "coordinator-state")
        args = ["--broker", self.broker.address, "--system", self.system, "--nodes", nodes,
                "--state-dir", state_dir, *extra]
        return self.spawn("statebus-coordinator", args, tag="coordinator")

    def ctl(self, args, timeout=60):
        """Run statebusctl to completion: (exit code, stdout, stderr)."""
        p = self.spawn("statebusctl",
                       ["--broker", self.broker.address, "--system", self.system, *args],
                       tag="statebusctl")
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            self.fail(f"statebusctl {args} did not exit within {timeout} s:\n{p.stdout()}"
                      f"\n{p.stderr()}")
        return rc, p.stdout(), p.stderr()

    def client(self, protocol=5, name="client", subscribe=()):
        c = Client(self.broker.port, protocol=protocol, name=name)
        self.clients.append(c)
        if subscribe:
            c.subscribe(*subscribe)
        return c

    # ---- contract helpers -----------------------------------------------------------------
    def t(self, suffix):
        return f"{self.root}/{suffix}"

    def wait_node_online(self, watcher, node, since=0, timeout=START_TIMEOUT, epoch=None):
        """The node's live status online (its birth is complete: states come before it)."""
        def pred(m):
            j = m.json
            return (isinstance(j, dict) and j.get("status") == "online"
                    and (epoch is None or j.get("epoch") == epoch))
        return watcher.wait_msg(self.t(f"node/{node}/status"), pred, timeout, since,
                                f"node {node} online")

    def wait_bmc_ready(self, watcher, node, since=0, timeout=START_TIMEOUT):
        return watcher.wait_json(self.t(f"node/{node}/bmc"), timeout, since,
                                 f"node {node} BMC Ready", state="Ready")

    def wait_gate_sees_ready(self, watcher, nodes, since=0, timeout=START_TIMEOUT):
        """Until the coordinator itself counts nodes as Ready (online, verified, BMC Ready): its
        system/bmc rollup shows them Ready and not stale. A node's own bmc topic says Ready before
        its status says online (the birth publishes states first), so that alone is too early."""
        want = {str(n) for n in nodes}

        def sees(m):
            shown = m.get("nodes", {})
            stale = {str(n) for n in m.get("stale", [])}
            return all(shown.get(n) == "Ready" for n in want) and not (want & stale)
        return watcher.wait_msg(self.t("system/bmc"), sees, timeout=timeout, since=since,
                                what=f"coordinator counting nodes {sorted(nodes)} Ready")

    def wait_coordinator_online(self, watcher, since=0, timeout=START_TIMEOUT):
        return watcher.wait_json(self.t("system/status"), timeout, since,
                                 "coordinator online", status="online")

    def wait_log(self, proc, pattern, timeout=START_TIMEOUT):
        """Until a line of proc's stderr matches pattern (a regex), polled with a deadline."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, proc.stderr(), re.M):
                return
            if not proc.alive():
                break
            wait_briefly(0.05)
        self.fail(f"{proc.tag}: no log line matching {pattern!r} within {timeout} s "
                  f"(rc {proc.returncode}):\n{proc.stderr()}")

    def assert_logs_clean(self, proc):
        """contract.md: one line per event with a syslog priority prefix."""
        text = proc.stderr()
        for line in text.splitlines():
            if any(s in line for s in SANITIZER_MARKERS):
                break
            self.assertRegex(line, r"^<[0-7]>", f"{proc.tag}: log line without priority")

    # ---- coordinator helpers --------------------------------------------------------------
    def watcher(self, name="watcher", protocol=5):
        """Subscribed to everything under the system's root before anything starts."""
        return self.client(protocol=protocol, name=name, subscribe=[self.t("#")])

    def start_coordinator(self, watcher, nodes, **kw):
        mark = watcher.mark()
        coord = self.coordinator(nodes, **kw)
        online = self.wait_coordinator_online(watcher, since=mark)
        return coord, online

    def events_for(self, watcher, rid, since=0):
        return [m for m in watcher.received(self.t("event"), since)
                if isinstance(m.json, dict) and m.json.get("id") == rid]

    def commands_for(self, watcher, rid):
        """{node: [Msg]} of every set/ command carrying request id rid, over the whole test."""
        out = {}
        for m in watcher.received(self.t("node/+/set/+")):
            if isinstance(m.json, dict) and m.json.get("id") == rid:
                out.setdefault(int(m.topic.split("/")[3]), []).append(m)
        return out

    def wait_rollup(self, watcher, kind, state, since=0, timeout=EVENT_TIMEOUT, **fields):
        def pred(m):
            j = m.json
            return (isinstance(j, dict) and j.get("state") == state
                    and all(j.get(k) == v for k, v in fields.items()))
        return watcher.wait_msg(self.t(f"system/{kind}"), pred, timeout, since,
                                f"system/{kind} {state} {fields}")

    def wait_final_rollups(self, watcher, since=0, timeout=EVENT_TIMEOUT):
        return {k: self.wait_rollup(watcher, k, FINAL[k], since, timeout, mixed=False, stale=[])
                for k in ROLLUPS}

    def retained_snapshot(self, topics):
        """Payload of every retained message on topics, from a fresh subscriber."""
        late = self.client(name="snapshot", subscribe=list(topics))

        def complete(msgs):
            got = {m.topic: m.payload for m in msgs if m.retain}
            return got if set(got) >= set(topics) else None
        snap = late.wait_for(complete, START_TIMEOUT, f"retained {topics}")
        late.close()
        self.clients.remove(late)
        return snap

    def start_ready_system(self, nodes, watcher=None, coordinator_extra=(), **agent_kw):
        """Coordinator plus nodes agents whose BMCs are Ready at once; returns when the system
        BMC rollup says Ready (the gate is open)."""
        watcher = watcher or self.watcher()
        coord, _ = self.start_coordinator(watcher, nodes, extra=coordinator_extra)
        agents = {n: self.agent(n, **agent_kw) for n in range(1, nodes + 1)}
        self.wait_rollup(watcher, "bmc", "Ready", stale=[])
        return watcher, coord, agents

    # ---- teardown -------------------------------------------------------------------------
    def _teardown_everything(self):
        failed = self._problems() != self._problems_at_start
        for c in self.clients:
            try:
                c.close()
            except Exception:  # noqa: BLE001 - teardown must go on
                pass
        for p in self.procs:
            if p.alive():
                p.kill()
        self.broker.kill()
        sanitizer = [p for p in self.procs if any(s in p.stderr() for s in SANITIZER_MARKERS)]
        if failed or sanitizer:
            self._dump_logs()
        if sanitizer and not failed:
            # Turn a sanitizer report in any process into a test failure.
            raise AssertionError("sanitizer report in: " + ", ".join(p.tag for p in sanitizer))

    def _dump_logs(self):
        import sys
        out = [f"\n===== logs of {self.id()} (system {self.system}, broker port "
               f"{self.broker.port}) ====="]
        for p in self.procs:
            out.append(f"----- {p.tag} (pid {p.pid}, rc {p.returncode}) {' '.join(p.args)}")
            out.append(read_tail(p.stderr_path, 150))
            stdout = read_tail(p.stdout_path, 60)
            if stdout:
                out.append(f"----- {p.tag} stdout")
                out.append(stdout)
        out.append("----- mosquitto")
        out.append(read_tail(self.broker.log, 80))
        sys.stderr.write("\n".join(out) + "\n")
