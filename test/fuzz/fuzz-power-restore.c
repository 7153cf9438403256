/* SPDX-License-Identifier: Apache-2.0 */
/* sb_power_restore_decode() (system/power-restore) on untrusted bytes. */
#include "statebus/payload.h"

#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char a[SB_PAYLOAD_MAX + 1], b[SB_PAYLOAD_MAX + 1];
    const char *why = NULL;
    SbPowerRestoreMsg m, again;
    int r, la, lb;

    r = sb_power_restore_decode(data, size, &m, &why);
    if (r < 0) {
        fuzz_check_decode_failure(r, why, size);
        return 0;
    }
    FUZZ_REQUIRE(m.n_nodes <= SB_EVENT_NODES_MAX, "a decoded node list is bounded");
    la = sb_power_restore_encode(&m, a, sizeof(a));
    if (!fuzz_encoded_fits(la, "an accepted power-restore message encodes")) {
        return 0;
    }
    FUZZ_REQUIRE(sb_power_restore_decode(a, (size_t) la, &again, &why) == 0,
                 "our own power-restore encoding decodes");
    FUZZ_REQUIRE(again.policy == m.policy && again.action == m.action &&
                         again.loss_id == m.loss_id && again.n_nodes == m.n_nodes,
                 "a power-restore message survives a round trip");
    lb = sb_power_restore_encode(&again, b, sizeof(b));
    fuzz_check_same(a, la, b, lb);
    return 0;
}
