/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dbus backend: mirrors phosphor-state-manager (PSM) on this node's system bus.
 *
 * Reads, with GetAll, CurrentBMCState and LastRebootCause (xyz.openbmc_project.State.BMC on
 * /xyz/openbmc_project/state/bmc0), CurrentPowerState and CurrentPowerStatus (State.Chassis on
 * chassis<N>), CurrentHostState and RestartCause (State.Host on host<N>) and BootProgress
 * (State.Boot.Progress on host<N>), then follows PropertiesChanged; a PSM service that (re)starts
 * is read again when its name gets an owner. Commands set RequestedPowerTransition,
 * RequestedHostTransition or RequestedBMCTransition to PSM's full enum strings; PSM carries them
 * out and the changes come back as PropertiesChanged.
 *
 * A PSM service or a bus that is not there (yet) is retried with backoff (100 ms .. 5 s); until
 * PSM's BMC answers the BMC is NotReady. Chassis, host and boot progress are reported only once
 * PSM said what they are: a BMC that restarts under a running host must not claim it is off.
 *
 * Nodes running x86-power-control instead of PSM's host and chassis serve host<N> without
 * State.Boot.Progress (GetAll answers UnknownInterface). Boot progress is then what the host's
 * OperatingSystem.Status says (Standby once POST completes -> SystemInitComplete, see
 * psm_os_status_boot_progress()), or Unspecified when that is missing too: published, not
 * waited for forever (the system's boot-progress rollup would stay Unknown).
 *
 * ac_loss (--ac-loss auto = psm): PSM marks a boot after an AC loss by creating
 * /run/openbmc/chassis@<N>-lost-power (its checkACLoss()); the file is read at start and each time
 * the chassis is read. LastRebootCause POR alone is not it: a BMC-only power cycle is POR too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "statebus/topic.h"

#include "backend-dbus-bus.h"
#include "backend.h"
#include "log.h"
#include "psm-map.h"

#define DBUS_PROPERTIES "org.freedesktop.DBus.Properties"
#define RETRY_MIN_MS    100u
#define RETRY_MAX_MS    5000u
#define NAME_MAX_LEN    96
#define VALUE_MAX_LEN   128
#define PSM_LOST_POWER  "/run/openbmc/chassis@%u-lost-power"

typedef enum PsmObject {
    PSM_OBJECT_BMC = 0,
    PSM_OBJECT_CHASSIS = 1,
    PSM_OBJECT_HOST = 2,
    PSM_OBJECT_COUNT,
} PsmObject;

/* One GetAll: an interface of an object. */
typedef enum PsmRead {
    PSM_READ_BMC = 0,
    PSM_READ_CHASSIS = 1,
    PSM_READ_HOST = 2,
    PSM_READ_BOOT_PROGRESS = 3,
    PSM_READ_OS_STATUS = 4, /* only used when Boot.Progress is absent (x86-power-control) */
    PSM_READ_COUNT,
} PsmRead;

static const struct {
    PsmObject object;
    const char *interface;
} psm_reads[PSM_READ_COUNT] = {
    [PSM_READ_BMC] = { PSM_OBJECT_BMC, PSM_BMC_INTERFACE },
    [PSM_READ_CHASSIS] = { PSM_OBJECT_CHASSIS, PSM_CHASSIS_INTERFACE },
    [PSM_READ_HOST] = { PSM_OBJECT_HOST, PSM_HOST_INTERFACE },
    [PSM_READ_BOOT_PROGRESS] = { PSM_OBJECT_HOST, PSM_BOOT_PROGRESS_INTERFACE },
    [PSM_READ_OS_STATUS] = { PSM_OBJECT_HOST, PSM_OS_INTERFACE },
};

typedef struct DbusBackend DbusBackend;

typedef struct ReadState {
    DbusBackend *d;
    PsmRead read;
    sd_bus_slot *call;      /* owned: the GetAll in flight */
    sd_event_source *retry; /* owned */
    unsigned backoff_ms;
    unsigned failures;
} ReadState;

struct DbusBackend {
    Backend base;  /* first: a DbusBackend * is a Backend * */
    BusConn *conn; /* owned */
    char service[PSM_OBJECT_COUNT][NAME_MAX_LEN];
    char path[PSM_OBJECT_COUNT][NAME_MAX_LEN];
    char ac_loss_file[BACKEND_PATH_MAX + 1]; /* "" = ac_loss is always false */
    sd_bus_slot *changed[PSM_OBJECT_COUNT];  /* owned: PropertiesChanged matches */
    sd_bus_slot *owner[PSM_OBJECT_COUNT];    /* owned: NameOwnerChanged matches */
    ReadState reads[PSM_READ_COUNT];
    NodeObservation obs[SB_KIND_NODE_COUNT];
    bool known[SB_KIND_NODE_COUNT]; /* PSM told the kind's state */
    bool dirty[SB_KIND_NODE_COUNT]; /* changed since last reported */
    bool absent[PSM_READ_COUNT];    /* the interface is not served (UnknownInterface) */
    bool os_read;                   /* OperatingSystem.Status was read */
    int os_boot;                    /* the boot progress it implies; 0 = none */
    bool stopped;
};

/* ---- reporting --------------------------------------------------------------------------- */

/* x86-power-control: no Boot.Progress. What is known instead, once it is known. */
static void boot_progress_fallback(DbusBackend *d)
{
    NodeObservation *obs = &d->obs[SB_KIND_BOOT_PROGRESS];
    int v;

    if (!d->absent[PSM_READ_BOOT_PROGRESS] || (!d->os_read && !d->absent[PSM_READ_OS_STATUS])) {
        return;
    }
    v = d->os_boot > 0 && !d->absent[PSM_READ_OS_STATUS] ? d->os_boot : SB_BOOT_UNSPECIFIED;
    if (!d->known[SB_KIND_BOOT_PROGRESS] || obs->state != v) {
        obs->state = v;
        d->known[SB_KIND_BOOT_PROGRESS] = true;
        d->dirty[SB_KIND_BOOT_PROGRESS] = true;
    }
}

static void report_dirty(DbusBackend *d)
{
    boot_progress_fallback(d);
    for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
        if (d->dirty[k] && d->known[k] && !d->stopped) {
            d->base.cfg.report(&d->base, &d->obs[k], d->base.cfg.userdata);
        }
        d->dirty[k] = false;
    }
}

static void bmc_not_ready(DbusBackend *d)
{
    if (d->known[SB_KIND_BMC] && d->obs[SB_KIND_BMC].state == SB_BMC_NOT_READY) {
        return;
    }
    d->obs[SB_KIND_BMC].state = SB_BMC_NOT_READY;
    d->known[SB_KIND_BMC] = true;
    d->dirty[SB_KIND_BMC] = true;
    report_dirty(d);
}

static void refresh_ac_loss(DbusBackend *d)
{
    bool ac_loss = false;
    int r;

    if (d->ac_loss_file[0]) {
        r = backend_ac_loss_file_read(d->ac_loss_file);
        if (r < 0) {
            (void) log_warning_errno(r,
                                     "dbus: failed to read ac-loss file path='%s', assuming "
                                     "no AC loss: %m",
                                     d->ac_loss_file);
        }
        ac_loss = r > 0;
    }
    if (d->obs[SB_KIND_CHASSIS].ac_loss != ac_loss) {
        d->obs[SB_KIND_CHASSIS].ac_loss = ac_loss;
        d->dirty[SB_KIND_CHASSIS] = true;
    }
}

/* ---- property messages ------------------------------------------------------------------- */

/* One "sv" entry's value for property p; anything but a valid string of p is ignored. */
static int read_value(DbusBackend *d, sd_bus_message *m, PsmProperty p, const char *where)
{
    const char *contents = NULL, *s = NULL;
    SbStateKind kind = psm_property_kind(p);
    char type;
    int r, v;

    r = sd_bus_message_peek_type(m, &type, &contents);
    if (r < 0) {
        return r;
    }
    if (type != SD_BUS_TYPE_VARIANT || !contents || strcmp(contents, "s") != 0) {
        log_warning("dbus: ignored %s %s of a type other than string", where, psm_property_name(p));
        return sd_bus_message_skip(m, "v");
    }
    r = sd_bus_message_read(m, "v", "s", &s);
    if (r < 0) {
        return r;
    }
    v = psm_value_decode(p, s);
    if (v < 0) {
        log_warning("dbus: ignored %s %s='%.*s' (not a value the contract knows)", where,
                    psm_property_name(p), VALUE_MAX_LEN, s);
        return 0;
    }
    if (psm_observation_apply(&d->obs[kind], p, v)) {
        d->dirty[kind] = true;
    }
    if (psm_property_is_state(p) && !d->known[kind]) {
        d->known[kind] = true; /* the kind's first value: report it */
        d->dirty[kind] = true;
    }
    return 0;
}

/* OperatingSystemState: kept for boot_progress_fallback(). */
static int read_os_value(DbusBackend *d, sd_bus_message *m, const char *where)
{
    const char *contents = NULL, *s = NULL;
    char type;
    int r, v;

    r = sd_bus_message_peek_type(m, &type, &contents);
    if (r < 0) {
        return r;
    }
    if (type != SD_BUS_TYPE_VARIANT || !contents || strcmp(contents, "s") != 0) {
        log_warning("dbus: ignored %s " PSM_OS_PROPERTY " of a type other than string", where);
        return sd_bus_message_skip(m, "v");
    }
    r = sd_bus_message_read(m, "v", "s", &s);
    if (r < 0) {
        return r;
    }
    v = psm_os_status_boot_progress(s);
    if (v < 0) {
        log_warning("dbus: ignored %s " PSM_OS_PROPERTY "='%.*s' (not a value the contract knows)",
                    where, VALUE_MAX_LEN, s);
        return 0;
    }
    d->os_boot = v;
    return 0;
}

/* a{sv} of interface: applies the properties we read, skips the rest. */
static int
read_properties(DbusBackend *d, sd_bus_message *m, const char *interface, const char *where)
{
    const char *name = NULL;
    int r;

    r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
    while (r > 0 && (r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
        int p;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0) {
            break;
        }
        p = psm_property_find(interface, name);
        if (p >= 0) {
            r = read_value(d, m, (PsmProperty) p, where);
        } else if (strcmp(interface, PSM_OS_INTERFACE) == 0 && strcmp(name, PSM_OS_PROPERTY) == 0) {
            r = read_os_value(d, m, where);
        } else {
            r = sd_bus_message_skip(m, "v");
        }
        if (r >= 0) {
            r = sd_bus_message_exit_container(m);
        }
    }
    if (r >= 0) {
        r = sd_bus_message_exit_container(m);
    }
    return r;
}

static void read_start(ReadState *rs);

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    DbusBackend *d = userdata;
    const char *interface = NULL, *name = NULL;
    char where[NAME_MAX_LEN + 32];
    bool reread = false;
    int r;

    (void) error;
    if (d->stopped) {
        return 0;
    }
    r = sd_bus_message_read(m, "s", &interface);
    if (r < 0) {
        return 0;
    }
    (void) snprintf(where, sizeof(where), "%s",
                    sd_bus_message_get_path(m) ? sd_bus_message_get_path(m) : "?");
    r = read_properties(d, m, interface, where);
    if (r >= 0) {
        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "s");
    }
    while (r > 0 && (r = sd_bus_message_read(m, "s", &name)) > 0) {
        reread = reread || psm_property_find(interface, name) >= 0;
    }
    if (r < 0) {
        (void) log_warning_errno(r, "dbus: ignored a malformed PropertiesChanged of '%s': %m",
                                 where);
    }
    report_dirty(d);
    if (reread) {
        /* Invalidated without a value: ask for it. */
        for (int i = 0; i < PSM_READ_COUNT; i++) {
            if (strcmp(psm_reads[i].interface, interface) == 0) {
                read_start(&d->reads[i]);
            }
        }
    }
    return 0;
}

/* ---- GetAll with retries ----------------------------------------------------------------- */

static void read_retry_later(ReadState *rs, const char *why)
{
    DbusBackend *d = rs->d;
    PsmObject o = psm_reads[rs->read].object;

    if (rs->failures++ == 0) {
        log_warning("dbus: failed to read %s of service='%s' path='%s' why='%s', retrying in %u "
                    "ms",
                    psm_reads[rs->read].interface, d->service[o], d->path[o], why, rs->backoff_ms);
    } else {
        log_debug("dbus: failed to read %s of '%s' why='%s' attempts=%u, retrying in %u ms",
                  psm_reads[rs->read].interface, d->path[o], why, rs->failures, rs->backoff_ms);
    }
    if (rs->read == PSM_READ_BMC) {
        bmc_not_ready(d); /* PSM's BMC is not there: nothing may count on this node yet */
    }
    (void) sd_event_source_set_time_relative(rs->retry, (uint64_t) rs->backoff_ms * 1000u);
    (void) sd_event_source_set_enabled(rs->retry, SD_EVENT_ONESHOT);
    rs->backoff_ms = rs->backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : rs->backoff_ms * 2;
}

static int on_get_all(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    ReadState *rs = userdata;
    DbusBackend *d = rs->d;
    PsmObject o = psm_reads[rs->read].object;
    int r;

    (void) error;
    rs->call = sd_bus_slot_unref(rs->call);
    if (d->stopped) {
        return 0;
    }
    if (sd_bus_message_is_method_error(m, NULL)) {
        const sd_bus_error *e = sd_bus_message_get_error(m);
        if ((rs->read == PSM_READ_BOOT_PROGRESS || rs->read == PSM_READ_OS_STATUS) &&
            sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_INTERFACE)) {
            /* Served without it (x86-power-control): not "not yet", so no retry. */
            if (!rs->d->absent[rs->read]) {
                log_info("dbus: service='%s' path='%s' has no %s%s", d->service[o], d->path[o],
                         psm_reads[rs->read].interface,
                         rs->read == PSM_READ_BOOT_PROGRESS
                                 ? " (x86-power-control?): boot progress from OperatingSystemState"
                                 : "");
            }
            rs->d->absent[rs->read] = true;
            report_dirty(d);
            return 0;
        }
        read_retry_later(rs, e && e->name ? e->name : "error");
        return 0;
    }
    r = read_properties(d, m, psm_reads[rs->read].interface, d->path[o]);
    if (r < 0) {
        read_retry_later(rs, "malformed reply");
        return 0;
    }
    if (rs->read == PSM_READ_CHASSIS) {
        refresh_ac_loss(d);
    }
    if (rs->read == PSM_READ_OS_STATUS) {
        d->os_read = true;
    }
    d->absent[rs->read] = false;
    if (rs->failures > 0 || rs->backoff_ms == RETRY_MIN_MS) {
        log_info("dbus: read %s of service='%s' path='%s'", psm_reads[rs->read].interface,
                 d->service[o], d->path[o]);
    }
    rs->failures = 0;
    rs->backoff_ms = RETRY_MIN_MS * 2; /* a later failure is not the first read's */
    report_dirty(d);
    return 0;
}

static void read_start(ReadState *rs)
{
    DbusBackend *d = rs->d;
    sd_bus *bus = bus_conn_bus(d->conn);
    PsmObject o = psm_reads[rs->read].object;
    int r;

    if (!bus || d->stopped) {
        return;
    }
    (void) sd_event_source_set_enabled(rs->retry, SD_EVENT_OFF);
    rs->call = sd_bus_slot_unref(rs->call);
    r = sd_bus_call_method_async(bus, &rs->call, d->service[o], d->path[o], DBUS_PROPERTIES,
                                 "GetAll", on_get_all, rs, "s", psm_reads[rs->read].interface);
    if (r < 0) {
        read_retry_later(rs, strerror(-r));
    }
}

static int on_read_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
    (void) s;
    (void) usec;
    read_start(userdata);
    return 0;
}

/* NameOwnerChanged(name, old, new) of one of PSM's services. */
static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    DbusBackend *d = userdata;
    const char *name = NULL, *old_owner = NULL, *new_owner = NULL;

    (void) error;
    if (d->stopped || sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0) {
        return 0;
    }
    for (int o = 0; o < PSM_OBJECT_COUNT; o++) {
        if (strcmp(name, d->service[o]) != 0) {
            continue;
        }
        log_info("dbus: service='%s' %s", name, new_owner[0] ? "appeared" : "went away");
        if (!new_owner[0]) {
            if (o == PSM_OBJECT_BMC) {
                bmc_not_ready(d);
            }
            continue;
        }
        for (int i = 0; i < PSM_READ_COUNT; i++) {
            if (psm_reads[i].object == (PsmObject) o) {
                d->absent[i] = false; /* a new owner may serve what the old one did not */
                d->reads[i].backoff_ms = RETRY_MIN_MS;
                read_start(&d->reads[i]);
            }
        }
    }
    return 0;
}

/* ---- the bus ----------------------------------------------------------------------------- */

static void drop_slots(DbusBackend *d)
{
    for (int o = 0; o < PSM_OBJECT_COUNT; o++) {
        d->changed[o] = sd_bus_slot_unref(d->changed[o]);
        d->owner[o] = sd_bus_slot_unref(d->owner[o]);
    }
    for (int i = 0; i < PSM_READ_COUNT; i++) {
        d->reads[i].call = sd_bus_slot_unref(d->reads[i].call);
        (void) sd_event_source_set_enabled(d->reads[i].retry, SD_EVENT_OFF);
    }
}

static int on_bus_connected(BusConn *c, sd_bus *bus, void *userdata)
{
    DbusBackend *d = userdata;
    char rule[256];
    int r = 0;

    (void) c;
    if (d->stopped) {
        return 0; /* a clean stop is under way: nothing more to mirror */
    }
    /* Matches first: a change between the read and the match cannot be missed. */
    for (int o = 0; o < PSM_OBJECT_COUNT && r >= 0; o++) {
        r = sd_bus_match_signal_async(bus, &d->changed[o], d->service[o], d->path[o],
                                      DBUS_PROPERTIES, "PropertiesChanged", on_properties_changed,
                                      NULL, d);
        if (r >= 0) {
            (void) snprintf(rule, sizeof(rule),
                            "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/"
                            "DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                            "arg0='%s'",
                            d->service[o]);
            r = sd_bus_add_match_async(bus, &d->owner[o], rule, on_owner_changed, NULL, d);
        }
    }
    for (int i = 0; i < PSM_READ_COUNT && r >= 0; i++) {
        d->reads[i].backoff_ms = RETRY_MIN_MS;
        read_start(&d->reads[i]);
    }
    if (r < 0) {
        drop_slots(d);
    }
    return r;
}

static void on_bus_lost(BusConn *c, int error, void *userdata)
{
    DbusBackend *d = userdata;

    (void) c;
    (void) error;
    drop_slots(d);
    bmc_not_ready(d);
}

/* ---- commands ---------------------------------------------------------------------------- */

typedef struct SetCall {
    DbusBackend *d;
    SbTarget target;
    SbTransition transition;
    char property[48];
    char value[VALUE_MAX_LEN];
} SetCall;

static int on_set_reply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    SetCall *call = userdata;
    char why[SB_WHY_MAX + 1];

    (void) error;
    if (!sd_bus_message_is_method_error(m, NULL)) {
        log_info("dbus: set %s='%s'", call->property, call->value);
        return 0;
    }
    {
        const sd_bus_error *e = sd_bus_message_get_error(m);
        (void) snprintf(why, sizeof(why), "PSM refused %s=%s: %s", call->property, call->value,
                        e && e->message ? e->message : (e && e->name ? e->name : "error"));
    }
    log_error("dbus: failed to set %s='%s' why='%s'", call->property, call->value, why);
    if (!call->d->stopped) {
        backend_report_failed(&call->d->base, call->target, call->transition, why);
    }
    return 0;
}

static int dbus_apply(Backend *b, SbTarget target, SbTransition transition)
{
    DbusBackend *d = (DbusBackend *) b;
    sd_bus *bus = bus_conn_bus(d->conn);
    const char *interface = NULL, *property = NULL;
    PsmObject o = target == SB_TARGET_BMC       ? PSM_OBJECT_BMC
                  : target == SB_TARGET_CHASSIS ? PSM_OBJECT_CHASSIS
                                                : PSM_OBJECT_HOST;
    sd_bus_slot *slot = NULL;
    SetCall *call = NULL;
    int r;

    if (d->stopped) {
        return -ESHUTDOWN;
    }
    call = calloc(1, sizeof(*call));
    if (!call) {
        return -ENOMEM;
    }
    *call = (SetCall){ .d = d, .target = target, .transition = transition };
    r = psm_transition_encode(target, transition, &interface, &property, call->value,
                              sizeof(call->value));
    if (r >= 0 && !bus) {
        r = -ENOTCONN;
    }
    if (r >= 0) {
        (void) snprintf(call->property, sizeof(call->property), "%s", property);
        r = sd_bus_call_method_async(bus, &slot, d->service[o], d->path[o], DBUS_PROPERTIES, "Set",
                                     on_set_reply, call, "ssv", interface, property, "s",
                                     call->value);
    }
    if (r < 0) {
        free(call);
        return r;
    }
    log_info("dbus: setting %s='%s' on service='%s' path='%s'", property, call->value,
             d->service[o], d->path[o]);
    /* The slot frees call with it, and lives with the bus (floating) until the reply. */
    r = sd_bus_slot_set_destroy_callback(slot, free);
    if (r < 0) {
        free(call);
    } else {
        r = sd_bus_slot_set_floating(slot, 1);
    }
    sd_bus_slot_unref(slot);
    return r < 0 ? r : 0;
}

/* ---- life cycle -------------------------------------------------------------------------- */

static Backend *dbus_destroy(Backend *b);

static void names_init(DbusBackend *d, unsigned instance)
{
    /* PSM owns "...State.Host<N>" and, for instance 0, also the plain legacy name. */
    (void) snprintf(d->service[PSM_OBJECT_BMC], NAME_MAX_LEN, "%s", PSM_BMC_INTERFACE);
    (void) snprintf(d->path[PSM_OBJECT_BMC], NAME_MAX_LEN, "/xyz/openbmc_project/state/bmc0");
    if (instance == 0) {
        (void) snprintf(d->service[PSM_OBJECT_CHASSIS], NAME_MAX_LEN, "%s", PSM_CHASSIS_INTERFACE);
        (void) snprintf(d->service[PSM_OBJECT_HOST], NAME_MAX_LEN, "%s", PSM_HOST_INTERFACE);
    } else {
        (void) snprintf(d->service[PSM_OBJECT_CHASSIS], NAME_MAX_LEN, "%s%u", PSM_CHASSIS_INTERFACE,
                        instance);
        (void) snprintf(d->service[PSM_OBJECT_HOST], NAME_MAX_LEN, "%s%u", PSM_HOST_INTERFACE,
                        instance);
    }
    (void) snprintf(d->path[PSM_OBJECT_CHASSIS], NAME_MAX_LEN,
                    "/xyz/openbmc_project/state/chassis%u", instance);
    (void) snprintf(d->path[PSM_OBJECT_HOST], NAME_MAX_LEN, "/xyz/openbmc_project/state/host%u",
                    instance);
}

static void ac_loss_source_init(DbusBackend *d, const BackendOptions *o)
{
    switch (o->ac_loss) {
    case BACKEND_AC_LOSS_FILE:
        (void) snprintf(d->ac_loss_file, sizeof(d->ac_loss_file), "%s", o->ac_loss_file);
        break;
    case BACKEND_AC_LOSS_AUTO:
    case BACKEND_AC_LOSS_PSM:
        (void) snprintf(d->ac_loss_file, sizeof(d->ac_loss_file), PSM_LOST_POWER,
                        (unsigned) o->dbus_instance);
        break;
    default:
        d->ac_loss_file[0] = '\0'; /* none; gpio is refused by the option check */
        break;
    }
}

static int dbus_create(const BackendConfig *cfg, Backend **ret)
{
    DbusBackend *d = calloc(1, sizeof(*d));
    int r = 0;

    if (!d) {
        return -ENOMEM;
    }
    d->base.ops = &backend_dbus_ops;
    d->base.cfg = *cfg;
    d->base.cfg.options = NULL; /* borrowed for create() only */
    if (cfg->options->ac_loss == BACKEND_AC_LOSS_GPIO) {
        free(d);
        return -EINVAL;
    }
    names_init(d, cfg->options->dbus_instance);
    ac_loss_source_init(d, cfg->options);
    d->obs[SB_KIND_BMC] = (NodeObservation){
        .kind = SB_KIND_BMC,
        .state = SB_BMC_NOT_READY,
        .last_reboot_cause = SB_REBOOT_CAUSE_UNKNOWN,
    };
    d->obs[SB_KIND_CHASSIS] = (NodeObservation){
        .kind = SB_KIND_CHASSIS,
        .bmc_boot_ms = backend_bmc_boot_unix_ms(),
    };
    d->obs[SB_KIND_HOST] = (NodeObservation){ .kind = SB_KIND_HOST };
    d->obs[SB_KIND_BOOT_PROGRESS] = (NodeObservation){ .kind = SB_KIND_BOOT_PROGRESS };
    for (int i = 0; i < PSM_READ_COUNT && r >= 0; i++) {
        d->reads[i] = (ReadState){ .d = d, .read = (PsmRead) i, .backoff_ms = RETRY_MIN_MS };
        r = sd_event_add_time_relative(cfg->event, &d->reads[i].retry, CLOCK_MONOTONIC, 0, 1000u,
                                       on_read_retry, &d->reads[i]);
        if (r >= 0) {
            r = sd_event_source_set_enabled(d->reads[i].retry, SD_EVENT_OFF);
        }
    }
    if (r >= 0) {
        r = bus_conn_new(cfg->event, "psm",
                         &(BusConnCallbacks){
                                 .on_connected = on_bus_connected,
                                 .on_lost = on_bus_lost,
                         },
                         d, &d->conn);
    }
    if (r < 0) {
        dbus_destroy(&d->base);
        return r;
    }
    log_info("dbus: mirroring PSM bmc='%s' chassis='%s' host='%s' ac_loss_file='%s'",
             d->path[PSM_OBJECT_BMC], d->path[PSM_OBJECT_CHASSIS], d->path[PSM_OBJECT_HOST],
             d->ac_loss_file);
    *ret = &d->base;
    return 0;
}

static int dbus_start(Backend *b)
{
    DbusBackend *d = (DbusBackend *) b;

    refresh_ac_loss(d);
    bmc_not_ready(d); /* until PSM's BMC says otherwise */
    return bus_conn_start(d->conn);
}

static void dbus_stop(Backend *b)
{
    DbusBackend *d = (DbusBackend *) b;

    d->stopped = true;
    drop_slots(d);
}

static Backend *dbus_destroy(Backend *b)
{
    DbusBackend *d = (DbusBackend *) b;

    drop_slots(d);
    d->conn = bus_conn_free(d->conn);
    for (int i = 0; i < PSM_READ_COUNT; i++) {
        d->reads[i].retry = sd_event_source_disable_unref(d->reads[i].retry);
    }
    free(d);
    return NULL;
}

const BackendOps backend_dbus_ops = {
    .name = "dbus",
    .create = dbus_create,
    .start = dbus_start,
    .apply = dbus_apply,
    .stop = dbus_stop,
    .destroy = dbus_destroy,
};
