# SPDX-License-Identifier: Apache-2.0
"""Fault-test hosts in network namespaces (label "fault").

Each test builds its own small network: one namespace holding only a bridge (the switch), and one
namespace per host (a broker, the coordinator, each node, the operator), joined to the switch by
a veth pair. Addresses are ULA fd00:5b::/64 with nodad, only inside those namespaces; nothing is
added to the root namespace (where an address or route could reach a real network). Cutting a
host's link is `ip -n <switch> link set <port> down`: its TCP connections go silent, exactly as
a pulled cable, so the broker's keepalive and the coordinator's heartbeat liveness are what
notice it.

Namespace names carry this process's pid and a random tag, so parallel ctest runs never collide;
everything a test creates is removed in its cleanup, even when it fails, and namespaces left by
a run that was killed outright (its pid is gone) are removed by the next one.

The processes run under `ip netns exec` (which execs: the pid is the daemon's). The test's own
paho clients join a namespace through setns(2) on the creating thread: the socket and paho's
network thread are born there (Python 3.11 has no os.setns, hence ctypes).

Reuses test/integration/harness.py: its Client, waits, helpers and teardown (logs of every
process on failure, a sanitizer report in any process log fails the test).
"""

import atexit
import contextlib
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import paho.mqtt.client as mqtt  # noqa: E402

import harness  # noqa: E402
from harness import (BIN_DIR, SOURCE_DIR, START_TIMEOUT, Client, IntegrationTest,  # noqa: E402
                     Proc, read_tail, unique_id, wait_briefly)

SKIP = 77
PREFIX = "sbf"
SUBNET = "fd00:5b::"
MQTT_PORT = 1883
CLONE_NEWNET = 0x40000000
DEV_CONF = os.path.join(SOURCE_DIR, "broker-config", "statebus-dev.conf")

_libc = ctypes.CDLL("libc.so.6", use_errno=True)


def ip(*args, check=True):
    """Runs ip(8); returns its stdout. Raises with its stderr when check and it fails."""
    p = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and p.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: rc={p.returncode}: {p.stderr.strip()}")
    return p.stdout


def netns_unavailable_reason():
    """None when this process may create network namespaces, else why not (for the skip line)."""
    if shutil.which("ip") is None:
        return "ip(8) (iproute2) is not installed"
    if shutil.which("mosquitto") is None:
        return "mosquitto is not installed"
    probe = f"{PREFIX}{os.getpid()}-probe"
    p = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if p.returncode != 0:
        return f"network namespaces are not permitted here ({p.stderr.strip() or p.returncode})"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def main(module_name):
    """Entry point of every fault test file: SKIP (77) with a clear line where namespaces are
    not permitted, else the file's unittest cases; 0 when they passed."""
    import unittest
    reason = netns_unavailable_reason()
    if reason:
        print(f"SKIP: {module_name}: {reason}")
        sys.exit(SKIP)
    # A SIGTERM (a time-out) ends the test as a failure, so its cleanups still remove what it
    # made; atexit removes any topology whose cleanup did not run.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(f"{module_name}: terminated"))
    atexit.register(_destroy_all)
    module = sys.modules["__main__"]
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


@contextlib.contextmanager
def in_netns(name):
    """The calling thread's network namespace is name inside the block; sockets and threads
    created there stay in it after the block."""
    origin = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {name}: {os.strerror(err)}")
        try:
            yield
        finally:
            if _libc.setns(origin, CLONE_NEWNET) != 0:
                err = ctypes.get_errno()
                raise OSError(err, f"setns back: {os.strerror(err)}")
    finally:
        os.close(target)
        os.close(origin)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_pids_in(ns):
    """SIGKILLs every process still in namespace ns (only ever ours: it was made for one test)."""
    for line in ip("netns", "pids", ns, check=False).split():
        try:
            os.kill(int(line), signal.SIGKILL)
        except (ValueError, ProcessLookupError):
            pass


def sweep_stale_namespaces():
    """Removes namespaces of earlier fault-test runs whose process is gone (a run killed by a
    ctest time-out cannot clean up after itself)."""
    for line in ip("netns", "list", check=False).splitlines():
        name = line.split()[0] if line.strip() else ""
        m = re.match(rf"^{PREFIX}(\d+)-", name)
        if m and not _pid_alive(int(m.group(1))):
            _kill_pids_in(name)
            ip("netns", "del", name, check=False)


_live_topologies = []


def _destroy_all():
    for topology in list(_live_topologies):
        topology.destroy()


class Topology:
    """A switch namespace and host namespaces joined to it. Host i gets fd00:5b::<i>."""

    def __init__(self):
        sweep_stale_namespaces()
        _live_topologies.append(self)
        self.tag = f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.switch = f"{self.tag}-sw"
        self.hosts = {}  # role -> (namespace, address)
        self.created = []
        self._add_ns(self.switch)
        ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
        ip("-n", self.switch, "link", "set", "br0", "up")

    def _add_ns(self, name):
        ip("netns", "add", name)
        self.created.append(name)
        ip("-n", name, "link", "set", "lo", "up")

    def host(self, role):
        """The namespace of host role (created on first use) and its address."""
        if role in self.hosts:
            return self.hosts[role]
        ns = f"{self.tag}-{role}"
        address = f"{SUBNET}{len(self.hosts) + 1:x}"
        self._add_ns(ns)
        port = self.port(role)
        # Made inside the switch namespace, the peer moved straight into the host's: no
        # interface ever exists in the root namespace.
        ip("-n", self.switch, "link", "add", port, "type", "veth", "peer", "name", "eth0",
           "netns", ns)
        ip("-n", self.switch, "link", "set", port, "master", "br0", "up")
        ip("-n", ns, "-6", "addr", "add", f"{address}/64", "dev", "eth0", "nodad")
        ip("-n", ns, "link", "set", "eth0", "up")
        self.hosts[role] = (ns, address)
        return self.hosts[role]

    def port(self, role):
        """The switch port of role's link (interface names have 15 characters at most)."""
        return f"p-{role}"[:15]

    def cut(self, role):
        """Pulls role's cable: nothing gets through in either direction, no RST, no FIN."""
        ip("-n", self.switch, "link", "set", self.port(role), "down")

    def restore(self, role):
        ip("-n", self.switch, "link", "set", self.port(role), "up")

    def destroy(self):
        for ns in reversed(self.created):
            _kill_pids_in(ns)
            ip("netns", "del", ns, check=False)
        self.created = []
        if self in _live_topologies:
            _live_topologies.remove(self)


class NsProc(Proc):
    """A program run inside a namespace with `ip netns exec` (which execs: pid is the program's).
    name is a statebus binary from $STATEBUS_BIN_DIR, or an absolute path."""

    def __init__(self, directory, ns, name, args, tag=None, env=None):
        self.name = name
        self.tag = tag or name
        self.args = [str(a) for a in args]
        path = name if os.path.isabs(name) else os.path.join(BIN_DIR, name)
        if not os.access(path, os.X_OK):
            raise AssertionError(f"{path} is not executable (STATEBUS_BIN_DIR={BIN_DIR})")
        base = os.path.join(directory, f"{self.tag}-{next(harness._ids)}")
        self.stderr_path = base + ".stderr"
        self.stdout_path = base + ".stdout"
        full_env = dict(os.environ)
        full_env.update(env or {})
        with open(self.stderr_path, "wb") as err, open(self.stdout_path, "wb") as out:
            self.popen = subprocess.Popen(["ip", "netns", "exec", ns, path] + self.args,
                                          stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                          env=full_env)
        self.pid = self.popen.pid


def derive_conf(template, subs):
    """template's text with every (regex, replacement) applied exactly once: a changed shipped
    config fails loudly here instead of being tested half-substituted."""
    with open(template, encoding="utf-8") as f:
        text = f.read()
    for pattern, repl in subs:
        text, n = re.subn(pattern, repl, text)
        if n != 1:
            raise RuntimeError(f"{template}: expected one line matching {pattern!r}, found {n}")
    return text


class NsBroker:
    """A mosquitto inside a namespace, listening on that host's address, with persistence in its
    own directory (so a restart finds its retained state)."""

    def __init__(self, test, role, template=DEV_CONF, extra_subs=()):
        self.test = test
        self.role = role
        self.ns, self.host = test.net.host(role)
        self.dir = os.path.join(test.tmp, f"broker-{role}")
        os.makedirs(self.dir)
        harness._chown_to_mosquitto(self.dir)
        self.conf = os.path.join(self.dir, "mosquitto.conf")
        self.log = os.path.join(self.dir, "mosquitto.log")
        subs = [
            (r"(?m)^listener 1883 \S+$", f"listener {MQTT_PORT} {self.host}"),
            (r"(?m)^persistence_location .*$", f"persistence_location {self.dir}/"),
            (r"(?m)^log_dest stderr$", f"log_dest file {self.log}"),
            *extra_subs,
        ]
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(derive_conf(template, subs))
        self.proc = None

    @property
    def address(self):
        """For --broker: "[v6]:port"."""
        return f"[{self.host}]:{MQTT_PORT}"

    def start(self):
        opened = read_tail(self.log, 100000).count(f"listen socket on port {MQTT_PORT}")
        self.proc = NsProc(self.test.tmp, self.ns, shutil.which("mosquitto"), ["-c", self.conf],
                           tag=f"mosquitto-{self.role}")
        self.test.procs.append(self.proc)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if not self.proc.alive():
                break
            if read_tail(self.log, 100000).count(f"listen socket on port {MQTT_PORT}") > opened:
                return self
            wait_briefly(0.02)
        raise AssertionError(f"mosquitto ({self.role}) did not start:\n{read_tail(self.log)}\n"
                             f"{self.proc.stderr()}")

    def kill(self):
        """kill -9: no Wills, retained state as of the last save."""
        if self.proc:
            self.proc.kill()

    def force_save(self):
        """SIGUSR1: mosquitto writes its database now; returns once the log says so."""
        before = read_tail(self.log, 100000).count("Saving in-memory database")
        self.proc.signal(signal.SIGUSR1)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if read_tail(self.log, 100000).count("Saving in-memory database") > before:
                return
            wait_briefly(0.02)
        raise AssertionError(f"mosquitto ({self.role}) did not save:\n{read_tail(self.log)}")


class NsClient(Client):
    """harness.Client connected from inside a namespace to a broker there (Client itself always
    dials 127.0.0.1). paho's network thread is started inside too, so its reconnects stay there."""

    def __init__(self, ns, broker, protocol=5, name="client"):
        self.name = name
        self.client_id = unique_id(name)
        self.protocol = mqtt.MQTTv5 if protocol == 5 else mqtt.MQTTv311
        self.cond = threading.Condition()
        self.messages = []
        self.connected = False
        self.subacks = {}
        self.port = MQTT_PORT
        self.mqtt = mqtt.Client(client_id=self.client_id, protocol=self.protocol)
        self.mqtt.on_connect = self._on_connect
        self.mqtt.on_disconnect = self._on_disconnect
        self.mqtt.on_message = self._on_message
        self.mqtt.on_subscribe = self._on_subscribe
        self.mqtt.on_socket_open = lambda c, u, sock: sock.setsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.mqtt.reconnect_delay_set(0.1, 1)
        with in_netns(ns):
            self.mqtt.connect(broker.host, MQTT_PORT, keepalive=30)
            self.mqtt.loop_start()
        self.wait_for(lambda _: self.connected, START_TIMEOUT, f"{self.name} connected")


class FaultTest(IntegrationTest):
    """IntegrationTest on namespace hosts: self.net is the topology, self.broker_at(role) a broker
    on host role; agent(), coordinator(), ctl() and watcher() take the host and broker to use."""

    start_broker = False

    def setUp(self):
        self.net = None
        self.brokers = []
        # Registered first, so it runs last: after the harness killed every process.
        self.addCleanup(self._destroy_topology)
        super().setUp()
        self.net = Topology()

    def _destroy_topology(self):
        if self.net:
            self.net.destroy()

    def broker_at(self, role, **kw):
        b = NsBroker(self, role, **kw)
        self.brokers.append(b)
        return b.start()

    def spawn_at(self, role, name, args, tag=None, env=None):
        ns, _ = self.net.host(role)
        p = NsProc(self.tmp, ns, name, args, tag=tag, env=env)
        self.procs.append(p)
        return p

    def agent_at(self, node, broker, role=None, bmc_ready_ms=0, power_ms=200, boot_ms=600,
                 heartbeat_ms=1000, extra=()):
        args = ["--broker", broker.address, "--system", self.system, "--node", node,
                "--backend", "sim", "--sim-bmc-ready-ms", bmc_ready_ms,
                "--sim-power-ms", power_ms, "--sim-boot-ms", boot_ms,
                "--heartbeat-ms", heartbeat_ms, *extra]
        return self.spawn_at(role or f"n{node}", "statebus-agent", args, tag=f"agent{node}")

    def coordinator_at(self, nodes, broker, role="coord", state_dir=None, extra=()):
        state_dir = state_dir or os.path.join(self.tmp, "coordinator-state")
        args = ["--broker", broker.address, "--system", self.system, "--nodes", nodes,
                "--state-dir", state_dir, *extra]
        return self.spawn_at(role, "statebus-coordinator", args, tag="coordinator")

    def ctl_at(self, broker, args, role="ops", timeout=60):
        """statebusctl to completion on host role: (exit code, stdout, stderr)."""
        p = self.spawn_at(role, "statebusctl",
                          ["--broker", broker.address, "--system", self.system, *args],
                          tag="statebusctl")
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            self.fail(f"statebusctl {args} did not exit within {timeout} s:\n{p.stdout()}"
                      f"\n{p.stderr()}")
        return rc, p.stdout(), p.stderr()

    def client_at(self, broker, role="ops", name="client", protocol=5, subscribe=()):
        ns, _ = self.net.host(role)
        c = NsClient(ns, broker, protocol=protocol, name=name)
        self.clients.append(c)
        if subscribe:
            c.subscribe(*subscribe)
        return c

    def watcher_at(self, broker, role="ops", name="watcher"):
        return self.client_at(broker, role, name, subscribe=[self.t("#")])

    def retained_at(self, broker, topics, role="ops"):
        """Payload of every retained message on topics, from a fresh subscriber on host role."""
        late = self.client_at(broker, role, name="snapshot", subscribe=list(topics))

        def complete(msgs):
            got = {m.topic: m.payload for m in msgs if m.retain}
            return got if set(got) >= set(topics) else None
        try:
            return late.wait_for(complete, START_TIMEOUT, f"retained {topics}")
        finally:
            late.close()
            self.clients.remove(late)

    def wait_latest(self, watcher, suffix, pred, timeout, what):
        """Until the latest message on <root>/suffix satisfies pred (a state that holds, where
        no new message need come)."""
        def cond(_):
            msgs = watcher.received(self.t(suffix))
            return bool(msgs) and pred(msgs[-1])
        return watcher.wait_for(cond, timeout, what)

    def node_events(self, watcher, kind, node, since=0):
        return watcher.received(self.t("event"), since,
                                lambda m: m.get("kind") == kind and m.get("node") == node
                                and m.get("id") is None)

    def final_events(self, watcher, rid):
        return [m for m in self.events_for(watcher, rid)
                if m.get("kind") in FINAL_KINDS and "node" not in m.json]

    def _dump_logs(self):
        super()._dump_logs()
        for b in self.brokers:
            sys.stderr.write(f"----- mosquitto {b.role} ({b.host})\n{read_tail(b.log, 80)}\n")


# Every request ends with exactly one of these (topics/README.md "Requests").
FINAL_KINDS = ("completed", "failed", "cancelled", "expired", "rejected", "superseded")
