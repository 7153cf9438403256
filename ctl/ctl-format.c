/* SPDX-License-Identifier: Apache-2.0 */
#include "ctl-format.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "statebus/topic.h"

#include "text-util.h"

/* Node lists in text: enough to see who holds things up, without flooding a terminal. */
#define TEXT_NODES_MAX 32

/* Appends to a fixed buffer; output that does not fit is cut, never overflows. */
typedef struct Text {
    char *buf;
    size_t size;
    size_t len;
} Text;

static Text text_start(char *buf, size_t size)
{
    if (size > 0) {
        buf[0] = '\0';
    }
    return (Text){ .buf = buf, .size = size };
}

__attribute__((format(printf, 2, 3))) static void text_add(Text *t, const char *format, ...)
{
    va_list ap;
    int n;

    if (t->len + 1 >= t->size) {
        return;
    }
    va_start(ap, format);
    n = vsnprintf(t->buf + t->len, t->size - t->len, format, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    t->len = (size_t) n >= t->size - t->len ? t->size - 1 : t->len + (size_t) n;
}

static void text_add_nodes(Text *t, const uint32_t *nodes, size_t n, uint32_t omitted)
{
    for (size_t i = 0; i < n && i < TEXT_NODES_MAX; i++) {
        text_add(t, "%s%u", i ? "," : "", nodes[i]);
    }
    omitted += n > TEXT_NODES_MAX ? (uint32_t) (n - TEXT_NODES_MAX) : 0;
    if (omitted > 0) {
        text_add(t, " (+%u more)", omitted);
    }
}

const char *ctl_state_name(SbStateKind kind, int state)
{
    return sb_enum_name_or(sb_state_kind_enum(kind), state, "Unknown");
}

void ctl_format_dbus_line(char *buf, size_t size, SbStateKind kind, int state)
{
    /* obmcutil prints '{:<20}: {}' of the property and its D-Bus value. */
    static const struct {
        const char *property;
        const char *prefix;
    } names[SB_KIND_COUNT] = {
        [SB_KIND_BMC] = { "CurrentBMCState", "xyz.openbmc_project.State.BMC.BMCState." },
        [SB_KIND_CHASSIS] = { "CurrentPowerState",
                              "xyz.openbmc_project.State.Chassis.PowerState." },
        [SB_KIND_HOST] = { "CurrentHostState", "xyz.openbmc_project.State.Host.HostState." },
        [SB_KIND_BOOT_PROGRESS] = { "BootProgress",
                                    "xyz.openbmc_project.State.Boot.Progress.ProgressStages." },
        [SB_KIND_HYPERVISOR] = { "CurrentHostState", "xyz.openbmc_project.State.Host.HostState." },
    };
    unsigned k = (unsigned) kind < SB_KIND_COUNT ? (unsigned) kind : SB_KIND_HOST;

    (void) snprintf(buf, size, "%-20s: %s%s", names[k].property, names[k].prefix,
                    ctl_state_name(kind, state));
}

static void text_add_counts(Text *t, const SbRollupMsg *m)
{
    int n = sb_enum_count(sb_state_kind_enum(m->kind));
    bool any = false;

    for (int v = 0; v < n && v < 16; v++) {
        if (m->counts[v] > 0) {
            text_add(t, "%s%s=%u", any ? " " : "", ctl_state_name(m->kind, v), m->counts[v]);
            any = true;
        }
    }
    if (!any) {
        text_add(t, "-");
    }
}

void ctl_format_rollup_detail(char *buf, size_t size, const SbRollupMsg *m)
{
    Text t = text_start(buf, size);

    text_add(&t, "%-14s: %s  expected=%u mixed=%s stale=", sb_state_kind_topic_name(m->kind),
             ctl_state_name(m->kind, m->state), m->expected, m->mixed ? "yes" : "no");
    if (m->n_stale == 0 && m->stale_omitted == 0) {
        text_add(&t, "-");
    }
    text_add_nodes(&t, m->stale, m->n_stale, m->stale_omitted);
    text_add(&t, "\n    nodes:");
    for (size_t i = 0; i < m->n_nodes && i < TEXT_NODES_MAX; i++) {
        text_add(&t, " %u=%s", m->nodes[i].node, ctl_state_name(m->kind, m->nodes[i].state));
    }
    if (m->nodes_omitted > 0) {
        /* topics/README.md: large systems list only the nodes that differ from the rollup. */
        text_add(&t, " (+%u not listed)", m->nodes_omitted);
    }
    text_add(&t, "\n    counts: ");
    text_add_counts(&t, m);
    text_add(&t, "\n");
}

void ctl_format_progress(char *buf, size_t size, const SbRollupMsg *m, int target_state)
{
    uint32_t there = target_state >= 0 && target_state < 16 ? m->counts[target_state] : 0;

    (void) snprintf(buf, size, "%s: %s (%u/%u nodes %s)", sb_state_kind_topic_name(m->kind),
                    ctl_state_name(m->kind, m->state), there, m->expected,
                    ctl_state_name(m->kind, target_state));
}

void ctl_format_rollup_line(char *buf, size_t size, const SbRollupMsg *m)
{
    Text t = text_start(buf, size);
    uint32_t same = m->state >= 0 && m->state < 16 ? m->counts[m->state] : 0;

    /* The same wording as a request's progress: "(4/4 nodes Off)". */
    text_add(&t, "%s: %s (%u/%u nodes %s)", sb_state_kind_topic_name(m->kind),
             ctl_state_name(m->kind, m->state), same, m->expected,
             ctl_state_name(m->kind, m->state));
    if (m->mixed) {
        text_add(&t, " mixed [");
        text_add_counts(&t, m);
        text_add(&t, "]");
    }
    if (m->n_stale > 0 || m->stale_omitted > 0) {
        text_add(&t, " stale=");
        text_add_nodes(&t, m->stale, m->n_stale, m->stale_omitted);
    }
}

void ctl_format_event(char *buf, size_t size, const SbEvent *e)
{
    Text t = text_start(buf, size);

    text_add(&t, "%s", sb_enum_name_or(SB_ENUM_EVENT_KIND, (int) e->kind, "event"));
    if (e->target != SB_TARGET_NONE) {
        text_add(&t, " %s", sb_str_or(sb_target_topic_name(e->target), "?"));
    }
    if (e->transition != SB_TRANSITION_NONE) {
        text_add(&t, " %s", sb_enum_name_or(SB_ENUM_TRANSITION, (int) e->transition, "?"));
    }
    if (e->id[0]) {
        text_add(&t, " id='%s'", e->id);
    }
    if (e->node) {
        text_add(&t, " node=%u", e->node);
    }
    if (e->n_nodes > 0 || e->nodes_omitted > 0) {
        text_add(&t, " nodes=");
        text_add_nodes(&t, e->nodes, e->n_nodes, e->nodes_omitted);
    }
    if (e->why[0]) {
        text_add(&t, ": %s", e->why);
    }
}

static void text_add_request(Text *t, const SbRequestInfo *r)
{
    text_add(t, " %s %s id='%s'", sb_str_or(sb_target_topic_name(r->target), "?"),
             sb_enum_name_or(SB_ENUM_TRANSITION, (int) r->transition, "?"), r->id);
    if (r->phase == SB_REQUEST_DONE) {
        text_add(t, " %s", sb_enum_name_or(SB_ENUM_EVENT_KIND, (int) r->result, "?"));
    } else if (r->phase == SB_REQUEST_ACTIVE && r->why[0]) {
        /* "waiting for 2 of 4 nodes to reach host Running": what an operator asks first. A
         * queued request's why only repeats the gate's nodes, already on the line. */
        text_add(t, " (%s)", r->why);
    } else if (r->not_before_ms != 0) {
        /* A power restore waiting for power-restore-delay: when it enters the gate. */
        char clock[32];

        ctl_format_clock(clock, sizeof(clock), r->not_before_ms);
        text_add(t, " until %s (power-restore-delay)", clock);
    }
}

const char *ctl_request_phase_word(const SbRequestInfo *r)
{
    static const char *const phase_names[] = { "queued", "active", "last" };

    if (r->not_before_ms != 0) {
        return "delayed";
    }
    return (unsigned) r->phase <= SB_REQUEST_DONE ? phase_names[r->phase] : "?";
}

/* One short line: "requests: gate closed, waiting for node 4; queued host On id='r1'". */
void ctl_format_requests(char *buf, size_t size, const SbRequestsMsg *m)
{
    Text t = text_start(buf, size);
    bool open_or_active = false;

    text_add(&t, "requests: gate %s", m->gate_open ? "open" : "closed");
    if (m->not_ready > 0) {
        text_add(&t, ", waiting for %s ", m->not_ready == 1 ? "node" : "nodes");
        text_add_nodes(&t, m->waiting_for, m->n_waiting_for,
                       m->not_ready > m->n_waiting_for ? m->not_ready - (uint32_t) m->n_waiting_for
                                                       : 0);
    }
    for (int phase = SB_REQUEST_PENDING; phase <= SB_REQUEST_DONE; phase++) {
        for (size_t i = 0; i < m->n_requests && i < SB_REQUESTS_MAX; i++) {
            if ((int) m->requests[i].phase != phase) {
                continue;
            }
            /* The last finished ones only while nothing else is going on. */
            if (phase == SB_REQUEST_DONE && open_or_active) {
                continue;
            }
            text_add(&t, "; %s", ctl_request_phase_word(&m->requests[i]));
            text_add_request(&t, &m->requests[i]);
            open_or_active = open_or_active || phase != SB_REQUEST_DONE;
        }
    }
}

void ctl_format_power_restore(char *buf, size_t size, const SbPowerRestoreMsg *m)
{
    Text t = text_start(buf, size);

    text_add(&t, "power-restore: policy %s%s, %s",
             sb_enum_name_or(SB_ENUM_RESTORE_POLICY, (int) m->policy, "?"),
             m->one_time ? " (one-time)" : "",
             m->system_wide ? "system-wide loss" : "partial loss");
    if (m->action != SB_TRANSITION_NONE) {
        text_add(&t, ", action %s", sb_enum_name_or(SB_ENUM_TRANSITION, (int) m->action, "?"));
    } else {
        text_add(&t, ", no action");
    }
    if (m->id[0]) {
        text_add(&t, " id='%s'", m->id);
    }
    if (m->why[0]) {
        text_add(&t, ": %s", m->why);
    }
}

void ctl_format_status(char *buf, size_t size, const SbStatusMsg *m)
{
    (void) snprintf(buf, size, "%s epoch=%llu",
                    sb_enum_name_or(SB_ENUM_STATUS, (int) m->status, "unknown"),
                    (unsigned long long) m->epoch);
}

void ctl_format_clock(char *buf, size_t size, uint64_t unix_ms)
{
    time_t s = (time_t) (unix_ms / 1000u);
    struct tm tm;
    char hms[16];

    if (!localtime_r(&s, &tm) || strftime(hms, sizeof(hms), "%H:%M:%S", &tm) == 0) {
        (void) snprintf(buf, size, "%llu", (unsigned long long) unix_ms);
        return;
    }
    (void) snprintf(buf, size, "%s.%03u", hms, (unsigned) (unix_ms % 1000u));
}
