#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The repository stands alone (issue #15): no file points at something outside it (a sibling
# ../shared tree, a path of the machine it was written on). Checks every file in the tree except
# build trees and .git; prints each offending line and exits 1.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# The pattern is split so this file does not match itself.
pattern='\.\./shared/|/work/(main|wt|shared)'"/"
if grep -rnE "$pattern" --exclude-dir=.git --exclude-dir='build*' --exclude-dir=run \
    --exclude=check-standalone.sh --exclude=.git . ; then
    echo "check-standalone: the lines above refer to files outside the repository" >&2
    exit 1
fi
echo "check-standalone: no reference outside the repository"
