# SPDX-License-Identifier: Apache-2.0
"""statebus-redfish end to end: a real broker, a coordinator and sim agents, and curl as the
Redfish client. GETs must reflect the system (topics/redfish.md), ComputerSystem.Reset must
become a system request that goes through the gate, and bad requests must get Redfish errors."""

import json
import os
import re
import signal
import subprocess
import time
import unittest

from harness import EVENT_TIMEOUT, START_TIMEOUT, IntegrationTest, wait_briefly

NODES = 2
RESET = "/redfish/v1/Systems/system/Actions/ComputerSystem.Reset"


class RedfishTest(IntegrationTest):

    # ---- helpers ---------------------------------------------------------------------------
    def start_bridge(self, extra=()):
        bridge = self.spawn("statebus-redfish",
                            ["--broker", self.broker.address, "--system", self.system,
                             "--listen", "127.0.0.1:0", *extra], tag="redfish")
        self.wait_log(bridge, r"^<\d>redfish: started .* port=\d+")
        port = re.search(r"port=(\d+)", bridge.stderr()).group(1)
        self.base = f"http://127.0.0.1:{port}"
        self.wait_log(bridge, r"^<\d>redfish: connected ")
        return bridge

    def curl(self, method, path, body=None):
        """(status, headers (lower-case names), JSON body or None) via curl."""
        headers_path = os.path.join(self.tmp, "curl-headers")
        verb = ["-I"] if method == "HEAD" else ["-X", method]
        args = ["curl", "-sS", "--max-time", "30", *verb, "-D", headers_path,
                "-o", "-", "-w", "\n%{http_code}", self.base + path]
        if body is not None:
            args += ["-H", "Content-Type: application/json", "--data-binary", body]
        out = subprocess.run(args, capture_output=True, text=True, timeout=40, check=True).stdout
        text, _, code = out.rpartition("\n")
        headers = {}
        with open(headers_path, encoding="latin-1") as f:
            for line in f:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
        payload = json.loads(text) if text.strip() and method != "HEAD" else None
        return int(code), headers, payload

    def get(self, path):
        status, _, body = self.curl("GET", path)
        self.assertEqual(status, 200, f"GET {path}: {body}")
        return body

    def wait_get(self, path, pred, what, timeout=EVENT_TIMEOUT):
        """GET path until pred(body) holds; the bridge follows MQTT asynchronously."""
        deadline = time.monotonic() + timeout
        body = None
        while time.monotonic() < deadline:
            body = self.get(path)
            if pred(body):
                return body
            wait_briefly(0.1)
        self.fail(f"GET {path}: not {what} within {timeout} s; last: {json.dumps(body)}")

    def post_reset(self, reset_type):
        return self.curl("POST", RESET, json.dumps({"ResetType": reset_type}))

    def assert_redfish_error(self, status, body, expected_status, message_id):
        self.assertEqual(status, expected_status, json.dumps(body))
        self.assertRegex(body["error"]["code"], rf"^Base\.\d+\.\d+\.\d+\.{message_id}$")
        info = body["error"]["@Message.ExtendedInfo"][0]
        self.assertEqual(info["MessageId"], body["error"]["code"])
        self.assertTrue(info["Message"])

    # ---- GET -------------------------------------------------------------------------------
    def test_get_resources_reflect_the_system(self):
        watcher, _, agents = self.start_ready_system(NODES)
        bridge = self.start_bridge()

        root = self.get("/redfish/v1")
        self.assertEqual(root["@odata.id"], "/redfish/v1")
        self.assertEqual(root["Systems"], {"@odata.id": "/redfish/v1/Systems"})
        self.assertEqual(self.get("/redfish")["v1"], "/redfish/v1/")
        systems = self.get("/redfish/v1/Systems/")
        self.assertEqual(systems["Members"], [{"@odata.id": "/redfish/v1/Systems/system"}])
        self.assertEqual(systems["Members@odata.count"], 1)

        system = self.wait_get("/redfish/v1/Systems/system",
                               lambda b: b["PowerState"] == "Off"
                               and b["Oem"]["Statebus"].get("BMCState") == "Ready"
                               and b["Status"]["Health"] == "OK", "Off with BMCs Ready")
        self.assertEqual(system["Id"], "system")
        self.assertEqual(system["Status"]["State"], "Disabled")
        self.assertEqual(system["BootProgress"]["LastState"], "None")
        self.assertEqual(system["Oem"]["Statebus"]["PowerOnGate"], "open")
        self.assertEqual(system["Actions"]["#ComputerSystem.Reset"]["target"], RESET)
        allowed = system["Actions"]["#ComputerSystem.Reset"]["ResetType@Redfish.AllowableValues"]
        self.assertIn("On", allowed)
        self.assertIn("ForceOff", allowed)
        self.assertNotIn("Nmi", allowed)
        self.assertEqual(system["Links"]["Chassis"],
                         [{"@odata.id": f"/redfish/v1/Chassis/{n}"} for n in (1, 2)])

        chassis = self.get("/redfish/v1/Chassis")
        self.assertEqual(chassis["Members@odata.count"], NODES)
        one = self.get("/redfish/v1/Chassis/1")
        self.assertEqual((one["PowerState"], one["Status"]["State"]), ("Off", "StandbyOffline"))
        managers = self.get("/redfish/v1/Managers")
        self.assertEqual([m["@odata.id"] for m in managers["Members"]],
                         ["/redfish/v1/Managers/bmc1", "/redfish/v1/Managers/bmc2"])
        bmc2 = self.get("/redfish/v1/Managers/bmc2")
        self.assertEqual((bmc2["ManagerType"], bmc2["Status"]["State"]), ("BMC", "Enabled"))

        status, headers, _ = self.curl("HEAD", "/redfish/v1/Systems/system")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("odata-version"), "4.0")
        for missing in ("/redfish/v1/Chassis/3", "/redfish/v1/Chassis/01",
                        "/redfish/v1/Managers/bmc0", "/redfish/v2", "/redfish/v1/Systems/other"):
            status, _, body = self.curl("GET", missing)
            self.assert_redfish_error(status, body, 404, "ResourceMissingAtURI")

        # A node that stops cleanly: its chassis and manager say so, the system health warns.
        agents[2].signal(signal.SIGTERM)
        self.assertEqual(agents[2].wait(20), 0)
        self.wait_get("/redfish/v1/Managers/bmc2",
                      lambda b: b["Status"]["State"] == "UnavailableOffline", "offline")
        self.wait_get("/redfish/v1/Systems/system",
                      lambda b: b["Status"]["Health"] == "Warning", "Health Warning")
        self.assert_logs_clean(bridge)

    # ---- Reset -----------------------------------------------------------------------------
    def test_reset_on_waits_for_the_gate_then_powers_on_and_off(self):
        watcher = self.watcher()
        self.start_coordinator(watcher, NODES)
        self.agent(1)
        bridge = self.start_bridge()
        self.wait_get("/redfish/v1/Systems/system",
                      lambda b: b["Oem"]["Statebus"].get("PowerOnGate") == "closed",
                      "gate closed (node 2 missing)")

        mark = watcher.mark()
        status, _, body = self.post_reset("On")
        self.assertEqual(status, 202, json.dumps(body))
        rid = body["Oem"]["Statebus"]["RequestId"]
        self.assertEqual(body["Oem"]["Statebus"]["Event"], "queued")
        request = watcher.wait_msg(self.t("system/set/host"),
                                   lambda m: m.get("id") == rid, what="the bridge's request")
        self.assertEqual(request.json["transition"], "On")
        self.assertTrue(request.props.get("ResponseTopic", "").startswith(self.t("reply/")))
        self.assertEqual(self.commands_for(watcher, rid), {}, "dispatched before the gate opened")

        # The last node's BMC becomes Ready: the gate opens and the system powers on.
        self.agent(2, bmc_ready_ms=300)
        self.wait_get("/redfish/v1/Systems/system",
                      lambda b: b["PowerState"] == "On"
                      and b["BootProgress"]["LastState"] == "OSRunning", "On and OSRunning")
        self.assertEqual(set(self.commands_for(watcher, rid)), {1, 2})
        self.assertEqual(self.get("/redfish/v1/Chassis/2")["PowerState"], "On")
        self.assertTrue(any(m.json.get("kind") == "completed" for m in
                            self.events_for(watcher, rid, mark)))

        # With the gate open a graceful shutdown is accepted at once: 204.
        status, _, body = self.post_reset("GracefulShutdown")
        self.assertEqual(status, 204, body)
        self.wait_get("/redfish/v1/Systems/system", lambda b: b["PowerState"] == "Off", "Off")
        self.assert_logs_clean(bridge)

    def test_bad_requests_get_redfish_errors_and_publish_nothing(self):
        watcher, _, _ = self.start_ready_system(NODES)
        self.start_bridge()
        mark = watcher.mark()

        cases = [
            (json.dumps({"ResetType": "Bogus"}), "ActionParameterValueNotInList"),
            (json.dumps({"ResetType": "Nmi"}), "ActionParameterNotSupported"),
            (json.dumps({"ResetType": "PushPowerButton"}), "ActionParameterNotSupported"),
            (json.dumps({"ResetType": 1}), "ActionParameterValueTypeError"),
            (json.dumps({}), "ActionParameterMissing"),
            (json.dumps({"ResetType": "On", "Extra": 1}), "ActionParameterUnknown"),
            ("{not json", "MalformedJSON"),
            ('"On"', "MalformedJSON"),
        ]
        for body, message_id in cases:
            with self.subTest(body=body):
                status, _, answer = self.curl("POST", RESET, body)
                self.assert_redfish_error(status, answer, 400, message_id)

        for method in ("GET", "PUT", "PATCH", "DELETE"):
            with self.subTest(method=method):
                status, headers, answer = self.curl(method, RESET,
                                                    None if method == "GET" else "{}")
                self.assert_redfish_error(status, answer, 405, "OperationNotAllowed")
                self.assertEqual(headers.get("allow"), "POST")
        status, headers, answer = self.curl("PATCH", "/redfish/v1/Systems/system", "{}")
        self.assert_redfish_error(status, answer, 405, "OperationNotAllowed")
        self.assertEqual(headers.get("allow"), "GET, HEAD")
        status, _, _ = self.curl("POST", RESET, "x" * 10000)
        self.assertEqual(status, 413)

        watcher.barrier(self.t("reply/barrier"))
        self.assertEqual(watcher.received(self.t("system/set/+"), mark), [])

    def test_reset_without_a_coordinator_answers_503(self):
        self.start_bridge(["--reply-timeout", "500"])
        status, _, body = self.post_reset("On")
        self.assert_redfish_error(status, body, 503, "ServiceTemporarilyUnavailable")

    def test_sigterm_stops_cleanly(self):
        bridge = self.start_bridge()
        bridge.signal(signal.SIGTERM)
        self.assertEqual(bridge.wait(START_TIMEOUT), 0)
        self.assert_logs_clean(bridge)


if __name__ == "__main__":
    unittest.main()
