# SPDX-License-Identifier: Apache-2.0
"""ejabberd (mod_mqtt) and RabbitMQ (rabbitmq_mqtt) from Debian's packages, started on loopback
for test_brokers.py and stopped again, nothing left running.

Both are Erlang: the nodes find each other through epmd. Each test class gets its own epmd on a
free loopback port (ERL_EPMD_PORT, ERL_EPMD_ADDRESS=127.0.0.1) and its own node names, and the
Erlang distribution listens on 127.0.0.1 only (INET_DIST_INTERFACE / inet_dist_use_interface),
so concurrent runs never meet and nothing listens beyond loopback. Teardown stops the nodes and
kills that epmd by its port.

The broker configs are derived from the shipped ones in broker-config/ (ports, directories and,
for ejabberd, login_anon authentication so the tests need no per-identity registration: the
shipped per-identity users and rules are checked by test_brokers.py separately).
"""

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time

from harness import SOURCE_DIR, free_port, read_tail, wait_briefly

EJABBERD_CONF = os.path.join(SOURCE_DIR, "broker-config", "ejabberd", "statebus.yml")
RABBITMQ_CONF = os.path.join(SOURCE_DIR, "broker-config", "rabbitmq", "rabbitmq.conf")
START_TIMEOUT = 60.0  # RabbitMQ 3.10 takes ~15 s on a loaded 2-core machine


def available(program):
    return shutil.which(program) is not None or os.path.exists(program)


def _chown(path, user):
    if os.geteuid() != 0:
        return
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        return
    for d, _, files in os.walk(path):
        os.chown(d, pw.pw_uid, pw.pw_gid)
        for f in files:
            os.chown(os.path.join(d, f), pw.pw_uid, pw.pw_gid)


def _port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Epmd:
    """One private epmd on a free loopback port, for the nodes of one test class."""

    def __init__(self):
        self.port = free_port()

    def env(self):
        return {"ERL_EPMD_PORT": str(self.port), "ERL_EPMD_ADDRESS": "127.0.0.1"}

    def kill(self):
        env = dict(os.environ, **self.env())
        subprocess.run(["epmd", "-port", str(self.port), "-kill"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10,
                       check=False)


class Ejabberd:
    """One ejabberd node with only mod_mqtt on a free loopback port."""

    def __init__(self, directory, name, epmd):
        self.dir = os.path.join(directory, name)
        os.makedirs(os.path.join(self.dir, "log"))
        os.makedirs(os.path.join(self.dir, "db"))
        self.node = f"{name}x{os.getpid()}@localhost"
        self.epmd = epmd
        self.port = free_port()
        self.running = False

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def _config(self):
        """The shipped config with this node's port, no TLS listener (no certificate here), and
        open access rules in place of the generated ACL file."""
        with open(EJABBERD_CONF, encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"(?m)^(\s*port:\s*)1883\b", rf"\g<1>{self.port}", text, count=1)
        text = re.sub(r"(?ms)^  -\n    port: 8883\n.*?(?=^\S)", "", text)
        text = text.replace("/etc/ejabberd/statebus-acl.yml", os.path.join(self.dir, "acl.yml"))
        # Tests: any user name with any password (login_anon) instead of registered identities.
        text = re.sub(r"(?m)^auth_method:.*$",
                      "auth_method: anonymous\nanonymous_protocol: login_anon\n"
                      "allow_multiple_connections: true", text)
        text = re.sub(r"(?m)^loglevel:.*$", "loglevel: info", text)
        return text

    ACL_OPEN = """modules:
  mod_mqtt:
    match_retained_limit: infinity
    max_queue: 200000
    access_subscribe:
      "#": [{allow: all}]
    access_publish:
      "#": [{allow: all}]
"""

    def ctl(self, *args, timeout=60):
        env = dict(os.environ, **self.epmd.env())
        cmd = ["ejabberdctl", "--config-dir", self.dir, "--config",
               os.path.join(self.dir, "ejabberd.yml"), "--ctl-config",
               os.path.join(self.dir, "ejabberdctl.cfg"), "--logs",
               os.path.join(self.dir, "log"), "--spool", os.path.join(self.dir, "db"),
               "--node", self.node, *args]
        return subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=timeout, check=False, text=True)

    def start(self):
        with open(os.path.join(self.dir, "ejabberd.yml"), "w", encoding="utf-8") as f:
            f.write(self._config())
        with open(os.path.join(self.dir, "ejabberdctl.cfg"), "w", encoding="utf-8") as f:
            f.write('ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0"\n'
                    "INET_DIST_INTERFACE=127.0.0.1\n"
                    "ERL_EPMD_ADDRESS=127.0.0.1\n"
                    f"ERLANG_NODE={self.node}\n"
                    f"EJABBERD_PID_PATH={self.dir}/ejabberd.pid\n")
        if not os.path.exists(os.path.join(self.dir, "acl.yml")):
            with open(os.path.join(self.dir, "acl.yml"), "w", encoding="utf-8") as f:
                f.write(self.ACL_OPEN)
        with open(os.path.join(self.dir, "inetrc"), "w", encoding="utf-8") as f:
            f.write("{lookup, [file, native]}.\n")
        _chown(self.dir, "ejabberd")
        r = self.ctl("start")
        if r.returncode != 0:
            raise RuntimeError(f"ejabberd {self.node} did not start: {r.stdout}")
        self.running = True
        r = self.ctl("started", timeout=START_TIMEOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while r.returncode == 0 and time.monotonic() < deadline and not _port_open(self.port):
            wait_briefly(0.05)
        if r.returncode != 0 or not _port_open(self.port):
            raise RuntimeError(f"ejabberd {self.node} not up: {r.stdout}\n{self.log_tail()}")

    def join_cluster(self, other):
        r = self.ctl("join_cluster", other.node, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"join_cluster {self.node} -> {other.node}: {r.stdout}")
        # join_cluster restarts this node's applications: wait for the listener again.
        self.ctl("started", timeout=START_TIMEOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and not _port_open(self.port):
            wait_briefly(0.05)

    def stop(self):
        if not self.running:
            return
        self.running = False
        r = self.ctl("stop")
        if r.returncode == 0:
            self.ctl("stopped", timeout=60)
        pid = self._pid()
        if pid and _alive(pid):
            os.kill(pid, signal.SIGKILL)

    def _pid(self):
        try:
            with open(os.path.join(self.dir, "ejabberd.pid"), encoding="utf-8") as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def log_tail(self):
        return read_tail(os.path.join(self.dir, "log", "ejabberd.log"), 60)


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


class RabbitMQ:
    """One RabbitMQ node with rabbitmq_mqtt (MQTT 3.1.1 only) on a free loopback port."""

    SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"

    def __init__(self, directory, epmd):
        self.dir = os.path.join(directory, "rabbitmq")
        os.makedirs(self.dir)
        self.epmd = epmd
        self.port = free_port()
        self.node = f"sbrmq{os.getpid()}@localhost"
        self.proc = None

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def env(self):
        d = self.dir
        env = dict(os.environ, **self.epmd.env())
        env.update({
            "HOME": d,  # its .erlang.cookie
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "RABBITMQ_CONFIG_FILE": os.path.join(d, "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(d, "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": os.path.join(d, "mnesia"),
            "RABBITMQ_LOG_BASE": os.path.join(d, "log"),
            "RABBITMQ_PID_FILE": os.path.join(d, "pid"),
        })
        return env

    def start(self):
        with open(RABBITMQ_CONF, encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"(?m)^mqtt\.listeners\.tcp\.default\s*=.*$",
                      f"mqtt.listeners.tcp.default = 127.0.0.1:{self.port}", text)
        # Tests: the guest user (loopback only) for every client instead of one user each.
        text = re.sub(r"(?m)^mqtt\.allow_anonymous\s*=.*$",
                      "mqtt.allow_anonymous = true\nmqtt.default_user = guest\n"
                      "mqtt.default_pass = guest", text)
        with open(os.path.join(self.dir, "rabbitmq.conf"), "w", encoding="utf-8") as f:
            f.write(text)
        with open(os.path.join(self.dir, "enabled_plugins"), "w", encoding="utf-8") as f:
            f.write("[rabbitmq_mqtt].\n")
        out = open(os.path.join(self.dir, "server.out"), "wb")  # noqa: SIM115 - closed in stop
        self.proc = subprocess.Popen([self.SERVER], env=self.env(), stdout=out, stderr=out,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self._out = out
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if _port_open(self.port):
                return
            wait_briefly(0.1)
        raise RuntimeError(f"RabbitMQ did not start:\n{self.log_tail()}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if self.proc:
            self._out.close()
            self.proc = None

    def log_tail(self):
        return read_tail(os.path.join(self.dir, "server.out"), 60)
