# SPDX-License-Identifier: Apache-2.0
"""Causal order (topics/README.md "Causal order"): a retained state is published before any event
or reply that reports it, on the same connection, so a subscriber of both receives the state
first. Checked with real processes on a real broker, from one subscriber's arrival order (a paho
client records every message of one connection in the order the broker delivered them).

Reversing the order in coordinator/coordinator-apply.c (events inline, retained views from the
post source) or in agents/agent-publish.c (accepted at once, before the state the command
caused) makes these tests fail."""

import unittest

from harness import IntegrationTest, now_ms


def first(msgs, pred):
    return next((m for m in msgs if pred(m)), None)


class OrderTest(IntegrationTest):

    def assert_before(self, earlier, later, what):
        self.assertIsNotNone(earlier, f"{what}: the state never arrived")
        self.assertIsNotNone(later, f"{what}: the event never arrived")
        self.assertLess(earlier.index, later.index,
                        f"{what}: the event #{later.index} arrived before the state "
                        f"#{earlier.index} it reports:\n  {later}\n  {earlier}")

    def test_coordinator_publishes_state_before_the_events_that_report_it(self):
        nodes = 3
        watcher, coord, agents = self.start_ready_system(nodes, power_ms=100, boot_ms=300)
        for attempt in range(2):  # a power-on and a power-off, each checked end to end
            transition = "On" if attempt == 0 else "Off"
            goal = "Running" if transition == "On" else "Off"
            rid = f"order-{transition}-{now_ms()}"
            mark = watcher.mark()
            reply = self.t(f"reply/order-{attempt}")
            watcher.subscribe(reply)
            watcher.publish(self.t("system/set/host"), {"transition": transition, "id": rid},
                            response_topic=reply, correlation_data=rid.encode())
            done = watcher.wait_msg(self.t("event"),
                                    lambda m: m.get("id") == rid and m.get("kind") == "completed",
                                    since=mark, what=f"{rid} completed")
            answer = watcher.wait_msg(reply, lambda m: m.get("kind") == "completed", since=mark,
                                      what=f"{rid} completed on the reply topic")
            rollup = watcher.wait_msg(self.t("system/host"), lambda m: m.get("state") == goal
                                      and not m.get("mixed"), since=mark)
            watcher.barrier(self.t("reply/barrier"))
            msgs = watcher.received("#", since=mark)
            self.assert_before(rollup, done, f"system/host {goal} before {rid} completed")
            self.assert_before(rollup, answer, f"system/host {goal} before the reply")
            finished = first(msgs, lambda m: m.topic == self.t("system/requests") and any(
                e.get("id") == rid and e.get("result") == "completed"
                for e in m.get("last", [])))
            self.assert_before(finished, done, f"system/requests lists {rid} completed first")
            dispatched = first(msgs, lambda m: m.topic == self.t("event")
                               and m.get("id") == rid and m.get("kind") == "dispatched")
            active = first(msgs, lambda m: m.topic == self.t("system/requests") and any(
                e.get("id") == rid for e in m.get("active", [])))
            self.assert_before(active, dispatched, f"system/requests shows {rid} active first")

    def test_setting_published_before_its_event(self):
        watcher, coord, agents = self.start_ready_system(1)
        mark = watcher.mark()
        watcher.publish(self.t("system/settings/power-restore-policy/set"), "AlwaysOn")
        event = watcher.wait_msg(self.t("event"), lambda m: m.get("kind") == "setting",
                                 since=mark, what="setting event")
        setting = watcher.wait_msg(self.t("system/settings/power-restore-policy"),
                                   lambda m: m.get("value") == "AlwaysOn", since=mark)
        self.assert_before(setting, event, "the setting before its event")

    def test_agent_publishes_state_before_accepted(self):
        nodes = 2
        watcher, coord, agents = self.start_ready_system(nodes, power_ms=300, boot_ms=300)
        rid = f"order-agent-{now_ms()}"
        mark = watcher.mark()
        watcher.publish(self.t("system/set/host"), {"transition": "On", "id": rid})
        for n in range(1, nodes + 1):
            accepted = watcher.wait_msg(
                self.t("event"), lambda m: m.get("id") == rid and m.get("node") == n
                and m.get("kind") == "accepted", since=mark, what=f"node {n} accepted")
            # The sim starts the walk as it takes the command: chassis TransitioningToOn is the
            # state the accepted command caused.
            moving = watcher.wait_msg(self.t(f"node/{n}/chassis"),
                                      lambda m: m.get("state") == "TransitioningToOn", since=mark)
            self.assert_before(moving, accepted, f"node {n}: its new state before accepted")


if __name__ == "__main__":
    unittest.main()
