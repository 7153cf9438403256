/* SPDX-License-Identifier: Apache-2.0 */
/* sb_event_decode() (<root>/event, answers under <root>/reply/) on untrusted bytes. */
#include "statebus/payload.h"

#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char a[SB_PAYLOAD_MAX + 1], b[SB_PAYLOAD_MAX + 1];
    const char *why = NULL;
    SbEvent e, again;
    int r, la, lb;

    r = sb_event_decode(data, size, &e, &why);
    if (r < 0) {
        fuzz_check_decode_failure(r, why, size);
        return 0;
    }
    FUZZ_REQUIRE(e.kind > SB_EVENT_NONE && e.kind < SB_EVENT_COUNT, "a decoded kind is known");
    FUZZ_REQUIRE(e.n_nodes <= SB_EVENT_NODES_MAX, "a decoded node list is bounded");
    FUZZ_REQUIRE(strlen(e.why) <= SB_WHY_MAX && strlen(e.id) <= SB_ID_MAX,
                 "decoded strings are bounded");
    la = sb_event_encode(&e, a, sizeof(a));
    if (!fuzz_encoded_fits(la, "an accepted event encodes")) {
        return 0;
    }
    FUZZ_REQUIRE(sb_event_decode(a, (size_t) la, &again, &why) == 0,
                 "our own event encoding decodes");
    FUZZ_REQUIRE(again.kind == e.kind && again.n_nodes == e.n_nodes &&
                         strcmp(again.id, e.id) == 0 && strcmp(again.why, e.why) == 0,
                 "an event survives a round trip");
    lb = sb_event_encode(&again, b, sizeof(b));
    fuzz_check_same(a, la, b, lb);
    return 0;
}
