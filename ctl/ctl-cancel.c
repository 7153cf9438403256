/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cancel ID (topics/README.md "Cancel"): an MQTT v5 publish on system/set/cancel naming the
 * request, with our reply topic. The coordinator answers with a "cancelled" event for that id (on
 * <root>/event and to the request's own response topic) or a "rejected" one (nothing to cancel).
 * Exit 0 cancelled, 1 rejected or no answer, 2 bad usage.
 */
#include <errno.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <string.h>

#include "statebus/payload.h"
#include "statebus/text.h"
#include "statebus/topic.h"

#include "ctl-format.h"
#include "ctl-mqtt.h"
#include "ctl.h"
#include "time-util.h"

typedef struct CancelRun {
    const CtlOptions *o;
    char id[SB_ID_MAX + 1];
    char cancel_topic[SB_TOPIC_MAX + 1];
    char event_topic[SB_TOPIC_MAX + 1];
    char status_topic[SB_TOPIC_MAX + 1];
    const char *reply_topic;
    bool have_status;
    SbStatus status;
    bool sent;
    bool answered;
    CtlExit result;
} CancelRun;

static void on_cancel_message(const struct mosquitto_message *msg,
                              const mosquitto_property *props,
                              void *userdata)
{
    CancelRun *cr = userdata;
    char line[1024];
    SbStatusMsg st;
    SbEvent e;

    (void) props;
    if (msg->payloadlen <= 0 || (size_t) msg->payloadlen > SB_PAYLOAD_MAX) {
        return;
    }
    if (strcmp(msg->topic, cr->status_topic) == 0) {
        if (sb_status_decode(msg->payload, (size_t) msg->payloadlen, &st, NULL) >= 0) {
            cr->have_status = true;
            cr->status = st.status;
        }
        return;
    }
    if (!cr->sent || cr->answered ||
        (strcmp(msg->topic, cr->event_topic) != 0 && strcmp(msg->topic, cr->reply_topic) != 0) ||
        sb_event_decode(msg->payload, (size_t) msg->payloadlen, &e, NULL) < 0 ||
        strcmp(e.id, cr->id) != 0 || e.node != 0 ||
        (e.kind != SB_EVENT_CANCELLED && e.kind != SB_EVENT_REJECTED)) {
        return;
    }
    cr->answered = true;
    cr->result = e.kind == SB_EVENT_CANCELLED ? CTL_EXIT_OK : CTL_EXIT_FAILURE;
    if (cr->o->json) {
        if (sb_event_encode(&e, line, sizeof(line)) > 0) {
            printf("%s\n", line);
        }
    } else {
        ctl_format_event(line, sizeof(line), &e);
        printf("%s\n", line);
    }
    (void) fflush(stdout);
}

static bool is_answered(void *userdata)
{
    return ((CancelRun *) userdata)->answered;
}

static int cancel_topics(CancelRun *cr)
{
    SbTopic t = { .kind = SB_TOPIC_SYSTEM_CANCEL };
    int r = 0;

    (void) snprintf(t.system, sizeof(t.system), "%s", cr->o->system);
    r = r < 0 ? r : sb_topic_format(cr->cancel_topic, sizeof(cr->cancel_topic), &t);
    t.kind = SB_TOPIC_EVENT;
    r = r < 0 ? r : sb_topic_format(cr->event_topic, sizeof(cr->event_topic), &t);
    t.kind = SB_TOPIC_SYSTEM_STATUS;
    r = r < 0 ? r : sb_topic_format(cr->status_topic, sizeof(cr->status_topic), &t);
    return r < 0 ? r : 0;
}

static int cancel_send(CancelRun *cr, CtlMqtt *m)
{
    char payload[SB_PAYLOAD_MAX + 1];
    mosquitto_property *props = NULL;
    SbCancel c = { 0 };
    int n, r;

    (void) snprintf(c.id, sizeof(c.id), "%s", cr->id);
    (void) snprintf(c.reason, sizeof(c.reason), "statebusctl cancel");
    n = sb_cancel_encode(&c, payload, sizeof(payload));
    if (n < 0) {
        (void) fprintf(stderr, "statebusctl: cannot encode the cancel: %s\n", strerror(-n));
        return n;
    }
    if (mosquitto_property_add_string(&props, MQTT_PROP_RESPONSE_TOPIC, cr->reply_topic) !=
                MOSQ_ERR_SUCCESS ||
        mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, cr->id,
                                      (uint16_t) strlen(cr->id)) != MOSQ_ERR_SUCCESS) {
        mosquitto_property_free_all(&props);
        return -ENOMEM;
    }
    cr->sent = true;
    r = ctl_mqtt_publish(m, cr->cancel_topic, payload, (size_t) n, props);
    mosquitto_property_free_all(&props);
    return r;
}

CtlExit ctl_cancel(const CtlOptions *o, const char *const *args, size_t n_args)
{
    static CancelRun cr;
    uint64_t deadline = now_mono_ms() + (uint64_t) o->timeout_s * 1000u;
    const char *filters[2];
    CtlMqtt *m = NULL;
    int r;

    if (n_args != 1 || !sb_request_id_is_valid(args[0], strlen(args[0]))) {
        (void) fprintf(stderr, "statebusctl: cancel: expected one request id"
                               " ([A-Za-z0-9._:-]{1,64}, as printed by a request), see --help\n");
        return CTL_EXIT_USAGE;
    }
    cr = (CancelRun){ .o = o, .result = CTL_EXIT_FAILURE };
    (void) snprintf(cr.id, sizeof(cr.id), "%s", args[0]);
    if (cancel_topics(&cr) < 0) {
        (void) fprintf(stderr, "statebusctl: cannot build topics for system '%s'\n", o->system);
        return CTL_EXIT_USAGE;
    }
    r = ctl_mqtt_connect(o, deadline, on_cancel_message, &cr, &m);
    if (r < 0) {
        return CTL_EXIT_FAILURE;
    }
    cr.reply_topic = ctl_mqtt_reply_topic(m);
    filters[0] = cr.status_topic;
    filters[1] = cr.event_topic;
    r = ctl_mqtt_subscribe_sync(m, filters, 2, deadline);
    if (r == 0 && !(cr.have_status && cr.status == SB_STATUS_ONLINE)) {
        (void) fprintf(stderr,
                       "statebusctl: the coordinator of system '%s' is not online (%s): nothing"
                       " can be cancelled now (its queue waits for it)\n",
                       o->system,
                       cr.have_status ? sb_enum_to_string(SB_ENUM_STATUS, (int) cr.status)
                                      : "no status retained");
        m = ctl_mqtt_free(m);
        return CTL_EXIT_FAILURE;
    }
    if (r == 0) {
        r = cancel_send(&cr, m);
    }
    if (r == 0) {
        r = ctl_mqtt_run(m, is_answered, &cr, deadline);
        if (r == -ETIMEDOUT) {
            (void) fprintf(stderr, "statebusctl: no answer to the cancel of %s within %u s\n",
                           cr.id, o->timeout_s);
        }
    }
    m = ctl_mqtt_free(m);
    return r < 0 ? CTL_EXIT_FAILURE : cr.result;
}
