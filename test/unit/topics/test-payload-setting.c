/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime settings: {"v":1,"value":...} and operators' bare values. */
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

#define POLICY_VALID    "{\"v\":1,\"value\":\"AlwaysOn\"}"
#define DELAY_VALID     "{\"v\":1,\"value\":30}"
#define SCHEDULED_VALID "{\"v\":1,\"value\":{\"time\":1700003600,\"transition\":\"On\"}}"

static SbSettingValue decoded;

static int decode_policy(const void *p, size_t len, const char **why)
{
    return sb_setting_decode(p, len, SB_SETTING_POWER_RESTORE_POLICY, false, &decoded, why);
}
static int decode_policy_bare(const void *p, size_t len, const char **why)
{
    return sb_setting_decode(p, len, SB_SETTING_POWER_RESTORE_POLICY, true, &decoded, why);
}
static int decode_one_time_bare(const void *p, size_t len, const char **why)
{
    return sb_setting_decode(p, len, SB_SETTING_POWER_RESTORE_ONE_TIME, true, &decoded, why);
}
static int decode_delay(const void *p, size_t len, const char **why)
{
    return sb_setting_decode(p, len, SB_SETTING_POWER_RESTORE_DELAY, false, &decoded, why);
}
static int decode_delay_bare(const void *p, size_t len, const char **why)
{
    return sb_setting_decode(p, len, SB_SETTING_POWER_RESTORE_DELAY, true, &decoded, why);
}
static int decode_scheduled(const void *p, size_t len, const char **why)
{
    return sb_setting_decode(p, len, SB_SETTING_SCHEDULED_TRANSITION, false, &decoded, why);
}
static int decode_scheduled_bare(const void *p, size_t len, const char **why)
{
    return sb_setting_decode(p, len, SB_SETTING_SCHEDULED_TRANSITION, true, &decoded, why);
}

static void round_trip(const SbSettingValue *s, const char *want)
{
    char first[SB_PAYLOAD_MAX + 1], second[SB_PAYLOAD_MAX + 1];
    int n = sb_setting_encode(s, first, sizeof(first));

    assert_true(n > 0);
    assert_string_equal(first, want);
    for (int bare = 0; bare < 2; bare++) {
        void *copy = test_exact_copy(first, (size_t) n);

        memset(&decoded, 0, sizeof(decoded));
        assert_int_equal(sb_setting_decode(copy, (size_t) n, s->name, bare, &decoded, NULL), 0);
        free(copy);
        assert_int_equal(decoded.name, s->name);
        assert_int_equal(decoded.policy, s->policy);
        assert_int_equal(decoded.delay_s, s->delay_s);
        assert_int_equal(decoded.scheduled, s->scheduled);
        assert_true(decoded.scheduled_time_s == s->scheduled_time_s);
        assert_int_equal(decoded.scheduled_transition, s->scheduled_transition);
        assert_int_equal(sb_setting_encode(&decoded, second, sizeof(second)), n);
        assert_string_equal(first, second);
    }
}

static void test_setting_round_trip(void **state)
{
    SbSettingValue s;

    (void) state;
    s = (SbSettingValue){ .name = SB_SETTING_POWER_RESTORE_POLICY, .policy = SB_POLICY_ALWAYS_ON };
    round_trip(&s, POLICY_VALID);
    s = (SbSettingValue){ .name = SB_SETTING_POWER_RESTORE_ONE_TIME, .policy = SB_POLICY_NONE };
    round_trip(&s, "{\"v\":1,\"value\":\"None\"}");
    s = (SbSettingValue){ .name = SB_SETTING_POWER_RESTORE_DELAY, .delay_s = 30 };
    round_trip(&s, DELAY_VALID);
    s = (SbSettingValue){ .name = SB_SETTING_POWER_RESTORE_DELAY, .delay_s = 86400 };
    round_trip(&s, "{\"v\":1,\"value\":86400}");
    s = (SbSettingValue){ .name = SB_SETTING_SCHEDULED_TRANSITION,
                          .scheduled = true,
                          .scheduled_time_s = 1700003600,
                          .scheduled_transition = SB_TRANSITION_ON };
    round_trip(&s, SCHEDULED_VALID);
    s = (SbSettingValue){ .name = SB_SETTING_SCHEDULED_TRANSITION, .scheduled = false };
    round_trip(&s, "{\"v\":1,\"value\":null}");
    for (int p = 1; p < SB_POLICY_COUNT; p++) {
        s = (SbSettingValue){ .name = SB_SETTING_POWER_RESTORE_POLICY,
                              .policy = (SbRestorePolicy) p };
        char want[64];

        (void) snprintf(want, sizeof(want), "{\"v\":1,\"value\":\"%s\"}",
                        sb_enum_to_string(SB_ENUM_RESTORE_POLICY, p));
        round_trip(&s, want);
    }
    s = (SbSettingValue){ .name = SB_SETTING_SCHEDULED_TRANSITION,
                          .scheduled = true,
                          .scheduled_time_s = 1,
                          .scheduled_transition = SB_TRANSITION_REBOOT };
    round_trip(&s, "{\"v\":1,\"value\":{\"time\":1,\"transition\":\"Reboot\"}}");
}

static void test_setting_bare_values(void **state)
{
    (void) state;
    /* Operators' forms: a word, a quoted string, a number, null, the schedule object. */
    test_expect(decode_policy_bare, "AlwaysOff", 0, NULL);
    assert_int_equal(decoded.policy, SB_POLICY_ALWAYS_OFF);
    test_expect(decode_policy_bare, " Restore\n", 0, NULL);
    assert_int_equal(decoded.policy, SB_POLICY_RESTORE);
    test_expect(decode_policy_bare, "\"None\"", 0, NULL);
    assert_int_equal(decoded.policy, SB_POLICY_NONE);
    test_expect(decode_one_time_bare, "AlwaysOn", 0, NULL);
    assert_int_equal(decoded.policy, SB_POLICY_ALWAYS_ON);
    test_expect(decode_delay_bare, "45\n", 0, NULL);
    assert_int_equal(decoded.delay_s, 45);
    test_expect(decode_scheduled_bare, "null", 0, NULL);
    assert_false(decoded.scheduled);
    test_expect(decode_scheduled_bare, "{\"time\":1700003600,\"transition\":\"Off\"}", 0, NULL);
    assert_true(decoded.scheduled);
    assert_int_equal(decoded.scheduled_transition, SB_TRANSITION_OFF);

    /* Refused bare values. */
    test_expect(decode_policy_bare, "alwayson", -EBADMSG, "value");
    test_expect(decode_policy_bare, "Always On", -EBADMSG, NULL);
    test_expect(decode_policy_bare, "Unknown", -EBADMSG, "value");
    test_expect(decode_policy_bare, "30", -EBADMSG, "value");
    test_expect(decode_policy_bare, "null", -EBADMSG, "value");
    test_expect(decode_policy_bare, "{\"v\":1}", -EBADMSG, "value");
    test_expect(decode_delay_bare, "thirty", -EBADMSG, NULL);
    test_expect(decode_delay_bare, "30s", -EBADMSG, NULL);
    test_expect(decode_delay_bare, "-1", -EBADMSG, "value");
    test_expect(decode_delay_bare, "86401", -EBADMSG, "value");
    test_expect(decode_delay_bare, "1.5", -EBADMSG, "value");
    test_expect(decode_delay_bare, "true", -EBADMSG, "value");
    test_expect(decode_scheduled_bare, "On", -EBADMSG, NULL);
    test_expect(decode_scheduled_bare, "{\"v\":1}", -EBADMSG, "value");
    test_expect(decode_scheduled_bare, "{\"time\":1}", -EBADMSG, "transition");
    test_expect(decode_scheduled_bare, "[]", -EBADMSG, "value");
    /* Bare values get the same byte-level checks as objects. */
    test_expect(decode_policy_bare, "\"None\\u0000x\"", -EBADMSG, NULL);
    test_expect(decode_policy_bare, "\"No\xC3\x28ne\"", -EBADMSG, NULL);
    test_expect(decode_policy_bare, "None\x01", -EBADMSG, NULL);
    test_expect(decode_policy_bare, "[[[[[\"None\"]]]]]", -EBADMSG, NULL);
    test_expect(decode_delay_bare, "30 x", -EBADMSG, NULL);
    test_expect(decode_policy_bare, "", -EBADMSG, NULL);
    {
        char *big = malloc(SB_PAYLOAD_MAX + 1);

        assert_non_null(big);
        memset(big, ' ', SB_PAYLOAD_MAX + 1);
        memcpy(big, "None", 4);
        assert_int_equal(test_decode_n(decode_policy_bare, big, SB_PAYLOAD_MAX + 1, NULL),
                         -EMSGSIZE);
        assert_int_equal(test_decode_n(decode_policy_bare, big, SB_PAYLOAD_MAX, NULL), 0);
        free(big);
    }
    /* Bare values are not accepted where allow_bare is false (the coordinator's topic). */
    test_expect(decode_policy, "AlwaysOn", -EBADMSG, NULL);
    test_expect(decode_policy, "\"AlwaysOn\"", -EBADMSG, NULL);
    test_expect(decode_delay, "30", -EBADMSG, NULL);
    test_expect(decode_scheduled, "null", -EBADMSG, NULL);
    test_expect(decode_scheduled, "{\"time\":1,\"transition\":\"On\"}", -EBADMSG, "value");
}

static void test_setting_malformed(void **state)
{
    static const char *const required[] = { "value", NULL };
    static const char *const policy_fields[] = { "v", "value", NULL };
    static const char *const scheduled_fields[] = { "v", "value/time", "value/transition", NULL };
    static const char *const scheduled_required[] = { "value/time", "value/transition", NULL };
    char *text;

    (void) state;
    test_common_malformed(decode_policy, POLICY_VALID, "value");
    test_common_malformed(decode_delay, DELAY_VALID, "value");
    test_common_malformed(decode_scheduled, SCHEDULED_VALID, "value/time");
    test_required_fields(decode_policy, POLICY_VALID, required);
    test_required_fields(decode_delay, DELAY_VALID, required);
    test_required_fields(decode_scheduled, SCHEDULED_VALID, required);
    test_required_fields(decode_scheduled, SCHEDULED_VALID, scheduled_required);
    test_wrong_types(decode_policy, POLICY_VALID, policy_fields);
    test_wrong_types(decode_policy_bare, POLICY_VALID, policy_fields);
    test_wrong_types(decode_delay, DELAY_VALID, policy_fields);
    test_wrong_types(decode_scheduled, SCHEDULED_VALID, scheduled_fields);
    test_integer_field(decode_delay, DELAY_VALID, "value", 0, 86400);
    test_integer_field(decode_scheduled, SCHEDULED_VALID, "value/time", 0, UINT64_C(1) << 53);
    test_integer_field(decode_policy, POLICY_VALID, "v", 1, UINT64_C(1) << 53);
    test_enum_field(decode_policy, POLICY_VALID, "value", SB_ENUM_RESTORE_POLICY, false);
    /* "value" of scheduled-transition: an object or null, nothing else. */
    text = test_json_edit(SCHEDULED_VALID, "value", "\"On\"");
    test_expect(decode_scheduled, text, -EBADMSG, "value");
    free(text);
    text = test_json_edit(SCHEDULED_VALID, "value", "7");
    test_expect(decode_scheduled, text, -EBADMSG, "value");
    free(text);
    text = test_json_edit(SCHEDULED_VALID, "value", "[]");
    test_expect(decode_scheduled, text, -EBADMSG, "value");
    free(text);
    /* Scheduled transitions are On, Off or Reboot. */
    for (int t = 1; t < SB_TRANSITION_COUNT; t++) {
        char quoted[64];
        bool ok = t == SB_TRANSITION_ON || t == SB_TRANSITION_OFF || t == SB_TRANSITION_REBOOT;

        (void) snprintf(quoted, sizeof(quoted), "\"%s\"", sb_enum_to_string(SB_ENUM_TRANSITION, t));
        text = test_json_edit(SCHEDULED_VALID, "value/transition", quoted);
        test_expect(decode_scheduled, text, ok ? 0 : -EBADMSG, "transition");
        free(text);
    }
}

static void test_setting_invalid_arguments(void **state)
{
    char buf[SB_PAYLOAD_MAX + 1];
    SbSettingValue s;

    (void) state;
    assert_int_equal(sb_setting_decode(POLICY_VALID, strlen(POLICY_VALID), SB_SETTING_NONE, false,
                                       &decoded, NULL),
                     -EINVAL);
    assert_int_equal(sb_setting_decode(POLICY_VALID, strlen(POLICY_VALID), SB_SETTING_COUNT, false,
                                       &decoded, NULL),
                     -EINVAL);
    assert_int_equal(sb_setting_decode(POLICY_VALID, strlen(POLICY_VALID),
                                       SB_SETTING_POWER_RESTORE_POLICY, false, NULL, NULL),
                     -EINVAL);
    s = (SbSettingValue){ .name = SB_SETTING_NONE };
    assert_int_equal(sb_setting_encode(&s, buf, sizeof(buf)), -EINVAL);
    s = (SbSettingValue){ .name = SB_SETTING_POWER_RESTORE_POLICY, .policy = SB_POLICY_UNKNOWN };
    assert_int_equal(sb_setting_encode(&s, buf, sizeof(buf)), -EINVAL);
    s = (SbSettingValue){ .name = SB_SETTING_POWER_RESTORE_ONE_TIME, .policy = SB_POLICY_COUNT };
    assert_int_equal(sb_setting_encode(&s, buf, sizeof(buf)), -EINVAL);
    s = (SbSettingValue){ .name = SB_SETTING_POWER_RESTORE_DELAY, .delay_s = 86401 };
    assert_int_equal(sb_setting_encode(&s, buf, sizeof(buf)), -EINVAL);
    s = (SbSettingValue){ .name = SB_SETTING_SCHEDULED_TRANSITION,
                          .scheduled = true,
                          .scheduled_transition = SB_TRANSITION_POWER_CYCLE };
    assert_int_equal(sb_setting_encode(&s, buf, sizeof(buf)), -EINVAL);
    s = (SbSettingValue){ .name = SB_SETTING_SCHEDULED_TRANSITION,
                          .scheduled = true,
                          .scheduled_time_s = UINT64_MAX,
                          .scheduled_transition = SB_TRANSITION_ON };
    assert_int_equal(sb_setting_encode(&s, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(sb_setting_encode(NULL, buf, sizeof(buf)), -EINVAL);
}

static int encode_fixed(char *buf, size_t size)
{
    SbSettingValue s = { .name = SB_SETTING_SCHEDULED_TRANSITION,
                         .scheduled = true,
                         .scheduled_time_s = 1700003600,
                         .scheduled_transition = SB_TRANSITION_ON };

    return sb_setting_encode(&s, buf, size);
}

static void test_setting_encoder_overflow(void **state)
{
    (void) state;
    test_encoder_bounds(encode_fixed, SCHEDULED_VALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setting_round_trip),
        cmocka_unit_test(test_setting_bare_values),
        cmocka_unit_test(test_setting_malformed),
        cmocka_unit_test(test_setting_invalid_arguments),
        cmocka_unit_test(test_setting_encoder_overflow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
