/* SPDX-License-Identifier: Apache-2.0 */
#include "redfish-task.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "redfish-error.h"
#include "redfish-time.h"

static const char *const state_names[] = {
    [REDFISH_TASK_PENDING] = "Pending",     [REDFISH_TASK_RUNNING] = "Running",
    [REDFISH_TASK_COMPLETED] = "Completed", [REDFISH_TASK_EXCEPTION] = "Exception",
    [REDFISH_TASK_CANCELLED] = "Cancelled",
};

void redfish_tasks_init(RedfishTasks *t)
{
    *t = (RedfishTasks){ .next_id = 1 };
}

bool redfish_task_is_finished(const RedfishTask *task)
{
    return task->state >= REDFISH_TASK_COMPLETED;
}

void redfish_tasks_expire(RedfishTasks *t, uint64_t now_ms)
{
    for (size_t i = 0; i < REDFISH_TASKS_MAX; i++) {
        RedfishTask *x = &t->tasks[i];
        if (x->in_use && redfish_task_is_finished(x) &&
            now_ms - x->end_ms >= REDFISH_TASK_KEEP_MS) {
            *x = (RedfishTask){ 0 };
        }
    }
}

RedfishTask *redfish_tasks_create(RedfishTasks *t,
                                  const char *request_id,
                                  const char *target_uri,
                                  const char *reset_type,
                                  uint64_t now_ms)
{
    RedfishTask *slot = NULL;

    redfish_tasks_expire(t, now_ms);
    for (size_t i = 0; i < REDFISH_TASKS_MAX && !slot; i++) {
        if (!t->tasks[i].in_use) {
            slot = &t->tasks[i];
        }
    }
    for (size_t i = 0; i < REDFISH_TASKS_MAX && !slot; i++) {
        RedfishTask *x = &t->tasks[i];
        if (redfish_task_is_finished(x) && (!slot || x->end_ms < slot->end_ms)) {
            slot = x;
        }
    }
    if (!slot) {
        return NULL;
    }
    *slot = (RedfishTask){ .in_use = true,
                           .id = t->next_id++,
                           .reset_type = reset_type,
                           .state = REDFISH_TASK_PENDING,
                           .start_ms = now_ms };
    (void) snprintf(slot->request_id, sizeof(slot->request_id), "%s", request_id);
    (void) snprintf(slot->target_uri, sizeof(slot->target_uri), "%s", target_uri);
    return slot;
}

RedfishTask *redfish_tasks_find(RedfishTasks *t, uint32_t id)
{
    for (size_t i = 0; i < REDFISH_TASKS_MAX; i++) {
        if (t->tasks[i].in_use && t->tasks[i].id == id) {
            return &t->tasks[i];
        }
    }
    return NULL;
}

RedfishTask *redfish_tasks_find_request(RedfishTasks *t, const char *request_id)
{
    for (size_t i = 0; i < REDFISH_TASKS_MAX; i++) {
        if (t->tasks[i].in_use && strcmp(t->tasks[i].request_id, request_id) == 0) {
            return &t->tasks[i];
        }
    }
    return NULL;
}

void redfish_task_event(RedfishTask *task, SbEventKind kind, const char *why, uint64_t time_ms)
{
    RedfishTaskEvent *ev = NULL;
    RedfishTaskState next;

    if (redfish_task_is_finished(task)) {
        return;
    }
    switch (kind) {
    case SB_EVENT_QUEUED:
        next = REDFISH_TASK_PENDING;
        break;
    case SB_EVENT_ACCEPTED:
    case SB_EVENT_DISPATCHED:
        next = REDFISH_TASK_RUNNING;
        break;
    case SB_EVENT_COMPLETED:
        next = REDFISH_TASK_COMPLETED;
        break;
    case SB_EVENT_FAILED:
    case SB_EVENT_EXPIRED:
    case SB_EVENT_REJECTED:
        next = REDFISH_TASK_EXCEPTION;
        break;
    case SB_EVENT_CANCELLED:
    case SB_EVENT_SUPERSEDED: /* issue #13: a newer request took over after this one went out */
        next = REDFISH_TASK_CANCELLED;
        break;
    default:
        return; /* duplicate and the rest change nothing */
    }
    /* Bounded: the first event (why it waited) and the latest ones are kept. */
    if (task->n_events == REDFISH_TASK_EVENTS_MAX) {
        (void) memmove(&task->events[1], &task->events[2],
                       sizeof(task->events[0]) * (REDFISH_TASK_EVENTS_MAX - 2));
        task->n_events--;
    }
    ev = &task->events[task->n_events++];
    *ev = (RedfishTaskEvent){ .kind = kind, .time_ms = time_ms };
    (void) snprintf(ev->why, sizeof(ev->why), "%s", why ? why : "");
    task->state = next;
    if (redfish_task_is_finished(task)) {
        task->end_ms = time_ms;
    }
}

const char *redfish_task_state_name(RedfishTaskState s)
{
    return (unsigned) s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s]
                                                                       : "Exception";
}

static const char *task_status(RedfishTaskState s)
{
    switch (s) {
    case REDFISH_TASK_EXCEPTION:
        return "Critical";
    case REDFISH_TASK_CANCELLED:
        return "Warning";
    default:
        return "OK";
    }
}

/* One TaskEvent message per event (none for queued: the task has not started), with the
 * statebus event and its why under Oem.Statebus. */
static void add_event_message(cJSON *messages, const RedfishTask *task, const RedfishTaskEvent *ev)
{
    RedfishMessage m;
    RedfishMessageId id;
    char task_id[16];
    cJSON *o = NULL, *sb = NULL;

    switch (ev->kind) {
    case SB_EVENT_ACCEPTED:
    case SB_EVENT_DISPATCHED:
        id = REDFISH_MSG_TASK_STARTED;
        break;
    case SB_EVENT_COMPLETED:
        id = REDFISH_MSG_TASK_COMPLETED_OK;
        break;
    case SB_EVENT_CANCELLED:
    case SB_EVENT_SUPERSEDED:
        id = REDFISH_MSG_TASK_CANCELLED;
        break;
    case SB_EVENT_FAILED:
    case SB_EVENT_EXPIRED:
    case SB_EVENT_REJECTED:
        id = REDFISH_MSG_TASK_ABORTED;
        break;
    default:
        return;
    }
    (void) snprintf(task_id, sizeof(task_id), "%u", task->id);
    redfish_message_set(&m, id, task_id);
    o = redfish_message_json(&m);
    if (!o || !cJSON_AddItemToArray(messages, o)) {
        cJSON_Delete(o);
        return;
    }
    sb = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "Oem"), "Statebus");
    (void) cJSON_AddStringToObject(sb, "@odata.type", "#StatebusOem.v1_0_0.Message");
    (void) cJSON_AddStringToObject(sb, "Event",
                                   sb_enum_to_string(SB_ENUM_EVENT_KIND, (int) ev->kind));
    (void) cJSON_AddStringToObject(sb, "Why", ev->why);
    redfish_add_time(sb, "Time", ev->time_ms);
}

cJSON *redfish_task_json(const RedfishTask *task)
{
    char path[96], monitor[96], id[16];
    cJSON *o = cJSON_CreateObject();
    cJSON *messages = NULL, *payload = NULL, *sb = NULL, *events = NULL;

    if (!o) {
        return NULL;
    }
    (void) snprintf(id, sizeof(id), "%u", task->id);
    (void) snprintf(path, sizeof(path), "/redfish/v1/TaskService/Tasks/%u", task->id);
    (void) snprintf(monitor, sizeof(monitor), "/redfish/v1/TaskService/TaskMonitors/%u", task->id);
    (void) cJSON_AddStringToObject(o, "@odata.id", path);
    (void) cJSON_AddStringToObject(o, "@odata.type", "#Task.v1_4_3.Task");
    (void) cJSON_AddStringToObject(o, "Id", id);
    (void) cJSON_AddStringToObject(o, "Name", "Reset task");
    (void) cJSON_AddStringToObject(o, "TaskState", redfish_task_state_name(task->state));
    (void) cJSON_AddStringToObject(o, "TaskStatus", task_status(task->state));
    redfish_add_time(o, "StartTime", task->start_ms);
    if (task->end_ms) {
        redfish_add_time(o, "EndTime", task->end_ms);
    }
    (void) cJSON_AddStringToObject(o, "TaskMonitor", monitor);
    (void) cJSON_AddNumberToObject(o, "PercentComplete", redfish_task_is_finished(task) ? 100 : 0);
    payload = cJSON_AddObjectToObject(o, "Payload");
    (void) cJSON_AddStringToObject(payload, "TargetUri", task->target_uri);
    (void) cJSON_AddStringToObject(payload, "HttpOperation", "POST");
    {
        char body[64];
        cJSON *headers = cJSON_AddArrayToObject(payload, "HttpHeaders");
        (void) cJSON_AddItemToArray(headers, cJSON_CreateString("Content-Type: application/json"));
        (void) snprintf(body, sizeof(body), "{\"ResetType\":\"%s\"}", task->reset_type);
        (void) cJSON_AddStringToObject(payload, "JsonBody", body);
    }
    messages = cJSON_AddArrayToObject(o, "Messages");
    for (size_t i = 0; i < task->n_events; i++) {
        add_event_message(messages, task, &task->events[i]);
    }
    sb = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "Oem"), "Statebus");
    (void) cJSON_AddStringToObject(sb, "@odata.type", "#StatebusOem.v1_0_0.Task");
    (void) cJSON_AddStringToObject(sb, "RequestId", task->request_id);
    events = cJSON_AddArrayToObject(sb, "Events");
    for (size_t i = 0; i < task->n_events; i++) {
        cJSON *e = cJSON_CreateObject();
        if (!e || !cJSON_AddItemToArray(events, e)) {
            cJSON_Delete(e);
            continue;
        }
        (void) cJSON_AddStringToObject(
                e, "Event", sb_enum_to_string(SB_ENUM_EVENT_KIND, (int) task->events[i].kind));
        (void) cJSON_AddStringToObject(e, "Why", task->events[i].why);
        redfish_add_time(e, "Time", task->events[i].time_ms);
    }
    return o;
}
