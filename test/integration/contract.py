# SPDX-License-Identifier: Apache-2.0
"""The contract's tables, transcribed from shared/contract.md and topics/README.md (not from the
C code): the integration tests check the binaries against these."""

BMC = {"Ready": 1, "NotReady": 2, "UpdateInProgress": 3, "Quiesced": 4}
CHASSIS = {"Off": 1, "TransitioningToOff": 2, "On": 3, "TransitioningToOn": 4}
HOST = {"Off": 1, "TransitioningToOff": 2, "Standby": 3, "Running": 4,
        "TransitioningToRunning": 5, "Quiesced": 6, "DiagnosticMode": 7}
BOOT_PROGRESS = {"Unspecified": 1, "PrimaryProcInit": 2, "BusInit": 3, "MemoryInit": 4,
                 "SecondaryProcInit": 5, "PCIInit": 6, "SystemInitComplete": 7, "OSStart": 8,
                 "OSRunning": 9, "SystemSetup": 10, "MotherboardInit": 11, "OEM": 12}

STATE_ENUMS = {"bmc": BMC, "chassis": CHASSIS, "host": HOST, "boot-progress": BOOT_PROGRESS,
               "hypervisor": HOST}
NODE_KINDS = ("bmc", "chassis", "host", "boot-progress")
ROLLUP_KINDS = ("bmc", "chassis", "host", "boot-progress", "hypervisor")

LAST_REBOOT_CAUSE = {"POR": 1, "PinholeReset": 2, "Watchdog": 3, "Unknown": 4,
                     "Software": 5}
POWER_STATUS = {"Undefined": 1, "BrownOut": 2, "UninterruptiblePowerSupply": 3, "Good": 4}
RESTART_CAUSE = {"Unknown": 1, "RemoteCommand": 2, "ResetButton": 3, "PowerButton": 4,
                 "WatchdogTimer": 5, "PowerPolicyAlwaysOn": 6, "PowerPolicyPreviousState": 7,
                 "SoftReset": 8, "ScheduledPowerOn": 9, "HostCrash": 10}
STATUS = ("online", "offline", "lost")

EVENT_KINDS = ("accepted", "queued", "dispatched", "completed", "failed", "rejected",
               "cancelled", "expired", "duplicate", "node-lost", "node-back", "power-restore",
               "setting", "clock-drift", "scheduled", "superseded")

# topics/README.md "Rollup policy": boot's real order, least advanced first.
BOOT_ORDER = ["Unspecified", "OEM", "MotherboardInit", "PrimaryProcInit", "BusInit", "MemoryInit",
              "SecondaryProcInit", "PCIInit", "SystemSetup", "SystemInitComplete", "OSStart",
              "OSRunning"]


def is_uint(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def state_payload_problems(kind, j, node):
    """Everything wrong with an agent's state payload for kind on node n; [] when it is right."""
    problems = []
    if not isinstance(j, dict):
        return ["not a JSON object"]

    def need(key, check, what):
        if key not in j:
            problems.append(f"missing {key!r}")
        elif not check(j[key]):
            problems.append(f"{key!r}={j[key]!r} is not {what}")

    enum = STATE_ENUMS[kind]
    need("v", lambda v: v == 1 and not isinstance(v, bool), "1")
    need("node", lambda v: v == node and not isinstance(v, bool), f"the node number {node}")
    need("state", lambda v: v in enum, f"a {kind} enum string")
    need("code", is_uint, "an unsigned integer")
    need("since", is_uint, "unix ms")
    need("epoch", is_uint, "an unsigned integer")
    need("seq", is_uint, "an unsigned integer")
    if j.get("state") in enum and "code" in j and j["code"] != enum[j["state"]]:
        problems.append(f"code {j['code']} does not match {j['state']} ({enum[j['state']]})")
    if kind == "bmc":
        need("last_reboot_cause", lambda v: v in LAST_REBOOT_CAUSE, "a BMC reboot cause")
    elif kind == "chassis":
        need("power_status", lambda v: v in POWER_STATUS, "a power status")
        need("ac_loss", lambda v: isinstance(v, bool), "a bool")
    elif kind == "host":
        need("restart_cause", lambda v: v in RESTART_CAUSE, "a restart cause")
    elif kind == "boot-progress":
        need("last_update", is_uint, "unix ms")
    return problems
