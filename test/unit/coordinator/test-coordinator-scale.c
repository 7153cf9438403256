/* SPDX-License-Identifier: Apache-2.0 */
/*
 * O(1) per node update: 10,000 nodes, 100,000 random state/status/heartbeat messages. The core
 * counts every node record it touches (coord_debug_node_visits()); a scan of the node table on a
 * message would show up as ~10,000 visits per message. Payload builders stay within their caps.
 */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <time.h>

#include "coord-internal.h"
#include "coord.h"

#define NODES   10000u
#define UPDATES 100000u

/* Deterministic xorshift: the same sequence on every run. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static void step(Coord *c, CoordEvent *ev, uint64_t now_ms, CoordActions *out)
{
    ev->now_ms = now_ms;
    assert_int_equal(coord_step(c, ev, out), 0);
}

static void bring_up(Coord *c, CoordActions *out, uint64_t now_ms)
{
    CoordEvent ev = { .kind = COORD_EV_CONNECTED };

    step(c, &ev, now_ms, out);
    for (uint32_t n = 1; n <= NODES; n++) {
        for (int k = 0; k < SB_KIND_NODE_COUNT; k++) {
            ev = (CoordEvent){ .kind = COORD_EV_NODE_STATE, .node = n };
            ev.state = (SbStateMsg){ .kind = (SbStateKind) k,
                                     .node = n,
                                     .state = 1,
                                     .epoch = 1,
                                     .seq = (uint64_t) k + 1 };
            step(c, &ev, now_ms, out);
        }
        ev = (CoordEvent){ .kind = COORD_EV_NODE_STATUS, .node = n };
        ev.status = (SbStatusMsg){ .status = SB_STATUS_ONLINE, .epoch = 1, .node = n };
        step(c, &ev, now_ms, out);
    }
}

static void
random_update(Coord *c, CoordActions *out, uint64_t *rng, uint64_t *seq, uint64_t now_ms)
{
    uint64_t r = next_random(rng);
    uint32_t node = (uint32_t) (r % NODES) + 1;
    unsigned what = (unsigned) (r >> 20) % 10;
    CoordEvent ev = { .node = node };

    if (what < 8) {
        SbStateKind kind = (SbStateKind) ((r >> 32) % SB_KIND_NODE_COUNT);
        int values = sb_enum_count(sb_state_kind_enum(kind));

        ev.kind = COORD_EV_NODE_STATE;
        ev.state = (SbStateMsg){ .kind = kind,
                                 .node = node,
                                 .state = 1 + (int) ((r >> 40) % (uint64_t) (values - 1)),
                                 .epoch = 1,
                                 .seq = ++seq[node] + 4 };
    } else if (what == 8) {
        ev.kind = COORD_EV_NODE_HEARTBEAT;
        ev.heartbeat = (SbHeartbeatMsg){ .node = node, .epoch = 1, .seq = 1 };
    } else {
        ev.kind = COORD_EV_NODE_STATUS;
        ev.status = (SbStatusMsg){ .status = (r >> 48) % 2 ? SB_STATUS_ONLINE : SB_STATUS_LOST,
                                   .epoch = 1,
                                   .node = node };
    }
    step(c, &ev, now_ms, out);
}

static void test_scale_node_updates_are_o1(void **state)
{
    CoordConfig cfg = {
        .nodes = NODES,
        .transition_timeout_ms = 600000,
        .command_ttl_ms = 30000,
        .rebirth_window_ms = 1000,
    };
    static CoordActions out;
    static uint64_t seq[NODES + 1];
    uint64_t rng = 0x9e3779b97f4a7c15ull, visits_before, visits, t0, elapsed_ns;
    CoordEvent ev = { .kind = COORD_EV_REQUEST, .target = SB_TARGET_HOST };
    SbRollupMsg m;
    SbRequestsMsg rq;
    Coord *c = NULL;

    (void) state;
    assert_int_equal(coord_new(&cfg, &c), 0);
    bring_up(c, &out, 1000);
    /* A request waiting and one active: their progress is tracked on every update too. */
    ev.request.transition = SB_TRANSITION_ON;
    step(c, &ev, 2000, &out);
    ev = (CoordEvent){ .kind = COORD_EV_NODE_STATE, .node = 1 };
    ev.state = (SbStateMsg){ .kind = SB_KIND_BMC,
                             .node = 1,
                             .state = SB_BMC_NOT_READY,
                             .epoch = 1,
                             .seq = 100 };
    seq[1] = 100;
    step(c, &ev, 2000, &out);
    ev = (CoordEvent){ .kind = COORD_EV_REQUEST, .target = SB_TARGET_CHASSIS };
    ev.request.transition = SB_TRANSITION_ON;
    step(c, &ev, 2000, &out);

    visits_before = coord_debug_node_visits(c);
    t0 = now_ns();
    for (uint32_t i = 0; i < UPDATES; i++) {
        random_update(c, &out, &rng, seq, 3000 + i / 100);
    }
    elapsed_ns = now_ns() - t0;
    visits = coord_debug_node_visits(c) - visits_before;
    print_message("%u updates on %u nodes: %.1f ms, %llu node visits\n", UPDATES, NODES,
                  (double) elapsed_ns / 1e6, (unsigned long long) visits);
    /* One visit per message; a gate opening in between dispatches to every node (O(N) by
     * nature), which random BMC values make rare. A scan per message would be ~1e9 visits. */
    assert_true(visits <= (uint64_t) UPDATES + 20u * NODES);

    /* The builders stay within their caps whatever the size. */
    for (int k = 0; k < SB_KIND_COUNT; k++) {
        assert_int_equal(coord_rollup_build(c, (SbStateKind) k, &m), 0);
        assert_true(m.n_nodes <= SB_ROLLUP_NODES_MAX);
        assert_true(m.n_stale <= SB_ROLLUP_NODES_MAX);
        if (k < SB_KIND_NODE_COUNT) {
            uint32_t total = 0;

            for (size_t v = 0; v < 16; v++) {
                total += m.counts[v];
            }
            assert_int_equal(total, NODES);
        }
    }
    assert_int_equal(coord_requests_build(c, 4000, &rq), 0);
    assert_true(rq.n_waiting_for <= SB_EVENT_NODES_MAX);
    c = coord_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_node_updates_are_o1),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
