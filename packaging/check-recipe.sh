#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ctest packaging.recipe-files: `cmake --install` of this build tree into WORK_DIR (prefix /usr,
# as Yocto's cmake class installs), then the recipe checked against what landed there
# (check-recipe-files.py, with its self-test: it must fail on an unpackaged file).
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: $0 BUILD_DIR SOURCE_DIR WORK_DIR" >&2; exit 2; }
build=$1
src=$2
work=$3
rm -rf "$work"
DESTDIR=$work/image cmake --install "$build" --prefix /usr >/dev/null
/usr/bin/python3 "$src/packaging/check-recipe-files.py" --recipe "$src/packaging/yocto/statebus_git.bb" \
    --destdir "$work/image" --source-dir "$src" --self-test
