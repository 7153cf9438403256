/* SPDX-License-Identifier: Apache-2.0 */
/* The topic tree: every kind round-trips, every malformed class is refused. */
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

#include "statebus/topic.h"

/* Parse s from an exact-length heap copy, so ASan catches a read past len. */
static int parse(const char *s, SbTopic *ret)
{
    size_t len = strlen(s);
    char *copy = malloc(len > 0 ? len : 1);
    int r;

    assert_non_null(copy);
    memcpy(copy, s, len);
    r = sb_topic_parse(copy, len, ret);
    free(copy);
    return r;
}

static void expect_invalid(const char *s)
{
    SbTopic t;

    memset(&t, 0x5A, sizeof(t));
    if (parse(s, &t) != -EINVAL) {
        print_error("accepted '%s'\n", s);
        fail();
    }
    /* *ret untouched on error. */
    for (size_t i = 0; i < sizeof(t); i++) {
        assert_int_equal(((unsigned char *) &t)[i], 0x5A);
    }
}

/* Format t, compare with want, parse it back and compare the fields that matter. */
static void round_trip(const SbTopic *t, const char *want)
{
    char buf[SB_TOPIC_MAX + 1];
    SbTopic back;
    int n = sb_topic_format(buf, sizeof(buf), t);

    assert_int_equal(n, (int) strlen(want));
    assert_string_equal(buf, want);
    assert_int_equal(parse(buf, &back), 0);
    assert_int_equal(back.kind, t->kind);
    assert_string_equal(back.system, t->system);
    switch (t->kind) {
    case SB_TOPIC_NODE_STATUS:
    case SB_TOPIC_NODE_HEARTBEAT:
        assert_int_equal(back.node, t->node);
        break;
    case SB_TOPIC_NODE_STATE:
        assert_int_equal(back.node, t->node);
        assert_int_equal(back.state_kind, t->state_kind);
        break;
    case SB_TOPIC_NODE_SET:
        assert_int_equal(back.node, t->node);
        assert_int_equal(back.target, t->target);
        break;
    case SB_TOPIC_SYSTEM_ROLLUP:
        assert_int_equal(back.state_kind, t->state_kind);
        break;
    case SB_TOPIC_SYSTEM_SET:
        assert_int_equal(back.target, t->target);
        break;
    case SB_TOPIC_SETTING:
    case SB_TOPIC_SETTING_SET:
        assert_int_equal(back.setting, t->setting);
        break;
    case SB_TOPIC_REPLY:
        assert_string_equal(back.reply_suffix, t->reply_suffix);
        break;
    default:
        break;
    }
}

static SbTopic topic(SbTopicKind kind, const char *system)
{
    SbTopic t = { .kind = kind };

    (void) snprintf(t.system, sizeof(t.system), "%s", system);
    return t;
}

static void test_topic_every_kind_round_trips(void **state)
{
    static const char *const kinds[] = { "bmc", "chassis", "host", "boot-progress" };
    static const char *const targets[] = { NULL, "chassis", "host", "bmc" };
    static const char *const settings[] = { NULL, "power-restore-policy", "power-restore-delay",
                                            "power-restore-one-time", "scheduled-transition" };
    char want[SB_TOPIC_MAX + 1];
    SbTopic t;

    (void) state;
    t = topic(SB_TOPIC_NODE_STATUS, "system");
    t.node = 1;
    round_trip(&t, "statebus/system/node/1/status");
    t = topic(SB_TOPIC_NODE_HEARTBEAT, "rack-7_a");
    t.node = SB_NODES_MAX;
    round_trip(&t, "statebus/rack-7_a/node/16384/heartbeat");
    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        t = topic(SB_TOPIC_NODE_STATE, "system");
        t.node = 42;
        t.state_kind = (SbStateKind) k;
        (void) snprintf(want, sizeof(want), "statebus/system/node/42/%s", kinds[k]);
        round_trip(&t, want);
        assert_string_equal(sb_state_kind_topic_name((SbStateKind) k), kinds[k]);
    }
    for (int k = 0; k < SB_KIND_COUNT; k++) {
        t = topic(SB_TOPIC_SYSTEM_ROLLUP, "system");
        t.state_kind = (SbStateKind) k;
        (void) snprintf(want, sizeof(want), "statebus/system/system/%s",
                        sb_state_kind_topic_name((SbStateKind) k));
        round_trip(&t, want);
    }
    for (int x = 1; x < SB_TARGET_COUNT; x++) {
        t = topic(SB_TOPIC_NODE_SET, "s");
        t.node = 3;
        t.target = (SbTarget) x;
        (void) snprintf(want, sizeof(want), "statebus/s/node/3/set/%s", targets[x]);
        round_trip(&t, want);
        t = topic(SB_TOPIC_SYSTEM_SET, "s");
        t.target = (SbTarget) x;
        (void) snprintf(want, sizeof(want), "statebus/s/system/set/%s", targets[x]);
        round_trip(&t, want);
        assert_string_equal(sb_target_topic_name((SbTarget) x), targets[x]);
    }
    for (int s = 1; s < SB_SETTING_COUNT; s++) {
        t = topic(SB_TOPIC_SETTING, "system");
        t.setting = (SbSettingName) s;
        (void) snprintf(want, sizeof(want), "statebus/system/system/settings/%s", settings[s]);
        round_trip(&t, want);
        t.kind = SB_TOPIC_SETTING_SET;
        (void) snprintf(want, sizeof(want), "statebus/system/system/settings/%s/set", settings[s]);
        round_trip(&t, want);
        assert_string_equal(sb_setting_topic_name((SbSettingName) s), settings[s]);
    }
    t = topic(SB_TOPIC_SYSTEM_STATUS, "system");
    round_trip(&t, "statebus/system/system/status");
    t = topic(SB_TOPIC_SYSTEM_REBIRTH, "system");
    round_trip(&t, "statebus/system/system/rebirth");
    t = topic(SB_TOPIC_SYSTEM_SUMMARY, "system");
    round_trip(&t, "statebus/system/system/summary");
    t = topic(SB_TOPIC_SYSTEM_REQUESTS, "system");
    round_trip(&t, "statebus/system/system/requests");
    t = topic(SB_TOPIC_SYSTEM_POWER_RESTORE, "system");
    round_trip(&t, "statebus/system/system/power-restore");
    t = topic(SB_TOPIC_SYSTEM_CANCEL, "system");
    round_trip(&t, "statebus/system/system/set/cancel");
    t = topic(SB_TOPIC_EVENT, "system");
    round_trip(&t, "statebus/system/event");
    t = topic(SB_TOPIC_REPLY, "system");
    (void) snprintf(t.reply_suffix, sizeof(t.reply_suffix), "%s", "statebusctl-12/a.b");
    round_trip(&t, "statebus/system/reply/statebusctl-12/a.b");
}

static void test_topic_names_out_of_range(void **state)
{
    (void) state;
    assert_null(sb_state_kind_topic_name(SB_KIND_COUNT));
    assert_null(sb_target_topic_name(SB_TARGET_NONE));
    assert_null(sb_target_topic_name(SB_TARGET_COUNT));
    assert_null(sb_setting_topic_name(SB_SETTING_NONE));
    assert_null(sb_setting_topic_name(SB_SETTING_COUNT));
}

static void test_topic_system_id(void **state)
{
    char id[SB_SYSTEM_ID_MAX + 2];

    (void) state;
    assert_true(sb_system_id_is_valid("system"));
    assert_true(sb_system_id_is_valid("A-z_09"));
    assert_false(sb_system_id_is_valid(""));
    assert_false(sb_system_id_is_valid(NULL));
    assert_false(sb_system_id_is_valid("a b"));
    assert_false(sb_system_id_is_valid("a/b"));
    assert_false(sb_system_id_is_valid("a+"));
    assert_false(sb_system_id_is_valid("a.b"));
    assert_false(sb_system_id_is_valid("sys\xC3\xA9"));
    memset(id, 'x', SB_SYSTEM_ID_MAX);
    id[SB_SYSTEM_ID_MAX] = '\0';
    assert_true(sb_system_id_is_valid(id));
    id[SB_SYSTEM_ID_MAX] = 'x';
    id[SB_SYSTEM_ID_MAX + 1] = '\0';
    assert_false(sb_system_id_is_valid(id));
}

static void test_topic_malformed_refused(void **state)
{
    static const char *const bad[] = {
        /* bad root */
        "",
        "statebus",
        "statebus/",
        "Statebus/system/event",
        "statebusx/system/event",
        "/statebus/system/event",
        "foo/system/event",
        "statebus/system",
        /* bad system id */
        "statebus//event",
        "statebus/sys tem/event",
        "statebus/sys.tem/event",
        "statebus/+/event",
        "statebus/#/event",
        "statebus/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx/event",
        /* node numbers */
        "statebus/system/node/0/status",
        "statebus/system/node/16385/status",
        "statebus/system/node/01/status",
        "statebus/system/node/1a/status",
        "statebus/system/node/-1/status",
        "statebus/system/node/+1/status",
        "statebus/system/node/ 1/status",
        "statebus/system/node/100000/status",
        "statebus/system/node//status",
        "statebus/system/node/+/status",
        /* unknown kind / target / setting, wrong place */
        "statebus/system/node/1/hypervisor",
        "statebus/system/node/1/power",
        "statebus/system/node/1/Status",
        "statebus/system/node/1/set/power",
        "statebus/system/node/1/set",
        "statebus/system/node/1/set/+",
        "statebus/system/system/set/hypervisor",
        "statebus/system/system/set",
        "statebus/system/system/settings/unknown",
        "statebus/system/system/settings",
        "statebus/system/system/settings/power-restore-policy/get",
        "statebus/system/system/heartbeat",
        "statebus/system/system/foo",
        "statebus/system/other",
        "statebus/system/node",
        "statebus/system/node/1",
        /* extra levels */
        "statebus/system/node/1/status/x",
        "statebus/system/node/1/set/host/x",
        "statebus/system/event/x",
        "statebus/system/system/status/x",
        "statebus/system/system/settings/power-restore-delay/set/x",
        /* empty levels */
        "statebus/system/event/",
        "statebus/system/node/1/status/",
        "statebus/system//node/1/status",
        "statebus/system/system//status",
        /* wildcards */
        "statebus/system/#",
        "statebus/system/node/#",
        "statebus/system/node/1/#",
        "statebus/system/system/+",
        "statebus/system/reply/#",
        "statebus/system/reply/a/+/b",
        /* bad reply suffixes */
        "statebus/system/reply",
        "statebus/system/reply/",
        "statebus/system/reply//a",
        "statebus/system/reply/a//b",
        "statebus/system/reply/a/",
        "statebus/system/reply/a b",
        "statebus/system/reply/\x01",
        "statebus/system/reply/\xC3\xA9",
    };

    (void) state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_invalid(bad[i]);
    }
}

static void test_topic_length_limit(void **state)
{
    char topic[SB_TOPIC_MAX + 2];
    size_t head = strlen("statebus/system/reply/");
    SbTopic t;

    (void) state;
    memcpy(topic, "statebus/system/reply/", head);
    memset(topic + head, 'r', SB_TOPIC_MAX - head);
    topic[SB_TOPIC_MAX] = '\0';
    assert_int_equal(parse(topic, &t), 0);
    assert_int_equal(strlen(t.reply_suffix), SB_TOPIC_MAX - head);
    topic[SB_TOPIC_MAX] = 'r';
    topic[SB_TOPIC_MAX + 1] = '\0';
    expect_invalid(topic);
}

static void test_topic_not_nul_terminated(void **state)
{
    /* A valid topic followed by junk that is not part of len; and a NUL inside len. */
    static const char text[] = "statebus/system/node/7/hostXYZ";
    SbTopic t;

    (void) state;
    assert_int_equal(sb_topic_parse(text, strlen("statebus/system/node/7/host"), &t), 0);
    assert_int_equal(t.kind, SB_TOPIC_NODE_STATE);
    assert_int_equal(t.node, 7);
    assert_int_equal(t.state_kind, SB_KIND_HOST);
    assert_int_equal(sb_topic_parse("statebus/system/event\0", 22, &t), -EINVAL);
    assert_int_equal(sb_topic_parse("statebus/sys\0em/event", 21, &t), -EINVAL);
    assert_int_equal(sb_topic_parse(NULL, 5, &t), -EINVAL);
    assert_int_equal(sb_topic_parse("statebus/system/event", 21, NULL), -EINVAL);
}

static void test_topic_format_refuses_invalid(void **state)
{
    char buf[SB_TOPIC_MAX + 1];
    SbTopic t;

    (void) state;
    t = topic(SB_TOPIC_NODE_STATUS, "system");
    t.node = 0;
    assert_int_equal(sb_topic_format(buf, sizeof(buf), &t), -EINVAL);
    t.node = SB_NODES_MAX + 1;
    assert_int_equal(sb_topic_format(buf, sizeof(buf), &t), -EINVAL);
    t = topic(SB_TOPIC_NODE_STATE, "system");
    t.node = 1;
    t.state_kind = SB_KIND_HYPERVISOR; /* system only */
    assert_int_equal(sb_topic_format(buf, sizeof(buf), &t), -EINVAL);
    t = topic(SB_TOPIC_SYSTEM_SET, "system");
    t.target = SB_TARGET_NONE;
    assert_int_equal(sb_topic_format(buf, sizeof(buf), &t), -EINVAL);
    t = topic(SB_TOPIC_SETTING, "system");
    t.setting = SB_SETTING_COUNT;
    assert_int_equal(sb_topic_format(buf, sizeof(buf), &t), -EINVAL);
    t = topic(SB_TOPIC_EVENT, "bad id");
    assert_int_equal(sb_topic_format(buf, sizeof(buf), &t), -EINVAL);
    t = topic(SB_TOPIC_INVALID, "system");
    assert_int_equal(sb_topic_format(buf, sizeof(buf), &t), -EINVAL);
    t = topic(SB_TOPIC_KIND_COUNT, "system");
    assert_int_equal(sb_topic_format(buf, sizeof(buf), &t), -EINVAL);
    t = topic(SB_TOPIC_REPLY, "system");
    (void) snprintf(t.reply_suffix, sizeof(t.reply_suffix), "%s", "a/+");
    assert_int_equal(sb_topic_format(buf, sizeof(buf), &t), -EINVAL);
    t.reply_suffix[0] = '\0';
    assert_int_equal(sb_topic_format(buf, sizeof(buf), &t), -EINVAL);
    /* A suffix that fits its field but makes the topic longer than SB_TOPIC_MAX. */
    memset(t.reply_suffix, 'r', SB_TOPIC_MAX);
    t.reply_suffix[SB_TOPIC_MAX] = '\0';
    assert_int_equal(sb_topic_format(buf, sizeof(buf), &t), -EINVAL);
    assert_int_equal(sb_topic_format(buf, sizeof(buf), NULL), -EINVAL);
}

static void test_topic_format_buffer_size(void **state)
{
    const char *want = "statebus/system/event";
    size_t len = strlen(want);
    SbTopic t = topic(SB_TOPIC_EVENT, "system");
    char *exact = malloc(len + 1);

    (void) state;
    assert_non_null(exact);
    assert_int_equal(sb_topic_format(exact, len + 1, &t), (int) len);
    assert_string_equal(exact, want);
    assert_int_equal(sb_topic_format(exact, len, &t), -ENOSPC);
    assert_int_equal(sb_topic_format(NULL, 0, &t), -ENOSPC);
    assert_int_equal(
            sb_filter_format(exact, strlen("statebus/system/#"), "system", SB_FILTER_ALL, 0),
            -ENOSPC);
    assert_int_equal(
            sb_filter_format(exact, strlen("statebus/system/#") + 1, "system", SB_FILTER_ALL, 0),
            (int) strlen("statebus/system/#"));
    assert_int_equal(sb_reply_topic_format(exact, len, "system", "x"), -ENOSPC);
    free(exact);
}

static void test_topic_filters(void **state)
{
    static const struct {
        SbFilter filter;
        uint32_t node;
        const char *want;
    } filters[] = {
        { SB_FILTER_ALL, 0, "statebus/system/#" },
        { SB_FILTER_NODE_TOPICS, 0, "statebus/system/node/+/+" },
        { SB_FILTER_NODE_SET, 5, "statebus/system/node/5/set/+" },
        { SB_FILTER_SYSTEM_SET, 0, "statebus/system/system/set/+" },
        { SB_FILTER_SETTINGS_SET, 0, "statebus/system/system/settings/+/set" },
        { SB_FILTER_SYSTEM_ALL, 0, "statebus/system/system/#" },
        { SB_FILTER_NODE_ALL, 16384, "statebus/system/node/16384/#" },
    };
    char buf[SB_TOPIC_MAX + 1];

    (void) state;
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        int n = sb_filter_format(buf, sizeof(buf), "system", filters[i].filter, filters[i].node);

        assert_int_equal(n, (int) strlen(filters[i].want));
        assert_string_equal(buf, filters[i].want);
    }
    assert_int_equal(sb_filter_format(buf, sizeof(buf), "system", SB_FILTER_NODE_SET, 0), -EINVAL);
    assert_int_equal(sb_filter_format(buf, sizeof(buf), "system", SB_FILTER_NODE_ALL, 16385),
                     -EINVAL);
    assert_int_equal(sb_filter_format(buf, sizeof(buf), "bad/id", SB_FILTER_ALL, 0), -EINVAL);
    assert_int_equal(sb_filter_format(buf, sizeof(buf), "system", SB_FILTER_COUNT, 0), -EINVAL);
}

static void test_topic_reply_format(void **state)
{
    char buf[SB_TOPIC_MAX + 1];
    SbTopic t;

    (void) state;
    assert_int_equal(sb_reply_topic_format(buf, sizeof(buf), "system", "ctl-1/x"),
                     (int) strlen("statebus/system/reply/ctl-1/x"));
    assert_string_equal(buf, "statebus/system/reply/ctl-1/x");
    assert_int_equal(parse(buf, &t), 0);
    assert_int_equal(t.kind, SB_TOPIC_REPLY);
    assert_string_equal(t.reply_suffix, "ctl-1/x");
    assert_int_equal(sb_reply_topic_format(buf, sizeof(buf), "system", ""), -EINVAL);
    assert_int_equal(sb_reply_topic_format(buf, sizeof(buf), "system", "a/#"), -EINVAL);
    assert_int_equal(sb_reply_topic_format(buf, sizeof(buf), "system", "/a"), -EINVAL);
    assert_int_equal(sb_reply_topic_format(buf, sizeof(buf), "system", NULL), -EINVAL);
    assert_int_equal(sb_reply_topic_format(buf, sizeof(buf), "", "a"), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topic_every_kind_round_trips),
        cmocka_unit_test(test_topic_names_out_of_range),
        cmocka_unit_test(test_topic_system_id),
        cmocka_unit_test(test_topic_malformed_refused),
        cmocka_unit_test(test_topic_length_limit),
        cmocka_unit_test(test_topic_not_nul_terminated),
        cmocka_unit_test(test_topic_format_refuses_invalid),
        cmocka_unit_test(test_topic_format_buffer_size),
        cmocka_unit_test(test_topic_filters),
        cmocka_unit_test(test_topic_reply_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
