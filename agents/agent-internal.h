/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's insides, shared by agent.c (life cycle, MQTT and backend callbacks, commands) and
 * agent-publish.c (what goes on the wire). Not for users of agent.h. */
#ifndef STATEBUS_AGENT_INTERNAL_H
#define STATEBUS_AGENT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "statebus/enums.h"
#include "statebus/limits.h"
#include "statebus/payload.h"

#include "agent.h"
#include "command-filter.h"
#include "mqtt-io.h"
#include "reject-limiter.h"

/* The agent's life (the connection's own is mqtt-io's); transitions, all in agent_enter():
 *
 *   RUNNING --SIGTERM--> STOPPING (backend stopped, offline status published, PUBACK awaited)
 *   STOPPING --its PUBACK, 2 s without one, not connected or the offline publish failed-->
 *            DISCONNECTING (the loop ends once the DISCONNECT is written)
 */
typedef enum AgentLife {
    AGENT_RUNNING,
    AGENT_STOPPING,
    AGENT_DISCONNECTING,
    AGENT_LIFE_COUNT,
} AgentLife;

struct Agent {
    sd_event *event;   /* owned reference */
    AgentOptions opts; /* MqttIo borrows host and client id from here */
    MqttIo *io;        /* owned */
    Backend *backend;  /* owned */
    CommandFilter filter;
    RejectLimiter rejections; /* answers to rejected and duplicate commands */

    uint64_t epoch; /* of the current (or last) connect attempt */
    uint64_t seq;   /* state publishes in this epoch, across the four kinds */
    uint64_t heartbeat_seq;

    NodeObservation cur[SB_KIND_NODE_COUNT]; /* latest value per kind, from the backend */
    /* The id of the last command accepted for the kind's target ("" = none), carried on every
     * state of that kind as "request" (topics/README.md "Requests": completion by a request's own
     * effect). Kept across reconnects: a transition under way is still that command's. */
    char request_id[SB_KIND_NODE_COUNT][SB_ID_MAX + 1];
    bool have[SB_KIND_NODE_COUNT];
    uint64_t since_ms[SB_KIND_NODE_COUNT]; /* unix ms the kind's state last changed */

    char topic_state[SB_KIND_NODE_COUNT][SB_TOPIC_MAX + 1];
    char topic_status[SB_TOPIC_MAX + 1];
    char topic_heartbeat[SB_TOPIC_MAX + 1];
    char topic_event[SB_TOPIC_MAX + 1];
    char topic_rebirth[SB_TOPIC_MAX + 1];
    char filter_set[SB_TOPIC_MAX + 1];

    sd_event_source *heartbeat_timer; /* owned */
    sd_event_source *stop_timer;      /* owned */
    /* accepted/failed events wait for the end of the loop iteration, so the states the command
     * (or its failure) caused in it go out first (topics/README.md "Causal order"). */
    sd_event_source *event_flush; /* owned, created at the first deferred event */
    SbEvent deferred[8];
    size_t n_deferred;

    int birth_status_mid;     /* status "online" of the first birth: STATUS=online on its PUBACK */
    int offline_mid;          /* status "offline" of the clean stop */
    unsigned failed_attempts; /* connect attempts failed in a row */
    bool ready_notified;
    AgentLife life;
};

/* The one place a->life changes (agent.c): false (and a log line) outside the table. */
bool agent_enter(Agent *a, AgentLife next);

/* A clean stop is under way: start nothing new. */
static inline bool agent_is_stopping(const Agent *a)
{
    return a->life != AGENT_RUNNING;
}

/* The wire name of an observation's state ("Unknown" if it has none). */
const char *agent_state_name(const NodeObservation *o);
/* kind's current state, retained QoS 1, next seq of this epoch; logged when log_it. */
int agent_publish_state(Agent *a, SbStateKind kind, bool log_it);
/* status (online/offline) of this epoch, retained QoS 1. */
int agent_publish_status(Agent *a, SbStatus status, int *ret_mid);
/* The four states, then status online; why ("birth", "rebirth") goes into the log line. */
void agent_publish_birth(Agent *a, const char *why);
/* An event about this node (cmd may be NULL for an undecodable command). */
void agent_publish_event(Agent *a,
                         SbEventKind kind,
                         const SbCommand *cmd,
                         SbTarget target,
                         const char *why);
/* Publishes the events agent_publish_event() deferred (accepted, failed) now. */
void agent_flush_events(Agent *a);

#endif
