/* SPDX-License-Identifier: Apache-2.0 */
/*
 * coord_snapshot_restore() on untrusted bytes: --state-dir/state.json is a file anyone with
 * write access to the directory (or a disk error) may have changed. A snapshot that restores is
 * written back identically by a second restore (the encoding is a fixed point), and the restored
 * core then survives a connect and its timers with every invariant of fuzz-coord-check.c.
 */
#include "fuzz-coord-check.h"
#include "fuzz-util.h"

#define START_MS UINT64_C(1700000000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char first[1u << 20], second[1u << 20];
    const CoordConfig cfg = {
        .nodes = 3,
        .request_timeout_ms = 5000,
        .transition_timeout_ms = 60000,
        .command_ttl_ms = 30000,
        .rebirth_window_ms = 1000,
        .schedule_grace_ms = 300000,
        .clock_drift_ms = 2000,
    };
    const char *why = NULL;
    Coord *again = NULL;
    FuzzCoord f;
    int r, la, lb;

    fuzz_coord_init(&f, &cfg, START_MS);
    r = coord_snapshot_restore(f.core, (const char *) data, size, START_MS, &why);
    if (r < 0) {
        FUZZ_REQUIRE(r == -EBADMSG && why != NULL, "a bad snapshot is -EBADMSG with a reason");
        fuzz_coord_done(&f);
        return 0;
    }
    fuzz_coord_snapshot(f.core, first, sizeof(first), &la);
    FUZZ_REQUIRE(coord_new(&cfg, &again) == 0, "coord_new");
    FUZZ_REQUIRE(coord_snapshot_restore(again, first, (size_t) la, START_MS, &why) == 0,
                 "a re-encoded snapshot restores");
    fuzz_coord_snapshot(again, second, sizeof(second), &lb);
    FUZZ_REQUIRE(la == lb && memcmp(first, second, (size_t) la) == 0,
                 "encode(restore(encode(restore(x)))) == encode(restore(x))");
    (void) coord_free(again);

    fuzz_coord_step(&f, &(CoordEvent){ .kind = COORD_EV_CONNECTED });
    fuzz_coord_advance(&f, 90u * 60u * 1000u); /* past every timeout the config names */
    fuzz_coord_done(&f);
    return 0;
}
