/* SPDX-License-Identifier: Apache-2.0 */
/* sb_heartbeat_decode() (node/<n>/heartbeat) on untrusted bytes. */
#include "statebus/payload.h"

#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char a[SB_PAYLOAD_MAX + 1], b[SB_PAYLOAD_MAX + 1];
    const char *why = NULL;
    SbHeartbeatMsg m, again;
    int r, la, lb;

    r = sb_heartbeat_decode(data, size, &m, &why);
    if (r < 0) {
        fuzz_check_decode_failure(r, why, size);
        return 0;
    }
    FUZZ_REQUIRE(m.node >= 1 && m.node <= SB_NODES_MAX, "a decoded node is in range");
    la = sb_heartbeat_encode(&m, a, sizeof(a));
    if (!fuzz_encoded_fits(la, "an accepted heartbeat encodes")) {
        return 0;
    }
    FUZZ_REQUIRE(sb_heartbeat_decode(a, (size_t) la, &again, &why) == 0,
                 "our own heartbeat encoding decodes");
    FUZZ_REQUIRE(again.node == m.node && again.epoch == m.epoch && again.seq == m.seq &&
                         again.time_ms == m.time_ms,
                 "a heartbeat survives a round trip");
    lb = sb_heartbeat_encode(&again, b, sizeof(b));
    fuzz_check_same(a, la, b, lb);
    return 0;
}
