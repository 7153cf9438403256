/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statebus-redfish's daemon object: one sd-event loop drives the MQTT client (common/mqtt-io)
 * and the HTTP server (redfish-http); messages update the model, GETs render it, and a
 * ComputerSystem.Reset becomes an MQTT v5 request on system/set/<target> whose answer (on our
 * reply topic, matched by correlation data) becomes the HTTP answer.
 */
#ifndef STATEBUS_REDFISH_BRIDGE_H
#define STATEBUS_REDFISH_BRIDGE_H

#include "redfish-options.h"

typedef struct RedfishBridge RedfishBridge;

/* opts is borrowed for the bridge's lifetime. Starts listening on HTTP at once (a bind failure
 * is a start-up failure). Returns 0 or negative errno (logged). */
int redfish_bridge_new(const RedfishOptions *opts, RedfishBridge **ret);
RedfishBridge *redfish_bridge_free(RedfishBridge *b);

/* Runs until SIGTERM/SIGINT. Returns 0 on a clean stop, negative errno on failure. */
int redfish_bridge_run(RedfishBridge *b);

#endif
