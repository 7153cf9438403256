# SPDX-License-Identifier: Apache-2.0
"""statebus-dbus (dbus/) against a private dbus-daemon started here, mapper-double standing in
for phosphor-objmgr (it learns objects by introspecting name owners, as mapperx does), a real
mosquitto, the real coordinator and sim agents. Every D-Bus call is made the way the OpenBMC
client makes it: obmcutil's (mapper GetObject, then busctl get-property / set-property with
full enum strings), bmcweb's (fixed service names), with dbus-send where the error *name* must
be seen (busctl prints only the message). PropertiesChanged is recorded with busctl monitor."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

import test_dbus_backend as backend_test  # noqa: E402
from harness import (EVENT_TIMEOUT, START_TIMEOUT, IntegrationTest,  # noqa: E402
                     wait_briefly)

ST = "xyz.openbmc_project.State"
HOST = (f"{ST}.Host", "/xyz/openbmc_project/state/host0", f"{ST}.Host")
HOST0 = (f"{ST}.Host0", "/xyz/openbmc_project/state/host0", f"{ST}.Host")
BOOT = (f"{ST}.Host", "/xyz/openbmc_project/state/host0", f"{ST}.Boot.Progress")
OS_STATUS = (f"{ST}.Host", "/xyz/openbmc_project/state/host0", f"{ST}.OperatingSystem.Status")
CHASSIS = (f"{ST}.Chassis", "/xyz/openbmc_project/state/chassis0", f"{ST}.Chassis")
CHASSIS0 = (f"{ST}.Chassis0", "/xyz/openbmc_project/state/chassis0", f"{ST}.Chassis")
HYPERVISOR = (f"{ST}.Hypervisor", "/xyz/openbmc_project/state/hypervisor0", f"{ST}.Host")
MAPPER = ("xyz.openbmc_project.ObjectMapper", "/xyz/openbmc_project/object_mapper",
          "xyz.openbmc_project.ObjectMapper")
HOST_ON = f"{ST}.Host.Transition.On"
CHASSIS_ON = f"{ST}.Chassis.Transition.On"


class Monitor:
    """busctl monitor --json=short for PropertiesChanged: every signal, in bus order."""

    def __init__(self, test):
        self.cond = threading.Condition()
        self.signals = []
        self.stderr = open(os.path.join(test.tmp, f"monitor-{time.monotonic_ns()}.err"), "wb")
        self.popen = subprocess.Popen(
            ["busctl", f"--address={test.address}", "monitor", "--json=short",
             "--match=type='signal',member='PropertiesChanged'"],
            stdout=subprocess.PIPE, stderr=self.stderr, stdin=subprocess.DEVNULL)
        test.addCleanup(self.close)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        path = self.stderr.name
        deadline = time.monotonic() + START_TIMEOUT
        while not self._started(path):
            test.assertLess(time.monotonic(), deadline, "busctl monitor did not start")
            test.assertIsNone(self.popen.poll(), "busctl monitor died")
            wait_briefly(0.02)

    @staticmethod
    def _started(path):
        with open(path, "rb") as f:
            return b"Monitoring" in f.read()

    def _read(self):
        for line in self.popen.stdout:
            try:
                j = json.loads(line)
            except ValueError:
                continue
            iface, changed, _ = j["payload"]["data"]
            with self.cond:
                for prop, v in changed.items():
                    self.signals.append((j["path"], iface, prop, v["data"]))
                self.cond.notify_all()

    def close(self):
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(10)
        self.popen.stdout.close()
        self.stderr.close()

    def mark(self):
        with self.cond:
            return len(self.signals)

    def values(self, prop, since=0, path=None):
        with self.cond:
            return [s[3] for s in self.signals[since:]
                    if s[2] == prop and (path is None or s[0] == path)]

    def wait_value(self, prop, value, since=0, timeout=EVENT_TIMEOUT, path=None):
        deadline = time.monotonic() + timeout
        with self.cond:
            while value not in self.values_locked(prop, since, path):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no PropertiesChanged {prop}={value} within {timeout} s;"
                                         f" seen: {self.signals[since:][-20:]}")
                self.cond.wait(left)

    def values_locked(self, prop, since, path):
        return [s[3] for s in self.signals[since:]
                if s[2] == prop and (path is None or s[0] == path)]


class DbusPresenterTest(IntegrationTest):

    def setUp(self):
        for tool in ("dbus-daemon", "busctl", "dbus-send"):
            if not shutil.which(tool):
                self.skipTest(f"{tool} is not installed (Debian packages 'dbus', 'systemd')")
        super().setUp()
        self.socket = os.path.join(self.tmp, "system_bus_socket")
        self.address = f"unix:path={self.socket}"
        self.start_bus()

    # ---- the bus, the mapper, the presenter ------------------------------------------------
    def start_bus(self):
        conf = os.path.join(self.tmp, "bus.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(backend_test.BUS_CONFIG.format(socket=self.socket))
        log = open(os.path.join(self.tmp, "dbus-daemon.log"), "ab")
        bus = subprocess.Popen(["dbus-daemon", f"--config-file={conf}", "--nofork",
                                "--print-address=1"], stdout=subprocess.PIPE, stderr=log,
                               stdin=subprocess.DEVNULL)
        log.close()

        def stop():
            if bus.poll() is None:
                bus.kill()
                bus.wait(10)
            bus.stdout.close()
        self.addCleanup(stop)
        line = bus.stdout.readline().decode().strip()
        self.assertTrue(line.startswith(self.address), f"dbus-daemon printed {line!r}")

    def mapper(self):
        p = backend_test.TestBinary(self.tmp, "mapper-double", [],
                                    env={"DBUS_SYSTEM_BUS_ADDRESS": self.address})
        self.procs.append(p)
        self.wait_stdout(p, "mapper-double: ready")
        return p

    def wait_stdout(self, proc, text, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while text not in proc.stdout():
            self.assertTrue(proc.alive(), f"{proc.name} died:\n{proc.stderr()}")
            self.assertLess(time.monotonic(), deadline,
                            f"{proc.name}: no {text!r} within {timeout} s:\n{proc.stdout()}")
            wait_briefly(0.02)

    def presenter(self, extra=()):
        args = ["--broker", self.broker.address, "--system", self.system,
                "--bus", self.address, *extra]
        return self.spawn("statebus-dbus", args, tag="statebus-dbus")

    def system_up(self, nodes, bmc_ready_ms=(), coordinator_extra=(), presenter_extra=(),
                  agent_extra=None):
        """Mapper, presenter, coordinator, sim agents; returns (watcher, presenter, mapper)."""
        watcher = self.client(name="watcher", subscribe=[self.t("system/#"), self.t("node/#"),
                                                         self.t("event")])
        mapper = self.mapper()
        presenter = self.presenter(presenter_extra)
        self.coordinator(nodes, extra=coordinator_extra)
        for n in range(1, nodes + 1):
            ready = bmc_ready_ms[n - 1] if bmc_ready_ms else 0
            self.agent(n, bmc_ready_ms=ready, extra=(agent_extra or {}).get(n, ()))
        self.wait_stdout(mapper, f"introspected {ST}.Host0 ")
        self.wait_stdout(mapper, f"introspected {ST}.Chassis0 ")
        return watcher, presenter, mapper

    # ---- the calls OpenBMC's clients make ---------------------------------------------------
    def busctl(self, *args, check=True):
        return subprocess.run(["busctl", f"--address={self.address}", *args],
                              capture_output=True, text=True, timeout=10, check=check)

    def get(self, obj, prop):
        """busctl --json=short get-property: (signature, value)."""
        out = self.busctl("--json=short", "get-property", *obj, prop).stdout
        j = json.loads(out)
        return j["type"], j["data"]

    def get_s(self, obj, prop):
        sig, value = self.get(obj, prop)
        self.assertEqual(sig, "s", prop)
        return value

    def get_object(self, path, interfaces=()):
        """ObjectMapper GetObject as `mapper get-service` calls it: {service: [interfaces]}
        in the mapper's order, or None when the mapper answers an error."""
        r = self.busctl("--json=short", "call", *MAPPER, "GetObject", "sas", path,
                        str(len(interfaces)), *interfaces, check=False)
        if r.returncode != 0:
            return None
        return json.loads(r.stdout)["data"][0]

    def mapper_get_service(self, path):
        services = self.get_object(path)
        self.assertTrue(services, f"the mapper does not know {path}")
        return next(iter(services))

    def obmcutil_get(self, path, iface, prop):
        """obmcutil's read: the first service the mapper names, then busctl get-property; the
        value is what busctl prints between the quotes."""
        service = self.mapper_get_service(path)
        out = self.busctl("get-property", service, path, iface, prop).stdout.strip()
        self.assertTrue(out.startswith('s "') and out.endswith('"'), out)
        return out[3:-1]

    def obmcutil_set(self, path, iface, prop, value):
        service = self.mapper_get_service(path)
        return self.busctl("set-property", service, path, iface, prop, "s", value, check=False)

    def dbus_set(self, obj, prop, value, sig="string"):
        """Properties.Set with dbus-send, which prints the error name: (rc, stderr)."""
        service, path, iface = obj
        r = subprocess.run(["dbus-send", f"--bus={self.address}", "--print-reply",
                            f"--dest={service}", path, "org.freedesktop.DBus.Properties.Set",
                            f"string:{iface}", f"string:{prop}", f"variant:{sig}:{value}"],
                           capture_output=True, text=True, timeout=10)
        return r.returncode, r.stderr.strip()

    def names(self):
        out = self.busctl("--json=short", "call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "ListNames").stdout
        return set(json.loads(out)["data"][0])

    def wait_get(self, obj, prop, value, timeout=EVENT_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            got = self.get(obj, prop)[1]
            if got == value:
                return
            self.assertLess(time.monotonic(), deadline, f"{prop} is {got}, not {value}")
            wait_briefly(0.05)

    def rollup_states(self, watcher, kind, since=0):
        """The distinct rollup states published since (the value shown before not repeated)."""
        before = [m.json.get("state") for m in watcher.received(self.t(f"system/{kind}"))
                  if m.index < since and isinstance(m.json, dict)]
        out = []
        for m in watcher.received(self.t(f"system/{kind}"), since):
            s = m.json.get("state") if isinstance(m.json, dict) else None
            if s and s != "Unknown" and (out[-1] if out else before[-1] if before else None) != s:
                out.append(s)
        return out

    # ---- tests ------------------------------------------------------------------------------
    def test_obmcutil_and_bmcweb_see_and_drive_the_system(self):
        watcher = self.client(name="watcher", subscribe=[self.t("system/#"), self.t("node/#")])
        mapper = self.mapper()
        presenter = self.presenter()
        self.coordinator(2)
        # The rollups say Unknown until the nodes report: no name is owned meanwhile (bmcweb
        # would show "Off" for an unknown host, and nothing may be claimed).
        watcher.wait_json(self.t("system/host"), state="Unknown")
        self.wait_log(presenter, r"dbus: coordinator status=online")
        watcher.barrier(self.t("barrier"))
        self.assertFalse({HOST[0], HOST0[0], CHASSIS[0], CHASSIS0[0]} & self.names())
        self.assertIsNone(self.get_object(HOST[1]))
        for n in (1, 2):
            self.agent(n)
        self.wait_stdout(mapper, f"introspected {ST}.Host0 ")
        self.wait_stdout(mapper, f"introspected {ST}.Chassis0 ")
        self.wait_gate_sees_ready(watcher, [1, 2])

        # The mapper found the objects by introspection (they were there before the names),
        # one connection per name group: host0 only under the Host names, chassis0 under the
        # Chassis ones, the legacy name first (what `mapper get-service` prints).
        host_services = self.get_object(HOST[1])
        self.assertEqual(list(host_services), [HOST[0], HOST0[0]])
        for ifaces in host_services.values():
            self.assertTrue({HOST[2], BOOT[2], OS_STATUS[2]} <= set(ifaces), ifaces)
        self.assertEqual(list(self.get_object(CHASSIS[1])), [CHASSIS[0], CHASSIS0[0]])
        self.assertIsNone(self.get_object(HYPERVISOR[1]))
        state_root = self.get_object("/xyz/openbmc_project/state")
        self.assertEqual(set(state_root), {HOST[0], HOST0[0], CHASSIS[0], CHASSIS0[0]})

        # obmcutil state: bmc0 is not ours (the aggregator's own BMC); then every read.
        self.assertEqual(self.obmcutil_get(CHASSIS[1], CHASSIS[2], "CurrentPowerState"),
                         f"{ST}.Chassis.PowerState.Off")
        self.assertEqual(self.obmcutil_get(HOST[1], HOST[2], "CurrentHostState"),
                         f"{ST}.Host.HostState.Off")
        self.assertEqual(self.obmcutil_get(BOOT[1], BOOT[2], "BootProgress"),
                         f"{ST}.Boot.Progress.ProgressStages.Unspecified")
        self.assertEqual(self.obmcutil_get(OS_STATUS[1], OS_STATUS[2], "OperatingSystemState"),
                         f"{ST}.OperatingSystem.Status.OSStatus.Inactive")
        # The logging lookup obmcutil makes answers ResourceNotFound (no logging service), as
        # the real mapper does; obmcutil carries on.
        r = self.busctl("call", *MAPPER, "GetSubTree", "sias", "/xyz/openbmc_project/logging/",
                        "0", "1", "xyz.openbmc_project.Logging.ErrorBlocksTransition",
                        check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("resource is not found", r.stderr)

        # bmcweb: fixed service names, the multi-computer-system ones too, and its types.
        for obj in (HOST, HOST0):
            self.assertEqual(self.get_s(obj, "CurrentHostState"), f"{ST}.Host.HostState.Off")
        self.assertEqual(self.get_s(CHASSIS0, "CurrentPowerState"),
                         f"{ST}.Chassis.PowerState.Off")
        sig, allowed = self.get(HOST, "AllowedHostTransitions")
        self.assertEqual(sig, "as")
        self.assertEqual(allowed, [f"{ST}.Host.Transition.{t}" for t in
                                   ("On", "Off", "Reboot", "GracefulWarmReboot",
                                    "ForceWarmReboot")])
        boot = watcher.received(self.t("system/boot-progress"))[-1].json
        chassis = watcher.received(self.t("system/chassis"))[-1].json
        self.assertEqual(self.get(BOOT, "BootProgressLastUpdate"), ("t", boot["since"] * 1000))
        self.assertEqual(self.get(CHASSIS, "LastStateChangeTime"), ("t", chassis["since"]))
        self.assertEqual(self.get_s(CHASSIS, "CurrentPowerStatus"),
                         f"{ST}.Chassis.PowerStatus.Good")
        self.assertEqual(self.get_s(HOST, "RequestedHostTransition"), f"{ST}.Host.Transition.Off")
        self.assertEqual(self.get_s(HOST, "RestartCause"), f"{ST}.Host.RestartCause.Unknown")
        managed = json.loads(self.busctl("--json=short", "call", HOST[0],
                                         "/xyz/openbmc_project/state",
                                         "org.freedesktop.DBus.ObjectManager",
                                         "GetManagedObjects").stdout)["data"][0]
        self.assertEqual(list(managed), [HOST[1]])

        # obmcutil poweron: Set RequestedHostTransition with the full string, exit 0.
        monitor = Monitor(self)
        mark = watcher.mark()
        r = self.obmcutil_set(HOST[1], HOST[2], "RequestedHostTransition", HOST_ON)
        self.assertEqual(r.returncode, 0, r.stderr)
        # The request carries an id and names the D-Bus caller.
        req = watcher.wait_msg(self.t("system/set/host"), since=mark).json
        self.assertEqual(req["transition"], "On")
        self.assertRegex(req["id"], r"^dbus-\d+-\d+$")
        self.assertRegex(req["reason"], r"^D-Bus RequestedHostTransition by :1\.\d+ uid \d+$")
        self.assertEqual(self.get_s(HOST, "RequestedHostTransition"), HOST_ON)
        monitor.wait_value("CurrentHostState", f"{ST}.Host.HostState.Running")
        monitor.wait_value("OperatingSystemState",
                           f"{ST}.OperatingSystem.Status.OSStatus.BootComplete")
        watcher.wait_json(self.t("system/boot-progress"), since=mark, state="OSRunning")
        watcher.barrier(self.t("barrier"))
        self.wait_get(BOOT, "BootProgress", f"{ST}.Boot.Progress.ProgressStages.OSRunning")
        # PropertiesChanged for every change: each rollup value the coordinator published is
        # signalled, in order, and the values read back are the last ones.
        for kind, prop, prefix in (("host", "CurrentHostState", "Host.HostState"),
                                   ("chassis", "CurrentPowerState", "Chassis.PowerState"),
                                   ("boot-progress", "BootProgress",
                                    "Boot.Progress.ProgressStages")):
            want = [f"{ST}.{prefix}.{s}" for s in self.rollup_states(watcher, kind, mark)]
            self.assertGreaterEqual(len(want), 2, kind)
            monitor.wait_value(prop, want[-1])
            self.assertEqual(monitor.values(prop), want, kind)
        self.assertEqual(monitor.values("RequestedHostTransition"), [HOST_ON])
        self.assertEqual(monitor.values("RestartCause"), [f"{ST}.Host.RestartCause.RemoteCommand"])
        self.assertEqual(self.obmcutil_get(HOST[1], HOST[2], "CurrentHostState"),
                         f"{ST}.Host.HostState.Running")

        # obmcutil chassisoff: an Off goes through and is shown as the last request.
        mark = watcher.mark()
        r = self.obmcutil_set(CHASSIS[1], CHASSIS[2], "RequestedPowerTransition",
                              f"{ST}.Chassis.Transition.Off")
        self.assertEqual(r.returncode, 0, r.stderr)
        monitor.wait_value("CurrentPowerState", f"{ST}.Chassis.PowerState.Off")
        self.assertEqual(self.get_s(CHASSIS, "RequestedPowerTransition"),
                         f"{ST}.Chassis.Transition.Off")
        # Requested* shows the last accepted request of any origin: one over MQTT, as
        # statebusctl sends it.
        mark = monitor.mark()
        watcher.publish(self.t("system/set/chassis"), {"transition": "On", "id": "ctl-on-1"})
        monitor.wait_value("RequestedPowerTransition", CHASSIS_ON, since=mark)
        monitor.wait_value("CurrentPowerState", f"{ST}.Chassis.PowerState.On", since=mark)
        self.assertEqual(self.get_s(CHASSIS, "RequestedPowerTransition"), CHASSIS_ON)
        self.assertTrue(presenter.alive())
        self.assert_logs_clean(presenter)

    def test_queued_on_reaches_nodes_only_after_last_bmc_ready(self):
        watcher, presenter, _ = self.system_up(3, bmc_ready_ms=(0, 1500, 3000))
        monitor = Monitor(self)
        self.assertEqual(watcher.received(self.t("node/3/bmc"))[-1].json["state"], "NotReady")
        mark = watcher.mark()
        rc, err = self.dbus_set(HOST, "RequestedHostTransition", HOST_ON)
        self.assertEqual(rc, 0, err)  # queued: success, as the coordinator's queue policy
        queued = watcher.wait_json(self.t("event"), since=mark, kind="queued")
        self.assertRegex(queued.json["id"], r"^dbus-")
        self.assertEqual(self.get_s(HOST, "RequestedHostTransition"), HOST_ON)
        self.assertEqual(self.get_s(HOST, "CurrentHostState"), f"{ST}.Host.HostState.Off")

        watcher.wait_json(self.t("system/host"), timeout=EVENT_TIMEOUT + 5, since=mark,
                          state="Running")
        monitor.wait_value("CurrentHostState", f"{ST}.Host.HostState.Running")
        # Every node got its command, and only after the last BMC said Ready.
        last_ready = max(m.index for m in watcher.received(self.t("node/+/bmc"), mark)
                         if m.json.get("state") == "Ready")
        commands = watcher.received(self.t("node/+/set/host"), mark)
        self.assertEqual(sorted(m.topic.split("/")[3] for m in commands), ["1", "2", "3"])
        self.assertTrue(all(m.index > last_ready for m in commands),
                        "a node got the power-on before the last BMC was Ready")
        walk = [v.rsplit(".", 1)[1] for v in monitor.values("CurrentHostState")]
        self.assertEqual(walk[-1], "Running")
        self.assertIn("TransitioningToRunning", walk)
        self.assertEqual(monitor.values("RequestedHostTransition"), [HOST_ON])
        self.assert_logs_clean(presenter)

    def test_refusal_mode_answers_bmc_not_ready(self):
        _, presenter, _ = self.system_up(
            2, bmc_ready_ms=(0, 60000), coordinator_extra=["--when-not-ready", "reject"],
            presenter_extra=["--when-not-ready", "reject", "--allowed-host-transitions",
                             "On,Off,Reboot,GracefulWarmReboot"])
        watcher = self.client(name="sets", subscribe=[self.t("system/set/#")])
        self.wait_log(presenter, r"owned name=xyz\.openbmc_project\.State\.Host0")
        rc, err = self.dbus_set(HOST, "RequestedHostTransition", HOST_ON)
        self.assertEqual(rc, 1)
        self.assertIn(f"Error {ST}.Host.Error.BMCNotReady: The BMC is not in a Ready state, no "
                      "host operations allowed (nodes not Ready: 2)", err)
        rc, err = self.dbus_set(CHASSIS, "RequestedPowerTransition",
                                f"{ST}.Chassis.Transition.PowerCycle")
        self.assertEqual(rc, 1)
        self.assertIn(f"Error {ST}.Chassis.Error.BMCNotReady:", err)
        # obmcutil prints the message and exits 1.
        r = self.obmcutil_set(HOST[1], HOST[2], "RequestedHostTransition", HOST_ON)
        self.assertEqual(r.returncode, 1)
        self.assertIn("The BMC is not in a Ready state, no host operations allowed", r.stderr)
        # Not in AllowedHostTransitions: NotAllowed, and the list says so.
        self.assertEqual(len(self.get(HOST, "AllowedHostTransitions")[1]), 4)
        rc, err = self.dbus_set(HOST, "RequestedHostTransition", f"{ST}.Host.Transition."
                                                                 "ForceWarmReboot")
        self.assertIn("Error xyz.openbmc_project.Common.Error.NotAllowed:", err)
        watcher.barrier(self.t("barrier"))
        self.assertEqual(watcher.received(self.t("system/set/#")), [], "a refused write went out")
        self.assertEqual(self.get_s(HOST, "RequestedHostTransition"), f"{ST}.Host.Transition.Off")
        # Off is never refused (PSM: value != Off).
        rc, err = self.dbus_set(CHASSIS, "RequestedPowerTransition", f"{ST}.Chassis.Transition.Off")
        self.assertEqual(rc, 0, err)
        self.assertEqual(watcher.wait_msg(self.t("system/set/chassis")).json["transition"], "Off")

        # The coordinator dies (its Will says lost): nobody would carry a request out, so even
        # an Off answers Unavailable; the values stay readable.
        coordinator = next(p for p in self.procs if p.tag == "coordinator")
        coordinator.kill()
        self.wait_log(presenter, r"dbus: coordinator status=lost")
        rc, err = self.dbus_set(CHASSIS, "RequestedPowerTransition", f"{ST}.Chassis.Transition.Off")
        self.assertEqual(rc, 1)
        self.assertIn("Error xyz.openbmc_project.Common.Error.Unavailable: The service is "
                      "temporarily unavailable. The statebus coordinator is not online.", err)
        self.assertEqual(self.get_s(HOST, "CurrentHostState"), f"{ST}.Host.HostState.Off")

    def test_broker_stopped_and_bad_writes(self):
        watcher, presenter, _ = self.system_up(1)
        self.wait_log(presenter, r"owned name=xyz\.openbmc_project\.State\.Host0")
        sets = self.client(name="sets", subscribe=[self.t("system/set/#")])
        before = {p: self.get(HOST, p) for p in ("RequestedHostTransition", "CurrentHostState")}
        before_chassis = self.get(CHASSIS, "CurrentPowerState")
        monitor = Monitor(self)

        # Bad values, wrong types, read-only properties: refused, nothing changes or goes out.
        cases = [
            (HOST, "RequestedHostTransition", "On", "string",
             "xyz.openbmc_project.sdbusplus.Error.InvalidEnumString"),
            (HOST, "RequestedHostTransition", f"{ST}.Chassis.Transition.On", "string",
             "xyz.openbmc_project.sdbusplus.Error.InvalidEnumString"),
            (CHASSIS, "RequestedPowerTransition", f"{ST}.Chassis.Transition.Reboot", "string",
             "xyz.openbmc_project.sdbusplus.Error.InvalidEnumString"),
            (HOST, "RequestedHostTransition", "1", "int32", "org.freedesktop.DBus.Error."
                                                              "InvalidArgs"),
            (HOST, "CurrentHostState", f"{ST}.Host.HostState.Running", "string",
             "org.freedesktop.DBus.Error.PropertyReadOnly"),
            (CHASSIS, "CurrentPowerState", f"{ST}.Chassis.PowerState.On", "string",
             "org.freedesktop.DBus.Error.PropertyReadOnly"),
            (BOOT, "BootProgress", f"{ST}.Boot.Progress.ProgressStages.OSRunning", "string",
             "org.freedesktop.DBus.Error.PropertyReadOnly"),
            (HOST, "AllowedHostTransitions", "x", "string",
             "org.freedesktop.DBus.Error.PropertyReadOnly"),
        ]
        for obj, prop, value, sig, error in cases:
            rc, err = self.dbus_set(obj, prop, value, sig)
            self.assertEqual(rc, 1, f"{prop}={value}")
            self.assertIn(f"Error {error}", err, f"{prop}={value}")
        sets.barrier(self.t("barrier"))
        self.assertEqual(sets.received(self.t("system/set/#")), [])
        self.assertEqual({p: self.get(HOST, p) for p in before}, before)
        self.assertEqual(monitor.values("RequestedHostTransition"), [])

        # Untrusted MQTT input: rejected with a log line, nothing shown changes.
        sets.publish(self.t("system/host"), b"{not json")
        sets.publish(self.t("system/chassis"), {"v": 1, "state": "Sideways", "since": 1})
        sets.publish(self.t("node/1/chassis"), {"v": 1, "node": 2, "state": "On", "since": 1,
                                                "epoch": 1, "seq": 1})
        sets.publish(self.t("system/host"), b"x" * 5000)
        self.wait_log(presenter, r"rejected message topic='[^']*/node/1/chassis' "
                                 r"reason='.node. differs")
        self.wait_log(presenter, r"rejected message topic='[^']*/system/chassis'")
        self.assertEqual({p: self.get(HOST, p) for p in before}, before)
        self.assertEqual(self.get(CHASSIS, "CurrentPowerState"), before_chassis)
        self.assertEqual(monitor.values("CurrentHostState"), [])

        # Broker stopped: writes answer Unavailable, reads keep their last values.
        self.broker.stop()
        self.wait_log(presenter, r"dbus: disconnected broker")
        rc, err = self.dbus_set(HOST, "RequestedHostTransition", HOST_ON)
        self.assertEqual(rc, 1)
        self.assertIn("Error xyz.openbmc_project.Common.Error.Unavailable: The service is "
                      "temporarily unavailable.", err)
        rc, err = self.dbus_set(CHASSIS, "RequestedPowerTransition", f"{ST}.Chassis.Transition.Off")
        self.assertIn("Error xyz.openbmc_project.Common.Error.Unavailable", err)
        self.assertEqual({p: self.get(HOST, p) for p in before}, before)
        self.assertEqual(self.get(CHASSIS, "CurrentPowerState"), before_chassis)
        self.assertTrue({HOST[0], CHASSIS[0]} <= self.names(), "names kept while the broker is "
                                                               "gone")
        # Back: writes go through again.
        self.broker.start()
        # Until the presenter has reconnected and heard the coordinator again (bounded).
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            rc, err = self.dbus_set(CHASSIS, "RequestedPowerTransition", CHASSIS_ON)
            if rc == 0:
                break
            self.assertIn("Unavailable", err)
            self.assertLess(time.monotonic(), deadline, err)
            wait_briefly(0.1)
        monitor.wait_value("CurrentPowerState", f"{ST}.Chassis.PowerState.On")
        self.assertTrue(presenter.alive())
        presenter.signal(signal.SIGTERM)
        self.assertEqual(presenter.wait(10), 0)
        self.assert_logs_clean(presenter)

    def test_hypervisor_on_its_own_connection(self):
        _, presenter, mapper = self.system_up(
            2, presenter_extra=["--hypervisor"], agent_extra={2: ["--hypervisor"]})
        self.wait_stdout(mapper, f"introspected {ST}.Hypervisor ")
        services = self.get_object(HYPERVISOR[1], [HOST[2]])
        # bmcweb's hypervisor actions need exactly one service here.
        self.assertEqual(list(services), [HYPERVISOR[0]])
        self.assertEqual(self.get_s(HYPERVISOR, "CurrentHostState"), f"{ST}.Host.HostState.Off")
        rc, err = self.dbus_set(HYPERVISOR, "RequestedHostTransition", HOST_ON)
        self.assertIn("Error org.freedesktop.DBus.Error.PropertyReadOnly", err)
        self.assertEqual(list(self.get_object(HOST[1])), [HOST[0], HOST0[0]])

        # The node stops claiming the hypervisor: the coordinator withdraws system/hypervisor
        # and the name goes (nothing stale is left to read).
        node2 = next(p for p in self.procs if p.tag == "agent2")
        node2.signal(signal.SIGTERM)
        self.assertEqual(node2.wait(START_TIMEOUT), 0)
        self.agent(2)
        self.wait_stdout(mapper, f"forgot {ST}.Hypervisor")
        self.assertNotIn(HYPERVISOR[0], self.names())
        self.assertIn(HOST[0], self.names())
        self.assert_logs_clean(presenter)

    def test_bad_usage_exits_2(self):
        for args in (["--bus", "nonsense"], ["--allowed-host-transitions", "On,PowerCycle"],
                     ["--when-not-ready", "maybe"], ["--system", "a/b"]):
            p = self.spawn("statebus-dbus", args)
            self.assertEqual(p.wait(10), 2, args)
            self.assertIn("statebus-dbus: --", p.stderr())


if __name__ == "__main__":
    unittest.main()
