# SPDX-License-Identifier: Apache-2.0
"""The fault campaign's independent checker (issue #13): it reads only a recorded stream of every
message under one system's root (one JSON object per line: "t" receive time in seconds, "topic",
"retain", "payload" as text) and holds it against topics/README.md. It imports nothing of the
campaign driver and knows nothing of the processes: what the bus carried is the evidence.

Rules (each violation is one line of the result):
  gate      no gated command (chassis/host On, PowerCycle, Reboot, the warm reboots) while some
            expected node had been not Ready (status not online, or its BMC not Ready in its
            current epoch) for longer than the bound before it;
  twice     no request id sent twice to one node;
  final     every accepted request ends in exactly one final event (a final marked "replay"
            counts as the same end; a joiner without one of its own ends with the request it
            joined, topics/README.md "Joining");
  effect    every "completed" backed by the request's own effect on every node it went to:
            that node's "accepted" for the id (or a state naming it), then its states (naming
            the id, or naming none after it) reaching the target, for cycles and reboots after
            leaving it;
  rollup    every rollup consistent with its own node map (N <= 64: the map is complete), and
            the last of each kind equal to a recomputation from the nodes' last states;
  orphan    no command without a request (an accepted/queued event of its id, or its entry in
            system/requests, before it or in its own batch) or a power-restore decision naming it.
Usage: campaign_check.py RECORD.jsonl --nodes N [--bound-s 0.5]
"""

import argparse
import collections
import json
import sys

GATED = {"chassis": {"On", "PowerCycle"},
         "host": {"On", "Reboot", "GracefulWarmReboot", "ForceWarmReboot"}}
CYCLES = {"chassis": {"PowerCycle"},
          "host": {"Reboot", "GracefulWarmReboot", "ForceWarmReboot"},
          "bmc": {"Reboot", "HardReboot"}}
FINALS = {"completed", "failed", "cancelled", "expired", "superseded"}
BOOT_ORDER = ["Unspecified", "OEM", "MotherboardInit", "PrimaryProcInit", "BusInit", "MemoryInit",
              "SecondaryProcInit", "PCIInit", "SystemSetup", "SystemInitComplete", "OSStart",
              "OSRunning"]
# topics/README.md "Rollup policy": "any X -> X" rules in order (None: never heard -> Unknown),
# then the least advanced value.
RULES = {"chassis": ["TransitioningToOff", "TransitioningToOn", None],
         "host": ["Quiesced", "DiagnosticMode", "TransitioningToOff", "TransitioningToRunning",
                  None],
         "boot-progress": [None]}
ORDER = {"chassis": ["Off", "On"], "host": ["Off", "Standby", "Running"],
         "boot-progress": BOOT_ORDER}


def goal_of(target, transition):
    if target == "chassis":
        return "Off" if transition == "Off" else "On"
    if target == "host":
        return "Off" if transition == "Off" else "Running"
    return "Ready"


def load(path):
    """The record's messages, without the recorder's own duplicates: a QoS 1 message the broker
    delivers again (DUP) when the recorder's session resumes after a broker restart is the same
    message, not a second publish: every payload carries a time, a seq or a deadline, so two
    publishes are never byte-identical. (Retained copies are kept: they are the broker's store.)"""
    msgs = []
    seen = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = json.loads(line)
            key = (m["topic"], m["payload"])
            if not m["retain"] and key in seen:
                continue
            seen.add(key)
            i = len(msgs)
            try:
                m["json"] = json.loads(m["payload"])
            except ValueError:
                m["json"] = None
            if not isinstance(m["json"], dict):
                m["json"] = {}
            m["i"] = i
            parts = m["topic"].split("/")
            m["parts"] = parts[2:]  # after statebus/<system>
            msgs.append(m)
    return msgs


class Checker:

    def __init__(self, msgs, nodes, bound_s):
        self.msgs = msgs
        self.nodes = nodes
        self.bound = bound_s
        self.violations = []
        self.counts = collections.Counter()

    def fail(self, rule, text):
        self.violations.append(f"{rule}: {text}")

    # ---- node readiness as the bus shows it --------------------------------------------------
    def readiness(self):
        """{node: [(t, ready)]} changes, from status and bmc messages in receive order."""
        status = {n: (None, None) for n in range(1, self.nodes + 1)}  # (status, epoch)
        bmc = {n: (None, None) for n in range(1, self.nodes + 1)}     # (state, epoch)
        timeline = {n: [(0.0, False)] for n in range(1, self.nodes + 1)}
        for m in self.msgs:
            p = m["parts"]
            if len(p) != 3 or p[0] != "node" or p[2] not in ("status", "bmc"):
                continue
            try:
                n = int(p[1])
            except ValueError:
                continue
            if n not in status or not m["json"]:
                continue
            j = m["json"]
            if p[2] == "status":
                # A late will of an older epoch changes nothing (topics/README.md).
                if j.get("status") != "online" and status[n][1] not in (None, j.get("epoch")):
                    continue
                status[n] = (j.get("status"), j.get("epoch"))
            else:
                bmc[n] = (j.get("state"), j.get("epoch"))
            ready = (status[n][0] == "online" and bmc[n][0] == "Ready"
                     and bmc[n][1] == status[n][1])
            if ready != timeline[n][-1][1]:
                timeline[n].append((m["t"], ready))
        return timeline

    @staticmethod
    def ready_at(changes, t):
        """(ready, since) of a node at time t."""
        state, since = changes[0][1], changes[0][0]
        for at, r in changes:
            if at > t:
                break
            state, since = r, at
        return state, since

    # ---- the rules --------------------------------------------------------------------------
    def commands(self):
        out = []
        for m in self.msgs:
            p = m["parts"]
            if len(p) == 4 and p[0] == "node" and p[2] == "set" and not m["retain"]:
                out.append((int(p[1]), p[3], m))
        return out

    def coordinator_events(self):
        return [m for m in self.msgs if m["parts"] == ["event"] and "node" not in m["json"]]

    def agent_events(self):
        return [m for m in self.msgs if m["parts"] == ["event"] and "node" in m["json"]]

    def check_gate(self, timeline):
        for node, target, m in self.commands():
            tr = m["json"].get("transition")
            if tr not in GATED.get(target, ()):
                continue
            self.counts["gated commands"] += 1
            for other, changes in timeline.items():
                ready, since = self.ready_at(changes, m["t"])
                if not ready and m["t"] - since > self.bound:
                    self.fail("gate", f"{target} {tr} id={m['json'].get('id')} to node {node} at "
                              f"t={m['t']:.3f} while node {other} was not Ready for "
                              f"{m['t'] - since:.2f} s")

    def check_twice(self):
        seen = collections.Counter()
        for node, target, m in self.commands():
            seen[(node, target, m["json"].get("id"))] += 1
        self.counts["node commands"] = sum(seen.values())
        for (node, target, rid), k in seen.items():
            if k > 1:
                self.fail("twice", f"id={rid} sent {k} times to node {node} ({target})")

    def check_orphans(self):
        known = {}
        for m in self.msgs:
            if m["parts"] == ["event"] and "node" not in m["json"]:
                if m["json"].get("kind") in ("accepted", "queued"):
                    known.setdefault(m["json"].get("id"), m["i"])
            if m["parts"] == ["system", "power-restore"] and m["json"].get("id"):
                known.setdefault(m["json"]["id"], m["i"])
            if m["parts"] == ["event"] and m["json"].get("kind") == "power-restore":
                if m["json"].get("id"):
                    known.setdefault(m["json"]["id"], m["i"])
            if m["parts"] == ["system", "requests"]:
                # A request the coordinator lists as pending or active exists, even when its
                # "accepted" was lost (a crash between the write and the publish).
                for entry in m["json"].get("pending", []) + m["json"].get("active", []):
                    if isinstance(entry, dict) and entry.get("id"):
                        known.setdefault(entry["id"], m["i"])
        # The batch's events may follow its commands (the shell publishes the retained views and
        # then the events of a batch after its other actions): an acceptance recorded within a
        # second after the command is the same batch's.
        accepted_at = {}
        for m in self.coordinator_events():
            if m["json"].get("kind") in ("accepted", "queued") and m["json"].get("id"):
                accepted_at.setdefault(m["json"]["id"], m["t"])
        for node, target, m in self.commands():
            rid = m["json"].get("id")
            before = rid in known and known[rid] <= m["i"]
            same_batch = rid in accepted_at and 0 <= accepted_at[rid] - m["t"] <= 1.0
            if not (before or same_batch):
                self.fail("orphan", f"command id={rid} to node {node} ({target}) with no request "
                          "or power-restore decision before it")

    def requests(self):
        """{id: {"target", "transition", "accepted": i, "finals": [msg], "dispatched": msg}}."""
        reqs = {}
        for m in self.coordinator_events():
            j = m["json"]
            rid, kind = j.get("id"), j.get("kind")
            if not rid:
                continue
            if kind in ("accepted", "queued"):
                r = reqs.setdefault(rid, {"target": j.get("target"),
                                          "transition": j.get("transition"), "finals": [],
                                          "accepted": m["i"], "dispatched": None})
            elif rid in reqs or kind in FINALS or kind == "dispatched":
                # A request whose accepted/queued event was lost with a dying coordinator or
                # broker (not replayed: topics/README.md) is still known by what followed it.
                r = reqs.setdefault(rid, {"target": j.get("target"),
                                          "transition": j.get("transition"), "finals": [],
                                          "accepted": m["i"], "dispatched": None})
                if kind in FINALS:
                    r["finals"].append(m)
                elif kind == "dispatched" and r["dispatched"] is None:
                    r["dispatched"] = m
        return reqs

    def joined(self):
        """{joiner id: first id}: topics/README.md "Joining" - a joiner ends with the request it
        joined, and after a coordinator restart only the first id is followed (joins are not
        persisted), so the first's end is the joiner's."""
        out = {}
        for m in self.coordinator_events():
            j = m["json"]
            why = j.get("why", "")
            if j.get("kind") == "queued" and why.startswith("joined "):
                out[j.get("id")] = why.split()[1].rstrip(",")
            elif why.endswith(")") and " (joined " in why:
                # The later events of a joiner say so too ("... (joined <id>)"): its queued
                # answer may have been lost with a broker.
                out.setdefault(j.get("id"), why.rsplit(" (joined ", 1)[1][:-1])
        return out

    def check_finals(self, reqs):
        self.counts["requests"] = len(reqs)
        joined = self.joined()
        for rid, r in reqs.items():
            firsts = [m for m in r["finals"] if not m["json"].get("replay")]
            replays = [m for m in r["finals"] if m["json"].get("replay")]
            ends = firsts or replays[:1]
            first = reqs.get(joined.get(rid, ""))
            if not ends and first and first["finals"]:
                self.counts["final by the joined request"] += 1
                continue
            kinds = sorted({m["json"].get("kind") for m in r["finals"]})
            if len(firsts) > 1 or not ends or len(kinds) > 1:
                self.fail("final", f"id={rid} ended {len(firsts)} times (+{len(replays)} "
                          f"replayed): {[m['json'].get('kind') for m in r['finals']]}")
            for m in ends[:1]:
                self.counts[f"final {m['json'].get('kind')}"] += 1

    def node_effect(self, rid, target, transition, node, accepted_i, end_i, dispatched_ms):
        """Whether node carried out rid between its accepted (index) and end_i. For a cycle, a
        state naming rid at the goal that changed ("since") after the dispatch has left and come
        back (its leave may be lost with a broker), as topics/README.md counts it."""
        kind = target
        goal = goal_of(target, transition)
        cycle = transition in CYCLES.get(target, ())
        left = False
        epoch_at_accept = None
        for m in self.msgs[accepted_i:end_i + 1]:
            p = m["parts"]
            if p[:2] != ["node", str(node)] or len(p) != 3:
                continue
            j = m["json"]
            if p[2] == "status" and target == "bmc":
                if epoch_at_accept is None:
                    epoch_at_accept = j.get("epoch")
                elif j.get("epoch") != epoch_at_accept:
                    left = True
                continue
            if p[2] != kind:
                continue
            named = j.get("request")
            if epoch_at_accept is None:
                epoch_at_accept = j.get("epoch")
            if named not in (rid, None):
                continue
            at_goal = j.get("state") == goal
            if not at_goal:
                left = True
            elif not cycle or left:
                return True
            elif named == rid and dispatched_ms and j.get("since", 0) > dispatched_ms:
                return True
        return False

    def check_effect(self, reqs):
        # The node got the command: its "accepted" for the id, or a state that names it (its
        # receipt; the accepted event can be lost with a broker while the state is retained).
        accepted = collections.defaultdict(dict)  # id -> {node: index}
        for m in self.agent_events():
            if m["json"].get("kind") == "accepted" and m["json"].get("id"):
                accepted[m["json"]["id"]].setdefault(m["json"]["node"], m["i"])
        for m in self.msgs:
            p = m["parts"]
            if len(p) == 3 and p[0] == "node" and m["json"].get("request"):
                # The receipt may come before the accepted event (state before answers).
                rid, n = m["json"]["request"], int(p[1])
                accepted[rid][n] = min(accepted[rid].get(n, m["i"]), m["i"])
        # A joiner is carried out by the commands of the request it joined (topics/README.md
        # "Joining": the nodes get the first id only), so its completion is judged by that id.
        joined = self.joined()
        for rid, r in reqs.items():
            done = [m for m in r["finals"] if m["json"].get("kind") == "completed"]
            if not done:
                continue
            end = done[0]
            cid = joined.get(rid, rid)
            went_to = r["dispatched"]["json"].get("nodes") if r["dispatched"] else None
            nodes = went_to or list(range(1, self.nodes + 1))
            for n in nodes:
                if n not in accepted[cid] or accepted[cid][n] > end["i"]:
                    self.fail("effect", f"id={rid} completed but node {n} never accepted "
                              f"{'it' if cid == rid else cid}")
                    continue
                dispatched_ms = r["dispatched"]["json"].get("time") if r["dispatched"] else None
                if not self.node_effect(cid, r["target"], r["transition"], n, accepted[cid][n],
                                        end["i"], dispatched_ms):
                    self.fail("effect", f"id={rid} ({r['target']} {r['transition']}) completed "
                              f"without node {n} carrying it out")

    @staticmethod
    def recompute(kind, values, stale):
        present = set(values.values())
        if kind == "bmc":
            if "Quiesced" in present:
                return "Quiesced"
            if stale or "Unknown" in present or "NotReady" in present:
                return "NotReady"
            if "UpdateInProgress" in present:
                return "UpdateInProgress"
            return "Ready"
        for rule in RULES[kind]:
            wanted = "Unknown" if rule is None else rule
            if wanted in present:
                return wanted
        return min(present, key=ORDER[kind].index)

    def check_rollups(self):
        last = {}
        for m in self.msgs:
            p = m["parts"]
            if len(p) != 2 or p[0] != "system" or p[1] not in ("bmc", "chassis", "host",
                                                                 "boot-progress"):
                continue
            j = m["json"]
            values = j.get("nodes", {})
            self.counts["rollups"] += 1
            if len(values) != self.nodes:
                continue  # a partial map (N > 64): nothing to recompute from
            want = self.recompute(p[1], values, j.get("stale", []))
            counts = dict(collections.Counter(values.values()))
            if (j.get("state") != want or j.get("counts") != counts
                    or bool(j.get("mixed")) != (len(set(values.values())) > 1)):
                self.fail("rollup", f"system/{p[1]} #{m['i']} says {j.get('state')} "
                          f"counts={j.get('counts')} mixed={j.get('mixed')}; its own map gives "
                          f"{want} counts={counts}")
            last[p[1]] = m
        # The end: the last rollup of each kind against the nodes' last states.
        states = {}
        for m in self.msgs:
            p = m["parts"]
            if len(p) == 3 and p[0] == "node" and p[2] in ("bmc", "chassis", "host",
                                                           "boot-progress"):
                states[(int(p[1]), p[2])] = m["json"].get("state")
        for kind, m in last.items():
            values = {str(n): states.get((n, kind), "Unknown") for n in range(1, self.nodes + 1)}
            if m["json"].get("nodes") != values or m["json"].get("stale"):
                self.fail("rollup", f"last system/{kind} {m['json'].get('nodes')} stale="
                          f"{m['json'].get('stale')} but the nodes' last states are {values}")

    def run(self):
        timeline = self.readiness()
        self.check_gate(timeline)
        self.check_twice()
        self.check_orphans()
        reqs = self.requests()
        self.check_finals(reqs)
        self.check_effect(reqs)
        self.check_rollups()
        return self.violations


def check(path, nodes, bound_s=0.5):
    """(violations, counts) of the record at path."""
    c = Checker(load(path), nodes, bound_s)
    violations = c.run()
    c.counts["messages"] = len(c.msgs)
    return violations, dict(c.counts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("record")
    ap.add_argument("--nodes", type=int, required=True)
    ap.add_argument("--bound-s", type=float, default=0.5)
    args = ap.parse_args()
    violations, counts = check(args.record, args.nodes, args.bound_s)
    print(json.dumps(counts, sort_keys=True))
    for v in violations:
        print(v)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
