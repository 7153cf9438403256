/* SPDX-License-Identifier: Apache-2.0 */
/* Bounds of the wire contract. Every decoder enforces them before it trusts a byte. */
#ifndef STATEBUS_LIMITS_H
#define STATEBUS_LIMITS_H

#define SB_PAYLOAD_MAX       4096u  /* contract.md: every payload is at most 4096 bytes */
#define SB_JSON_DEPTH_MAX    4u     /* deepest nesting any payload of ours needs (object > array) */
#define SB_SYSTEM_ID_MAX     64u    /* [A-Za-z0-9_-]{1,64} */
#define SB_NODES_MAX         16384u /* node numbers are 1..SB_NODES_MAX */
#define SB_ID_MAX            64u    /* request ids */
#define SB_REASON_MAX        256u   /* free text from operators */
#define SB_WHY_MAX           256u   /* human text in events */
#define SB_TOPIC_MAX         256u   /* any topic we build or accept */
#define SB_CORRELATION_MAX   64u    /* MQTT v5 correlation data we keep for an answer */
#define SB_COMMAND_NODES_MAX 256u   /* "nodes": [...] in an operator command */
#define SB_EVENT_NODES_MAX   64u    /* nodes listed in one event; more are counted, not listed */
#define SB_ROLLUP_NODES_MAX  64u    /* per-node detail listed in one rollup; see topics/README.md */
#define SB_REQUESTS_MAX      9u     /* system/requests entries: 2 queued + 1 delayed, 3, 3 */

#endif
