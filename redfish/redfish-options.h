/* SPDX-License-Identifier: Apache-2.0 */
/* statebus-redfish's command line and config file: one option table for flags and JSON keys. */
#ifndef STATEBUS_REDFISH_OPTIONS_H
#define STATEBUS_REDFISH_OPTIONS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/limits.h"

#include "mqtt-auth-options.h"
#include "options.h"

#define REDFISH_CLIENT_ID_MAX     128u
#define REDFISH_DEFAULT_LISTEN    "127.0.0.1:8080"
#define REDFISH_DEFAULT_HTTP_PORT 8080

typedef struct RedfishOptions {
    OptBroker broker;
    int mqtt_version; /* MqttIoVersion */
    char system[SB_SYSTEM_ID_MAX + 1];
    char listen[300];      /* --listen ADDR[:PORT] as given */
    char listen_host[256]; /* parsed: an IPv4 or IPv6 literal */
    uint16_t listen_port;  /* parsed: 0 = any free port (tests) */
    char config[PATH_MAX];
    char client_id[REDFISH_CLIENT_ID_MAX + 1]; /* "" = statebus-<system>-redfish-<pid> */
    uint32_t keepalive_s;
    MqttAuthOptions auth;
    uint64_t reply_timeout_ms; /* how long a Reset waits for the coordinator's answer */
    bool verbose;
    int auth_choice;         /* --auth: REDFISH_AUTH_AUTO, _ON, _OFF */
    bool auth_enabled;       /* resolved: auto = on unless the listen address is loopback */
    char accounts[PATH_MAX]; /* --accounts FILE: user:crypt-hash:role lines */
    uint32_t session_timeout_s;
    char https_cert[PATH_MAX]; /* --https-cert/--https-key: serve HTTPS */
    char https_key[PATH_MAX];
} RedfishOptions;

enum { REDFISH_AUTH_AUTO, REDFISH_AUTH_ON, REDFISH_AUTH_OFF };

/* Whether host (an IP literal) is a loopback address (127.0.0.0/8, ::1). */
bool redfish_host_is_loopback(const char *host);

/* Defaults, then --config FILE, then argv. Returns OPT_RESULT_OK, OPT_RESULT_HELP or
 * OPT_RESULT_VERSION (printed: exit 0), or negative errno with a one-line reason in err (exit 2).
 */
int redfish_options_parse(int argc, char **argv, RedfishOptions *ret, char *err, size_t err_size);

/* "ADDR", "ADDR:PORT", "[V6ADDR]" or "[V6ADDR]:PORT" with ADDR an IP literal, PORT 0..65535
 * (default 8080). Returns 0 or -EINVAL. */
int redfish_listen_parse(const char *s, char *host, size_t host_size, uint16_t *ret_port);

#endif
