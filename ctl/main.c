/* SPDX-License-Identifier: Apache-2.0 */
/* statebusctl: parse options, pick the verb, run it. Exit 0 ok, 1 failure or time-out, 2 bad
 * usage (contract.md "Command lines"). */
#include <mosquitto.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "statebus/topic.h"

#include "broker-addr.h"
#include "ctl.h"
#include "macro.h"
#include "options.h"

#define USAGE                                                                                    \
    "usage: statebusctl [--broker HOST[:PORT]] [--system ID] [--node N] [--json] [--wait[=SEC]]" \
    " [--timeout SEC] COMMAND\n"                                                                 \
    "\n"                                                                                         \
    "commands:\n"                                                                                \
    "  state          BMC, chassis, host and boot progress of the system (or of --node N)\n"     \
    "  bmcstate, chassisstate, hoststate, bootprogress   one of them\n"                          \
    "  poweron, poweroff           host On / Off\n"                                              \
    "  chassison, chassisoff       chassis On / Off\n"                                           \
    "  chassiskill                 chassis Off (reason \"chassiskill\")\n"                       \
    "  hostreboot                  host Reboot\n"                                                \
    "  bmcreboot                   BMC Reboot (of every node, or only --node N)\n"               \
    "  watch                       rollups, requests and events until Ctrl-C\n"                  \
    "  set-policy POLICY [--one-time]   power-restore-policy (or the one-time policy):\n"        \
    "                              AlwaysOn, AlwaysOff, Restore or None\n"                       \
    "  set-policy --delay S        power-restore-delay in seconds\n"                             \
    "  schedule TIME TRANSITION    scheduled host transition (On, Off, Reboot) at TIME:\n"       \
    "                              unix seconds, or +SECONDS from now\n"                         \
    "  schedule --clear            no scheduled transition\n"                                    \
    "\n"                                                                                         \
    "--node N on a power command sends \"nodes\": [N]; power-on commands wait for every\n"       \
    "node's BMC to be Ready (the coordinator's gate)."

#define OFF(field) offsetof(CtlOptions, field)

static const OptSpec ctl_option_specs[] = {
    OPT_SPEC_BROKER(CtlOptions, broker),
    OPT_SPEC_SYSTEM(CtlOptions, system),
    { .name = "node",
      .type = OPT_UINT,
      .offset = OFF(node),
      .min = 1,
      .max = SB_NODES_MAX,
      .metavar = "N",
      .help = "one node instead of the whole system" },
    { .name = "json", .type = OPT_BOOL, .offset = OFF(json), .help = "print raw JSON payloads" },
    { .name = "wait",
      .type = OPT_UINT,
      .offset = OFF(wait_s),
      .min = 0,
      .max = 86400,
      .metavar = "SEC",
      .implicit = "600",
      .help = "wait until the request completes, showing progress (--wait alone: 600)" },
    { .name = "timeout",
      .type = OPT_UINT,
      .offset = OFF(timeout_s),
      .min = 1,
      .max = 3600,
      .metavar = "SEC",
      .help = "how long to wait for retained state or the first answer" },
    { .name = "one-time",
      .type = OPT_BOOL,
      .offset = OFF(one_time),
      .help = "set-policy: the one-time policy (applied once, then None)" },
    { .name = "delay",
      .type = OPT_STRING,
      .offset = OFF(delay),
      .size = sizeof(((CtlOptions *) NULL)->delay),
      .metavar = "S",
      .help = "set-policy: power-restore-delay in seconds (0..86400)" },
    { .name = "clear",
      .type = OPT_BOOL,
      .offset = OFF(clear),
      .help = "schedule: remove the scheduled transition" },
    MQTT_AUTH_OPTION_SPECS(CtlOptions, auth),
};

/* args: the words after the verb (only set-policy and schedule take any). */
static CtlExit run_verb(const CtlOptions *o, const char *verb, const char *const *args, size_t n)
{
    if (strcmp(verb, "set-policy") == 0) {
        return ctl_set_policy(o, args, n);
    }
    if (strcmp(verb, "schedule") == 0) {
        return ctl_schedule(o, args, n);
    }
    if (n > 0) {
        (void) fprintf(stderr, "statebusctl: %s: unexpected argument '%s' (see --help)\n", verb,
                       args[0]);
        return CTL_EXIT_USAGE;
    }
    if (ctl_query_handles(verb)) {
        return ctl_query(o, verb);
    }
    if (ctl_request_handles(verb)) {
        return ctl_request(o, verb);
    }
    if (strcmp(verb, "watch") == 0) {
        return ctl_watch(o);
    }
    (void) fprintf(stderr, "statebusctl: unknown command '%s' (see --help)\n", verb);
    return CTL_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    CtlOptions o = {
        .broker = { .host = BROKER_DEFAULT_HOST, .port = BROKER_DEFAULT_PORT },
        .system = SB_DEFAULT_SYSTEM,
        .timeout_s = 5,
    };
    const char *positional[4]; /* COMMAND and at most two words after it, one to spare */
    size_t n_positional = 0;
    char err[512];
    CtlExit ret;
    int r;

    r = options_parse(ctl_option_specs, ELEMENTSOF(ctl_option_specs), &o, argc, argv, USAGE,
                      positional, ELEMENTSOF(positional), &n_positional, err, sizeof(err));
    if (r == OPT_RESULT_HELP || r == OPT_RESULT_VERSION) {
        return CTL_EXIT_OK;
    }
    if (r < 0) {
        (void) fprintf(stderr, "statebusctl: %s\n", err);
        return CTL_EXIT_USAGE;
    }
    if (n_positional == 0) {
        (void) fprintf(stderr, "statebusctl: missing COMMAND (see --help)\n");
        return CTL_EXIT_USAGE;
    }
    if (!sb_system_id_is_valid(o.system)) {
        (void) fprintf(stderr, "statebusctl: --system: expected [A-Za-z0-9_-]{1,64}, got '%s'\n",
                       o.system);
        return CTL_EXIT_USAGE;
    }
    r = mqtt_auth_options_load(&o.auth, err, sizeof(err));
    if (r < 0) {
        (void) fprintf(stderr, "statebusctl: %s\n", err);
        return CTL_EXIT_USAGE;
    }

    (void) mosquitto_lib_init();
    ret = run_verb(&o, positional[0], positional + 1, n_positional - 1);
    (void) mosquitto_lib_cleanup();
    return (int) ret;
}
