#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ctest style.clang-format: every C source and header in git is as .clang-format lays it out.
# Run from anywhere; lists the files that differ and exits 1 if any does.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
if ! command -v clang-format >/dev/null; then
    echo "style: clang-format is not installed (scripts/deps.sh installs it)" >&2
    exit 1
fi
# git ls-files: what a clone holds; a tarball without .git checks the tree instead.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files -co --exclude-standard -- '*.c' '*.h')
else
    mapfile -t files < <(find . -path './build*' -prune -o \( -name '*.c' -o -name '*.h' \) -print)
fi
bad=()
for f in "${files[@]}"; do
    [[ -f "$f" ]] || continue
    if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
        bad+=("$f")
    fi
done
if ((${#bad[@]})); then
    echo "style: not clang-formatted (run clang-format -i on them):" >&2
    printf '  %s\n' "${bad[@]}" >&2
    exit 1
fi
echo "style: ${#files[@]} files clang-formatted"
