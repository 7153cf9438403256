/* SPDX-License-Identifier: Apache-2.0 */
/* sb_state_decode() (<root>/node/<n>/<kind>) on untrusted bytes, for each of the four kinds. */
#include "statebus/payload.h"

#include "fuzz-util.h"

static void check_state(const SbStateMsg *m)
{
    char a[SB_PAYLOAD_MAX + 1], b[SB_PAYLOAD_MAX + 1];
    const char *why = NULL;
    SbStateMsg again;
    int la, lb;

    la = sb_state_encode(m, a, sizeof(a));
    if (!fuzz_encoded_fits(la, "an accepted state encodes")) {
        return;
    }
    FUZZ_REQUIRE(sb_state_decode(a, (size_t) la, m->kind, &again, &why) == 0,
                 "our own state encoding decodes");
    again.kind = m->kind;
    FUZZ_REQUIRE(again.node == m->node && again.state == m->state && again.epoch == m->epoch &&
                         again.seq == m->seq,
                 "a state survives a round trip");
    lb = sb_state_encode(&again, b, sizeof(b));
    fuzz_check_same(a, la, b, lb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int kind = SB_KIND_BMC; kind < SB_KIND_NODE_COUNT; kind++) {
        const char *why = NULL;
        SbStateMsg m;
        int r;

        r = sb_state_decode(data, size, (SbStateKind) kind, &m, &why);
        if (r < 0) {
            fuzz_check_decode_failure(r, why, size);
            continue;
        }
        FUZZ_REQUIRE(m.node >= 1 && m.node <= SB_NODES_MAX, "a decoded node is in range");
        FUZZ_REQUIRE(m.state >= 1, "a decoded state is a known value");
        m.kind = (SbStateKind) kind;
        check_state(&m);
    }
    return 0;
}
