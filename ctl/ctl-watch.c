/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch: the system's rollups, system/requests, power-restore, the coordinator's status and every
 * event, one line each, until SIGINT (exit 0). Retained values come first (marked "retained") so
 * the stream starts from the current state. --json prints {"topic","retained","payload"} lines.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "ctl-format.h"
#include "ctl-mqtt.h"
#include "ctl.h"

typedef struct Watch {
    const CtlOptions *o;
    bool json;
} Watch;

static uint64_t now_unix_ms(void)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static void watch_print_json(const struct mosquitto_message *msg)
{
    cJSON *line = cJSON_CreateObject();
    cJSON *payload = cJSON_ParseWithLength(msg->payload, (size_t) msg->payloadlen);
    char *text = NULL;

    if (!payload) {
        (void) fprintf(stderr, "invalid payload on %s: not JSON\n", msg->topic);
    }
    if (!line || !payload || !cJSON_AddStringToObject(line, "topic", msg->topic) ||
        !cJSON_AddBoolToObject(line, "retained", msg->retain) ||
        !cJSON_AddItemToObject(line, "payload", payload)) {
        cJSON_Delete(payload);
        cJSON_Delete(line);
        return;
    }
    text = cJSON_PrintUnformatted(line);
    if (text) {
        printf("%s\n", text);
        cJSON_free(text);
    }
    cJSON_Delete(line);
}

/* One line of text for a decoded message; false when it does not decode (why set). */
static bool watch_format(const SbTopic *t,
                         const struct mosquitto_message *msg,
                         char *buf,
                         size_t size,
                         const char **ret_why)
{
    static union {
        SbRollupMsg rollup;
        SbRequestsMsg requests;
        SbEvent event;
        SbStatusMsg status;
        SbPowerRestoreMsg power_restore;
    } v;
    size_t len = (size_t) msg->payloadlen;
    int r = -EBADMSG;

    switch (t->kind) {
    case SB_TOPIC_SYSTEM_ROLLUP:
        r = sb_rollup_decode(msg->payload, len, t->state_kind, &v.rollup, ret_why);
        if (r >= 0) {
            ctl_format_rollup_line(buf, size, &v.rollup);
        }
        break;
    case SB_TOPIC_SYSTEM_REQUESTS:
        r = sb_requests_decode(msg->payload, len, &v.requests, ret_why);
        if (r >= 0) {
            ctl_format_requests(buf, size, &v.requests);
        }
        break;
    case SB_TOPIC_EVENT:
        r = sb_event_decode(msg->payload, len, &v.event, ret_why);
        if (r >= 0) {
            size_t n;
            (void) snprintf(buf, size, "event ");
            n = strlen(buf);
            ctl_format_event(buf + n, size - n, &v.event);
        }
        break;
    case SB_TOPIC_SYSTEM_STATUS:
        r = sb_status_decode(msg->payload, len, &v.status, ret_why);
        if (r >= 0) {
            size_t n;
            (void) snprintf(buf, size, "coordinator: ");
            n = strlen(buf);
            ctl_format_status(buf + n, size - n, &v.status);
        }
        break;
    case SB_TOPIC_SYSTEM_POWER_RESTORE:
        r = sb_power_restore_decode(msg->payload, len, &v.power_restore, ret_why);
        if (r >= 0) {
            ctl_format_power_restore(buf, size, &v.power_restore);
        }
        break;
    default:
        *ret_why = "unexpected topic";
        break;
    }
    return r >= 0;
}

static void on_watch_message(const struct mosquitto_message *msg,
                             const mosquitto_property *props,
                             void *userdata)
{
    Watch *w = userdata;
    const char *why = NULL;
    char clock[32], line[2048];
    SbTopic t;

    (void) props;
    if (msg->payloadlen <= 0 || (size_t) msg->payloadlen > SB_PAYLOAD_MAX ||
        sb_topic_parse(msg->topic, strlen(msg->topic), &t) < 0) {
        return;
    }
    if (w->json) {
        watch_print_json(msg);
    } else {
        ctl_format_clock(clock, sizeof(clock), now_unix_ms());
        if (watch_format(&t, msg, line, sizeof(line), &why)) {
            printf("%s %s%s\n", clock, msg->retain ? "(retained) " : "", line);
        } else {
            /* Someone else's garbage: say so once per message, keep watching. */
            (void) fprintf(stderr, "%s invalid payload on %s: %s\n", clock, msg->topic,
                           why ? why : "invalid");
        }
    }
    (void) fflush(stdout);
}

static bool never(void *userdata)
{
    (void) userdata;
    return false;
}

static int watch_filters(const CtlOptions *o, char (*topics)[SB_TOPIC_MAX + 1], size_t *ret_n)
{
    SbTopic t = { 0 };
    size_t n = 0;

    (void) snprintf(t.system, sizeof(t.system), "%s", o->system);
    t.kind = SB_TOPIC_SYSTEM_STATUS;
    if (sb_topic_format(topics[n++], SB_TOPIC_MAX + 1, &t) < 0) {
        return -EINVAL;
    }
    for (int kind = 0; kind < SB_KIND_COUNT; kind++) {
        t.kind = SB_TOPIC_SYSTEM_ROLLUP;
        t.state_kind = (SbStateKind) kind;
        if (sb_topic_format(topics[n++], SB_TOPIC_MAX + 1, &t) < 0) {
            return -EINVAL;
        }
    }
    t.kind = SB_TOPIC_SYSTEM_REQUESTS;
    if (sb_topic_format(topics[n++], SB_TOPIC_MAX + 1, &t) < 0) {
        return -EINVAL;
    }
    t.kind = SB_TOPIC_SYSTEM_POWER_RESTORE;
    if (sb_topic_format(topics[n++], SB_TOPIC_MAX + 1, &t) < 0) {
        return -EINVAL;
    }
    t.kind = SB_TOPIC_EVENT;
    if (sb_topic_format(topics[n++], SB_TOPIC_MAX + 1, &t) < 0) {
        return -EINVAL;
    }
    *ret_n = n;
    return 0;
}

CtlExit ctl_watch(const CtlOptions *o)
{
    char topics[SB_KIND_COUNT + 4][SB_TOPIC_MAX + 1];
    const char *filters[SB_KIND_COUNT + 4];
    uint64_t connect_deadline = ctl_now_mono_ms() + (uint64_t) o->timeout_s * 1000u;
    Watch w = { .o = o, .json = o->json };
    CtlMqtt *m = NULL;
    size_t n = 0;
    int r;

    if (watch_filters(o, topics, &n) < 0) {
        (void) fprintf(stderr, "statebusctl: cannot build topics for system '%s'\n", o->system);
        return CTL_EXIT_USAGE;
    }
    for (size_t i = 0; i < n; i++) {
        filters[i] = topics[i];
    }
    ctl_catch_sigint();
    r = ctl_mqtt_connect(o, connect_deadline, on_watch_message, &w, &m);
    if (r < 0) {
        return CTL_EXIT_FAILURE;
    }
    r = ctl_mqtt_subscribe_sync(m, filters, n, connect_deadline);
    if (r == 0 || r == -ETIMEDOUT) {
        r = ctl_mqtt_run(m, never, NULL, UINT64_MAX);
    }
    m = ctl_mqtt_free(m);
    return r == -EINTR ? CTL_EXIT_OK : CTL_EXIT_FAILURE;
}
