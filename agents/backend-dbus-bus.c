/* SPDX-License-Identifier: Apache-2.0 */
#include "backend-dbus-bus.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"

#define BACKOFF_MIN_MS 100u
#define BACKOFF_MAX_MS 5000u

struct BusConn {
    sd_event *event;  /* owned reference */
    const char *what; /* borrowed */
    BusConnCallbacks cb;
    void *userdata;
    sd_bus *bus;             /* owned; NULL while not connected */
    sd_bus *closing;         /* owned: a lost bus, unreferenced outside its own callbacks */
    sd_bus_slot *disconnect; /* owned: the Disconnected match on bus */
    sd_event_source *retry;  /* owned */
    unsigned backoff_ms;
    unsigned failures; /* in a row: the first is logged as a warning, the rest as debug */
};

static void schedule_retry(BusConn *c)
{
    (void) sd_event_source_set_time_relative(c->retry, (uint64_t) c->backoff_ms * 1000u);
    (void) sd_event_source_set_enabled(c->retry, SD_EVENT_ONESHOT);
    c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
}

static void lost(BusConn *c, int error)
{
    if (c->failures++ == 0) {
        (void) log_warning_errno(error, "dbus: %s has no system bus, retrying in %u ms: %m",
                                 c->what, c->backoff_ms);
    } else {
        (void) log_full_errno(LOG_DEBUG, error, "dbus: %s failed to connect, retrying in %u ms: %m",
                              c->what, c->backoff_ms);
    }
    c->disconnect = sd_bus_slot_unref(c->disconnect);
    if (c->bus) {
        /* Freed from the retry timer: this may run inside one of the bus's own callbacks. */
        sd_bus_flush_close_unref(c->closing);
        c->closing = c->bus;
        c->bus = NULL;
    }
    schedule_retry(c);
    if (c->cb.on_lost) {
        c->cb.on_lost(c, error, c->userdata);
    }
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    (void) m;
    (void) error;
    lost(userdata, -ECONNRESET);
    return 0;
}

static int try_connect(BusConn *c)
{
    sd_bus *bus = NULL;
    int r;

    r = sd_bus_open_system(&bus);
    if (r >= 0) {
        r = sd_bus_set_exit_on_disconnect(bus, 0);
    }
    if (r >= 0) {
        r = sd_bus_attach_event(bus, c->event, SD_EVENT_PRIORITY_NORMAL);
    }
    if (r >= 0) {
        r = sd_bus_match_signal(bus, &c->disconnect, "org.freedesktop.DBus.Local",
                                "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local",
                                "Disconnected", on_disconnected, c);
    }
    if (r < 0) {
        c->disconnect = sd_bus_slot_unref(c->disconnect);
        sd_bus_flush_close_unref(bus);
        return r;
    }
    c->bus = bus;
    r = c->cb.on_connected(c, bus, c->userdata);
    if (r < 0) {
        return r; /* the caller drops c->bus through lost() */
    }
    if (c->failures > 0) {
        log_info("dbus: %s connected to the system bus after %u failed attempts", c->what,
                 c->failures);
    } else {
        log_info("dbus: %s connected to the system bus", c->what);
    }
    c->failures = 0;
    c->backoff_ms = BACKOFF_MIN_MS;
    return 0;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
    BusConn *c = userdata;
    int r;

    (void) s;
    (void) usec;
    c->closing = sd_bus_flush_close_unref(c->closing);
    r = try_connect(c);
    if (r < 0) {
        lost(c, r);
    }
    return 0;
}

int bus_conn_new(sd_event *event,
                 const char *what,
                 const BusConnCallbacks *cb,
                 void *userdata,
                 BusConn **ret)
{
    BusConn *c = NULL;
    int r;

    if (!event || !what || !cb || !cb->on_connected || !ret) {
        return -EINVAL;
    }
    c = calloc(1, sizeof(*c));
    if (!c) {
        return -ENOMEM;
    }
    c->event = sd_event_ref(event);
    c->what = what;
    c->cb = *cb;
    c->userdata = userdata;
    c->backoff_ms = BACKOFF_MIN_MS;
    r = sd_event_add_time_relative(event, &c->retry, CLOCK_MONOTONIC, 0, 1000u, on_retry, c);
    if (r >= 0) {
        r = sd_event_source_set_enabled(c->retry, SD_EVENT_OFF);
    }
    if (r < 0) {
        bus_conn_free(c);
        return r;
    }
    *ret = c;
    return 0;
}

BusConn *bus_conn_free(BusConn *c)
{
    if (!c) {
        return NULL;
    }
    c->retry = sd_event_source_disable_unref(c->retry);
    c->disconnect = sd_bus_slot_unref(c->disconnect);
    sd_bus_flush_close_unref(c->bus);
    sd_bus_flush_close_unref(c->closing);
    sd_event_unref(c->event);
    free(c);
    return NULL;
}

int bus_conn_start(BusConn *c)
{
    int r = try_connect(c);

    if (r < 0) {
        lost(c, r);
    }
    return 0;
}

sd_bus *bus_conn_bus(BusConn *c)
{
    return c->bus;
}
