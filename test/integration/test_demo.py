# SPDX-License-Identifier: Apache-2.0
"""scripts/demo.sh --check: the main job's story end to end, on a free port, with this build's
binaries (--bin-dir: no rebuild) and a private run dir (parallel-safe)."""

import os
import subprocess
import unittest

from harness import BIN_DIR, SOURCE_DIR, IntegrationTest, free_port


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


if __name__ == "__main__":
    unittest.main()
