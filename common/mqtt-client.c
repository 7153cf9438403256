/* SPDX-License-Identifier: Apache-2.0 */
#include "mqtt-client.h"

#include <errno.h>
#include <mosquitto.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

MqttIoConfig mqtt_client_config(const MqttClientOptions *o, BrokerAddr *scratch)
{
    size_t n_addrs = 0;
    const BrokerAddr *addrs = optbroker_list(o->broker, scratch, &n_addrs);

    return (MqttIoConfig){
        .host = o->broker->host,
        .port = o->broker->port,
        .addrs = addrs,
        .n_addrs = n_addrs,
        .version = (MqttIoVersion) o->mqtt_version,
        .client_id = o->client_id,
        .username = mqtt_auth_options_username(o->auth),
        .password = mqtt_auth_options_password(o->auth),
        .tls = mqtt_auth_options_tls(o->auth),
        .keepalive_s = o->keepalive_s,
        .reconnect_min_ms = 100,
        .reconnect_max_ms = 5000,
    };
}

/* Printable ASCII without white space: what a broker log and an ACL can show. */
static bool printable_word(const char *s)
{
    for (; *s; s++) {
        if (*s <= 0x20 || *s >= 0x7f) {
            return false;
        }
    }
    return true;
}

int mqtt_client_id_finish(char *client_id,
                          size_t size,
                          const char *system,
                          const char *role,
                          char *err,
                          size_t err_size)
{
    if (client_id[0] == '\0') {
        (void) snprintf(client_id, size, "statebus-%s-%s-%ld", system, role, (long) getpid());
    } else if (!printable_word(client_id)) {
        (void) snprintf(err, err_size,
                        "--client-id: expected printable ASCII without white space, got '%s'",
                        client_id);
        return -EINVAL;
    }
    return 0;
}

void mqtt_client_log_connect_failed(const char *who,
                                    MqttIo *io,
                                    const char *reason,
                                    unsigned retry_ms)
{
    log_warning("%s: failed to connect broker=%s reason='%s' retry_ms=%u", who,
                mqtt_io_broker_name(io), reason, retry_ms);
}

void mqtt_client_log_subscribe_refused(const char *who,
                                       const char *filter,
                                       int reason,
                                       unsigned retry_ms)
{
    log_error("%s: subscription refused filter='%s' reason='%s' (0x%02x), retrying in %u ms "
              "(check the broker's ACL for this client)",
              who, filter, mosquitto_reason_string(reason), (unsigned) reason, retry_ms);
}
