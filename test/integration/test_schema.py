# SPDX-License-Identifier: Apache-2.0
"""Every payload seen on the bus during a full gated power-on validates against its JSON Schema
in topics/schema (python3-jsonschema, Draft 2020-12)."""

import glob
import json
import os
import sys
import unittest

from harness import SCHEMA_DIR, IntegrationTest, kind_of

import jsonschema
from jsonschema import Draft202012Validator


def load_schemas():
    """{file stem: schema} of topics/schema/*.json; "state.schema.json" has the stem "state"."""
    out = {}
    for path in sorted(glob.glob(os.path.join(SCHEMA_DIR, "*.json"))):
        stem = os.path.basename(path)
        for suffix in (".schema.json", ".json"):
            if stem.endswith(suffix):
                stem = stem[: -len(suffix)]
                break
        with open(path, encoding="utf-8") as f:
            out[stem] = (path, json.load(f))
    return out


def payload_kind(parts):
    """(schema names to try, most specific first) for a topic below <root>, or None."""
    if parts[0] == "node" and len(parts) == 3:
        leaf = parts[2]
        if leaf == "status":
            return ["status"]
        if leaf == "heartbeat":
            return ["heartbeat"]
        return [f"state-{leaf}", "state"]
    if parts[0] == "node" and len(parts) == 4 and parts[2] == "set":
        return [f"command-{parts[3]}", "command"]
    if parts[0] == "system" and len(parts) == 3 and parts[1] == "set":
        return [f"command-{parts[2]}", "command"]  # our own request, a full command object
    if parts[0] == "reply" and parts[-1] == "probe":
        return ["probe"]  # the coordinator's probe to itself (topics/README.md "The gate")
    if parts[0] == "event" or parts[0] == "reply":
        return ["event"]
    if parts[0] == "system" and len(parts) == 2:
        leaf = parts[1]
        if leaf in ("bmc", "chassis", "host", "boot-progress", "hypervisor"):
            return [f"rollup-{leaf}", "rollup"]
        return [leaf]  # status, requests, summary, power-restore, rebirth
    if parts[0] == "system" and len(parts) == 3 and parts[1] == "settings":
        return [f"setting-{parts[2]}", "setting"]
    return None


class SchemaTest(IntegrationTest):

    def validator_for(self, names, schemas, store):
        for name in names:
            if name in schemas:
                path, schema = schemas[name]
                resolver = jsonschema.RefResolver(base_uri=schema.get("$id", f"file://{path}"),
                                                  referrer=schema, store=store)
                return name, Draft202012Validator(schema, resolver=resolver)
        return None, None

    def test_every_payload_of_a_gated_power_on_validates(self):
        schemas = load_schemas()
        self.assertTrue(schemas, f"no schemas in {SCHEMA_DIR}")
        store = {}
        for stem, (path, schema) in schemas.items():
            Draft202012Validator.check_schema(schema)
            store[f"file://{path}"] = schema
            store[os.path.basename(path)] = schema
            if "$id" in schema:
                store[schema["$id"]] = schema

        watcher = self.watcher()
        self.start_coordinator(watcher, 4, extra=["--summary-ms", "500"])
        for n, ms in {1: 300, 2: 600, 3: 900, 4: 2500}.items():
            self.agent(n, bmc_ready_ms=ms, power_ms=300, boot_ms=800, heartbeat_ms=500)
        requester = self.client(protocol=5, name="requester", subscribe=[self.t("reply/schema")])
        requester.publish(self.t("system/set/host"), {"transition": "On", "id": "schema-1"},
                          response_topic=self.t("reply/schema"), correlation_data=b"s1")
        watcher.wait_json(self.t("event"), kind="completed", id="schema-1", timeout=40)
        self.wait_final_rollups(watcher)
        # A rejection adds its event shape to the sample.
        requester.publish(self.t("system/set/bmc"), {"transition": "On", "id": "schema-bad"})
        watcher.wait_json(self.t("event"), kind="rejected", what="a rejected event")
        watcher.wait_for(lambda _: watcher.received(self.t("system/summary")), 10, "a summary")
        watcher.barrier(self.t("test/barrier"))

        seen, failures, unmapped = {}, [], set()
        for m in watcher.received(self.t("#")):
            parts = m.topic[len(self.root) + 1:].split("/")
            if parts[0] == "test":
                continue
            names = payload_kind(parts)
            name, validator = self.validator_for(names or [], schemas, store)
            if validator is None and parts == ["system", "rebirth"]:
                self.assertEqual(m.json, {}, f"rebirth payload: {m}")
                continue
            if validator is None:
                unmapped.add("/".join(parts[:1] + ["..."] + parts[-1:]) + f" -> {names}")
                continue
            seen[name] = seen.get(name, 0) + 1
            if m.json is None:
                failures.append(f"{m}: not JSON")
                continue
            for err in validator.iter_errors(m.json):
                failures.append(f"{m}\n    {name}: {err.message} at {list(err.absolute_path)}")
        sys.stderr.write(f"\nschema: validated {sum(seen.values())} payloads: {seen}\n")
        self.assertEqual(failures, [], "payloads that do not match their schema:\n" +
                         "\n".join(failures[:40]))
        self.assertEqual(unmapped, set(), f"topics without a schema in {SCHEMA_DIR}")
        # Not vacuous: the run produced every kind of payload the story has.
        covered = {n.split("-")[0] if n.startswith(("state-", "rollup-", "command-", "setting-"))
                   else n for n in seen}
        for need in ("status", "state", "heartbeat", "command", "event", "rollup", "requests",
                     "summary"):
            self.assertIn(need, covered, f"no {need} payload was validated: {seen}")
        self.assertTrue(any(kind_of(m) == "rejected" for m in watcher.received(self.t("event"))))


if __name__ == "__main__":
    unittest.main()
