# SPDX-License-Identifier: Apache-2.0
"""Issue #13's two defects as real sequences (topics/README.md "The gate" and "Requests"), with
the real broker, coordinator and sim agents on namespace hosts, and real signals:

1. A power-on released from a stale backlog. A host On waits for node 3's BMC; the coordinator
   is stopped (SIGSTOP); node 3's BMC comes up, then node 2's agent is SIGKILLed and its Will
   `lost` published; the coordinator continues (SIGCONT) and finds both in its backlog. Nothing
   may be dispatched while node 2 is down; the On goes out once node 2 is back, after it.
2. "completed" for a cycle no node performed. A chassis On is under way; the nodes' links are
   cut; a PowerCycle supersedes the On and is dispatched, its commands stuck on the dead links;
   the broker is killed (they are gone) and restarted, the links restored once the agents gave
   their connections up. The superseded On finishes on every node. The PowerCycle must fail at its time-out naming every node, and no
   node may have accepted it.
"""

import signal
import sys

from netns import FINAL_KINDS, FaultTest, main

NODES = 3
TRANSITION_TIMEOUT_MS = 8000


class StaleEvidenceTest(FaultTest):

    def request(self, operator, target, transition, rid):
        operator.publish(self.t(f"system/set/{target}"), {"transition": transition, "id": rid})

    def finals(self, watcher, rid, timeout):
        return watcher.wait_for(lambda _: self.final_events(watcher, rid), timeout,
                                f"the end of {rid}")

    def test_stopped_coordinator_never_releases_on_a_stale_backlog(self):
        broker = self.broker_at("broker")
        watcher = self.watcher_at(broker)
        operator = self.client_at(broker, name="operator")
        coord = self.coordinator_at(NODES, broker)
        self.wait_coordinator_online(watcher)
        agents = {n: self.agent_at(n, broker, bmc_ready_ms=6000 if n == NODES else 0)
                  for n in range(1, NODES + 1)}
        for n in range(1, NODES):
            self.wait_bmc_ready(watcher, n)
        self.wait_node_online(watcher, NODES)
        self.request(operator, "host", "On", "se-1")
        watcher.wait_json(self.t("event"), kind="queued", id="se-1")
        # Three heartbeats of every node: the coordinator times them, its timer is armed.
        first = watcher.mark()
        watcher.wait_for(lambda _: all(len(watcher.received(self.t(f"node/{n}/heartbeat"), first))
                                       >= 3 for n in agents), 15, "three heartbeats per node")

        coord.signal(signal.SIGSTOP)
        stopped = watcher.mark()
        self.wait_bmc_ready(watcher, NODES, since=stopped)
        agents[2].kill()
        watcher.wait_json(self.t("node/2/status"), since=stopped, status="lost")
        resumed = watcher.mark()
        coord.signal(signal.SIGCONT)

        # It reads its backlog: node 2 lost.
        watcher.wait_json(self.t("event"), since=resumed, kind="node-lost", node=2)
        # No command while node 2 is down: a time-driven window (there is no event to wait for).
        watcher.assert_none_for(self.t("node/+/set/+"), lambda m: b'"se-1"' in m.payload, 3.0,
                                since=stopped, what="a command of se-1 while node 2 is down")
        self.assertFalse([m for m in self.events_for(watcher, "se-1", stopped)
                          if m.get("kind") == "dispatched"])

        back = watcher.mark()
        agents[2] = self.agent_at(2, broker)
        online = self.wait_node_online(watcher, 2, since=back)
        dispatched = watcher.wait_json(self.t("event"), since=back, kind="dispatched", id="se-1")
        self.assertGreater(dispatched.index, online.index)
        ends = self.finals(watcher, "se-1", 30)
        self.assertEqual([m.get("kind") for m in ends], ["completed"], ends)
        self.assertEqual({n: len(v) for n, v in self.commands_for(watcher, "se-1").items()},
                         {n: 1 for n in range(1, NODES + 1)})

    def test_cycle_no_node_performed_fails_naming_every_node(self):
        broker = self.broker_at("broker")
        watcher = self.watcher_at(broker)
        operator = self.client_at(broker, name="operator")
        self.coordinator_at(NODES, broker, extra=["--transition-timeout", TRANSITION_TIMEOUT_MS])
        self.wait_coordinator_online(watcher)
        agents = {n: self.agent_at(n, broker, power_ms=2500) for n in range(1, NODES + 1)}
        self.wait_rollup(watcher, "bmc", "Ready", stale=[])

        mark = watcher.mark()
        self.request(operator, "chassis", "On", "on-1")
        for n in range(1, NODES + 1):
            watcher.wait_json(self.t(f"node/{n}/chassis"), since=mark,
                              state="TransitioningToOn", request="on-1")
        # The nodes' links go dark; the PowerCycle goes out (the gate is still open: the nodes
        # are not silent yet) and its commands are stuck in the broker's sockets to them.
        for n in range(1, NODES + 1):
            self.net.cut(f"n{n}")
        self.request(operator, "chassis", "PowerCycle", "pc-1")
        watcher.wait_json(self.t("event"), since=mark, kind="dispatched", id="pc-1")
        first_watcher = watcher
        broker.kill()
        # A clean session's subscriptions do not survive the broker: a new watcher.
        watcher.close()
        self.clients.remove(watcher)
        broker.start()
        watcher = self.watcher_at(broker, name="watcher-after")
        # The killed broker's sockets live on in the kernel and would deliver the commands once
        # the links are back: the links stay cut until every agent has given its connection up
        # (keepalive); then those sockets meet a reset.
        for n, agent in agents.items():
            self.wait_log(agent, r"lost the connection", timeout=30)
        for n in range(1, NODES + 1):
            self.net.restore(f"n{n}")
        # The superseded On finishes on every node, naming its own request (retained or live).
        for n in range(1, NODES + 1):
            watcher.wait_json(self.t(f"node/{n}/chassis"), timeout=30, state="On",
                              request="on-1")

        ends = self.finals(watcher, "pc-1", TRANSITION_TIMEOUT_MS / 1000 + 30)
        self.assertEqual(len(ends), 1, ends)
        self.assertEqual(ends[0].get("kind"), "failed", ends[0])
        self.assertEqual(ends[0].get("nodes"), list(range(1, NODES + 1)), ends[0])
        accepted = [m for m in self.events_for(watcher, "pc-1")
                    if m.get("kind") == "accepted" and "node" in m.json]
        self.assertEqual(accepted, [], "no node got the PowerCycle")
        # No node state ever named it.
        self.assertEqual([m for m in watcher.received(self.t("node/+/chassis"))
                          if m.get("request") == "pc-1"], [])
        on_ends = self.final_events(first_watcher, "on-1") + self.final_events(watcher, "on-1")
        # One end: the broker was killed within 2 s of acknowledging it, so the coordinator
        # publishes it again at the reconnect, marked "replay" (topics/README.md "Requests",
        # durability), which counts as the same end.
        firsts = [m for m in on_ends if not m.get("replay")]
        self.assertLessEqual(len(firsts), 1, on_ends)
        self.assertTrue(on_ends, "on-1 never ended")
        self.assertEqual({m.get("kind") for m in on_ends}, {on_ends[0].get("kind")}, on_ends)
        self.assertIn(on_ends[0].get("kind"), FINAL_KINDS)
        sys.stderr.write(f"pc-1: {ends[0].get('kind')} {ends[0].get('why')}; "
                         f"on-1: {on_ends[0].get('kind')} {on_ends[0].get('why')}\n")


    def test_forged_probe_is_refused(self):
        """Only the exact bytes the coordinator published last count as its probe; anything else
        on its probe topic is untrusted input: refused and answered, no evidence."""
        broker = self.broker_at("broker")
        watcher = self.watcher_at(broker)
        operator = self.client_at(broker, name="operator")
        self.coordinator_at(NODES, broker)
        self.wait_coordinator_online(watcher)
        probe_topic = self.t(f"reply/statebus-{self.system}-coordinator/probe")
        mark = watcher.mark()
        operator.publish(probe_topic, {"v": 1, "probe": 1, "nonce": 0}, qos=0)
        rejected = watcher.wait_json(self.t("event"), since=mark, kind="rejected")
        self.assertIn("not the coordinator's own probe", rejected.get("why", ""))


if __name__ == "__main__":
    main("test_stale_evidence")
