# SPDX-License-Identifier: Apache-2.0
"""The daemons under systemd's notify protocol, without systemd: a datagram socket stands in for
$NOTIFY_SOCKET, as PID 1 would give it to a Type=notify service with WatchdogSec=. Checks what
systemd/statebus-*.service rely on: READY=1 once the daemon is up, WATCHDOG=1 from the event loop
well within WATCHDOG_USEC (systemd restarts a service that misses it), STOPPING=1 on SIGTERM and
a clean exit. (It sits with the D-Bus tests: both check the agent against a BMC's OS services.)"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import START_TIMEOUT, IntegrationTest, free_port  # noqa: E402

WATCHDOG_USEC = 1_000_000  # the unit says 20 s; 1 s here keeps the test short


class NotifySocket:
    """Receives sd_notify() datagrams; every message with its arrival time."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.cond = threading.Condition()
        self.messages = []  # (monotonic time, {key: value})
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            with self.cond:
                self.messages.append((time.monotonic(), fields))
                self.cond.notify_all()

    def close(self):
        self.running = False
        self.thread.join(5)
        self.sock.close()

    def times(self, key, value):
        with self.cond:
            return [t for t, f in self.messages if f.get(key) == value]

    def wait(self, key, value, timeout, count=1):
        deadline = time.monotonic() + timeout
        with self.cond:
            while len([1 for _, f in self.messages if f.get(key) == value]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {count} x {key}={value} within {timeout} s; got "
                                         f"{[f for _, f in self.messages]}")
                self.cond.wait(left)


class SystemdNotifyTest(IntegrationTest):

    def notify_env(self):
        path = os.path.join(self.tmp, "notify.sock")
        notify = NotifySocket(path)
        self.addCleanup(notify.close)
        # No WATCHDOG_PID: sd_watchdog_enabled() then accepts any process, as for the main PID.
        return notify, {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": str(WATCHDOG_USEC)}

    def check_life_cycle(self, proc, notify, watcher_topic):
        notify.wait("READY", "1", START_TIMEOUT)
        ready_at = notify.times("READY", "1")[0]
        # sd_event_set_watchdog() pings at a fraction of the interval: several per interval.
        notify.wait("WATCHDOG", "1", 5 * WATCHDOG_USEC / 1e6, count=4)
        pings = notify.times("WATCHDOG", "1")
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        self.assertTrue(gaps and max(gaps) < WATCHDOG_USEC / 1e6,
                        f"watchdog pings too far apart: {gaps}")
        self.assertLess(ready_at, pings[-1])
        proc.signal(signal.SIGTERM)
        notify.wait("STOPPING", "1", START_TIMEOUT)
        self.assertEqual(proc.wait(START_TIMEOUT), 0, proc.stderr())
        self.assert_logs_clean(proc)

    def test_agent_notify_and_watchdog(self):
        notify, env = self.notify_env()
        watcher = self.client(name="watcher", subscribe=[self.t("node/1/status")])
        agent = self.spawn("statebus-agent",
                           ["--broker", self.broker.address, "--system", self.system, "--node",
                            1, "--backend", "sim", "--sim-bmc-ready-ms", 0],
                           tag="agent1", env=env)
        self.wait_node_online(watcher, 1)
        self.check_life_cycle(agent, notify, self.t("node/1/status"))
        watcher.wait_json(self.t("node/1/status"), START_TIMEOUT, 0, "offline", status="offline")
        notify.wait("STATUS", "online: the first birth reached the broker", START_TIMEOUT)

    def test_agent_ready_while_the_broker_is_away(self):
        """READY=1 once the backend is up, not at the first CONNACK: a broker that is away must
        not hold the unit's start (and multi-user.target, which the gpio backend's BMC Ready
        waits for). STATUS= tells what it waits for; SIGTERM still ends it cleanly."""
        notify, env = self.notify_env()
        away = f"127.0.0.1:{free_port()}"  # nothing listens there
        agent = self.spawn("statebus-agent",
                           ["--broker", away, "--system", self.system, "--node", 1,
                            "--backend", "sim", "--sim-bmc-ready-ms", 0],
                           tag="agent1", env=env)
        notify.wait("READY", "1", START_TIMEOUT)
        notify.wait("STATUS", f"connecting to the broker {away}", START_TIMEOUT)
        notify.wait("WATCHDOG", "1", 5 * WATCHDOG_USEC / 1e6, count=2)
        self.assertFalse([1 for _, f in notify.messages if f.get("STATUS", "").startswith("online")])
        agent.signal(signal.SIGTERM)
        notify.wait("STOPPING", "1", START_TIMEOUT)
        self.assertEqual(agent.wait(START_TIMEOUT), 0, agent.stderr())

    def test_coordinator_notify_and_watchdog(self):
        notify, env = self.notify_env()
        watcher = self.client(name="watcher", subscribe=[self.t("system/status")])
        coord = self.spawn("statebus-coordinator",
                           ["--broker", self.broker.address, "--system", self.system, "--nodes",
                            1, "--state-dir", os.path.join(self.tmp, "state")],
                           tag="coordinator", env=env)
        self.wait_coordinator_online(watcher)
        self.check_life_cycle(coord, notify, self.t("system/status"))

    def test_dbus_presenter_notify_and_watchdog(self):
        if not shutil.which("dbus-daemon"):
            self.skipTest("dbus-daemon is not installed (Debian package 'dbus')")
        bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL)

        def stop_bus():
            bus.kill()
            bus.wait(10)
            bus.stdout.close()
        self.addCleanup(stop_bus)
        address = bus.stdout.readline().decode().strip()
        notify, env = self.notify_env()
        presenter = self.spawn("statebus-dbus",
                               ["--broker", self.broker.address, "--system", self.system,
                                "--bus", address], tag="statebus-dbus", env=env)
        self.check_life_cycle(presenter, notify, None)


if __name__ == "__main__":
    unittest.main()
