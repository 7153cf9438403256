#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ctest unit.gpiod-version-choice: CMake picks agents/gpio-lines-v1.c for libgpiod 1.6.x and
# -v2.c for 2.x, and stops with a clear message for any other version. A libgpiod.pc of each
# version (pointing at the real library, so pkg-config's checks pass) comes first on
# PKG_CONFIG_PATH; only the configure step runs.
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: $0 SOURCE_DIR WORK_DIR" >&2; exit 2; }
src=$1
work=$2
libdir=$(pkg-config --variable=libdir libgpiod)
rm -rf "$work"
fails=0

configure() { # VERSION: prints cmake's output, returns its status
    local pc=$work/pc-$1
    mkdir -p "$pc"
    printf 'prefix=/usr\nlibdir=%s\nincludedir=/usr/include\n\nName: libgpiod\nDescription: fake\nVersion: %s\nLibs: -L${libdir} -lgpiod\nCflags: -I${includedir}\n' \
        "$libdir" "$1" > "$pc/libgpiod.pc"
    PKG_CONFIG_PATH=$pc cmake -S "$src" -B "$work/build-$1" -DSTATEBUS_BUILD_TESTS=OFF \
        -DSTATEBUS_REDFISH=OFF 2>&1
}

expect() { # VERSION WANT_STATUS PATTERN
    local out status=0
    out=$(configure "$1") || status=$?
    if [[ ($2 == ok && $status -ne 0) || ($2 == fail && $status -eq 0) ]] ||
        ! grep -q -- "$3" <<< "$out"; then
        echo "FAIL: libgpiod $1: wanted $2 and '$3'; cmake said (status $status):" >&2
        echo "$out" | tail -15 >&2
        fails=$((fails + 1))
    else
        echo "ok: libgpiod $1: $(grep -m1 -- "$3" <<< "$out" | sed 's/^ *//')"
    fi
}

expect 1.6.3 ok "gpio backend: libgpiod 1.6.3, v1 API (agents/gpio-lines-v1.c)"
expect 2.2.0 ok "gpio backend: libgpiod 2.2.0, v2 API (agents/gpio-lines-v2.c)"
expect 1.5.2 fail "libgpiod 1.5.2 is not supported: the gpio backend needs"
expect 3.0.0 fail "libgpiod 3.0.0 is not supported: the gpio backend needs"
rm -rf "$work"
exit $((fails > 0))
