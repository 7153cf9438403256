# SPDX-License-Identifier: Apache-2.0
"""scripts/demo.sh --check: the main job's story end to end, on a free port, with this build's
binaries (--bin-dir: no rebuild) and a private run dir (parallel-safe); and the interactive demo
on a 45-line terminal (tmux)."""

import os
import shlex
import shutil
import subprocess
import time
import unittest

from harness import BIN_DIR, SOURCE_DIR, IntegrationTest, free_port, wait_briefly


class DemoTest(IntegrationTest):
    start_broker = False  # demo.sh starts its own

    def test_demo_check_completes_gated_power_on(self):
        port = free_port()
        run_dir = os.path.join(self.tmp, "run")
        cmd = ["bash", os.path.join(SOURCE_DIR, "scripts", "demo.sh"), "--check",
               "--port", str(port), "--bin-dir", BIN_DIR, "--run-dir", run_dir]
        try:
            res = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, timeout=150, check=False)
        except subprocess.TimeoutExpired as e:
            self.fail(f"demo.sh --check did not finish in 150 s:\n{(e.output or b'').decode()}")
        out = res.stdout.decode("utf-8", "replace")
        self.assertEqual(res.returncode, 0, f"demo.sh --check failed:\n{out}")
        self.assertIn("power-on completed", out)
        # The story: the request waited for the BMCs (queued), then went out.
        self.assertRegex(out, r"(?i)queued", f"the power-on was not shown queued:\n{out}")
        # Every node's "accepted", though the four agents answer within the same millisecond.
        for node in range(1, 5):
            self.assertRegex(out, rf"(?m)^accepted host On id='\S+' node={node}$",
                             f"node {node}'s accepted event was not shown:\n{out}")
        # Nothing it started is left running: the broker's port is free again.
        self.assertNotEqual(subprocess.run(
            ["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}"], stderr=subprocess.DEVNULL,
            check=False).returncode, 0, "demo.sh left the broker running")


    @unittest.skipUnless(shutil.which("tmux"), "tmux is not installed (scripts/deps.sh)")
    def test_story_fits_a_45_line_terminal(self):
        """The interactive demo in a real terminal (tmux, 100 x 45): once it says it is running,
        the whole story is on the screen, from its first line to the completed power-on, each
        event once (issue #15: the build and duplicate lines pushed it off)."""
        port = free_port()
        run_dir = os.path.join(self.tmp, "run")
        sock = f"statebus-demo-{os.getpid()}-{port}"
        demo = " ".join(shlex.quote(a) for a in [
            "bash", os.path.join(SOURCE_DIR, "scripts", "demo.sh"), "--port", str(port),
            "--bin-dir", BIN_DIR, "--run-dir", run_dir])

        def tmux(*args):
            return subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True,
                                  timeout=30, check=False)
        self.addCleanup(tmux, "kill-server")
        r = tmux("new-session", "-d", "-x", "100", "-y", "45", f"{demo}; sleep 30")
        self.assertEqual(r.returncode, 0, r.stderr)
        screen = ""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            screen = tmux("capture-pane", "-p").stdout
            if "demo: running" in screen:
                break
            wait_briefly(0.2)
        self.assertIn("demo: running", screen, f"the demo did not get there:\n{screen}")
        rows = screen.split("\n")
        self.assertLessEqual(len(rows), 46)
        for text in ("demo: broker: mosquitto", "demo: live view", "event queued host On",
                     "requests: gate closed, waiting for nodes 1,2,3,4",
                     "requests: gate closed, waiting for node 4", "bmc: Ready (4/4 nodes Ready)",
                     "event dispatched host On", "host: Running (4/4 nodes Running)",
                     "event completed host On", "demo: power-on completed"):
            self.assertIn(text, screen, f"{text!r} is not on the 45-line screen:\n{screen}")
        for once in ("event queued host On", "event dispatched host On",
                     "event completed host On"):
            self.assertEqual(screen.count(once), 1, f"{once!r} shown twice:\n{screen}")
        self.assertLess(screen.index("demo: broker:"), screen.index("event queued"))
        self.assertLess(screen.index("event completed"), screen.index("demo: power-on completed"))
        # Ctrl-C stops everything it started: the broker's port is free again.
        tmux("send-keys", "C-c")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and subprocess.run(
                ["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}"],
                stderr=subprocess.DEVNULL, check=False).returncode == 0:
            wait_briefly(0.2)
        self.assertNotEqual(subprocess.run(
            ["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}"], stderr=subprocess.DEVNULL,
            check=False).returncode, 0, "Ctrl-C left the broker running")


if __name__ == "__main__":
    unittest.main()
