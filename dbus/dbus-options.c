/* SPDX-License-Identifier: Apache-2.0 */
#include "dbus-options.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "statebus/topic.h"

#include "broker-addr.h"
#include "dbus-write.h"
#include "macro.h"
#include "mqtt-client.h"

#define USAGE                                                                                     \
    "usage: statebus-dbus [--broker HOST[:PORT]] [--system ID] [--bus system|user|ADDRESS]"       \
    " [options]\n"                                                                                \
    "Presents the system (statebus' instance 0) as phosphor-state-manager's host0 and chassis0\n" \
    "on D-Bus, so bmcweb, obmcutil and ipmid on the aggregator BMC see and drive every node;\n"   \
    "writes of Requested*Transition become statebus requests (man statebus-dbus)."

#define OFF(field) offsetof(DbusOptions, field)

static const char *const when_not_ready_choices[] = { "queue", "reject", NULL };

static const OptSpec dbus_option_specs[] = {
    OPT_SPEC_BROKER(DbusOptions, broker),
    OPT_SPEC_MQTT_VERSION(DbusOptions, mqtt_version),
    OPT_SPEC_SYSTEM(DbusOptions, system),
    { .name = "bus",
      .type = OPT_STRING,
      .offset = OFF(bus),
      .size = sizeof(((DbusOptions *) NULL)->bus),
      .metavar = "system|user|ADDRESS",
      .help = "D-Bus to serve on: the system bus ($DBUS_SYSTEM_BUS_ADDRESS), the user bus, or "
              "an address such as unix:path=/run/test/bus" },
    OPT_SPEC_CONFIG(DbusOptions, config),
    OPT_SPEC_CLIENT_ID(DbusOptions,
                       client_id,
                       "MQTT client id (default: statebus-<system>-dbus-<pid>)"),
    OPT_SPEC_KEEPALIVE(DbusOptions,
                       keepalive_s,
                       "MQTT keepalive in seconds (libmosquitto's minimum is 5)"),
    MQTT_AUTH_OPTION_SPECS(DbusOptions, auth),
    { .name = "when-not-ready",
      .type = OPT_CHOICE,
      .offset = OFF(when_not_ready),
      .choices = when_not_ready_choices,
      .metavar = "queue|reject",
      .help = "a gated write while a BMC is not Ready: succeed (the coordinator queues it), or "
              "answer BMCNotReady; set it as the coordinator's --when-not-ready" },
    { .name = "allowed-host-transitions",
      .type = OPT_STRING,
      .offset = OFF(allowed_host_transitions),
      .size = sizeof(((DbusOptions *) NULL)->allowed_host_transitions),
      .metavar = "LIST",
      .help = "AllowedHostTransitions, comma-separated; a write of another one answers "
              "NotAllowed" },
    { .name = "hypervisor",
      .type = OPT_BOOL,
      .offset = OFF(hypervisor),
      .help = "also serve hypervisor0 (read-only, for bmcweb's hypervisor-computer-system) while "
              "system/hypervisor is published" },
    { .name = "verbose", .type = OPT_BOOL, .offset = OFF(verbose), .help = "log debug lines" },
};

static void dbus_options_defaults(DbusOptions *o)
{
    *o = (DbusOptions){
        .broker = { .host = BROKER_DEFAULT_HOST, .port = BROKER_DEFAULT_PORT },
        .system = SB_DEFAULT_SYSTEM,
        .keepalive_s = 30,
        .bus = "system",
        .when_not_ready = DBUS_WHEN_NOT_READY_QUEUE,
        .allowed_host_transitions = "On,Off,Reboot,GracefulWarmReboot,ForceWarmReboot",
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

int dbus_options_parse(int argc, char **argv, DbusOptions *ret, char *err, size_t err_size)
{
    const char *positional[1];
    size_t n_positional = 0;
    const OptionsSpec spec = {
        .specs = dbus_option_specs,
        .n_specs = ELEMENTSOF(dbus_option_specs),
        .usage = USAGE,
        .positional = positional,
        .max_positional = ELEMENTSOF(positional),
        .ret_n_positional = &n_positional,
    };
    int r;

    dbus_options_defaults(ret);
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
    if (strcmp(ret->bus, "system") != 0 && strcmp(ret->bus, "user") != 0 &&
        (!strchr(ret->bus, ':') || !printable_word(ret->bus))) {
        (void) snprintf(err, err_size,
                        "--bus: expected system, user or a D-Bus address (unix:path=...), got '%s'",
                        ret->bus);
        return -EINVAL;
    }
    if (dbus_write_parse_host_mask(ret->allowed_host_transitions, &ret->allowed_host) < 0) {
        (void) snprintf(err, err_size,
                        "--allowed-host-transitions: expected a comma-separated list of On, Off, "
                        "Reboot, GracefulWarmReboot, ForceWarmReboot, got '%s'",
                        ret->allowed_host_transitions);
        return -EINVAL;
    }
    r = mqtt_client_id_finish(ret->client_id, sizeof(ret->client_id), ret->system, "dbus", err,
                              err_size);
    if (r < 0) {
        return r;
    }
    r = mqtt_auth_options_load(&ret->auth, err, err_size);
    return r < 0 ? r : OPT_RESULT_OK;
}
