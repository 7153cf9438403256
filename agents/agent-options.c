/* SPDX-License-Identifier: Apache-2.0 */
#include "agent-options.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "statebus/topic.h"

#include "broker-addr.h"
#include "macro.h"

#define DURATION_MAX_MS (24ull * 3600u * 1000u) /* a day: anything longer is a typo */

const char *const agent_backend_names[] = { "sim", "gpio", "dbus", NULL };

#define FIELD(f) offsetof(AgentOptions, f), sizeof(((AgentOptions *) 0)->f)

static const OptSpec agent_specs[] = {
    { .name = "broker",
      .type = OPT_BROKER,
      FIELD(broker),
      .metavar = "HOST[:PORT]",
      .help = "MQTT broker" },
    { .name = "system",
      .type = OPT_STRING,
      FIELD(system),
      .metavar = "ID",
      .help = "system id, [A-Za-z0-9_-]{1,64}" },
    { .name = "node",
      .type = OPT_UINT,
      FIELD(node),
      .min = 1,
      .max = SB_NODES_MAX,
      .required = true,
      .metavar = "N",
      .help = "this node's number (PSM instance)" },
    { .name = "backend",
      .type = OPT_CHOICE,
      FIELD(backend),
      .choices = agent_backend_names,
      .required = true,
      .metavar = "sim|gpio|dbus",
      .help = "what runs the node" },
    { .name = "config",
      .type = OPT_STRING,
      FIELD(config),
      .metavar = "FILE",
      .help = "JSON object of these options (flags override it)" },
    { .name = "client-id",
      .type = OPT_STRING,
      FIELD(client_id),
      .metavar = "ID",
      .help = "MQTT client id (default: statebus-<system>-node<N>)" },
    { .name = "keepalive",
      .type = OPT_UINT,
      FIELD(keepalive_s),
      .min = 5,
      .max = 65535,
      .metavar = "S",
      .help = "MQTT keepalive; the Last Will fires after ~1.5x" },
    { .name = "heartbeat-ms",
      .type = OPT_U64,
      FIELD(heartbeat_ms),
      .min = 0,
      .max = 3600u * 1000u,
      .metavar = "MS",
      .help = "heartbeat period, 0 = off" },
    { .name = "sim-bmc-ready-ms",
      .type = OPT_U64,
      FIELD(sim_bmc_ready_ms),
      .min = 0,
      .max = DURATION_MAX_MS,
      .metavar = "MS",
      .help = "sim: BMC boot time" },
    { .name = "sim-power-ms",
      .type = OPT_U64,
      FIELD(sim_power_ms),
      .min = 0,
      .max = DURATION_MAX_MS,
      .metavar = "MS",
      .help = "sim: each power transition" },
    { .name = "sim-boot-ms",
      .type = OPT_U64,
      FIELD(sim_boot_ms),
      .min = 0,
      .max = DURATION_MAX_MS,
      .metavar = "MS",
      .help = "sim: host boot, first to last stage" },
    { .name = "sim-ac-loss",
      .type = OPT_BOOL,
      FIELD(sim_ac_loss),
      .help = "sim: report a boot from AC loss" },
    { .name = "verbose", .type = OPT_BOOL, FIELD(verbose), .help = "log debug lines too" },
};

static const char agent_usage[] =
        "usage: statebus-agent --node N --backend sim|gpio|dbus [--broker HOST[:PORT]] "
        "[--system ID] [options]\n"
        "\n"
        "Publishes one node's BMC, chassis, host and boot-progress state on "
        "statebus/<system>/node/<N>/\nand carries out the commands the coordinator sends it.";

void agent_options_init(AgentOptions *o)
{
    memset(o, 0, sizeof(*o));
    (void) snprintf(o->broker.host, sizeof(o->broker.host), "%s", BROKER_DEFAULT_HOST);
    o->broker.port = BROKER_DEFAULT_PORT;
    (void) snprintf(o->system, sizeof(o->system), "%s", SB_DEFAULT_SYSTEM);
    o->backend = -1;
    o->keepalive_s = 5;
    o->heartbeat_ms = 1000;
    o->sim_bmc_ready_ms = 2000;
    o->sim_power_ms = 1000;
    o->sim_boot_ms = 3000;
}

/* MQTT allows any UTF-8 client id; ours appear in broker logs and ACL patterns (%c), so they stay
 * printable ASCII without spaces or wildcards. */
static bool client_id_is_valid(const char *s)
{
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (*s <= 0x20 || *s >= 0x7f || *s == '+' || *s == '#' || *s == '/') {
            return false;
        }
    }
    return true;
}

int agent_options_parse(AgentOptions *o, int argc, char **argv, char *err, size_t err_size)
{
    int r;

    r = options_parse(agent_specs, ELEMENTSOF(agent_specs), o, argc, argv, agent_usage, NULL, 0,
                      NULL, err, err_size);
    if (r != OPT_RESULT_OK) {
        return r;
    }
    if (!sb_system_id_is_valid(o->system)) {
        (void) snprintf(err, err_size, "--system: expected [A-Za-z0-9_-]{1,64}, got '%s'",
                        o->system);
        return -EINVAL;
    }
    if (o->client_id[0] == '\0') {
        (void) snprintf(o->client_id, sizeof(o->client_id), "statebus-%s-node%u", o->system,
                        (unsigned) o->node);
    } else if (!client_id_is_valid(o->client_id)) {
        (void) snprintf(
                err, err_size,
                "--client-id: expected printable ASCII without spaces, '+', '#' or '/', got '%s'",
                o->client_id);
        return -EINVAL;
    }
    return OPT_RESULT_OK;
}
