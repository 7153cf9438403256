/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statebusctl's MQTT client: blocking, one thread, a plain loop around mosquitto_loop() with a
 * deadline (no daemon, no sd-event). TCP_NODELAY, clean start, a unique client id; MQTT 5,
 * 3.1.1, or auto (5, then 3.1.1 on the same address when the broker refuses 5: one line on
 * stderr says so). --broker A,B,...: the addresses are tried in turn until one answers. On 3.1.1
 * publishes carry no properties: answers are followed on <root>/event by request id.
 *
 * Retained state is "all there" once a marker published on our own reply topic comes back: the
 * broker queues a subscription's retained messages before anything published after its SUBACK,
 * so the wait ends on the actual condition instead of a fixed delay.
 */
#ifndef STATEBUS_CTL_MQTT_H
#define STATEBUS_CTL_MQTT_H

#include <mosquitto.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl.h"

typedef struct CtlMqtt CtlMqtt;

/* Called for every message except our own sync markers. msg and props live during the call. */
typedef void (*CtlMessageHandler)(const struct mosquitto_message *msg,
                                  const mosquitto_property *props,
                                  void *userdata);

/* Connects to o->broker and waits for the CONNACK until deadline_mono_ms. Prints the reason on
 * stderr on failure. Returns 0 or negative errno. */
int ctl_mqtt_connect(const CtlOptions *o,
                     uint64_t deadline_mono_ms,
                     CtlMessageHandler handler,
                     void *userdata,
                     CtlMqtt **ret);
/* Disconnects cleanly (if connected) and frees; NULL is fine. Returns NULL. */
CtlMqtt *ctl_mqtt_free(CtlMqtt *m);

/* <root>/reply/<client id>: where the coordinator answers our requests. */
const char *ctl_mqtt_reply_topic(const CtlMqtt *m);

/* Subscribes (QoS 1) to filters and to the reply topic, then waits until the retained messages of
 * those filters have been delivered (through the handler) or the deadline passes. When no
 * retained system/status "online" arrived (a cluster node that does not serve it, a broker without
 * wildcard retained delivery), asks the coordinator for system/sync and waits (at most 2 s) for
 * its status to arrive live: the republished topics come before it, through the handler (the
 * status itself only when a filter covers it). Returns 0, -ETIMEDOUT (what arrived has been
 * delivered), or another negative errno (printed). */
int ctl_mqtt_subscribe_sync(CtlMqtt *m,
                            const char *const *filters,
                            size_t n_filters,
                            uint64_t deadline_mono_ms);

/* QoS 1 publish, not retained; props may be NULL. Returns 0 or negative errno. */
int ctl_mqtt_publish(CtlMqtt *m,
                     const char *topic,
                     const void *payload,
                     size_t len,
                     const mosquitto_property *props);

/* Runs the loop until done(userdata) is true, the deadline passes, the connection drops, the
 * broker refuses one of our publishes (MQTT v5 PUBACK reason, e.g. not authorized by its ACL) or
 * SIGINT arrives. Returns 0 (done), -ETIMEDOUT, -EINTR (SIGINT), -ECONNRESET or -EACCES (both
 * printed). */
int ctl_mqtt_run(CtlMqtt *m,
                 bool (*done)(void *userdata),
                 void *userdata,
                 uint64_t deadline_mono_ms);

/* Installs the SIGINT handler that makes ctl_mqtt_run() return -EINTR. */
void ctl_catch_sigint(void);
/* Whether SIGINT arrived since ctl_catch_sigint() (watch's reconnect pauses check it). */
bool ctl_sigint_seen(void);

#endif
