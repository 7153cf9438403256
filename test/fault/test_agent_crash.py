# SPDX-License-Identifier: Apache-2.0
"""An agent killed during a transition (README.md "Reliability"). The rule: the node stays in the
request; if its agent comes back before --transition-timeout and the node reaches the target
(the hardware carries on without its BMC: the sim with --sim-state-file, a real host that keeps
booting), the request completes, with no second command to that node; if it does not, the
request fails at the time-out naming that node, and only that node."""

from netns import FaultTest, main

NODES = 2
TRANSITION_TIMEOUT_MS = 8000
# Slow enough to kill the agent in the middle: power 1 s, boot 3 s.
POWER_MS = 1000
BOOT_MS = 3000


class AgentCrashTest(FaultTest):

    def setUp(self):
        super().setUp()
        self.broker = self.broker_at("broker")
        self.watcher = self.watcher_at(self.broker)
        self.operator = self.client_at(self.broker, name="operator")
        self.coord = self.coordinator_at(NODES, self.broker,
                                         extra=["--transition-timeout", TRANSITION_TIMEOUT_MS])
        self.wait_coordinator_online(self.watcher)
        self.sim_file = f"{self.tmp}/sim-{NODES}.json"
        self.agents = {n: self.start_agent(n) for n in range(1, NODES + 1)}
        self.wait_rollup(self.watcher, "bmc", "Ready", stale=[])

    def start_agent(self, n):
        extra = ["--sim-state-file", self.sim_file] if n == NODES else []
        return self.agent_at(n, self.broker, power_ms=POWER_MS, boot_ms=BOOT_MS, extra=extra)

    def power_on_and_kill_midway(self, rid):
        """host On; SIGKILL node 2's agent once its host is on the way (TransitioningToRunning).
        Returns the watcher mark at the kill."""
        self.operator.publish(self.t("system/set/host"), {"transition": "On", "id": rid})
        self.watcher.wait_json(self.t("event"), kind="dispatched", id=rid)
        self.watcher.wait_json(self.t(f"node/{NODES}/host"), state="TransitioningToRunning",
                               what="node 2 booting")
        mark = self.watcher.mark()
        self.agents[NODES].kill()
        return mark

    def final(self, rid, timeout):
        msgs = self.watcher.wait_for(lambda _: self.final_events(self.watcher, rid), timeout,
                                     f"the end of {rid}")
        return msgs

    def test_not_back_fails_naming_the_node(self):
        mark = self.power_on_and_kill_midway("ak-1")
        self.watcher.wait_json(self.t("event"), since=mark, kind="node-lost", node=NODES)
        ends = self.final("ak-1", TRANSITION_TIMEOUT_MS / 1000 + 15)
        self.assertEqual(len(ends), 1, ends)
        end = ends[0]
        self.assertEqual(end.get("kind"), "failed", end)
        self.assertEqual(end.get("nodes"), [NODES], "only the node whose agent died")
        self.assertIn("1 of 2 nodes did not reach host Running", end.get("why", ""), end)
        # The node that was there finished its part.
        self.watcher.wait_json(self.t("node/1/host"), state="Running")
        self.assertEqual({n: len(v) for n, v in self.commands_for(self.watcher, "ak-1").items()},
                         {1: 1, 2: 1})

    def test_back_in_time_completes_without_a_second_command(self):
        mark = self.power_on_and_kill_midway("ak-2")
        # Its BMC reboots (a new agent session) while the host goes on booting.
        self.agents[NODES] = self.start_agent(NODES)
        self.wait_node_online(self.watcher, NODES, since=mark)
        self.watcher.wait_json(self.t("event"), since=mark, kind="node-back", node=NODES)
        ends = self.final("ak-2", TRANSITION_TIMEOUT_MS / 1000 + 15)
        self.assertEqual([m.get("kind") for m in ends], ["completed"], ends)
        self.assertEqual({n: len(v) for n, v in self.commands_for(self.watcher, "ak-2").items()},
                         {1: 1, 2: 1}, "the restarted agent got no second command")
        self.wait_final_rollups(self.watcher, since=mark)


if __name__ == "__main__":
    main("test_agent_crash")
