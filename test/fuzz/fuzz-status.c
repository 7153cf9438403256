/* SPDX-License-Identifier: Apache-2.0 */
/* sb_status_decode() (node/<n>/status, system/status, the Last Will) on untrusted bytes. */
#include "statebus/payload.h"

#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char a[SB_PAYLOAD_MAX + 1], b[SB_PAYLOAD_MAX + 1];
    const char *why = NULL;
    SbStatusMsg m, again;
    int r, la, lb;

    r = sb_status_decode(data, size, &m, &why);
    if (r < 0) {
        fuzz_check_decode_failure(r, why, size);
        return 0;
    }
    FUZZ_REQUIRE(m.status > SB_STATUS_UNKNOWN && m.status < SB_STATUS_COUNT,
                 "a decoded status is online, offline or lost");
    FUZZ_REQUIRE(m.node <= SB_NODES_MAX, "a decoded node is in range");
    la = sb_status_encode(&m, a, sizeof(a));
    if (!fuzz_encoded_fits(la, "an accepted status encodes")) {
        return 0;
    }
    FUZZ_REQUIRE(sb_status_decode(a, (size_t) la, &again, &why) == 0,
                 "our own status encoding decodes");
    FUZZ_REQUIRE(again.status == m.status && again.epoch == m.epoch && again.node == m.node,
                 "a status survives a round trip");
    lb = sb_status_encode(&again, b, sizeof(b));
    fuzz_check_same(a, la, b, lb);
    return 0;
}
