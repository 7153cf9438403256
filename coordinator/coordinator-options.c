/* SPDX-License-Identifier: Apache-2.0 */
#include "coordinator-options.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "statebus/topic.h"

#include "broker-addr.h"
#include "macro.h"

#define USAGE                                                                                    \
    "usage: statebus-coordinator --nodes N --state-dir DIR [--broker HOST[:PORT]] [--system ID]" \
    " [options]\n"                                                                               \
    "Derives the system-wide (instance 0) state of a multi-node server, gates power-on until\n"  \
    "every node's BMC is Ready and keeps its request queue in DIR/state.json."

static const char *const when_not_ready_choices[] = { "queue", "reject", NULL };
static const char *const node_restore_choices[] = { "none", "rejoin", NULL };

#define OFF(field) offsetof(CoordinatorOptions, field)

static const OptSpec coordinator_option_specs[] = {
    OPT_SPEC_BROKER(CoordinatorOptions, broker),
    OPT_SPEC_MQTT_VERSION(CoordinatorOptions, mqtt_version),
    OPT_SPEC_SYSTEM(CoordinatorOptions, system),
    { .name = "nodes",
      .type = OPT_UINT,
      .offset = OFF(nodes),
      .min = 1,
      .max = SB_NODES_MAX,
      .required = true,
      .metavar = "N",
      .help = "expected nodes, numbered 1..N" },
    { .name = "state-dir",
      .type = OPT_STRING,
      .offset = OFF(state_dir),
      .size = sizeof(((CoordinatorOptions *) NULL)->state_dir),
      .required = true,
      .metavar = "DIR",
      .help = "where the request queue is kept (created if missing)" },
    OPT_SPEC_CONFIG(CoordinatorOptions, config),
    OPT_SPEC_CLIENT_ID(CoordinatorOptions,
                       client_id,
                       "MQTT client id (default: statebus-<system>-coordinator)"),
    OPT_SPEC_KEEPALIVE(CoordinatorOptions,
                       keepalive_s,
                       "MQTT keepalive in seconds (libmosquitto's minimum is 5)"),
    MQTT_AUTH_OPTION_SPECS(CoordinatorOptions, auth),
    { .name = "request-timeout",
      .type = OPT_U64,
      .offset = OFF(request_timeout_ms),
      .min = 0,
      .max = UINT64_C(31536000000),
      .metavar = "MS",
      .help = "a queued request expires after this long; 0 = wait forever, as PSM does" },
    { .name = "transition-timeout",
      .type = OPT_U64,
      .offset = OFF(transition_timeout_ms),
      .min = 1000,
      .max = UINT64_C(86400000),
      .metavar = "MS",
      .help = "a dispatched request fails when the nodes are not there after this long" },
    { .name = "command-ttl-ms",
      .type = OPT_U64,
      .offset = OFF(command_ttl_ms),
      .min = 100,
      .max = UINT64_C(3600000),
      .metavar = "MS",
      .help = "deadline of a command to an agent, from its dispatch" },
    { .name = "rebirth-window-ms",
      .type = OPT_U64,
      .offset = OFF(rebirth_window_ms),
      .min = 0,
      .max = UINT64_C(600000),
      .metavar = "MS",
      .help = "after a (re)connect, wait this long for the agents' rebirth answers" },
    { .name = "summary-ms",
      .type = OPT_U64,
      .offset = OFF(summary_ms),
      .min = 100,
      .max = UINT64_C(86400000),
      .metavar = "MS",
      .help = "period of system/summary (Grafana)" },
    { .name = "when-not-ready",
      .type = OPT_CHOICE,
      .offset = OFF(when_not_ready),
      .choices = when_not_ready_choices,
      .metavar = "queue|reject",
      .help = "a gated request while a BMC is not Ready: queue it, or reject it" },
    { .name = "allow-partial",
      .type = OPT_BOOL,
      .offset = OFF(allow_partial),
      .help = "allow power actions on some nodes only (\"nodes\": [...])" },
    { .name = "schedule-grace-s",
      .type = OPT_U64,
      .offset = OFF(schedule_grace_s),
      .min = 0,
      .max = UINT64_C(31536000),
      .metavar = "S",
      .help = "run a scheduled transition missed while down by at most this much, else drop "
              "it; 0 = run it however late (PSM)" },
    { .name = "clock-drift-ms",
      .type = OPT_U64,
      .offset = OFF(clock_drift_ms),
      .min = 0,
      .max = UINT64_C(86400000),
      .metavar = "MS",
      .help = "raise a clock-drift event when a node's clock is this far off; 0 = never" },
    { .name = "node-restore",
      .type = OPT_CHOICE,
      .offset = OFF(node_restore),
      .choices = node_restore_choices,
      .metavar = "none|rejoin",
      .help = "a node-local AC loss: leave the system as it is, or power the node back on into "
              "a running system" },
    { .name = "missed-heartbeats",
      .type = OPT_UINT,
      .offset = OFF(missed_heartbeats),
      .min = 0,
      .max = 1000,
      .metavar = "K",
      .help = "a node whose heartbeats stop for K of its intervals (learned from them) is lost "
              "before its Last Will; 0 = the Will alone" },
    { .name = "verbose", .type = OPT_BOOL, .offset = OFF(verbose), .help = "log debug lines" },
};

static void coordinator_options_defaults(CoordinatorOptions *o)
{
    *o = (CoordinatorOptions){
        .broker = { .host = BROKER_DEFAULT_HOST, .port = BROKER_DEFAULT_PORT },
        .system = SB_DEFAULT_SYSTEM,
        .keepalive_s = 5,
        .request_timeout_ms = 0,
        .transition_timeout_ms = 600000,
        .command_ttl_ms = 30000,
        .rebirth_window_ms = 1000,
        .summary_ms = 10000,
        .when_not_ready = COORD_WHEN_NOT_READY_QUEUE,
        .schedule_grace_s = 300,
        .clock_drift_ms = 2000,
        .node_restore = COORD_NODE_RESTORE_NONE,
        .missed_heartbeats = 3,
    };
}

/* Client ids go into the CONNECT packet and log lines: printable ASCII without white space. */
static bool client_id_is_valid(const char *s)
{
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (*s <= 0x20 || *s >= 0x7f) {
            return false;
        }
    }
    return true;
}

int coordinator_options_parse(int argc,
                              char **argv,
                              CoordinatorOptions *ret,
                              char *err,
                              size_t err_size)
{
    const char *positional[1];
    size_t n_positional = 0;
    const OptionsSpec spec = {
        .specs = coordinator_option_specs,
        .n_specs = ELEMENTSOF(coordinator_option_specs),
        .usage = USAGE,
        .positional = positional,
        .max_positional = ELEMENTSOF(positional),
        .ret_n_positional = &n_positional,
    };
    int r;

    coordinator_options_defaults(ret);
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
    if (ret->client_id[0] == '\0') {
        (void) snprintf(ret->client_id, sizeof(ret->client_id), "statebus-%s-coordinator",
                        ret->system);
    } else if (!client_id_is_valid(ret->client_id)) {
        (void) snprintf(err, err_size,
                        "--client-id: expected printable ASCII without white space, got '%s'",
                        ret->client_id);
        return -EINVAL;
    }
    r = mqtt_auth_options_load(&ret->auth, err, err_size);
    if (r < 0) {
        return r;
    }
    return OPT_RESULT_OK;
}

void coordinator_options_to_config(const CoordinatorOptions *o, CoordConfig *ret)
{
    *ret = (CoordConfig){
        .nodes = o->nodes,
        .request_timeout_ms = o->request_timeout_ms,
        .transition_timeout_ms = o->transition_timeout_ms,
        .command_ttl_ms = o->command_ttl_ms,
        .rebirth_window_ms = o->rebirth_window_ms,
        .when_not_ready = o->when_not_ready == COORD_WHEN_NOT_READY_REJECT
                                  ? COORD_WHEN_NOT_READY_REJECT
                                  : COORD_WHEN_NOT_READY_QUEUE,
        .allow_partial = o->allow_partial,
        .schedule_grace_ms = o->schedule_grace_s * 1000u,
        .clock_drift_ms = o->clock_drift_ms,
        .node_restore = o->node_restore == COORD_NODE_RESTORE_REJOIN ? COORD_NODE_RESTORE_REJOIN
                                                                     : COORD_NODE_RESTORE_NONE,
        .missed_heartbeats = o->missed_heartbeats,
    };
}
