/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Settings and scheduled transitions (topics/README.md "Settings", "Scheduled transitions"):
 * defaults, validation (a bad value is rejected and changes nothing), persistence and
 * publication of the effective value, and the schedule firing through the gate, once, across
 * restarts, or dropped when missed by more than the grace.
 */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "coord-harness.h"

static SbSettingValue setting(const Harness *h, SbSettingName name)
{
    SbSettingValue v;

    assert_int_equal(coord_setting_build(h->c, name, &v), 0);
    assert_int_equal(v.name, name);
    return v;
}

static Harness *make(uint32_t nodes, uint64_t grace_ms)
{
    CoordConfig cfg = harness_config(nodes);

    cfg.schedule_grace_ms = grace_ms;
    return harness_new(&cfg);
}

/* "setting scheduled-transition {...}" for a time seconds from now. */
static const char *schedule_in(Harness *h, int64_t seconds, const char *transition)
{
    static char input[160];

    (void) snprintf(input, sizeof(input),
                    "setting scheduled-transition {\"time\":%" PRId64 ",\"transition\":\"%s\"}",
                    (int64_t) (h->now_ms / 1000u) + seconds, transition);
    return input;
}

static void test_settings_defaults(void **state)
{
    Harness *h = make(2, 0);
    SbSettingValue v;

    (void) state;
    /* phosphor-settingsd's defaults (settings.c names the file they come from). */
    assert_int_equal(setting(h, SB_SETTING_POWER_RESTORE_POLICY).policy, SB_POLICY_ALWAYS_OFF);
    assert_int_equal(setting(h, SB_SETTING_POWER_RESTORE_DELAY).delay_s, 0);
    assert_int_equal(setting(h, SB_SETTING_POWER_RESTORE_ONE_TIME).policy, SB_POLICY_NONE);
    assert_false(setting(h, SB_SETTING_SCHEDULED_TRANSITION).scheduled);
    assert_int_equal(coord_setting_build(h->c, SB_SETTING_NONE, &v), -EINVAL);
    assert_int_equal(coord_setting_build(h->c, SB_SETTING_COUNT, &v), -EINVAL);
    assert_int_equal(coord_setting_build(NULL, SB_SETTING_POWER_RESTORE_DELAY, &v), -EINVAL);
    harness_free(h);
}

static void test_settings_set_persists_publishes_and_answers(void **state)
{
    Harness *h = make(2, 0);
    const CoordAction *ev;

    (void) state;
    harness_bring_up(h);
    assert_string_equal(harness_run(h, "setting power-restore-policy AlwaysOn"),
                        "persist setting@0");
    assert_non_null(harness_find_setting(h, SB_SETTING_POWER_RESTORE_POLICY));
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_SETTING), 1);
    ev = harness_find_event_kind(h, SB_EVENT_SETTING, 0);
    assert_string_equal(ev->event.why, "power-restore-policy set to AlwaysOn");
    /* The answer also goes to the MQTT v5 response topic. */
    assert_string_equal(ev->reply_to.topic, "statebus/system/reply/set");
    assert_int_equal(setting(h, SB_SETTING_POWER_RESTORE_POLICY).policy, SB_POLICY_ALWAYS_ON);

    harness_run(h, "setting power-restore-delay {\"v\":1,\"value\":45}");
    assert_string_equal(harness_find_event_kind(h, SB_EVENT_SETTING, 0)->event.why,
                        "power-restore-delay set to 45 s");
    harness_run(h, "setting power-restore-one-time \"Restore\"");
    assert_int_equal(setting(h, SB_SETTING_POWER_RESTORE_ONE_TIME).policy, SB_POLICY_RESTORE);

    /* Everything survives a restart. */
    harness_run(h, schedule_in(h, 3600, "Off"));
    h = harness_restart(h, 1000);
    assert_int_equal(setting(h, SB_SETTING_POWER_RESTORE_POLICY).policy, SB_POLICY_ALWAYS_ON);
    assert_int_equal(setting(h, SB_SETTING_POWER_RESTORE_DELAY).delay_s, 45);
    assert_int_equal(setting(h, SB_SETTING_POWER_RESTORE_ONE_TIME).policy, SB_POLICY_RESTORE);
    assert_true(setting(h, SB_SETTING_SCHEDULED_TRANSITION).scheduled);
    assert_int_equal(setting(h, SB_SETTING_SCHEDULED_TRANSITION).scheduled_transition,
                     SB_TRANSITION_OFF);
    /* ... and all of them are published after the rebirth window, with the rollups. */
    harness_run(h, "connect");
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_SETTING), 0);
    harness_run(h, "rebirth 1-2");
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_SETTING), SB_SETTING_COUNT - 1);
    for (int n = SB_SETTING_NONE + 1; n < SB_SETTING_COUNT; n++) {
        assert_non_null(harness_find_setting(h, (SbSettingName) n));
    }
    harness_free(h);
}

static void test_settings_bad_values_change_nothing(void **state)
{
    Harness *h = make(2, 0);
    CoordEvent ev = { .kind = COORD_EV_SETTING };
    const CoordAction *rej;
    SbSummaryMsg sum;

    (void) state;
    harness_bring_up(h);
    harness_run(h, "setting power-restore-policy Restore");
    /* What a decoder lets through but the core refuses: rejected, nothing persisted. */
    assert_string_equal(harness_run(h, schedule_in(h, -10, "On")), "rejected@0");
    rej = harness_find_event_kind(h, SB_EVENT_REJECTED, 0);
    assert_non_null(strstr(rej->event.why, "scheduled-transition: the time"));
    assert_non_null(strstr(rej->event.why, "is in the past"));
    assert_string_equal(rej->reply_to.topic, "statebus/system/reply/set");
    assert_int_equal(harness_count(h, COORD_ACT_PUBLISH_SETTING), 0);
    assert_false(setting(h, SB_SETTING_SCHEDULED_TRANSITION).scheduled);
    assert_string_equal(harness_run(h, "setting scheduled-transition {\"time\":999999999999,"
                                       "\"transition\":\"On\"}"),
                        "rejected@0");

    /* Values no decoder would produce (a shell bug) are refused the same way. */
    ev.setting = (SbSettingValue){ .name = SB_SETTING_POWER_RESTORE_POLICY,
                                   .policy = SB_POLICY_UNKNOWN };
    harness_feed(h, &ev);
    ev.setting = (SbSettingValue){ .name = SB_SETTING_POWER_RESTORE_DELAY, .delay_s = 86401 };
    harness_feed(h, &ev);
    ev.setting = (SbSettingValue){ .name = SB_SETTING_SCHEDULED_TRANSITION,
                                   .scheduled = true,
                                   .scheduled_time_s = h->now_ms / 1000u + 10,
                                   .scheduled_transition = SB_TRANSITION_POWER_CYCLE };
    harness_feed(h, &ev);
    ev.setting = (SbSettingValue){ .name = SB_SETTING_COUNT };
    harness_feed(h, &ev);
    assert_int_equal(setting(h, SB_SETTING_POWER_RESTORE_POLICY).policy, SB_POLICY_RESTORE);
    assert_int_equal(setting(h, SB_SETTING_POWER_RESTORE_DELAY).delay_s, 0);
    assert_false(setting(h, SB_SETTING_SCHEDULED_TRANSITION).scheduled);
    /* Every refusal is counted for system/summary. */
    assert_int_equal(coord_summary_build(h->c, h->now_ms, &sum), 0);
    assert_int_equal(sum.rejected_total, 6);
    harness_free(h);
}

static void test_schedule_fires_through_the_gate_once(void **state)
{
    Harness *h = make(3, 300000);
    const CoordAction *ev, *queued;
    char scheduled_id[SB_ID_MAX + 1];
    SbSettingValue v;

    (void) state;
    harness_run(h, "connect");
    harness_run(h, "birth 1-2");
    harness_run(h, "birth 3 bmc=NotReady");
    assert_string_equal(harness_run(h, schedule_in(h, 5, "On")), "persist setting@0");
    assert_non_null(strstr(harness_find_event_kind(h, SB_EVENT_SETTING, 0)->event.why,
                           "set to host On at"));
    assert_true(h->armed_at_ms == (h->now_ms / 1000u + 5) * 1000u);

    /* At its time the request enters the gate like any other: node 3 is not Ready, it waits. */
    harness_run(h, "advance 6000");
    ev = harness_find_event_kind(h, SB_EVENT_SCHEDULED, 0);
    assert_non_null(ev);
    assert_int_equal(ev->event.target, SB_TARGET_HOST);
    assert_int_equal(ev->event.transition, SB_TRANSITION_ON);
    assert_int_equal(strncmp(ev->event.id, "scheduled-", 10), 0);
    (void) snprintf(scheduled_id, sizeof(scheduled_id), "%s", ev->event.id);
    queued = harness_find_event(h, SB_EVENT_QUEUED, ev->event.id);
    assert_non_null(queued);
    assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), 0);
    /* Cleared once it fired (persisted, published as null). */
    assert_non_null(harness_find_setting(h, SB_SETTING_SCHEDULED_TRANSITION));
    v = setting(h, SB_SETTING_SCHEDULED_TRANSITION);
    assert_false(v.scheduled);

    /* The last BMC Ready releases it. */
    harness_run(h, "state 3 bmc Ready");
    {
        const CoordAction *d = harness_find_dispatch(h, SB_TARGET_HOST);

        assert_non_null(d);
        assert_string_equal(d->command.reason, "ScheduledPowerOn");
        assert_string_equal(d->command.id, scheduled_id);
    }
    harness_run(h, "advance 600000");
    assert_null(harness_find_event_kind(h, SB_EVENT_SCHEDULED, 0));
    harness_free(h);
}

static void test_schedule_survives_a_restart(void **state)
{
    Harness *h = make(2, 300000);

    (void) state;
    harness_bring_up(h);
    harness_run(h, schedule_in(h, 60, "Off"));
    /* Down for 30 s, back before the time: it fires on time. */
    h = harness_restart(h, 30000);
    harness_run(h, "connect");
    harness_run(h, "rebirth 1-2");
    harness_run(h, "advance 29000");
    assert_null(harness_find_event_kind(h, SB_EVENT_SCHEDULED, 0));
    harness_run(h, "advance 2000");
    assert_non_null(harness_find_event_kind(h, SB_EVENT_SCHEDULED, 0));
    /* Off is never gated: dispatched at once. */
    assert_non_null(harness_find_dispatch(h, SB_TARGET_HOST));
    harness_free(h);
}

static void test_schedule_missed_while_down(void **state)
{
    Harness *h = make(2, 300000);
    const CoordAction *ev;

    (void) state;
    harness_bring_up(h);
    harness_run(h, schedule_in(h, 60, "On"));
    /* Back 2 min after the time: within the grace, run it (late). */
    h = harness_restart(h, 180000);
    harness_run(h, "connect");
    ev = harness_find_event_kind(h, SB_EVENT_SCHEDULED, 0);
    assert_non_null(ev);
    assert_string_equal(ev->event.why, "due 120 s ago: host On submitted");
    assert_non_null(harness_find_event(h, SB_EVENT_QUEUED, ev->event.id));
    harness_run(h, "rebirth 1-2");
    assert_non_null(harness_find_dispatch(h, SB_TARGET_HOST));

    /* Back an hour after the time: dropped, with the reason. */
    harness_run(h, schedule_in(h, 60, "Reboot"));
    h = harness_restart(h, 3660000);
    harness_run(h, "connect");
    ev = harness_find_event_kind(h, SB_EVENT_SCHEDULED, 0);
    assert_non_null(ev);
    assert_string_equal(ev->event.why,
                        "missed by 3600 s (more than the 300 s grace): dropped, not run");
    assert_int_equal(ev->event.transition, SB_TRANSITION_REBOOT);
    assert_false(setting(h, SB_SETTING_SCHEDULED_TRANSITION).scheduled);
    harness_run(h, "rebirth 1-2");
    assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), 0);
    harness_free(h);
}

static void test_schedule_grace_zero_runs_however_late(void **state)
{
    Harness *h = make(2, 0);

    (void) state;
    harness_bring_up(h);
    harness_run(h, schedule_in(h, 60, "On"));
    /* PSM's behaviour: a schedule missed by a day still runs. */
    h = harness_restart(h, 86400000);
    harness_run(h, "connect");
    assert_non_null(harness_find_event_kind(h, SB_EVENT_SCHEDULED, 0));
    harness_run(h, "rebirth 1-2");
    assert_non_null(harness_find_dispatch(h, SB_TARGET_HOST));
    harness_free(h);
}

static void test_schedule_replaced_and_cleared(void **state)
{
    Harness *h = make(2, 300000);

    (void) state;
    harness_bring_up(h);
    harness_run(h, schedule_in(h, 60, "On"));
    harness_run(h, schedule_in(h, 120, "Off"));
    assert_int_equal(setting(h, SB_SETTING_SCHEDULED_TRANSITION).scheduled_transition,
                     SB_TRANSITION_OFF);
    harness_run(h, "advance 90000");
    assert_null(harness_find_event_kind(h, SB_EVENT_SCHEDULED, 0));
    assert_string_equal(harness_run(h, "setting scheduled-transition null"), "persist setting@0");
    assert_string_equal(harness_find_event_kind(h, SB_EVENT_SETTING, 0)->event.why,
                        "scheduled-transition cleared");
    assert_int_equal(h->armed_at_ms, 0);
    harness_run(h, "advance 600000");
    assert_null(harness_find_event_kind(h, SB_EVENT_SCHEDULED, 0));
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_defaults),
        cmocka_unit_test(test_settings_set_persists_publishes_and_answers),
        cmocka_unit_test(test_settings_bad_values_change_nothing),
        cmocka_unit_test(test_schedule_fires_through_the_gate_once),
        cmocka_unit_test(test_schedule_survives_a_restart),
        cmocka_unit_test(test_schedule_missed_while_down),
        cmocka_unit_test(test_schedule_grace_zero_runs_however_late),
        cmocka_unit_test(test_schedule_replaced_and_cleared),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
