#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# scripts/build.sh [release|asan|gpiod2]: configure and build one of the trees the scripts use.
#   release  build/         RelWithDebInfo, warnings are errors (what demo.sh runs)
#   asan     build-asan/    Debug with AddressSanitizer + UBSan (what test.sh runs everything in)
#   gpiod2   build-gpiod2/  as asan, against libgpiod 2.x (the v2 API OpenBMC builds) from
#                           bookworm-backports in a private prefix (scripts/libgpiod2-prefix.sh);
#                           test.sh runs the gpio backend's unit and hardware tests in it
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
flavour=${1:-release}

case "$flavour" in
release)
    dir=$root/build
    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTATEBUS_WERROR=ON -DSTATEBUS_SANITIZE=)
    ;;
asan)
    dir=$root/build-asan
    args=(-DCMAKE_BUILD_TYPE=Debug -DSTATEBUS_WERROR=ON "-DSTATEBUS_SANITIZE=address,undefined")
    ;;
gpiod2)
    dir=$root/build-gpiod2
    pcdir=$(bash "$root/scripts/libgpiod2-prefix.sh")
    # Only the prefix's libgpiod: its .pc first, the system's for everything else.
    export PKG_CONFIG_PATH=$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
    # The hardware test's kernel and gpio-sim.ko: the release tree's cache, not a second one.
    args=(-DCMAKE_BUILD_TYPE=Debug -DSTATEBUS_WERROR=ON "-DSTATEBUS_SANITIZE=address,undefined"
        "-DSTATEBUS_HW_CACHE_DIR=$root/build/test/hardware/cache")
    ;;
*)
    echo "usage: scripts/build.sh [release|asan|gpiod2]" >&2
    exit 2
    ;;
esac

cmake -S "$root" -B "$dir" "${args[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
