# SPDX-License-Identifier: Apache-2.0
"""statebusctl for operators (issue #15), against a real coordinator, sim agents and mosquitto:
honest waits (exit 3 with the id, what it waits for and how to cancel), cancel, joining an
identical request, the status summary (stale exit 4, color only on a terminal, NO_COLOR),
obmcutil's habits (-w, --wait N, status, osstate, did you mean), schedule times, settings read
back, and watch following --node across a broker restart."""

import json
import os
import pty
import re
import select
import signal
import subprocess
import time
import unittest
from datetime import datetime, timedelta

from harness import BIN_DIR, EVENT_TIMEOUT, IntegrationTest, kind_of, wait_briefly

ID_RE = re.compile(r"\(id (ctl-[0-9]+-[0-9]+)\)")


class OperatorTest(IntegrationTest):

    def gated_system(self):
        """Two expected nodes, only node 1 up: a power-on queues behind node 2."""
        watcher = self.watcher()
        coord, _ = self.start_coordinator(watcher, 2)
        self.agent(1, power_ms=100, boot_ms=200)
        self.wait_gate_sees_ready(watcher, [1])
        return watcher, coord

    def wait_event(self, watcher, kind, rid, since=0, timeout=EVENT_TIMEOUT):
        return watcher.wait_msg(self.t("event"), lambda m: m.get("kind") == kind
                                and m.get("id") == rid, timeout=timeout, since=since,
                                what=f"{kind} {rid}")

    # ---- honest waits ---------------------------------------------------------------------
    def test_timeout_says_still_queued_and_how_to_cancel(self):
        watcher, coord = self.gated_system()
        rc, out, err = self.ctl(["--wait=2", "poweron"], timeout=30)
        self.assertEqual(rc, 3, f"stdout:\n{out}\nstderr:\n{err}")
        m = ID_RE.search(err)
        self.assertIsNotNone(m, err)
        rid = m.group(1)
        self.assertIn("still queued", err)
        self.assertIn("waiting for BMC Ready on node 2", err)
        self.assertIn(f"statebusctl cancel {rid}", err)
        # It really is still queued: the retained view lists it.
        req = watcher.wait_msg(self.t("system/requests"), lambda x: any(
            p.get("id") == rid for p in x.get("pending", [])), what="request listed pending")
        self.assertEqual(req.get("gate"), "closed")
        # cancel: exit 0, the cancelled event, and nothing dispatched when node 2 comes.
        mark = watcher.mark()
        rc, out, err = self.ctl(["cancel", rid], timeout=30)
        self.assertEqual(rc, 0, f"stdout:\n{out}\nstderr:\n{err}")
        self.assertIn("cancelled", out)
        ev = self.wait_event(watcher, "cancelled", rid, since=mark)
        self.assertIn("nothing was dispatched", ev.get("why"))
        rc, out, err = self.ctl(["cancel", rid], timeout=30)
        self.assertEqual(rc, 1, "a second cancel has nothing to cancel")
        self.assertIn("already ended cancelled", out)
        self.agent(2)
        self.wait_gate_sees_ready(watcher, [1, 2])
        watcher.barrier(self.t("reply/barrier"))
        self.assertEqual(self.commands_for(watcher, rid), {}, "a cancelled request went out")

    def test_ctrl_c_says_still_queued(self):
        watcher, coord = self.gated_system()
        mark = watcher.mark()
        p = self.spawn("statebusctl", ["--broker", self.broker.address, "--system", self.system,
                                       "--wait=60", "poweron"], tag="statebusctl")
        queued = watcher.wait_msg(self.t("event"), lambda m: m.get("kind") == "queued",
                                  since=mark, what="queued")
        # The answer reaches statebusctl on the same broker; its output line says so.
        deadline = time.monotonic() + EVENT_TIMEOUT
        while "queued" not in p.stdout() and time.monotonic() < deadline:
            wait_briefly(0.05)
        p.signal(signal.SIGINT)
        self.assertEqual(p.wait(20), 3, p.stderr())
        self.assertIn("interrupted", p.stderr())
        self.assertIn(f"still queued (id {queued.get('id')})", p.stderr())

    def test_identical_request_joins_and_both_complete(self):
        watcher, coord = self.gated_system()
        mark = watcher.mark()
        args = ["--broker", self.broker.address, "--system", self.system, "--wait=60", "poweron"]
        first = self.spawn("statebusctl", args, tag="ctl-first")
        q1 = watcher.wait_msg(self.t("event"), lambda m: m.get("kind") == "queued",
                              since=mark, what="first queued")
        second = self.spawn("statebusctl", args, tag="ctl-second")
        q2 = watcher.wait_msg(self.t("event"), lambda m: m.get("kind") == "queued"
                              and m.get("id") != q1.get("id"), since=mark, what="second queued")
        self.assertIn(f"joined {q1.get('id')}", q2.get("why"))
        self.agent(2, power_ms=100, boot_ms=200)
        self.assertEqual(first.wait(60), 0, first.stdout() + first.stderr())
        self.assertEqual(second.wait(60), 0, second.stdout() + second.stderr())
        for q in (q1, q2):
            self.wait_event(watcher, "completed", q.get("id"), since=mark)
        cancelled = [m for m in watcher.received(self.t("event"), mark)
                     if kind_of(m) == "cancelled"]
        self.assertEqual(cancelled, [], "the first waiter must not be failed")
        self.assertEqual(len(self.commands_for(watcher, q1.get("id"))), 2)
        self.assertEqual(self.commands_for(watcher, q2.get("id")), {}, "dispatched once")

    def test_json_on_a_request_prints_json_lines(self):
        watcher, coord, agents = self.start_ready_system(1, power_ms=100, boot_ms=200)
        rc, out, err = self.ctl(["--json", "-w", "30", "poweron"], timeout=60)
        self.assertEqual(rc, 0, err)
        lines = [json.loads(line) for line in out.splitlines() if line.strip()]
        self.assertTrue(lines)
        self.assertEqual(lines[-1].get("kind"), "completed")

    # ---- the status summary ---------------------------------------------------------------
    def test_state_summary_and_stale_exit(self):
        watcher = self.watcher()
        coord, _ = self.start_coordinator(watcher, 2)
        self.agent(1)
        self.wait_gate_sees_ready(watcher, [1])
        rc, out, err = self.ctl(["--wait=1", "poweron"], timeout=30)
        self.assertEqual(rc, 3)
        rc, out, err = self.ctl(["state"], timeout=30)
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"(?m)^coordinator\s+online since ")
        self.assertRegex(out, r"(?m)^gate\s+closed: waiting for BMC Ready on node 2")
        self.assertRegex(out, r"(?m)^requests\s+queued\s+host On id=ctl-")
        self.assertRegex(out, r"(?m)^settings\s+power-restore-policy AlwaysOff, one-time None, "
                              r"delay 0 s")
        self.assertRegex(out, r"(?m)^\s+1\s+online\s+Ready\s+Off\s+Off\s+")
        self.assertRegex(out, r"(?m)^\s+2\s+never\s+-.*stale$")
        self.assertNotIn("\033[", out, "no color when stdout is not a terminal")
        rc, out, err = self.ctl(["status"], timeout=30)
        self.assertEqual(rc, 0, "status is obmcutil's other name for state")
        rc, out, err = self.ctl(["--json", "state"], timeout=30)
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertFalse(doc["stale"])
        self.assertEqual(doc["status"]["status"], "online")
        self.assertEqual(doc["requests"]["gate"], "closed")
        self.assertEqual(doc["nodes"]["1"]["bmc"], "Ready")
        self.assertIn("power-restore-policy", doc["settings"])
        # A stopped coordinator: its last view, marked stale, exit 4.
        coord.signal(signal.SIGTERM)
        self.assertEqual(coord.wait(20), 0)
        rc, out, err = self.ctl(["state"], timeout=30)
        self.assertEqual(rc, 4, out + err)
        self.assertRegex(out, r"(?m)^coordinator\s+OFFLINE")
        self.assertIn("stale", out)
        rc, out, err = self.ctl(["--json", "state"], timeout=30)
        self.assertEqual(rc, 4)
        self.assertTrue(json.loads(out)["stale"])

    def run_on_pty(self, args, env):
        """statebusctl with stdout on a pseudo-terminal: (exit code, output)."""
        master, slave = pty.openpty()
        p = subprocess.Popen([os.path.join(BIN_DIR, "statebusctl"), "--broker",
                              self.broker.address, "--system", self.system, *args],
                             stdout=slave, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                             env={**os.environ, **env})
        os.close(slave)
        chunks = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], deadline - time.monotonic())
            if not ready:
                break
            try:
                data = os.read(master, 65536)
            except OSError:
                break  # EIO: the other side closed
            if not data:
                break
            chunks.append(data)
        os.close(master)
        return p.wait(10), b"".join(chunks).decode("utf-8", "replace")

    def test_state_colors_on_a_terminal_only_without_no_color(self):
        self.start_ready_system(1)
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        rc, out = self.run_on_pty(["state"], {"NO_COLOR": ""} if "NO_COLOR" in env else {})
        self.assertEqual(rc, 0, out)
        self.assertIn("\033[32m", out, "green on a terminal")
        rc, out = self.run_on_pty(["state"], {"NO_COLOR": "1"})
        self.assertEqual(rc, 0, out)
        self.assertNotIn("\033[", out, "NO_COLOR turns color off")

    def test_offline_node_has_no_ready_headline(self):
        watcher, coord, agents = self.start_ready_system(2)
        agents[2].signal(signal.SIGTERM)
        self.assertEqual(agents[2].wait(20), 0)
        watcher.wait_json(self.t("node/2/status"), status="offline")
        rc, out, err = self.ctl(["--node", "2", "state"], timeout=30)
        self.assertEqual(rc, 4, out + err)
        self.assertRegex(out, r"CurrentBMCState\s*:\s*\S*NotReady")
        self.assertIn("not online", err)

    # ---- obmcutil habits ------------------------------------------------------------------
    def test_obmcutil_habits(self):
        watcher, coord, agents = self.start_ready_system(1, power_ms=100, boot_ms=200)
        rc, out, err = self.ctl(["poweronn"], timeout=30)
        self.assertEqual(rc, 2)
        self.assertIn("did you mean 'poweron'", err)
        rc, out, err = self.ctl(["--wait", "30", "poweron"], timeout=60)
        self.assertEqual(rc, 0, f"--wait 30 is --wait=30:\n{out}\n{err}")
        self.assertIn("completed", out)
        rc, out, err = self.ctl(["osstate"], timeout=30)
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"OperatingSystemState\s*:\s*\S*OSStatus\.BootComplete")
        rc, out, err = self.ctl(["-w", "30", "poweroff"], timeout=60)
        self.assertEqual(rc, 0, err)
        rc, out, err = self.ctl(["osstate"], timeout=30)
        self.assertRegex(out, r"OSStatus\.Inactive")
        # --node N on a power action: the refusal names the coordinator's flag.
        rc, out, err = self.ctl(["--node", "1", "poweron"], timeout=30)
        self.assertEqual(rc, 1)
        self.assertIn("coordinator runs without its --allow-partial flag", out)

    def test_schedule_times_and_settings_read_back(self):
        watcher, coord, agents = self.start_ready_system(1)
        topic = self.t("system/settings/scheduled-transition")
        soon = datetime.now() + timedelta(hours=2)
        hhmm = soon.strftime("%H:%M")
        mark = watcher.mark()
        rc, out, err = self.ctl(["schedule", hhmm, "On"], timeout=30)
        self.assertEqual(rc, 0, err)
        self.assertIn("local", out)
        value = watcher.wait_msg(topic, lambda m: m.get("value"), since=mark).get("value")
        expect = soon.replace(second=0, microsecond=0).timestamp()
        self.assertEqual(value["time"], int(expect))
        iso = (datetime.now().astimezone() + timedelta(hours=3)).replace(microsecond=0)
        mark = watcher.mark()
        rc, out, err = self.ctl(["schedule", iso.isoformat(), "Off"], timeout=30)
        self.assertEqual(rc, 0, err)
        value = watcher.wait_msg(topic, lambda m: (m.get("value") or {}).get("transition")
                                 == "Off", since=mark).get("value")
        self.assertEqual(value["time"], int(iso.timestamp()))
        rc, out, err = self.ctl(["schedule", "25:00", "On"], timeout=30)
        self.assertEqual(rc, 2)
        rc, out, err = self.ctl(["set-policy", "AlwaysOn"], timeout=30)
        self.assertEqual(rc, 0, err)
        for verb in ("settings", "get-policy"):
            rc, out, err = self.ctl([verb], timeout=30)
            self.assertEqual(rc, 0, err)
            self.assertIn("power-restore-policy AlwaysOn", out)
            self.assertRegex(out, r"schedule host Off at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d local, "
                                  r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")

    # ---- watch ----------------------------------------------------------------------------
    def test_watch_follows_node_and_survives_a_broker_restart(self):
        watcher, coord, agents = self.start_ready_system(2)
        w = self.spawn("statebusctl", ["--broker", self.broker.address, "--system", self.system,
                                       "--node", "2", "watch"], tag="watch")

        def wait_out(pattern, what):
            deadline = time.monotonic() + EVENT_TIMEOUT
            while time.monotonic() < deadline:
                if re.search(pattern, w.stdout(), re.M):
                    return
                self.assertTrue(w.alive(), f"watch exited: {w.stderr()}")
                wait_briefly(0.05)
            self.fail(f"watch: no {what}:\n{w.stdout()}\n{w.stderr()}")
        wait_out(r"node 2 bmc: Ready", "node 2's BMC")
        self.assertNotIn("node 1", w.stdout(), "--node 2 shows node 2 only")
        self.assertNotRegex(w.stdout(), r"(?m)^\S+ (\(retained\) )?host: ", "no rollups")
        self.broker.restart()
        # The same broker comes back: watch reconnects and shows the retained values again.
        before = w.stdout().count("node 2 bmc: Ready")
        deadline = time.monotonic() + 30
        while w.stdout().count("node 2 bmc: Ready") <= before and time.monotonic() < deadline:
            self.assertTrue(w.alive(), f"watch exited on the broker restart: {w.stderr()}")
            wait_briefly(0.1)
        self.assertGreater(w.stdout().count("node 2 bmc: Ready"), before, w.stderr())
        self.assertIn("reconnected", w.stderr())
        w.signal(signal.SIGINT)
        self.assertEqual(w.wait(20), 0)


if __name__ == "__main__":
    unittest.main()
