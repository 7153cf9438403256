/* SPDX-License-Identifier: Apache-2.0 */
/* The power-restore decision on <root>/system/power-restore. */
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

#define RESTORE_VALID                                                                           \
    "{\"v\":1,\"time\":1700000000000,\"loss_id\":4,\"policy\":\"AlwaysOn\",\"one_time\":false," \
    "\"system_wide\":true,\"action\":\"On\",\"id\":\"power-restore-4\","                        \
    "\"why\":\"every node reported an AC loss; policy AlwaysOn\",\"nodes\":[1,2,3]}"

#define RESTORE_DELAYED                                                                         \
    "{\"v\":1,\"time\":1700000000000,\"loss_id\":4,\"policy\":\"AlwaysOn\",\"one_time\":false," \
    "\"system_wide\":true,\"action\":\"On\",\"id\":\"power-restore-4\",\"why\":\"delayed\","    \
    "\"nodes\":[1,2,3],\"nodes_omitted\":2,\"delay\":30,\"due\":1700000030000}"

static SbPowerRestoreMsg decoded;

static int decode_restore(const void *p, size_t len, const char **why)
{
    return sb_power_restore_decode(p, len, &decoded, why);
}

static SbPowerRestoreMsg sample(void)
{
    SbPowerRestoreMsg m = { .time_ms = 1700000000000,
                            .policy = SB_POLICY_ALWAYS_ON,
                            .system_wide = true,
                            .action = SB_TRANSITION_ON,
                            .nodes = { 1, 2, 3 },
                            .n_nodes = 3,
                            .loss_id = 4 };

    (void) snprintf(m.id, sizeof(m.id), "%s", "power-restore-4");
    (void) snprintf(m.why, sizeof(m.why), "%s", "every node reported an AC loss; policy AlwaysOn");
    return m;
}

static void round_trip(const SbPowerRestoreMsg *m, const char *want)
{
    char first[SB_PAYLOAD_MAX + 1], second[SB_PAYLOAD_MAX + 1];
    int n = sb_power_restore_encode(m, first, sizeof(first));

    assert_true(n > 0);
    if (want) {
        assert_string_equal(first, want);
    }
    memset(&decoded, 0, sizeof(decoded));
    assert_int_equal(test_decode_n(decode_restore, first, (size_t) n, NULL), 0);
    assert_true(decoded.time_ms == m->time_ms && decoded.loss_id == m->loss_id);
    assert_int_equal(decoded.policy, m->policy);
    assert_int_equal(decoded.one_time, m->one_time);
    assert_int_equal(decoded.system_wide, m->system_wide);
    assert_int_equal(decoded.action, m->action);
    assert_string_equal(decoded.id, m->id);
    assert_string_equal(decoded.why, m->why);
    assert_int_equal(decoded.n_nodes, m->n_nodes);
    assert_memory_equal(decoded.nodes, m->nodes, m->n_nodes * sizeof(m->nodes[0]));
    assert_int_equal(decoded.nodes_omitted, m->nodes_omitted);
    assert_int_equal(decoded.delay_s, m->delay_s);
    assert_true(decoded.due_ms == m->due_ms);
    assert_int_equal(sb_power_restore_encode(&decoded, second, sizeof(second)), n);
    assert_string_equal(first, second);
}

static void test_power_restore_round_trip(void **state)
{
    SbPowerRestoreMsg m = sample();

    (void) state;
    round_trip(&m, RESTORE_VALID);
    /* No action, no request: "action" and "id" are left out. */
    m = (SbPowerRestoreMsg){ .time_ms = 5,
                             .policy = SB_POLICY_NONE,
                             .one_time = true,
                             .nodes = { 7 },
                             .n_nodes = 1,
                             .loss_id = 1 };
    (void) snprintf(m.why, sizeof(m.why), "%s", "one node lost AC; policy None");
    round_trip(&m, "{\"v\":1,\"time\":5,\"loss_id\":1,\"policy\":\"None\",\"one_time\":true,"
                   "\"system_wide\":false,\"why\":\"one node lost AC; policy None\","
                   "\"nodes\":[7]}");
    /* The fields added with issue #4: a delayed decision about more nodes than are listed. */
    m = sample();
    m.nodes_omitted = 100;
    m.delay_s = 30;
    m.due_ms = 1700000030000;
    round_trip(&m, "{\"v\":1,\"time\":1700000000000,\"loss_id\":4,\"policy\":\"AlwaysOn\","
                   "\"one_time\":false,\"system_wide\":true,\"action\":\"On\","
                   "\"id\":\"power-restore-4\",\"why\":\"every node reported an AC loss; policy "
                   "AlwaysOn\",\"nodes\":[1,2,3],\"nodes_omitted\":100,\"delay\":30,"
                   "\"due\":1700000030000}");
    for (int p = 1; p < SB_POLICY_COUNT; p++) {
        m = sample();
        m.policy = (SbRestorePolicy) p;
        round_trip(&m, NULL);
    }
}

static void test_power_restore_malformed(void **state)
{
    static const char *const required[] = { "v",           "time", "loss_id", "policy", "one_time",
                                            "system_wide", "why",  "nodes",   NULL };
    static const char *const optional[] = { "nodes_omitted", "delay", "due", NULL };
    static const char *const fields[] = { "v",        "time",        "loss_id", "policy",
                                          "one_time", "system_wide", "action",  "id",
                                          "why",      "nodes",       NULL };
    char *text;

    (void) state;
    test_common_malformed(decode_restore, RESTORE_VALID, "policy");
    test_required_fields(decode_restore, RESTORE_VALID, required);
    test_wrong_types(decode_restore, RESTORE_VALID, fields);
    test_integer_field(decode_restore, RESTORE_VALID, "time", 0, UINT64_C(1) << 53);
    test_integer_field(decode_restore, RESTORE_VALID, "loss_id", 0, UINT64_C(1) << 53);
    test_enum_field(decode_restore, RESTORE_VALID, "policy", SB_ENUM_RESTORE_POLICY, false);
    test_enum_field(decode_restore, RESTORE_VALID, "action", SB_ENUM_TRANSITION, false);
    test_text_field(decode_restore, RESTORE_VALID, "why", SB_WHY_MAX);
    test_text_field(decode_restore, RESTORE_VALID, "id", SB_ID_MAX);
    text = test_json_edit(RESTORE_VALID, "nodes", "[3,3]");
    test_expect(decode_restore, text, -EBADMSG, "nodes");
    free(text);
    /* The optional fields added with issue #4. */
    test_wrong_types(decode_restore, RESTORE_DELAYED, optional);
    test_integer_field(decode_restore, RESTORE_DELAYED, "nodes_omitted", 0, SB_NODES_MAX);
    test_integer_field(decode_restore, RESTORE_DELAYED, "delay", 0, 86400);
    test_integer_field(decode_restore, RESTORE_DELAYED, "due", 0, UINT64_C(1) << 53);
}

static void test_power_restore_encode_refuses_invalid(void **state)
{
    char buf[SB_PAYLOAD_MAX + 1];
    SbPowerRestoreMsg m;

    (void) state;
    m = sample();
    m.policy = SB_POLICY_UNKNOWN;
    assert_int_equal(sb_power_restore_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.action = SB_TRANSITION_COUNT;
    assert_int_equal(sb_power_restore_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.n_nodes = SB_EVENT_NODES_MAX + 1;
    assert_int_equal(sb_power_restore_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.delay_s = 86401;
    assert_int_equal(sb_power_restore_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.nodes_omitted = SB_NODES_MAX + 1;
    assert_int_equal(sb_power_restore_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    (void) snprintf(m.id, sizeof(m.id), "%s", "a b");
    assert_int_equal(sb_power_restore_encode(&m, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(sb_power_restore_encode(NULL, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(sb_power_restore_decode(RESTORE_VALID, 10, NULL, NULL), -EINVAL);
}

static int encode_fixed(char *buf, size_t size)
{
    SbPowerRestoreMsg m = sample();

    return sb_power_restore_encode(&m, buf, size);
}

static void test_power_restore_encoder_overflow(void **state)
{
    (void) state;
    test_encoder_bounds(encode_fixed, RESTORE_VALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_power_restore_round_trip),
        cmocka_unit_test(test_power_restore_malformed),
        cmocka_unit_test(test_power_restore_encode_refuses_invalid),
        cmocka_unit_test(test_power_restore_encoder_overflow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
