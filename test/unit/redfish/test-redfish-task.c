/* SPDX-License-Identifier: Apache-2.0 */
/* Tasks follow their request's events; bounded; forgotten REDFISH_TASK_KEEP_MS after the end. */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <string.h>

#include "redfish-task.h"

static RedfishTask *new_task(RedfishTasks *t, unsigned k, uint64_t now)
{
    char id[32];

    (void) snprintf(id, sizeof(id), "req-%u", k);
    return redfish_tasks_create(t, id, "/redfish/v1/Systems/system/Actions/ComputerSystem.Reset",
                                "On", now);
}

static void test_state_follows_the_request(void **state)
{
    static const struct {
        SbEventKind kind;
        RedfishTaskState then;
    } endings[] = {
        { SB_EVENT_COMPLETED, REDFISH_TASK_COMPLETED },
        { SB_EVENT_FAILED, REDFISH_TASK_EXCEPTION },
        { SB_EVENT_EXPIRED, REDFISH_TASK_EXCEPTION },
        { SB_EVENT_CANCELLED, REDFISH_TASK_CANCELLED },
    };
    RedfishTasks t;

    (void) state;
    for (size_t i = 0; i < sizeof(endings) / sizeof(endings[0]); i++) {
        redfish_tasks_init(&t);
        RedfishTask *task = new_task(&t, 1, 10);
        redfish_task_event(task, SB_EVENT_QUEUED, "waiting for BMC Ready on nodes 2", 10);
        assert_int_equal(task->state, REDFISH_TASK_PENDING);
        redfish_task_event(task, SB_EVENT_DISPATCHED, "dispatched", 20);
        assert_int_equal(task->state, REDFISH_TASK_RUNNING);
        redfish_task_event(task, endings[i].kind, "why", 30);
        assert_int_equal(task->state, endings[i].then);
        assert_int_equal(task->end_ms, 30);
        /* A finished task does not change. */
        redfish_task_event(task, SB_EVENT_DISPATCHED, "late", 40);
        assert_int_equal(task->state, endings[i].then);
        assert_int_equal(task->n_events, 3);
        assert_string_equal(task->events[0].why, "waiting for BMC Ready on nodes 2");
    }
}

static void test_bounded_oldest_finished_makes_room(void **state)
{
    RedfishTasks t;

    (void) state;
    redfish_tasks_init(&t);
    for (unsigned i = 0; i < REDFISH_TASKS_MAX; i++) {
        assert_non_null(new_task(&t, i, 100));
    }
    assert_null(new_task(&t, 99, 100)); /* every one unfinished */
    redfish_task_event(redfish_tasks_find_request(&t, "req-5"), SB_EVENT_COMPLETED, "", 200);
    redfish_task_event(redfish_tasks_find_request(&t, "req-3"), SB_EVENT_FAILED, "", 150);
    RedfishTask *n = new_task(&t, 99, 300);
    assert_non_null(n);
    assert_int_equal(n->id, REDFISH_TASKS_MAX + 1);
    assert_null(redfish_tasks_find_request(&t, "req-3")); /* ended first: its slot went */
    assert_non_null(redfish_tasks_find_request(&t, "req-5"));
}

static void test_forgotten_after_the_keep_time(void **state)
{
    RedfishTasks t;

    (void) state;
    redfish_tasks_init(&t);
    RedfishTask *task = new_task(&t, 1, 0);
    uint32_t id = task->id;
    redfish_task_event(task, SB_EVENT_COMPLETED, "", 1000);
    redfish_tasks_expire(&t, 1000 + REDFISH_TASK_KEEP_MS - 1);
    assert_non_null(redfish_tasks_find(&t, id));
    redfish_tasks_expire(&t, 1000 + REDFISH_TASK_KEEP_MS);
    assert_null(redfish_tasks_find(&t, id));
}

static void test_events_are_bounded_first_kept(void **state)
{
    RedfishTasks t;

    (void) state;
    redfish_tasks_init(&t);
    RedfishTask *task = new_task(&t, 1, 0);
    redfish_task_event(task, SB_EVENT_QUEUED, "first", 1);
    for (unsigned i = 0; i < 20; i++) {
        redfish_task_event(task, SB_EVENT_QUEUED, "again", 2 + i);
    }
    assert_int_equal(task->n_events, REDFISH_TASK_EVENTS_MAX);
    assert_string_equal(task->events[0].why, "first");
    assert_int_equal(task->events[REDFISH_TASK_EVENTS_MAX - 1].time_ms, 21);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_follows_the_request),
        cmocka_unit_test(test_bounded_oldest_finished_makes_room),
        cmocka_unit_test(test_forgotten_after_the_keep_time),
        cmocka_unit_test(test_events_are_bounded_first_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
