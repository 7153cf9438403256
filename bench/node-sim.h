/* SPDX-License-Identifier: Apache-2.0 */
/*
 * N simulated nodes in the generator's main thread, speaking the agents' side of the contract
 * with libstatebus-topics: retained QoS 1 states and status with epoch and seq, a birth (the four
 * states, then status online), an answer to every system/rebirth (and to the benchmark's own
 * raw/rebirth), and the command topics of every node, on which they record what arrives.
 *
 * Up to max_connections nodes each get a connection of their own, with a Last Will, as real
 * agents. Beyond that, the nodes share max_connections connections, each publishing for a
 * contiguous block of nodes: the coordinator sees only topics and payloads, so this is the same
 * traffic for it, but the broker sees fewer clients (no per-node Will, fewer sockets to serve)
 * than a real rack.
 *
 * The simulator also keeps, per kind, how many nodes are in each value: the counts a current
 * rollup must show.
 */
#ifndef STATEBUS_BENCH_NODE_SIM_H
#define STATEBUS_BENCH_NODE_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"
#include "statebus/limits.h"

#include "bench-loop.h"
#include "command-track.h"
#include "watch.h"

/* Retained messages per node (the four states and status): a birth or a rebirth answer. */
#define SIM_MESSAGES_PER_NODE (SB_KIND_NODE_COUNT + 1)

typedef struct NodeSim NodeSim;

int node_sim_new(BenchLoop *loop, const BenchSystem *sys, unsigned max_connections, NodeSim **ret);
NodeSim *node_sim_free(NodeSim *s);

unsigned node_sim_connections(const NodeSim *s);

/* Connects every connection and subscribes the command topics and the rebirth topics.
 * Returns 0, -ETIMEDOUT or -ECONNRESET. */
int node_sim_connect(NodeSim *s, uint64_t timeout_ms);

/* Publishes every node's birth (bmc Ready, chassis Off, host Off, boot-progress Unspecified,
 * then status online) and waits for every PUBACK. */
int node_sim_birth(NodeSim *s, uint64_t timeout_ms);

/* Publishes one state change of one node (retained QoS 1, seq + 1). */
int node_sim_set_state(NodeSim *s, uint32_t node, SbStateKind kind, int value);

/* Sets every node's kind to value (one message per node whose value differs) and waits for
 * every PUBACK. Returns the number of messages sent. */
int node_sim_set_all(NodeSim *s, SbStateKind kind, int value, uint64_t timeout_ms);

/* An ingest burst of per_node boot-progress updates to every node, the last one OSRunning and
 * none before it: prepare encodes them all (so the burst is publishing only), publish sends them
 * round-robin over the nodes. Returns the number of messages. */
int node_sim_burst_prepare(NodeSim *s, uint32_t per_node);
int node_sim_burst_publish(NodeSim *s);

/* Waits until every publish of every connection is acknowledged. */
int node_sim_wait_acked(NodeSim *s, uint64_t timeout_ms);

/* The value a node last published for kind. */
int node_sim_value(const NodeSim *s, uint32_t node, SbStateKind kind);

/* Expected rollup counts of kind (index = value). */
const uint32_t *node_sim_counts(const NodeSim *s, SbStateKind kind);

/* True when the watch's rollup of kind shows exactly node_sim_counts(kind) and came from epoch
 * at least min_epoch, received at or after after_ns. */
bool node_sim_rollup_current(const NodeSim *s,
                             Watch *w,
                             SbStateKind kind,
                             uint64_t min_epoch,
                             uint64_t after_ns);

/* The trackers of the coordinator's commands and of the raw fan-out; expect() resets one. */
CommandTrack *node_sim_commands(NodeSim *s);
CommandTrack *node_sim_raw(NodeSim *s);

/* Rebirth requests answered (system/rebirth and raw/rebirth, per connection); *ret_first_ns is
 * when the first one since the previous call arrived (0 = none). */
uint64_t node_sim_rebirths(NodeSim *s, uint64_t *ret_first_ns);

/* Removes every retained node message (zero-length retained publishes) and waits for PUBACKs. */
int node_sim_clear_retained(NodeSim *s, uint64_t timeout_ms);

#endif
