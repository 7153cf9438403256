#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# scripts/build.sh [release|asan]: configure and build one of the two trees the scripts use.
#   release  build/       RelWithDebInfo, warnings are errors (what demo.sh runs)
#   asan     build-asan/  Debug with AddressSanitizer + UBSan (what test.sh runs everything in)
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
*)
    echo "usage: scripts/build.sh [release|asan]" >&2
    exit 2
    ;;
esac

cmake -S "$root" -B "$dir" "${args[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
