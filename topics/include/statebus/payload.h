/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Payload codecs: encode and decode of every payload kind of contract.md "Payloads".
 *
 * Decoded payloads are plain values with bounded arrays: decoding allocates nothing the caller
 * owns, and no cJSON pointer escapes. Decoders take (payload, len) that is NOT NUL-terminated,
 * reject len > SB_PAYLOAD_MAX before parsing, parse strictly (one JSON object, depth <=
 * SB_JSON_DEPTH_MAX, valid UTF-8 in every string we keep, no control characters), ignore unknown
 * fields, and return:
 *     0        success, *ret filled
 *    -EMSGSIZE payload too large (or a string longer than its bound)
 *    -EBADMSG  not JSON / not an object / too deep / wrong type / missing field /
 *              unknown enum / out of range
 * with *reterr_why (may be NULL) set to a static, human-readable reason naming the field
 * ("missing 'state'", "unknown BMC state", ...). *ret is unspecified on error.
 *
 * Encoders write compact JSON plus a terminating NUL into buf, return the length without the
 * NUL, -EINVAL for a value that cannot be encoded, or -EMSGSIZE when it would not fit in size or
 * would exceed SB_PAYLOAD_MAX. Every encoded payload carries "v": 1.
 */
#ifndef STATEBUS_PAYLOAD_H
#define STATEBUS_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"
#include "statebus/limits.h"

#define SB_PAYLOAD_VERSION 1

/* ---- state object (agent): <root>/node/<n>/<kind> ---------------------------------------- */
typedef struct SbStateMsg {
    SbStateKind kind;  /* not on the wire: given by the topic */
    uint32_t node;     /* "node" (required, 1..SB_NODES_MAX) */
    int state;         /* "state" (required): value of sb_state_kind_enum(kind), >= 1 */
    uint64_t since_ms; /* "since" (required): unix ms the value last changed */
    uint64_t epoch;    /* "epoch" (required) */
    uint64_t seq;      /* "seq" (required) */
    /* per-kind, optional on decode; 0 / false = absent */
    int last_reboot_cause;   /* bmc: SbBmcRebootCause */
    int power_status;        /* chassis: SbPowerStatus */
    bool has_ac_loss;        /* chassis */
    bool ac_loss;            /* chassis: this BMC booted from an AC loss */
    int restart_cause;       /* host: SbRestartCause */
    uint64_t last_update_ms; /* boot-progress */
    /* Added for power restore and the hypervisor (issue #4); optional on decode. */
    uint64_t bmc_boot_ms; /* chassis "bmc_boot": unix ms this BMC booted, 0 = absent; with
                             ac_loss it identifies one power-loss event */
    bool hypervisor;      /* host "hypervisor": this node runs the system's hypervisor
                             (written only when true) */
    /* Added with issue #13, optional on decode, every kind: "request", the id of the last command
     * this agent accepted for the kind's target (chassis, host, bmc; "" = none): the state is
     * that command's effect or its starting point. The coordinator counts a node's part of a
     * request only from states that name it (topics/README.md "Requests"). */
    char request[SB_ID_MAX + 1];
} SbStateMsg;
/* "code" is written as the state's code; on decode it is optional but, when present, must
 * equal the state's code. */
int sb_state_encode(const SbStateMsg *m, char *buf, size_t size);
int sb_state_decode(const void *payload,
                    size_t len,
                    SbStateKind kind,
                    SbStateMsg *ret,
                    const char **reterr_why);

/* ---- status: <root>/node/<n>/status and <root>/system/status --------------------------- */
typedef struct SbStatusMsg {
    SbStatus status;  /* "status" (required) */
    uint64_t epoch;   /* "epoch" (required) */
    uint32_t node;    /* "node": 0 for the coordinator's system/status (then omitted) */
    uint64_t time_ms; /* "time" (optional on decode, 0 = absent) */
} SbStatusMsg;
int sb_status_encode(const SbStatusMsg *m, char *buf, size_t size);
int sb_status_decode(const void *payload, size_t len, SbStatusMsg *ret, const char **reterr_why);

/* ---- heartbeat: <root>/node/<n>/heartbeat ------------------------------------------------ */
typedef struct SbHeartbeatMsg {
    uint32_t node;
    uint64_t epoch;
    uint64_t seq;
    uint64_t time_ms;
} SbHeartbeatMsg;
int sb_heartbeat_encode(const SbHeartbeatMsg *m, char *buf, size_t size);
int sb_heartbeat_decode(const void *payload,
                        size_t len,
                        SbHeartbeatMsg *ret,
                        const char **reterr_why);

/* ---- command object: <root>/system/set/<target> and <root>/node/<n>/set/<target> -------- */
typedef struct SbCommand {
    SbTransition transition;        /* "transition" (required; valid for the target) */
    char id[SB_ID_MAX + 1];         /* "id" (optional, "" = absent): [A-Za-z0-9._:-]{1,64} */
    char reason[SB_REASON_MAX + 1]; /* "reason" (optional) */
    uint64_t deadline_ms; /* "deadline" (optional, 0 = absent); the coordinator always sets it */
    uint32_t nodes[SB_COMMAND_NODES_MAX]; /* "nodes" (optional): distinct, 1..SB_NODES_MAX */
    size_t n_nodes;
    bool bare; /* decoded from a bare transition word, e.g. "On" */
} SbCommand;
/* allow_bare: accept a bare word (operators' system/set topics). A bare word may be surrounded by
 * ASCII white space (mosquitto_pub -m 'On' or a trailing newline). */
int sb_command_encode(const SbCommand *c, char *buf, size_t size);
int sb_command_decode(const void *payload,
                      size_t len,
                      SbTarget target,
                      bool allow_bare,
                      SbCommand *ret,
                      const char **reterr_why);

/* ---- cancel: <root>/system/set/cancel (issue #15, topics/README.md "Cancel") ------------ */
typedef struct SbCancel {
    char id[SB_ID_MAX + 1];         /* "id" (required): the queued or active request to cancel */
    char reason[SB_REASON_MAX + 1]; /* "reason" (optional) */
    bool bare;                      /* decoded from a bare id word */
} SbCancel;
int sb_cancel_encode(const SbCancel *c, char *buf, size_t size);
/* {"id": ..., "reason": ...} or (allow_bare) the bare id, white space around it ignored. On
 * -EBADMSG ret->id holds the id when it was readable. */
int sb_cancel_decode(const void *payload,
                     size_t len,
                     bool allow_bare,
                     SbCancel *ret,
                     const char **reterr_why);

/* ---- event object: <root>/event and answers under <root>/reply/ ------------------------- */
typedef struct SbEvent {
    SbEventKind kind;         /* "kind" (required) */
    char id[SB_ID_MAX + 1];   /* "id" (omitted when "") */
    SbTarget target;          /* "target" (omitted when NONE) */
    SbTransition transition;  /* "transition" (omitted when NONE) */
    char why[SB_WHY_MAX + 1]; /* "why" (required, may be "") */
    uint64_t time_ms;         /* "time" (required) */
    uint32_t node;            /* "node": the node the event is about or from (omitted when 0) */
    uint32_t nodes[SB_EVENT_NODES_MAX]; /* "nodes": waiting-for / failed / affected nodes */
    size_t n_nodes;
    uint32_t nodes_omitted; /* "nodes_omitted": how many more were not listed (omitted when 0) */
    /* "replay": true on a final event published again after a coordinator restart, from the
     * persisted record (issue #13; omitted when false): the first may have been lost. */
    bool replay;
} SbEvent;
int sb_event_encode(const SbEvent *e, char *buf, size_t size);
int sb_event_decode(const void *payload, size_t len, SbEvent *ret, const char **reterr_why);

/* ---- rollup object (coordinator, instance 0): <root>/system/<kind> ---------------------- */
typedef struct SbRollupNode {
    uint32_t node;
    int state; /* 0 = never heard from: written as "Unknown" */
} SbRollupNode;
typedef struct SbRollupMsg {
    SbStateKind kind;  /* not on the wire */
    int state;         /* "state"/"code": 0 = "Unknown" (see topics/README.md) */
    uint64_t since_ms; /* "since" */
    uint64_t epoch;    /* "epoch": the coordinator's */
    uint64_t seq;      /* "seq" */
    uint32_t expected; /* "expected": number of expected nodes */
    SbRollupNode nodes[SB_ROLLUP_NODES_MAX]; /* "nodes": {"<n>": "<enum>"} */
    size_t n_nodes;
    uint32_t nodes_omitted; /* "nodes_omitted" (omitted when 0) */
    uint32_t counts[16];    /* "counts": {"<enum>": k} for k > 0; index = state value */
    uint32_t stale[SB_ROLLUP_NODES_MAX]; /* "stale": [n...] */
    size_t n_stale;
    uint32_t stale_omitted; /* "stale_omitted" (omitted when 0) */
    bool mixed;             /* "mixed" */
} SbRollupMsg;
int sb_rollup_encode(const SbRollupMsg *m, char *buf, size_t size);
int sb_rollup_decode(const void *payload,
                     size_t len,
                     SbStateKind kind,
                     SbRollupMsg *ret,
                     const char **reterr_why);

/* ---- settings: <root>/system/settings/<name>[/set] -------------------------------------- */
typedef struct SbSettingValue {
    SbSettingName name;                /* not on the wire: given by the topic */
    SbRestorePolicy policy;            /* power-restore-policy, power-restore-one-time */
    uint32_t delay_s;                  /* power-restore-delay: 0..86400 */
    bool scheduled;                    /* scheduled-transition: false = none ({"value": null}) */
    uint64_t scheduled_time_s;         /* scheduled-transition "time" (unix s) */
    SbTransition scheduled_transition; /* On, Off or Reboot */
} SbSettingValue;
/* {"value": ...}; allow_bare accepts the bare value (AlwaysOn, 30, or the scheduled object
 * itself) from operators. */
int sb_setting_encode(const SbSettingValue *s, char *buf, size_t size);
int sb_setting_decode(const void *payload,
                      size_t len,
                      SbSettingName name,
                      bool allow_bare,
                      SbSettingValue *ret,
                      const char **reterr_why);

/* ---- system/requests (coordinator) ----------------------------------------------------- */
typedef enum SbRequestPhase {
    SB_REQUEST_PENDING = 0, /* queued behind the gate */
    SB_REQUEST_ACTIVE = 1,  /* dispatched, waiting for nodes to reach the target */
    SB_REQUEST_DONE = 2,    /* the last finished request: "result" says how */
} SbRequestPhase;
typedef struct SbRequestInfo {
    SbRequestPhase phase;
    char id[SB_ID_MAX + 1];
    SbTarget target;
    SbTransition transition;
    uint64_t since_ms;    /* queued, dispatched or finished at */
    uint64_t deadline_ms; /* 0 = none */
    /* PENDING: a delayed request enters the gate at this time ("not_before"), 0 = not delayed */
    uint64_t not_before_ms;
    SbEventKind result; /* DONE: completed, failed, expired, cancelled, rejected */
    char why[SB_WHY_MAX + 1];
    uint32_t nodes[SB_EVENT_NODES_MAX]; /* PENDING: nodes not Ready; ACTIVE: nodes not there yet */
    size_t n_nodes;
    uint32_t nodes_omitted;
} SbRequestInfo;
typedef struct SbRequestsMsg {
    bool gate_open;     /* "gate": "open"|"closed" */
    uint32_t not_ready; /* "not_ready": count of expected nodes holding the gate */
    uint32_t waiting_for[SB_EVENT_NODES_MAX]; /* "waiting_for": those nodes (capped) */
    size_t n_waiting_for;
    SbRequestInfo requests[SB_REQUESTS_MAX]; /* "pending", "active", "last" by phase */
    size_t n_requests;
    uint64_t time_ms;
} SbRequestsMsg;
int sb_requests_encode(const SbRequestsMsg *m, char *buf, size_t size);
int sb_requests_decode(const void *payload,
                       size_t len,
                       SbRequestsMsg *ret,
                       const char **reterr_why);

/* ---- system/summary (coordinator, Grafana): flat object of numbers ---------------------- */
typedef struct SbSummaryMsg {
    uint64_t time_ms;
    int codes[SB_KIND_COUNT]; /* "bmc", "chassis", "host", "boot_progress", "hypervisor" codes */
    uint32_t nodes_expected, nodes_online, nodes_ready, nodes_stale;
    uint32_t requests_pending, requests_active;
    uint32_t mixed;          /* bitmask by SbStateKind, also written as mixed_<kind> 0/1 */
    uint64_t rejected_total; /* "rejected_total": inputs rejected since start */
    int gate_open;           /* "gate_open": 0/1 */
} SbSummaryMsg;
int sb_summary_encode(const SbSummaryMsg *m, char *buf, size_t size);

/* ---- system/power-restore (coordinator) ------------------------------------------------ */
typedef struct SbPowerRestoreMsg {
    uint64_t time_ms;
    SbRestorePolicy policy; /* policy applied (the one-time one when it was used) */
    bool one_time;          /* the one-time policy was used (and is now cleared) */
    bool system_wide;       /* every node reported ac_loss */
    SbTransition action;    /* NONE = no action */
    char id[SB_ID_MAX + 1]; /* the request it made, "" if none */
    char why[SB_WHY_MAX + 1];
    uint32_t nodes[SB_EVENT_NODES_MAX]; /* nodes that reported the loss */
    size_t n_nodes;
    uint64_t loss_id; /* identifies the power-loss event (decided once): the newest
                         bmc_boot of the nodes that reported it */
    /* Added with issue #4; optional on decode, omitted when 0. */
    uint32_t nodes_omitted; /* "nodes_omitted": nodes that reported the loss, not listed */
    uint32_t delay_s;       /* "delay": power-restore-delay applied before the request */
    uint64_t due_ms;        /* "due": unix ms the request is (or was) submitted */
} SbPowerRestoreMsg;
int sb_power_restore_encode(const SbPowerRestoreMsg *m, char *buf, size_t size);
int sb_power_restore_decode(const void *payload,
                            size_t len,
                            SbPowerRestoreMsg *ret,
                            const char **reterr_why);

#endif
