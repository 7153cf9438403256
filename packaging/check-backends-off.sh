#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ctest packaging.backends-off: what PACKAGECONFIG gpio/dbus turn off is really gone. A tree
# configured as the recipe does without them (-DSTATEBUS_BACKEND_GPIO=OFF
# -DSTATEBUS_BACKEND_DBUS=OFF, no redfish, no tests) builds statebus-agent without libgpiod
# (not linked, not needed), and the agent refuses those backends by name while sim still runs.
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 SOURCE_DIR WORK_DIR" >&2; exit 2; }
src=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cmake -S "$src" -B "$work/build" -DSTATEBUS_BACKEND_GPIO=OFF -DSTATEBUS_BACKEND_DBUS=OFF \
    -DSTATEBUS_REDFISH=OFF -DSTATEBUS_BUILD_TESTS=OFF -DSTATEBUS_WERROR=ON > "$work/configure.log"
if grep -q 'gpio backend: libgpiod' "$work/configure.log"; then
    echo "FAIL: configure looked for libgpiod with STATEBUS_BACKEND_GPIO=OFF" >&2
    exit 1
fi
cmake --build "$work/build" --target statebus-agent -j2 > "$work/build.log" ||
    { tail -30 "$work/build.log" >&2; exit 1; }
agent=$work/build/bin/statebus-agent
fails=0
if readelf -d "$agent" | grep -q 'NEEDED.*libgpiod'; then
    echo "FAIL: statebus-agent still needs libgpiod" >&2
    fails=1
fi
if nm "$agent" | grep -Eq 'backend_(gpio|dbus)_ops|gpio_line_request'; then
    echo "FAIL: the gpio or dbus backend's code is still in statebus-agent" >&2
    fails=1
fi
for b in gpio dbus; do
    rc=0
    out=$("$agent" --node 1 --backend "$b" 2>&1) || rc=$?
    if [[ $rc -ne 2 || "$out" != *"backend '$b' is not built in"* ]]; then
        echo "FAIL: --backend $b: rc $rc, '$out'" >&2
        fails=1
    fi
done
# Into a file, not a pipe: grep -q stops reading at its match, and under pipefail the agent's
# SIGPIPE would fail the check at random.
"$agent" --help > "$work/help.txt" && grep -q -- '--backend' "$work/help.txt" ||
    { echo "FAIL: --help" >&2; fails=1; }
((fails == 0)) && echo "ok: gpio and dbus backends off: no libgpiod, no backend code, refused by name"
exit "$fails"
