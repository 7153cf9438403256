# SPDX-License-Identifier: Apache-2.0
"""The broker crashes (kill -9, persistence on) and restarts on its own host while a power-on is
queued (README.md "Reliability"). Every client reconnects with growing delays; after the
restart all state is back (retained node states, rollups, system/requests with the request still
queued, the settings); the request is neither lost nor dispatched twice when the gate opens.
The loopback variant of the recovery alone is test/integration test_coordinator
test_broker_restart_coordinator_recovers; this one adds the queue, the backoff and a network."""

import json
import re

from netns import FaultTest, main
from harness import FINAL, ROLLUPS, now_ms

NODES = 3
ATTEMPTS = 4  # failed reconnect attempts every client makes before the broker is back
CORE_RETRY = r"failed to connect .* retry_ms=(\d+)"
AGENT_RETRY = r"failed to connect .*retrying in (\d+) ms"


def retry_delays(text, pattern):
    """The reconnect delays (ms) a process logged, in order."""
    return [int(m) for m in re.findall(pattern, text)]


class BrokerRestartTest(FaultTest):

    def assert_backoff(self, delays, who):
        """ATTEMPTS attempts at least while the broker was down, each waiting longer than the one
        before (doubling, with at most 25 % jitter: still strictly growing, until the 5 s cap)."""
        first = delays[:ATTEMPTS]
        self.assertEqual(len(first), ATTEMPTS, f"{who}: reconnect attempts {delays}")
        self.assertTrue(all(a < b for a, b in zip(first, first[1:])),
                        f"{who}: delays must grow: {delays}")
        self.assertGreater(first[2], 2 * first[0], f"{who}: no backoff: {delays}")

    def test_broker_crash_with_a_queued_request(self):
        broker = self.broker_at("broker")
        watcher = self.watcher_at(broker)
        coord = self.coordinator_at(NODES, broker)
        first = self.wait_coordinator_online(watcher)
        # Nodes 1-2 now, node 3 only after the broker is back: the power-on waits through it.
        # --verbose: every failed attempt is logged with its delay (only the first otherwise).
        agents = {n: self.agent_at(n, broker, power_ms=300, boot_ms=600, extra=["--verbose"])
                  for n in range(1, NODES)}
        for n in agents:
            self.wait_bmc_ready(watcher, n)
        operator = self.client_at(broker, name="operator")
        operator.publish(self.t("system/settings/power-restore-policy/set"), "AlwaysOn")
        operator.publish(self.t("system/set/host"), {"transition": "On", "id": "br-1"})
        watcher.wait_json(self.t("event"), kind="queued", id="br-1")
        watcher.wait_msg(self.t("system/settings/power-restore-policy"),
                         lambda m: m.get("value") == "AlwaysOn", what="the setting applied")
        # Published once the rebirth window is over (node 3 never answers: after 1 s).
        watcher.wait_msg(self.t("system/requests"),
                         lambda m: "br-1" in [r.get("id") for r in m.get("pending", [])],
                         what="system/requests listing br-1")
        topics = ([self.t(f"node/{n}/{k}") for n in agents
                   for k in ("status", "bmc", "chassis", "host", "boot-progress")]
                  + [self.t(f"system/{k}") for k in ROLLUPS]
                  + [self.t("system/requests"), self.t("system/status"),
                     self.t("system/settings/power-restore-policy")])
        before = self.retained_at(broker, topics)

        # Crash: no Wills, the retained store as of the forced save. Down for a while.
        broker.force_save()
        crashed_ms = now_ms()
        broker.kill()
        # Down until every client has failed ATTEMPTS times (100, 200, 400, 800 ms ... apart).
        clients = [(coord, CORE_RETRY)] + [(a, AGENT_RETRY) for a in agents.values()]
        for proc, pattern in clients:
            self.wait_log(proc, rf"(?s)({pattern}.*){{{ATTEMPTS}}}", timeout=30)
        self.assertEqual(self.commands_for(watcher, "br-1"), {}, "dispatched before the crash")
        watcher.close()
        self.clients.remove(watcher)
        broker.start()

        # Every client reconnects: the coordinator with a new epoch, the agents reborn. (A new
        # watcher: a clean session's subscriptions do not survive the broker.)
        watcher = self.watcher_at(broker, name="watcher-after")
        # (Retained or live: the watcher may subscribe after they reconnected.)
        watcher.wait_msg(self.t("system/status"),
                         lambda m: m.get("status") == "online"
                         and m.get("epoch") != first.get("epoch"),
                         timeout=30, what="the coordinator online, new epoch")
        for n in agents:
            old_epoch = json.loads(before[self.t(f"node/{n}/status")]).get("epoch")
            watcher.wait_msg(self.t(f"node/{n}/status"),
                             lambda m, e=old_epoch: m.get("status") == "online"
                             and m.get("epoch") != e,
                             timeout=30, what=f"node {n} reborn")
        self.assert_backoff(retry_delays(coord.stderr(), CORE_RETRY), "coordinator")
        for n, a in agents.items():
            self.assert_backoff(retry_delays(a.stderr(), AGENT_RETRY), f"agent {n}")

        # All state back: the same retained values (beyond seq/time/epoch of the new sessions),
        # and the request still queued, as published by the coordinator after the crash.
        requests = watcher.wait_msg(
            self.t("system/requests"),
            lambda m: "br-1" in [r.get("id") for r in m.get("pending", [])]
            and m.get("time", 0) > crashed_ms,
            what="system/requests: br-1 still pending, published after the crash")
        self.assertEqual(requests.json.get("waiting_for"), [NODES])
        after = self.retained_at(broker, topics)

        def essence(payload):
            j = json.loads(payload)
            for k in ("seq", "time", "epoch", "since", "last_update", "bmc_boot"):
                j.pop(k, None)
            for r in j.get("pending", []):
                r.pop("since", None)
            return j
        self.assertEqual({t: essence(after[t]) for t in topics if "status" not in t},
                         {t: essence(before[t]) for t in topics if "status" not in t})
        statuses = {t: json.loads(after[t]) for t in topics if t.endswith("/status")}
        self.assertEqual({t: j.get("status") for t, j in statuses.items()},
                         {t: "online" for t in statuses}, "reborn, not a stale online")
        self.assertTrue(all(j.get("epoch") != json.loads(before[t]).get("epoch")
                            for t, j in statuses.items()), "every session is a new one")

        # Node 3 arrives: the request goes out once per node and completes.
        self.agent_at(NODES, broker, power_ms=300, boot_ms=600)
        watcher.wait_json(self.t("event"), kind="completed", id="br-1", timeout=30)
        per_node = self.commands_for(watcher, "br-1")
        self.assertEqual({n: len(v) for n, v in per_node.items()},
                         {n: 1 for n in range(1, NODES + 1)}, "one command per node")
        kinds = [m.get("kind") for m in self.events_for(watcher, "br-1")]
        self.assertEqual(kinds.count("dispatched"), 1, kinds)
        self.assertEqual(len(self.final_events(watcher, "br-1")), 1, kinds)
        for kind in ROLLUPS:
            self.wait_rollup(watcher, kind, FINAL[kind], stale=[])
        self.assertTrue(coord.alive())


if __name__ == "__main__":
    main("test_broker_restart")
