/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Messages in: read the MQTT v5 reply properties, classify the message (coordinator-input.c),
 * then either feed the core or answer with a rejected event. Never a crash, never a state change
 * from a message that does not decode.
 */
#include <stdlib.h>
#include <string.h>

#include "coordinator-input.h"
#include "coordinator-internal.h"
#include "log.h"
#include "macro.h"
#include "time-util.h"

void coordinator_on_message(MqttIo *io,
                            const struct mosquitto_message *msg,
                            const mosquitto_property *props,
                            void *userdata)
{
    Coordinator *co = userdata;
    CLEANUP_FREE char *response_topic = NULL;
    CLEANUP_FREE void *correlation = NULL;
    uint16_t correlation_len = 0;
    InputMessage m;
    InputResult res;
    CoordEvent ev;

    (void) io;
    if (co->stopping) {
        return; /* a clean stop is under way: start nothing new */
    }
    if (strcmp(msg->topic, co->topics.sync) == 0) {
        coordinator_on_sync(co, msg->retain);
        return;
    }
    if (props) {
        /* Both allocate a copy (or leave NULL); a missing property is not an error. */
        (void) mosquitto_property_read_string(props, MQTT_PROP_RESPONSE_TOPIC, &response_topic,
                                              false);
        (void) mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &correlation,
                                              &correlation_len, false);
    }

    m = (InputMessage){
        .topic = msg->topic,
        .payload = msg->payload,
        .len = msg->payloadlen > 0 ? (size_t) msg->payloadlen : 0,
        .retained = msg->retain,
        .response_topic = response_topic,
        .correlation = correlation,
        .correlation_len = correlation_len,
        .now_ms = now_unix_ms(),
    };
    input_translate(co->opts->system, &m, &ev, &res);

    switch (res.verdict) {
    case INPUT_IGNORE:
        log_debug("coordinator: ignored topic='%s' why='%s'", msg->topic, res.why);
        return;
    case INPUT_REJECT:
        coordinator_reject(co, msg->topic, res.why, res.node, res.target, res.id, res.transition,
                           &res.reply_to);
        return;
    case INPUT_FEED:
        break;
    }
    if (res.reply_topic_refused && coordinator_rejection_allowed(co)) {
        log_warning("coordinator: refused response topic='%s' (not under the reply tree), "
                    "answering on the event topic only",
                    response_topic);
    }
    coordinator_feed(co, &ev);
}
