/* SPDX-License-Identifier: Apache-2.0 */
#include "fuzz-coord-check.h"

#include <stdbool.h>

#include "statebus/payload.h"
#include "statebus/topic.h"

#include "coordinator-input.h"
#include "fuzz-util.h"

/* A core stuck re-arming its timer in the past would make the shell spin. */
#define TIMER_FIRES_MAX 16

void fuzz_coord_init(FuzzCoord *f, const CoordConfig *cfg, uint64_t now_ms)
{
    *f = (FuzzCoord){ .cfg = *cfg, .now_ms = now_ms };
    FUZZ_REQUIRE(coord_new(cfg, &f->core) == 0, "coord_new accepts a valid config");
}

void fuzz_coord_done(FuzzCoord *f)
{
    f->core = coord_free(f->core);
}

void fuzz_coord_snapshot(const Coord *c, char *buf, size_t size, int *ret_len)
{
    FUZZ_REQUIRE(coord_snapshot_size_max(c) <= size, "snapshot bound fits the fuzz buffer");
    *ret_len = coord_snapshot_encode(c, buf, size);
    FUZZ_REQUIRE(*ret_len > 0 && (size_t) *ret_len < size, "a snapshot encodes within its bound");
}

static void check_persist(const FuzzCoord *f)
{
    static char buf[1u << 20], last[1u << 20];
    static int last_len = -1;
    const char *why = NULL;
    Coord *fresh = NULL;
    int len;

    fuzz_coord_snapshot(f->core, buf, sizeof(buf), &len);
    /* Restoring is the slow part (cJSON): only a snapshot not checked just before. */
    if (len == last_len && memcmp(buf, last, (size_t) len) == 0) {
        return;
    }
    memcpy(last, buf, (size_t) len);
    last_len = len;
    FUZZ_REQUIRE(coord_new(&f->cfg, &fresh) == 0, "coord_new for the restore check");
    if (coord_snapshot_restore(fresh, buf, (size_t) len, f->now_ms, &why) < 0) {
        (void) fprintf(stderr, "fuzz: snapshot refused (%s): %.*s\n", why ? why : "?", len, buf);
        FUZZ_REQUIRE(false, "every snapshot the core writes restores");
    }
    (void) coord_free(fresh);
}

static void check_event(const FuzzCoord *f, const CoordAction *a)
{
    char buf[SB_PAYLOAD_MAX + 1];

    FUZZ_REQUIRE(sb_event_encode(&a->event, buf, sizeof(buf)) > 0, "an event action encodes");
    FUZZ_REQUIRE(!f->replies_checked || a->reply_to.topic[0] == '\0' ||
                         input_reply_topic_is_valid(FUZZ_SYSTEM, a->reply_to.topic),
                 "answers go only under <root>/reply/");
    FUZZ_REQUIRE(a->reply_to.correlation_len <= SB_CORRELATION_MAX, "correlation data bounded");
}

static void check_dispatch(const FuzzCoord *f, const CoordAction *a)
{
    char buf[SB_PAYLOAD_MAX + 1];
    uint8_t seen[8] = { 0 };
    uint32_t cursor = 0, node, count = 0;
    CoordStats stats;

    FUZZ_REQUIRE(a->target > SB_TARGET_NONE && a->target < SB_TARGET_COUNT, "a real target");
    FUZZ_REQUIRE(sb_transition_valid_for(a->target, a->command.transition),
                 "a dispatched transition is defined for its target");
    FUZZ_REQUIRE(a->command.id[0] != '\0' && a->command.deadline_ms > 0,
                 "commands to agents carry id and deadline");
    FUZZ_REQUIRE(sb_command_encode(&a->command, buf, sizeof(buf)) > 0, "a command encodes");
    while ((node = coord_request_nodes(f->core, a->request_slot, &cursor)) != 0) {
        FUZZ_REQUIRE(node <= f->cfg.nodes, "commands go to expected nodes only");
        FUZZ_REQUIRE(node < 8 * sizeof(seen) && !(seen[node / 8] & (1u << (node % 8))),
                     "a command goes to a node once");
        seen[node / 8] |= (uint8_t) (1u << (node % 8));
        FUZZ_REQUIRE(++count <= f->cfg.nodes, "the node iteration ends");
    }
    /* contract.md "Power-on gating": nothing gated leaves while a BMC is not Ready. */
    coord_stats(f->core, &stats);
    FUZZ_REQUIRE(!sb_transition_is_gated(a->target, a->command.transition) || stats.gate_open,
                 "a gated transition is dispatched only through an open gate");
}

static void check_publish(const FuzzCoord *f, const CoordAction *a)
{
    static SbRequestsMsg requests;
    char buf[SB_PAYLOAD_MAX + 1];
    SbPowerRestoreMsg pr;
    SbSettingValue setting;
    SbRollupMsg rollup;

    switch (a->kind) {
    case COORD_ACT_PUBLISH_ROLLUP:
        FUZZ_REQUIRE(coord_rollup_build(f->core, a->state_kind, &rollup) == 0, "rollup builds");
        FUZZ_REQUIRE(sb_rollup_encode(&rollup, buf, sizeof(buf)) > 0, "rollup encodes");
        break;
    case COORD_ACT_PUBLISH_REQUESTS:
        FUZZ_REQUIRE(coord_requests_build(f->core, f->now_ms, &requests) == 0, "requests build");
        FUZZ_REQUIRE(sb_requests_encode(&requests, buf, sizeof(buf)) > 0, "requests encode");
        break;
    case COORD_ACT_PUBLISH_SETTING:
        FUZZ_REQUIRE(coord_setting_build(f->core, a->setting, &setting) == 0, "setting builds");
        FUZZ_REQUIRE(sb_setting_encode(&setting, buf, sizeof(buf)) > 0, "setting encodes");
        break;
    case COORD_ACT_PUBLISH_POWER_RESTORE:
        FUZZ_REQUIRE(coord_power_restore_build(f->core, &pr) == 0, "power-restore builds");
        FUZZ_REQUIRE(sb_power_restore_encode(&pr, buf, sizeof(buf)) > 0, "power-restore encodes");
        break;
    default:
        break;
    }
}

static void check_actions(FuzzCoord *f, const CoordActions *out)
{
    FUZZ_REQUIRE(out->n <= COORD_ACTIONS_MAX, "the action list is bounded");
    for (size_t i = 0; i < out->n; i++) {
        const CoordAction *a = &out->items[i];

        switch (a->kind) {
        case COORD_ACT_PERSIST:
            check_persist(f);
            break;
        case COORD_ACT_PUBLISH_EVENT:
            check_event(f, a);
            break;
        case COORD_ACT_DISPATCH:
            check_dispatch(f, a);
            break;
        case COORD_ACT_ARM_TIMER:
            f->timer_at_ms = a->at_ms;
            break;
        case COORD_ACT_PUBLISH_ROLLUP:
        case COORD_ACT_PUBLISH_REQUESTS:
        case COORD_ACT_PUBLISH_SETTING:
        case COORD_ACT_PUBLISH_POWER_RESTORE:
            check_publish(f, a);
            break;
        case COORD_ACT_PUBLISH_REBIRTH:
            break;
        case COORD_ACT_PUBLISH_PROBE:
            FUZZ_REQUIRE(a->probe != 0, "a probe has a token");
            f->probe = a->probe;
            break;
        default:
            FUZZ_REQUIRE(false, "a known action kind");
        }
    }
}

static void check_state(const FuzzCoord *f)
{
    char buf[SB_PAYLOAD_MAX + 1];
    SbSummaryMsg summary;
    CoordStats s;

    coord_stats(f->core, &s);
    FUZZ_REQUIRE(s.nodes_online <= f->cfg.nodes && s.nodes_ready <= f->cfg.nodes &&
                         s.nodes_stale <= f->cfg.nodes && s.nodes_never_seen <= f->cfg.nodes,
                 "node counts are within the expected nodes");
    FUZZ_REQUIRE(!s.gate_open || (s.connected && s.nodes_ready == f->cfg.nodes),
                 "the gate is open only with every node Ready while connected");
    /* README "The gate": at most one queued request per target. */
    FUZZ_REQUIRE(s.requests_pending <= 2, "at most one queued request per power target");
    FUZZ_REQUIRE(coord_summary_build(f->core, f->now_ms, &summary) == 0, "summary builds");
    FUZZ_REQUIRE(sb_summary_encode(&summary, buf, sizeof(buf)) > 0, "summary encodes");
}

static void step_checked(FuzzCoord *f, CoordEvent *ev)
{
    static CoordActions out;

    ev->now_ms = f->now_ms;
    FUZZ_REQUIRE(coord_step(f->core, ev, &out) == 0, "coord_step never overflows its actions");
    check_actions(f, &out);
    check_state(f);
}

static void fire_due_timer(FuzzCoord *f)
{
    for (int fires = 0; f->timer_at_ms != 0 && f->timer_at_ms <= f->now_ms; fires++) {
        CoordEvent ev = { .kind = COORD_EV_TIMER };

        FUZZ_REQUIRE(fires < TIMER_FIRES_MAX, "the core does not re-arm its timer in the past");
        f->timer_at_ms = 0; /* one-shot, as in the shell: the core re-arms it */
        step_checked(f, &ev);
    }
}

void fuzz_coord_step(FuzzCoord *f, CoordEvent *ev)
{
    step_checked(f, ev);
    /* The broker brings a probe back behind everything before it: here, at once. */
    while (f->probe != 0) {
        CoordEvent echo = { .kind = COORD_EV_PROBE, .probe = f->probe };

        f->probe = 0;
        step_checked(f, &echo);
    }
    fire_due_timer(f);
}

void fuzz_coord_advance(FuzzCoord *f, uint64_t delta_ms)
{
    f->now_ms += delta_ms;
    fire_due_timer(f);
}
