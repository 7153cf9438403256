# SPDX-License-Identifier: Apache-2.0
"""statebus on other brokers and broker lists (issue 16), on the real brokers on loopback:

- mosquitto with every program forced to MQTT 3.1.1;
- system/sync: a client whose broker has no retained copy of the coordinator's topics;
- --broker A,B: two mosquittos, the first stopped, every program fails over;
- auto against a server that refuses both versions: one clear line;
- RabbitMQ 3.10 (rabbitmq_mqtt, 3.1.1 only) with the default auto;
- ejabberd 23.01 (mod_mqtt) single node, and a two-node cluster with the coordinator, the
  agents and statebusctl on different nodes, one node stopped and started again.

The story each broker runs (run_story): the gate held until the last BMC is Ready, poweron and
poweroff --wait, state, an agent killed (its Will), a request queued behind it, the coordinator
kill -9 and restarted with that queue, the agent back and the request completed.

ctest label "brokers" (own label: RabbitMQ and ejabberd start in seconds, not milliseconds).
"""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

from erlang_brokers import Ejabberd, Epmd, RabbitMQ
from harness import (EVENT_TIMEOUT, SOURCE_DIR, START_TIMEOUT, Broker, Client, IntegrationTest,
                     read_tail, wait_briefly)

HAVE_EJABBERD = shutil.which("ejabberdctl") is not None
HAVE_RABBITMQ = os.path.exists(RabbitMQ.SERVER)


class Site:
    """Where each role connects: a --broker value per role, a watcher port, credentials."""

    def __init__(self, coordinator, agents, ctl, watch_port, protocol=5, credentials=None):
        self.coordinator = coordinator  # --broker value
        self.agents = agents            # {node: --broker value}
        self.ctl = ctl
        self.watch_port = watch_port
        self.protocol = protocol
        self.credentials = credentials  # (user, password) for every client, or None


class BrokerStoryTest(IntegrationTest):
    """IntegrationTest with explicit broker addresses per role and extra flags for all."""

    start_broker = False
    common = ()  # flags every statebus program gets (e.g. --mqtt-version 3.1.1)

    def setUp(self):
        super().setUp()
        self.password_file = os.path.join(self.tmp, "password")
        with open(self.password_file, "w", encoding="utf-8") as f:
            f.write("secret\n")

    def auth(self, site, who):
        if not site.credentials:
            return []
        return ["--username", who, "--password-file", self.password_file]

    def s_coordinator(self, site, nodes, extra=()):
        state_dir = os.path.join(self.tmp, "coordinator-state")
        return self.spawn("statebus-coordinator",
                          ["--broker", site.coordinator, "--system", self.system, "--nodes",
                           nodes, "--state-dir", state_dir, *self.common,
                           *self.auth(site, "coordinator"), *extra], tag="coordinator")

    def s_agent(self, site, node, bmc_ready_ms=0, extra=()):
        return self.spawn("statebus-agent",
                          ["--broker", site.agents[node], "--system", self.system, "--node", node,
                           "--backend", "sim", "--sim-bmc-ready-ms", bmc_ready_ms,
                           "--sim-power-ms", 150, "--sim-boot-ms", 300, "--heartbeat-ms", 500,
                           *self.common, *self.auth(site, f"node{node}"), *extra],
                          tag=f"agent{node}")

    def s_ctl(self, site, args, timeout=60, background=False):
        p = self.spawn("statebusctl", ["--broker", site.ctl, "--system", self.system,
                                       *self.common, *self.auth(site, "operator"), *args],
                       tag="statebusctl")
        if background:
            return p
        try:
            rc = p.wait(timeout)
        except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired
            p.kill()
            self.fail(f"statebusctl {args} did not exit within {timeout} s:\n{p.stderr()}")
        return rc, p.stdout(), p.stderr()

    def s_watcher(self, site):
        c = Client(site.watch_port, protocol=site.protocol, name="watcher",
                   credentials=("watcher", "secret") if site.credentials else None)
        self.clients.append(c)
        c.subscribe(self.t("#"))
        return c

    def event(self, watcher, kind, rid=None, since=0, timeout=EVENT_TIMEOUT):
        def pred(m):
            j = m.json
            return (isinstance(j, dict) and j.get("kind") == kind
                    and (rid is None or j.get("id") == rid))
        return watcher.wait_msg(self.t("event"), pred, timeout, since, f"event {kind} {rid}")

    def run_story(self, site, watcher=None):
        """The whole system story on site; returns the watcher."""
        w = watcher or self.s_watcher(site)
        coord = self.s_coordinator(site, 2)
        self.wait_coordinator_online(w)
        self.s_agent(site, 1)
        agent2 = self.s_agent(site, 2, bmc_ready_ms=3000)
        self.wait_bmc_ready(w, 1)

        # The gate: poweron while node 2's BMC is not Ready is queued, dispatched after it.
        mark = w.mark()
        p = self.s_ctl(site, ["--wait=40", "poweron"], background=True)
        queued = self.event(w, "queued", since=mark)
        rid = queued.json["id"]
        ready2 = self.wait_bmc_ready(w, 2, since=mark)
        first_cmd = w.wait_msg(self.t("node/+/set/+"), lambda m: m.get("id") == rid,
                               EVENT_TIMEOUT, mark, "the dispatch")
        self.assertGreater(first_cmd.index, ready2.index, "dispatched before the last BMC Ready")
        self.assertEqual(p.wait(60), 0, f"poweron --wait:\n{p.stdout()}\n{p.stderr()}")
        self.event(w, "completed", rid, since=mark)

        rc, out, err = self.s_ctl(site, ["state"])
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"Running", out)
        rc, out, err = self.s_ctl(site, ["--wait=40", "poweroff"], timeout=60)
        self.assertEqual(rc, 0, f"{out}\n{err}")

        # An agent killed: its Will. A request queued behind it; the coordinator kill -9 and
        # restart keeps that queue; the agent back and the request completes.
        mark = w.mark()
        agent2.kill()
        w.wait_json(self.t("node/2/status"), since=mark, what="node 2's Will", status="lost")
        rc, out, err = self.s_ctl(site, ["poweron"])
        self.assertEqual(rc, 0, f"{out}\n{err}")
        queued = self.event(w, "queued", since=mark)
        rid = queued.json["id"]
        coord.kill()
        mark = w.mark()
        self.s_coordinator(site, 2)
        self.wait_coordinator_online(w, since=mark)
        self.s_agent(site, 2)
        self.event(w, "completed", rid, since=mark, timeout=30)
        self.wait_rollup(w, "host", "Running", since=mark, stale=[])
        return w


class MosquittoTest(BrokerStoryTest):
    """mosquitto: forced 3.1.1, system/sync without retained copies, broker lists."""

    def mosquitto(self, name):
        d = os.path.join(self.tmp, name)
        os.makedirs(d)
        b = Broker(d)
        b.start()
        self.addCleanup(b.kill)
        return b

    def test_story_on_mqtt_311(self):
        b = self.mosquitto("m311")
        self.common = ("--mqtt-version", "3.1.1")
        site = Site(b.address, {1: b.address, 2: b.address}, b.address, b.port, protocol=311)
        self.run_story(site)
        coord = [p for p in self.procs if p.tag == "coordinator"][-1]
        self.assertRegex(coord.stderr(), r"connected broker=127\.0\.0\.1:\d+ mqtt=3\.1\.1")
        self.assertIn("Client statebus-" + self.system, read_tail(b.log, 100000))

    def test_sync_when_the_broker_kept_no_retained_copy(self):
        """The retained store lost the coordinator's topics (as on another ejabberd cluster node
        or RabbitMQ's wildcards): statebusctl asks for system/sync instead of refusing."""
        b = self.mosquitto("sync")
        site = Site(b.address, {1: b.address, 2: b.address}, b.address, b.port)
        w = self.s_watcher(site)
        coord = self.s_coordinator(site, 2)
        self.wait_coordinator_online(w)
        self.s_agent(site, 1)
        self.s_agent(site, 2)
        self.wait_rollup(w, "bmc", "Ready", stale=[])
        for topic in ("system/status", "system/bmc", "system/chassis", "system/host",
                      "system/boot-progress", "system/requests"):
            w.clear_retained(self.t(topic))
        w.barrier(self.t("reply/barrier"))
        rc, out, err = self.s_ctl(site, ["bmcstate"], timeout=20)
        self.assertEqual(rc, 0, err)
        self.assertIn("Ready", out)
        self.wait_log(coord, r"sync republished")
        rc, out, err = self.s_ctl(site, ["--wait=30", "poweron"], timeout=45)
        self.assertEqual(rc, 0, f"{out}\n{err}")
        self.assertNotIn("not online", err)
        # The republished status is retained again: a later client needs no sync.
        late = Client(b.port, name="late")
        self.clients.append(late)
        late.subscribe(self.t("system/status"))
        late.wait_msg(self.t("system/status"), lambda m: m.retain, START_TIMEOUT, 0,
                      "the retained status again")

    def test_redfish_bridge_over_311_without_retained_copies(self):
        """The bridge syncs at connect (no retained coordinator topics here) and, on MQTT 3.1.1
        (no response topic), follows its Reset's answer on <root>/event by request id."""
        b = self.mosquitto("redfish")
        site = Site(b.address, {1: b.address, 2: b.address}, b.address, b.port)
        w = self.s_watcher(site)
        self.s_coordinator(site, 2)
        self.wait_coordinator_online(w)
        self.s_agent(site, 1)
        self.s_agent(site, 2)
        self.wait_rollup(w, "bmc", "Ready", stale=[])
        for topic in ("system/status", "system/bmc", "system/chassis", "system/host",
                      "system/boot-progress", "system/requests"):
            w.clear_retained(self.t(topic))
        w.barrier(self.t("reply/barrier"))
        bridge = self.spawn("statebus-redfish",
                            ["--broker", b.address, "--system", self.system, "--listen",
                             "127.0.0.1:0", "--mqtt-version", "3.1.1"], tag="redfish")
        self.wait_log(bridge, r"^<\d>redfish: connected broker=.* mqtt=3\.1\.1")
        port = re.search(r"port=(\d+)", bridge.stderr()).group(1)
        url = f"http://127.0.0.1:{port}/redfish/v1/Systems/system"

        def get():
            with urllib.request.urlopen(url, timeout=10) as r:
                return json.load(r)
        deadline = time.monotonic() + START_TIMEOUT
        while get()["Oem"]["Statebus"].get("CoordinatorStatus") != "online":
            self.assertLess(time.monotonic(), deadline, "the bridge never saw the coordinator")
            wait_briefly(0.1)  # polling an HTTP view: no event to wait on
        self.assertEqual(get()["Oem"]["Statebus"].get("PowerOnGate"), "open")
        req = urllib.request.Request(url + "/Actions/ComputerSystem.Reset",
                                     data=json.dumps({"ResetType": "On"}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=20) as r:
            self.assertIn(r.status, (200, 202, 204))
        self.wait_rollup(w, "host", "Running", stale=[])
        request = w.wait_msg(self.t("system/set/host"), what="the bridge's request")
        self.assertNotIn("ResponseTopic", request.props, "3.1.1 carries no properties")

    def test_sync_is_rate_limited_and_coalesced(self):
        b = self.mosquitto("rate")
        site = Site(b.address, {}, b.address, b.port)
        w = self.s_watcher(site)
        coord = self.s_coordinator(site, 1)
        self.wait_coordinator_online(w)
        mark = w.mark()
        for _ in range(20):
            w.publish(self.t("system/sync"), "{}")
        # Two answers at most: one at once, the other 19 coalesced into one a second later.
        w.wait_for(lambda msgs: len([m for m in msgs[mark:] if m.topic == self.t("system/status")
                                     and not m.retain]) >= 2, 5, "two sync answers")
        w.barrier(self.t("reply/barrier"))
        answers = [m for m in w.received(self.t("system/status"), mark) if not m.retain]
        self.assertEqual(len(answers), 2, answers)
        self.assertGreaterEqual(answers[1].time - answers[0].time, 0.8)
        self.assertRegex(coord.stderr(), r"sync republished topics=\d+ asked=19")

    def test_failover_to_the_next_address(self):
        a, b = self.mosquitto("a"), self.mosquitto("b")
        both = f"{a.address},{b.address}"
        site = Site(both, {1: both, 2: both}, both, a.port)
        wa = self.s_watcher(site)
        wb = Client(b.port, name="watcher-b")
        self.clients.append(wb)
        wb.subscribe(self.t("#"))
        coord = self.s_coordinator(site, 2)
        self.wait_coordinator_online(wa)
        agents = [self.s_agent(site, 1), self.s_agent(site, 2)]
        self.wait_rollup(wa, "bmc", "Ready", stale=[])
        a.kill()
        # Every daemon moves to b: the coordinator comes online there, the agents follow.
        self.wait_coordinator_online(wb)
        self.wait_rollup(wb, "bmc", "Ready", stale=[], timeout=30)
        for p in [coord, *agents]:
            self.wait_log(p, rf"connected (broker=|to ){b.address}")
        # statebusctl with the same list: the first address refuses, the second answers.
        rc, out, err = self.s_ctl(site, ["--wait=30", "poweron"], timeout=45)
        self.assertEqual(rc, 0, f"{out}\n{err}")
        self.assertIn(f"cannot connect to broker {a.address}", err)

    def test_a_broker_refusing_both_versions_gets_one_clear_line(self):
        """A server that closes every connection without an answer: auto tries 5, then 3.1.1,
        and says the broker refused both."""
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(16)
        port = srv.getsockname()[1]
        stop = threading.Event()

        def serve():
            srv.settimeout(0.2)
            while not stop.is_set():
                try:
                    conn, _ = srv.accept()
                except OSError:
                    continue
                conn.recv(1024)
                conn.close()
        t = threading.Thread(target=serve, daemon=True)
        t.start()
        self.addCleanup(lambda: (stop.set(), t.join(5), srv.close()))
        site = Site(f"127.0.0.1:{port}", {1: f"127.0.0.1:{port}"}, f"127.0.0.1:{port}", port)
        agent = self.s_agent(site, 1)
        self.wait_log(agent, r"refused both MQTT 5 \(.*\) and MQTT 3\.1\.1 \(.*\)")
        rc, out, err = self.s_ctl(site, ["state"], timeout=20)
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"refused both MQTT 5 \(.*\) and MQTT 3\.1\.1 \(.*\)")
        self.assertEqual(len(err.strip().splitlines()), 1, err)


@unittest.skipUnless(HAVE_RABBITMQ, "rabbitmq-server not installed (scripts/deps.sh)")
class RabbitMQTest(BrokerStoryTest):
    """RabbitMQ 3.10: MQTT 3.1.1 only; the programs' default auto falls back."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="statebus-rmq-")
        os.chmod(cls.dir, 0o755)
        cls.epmd = Epmd()
        cls.rmq = RabbitMQ(cls.dir, cls.epmd)
        try:
            cls.rmq.start()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.rmq.stop()
        cls.epmd.kill()
        shutil.rmtree(cls.dir, True)

    def test_story(self):
        a = self.rmq.address
        site = Site(a, {1: a, 2: a}, a, self.rmq.port, protocol=311)
        self.run_story(site)
        coord = [p for p in self.procs if p.tag == "coordinator"][0]
        self.assertRegex(coord.stderr(), r"MQTT 5 refused .*trying MQTT 3\.1\.1")
        self.assertRegex(coord.stderr(), r"connected broker=.* mqtt=3\.1\.1")
        rc, out, err = self.s_ctl(site, ["state"])
        self.assertEqual(rc, 0, err)
        self.assertIn("using MQTT 3.1.1", err)


class EjabberdBase(BrokerStoryTest):
    nodes = 1
    generated_acl = False  # True: the rules of scripts/make-acl.sh --format ejabberd

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="statebus-ejb-")
        os.chmod(cls.dir, 0o755)
        cls.epmd = Epmd()
        cls.ej = [Ejabberd(cls.dir, f"sbej{i + 1}", cls.epmd) for i in range(cls.nodes)]
        cls.system_id = f"it-ej{os.getpid()}"
        try:
            if cls.generated_acl:
                acl = subprocess.run(
                    ["bash", os.path.join(SOURCE_DIR, "scripts", "make-acl.sh"), "--system",
                     cls.system_id, "--nodes", "2", "--observer", "watcher", "--format",
                     "ejabberd"], check=True, stdout=subprocess.PIPE, text=True).stdout
                for n in cls.ej:
                    with open(os.path.join(n.dir, "acl.yml"), "w", encoding="utf-8") as f:
                        f.write(acl)
            for n in cls.ej:
                n.start()
            for n in cls.ej[1:]:
                n.join_cluster(cls.ej[0])
        except Exception:
            cls.tearDownClass()
            raise

    def setUp(self):
        super().setUp()
        if self.generated_acl:
            # The generated rules name one system: every test of the class uses it.
            self.system = self.system_id
            self.root = f"statebus/{self.system}"

    @classmethod
    def tearDownClass(cls):
        for n in reversed(cls.ej):
            n.stop()
        cls.epmd.kill()
        shutil.rmtree(cls.dir, True)


@unittest.skipUnless(HAVE_EJABBERD, "ejabberd not installed (scripts/deps.sh)")
class EjabberdSingleTest(EjabberdBase):
    """One node with the access rules of scripts/make-acl.sh --format ejabberd: every role can
    do its part of the story (and no more: an agent cannot publish another node's state)."""

    nodes = 1
    generated_acl = True

    def test_acl_refuses_another_nodes_state(self):
        a = self.ej[0].address
        w = Client(self.ej[0].port, name="watcher", credentials=("watcher", "x"))
        self.clients.append(w)
        w.subscribe(self.t("#"))
        spoof = Client(self.ej[0].port, name="spoof", credentials=("node1", "x"))
        self.clients.append(spoof)
        spoof.publish(self.t("node/1/heartbeat"), "{}", qos=1)
        w.wait_msg(self.t("node/1/heartbeat"), timeout=START_TIMEOUT)
        spoof.publish(self.t("node/2/bmc"), "{}", qos=1)
        spoof.publish(self.t("system/set/host"), "On", qos=1)
        w.barrier(self.t("reply/" + w.client_id))
        self.assertEqual(w.received(self.t("node/2/bmc")), [])
        self.assertEqual(w.received(self.t("system/set/host")), [])
        del a

    def test_story(self):
        a = self.ej[0].address
        site = Site(a, {1: a, 2: a}, a, self.ej[0].port, credentials=True)
        self.run_story(site)


@unittest.skipUnless(HAVE_EJABBERD, "ejabberd not installed (scripts/deps.sh)")
class EjabberdClusterTest(EjabberdBase):
    nodes = 2

    def test_story_across_nodes_then_one_node_stopped(self):
        n1, n2 = self.ej
        first_1 = f"{n1.address},{n2.address}"
        first_2 = f"{n2.address},{n1.address}"
        # The coordinator on node 2; agent 1 (with both addresses), agent 2 (node 1 alone) and
        # statebusctl on node 1, where the coordinator's retained topics are not served
        # (ejabberd serves a retained message only through the node it was published on):
        # statebusctl relies on system/sync there.
        site = Site(first_2, {1: first_1, 2: n1.address}, first_1, n2.port, credentials=True)
        w = self.run_story(site)
        ctl_err = [p for p in self.procs if p.tag == "statebusctl"][0].stderr()
        self.assertNotIn("not online", ctl_err)
        self.assertTrue(any("sync republished" in p.stderr() for p in self.procs
                            if p.tag == "coordinator"), "statebusctl on node 1 asked for sync")

        # Node 1 stopped. No Will fires for its clients: agent 1 fails over to node 2 and comes
        # back with a new epoch; agent 2, which knows node 1 only, is found lost by its missed
        # heartbeats; statebusctl's list skips node 1.
        old_epoch = [m for m in w.received(self.t("node/1/status"))
                     if m.get("status") == "online"][-1].get("epoch")
        mark = w.mark()
        n1.stop()
        agent1 = [p for p in self.procs if p.tag == "agent1"][0]
        self.wait_log(agent1, rf"connected to {n2.address}", timeout=30)
        back = self.wait_node_online(w, 1, since=mark, timeout=30)
        self.assertNotEqual(back.get("epoch"), old_epoch)
        lost = w.wait_msg(self.t("event"), lambda m: m.get("kind") == "node-lost"
                          and m.get("node") == 2, 30, mark, "node 2 lost by heartbeat")
        self.assertIn("heartbeat", lost.get("why", ""))
        self.assertEqual(w.received(self.t("node/2/status"), mark,
                                    lambda m: m.get("status") == "lost"), [],
                         "a stopped ejabberd node fires no Will")
        rc, out, err = self.s_ctl(site, ["state"])
        self.assertEqual(rc, 0, err)
        self.assertIn(f"cannot connect to broker {n1.address}", err)

        # Node 1 back: agent 2 reconnects there, the gate sees both nodes Ready again.
        mark = w.mark()
        n1.start()
        self.wait_node_online(w, 2, since=mark, timeout=40)
        self.wait_gate_sees_ready(w, [1, 2], since=mark, timeout=30)
        rc, out, err = self.s_ctl(site, ["--wait=40", "poweroff"], timeout=60)
        self.assertEqual(rc, 0, f"{out}\n{err}")


if __name__ == "__main__":
    unittest.main()
