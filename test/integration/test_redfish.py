# SPDX-License-Identifier: Apache-2.0
"""statebus-redfish end to end: a real broker, a coordinator and sim agents, and curl as the
Redfish client. GETs must reflect the system (topics/redfish.md), the protocol rules of DSP0266
must hold (headers, $metadata, query, ETags, errors from the Base registry), Resets must become
system requests that go through the gate and, when queued, Tasks; authentication and roles must
hold when on."""

import json
import os
import signal
import subprocess
import unittest
import xml.etree.ElementTree as ET

from harness import BIN_DIR, EVENT_TIMEOUT, SOURCE_DIR, START_TIMEOUT, IntegrationTest
from redfish_helpers import RESET, SESSIONS, RedfishMixin

NODES = 2
EDMX = "{http://docs.oasis-open.org/odata/ns/edmx}"
MANAGER_RESET = "/redfish/v1/Managers/bmc2/Actions/Manager.Reset"


def odata_types(obj, out):
    """Every @odata.type in obj, nested objects included."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "@odata.type":
                out.add(v)
            odata_types(v, out)
    elif isinstance(obj, list):
        for v in obj:
            odata_types(v, out)
    return out


def links(obj, out):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "@odata.id" and isinstance(v, str):
                out.add(v)
            links(v, out)
    elif isinstance(obj, list):
        for v in obj:
            links(v, out)
    return out


class RedfishTest(RedfishMixin, IntegrationTest):

    def task_of(self, headers):
        location = headers["location"]
        self.assertRegex(location, r"^/redfish/v1/TaskService/TaskMonitors/\d+$")
        return location, location.replace("TaskMonitors", "Tasks")

    def assert_types_in_metadata(self, types):
        """$metadata (application/xml) includes the namespace of each @odata.type."""
        status, headers, _, xml = self.curl("GET", "/redfish/v1/$metadata")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("application/xml"))
        included = {i.get("Namespace") for i in ET.fromstring(xml).iter(EDMX + "Include")}
        namespaces = {t.lstrip("#").rsplit(".", 1)[0] for t in types}
        self.assertEqual(namespaces - included, set(), "types not referenced by $metadata")

    # ---- GET -------------------------------------------------------------------------------
    def test_get_resources_reflect_the_system(self):
        watcher, _, agents = self.start_ready_system(NODES)
        bridge = self.start_bridge()

        root = self.get("/redfish/v1")
        self.assertEqual(root["@odata.id"], "/redfish/v1")
        self.assertEqual(root["Systems"], {"@odata.id": "/redfish/v1/Systems"})
        self.assertEqual(root["Links"]["Sessions"], {"@odata.id": SESSIONS})
        self.assertRegex(root["UUID"], r"^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                       r"[0-9a-f]{12}$")
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
        # What statebus can truthfully say about boot: no override, and none can be set.
        self.assertEqual(system["Boot"]["BootSourceOverrideEnabled"], "Disabled")
        self.assertEqual(system["Boot"]["BootSourceOverrideTarget"], "None")
        self.assertEqual(system["Boot"]["BootSourceOverrideTarget@Redfish.AllowableValues"],
                         ["None"])
        self.assertRegex(system["UUID"], r"^[0-9a-f-]{36}$")
        self.assertNotEqual(system["UUID"], root["UUID"])
        self.assertEqual(system["Oem"]["Statebus"]["@odata.type"],
                         "#StatebusOem.v1_0_0.ComputerSystem")
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
        self.assertEqual(one["Oem"]["Statebus"]["@odata.type"], "#StatebusOem.v1_0_0.Chassis")
        managers = self.get("/redfish/v1/Managers")
        self.assertEqual([m["@odata.id"] for m in managers["Members"]],
                         ["/redfish/v1/Managers/bmc1", "/redfish/v1/Managers/bmc2"])
        bmc2 = self.get("/redfish/v1/Managers/bmc2")
        self.assertEqual((bmc2["ManagerType"], bmc2["Status"]["State"]), ("BMC", "Enabled"))
        self.assertEqual(bmc2["Actions"]["#Manager.Reset"],
                         {"target": MANAGER_RESET,
                          "ResetType@Redfish.AllowableValues": ["GracefulRestart",
                                                                "ForceRestart"]})

        # Headers: Allow, Link rel=describedby to the version of @odata.type, ETag, 304.
        status, headers, body, _ = self.curl("GET", "/redfish/v1/Systems/system")
        self.assertEqual(headers["allow"], "GET, HEAD")
        self.assertEqual(headers["link"], "<https://redfish.dmtf.org/schemas/v1/"
                                          "ComputerSystem.v1_13_0.json>; rel=describedby")
        self.assertEqual(headers["odata-version"], "4.0")
        etag = headers["etag"]
        self.assertRegex(etag, r'^"[0-9a-f]{16}"$')
        status, headers304, _, text = self.curl("GET", "/redfish/v1/Systems/system",
                                                headers=[f"If-None-Match: {etag}"])
        self.assertEqual((status, text), (304, ""))
        self.assertEqual(headers304["etag"], etag)
        status, _, _, _ = self.curl("GET", "/redfish/v1/Systems/system",
                                    headers=['If-None-Match: "0000000000000000"'])
        self.assertEqual(status, 200)
        status, headers, _, _ = self.curl("HEAD", "/redfish/v1/Systems/system")
        self.assertEqual(status, 200)
        self.assertEqual((headers["allow"], headers["etag"]), ("GET, HEAD", etag))
        self.assertIn("rel=describedby", headers["link"])
        self.assertEqual(self.curl("GET", SESSIONS)[1]["allow"], "GET, HEAD, POST")

        # OData: the service document and $metadata, which references exactly the schema
        # versions the resources use (every @odata.type of every resource reachable from the
        # root, nested Oem and Message objects included).
        odata = self.get("/redfish/v1/odata")
        self.assertEqual(odata["@odata.context"], "/redfish/v1/$metadata")
        self.assertIn({"name": "Service", "kind": "Singleton", "url": "/redfish/v1/"},
                      odata["value"])
        seen, todo, types = set(), {"/redfish/v1"}, set()
        while todo:
            uri = todo.pop()
            seen.add(uri)
            body = self.get(uri)
            odata_types(body, types)
            todo |= {u for u in links(body, set()) if u not in seen and "#" not in u}
        self.assertGreaterEqual(len(seen), 15, seen)
        self.assert_types_in_metadata(types)
        with open(os.path.join(SOURCE_DIR, "redfish", "StatebusOem_v1.xml"), encoding="utf-8") as f:
            self.assertEqual(self.curl("GET", "/redfish/v1/schemas/StatebusOem_v1.xml")[3],
                             f.read())

        for missing in ("/redfish/v1/Chassis/3", "/redfish/v1/Chassis/01",
                        "/redfish/v1/Managers/bmc0", "/redfish/v2", "/redfish/v1/Systems/other",
                        "/redfish/v1/TaskService/Tasks/1", f"{SESSIONS}/1"):
            status, _, body, _ = self.curl("GET", missing)
            self.assert_redfish_error(status, body, 404, "ResourceMissingAtURI", [missing])

        # A node that stops cleanly: its chassis and manager say so, the system health warns.
        agents[2].signal(signal.SIGTERM)
        self.assertEqual(agents[2].wait(20), 0)
        self.wait_get("/redfish/v1/Managers/bmc2",
                      lambda b: b["Status"]["State"] == "UnavailableOffline", "offline")
        self.wait_get("/redfish/v1/Systems/system",
                      lambda b: b["Status"]["Health"] == "Warning", "Health Warning")
        self.assert_logs_clean(bridge)

    # ---- protocol rules ----------------------------------------------------------------------
    def test_protocol_rules_and_registry_errors_publish_nothing(self):
        watcher, _, _ = self.start_ready_system(NODES)
        self.start_bridge()
        mark = watcher.mark()

        status, _, body, _ = self.curl("GET", "/redfish/v1/", headers=["OData-Version: 4.1"])
        self.assert_redfish_error(status, body, 412, "HeaderInvalid", ["OData-Version"])
        self.assertEqual(self.curl("GET", "/redfish/v1/", headers=["OData-Version: 4.0"])[0], 200)
        for query in ("$expand=.", "$select=Id", "$top=1", "$filter=Id%20eq%201", "only",
                      "excerpt"):
            status, _, body, _ = self.curl("GET", f"/redfish/v1/Systems?{query}")
            self.assert_redfish_error(status, body, 501, "QueryNotSupported", [],
                                      "Querying is not supported by the implementation.")
        # DSP0266: parameters that are not Redfish's are ignored.
        self.assertEqual(self.curl("GET", "/redfish/v1/Systems?foo=1")[0], 200)

        cases = [
            (json.dumps({"ResetType": "Bogus"}), "ActionParameterValueNotInList",
             ["Bogus", "ResetType", "ComputerSystem.Reset"],
             "The value 'Bogus' for the parameter ResetType in the action ComputerSystem.Reset "
             "is not in the list of acceptable values."),
            (json.dumps({"ResetType": "Nmi"}), "ActionParameterNotSupported",
             ["Nmi", "ComputerSystem.Reset"],
             "The parameter Nmi for the action ComputerSystem.Reset is not supported on the "
             "target resource."),
            (json.dumps({"ResetType": "PushPowerButton"}), "ActionParameterNotSupported",
             ["PushPowerButton", "ComputerSystem.Reset"], None),
            (json.dumps({"ResetType": 1}), "ActionParameterValueTypeError",
             ["1", "ResetType", "ComputerSystem.Reset"],
             "The value '1' for the parameter ResetType in the action ComputerSystem.Reset is "
             "not a type that the parameter can accept."),
            (json.dumps({}), "ActionParameterMissing", ["ComputerSystem.Reset", "ResetType"],
             "The action ComputerSystem.Reset requires the parameter ResetType to be present in "
             "the request body."),
            (json.dumps({"ResetType": "On", "Extra": 1}), "ActionParameterUnknown",
             ["ComputerSystem.Reset", "Extra"], None),
            ("{not json", "MalformedJSON", [], None),
            ('"On"', "MalformedJSON", [], None),
        ]
        for body, message_id, args, message in cases:
            with self.subTest(body=body):
                status, _, answer, _ = self.curl("POST", RESET, body)
                info = self.assert_redfish_error(status, answer, 400, message_id, args, message)
                self.assertEqual(info["@odata.type"], "#Message.v1_1_1.Message")
        status, _, answer, _ = self.curl("POST", RESET, "{}")
        info = self.assert_redfish_error(status, answer, 400, "ActionParameterMissing")
        self.assertEqual((info["MessageSeverity"], info["Resolution"]),
                         ("Critical", "Supply the action with the required parameter in the "
                                      "request body when the request is resubmitted."))
        status, _, answer, _ = self.curl("POST", MANAGER_RESET, json.dumps({"ResetType": "On"}))
        self.assert_redfish_error(status, answer, 400, "ActionParameterNotSupported",
                                  ["On", "Manager.Reset"])

        for method in ("GET", "PUT", "PATCH", "DELETE"):
            with self.subTest(method=method):
                status, headers, answer, _ = self.curl(method, RESET,
                                                       None if method == "GET" else "{}")
                self.assert_redfish_error(status, answer, 405, "OperationNotAllowed", [],
                                          "The HTTP method is not allowed on this resource.")
                self.assertEqual(headers.get("allow"), "POST")
        status, headers, answer, _ = self.curl("PATCH", "/redfish/v1/Systems/system", "{}")
        self.assert_redfish_error(status, answer, 405, "OperationNotAllowed")
        self.assertEqual(headers.get("allow"), "GET, HEAD")
        status, _, answer, _ = self.curl("POST", RESET, "x" * 10000)
        self.assert_redfish_error(status, answer, 413, "PayloadTooLarge")
        status, _, answer, _ = self.curl("POST", RESET, json.dumps({"ResetType": "On"}),
                                         content_type="text/plain")
        self.assert_redfish_error(status, answer, 415, "HeaderInvalid", ["Content-Type"])

        watcher.barrier(self.t("reply/barrier"))
        self.assertEqual(watcher.received(self.t("system/set/+"), mark), [])

    def test_if_match_guards_the_action(self):
        watcher, _, _ = self.start_ready_system(NODES)
        self.start_bridge()
        self.wait_get("/redfish/v1/Systems/system", lambda b: b["PowerState"] == "Off", "Off")
        etag = self.curl("GET", "/redfish/v1/Systems/system")[1]["etag"]
        mark = watcher.mark()
        status, _, body, _ = self.post_reset("On", headers=['If-Match: "0123456789abcdef"'])
        self.assert_redfish_error(status, body, 412, "PreconditionFailed", [])
        watcher.barrier(self.t("reply/barrier"))
        self.assertEqual(watcher.received(self.t("system/set/+"), mark), [])
        status, _, body, _ = self.post_reset("On", headers=[f"If-Match: {etag}"])
        self.assertEqual(status, 204, body)
        self.wait_get("/redfish/v1/Systems/system", lambda b: b["PowerState"] == "On", "On")

    # ---- Reset and Tasks ---------------------------------------------------------------------
    def test_queued_reset_is_a_task_that_follows_the_request(self):
        watcher = self.watcher()
        self.start_coordinator(watcher, NODES)
        self.agent(1)
        bridge = self.start_bridge()
        self.wait_get("/redfish/v1/Systems/system",
                      lambda b: b["Oem"]["Statebus"].get("PowerOnGate") == "closed",
                      "gate closed (node 2 missing)")

        mark = watcher.mark()
        status, headers, body, _ = self.post_reset("On")
        self.assertEqual(status, 202, json.dumps(body))
        monitor, task_uri = self.task_of(headers)
        self.assertEqual(headers["retry-after"], "2")
        self.assertEqual((body["@odata.id"], body["TaskState"]), (task_uri, "Pending"))
        rid = body["Oem"]["Statebus"]["RequestId"]
        self.assertEqual(body["Oem"]["Statebus"]["Events"][0]["Event"], "queued")
        self.assertRegex(body["Oem"]["Statebus"]["Events"][0]["Why"], r"waiting for BMC Ready on nodes? 2")
        request = watcher.wait_msg(self.t("system/set/host"),
                                   lambda m: m.get("id") == rid, what="the bridge's request")
        self.assertEqual(request.json["transition"], "On")
        self.assertTrue(request.props.get("ResponseTopic", "").startswith(self.t("reply/")))
        self.assertEqual(self.commands_for(watcher, rid), {}, "dispatched before the gate opened")
        status, headers, body, _ = self.curl("GET", monitor)
        self.assertEqual((status, body["TaskState"]), (202, "Pending"))
        self.assertEqual((headers["location"], headers["retry-after"]), (monitor, "2"))
        self.assertIn({"@odata.id": task_uri}, self.get("/redfish/v1/TaskService/Tasks")["Members"])

        # The last node's BMC becomes Ready: the gate opens, the system powers on, the task ends.
        self.agent(2, bmc_ready_ms=300)
        task = self.wait_get(task_uri, lambda b: b["TaskState"] == "Completed", "Completed")
        self.assert_types_in_metadata(odata_types(task, set()))
        self.assertEqual(task["TaskStatus"], "OK")
        self.assertEqual(task["PercentComplete"], 100)
        self.assertEqual([m["MessageId"] for m in task["Messages"]],
                         ["TaskEvent.1.0.3.TaskStarted", "TaskEvent.1.0.3.TaskCompletedOK"])
        self.assertEqual(task["Messages"][1]["Message"],
                         f"The task with Id '{task['Id']}' has completed.")
        self.assertEqual([m["Oem"]["Statebus"]["Event"] for m in task["Messages"]],
                         ["dispatched", "completed"])
        self.assertTrue(all(m["Oem"]["Statebus"]["Why"] for m in task["Messages"]))
        status, _, _, text = self.curl("GET", monitor)
        self.assertEqual((status, text), (204, ""))
        system = self.get("/redfish/v1/Systems/system")
        self.assertEqual(system["PowerState"], "On")
        self.assertEqual(set(self.commands_for(watcher, rid)), {1, 2})
        self.assertTrue(any(m.json.get("kind") == "completed" for m in
                            self.events_for(watcher, rid, mark)))

        # With the gate open a graceful shutdown is accepted at once: 204, no task.
        status, headers, body, _ = self.post_reset("GracefulShutdown")
        self.assertEqual(status, 204, body)
        self.assertNotIn("location", headers)
        self.wait_get("/redfish/v1/Systems/system", lambda b: b["PowerState"] == "Off", "Off")
        self.assert_logs_clean(bridge)

    def test_queued_reset_cancelled_by_force_off(self):
        watcher = self.watcher()
        self.start_coordinator(watcher, NODES)
        self.agent(1)
        self.start_bridge()
        self.wait_get("/redfish/v1/Systems/system",
                      lambda b: b["Oem"]["Statebus"].get("PowerOnGate") == "closed", "closed")
        status, headers, _, _ = self.post_reset("PowerCycle")
        self.assertEqual(status, 202)
        monitor, task_uri = self.task_of(headers)
        # An Off cancels every queued gated request (topics/README.md "The gate").
        status, _, body, _ = self.post_reset("ForceOff")
        self.assertEqual(status, 204, body)
        task = self.wait_get(task_uri, lambda b: b["TaskState"] == "Cancelled", "Cancelled")
        self.assertEqual(task["TaskStatus"], "Warning")
        last = task["Messages"][-1]
        self.assertEqual(last["MessageId"], "TaskEvent.1.0.3.TaskCancelled")
        self.assertEqual(last["Oem"]["Statebus"]["Event"], "cancelled")
        self.assertTrue(last["Oem"]["Statebus"]["Why"])
        status, _, body, _ = self.curl("GET", monitor)
        info = self.assert_redfish_error(status, body, 409, "GeneralError")
        self.assertIn(last["Oem"]["Statebus"]["Why"], info["Resolution"])

    def test_manager_reset_reboots_that_bmc_only(self):
        watcher, _, _ = self.start_ready_system(NODES)
        self.start_bridge()
        mark = watcher.mark()
        status, _, body, _ = self.curl("POST", MANAGER_RESET,
                                       json.dumps({"ResetType": "GracefulRestart"}))
        self.assertEqual(status, 204, body)
        command = watcher.wait_msg(self.t("node/+/set/bmc"), lambda m: True, since=mark,
                                   what="a BMC reboot command")
        self.assertEqual((command.topic, command.json["transition"]),
                         (self.t("node/2/set/bmc"), "Reboot"))
        request = watcher.received(self.t("system/set/bmc"), mark)[0]
        self.assertEqual(request.json["nodes"], [2])
        self.assertEqual(watcher.received(self.t("node/1/set/bmc"), mark), [])

    def test_reset_without_a_coordinator_answers_503(self):
        self.start_bridge(["--reply-timeout", "500"])
        status, headers, body, _ = self.post_reset("On")
        self.assert_redfish_error(status, body, 503, "ServiceTemporarilyUnavailable", ["5"],
                                  "The service is temporarily unavailable.  Retry in 5 seconds.")
        self.assertEqual(headers["retry-after"], "5")

    # ---- authentication ----------------------------------------------------------------------
    def test_sessions_basic_roles_and_https(self):
        accounts = os.path.join(self.tmp, "accounts")
        self.add_account(accounts, "viewer", "old-pw", "Operator")
        self.add_account(accounts, "admin", "adminpw", "Administrator")
        self.add_account(accounts, "op", "oppw", "Operator")
        self.add_account(accounts, "viewer", "viewerpw", "ReadOnly")  # replaces the first
        with open(accounts, encoding="utf-8") as f:
            lines = f.read().splitlines()
        self.assertEqual([line.split(":")[0] for line in lines], ["admin", "op", "viewer"])
        self.assertTrue(all(line.split(":")[1].startswith("$") for line in lines))
        self.assertEqual(os.stat(accounts).st_mode & 0o777, 0o600)
        cert, key = self.make_cert()
        self.scheme, self.cafile = "https", cert
        watcher, _, _ = self.start_ready_system(NODES)
        bridge = self.start_bridge(["--auth", "on", "--accounts", accounts, "--https-cert", cert,
                                    "--https-key", key])

        # Public: the root and the OData documents. Everything else wants credentials.
        self.assertEqual(self.curl("GET", "/redfish/v1/")[0], 200)
        self.assertEqual(self.curl("GET", "/redfish/v1/$metadata")[0], 200)
        status, headers, body, _ = self.curl("GET", "/redfish/v1/Systems/system")
        self.assert_redfish_error(status, body, 401, "NoValidSession")
        self.assertEqual(headers["www-authenticate"], 'Basic realm="statebus-redfish"')
        self.assertEqual(self.curl("GET", "/redfish/v1/Systems/system",
                                   auth=("admin", "wrong"))[0], 401)
        self.assertEqual(self.curl("GET", "/redfish/v1/Systems/system",
                                   auth=("admin", "adminpw"))[0], 200)

        # A session: 201 with X-Auth-Token and Location; the token works; DELETE logs out.
        status, headers, body, _ = self.curl(
            "POST", SESSIONS, json.dumps({"UserName": "viewer", "Password": "viewerpw"}))
        self.assertEqual(status, 201, body)
        token, location = headers["x-auth-token"], headers["location"]
        self.assertRegex(token, r"^[0-9a-f]{32}$")
        self.assertEqual(body["@odata.id"], location)
        self.assertEqual(body["UserName"], "viewer")
        auth = [f"X-Auth-Token: {token}"]
        self.assertEqual(self.curl("GET", "/redfish/v1/Chassis/1", headers=auth)[0], 200)
        self.assertIn({"@odata.id": location}, self.get(SESSIONS, headers=auth)["Members"])
        status, _, body, _ = self.post_reset("On", headers=auth)
        self.assert_redfish_error(status, body, 403, "InsufficientPrivilege")
        self.assertEqual(self.curl("DELETE", location, headers=auth)[0], 204)
        self.assertEqual(self.curl("GET", "/redfish/v1/Chassis/1", headers=auth)[0], 401)
        for wrong in ("nope", "old-pw"):
            status, _, body, _ = self.curl(
                "POST", SESSIONS, json.dumps({"UserName": "viewer", "Password": wrong}))
            self.assert_redfish_error(status, body, 401, "NoValidSession")

        # Operator: a system Reset yes; a BMC reboot needs ConfigureManager (Administrator).
        status, _, body, _ = self.post_reset("On", auth=("op", "oppw"))
        self.assertEqual(status, 204, body)
        status, _, body, _ = self.curl("POST", MANAGER_RESET,
                                       json.dumps({"ResetType": "GracefulRestart"}),
                                       auth=("op", "oppw"))
        self.assert_redfish_error(status, body, 403, "InsufficientPrivilege")

        # AccountService: read-only, from the file.
        admin = ("admin", "adminpw")
        accounts_body = self.get("/redfish/v1/AccountService/Accounts", auth=admin)
        self.assertEqual(accounts_body["Members@odata.count"], 3)
        op = self.get("/redfish/v1/AccountService/Accounts/op", auth=admin)
        self.assertEqual((op["UserName"], op["RoleId"], op["Password"]), ("op", "Operator", None))
        role = self.get("/redfish/v1/AccountService/Roles/Operator", auth=admin)
        self.assertIn("ConfigureComponents", role["AssignedPrivileges"])
        self.assertNotIn("ConfigureManager", role["AssignedPrivileges"])
        self.assertEqual(self.curl("PATCH", "/redfish/v1/AccountService/Accounts/op",
                                   json.dumps({"RoleId": "Administrator"}), auth=admin)[0], 405)
        session_service = self.get("/redfish/v1/SessionService", auth=admin)
        self.assertEqual((session_service["ServiceEnabled"], session_service["SessionTimeout"]),
                         (True, 1800))
        self.wait_get("/redfish/v1/Systems/system", lambda b: b["PowerState"] == "On", "On",
                      auth=admin)
        self.assertNotIn("adminpw", bridge.stderr())
        self.assert_logs_clean(bridge)

    def test_auth_is_on_unless_loopback(self):
        """A bridge listening beyond loopback refuses to start without accounts (exit 2)."""
        out = subprocess.run([os.path.join(BIN_DIR, "statebus-redfish"), "--listen", "0.0.0.0:0",
                              "--broker", self.broker.address], capture_output=True, text=True,
                             timeout=START_TIMEOUT)
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn("--accounts FILE is required", out.stderr)
        out = subprocess.run([os.path.join(BIN_DIR, "statebus-redfish"), "--auth", "on",
                              "--broker", self.broker.address], capture_output=True, text=True,
                             timeout=START_TIMEOUT)
        self.assertEqual(out.returncode, 2, out.stderr)

    def test_sigterm_stops_cleanly(self):
        bridge = self.start_bridge()
        bridge.signal(signal.SIGTERM)
        self.assertEqual(bridge.wait(START_TIMEOUT), 0)
        self.assert_logs_clean(bridge)


if __name__ == "__main__":
    unittest.main()
