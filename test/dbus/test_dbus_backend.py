# SPDX-License-Identifier: Apache-2.0
"""statebus-agent --backend dbus against a private dbus-daemon with psm-double standing in for
phosphor-state-manager, a real mosquitto on loopback and an independent paho client
(test/integration/harness.py, imported, not copied). The agent finds the bus through
$DBUS_SYSTEM_BUS_ADDRESS, as OpenBMC code using sd_bus_open_system() does. Property values are
checked on the bus with busctl, independently of the agent."""

import os
import shutil
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import contract  # noqa: E402
from harness import (EVENT_TIMEOUT, START_TIMEOUT, IntegrationTest, Proc,  # noqa: E402
                     now_ms, read_tail, wait_briefly)

TEST_BIN_DIR = os.environ.get("STATEBUS_TEST_BIN_DIR") or os.path.join(
    os.path.dirname(os.environ.get("STATEBUS_BIN_DIR", "")), "test")
DBUS = "xyz.openbmc_project.State"
HOST_OBJ = (f"{DBUS}.Host", "/xyz/openbmc_project/state/host0", f"{DBUS}.Host")
CHASSIS_OBJ = (f"{DBUS}.Chassis", "/xyz/openbmc_project/state/chassis0", f"{DBUS}.Chassis")
BMC_OBJ = (f"{DBUS}.BMC", "/xyz/openbmc_project/state/bmc0", f"{DBUS}.BMC")

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""


class TestBinary(Proc):
    """A test program from the build's test/ directory, handled like the harness' processes
    (logs in the test's temp dir, killed at teardown)."""

    def __init__(self, directory, name, args, env=None):
        path = os.path.join(TEST_BIN_DIR, name)
        if not os.access(path, os.X_OK):
            raise AssertionError(f"{path} is not built (STATEBUS_TEST_BIN_DIR={TEST_BIN_DIR})")
        self.name = self.tag = name
        self.args = [str(a) for a in args]
        base = os.path.join(directory, f"{name}-{time.monotonic_ns()}")
        self.stderr_path = base + ".stderr"
        self.stdout_path = base + ".stdout"
        full_env = dict(os.environ)
        full_env.update(env or {})
        with open(self.stderr_path, "wb") as err, open(self.stdout_path, "wb") as out:
            self.popen = subprocess.Popen([path] + self.args, stdout=out, stderr=err,
                                          stdin=subprocess.DEVNULL, env=full_env)
        self.pid = self.popen.pid


class DbusBackendTest(IntegrationTest):

    def setUp(self):
        if not shutil.which("dbus-daemon"):
            self.skipTest("dbus-daemon is not installed (Debian package 'dbus')")
        super().setUp()
        self.socket = os.path.join(self.tmp, "system_bus_socket")
        self.address = f"unix:path={self.socket}"
        self.bus = None

    # ---- the bus and PSM ------------------------------------------------------------------
    def start_bus(self):
        """dbus-daemon on the same socket path every time (the agent keeps its address)."""
        conf = os.path.join(self.tmp, "bus.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(BUS_CONFIG.format(socket=self.socket))
        if os.path.exists(self.socket):
            os.unlink(self.socket)
        log = open(os.path.join(self.tmp, "dbus-daemon.log"), "ab")
        self.bus = subprocess.Popen(["dbus-daemon", f"--config-file={conf}", "--nofork",
                                     "--print-address=1"], stdout=subprocess.PIPE, stderr=log,
                                    stdin=subprocess.DEVNULL)
        log.close()
        self.addCleanup(self.stop_bus, self.bus)
        line = self.bus.stdout.readline().decode().strip()
        self.assertTrue(line.startswith(f"unix:path={self.socket}"),
                        f"dbus-daemon printed {line!r}")

    def stop_bus(self, bus=None):
        bus = bus or self.bus
        if bus and bus.poll() is None:
            bus.kill()
            bus.wait(10)
        if bus and bus.stdout:
            bus.stdout.close()

    def psm(self, *args):
        p = TestBinary(self.tmp, "psm-double", ["--step-ms", 50, *args],
                       env={"DBUS_SYSTEM_BUS_ADDRESS": self.address})
        self.procs.append(p)
        deadline = time.monotonic() + START_TIMEOUT
        while "psm-double: ready" not in p.stdout():
            self.assertTrue(p.alive(), f"psm-double died:\n{p.stderr()}")
            self.assertLess(time.monotonic(), deadline, "psm-double did not get ready")
            wait_briefly(0.02)
        return p

    def busctl_get(self, obj, prop):
        service, path, interface = obj
        out = subprocess.run(["busctl", f"--address={self.address}", "get-property", service,
                              path, interface, prop], capture_output=True, text=True,
                             timeout=10, check=True).stdout.strip()
        self.assertTrue(out.startswith('s "'), out)
        return out[3:-1]

    def dbus_agent(self, node=1, extra=()):
        args = ["--broker", self.broker.address, "--system", self.system, "--node", node,
                "--backend", "dbus", "--heartbeat-ms", 0, *extra]
        return self.spawn("statebus-agent", args, tag=f"agent{node}",
                          env={"DBUS_SYSTEM_BUS_ADDRESS": self.address})

    def states(self, watcher, kind, since=0):
        """The kind's states since, a detail-only change (restart_cause...) not repeating one."""
        out = []
        for m in watcher.received(self.t(f"node/1/{kind}"), since):
            state = m.json.get("state") if isinstance(m.json, dict) else None
            if not out or out[-1] != state:
                out.append(state)
        return out

    def wait_state(self, watcher, kind, state, since=0, timeout=EVENT_TIMEOUT):
        m = watcher.wait_json(self.t(f"node/1/{kind}"), timeout, since,
                              f"node 1 {kind} {state}", state=state)
        self.assertEqual(contract.state_payload_problems(kind, m.json, 1), [], str(m))
        return m

    def command(self, client, target, transition, rid):
        client.publish(self.t(f"node/1/set/{target}"),
                       {"transition": transition, "id": rid, "deadline": now_ms() + 60000})

    # ---- tests ----------------------------------------------------------------------------
    def test_psm_states_are_mirrored_and_commands_walk(self):
        ac_loss = os.path.join(self.tmp, "chassis-lost-power")
        open(ac_loss, "w").close()  # PSM's marker: an empty file that exists
        self.start_bus()
        self.psm()
        watcher = self.client(name="watcher", subscribe=[self.t("node/1/#"), self.t("event")])
        agent = self.dbus_agent(extra=["--ac-loss", "file", "--ac-loss-file", ac_loss])

        self.wait_state(watcher, "bmc", "Ready")
        chassis = self.wait_state(watcher, "chassis", "Off")
        self.assertIs(chassis.json["ac_loss"], True)
        self.assertEqual(chassis.json["power_status"], "Good")
        self.wait_state(watcher, "host", "Off")
        self.wait_state(watcher, "boot-progress", "Unspecified")
        self.wait_node_online(watcher, 1)

        # A command over MQTT becomes PSM's property write, and PSM's walk comes back.
        mark = watcher.mark()
        self.command(watcher, "host", "On", "dbus-on-1")
        watcher.wait_json(self.t("event"), EVENT_TIMEOUT, mark, "accepted", kind="accepted",
                          id="dbus-on-1")
        self.wait_state(watcher, "host", "Running", mark)
        self.assertEqual(self.busctl_get(HOST_OBJ, "RequestedHostTransition"),
                         f"{DBUS}.Host.Transition.On")
        self.assertEqual(self.busctl_get(HOST_OBJ, "CurrentHostState"),
                         f"{DBUS}.Host.HostState.Running")
        self.assertEqual(self.states(watcher, "chassis", mark), ["TransitioningToOn", "On"])
        # PSM sets RestartCause first (host still Off), then walks the host.
        self.assertEqual(self.states(watcher, "host", mark),
                         ["Off", "TransitioningToRunning", "Running"])
        self.assertEqual(self.states(watcher, "boot-progress", mark),
                         ["PrimaryProcInit", "MemoryInit", "PCIInit", "SystemInitComplete",
                          "OSStart", "OSRunning"])
        host = watcher.received(self.t("node/1/host"), mark)[-1].json
        self.assertEqual(host["restart_cause"], "RemoteCommand")

        mark = watcher.mark()
        self.command(watcher, "chassis", "Off", "dbus-off-1")
        self.wait_state(watcher, "chassis", "Off", mark)
        self.wait_state(watcher, "host", "Off", mark)
        self.assertEqual(self.busctl_get(CHASSIS_OBJ, "RequestedPowerTransition"),
                         f"{DBUS}.Chassis.Transition.Off")

        mark = watcher.mark()
        self.command(watcher, "bmc", "Reboot", "dbus-bmc-1")
        self.wait_state(watcher, "bmc", "NotReady", mark)
        self.wait_state(watcher, "bmc", "Ready", mark)
        self.assertEqual(self.busctl_get(BMC_OBJ, "RequestedBMCTransition"),
                         f"{DBUS}.BMC.Transition.Reboot")
        self.assertTrue(agent.alive())
        self.assert_logs_clean(agent)

    def test_psm_refusal_is_logged_and_nothing_moves(self):
        self.start_bus()
        psm = self.psm("--bmc-ready-ms", 60000)  # BMC NotReady: PSM refuses power-ons
        watcher = self.client(name="watcher", subscribe=[self.t("node/1/#"), self.t("event")])
        agent = self.dbus_agent()
        self.wait_state(watcher, "host", "Off")
        self.wait_state(watcher, "bmc", "NotReady")
        mark = watcher.mark()
        self.command(watcher, "host", "On", "dbus-refused")
        self.wait_log(agent, r"dbus: failed to set RequestedHostTransition=.*The BMC is not in a "
                             r"Ready state, no host operations allowed")
        self.assertIn("refused RequestedHostTransition", psm.stdout())
        watcher.barrier(self.t("barrier"))
        # The agent's receipt (issue #13: the current state, republished naming the command it
        # accepted) is the only host state: nothing moved.
        receipts = [m.json for m in watcher.received(self.t("node/1/host"), mark)]
        self.assertEqual([(j.get("state"), j.get("request")) for j in receipts],
                         [("Off", "dbus-refused")])
        self.assertEqual(self.states(watcher, "chassis", mark), [])

    def test_psm_not_there_yet_then_restarted(self):
        self.start_bus()
        watcher = self.client(name="watcher", subscribe=[self.t("node/1/#")])
        agent = self.dbus_agent()
        # No PSM: the BMC is NotReady and nothing else is claimed.
        self.wait_node_online(watcher, 1)
        self.wait_state(watcher, "bmc", "NotReady")
        self.wait_log(agent, r"dbus: failed to read xyz\.openbmc_project\.State\.Host .*"
                             r"ServiceUnknown.*retrying")
        watcher.barrier(self.t("barrier"))
        for kind in ("chassis", "host", "boot-progress"):
            self.assertEqual(self.states(watcher, kind), [], f"{kind} claimed without PSM")

        # PSM starts with the host up: seen when its names appear, at once, not by polling.
        mark = watcher.mark()
        psm = self.psm("--chassis", "On")
        self.wait_state(watcher, "bmc", "Ready", mark)
        self.wait_state(watcher, "chassis", "On", mark)
        self.wait_state(watcher, "host", "Running", mark)
        self.wait_state(watcher, "boot-progress", "OSRunning", mark)

        # PSM goes away: the BMC is not Ready any more; the host's last state stands.
        mark = watcher.mark()
        psm.kill()
        self.wait_state(watcher, "bmc", "NotReady", mark)
        mark = watcher.mark()
        self.psm("--chassis", "On")
        self.wait_state(watcher, "bmc", "Ready", mark)
        self.assertTrue(agent.alive())

    def test_no_system_bus_then_bus_restart(self):
        # The bus socket does not exist yet: the agent runs, says NotReady, and retries.
        watcher = self.client(name="watcher", subscribe=[self.t("node/1/#")])
        agent = self.dbus_agent()
        self.wait_node_online(watcher, 1)
        self.wait_state(watcher, "bmc", "NotReady")
        self.wait_log(agent, r"dbus: psm has no system bus, retrying")

        mark = watcher.mark()
        self.start_bus()
        self.psm()
        self.wait_state(watcher, "bmc", "Ready", mark, timeout=START_TIMEOUT)
        self.wait_state(watcher, "chassis", "Off", mark)

        # The bus dies under the agent (and PSM with it): NotReady, then back once both return.
        mark = watcher.mark()
        self.stop_bus()
        self.wait_state(watcher, "bmc", "NotReady", mark)
        for p in self.procs:
            if p.name == "psm-double":
                p.kill()
        mark = watcher.mark()
        self.start_bus()
        self.psm()
        self.wait_state(watcher, "bmc", "Ready", mark, timeout=START_TIMEOUT)
        self.assertTrue(agent.alive(), read_tail(agent.stderr_path))
        self.assert_logs_clean(agent)


    def dbus_send_set(self, obj, prop, value):
        """Properties.Set with dbus-send, which prints the error *name*: (rc, stderr)."""
        service, path, interface = obj
        r = subprocess.run(["dbus-send", f"--bus={self.address}", "--print-reply",
                            f"--dest={service}", path, "org.freedesktop.DBus.Properties.Set",
                            f"string:{interface}", f"string:{prop}", f"variant:string:{value}"],
                           capture_output=True, text=True, timeout=10)
        return r.returncode, r.stderr.strip()

    def test_psm_double_answers_like_psm(self):
        """What real PSM does, so tests against the double expect what PSM would answer:
        Off is never refused, a chassis refusal has the Chassis error name, a string that is no
        value answers InvalidEnumString."""
        if not shutil.which("dbus-send"):
            self.skipTest("dbus-send is not installed (Debian package 'dbus')")
        self.start_bus()
        psm = self.psm("--bmc-ready-ms", 60000)
        rc, err = self.dbus_send_set(HOST_OBJ, "RequestedHostTransition",
                                     f"{DBUS}.Host.Transition.On")
        self.assertIn(f"Error {DBUS}.Host.Error.BMCNotReady: The BMC is not in a Ready state, no "
                      "host operations allowed", err)
        rc, err = self.dbus_send_set(CHASSIS_OBJ, "RequestedPowerTransition",
                                     f"{DBUS}.Chassis.Transition.PowerCycle")
        self.assertIn(f"Error {DBUS}.Chassis.Error.BMCNotReady: The BMC is not in a Ready state, "
                      "no power operations allowed", err)
        for obj, prop, value in ((HOST_OBJ, "RequestedHostTransition",
                                  f"{DBUS}.Host.Transition.Off"),
                                 (CHASSIS_OBJ, "RequestedPowerTransition",
                                  f"{DBUS}.Chassis.Transition.Off")):
            rc, err = self.dbus_send_set(obj, prop, value)
            self.assertEqual(rc, 0, f"{prop}=Off refused: {err}")
        for obj, prop, value in ((HOST_OBJ, "RequestedHostTransition", "On"),
                                 (HOST_OBJ, "RequestedHostTransition",
                                  f"{DBUS}.Host.Transition.PowerCycle"),
                                 (CHASSIS_OBJ, "RequestedPowerTransition",
                                  f"{DBUS}.Chassis.Transition.Reboot")):
            rc, err = self.dbus_send_set(obj, prop, value)
            self.assertIn("Error xyz.openbmc_project.sdbusplus.Error.InvalidEnumString", err,
                          value)
        self.assertIn("refused RequestedHostTransition=On (not a value)", psm.stdout())

    def test_instance_n_names_and_software_reboot_cause(self):
        """--dbus-instance 2 against PSM's instance-2 names (...Chassis2, ...Host2, no legacy
        name), and a BMC rebooted by software: LastRebootCause Software, code 5."""
        self.start_bus()
        self.psm("--instance", 2, "--reboot-cause", "Software")
        names = subprocess.run(["busctl", f"--address={self.address}", "list", "--no-pager"],
                               capture_output=True, text=True, timeout=10, check=True).stdout
        self.assertIn(f"{DBUS}.Host2 ", names)
        self.assertIn(f"{DBUS}.Chassis2 ", names)
        self.assertNotIn(f"{DBUS}.Host ", names)
        watcher = self.client(name="watcher", subscribe=[self.t("node/1/#"), self.t("event")])
        agent = self.dbus_agent(extra=["--dbus-instance", 2])
        bmc = self.wait_state(watcher, "bmc", "Ready")
        self.assertEqual(bmc.json["last_reboot_cause"], "Software")
        self.wait_state(watcher, "chassis", "Off")
        self.wait_state(watcher, "host", "Off")
        mark = watcher.mark()
        self.command(watcher, "host", "On", "dbus-inst-1")
        self.wait_state(watcher, "host", "Running", mark)
        self.assertEqual(self.busctl_get((f"{DBUS}.Host2", "/xyz/openbmc_project/state/host2",
                                          f"{DBUS}.Host"), "RequestedHostTransition"),
                         f"{DBUS}.Host.Transition.On")
        self.assert_logs_clean(agent)

    def test_x86_power_control_node_publishes_boot_progress(self):
        """No State.Boot.Progress (x86-power-control): boot progress is published from
        OperatingSystemState instead of never; no power status or restart cause is claimed."""
        self.start_bus()
        self.psm("--x86-power-control", "yes")
        watcher = self.client(name="watcher", subscribe=[self.t("node/1/#")])
        agent = self.dbus_agent()
        self.wait_state(watcher, "bmc", "Ready")
        chassis = watcher.wait_json(self.t("node/1/chassis"), EVENT_TIMEOUT, 0, "chassis Off",
                                    state="Off").json
        self.assertNotIn("power_status", chassis)
        host = watcher.wait_json(self.t("node/1/host"), EVENT_TIMEOUT, 0, "host Off",
                                 state="Off").json
        self.assertNotIn("restart_cause", host)
        self.wait_state(watcher, "boot-progress", "Unspecified")
        self.wait_node_online(watcher, 1)
        self.wait_log(agent, r"has no xyz\.openbmc_project\.State\.Boot\.Progress "
                             r"\(x86-power-control\?\)")
        mark = watcher.mark()
        self.command(watcher, "host", "On", "x86-on-1")
        self.wait_state(watcher, "boot-progress", "SystemInitComplete", mark)
        watcher.wait_json(self.t("node/1/host"), EVENT_TIMEOUT, mark, "host Running",
                          state="Running")
        mark = watcher.mark()
        self.command(watcher, "host", "Off", "x86-off-1")
        self.wait_state(watcher, "boot-progress", "Unspecified", mark)
        self.assertNotIn("Boot.Progress of service", agent.stderr())  # no retries
        self.assert_logs_clean(agent)

if __name__ == "__main__":
    unittest.main()
