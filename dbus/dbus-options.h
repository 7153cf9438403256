/* SPDX-License-Identifier: Apache-2.0 */
/* statebus-dbus's command line and config file: one option table for flags and JSON keys. */
#ifndef STATEBUS_DBUS_OPTIONS_H
#define STATEBUS_DBUS_OPTIONS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/limits.h"

#include "mqtt-auth-options.h"
#include "options.h"

#define DBUS_CLIENT_ID_MAX 128u
#define DBUS_BUS_MAX       512u

typedef enum DbusWhenNotReady {
    DBUS_WHEN_NOT_READY_QUEUE = 0,
    DBUS_WHEN_NOT_READY_REJECT = 1,
} DbusWhenNotReady;

typedef struct DbusOptions {
    OptBroker broker;
    int mqtt_version; /* MqttIoVersion */
    char system[SB_SYSTEM_ID_MAX + 1];
    char config[PATH_MAX];
    char client_id[DBUS_CLIENT_ID_MAX + 1]; /* "" = statebus-<system>-dbus-<pid> */
    uint32_t keepalive_s;
    MqttAuthOptions auth;
    char bus[DBUS_BUS_MAX];             /* "system", "user" or a D-Bus address */
    int when_not_ready;                 /* DbusWhenNotReady */
    char allowed_host_transitions[128]; /* "On,Off,..." */
    uint32_t allowed_host;              /* parsed: bit per SbTransition */
    bool hypervisor;
    bool verbose;
} DbusOptions;

/* Defaults, then --config FILE, then argv. Returns OPT_RESULT_OK, OPT_RESULT_HELP or
 * OPT_RESULT_VERSION (printed: exit 0), or negative errno with a one-line reason in err (exit 2).
 */
int dbus_options_parse(int argc, char **argv, DbusOptions *ret, char *err, size_t err_size);

#endif
