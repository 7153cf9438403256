# SPDX-License-Identifier: Apache-2.0
"""Daemon log lines (issue #15): on a terminal time-stamped with the level's name and no <N>;
in a file (and under journald) the syslog prefix; the coordinator logs a rollup change at info
only when it opens or closes the gate."""

import os
import pty
import re
import select
import signal
import subprocess
import time
import unittest

from harness import BIN_DIR, START_TIMEOUT, IntegrationTest


class LogTest(IntegrationTest):

    def test_terminal_lines_are_time_stamped(self):
        master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"}
        p = subprocess.Popen([os.path.join(BIN_DIR, "statebus-coordinator"), "--broker",
                              self.broker.address, "--system", self.system, "--nodes", "1",
                              "--state-dir", os.path.join(self.tmp, "state")],
                             stdout=subprocess.DEVNULL, stderr=slave, stdin=subprocess.DEVNULL,
                             env=env)
        os.close(slave)
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait(10)))
        text = ""
        deadline = time.monotonic() + START_TIMEOUT
        while "published rebirth" not in text and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], deadline - time.monotonic())
            if not ready:
                break
            try:
                text += os.read(master, 65536).decode("utf-8", "replace")
            except OSError:
                break
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(15), 0)
        os.close(master)
        lines = [line for line in text.replace("\r", "").splitlines() if line]
        self.assertTrue(lines, "nothing logged")
        for line in lines:
            self.assertRegex(line, r"^\d\d:\d\d:\d\d\.\d{3} (debug|info|notice|warn|error) +"
                                   r"coordinator: ", "a terminal line: time, level, text")
            self.assertNotRegex(line, r"^<\d>")

    def test_file_lines_keep_the_prefix_and_rollups_log_at_info_only_on_the_gate(self):
        watcher, coord, agents = self.start_ready_system(2, power_ms=100, boot_ms=300)
        rc, out, err = self.ctl(["--wait=30", "poweron"], timeout=60)
        self.assertEqual(rc, 0, err)
        self.assert_logs_clean(coord)  # every line "<N>..." in a file
        rollups = re.findall(r"(?m)^<(\d)>coordinator: published rollup kind=(\S+) state=(\S+)",
                             coord.stderr())
        self.assertTrue(rollups, "the gate opening is logged")
        for level, kind, state in rollups:
            self.assertEqual((level, kind), ("6", "bmc"), "only the gate's rollup at info")
        self.assertIn(("6", "bmc", "Ready"), rollups)


if __name__ == "__main__":
    unittest.main()
