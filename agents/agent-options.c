/* SPDX-License-Identifier: Apache-2.0 */
#include "agent-options.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "statebus/topic.h"

#include "broker-addr.h"
#include "macro.h"

#define DURATION_MAX_MS (24ull * 3600u * 1000u) /* a day: anything longer is a typo */

const char *const agent_backend_names[] = { "sim", "gpio", "dbus", NULL };

#define FIELD(f) offsetof(AgentOptions, f), sizeof(((AgentOptions *) 0)->f)

/* A GPIO line's name and polarity flags: --gpio-<flag> NAME, --gpio-<flag>-active-low. */
#define GPIO_LINE_SPECS(flag, field, what)                                                 \
    { .name = "gpio-" flag,                                                                \
      .type = OPT_STRING,                                                                  \
      FIELD(backend_options.field.name),                                                   \
      .metavar = "LINE",                                                                   \
      .help = "gpio: " what },                                                             \
    {                                                                                      \
        .name = "gpio-" flag "-active-low", .type = OPT_BOOL,                              \
        FIELD(backend_options.field.active_low),                                           \
        .help = "gpio: the line is asserted low (--gpio-" flag "-active-low=false: high)", \
    }
#define GPIO_MS_SPEC(flag, field, what)                                          \
    {                                                                            \
        .name = (flag), .type = OPT_U64, FIELD(backend_options.field), .min = 1, \
        .max = DURATION_MAX_MS, .metavar = "MS", .help = "gpio: " what           \
    }

static const OptSpec agent_specs[] = {
    OPT_SPEC_BROKER(AgentOptions, broker),
    OPT_SPEC_MQTT_VERSION(AgentOptions, mqtt_version),
    OPT_SPEC_SYSTEM(AgentOptions, system),
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
    OPT_SPEC_CONFIG(AgentOptions, config),
    OPT_SPEC_CLIENT_ID(AgentOptions,
                       client_id,
                       "MQTT client id (default: statebus-<system>-node<N>)"),
    OPT_SPEC_KEEPALIVE(AgentOptions,
                       keepalive_s,
                       "MQTT keepalive; the Last Will fires after ~1.5x"),
    MQTT_AUTH_OPTION_SPECS(AgentOptions, auth),
    { .name = "heartbeat-ms",
      .type = OPT_U64,
      FIELD(heartbeat_ms),
      .min = 0,
      .max = UINT64_C(3600) * 1000u, /* an hour */
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
      .help = "sim: report a boot from AC loss (the saved hardware is powered off)" },
    { .name = "sim-state-file",
      .type = OPT_STRING,
      FIELD(sim_state_file),
      .metavar = "PATH",
      .help = "sim: keep the chassis/host state here across agent restarts (BMC reset)" },
    { .name = "hypervisor",
      .type = OPT_BOOL,
      FIELD(hypervisor),
      .help = "this node runs the system's hypervisor (\"hypervisor\": true on its host state)" },
    { .name = "verbose", .type = OPT_BOOL, FIELD(verbose), .help = "log debug lines too" },
    /* gpio and dbus backends (issue #5); defaults in backend_options_init(). */
    { .name = "gpio-chip",
      .type = OPT_STRING,
      FIELD(backend_options.gpio_chip),
      .metavar = "NAME",
      .help = "gpio: chip holding the lines (gpiochip0); default: find each line by name" },
    GPIO_LINE_SPECS("power-out", power_out, "power button output"),
    GPIO_LINE_SPECS("reset-out", reset_out, "reset button output, \"\" = none"),
    GPIO_LINE_SPECS("power-good", power_good, "power good input"),
    GPIO_LINE_SPECS("post-complete", post_complete, "POST complete input, \"\" = none"),
    GPIO_LINE_SPECS("ac-loss", ac_loss_line, "input asserted after an AC loss (--ac-loss gpio)"),
    GPIO_MS_SPEC("gpio-power-on-press-ms", power_on_press_ms, "press for power on"),
    GPIO_MS_SPEC("gpio-power-off-press-ms", power_off_press_ms, "press for a graceful off"),
    GPIO_MS_SPEC("gpio-force-off-press-ms", force_off_press_ms, "hold for a forced off"),
    GPIO_MS_SPEC("gpio-reset-press-ms", reset_press_ms, "reset press (ForceWarmReboot)"),
    { .name = "gpio-power-cycle-ms",
      .type = OPT_U64,
      FIELD(backend_options.power_cycle_off_ms),
      .min = 0,
      .max = DURATION_MAX_MS,
      .metavar = "MS",
      .help = "gpio: power off time within a power cycle or reboot" },
    GPIO_MS_SPEC("gpio-power-on-timeout-ms", power_on_timeout_ms, "power good must assert within"),
    GPIO_MS_SPEC("gpio-power-off-timeout-ms",
                 power_off_timeout_ms,
                 "power good must drop within, graceful"),
    GPIO_MS_SPEC("gpio-force-off-timeout-ms",
                 force_off_timeout_ms,
                 "power good must drop within, forced"),
    { .name = "bmc-ready",
      .type = OPT_CHOICE,
      FIELD(backend_options.bmc_ready),
      .choices = backend_bmc_ready_names,
      .metavar = "systemd|always",
      .help = "gpio: BMC Ready from --bmc-ready-unit over D-Bus, or always" },
    { .name = "bmc-ready-unit",
      .type = OPT_STRING,
      FIELD(backend_options.bmc_ready_unit),
      .metavar = "UNIT",
      .help = "gpio: systemd unit whose ActiveState 'active' means BMC Ready" },
    { .name = "ac-loss",
      .type = OPT_CHOICE,
      FIELD(backend_options.ac_loss),
      .choices = backend_ac_loss_names,
      .metavar = "auto|none|file|gpio|psm",
      .help = "gpio, dbus: where chassis ac_loss comes from" },
    { .name = "ac-loss-file",
      .type = OPT_STRING,
      FIELD(backend_options.ac_loss_file),
      .metavar = "PATH",
      .help = "gpio, dbus: a file the boot leaves after an AC loss (\"0\" inside = no)" },
    { .name = "dbus-instance",
      .type = OPT_UINT,
      FIELD(backend_options.dbus_instance),
      .min = 0,
      .max = SB_NODES_MAX,
      .metavar = "N",
      .help = "dbus: PSM instance of the chassis and host objects (chassisN, hostN)" },
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
    backend_options_init(&o->backend_options);
}

/* MQTT allows any UTF-8 client id; ours appear in broker logs and ACL patterns (%c), so they stay
 * printable ASCII without spaces or wildcards. */
/* What the table cannot check: options that only make sense together. */
static int backend_options_check(const AgentOptions *o, char *err, size_t err_size)
{
    const BackendOptions *b = &o->backend_options;

    if (b->ac_loss == BACKEND_AC_LOSS_FILE && b->ac_loss_file[0] == '\0') {
        (void) snprintf(err, err_size, "--ac-loss file: needs --ac-loss-file PATH");
        return -EINVAL;
    }
    if (b->ac_loss == BACKEND_AC_LOSS_GPIO &&
        (o->backend != AGENT_BACKEND_GPIO || b->ac_loss_line.name[0] == '\0')) {
        (void) snprintf(err, err_size,
                        "--ac-loss gpio: needs --backend gpio and --gpio-ac-loss LINE");
        return -EINVAL;
    }
    if (o->backend == AGENT_BACKEND_GPIO &&
        (b->power_out.name[0] == '\0' || b->power_good.name[0] == '\0')) {
        (void) snprintf(err, err_size,
                        "--backend gpio: needs --gpio-power-out and --gpio-power-good");
        return -EINVAL;
    }
    if (o->backend == AGENT_BACKEND_GPIO && b->bmc_ready == BACKEND_BMC_READY_SYSTEMD &&
        b->bmc_ready_unit[0] == '\0') {
        (void) snprintf(err, err_size, "--bmc-ready systemd: needs --bmc-ready-unit UNIT");
        return -EINVAL;
    }
    return 0;
}

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
    const OptionsSpec spec = {
        .specs = agent_specs,
        .n_specs = ELEMENTSOF(agent_specs),
        .usage = agent_usage,
    };
    int r;

    r = options_parse(&spec, o, argc, argv, err, err_size);
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
    r = backend_options_check(o, err, err_size);
    if (r < 0) {
        return r;
    }
    r = mqtt_auth_options_load(&o->auth, err, err_size);
    if (r < 0) {
        return r;
    }
    return OPT_RESULT_OK;
}
