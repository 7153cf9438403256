# SPDX-License-Identifier: Apache-2.0
"""Issue #6: least privilege on the broker, and hostile input that changes nothing.

A real mosquitto on broker-config/statebus-prod.conf (TLS only, client certificates as
identities, the ACL of scripts/make-acl.sh), listening on 127.0.0.1 only, with certificates made
by scripts/make-certs.sh. Every check of "this did not happen" ends on a barrier: a later message
of the same sender that did arrive (the broker handles one client's packets in order), never on a
pause.
"""

import json
import os
import pwd
import re
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

import paho.mqtt.client as mqtt

from harness import (EVENT_TIMEOUT, SOURCE_DIR, START_TIMEOUT, Broker, Client, IntegrationTest,
                     kind_of, read_tail, unique_id, wait_briefly)

PROD_CONF = os.path.join(SOURCE_DIR, "broker-config", "statebus-prod.conf")
MAKE_CERTS = os.path.join(SOURCE_DIR, "scripts", "make-certs.sh")
MAKE_ACL = os.path.join(SOURCE_DIR, "scripts", "make-acl.sh")
NODES = 2


def run_script(*args):
    subprocess.run(["bash", *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


class Certs:
    """One CA and its identities (make-certs.sh), readable by the broker."""

    def __init__(self, directory, nodes):
        self.dir = directory
        run_script(MAKE_CERTS, "--dir", directory, "--nodes", str(nodes), "--bridge", "rack1")
        os.chmod(directory, 0o755)
        if os.geteuid() == 0:
            # mosquitto drops root before it reads its key (mosquitto 2.0).
            pw = pwd.getpwnam("mosquitto")
            os.chown(self.path("broker.key"), pw.pw_uid, pw.pw_gid)

    def path(self, name):
        return os.path.join(self.dir, name)

    def flags(self, identity):
        """Command-line flags of a statebus binary using this identity."""
        return ["--cafile", self.path("ca.crt"), "--cert", self.path(f"{identity}.crt"),
                "--key", self.path(f"{identity}.key")]

    def paho(self, identity=None, ca=None):
        """paho tls_set() arguments; identity None = no client certificate."""
        tls = {"ca_certs": ca or self.path("ca.crt")}
        if identity:
            tls.update(certfile=self.path(f"{identity}.crt"), keyfile=self.path(f"{identity}.key"))
        return tls


class ProdBroker(Broker):
    """The production config, its paths and listener pointed at this test's files.
    bind_client_ids=False drops use_username_as_clientid: for tests that connect several
    clients of one identity at once (the ACL does not depend on it; IdentityBindingTest runs
    the config as shipped)."""

    def __init__(self, directory, certs, acl, bind_client_ids=True):
        super().__init__(directory)
        self.certs = certs
        self.acl = acl
        self.bind_client_ids = bind_client_ids

    def config_text(self):
        with open(PROD_CONF, encoding="utf-8") as f:
            text = f.read()
        subs = [
            (r"(?m)^listener 8883$", f"listener {self.port} 127.0.0.1"),
            (r"(?m)^acl_file .*$", f"acl_file {self.acl}"),
            (r"(?m)^cafile .*$", f"cafile {self.certs.path('ca.crt')}"),
            (r"(?m)^certfile .*$", f"certfile {self.certs.path('broker.crt')}"),
            (r"(?m)^keyfile .*$", f"keyfile {self.certs.path('broker.key')}"),
            (r"(?m)^persistence_location .*$", f"persistence_location {self.dir}/"),
            (r"(?m)^log_dest stderr$", f"log_dest file {self.dir}/mosquitto.log"),
        ]
        if not self.bind_client_ids:
            subs.append((r"(?m)^use_username_as_clientid true$", ""))
        for pattern, repl in subs:
            text, n = re.subn(pattern, repl, text)
            if n != 1:
                raise RuntimeError(f"{PROD_CONF}: expected one line matching {pattern!r}, found {n}")
        # mosquitto 2.0 logs an ACL denial only at debug level: the tests read those lines.
        return text + "\nlog_type debug\n"


def attempt_connect(port, tls=None, timeout=START_TIMEOUT):
    """One connection attempt of a raw paho client: "connected", or why it was refused (a TLS
    failure, a CONNACK error, the broker closing the connection). Ends on the first outcome.
    paho's network loop runs here, not in its thread: a TLS alert surfaces as an exception."""
    outcome = []
    c = mqtt.Client(client_id=unique_id("intruder"), protocol=mqtt.MQTTv5)
    c.on_connect = lambda cl, u, f, rc, p=None: outcome.append(
        "connected" if rc == 0 else f"CONNACK {rc}")
    c.on_disconnect = lambda cl, u, rc, p=None: outcome.append(f"disconnected {rc}")
    if tls:
        c.tls_set(**tls)
    deadline = time.monotonic() + timeout
    try:
        c.connect("127.0.0.1", port, keepalive=30)
        while not outcome and time.monotonic() < deadline:
            rc = c.loop(timeout=0.1)
            if rc != mqtt.MQTT_ERR_SUCCESS and not outcome:
                outcome.append(f"connection lost ({mqtt.error_string(rc)})")
    except (ssl.SSLError, OSError) as e:
        outcome.append(f"refused: {e}")
    finally:
        try:
            c.disconnect()
        except Exception:  # noqa: BLE001 - the socket may be gone already
            pass
    return outcome[0] if outcome else "no answer"


class SecurityTest(IntegrationTest):
    """Every test gets its own broker on the production config and its own ACL. These tests
    connect several clients of one identity at once (a watcher with the coordinator's beside
    the coordinator), which identities bound to client ids would not allow: their broker keeps
    client ids as the clients chose them."""

    bind_client_ids = False

    start_broker = False

    @classmethod
    def setUpClass(cls):
        cls.class_tmp = tempfile.mkdtemp(prefix="statebus-sec-")
        os.chmod(cls.class_tmp, 0o755)
        cls.certs = Certs(os.path.join(cls.class_tmp, "ca"), NODES)
        # The same names, signed by a CA the broker does not know.
        cls.foreign = Certs(os.path.join(cls.class_tmp, "foreign-ca"), NODES)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.class_tmp, True)

    def setUp(self):
        super().setUp()
        acl = os.path.join(self.tmp, "statebus.acl")
        # rack1: the bridge of a rack broker carrying node 2 (make-acl.sh --bridge).
        run_script(MAKE_ACL, "--system", self.system, "--nodes", str(NODES),
                   "--bridge", f"rack1=2-{NODES}", "--out", acl)
        # In place of the dev broker the base class set up (and did not start).
        self.broker = ProdBroker(os.path.join(self.tmp, "prod"), self.certs, acl,
                                 bind_client_ids=self.bind_client_ids)
        self.broker.start()

    # ---- clients and processes with identities --------------------------------------------
    def as_client(self, identity, name=None, subscribe=()):
        c = Client(self.broker.port, name=name or identity, tls=self.certs.paho(identity))
        self.clients.append(c)
        if subscribe:
            c.subscribe(*subscribe)
        return c

    def watcher(self, name="watcher", protocol=5):
        """The coordinator's identity reads everything."""
        return self.as_client("coordinator", name=name, subscribe=[self.t("#")])

    def agent(self, node, bmc_ready_ms=0, power_ms=200, boot_ms=600, heartbeat_ms=1000,
              extra=()):
        return super().agent(node, bmc_ready_ms, power_ms, boot_ms, heartbeat_ms,
                             extra=[*self.certs.flags(f"node{node}"), *extra])

    def coordinator(self, nodes, state_dir=None, extra=()):
        return super().coordinator(nodes, state_dir, extra=[*self.certs.flags("coordinator"),
                                                            *extra])

    def ctl_as(self, identity, args, timeout=60):
        return self.ctl([*self.certs.flags(identity), *args], timeout)

    def denied_in_log(self, client_id, topic):
        """mosquitto's own record of a publish the ACL dropped."""
        text = read_tail(self.broker.log, 100000)
        return re.search(rf"Denied PUBLISH from {re.escape(client_id)} .*'{re.escape(topic)}'",
                         text) is not None

    def reply_barrier(self, sender, watcher):
        """sender publishes on its own reply topic (the ACL lets every client do that) and the
        watcher waits for it: everything sender published before has been handled by then."""
        token = unique_id("barrier")
        mark = watcher.mark()
        sender.publish(self.t(f"reply/{sender.client_id}"), token)
        watcher.wait_msg(self.t(f"reply/{sender.client_id}"),
                         lambda m: m.payload == token.encode(), START_TIMEOUT, since=mark,
                         what=f"{sender.name}'s barrier")

    # ---- node identities -------------------------------------------------------------------
    def test_node_cannot_publish_another_nodes_state_or_commands(self):
        watcher = self.watcher()
        node1 = self.as_client("node1", subscribe=[self.t("#")])
        state = {"v": 1, "node": 2, "state": "Ready", "since": 1, "epoch": 1, "seq": 1}
        forbidden = {
            "node/2/bmc": state,
            "node/2/status": {"v": 1, "node": 2, "status": "online", "epoch": 1},
            "node/2/heartbeat": {"v": 1, "node": 2, "epoch": 1, "seq": 1, "time": 1},
            "node/1/set/host": {"transition": "On", "id": "n1", "deadline": 2 ** 50},
            "node/2/set/chassis": {"transition": "On", "id": "n2", "deadline": 2 ** 50},
            "system/set/host": "On",
            "system/settings/power-restore-policy/set": "AlwaysOn",
            "system/bmc": {"v": 1, "state": "Ready"},
            "system/requests": {"v": 1},
            "system/rebirth": {},
            "reply/statebusctl-1-1": {"kind": "completed"},
        }
        mark = watcher.mark()
        for suffix, payload in forbidden.items():
            node1.publish(self.t(suffix), payload, retain=suffix.startswith("node/2/"))
        # What node 1 may write arrives: the broker handled everything before it.
        node1.publish(self.t("node/1/bmc"), dict(state, node=1), retain=True)
        watcher.wait_msg(self.t("node/1/bmc"), since=mark, what="node 1's own state")
        self.reply_barrier(node1, watcher)

        seen = {m.topic for m in watcher.received(self.t("#"), mark)}
        for suffix in forbidden:
            self.assertNotIn(self.t(suffix), seen, f"node1 could publish on {suffix}")
            self.assertTrue(self.denied_in_log(node1.client_id, self.t(suffix)),
                            f"mosquitto did not log the denial of node1 on {suffix}:\n"
                            f"{read_tail(self.broker.log, 40)}")
        # Nothing was retained for node 2 either: a late subscriber finds no state there.
        late = self.as_client("coordinator", name="late", subscribe=[self.t("node/2/#")])
        late.subscribe(self.t(f"reply/{late.client_id}"))
        self.reply_barrier(late, late)
        self.assertEqual(late.received(self.t("node/2/#")), [], "a retained forgery of node 2")

        # Node 1 reads only its own commands: the coordinator's command to node 2 never reaches
        # it, the one to node 1 does (and, sent after, is the barrier).
        coordinator = self.as_client("coordinator", name="coordinator-client")
        node1_mark = node1.mark()
        for n in (2, 1):
            coordinator.publish(self.t(f"node/{n}/set/host"),
                                {"transition": "Off", "id": f"to-{n}", "deadline": 2 ** 50})
        node1.wait_msg(self.t("node/1/set/host"), since=node1_mark, what="node 1's own command")
        self.assertEqual(node1.received(self.t("node/2/#"), node1_mark), [],
                         "node 1 read node 2's command topic")

    def test_bridge_speaks_only_for_its_rack(self):
        watcher = self.watcher()
        rack = self.as_client("rack1", subscribe=[self.t("node/+/set/+")])
        mark = watcher.mark()
        rack.publish(self.t("node/1/bmc"), {"v": 1, "node": 1, "state": "Ready"})
        rack.publish(self.t("node/2/bmc"), {"v": 1, "node": 2, "state": "Ready"})
        watcher.wait_msg(self.t("node/2/bmc"), since=mark, what="the rack's own node")
        self.assertEqual(watcher.received(self.t("node/1/#"), mark), [],
                         "a bridge published for a node outside its rack")
        coordinator = self.as_client("coordinator", name="coordinator-client")
        rack_mark = rack.mark()
        for n in (1, 2):
            coordinator.publish(self.t(f"node/{n}/set/host"),
                                {"transition": "Off", "id": f"to-{n}", "deadline": 2 ** 50})
        rack.wait_msg(self.t("node/2/set/host"), since=rack_mark, what="its node's command")
        self.assertEqual(rack.received(self.t("node/1/#"), rack_mark), [],
                         "a bridge read a command for a node outside its rack")

    def drop_with_will(self, identity, topic, payload):
        """A client of identity with a Last Will on topic loses its TCP connection without a
        DISCONNECT; returns once mosquitto has handled the loss (and so sent or refused the
        will: one broker thread does both in the same step)."""
        client_id = unique_id("will")
        c = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv5)
        c.tls_set(**self.certs.paho(identity))
        c.will_set(topic, json.dumps(payload), qos=1, retain=True)
        connected = threading.Event()
        c.on_connect = lambda cl, u, f, rc, p=None: connected.set() if rc == 0 else None
        c.connect("127.0.0.1", self.broker.port, keepalive=5)
        c.loop_start()
        self.assertTrue(connected.wait(START_TIMEOUT), f"{identity} did not connect")
        c.loop_stop()
        c.socket().close()
        gone = re.compile(rf"(Client {re.escape(client_id)} (closed its connection|disconnected)"
                          rf"|Socket error on client {re.escape(client_id)})")
        deadline = time.monotonic() + START_TIMEOUT
        while not gone.search(read_tail(self.broker.log, 400)):
            self.assertLess(time.monotonic(), deadline, "mosquitto did not log the disconnect")
            wait_briefly(0.05)

    def test_node_cannot_leave_a_will_on_another_nodes_status(self):
        """A Last Will is checked against the ACL when it fires."""
        watcher = self.watcher()
        lost = {"v": 1, "node": 1, "status": "lost", "epoch": 1}
        # Control: node 1's will on its own status is published.
        self.drop_with_will("node1", self.t("node/1/status"), lost)
        watcher.wait_json(self.t("node/1/status"), status="lost", what="node 1's own will")
        mark = watcher.mark()
        self.drop_with_will("node1", self.t("node/2/status"), dict(lost, node=2))
        probe = self.as_client("coordinator", name="probe")
        self.reply_barrier(probe, watcher)
        self.assertEqual(watcher.received(self.t("node/2/status"), mark), [],
                         "node1's will was published on node 2's status")

    # ---- operators and observers -----------------------------------------------------------
    def test_observer_cannot_command_and_operator_can(self):
        watcher, coord, _ = self.start_ready_system(NODES)
        observer = self.as_client("observer", subscribe=[self.t("#")])
        # An observer reads everything...
        self.wait_coordinator_online(observer)
        mark = watcher.mark()
        observer.publish(self.t("system/set/host"), {"transition": "On", "id": "obs-1"})
        observer.publish(self.t("system/set/chassis"), "On")
        observer.publish(self.t("system/settings/power-restore-policy/set"), "AlwaysOn")
        self.reply_barrier(observer, watcher)
        self.assertEqual(watcher.received(self.t("system/set/#"), mark), [],
                         "an observer's command reached the coordinator's topics")
        self.assertEqual(watcher.received(self.t("system/settings/+/set"), mark), [])
        self.assertTrue(self.denied_in_log(observer.client_id, self.t("system/set/host")))

        # statebusctl as an observer: queries work, commands fail at once with the reason.
        rc, out, err = self.ctl_as("observer", ["state"])
        self.assertEqual(rc, 0, f"stdout:\n{out}\nstderr:\n{err}")
        t0 = time.monotonic()
        rc, out, err = self.ctl_as("observer", ["--wait=30", "poweron"])
        self.assertEqual(rc, 1, f"stdout:\n{out}\nstderr:\n{err}")
        self.assertIn("Not authorized", err)
        self.assertLess(time.monotonic() - t0, 20, "a refused publish must not wait it out")

        # The operator's identity may: the coordinator answers and the setting takes effect.
        rc, out, err = self.ctl_as("operator", ["--wait=30", "set-policy", "AlwaysOn"])
        self.assertEqual(rc, 0, f"stdout:\n{out}\nstderr:\n{err}")
        watcher.wait_json(self.t("system/settings/power-restore-policy"), value="AlwaysOn")
        # No event answered the observer's request: it never existed for the coordinator.
        self.assertEqual(self.events_for(watcher, "obs-1"), [])
        self.assert_logs_clean(coord)

    # ---- who may connect at all ------------------------------------------------------------
    def test_clients_without_a_certificate_of_our_ca_are_refused(self):
        port = self.broker.port
        cases = {
            "plain MQTT, no TLS": None,
            "TLS without a client certificate": self.certs.paho(None),
            "a certificate of another CA": {**self.foreign.paho("operator"),
                                            "ca_certs": self.certs.path("ca.crt")},
            "a broker certificate the client cannot verify": self.foreign.paho("operator"),
        }
        for what, tls in cases.items():
            with self.subTest(what):
                outcome = attempt_connect(port, tls)
                self.assertNotEqual(outcome, "connected", f"{what}: the broker let it in")
                self.assertNotEqual(outcome, "no answer", f"{what}: neither refused nor let in")
        # Control: our own certificate connects.
        self.assertEqual(attempt_connect(port, self.certs.paho("observer")), "connected")

        rc, out, err = self.ctl(["--cafile", self.certs.path("ca.crt"),
                                 "--cert", self.foreign.path("operator.crt"),
                                 "--key", self.foreign.path("operator.key"), "state"])
        self.assertEqual(rc, 1, f"statebusctl with a foreign certificate:\n{out}\n{err}")

        # An agent with a foreign certificate keeps being refused and never publishes.
        watcher = self.watcher()
        mark = watcher.mark()
        intruder = self.spawn("statebus-agent",
                              ["--broker", self.broker.address, "--system", self.system,
                               "--node", "1", "--backend", "sim",
                               "--cafile", self.certs.path("ca.crt"),
                               "--cert", self.foreign.path("node1.crt"),
                               "--key", self.foreign.path("node1.key")], tag="intruder")
        self.wait_log(intruder, r"^<4>agent: node=1 failed to connect")
        probe = self.as_client("node1", name="probe")
        self.reply_barrier(probe, watcher)
        self.assertEqual(watcher.received(self.t("node/1/#"), mark), [],
                         "an agent with a foreign certificate published")
        self.assertTrue(intruder.alive(), "a refused agent must keep retrying, not exit")

    # ---- the whole system --------------------------------------------------------------------
    def test_system_works_end_to_end_under_the_production_config(self):
        watcher = self.watcher()
        # The coordinator takes its TLS files from its config file (not flags).
        config = os.path.join(self.tmp, "coordinator.json")
        with open(config, "w", encoding="utf-8") as f:
            json.dump({"cafile": self.certs.path("ca.crt"),
                       "cert": self.certs.path("coordinator.crt"),
                       "key": self.certs.path("coordinator.key")}, f)
        mark = watcher.mark()
        coord = self.spawn("statebus-coordinator",
                           ["--broker", self.broker.address, "--system", self.system,
                            "--nodes", NODES, "--state-dir", os.path.join(self.tmp, "state"),
                            "--config", config], tag="coordinator")
        self.wait_coordinator_online(watcher, since=mark)
        agents = [self.agent(n, bmc_ready_ms=300 * n) for n in range(1, NODES + 1)]
        rc, out, err = self.ctl_as("operator", ["--wait=60", "poweron"], timeout=90)
        self.assertEqual(rc, 0, f"stdout:\n{out}\nstderr:\n{err}")
        self.wait_final_rollups(watcher)
        rc, out, err = self.ctl_as("observer", ["state"])
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"(?m)^CurrentHostState\s*:.*Running$")
        for p in (coord, *agents):
            self.assertTrue(p.alive(), p.tag)
            self.assert_logs_clean(p)
        # Nothing any statebus component did was refused by the ACL.
        self.assertNotIn("Denied PUBLISH", read_tail(self.broker.log, 100000))

    def test_daemons_reconnect_over_tls_after_a_broker_restart(self):
        """mqtt-io's TLS handshake runs inside sd-event (mosquitto_loop_read on writability):
        every reconnect makes a new socket and a new handshake."""
        watcher, coord, agents = self.start_ready_system(NODES)
        before = {n: self.wait_node_online(watcher, n).json["epoch"] for n in range(1, NODES + 1)}
        before[0] = self.wait_coordinator_online(watcher).json["epoch"]
        watcher.close()
        self.clients.remove(watcher)
        self.broker.restart()
        watcher = self.watcher(name="watcher-after")
        # Online again in a new epoch: a new connection each, not the retained birth.
        coord_online = watcher.wait_msg(
            self.t("system/status"),
            lambda m: m.get("status") == "online" and m.get("epoch") != before[0],
            what="the coordinator online in a new epoch")
        self.assertIsNotNone(coord_online)
        for n in range(1, NODES + 1):
            watcher.wait_msg(self.t(f"node/{n}/status"),
                             lambda m, n=n: m.get("status") == "online"
                             and m.get("epoch") != before[n],
                             what=f"node {n} online in a new epoch")
        self.wait_rollup(watcher, "bmc", "Ready", stale=[])
        rc, out, err = self.ctl_as("operator", ["--wait=60", "poweron"], timeout=90)
        self.assertEqual(rc, 0, f"stdout:\n{out}\nstderr:\n{err}")
        for p in (coord, *agents.values()):
            self.assertTrue(p.alive(), p.tag)
            self.assert_logs_clean(p)

    # ---- hostile input -----------------------------------------------------------------------
    def test_replayed_state_is_ignored(self):
        """contract.md: a state whose seq goes back within one agent run is a replay."""
        watcher = self.watcher()
        self.start_coordinator(watcher, 1, extra=["--rebirth-window-ms", "0"])
        node1 = self.as_client("node1")
        epoch = 1_700_000_000_000

        def state(kind, value, seq):
            node1.publish(self.t(f"node/1/{kind}"),
                          {"v": 1, "node": 1, "state": value, "since": 1, "epoch": epoch,
                           "seq": seq}, retain=True)
        state("bmc", "Ready", 10)
        state("chassis", "Off", 11)
        state("host", "Off", 12)
        state("boot-progress", "Unspecified", 13)
        node1.publish(self.t("node/1/status"),
                      {"v": 1, "node": 1, "status": "online", "epoch": epoch}, retain=True)
        self.wait_rollup(watcher, "bmc", "Ready", stale=[])
        mark = watcher.mark()
        state("bmc", "NotReady", 5)       # an old message of this run, replayed
        state("host", "Standby", 20)      # a newer one: its rollup is the barrier
        self.wait_rollup(watcher, "host", "Standby", since=mark)
        changed = watcher.received(self.t("system/bmc"), mark,
                                   lambda m: m.get("state") != "Ready")
        self.assertEqual(changed, [], "a replayed state changed the BMC rollup")

    def test_rejected_requests_leave_the_persisted_state_usable(self):
        """A request naming a node the system does not have is rejected, and must not poison
        state.json: the coordinator restarts with its settings (found by fuzz-coordinator)."""
        watcher = self.watcher()
        state_dir = os.path.join(self.tmp, "state")
        coord, _ = self.start_coordinator(watcher, NODES, state_dir=state_dir)
        rc, out, err = self.ctl_as("operator", ["--wait=30", "set-policy", "AlwaysOn"])
        self.assertEqual(rc, 0, err)
        operator = self.as_client("operator")
        mark = watcher.mark()
        operator.publish(self.t("system/set/bmc"),
                         {"transition": "Reboot", "id": "bad-node", "nodes": [NODES + 1]})
        watcher.wait_json(self.t("event"), since=mark, kind="rejected", id="bad-node")

        coord.signal(15)
        self.assertEqual(coord.wait(20), 0, coord.stderr())
        mark = watcher.mark()
        coord2 = self.coordinator(NODES, state_dir=state_dir)
        self.wait_coordinator_online(watcher, since=mark)
        self.assertNotRegex(coord2.stderr(), r"ignoring|corrupt",
                            "the restarted coordinator refused its own state file")
        watcher.wait_json(self.t("system/settings/power-restore-policy"), since=mark,
                          value="AlwaysOn", what="the persisted policy after the restart")

    def test_rejection_flood_is_not_amplified(self):
        """Each rejected input may cost an event: a flood of them is answered at a bounded rate
        (coordinator/reject-limiter.h), not one event per message."""
        watcher = self.watcher()
        coord, _ = self.start_coordinator(watcher, NODES)
        operator = self.as_client("operator")
        mark = watcher.mark()
        t0 = time.monotonic()
        flood = 300
        for i in range(flood):
            operator.mqtt.publish(self.t("system/set/host"), f"Explode{i}", qos=0)
        operator.publish(self.t("system/set/host"), {"transition": "Off", "id": "after"})
        watcher.wait_json(self.t("event"), since=mark, id="after", timeout=EVENT_TIMEOUT)
        elapsed = time.monotonic() - t0
        rejected = watcher.received(self.t("event"), mark, lambda m: kind_of(m) == "rejected")
        # The limiter answers a burst of 20 and 20/s after that.
        bound = 20 + 20 * (elapsed + 1)
        # The whole burst was used (the flood did arrive), and no more than the rate allows.
        self.assertGreaterEqual(len(rejected), 20, "the flood was not answered at all")
        self.assertLessEqual(len(rejected), bound,
                             f"{len(rejected)} rejected events for {flood} bad messages in "
                             f"{elapsed:.1f} s")
        self.assertTrue(coord.alive())

    def test_agent_rejection_flood_is_not_amplified(self):
        """The same bound in the agent: only the coordinator's identity may write a node's set/
        topics, but a confused coordinator must not make an agent flood the event topic."""
        watcher = self.watcher()
        agent = self.agent(1)
        self.wait_node_online(watcher, 1)
        coordinator = self.as_client("coordinator", name="coordinator-client")
        mark = watcher.mark()
        t0 = time.monotonic()
        flood = 300
        for i in range(flood):
            coordinator.mqtt.publish(self.t("node/1/set/host"), f"{{\"transition\":{i}}}", qos=0)
        coordinator.publish(self.t("node/1/set/host"),
                            {"transition": "Off", "id": "after", "deadline": 2 ** 50})
        watcher.wait_json(self.t("event"), since=mark, id="after", kind="accepted")
        elapsed = time.monotonic() - t0
        rejected = watcher.received(self.t("event"), mark, lambda m: kind_of(m) == "rejected")
        # The whole burst was used (the flood did arrive), and no more than the rate allows.
        self.assertGreaterEqual(len(rejected), 20, "the flood was not answered at all")
        self.assertLessEqual(len(rejected), 20 + 20 * (elapsed + 1),
                             f"{len(rejected)} rejected events for {flood} bad commands in "
                             f"{elapsed:.1f} s")
        self.assertTrue(agent.alive())
        self.assert_logs_clean(agent)


class ConfigTest(IntegrationTest):
    """Bad TLS or credential settings stop a binary at start: exit 2, one line saying why."""

    start_broker = False

    def run_bin(self, name, args):
        p = self.spawn(name, args)
        rc = p.wait(30)
        return rc, p.stderr()

    def test_bad_auth_settings_exit_2_with_one_line(self):
        missing = os.path.join(self.tmp, "missing.crt")
        pw = os.path.join(self.tmp, "password")
        with open(pw, "w", encoding="utf-8") as f:
            f.write("\n")
        bad_config = os.path.join(self.tmp, "bad.json")
        with open(bad_config, "w", encoding="utf-8") as f:
            json.dump({"nodes": 2, "state-dir": self.tmp, "cafile": 7}, f)
        daemon = {"statebus-agent": ["--node", "1", "--backend", "sim"],
                  "statebus-coordinator": ["--nodes", "2", "--state-dir", self.tmp],
                  "statebusctl": ["state"]}
        cases = [
            (["--cafile", missing], r"--cafile: cannot read"),
            (["--cafile", pw, "--cert", pw], r"--cert and --key: give both or neither"),
            (["--cert", pw, "--key", pw], r"--cert: needs --cafile"),
            (["--password-file", pw], r"--password-file: needs --username"),
            (["--username", "u", "--password-file", pw], r"--password-file: .*first line"),
            (["--username", "u", "--password-file", missing], r"--password-file: cannot read"),
        ]
        for name, base in daemon.items():
            for extra, why in cases:
                with self.subTest(f"{name} {extra}"):
                    rc, err = self.run_bin(name, [*base, *extra])
                    self.assertEqual(rc, 2, err)
                    self.assertRegex(err, why)
                    self.assertEqual(len(err.strip().splitlines()), 1, err)
        rc, err = self.run_bin("statebus-coordinator", ["--config", bad_config])
        self.assertEqual(rc, 2, err)
        self.assertRegex(err, r"'cafile': expected a string")


def own_tests_only(cls):
    """A SecurityTest subclass for its fixtures: SecurityTest's own tests are not run again."""
    for name in dir(SecurityTest):
        if name.startswith("test") and not any(name in k.__dict__ for k in cls.__mro__
                                               if k is not SecurityTest and k is not object):
            setattr(cls, name, None)
    return cls


@own_tests_only
class IdentityBindingTest(SecurityTest):
    """statebus-prod.conf as shipped: use_username_as_clientid makes each client's identity (its
    certificate's CN) its client id, so a client with another valid certificate cannot take a
    session over by connecting with its id. One client per identity here, as in production:
    the watcher is its own observer identity."""

    bind_client_ids = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        run_script(MAKE_CERTS, "--dir", cls.certs.dir, "--nodes", str(NODES), "--bridge",
                   "rack1", "--observer", "observer", "--observer", "watcher")
        os.chmod(cls.certs.dir, 0o755)  # make-certs.sh keeps its directory 0700

    def setUp(self):
        IntegrationTest.setUp(self)
        acl = os.path.join(self.tmp, "statebus.acl")
        run_script(MAKE_ACL, "--system", self.system, "--nodes", str(NODES),
                   "--observer", "observer", "--observer", "watcher", "--out", acl)
        self.broker = ProdBroker(os.path.join(self.tmp, "prod"), self.certs, acl,
                                 bind_client_ids=self.bind_client_ids)
        self.broker.start()

    def watcher(self, name="watcher", protocol=5):
        return self.as_client("watcher", name=name, subscribe=[self.t("#")])

    def intrude(self, identity, client_id):
        """A client of identity connects asking for client_id and stays connected; returns the
        client id the broker gave it (from its log)."""
        c = Client(self.broker.port, name=f"intruder-{identity}", client_id=client_id,
                   tls=self.certs.paho(identity))
        self.clients.append(c)
        cn = re.sub(r"^node(\d+)$", r"node/\1", identity)  # node<n>.crt says CN=node/<n>
        pattern = re.compile(rf"New client connected from \S+ as (\S+) .*u'{re.escape(cn)}'")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            ids = pattern.findall(read_tail(self.broker.log, 100000))
            if ids:
                return ids[-1]
            wait_briefly(0.05)
        raise AssertionError(f"no connection of {identity} in the broker log")

    def takeovers(self, client_id):
        return re.findall(rf"Client {re.escape(client_id)} already connected, closing old",
                          read_tail(self.broker.log, 100000))

    def test_another_identity_cannot_take_over_a_nodes_or_the_coordinators_session(self):
        watcher = self.watcher()
        coord = self.coordinator(NODES)
        self.wait_coordinator_online(watcher)
        agent = self.agent(1)
        self.wait_node_online(watcher, 1)
        mark = watcher.mark()
        # node 2's certificate asking for node 1's client id, the observer's asking for the
        # coordinator's: each gets its own identity as its id, nobody is disconnected.
        self.assertEqual(self.intrude("node2", "node/1"), "node/2")
        self.assertEqual(self.intrude("observer", "coordinator"), "observer")
        self.assertEqual(self.takeovers("node/1"), [])
        self.assertEqual(self.takeovers("coordinator"), [])
        # The barrier: node 1's next heartbeat and the coordinator's next summary arrive from
        # the sessions that were there; no Will, no reconnect.
        watcher.wait_msg(self.t("node/1/heartbeat"), since=mark, what="node 1 still there")
        watcher.wait_msg(self.t("system/summary"), since=mark, timeout=EVENT_TIMEOUT,
                         what="the coordinator still there")
        self.assertEqual(watcher.received(self.t("node/1/status"), mark,
                                          lambda m: m.get("status") != "online"), [])
        self.assertEqual(len(re.findall(r"agent: node=1 connected", agent.stderr())), 1,
                         agent.stderr())
        self.assertNotRegex(coord.stderr(), r"coordinator: disconnected broker")
        # The same identity is the same session: node 1's own certificate does take it over
        # (a restarted agent replaces its old connection).
        self.intrude("node1", "anything")
        self.assertEqual(len(self.takeovers("node/1")), 1)

    def test_system_works_with_identities_bound(self):
        watcher = self.watcher()
        coord = self.coordinator(NODES)
        self.wait_coordinator_online(watcher)
        agents = [self.agent(n) for n in range(1, NODES + 1)]
        # statebusctl's fresh client id per run becomes its identity on the broker; its reply
        # topic still works (make-acl.sh: operators and observers write reply/+).
        rc, out, err = self.ctl_as("operator", ["--wait=60", "poweron"], timeout=90)
        self.assertEqual(rc, 0, f"stdout:\n{out}\nstderr:\n{err}")
        self.wait_final_rollups(watcher)
        rc, out, err = self.ctl_as("observer", ["state"])
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"(?m)^CurrentHostState\s*:.*Running$")
        for p in (coord, *agents):
            self.assertTrue(p.alive(), p.tag)
            self.assert_logs_clean(p)
        log = read_tail(self.broker.log, 100000)
        self.assertNotIn("Denied PUBLISH", log)
        self.assertRegex(log, r"New client connected from \S+ as node/1 ")


@own_tests_only
class IdentityNotBoundTest(IdentityBindingTest):
    """The control: without use_username_as_clientid (statebus-prod.conf before issue 19) the
    same intruder does take node 1's session over, so the test above can tell."""

    bind_client_ids = False

    def test_another_identity_cannot_take_over_a_nodes_or_the_coordinators_session(self):
        watcher = self.watcher()
        agent = self.agent(1, extra=["--client-id", "agent-node1"])
        self.wait_node_online(watcher, 1)
        self.assertEqual(self.intrude("node2", "agent-node1"), "agent-node1")
        self.assertEqual(len(self.takeovers("agent-node1")), 1)
        # The agent notices and reconnects (and takes it back): the disturbance the binding
        # prevents.
        self.wait_log(agent, r"agent: node=1 lost the connection")

    def test_system_works_with_identities_bound(self):
        self.skipTest("the bound case only")


class PasswordTest(IntegrationTest):
    """--username and --password-file against a broker with a password file (the dev config
    with anonymous clients refused)."""

    start_broker = False

    def setUp(self):
        super().setUp()
        self.passwd = os.path.join(self.tmp, "passwd")
        subprocess.run(["mosquitto_passwd", "-b", "-c", self.passwd, "node1", "s3cret pass"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("mosquitto")
            os.chown(self.passwd, pw.pw_uid, pw.pw_gid)
        passwd = self.passwd

        class PasswordBroker(Broker):
            def config_text(self):
                text, n = re.subn(r"(?m)^allow_anonymous true$",
                                  f"allow_anonymous false\npassword_file {passwd}",
                                  super().config_text())
                if n != 1:
                    raise RuntimeError("statebus-dev.conf: no 'allow_anonymous true' line")
                return text

        self.broker = PasswordBroker(os.path.join(self.tmp, "password"))
        self.broker.start()

    def password_file(self, password):
        path = os.path.join(self.tmp, f"pw-{unique_id('p')}")
        with open(path, "w", encoding="utf-8") as f:
            f.write(password + "\n")
        os.chmod(path, 0o600)
        return path

    def test_agent_connects_with_the_right_password_only(self):
        good = self.agent(1, extra=["--username", "node1",
                                    "--password-file", self.password_file("s3cret pass")])
        self.wait_log(good, r"^<6>agent: node=1 connected")
        bad = self.spawn("statebus-agent",
                         ["--broker", self.broker.address, "--system", self.system, "--node", "2",
                          "--backend", "sim", "--username", "node1",
                          "--password-file", self.password_file("wrong")], tag="bad")
        self.wait_log(bad, r"^<4>agent: node=2 failed to connect .*reason='Not authorized'")
        self.assertNotIn("s3cret", " ".join(good.args), "the password is on a command line")


DYNSEC_PLUGIN = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so"


@unittest.skipUnless(os.path.exists(DYNSEC_PLUGIN), "mosquitto's dynamic-security plugin")
class SubscribeAclTest(IntegrationTest):
    """A broker whose ACL checks subscriptions (mosquitto's dynamic-security plugin, like most
    clustering brokers) refuses one with SUBACK 0x87. mosquitto's acl_file never does, so the
    production config cannot show this."""

    start_broker = False

    def setUp(self):
        super().setUp()
        directory = os.path.join(self.tmp, "dynsec")
        os.makedirs(directory)
        config = os.path.join(directory, "dynamic-security.json")
        subprocess.run(["mosquitto_ctrl", "dynsec", "init", config, "admin", "admin-pw"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if os.geteuid() == 0:
            # mosquitto drops to its user, and the plugin rewrites the file on every change.
            pw = pwd.getpwnam("mosquitto")
            for path in (directory, config):
                os.chown(path, pw.pw_uid, pw.pw_gid)

        class DynsecBroker(Broker):
            def config_text(self):
                text, n = re.subn(r"(?m)^allow_anonymous true$",
                                  f"allow_anonymous false\nplugin {DYNSEC_PLUGIN}\n"
                                  f"plugin_opt_config_file {config}",
                                  super().config_text())
                if n != 1:
                    raise RuntimeError("statebus-dev.conf: no 'allow_anonymous true' line")
                return text

        self.broker = DynsecBroker(os.path.join(self.tmp, "broker"))
        self.broker.start()
        # The coordinator may write its topics and subscribe to the system's, not yet to the
        # nodes'; the watcher reads everything.
        self.dynsec("createRole", "coord")
        self.dynsec("addRoleACL", "coord", "publishClientSend", "statebus/#", "allow")
        self.dynsec("addRoleACL", "coord", "subscribePattern", self.t("system/#"), "allow")
        # Its own probe (topics/README.md "The gate", issue #13).
        self.dynsec("addRoleACL", "coord", "subscribePattern", self.t("reply/+/probe"), "allow")
        self.dynsec("createClient", "coordinator", "-p", "coord-pw")
        self.dynsec("addClientRole", "coordinator", "coord")
        self.dynsec("createRole", "watch")
        self.dynsec("addRoleACL", "watch", "subscribePattern", "statebus/#", "allow")
        self.dynsec("createClient", "watcher", "-p", "watch-pw")
        self.dynsec("addClientRole", "watcher", "watch")

    def dynsec(self, *args):
        subprocess.run(["mosquitto_ctrl", "-h", "127.0.0.1", "-p", str(self.broker.port),
                        "-u", "admin", "-P", "admin-pw", "dynsec", *args],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=START_TIMEOUT)

    def test_refused_subscription_keeps_the_coordinator_offline_until_granted(self):
        watcher = Client(self.broker.port, name="watcher", client_id="watcher",
                         credentials=("watcher", "watch-pw"))
        self.clients.append(watcher)
        watcher.subscribe(self.t("#"))
        password = os.path.join(self.tmp, "coordinator-pw")
        with open(password, "w", encoding="utf-8") as f:
            f.write("coord-pw\n")
        os.chmod(password, 0o600)
        coord = self.coordinator(1, extra=["--username", "coordinator",
                                           "--password-file", password])
        node_filter = re.escape(self.t("node/+/+"))
        # Refused, and tried again on the same connection with a backoff (1 s, then 2 s).
        self.wait_log(coord, rf"^<3>coordinator: subscription refused filter='{node_filter}' "
                             r"reason='Not authorized' \(0x87\).*retrying in 2000 ms")
        # Two refusals a second apart: had it gone online on a partial view, it would have.
        self.assertEqual(watcher.received(self.t("system/status"), 0,
                                          lambda m: m.get("status") == "online"), [],
                         "online without its node subscription")
        mark = watcher.mark()
        # The ACL is fixed while it runs: no restart needed (the plugin may also drop the
        # client on a role change; either way it comes back online on its own).
        self.dynsec("addRoleACL", "coord", "subscribePattern", self.t("node/#"), "allow")
        self.wait_coordinator_online(watcher, since=mark)
        self.assertTrue(coord.alive())


if __name__ == "__main__":
    unittest.main()
