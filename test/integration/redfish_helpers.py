# SPDX-License-Identifier: Apache-2.0
"""Shared by the statebus-redfish tests: start the bridge, talk to it with curl, accounts files."""

import json
import os
import re
import subprocess
import time

from harness import BIN_DIR, EVENT_TIMEOUT, wait_briefly

RESET = "/redfish/v1/Systems/system/Actions/ComputerSystem.Reset"
SESSIONS = "/redfish/v1/SessionService/Sessions"
BASE_REGISTRY = "Base.1.22.1"


class RedfishMixin:
    """For IntegrationTest subclasses."""

    scheme = "http"
    cafile = None
    auth = None  # ("user", "password") for curl -u, or None

    def add_account(self, path, user, password, role):
        subprocess.run([os.path.join(BIN_DIR, "statebus-redfish-passwd"), path, user, role],
                       input=password + "\n", text=True, check=True, capture_output=True,
                       timeout=30)

    def make_cert(self):
        """A self-signed certificate for 127.0.0.1 (openssl): (cert, key)."""
        cert, key = os.path.join(self.tmp, "cert.pem"), os.path.join(self.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
        return cert, key

    def start_bridge(self, extra=()):
        bridge = self.spawn("statebus-redfish",
                            ["--broker", self.broker.address, "--system", self.system,
                             "--listen", "127.0.0.1:0", *extra], tag="redfish")
        self.wait_log(bridge, r"^<\d>redfish: started .* port=\d+")
        port = re.search(r"port=(\d+)", bridge.stderr()).group(1)
        self.port = int(port)
        self.base = f"{self.scheme}://127.0.0.1:{port}"
        self.wait_log(bridge, r"^<\d>redfish: connected ")
        return bridge

    def curl(self, method, path, body=None, headers=(), auth="default", content_type=None):
        """(status, headers (lower-case names), JSON body or None, raw text) via curl."""
        headers_path = os.path.join(self.tmp, "curl-headers")
        verb = ["-I"] if method == "HEAD" else ["-X", method]
        args = ["curl", "-sS", "--max-time", "30", *verb, "-D", headers_path,
                "-o", "-", "-w", "\n%{http_code}", "-g"]
        if self.cafile:
            args += ["--cacert", self.cafile]
        auth = self.auth if auth == "default" else auth
        if auth:
            args += ["-u", f"{auth[0]}:{auth[1]}"]
        for h in headers:
            args += ["-H", h]
        if body is not None:
            args += ["-H", f"Content-Type: {content_type or 'application/json'}",
                     "--data-binary", body]
        args.append(self.base + path)
        out = subprocess.run(args, capture_output=True, text=True, timeout=40, check=True).stdout
        text, _, code = out.rpartition("\n")
        got = {}
        with open(headers_path, encoding="latin-1") as f:
            for line in f:
                name, sep, value = line.partition(":")
                if sep:
                    got[name.strip().lower()] = value.strip()
        payload = None
        if text.strip() and method != "HEAD" and "json" in got.get("content-type", ""):
            payload = json.loads(text)
        return int(code), got, payload, text

    def get(self, path, **kw):
        status, _, body, _ = self.curl("GET", path, **kw)
        self.assertEqual(status, 200, f"GET {path}: {body}")
        return body

    def wait_get(self, path, pred, what, timeout=EVENT_TIMEOUT, **kw):
        """GET path until pred(body) holds; the bridge follows MQTT asynchronously."""
        deadline = time.monotonic() + timeout
        body = None
        while time.monotonic() < deadline:
            body = self.get(path, **kw)
            if pred(body):
                return body
            wait_briefly(0.1)
        self.fail(f"GET {path}: not {what} within {timeout} s; last: {json.dumps(body)}")

    def post_reset(self, reset_type, **kw):
        return self.curl("POST", RESET, json.dumps({"ResetType": reset_type}), **kw)

    def assert_redfish_error(self, status, body, expected_status, message_id, args=None,
                             message=None):
        """An error body whose one message is registry message_id of Base.1.22.1."""
        self.assertEqual(status, expected_status, json.dumps(body))
        code = f"{BASE_REGISTRY}.{message_id}"
        self.assertEqual(body["error"]["code"], code)
        info = body["error"]["@Message.ExtendedInfo"][0]
        self.assertEqual(info["MessageId"], code)
        self.assertEqual(body["error"]["message"], info["Message"])
        self.assertIn(info["MessageSeverity"], ("OK", "Warning", "Critical"))
        self.assertTrue(info["Resolution"])
        if args is not None:
            self.assertEqual(info["MessageArgs"], args)
        if message is not None:
            self.assertEqual(info["Message"], message)
        return info
