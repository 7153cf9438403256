/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Topic names: the only place a topic string is built or parsed.
 * <root> is "statebus/<system>"; see contract.md "Topic tree".
 */
#ifndef STATEBUS_TOPIC_H
#define STATEBUS_TOPIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"
#include "statebus/limits.h"

#define SB_DEFAULT_SYSTEM "system"

typedef enum SbTopicKind {
    SB_TOPIC_INVALID = 0,
    SB_TOPIC_NODE_STATUS,     /* <root>/node/<n>/status */
    SB_TOPIC_NODE_STATE,      /* <root>/node/<n>/<bmc|chassis|host|boot-progress> (.state_kind) */
    SB_TOPIC_NODE_HEARTBEAT,  /* <root>/node/<n>/heartbeat */
    SB_TOPIC_NODE_SET,        /* <root>/node/<n>/set/<target> (.target) */
    SB_TOPIC_SYSTEM_STATUS,   /* <root>/system/status */
    SB_TOPIC_SYSTEM_REBIRTH,  /* <root>/system/rebirth */
    SB_TOPIC_SYSTEM_SUMMARY,  /* <root>/system/summary */
    SB_TOPIC_SYSTEM_ROLLUP,   /* <root>/system/<bmc|chassis|host|boot-progress|hypervisor> */
    SB_TOPIC_SYSTEM_REQUESTS, /* <root>/system/requests */
    SB_TOPIC_SYSTEM_POWER_RESTORE, /* <root>/system/power-restore */
    SB_TOPIC_SYSTEM_SET,           /* <root>/system/set/<target> (.target) */
    SB_TOPIC_SETTING,              /* <root>/system/settings/<name> (.setting) */
    SB_TOPIC_SETTING_SET,          /* <root>/system/settings/<name>/set (.setting) */
    SB_TOPIC_EVENT,                /* <root>/event */
    SB_TOPIC_REPLY,                /* <root>/reply/<anything> (.reply_suffix) */
    SB_TOPIC_SYSTEM_CANCEL,        /* <root>/system/set/cancel (issue #15) */
    SB_TOPIC_SYSTEM_SYNC,          /* <root>/system/sync (a client asks the coordinator to
                                    * republish its retained topics) */
    SB_TOPIC_KIND_COUNT,
} SbTopicKind;

typedef struct SbTopic {
    SbTopicKind kind;
    char system[SB_SYSTEM_ID_MAX + 1];
    uint32_t node;                       /* NODE_*: 1..SB_NODES_MAX */
    SbStateKind state_kind;              /* NODE_STATE, SYSTEM_ROLLUP */
    SbTarget target;                     /* NODE_SET, SYSTEM_SET */
    SbSettingName setting;               /* SETTING, SETTING_SET */
    char reply_suffix[SB_TOPIC_MAX + 1]; /* REPLY: what follows "<root>/reply/" */
} SbTopic;

/* The wire name of a state kind in topics: "bmc", "chassis", "host", "boot-progress",
 * "hypervisor"; of a target: "chassis", "host", "bmc"; of a setting: "power-restore-policy"... */
const char *sb_state_kind_topic_name(SbStateKind kind);
const char *sb_target_topic_name(SbTarget target);
const char *sb_setting_topic_name(SbSettingName name);

/* True when s is a valid system id: [A-Za-z0-9_-]{1,64}, NUL-terminated. */
bool sb_system_id_is_valid(const char *s);

/* Parse topic[0..len) (no NUL needed; topics from the network are not trusted).
 * Returns 0 and fills *ret, or -EINVAL for anything not in the tree (bad root, system id,
 * node number outside 1..SB_NODES_MAX or with leading zeros, unknown kind/target/setting,
 * extra levels, wildcards, empty levels, len > SB_TOPIC_MAX). *ret is untouched on error. */
int sb_topic_parse(const char *topic, size_t len, SbTopic *ret);

/* Build the topic for t into buf (NUL-terminated). Returns its length, -EINVAL for an invalid
 * t (bad system id, node, kind...), -ENOSPC when size is too small. */
int sb_topic_format(char *buf, size_t size, const SbTopic *t);

/* Subscription filters. */
typedef enum SbFilter {
    SB_FILTER_ALL,          /* <root>/# */
    SB_FILTER_NODE_TOPICS,  /* <root>/node/+/+  (status, states, heartbeat of every node) */
    SB_FILTER_NODE_SET,     /* <root>/node/<n>/set/+ */
    SB_FILTER_SYSTEM_SET,   /* <root>/system/set/+ */
    SB_FILTER_SETTINGS_SET, /* <root>/system/settings/+/set */
    SB_FILTER_SYSTEM_ALL,   /* <root>/system/# */
    SB_FILTER_NODE_ALL,     /* <root>/node/<n>/# */
    SB_FILTER_SYSTEM_SYNC,  /* <root>/system/sync (the coordinator's subscription) */
    SB_FILTER_COUNT,
} SbFilter;

/* Build a subscription filter; node is used by the per-node filters only.
 * Returns the length, -EINVAL or -ENOSPC. */
int sb_filter_format(char *buf, size_t size, const char *system, SbFilter filter, uint32_t node);

/* "<root>/reply/<suffix>" for a client's own answers; suffix must be one or more levels of
 * printable characters without wildcards. Returns the length, -EINVAL or -ENOSPC. */
int sb_reply_topic_format(char *buf, size_t size, const char *system, const char *suffix);

#endif
