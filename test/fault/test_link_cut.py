# SPDX-License-Identifier: Apache-2.0
"""A node's link cut while a power-on waits for it (topics/README.md "Node lifecycle", README.md
"Reliability"): the gate holds, the node is stale and node-lost within the heartbeat bound (long
before the broker's Last Will, which then confirms it without a second node-lost), and when the
link returns the agent reconnects, republishes, the node is back and the request goes out once.
"""

import sys
import time

from netns import FaultTest, main
from harness import LWT_BOUND

NODES = 3
HEARTBEAT_MS = 1000
MISSED = 3
# Declared lost (K + 1/2) intervals after its last heartbeat, which came at most one interval
# before the cut: between (K - 1/2) and (K + 1/2) intervals after it. Scheduling slack for a
# loaded 2-core machine running sanitizer builds on top.
LOSS_MIN_S = (MISSED - 0.5) * HEARTBEAT_MS / 1000 - 0.3
LOSS_BOUND_S = (MISSED + 0.5) * HEARTBEAT_MS / 1000 + 1.0


class LinkCutTest(FaultTest):

    def test_cut_while_a_request_waits(self):
        broker = self.broker_at("broker")
        watcher = self.watcher_at(broker)
        coord = self.coordinator_at(NODES, broker, extra=["--missed-heartbeats", MISSED])
        self.wait_coordinator_online(watcher)
        # Node 3's BMC needs 6 s: the power-on below waits for it.
        for n in range(1, NODES + 1):
            self.agent_at(n, broker, bmc_ready_ms=6000 if n == NODES else 0, power_ms=300,
                          boot_ms=600, heartbeat_ms=HEARTBEAT_MS)
        for n in range(1, NODES):
            self.wait_bmc_ready(watcher, n)
        first = self.wait_node_online(watcher, NODES)
        # Three heartbeats of its session: the coordinator has learned node 3's interval.
        watcher.wait_for(lambda _: len(watcher.received(self.t(f"node/{NODES}/heartbeat"),
                                                        first.index)) >= 3,
                         10, "node 3's third heartbeat")

        self.client_at(broker, name="operator").publish(self.t("system/set/host"),
                                                        {"transition": "On", "id": "cut-1"})
        queued = watcher.wait_json(self.t("event"), kind="queued", id="cut-1")
        self.assertEqual(queued.json.get("nodes"), [NODES], queued)

        # Pull node 3's cable.
        mark = watcher.mark()
        t_cut = time.monotonic()
        self.net.cut(f"n{NODES}")
        lost = watcher.wait_json(self.t("event"), since=mark, timeout=LOSS_BOUND_S + 5,
                                 kind="node-lost", node=NODES)
        seen_after = lost.time - t_cut
        sys.stderr.write(f"link cut: node-lost after {seen_after:.2f} s ({lost.get('why')})\n")
        self.assertIn("no heartbeat", lost.get("why", ""), lost)
        self.assertGreaterEqual(seen_after, LOSS_MIN_S, "lost before K intervals had passed")
        self.assertLessEqual(seen_after, LOSS_BOUND_S, "lost later than the documented bound")
        # Stale like an offline node: listed, its last values kept, the gate closed.
        bmc = self.wait_rollup(watcher, "bmc", "NotReady", since=mark, stale=[NODES])
        self.assertEqual(bmc.json["nodes"].get(str(NODES)), "NotReady", bmc)
        # (Unchanged by the loss when node 3's BMC was not Ready yet: the latest one counts.)
        self.wait_latest(watcher, "system/requests",
                         lambda m: m.get("gate") == "closed" and m.get("waiting_for") == [NODES]
                         and "cut-1" in [r.get("id") for r in m.get("pending", [])],
                         10, "system/requests: cut-1 waiting for node 3")

        # The broker's Will comes seconds later and only confirms it. Meanwhile node 3's BMC
        # became Ready in the sim, unseen: nothing is dispatched.
        will = watcher.wait_json(self.t(f"node/{NODES}/status"), since=mark,
                                 timeout=LWT_BOUND + 5, status="lost")
        self.assertEqual(will.get("epoch"), first.get("epoch"))
        self.assertGreater(will.index, lost.index, "the heartbeats were faster than the Will")
        self.assertEqual(self.commands_for(watcher, "cut-1"), {}, "dispatched during the cut")

        # The cable is back: the agent reconnects (new epoch), republishes everything, the node
        # is back, and the queued power-on goes out exactly once per node and completes.
        mark = watcher.mark()
        self.net.restore(f"n{NODES}")
        online = watcher.wait_msg(self.t(f"node/{NODES}/status"),
                                  lambda m: m.get("status") == "online" and not m.retain,
                                  since=mark, timeout=40, what="node 3 reconnected")
        self.assertNotEqual(online.get("epoch"), first.get("epoch"))
        for kind in ("bmc", "chassis", "host", "boot-progress"):
            m = watcher.wait_msg(self.t(f"node/{NODES}/{kind}"),
                                 lambda m: m.get("epoch") == online.get("epoch"),
                                 since=mark, what=f"node 3 republished {kind}")
            self.assertLess(m.index, online.index, "birth: states first, status online last")
        watcher.wait_json(self.t("event"), since=mark, kind="node-back", node=NODES)
        watcher.wait_json(self.t("event"), kind="completed", id="cut-1", timeout=30)
        per_node = self.commands_for(watcher, "cut-1")
        self.assertEqual({n: len(v) for n, v in per_node.items()},
                         {n: 1 for n in range(1, NODES + 1)}, "one command per node")
        self.assertTrue(all(m.index > online.index for v in per_node.values() for m in v))
        self.assertEqual(len(self.node_events(watcher, "node-lost", NODES)), 1,
                         "one node-lost for one loss: the Will confirmed it")
        self.assertEqual(len(self.final_events(watcher, "cut-1")), 1)
        self.wait_final_rollups(watcher, since=mark)
        self.assertTrue(coord.alive())


if __name__ == "__main__":
    main("test_link_cut")
