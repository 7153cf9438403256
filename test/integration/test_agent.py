# SPDX-License-Identifier: Apache-2.0
"""statebus-agent against contract.md: retained birth, commands, drops, Will, clean stop,
broker restart, rebirth, heartbeat and flags. No coordinator: commands come from an independent
paho client on the node's set/ topics (the dev broker has no ACL)."""

import signal
import time
import unittest

import contract
from harness import EVENT_TIMEOUT, LWT_BOUND, START_TIMEOUT, IntegrationTest, now_ms

NODE_TOPICS = ("status",) + contract.NODE_KINDS


class AgentTest(IntegrationTest):

    def start_node(self, node=1, **kw):
        """A watcher subscribed before the agent starts (so it sees the live birth), the agent,
        and its birth's status message."""
        watcher = self.client(name="watcher", subscribe=[self.t(f"node/{node}/#"), self.t("event")])
        agent = self.agent(node, **kw)
        online = self.wait_node_online(watcher, node)
        return watcher, agent, online

    def states_since(self, watcher, node, kind, since):
        return [m.json.get("state") for m in watcher.received(self.t(f"node/{node}/{kind}"), since)
                if isinstance(m.json, dict)]

    def test_retained_state_for_late_subscriber(self):
        watcher, agent, online = self.start_node(node=3, bmc_ready_ms=300)
        self.wait_bmc_ready(watcher, 3)

        late = self.client(protocol=4, name="late", subscribe=[self.t("node/3/#")])
        want = {self.t(f"node/3/{k}") for k in NODE_TOPICS}

        def snapshot(msgs):
            retained = {m.topic: m for m in msgs if m.retain and m.topic in want}
            return retained if set(retained) == want else None
        snap = late.wait_for(snapshot, START_TIMEOUT, "retained status and four states")

        status = snap[self.t("node/3/status")].json
        self.assertEqual(status.get("v"), 1)
        self.assertEqual(status.get("node"), 3)
        self.assertEqual(status.get("status"), "online")
        self.assertTrue(contract.is_uint(status.get("epoch")), status)
        self.assertTrue(contract.is_uint(status.get("time")), status)
        epoch = status["epoch"]
        self.assertEqual(online.json["epoch"], epoch)

        seqs = []
        for kind in contract.NODE_KINDS:
            m = snap[self.t(f"node/3/{kind}")]
            self.assertEqual(m.qos, 1, f"{kind} must be QoS 1")
            self.assertEqual(contract.state_payload_problems(kind, m.json, 3), [], f"{kind}: {m}")
            self.assertEqual(m.json["epoch"], epoch, f"{kind} epoch differs from status")
            seqs.append(m.json["seq"])
        self.assertEqual(len(set(seqs)), 4, f"one seq counter across kinds: {seqs}")
        self.assertEqual(snap[self.t("node/3/bmc")].json["state"], "Ready")

        # The live stream: the birth's four states come before status online, and seq only grows.
        live = [m for m in watcher.received(self.t("node/3/#")) if not m.retain]
        first_online = next(i for i, m in enumerate(live) if m.topic.endswith("/status"))
        birth_kinds = {m.topic.rsplit("/", 1)[1] for m in live[:first_online]}
        self.assertEqual(birth_kinds, set(contract.NODE_KINDS), "birth: all four states first")
        live_seqs = [m.json["seq"] for m in live
                     if m.topic.rsplit("/", 1)[1] in contract.NODE_KINDS]
        self.assertEqual(live_seqs, sorted(set(live_seqs)), "seq strictly increasing")
        self.assert_logs_clean(agent)

    def test_command_walk_host_on(self):
        watcher, agent, online = self.start_node(power_ms=300, boot_ms=1200)
        self.wait_bmc_ready(watcher, 1)
        epoch = online.json["epoch"]
        mark = watcher.mark()

        # Any client may write a node's set/ topic on the dev broker (no ACL).
        self.client(name="operator").publish(self.t("node/1/set/host"), {
            "transition": "On", "id": "walk-1", "deadline": now_ms() + 30000,
            "reason": "integration test"})

        accepted = watcher.wait_json(self.t("event"), since=mark, kind="accepted", id="walk-1")
        self.assertEqual(accepted.json.get("node"), 1, accepted)
        self.assertEqual(accepted.json.get("v"), 1, accepted)
        running = watcher.wait_json(self.t("node/1/host"), since=mark, state="Running",
                                    timeout=EVENT_TIMEOUT)
        watcher.wait_json(self.t("node/1/boot-progress"), since=mark, state="OSRunning")

        chassis = self.states_since(watcher, 1, "chassis", mark)
        host = self.states_since(watcher, 1, "host", mark)
        boot = self.states_since(watcher, 1, "boot-progress", mark)
        self.assertEqual(chassis[:2], ["TransitioningToOn", "On"], f"chassis walk: {chassis}")
        self.assertIn("TransitioningToRunning", host, f"host walk: {host}")
        self.assertLess(host.index("TransitioningToRunning"), host.index("Running"))
        self.assertEqual(boot[-1], "OSRunning", f"boot progress: {boot}")
        ranks = [contract.BOOT_ORDER.index(s) for s in boot]
        self.assertEqual(ranks, sorted(set(ranks)), f"boot progress out of order: {boot}")
        self.assertGreaterEqual(len(boot), 3, f"boot progress steps: {boot}")

        chassis_on = watcher.wait_json(self.t("node/1/chassis"), since=mark, state="On")
        self.assertLess(chassis_on.index, running.index, "host Running before chassis On")

        after = [m for m in watcher.received(self.t("node/1/+"), mark)
                 if m.topic.rsplit("/", 1)[1] in contract.NODE_KINDS]
        for m in after:
            kind = m.topic.rsplit("/", 1)[1]
            self.assertEqual(contract.state_payload_problems(kind, m.json, 1), [], str(m))
            self.assertEqual(m.json["epoch"], epoch, "a command must not change the epoch")
            self.assertFalse(m.retain)
        seqs = [m.json["seq"] for m in after]
        self.assertEqual(seqs, sorted(set(seqs)), "seq strictly increasing")
        self.assert_logs_clean(agent)

    def rebirth_states(self, watcher, node, epoch):
        """Ask for a rebirth and return {kind: payload} of the republished states. Messages the
        agent published before it handled the rebirth arrive before these."""
        mark = watcher.mark()
        self.client(name="rebirth").publish(self.t("system/rebirth"), {})
        out = {}
        for kind in contract.NODE_KINDS:
            m = watcher.wait_msg(self.t(f"node/{node}/{kind}"),
                                 lambda m: m.get("epoch") == epoch,
                                 since=mark, what=f"rebirth {kind}")
            out[kind] = m
        return mark, out

    def test_dropped_commands(self):
        op_setup = self.client(name="setup")
        # A retained command must be dropped when the agent's subscription delivers it
        # (retain flag set): Tasmota's "random power-on after a restart".
        op_setup.publish(self.t("node/1/set/chassis"), {
            "transition": "On", "id": "retained-1", "deadline": now_ms() + 60000}, retain=True)

        watcher, agent, online = self.start_node(power_ms=200)
        epoch = online.json["epoch"]
        self.wait_bmc_ready(watcher, 1)
        watcher.wait_json(self.t("event"), kind="rejected", id="retained-1",
                          what="rejected event for the retained command")

        op = self.client(name="operator")
        mark = watcher.mark()
        op.publish(self.t("node/1/set/chassis"), {
            "transition": "On", "id": "late-1", "deadline": now_ms() - 5000})
        op.publish(self.t("node/1/set/chassis"), {
            "transition": "GracefulWarmReboot", "id": "bad-target-1", "deadline": now_ms() + 30000})
        op.publish(self.t("node/1/set/host"), {
            "transition": "HardReboot", "id": "bad-target-2", "deadline": now_ms() + 30000})
        op.publish(self.t("node/1/set/chassis"), b"{not json")
        op.publish(self.t("node/1/set/chassis"), b"\xff\xfe{}")

        ev = watcher.wait_json(self.t("event"), since=mark, kind="rejected", id="late-1")
        self.assertEqual(ev.json.get("node"), 1, ev)
        # Commands that fail to decode (a transition not defined for the target, garbage) are
        # only counted: the coordinator never sends them, so their id is not required back.
        watcher.wait_for(lambda _: len(watcher.received(
            self.t("event"), mark, lambda m: m.get("kind") == "rejected")) >= 5,
            EVENT_TIMEOUT, "five rejected events (one per dropped command)")

        # Published retained while the agent runs: its subscription keeps the flag
        # (retain-as-published), so it is dropped now, not only when replayed at a connect.
        op.publish(self.t("node/1/set/chassis"), {
            "transition": "On", "id": "retained-live-1", "deadline": now_ms() + 30000},
            retain=True)
        watcher.wait_json(self.t("event"), since=mark, kind="rejected", id="retained-live-1",
                          what="rejected event for the live retained command")
        op.publish(self.t("node/1/set/chassis"), b"", retain=True)  # remove it from the broker

        rb_mark, states = self.rebirth_states(watcher, 1, epoch)
        self.assertEqual(states["chassis"].json["state"], "Off", "a dropped command ran")
        self.assertEqual(states["host"].json["state"], "Off", "a dropped command ran")
        moved = [m for m in watcher.received(self.t("node/1/+"), mark)
                 if m.topic.rsplit("/", 1)[1] in ("chassis", "host") and m.index < rb_mark]
        self.assertEqual(moved, [], "no state change for dropped commands")

        # Duplicate id: QoS 1 may deliver twice; the second copy (even with other content)
        # must not run.
        mark = watcher.mark()
        op.publish(self.t("node/1/set/chassis"), {
            "transition": "On", "id": "dup-1", "deadline": now_ms() + 30000})
        watcher.wait_json(self.t("node/1/chassis"), since=mark, state="On")
        mark = watcher.mark()
        op.publish(self.t("node/1/set/chassis"), {
            "transition": "Off", "id": "dup-1", "deadline": now_ms() + 30000})
        dup = watcher.wait_msg(self.t("event"), lambda m: isinstance(m.json, dict) and m.json.get(
            "id") == "dup-1" and m.json.get("kind") in ("duplicate", "rejected"), since=mark,
            what="duplicate/rejected event for dup-1")
        self.assertIn(dup.json["kind"], ("duplicate", "rejected"))
        rb_mark, states = self.rebirth_states(watcher, 1, epoch)
        self.assertEqual(states["chassis"].json["state"], "On", "the duplicate ran")
        moved = [m for m in watcher.received(self.t("node/1/chassis"), mark) if m.index < rb_mark]
        self.assertEqual(moved, [], "no state change for a duplicate id")
        self.assertTrue(agent.alive())
        self.assert_logs_clean(agent)

    def test_last_will_after_sigkill(self):
        watcher, agent, online = self.start_node()
        epoch = online.json["epoch"]
        mark = watcher.mark()
        t0 = time.monotonic()
        agent.kill()
        lost = watcher.wait_json(self.t("node/1/status"), timeout=LWT_BOUND, since=mark,
                                 status="lost")
        self.assertLessEqual(lost.time - t0, LWT_BOUND)
        self.assertEqual(lost.json.get("epoch"), epoch, "the Will carries the birth's epoch")
        self.assertEqual(lost.json.get("node"), 1)
        self.assertEqual(lost.json.get("v"), 1)
        late = self.client(name="late", subscribe=[self.t("node/1/status")])
        m = late.wait_msg(self.t("node/1/status"), lambda m: m.retain)
        self.assertEqual(m.json.get("status"), "lost", "the Will is retained")

    def test_offline_after_sigterm(self):
        watcher, agent, online = self.start_node()
        epoch = online.json["epoch"]
        mark = watcher.mark()
        agent.signal(signal.SIGTERM)
        self.assertEqual(agent.wait(10), 0, "clean stop exits 0")
        offline = watcher.wait_json(self.t("node/1/status"), since=mark, status="offline")
        self.assertEqual(offline.json.get("epoch"), epoch)
        self.assertEqual(offline.json.get("node"), 1)
        # The broker handled the agent's DISCONNECT (or socket close) before the barrier: a Will
        # would have been routed to us by now.
        watcher.barrier(self.t("test/barrier"))
        self.assertEqual(watcher.received(self.t("node/1/status"), mark,
                                          lambda m: m.get("status") == "lost"), [])
        late = self.client(name="late", subscribe=[self.t("node/1/status")])
        m = late.wait_msg(self.t("node/1/status"), lambda m: m.retain)
        self.assertEqual(m.json.get("status"), "offline")
        self.assert_logs_clean(agent)

    def test_republish_after_broker_restart(self):
        watcher, agent, online = self.start_node()
        epoch1 = online.json["epoch"]
        self.wait_bmc_ready(watcher, 1)
        watcher.close()
        self.clients.remove(watcher)
        # kill -9: no Wills, the persisted retained "online" is now a lie until the agent is back.
        self.broker.restart(hard=True)

        after = self.client(name="after", subscribe=[self.t("node/1/#")])
        new_online = after.wait_msg(
            self.t("node/1/status"), lambda m: m.get("status") == "online"
            and m.json.get("epoch") != epoch1, timeout=EVENT_TIMEOUT,
            what="status online with a new epoch after the broker restart")
        epoch2 = new_online.json["epoch"]
        self.assertNotEqual(epoch2, epoch1)
        for kind in contract.NODE_KINDS:
            m = after.wait_msg(self.t(f"node/1/{kind}"),
                               lambda m: m.get("epoch") == epoch2,
                               what=f"{kind} republished with the new epoch")
            self.assertEqual(contract.state_payload_problems(kind, m.json, 1), [], str(m))
        self.assertTrue(agent.alive())
        self.assert_logs_clean(agent)

    def test_broker_down_at_start(self):
        """The agent keeps retrying (with backoff) while no broker listens, and comes online
        as soon as one does."""
        self.broker.stop()
        agent = self.agent(1)
        # A failed connect attempt is logged as a warning (or worse); the agent stays up.
        self.wait_log(agent, r"^<[0-4]>")
        self.assertTrue(agent.alive(), "the agent gave up without a broker")
        self.broker.start()  # same port
        watcher = self.client(name="watcher", subscribe=[self.t("node/1/#")])
        online = self.wait_node_online(watcher, 1, timeout=EVENT_TIMEOUT)
        self.assertEqual(online.json.get("node"), 1)
        self.assert_logs_clean(agent)

    def test_rebirth(self):
        watcher, agent, online = self.start_node()
        epoch = online.json["epoch"]
        self.wait_bmc_ready(watcher, 1)
        before = max(m.json["seq"] for m in watcher.received(self.t("node/1/+"))
                     if m.topic.rsplit("/", 1)[1] in contract.NODE_KINDS)
        mark, states = self.rebirth_states(watcher, 1, epoch)
        seqs = [states[k].json["seq"] for k in contract.NODE_KINDS]
        self.assertTrue(all(s > before for s in seqs), f"seq continues: {before} -> {seqs}")
        self.assertEqual(len(set(seqs)), 4)
        self.assertEqual(states["bmc"].json["state"], "Ready")
        status = watcher.wait_json(self.t("node/1/status"), since=mark, status="online")
        self.assertEqual(status.json["epoch"], epoch, "rebirth keeps the epoch")
        for m in watcher.received(self.t("node/1/+"), mark):
            self.assertEqual(m.get("epoch"), epoch, str(m))

    def test_idle_connection_survives_keepalive(self):
        """With heartbeats off nothing is published for a long time: the MQTT keepalive
        (PINGREQ every 5 s) alone must keep the session, its Will unfired and its epoch."""
        watcher, agent, online = self.start_node(heartbeat_ms=0)
        mark = watcher.mark()
        watcher.assert_none_for(self.t("node/1/status"), None, LWT_BOUND, since=mark,
                                what="status change while idle (keepalive not kept?)")
        self.assertTrue(agent.alive())

    def test_heartbeat(self):
        watcher, agent, online = self.start_node(heartbeat_ms=200)
        epoch = online.json["epoch"]
        beats = watcher.wait_for(
            lambda _: (lambda b: b if len(b) >= 8 else None)(
                watcher.received(self.t("node/1/heartbeat"))),
            START_TIMEOUT, "eight heartbeats")[:8]
        for b in beats:
            self.assertFalse(b.retain, "heartbeats are not retained")
            self.assertEqual(b.qos, 0, "heartbeats are QoS 0")
            j = b.json
            self.assertEqual(j.get("v"), 1)
            self.assertEqual(j.get("node"), 1)
            self.assertEqual(j.get("epoch"), epoch)
            self.assertTrue(contract.is_uint(j.get("time")))
        seqs = [b.json["seq"] for b in beats]
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + 8)), f"heartbeat seq: {seqs}")
        gaps = sorted(b2.time - b1.time for b1, b2 in zip(beats, beats[1:]))
        median = gaps[len(gaps) // 2]
        self.assertGreater(median, 0.1, f"heartbeat every 200 ms, gaps {gaps}")
        self.assertLess(median, 0.4, f"heartbeat every 200 ms, gaps {gaps}")

    def test_bad_flags_exit_2(self):
        cases = [
            [],
            ["--node", "0", "--backend", "sim"],
            ["--node", "16385", "--backend", "sim"],
            ["--node", "1", "--backend", "warp"],
            ["--node", "1", "--backend", "sim", "--no-such-flag"],
            ["--node", "1", "--backend", "sim", "--keepalive", "2"],
            ["--node", "1", "--backend", "sim", "--system", "bad/id"],
            ["--node", "1", "--backend", "sim", "--broker", "127.0.0.1:99999"],
            ["--node", "1", "--backend", "sim", "--config", "/nonexistent/agent.json"],
            ["--node", "x1", "--backend", "sim"],
        ]
        for args in cases:
            with self.subTest(args=args):
                p = self.spawn("statebus-agent", args, tag="agent-flags")
                self.assertEqual(p.wait(10), 2, f"{args}: {p.stderr()}")
                lines = p.stderr().strip().splitlines()
                self.assertEqual(len(lines), 1, f"{args}: one-line reason, got {lines}")
                self.assertTrue(lines[0].strip())
        p = self.spawn("statebus-agent", ["--help"], tag="agent-help")
        self.assertEqual(p.wait(10), 0)
        self.assertIn("--node", p.stdout())


if __name__ == "__main__":
    unittest.main()
