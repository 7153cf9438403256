# SPDX-License-Identifier: Apache-2.0
"""statebusctl against a real coordinator and sim agents: --wait exit codes, obmcutil-style
output and --json (contract.md "Command lines")."""

import json
import re
import time
import unittest

from harness import IntegrationTest

# obmcutil prints '{:<20}: {}' of the D-Bus property and its value; the D-Bus prefix is what
# obmcutil shows, a bare value is accepted too.
DBUS = r"(?:xyz\.openbmc_project\.State\.[A-Za-z.]+\.)?"


def line_re(prop, value):
    return re.compile(rf"(?m)^{prop}\s*:\s*{DBUS}{value}\s*$")


def strings_in(value):
    """Every string anywhere in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


class CtlTest(IntegrationTest):

    def test_poweron_wait_exits_0_after_completion(self):
        watcher, coord, agents = self.start_ready_system(2)
        rc, out, err = self.ctl(["--wait=60", "poweron"], timeout=90)
        self.assertEqual(rc, 0, f"stdout:\n{out}\nstderr:\n{err}")
        # --wait returned only once the target was reached: the rollups say so already or
        # momentarily (the coordinator completes on the same node states).
        self.wait_rollup(watcher, "host", "Running", stale=[])
        self.wait_rollup(watcher, "chassis", "On", stale=[])
        completed = [m for m in watcher.received(self.t("event"))
                     if m.get("kind") == "completed"]
        self.assertTrue(completed, "poweron --wait exited 0 before the request completed")

        rc, out, err = self.ctl(["--wait=60", "poweroff"], timeout=90)
        self.assertEqual(rc, 0, f"stdout:\n{out}\nstderr:\n{err}")
        self.wait_rollup(watcher, "chassis", "Off", stale=[])

    def test_poweron_rejected_exits_1(self):
        watcher = self.watcher()
        self.start_coordinator(watcher, 2, extra=["--when-not-ready", "reject"])
        self.agent(1)
        self.wait_bmc_ready(watcher, 1)
        t0 = time.monotonic()
        rc, out, err = self.ctl(["--wait=30", "poweron"], timeout=60)
        self.assertEqual(rc, 1, f"stdout:\n{out}\nstderr:\n{err}")
        self.assertLess(time.monotonic() - t0, 25, "a rejection must not wait for the time-out")
        self.assertRegex(out + err, r"(?i)reject", "says it was rejected")
        self.assertEqual(watcher.received(self.t("node/+/set/+")), [])

    def test_poweron_wait_times_out_exits_3(self):
        """The wait ends, the request does not: exit 3 (still queued), not 1 (failed)."""
        watcher = self.watcher()
        self.start_coordinator(watcher, 2)
        self.agent(1)
        self.wait_bmc_ready(watcher, 1)  # node 2 never comes: the request stays queued
        t0 = time.monotonic()
        rc, out, err = self.ctl(["--wait=2", "poweron"], timeout=30)
        elapsed = time.monotonic() - t0
        self.assertEqual(rc, 3, f"stdout:\n{out}\nstderr:\n{err}")
        self.assertGreaterEqual(elapsed, 1.9, "returned before --wait=2 ran out")
        self.assertLess(elapsed, 15, "--wait=2 overran")
        queued = [m for m in watcher.received(self.t("event")) if m.get("kind") ==
                  "queued"]
        self.assertTrue(queued, "the request should have been queued behind node 2")

    def test_state_prints_obmcutil_lines(self):
        watcher, coord, agents = self.start_ready_system(2)
        for k, s in (("chassis", "Off"), ("host", "Off")):
            self.wait_rollup(watcher, k, s, stale=[])
        rc, out, err = self.ctl(["state"], timeout=30)
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, line_re("CurrentBMCState", "Ready"))
        self.assertRegex(out, line_re("CurrentPowerState", "Off"))
        self.assertRegex(out, line_re("CurrentHostState", "Off"))
        for verb, prop, value in (("bmcstate", "CurrentBMCState", "Ready"),
                                  ("chassisstate", "CurrentPowerState", "Off"),
                                  ("hoststate", "CurrentHostState", "Off")):
            with self.subTest(verb=verb):
                rc, out, err = self.ctl([verb], timeout=30)
                self.assertEqual(rc, 0, err)
                self.assertRegex(out, line_re(prop, value))
        rc, out, err = self.ctl(["--node", "2", "state"], timeout=30)
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, line_re("CurrentBMCState", "Ready"))

    def test_json_state(self):
        watcher, coord, agents = self.start_ready_system(1)
        self.wait_rollup(watcher, "chassis", "Off", stale=[])
        rc, out, err = self.ctl(["--json", "state"], timeout=30)
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertIsInstance(doc, dict)
        values = set(strings_in(doc))
        self.assertIn("Ready", values)
        self.assertIn("Off", values)

    def test_bad_usage_exits_2(self):
        for args in (["frobnicate"], [], ["--wait=abc", "poweron"], ["--node", "0", "state"]):
            with self.subTest(args=args):
                rc, out, err = self.ctl(args, timeout=30)
                self.assertEqual(rc, 2, f"stdout:\n{out}\nstderr:\n{err}")
                self.assertTrue(err.strip(), "a one-line reason on stderr")

    def test_schedule_time_with_stray_characters_exits_2(self):
        # Each field is digits only: no leading space, nothing after the last field.
        for when in (" 2:30", "1:30x", "1:301", "12:30:5x", " 1999-1-01T00:00",
                     "2026-12-02T22:00:00+01:0", "2026-12-02T22:00:00Zx"):
            with self.subTest(when=when):
                rc, out, err = self.ctl(["schedule", when, "On"], timeout=30)
                self.assertEqual(rc, 2, f"stdout:\n{out}\nstderr:\n{err}")
                self.assertIn("TIME: expected", err)


if __name__ == "__main__":
    unittest.main()
