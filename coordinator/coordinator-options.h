/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statebus-coordinator's command line and config file (contract.md "Command lines"): one option
 * table for flags and JSON keys, then the checks the table cannot express (system id, client id).
 */
#ifndef STATEBUS_COORDINATOR_OPTIONS_H
#define STATEBUS_COORDINATOR_OPTIONS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/limits.h"

#include "coord.h"
#include "mqtt-auth-options.h"
#include "options.h"

#define COORDINATOR_CLIENT_ID_MAX 128u

typedef struct CoordinatorOptions {
    OptBroker broker;
    int mqtt_version; /* MqttIoVersion */
    char system[SB_SYSTEM_ID_MAX + 1];
    uint32_t nodes;
    char state_dir[PATH_MAX];
    char config[PATH_MAX];
    char client_id[COORDINATOR_CLIENT_ID_MAX + 1]; /* "" = statebus-<system>-coordinator */
    uint32_t keepalive_s;
    /* --cafile, --cert, --key, --username, --password-file */
    MqttAuthOptions auth;
    uint64_t request_timeout_ms;
    uint64_t transition_timeout_ms;
    uint64_t command_ttl_ms;
    uint64_t rebirth_window_ms;
    uint64_t summary_ms;
    int when_not_ready; /* CoordWhenNotReady: index into "queue", "reject" */
    bool allow_partial;
    uint64_t schedule_grace_s; /* a schedule missed by more is dropped; 0 = run however late */
    uint64_t clock_drift_ms;   /* clock-drift events past this node clock offset; 0 = off */
    int node_restore;          /* CoordNodeRestore: index into "none", "rejoin" */
    /* a node silent for this many of its heartbeat intervals is lost; 0 = the Will alone */
    uint32_t missed_heartbeats;
    bool verbose;
} CoordinatorOptions;

/* Fills *ret with the defaults, then the config file, then argv. Returns OPT_RESULT_OK,
 * OPT_RESULT_HELP or OPT_RESULT_VERSION (already printed: exit 0), or negative errno with a
 * one-line reason in err (exit 2). */
int coordinator_options_parse(int argc,
                              char **argv,
                              CoordinatorOptions *ret,
                              char *err,
                              size_t err_size);

/* The core's configuration from the options. */
void coordinator_options_to_config(const CoordinatorOptions *o, CoordConfig *ret);

#endif
