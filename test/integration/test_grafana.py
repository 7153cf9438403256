# SPDX-License-Identifier: Apache-2.0
"""The Grafana dashboard (grafana/statebus-dashboard.json) against a running system: every topic
it queries must carry every field it reads, as a top-level key with a stable type (numbers for the
plotted ones: the MQTT data source drops a key whose type changes and plots only numbers), and its
value mappings must say what topics/README.md's code tables say."""

import json
import os
import re
import unittest

from harness import EVENT_TIMEOUT, SOURCE_DIR, IntegrationTest, topic_matches

DASHBOARD = os.path.join(SOURCE_DIR, "grafana", "statebus-dashboard.json")
README = os.path.join(SOURCE_DIR, "topics", "README.md")
NUMERIC_PANELS = {"state-timeline", "timeseries", "stat"}
NODES = 2


def load_dashboard():
    with open(DASHBOARD, encoding="utf-8") as f:
        return json.load(f)


def queries(dashboard):
    """[(panel, topic template, [field names])] of every panel that queries MQTT."""
    out = []
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        fields = []
        for t in panel.get("transformations", []):
            if t["id"] == "filterFieldsByName":
                fields += [n for n in t["options"]["include"]["names"] if n != "Time"]
        for target in panel["targets"]:
            out.append((panel, target["topic"], fields))
    return out


def readme_codes():
    """{table title word: {code: name}} from the code tables of topics/README.md."""
    tables, current = {}, None
    with open(README, encoding="utf-8") as f:
        for line in f:
            head = re.match(r"^\| (\w+) \(`[^`]+`\).* \| code \|$", line)
            if head:
                current = tables.setdefault(head.group(1), {})
                continue
            row = re.match(r"^\| (\w+) \| (\d+) \|$", line)
            if row and current is not None:
                current[int(row.group(2))] = row.group(1)
            elif not line.startswith("|"):
                current = None
    return tables


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class DashboardFileTest(unittest.TestCase):
    """Static checks: no system needed."""

    def test_requires_the_plugin_version_the_readme_needs(self):
        """grafana/README.md relies on the data source's Client ID setting (plugin 1.1.0): the
        dashboard's __requires must not let Grafana import it with an older plugin."""
        with open(os.path.join(SOURCE_DIR, "grafana", "README.md"), encoding="utf-8") as f:
            m = re.search(r"grafana-mqtt-datasource`, version >= (\d+\.\d+\.\d+)", f.read())
        self.assertIsNotNone(m, "grafana/README.md names no minimum plugin version")
        wanted = tuple(int(x) for x in m.group(1).split("."))
        self.assertGreaterEqual(wanted, (1, 1, 0), "the Client ID setting needs 1.1.0")
        requires = {r["id"]: r["version"] for r in load_dashboard()["__requires"]}
        self.assertEqual(requires["grafana-mqtt-datasource"], m.group(1))

    def test_value_mappings_match_the_code_tables(self):
        codes = readme_codes()
        table_of = {"bmc": "BMC", "chassis": "Chassis", "host": "Host", "hypervisor": "Host",
                    "boot_progress": "BootProgress", "boot-progress": "BootProgress"}
        checked = 0
        for panel, topic, _ in queries(load_dashboard()):
            mappings = []
            kind = topic.rsplit("/", 1)[1]
            if kind in table_of:
                mappings.append((kind, panel["fieldConfig"]["defaults"]["mappings"]))
            for o in panel["fieldConfig"].get("overrides", []):
                for p in o["properties"]:
                    if p["id"] == "mappings":
                        mappings.append((o["matcher"]["options"], p["value"]))
            for kind, mapping in mappings:
                expected = {**codes[table_of[kind]], 0: "Unknown"}
                got = {int(k): v["text"] for k, v in mapping[0]["options"].items()}
                self.assertEqual(got, expected, f"{panel['title']}: {kind}")
                checked += 1
        self.assertEqual(checked, 9, "5 summary codes + 4 per-node kinds")

    def test_every_query_is_a_topic_of_the_contract_without_hard_coded_system(self):
        for panel, topic, fields in queries(load_dashboard()):
            self.assertTrue(topic.startswith("statebus/${system}/"), topic)
            self.assertTrue(fields, f"{panel['title']}: no fields selected")
            if "+" in topic:
                # contract.md: wildcard queries lose the topic, so the node is in the payload.
                self.assertIn("node", fields, panel["title"])


class DashboardPayloadTest(IntegrationTest):

    def test_payloads_carry_every_field_the_dashboard_reads(self):
        watcher = self.watcher()
        self.start_coordinator(watcher, NODES, extra=["--summary-ms", "300"])
        for n in range(1, NODES + 1):
            self.agent(n, extra=["--sim-ac-loss"])
        # The power-restore decision (policy AlwaysOff: no action) comes when the gate opens.
        self.wait_rollup(watcher, "bmc", "Ready", stale=[])
        watcher.wait_msg(self.t("system/power-restore"), what="a power-restore decision")
        rc, out, err = self.ctl(["--wait=60", "poweron"])
        self.assertEqual(rc, 0, out + err)
        watcher.wait_json(self.t("system/summary"), host=4, boot_progress=9, requests_active=0,
                          what="a summary of a running system")

        for panel, template, fields in queries(load_dashboard()):
            topic = template.replace("${system}", self.system)
            msgs = [m for m in watcher.received(topic) if m.payload]
            with self.subTest(panel=panel["title"], topic=topic):
                self.assertTrue(msgs, f"nothing received on {topic}")
                for field in fields:
                    values = [m.json[field] for m in msgs
                              if isinstance(m.json, dict) and field in m.json]
                    self.assertTrue(values, f"no message on {topic} has '{field}'")
                    types = {type(v) for v in values}
                    self.assertEqual(len(types), 1, f"'{field}' changes type: {types}")
                    if panel["type"] in NUMERIC_PANELS:
                        self.assertTrue(all(is_number(v) for v in values),
                                        f"'{field}' is not a number: {values[:3]}")
                    else:
                        self.assertNotIsInstance(values[0], (dict, list), field)
                if "+" in topic:
                    for m in msgs:
                        self.assertEqual(m.json["node"], int(m.topic.split("/")[3]), str(m))

        # The data source does not re-deliver retained values: the summary must be periodic
        # and live.
        summaries = watcher.received(self.t("system/summary"))
        self.assertGreaterEqual(len(summaries), 3)
        self.assertFalse(any(m.retain for m in summaries))
        self.assertTrue(all(topic_matches(self.t("system/summary"), m.topic) for m in summaries))


if __name__ == "__main__":
    unittest.main()
