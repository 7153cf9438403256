# SPDX-License-Identifier: Apache-2.0
"""`cmake --install` into a DESTDIR lays out the expected tree: binaries, systemd units whose
ExecStart names an installed binary, broker configs, the Grafana dashboard, schemas, docs, man
pages and bash completion, all under the prefix and nothing elsewhere."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN_DIR

BUILD_DIR = os.path.dirname(os.path.normpath(BIN_DIR))


def configured_prefix():
    """The build's CMAKE_INSTALL_PREFIX: the units' ExecStart paths are fixed at configure time
    (configure_file), so the tree is checked under the prefix the build was configured with."""
    with open(os.path.join(BUILD_DIR, "CMakeCache.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("CMAKE_INSTALL_PREFIX:"):
                return line.split("=", 1)[1].strip()
    raise AssertionError(f"no CMAKE_INSTALL_PREFIX in {BUILD_DIR}/CMakeCache.txt")


PREFIX = configured_prefix()

EXPECTED = [
    "bin/statebus-agent",
    "bin/statebus-coordinator",
    "bin/statebusctl",
    "lib/systemd/system/statebus-agent.service",
    "lib/systemd/system/statebus-coordinator@.service",
    "share/statebus/broker-config/statebus-dev.conf",
    "share/statebus/broker-config/statebus-prod.conf",
    "share/statebus/grafana/statebus-dashboard.json",
    "share/statebus/schema/command.schema.json",
    "share/doc/statebus/README.md",
    "share/doc/statebus/topics.md",
    "share/doc/statebus/redfish.md",
    "share/doc/statebus/grafana.md",
    "share/doc/statebus/examples/coordinator.json.example",
    "share/man/man1/statebusctl.1",
    "share/man/man8/statebus-agent.8",
    "share/man/man8/statebus-coordinator.8",
    "share/bash-completion/completions/statebusctl",
]
REDFISH = ["bin/statebus-redfish", "bin/statebus-redfish-passwd",
           "share/man/man8/statebus-redfish.8",
           "lib/systemd/system/statebus-redfish@.service",
           "share/doc/statebus/examples/redfish.json.example"]
DBUS = ["bin/statebus-dbus", "share/man/man8/statebus-dbus.8",
        "lib/systemd/system/statebus-dbus.service",
        "lib/systemd/system/xyz.openbmc_project.State.Host@0.service.d/statebus-dbus.conf",
        "lib/systemd/system/xyz.openbmc_project.State.Chassis@0.service.d/statebus-dbus.conf",
        "lib/systemd/system/phosphor-discover-system-state@0.service.d/statebus-dbus.conf",
        "lib/systemd/system/xyz.openbmc_project.State.ScheduledHostTransition@0.service.d/"
        "statebus-dbus.conf",
        "lib/systemd/system-preset/80-statebus-dbus.preset",
        "share/doc/statebus/examples/dbus.json.example"]


class InstallTest(unittest.TestCase):

    def setUp(self):
        self.destdir = tempfile.mkdtemp(prefix="statebus-install-")
        self.addCleanup(shutil.rmtree, self.destdir, True)
        env = dict(os.environ, DESTDIR=self.destdir)
        result = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", PREFIX],
                                env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.root = os.path.join(self.destdir, PREFIX.lstrip("/"))

    def path(self, rel):
        return os.path.join(self.root, rel)

    def test_tree_has_every_expected_file(self):
        expected = EXPECTED + (REDFISH if os.path.exists(os.path.join(BIN_DIR,
                                                                       "statebus-redfish"))
                               else [])
        expected += DBUS if os.path.exists(os.path.join(BIN_DIR, "statebus-dbus")) else []
        missing = [rel for rel in expected if not os.path.isfile(self.path(rel))]
        self.assertEqual(missing, [])
        for rel in expected:
            if rel.startswith("bin/"):
                self.assertTrue(os.access(self.path(rel), os.X_OK), rel)

    def test_nothing_lands_outside_the_prefix(self):
        self.assertEqual(os.listdir(self.destdir), [PREFIX.strip("/").split("/")[0]])
        for dirpath, _, files in os.walk(self.destdir):
            for name in files:
                path = os.path.join(dirpath, name)
                self.assertTrue(path.startswith(self.root + "/"), path)

    def test_units_start_installed_binaries(self):
        unit_dir = self.path("lib/systemd/system")
        for unit in os.listdir(unit_dir):
            if os.path.isdir(os.path.join(unit_dir, unit)):
                continue  # a drop-in directory (statebus-dbus'): no ExecStart of its own
            with open(os.path.join(unit_dir, unit), encoding="utf-8") as f:
                execs = re.findall(r"(?m)^ExecStart=(\S+)", f.read())
            self.assertTrue(execs, unit)
            for exe in execs:
                self.assertTrue(exe.startswith(PREFIX + "/bin/"), f"{unit}: {exe}")
                self.assertTrue(os.path.isfile(os.path.join(self.destdir, exe.lstrip("/"))), exe)

    def test_units_follow_the_install_prefix(self):
        """`cmake --install --prefix P` with another P than the configured one: ExecStart names
        P's binaries (issue #15: /usr/local/bin stayed after --prefix /usr)."""
        other = "/opt/statebus-prefix-test"
        destdir = tempfile.mkdtemp(prefix="statebus-install-other-")
        self.addCleanup(shutil.rmtree, destdir, True)
        result = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", other],
                                env=dict(os.environ, DESTDIR=destdir), capture_output=True,
                                text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        unit_dir = os.path.join(destdir, other.lstrip("/"), "lib/systemd/system")
        for unit in os.listdir(unit_dir):
            if not os.path.isfile(os.path.join(unit_dir, unit)):
                continue  # drop-in directories (statebus-dbus)
            with open(os.path.join(unit_dir, unit), encoding="utf-8") as f:
                execs = re.findall(r"(?m)^ExecStart=(\S+)", f.read())
            self.assertTrue(execs, unit)
            for exe in execs:
                self.assertTrue(exe.startswith(other + "/bin/"), f"{unit}: {exe}")
                self.assertTrue(os.path.isfile(os.path.join(destdir, exe.lstrip("/"))), exe)

    def test_installed_ctl_runs_and_completion_parses(self):
        out = subprocess.run([self.path("bin/statebusctl"), "--version"], capture_output=True,
                             text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("statebusctl", out.stdout)
        completion = self.path("share/bash-completion/completions/statebusctl")
        check = subprocess.run(
            ["bash", "-c", f"source {completion} && complete -p statebusctl && "
             "COMP_WORDS=(statebusctl set-policy A); COMP_CWORD=2; _statebusctl; "
             "echo \"${COMPREPLY[*]}\""], capture_output=True, text=True, timeout=30)
        self.assertEqual(check.returncode, 0, check.stderr)
        self.assertIn("AlwaysOn AlwaysOff", check.stdout)

    @unittest.skipUnless(shutil.which("man"), "man (man-db) is not installed")
    def test_man_pages_render_without_warnings(self):
        for rel in ("share/man/man1/statebusctl.1", "share/man/man8/statebus-agent.8",
                    "share/man/man8/statebus-coordinator.8", "share/man/man8/statebus-dbus.8"):
            out = subprocess.run(["man", "--warnings", "-l", self.path(rel)],
                                 capture_output=True, text=True, timeout=30,
                                 env=dict(os.environ, MANPAGER="cat", MANWIDTH="100"))
            self.assertEqual(out.returncode, 0, rel)
            self.assertEqual(out.stderr.strip(), "", rel)
            self.assertIn("SYNOPSIS", out.stdout, rel)


if __name__ == "__main__":
    unittest.main()
