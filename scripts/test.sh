#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# THE test command (.ci/run runs exactly this): install what is missing, build the trees, run
# every ctest test - unit and integration - in the sanitizer tree (build-asan: Debug, ASan +
# UBSan) and in the release tree (build: what demo.sh and users run), and the libgpiod-dependent
# ones in the libgpiod 2 tree (build-gpiod2). Exits non-zero when anything failed.
#
# Budget: under 10 minutes on 2 cores. Measured on a fresh clone: ~5-6 min (both builds, the
# clang fuzz build, the QEMU boot and the fault/soak tests included; the libgpiod 2 tree adds
# ~1.5 min: its build and a second QEMU boot); the integration tests are wall-clock bound (sim boots, power walks,
# broker restarts), not CPU bound, so -j2 overlaps them well.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

start=$(date +%s)
bash scripts/deps.sh
bash scripts/build.sh asan
bash scripts/build.sh release
# The second libgpiod: 2.x from bookworm-backports (private prefix), the API OpenBMC builds.
# Its failure (no mirror, a compile error) fails the run at the end, not the other trees.
gpiod2_built=1
bash scripts/build.sh gpiod2 || gpiod2_built=0

failed=0
# The QEMU gpio-sim test (label hardware) boots a guest kernel under TCG: once per libgpiod, in
# the release tree (libgpiod 1.6), whose agent binary is what a BMC would run, and in build-gpiod2.
# The brokers label (RabbitMQ and ejabberd, seconds to start each) runs once, in the release
# tree below.
echo "== ctest: build-asan (every label but hardware and brokers)"
ctest --test-dir build-asan --output-on-failure -j2 -LE 'hardware|brokers' || failed=1
# The fuzz label builds its own clang tree; its targets run once, here in the release pass
# skipped: they already ran with ASan+UBSan above.
# The fault and soak tests (network namespaces, crashes, restarts, ~90 s) run once, above, where
# the sanitizers watch the crash and restart paths.
echo "== ctest: build (every label but fuzz, fault and soak)"
ctest --test-dir build --output-on-failure -j2 -LE 'fuzz|fault|soak' || failed=1

# The libgpiod 2 tree (ASan + UBSan): what depends on the libgpiod API, the agent's unit tests
# (the gpio backend's among them) and the QEMU gpio-sim test with the v2 agent in the guest.
echo "== ctest: build-gpiod2 (agent unit tests and hardware, libgpiod 2)"
if ((gpiod2_built)); then
    ctest --test-dir build-gpiod2 --output-on-failure -j2 -R '^(unit\.agent-|hardware\.)' || failed=1
else
    echo "test.sh: build-gpiod2 did not build (scripts/build.sh gpiod2 said why)"
    failed=1
fi

echo "test.sh: $(($(date +%s) - start)) s, $( ((failed)) && echo FAILED || echo passed)"
exit "$failed"
