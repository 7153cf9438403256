/* SPDX-License-Identifier: Apache-2.0 */
/* statebus-agent's options: flags and --config FILE (contract.md "Command lines"). */
#ifndef STATEBUS_AGENT_OPTIONS_H
#define STATEBUS_AGENT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/limits.h"

#include "backend.h"
#include "mqtt-auth-options.h"
#include "options.h"

#define AGENT_CLIENT_ID_MAX 128
#define AGENT_PATH_MAX      4096

/* --backend words, index = AgentOptions.backend. */
typedef enum AgentBackendChoice {
    AGENT_BACKEND_SIM = 0,
    AGENT_BACKEND_GPIO = 1,
    AGENT_BACKEND_DBUS = 2,
} AgentBackendChoice;

extern const char *const agent_backend_names[]; /* NULL-terminated */

typedef struct AgentOptions {
    OptBroker broker;                        /* --broker HOST[:PORT][,...] */
    char system[SB_SYSTEM_ID_MAX + 1];       /* --system ID */
    uint32_t node;                           /* --node N (required) */
    int backend;                             /* --backend sim|gpio|dbus (required) */
    char config[AGENT_PATH_MAX];             /* --config FILE */
    char client_id[AGENT_CLIENT_ID_MAX + 1]; /* --client-id; "" = statebus-<system>-node<N> */
    uint32_t keepalive_s;                    /* --keepalive S */
    int mqtt_version;                        /* --mqtt-version (MqttIoVersion) */
    uint64_t heartbeat_ms;                   /* --heartbeat-ms, 0 = off */
    uint64_t sim_bmc_ready_ms;
    uint64_t sim_power_ms;
    uint64_t sim_boot_ms;
    bool sim_ac_loss;
    char sim_state_file[AGENT_PATH_MAX]; /* --sim-state-file: "" = none (issue #4) */
    bool hypervisor;                     /* --hypervisor: this node runs the system's hypervisor */
    bool verbose;
    /* gpio and dbus: --gpio-*, --bmc-ready*, --ac-loss*, --dbus-* */
    BackendOptions backend_options;
    /* --cafile, --cert, --key, --username, --password-file */
    MqttAuthOptions auth;
} AgentOptions;

/* The defaults. */
void agent_options_init(AgentOptions *o);

/* Parses argv over the defaults already in *o (config file, then flags), checks what the table
 * cannot (system id, client id) and fills in the default client id. Returns OPT_RESULT_OK,
 * OPT_RESULT_HELP or OPT_RESULT_VERSION (printed to stdout: exit 0), or negative errno with a
 * one-line reason in err (exit 2). */
int agent_options_parse(AgentOptions *o, int argc, char **argv, char *err, size_t err_size);

#endif
