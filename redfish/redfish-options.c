/* SPDX-License-Identifier: Apache-2.0 */
#include "redfish-options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "statebus/topic.h"

#include "broker-addr.h"
#include "macro.h"
#include "mqtt-client.h"
#include "port-parse.h"

#define USAGE                                                                                  \
    "usage: statebus-redfish [--broker HOST[:PORT]] [--system ID] [--listen ADDR[:PORT]]"      \
    " [options]\n"                                                                             \
    "Serves the system's statebus state as Redfish resources (/redfish/v1/Systems/system,\n"   \
    "Chassis, Managers) over HTTP and turns ComputerSystem.Reset into statebus requests.\n"    \
    "Authentication (sessions, HTTP Basic; --accounts FILE) is on unless the listen address\n" \
    "is loopback (--auth); --https-cert/--https-key serve HTTPS (topics/redfish.md)."

#define OFF(field) offsetof(RedfishOptions, field)

static const char *const auth_choices[] = { "auto", "on", "off", NULL };

static const OptSpec redfish_option_specs[] = {
    OPT_SPEC_BROKER(RedfishOptions, broker),
    OPT_SPEC_MQTT_VERSION(RedfishOptions, mqtt_version),
    OPT_SPEC_SYSTEM(RedfishOptions, system),
    { .name = "listen",
      .type = OPT_STRING,
      .offset = OFF(listen),
      .size = sizeof(((RedfishOptions *) NULL)->listen),
      .metavar = "ADDR[:PORT]",
      .help = "HTTP address (an IP literal; [V6ADDR]:PORT for IPv6; port 0 = any free port)" },
    OPT_SPEC_CONFIG(RedfishOptions, config),
    OPT_SPEC_CLIENT_ID(RedfishOptions,
                       client_id,
                       "MQTT client id (default: statebus-<system>-redfish-<pid>)"),
    OPT_SPEC_KEEPALIVE(RedfishOptions,
                       keepalive_s,
                       "MQTT keepalive in seconds (libmosquitto's minimum is 5)"),
    MQTT_AUTH_OPTION_SPECS(RedfishOptions, auth),
    { .name = "reply-timeout",
      .type = OPT_U64,
      .offset = OFF(reply_timeout_ms),
      .min = 100,
      .max = 600000,
      .metavar = "MS",
      .help = "a Reset not answered by the coordinator within this is answered 503" },
    { .name = "verbose", .type = OPT_BOOL, .offset = OFF(verbose), .help = "log debug lines" },
    { .name = "auth",
      .type = OPT_CHOICE,
      .offset = OFF(auth_choice),
      .choices = auth_choices,
      .metavar = "auto|on|off",
      .help = "require a session or HTTP Basic (auto: unless the listen address is loopback)" },
    { .name = "accounts",
      .type = OPT_STRING,
      .offset = OFF(accounts),
      .size = sizeof(((RedfishOptions *) NULL)->accounts),
      .metavar = "FILE",
      .help = "accounts, one user:crypt-hash:role per line (statebus-redfish-passwd adds one)" },
    { .name = "session-timeout",
      .type = OPT_UINT,
      .offset = OFF(session_timeout_s),
      .min = 30,
      .max = 86400,
      .metavar = "S",
      .help = "a session idle this long is logged out" },
    { .name = "https-cert",
      .type = OPT_STRING,
      .offset = OFF(https_cert),
      .size = sizeof(((RedfishOptions *) NULL)->https_cert),
      .metavar = "FILE",
      .help = "serve HTTPS with this PEM certificate (chain) and --https-key" },
    { .name = "https-key",
      .type = OPT_STRING,
      .offset = OFF(https_key),
      .size = sizeof(((RedfishOptions *) NULL)->https_key),
      .metavar = "FILE",
      .help = "the PEM private key of --https-cert" },
};

static void redfish_options_defaults(RedfishOptions *o)
{
    *o = (RedfishOptions){
        .broker = { .host = BROKER_DEFAULT_HOST, .port = BROKER_DEFAULT_PORT },
        .system = SB_DEFAULT_SYSTEM,
        .listen = REDFISH_DEFAULT_LISTEN,
        .keepalive_s = 30,
        .reply_timeout_ms = 5000,
        .session_timeout_s = 1800,
    };
}

int redfish_listen_parse(const char *s, char *host, size_t host_size, uint16_t *ret_port)
{
    const char *end = NULL;
    const char *port = NULL;
    unsigned char probe[sizeof(struct in6_addr)];
    size_t len;
    uint16_t p = REDFISH_DEFAULT_HTTP_PORT;

    if (s[0] == '[') {
        end = strchr(s, ']');
        if (!end || (end[1] != '\0' && end[1] != ':')) {
            return -EINVAL;
        }
        port = end[1] == ':' ? end + 2 : NULL;
        s++;
    } else {
        port = strrchr(s, ':');
        end = port ? port : s + strlen(s);
        if (port) {
            port++;
        }
    }
    len = (size_t) (end - s);
    if (len == 0 || len >= host_size || (port && port_parse(port, PORT_LISTEN, &p) < 0)) {
        return -EINVAL;
    }
    (void) memcpy(host, s, len);
    host[len] = '\0';
    if (inet_pton(AF_INET, host, probe) != 1 && inet_pton(AF_INET6, host, probe) != 1) {
        return -EINVAL;
    }
    *ret_port = p;
    return 0;
}

int redfish_options_parse(int argc, char **argv, RedfishOptions *ret, char *err, size_t err_size)
{
    const char *positional[1];
    size_t n_positional = 0;
    const OptionsSpec spec = {
        .specs = redfish_option_specs,
        .n_specs = ELEMENTSOF(redfish_option_specs),
        .usage = USAGE,
        .positional = positional,
        .max_positional = ELEMENTSOF(positional),
        .ret_n_positional = &n_positional,
    };
    int r;

    redfish_options_defaults(ret);
    r = options_parse(&spec, ret, argc, argv, err, err_size);
    if (r != OPT_RESULT_OK) {
        return r;
    }
    if (n_positional > 0) {
        (void) snprintf(err, err_size, "unexpected argument '%s'", positional[0]);
        return -EINVAL;
    }
    if (!sb_system_id_is_valid(ret->system)) {
        (void) snprintf(err, err_size, "--system: expected [A-Za-z0-9_-]{1,64}, got '%s'",
                        ret->system);
        return -EINVAL;
    }
    if (redfish_listen_parse(ret->listen, ret->listen_host, sizeof(ret->listen_host),
                             &ret->listen_port) < 0) {
        (void) snprintf(err, err_size,
                        "--listen: expected ADDR[:PORT] with an IP address, got '%s'", ret->listen);
        return -EINVAL;
    }
    r = mqtt_client_id_finish(ret->client_id, sizeof(ret->client_id), ret->system, "redfish", err,
                              err_size);
    if (r < 0) {
        return r;
    }
    if ((ret->https_cert[0] == '\0') != (ret->https_key[0] == '\0')) {
        (void) snprintf(err, err_size, "--https-cert and --https-key go together");
        return -EINVAL;
    }
    ret->auth_enabled =
            ret->auth_choice == REDFISH_AUTH_ON ||
            (ret->auth_choice == REDFISH_AUTH_AUTO && !redfish_host_is_loopback(ret->listen_host));
    if (ret->auth_enabled && ret->accounts[0] == '\0') {
        (void) snprintf(err, err_size, "authentication is on (%s): --accounts FILE is required",
                        ret->auth_choice == REDFISH_AUTH_ON ? "--auth on"
                                                            : "the listen address is not loopback");
        return -EINVAL;
    }
    r = mqtt_auth_options_load(&ret->auth, err, err_size);
    return r < 0 ? r : OPT_RESULT_OK;
}

bool redfish_host_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (inet_pton(AF_INET, host, &a4) == 1) {
        return (ntohl(a4.s_addr) >> 24) == 127u;
    }
    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}
