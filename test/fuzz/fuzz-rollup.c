/* SPDX-License-Identifier: Apache-2.0 */
/* sb_rollup_decode() (system/<kind>, what the Redfish bridge and statebusctl read) on untrusted
 * bytes, for each of the five kinds. */
#include "statebus/payload.h"

#include "fuzz-util.h"

static void check_rollup(const SbRollupMsg *m)
{
    char a[SB_PAYLOAD_MAX + 1], b[SB_PAYLOAD_MAX + 1];
    const char *why = NULL;
    SbRollupMsg again;
    int la, lb;

    FUZZ_REQUIRE(m->n_nodes <= SB_ROLLUP_NODES_MAX && m->n_stale <= SB_ROLLUP_NODES_MAX,
                 "decoded lists are bounded");
    la = sb_rollup_encode(m, a, sizeof(a));
    if (!fuzz_encoded_fits(la, "an accepted rollup encodes")) {
        return;
    }
    FUZZ_REQUIRE(sb_rollup_decode(a, (size_t) la, m->kind, &again, &why) == 0,
                 "our own rollup encoding decodes");
    again.kind = m->kind;
    FUZZ_REQUIRE(again.state == m->state && again.n_nodes == m->n_nodes &&
                         again.n_stale == m->n_stale && again.mixed == m->mixed,
                 "a rollup survives a round trip");
    lb = sb_rollup_encode(&again, b, sizeof(b));
    fuzz_check_same(a, la, b, lb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int kind = SB_KIND_BMC; kind < SB_KIND_COUNT; kind++) {
        const char *why = NULL;
        SbRollupMsg m;
        int r;

        r = sb_rollup_decode(data, size, (SbStateKind) kind, &m, &why);
        if (r < 0) {
            fuzz_check_decode_failure(r, why, size);
            continue;
        }
        m.kind = (SbStateKind) kind;
        check_rollup(&m);
    }
    return 0;
}
