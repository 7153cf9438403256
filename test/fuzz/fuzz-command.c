/* SPDX-License-Identifier: Apache-2.0 */
/* sb_command_decode() (system/set/<target> from operators, node/<n>/set/<target> from the
 * coordinator) on untrusted bytes, for each target, with and without bare words. */
#include "statebus/payload.h"

#include "fuzz-util.h"

static bool id_is_valid(const char *id)
{
    size_t n = strlen(id);

    if (n > SB_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-')) {
            return false;
        }
    }
    return true;
}

static void check_command(SbTarget target, const SbCommand *c)
{
    char a[SB_PAYLOAD_MAX + 1], b[SB_PAYLOAD_MAX + 1];
    const char *why = NULL;
    SbCommand again;
    int la, lb;

    FUZZ_REQUIRE(sb_transition_valid_for(target, c->transition),
                 "a decoded transition is defined for its target");
    FUZZ_REQUIRE(id_is_valid(c->id), "a decoded id matches [A-Za-z0-9._:-]{0,64}");
    FUZZ_REQUIRE(c->n_nodes <= SB_COMMAND_NODES_MAX, "a decoded node list is bounded");
    for (size_t i = 0; i < c->n_nodes; i++) {
        FUZZ_REQUIRE(c->nodes[i] >= 1 && c->nodes[i] <= SB_NODES_MAX, "listed nodes in range");
        for (size_t j = 0; j < i; j++) {
            FUZZ_REQUIRE(c->nodes[j] != c->nodes[i], "listed nodes are distinct");
        }
    }
    la = sb_command_encode(c, a, sizeof(a));
    if (!fuzz_encoded_fits(la, "an accepted command encodes")) {
        return;
    }
    /* Our own encoding is an object: it decodes without the bare-word allowance. */
    FUZZ_REQUIRE(sb_command_decode(a, (size_t) la, target, false, &again, &why) == 0,
                 "our own command encoding decodes");
    FUZZ_REQUIRE(again.transition == c->transition && strcmp(again.id, c->id) == 0 &&
                         again.n_nodes == c->n_nodes && again.deadline_ms == c->deadline_ms,
                 "a command survives a round trip");
    lb = sb_command_encode(&again, b, sizeof(b));
    fuzz_check_same(a, la, b, lb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int target = SB_TARGET_CHASSIS; target < SB_TARGET_COUNT; target++) {
        for (int bare = 0; bare <= 1; bare++) {
            const char *why = NULL;
            SbCommand c;
            int r;

            r = sb_command_decode(data, size, (SbTarget) target, bare, &c, &why);
            if (r < 0) {
                fuzz_check_decode_failure(r, why, size);
                /* payload-command.c: id and transition stay readable for the rejection. */
                FUZZ_REQUIRE(id_is_valid(c.id), "the id left for a rejection is valid");
                FUZZ_REQUIRE(c.transition >= SB_TRANSITION_NONE &&
                                     c.transition < SB_TRANSITION_COUNT,
                             "the transition left for a rejection is in range");
                continue;
            }
            FUZZ_REQUIRE(bare || !c.bare, "no bare word without the allowance");
            check_command((SbTarget) target, &c);
        }
    }
    return 0;
}
