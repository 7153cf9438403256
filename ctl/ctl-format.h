/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Human-readable text for statebusctl: obmcutil's D-Bus lines (so scripts written for obmcutil
 * keep working) and one-line summaries of rollups, events, system/requests and status. Pure:
 * decoded payloads in, text out.
 */
#ifndef STATEBUS_CTL_FORMAT_H
#define STATEBUS_CTL_FORMAT_H

#include <stddef.h>
#include <stdio.h>

#include "statebus/enums.h"
#include "statebus/payload.h"

/* A state's wire name; "Unknown" for 0 and anything out of range. */
const char *ctl_state_name(SbStateKind kind, int state);

/* obmcutil's line: "CurrentBMCState     : xyz.openbmc_project.State.BMC.BMCState.Ready". */
void ctl_format_dbus_line(char *buf, size_t size, SbStateKind kind, int state);

/* The detail block of a rollup: state, mixed, stale nodes, per-node values, counts; several
 * lines, each ending in '\n'. */
void ctl_format_rollup_detail(char *buf, size_t size, const SbRollupMsg *m);

/* "host: TransitioningToRunning (2/4 nodes Running)": a rollup against the state a request
 * aims at. */
void ctl_format_progress(char *buf, size_t size, const SbRollupMsg *m, int target_state);

/* "host: Running (2/2 nodes Running) mixed stale=2": a rollup on its own (watch). */
void ctl_format_rollup_line(char *buf, size_t size, const SbRollupMsg *m);

/* "queued host On id='r1' nodes=2: waiting for BMC Ready on nodes 2". */
void ctl_format_event(char *buf, size_t size, const SbEvent *e);

/* "requests: gate closed, waiting for node 2; queued host On id='r1'". */
void ctl_format_requests(char *buf, size_t size, const SbRequestsMsg *m);

/* "power-restore: policy AlwaysOn, action On id='pr-1': every node lost AC". */
void ctl_format_power_restore(char *buf, size_t size, const SbPowerRestoreMsg *m);

/* "online epoch=3". */
void ctl_format_status(char *buf, size_t size, const SbStatusMsg *m);

/* "10:02:03.456" (local time) of a unix ms time. */
void ctl_format_clock(char *buf, size_t size, uint64_t unix_ms);
/* The word for a request's phase: "queued", "delayed" (a power restore waiting for
 * power-restore-delay), "active" or "last"; "?" for an unknown phase. */
const char *ctl_request_phase_word(const SbRequestInfo *r);

#endif
