/* SPDX-License-Identifier: Apache-2.0 */
/* Command objects and operators' bare words. */
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

#define COMMAND_VALID                                                                     \
    "{\"v\":1,\"transition\":\"On\",\"id\":\"op-17.a:b_C\",\"reason\":\"rack power-on\"," \
    "\"deadline\":1700000060000,\"nodes\":[1,2,16384]}"

static SbCommand decoded;

static int decode_host_object(const void *p, size_t len, const char **why)
{
    return sb_command_decode(p, len, SB_TARGET_HOST, false, &decoded, why);
}

static int decode_host_bare(const void *p, size_t len, const char **why)
{
    return sb_command_decode(p, len, SB_TARGET_HOST, true, &decoded, why);
}

static int decode_chassis_bare(const void *p, size_t len, const char **why)
{
    return sb_command_decode(p, len, SB_TARGET_CHASSIS, true, &decoded, why);
}

static int decode_bmc_object(const void *p, size_t len, const char **why)
{
    return sb_command_decode(p, len, SB_TARGET_BMC, false, &decoded, why);
}

static void test_command_round_trip(void **state)
{
    SbCommand c = { .transition = SB_TRANSITION_ON,
                    .deadline_ms = 1700000060000,
                    .nodes = { 1, 2, 16384 },
                    .n_nodes = 3 };
    char first[SB_PAYLOAD_MAX + 1], second[SB_PAYLOAD_MAX + 1];
    int n;

    (void) state;
    (void) snprintf(c.id, sizeof(c.id), "%s", "op-17.a:b_C");
    (void) snprintf(c.reason, sizeof(c.reason), "%s", "rack power-on");
    n = sb_command_encode(&c, first, sizeof(first));
    assert_true(n > 0);
    assert_string_equal(first, COMMAND_VALID);
    for (int bare = 0; bare < 2; bare++) {
        memset(&decoded, 0, sizeof(decoded));
        assert_int_equal(test_decode_n(bare ? decode_host_bare : decode_host_object, first,
                                       (size_t) n, NULL),
                         0);
        assert_int_equal(decoded.transition, SB_TRANSITION_ON);
        assert_string_equal(decoded.id, "op-17.a:b_C");
        assert_string_equal(decoded.reason, "rack power-on");
        assert_true(decoded.deadline_ms == 1700000060000);
        assert_int_equal(decoded.n_nodes, 3);
        assert_int_equal(decoded.nodes[2], 16384);
        assert_false(decoded.bare);
        assert_int_equal(sb_command_encode(&decoded, second, sizeof(second)), n);
        assert_string_equal(first, second);
    }
    /* The minimal command: only "transition" (and "v"). */
    c = (SbCommand){ .transition = SB_TRANSITION_HARD_REBOOT };
    n = sb_command_encode(&c, first, sizeof(first));
    assert_string_equal(first, "{\"v\":1,\"transition\":\"HardReboot\"}");
    assert_int_equal(test_decode_n(decode_bmc_object, first, (size_t) n, NULL), 0);
    assert_int_equal(decoded.transition, SB_TRANSITION_HARD_REBOOT);
    assert_string_equal(decoded.id, "");
    assert_int_equal(decoded.n_nodes, 0);
    /* Typed by people: "v" may be missing; UTF-8 text in the reason is kept. */
    test_expect(decode_host_object,
                "{\"transition\":\"Off\",\"reason\":\"caf\\u00e9 \xe2\x9c\x93\"}", 0, NULL);
    assert_string_equal(decoded.reason, "caf\xC3\xA9 \xE2\x9C\x93");
}

static void test_command_bare_words(void **state)
{
    static const char *const words[] = { "On", " On", "On\n", "\t On \r\n" };

    (void) state;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        memset(&decoded, 0, sizeof(decoded));
        test_expect(decode_host_bare, words[i], 0, NULL);
        assert_int_equal(decoded.transition, SB_TRANSITION_ON);
        assert_true(decoded.bare);
        assert_string_equal(decoded.id, "");
        /* Bare words only where allowed (system/set), never on node topics. */
        test_expect(decode_host_object, words[i], -EBADMSG, NULL);
    }
    test_expect(decode_chassis_bare, "PowerCycle", 0, NULL);
    assert_int_equal(decoded.transition, SB_TRANSITION_POWER_CYCLE);
    test_expect(decode_host_bare, "PowerCycle", -EBADMSG, "transition");
    test_expect(decode_host_bare, "on", -EBADMSG, NULL);
    test_expect(decode_host_bare, "O n", -EBADMSG, NULL);
    test_expect(decode_host_bare, "On Off", -EBADMSG, NULL);
    test_expect(decode_host_bare, "\"On\"", -EBADMSG, NULL);
    test_expect(decode_host_bare, "Bogus", -EBADMSG, NULL);
    test_expect(decode_host_bare, "On\x01", -EBADMSG, NULL);
    test_expect(decode_host_bare, "", -EBADMSG, NULL);
    /* A bare word is still bounded by the payload size. */
    {
        char *big = malloc(SB_PAYLOAD_MAX + 1);

        assert_non_null(big);
        memset(big, ' ', SB_PAYLOAD_MAX + 1);
        memcpy(big, "On", 2);
        assert_int_equal(test_decode_n(decode_host_bare, big, SB_PAYLOAD_MAX + 1, NULL), -EMSGSIZE);
        assert_int_equal(test_decode_n(decode_host_bare, big, SB_PAYLOAD_MAX, NULL), 0);
        free(big);
    }
}

static void test_command_transition_per_target(void **state)
{
    char text[128];

    (void) state;
    for (int target = 1; target < SB_TARGET_COUNT; target++) {
        for (int t = 1; t < SB_TRANSITION_COUNT; t++) {
            int want = sb_transition_valid_for((SbTarget) target, (SbTransition) t) ? 0 : -EBADMSG;
            const char *why = NULL;
            const char *word = sb_enum_to_string(SB_ENUM_TRANSITION, t);

            (void) snprintf(text, sizeof(text), "{\"transition\":\"%s\"}", word);
            assert_int_equal(
                    sb_command_decode(text, strlen(text), (SbTarget) target, false, &decoded, &why),
                    want);
            assert_int_equal(
                    sb_command_decode(word, strlen(word), (SbTarget) target, true, &decoded, &why),
                    want);
            if (want < 0) {
                assert_non_null(strstr(why, "transition"));
            }
        }
    }
    assert_int_equal(sb_command_decode("On", 2, SB_TARGET_NONE, true, &decoded, NULL), -EINVAL);
    assert_int_equal(sb_command_decode("On", 2, SB_TARGET_COUNT, true, &decoded, NULL), -EINVAL);
    assert_int_equal(sb_command_decode("On", 2, SB_TARGET_HOST, true, NULL, NULL), -EINVAL);
}

static void test_command_rejection_keeps_id_and_transition(void **state)
{
    (void) state;
    /* contract.md: a rejected request is answered with its id echoed. */
    test_expect(decode_chassis_bare, "{\"transition\":\"Reboot\",\"id\":\"bad-1\"}", -EBADMSG,
                "transition");
    assert_string_equal(decoded.id, "bad-1");
    assert_int_equal(decoded.transition, SB_TRANSITION_REBOOT);
    test_expect(decode_host_object, "{\"id\":\"bad-2\",\"transition\":\"On\",\"nodes\":[0]}",
                -EBADMSG, "nodes");
    assert_string_equal(decoded.id, "bad-2");
    assert_int_equal(decoded.transition, SB_TRANSITION_ON);
    test_expect(decode_host_object, "{\"id\":\"bad-3\",\"transition\":\"Bogus\"}", -EBADMSG,
                "transition");
    assert_string_equal(decoded.id, "bad-3");
    assert_int_equal(decoded.transition, SB_TRANSITION_NONE);
    test_expect(decode_host_bare, "PowerCycle", -EBADMSG, "transition");
    assert_string_equal(decoded.id, "");
    assert_int_equal(decoded.transition, SB_TRANSITION_POWER_CYCLE);
    assert_true(decoded.bare);
    /* Nothing usable: the id stays empty rather than stale from an earlier call. */
    test_expect(decode_host_object, "{\"id\":\"x y\",\"transition\":\"On\"}", -EBADMSG, "id");
    assert_string_equal(decoded.id, "");
    test_expect(decode_host_object, "not json", -EBADMSG, NULL);
    assert_string_equal(decoded.id, "");
    assert_int_equal(decoded.transition, SB_TRANSITION_NONE);
}

static void test_command_malformed(void **state)
{
    static const char *const required[] = { "transition", NULL };
    static const char *const fields[] = { "v",        "transition", "id", "reason",
                                          "deadline", "nodes",      NULL };

    (void) state;
    test_common_malformed(decode_host_object, COMMAND_VALID, "transition");
    test_common_malformed(decode_host_bare, COMMAND_VALID, "id");
    test_required_fields(decode_host_object, COMMAND_VALID, required);
    test_wrong_types(decode_host_object, COMMAND_VALID, fields);
    test_wrong_types(decode_host_bare, COMMAND_VALID, fields);
    test_integer_field(decode_host_object, COMMAND_VALID, "deadline", 0, UINT64_C(1) << 53);
    test_integer_field(decode_host_object, COMMAND_VALID, "v", 1, UINT64_C(1) << 53);
    test_text_field(decode_host_object, COMMAND_VALID, "reason", SB_REASON_MAX);
    test_text_field(decode_host_object, COMMAND_VALID, "id", SB_ID_MAX);
    test_expect(decode_host_object, "{\"transition\":\"Unknown\"}", -EBADMSG, "transition");
    test_expect(decode_host_object, "{\"transition\":\"on\"}", -EBADMSG, "transition");
}

static void test_command_id_syntax(void **state)
{
    static const char *const good[] = { "a", "A-Z.0:9_x", "r1" };
    static const char *const bad[] = {
        "", " r1", "r 1", "r/1", "r#1", "r+1", "caf\xC3\xA9", "r\"1"
    };
    char text[256];

    (void) state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        (void) snprintf(text, sizeof(text), "{\"transition\":\"On\",\"id\":\"%s\"}", good[i]);
        test_expect(decode_host_object, text, 0, NULL);
        assert_string_equal(decoded.id, good[i]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *edited;

        (void) snprintf(text, sizeof(text), "\"%s\"", bad[i]);
        if (strchr(bad[i], '"')) {
            (void) snprintf(text, sizeof(text), "\"r\\\"1\"");
        }
        edited = test_json_edit(COMMAND_VALID, "id", text);
        test_expect(decode_host_object, edited, -EBADMSG, "id");
        free(edited);
    }
}

static void test_command_nodes(void **state)
{
    static const struct {
        const char *nodes;
        int want;
    } cases[] = {
        { "[1]", 0 },
        { "[16384,1]", 0 },
        { "[]", -EBADMSG },  /* empty: an empty selection is not "all nodes" */
        { "[0]", -EBADMSG }, /* out of range */
        { "[16385]", -EBADMSG },
        { "[1,1]", -EBADMSG }, /* repeated */
        { "[1.5]", -EBADMSG },
        { "[-1]", -EBADMSG },
        { "[\"1\"]", -EBADMSG },
        { "[[1]]", -EBADMSG },
        { "[null]", -EBADMSG },
    };
    char text[256];
    char *many;
    size_t off;

    (void) state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        (void) snprintf(text, sizeof(text), "{\"transition\":\"On\",\"nodes\":%s}", cases[i].nodes);
        test_expect(decode_host_object, text, cases[i].want, "nodes");
    }
    /* SB_COMMAND_NODES_MAX entries are accepted, one more is too many. */
    many = malloc(SB_PAYLOAD_MAX);
    assert_non_null(many);
    for (size_t count = SB_COMMAND_NODES_MAX; count <= SB_COMMAND_NODES_MAX + 1; count++) {
        off = (size_t) sprintf(many, "{\"transition\":\"Off\",\"nodes\":[");
        for (size_t n = 1; n <= count; n++) {
            off += (size_t) sprintf(many + off, "%s%zu", n > 1 ? "," : "", n);
        }
        (void) sprintf(many + off, "]}");
        test_expect(decode_host_object, many, count == SB_COMMAND_NODES_MAX ? 0 : -EMSGSIZE,
                    "nodes");
        if (count == SB_COMMAND_NODES_MAX) {
            assert_int_equal(decoded.n_nodes, SB_COMMAND_NODES_MAX);
            assert_int_equal(decoded.nodes[SB_COMMAND_NODES_MAX - 1], SB_COMMAND_NODES_MAX);
        }
    }
    free(many);
}

static void test_command_encode_refuses_invalid(void **state)
{
    char buf[SB_PAYLOAD_MAX + 1];
    SbCommand c = { .transition = SB_TRANSITION_NONE };

    (void) state;
    assert_int_equal(sb_command_encode(&c, buf, sizeof(buf)), -EINVAL);
    c.transition = SB_TRANSITION_COUNT;
    assert_int_equal(sb_command_encode(&c, buf, sizeof(buf)), -EINVAL);
    c = (SbCommand){ .transition = SB_TRANSITION_ON };
    (void) snprintf(c.id, sizeof(c.id), "%s", "bad id");
    assert_int_equal(sb_command_encode(&c, buf, sizeof(buf)), -EINVAL);
    c = (SbCommand){ .transition = SB_TRANSITION_ON };
    (void) snprintf(c.reason, sizeof(c.reason), "%s", "line\nbreak");
    assert_int_equal(sb_command_encode(&c, buf, sizeof(buf)), -EINVAL);
    c = (SbCommand){ .transition = SB_TRANSITION_ON };
    memset(c.reason, 'r', sizeof(c.reason)); /* not NUL-terminated within its bound */
    assert_int_equal(sb_command_encode(&c, buf, sizeof(buf)), -EINVAL);
    c = (SbCommand){ .transition = SB_TRANSITION_ON };
    memcpy(c.reason, "\xC3\x28", 3);
    assert_int_equal(sb_command_encode(&c, buf, sizeof(buf)), -EINVAL);
    c = (SbCommand){ .transition = SB_TRANSITION_ON, .nodes = { 2, 2 }, .n_nodes = 2 };
    assert_int_equal(sb_command_encode(&c, buf, sizeof(buf)), -EINVAL);
    c = (SbCommand){ .transition = SB_TRANSITION_ON, .nodes = { 0 }, .n_nodes = 1 };
    assert_int_equal(sb_command_encode(&c, buf, sizeof(buf)), -EINVAL);
    c = (SbCommand){ .transition = SB_TRANSITION_ON, .n_nodes = SB_COMMAND_NODES_MAX + 1 };
    assert_int_equal(sb_command_encode(&c, buf, sizeof(buf)), -EINVAL);
    c = (SbCommand){ .transition = SB_TRANSITION_ON, .deadline_ms = UINT64_MAX };
    assert_int_equal(sb_command_encode(&c, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(sb_command_encode(NULL, buf, sizeof(buf)), -EINVAL);
}

static int encode_fixed(char *buf, size_t size)
{
    SbCommand c = { .transition = SB_TRANSITION_ON,
                    .deadline_ms = 1700000060000,
                    .nodes = { 1, 2, 16384 },
                    .n_nodes = 3 };

    (void) snprintf(c.id, sizeof(c.id), "%s", "op-17.a:b_C");
    (void) snprintf(c.reason, sizeof(c.reason), "%s", "rack power-on");
    return sb_command_encode(&c, buf, size);
}

static void test_command_encoder_overflow(void **state)
{
    SbCommand c = { .transition = SB_TRANSITION_OFF, .n_nodes = SB_COMMAND_NODES_MAX };
    char buf[SB_PAYLOAD_MAX + 1];
    int n;

    (void) state;
    test_encoder_bounds(encode_fixed, COMMAND_VALID);
    /* The largest command (256 five-digit nodes, a full reason and id) still fits 4096. */
    for (size_t i = 0; i < SB_COMMAND_NODES_MAX; i++) {
        c.nodes[i] = (uint32_t) (10000 + i);
    }
    memset(c.id, 'i', SB_ID_MAX);
    memset(c.reason, '"', SB_REASON_MAX);
    c.deadline_ms = UINT64_C(1) << 53;
    n = sb_command_encode(&c, buf, sizeof(buf));
    assert_true(n > 0 && n <= (int) SB_PAYLOAD_MAX);
    assert_int_equal(test_decode_n(decode_host_object, buf, (size_t) n, NULL), 0);
    assert_int_equal(decoded.n_nodes, SB_COMMAND_NODES_MAX);
    assert_int_equal(strlen(decoded.reason), SB_REASON_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_round_trip),
        cmocka_unit_test(test_command_bare_words),
        cmocka_unit_test(test_command_transition_per_target),
        cmocka_unit_test(test_command_rejection_keeps_id_and_transition),
        cmocka_unit_test(test_command_malformed),
        cmocka_unit_test(test_command_id_syntax),
        cmocka_unit_test(test_command_nodes),
        cmocka_unit_test(test_command_encode_refuses_invalid),
        cmocka_unit_test(test_command_encoder_overflow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
