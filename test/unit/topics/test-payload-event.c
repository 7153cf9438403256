/* SPDX-License-Identifier: Apache-2.0 */
/* Event objects on <root>/event and under <root>/reply/. */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statebus/payload.h"

#include "payload-test-util.h"

#define EVENT_VALID                                                                         \
    "{\"v\":1,\"kind\":\"queued\",\"id\":\"r1\",\"target\":\"host\",\"transition\":\"On\"," \
    "\"why\":\"waiting for BMC Ready on nodes 2,4\",\"time\":1700000000000,\"node\":3,"     \
    "\"nodes\":[2,4],\"nodes_omitted\":5}"

static SbEvent decoded;

static int decode_event(const void *p, size_t len, const char **why)
{
    return sb_event_decode(p, len, &decoded, why);
}

static SbEvent sample(void)
{
    SbEvent e = { .kind = SB_EVENT_QUEUED,
                  .target = SB_TARGET_HOST,
                  .transition = SB_TRANSITION_ON,
                  .time_ms = 1700000000000,
                  .node = 3,
                  .nodes = { 2, 4 },
                  .n_nodes = 2,
                  .nodes_omitted = 5 };

    (void) snprintf(e.id, sizeof(e.id), "%s", "r1");
    (void) snprintf(e.why, sizeof(e.why), "%s", "waiting for BMC Ready on nodes 2,4");
    return e;
}

static void round_trip(const SbEvent *e, const char *want)
{
    char first[SB_PAYLOAD_MAX + 1], second[SB_PAYLOAD_MAX + 1];
    int n = sb_event_encode(e, first, sizeof(first));

    assert_true(n > 0);
    if (want) {
        assert_string_equal(first, want);
    }
    memset(&decoded, 0, sizeof(decoded));
    assert_int_equal(test_decode_n(decode_event, first, (size_t) n, NULL), 0);
    assert_int_equal(decoded.kind, e->kind);
    assert_string_equal(decoded.id, e->id);
    assert_int_equal(decoded.target, e->target);
    assert_int_equal(decoded.transition, e->transition);
    assert_string_equal(decoded.why, e->why);
    assert_true(decoded.time_ms == e->time_ms);
    assert_int_equal(decoded.node, e->node);
    assert_int_equal(decoded.n_nodes, e->n_nodes);
    assert_memory_equal(decoded.nodes, e->nodes, e->n_nodes * sizeof(e->nodes[0]));
    assert_int_equal(decoded.nodes_omitted, e->nodes_omitted);
    assert_int_equal(sb_event_encode(&decoded, second, sizeof(second)), n);
    assert_string_equal(first, second);
}

static void test_event_round_trip(void **state)
{
    SbEvent e = sample();

    (void) state;
    round_trip(&e, EVENT_VALID);
    /* Only the required fields: "why" is written even when empty. */
    e = (SbEvent){ .kind = SB_EVENT_NODE_LOST, .time_ms = 1 };
    round_trip(&e, "{\"v\":1,\"kind\":\"node-lost\",\"why\":\"\",\"time\":1}");
    /* Every kind; a rejected request may pair a target with a transition it does not have. */
    for (int k = 1; k < SB_EVENT_COUNT; k++) {
        e = sample();
        e.kind = (SbEventKind) k;
        e.target = SB_TARGET_BMC;
        e.transition = SB_TRANSITION_POWER_CYCLE;
        round_trip(&e, NULL);
    }
    /* A full event: 64 nodes, a why of 256 bytes that JSON escapes to twice that. */
    e = sample();
    for (size_t i = 0; i < SB_EVENT_NODES_MAX; i++) {
        e.nodes[i] = (uint32_t) (16384 - i);
    }
    e.n_nodes = SB_EVENT_NODES_MAX;
    e.nodes_omitted = UINT32_MAX;
    memset(e.why, '\\', SB_WHY_MAX);
    e.why[SB_WHY_MAX] = '\0';
    memset(e.id, 'x', SB_ID_MAX);
    e.id[SB_ID_MAX] = '\0';
    round_trip(&e, NULL);
}

static void test_event_malformed(void **state)
{
    static const char *const required[] = { "v", "kind", "why", "time", NULL };
    static const char *const fields[] = { "v",          "kind",          "id",   "target",
                                          "transition", "why",           "time", "node",
                                          "nodes",      "nodes_omitted", NULL };

    (void) state;
    test_common_malformed(decode_event, EVENT_VALID, "kind");
    test_required_fields(decode_event, EVENT_VALID, required);
    test_wrong_types(decode_event, EVENT_VALID, fields);
    test_integer_field(decode_event, EVENT_VALID, "time", 0, UINT64_C(1) << 53);
    test_integer_field(decode_event, EVENT_VALID, "node", 1, SB_NODES_MAX);
    test_integer_field(decode_event, EVENT_VALID, "nodes_omitted", 0, UINT32_MAX);
    test_text_field(decode_event, EVENT_VALID, "why", SB_WHY_MAX);
    test_text_field(decode_event, EVENT_VALID, "id", SB_ID_MAX);
    test_enum_field(decode_event, EVENT_VALID, "kind", SB_ENUM_EVENT_KIND, false);
    test_enum_field(decode_event, EVENT_VALID, "target", SB_ENUM_TARGET, false);
    test_enum_field(decode_event, EVENT_VALID, "transition", SB_ENUM_TRANSITION, false);
}

static void test_event_nodes_bound(void **state)
{
    char *text = malloc(SB_PAYLOAD_MAX);
    size_t off;

    (void) state;
    assert_non_null(text);
    for (size_t count = SB_EVENT_NODES_MAX; count <= SB_EVENT_NODES_MAX + 1; count++) {
        off = (size_t) sprintf(text, "{\"v\":1,\"kind\":\"failed\",\"why\":\"\",\"time\":1,"
                                     "\"nodes\":[");
        for (size_t n = 1; n <= count; n++) {
            off += (size_t) sprintf(text + off, "%s%zu", n > 1 ? "," : "", n);
        }
        (void) sprintf(text + off, "]}");
        test_expect(decode_event, text, count == SB_EVENT_NODES_MAX ? 0 : -EMSGSIZE, "nodes");
    }
    free(text);
    text = test_json_edit(EVENT_VALID, "nodes", "[2,2]");
    test_expect(decode_event, text, -EBADMSG, "nodes");
    free(text);
    text = test_json_edit(EVENT_VALID, "nodes", "[0]");
    test_expect(decode_event, text, -EBADMSG, "nodes");
    free(text);
    text = test_json_edit(EVENT_VALID, "nodes", "[]");
    test_expect(decode_event, text, 0, NULL);
    free(text);
}

static void test_event_encode_refuses_invalid(void **state)
{
    char buf[SB_PAYLOAD_MAX + 1];
    SbEvent e;

    (void) state;
    e = sample();
    e.kind = SB_EVENT_NONE;
    assert_int_equal(sb_event_encode(&e, buf, sizeof(buf)), -EINVAL);
    e = sample();
    e.kind = SB_EVENT_COUNT;
    assert_int_equal(sb_event_encode(&e, buf, sizeof(buf)), -EINVAL);
    e = sample();
    e.target = SB_TARGET_COUNT;
    assert_int_equal(sb_event_encode(&e, buf, sizeof(buf)), -EINVAL);
    e = sample();
    e.transition = SB_TRANSITION_COUNT;
    assert_int_equal(sb_event_encode(&e, buf, sizeof(buf)), -EINVAL);
    e = sample();
    (void) snprintf(e.why, sizeof(e.why), "%s", "tab\there");
    assert_int_equal(sb_event_encode(&e, buf, sizeof(buf)), -EINVAL);
    e = sample();
    memset(e.why, 'w', sizeof(e.why));
    assert_int_equal(sb_event_encode(&e, buf, sizeof(buf)), -EINVAL);
    e = sample();
    (void) snprintf(e.id, sizeof(e.id), "%s", "no spaces");
    assert_int_equal(sb_event_encode(&e, buf, sizeof(buf)), -EINVAL);
    e = sample();
    e.node = SB_NODES_MAX + 1;
    assert_int_equal(sb_event_encode(&e, buf, sizeof(buf)), -EINVAL);
    e = sample();
    e.n_nodes = SB_EVENT_NODES_MAX + 1;
    assert_int_equal(sb_event_encode(&e, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(sb_event_encode(NULL, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(sb_event_decode(EVENT_VALID, strlen(EVENT_VALID), NULL, NULL), -EINVAL);
}

static int encode_fixed(char *buf, size_t size)
{
    SbEvent e = sample();

    return sb_event_encode(&e, buf, size);
}

static void test_event_encoder_overflow(void **state)
{
    (void) state;
    test_encoder_bounds(encode_fixed, EVENT_VALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_round_trip),
        cmocka_unit_test(test_event_malformed),
        cmocka_unit_test(test_event_nodes_bound),
        cmocka_unit_test(test_event_encode_refuses_invalid),
        cmocka_unit_test(test_event_encoder_overflow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
