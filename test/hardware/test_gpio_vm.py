# SPDX-License-Identifier: Apache-2.0
"""The gpio backend against a real kernel GPIO chip: gpio-sim inside a QEMU guest (TCG), the
agent in the guest publishing to a mosquitto on the host's loopback through QEMU's user network,
checked from an independent paho client on the host (test/integration/harness.py, imported).

Run by ctest as `python3 test_gpio_vm.py` (label "hardware"): prepare-guest.sh first fetches and
caches what the guest needs, and its exit 77 (no QEMU, no packages, not root to install them)
becomes ctest's SKIP. Environment: STATEBUS_BIN_DIR (the agent), STATEBUS_HW_CACHE (the kernel and
gpio-sim.ko cache, per kernel ABI)."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import contract  # noqa: E402
from harness import BIN_DIR, IntegrationTest, now_ms, read_tail, wait_briefly  # noqa: E402

SKIP = 77
CACHE = os.environ.get("STATEBUS_HW_CACHE") or os.path.join(BIN_DIR, "..", "hardware-cache")
GUEST_DIR = None  # set in main(): vmlinuz and initrd.cpio.gz
BOOT_TIMEOUT = 120.0  # TCG boot plus a sanitizer-built agent; ~15 s is usual
STEP_TIMEOUT = 30.0


class GpioSimVmTest(IntegrationTest):

    def boot_guest(self):
        self.console = os.path.join(self.tmp, "console.log")
        cmdline = (f"console=ttyS0 panic=-1 quiet statebus.broker=10.0.2.2:{self.broker.port} "
                   f"statebus.system={self.system}")
        with open(self.console, "wb") as out:
            # -accel tcg: this machine's /dev/kvm (kvm_pvm) cannot run a stock kernel. Plain
            # slirp: the guest's 10.0.2.2 is the host's 127.0.0.1, nothing else is reachable
            # from the host side.
            self.qemu = subprocess.Popen(
                ["qemu-system-x86_64", "-accel", "tcg", "-m", "1024", "-smp", "1",
                 "-nographic", "-no-reboot", "-kernel", os.path.join(GUEST_DIR, "vmlinuz"),
                 "-initrd", os.path.join(GUEST_DIR, "initrd.cpio.gz"),
                 "-netdev", "user,id=n0", "-device", "e1000,netdev=n0,romfile=",
                 "-append", cmdline],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.addCleanup(self.stop_guest)

    def stop_guest(self):
        if self.qemu.poll() is None:
            self.qemu.kill()
        self.qemu.wait(10)
        if self._problems() != self._problems_at_start:
            sys.stderr.write(f"----- guest console\n{read_tail(self.console, 200)}\n")

    def console_lines(self):
        return read_tail(self.console, 100000).splitlines()

    def wait_console(self, pattern, timeout=STEP_TIMEOUT, after=0):
        """Index of the first console line at or after `after` matching pattern."""
        deadline = time.monotonic() + timeout
        while True:
            for i, line in enumerate(self.console_lines()[after:], after):
                if re.search(pattern, line):
                    return i
            self.assertIsNone(self.qemu.poll(), "the guest stopped:\n" +
                              read_tail(self.console, 60))
            self.assertLess(time.monotonic(), deadline,
                            f"no console line matching {pattern!r} within {timeout} s:\n" +
                            read_tail(self.console, 60))
            wait_briefly(0.1)

    def wait_state(self, watcher, kind, state, since=0, timeout=STEP_TIMEOUT):
        m = watcher.wait_json(self.t(f"node/1/{kind}"), timeout, since,
                              f"node 1 {kind} {state}", state=state)
        self.assertEqual(contract.state_payload_problems(kind, m.json, 1), [], str(m))
        return m

    def test_agent_presses_power_sees_power_good_and_publishes(self):
        watcher = self.client(name="watcher", subscribe=[self.t("node/1/#"), self.t("event")])
        self.boot_guest()

        # The agent in the guest comes up with what the lines say: off.
        self.wait_node_online(watcher, 1, timeout=BOOT_TIMEOUT)
        self.wait_state(watcher, "bmc", "Ready")
        self.wait_state(watcher, "chassis", "Off")
        self.wait_state(watcher, "host", "Off")
        self.wait_console(r"gpio: requested line='POWER_OUT' chip=gpiochip\d+ offset=0")
        start = self.wait_console(r"gpio: requested line='PS_PWROK' chip=gpiochip\d+ offset=2")

        # Chassis On from the host's broker: the agent presses POWER_OUT, the board raises
        # power good, the agent sees the edge and publishes On.
        mark = watcher.mark()
        watcher.publish(self.t("node/1/set/chassis"),
                        {"transition": "On", "id": "hw-on-1", "deadline": now_ms() + 120000})
        watcher.wait_json(self.t("event"), STEP_TIMEOUT, mark, "accepted", kind="accepted",
                          id="hw-on-1")
        self.wait_state(watcher, "chassis", "TransitioningToOn", mark)
        self.wait_state(watcher, "chassis", "On", mark)
        self.wait_state(watcher, "host", "Running", mark)
        self.wait_state(watcher, "boot-progress", "SystemInitComplete", mark)
        pressed = self.wait_console(r"gpio: pressed line='POWER_OUT' level=0", after=start)
        board_saw = self.wait_console(r"board: power button pressed \(power off\)", after=start)
        power_up = self.wait_console(r"board: power good up", after=start)
        rose = self.wait_console(r"gpio: saw line='PS_PWROK' rise", after=start)
        self.wait_console(r"gpio: released line='POWER_OUT' level=1", after=pressed)
        self.assertLess(pressed, rose)
        self.assertLess(board_saw, power_up)
        self.assertLess(power_up, rose)

        # Chassis Off: a forced off, held until power good drops (well before the 4 s hold).
        mark = watcher.mark()
        after = len(self.console_lines())
        watcher.publish(self.t("node/1/set/chassis"),
                        {"transition": "Off", "id": "hw-off-1", "deadline": now_ms() + 120000})
        self.wait_state(watcher, "chassis", "TransitioningToOff", mark)
        self.wait_state(watcher, "chassis", "Off", mark)
        self.wait_state(watcher, "host", "Off", mark)
        down = self.wait_console(r"board: power good down", after=after)
        fell = self.wait_console(r"gpio: saw line='PS_PWROK' fall", after=after)
        released = self.wait_console(r"gpio: released line='POWER_OUT' level=1", after=after)
        held = self.wait_console(r"board: power button released after (\d+) ms", after=after)
        self.assertLess(down, fell)
        self.assertLess(fell, released)
        ms = int(re.search(r"after (\d+) ms", self.console_lines()[held]).group(1))
        self.assertLess(ms, 4000, "the hold was not released when power good dropped")
        self.assertFalse([ln for ln in self.console_lines() if "ERROR: AddressSanitizer" in ln
                          or "runtime error:" in ln])


def prepare_guest():
    """Runs prepare-guest.sh; returns its exit code (77 = skip)."""
    global GUEST_DIR
    agent = os.path.join(BIN_DIR, "statebus-agent")
    GUEST_DIR = tempfile.mkdtemp(prefix="statebus-hw-")
    os.makedirs(CACHE, exist_ok=True)
    started = time.monotonic()
    rc = subprocess.run(["bash", os.path.join(HERE, "prepare-guest.sh"), CACHE, GUEST_DIR, agent],
                        check=False).returncode
    sys.stderr.write(f"hardware: guest prepared in {time.monotonic() - started:.1f} s "
                     f"(rc {rc})\n")
    return rc


def main():
    rc = prepare_guest()
    try:
        if rc == SKIP:
            return SKIP
        if rc != 0:
            return 1
        result = unittest.main(exit=False, verbosity=2).result
        return 0 if result.wasSuccessful() else 1
    finally:
        shutil.rmtree(GUEST_DIR, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
