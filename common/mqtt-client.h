/* SPDX-License-Identifier: Apache-2.0 */
/* The MQTT client glue the statebus clients share: their MqttIoConfig from the shared option rows
 * (broker list, mqtt-version, client-id, auth, keepalive), the default client id, and the log
 * lines of a refused connect or subscription. */
#ifndef STATEBUS_MQTT_CLIENT_H
#define STATEBUS_MQTT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "broker-addr.h"
#include "mqtt-auth-options.h"
#include "mqtt-io.h"
#include "options.h"

/* The shared option rows; all borrowed. */
typedef struct MqttClientOptions {
    const OptBroker *broker;
    int mqtt_version; /* MqttIoVersion */
    const char *client_id;
    const MqttAuthOptions *auth;
    uint32_t keepalive_s;
} MqttClientOptions;

/* The config for mqtt_io_new(): reconnects from 100 ms backing off to 5 s. Points into o's
 * strings and into scratch (one broker without a list), which must live until mqtt_io_new(). */
MqttIoConfig mqtt_client_config(const MqttClientOptions *o, BrokerAddr *scratch);

/* --client-id: "" becomes statebus-<system>-<role>-<pid>; otherwise it must be printable ASCII
 * without white space. Returns 0, or -EINVAL with a one-line reason in err. */
int mqtt_client_id_finish(char *client_id,
                          size_t size,
                          const char *system,
                          const char *role,
                          char *err,
                          size_t err_size);

/* The log lines of MqttIoCallbacks.on_connect_failed and .on_subscribe_refused; who prefixes
 * them ("redfish", "dbus"). */
void mqtt_client_log_connect_failed(const char *who,
                                    MqttIo *io,
                                    const char *reason,
                                    unsigned retry_ms);
void mqtt_client_log_subscribe_refused(const char *who,
                                       const char *filter,
                                       int reason,
                                       unsigned retry_ms);

#endif
