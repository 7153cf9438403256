/* SPDX-License-Identifier: Apache-2.0 */
/* sb_requests_decode() (system/requests, what statebusctl and the bridge read) on untrusted
 * bytes. */
#include "statebus/payload.h"

#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char a[SB_PAYLOAD_MAX + 1], b[SB_PAYLOAD_MAX + 1];
    static SbRequestsMsg m, again;
    const char *why = NULL;
    int r, la, lb;

    r = sb_requests_decode(data, size, &m, &why);
    if (r < 0) {
        fuzz_check_decode_failure(r, why, size);
        return 0;
    }
    FUZZ_REQUIRE(m.n_requests <= SB_REQUESTS_MAX && m.n_waiting_for <= SB_EVENT_NODES_MAX,
                 "decoded lists are bounded");
    for (size_t i = 0; i < m.n_requests; i++) {
        FUZZ_REQUIRE(m.requests[i].n_nodes <= SB_EVENT_NODES_MAX, "request node lists bounded");
    }
    la = sb_requests_encode(&m, a, sizeof(a));
    if (!fuzz_encoded_fits(la, "an accepted requests message encodes")) {
        return 0;
    }
    FUZZ_REQUIRE(sb_requests_decode(a, (size_t) la, &again, &why) == 0,
                 "our own requests encoding decodes");
    FUZZ_REQUIRE(again.n_requests == m.n_requests && again.gate_open == m.gate_open,
                 "a requests message survives a round trip");
    lb = sb_requests_encode(&again, b, sizeof(b));
    fuzz_check_same(a, la, b, lb);
    return 0;
}
