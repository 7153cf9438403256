/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A system-bus connection on the agent's sd-event loop that comes back by itself: connects with
 * sd_bus_open_system() (so $DBUS_SYSTEM_BUS_ADDRESS points it at a test bus), and when the bus is
 * not there or goes away, retries with capped exponential backoff (100 ms .. 5 s). Used by the
 * dbus backend (PSM) and by the gpio backend (systemd's units).
 */
#ifndef STATEBUS_BACKEND_DBUS_BUS_H
#define STATEBUS_BACKEND_DBUS_BUS_H

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

typedef struct BusConn BusConn;

typedef struct BusConnCallbacks {
    /* Connected (again): add matches and read what is needed. A negative return drops the
     * connection and retries. */
    int (*on_connected)(BusConn *c, sd_bus *bus, void *userdata);
    /* The connection failed or went away (error: negative errno); the next attempt is already
     * scheduled. Slots made on the old bus must be dropped here. May be NULL. */
    void (*on_lost)(BusConn *c, int error, void *userdata);
} BusConnCallbacks;

/* what names the connection in log lines ("psm", "systemd"); borrowed. */
int bus_conn_new(sd_event *event,
                 const char *what,
                 const BusConnCallbacks *cb,
                 void *userdata,
                 BusConn **ret);
BusConn *bus_conn_free(BusConn *c); /* NULL is fine; returns NULL */

/* The first attempt (now); later ones follow by themselves. */
int bus_conn_start(BusConn *c);

/* The connected bus, NULL while there is none. */
sd_bus *bus_conn_bus(BusConn *c);

#endif
