# SPDX-License-Identifier: Apache-2.0
"""Soak (label "soak"): 32 simulated nodes flapping at random for a bounded time, then two
checks of the whole system's truthfulness.

During the run, from one seeded random generator: operators' requests (chassis On/Off/
PowerCycle, host On/Off/Reboot and the warm reboots, single-node BMC reboots), agents SIGKILLed
or stopped cleanly and restarted after a while (with --sim-state-file: the hardware carries on,
as a real host does while its BMC reboots), BMC boots of random length. Afterwards, with every
agent running again and every request finished:

- every retained rollup equals one recomputed here, independently of the C code, from the
  nodes' retained states by topics/README.md "Rollup policy" (state, code, counts, nodes,
  stale, mixed);
- every request ended with exactly one final event (completed, failed, cancelled, expired or
  rejected), and no node ever got two commands for one request.

The action schedule is reproducible from the seed, printed first and on failure (rerun with
STATEBUS_SOAK_SEED=<seed>); the processes' own timing is not. STATEBUS_SOAK_SECONDS sets the
flapping time (default 60). Runs on loopback: the soak is about state, not about the network.
"""

import collections
import json
import os
import random
import signal
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import contract  # noqa: E402
from harness import IntegrationTest, kind_of, wait_briefly  # noqa: E402

NODES = 32
SECONDS = float(os.environ.get("STATEBUS_SOAK_SECONDS", "60"))
SEED = int(os.environ.get("STATEBUS_SOAK_SEED") or random.SystemRandom().randrange(1 << 32))
TICK_S = 0.25
REQUEST_TIMEOUT_MS = 15000
TRANSITION_TIMEOUT_MS = 10000
FINAL_KINDS = ("completed", "failed", "cancelled", "expired", "rejected", "superseded")
NODE_KINDS = contract.NODE_KINDS

TRANSITIONS = {
    "chassis": ["On", "Off", "PowerCycle"],
    "host": ["On", "Off", "Reboot", "GracefulWarmReboot", "ForceWarmReboot"],
}

# topics/README.md "Rollup policy", transcribed: "any <value> -> <value>" rules, first match
# wins (None: any node never heard from -> Unknown), then the least advanced value.
RULES = {
    "chassis": ["TransitioningToOff", "TransitioningToOn", None],
    "host": ["Quiesced", "DiagnosticMode", "TransitioningToOff", "TransitioningToRunning", None],
    "boot-progress": [None],
}
ORDER = {
    "chassis": ["Off", "On"],
    "host": ["Off", "Standby", "Running"],
    "boot-progress": contract.BOOT_ORDER,
}


def reference_rollup(kind, nodes):
    """The rollup of kind from every node's retained status and states, nodes = {n: {"status":
    payload, "<kind>": payload or None}}. Returns (state, counts, nodes map, stale, mixed)."""
    values = {n: (nd[kind] or {}).get("state", "Unknown") for n, nd in nodes.items()}
    online = {n: nd["status"].get("status") == "online" for n, nd in nodes.items()}
    present = set(values.values())
    if kind == "bmc":
        # Ready only when every node's BMC is usable: online, and a Ready of its current epoch
        # (a retained one from before its BMC rebooted does not count).
        old_ready = any(values[n] == "Ready"
                        and nodes[n]["bmc"].get("epoch") != nodes[n]["status"].get("epoch")
                        for n in nodes)
        if "Quiesced" in present:
            state = "Quiesced"
        elif (not all(online.values()) or "Unknown" in present or "NotReady" in present
              or old_ready):
            state = "NotReady"
        elif "UpdateInProgress" in present:
            state = "UpdateInProgress"
        else:
            state = "Ready"
    else:
        for rule in RULES[kind]:
            wanted = "Unknown" if rule is None else rule
            if wanted in present:
                state = wanted
                break
        else:
            state = min(present, key=ORDER[kind].index)
    counts = dict(collections.Counter(values.values()))
    stale = sorted(n for n in nodes if not online[n])
    mixed = len(present) > 1
    return state, counts, {str(n): v for n, v in values.items()}, stale, mixed


class SoakTest(IntegrationTest):

    def setUp(self):
        super().setUp()
        sys.stderr.write(f"soak: seed={SEED} nodes={NODES} seconds={SECONDS} "
                         f"(rerun: STATEBUS_SOAK_SEED={SEED})\n")
        self.addCleanup(self.print_seed_on_failure)

    def print_seed_on_failure(self):
        if self._problems() != self._problems_at_start:
            sys.stderr.write(f"soak: FAILED with seed={SEED} (rerun: STATEBUS_SOAK_SEED={SEED})\n")

    def start_agent(self, n, rng):
        return self.agent(n, bmc_ready_ms=rng.randrange(0, 2000), power_ms=rng.randrange(100, 600),
                          boot_ms=rng.randrange(200, 1200),
                          extra=["--sim-state-file", os.path.join(self.tmp, f"sim-{n}.json")])

    def test_soak(self):
        rng = random.Random(SEED)
        watcher = self.watcher()
        coord, _ = self.start_coordinator(
            watcher, NODES,
            extra=["--request-timeout", REQUEST_TIMEOUT_MS,
                   "--transition-timeout", TRANSITION_TIMEOUT_MS])
        agents = {n: self.start_agent(n, rng) for n in range(1, NODES + 1)}
        self.wait_rollup(watcher, "bmc", "Ready", stale=[], timeout=60)
        operator = self.client(name="operator")
        sent = []
        down = {}  # node -> monotonic time of its restart
        counts = collections.Counter()

        end = time.monotonic() + SECONDS
        while time.monotonic() < end:
            now = time.monotonic()
            for n, at in list(down.items()):
                if at <= now:
                    agents[n] = self.start_agent(n, rng)
                    del down[n]
                    counts["restart"] += 1
            roll = rng.random()
            if roll < 0.30:
                target = rng.choice(("chassis", "host"))
                rid = f"soak-{len(sent) + 1}"
                sent.append(rid)
                operator.publish(self.t(f"system/set/{target}"),
                                 {"transition": rng.choice(TRANSITIONS[target]), "id": rid})
                counts["request"] += 1
            elif roll < 0.36:
                rid = f"soak-{len(sent) + 1}"
                sent.append(rid)
                operator.publish(self.t("system/set/bmc"),
                                 {"transition": "Reboot", "id": rid,
                                  "nodes": [rng.randrange(1, NODES + 1)]})
                counts["bmc-reboot"] += 1
            elif roll < 0.44:
                n = rng.randrange(1, NODES + 1)
                if n not in down:
                    clean = rng.random() < 0.25
                    agents[n].signal(signal.SIGTERM if clean else signal.SIGKILL)
                    agents[n].wait(15)
                    down[n] = now + rng.uniform(0.2, 4.0)
                    counts["stop" if clean else "kill"] += 1
            # The schedule's own clock (no condition to wait for): one action per tick at most.
            threading.Event().wait(TICK_S)
        sys.stderr.write(f"soak: actions {dict(counts)}\n")

        # Everyone back; every request ends (queued ones expire, active ones complete or fail).
        for n in list(down):
            agents[n] = self.start_agent(n, rng)
        self.wait_latest(watcher, "system/bmc",
                         lambda m: m.get("state") == "Ready" and m.get("stale") == [],
                         60, "every node back and Ready")
        bound = (REQUEST_TIMEOUT_MS + TRANSITION_TIMEOUT_MS) / 1000 + 20
        try:
            watcher.wait_for(lambda _: not self.unfinished(watcher, sent), bound,
                             "every request finished")
        except AssertionError:
            self.fail(f"requests without a final event after {bound} s: "
                      f"{self.unfinished(watcher, sent)}")
        self.wait_latest(watcher, "system/requests",
                         lambda m: m.get("pending") == [] and m.get("active") == [],
                         30, "no request pending or active")

        self.check_final_events(watcher, sent)
        self.check_commands(watcher)
        self.check_rollups_match_nodes()
        self.assertTrue(coord.alive(), "the coordinator died")
        self.assert_logs_clean(coord)

    def wait_latest(self, watcher, suffix, pred, timeout, what):
        """Until the latest message on <root>/suffix satisfies pred."""
        def cond(_):
            msgs = watcher.received(self.t(suffix))
            return bool(msgs) and pred(msgs[-1])
        return watcher.wait_for(cond, timeout, what)

    def unfinished(self, watcher, sent):
        done = {m.get("id") for m in watcher.received(self.t("event"))
                if kind_of(m) in FINAL_KINDS and "node" not in m.json}
        return [rid for rid in sent if rid not in done]

    def check_final_events(self, watcher, sent):
        finals = collections.Counter(
            m.get("id") for m in watcher.received(self.t("event"))
            if kind_of(m) in FINAL_KINDS and "node" not in m.json)
        wrong = {rid: finals[rid] for rid in sent if finals[rid] != 1}
        self.assertEqual(wrong, {}, "requests without exactly one final event")
        strangers = set(finals) - set(sent)
        self.assertEqual(strangers, set(), "final events of requests nobody made")

    def check_commands(self, watcher):
        per = collections.Counter()
        for m in watcher.received(self.t("node/+/set/+")):
            self.assertFalse(m.retain, f"a retained command: {m}")
            per[(m.get("id"), m.topic)] += 1
        twice = {k: v for k, v in per.items() if v > 1}
        self.assertEqual(twice, {}, "a node got one request's command twice")

    def check_rollups_match_nodes(self):
        """The retained rollups against the reference computed from the retained node states.
        Both are read from one fresh subscription; until the last transitions settle they may
        differ, so this retries until they agree, failing with the difference after 30 s."""
        node_topics = [self.t(f"node/{n}/{k}") for n in range(1, NODES + 1)
                       for k in ("status", *NODE_KINDS)]
        rollup_topics = [self.t(f"system/{k}") for k in NODE_KINDS]
        deadline = time.monotonic() + 30
        while True:
            snap = self.retained_snapshot(node_topics + rollup_topics)
            diffs = self.rollup_differences(snap)
            if not diffs:
                summary = {k: (lambda j: (j["state"], j["counts"]))(
                    json.loads(snap[self.t(f"system/{k}")])) for k in NODE_KINDS}
                sys.stderr.write(f"soak: rollups match the nodes: {summary}\n")
                return
            if time.monotonic() > deadline:
                self.fail("retained rollups differ from the ones recomputed from the nodes' "
                          "retained states:\n" + "\n".join(diffs))
            wait_briefly(0.5)

    def rollup_differences(self, snap):
        nodes = {}
        for n in range(1, NODES + 1):
            nodes[n] = {"status": json.loads(snap[self.t(f"node/{n}/status")])}
            for k in NODE_KINDS:
                nodes[n][k] = json.loads(snap[self.t(f"node/{n}/{k}")])
        diffs = []
        for kind in NODE_KINDS:
            got = json.loads(snap[self.t(f"system/{kind}")])
            state, counts, node_map, stale, mixed = reference_rollup(kind, nodes)
            want = {"state": state, "counts": counts, "nodes": node_map, "stale": stale,
                    "mixed": mixed, "code": contract.STATE_ENUMS[kind].get(state, 0)}
            for field_name, value in want.items():
                if got.get(field_name) != value:
                    diffs.append(f"system/{kind} {field_name}: published {got.get(field_name)!r}"
                                 f", recomputed {value!r}")
        return diffs


if __name__ == "__main__":
    unittest.main()
