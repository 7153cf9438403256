/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Redfish Tasks for queued Resets (topics/redfish.md "Tasks"): one task per statebus request the
 * coordinator queued, its TaskState following the request's events (queued Pending, dispatched
 * Running, completed Completed, failed/expired/rejected Exception, cancelled Cancelled) with each
 * event's "why". Bounded (REDFISH_TASKS_MAX); a finished task is forgotten REDFISH_TASK_KEEP_MS
 * after it ended, or earlier when a new task needs its slot. Pure: times are passed in.
 */
#ifndef STATEBUS_REDFISH_TASK_H
#define STATEBUS_REDFISH_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"
#include "statebus/limits.h"

#define REDFISH_TASKS_MAX       32u
#define REDFISH_TASK_EVENTS_MAX 6u
#define REDFISH_TASK_KEEP_MIN   10u /* TaskService.TaskAutoDeleteTimeoutMinutes */
#define REDFISH_TASK_KEEP_MS    ((uint64_t) REDFISH_TASK_KEEP_MIN * 60u * 1000u)
#define REDFISH_TASK_URI_MAX    96u

typedef struct cJSON cJSON;

typedef enum RedfishTaskState {
    REDFISH_TASK_PENDING,
    REDFISH_TASK_RUNNING,
    REDFISH_TASK_COMPLETED,
    REDFISH_TASK_EXCEPTION,
    REDFISH_TASK_CANCELLED,
} RedfishTaskState;

typedef struct RedfishTaskEvent {
    SbEventKind kind;
    char why[SB_WHY_MAX + 1];
    uint64_t time_ms;
} RedfishTaskEvent;

typedef struct RedfishTask {
    bool in_use;
    uint32_t id;
    char request_id[SB_ID_MAX + 1];
    char target_uri[REDFISH_TASK_URI_MAX]; /* the action's URI */
    const char *reset_type;                /* static */
    RedfishTaskState state;
    uint64_t start_ms, end_ms;                        /* end 0 while not finished */
    RedfishTaskEvent events[REDFISH_TASK_EVENTS_MAX]; /* the first and the latest ones */
    size_t n_events;
} RedfishTask;

typedef struct RedfishTasks {
    RedfishTask tasks[REDFISH_TASKS_MAX];
    uint32_t next_id;
} RedfishTasks;

void redfish_tasks_init(RedfishTasks *t);
/* Forgets tasks that ended REDFISH_TASK_KEEP_MS ago or more. */
void redfish_tasks_expire(RedfishTasks *t, uint64_t now_ms);
/* A new Pending task for request_id; reuses the oldest finished task's slot when full. NULL when
 * every slot holds an unfinished task. */
RedfishTask *redfish_tasks_create(RedfishTasks *t,
                                  const char *request_id,
                                  const char *target_uri,
                                  const char *reset_type,
                                  uint64_t now_ms);
RedfishTask *redfish_tasks_find(RedfishTasks *t, uint32_t id);
RedfishTask *redfish_tasks_find_request(RedfishTasks *t, const char *request_id);
/* An event of the task's request: its state follows (a finished task does not change). */
void redfish_task_event(RedfishTask *task, SbEventKind kind, const char *why, uint64_t time_ms);
bool redfish_task_is_finished(const RedfishTask *task);

const char *redfish_task_state_name(RedfishTaskState s);
/* The Task resource (#Task.v1_4_3.Task); NULL when out of memory. */
cJSON *redfish_task_json(const RedfishTask *task);

#endif
