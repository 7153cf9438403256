# SPDX-License-Identifier: Apache-2.0
"""The coordinator's state.json is untrusted input read by the codecs' strict JSON reader
(issue #14): a file with a repeated key or bytes after the value is set aside as corrupt, as a
file that is not JSON already is, and the coordinator starts empty; a v1 file written by the
coordinator before the strict reader still restores."""
import glob
import os
import unittest

from harness import SOURCE_DIR, IntegrationTest

V1_FILE = os.path.join(SOURCE_DIR, "test", "unit", "coordinator", "data", "state-v1.json")
HEAD = b'{"v":1,"epoch":3,"id_counter":0,"order_counter":0,"requested":{},'


class StateFileTest(IntegrationTest):
    def start_with(self, text):
        state_dir = os.path.join(self.tmp, "coordinator-state")
        os.makedirs(state_dir, exist_ok=True)
        path = os.path.join(state_dir, "state.json")
        with open(path, "wb") as f:
            f.write(text)
        watcher = self.watcher()
        coord = self.coordinator("4", state_dir=state_dir)
        self.wait_coordinator_online(watcher)
        return coord, path

    def assert_set_aside(self, text, why):
        coord, path = self.start_with(text)
        self.wait_log(coord, r"set aside corrupt state path='[^']*' moved_to='[^']*' "
                             rf"why='{why}', starting empty")
        aside = glob.glob(path + ".corrupt-*")
        self.assertEqual(len(aside), 1, f"one file set aside: {aside}")
        with open(aside[0], "rb") as f:
            self.assertEqual(f.read(), text, "the evidence is kept as it was")
        self.assertNotRegex(coord.stderr(), r"restored state")
        self.assertTrue(coord.alive())

    def test_not_json_is_set_aside(self):
        self.assert_set_aside(HEAD + b'"requests":[', "not JSON")

    def test_repeated_key_is_set_aside(self):
        self.assert_set_aside(HEAD + b'"epoch":9,"requests":[]}', "repeated key")

    def test_trailing_bytes_are_set_aside(self):
        self.assert_set_aside(HEAD + b'"requests":[]}{"v":1}',
                              "trailing data after the JSON value")

    def test_stored_v1_file_restores(self):
        with open(V1_FILE, "rb") as f:
            text = f.read()
        coord, path = self.start_with(text)
        self.wait_log(coord, r"restored state path='[^']*' pending=1 active=2 epoch=")
        self.assertEqual(glob.glob(path + ".corrupt-*"), [])
        self.assertNotRegex(coord.stderr(), r"corrupt")


if __name__ == "__main__":
    unittest.main()
