#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of every fuzz target into test/fuzz/corpus/<target>/: valid payloads
of each kind (and a few near misses), snapshots as the coordinator writes them, and opcode
programs for fuzz-coordinator that walk a system through a gated power-on.

Seeds give libFuzzer the shape of valid input to mutate from. The corpus is kept in the repo;
re-run this after a payload gains a field:  python3 test/fuzz/make-seeds.py
(Inputs libFuzzer finds while the tests run stay in the build tree.) Files named regress-* are
reproducers of bugs the fuzzers found, kept so every run replays them; this script leaves them.
"""

import hashlib
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
T = 1700000000000  # unix ms


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def state(kind, state, node=1, code=None, **extra):
    obj = {"v": 1, "node": node, "state": state, "since": T, "epoch": T + 1, "seq": 7}
    if code is not None:
        obj["code"] = code
    obj.update(extra)
    return compact(obj)


STATE = [
    state("bmc", "Ready", code=1, last_reboot_cause="POR"),
    state("bmc", "NotReady", node=16384, last_reboot_cause="Watchdog"),
    state("chassis", "On", code=3, power_status="Good", ac_loss=True, bmc_boot=T - 5000),
    state("chassis", "TransitioningToOff", power_status="UninterruptiblePowerSupply",
          ac_loss=False),
    state("host", "Running", code=4, restart_cause="PowerPolicyAlwaysOn", hypervisor=True),
    state("host", "DiagnosticMode", restart_cause="HostCrash"),
    state("boot-progress", "OSRunning", code=9, last_update=T),
    state("boot-progress", "SystemSetup", last_update=T, unknown_field=[1, {"x": None}]),
    b'{"v":1,"node":1,"state":"Ready","since":1e12,"epoch":1,"seq":1}',
    b'{"v":1,"node":01,"state":"Ready"}',
]

STATUS = [
    compact({"v": 1, "node": 3, "status": "online", "epoch": T, "time": T}),
    compact({"v": 1, "status": "lost", "epoch": 2}),
    compact({"v": 1, "node": 1, "status": "offline", "epoch": 18446744073709551615}),
    b'{"v":1,"status":"online","epoch":-1}',
]

HEARTBEAT = [
    compact({"v": 1, "node": 2, "epoch": T, "seq": 99, "time": T}),
    compact({"v": 1, "node": 16384, "epoch": 1, "seq": 0, "time": 0}),
    b'{"v":1,"node":2,"epoch":1,"seq":1.5,"time":1}',
]

COMMAND = [
    b"On",
    b"  PowerCycle\n",
    b"GracefulWarmReboot",
    b"HardReboot",
    compact({"transition": "On", "id": "r-1", "reason": "operator", "nodes": [1, 2, 16384]}),
    compact({"v": 1, "transition": "Off", "id": "c1-7", "deadline": T + 30000}),
    compact({"transition": "Reboot", "id": "a.b:c_d-e", "nodes": []}),
    compact({"transition": "ForceWarmReboot", "reason": "\u00e9\u4e2d" * 40}),
    b'{"transition":"On","nodes":[1,1]}',
]


def event(kind, **extra):
    obj = {"v": 1, "kind": kind, "why": "", "time": T}
    obj.update(extra)
    return compact(obj)


EVENT = [
    event("queued", id="r1", target="host", transition="On",
          why="waiting for BMC Ready on nodes 2,4", nodes=[2, 4], nodes_omitted=3),
    event("node-lost", node=7, why="status lost"),
    event("completed", id="power-restore-1", target="chassis", transition="PowerCycle"),
    event("clock-drift", node=1, why="offset 2500 ms"),
    event("rejected", why="'transition' is not defined for this target"),
]


def rollup(state, **extra):
    obj = {"v": 1, "node": 0, "state": state, "since": T, "epoch": 3, "seq": 12, "expected": 2,
           "nodes": {"1": state, "2": state}, "counts": {state: 2}, "stale": [], "mixed": False}
    obj.update(extra)
    return compact(obj)


ROLLUP = [
    rollup("Ready", code=1),
    rollup("On"),
    rollup("Running", stale=[2], mixed=True, nodes={"1": "Running", "2": "Standby"},
           counts={"Running": 1, "Standby": 1}),
    rollup("OSRunning", nodes_omitted=100, stale_omitted=5),
    compact({"v": 1, "node": 0, "state": "Unknown", "code": 0, "since": T, "epoch": 1, "seq": 1,
             "expected": 1, "nodes": {"1": "Unknown"}, "counts": {"Unknown": 1}, "stale": [1],
             "mixed": False}),
]

SETTING = [
    b"AlwaysOn",
    b"30",
    b"null",
    compact({"v": 1, "value": "Restore"}),
    compact({"value": 86400}),
    compact({"v": 1, "value": {"time": T // 1000 + 60, "transition": "On"}}),
    compact({"time": T // 1000, "transition": "Reboot"}),
    compact({"value": None}),
]


def request(phase, **extra):
    obj = {"id": "r1", "target": "host", "transition": "On", "since": T, "deadline": 0,
           "why": "", "nodes": []}
    obj.update(extra)
    return obj


REQUESTS = [
    compact({"v": 1, "gate": "closed", "not_ready": 2, "waiting_for": [2, 4],
             "pending": [request("pending", why="waiting for BMC Ready on nodes 2,4",
                                 nodes=[2, 4])],
             "active": [], "last": [], "time": T}),
    compact({"v": 1, "gate": "open", "not_ready": 0, "waiting_for": [], "pending": [],
             "active": [request("active", target="chassis", transition="PowerCycle",
                                deadline=T + 600000, nodes=[1])],
             "last": [request("done", result="completed", why="all 2 nodes reached host Running")],
             "time": T}),
]

POWER_RESTORE = [
    compact({"v": 1, "time": T, "loss_id": T - 9000, "policy": "AlwaysOn", "one_time": False,
             "system_wide": True, "action": "On", "id": "power-restore-1",
             "why": "AC loss on every node: policy AlwaysOn", "nodes": [1, 2]}),
    compact({"v": 1, "time": T, "loss_id": T, "policy": "None", "one_time": True,
             "system_wide": False, "why": "node-local loss", "nodes": [2],
             "nodes_omitted": 3, "delay": 30, "due": T + 30000}),
]

TOPIC = [s.encode() for s in [
    "statebus/system/node/1/status",
    "statebus/system/node/16384/boot-progress",
    "statebus/a-B_9/node/2/heartbeat",
    "statebus/system/node/3/set/chassis",
    "statebus/system/system/hypervisor",
    "statebus/system/system/requests",
    "statebus/system/system/power-restore",
    "statebus/system/system/rebirth",
    "statebus/system/system/summary",
    "statebus/system/system/set/bmc",
    "statebus/system/system/settings/scheduled-transition",
    "statebus/system/system/settings/power-restore-policy/set",
    "statebus/system/event",
    "statebus/system/reply/statebusctl-1-2/x",
    "statebus/system/node/01/bmc",
    "statebus/system/node/+/bmc",
]]


def snapshot(requests=(), **extra):
    obj = {"v": 1, "epoch": 4, "id_counter": 2, "order_counter": len(requests),
           "requested": {"host": "On"}, "requests": list(requests), "requested_last": "host",
           "settings": {"power-restore-policy": "AlwaysOn", "power-restore-delay": 30,
                        "power-restore-one-time": "None",
                        "scheduled-transition": {"time": T // 1000 + 120, "transition": "On"}},
           "power_restore": {"decided_boot": T - 60000, "counter": 1}}
    obj.update(extra)
    return compact(obj)


def record(phase, rid, order, **extra):
    obj = {"phase": phase, "id": rid, "target": "host", "transition": "On", "reason": "",
           "reply_topic": "", "correlation": "", "order": order, "queued": T - 1000,
           "dispatched": 0, "expires": 0, "fails": 0, "finished": 0, "nodes": []}
    obj.update(extra)
    return obj


SNAPSHOT = [
    snapshot(),
    snapshot([record("pending", "r1", 1, reply_topic="statebus/fz/reply/ctl-1",
                     correlation="00ff10")]),
    snapshot([record("active", "r2", 1, target="chassis", transition="PowerCycle",
                     dispatched=T - 500, fails=T + 60000, nodes=[1, 3]),
              record("done", "r1", 2, result="cancelled", why="replaced by r2",
                     finished=T - 600)]),
    snapshot(power_restore={"decided_boot": T, "counter": 3,
                            "pending": {"id": "power-restore-3", "target": "host",
                                        "transition": "On", "reason": "PowerPolicyAlwaysOn",
                                        "due": T + 30000, "nodes": []},
                            "last": {"time": T, "loss_id": T, "policy": "AlwaysOn",
                                     "one_time": False, "system_wide": True, "action": "On",
                                     "id": "power-restore-3", "why": "AC loss", "nodes": [1, 2, 3],
                                     "nodes_omitted": 0, "delay": 30, "due": T + 30000}}),
    compact({"v": 1, "epoch": 1, "id_counter": 0, "order_counter": 0, "requested": {},
             "requests": []}),
]


# ---- fuzz-coordinator programs (opcodes of fuzz-coordinator.c) -------------------------------
OP_CONNECT, OP_DISCONNECT, OP_ADVANCE, OP_STATE, OP_STATUS, OP_HEARTBEAT, OP_COMMAND, \
    OP_SETTING, OP_RAW, OP_RAW_TOPIC = range(10)
KIND = {"bmc": 0, "chassis": 1, "host": 2, "boot-progress": 3}
# state operand: 1 + b1 % (count - 1) -> b1 = code - 1
CODE = {("bmc", "Ready"): 1, ("bmc", "NotReady"): 2, ("chassis", "Off"): 1, ("chassis", "On"): 3,
        ("host", "Off"): 1, ("host", "Running"): 4, ("boot-progress", "OSRunning"): 9}


def op_state(kind, value, node, epoch=1, seq=1, flags=0):
    # b0 kind, b1 state, b2 epoch (low 2 bits = epoch - 1), b3 flags, seq, node
    return bytes([OP_STATE, KIND[kind], CODE[(kind, value)] - 1, epoch - 1, flags, seq, node])


def op_status(node, status=1, epoch=1):
    return bytes([OP_STATUS, (status - 1) | ((epoch - 1) << 2), node])


def op_advance(ms):
    return bytes([OP_ADVANCE]) + struct.pack(">H", ms // 16)


def op_command(target, transition, rid=1, props=1):
    # target 1 chassis, 2 host, 3 bmc; transition 1 On, 2 Off, 3 PowerCycle, 4 Reboot ...
    return bytes([OP_COMMAND, (target - 1) | (rid << 2), transition - 1, props])


def op_raw(sel, node, payload, flags=0):
    return bytes([OP_RAW, sel, flags, node]) + struct.pack(">H", len(payload)) + payload


def system_up(nodes, bmc_ready=True):
    out = b""
    for n in range(1, nodes + 1):
        seq = 1
        out += op_state("bmc", "Ready" if bmc_ready else "NotReady", n, seq=seq)
        out += op_state("chassis", "Off", n, seq=seq + 1, flags=0x03)
        out += op_state("host", "Off", n, seq=seq + 2)
        out += op_status(n)
    return out


def coordinator_programs():
    cfg_queue = bytes([1, 0x10])      # 2 nodes, rebirth window
    cfg_reject = bytes([2, 0x01 | 0x02 | 0x04 | 0x08])  # 3 nodes, reject, partial, rejoin, timeout
    power_on = (bytes([OP_CONNECT]) + system_up(2, bmc_ready=False) + op_advance(1200)
                + op_command(2, 1) + op_state("bmc", "Ready", 1, seq=9)
                + op_state("bmc", "Ready", 2, seq=9)
                + op_state("chassis", "On", 1, seq=10) + op_state("chassis", "On", 2, seq=10)
                + op_state("host", "Running", 1, seq=11) + op_state("host", "Running", 2, seq=11)
                + op_advance(5000))
    yield cfg_queue + power_on
    yield cfg_queue + power_on + op_command(2, 2, rid=2) + bytes([OP_DISCONNECT, OP_CONNECT])
    yield (cfg_reject + bytes([OP_CONNECT]) + system_up(3) + op_advance(2000)
           + op_command(1, 3, rid=3) + op_command(3, 4, rid=0, props=2)
           + bytes([OP_SETTING, 0x01 | 0x10 | 0x20, 1, 0x00, 0x10]) + op_advance(60000))
    yield (cfg_queue + bytes([OP_CONNECT]) + system_up(2)
           + op_raw(8, 0, b'{"transition":"On","id":"x1"}', flags=0x41)
           + op_raw(1, 1, b'{"v":1,"node":1,"state":"Ready"}')
           + op_status(1, status=3) + op_advance(30000))


def write(target, seeds):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        if name.startswith("seed-"):  # regress-* files are reproducers of fixed bugs: kept
            os.remove(os.path.join(d, name))
    for s in seeds:
        name = "seed-" + hashlib.sha1(s).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(s)


def main():
    write("state", STATE)
    write("status", STATUS)
    write("heartbeat", HEARTBEAT)
    write("command", COMMAND)
    write("event", EVENT)
    write("rollup", ROLLUP)
    write("setting", SETTING)
    write("requests", REQUESTS)
    write("power-restore", POWER_RESTORE)
    write("topic", TOPIC)
    write("snapshot", SNAPSHOT)
    write("coordinator", list(coordinator_programs()))


if __name__ == "__main__":
    main()
