/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Messages in: read the MQTT v5 reply properties, classify the message (coordinator-input.c),
 * then either feed the core or answer with a rejected event. Never a crash, never a state change
 * from a message that does not decode.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator-input.h"
#include "coordinator-internal.h"
#include "log.h"
#include "macro.h"
#include "time-util.h"

/* Our own probe back (COORD_ACT_PUBLISH_PROBE): only the exact bytes we published count. */
static void coordinator_on_probe(Coordinator *co, const struct mosquitto_message *msg)
{
    CoordEvent ev = { .kind = COORD_EV_PROBE, .now_ms = now_unix_ms() };
    size_t len = msg->payloadlen > 0 ? (size_t) msg->payloadlen : 0;

    if (co->probe_len == 0 || len != co->probe_len ||
        memcmp(msg->payload, co->probe_payload, len) != 0) {
        char nonce[32];
        int n = snprintf(nonce, sizeof(nonce), ",\"nonce\":%" PRIu64 "}", co->probe_nonce);

        /* An older probe of ours (a newer one replaced it) is no evidence, and no fault either;
         * anything else here is someone else's publish on our topic: refused and answered. */
        if (co->probe_nonce != 0 && n > 0 && len >= (size_t) n && !msg->retain &&
            memcmp((const char *) msg->payload + len - (size_t) n, nonce, (size_t) n) == 0) {
            log_debug("coordinator: ignored an older probe len=%zu", len);
            return;
        }
        coordinator_reject(co, msg->topic,
                           &(InputResult){ .verdict = INPUT_REJECT,
                                           .why = "not the coordinator's own probe" });
        return;
    }
    ev.backlog = mqtt_io_input_pending(co->io);
    ev.probe = co->probe_token;
    coordinator_feed(co, &ev);
}

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
    if (coordinator_is_stopping(co)) {
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

    if (strcmp(msg->topic, co->topics.probe) == 0) {
        coordinator_on_probe(co, msg);
        return;
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
    /* More bytes behind this message: the core applies it and holds its decisions. */
    ev.backlog = mqtt_io_input_pending(io);

    switch (res.verdict) {
    case INPUT_IGNORE:
        log_debug("coordinator: ignored topic='%s' why='%s'", msg->topic, res.why);
        return;
    case INPUT_REJECT:
        coordinator_reject(co, msg->topic, &res);
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
