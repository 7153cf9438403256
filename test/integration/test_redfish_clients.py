# SPDX-License-Identifier: Apache-2.0
"""Real Redfish clients against statebus-redfish on a whole 4-node sim system, authentication on:
OpenStack's sushy (the library Ironic drives servers with; Debian python3-sushy) and DMTF's
redfishtool (Debian redfishtool). They read the system, chassis and managers, power the system
on and off, follow a queued power-on through its Task to the end, log in and out by session, and
a ReadOnly user is refused a reset."""

import json
import os
import signal
import subprocess
import time
import unittest

import sushy
from sushy import taskmonitor

from harness import EVENT_TIMEOUT, IntegrationTest, wait_briefly
from redfish_helpers import RESET, SESSIONS, RedfishMixin

NODES = 4


class RedfishClientsTest(RedfishMixin, IntegrationTest):

    def setUp(self):
        super().setUp()
        self.accounts = os.path.join(self.tmp, "accounts")
        self.add_account(self.accounts, "admin", "admin-pw", "Administrator")
        self.add_account(self.accounts, "viewer", "viewer-pw", "ReadOnly")

    def start_system(self):
        watcher, coordinator, agents = self.start_ready_system(NODES)
        bridge = self.start_bridge(["--auth", "on", "--accounts", self.accounts])
        return watcher, agents, bridge

    def redfishtool(self, user, password, *args, auth="Basic"):
        out = subprocess.run(["redfishtool", "-r", f"127.0.0.1:{self.port}", "-S", "Never",
                              "-u", user, "-p", password, "-A", auth, *args],
                             capture_output=True, text=True, timeout=60)
        return out.returncode, out.stdout, out.stderr

    def wait_power(self, system, state, timeout=EVENT_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            system.refresh()
            if system.power_state == state:
                return
            wait_briefly(0.1)
        self.fail(f"sushy: power_state not {state} within {timeout} s: {system.power_state}")

    def sessions_open(self):
        return self.get(SESSIONS, auth=("admin", "admin-pw"))["Members@odata.count"]

    def test_sushy_drives_the_system(self):
        watcher, agents, bridge = self.start_system()
        root = sushy.Sushy(f"{self.base}/redfish/v1", username="admin", password="admin-pw")
        # sushy's default authentication logs in by session.
        self.assertEqual(self.sessions_open(), 1)

        system = root.get_system("/redfish/v1/Systems/system")
        self.assertEqual(system.boot.enabled, sushy.BOOT_SOURCE_ENABLED_DISABLED)
        self.assertEqual(system.boot.allowed_values, ["None"])
        self.assertEqual(system.uuid, self.get("/redfish/v1/Systems/system",
                                               auth=("admin", "admin-pw"))["UUID"])
        self.assertIn(sushy.RESET_TYPE_ON, system.get_allowed_reset_system_values())
        self.assertNotIn(sushy.RESET_TYPE_NMI, system.get_allowed_reset_system_values())
        self.assertEqual(sorted(c.identity for c in root.get_chassis_collection().get_members()),
                         [str(n) for n in range(1, NODES + 1)])
        managers = root.get_manager_collection().get_members()
        self.assertEqual(sorted(m.identity for m in managers),
                         [f"bmc{n}" for n in range(1, NODES + 1)])
        self.assertEqual({m.manager_type for m in managers}, {sushy.MANAGER_TYPE_BMC})

        self.wait_power(system, sushy.POWER_STATE_OFF)
        system.reset_system(sushy.RESET_TYPE_ON)
        self.wait_power(system, sushy.POWER_STATE_ON)
        system.reset_system(sushy.RESET_TYPE_FORCE_OFF)
        self.wait_power(system, sushy.POWER_STATE_OFF)

        # A queued On (node 4 gone, the gate closed) followed through its task monitor.
        agents[NODES].signal(signal.SIGTERM)
        self.assertEqual(agents[NODES].wait(20), 0)
        self.wait_get("/redfish/v1/Systems/system",
                      lambda b: b["Oem"]["Statebus"].get("PowerOnGate") == "closed", "closed",
                      auth=("admin", "admin-pw"))
        response = root._conn.post(RESET, data={"ResetType": "On"})
        self.assertEqual(response.status_code, 202)
        self.assertEqual(response.headers["Retry-After"], "2")
        monitor = taskmonitor.TaskMonitor(root._conn, response.headers["Location"],
                                          response=response)
        self.assertTrue(monitor.is_processing)
        self.assertEqual(monitor.task.task_state, sushy.TASK_STATE_PENDING)
        self.agent(NODES, bmc_ready_ms=200)
        # Followed with sushy's check_is_processing (a fresh GET of the monitor each time), not
        # TaskMonitor.wait(): sushy 4.3.3 hands the delta-seconds Retry-After to time.sleep() as
        # a string (topics/redfish.md "Tasks").
        deadline = time.monotonic() + 60
        while monitor.check_is_processing:
            self.assertLess(time.monotonic(), deadline, "the task did not end")
            self.assertIn(monitor.task.task_state,
                          (sushy.TASK_STATE_PENDING, sushy.TASK_STATE_RUNNING))
            wait_briefly(0.2)
        self.assertEqual(monitor.response.status_code, 204)
        task = root.get_task_service().tasks.get_member(
            response.headers["Location"].replace("TaskMonitors", "Tasks"))
        self.assertEqual(task.task_state, sushy.TASK_STATE_COMPLETED)
        self.assertEqual(task.task_status, sushy.HEALTH_OK)
        self.assertEqual([m.message_id for m in task.messages],
                         ["TaskEvent.1.0.3.TaskStarted", "TaskEvent.1.0.3.TaskCompletedOK"])
        self.wait_power(system, sushy.POWER_STATE_ON)

        # Logout: sushy deletes its session.
        root._conn._auth.close()
        self.assertEqual(self.sessions_open(), 0)
        self.assertRegex(bridge.stderr(), r"redfish: logout session=1 user='admin'")
        self.assert_logs_clean(bridge)

    def test_redfishtool_drives_the_system(self):
        watcher, agents, bridge = self.start_system()
        rc, out, err = self.redfishtool("admin", "admin-pw", "Systems", "get")
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["PowerState"], "Off")
        rc, out, err = self.redfishtool("admin", "admin-pw", "Chassis", "-I", "3", "get")
        self.assertEqual((rc, json.loads(out)["Id"]), (0, "3"), err)
        rc, out, err = self.redfishtool("admin", "admin-pw", "Managers", "-I", "bmc4", "get",
                                        auth="Session")
        self.assertEqual((rc, json.loads(out)["ManagerType"]), (0, "BMC"), err)
        self.assertRegex(bridge.stderr(), r"redfish: login session=\d+ user='admin'")
        self.assertRegex(bridge.stderr(), r"redfish: logout session=\d+ user='admin'")
        self.assertEqual(self.sessions_open(), 0)

        rc, out, err = self.redfishtool("viewer", "viewer-pw", "Systems", "reset", "On")
        self.assertNotEqual(rc, 0)
        self.assertIn("403", err)
        self.assertRegex(bridge.stderr(), r"refused method=POST .* user='viewer' role=ReadOnly")

        rc, out, err = self.redfishtool("admin", "admin-pw", "Systems", "reset", "On",
                                        auth="Session")
        self.assertEqual(rc, 0, err)
        self.wait_get("/redfish/v1/Systems/system", lambda b: b["PowerState"] == "On", "On",
                      auth=("admin", "admin-pw"))
        rc, out, err = self.redfishtool("admin", "admin-pw", "Systems", "reset", "ForceOff")
        self.assertEqual(rc, 0, err)
        admin = ("admin", "admin-pw")
        self.wait_get("/redfish/v1/Systems/system", lambda b: b["PowerState"] == "Off", "Off",
                      auth=admin)

        # A queued On: redfishtool waits on the task monitor (Retry-After) until the task ends.
        agents[NODES].signal(signal.SIGTERM)
        self.assertEqual(agents[NODES].wait(20), 0)
        self.wait_get("/redfish/v1/Systems/system",
                      lambda b: b["Oem"]["Statebus"].get("PowerOnGate") == "closed", "closed",
                      auth=admin)
        tool = subprocess.Popen(["redfishtool", "-r", f"127.0.0.1:{self.port}", "-S", "Never",
                                 "-u", "admin", "-p", "admin-pw", "-A", "Session", "Systems",
                                 "reset", "On"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            tasks = self.wait_get("/redfish/v1/TaskService/Tasks",
                                  lambda b: b["Members@odata.count"] == 1, "a task", auth=admin)
            task_uri = tasks["Members"][0]["@odata.id"]
            self.assertEqual(self.get(task_uri, auth=admin)["TaskState"], "Pending")
            self.assertIsNone(tool.poll(), "redfishtool returned before the task ended")
            self.agent(NODES, bmc_ready_ms=200)
            out, err = tool.communicate(timeout=90)
        finally:
            if tool.poll() is None:
                tool.kill()
                tool.communicate()
        self.assertEqual(tool.returncode, 0, err)
        self.assertEqual(self.get(task_uri, auth=admin)["TaskState"], "Completed")
        self.assertEqual(self.get("/redfish/v1/Systems/system", auth=admin)["PowerState"], "On")
        self.assertRegex(bridge.stderr(), r"redfish: task id=1 request='[^']+' event=completed "
                                          r"state=Completed")
        self.assert_logs_clean(bridge)


if __name__ == "__main__":
    unittest.main()
