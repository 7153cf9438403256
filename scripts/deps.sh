#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Installs the Debian 12 packages statebus needs to build, run and test, and nothing else.
# dpkg-query is asked first, so a ready machine pays ~0 s and never touches the network;
# apt-get update runs only when something is missing.
#
# libcrypt-dev: crypt() for statebus-redfish's accounts (libmicrohttpd-dev is Debian's, built with
# GnuTLS: the bridge's HTTPS). python3-sushy and redfishtool are the Redfish clients its tests
# drive; wrk is for redfish/bench/bench-redfish.py (not run by the test command).
# ejabberd and rabbitmq-server are test-only too (test_brokers.py starts them on loopback with
# their own epmd port and node names; the services the packages may start are never used).
#
# python3-paho-mqtt and python3-jsonschema are test-only: the integration tests check the
# contract with an MQTT implementation that is not libmosquitto, and payloads against
# topics/schema. They import only under /usr/bin/python3 (a pyenv python3 on PATH cannot see
# Debian's packages).
set -euo pipefail

packages=(
    build-essential cmake pkg-config
    mosquitto mosquitto-clients libmosquitto-dev
    libcjson-dev libgpiod-dev gpiod libsystemd-dev libcmocka-dev
    python3-paho-mqtt python3-jsonschema systemd
    clang clang-format clang-tidy
    iproute2 dbus openssl curl libmicrohttpd-dev libclang-rt-14-dev
    libcrypt-dev python3-sushy redfishtool wrk
    tmux
    ejabberd rabbitmq-server
)

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    if [[ "$status" != installed ]]; then
        missing+=("$p")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "deps: all ${#packages[@]} packages present"
    exit 0
fi

echo "deps: installing ${missing[*]}"
if ((EUID == 0)); then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "deps: missing packages (${missing[*]}); run as root or install sudo" >&2
    exit 1
fi

# No prompts and no service start-up: CI has no terminal, and the scripts start their own broker.
# (env, not export: sudo would drop an exported variable.)
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
