/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statebus-dbus's shell: one sd-event loop with the MQTT client (common/mqtt-io) and one sd-bus
 * connection per PSM name group (host0: State.Host + State.Host0; chassis0: State.Chassis +
 * State.Chassis0; hypervisor0: State.Hypervisor), each serving only its own object and an
 * ObjectManager at /xyz/openbmc_project/state, as PSM's processes do (the object mapper lists
 * every object of a connection under every name the connection owns).
 *
 * Objects are registered at start; a group's names are requested once every value of its object
 * is a real PSM value, and kept (with the last values) when the broker or coordinator goes away:
 * writes then answer Unavailable. The mapping itself is pure (dbus-model, dbus-write).
 */
#ifndef STATEBUS_DBUS_PRESENTER_H
#define STATEBUS_DBUS_PRESENTER_H

#include "dbus-options.h"

typedef struct DbusPresenter DbusPresenter;

int dbus_presenter_new(const DbusOptions *opts, DbusPresenter **ret);
DbusPresenter *dbus_presenter_free(DbusPresenter *p); /* NULL is fine; returns NULL */
/* Runs until SIGTERM/SIGINT (0) or a fatal error (negative errno). */
int dbus_presenter_run(DbusPresenter *p);

#endif
