/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The topic tree of contract.md, built and parsed strictly: anything not in the tree (extra or
 * empty levels, wildcards, a node number out of range or with a leading zero, an unknown kind) is
 * rejected, so a reader never acts on a topic it does not understand.
 */
#include "statebus/topic.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "text-util.h"

#define TOPIC_PREFIX "statebus"

static const char *const state_kind_names[] = {
    [SB_KIND_BMC] = "bmc",
    [SB_KIND_CHASSIS] = "chassis",
    [SB_KIND_HOST] = "host",
    [SB_KIND_BOOT_PROGRESS] = "boot-progress",
    [SB_KIND_HYPERVISOR] = "hypervisor",
};
_Static_assert(ELEMENTSOF(state_kind_names) == SB_KIND_COUNT, "state kind names");

static const char *const target_names[] = {
    [SB_TARGET_NONE] = NULL,
    [SB_TARGET_CHASSIS] = "chassis",
    [SB_TARGET_HOST] = "host",
    [SB_TARGET_BMC] = "bmc",
};
_Static_assert(ELEMENTSOF(target_names) == SB_TARGET_COUNT, "target names");

static const char *const setting_names[] = {
    [SB_SETTING_NONE] = NULL,
    [SB_SETTING_POWER_RESTORE_POLICY] = "power-restore-policy",
    [SB_SETTING_POWER_RESTORE_DELAY] = "power-restore-delay",
    [SB_SETTING_POWER_RESTORE_ONE_TIME] = "power-restore-one-time",
    [SB_SETTING_SCHEDULED_TRANSITION] = "scheduled-transition",
};
_Static_assert(ELEMENTSOF(setting_names) == SB_SETTING_COUNT, "setting names");

const char *sb_state_kind_topic_name(SbStateKind kind)
{
    if ((int) kind < 0 || kind >= SB_KIND_COUNT) {
        return NULL;
    }
    return state_kind_names[kind];
}

const char *sb_target_topic_name(SbTarget target)
{
    if ((int) target < 0 || target >= SB_TARGET_COUNT) {
        return NULL;
    }
    return target_names[target];
}

const char *sb_setting_topic_name(SbSettingName name)
{
    if ((int) name < 0 || name >= SB_SETTING_COUNT) {
        return NULL;
    }
    return setting_names[name];
}

static bool system_id_is_valid(const char *s, size_t len)
{
    if (len == 0 || len > SB_SYSTEM_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (!sb_is_alnum_word(s + i, 1) && c != '_' && c != '-') {
            return false;
        }
    }
    return true;
}

bool sb_system_id_is_valid(const char *s)
{
    if (!s) {
        return false;
    }
    /* Bound the scan: a longer string is invalid whatever follows. */
    size_t len = strnlen(s, SB_SYSTEM_ID_MAX + 1);

    return system_id_is_valid(s, len);
}

/* A reply suffix: one or more non-empty levels of visible ASCII without wildcards. */
static bool reply_suffix_is_valid(const char *s, size_t len)
{
    if (len == 0 || s[0] == '/' || s[len - 1] == '/') {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (c < 0x21 || c > 0x7E || c == '+' || c == '#') {
            return false;
        }
        if (c == '/' && i + 1 < len && s[i + 1] == '/') {
            return false;
        }
    }
    return true;
}

typedef struct Level {
    const char *s;
    size_t len;
} Level;

static bool level_is(const Level *l, const char *name)
{
    size_t n = strlen(name);

    return l->len == n && memcmp(l->s, name, n) == 0;
}

/* Index of the level's name in names[0..count), or -1. */
static int level_lookup(const Level *l, const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (names[i] && level_is(l, names[i])) {
            return (int) i;
        }
    }
    return -1;
}

/* Decimal 1..SB_NODES_MAX without leading zeros or sign. */
static int level_node(const Level *l, uint32_t *ret)
{
    uint32_t v = 0;

    if (l->len == 0 || l->len > 5 || l->s[0] == '0') {
        return -EINVAL;
    }
    for (size_t i = 0; i < l->len; i++) {
        if (l->s[i] < '0' || l->s[i] > '9') {
            return -EINVAL;
        }
        v = v * 10 + (uint32_t) (l->s[i] - '0');
    }
    if (v > SB_NODES_MAX) {
        return -EINVAL;
    }
    *ret = v;
    return 0;
}

/* Split s[0..len) at '/' into at most max levels; -EINVAL for more levels or an empty one. */
static int split_levels(const char *s, size_t len, Level *levels, size_t max, size_t *ret_n)
{
    size_t n = 0, start = 0;

    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '/') {
            continue;
        }
        if (i == start || n == max) {
            return -EINVAL;
        }
        levels[n++] = (Level){ s + start, i - start };
        start = i + 1;
    }
    *ret_n = n;
    return 0;
}

/* <root>/node/<n>/...: levels after "node". */
static int parse_node(const Level *lv, size_t n, SbTopic *t)
{
    int r = level_node(&lv[0], &t->node);

    if (r < 0) {
        return r;
    }
    if (n == 2 && level_is(&lv[1], "status")) {
        t->kind = SB_TOPIC_NODE_STATUS;
    } else if (n == 2 && level_is(&lv[1], "heartbeat")) {
        t->kind = SB_TOPIC_NODE_HEARTBEAT;
    } else if (n == 2 && (r = level_lookup(&lv[1], state_kind_names, SB_KIND_NODE_COUNT)) >= 0) {
        t->kind = SB_TOPIC_NODE_STATE;
        t->state_kind = (SbStateKind) r;
    } else if (n == 3 && level_is(&lv[1], "set") &&
               (r = level_lookup(&lv[2], target_names, SB_TARGET_COUNT)) > 0) {
        t->kind = SB_TOPIC_NODE_SET;
        t->target = (SbTarget) r;
    } else {
        return -EINVAL;
    }
    return 0;
}

static int parse_system_single(const Level *l, SbTopic *t)
{
    static const struct {
        const char *name;
        SbTopicKind kind;
    } singles[] = {
        { "status", SB_TOPIC_SYSTEM_STATUS },
        { "rebirth", SB_TOPIC_SYSTEM_REBIRTH },
        { "summary", SB_TOPIC_SYSTEM_SUMMARY },
        { "requests", SB_TOPIC_SYSTEM_REQUESTS },
        { "power-restore", SB_TOPIC_SYSTEM_POWER_RESTORE },
        { "sync", SB_TOPIC_SYSTEM_SYNC },
    };
    int r;

    for (size_t i = 0; i < ELEMENTSOF(singles); i++) {
        if (level_is(l, singles[i].name)) {
            t->kind = singles[i].kind;
            return 0;
        }
    }
    r = level_lookup(l, state_kind_names, SB_KIND_COUNT);
    if (r < 0) {
        return -EINVAL;
    }
    t->kind = SB_TOPIC_SYSTEM_ROLLUP;
    t->state_kind = (SbStateKind) r;
    return 0;
}

/* <root>/system/...: levels after "system". */
static int parse_system(const Level *lv, size_t n, SbTopic *t)
{
    int r;

    if (n == 1) {
        return parse_system_single(&lv[0], t);
    }
    if (n == 2 && level_is(&lv[0], "set") && level_is(&lv[1], "cancel")) {
        t->kind = SB_TOPIC_SYSTEM_CANCEL;
        return 0;
    }
    if (n == 2 && level_is(&lv[0], "set")) {
        r = level_lookup(&lv[1], target_names, SB_TARGET_COUNT);
        if (r <= 0) {
            return -EINVAL;
        }
        t->kind = SB_TOPIC_SYSTEM_SET;
        t->target = (SbTarget) r;
        return 0;
    }
    if ((n == 2 || (n == 3 && level_is(&lv[2], "set"))) && level_is(&lv[0], "settings")) {
        r = level_lookup(&lv[1], setting_names, SB_SETTING_COUNT);
        if (r <= 0) {
            return -EINVAL;
        }
        t->kind = n == 2 ? SB_TOPIC_SETTING : SB_TOPIC_SETTING_SET;
        t->setting = (SbSettingName) r;
        return 0;
    }
    return -EINVAL;
}

/* The first three levels of topic[0..len) ("statebus", "<system>", "<section>") into head, and
 * the rest (which a reply keeps whole) into *ret_tail; -EINVAL for an empty level, fewer than
 * three levels or a trailing '/'. */
static int split_head(const char *topic, size_t len, Level head[3], Level *ret_tail)
{
    const char *tail = topic;
    size_t tail_len = len;

    for (size_t i = 0; i < 3; i++) {
        const char *slash = memchr(tail, '/', tail_len);
        size_t l = slash ? (size_t) (slash - tail) : tail_len;

        if (l == 0 || (i < 2 && !slash)) {
            return -EINVAL;
        }
        head[i] = (Level){ tail, l };
        tail = slash ? slash + 1 : tail + l;
        tail_len = slash ? tail_len - l - 1 : 0;
        if (slash && tail_len == 0) {
            return -EINVAL; /* trailing '/': an empty last level */
        }
    }
    *ret_tail = (Level){ tail, tail_len };
    return 0;
}

/* The levels after "<root>/<section>/" for the sections other than "reply". */
static int parse_section(const Level *section, const Level *tail, SbTopic *t)
{
    Level rest[3];
    size_t n_rest = 0;
    int r;

    if (tail->len > 0) {
        r = split_levels(tail->s, tail->len, rest, ELEMENTSOF(rest), &n_rest);
        if (r < 0) {
            return r;
        }
    }
    if (level_is(section, "event") && n_rest == 0) {
        t->kind = SB_TOPIC_EVENT;
        return 0;
    }
    if (level_is(section, "node") && n_rest >= 2) {
        return parse_node(rest, n_rest, t);
    }
    if (level_is(section, "system") && n_rest >= 1) {
        return parse_system(rest, n_rest, t);
    }
    return -EINVAL;
}

int sb_topic_parse(const char *topic, size_t len, SbTopic *ret)
{
    Level head[3], tail;
    SbTopic t = { 0 };
    int r;

    if (!topic || !ret || len == 0 || len > SB_TOPIC_MAX) {
        return -EINVAL;
    }
    r = split_head(topic, len, head, &tail);
    if (r < 0) {
        return r;
    }
    if (!level_is(&head[0], TOPIC_PREFIX) || !system_id_is_valid(head[1].s, head[1].len)) {
        return -EINVAL;
    }
    memcpy(t.system, head[1].s, head[1].len);

    if (level_is(&head[2], "reply")) {
        if (!reply_suffix_is_valid(tail.s, tail.len)) {
            return -EINVAL;
        }
        t.kind = SB_TOPIC_REPLY;
        memcpy(t.reply_suffix, tail.s, tail.len);
    } else {
        r = parse_section(&head[2], &tail, &t);
        if (r < 0) {
            return r;
        }
    }
    *ret = t;
    return 0;
}

static bool node_is_valid(uint32_t node)
{
    return node >= 1 && node <= SB_NODES_MAX;
}

/* Copy the formatted text into the caller's buffer: the length, -EINVAL for a topic too long to
 * be parsed back (n > SB_TOPIC_MAX), -ENOSPC when size is too small. */
static int topic_emit(char *buf, size_t size, const char *text, int n)
{
    if (n < 0 || (size_t) n > SB_TOPIC_MAX) {
        return -EINVAL;
    }
    if (!buf || size < (size_t) n + 1) {
        return -ENOSPC;
    }
    memcpy(buf, text, (size_t) n + 1);
    return n;
}

/* The part after "<root>/" of a topic; -EINVAL when t is not in the tree. */
static int topic_tail_format(char *tail, size_t size, const SbTopic *t)
{
    const char *kind = sb_state_kind_topic_name(t->state_kind);
    const char *target = sb_target_topic_name(t->target);
    const char *setting = sb_setting_topic_name(t->setting);
    bool node_ok = node_is_valid(t->node);

    switch (t->kind) {
    case SB_TOPIC_NODE_STATUS:
        return node_ok ? snprintf(tail, size, "node/%u/status", t->node) : -EINVAL;
    case SB_TOPIC_NODE_STATE:
        if (!node_ok || !kind || t->state_kind >= SB_KIND_NODE_COUNT) {
            return -EINVAL;
        }
        return snprintf(tail, size, "node/%u/%s", t->node, kind);
    case SB_TOPIC_NODE_HEARTBEAT:
        return node_ok ? snprintf(tail, size, "node/%u/heartbeat", t->node) : -EINVAL;
    case SB_TOPIC_NODE_SET:
        return node_ok && target ? snprintf(tail, size, "node/%u/set/%s", t->node, target)
                                 : -EINVAL;
    case SB_TOPIC_SYSTEM_STATUS:
        return snprintf(tail, size, "system/status");
    case SB_TOPIC_SYSTEM_REBIRTH:
        return snprintf(tail, size, "system/rebirth");
    case SB_TOPIC_SYSTEM_SYNC:
        return snprintf(tail, size, "system/sync");
    case SB_TOPIC_SYSTEM_SUMMARY:
        return snprintf(tail, size, "system/summary");
    case SB_TOPIC_SYSTEM_ROLLUP:
        return kind ? snprintf(tail, size, "system/%s", kind) : -EINVAL;
    case SB_TOPIC_SYSTEM_REQUESTS:
        return snprintf(tail, size, "system/requests");
    case SB_TOPIC_SYSTEM_POWER_RESTORE:
        return snprintf(tail, size, "system/power-restore");
    case SB_TOPIC_SYSTEM_SET:
        return target ? snprintf(tail, size, "system/set/%s", target) : -EINVAL;
    case SB_TOPIC_SYSTEM_CANCEL:
        return snprintf(tail, size, "system/set/cancel");
    case SB_TOPIC_SETTING:
        return setting ? snprintf(tail, size, "system/settings/%s", setting) : -EINVAL;
    case SB_TOPIC_SETTING_SET:
        return setting ? snprintf(tail, size, "system/settings/%s/set", setting) : -EINVAL;
    case SB_TOPIC_EVENT:
        return snprintf(tail, size, "event");
    case SB_TOPIC_REPLY: {
        size_t len = strnlen(t->reply_suffix, sizeof(t->reply_suffix));

        if (len == sizeof(t->reply_suffix) || !reply_suffix_is_valid(t->reply_suffix, len)) {
            return -EINVAL;
        }
        return snprintf(tail, size, "reply/%s", t->reply_suffix);
    }
    case SB_TOPIC_INVALID:
    case SB_TOPIC_KIND_COUNT:
        break;
    }
    return -EINVAL;
}

int sb_topic_format(char *buf, size_t size, const SbTopic *t)
{
    char tail[SB_TOPIC_MAX + 1];
    char text[2 * SB_TOPIC_MAX + 2];
    int r;

    if (!t || !sb_system_id_is_valid(t->system)) {
        return -EINVAL;
    }
    r = topic_tail_format(tail, sizeof(tail), t);
    if (r < 0 || (size_t) r >= sizeof(tail)) {
        return -EINVAL;
    }
    r = snprintf(text, sizeof(text), TOPIC_PREFIX "/%s/%s", t->system, tail);
    return topic_emit(buf, size, text, r);
}

int sb_filter_format(char *buf, size_t size, const char *system, SbFilter filter, uint32_t node)
{
    char text[SB_TOPIC_MAX + 1];
    int r = -EINVAL;

    if (!sb_system_id_is_valid(system)) {
        return -EINVAL;
    }
    switch (filter) {
    case SB_FILTER_ALL:
        r = snprintf(text, sizeof(text), TOPIC_PREFIX "/%s/#", system);
        break;
    case SB_FILTER_NODE_TOPICS:
        r = snprintf(text, sizeof(text), TOPIC_PREFIX "/%s/node/+/+", system);
        break;
    case SB_FILTER_NODE_SET:
        if (!node_is_valid(node)) {
            return -EINVAL;
        }
        r = snprintf(text, sizeof(text), TOPIC_PREFIX "/%s/node/%u/set/+", system, node);
        break;
    case SB_FILTER_SYSTEM_SET:
        r = snprintf(text, sizeof(text), TOPIC_PREFIX "/%s/system/set/+", system);
        break;
    case SB_FILTER_SETTINGS_SET:
        r = snprintf(text, sizeof(text), TOPIC_PREFIX "/%s/system/settings/+/set", system);
        break;
    case SB_FILTER_SYSTEM_ALL:
        r = snprintf(text, sizeof(text), TOPIC_PREFIX "/%s/system/#", system);
        break;
    case SB_FILTER_NODE_ALL:
        if (!node_is_valid(node)) {
            return -EINVAL;
        }
        r = snprintf(text, sizeof(text), TOPIC_PREFIX "/%s/node/%u/#", system, node);
        break;
    case SB_FILTER_SYSTEM_SYNC:
        r = snprintf(text, sizeof(text), TOPIC_PREFIX "/%s/system/sync", system);
        break;
    case SB_FILTER_COUNT:
        break;
    }
    return topic_emit(buf, size, text, r);
}

int sb_reply_topic_format(char *buf, size_t size, const char *system, const char *suffix)
{
    SbTopic t = { .kind = SB_TOPIC_REPLY };
    size_t len;

    if (!sb_system_id_is_valid(system) || !suffix) {
        return -EINVAL;
    }
    len = strnlen(suffix, SB_TOPIC_MAX + 1);
    if (len > SB_TOPIC_MAX) {
        return -EINVAL;
    }
    memcpy(t.system, system, strlen(system) + 1);
    memcpy(t.reply_suffix, suffix, len + 1);
    return sb_topic_format(buf, size, &t);
}
