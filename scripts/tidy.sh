#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# scripts/tidy.sh [--update] [BUILD_DIR]: clang-tidy (the root's .clang-tidy: the house style's
# checks and limits, function size 80 lines, 6 parameters, cognitive complexity 25) over every C
# file of the daemons, libraries and tools in BUILD_DIR/compile_commands.json (default build/;
# test/ is not linted; agents/gpio-lines-v2.c with build-gpiod2's flags when that tree exists),
# TIDY_JOBS (default 2) at a time. ctest runs it as the test `tidy` (label tidy, release tree
# only).
#
# Zero warnings, except the ones listed in scripts/tidy-baseline.txt: each line is
# "path: check: message" (no line numbers, so edits elsewhere in a file do not move it). Any
# warning not in the list fails; a listed one that is gone is reported so the list only shrinks.
# --update rewrites the list from the current tree (for a reviewed exception only).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
update=0
if [[ ${1:-} == --update ]]; then
    update=1
    shift
fi
build=$(cd "${1:-$root/build}" && pwd)
baseline=$root/scripts/tidy-baseline.txt
jobs=${TIDY_JOBS:-2}

tidy=$(command -v clang-tidy-14 || command -v clang-tidy) || {
    echo "tidy.sh: clang-tidy not found (scripts/deps.sh installs it)" >&2
    exit 1
}
[[ -f $build/compile_commands.json ]] || {
    echo "tidy.sh: no $build/compile_commands.json (configure the tree first)" >&2
    exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The project's own C sources, once each (a file compiled into two targets is linted once).
/usr/bin/python3 - "$build/compile_commands.json" "$root" >"$work/files" <<'EOF'
import json, os, sys
root = sys.argv[2] + "/"
seen = set()
for entry in json.load(open(sys.argv[1])):
    path = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
    rel = path[len(root):] if path.startswith(root) else None
    if rel and rel.endswith(".c") and not rel.startswith(("test/", "build")) and rel not in seen:
        seen.add(rel)
        print(path)
EOF

start=$(date +%s)
# One output file per source, so parallel runs never interleave their lines.
xargs -P "$jobs" -I{} sh -c '"$0" -p "$1" --quiet "$2" >"$3/out.$(echo "$2" | md5sum | cut -c1-16)" 2>&1 || true' \
    "$tidy" "$build" {} "$work" <"$work/files"
# agents/gpio-lines-v2.c compiles only against libgpiod 2: linted with the build-gpiod2 tree's
# flags when that tree is configured (scripts/build.sh gpiod2; test.sh builds it first).
gpiod2_db=$root/build-gpiod2/compile_commands.json
if [[ -f $gpiod2_db ]] && grep -q 'agents/gpio-lines-v2.c' "$gpiod2_db"; then
    "$tidy" -p "$root/build-gpiod2" --quiet "$root/agents/gpio-lines-v2.c" >"$work/out.gpiod2" 2>&1 || true
    echo "$root/agents/gpio-lines-v2.c" >>"$work/files"
else
    echo "tidy.sh: agents/gpio-lines-v2.c not linted (no build-gpiod2 tree configured)"
fi
elapsed=$(($(date +%s) - start))

# "path:line:col: warning: message [check]" -> "path: check: message" ("-" for the few the
# analyzer prints without a check name), sorted with repeats kept.
cat "$work"/out.* 2>/dev/null |
    sed -E 's/\x1b\[[0-9;]*m//g' |
    sed -nE -e "s#^${root}/([^:]+):[0-9]+:[0-9]+: (warning|error): (.*) \[([^]]+)\]\$#\1: \4: \3#p;t" \
        -e "s#^${root}/([^:]+):[0-9]+:[0-9]+: (warning|error): (.*[^ ]) *\$#\1: -: \3#p" |
    LC_ALL=C sort >"$work/now"

if ((update)); then
    {
        sed -n '/^#/p' "$baseline" 2>/dev/null || true
        cat "$work/now"
    } >"$work/new-baseline"
    mv "$work/new-baseline" "$baseline"
    echo "tidy.sh: wrote $(wc -l <"$work/now") entries to $baseline"
    exit 0
fi

grep -v '^#' "$baseline" | grep -v '^$' | LC_ALL=C sort >"$work/allowed" || true
LC_ALL=C comm -13 "$work/allowed" "$work/now" >"$work/added"
LC_ALL=C comm -23 "$work/allowed" "$work/now" >"$work/gone"

files=$(wc -l <"$work/files")
if [[ -s $work/gone ]]; then
    echo "tidy.sh: fixed, remove from scripts/tidy-baseline.txt:"
    sed 's/^/  /' "$work/gone"
fi
if [[ -s $work/added ]]; then
    echo "tidy.sh: new warnings (fix them; the full text is below):"
    sed 's/^/  /' "$work/added"
    cat "$work"/out.* | sed -E 's/\x1b\[[0-9;]*m//g' | grep -E ': (warning|error): ' || true
    echo "tidy.sh: FAILED: $(wc -l <"$work/added") new warnings in $files files ($elapsed s)"
    exit 1
fi
echo "tidy.sh: $files files, no new warnings ($(wc -l <"$work/now") listed exceptions, $elapsed s)"
