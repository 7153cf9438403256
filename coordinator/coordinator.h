/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statebus-coordinator's shell: one sd-event loop around the pure core (coord.h). MQTT in ->
 * CoordEvent -> coord_step() -> actions carried out in order (persist, publish, dispatch, timer).
 */
#ifndef STATEBUS_COORDINATOR_H
#define STATEBUS_COORDINATOR_H

#include "coordinator-options.h"

typedef struct Coordinator Coordinator;

/* Builds the daemon: core, state restored from --state-dir, event loop, MQTT client (not yet
 * connecting). opts is borrowed for the lifetime of the Coordinator. Returns 0 or negative errno
 * (logged). */
int coordinator_new(const CoordinatorOptions *opts, Coordinator **ret);
Coordinator *coordinator_free(Coordinator *co);

/* Connects and runs until SIGTERM/SIGINT (then publishes offline and disconnects). Returns 0 on a
 * clean stop, negative errno on a runtime failure (logged). */
int coordinator_run(Coordinator *co);

#endif
