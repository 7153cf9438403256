# SPDX-License-Identifier: Apache-2.0
"""statebus-coordinator with real sim agents: the gate, rollups, MQTT v5 answers, restarts that
keep the queue, malformed input, and node loss. Against contract.md and topics/README.md."""

import json
import signal
import unittest

import contract
from harness import (EVENT_TIMEOUT, FINAL, LWT_BOUND, ROLLUPS, IntegrationTest, kind_of,
                     now_ms)



class CoordinatorTest(IntegrationTest):

    # ---------------------------------------------------------------------------------------
    def test_gated_power_on_end_to_end(self):
        watcher = self.watcher()
        coord, status = self.start_coordinator(watcher, 4)
        self.assertEqual(status.json.get("v"), 1)
        ready_ms = {1: 1000, 2: 2000, 3: 3000, 4: 5000}
        agents = {n: self.agent(n, bmc_ready_ms=ms, power_ms=300, boot_ms=800)
                  for n, ms in ready_ms.items()}
        operator = self.client(protocol=4, name="operator")
        operator.publish(self.t("system/set/host"), {"transition": "On", "id": "gate-1",
                                                      "reason": "integration test"})

        queued = watcher.wait_json(self.t("event"), kind="queued", id="gate-1")
        waiting = queued.json.get("nodes")
        self.assertIsInstance(waiting, list, queued)
        self.assertIn(4, waiting, "node 4's BMC is not Ready yet")
        self.assertLessEqual(set(waiting), {1, 2, 3, 4})
        self.assertEqual(queued.json.get("target"), "host")
        self.assertEqual(queued.json.get("transition"), "On")

        last_ready = self.wait_bmc_ready(watcher, 4, timeout=EVENT_TIMEOUT)
        dispatched = watcher.wait_json(self.t("event"), kind="dispatched", id="gate-1")
        completed = watcher.wait_json(self.t("event"), kind="completed", id="gate-1",
                                      timeout=30)
        self.assertLess(queued.index, dispatched.index)
        self.assertLess(dispatched.index, completed.index)

        commands = watcher.received(self.t("node/+/set/+"))
        self.assertTrue(commands, "no command reached the nodes")
        early = [m for m in commands if m.index < last_ready.index]
        self.assertEqual(early, [], "a command went out before the last BMC was Ready")
        per_node = self.commands_for(watcher, "gate-1")
        self.assertEqual(sorted(per_node), [1, 2, 3, 4], f"commands: {per_node}")
        for n, msgs in per_node.items():
            self.assertEqual(len(msgs), 1, f"node {n} got {len(msgs)} commands for gate-1")
            m = msgs[0]
            self.assertFalse(m.retain, "commands are never retained")
            self.assertEqual(m.qos, 1)
            self.assertTrue(contract.is_uint(m.json.get("deadline")), m)
            self.assertGreater(m.json["deadline"], now_ms() - 60000, m)

        finals = self.wait_final_rollups(watcher)
        for kind, m in finals.items():
            j = m.json
            self.assertEqual(j.get("v"), 1)
            self.assertEqual(j.get("code"), contract.STATE_ENUMS[kind][FINAL[kind]], m)
            self.assertEqual(j.get("expected"), 4, m)
            self.assertEqual(j.get("nodes"), {str(n): FINAL[kind] for n in range(1, 5)}, m)
            self.assertEqual(j.get("counts"), {FINAL[kind]: 4}, m)

        # Retained, and published only when the payload (beyond its seq) changes.
        topics = [self.t(f"system/{k}") for k in ROLLUPS]
        snap = self.retained_snapshot(topics)
        for kind in ROLLUPS:
            self.assertEqual(json.loads(snap[self.t(f"system/{kind}")]).get("state"),
                             FINAL[kind])
        watcher.barrier(self.t("test/barrier"))
        for topic in topics:
            bodies = [{k: v for k, v in (m.json or {}).items() if k not in ("seq", "time")}
                      for m in watcher.received(topic) if not m.retain]
            repeats = [b for a, b in zip(bodies, bodies[1:]) if a == b]
            self.assertEqual(repeats, [], f"{topic} republished without a change")
        for p in [coord, *agents.values()]:
            self.assert_logs_clean(p)
        self.assert_no_reconnects(watcher, coord_epoch=status.json["epoch"])

    def assert_no_reconnects(self, watcher, coord_epoch, nodes=True):
        """Nothing was killed: no Will fired, no session was replaced by a new epoch.
        nodes=False when the test itself published fake node status messages."""
        lost = watcher.received(self.t("system/status"), pred=lambda m: m.get(
            "status") == "lost" or m.get("epoch") != coord_epoch)
        if nodes:
            lost += watcher.received(self.t("node/+/status"),
                                     pred=lambda m: m.get("status") == "lost")
        self.assertEqual(lost, [], "a session was lost or replaced during the test")

    def test_v5_answers_on_reply_topic_and_v3_events(self):
        watcher, coord, agents = self.start_ready_system(2)
        v5 = self.client(protocol=5, name="v5-requester",
                         subscribe=[self.t("reply/it/#"), "elsewhere/#"])
        v3 = self.client(protocol=4, name="v3-observer", subscribe=[self.t("event")])
        corr = b"\x00corr-1\xff"
        v5.publish(self.t("system/set/chassis"), {"transition": "On", "id": "rr-1"},
                   response_topic=self.t("reply/it/1"), correlation_data=corr)
        watcher.wait_json(self.t("event"), kind="completed", id="rr-1", timeout=30)
        answers = v5.wait_for(
            lambda _: (lambda a: a if "completed" in [kind_of(m) for m in a] else None)(
                v5.received(self.t("reply/it/1"))), EVENT_TIMEOUT, "completed on the reply topic")
        for m in answers:
            self.assertEqual(m.props.get("CorrelationData"), corr, f"correlation data: {m}")
            self.assertEqual(m.json.get("id"), "rr-1", m)
            self.assertFalse(m.retain)
        reply_kinds = [kind_of(m) for m in answers]
        self.assertIn("dispatched", reply_kinds)
        self.assertLess(reply_kinds.index("dispatched"), reply_kinds.index("completed"))
        # The coordinator's answers; agents report their own "accepted" with a "node" field.
        v3_events = v3.wait_for(
            lambda _: (lambda e: e if "completed" in [kind_of(m) for m in e] else None)(
                v3.received(self.t("event"), pred=lambda m: m.get("id") == "rr-1"
                            and "node" not in m.json)),
            EVENT_TIMEOUT, "rr-1 completed as a v3.1.1 event")
        self.assertEqual([kind_of(m) for m in v3_events], reply_kinds,
                         "v3.1.1 subscribers see the same answers on <root>/event")

        # Response topics outside <root>/reply/ are never answered: not elsewhere, and above all
        # not onto a node's command topic (the coordinator may write there).
        mark = watcher.mark()
        v5.publish(self.t("system/set/chassis"), {"transition": "Off", "id": "rr-2"},
                   response_topic="elsewhere/reply/x", correlation_data=b"c2")
        v5.publish(self.t("system/set/chassis"), {"transition": "Off", "id": "rr-3"},
                   response_topic=self.t("node/1/set/chassis"), correlation_data=b"c3")
        v5.publish(self.t("system/set/chassis"), {"transition": "Off", "id": "rr-4"},
                   response_topic=self.t("system/requests"), correlation_data=b"c4")
        for rid in ("rr-2", "rr-3", "rr-4"):
            watcher.wait_msg(self.t("event"), lambda m, r=rid: m.get("id") == r,
                             since=mark, what=f"an event for {rid}")
        v5.barrier(self.t("test/barrier"))
        watcher.barrier(self.t("test/barrier2"))
        self.assertEqual(v5.received("elsewhere/#"), [], "answered outside <root>/reply/")
        injected = [m for m in watcher.received(self.t("node/+/set/+"), mark)
                    if m.get("kind") or m.props.get("CorrelationData")]
        self.assertEqual(injected, [], "an answer was written onto a command topic")
        foreign = [m for m in watcher.received(self.t("system/requests"), mark)
                   if m.props.get("CorrelationData") or m.get("kind")]
        self.assertEqual(foreign, [], "an answer was written onto system/requests")

    def test_rejected_request_answered_with_id(self):
        """contract.md: invalid commands are answered with a rejected event; every client,
        v3.1.1 included, sees the answer with the request's id echoed."""
        watcher, coord, agents = self.start_ready_system(1)
        v5 = self.client(protocol=5, name="v5", subscribe=[self.t("reply/bad")])
        v5.publish(self.t("system/set/chassis"), {"transition": "GracefulWarmReboot",
                                                   "id": "bad-1"},
                   response_topic=self.t("reply/bad"), correlation_data=b"bad")
        answer = v5.wait_msg(self.t("reply/bad"), what="the rejection on the reply topic")
        self.assertEqual(kind_of(answer), "rejected", answer)
        self.assertEqual(answer.props.get("CorrelationData"), b"bad")
        self.assertTrue(answer.json.get("why"), "a rejection says why")
        watcher.wait_json(self.t("event"), kind="rejected", id="bad-1",
                          what="rejected event echoing id bad-1")

        # Published retained while the coordinator runs: its subscription keeps the flag
        # (retain-as-published), so the command is refused now, not only when the broker
        # replays it at the next start, and the host stays off.
        mark = watcher.mark()
        v5.publish(self.t("system/set/host"), {"transition": "On", "id": "retained-live-1"},
                   retain=True)
        ev = watcher.wait_json(self.t("event"), since=mark, kind="rejected", id="retained-live-1",
                               what="rejected event for the live retained command")
        self.assertIn("retained", ev.json.get("why", ""), ev)
        v5.publish(self.t("system/set/host"), b"", retain=True)  # remove it from the broker
        self.assertEqual(watcher.received(self.t("node/1/set/host"), mark), [],
                         "a retained command was dispatched")

    def test_restart_with_queued_request_resumes_queue(self):
        watcher = self.watcher()
        state_dir = f"{self.tmp}/coord-state"
        coord, first = self.start_coordinator(watcher, 4, state_dir=state_dir)
        for n in (1, 2, 3):
            self.agent(n, power_ms=300, boot_ms=600)
        self.wait_gate_sees_ready(watcher, (1, 2, 3))
        self.client(name="operator").publish(self.t("system/set/host"),
                                             {"transition": "On", "id": "q-1"})
        queued = watcher.wait_json(self.t("event"), kind="queued", id="q-1")
        self.assertEqual(queued.json.get("nodes"), [4], "only node 4 holds the gate")

        mark = watcher.mark()
        coord.kill()
        lost = watcher.wait_json(self.t("system/status"), since=mark, timeout=LWT_BOUND,
                                 status="lost")
        self.assertEqual(lost.json.get("epoch"), first.json.get("epoch"))
        coord2, second = self.start_coordinator(watcher, 4, state_dir=state_dir)
        self.assertNotEqual(second.json.get("epoch"), first.json.get("epoch"))
        requests = watcher.wait_msg(
            self.t("system/requests"),
            lambda m: "q-1" in [r.get("id") for r in m.get("pending", [])],
            since=mark, what="system/requests listing q-1 as pending after the restart")
        self.assertEqual(requests.json.get("gate"), "closed")
        self.assertIn(4, requests.json.get("waiting_for", []))
        self.assertEqual(watcher.received(self.t("node/+/set/+")), [], "nothing dispatched yet")

        self.agent(4, bmc_ready_ms=300, power_ms=300, boot_ms=600)
        ready4 = self.wait_bmc_ready(watcher, 4, since=mark)
        watcher.wait_json(self.t("event"), kind="completed", id="q-1", timeout=30)
        per_node = self.commands_for(watcher, "q-1")
        self.assertEqual({n: len(v) for n, v in per_node.items()}, {1: 1, 2: 1, 3: 1, 4: 1},
                         "exactly one command per node for q-1")
        self.assertTrue(all(m.index > ready4.index for v in per_node.values() for m in v))
        dispatched = [m for m in self.events_for(watcher, "q-1") if kind_of(m) == "dispatched"]
        self.assertEqual(len(dispatched), 1)
        self.wait_final_rollups(watcher, since=mark)
        self.assertTrue(coord2.alive())

    def test_restart_right_after_dispatch_never_dispatches_twice(self):
        watcher = self.watcher()
        state_dir = f"{self.tmp}/coord-state"
        coord, first = self.start_coordinator(watcher, 2, state_dir=state_dir)
        for n in (1, 2):
            self.agent(n, power_ms=1000, boot_ms=1500)
        self.wait_rollup(watcher, "bmc", "Ready", stale=[])
        self.client(name="operator").publish(self.t("system/set/host"),
                                             {"transition": "On", "id": "d-1"})
        watcher.wait_json(self.t("event"), kind="dispatched", id="d-1")
        coord.kill()
        coord2, _ = self.start_coordinator(watcher, 2, state_dir=state_dir)
        watcher.wait_json(self.t("event"), kind="completed", id="d-1", timeout=30)
        per_node = self.commands_for(watcher, "d-1")
        self.assertEqual({n: len(v) for n, v in per_node.items()}, {1: 1, 2: 1},
                         "one command per node for d-1, across the restart")
        kinds = [kind_of(m) for m in self.events_for(watcher, "d-1")]
        self.assertEqual(kinds.count("dispatched"), 1, f"events for d-1: {kinds}")
        self.wait_final_rollups(watcher)

    def test_malformed_flood_is_rejected_and_harmless(self):
        watcher, coord, agents = self.start_ready_system(2)
        epochs = {}
        for n in (1, 2):
            epochs[n] = self.wait_node_online(watcher, n).json["epoch"]
        for k, state in (("chassis", "Off"), ("host", "Off"), ("boot-progress", "Unspecified")):
            self.wait_rollup(watcher, k, state, stale=[])
        topics = [self.t(f"system/{k}") for k in ROLLUPS]
        before = self.retained_snapshot(topics)

        mark = watcher.mark()
        flooder = self.client(protocol=4, name="flooder")
        for topic, payload in self.flood(epochs):
            flooder.publish(topic, payload)
        # A valid request after the flood: answered, and a barrier for the coordinator's input.
        flooder.publish(self.t("system/set/chassis"), {"transition": "Off", "id": "after-flood"})
        watcher.wait_msg(self.t("event"), lambda m: m.get("id") == "after-flood",
                         since=mark, timeout=30, what="an answer to the valid request")
        self.assertTrue(coord.alive(), "the coordinator died in the flood")
        rejected = watcher.received(self.t("event"), mark, lambda m: kind_of(m) == "rejected")
        self.assertTrue(rejected, "no rejected event for the malformed commands")
        after = self.retained_snapshot(topics)
        self.assertEqual(after, before, "the flood changed a retained rollup")
        self.assertTrue(all(a.alive() for a in agents.values()))
        self.assert_logs_clean(coord)
        online = watcher.received(self.t("system/status"),
                                  pred=lambda m: m.get("status") == "online")
        self.assert_no_reconnects(watcher, coord_epoch=online[0].json["epoch"], nodes=False)

    def flood(self, epochs):
        """(topic, payload) of malformed input on every topic the coordinator reads."""
        big = b'{"transition":"On","reason":"' + b"x" * 5000 + b'"}'
        deep = b'{"transition":"On","x":' + b"[" * 40 + b"1" + b"]" * 40 + b"}"
        commands = [
            b"", b"{", b"[]", b"null", b"42", b"Explode", b"on", b"On On", b"\xff\xfe",
            b'{"transition":"Explode"}', b'{"transition":5}', b'{"transition":null}', b"{}",
            b'{"transition":"On","id":"has space"}', b'{"transition":"On","id":""}',
            b'{"transition":"On","id":"' + b"i" * 65 + b'"}',
            b'{"transition":"On","nodes":[0]}', b'{"transition":"On","nodes":"all"}',
            b'{"transition":"On","nodes":[99999]}', b'{"transition":"On","nodes":[3]}',
            b'{"transition":"On","deadline":-1}', b'{"transition":"On","deadline":"soon"}',
            b'{"transition":"On","reason":"\xff"}', b'{"transition":"On\x00"}',
            b'{"transition":"On"} trailing', b'{"transition":"On","reason":"' + b"r" * 300 + b'"}',
            big, deep, b"{" * 3000,
        ]
        out = []
        for target, invalid in (("chassis", b"GracefulWarmReboot"), ("host", b"PowerCycle"),
                                ("bmc", b"On")):
            topic = self.t(f"system/set/{target}")
            out += [(topic, p) for p in commands]
            out.append((topic, b'{"transition":"' + invalid + b'"}'))
            out.append((topic, invalid))
        settings = {
            "power-restore-policy": [b"Sometimes", b'{"value":"Sometimes"}', b'{"value":5}', b"{"],
            "power-restore-delay": [b"-1", b'{"value":86401}', b'{"value":"ten"}', b"1.5"],
            "power-restore-one-time": [b'{"value":"Restore!"}', b'{"value":[]}'],
            "scheduled-transition": [b'{"value":{"time":"x","transition":"On"}}',
                                     b'{"time":1,"transition":"Explode"}'],
            "no-such-setting": [b'{"value":1}'],
        }
        for name, payloads in settings.items():
            out += [(self.t(f"system/settings/{name}/set"), p) for p in payloads + [big, deep]]

        for n in (1, 2, 3, 0, "01", 16385, 99999999999):
            e = epochs.get(n, 1)
            node_payloads = [
                b"", b"{", b"null", b"[1,2]", b"\xff\xfe", big, deep,
                b'{"v":1,"node":1,"state":1,"since":"x","epoch":"e","seq":-1}',
                ('{"v":1,"node":%s,"state":"Exploded","code":99,"since":1,"epoch":%d,"seq":1}'
                 % (n, e)).encode(),
            ]
            for kind in ("status", "bmc", "chassis", "host", "boot-progress", "heartbeat"):
                topic = self.t(f"node/{n}/{kind}")
                out += [(topic, p) for p in node_payloads]
            # Well-formed but wrong: a code that does not match the state, in the current
            # epoch (accepting it would make the system BMC NotReady), and a status of an
            # unknown value.
            out.append((self.t(f"node/{n}/bmc"), (
                '{"v":1,"node":%s,"state":"NotReady","code":1,"since":1,"epoch":%d,"seq":999,'
                '"last_reboot_cause":"POR"}' % (n, e)).encode()))
            out.append((self.t(f"node/{n}/status"),
                        ('{"v":1,"node":%s,"status":"dead","epoch":%d}' % (n, e)).encode()))
            # A late Will: lost with an epoch that is not the node's current one is ignored.
            out.append((self.t(f"node/{n}/status"),
                        ('{"v":1,"node":%s,"status":"lost","epoch":%d}' % (n, e + 7)).encode()))
        return out

    def test_node_lost_and_back(self):
        watcher, coord, agents = self.start_ready_system(2)
        mark = watcher.mark()
        agents[2].kill()
        lost = watcher.wait_json(self.t("event"), since=mark, timeout=LWT_BOUND,
                                 kind="node-lost", node=2)
        self.assertTrue(lost.json.get("why") is not None)
        # topics/README.md: a stale node keeps its last known value in "nodes" (so "mixed" stays
        # false: both show Ready), but its BMC is not usable, so the system BMC is NotReady.
        bmc = self.wait_rollup(watcher, "bmc", "NotReady", since=mark, stale=[2])
        self.assertEqual(bmc.json.get("nodes"), {"1": "Ready", "2": "Ready"}, bmc)
        self.wait_rollup(watcher, "chassis", "Off", since=mark, stale=[2])

        mark = watcher.mark()
        agents[2] = self.agent(2)
        watcher.wait_json(self.t("event"), since=mark, kind="node-back", node=2)
        self.wait_rollup(watcher, "bmc", "Ready", since=mark, stale=[], mixed=False)
        self.wait_rollup(watcher, "chassis", "Off", since=mark, stale=[])

    def test_off_is_never_gated_and_cancels_queued_on(self):
        """contract.md "Behaviour": Off is never gated and cancels a queued On; a newer request
        for the same target replaces the queued one."""
        watcher = self.watcher()
        self.start_coordinator(watcher, 2)
        self.agent(1)
        self.wait_bmc_ready(watcher, 1)  # node 2 never comes: the gate stays closed
        op = self.client(name="operator")
        op.publish(self.t("system/set/host"), {"transition": "On", "id": "on-1"})
        watcher.wait_json(self.t("event"), kind="queued", id="on-1")
        # A different request replaces the queued one (an identical one would join it:
        # topics/README.md "Joining", test_operators).
        op.publish(self.t("system/set/host"), {"transition": "Reboot", "id": "on-2"})
        watcher.wait_json(self.t("event"), kind="cancelled", id="on-1",
                          what="on-1 cancelled: replaced by on-2")
        watcher.wait_json(self.t("event"), kind="queued", id="on-2")
        op.publish(self.t("system/set/chassis"), {"transition": "Off", "id": "off-1"})
        watcher.wait_json(self.t("event"), kind="cancelled", id="on-2",
                          what="the queued On cancelled by Off")
        off = watcher.wait_msg(self.t("event"), lambda m: m.get("id") == "off-1" and m.get(
            "kind") in ("accepted", "dispatched"), what="Off dispatched despite the closed gate")
        self.assertNotEqual(kind_of(off), "queued")
        self.assertEqual([kind_of(m) for m in self.events_for(watcher, "off-1")
                          if kind_of(m) == "queued"], [])
        watcher.wait_msg(self.t("node/1/set/+"), lambda m: m.get("id") == "off-1",
                         what="node 1's Off command")
        self.assertEqual(self.commands_for(watcher, "on-1"), {})
        self.assertEqual(self.commands_for(watcher, "on-2"), {})

    def test_broker_restart_coordinator_recovers(self):
        """After a broker crash (no Wills, persisted retained state) the coordinator reconnects
        with a new epoch, asks for a rebirth and republishes rollups from verified nodes."""
        watcher, coord, agents = self.start_ready_system(2)
        first = watcher.received(self.t("system/status"),
                                 pred=lambda m: m.get("status") == "online")[-1]
        watcher.close()
        self.clients.remove(watcher)
        # The coordinator and the agents are held (SIGSTOP) across the crash so that the new
        # watcher is subscribed before they reconnect: their rebirth answers are live messages,
        # which a watcher that subscribes later would never see (a race under load).
        held = [coord, *agents.values()]
        for p in held:
            p.signal(signal.SIGSTOP)
        self.broker.restart(hard=True)
        after = self.watcher(name="after")
        for p in held:
            p.signal(signal.SIGCONT)
        online = after.wait_msg(self.t("system/status"), lambda m: m.get("status") == "online"
                                and m.get("epoch") != first.get("epoch"), timeout=EVENT_TIMEOUT,
                                what="the coordinator online with a new epoch")
        for n in (1, 2):
            after.wait_msg(self.t(f"node/{n}/status"), lambda m: m.get("status") == "online"
                           and not m.retain, timeout=EVENT_TIMEOUT, what=f"node {n} reborn")
        epoch = online.get("epoch")
        self.wait_rollup(after, "bmc", "Ready", stale=[], epoch=epoch)
        for kind in ("chassis", "host", "boot-progress"):
            after.wait_msg(self.t(f"system/{kind}"),
                           lambda m: m.get("epoch") == epoch and m.get("stale") == [],
                           what=f"system/{kind} republished by the new session")
        self.assertTrue(coord.alive())

    def test_clean_stop_publishes_offline(self):
        watcher = self.watcher()
        coord, online = self.start_coordinator(watcher, 1)
        mark = watcher.mark()
        coord.signal(signal.SIGTERM)
        self.assertEqual(coord.wait(15), 0)
        offline = watcher.wait_json(self.t("system/status"), since=mark, status="offline")
        self.assertEqual(offline.json.get("epoch"), online.json.get("epoch"))
        self.assert_logs_clean(coord)

    def test_bad_flags_exit_2(self):
        d = f"{self.tmp}/state"
        for args in ([], ["--state-dir", d], ["--nodes", "0", "--state-dir", d],
                     ["--nodes", "4"], ["--nodes", "4", "--state-dir", d, "--bogus"],
                     ["--nodes", "4", "--state-dir", d, "--when-not-ready", "maybe"],
                     ["--nodes", "4", "--state-dir", d, "--system", "a b"]):
            with self.subTest(args=args):
                p = self.spawn("statebus-coordinator", args, tag="coord-flags")
                self.assertEqual(p.wait(10), 2, p.stderr())
                self.assertEqual(len(p.stderr().strip().splitlines()), 1, p.stderr())


if __name__ == "__main__":
    unittest.main()
