/* SPDX-License-Identifier: Apache-2.0 */
#include "backend-gpio-systemd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "backend-dbus-bus.h"
#include "log.h"

#define SYSTEMD_SERVICE   "org.freedesktop.systemd1"
#define SYSTEMD_PATH      "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER   "org.freedesktop.systemd1.Manager"
#define SYSTEMD_UNIT      "org.freedesktop.systemd1.Unit"
#define SYSTEMD_UNIT_ROOT "/org/freedesktop/systemd1/unit"
#define DBUS_PROPERTIES   "org.freedesktop.DBus.Properties"

struct GpioSystemd {
    BusConn *conn;   /* owned */
    char *unit;      /* owned */
    char *unit_path; /* owned: the unit's object path */
    GpioSystemdCallbacks cb;
    void *userdata;
    sd_bus_slot *changed_slot; /* owned; on the current bus */
    sd_bus_slot *get_slot;     /* owned; the Get in flight */
    SbBmcState state;
};

SbBmcState gpio_systemd_bmc_state(const char *active_state)
{
    if (!active_state) {
        return SB_BMC_NOT_READY;
    }
    if (strcmp(active_state, "active") == 0) {
        return SB_BMC_READY;
    }
    if (strcmp(active_state, "failed") == 0) {
        return SB_BMC_QUIESCED;
    }
    return SB_BMC_NOT_READY;
}

static void set_state(GpioSystemd *s, SbBmcState state, const char *active_state)
{
    if (state == s->state) {
        return;
    }
    log_info("systemd: unit='%s' active_state=%s, BMC %s", s->unit,
             active_state ? active_state : "unreachable",
             sb_enum_to_string(SB_ENUM_BMC_STATE, state));
    s->state = state;
    s->cb.on_state(s, state, s->userdata);
}

static int on_get_reply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    GpioSystemd *s = userdata;
    const char *active = NULL;
    int r;

    (void) error;
    s->get_slot = sd_bus_slot_unref(s->get_slot);
    if (sd_bus_message_is_method_error(m, NULL)) {
        const sd_bus_error *e = sd_bus_message_get_error(m);
        log_warning("systemd: failed to read unit='%s' ActiveState error='%s'", s->unit,
                    e && e->name ? e->name : "?");
        set_state(s, SB_BMC_NOT_READY, NULL);
        return 0;
    }
    r = sd_bus_message_read(m, "v", "s", &active);
    if (r < 0) {
        return log_warning_errno(r, "systemd: ignored a malformed ActiveState of unit='%s': %m",
                                 s->unit);
    }
    set_state(s, gpio_systemd_bmc_state(active), active);
    return 0;
}

static int read_active_state(GpioSystemd *s, sd_bus *bus)
{
    s->get_slot = sd_bus_slot_unref(s->get_slot);
    return sd_bus_call_method_async(bus, &s->get_slot, SYSTEMD_SERVICE, s->unit_path,
                                    DBUS_PROPERTIES, "Get", on_get_reply, s, "ss", SYSTEMD_UNIT,
                                    "ActiveState");
}

/* PropertiesChanged(s interface, a{sv} changed, as invalidated) of the unit. */
static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    GpioSystemd *s = userdata;
    const char *interface = NULL, *name = NULL, *active = NULL;
    bool invalidated = false;
    int r;

    (void) error;
    r = sd_bus_message_read(m, "s", &interface);
    if (r < 0 || strcmp(interface, SYSTEMD_UNIT) != 0) {
        return 0;
    }
    r = sd_bus_message_enter_container(m, 'a', "{sv}");
    while (r > 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        r = sd_bus_message_read(m, "s", &name);
        if (r >= 0 && strcmp(name, "ActiveState") == 0) {
            r = sd_bus_message_read(m, "v", "s", &active);
        } else if (r >= 0) {
            r = sd_bus_message_skip(m, "v");
        }
        if (r >= 0) {
            r = sd_bus_message_exit_container(m);
        }
    }
    if (r >= 0) {
        r = sd_bus_message_exit_container(m);
    }
    if (r >= 0) {
        r = sd_bus_message_enter_container(m, 'a', "s");
    }
    while (r > 0 && (r = sd_bus_message_read(m, "s", &name)) > 0) {
        invalidated = invalidated || strcmp(name, "ActiveState") == 0;
    }
    if (r < 0) {
        return log_warning_errno(
                r, "systemd: ignored a malformed PropertiesChanged of unit='%s': %m", s->unit);
    }
    if (active) {
        set_state(s, gpio_systemd_bmc_state(active), active);
    } else if (invalidated) {
        (void) read_active_state(s, sd_bus_message_get_bus(m));
    }
    return 0;
}

static int on_subscribe_reply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    GpioSystemd *s = userdata;

    (void) error;
    if (sd_bus_message_is_method_error(m, NULL)) {
        const sd_bus_error *e = sd_bus_message_get_error(m);
        /* Without it systemd may not send unit signals: the state would lag; say so. */
        log_warning("systemd: Subscribe failed for unit='%s' error='%s', changes may be missed",
                    s->unit, e && e->name ? e->name : "?");
    }
    return 0;
}

static int on_bus_connected(BusConn *c, sd_bus *bus, void *userdata)
{
    GpioSystemd *s = userdata;
    int r;

    (void) c;
    /* The match first: a change after the Get cannot slip between the two. */
    r = sd_bus_match_signal_async(bus, &s->changed_slot, SYSTEMD_SERVICE, s->unit_path,
                                  DBUS_PROPERTIES, "PropertiesChanged", on_properties_changed, NULL,
                                  s);
    if (r >= 0) {
        r = sd_bus_call_method_async(bus, NULL, SYSTEMD_SERVICE, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                     "Subscribe", on_subscribe_reply, s, "");
    }
    if (r >= 0) {
        r = read_active_state(s, bus);
    }
    return r;
}

static void on_bus_lost(BusConn *c, int error, void *userdata)
{
    GpioSystemd *s = userdata;

    (void) c;
    (void) error;
    s->changed_slot = sd_bus_slot_unref(s->changed_slot);
    s->get_slot = sd_bus_slot_unref(s->get_slot);
    set_state(s, SB_BMC_NOT_READY, NULL);
}

int gpio_systemd_new(sd_event *event,
                     const char *unit,
                     const GpioSystemdCallbacks *cb,
                     void *userdata,
                     GpioSystemd **ret)
{
    GpioSystemd *s = NULL;
    int r;

    if (!event || !unit || !cb || !cb->on_state || !ret) {
        return -EINVAL;
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        return -ENOMEM;
    }
    s->cb = *cb;
    s->userdata = userdata;
    s->state = SB_BMC_NOT_READY;
    s->unit = strdup(unit);
    r = s->unit ? 0 : -ENOMEM;
    if (r >= 0) {
        r = sd_bus_path_encode(SYSTEMD_UNIT_ROOT, unit, &s->unit_path);
    }
    if (r >= 0) {
        r = bus_conn_new(event, "systemd",
                         &(BusConnCallbacks){
                                 .on_connected = on_bus_connected,
                                 .on_lost = on_bus_lost,
                         },
                         s, &s->conn);
    }
    if (r < 0) {
        gpio_systemd_free(s);
        return r;
    }
    *ret = s;
    return 0;
}

GpioSystemd *gpio_systemd_free(GpioSystemd *s)
{
    if (!s) {
        return NULL;
    }
    s->changed_slot = sd_bus_slot_unref(s->changed_slot);
    s->get_slot = sd_bus_slot_unref(s->get_slot);
    s->conn = bus_conn_free(s->conn);
    free(s->unit_path);
    free(s->unit);
    free(s);
    return NULL;
}

int gpio_systemd_start(GpioSystemd *s)
{
    return bus_conn_start(s->conn);
}

typedef struct RebootCall {
    GpioSystemd *s;
    bool hard;
} RebootCall;

static int on_reboot_reply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    RebootCall *call = userdata;
    char why[256];

    (void) error;
    if (sd_bus_message_is_method_error(m, NULL)) {
        const sd_bus_error *e = sd_bus_message_get_error(m);
        (void) snprintf(why, sizeof(why), "systemd refused the %s reboot: %s",
                        call->hard ? "hard" : "orderly",
                        e && e->message ? e->message : (e && e->name ? e->name : "?"));
        log_error("systemd: failed to reboot the BMC hard=%s why='%s'", call->hard ? "yes" : "no",
                  why);
        if (call->s->cb.on_reboot_failed) {
            call->s->cb.on_reboot_failed(call->s, call->hard, why, call->s->userdata);
        }
    } else {
        log_notice("systemd: BMC reboot under way hard=%s", call->hard ? "yes" : "no");
    }
    return 0;
}

int gpio_systemd_reboot(GpioSystemd *s, bool hard)
{
    sd_bus *bus = bus_conn_bus(s->conn);
    sd_bus_slot *slot = NULL;
    RebootCall *call = NULL;
    int r;

    if (!bus) {
        return -ENOTCONN;
    }
    call = malloc(sizeof(*call));
    if (!call) {
        return -ENOMEM;
    }
    *call = (RebootCall){ .s = s, .hard = hard };
    if (hard) {
        r = sd_bus_call_method_async(bus, &slot, SYSTEMD_SERVICE, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                     "Reboot", on_reboot_reply, call, "");
    } else {
        r = sd_bus_call_method_async(bus, &slot, SYSTEMD_SERVICE, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                     "StartUnit", on_reboot_reply, call, "ss", "reboot.target",
                                     "replace-irreversibly");
    }
    if (r < 0) {
        free(call);
        return r;
    }
    /* The slot frees call when it goes, and lives with the bus (floating) until the reply. */
    r = sd_bus_slot_set_destroy_callback(slot, free);
    if (r < 0) {
        free(call);
        call = NULL;
    } else {
        r = sd_bus_slot_set_floating(slot, 1);
    }
    sd_bus_slot_unref(slot);
    return r < 0 ? r : 0;
}
