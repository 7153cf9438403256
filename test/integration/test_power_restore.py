# SPDX-License-Identifier: Apache-2.0
"""Issue 4 end to end with sim agents: power restore after an AC loss of every node or of one,
a BMC reset with the host up, scheduled transitions through the gate, the hypervisor, and the
settings behind them (set with statebusctl). Against contract.md and topics/README.md."""

import os
import signal
import time
import unittest

from harness import EVENT_TIMEOUT, IntegrationTest, START_TIMEOUT, kind_of

NODES = 4


class PowerRestoreTest(IntegrationTest):

    # ---- helpers ---------------------------------------------------------------------------
    def state_file(self, node):
        return os.path.join(self.tmp, f"node{node}-hardware.json")

    def start_agent(self, node, ac_loss=False, extra=(), **kw):
        args = ["--sim-state-file", self.state_file(node), *extra]
        if ac_loss:
            args.append("--sim-ac-loss")
        return self.agent(node, extra=args, **kw)

    def start_system(self, coordinator_extra=(), ac_loss=False, agent_extra=None, **agent_kw):
        watcher = self.watcher()
        coord, _ = self.start_coordinator(watcher, NODES, extra=coordinator_extra)
        agents = {n: self.start_agent(n, ac_loss=ac_loss,
                                      extra=(agent_extra or {}).get(n, ()), **agent_kw)
                  for n in range(1, NODES + 1)}
        return watcher, coord, agents

    def ctl_ok(self, *args):
        rc, out, err = self.ctl(list(args))
        self.assertEqual(rc, 0, f"statebusctl {args}: rc {rc}\n{out}\n{err}")
        return out

    def set_policy(self, policy):
        out = self.ctl_ok("--wait=20", "set-policy", policy)
        self.assertIn(f"power-restore-policy: {policy} (effective)", out)

    def power_on(self, watcher):
        self.ctl_ok("--wait=60", "poweron")
        return self.wait_final_rollups(watcher)

    def commands_since(self, watcher, since):
        return watcher.received(self.t("node/+/set/+"), since)

    def restore_events(self, watcher, since=0):
        return [m for m in watcher.received(self.t("event"), since)
                if kind_of(m) == "power-restore"]

    def outage(self, agents, nodes, **kw):
        """The nodes lose AC: their agents die without a word (SIGKILL) and come back from an
        AC-loss boot (the sim powers its saved hardware off)."""
        for n in nodes:
            agents[n].kill()
        for n in nodes:
            agents[n] = self.start_agent(n, ac_loss=True, **kw)

    def restart_coordinator(self, watcher, coord, extra=()):
        coord.signal(signal.SIGTERM)
        self.assertEqual(coord.wait(20), 0)
        mark = watcher.mark()
        coord, _ = self.start_coordinator(watcher, NODES, extra=extra)
        # After its rebirth window the coordinator republishes every rollup.
        self.wait_rollup(watcher, "bmc", "Ready", since=mark, stale=[])
        return coord, mark

    # ---- AC loss of every node ---------------------------------------------------------------
    def test_ac_loss_of_every_node_powers_on_once_under_always_on(self):
        watcher = self.watcher()
        coord, _ = self.start_coordinator(watcher, NODES)
        self.set_policy("AlwaysOn")
        mark = watcher.mark()
        agents = {n: self.start_agent(n, ac_loss=True, bmc_ready_ms=300 * n)
                  for n in range(1, NODES + 1)}

        decision = watcher.wait_msg(self.t("event"), lambda m: kind_of(m) == "power-restore",
                                    EVENT_TIMEOUT, mark, "the power-restore decision")
        self.assertEqual(decision.json.get("id"), "power-restore-1", decision)
        self.assertEqual(decision.json.get("transition"), "On", decision)
        self.assertIn("policy AlwaysOn", decision.json.get("why", ""), decision)
        # Decided when the gate opened (PSM restores at BMC Ready): after the last Ready.
        last_ready = self.wait_bmc_ready(watcher, NODES, since=mark)
        self.assertGreater(decision.index, last_ready.index)

        retained = watcher.wait_json(self.t("system/power-restore"), since=mark,
                                     id="power-restore-1")
        self.assertTrue(retained.json.get("system_wide"), retained)
        self.assertEqual(retained.json.get("action"), "On", retained)
        self.assertEqual(retained.json.get("policy"), "AlwaysOn", retained)
        self.assertEqual(sorted(retained.json.get("nodes", [])), [1, 2, 3, 4], retained)
        watcher.wait_json(self.t("event"), kind="completed", id="power-restore-1", timeout=30)
        self.wait_final_rollups(watcher)
        per_node = self.commands_for(watcher, "power-restore-1")
        self.assertEqual(sorted(per_node), [1, 2, 3, 4])
        for n, msgs in per_node.items():
            self.assertEqual(len(msgs), 1, f"node {n}: {msgs}")
            self.assertIn("PowerPolicyAlwaysOn", msgs[0].json.get("reason", ""))

        # A coordinator restart never decides the same loss twice: the agents still report
        # ac_loss with the same bmc_boot.
        coord, mark = self.restart_coordinator(watcher, coord)
        watcher.barrier(self.t("test/barrier"))
        self.assertEqual(self.restore_events(watcher, mark), [])
        self.assertEqual(self.commands_since(watcher, mark), [])
        # The decision is still there for readers, republished after the reconnect.
        snap = self.retained_snapshot([self.t("system/power-restore")])
        self.assertIn(b"power-restore-1", snap[self.t("system/power-restore")])
        for p in [coord, *agents.values()]:
            self.assert_logs_clean(p)

    # ---- Restore ---------------------------------------------------------------------------
    def test_restore_returns_to_the_previous_state(self):
        watcher, coord, agents = self.start_system()
        self.wait_rollup(watcher, "bmc", "Ready", stale=[])
        self.set_policy("Restore")
        self.power_on(watcher)

        mark = watcher.mark()
        self.outage(agents, range(1, NODES + 1))
        decision = watcher.wait_msg(self.t("event"), lambda m: kind_of(m) == "power-restore",
                                    EVENT_TIMEOUT, mark, "the power-restore decision")
        self.assertIn("policy Restore: the last requested state was host On: host On",
                      decision.json.get("why", ""))
        rid = decision.json.get("id")
        watcher.wait_json(self.t("event"), kind="completed", id=rid, since=mark, timeout=30)
        self.wait_final_rollups(watcher, since=mark)
        self.assertIn("PowerPolicyPreviousState",
                      self.commands_for(watcher, rid)[1][0].json.get("reason", ""))

        # Asked to be off before the next outage: Restore leaves it off, and says why.
        self.ctl_ok("--wait=60", "poweroff")
        mark = watcher.mark()
        self.outage(agents, range(1, NODES + 1))
        decision = watcher.wait_msg(self.t("event"), lambda m: kind_of(m) == "power-restore",
                                    EVENT_TIMEOUT, mark, "the second decision")
        self.assertIn("the last requested state was host Off: no action",
                      decision.json.get("why", ""))
        self.assertNotIn("id", decision.json)
        watcher.barrier(self.t("test/barrier"))
        self.assertEqual(self.commands_since(watcher, mark), [])
        self.wait_rollup(watcher, "host", "Off", since=mark, stale=[])

    # ---- one node's loss --------------------------------------------------------------------
    def test_one_node_loss_leaves_the_running_nodes_alone(self):
        watcher, coord, agents = self.start_system()
        self.wait_rollup(watcher, "bmc", "Ready", stale=[])
        self.set_policy("AlwaysOn")
        self.power_on(watcher)

        mark = watcher.mark()
        self.outage(agents, [2])
        decision = watcher.wait_msg(self.t("event"), lambda m: kind_of(m) == "power-restore",
                                    EVENT_TIMEOUT, mark, "the power-restore decision")
        self.assertEqual(decision.json.get("nodes"), [2], decision)
        self.assertIn("node-local loss", decision.json.get("why", ""))
        self.assertIn("the system stays as it is", decision.json.get("why", ""))
        retained = watcher.wait_json(self.t("system/power-restore"), since=mark,
                                     system_wide=False)
        self.assertNotIn("action", retained.json)
        # The other nodes keep running; node 2 stays off; nobody got a command.
        host = self.wait_rollup(watcher, "host", "Off", since=mark, stale=[], mixed=True)
        self.assertEqual(host.json["nodes"], {"1": "Running", "2": "Off", "3": "Running",
                                              "4": "Running"})
        watcher.barrier(self.t("test/barrier"))
        self.assertEqual(self.commands_since(watcher, mark), [])

    def test_one_node_loss_rejoins_with_node_restore_rejoin(self):
        watcher, coord, agents = self.start_system(coordinator_extra=["--node-restore",
                                                                      "rejoin"])
        self.wait_rollup(watcher, "bmc", "Ready", stale=[])
        self.power_on(watcher)
        mark = watcher.mark()
        self.outage(agents, [3])
        decision = watcher.wait_msg(self.t("event"), lambda m: kind_of(m) == "power-restore",
                                    EVENT_TIMEOUT, mark, "the power-restore decision")
        rid = decision.json.get("id")
        self.assertIn("rejoin the running system", decision.json.get("why", ""))
        watcher.wait_json(self.t("event"), kind="completed", id=rid, since=mark, timeout=30)
        self.assertEqual(sorted(self.commands_for(watcher, rid)), [3])
        self.wait_final_rollups(watcher, since=mark)

    # ---- BMC reset with the host up ----------------------------------------------------------
    def test_agent_restart_with_the_host_running_issues_no_command(self):
        watcher, coord, agents = self.start_system(coordinator_extra=["--node-restore",
                                                                      "rejoin"])
        self.wait_rollup(watcher, "bmc", "Ready", stale=[])
        self.set_policy("AlwaysOn")
        self.power_on(watcher)

        mark = watcher.mark()
        agents[3].kill()
        # The coordinator shows the node stale meanwhile; the system keeps saying Running.
        self.wait_rollup(watcher, "host", "Running", since=mark, stale=[3])
        agents[3] = self.start_agent(3, bmc_ready_ms=500)
        birth_host = watcher.wait_msg(self.t("node/3/host"), lambda m: not m.retain,
                                      START_TIMEOUT, mark, "node 3's birth host state")
        chassis = watcher.received(self.t("node/3/chassis"), mark)[-1]
        # Learnt from the backend before publishing, and a reset is not an AC loss.
        self.assertEqual(birth_host.json.get("state"), "Running", birth_host)
        self.assertEqual(chassis.json.get("state"), "On", chassis)
        self.assertFalse(chassis.json.get("ac_loss"), chassis)
        watcher.wait_json(self.t("event"), since=mark, kind="node-back", node=3)
        self.wait_bmc_ready(watcher, 3, since=mark)
        self.wait_rollup(watcher, "host", "Running", since=mark, stale=[], mixed=False)
        watcher.barrier(self.t("test/barrier"))
        self.assertEqual(self.commands_since(watcher, mark), [],
                         "a BMC reset with the host up caused a command")
        self.assertEqual(self.restore_events(watcher, mark), [])

    # ---- scheduled transitions ---------------------------------------------------------------
    def test_scheduled_on_fires_through_the_gate(self):
        watcher = self.watcher()
        coord, _ = self.start_coordinator(watcher, NODES)
        agents = {n: self.start_agent(n) for n in range(1, NODES)}
        for n in range(1, NODES):
            self.wait_bmc_ready(watcher, n)
        # A time in the past is refused (PSM's InvalidTime).
        rc, out, err = self.ctl(["schedule", str(int(time.time()) - 60), "On"])
        self.assertEqual(rc, 1, f"{out}\n{err}")
        self.assertIn("is in the past", out)

        mark = watcher.mark()
        out = self.ctl_ok("--wait=20", "schedule", "+3", "On")
        self.assertIn("scheduled-transition: host On at", out)
        # Node 4's BMC only becomes Ready 6 s after its start: the schedule waits in the gate.
        agents[NODES] = self.start_agent(NODES, bmc_ready_ms=6000)
        fired = watcher.wait_msg(self.t("event"), lambda m: kind_of(m) == "scheduled",
                                 EVENT_TIMEOUT, mark, "the schedule firing")
        rid = fired.json.get("id")
        self.assertTrue(rid.startswith("scheduled-"), fired)
        queued = watcher.wait_json(self.t("event"), since=mark, kind="queued", id=rid)
        self.assertEqual(queued.json.get("nodes"), [NODES], queued)
        cleared = watcher.wait_msg(self.t("system/settings/scheduled-transition"),
                                   lambda m: m.json == {"v": 1, "value": None},
                                   EVENT_TIMEOUT, mark, "the schedule cleared")
        # topics/README.md "Causal order": the cleared setting goes out before the event that
        # reports the firing.
        self.assertTrue(cleared.retain or cleared.index < fired.index)
        last_ready = self.wait_bmc_ready(watcher, NODES, since=mark, timeout=EVENT_TIMEOUT)
        dispatched = watcher.wait_json(self.t("event"), since=mark, kind="dispatched", id=rid)
        self.assertGreater(dispatched.index, last_ready.index)
        early = [m for m in self.commands_since(watcher, mark) if m.index < last_ready.index]
        self.assertEqual(early, [], "a command went out before the gate opened")
        self.assertEqual(sorted(self.commands_for(watcher, rid)), [1, 2, 3, 4])
        self.assertIn("ScheduledPowerOn",
                      self.commands_for(watcher, rid)[1][0].json.get("reason", ""))
        watcher.wait_json(self.t("event"), kind="completed", id=rid, since=mark, timeout=30)
        self.wait_final_rollups(watcher, since=mark)

    # ---- the delay: a request with a not-before time (issue #14) ------------------------------
    def test_delayed_power_restore_is_a_request(self):
        watcher = self.watcher()
        coord, _ = self.start_coordinator(watcher, NODES)
        self.set_policy("AlwaysOn")
        self.ctl_ok("--wait=20", "set-policy", "--delay", "600")
        mark = watcher.mark()
        agents = {n: self.start_agent(n, ac_loss=True) for n in range(1, NODES + 1)}
        decision = watcher.wait_msg(self.t("event"), lambda m: kind_of(m) == "power-restore",
                                    EVENT_TIMEOUT, mark, "the power-restore decision")
        self.assertIn("in 600 s (power-restore-delay)", decision.json.get("why", ""))
        # Listed in system/requests as a pending request with its not-before time.
        retained = watcher.wait_msg(
            self.t("system/requests"),
            lambda m: any(r.get("id") == "power-restore-1" for r in m.json.get("pending", [])),
            EVENT_TIMEOUT, mark, "the delayed request in system/requests")
        entry = [r for r in retained.json["pending"] if r["id"] == "power-restore-1"][0]
        self.assertEqual((entry["target"], entry["transition"]), ("host", "On"), entry)
        self.assertEqual(entry["not_before"] - entry["since"], 600000, entry)
        power = watcher.wait_json(self.t("system/power-restore"), since=mark,
                                  id="power-restore-1")
        self.assertEqual(entry["not_before"], power.json["due"], (entry, power))
        out = self.ctl_ok("status")
        self.assertRegex(out, r"delayed +host On id=power-restore-1 since .* until \d\d:\d\d:\d\d")

        # Cancelled by its id like a queued request: nothing is sent to the nodes.
        cancel_mark = watcher.mark()
        out = self.ctl_ok("cancel", "power-restore-1")
        self.assertIn("cancelled", out)
        ended = watcher.wait_json(self.t("event"), since=cancel_mark, kind="cancelled",
                                  id="power-restore-1")
        self.assertIn("waiting for power-restore-delay, nothing was dispatched",
                      ended.json.get("why", ""))
        watcher.wait_msg(
            self.t("system/requests"),
            lambda m: not m.json.get("pending") and
            any(r.get("id") == "power-restore-1" and r.get("result") == "cancelled"
                for r in m.json.get("last", [])),
            EVENT_TIMEOUT, cancel_mark, "system/requests without the delayed request")
        watcher.barrier(self.t("test/barrier"))
        self.assertEqual(self.commands_since(watcher, mark), [])

        # With a short delay the next loss's request enters the gate when it is due, and not
        # before.
        self.ctl_ok("--wait=20", "set-policy", "--delay", "2")
        mark = watcher.mark()
        self.outage(agents, range(1, NODES + 1))
        decision = watcher.wait_msg(self.t("event"), lambda m: kind_of(m) == "power-restore",
                                    EVENT_TIMEOUT, mark, "the second decision")
        rid = decision.json.get("id")
        self.assertEqual(rid, "power-restore-2", decision)
        over = watcher.wait_msg(
            self.t("event"),
            lambda m: kind_of(m) == "power-restore" and m.json.get("id") == rid and
            "power-restore-delay over" in m.json.get("why", ""),
            EVENT_TIMEOUT, mark, "the delay over")
        self.assertGreaterEqual(over.json["time"] - decision.json["time"], 2000, (decision, over))
        dispatched = watcher.wait_json(self.t("event"), since=mark, kind="dispatched", id=rid)
        self.assertGreater(dispatched.index, over.index)
        early = [m for m in self.commands_since(watcher, mark) if m.index < over.index]
        self.assertEqual(early, [], "a command went out before the delay was over")
        watcher.wait_json(self.t("event"), kind="completed", id=rid, since=mark, timeout=30)
        self.wait_final_rollups(watcher, since=mark)
        for p in [coord, *agents.values()]:
            self.assert_logs_clean(p)

    # ---- settings and the hypervisor ---------------------------------------------------------
    def test_settings_are_published_and_validated(self):
        watcher = self.watcher()
        coord, _ = self.start_coordinator(watcher, 1)
        self.agent(1)
        # The defaults, as phosphor-settingsd ships them, retained after the rebirth window.
        for name, value in (("power-restore-policy", "AlwaysOff"), ("power-restore-delay", 0),
                            ("power-restore-one-time", "None"), ("scheduled-transition", None)):
            watcher.wait_json(self.t(f"system/settings/{name}"), value=value)
        out = self.ctl_ok("--wait=20", "set-policy", "Restore", "--one-time")
        self.assertIn("power-restore-one-time: Restore (effective)", out)
        out = self.ctl_ok("--wait=20", "set-policy", "--delay", "15")
        self.assertIn("power-restore-delay: 15 s (effective)", out)
        rc, out, err = self.ctl(["set-policy", "Sometimes"])
        self.assertEqual(rc, 2, f"{out}\n{err}")
        # A bare value typed by an operator is accepted; a bad one is rejected, changing nothing.
        operator = self.client(name="operator")
        mark = watcher.mark()
        operator.publish(self.t("system/settings/power-restore-delay/set"), b"30\n")
        watcher.wait_json(self.t("system/settings/power-restore-delay"), since=mark, value=30)
        mark = watcher.mark()
        operator.publish(self.t("system/settings/power-restore-delay/set"), b'{"value":-1}')
        watcher.wait_json(self.t("event"), since=mark, kind="rejected")
        watcher.barrier(self.t("test/barrier"))
        # The effective values (not the operators' /set topics) did not change.
        self.assertEqual(watcher.received(self.t("system/settings/+"), mark), [])
        # Survives a restart: the effective values come back from the state dir.
        coord.signal(signal.SIGTERM)
        self.assertEqual(coord.wait(20), 0)
        self.start_coordinator(watcher, 1)
        snap = self.retained_snapshot([self.t("system/settings/power-restore-delay"),
                                       self.t("system/settings/power-restore-one-time")])
        self.assertIn(b'"value":30', snap[self.t("system/settings/power-restore-delay")])
        self.assertIn(b'"value":"Restore"', snap[self.t("system/settings/power-restore-one-time")])

    def test_hypervisor_follows_its_node(self):
        watcher, coord, agents = self.start_system(agent_extra={2: ["--hypervisor"]})
        self.wait_rollup(watcher, "bmc", "Ready", stale=[])
        hv = self.wait_rollup(watcher, "hypervisor", "Off")
        self.assertEqual(hv.json.get("nodes"), {"2": "Off"}, hv)
        self.power_on(watcher)
        hv = self.wait_rollup(watcher, "hypervisor", "Running")
        self.assertEqual(hv.json.get("counts"), {"Running": 1}, hv)
        out = self.ctl_ok("state")
        self.assertIn("hypervisor", out)
        # A second claimant: the lower number keeps it, the other is named.
        mark = watcher.mark()
        agents[4].kill()
        agents[4] = self.start_agent(4, extra=["--hypervisor"])
        rej = watcher.wait_json(self.t("event"), since=mark, kind="rejected", node=4)
        self.assertIn("node 4 also claims the hypervisor", rej.json.get("why", ""))
        watcher.barrier(self.t("test/barrier"))
        latest = watcher.received(self.t("system/hypervisor"))[-1]
        self.assertEqual(latest.json.get("nodes"), {"2": "Running"}, latest)


if __name__ == "__main__":
    unittest.main()
