/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psm-double: a stand-in for phosphor-state-manager on a (private) system bus, for testing the
 * agent's dbus backend. It serves bmc0, chassis0 and host0 with PSM's real service names,
 * interfaces, property names and full enum strings, takes writes of the Requested*Transition
 * properties and walks the Current* properties (and BootProgress) the way PSM does, one step
 * every --step-ms, each step announced with PropertiesChanged.
 *
 *   psm-double [--step-ms MS] [--bmc-ready-ms MS] [--chassis On|Off] [--instance N]
 *              [--reboot-cause CAUSE] [--x86-power-control yes]
 *
 * The bus comes from $DBUS_SYSTEM_BUS_ADDRESS (sd_bus_open_system). Like PSM built with
 * ONLY_ALLOW_BOOT_WHEN_BMC_READY, power-ons are refused while the BMC is not Ready, with the
 * error of the written interface (xyz.openbmc_project.State.Host.Error.BMCNotReady,
 * ...State.Chassis.Error.BMCNotReady) and PDI's text; Off is never refused (PSM: value != Off).
 * A string that is not a value of the property answers sdbusplus' InvalidEnumString.
 * --instance N serves chassisN/hostN under PSM's names for that instance (...ChassisN,
 * ...HostN; instance 0 also the legacy names); bmc0 is always bmc0. --reboot-cause sets
 * LastRebootCause (POR, Software, ...). --x86-power-control yes serves what x86-power-control
 * does instead of PSM: no State.Boot.Progress, no CurrentPowerStatus, no RestartCause on host,
 * and OperatingSystem.Status (Standby once POST completes). Every accepted request is printed
 * on stdout ("psm-double: set RequestedHostTransition=..."). SIGTERM ends it.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>

#define BMC_IFACE     "xyz.openbmc_project.State.BMC"
#define CHASSIS_IFACE "xyz.openbmc_project.State.Chassis"
#define HOST_IFACE    "xyz.openbmc_project.State.Host"
#define BOOT_IFACE    "xyz.openbmc_project.State.Boot.Progress"
#define OS_IFACE      "xyz.openbmc_project.State.OperatingSystem.Status"
#define BMC_PATH      "/xyz/openbmc_project/state/bmc0"
#define CHASSIS_PATH  chassis_path
#define HOST_PATH     host_path
#define VALUE_MAX     128
#define PLAN_MAX      32

typedef struct Psm {
    char bmc_state[VALUE_MAX];
    char reboot_cause[VALUE_MAX];
    char bmc_request[VALUE_MAX];
    char power_state[VALUE_MAX];
    char power_status[VALUE_MAX];
    char power_request[VALUE_MAX];
    char host_state[VALUE_MAX];
    char restart_cause[VALUE_MAX];
    char host_request[VALUE_MAX];
    char boot_progress[VALUE_MAX];
    uint64_t boot_progress_update; /* BootProgressLastUpdate, us */
    char os_state[VALUE_MAX];      /* x86-power-control: OperatingSystemState */
} Psm;

/* One step of a walk: set the field of a property to value. */
typedef struct Step {
    size_t field; /* offsetof(Psm, ...) */
    const char *path;
    const char *iface;
    const char *property;
    const char *value;
} Step;

static Psm psm;
static sd_bus *bus;
static sd_event_source *walk_timer;
static Step plan[PLAN_MAX];
static size_t plan_len, plan_pos;
static uint64_t step_ms = 100;
static char chassis_path[64] = "/xyz/openbmc_project/state/chassis0";
static char host_path[64] = "/xyz/openbmc_project/state/host0";
static bool x86; /* serve x86-power-control's objects instead of PSM's */

#define STEP(f, p, i, prop, v) ((Step){ offsetof(Psm, f), (p), (i), (prop), (v) })
#define CHASSIS(v)                                                      \
    STEP(power_state, CHASSIS_PATH, CHASSIS_IFACE, "CurrentPowerState", \
         "xyz.openbmc_project.State.Chassis.PowerState." v)
#define HOST(v)                                                 \
    STEP(host_state, HOST_PATH, HOST_IFACE, "CurrentHostState", \
         "xyz.openbmc_project.State.Host.HostState." v)
#define BOOT(v)                                                \
    STEP(boot_progress, HOST_PATH, BOOT_IFACE, "BootProgress", \
         "xyz.openbmc_project.State.Boot.Progress.ProgressStages." v)
#define BMC(v)                                              \
    STEP(bmc_state, BMC_PATH, BMC_IFACE, "CurrentBMCState", \
         "xyz.openbmc_project.State.BMC.BMCState." v)
#define CAUSE(v)                                               \
    STEP(restart_cause, HOST_PATH, HOST_IFACE, "RestartCause", \
         "xyz.openbmc_project.State.Host.RestartCause." v)
#define OS(v)                                                   \
    STEP(os_state, HOST_PATH, OS_IFACE, "OperatingSystemState", \
         "xyz.openbmc_project.State.OperatingSystem.Status.OSStatus." v)

static char *field_of(size_t offset)
{
    return (char *) &psm + offset;
}

static bool is(const char *field, const char *suffix)
{
    size_t n = strlen(field), m = strlen(suffix);
    return n >= m && strcmp(field + n - m, suffix) == 0;
}

/* ---- walks ------------------------------------------------------------------------------- */

static void plan_add(Step s)
{
    /* x86-power-control has no Boot.Progress and no RestartCause on host0. */
    if (x86 &&
        (s.field == offsetof(Psm, boot_progress) || s.field == offsetof(Psm, restart_cause))) {
        return;
    }
    if (!x86 && s.field == offsetof(Psm, os_state)) {
        return; /* (PSM's host has OperatingSystem.Status too; the double leaves it out) */
    }
    if (plan_len < PLAN_MAX) {
        plan[plan_len++] = s;
    }
}

/* chassis_off_planned: the walk so far powers the chassis off, whatever it is now. */
static void walk_chassis_on(bool chassis_off_planned)
{
    if (chassis_off_planned || !is(psm.power_state, ".On")) {
        plan_add(CHASSIS("TransitioningToOn"));
        plan_add(CHASSIS("On"));
    }
}

static void walk_host_on(bool chassis_off_planned)
{
    walk_chassis_on(chassis_off_planned);
    plan_add(CAUSE("RemoteCommand"));
    plan_add(HOST("TransitioningToRunning"));
    plan_add(BOOT("PrimaryProcInit"));
    plan_add(BOOT("MemoryInit"));
    plan_add(BOOT("PCIInit"));
    plan_add(BOOT("SystemInitComplete"));
    plan_add(BOOT("OSStart"));
    plan_add(BOOT("OSRunning"));
    plan_add(HOST("Running"));
    plan_add(OS("Standby")); /* x86-power-control: POST complete */
}

static void walk_host_off(bool chassis_too)
{
    plan_add(HOST("TransitioningToOff"));
    plan_add(HOST("Off"));
    plan_add(BOOT("Unspecified"));
    plan_add(OS("Inactive"));
    if (chassis_too) {
        plan_add(CHASSIS("TransitioningToOff"));
        plan_add(CHASSIS("Off"));
    }
}

static void walk_chassis_off(void)
{
    plan_add(CHASSIS("TransitioningToOff"));
    plan_add(CHASSIS("Off"));
    plan_add(HOST("Off"));
    plan_add(BOOT("Unspecified"));
    plan_add(OS("Inactive"));
}

static void walk_start(void)
{
    (void) sd_event_source_set_time_relative(walk_timer, step_ms * 1000u);
    (void) sd_event_source_set_enabled(walk_timer, SD_EVENT_ON);
}

static int on_walk_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    Step *step;
    struct timespec ts;

    (void) usec;
    (void) userdata;
    /* Steps that change nothing are skipped: PSM only announces changes. */
    while (plan_pos < plan_len &&
           strcmp(field_of(plan[plan_pos].field), plan[plan_pos].value) == 0) {
        plan_pos++;
    }
    if (plan_pos >= plan_len) {
        plan_len = plan_pos = 0;
        return sd_event_source_set_enabled(s, SD_EVENT_OFF);
    }
    step = &plan[plan_pos++];
    (void) snprintf(field_of(step->field), VALUE_MAX, "%s", step->value);
    if (step->field == offsetof(Psm, boot_progress)) {
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        psm.boot_progress_update = (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
        (void) sd_bus_emit_properties_changed(bus, step->path, step->iface, step->property,
                                              "BootProgressLastUpdate", NULL);
    } else {
        (void) sd_bus_emit_properties_changed(bus, step->path, step->iface, step->property, NULL);
    }
    printf("psm-double: %s=%s\n", step->property, step->value);
    (void) fflush(stdout);
    return sd_event_source_set_time_relative(s, step_ms * 1000u);
}

/* ---- properties -------------------------------------------------------------------------- */

static int get_string(sd_bus *b,
                      const char *path,
                      const char *interface,
                      const char *property,
                      sd_bus_message *reply,
                      void *userdata,
                      sd_bus_error *error)
{
    (void) b;
    (void) path;
    (void) interface;
    (void) property;
    (void) error;
    return sd_bus_message_append(reply, "s", (const char *) userdata);
}

static bool bmc_ready(void)
{
    return is(psm.bmc_state, ".Ready");
}

/* The values of each Requested*Transition (PDI), as sdbusplus converts them: exact match. */
static bool is_transition(const char *target, const char *word)
{
    static const char *const host[] = {
        "Off", "On", "Reboot", "GracefulWarmReboot", "ForceWarmReboot", NULL
    };
    static const char *const chassis[] = { "Off", "On", "PowerCycle", NULL };
    static const char *const bmc[] = { "Reboot", "HardReboot", "None", NULL };
    const char *const *values = strcmp(target, "Host") == 0      ? host
                                : strcmp(target, "Chassis") == 0 ? chassis
                                                                 : bmc;

    for (; *values; values++) {
        if (strcmp(*values, word) == 0) {
            return true;
        }
    }
    return false;
}

/* Starts the walk for a request of target ("Host", "Chassis", "BMC") to transition word. */
static int request(const char *target, const char *word, sd_bus_error *error)
{
    /* PSM (host_state_manager.cpp, chassis_state_manager.cpp): value != Off && !BMC Ready. */
    if (strcmp(target, "BMC") != 0 && strcmp(word, "Off") != 0 && !bmc_ready()) {
        return strcmp(target, "Host") == 0
                       ? sd_bus_error_set(error, "xyz.openbmc_project.State.Host.Error.BMCNotReady",
                                          "The BMC is not in a Ready state, no host operations "
                                          "allowed")
                       : sd_bus_error_set(error,
                                          "xyz.openbmc_project.State.Chassis.Error.BMCNotReady",
                                          "The BMC is not in a Ready state, no power operations "
                                          "allowed");
    }
    if (strcmp(target, "BMC") == 0 && strcmp(word, "None") == 0) {
        return 0; /* nothing to do */
    }
    plan_len = plan_pos = 0; /* a new request replaces the walk in progress */
    if (strcmp(target, "Host") == 0 && strcmp(word, "On") == 0) {
        walk_host_on(false);
    } else if (strcmp(target, "Host") == 0 && strcmp(word, "Off") == 0) {
        walk_host_off(true);
    } else if (strcmp(target, "Host") == 0 &&
               (strcmp(word, "Reboot") == 0 || strcmp(word, "GracefulWarmReboot") == 0 ||
                strcmp(word, "ForceWarmReboot") == 0)) {
        bool cold = strcmp(word, "Reboot") == 0; /* the warm ones keep the chassis on */
        walk_host_off(cold);
        walk_host_on(cold);
    } else if (strcmp(target, "Chassis") == 0 && strcmp(word, "On") == 0) {
        walk_chassis_on(false);
    } else if (strcmp(target, "Chassis") == 0 && strcmp(word, "Off") == 0) {
        walk_chassis_off();
    } else if (strcmp(target, "Chassis") == 0 && strcmp(word, "PowerCycle") == 0) {
        walk_chassis_off();
        plan_add(CHASSIS("TransitioningToOn"));
        plan_add(CHASSIS("On"));
    } else if (strcmp(target, "BMC") == 0 &&
               (strcmp(word, "Reboot") == 0 || strcmp(word, "HardReboot") == 0)) {
        plan_add(BMC("NotReady"));
        plan_add(BMC("Ready"));
    }
    walk_start();
    return 0;
}

static int set_request(sd_bus *b,
                       const char *path,
                       const char *interface,
                       const char *property,
                       sd_bus_message *value,
                       void *userdata,
                       sd_bus_error *error)
{
    char prefix[VALUE_MAX];
    const char *target = strcmp(interface, HOST_IFACE) == 0      ? "Host"
                         : strcmp(interface, CHASSIS_IFACE) == 0 ? "Chassis"
                                                                 : "BMC";
    const char *s = NULL;
    int r;

    r = sd_bus_message_read(value, "s", &s);
    if (r < 0) {
        return r;
    }
    /* Only PSM's full strings, as sdbusplus' enum conversion accepts. */
    (void) snprintf(prefix, sizeof(prefix), "%s.Transition.", interface);
    if (strncmp(s, prefix, strlen(prefix)) != 0 || !is_transition(target, s + strlen(prefix))) {
        printf("psm-double: refused %s=%s (not a value)\n", property, s);
        (void) fflush(stdout);
        return sd_bus_error_set(error, "xyz.openbmc_project.sdbusplus.Error.InvalidEnumString",
                                "An enumeration mapping was attempted for which no valid "
                                "enumeration value exists.");
    }
    r = request(target, s + strlen(prefix), error);
    if (r < 0) {
        printf("psm-double: refused %s=%s\n", property, s);
        (void) fflush(stdout);
        return r;
    }
    (void) snprintf((char *) userdata, VALUE_MAX, "%s", s);
    printf("psm-double: set %s=%s\n", property, s);
    (void) fflush(stdout);
    return sd_bus_emit_properties_changed(b, path, interface, property, NULL);
}

static int get_boot_update(sd_bus *b,
                           const char *path,
                           const char *interface,
                           const char *property,
                           sd_bus_message *reply,
                           void *userdata,
                           sd_bus_error *error)
{
    (void) b;
    (void) path;
    (void) interface;
    (void) property;
    (void) userdata;
    (void) error;
    return sd_bus_message_append(reply, "t", psm.boot_progress_update);
}

#define PROP(name, field)                                        \
    SD_BUS_PROPERTY(name, "s", get_string, offsetof(Psm, field), \
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)
#define REQUEST(name, field)                                                           \
    SD_BUS_WRITABLE_PROPERTY(name, "s", get_string, set_request, offsetof(Psm, field), \
                             SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable bmc_vtable[] = {
    SD_BUS_VTABLE_START(0),
    REQUEST("RequestedBMCTransition", bmc_request),
    PROP("CurrentBMCState", bmc_state),
    PROP("LastRebootCause", reboot_cause),
    SD_BUS_VTABLE_END,
};

static const sd_bus_vtable chassis_vtable[] = {
    SD_BUS_VTABLE_START(0),
    REQUEST("RequestedPowerTransition", power_request),
    PROP("CurrentPowerState", power_state),
    PROP("CurrentPowerStatus", power_status),
    SD_BUS_VTABLE_END,
};

static const sd_bus_vtable host_vtable[] = {
    SD_BUS_VTABLE_START(0),
    REQUEST("RequestedHostTransition", host_request),
    PROP("CurrentHostState", host_state),
    PROP("RestartCause", restart_cause),
    SD_BUS_VTABLE_END,
};

/* x86-power-control: host0 without RestartCause (it lives on control/host0/restart_cause there),
 * chassis0 without CurrentPowerStatus, and OperatingSystem.Status on host0. */
static const sd_bus_vtable x86_chassis_vtable[] = {
    SD_BUS_VTABLE_START(0),
    REQUEST("RequestedPowerTransition", power_request),
    PROP("CurrentPowerState", power_state),
    SD_BUS_VTABLE_END,
};

static const sd_bus_vtable x86_host_vtable[] = {
    SD_BUS_VTABLE_START(0),
    REQUEST("RequestedHostTransition", host_request),
    PROP("CurrentHostState", host_state),
    SD_BUS_VTABLE_END,
};

static const sd_bus_vtable os_vtable[] = {
    SD_BUS_VTABLE_START(0),
    PROP("OperatingSystemState", os_state),
    SD_BUS_VTABLE_END,
};

static const sd_bus_vtable boot_vtable[] = {
    SD_BUS_VTABLE_START(0),
    PROP("BootProgress", boot_progress),
    SD_BUS_PROPERTY("BootProgressLastUpdate",
                    "t",
                    get_boot_update,
                    0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_VTABLE_END,
};

/* ---- main -------------------------------------------------------------------------------- */

static void psm_init(bool chassis_on, bool bmc_ready_now, const char *reboot_cause)
{
#define SET(f, v) (void) snprintf(psm.f, VALUE_MAX, "%s", v)
    (void) snprintf(psm.reboot_cause, VALUE_MAX, "xyz.openbmc_project.State.BMC.RebootCause.%s",
                    reboot_cause);
    SET(os_state, chassis_on ? "xyz.openbmc_project.State.OperatingSystem.Status.OSStatus.Standby"
                             : "xyz.openbmc_project.State.OperatingSystem.Status.OSStatus."
                               "Inactive");
    SET(bmc_state, bmc_ready_now ? "xyz.openbmc_project.State.BMC.BMCState.Ready"
                                 : "xyz.openbmc_project.State.BMC.BMCState.NotReady");
    SET(bmc_request, "xyz.openbmc_project.State.BMC.Transition.None");
    SET(power_state, chassis_on ? "xyz.openbmc_project.State.Chassis.PowerState.On"
                                : "xyz.openbmc_project.State.Chassis.PowerState.Off");
    SET(power_status, "xyz.openbmc_project.State.Chassis.PowerStatus.Good");
    SET(power_request, "xyz.openbmc_project.State.Chassis.Transition.Off");
    SET(host_state, chassis_on ? "xyz.openbmc_project.State.Host.HostState.Running"
                               : "xyz.openbmc_project.State.Host.HostState.Off");
    SET(restart_cause, "xyz.openbmc_project.State.Host.RestartCause.Unknown");
    SET(host_request, "xyz.openbmc_project.State.Host.Transition.Off");
    SET(boot_progress, chassis_on
                               ? "xyz.openbmc_project.State.Boot.Progress.ProgressStages.OSRunning"
                               : "xyz.openbmc_project.State.Boot.Progress.ProgressStages."
                                 "Unspecified");
#undef SET
}

static int on_bmc_ready(sd_event_source *s, uint64_t usec, void *userdata)
{
    (void) s;
    (void) usec;
    (void) userdata;
    plan_add(BMC("Ready"));
    walk_start();
    return 0;
}

static int fail(const char *what, int r)
{
    fprintf(stderr, "psm-double: %s: %s\n", what, strerror(-r));
    return 1;
}

int main(int argc, char **argv)
{
    sd_event *event = NULL;
    uint64_t bmc_ready_ms = 0;
    bool chassis_on = false;
    unsigned long instance = 0;
    const char *reboot_cause = "POR";
    char names[3][96];
    sigset_t mask;
    int r;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--step-ms") == 0) {
            step_ms = strtoull(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--bmc-ready-ms") == 0) {
            bmc_ready_ms = strtoull(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--chassis") == 0) {
            chassis_on = strcmp(argv[i + 1], "On") == 0;
        } else if (strcmp(argv[i], "--instance") == 0) {
            instance = strtoul(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--reboot-cause") == 0) {
            reboot_cause = argv[i + 1];
        } else if (strcmp(argv[i], "--x86-power-control") == 0) {
            x86 = strcmp(argv[i + 1], "yes") == 0;
        } else {
            fprintf(stderr, "usage: psm-double [--step-ms MS] [--bmc-ready-ms MS] "
                            "[--chassis On|Off] [--instance N] [--reboot-cause CAUSE] "
                            "[--x86-power-control yes]\n");
            return 2;
        }
    }
    (void) snprintf(chassis_path, sizeof(chassis_path), "/xyz/openbmc_project/state/chassis%lu",
                    instance);
    (void) snprintf(host_path, sizeof(host_path), "/xyz/openbmc_project/state/host%lu", instance);
    /* PSM's *_main.cpp: instance 0 owns the legacy name and the numbered one, N only ...N. */
    (void) snprintf(names[0], sizeof(names[0]), "xyz.openbmc_project.State.BMC");
    (void) snprintf(names[1], sizeof(names[1]), "xyz.openbmc_project.State.Chassis%lu", instance);
    (void) snprintf(names[2], sizeof(names[2]), "xyz.openbmc_project.State.Host%lu", instance);
    psm_init(chassis_on, bmc_ready_ms == 0, reboot_cause);

    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    r = sd_event_default(&event);
    if (r >= 0) {
        r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
    }
    if (r >= 0) {
        r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
    }
    if (r >= 0) {
        r = sd_event_add_time_relative(event, &walk_timer, CLOCK_MONOTONIC, step_ms * 1000u, 1000u,
                                       on_walk_timer, NULL);
    }
    if (r >= 0) {
        r = sd_event_source_set_enabled(walk_timer, SD_EVENT_OFF);
    }
    if (r >= 0 && bmc_ready_ms > 0) {
        r = sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC, bmc_ready_ms * 1000u, 1000u,
                                       on_bmc_ready, NULL);
    }
    if (r < 0) {
        return fail("event loop", r);
    }
    r = sd_bus_open_system(&bus);
    if (r < 0) {
        return fail("sd_bus_open_system", r);
    }
    /* Objects first, names last: a client that sees the name finds the objects. */
    r = sd_bus_add_object_vtable(bus, NULL, BMC_PATH, BMC_IFACE, bmc_vtable, &psm);
    if (r >= 0) {
        r = sd_bus_add_object_vtable(bus, NULL, CHASSIS_PATH, CHASSIS_IFACE,
                                     x86 ? x86_chassis_vtable : chassis_vtable, &psm);
    }
    if (r >= 0) {
        r = sd_bus_add_object_vtable(bus, NULL, HOST_PATH, HOST_IFACE,
                                     x86 ? x86_host_vtable : host_vtable, &psm);
    }
    if (r >= 0) {
        r = x86 ? sd_bus_add_object_vtable(bus, NULL, HOST_PATH, OS_IFACE, os_vtable, &psm)
                : sd_bus_add_object_vtable(bus, NULL, HOST_PATH, BOOT_IFACE, boot_vtable, &psm);
    }
    if (r >= 0) {
        r = sd_bus_attach_event(bus, event, 0);
    }
    for (size_t i = 0; r >= 0 && i < 3; i++) {
        r = sd_bus_request_name(bus, names[i], 0);
    }
    if (r >= 0 && instance == 0) {
        r = sd_bus_request_name(bus, "xyz.openbmc_project.State.Chassis", 0);
    }
    if (r >= 0 && instance == 0) {
        r = sd_bus_request_name(bus, "xyz.openbmc_project.State.Host", 0);
    }
    if (r < 0) {
        return fail("serving PSM's objects", r);
    }
    printf("psm-double: ready\n");
    (void) fflush(stdout);
    r = sd_event_loop(event);
    sd_bus_flush_close_unref(bus);
    sd_event_source_unref(walk_timer);
    sd_event_unref(event);
    return r < 0 ? fail("event loop", r) : 0;
}
