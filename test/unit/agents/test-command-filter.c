/* SPDX-License-Identifier: Apache-2.0 */
/* command-filter: retain, deadline, duplicate ring (with wrap-around), invalid target. */
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <string.h>

#include "command-filter.h"

#define NOW 1700000000000ull

static SbCommand make(SbTransition tr, const char *id, uint64_t deadline)
{
    SbCommand c;

    memset(&c, 0, sizeof(c));
    c.transition = tr;
    (void) snprintf(c.id, sizeof(c.id), "%s", id);
    c.deadline_ms = deadline;
    return c;
}

static CommandVerdict
check(const CommandFilter *f, SbTarget target, const SbCommand *c, bool retained, const char **why)
{
    return command_filter_check(f, target, c, retained, NOW, why);
}

static void test_filter_accepts_a_fresh_command(void **state)
{
    CommandFilter f;
    SbCommand c = make(SB_TRANSITION_ON, "r1", NOW + 30000);
    const char *why = NULL;

    (void) state;
    command_filter_init(&f);
    assert_int_equal(check(&f, SB_TARGET_HOST, &c, false, &why), COMMAND_ACCEPT);
    assert_string_equal(why, "");
    /* ret_why may be NULL. */
    assert_int_equal(check(&f, SB_TARGET_HOST, &c, false, NULL), COMMAND_ACCEPT);
}

static void test_filter_rejects_retained(void **state)
{
    CommandFilter f;
    SbCommand c = make(SB_TRANSITION_ON, "r1", NOW + 30000);
    const char *why = NULL;

    (void) state;
    command_filter_init(&f);
    assert_int_equal(check(&f, SB_TARGET_CHASSIS, &c, true, &why), COMMAND_REJECT);
    assert_string_equal(why, "delivered with the retain flag");
    /* Even one carried out before: a retained replay is never "just a duplicate". */
    command_filter_remember(&f, "r1");
    assert_int_equal(check(&f, SB_TARGET_CHASSIS, &c, true, &why), COMMAND_REJECT);
}

static void test_filter_rejects_past_deadline(void **state)
{
    CommandFilter f;
    SbCommand late = make(SB_TRANSITION_OFF, "r2", NOW - 1);
    SbCommand exact = make(SB_TRANSITION_OFF, "r3", NOW);
    SbCommand none = make(SB_TRANSITION_OFF, "r4", 0);
    const char *why = NULL;

    (void) state;
    command_filter_init(&f);
    assert_int_equal(check(&f, SB_TARGET_HOST, &late, false, &why), COMMAND_REJECT);
    assert_string_equal(why, "past deadline");
    /* deadline < now drops; the last millisecond still counts. */
    assert_int_equal(check(&f, SB_TARGET_HOST, &exact, false, &why), COMMAND_ACCEPT);
    /* No deadline: nothing to miss (an operator's mosquitto_pub). */
    assert_int_equal(check(&f, SB_TARGET_HOST, &none, false, &why), COMMAND_ACCEPT);
}

static void test_filter_rejects_transition_invalid_for_target(void **state)
{
    static const struct {
        SbTarget target;
        SbTransition transition;
        CommandVerdict verdict;
    } cases[] = {
        { SB_TARGET_CHASSIS, SB_TRANSITION_ON, COMMAND_ACCEPT },
        { SB_TARGET_CHASSIS, SB_TRANSITION_OFF, COMMAND_ACCEPT },
        { SB_TARGET_CHASSIS, SB_TRANSITION_POWER_CYCLE, COMMAND_ACCEPT },
        { SB_TARGET_CHASSIS, SB_TRANSITION_REBOOT, COMMAND_REJECT },
        { SB_TARGET_CHASSIS, SB_TRANSITION_HARD_REBOOT, COMMAND_REJECT },
        { SB_TARGET_HOST, SB_TRANSITION_ON, COMMAND_ACCEPT },
        { SB_TARGET_HOST, SB_TRANSITION_REBOOT, COMMAND_ACCEPT },
        { SB_TARGET_HOST, SB_TRANSITION_GRACEFUL_WARM_REBOOT, COMMAND_ACCEPT },
        { SB_TARGET_HOST, SB_TRANSITION_FORCE_WARM_REBOOT, COMMAND_ACCEPT },
        { SB_TARGET_HOST, SB_TRANSITION_POWER_CYCLE, COMMAND_REJECT },
        { SB_TARGET_BMC, SB_TRANSITION_REBOOT, COMMAND_ACCEPT },
        { SB_TARGET_BMC, SB_TRANSITION_HARD_REBOOT, COMMAND_ACCEPT },
        { SB_TARGET_BMC, SB_TRANSITION_ON, COMMAND_REJECT },
        { SB_TARGET_BMC, SB_TRANSITION_OFF, COMMAND_REJECT },
        { SB_TARGET_HOST, SB_TRANSITION_NONE, COMMAND_REJECT },
    };
    CommandFilter f;

    (void) state;
    command_filter_init(&f);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        SbCommand c = make(cases[i].transition, "", NOW + 1000);
        const char *why = NULL;
        CommandVerdict v = check(&f, cases[i].target, &c, false, &why);

        if (v != cases[i].verdict) {
            fail_msg("case %zu: target %d transition %d: verdict %d, expected %d", i,
                     cases[i].target, cases[i].transition, v, cases[i].verdict);
        }
        if (v == COMMAND_REJECT) {
            assert_string_equal(why, "transition not valid for the target");
        }
    }
}

static void test_filter_reports_duplicates(void **state)
{
    CommandFilter f;
    SbCommand c = make(SB_TRANSITION_ON, "coord-17", NOW + 1000);
    SbCommand other = make(SB_TRANSITION_ON, "coord-18", NOW + 1000);
    const char *why = NULL;

    (void) state;
    command_filter_init(&f);
    assert_int_equal(check(&f, SB_TARGET_HOST, &c, false, &why), COMMAND_ACCEPT);
    command_filter_remember(&f, c.id);
    assert_int_equal(check(&f, SB_TARGET_HOST, &c, false, &why), COMMAND_DUPLICATE);
    assert_string_equal(why, "id already carried out");
    /* A duplicate past its deadline is still reported as the duplicate it is. */
    c.deadline_ms = NOW - 5;
    assert_int_equal(check(&f, SB_TARGET_HOST, &c, false, &why), COMMAND_DUPLICATE);
    assert_int_equal(check(&f, SB_TARGET_HOST, &other, false, &why), COMMAND_ACCEPT);
}

static void test_filter_never_matches_an_empty_id(void **state)
{
    CommandFilter f;
    SbCommand c = make(SB_TRANSITION_ON, "", NOW + 1000);

    (void) state;
    command_filter_init(&f);
    command_filter_remember(&f, "");
    command_filter_remember(&f, NULL);
    assert_int_equal(f.count, 0);
    assert_false(command_filter_seen(&f, ""));
    assert_int_equal(check(&f, SB_TARGET_HOST, &c, false, NULL), COMMAND_ACCEPT);
}

static void test_filter_ring_forgets_the_oldest_on_wrap_around(void **state)
{
    CommandFilter f;
    char id[32];

    (void) state;
    command_filter_init(&f);
    for (int i = 0; i < COMMAND_FILTER_IDS; i++) {
        (void) snprintf(id, sizeof(id), "id-%d", i);
        command_filter_remember(&f, id);
    }
    assert_int_equal(f.count, COMMAND_FILTER_IDS);
    for (int i = 0; i < COMMAND_FILTER_IDS; i++) {
        (void) snprintf(id, sizeof(id), "id-%d", i);
        assert_true(command_filter_seen(&f, id));
    }

    /* One more: the oldest goes, everything newer stays. */
    command_filter_remember(&f, "id-64");
    assert_int_equal(f.count, COMMAND_FILTER_IDS);
    assert_false(command_filter_seen(&f, "id-0"));
    for (int i = 1; i <= COMMAND_FILTER_IDS; i++) {
        (void) snprintf(id, sizeof(id), "id-%d", i);
        assert_true(command_filter_seen(&f, id));
    }

    /* Around the ring more than once: exactly the last 64 are remembered. */
    for (int i = 65; i < 3 * COMMAND_FILTER_IDS + 7; i++) {
        (void) snprintf(id, sizeof(id), "id-%d", i);
        command_filter_remember(&f, id);
    }
    for (int i = 0; i < 3 * COMMAND_FILTER_IDS + 7; i++) {
        bool expected = i >= 3 * COMMAND_FILTER_IDS + 7 - COMMAND_FILTER_IDS;
        (void) snprintf(id, sizeof(id), "id-%d", i);
        if (command_filter_seen(&f, id) != expected) {
            fail_msg("%s: seen=%d, expected %d", id, !expected, expected);
        }
    }
}

static void test_filter_remembering_a_known_id_evicts_nothing(void **state)
{
    CommandFilter f;
    char id[32];

    (void) state;
    command_filter_init(&f);
    for (int i = 0; i < COMMAND_FILTER_IDS; i++) {
        (void) snprintf(id, sizeof(id), "id-%d", i);
        command_filter_remember(&f, id);
    }
    command_filter_remember(&f, "id-5");
    assert_true(command_filter_seen(&f, "id-0"));
    assert_true(command_filter_seen(&f, "id-5"));
}

static void test_filter_keeps_ids_of_maximum_length(void **state)
{
    CommandFilter f;
    char id[SB_ID_MAX + 1];
    SbCommand c;

    (void) state;
    memset(id, 'a', SB_ID_MAX);
    id[SB_ID_MAX] = '\0';
    command_filter_init(&f);
    command_filter_remember(&f, id);
    assert_true(command_filter_seen(&f, id));
    c = make(SB_TRANSITION_ON, id, 0);
    assert_int_equal(check(&f, SB_TARGET_HOST, &c, false, NULL), COMMAND_DUPLICATE);
    id[SB_ID_MAX - 1] = 'b';
    assert_false(command_filter_seen(&f, id));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_accepts_a_fresh_command),
        cmocka_unit_test(test_filter_rejects_retained),
        cmocka_unit_test(test_filter_rejects_past_deadline),
        cmocka_unit_test(test_filter_rejects_transition_invalid_for_target),
        cmocka_unit_test(test_filter_reports_duplicates),
        cmocka_unit_test(test_filter_never_matches_an_empty_id),
        cmocka_unit_test(test_filter_ring_forgets_the_oldest_on_wrap_around),
        cmocka_unit_test(test_filter_remembering_a_known_id_evicts_nothing),
        cmocka_unit_test(test_filter_keeps_ids_of_maximum_length),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
