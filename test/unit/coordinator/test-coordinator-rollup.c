/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Instance-0 rollups (topics/README.md "Rollup policy"): the precedence table of every kind,
 * checked exhaustively on 3 nodes against a straightforward reference written here; stale and
 * mixed; the nodes detail cap for N > 64; publishing only on change, since and seq.
 */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "coord-harness.h"

/* How a node is present: its status and whether it proved itself since our connection. */
typedef enum Presence {
    PRESENT_ONLINE = 0,     /* online, verified by a live message */
    PRESENT_LOST = 1,       /* was online, then its will fired */
    PRESENT_UNVERIFIED = 2, /* retained online only */
    PRESENT_COUNT,
} Presence;

/* ---- the reference: topics/README.md's table, written as plainly as possible ------------- */

static bool any(const int *v, size_t n, int value)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] == value) {
            return true;
        }
    }
    return false;
}

/* The least advanced of the values present, by an explicit order (least advanced first). */
static int least(const int *v, size_t n, const int *order, size_t n_order)
{
    for (size_t i = 0; i < n_order; i++) {
        if (any(v, n, order[i])) {
            return order[i];
        }
    }
    return 0;
}

static int reference_bmc(const int *v, const Presence *p, size_t n)
{
    bool unusable = false;

    for (size_t i = 0; i < n; i++) {
        unusable = unusable || p[i] != PRESENT_ONLINE;
    }
    if (any(v, n, SB_BMC_QUIESCED)) {
        return SB_BMC_QUIESCED;
    }
    if (unusable || any(v, n, 0) || any(v, n, SB_BMC_NOT_READY)) {
        return SB_BMC_NOT_READY;
    }
    if (any(v, n, SB_BMC_UPDATE_IN_PROGRESS)) {
        return SB_BMC_UPDATE_IN_PROGRESS;
    }
    return SB_BMC_READY;
}

static int reference_chassis(const int *v, size_t n)
{
    static const int order[] = { SB_CHASSIS_OFF, SB_CHASSIS_ON };

    if (any(v, n, SB_CHASSIS_TRANSITIONING_TO_OFF)) {
        return SB_CHASSIS_TRANSITIONING_TO_OFF;
    }
    if (any(v, n, SB_CHASSIS_TRANSITIONING_TO_ON)) {
        return SB_CHASSIS_TRANSITIONING_TO_ON;
    }
    if (any(v, n, 0)) {
        return 0;
    }
    return least(v, n, order, 2);
}

static int reference_host(const int *v, size_t n)
{
    static const int first[] = { SB_HOST_QUIESCED, SB_HOST_DIAGNOSTIC_MODE,
                                 SB_HOST_TRANSITIONING_TO_OFF, SB_HOST_TRANSITIONING_TO_RUNNING };
    static const int order[] = { SB_HOST_OFF, SB_HOST_STANDBY, SB_HOST_RUNNING };

    for (size_t i = 0; i < 4; i++) {
        if (any(v, n, first[i])) {
            return first[i];
        }
    }
    if (any(v, n, 0)) {
        return 0;
    }
    return least(v, n, order, 3);
}

static int reference_boot(const int *v, size_t n)
{
    static const int order[] = {
        SB_BOOT_UNSPECIFIED,          SB_BOOT_OEM,      SB_BOOT_MOTHERBOARD_INIT,
        SB_BOOT_PRIMARY_PROC_INIT,    SB_BOOT_BUS_INIT, SB_BOOT_MEMORY_INIT,
        SB_BOOT_SECONDARY_PROC_INIT,  SB_BOOT_PCI_INIT, SB_BOOT_SYSTEM_SETUP,
        SB_BOOT_SYSTEM_INIT_COMPLETE, SB_BOOT_OS_START, SB_BOOT_OS_RUNNING,
    };

    if (any(v, n, 0)) {
        return 0;
    }
    return least(v, n, order, sizeof(order) / sizeof(order[0]));
}

static int reference(SbStateKind kind, const int *v, const Presence *p, size_t n)
{
    switch (kind) {
    case SB_KIND_BMC:
        return reference_bmc(v, p, n);
    case SB_KIND_CHASSIS:
        return reference_chassis(v, n);
    case SB_KIND_HOST:
        return reference_host(v, n);
    case SB_KIND_BOOT_PROGRESS:
        return reference_boot(v, n);
    default:
        fail();
    }
    return -1;
}

/* ---- feeding one combination into a fresh core ------------------------------------------- */

static void step(Coord *c, CoordEvent *ev)
{
    CoordActions out;

    ev->now_ms = 1000;
    assert_int_equal(coord_step(c, ev, &out), 0);
}

static void feed_node(Coord *c, uint32_t node, SbStateKind kind, int value, Presence presence)
{
    bool retained = presence == PRESENT_UNVERIFIED;
    CoordEvent ev = { .kind = COORD_EV_NODE_STATE, .node = node, .retained = retained };

    if (value != 0) {
        ev.state = (SbStateMsg){ .kind = kind, .node = node, .state = value, .epoch = 7, .seq = 1 };
        step(c, &ev);
    }
    ev = (CoordEvent){ .kind = COORD_EV_NODE_STATUS, .node = node, .retained = retained };
    ev.status = (SbStatusMsg){ .status = SB_STATUS_ONLINE, .epoch = 7, .node = node };
    step(c, &ev);
    if (presence == PRESENT_LOST) {
        ev.status.status = SB_STATUS_LOST;
        step(c, &ev);
    }
}

static void check_combination(SbStateKind kind, const int *v, const Presence *p)
{
    CoordConfig cfg = harness_config(3);
    CoordEvent ev = { .kind = COORD_EV_CONNECTED };
    int expect = reference(kind, v, p, 3);
    uint32_t counts[16] = { 0 }, stale = 0;
    bool mixed = !(v[0] == v[1] && v[1] == v[2]);
    Coord *c = NULL;
    SbRollupMsg m;

    assert_int_equal(coord_new(&cfg, &c), 0);
    step(c, &ev);
    for (uint32_t n = 0; n < 3; n++) {
        feed_node(c, n + 1, kind, v[n], p[n]);
        counts[v[n]]++;
        stale += p[n] != PRESENT_ONLINE;
    }
    assert_int_equal(coord_rollup_build(c, kind, &m), 0);
    if (m.state != expect) {
        fail_msg("kind %d values %d,%d,%d presence %d,%d,%d: got %d, expected %d", (int) kind, v[0],
                 v[1], v[2], (int) p[0], (int) p[1], (int) p[2], m.state, expect);
    }
    assert_int_equal(m.mixed, mixed);
    assert_memory_equal(m.counts, counts, sizeof(counts));
    assert_int_equal(m.expected, 3);
    assert_int_equal(m.n_nodes, 3);
    for (uint32_t n = 0; n < 3; n++) {
        assert_int_equal(m.nodes[n].node, n + 1);
        assert_int_equal(m.nodes[n].state, v[n]);
    }
    assert_int_equal(m.n_stale, stale);
    assert_int_equal(m.stale_omitted, 0);
    for (size_t i = 1; i < m.n_stale; i++) {
        assert_true(m.stale[i - 1] < m.stale[i]);
    }
    c = coord_free(c);
}

static void exhaust(SbStateKind kind, int presences)
{
    int values = sb_enum_count(sb_state_kind_enum(kind));
    int per_node = values * presences;
    int combos = per_node * per_node * per_node;

    for (int combo = 0; combo < combos; combo++) {
        int v[3];
        Presence p[3];
        int rest = combo;

        for (int n = 0; n < 3; n++) {
            v[n] = rest % values;
            p[n] = (Presence) (rest / values % presences);
            rest /= per_node;
        }
        check_combination(kind, v, p);
    }
}

static void test_rollup_bmc_exhaustive(void **state)
{
    (void) state;
    exhaust(SB_KIND_BMC, PRESENT_COUNT);
}

static void test_rollup_chassis_exhaustive(void **state)
{
    (void) state;
    exhaust(SB_KIND_CHASSIS, PRESENT_COUNT);
}

static void test_rollup_host_exhaustive(void **state)
{
    (void) state;
    exhaust(SB_KIND_HOST, PRESENT_COUNT);
}

static void test_rollup_boot_progress_exhaustive(void **state)
{
    (void) state;
    /* Presence only changes "stale" outside the BMC; two kinds of it are enough here. */
    exhaust(SB_KIND_BOOT_PROGRESS, 2);
}

/* ---- behaviour over time -------------------------------------------------------------------- */

static SbRollupMsg rollup(const Harness *h, SbStateKind kind)
{
    SbRollupMsg m;

    assert_int_equal(coord_rollup_build(h->c, kind, &m), 0);
    return m;
}

static void assert_published_only(const Harness *h, unsigned mask)
{
    for (int k = 0; k < SB_KIND_COUNT; k++) {
        assert_int_equal(harness_rollup_published(h, (SbStateKind) k), (mask >> k) & 1u);
    }
}

static void test_rollup_published_only_on_change(void **state)
{
    CoordConfig cfg = harness_config(3);
    Harness *h = harness_new(&cfg);
    SbRollupMsg before, after;

    (void) state;
    harness_bring_up(h);
    before = rollup(h, SB_KIND_HOST);
    assert_int_equal(before.state, SB_HOST_OFF);
    assert_int_equal(before.epoch, 1);
    /* Same value again, new seq: nothing changed. */
    harness_run(h, "state 1 host Off");
    assert_published_only(h, 0);
    harness_run(h, "heartbeat 2");
    assert_published_only(h, 0);
    /* One node moves: the payload changes (counts, nodes, mixed) but not the state. */
    harness_run(h, "advance 1000");
    harness_run(h, "state 1 host Running");
    assert_published_only(h, 1u << SB_KIND_HOST);
    after = rollup(h, SB_KIND_HOST);
    assert_int_equal(after.state, SB_HOST_OFF);
    assert_true(after.mixed);
    assert_int_equal(after.seq, before.seq + 1);
    assert_int_equal(after.since_ms, before.since_ms);
    /* The state changes: since moves. */
    harness_run(h, "advance 1000");
    harness_run(h, "state 2 host Running");
    harness_run(h, "state 3 host Running");
    after = rollup(h, SB_KIND_HOST);
    assert_int_equal(after.state, SB_HOST_RUNNING);
    assert_false(after.mixed);
    assert_int_equal(after.since_ms, h->now_ms);
    assert_int_equal(after.seq, before.seq + 3);
    /* A node going away changes "stale" in every rollup. */
    harness_run(h, "status 2 lost");
    assert_published_only(h, 0xfu);
    after = rollup(h, SB_KIND_HOST);
    assert_int_equal(after.state, SB_HOST_RUNNING);
    assert_int_equal(after.n_stale, 1);
    assert_int_equal(after.stale[0], 2);
    assert_int_equal(rollup(h, SB_KIND_BMC).state, SB_BMC_NOT_READY);
    harness_free(h);
}

static void test_rollup_hypervisor_stays_unknown(void **state)
{
    CoordConfig cfg = harness_config(3);
    Harness *h = harness_new(&cfg);
    SbRollupMsg m;

    (void) state;
    harness_bring_up(h);
    harness_run(h, "state 1 host Running");
    m = rollup(h, SB_KIND_HYPERVISOR);
    assert_int_equal(m.state, 0);
    assert_int_equal(m.expected, 3);
    assert_int_equal(m.n_nodes, 0);
    assert_int_equal(coord_rollup_build(h->c, SB_KIND_COUNT, &m), -EINVAL);
    harness_free(h);
}

static void test_rollup_bmc_ready_needs_the_current_epoch(void **state)
{
    CoordConfig cfg = harness_config(2);
    Harness *h = harness_new(&cfg);

    (void) state;
    harness_bring_up(h);
    assert_int_equal(rollup(h, SB_KIND_BMC).state, SB_BMC_READY);
    /* Node 2 took a new epoch; its Ready is from the old one. */
    harness_run(h, "status 2 online epoch=99999");
    assert_int_equal(rollup(h, SB_KIND_BMC).state, SB_BMC_NOT_READY);
    assert_false(rollup(h, SB_KIND_BMC).mixed);
    harness_run(h, "state 2 bmc Ready epoch=99999 seq=1");
    assert_int_equal(rollup(h, SB_KIND_BMC).state, SB_BMC_READY);
    harness_free(h);
}

static void test_rollup_nodes_detail_capped_above_64(void **state)
{
    CoordConfig cfg = harness_config(100);
    Harness *h = harness_new(&cfg);
    char input[48];
    SbRollupMsg m;

    (void) state;
    harness_bring_up(h);
    for (uint32_t n = 1; n <= 70; n++) {
        (void) snprintf(input, sizeof(input), "state %u chassis On", n);
        harness_run(h, input);
    }
    m = rollup(h, SB_KIND_CHASSIS);
    assert_int_equal(m.state, SB_CHASSIS_OFF);
    assert_true(m.mixed);
    assert_int_equal(m.counts[SB_CHASSIS_OFF], 30);
    assert_int_equal(m.counts[SB_CHASSIS_ON], 70);
    /* Only the nodes that differ from the rollup's state, at most 64, sorted. */
    assert_int_equal(m.n_nodes, SB_ROLLUP_NODES_MAX);
    assert_int_equal(m.nodes_omitted, 70 - SB_ROLLUP_NODES_MAX);
    for (size_t i = 0; i < m.n_nodes; i++) {
        assert_int_equal(m.nodes[i].state, SB_CHASSIS_ON);
        assert_true(m.nodes[i].node <= 70);
        if (i > 0) {
            assert_true(m.nodes[i - 1].node < m.nodes[i].node);
        }
    }
    /* Nothing differs: nothing listed. */
    m = rollup(h, SB_KIND_HOST);
    assert_int_equal(m.n_nodes, 0);
    assert_int_equal(m.nodes_omitted, 0);
    /* The stale list is capped the same way. */
    harness_run(h, "disconnect");
    m = rollup(h, SB_KIND_HOST);
    assert_int_equal(m.n_stale, SB_ROLLUP_NODES_MAX);
    assert_int_equal(m.stale_omitted, 100 - SB_ROLLUP_NODES_MAX);
    harness_free(h);
}

static void test_rollup_all_nodes_listed_up_to_64(void **state)
{
    CoordConfig cfg = harness_config(SB_ROLLUP_NODES_MAX);
    Harness *h = harness_new(&cfg);
    SbRollupMsg m;

    (void) state;
    harness_run(h, "connect");
    harness_run(h, "birth 1-10");
    m = rollup(h, SB_KIND_BOOT_PROGRESS);
    assert_int_equal(m.n_nodes, SB_ROLLUP_NODES_MAX);
    assert_int_equal(m.nodes_omitted, 0);
    assert_int_equal(m.nodes[0].state, SB_BOOT_UNSPECIFIED);
    /* Never heard from: shown as Unknown (0), and the rollup is Unknown. */
    assert_int_equal(m.nodes[10].state, 0);
    assert_int_equal(m.state, 0);
    assert_int_equal(m.counts[0], SB_ROLLUP_NODES_MAX - 10);
    assert_int_equal(m.n_stale, 0);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rollup_bmc_exhaustive),
        cmocka_unit_test(test_rollup_chassis_exhaustive),
        cmocka_unit_test(test_rollup_host_exhaustive),
        cmocka_unit_test(test_rollup_boot_progress_exhaustive),
        cmocka_unit_test(test_rollup_published_only_on_change),
        cmocka_unit_test(test_rollup_hypervisor_stays_unknown),
        cmocka_unit_test(test_rollup_bmc_ready_needs_the_current_epoch),
        cmocka_unit_test(test_rollup_nodes_detail_capped_above_64),
        cmocka_unit_test(test_rollup_all_nodes_listed_up_to_64),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
