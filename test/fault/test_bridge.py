# SPDX-License-Identifier: Apache-2.0
"""Two brokers bridged (broker-config/statebus-bridge-rack.conf): the agents on a rack broker, the
coordinator and statebusctl on a central one, each on its own namespace host. The gated power-on
works across the bridge (one command per node, no more), and a crash of the rack broker, which
no Last Will crosses, is seen from the nodes' missing heartbeats within the liveness bound; the
rack comes back by itself."""

import os
import time

from netns import SOURCE_DIR, FaultTest, NsBroker, main
from harness import FINAL, ROLLUPS, wait_briefly

BRIDGE_CONF = os.path.join(SOURCE_DIR, "broker-config", "statebus-bridge-rack.conf")
NODES = 3
HEARTBEAT_MS = 1000
MISSED = 3
# topics/README.md "Node lifecycle": lost (K + 1/2) intervals after the last heartbeat, which
# comes at most one interval before the failure; plus scheduling slack on a loaded 2-core
# machine running sanitizer builds.
LOSS_BOUND_S = (MISSED + 0.5) * HEARTBEAT_MS / 1000 + 1.0


class BridgeTest(FaultTest):

    def start_rack(self, central):
        with open(BRIDGE_CONF, encoding="utf-8") as f:
            bridge = f.read()
        # The shipped bridge section, pointed at this test's central broker (mosquitto splits
        # HOST:PORT at the last colon: a bare IPv6 address with its port).
        for old, new in (("address central.example.net:1883", f"address {central.host}:1883"),):
            self.assertEqual(bridge.count(old), 1, f"{BRIDGE_CONF}: expected one '{old}'")
            bridge = bridge.replace(old, new)
        rack = NsBroker(self, "rack")
        self.brokers.append(rack)
        with open(rack.conf, "a", encoding="utf-8") as f:
            f.write("\n" + bridge)
        return rack.start()

    def wait_bridge_up(self, central, since_count=0):
        """The central broker logged the rack's bridge connecting (since_count earlier times)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(central.log, encoding="utf-8", errors="replace") as f:
                if f.read().count("as statebus-bridge-rack1") > since_count:
                    return
            wait_briefly(0.05)
        self.fail("the rack's bridge did not connect to the central broker")

    def test_gated_power_on_across_the_bridge_and_rack_loss(self):
        central = self.broker_at("central")
        rack = self.start_rack(central)
        self.wait_bridge_up(central)
        watcher = self.watcher_at(central, name="central-watcher")
        at_rack = self.watcher_at(rack, name="rack-watcher")

        coord = self.coordinator_at(NODES, central,
                                    extra=["--missed-heartbeats", MISSED])
        self.wait_coordinator_online(watcher)
        agents = {n: self.agent_at(n, rack, bmc_ready_ms=3000 if n == NODES else 0,
                                   power_ms=300, boot_ms=600, heartbeat_ms=HEARTBEAT_MS)
                  for n in range(1, NODES + 1)}
        for n in range(1, NODES):
            self.wait_bmc_ready(watcher, n)

        # statebusctl at the central broker: queued (node 3's BMC boots), dispatched across the
        # bridge once it is Ready, completed when every node reports Running back across it.
        ctl = self.spawn_at("ops", "statebusctl",
                            ["--broker", central.address, "--system", self.system,
                             "--wait=60", "poweron"], tag="statebusctl")
        queued = watcher.wait_msg(self.t("event"), lambda m: m.get("kind") == "queued",
                                  what="the power-on queued behind node 3's BMC")
        self.assertIn(NODES, queued.json.get("nodes", []), queued)
        rid = queued.json["id"]
        self.assertEqual(ctl.wait(90), 0, f"statebusctl:\n{ctl.stdout()}\n{ctl.stderr()}")
        watcher.wait_json(self.t("event"), kind="completed", id=rid)
        self.wait_final_rollups(watcher)

        # Exactly one command per node, as the agents' broker saw them.
        at_rack.barrier(self.t("test/barrier"))
        per_node = {}
        for m in at_rack.received(self.t("node/+/set/+")):
            if m.get("id") == rid:
                per_node.setdefault(int(m.topic.split("/")[3]), []).append(m)
        self.assertEqual({n: len(v) for n, v in per_node.items()},
                         {n: 1 for n in range(1, NODES + 1)}, "one command per node")
        self.assertTrue(all(not m.retain for v in per_node.values() for m in v))
        # Operators' requests never cross to the rack.
        self.assertEqual(at_rack.received(self.t("system/set/+")), [])

        # The rack broker crashes: no Will reaches the central broker, whose retained statuses
        # still say online; the missing heartbeats tell the coordinator within the bound.
        mark = watcher.mark()
        rack.force_save()
        t_crash = time.monotonic()
        rack.kill()
        lost = {}
        for n in range(1, NODES + 1):
            m = watcher.wait_json(self.t("event"), since=mark, timeout=LOSS_BOUND_S + 5,
                                  kind="node-lost", node=n)
            lost[n] = m.time - t_crash
            self.assertIn("no heartbeat", m.get("why", ""), m)
        self.assertLessEqual(max(lost.values()), LOSS_BOUND_S, f"loss seen after {lost} s")
        self.wait_rollup(watcher, "bmc", "NotReady", since=mark,
                         stale=list(range(1, NODES + 1)))
        # The last known values stay: the hosts keep running (topics/README.md).
        self.wait_rollup(watcher, "host", "Running", since=mark,
                         stale=list(range(1, NODES + 1)))
        snap = self.retained_at(central, [self.t(f"node/{n}/status")
                                          for n in range(1, NODES + 1)])
        self.assertTrue(all(b'"online"' in p for p in snap.values()),
                        f"retained statuses at the central broker: {snap}")

        # The rack broker restarts: the agents reconnect with backoff, the bridge reconnects,
        # the nodes come back with their new sessions and the system is whole again.
        mark = watcher.mark()
        rack.start()
        for n in range(1, NODES + 1):
            watcher.wait_json(self.t("event"), since=mark, timeout=30, kind="node-back", node=n)
        for kind in ROLLUPS:
            self.wait_rollup(watcher, kind, FINAL[kind], since=mark, stale=[], mixed=False)
        self.assertTrue(coord.alive())
        self.assertTrue(all(a.alive() for a in agents.values()))
        for n in range(1, NODES + 1):
            self.assertEqual(len(self.node_events(watcher, "node-lost", n)), 1,
                             f"node {n}: one node-lost for one loss")


if __name__ == "__main__":
    main("test_bridge")
