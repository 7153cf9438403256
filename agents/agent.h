/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent shell: one node's states on MQTT (contract.md "Lifecycle rules").
 *
 * Every connect attempt takes a new epoch (max(previous + 1, unix ms)) and sets the Last Will
 * (status "lost", that epoch). On every CONNACK: subscribe node/<n>/set/+ and system/rebirth,
 * publish the four states (retained, QoS 1, seq from 1 in each epoch), then status "online".
 * Changes reported by the backend are published as they happen; system/rebirth republishes
 * everything in the same epoch. Commands go through command-filter and are answered with an
 * event (accepted, rejected or duplicate). A clean stop publishes status "offline", waits for its
 * PUBACK (at most 2 s), then disconnects.
 */
#ifndef STATEBUS_AGENT_H
#define STATEBUS_AGENT_H

#include <systemd/sd-event.h>

#include "agent-options.h"
#include "backend.h"

typedef struct Agent Agent;

/* Builds the agent on event for opts (copied) with the backend ops (already checked to exist).
 * Returns 0 or negative errno. */
int agent_new(sd_event *event, const AgentOptions *opts, const BackendOps *backend, Agent **ret);
Agent *agent_free(Agent *a);

/* Starts the backend (initial states) and the connection. */
int agent_start(Agent *a);

/* SIGTERM/SIGINT: the clean stop; sd_event_exit(event, 0) when done. A second call leaves at
 * once. */
void agent_stop(Agent *a);

#endif
