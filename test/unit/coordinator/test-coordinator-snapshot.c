/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Durability (topics/README.md "Requests"): the snapshot round trip, a restart in the middle of a
 * dispatch (never dispatched twice, still tracked, completes), queued requests surviving a
 * restart with their expiry, and corrupt snapshots refused with the core left empty.
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
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord-harness.h"

static char *snapshot_of(const Harness *h, int *ret_len)
{
    size_t size = coord_snapshot_size_max(h->c);
    char *buf = malloc(size);
    int n;

    assert_non_null(buf);
    n = coord_snapshot_encode(h->c, buf, size);
    assert_true(n > 0);
    assert_int_equal(strlen(buf), (size_t) n);
    *ret_len = n;
    return buf;
}

static Harness *restored(const CoordConfig *cfg, const char *json, int len, uint64_t now_ms)
{
    Harness *h = harness_new(cfg);
    const char *why = NULL;

    h->now_ms = now_ms;
    if (coord_snapshot_restore(h->c, json, (size_t) len, now_ms, &why) != 0) {
        fail_msg("restore failed: %s", why ? why : "?");
    }
    return h;
}

static CoordStats stats(const Harness *h)
{
    CoordStats st;

    coord_stats(h->c, &st);
    return st;
}

static void test_snapshot_restart_in_the_middle_of_a_dispatch(void **state)
{
    CoordConfig cfg = harness_config(3);
    Harness *h = harness_new(&cfg), *h2;
    static const ScriptLine after_restart[] = {
        { "connect", "persist rebirth" },
        /* The agents answer the rebirth naming the command they carry out (issue #13). */
        { "birth 1 host=Running", "" },
        { "state 1 host Running req=r1", "" },
        { "birth 2-3", "" },
        { "state 2 host Running req=r1", "" },
        { "state 3 host TransitioningToRunning req=r1", "" },
        { "state 3 host Running", "persist completed:r1" },
    };
    unsigned dispatches = 0;
    SbRequestsMsg m;
    char *json;
    int len;

    (void) state;
    harness_bring_up(h);
    harness_run(h, "request host On id=r1");
    assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), 1);
    harness_run(h, "state 1 host Running");
    json = snapshot_of(h, &len);

    /* The coordinator restarts: a new core from the snapshot. */
    h2 = restored(&cfg, json, len, h->now_ms + 5000);
    assert_int_equal(coord_epoch(h2->c), 1);
    assert_int_equal(stats(h2).requests_active, 1);
    assert_int_equal(coord_requests_build(h2->c, h2->now_ms, &m), 0);
    assert_int_equal(m.n_requests, 1);
    assert_int_equal(m.requests[0].phase, SB_REQUEST_ACTIVE);
    /* Progress unknown after the restart: every node remains. */
    assert_int_equal(m.requests[0].n_nodes, 3);
    for (size_t i = 0; i < sizeof(after_restart) / sizeof(after_restart[0]); i++) {
        const char *got = harness_run(h2, after_restart[i].input);

        dispatches += (unsigned) harness_count(h2, COORD_ACT_DISPATCH);
        assert_string_equal(got, after_restart[i].expect);
    }
    /* Never dispatched twice. */
    assert_int_equal(dispatches, 0);
    assert_int_equal(coord_epoch(h2->c), 2);
    assert_int_equal(stats(h2).requests_active, 0);
    free(json);
    harness_free(h);
    harness_free(h2);
}

static void test_snapshot_restored_cycle_needs_a_later_since(void **state)
{
    CoordConfig cfg = harness_config(2);
    Harness *h = harness_new(&cfg), *h2;
    uint64_t dispatched;
    char input[128], *json;
    int len;

    (void) state;
    harness_bring_up(h);
    harness_run(h, "state 1 host Running");
    harness_run(h, "state 2 host Running");
    harness_run(h, "request host Reboot id=rb");
    dispatched = h->now_ms;
    json = snapshot_of(h, &len);
    h2 = restored(&cfg, json, len, dispatched + 60000);
    harness_run(h2, "connect");
    /* Running since before the dispatch: the reboot has not happened yet (as far as we know). */
    (void) snprintf(input, sizeof(input),
                    "state 1 host Running since=%" PRIu64 " seq=1 epoch=50 retained req=rb",
                    dispatched - 5000);
    assert_string_equal(harness_run(h2, input), "");
    /* Running since after the dispatch: it went down and came back while we were away. */
    (void) snprintf(input, sizeof(input),
                    "state 2 host Running since=%" PRIu64 " seq=1 epoch=51 retained req=rb",
                    dispatched + 10000);
    assert_string_equal(harness_run(h2, input), "");
    (void) snprintf(input, sizeof(input), "state 1 host Running since=%" PRIu64 " seq=2 epoch=50",
                    dispatched + 20000);
    assert_string_equal(harness_run(h2, input), "persist completed:rb");
    free(json);
    harness_free(h);
    harness_free(h2);
}

static void test_snapshot_queued_request_survives_with_its_expiry(void **state)
{
    CoordConfig cfg = harness_config(2);
    Harness *h, *h2, *h3;
    uint64_t queued;
    char *json;
    int len;

    (void) state;
    cfg.request_timeout_ms = 60000;
    h = harness_new(&cfg);
    harness_bring_up(h);
    harness_run(h, "state 2 bmc NotReady");
    harness_run(h, "request host On id=q");
    queued = h->now_ms;
    json = snapshot_of(h, &len);

    /* Restarted within the timeout: still queued, released by the gate. */
    h2 = restored(&cfg, json, len, queued + 10000);
    assert_int_equal(stats(h2).requests_pending, 1);
    assert_string_equal(harness_run(h2, "connect"), "persist rebirth");
    assert_int_equal(h2->armed_at_ms, h2->now_ms + cfg.rebirth_window_ms);
    assert_string_equal(harness_run(h2, "birth 1-2"), "persist dispatch:host:q dispatched:q");

    /* Restarted after the original expiry: expired once connected and the rebirth is in
     * (issue #13: no time-out judged while the nodes cannot be heard). */
    h3 = restored(&cfg, json, len, queued + 70000);
    assert_string_equal(harness_run(h3, "connect"), "persist rebirth");
    assert_string_equal(harness_run(h3, "advance 1000"), "persist expired:q");
    assert_int_equal(stats(h3).requests_pending, 0);
    free(json);
    harness_free(h);
    harness_free(h2);
    harness_free(h3);
}

static void test_snapshot_restored_active_fails_at_its_deadline(void **state)
{
    CoordConfig cfg = harness_config(3);
    Harness *h, *h2;
    const CoordAction *a;
    char *json;
    int len;

    (void) state;
    cfg.transition_timeout_ms = 10000;
    h = harness_new(&cfg);
    harness_bring_up(h);
    harness_run(h, "request chassis On id=late");
    json = snapshot_of(h, &len);
    h2 = restored(&cfg, json, len, h->now_ms + 5000);
    harness_run(h2, "connect");
    harness_run(h2, "birth 1 chassis=On");
    harness_run(h2, "state 1 chassis On req=late");
    /* The deadline survives the restart: 10 s after the original dispatch. */
    assert_string_equal(harness_run(h2, "advance 4999"), "");
    assert_string_equal(harness_run(h2, "advance 1"), "persist failed:late");
    a = harness_find_event(h2, SB_EVENT_FAILED, "late");
    assert_int_equal(a->event.n_nodes, 2);
    assert_int_equal(a->event.nodes[0], 2);
    assert_int_equal(a->event.nodes[1], 3);
    free(json);
    harness_free(h);
    harness_free(h2);
}

static void feed_request(Harness *h,
                         SbTarget target,
                         SbTransition transition,
                         const char *id,
                         const char *reason,
                         const char *reply,
                         const uint32_t *nodes,
                         size_t n_nodes)
{
    CoordEvent ev = { .kind = COORD_EV_REQUEST, .target = target };

    ev.request.transition = transition;
    (void) snprintf(ev.request.id, sizeof(ev.request.id), "%s", id);
    (void) snprintf(ev.request.reason, sizeof(ev.request.reason), "%s", reason);
    if (n_nodes > 0) {
        memcpy(ev.request.nodes, nodes, n_nodes * sizeof(*nodes));
    }
    ev.request.n_nodes = n_nodes;
    (void) snprintf(ev.reply_to.topic, sizeof(ev.reply_to.topic), "%s", reply);
    for (size_t i = 0; i < SB_CORRELATION_MAX; i++) {
        ev.reply_to.correlation[i] = (uint8_t) (0xf0 + i);
    }
    ev.reply_to.correlation_len = SB_CORRELATION_MAX;
    harness_feed(h, &ev);
}

/* A snapshot with every kind of record: pending, active (partial), done, texts to escape. */
static Harness *rich_state(void)
{
    CoordConfig cfg = harness_config(4);
    static const uint32_t some[] = { 2, 4 };
    Harness *h;

    cfg.allow_partial = true;
    h = harness_new(&cfg);
    harness_bring_up(h);
    feed_request(h, SB_TARGET_CHASSIS, SB_TRANSITION_ON, "old-1", "first \"try\"",
                 "statebus/system/reply/a", NULL, 0);
    feed_request(h, SB_TARGET_CHASSIS, SB_TRANSITION_POWER_CYCLE, "pc.2", "ünïcødé \\ back",
                 "statebus/system/reply/b", some, 2);
    feed_request(h, SB_TARGET_BMC, SB_TRANSITION_REBOOT, "bmc:3", "", "", some, 1);
    harness_run(h, "state 3 bmc NotReady");
    feed_request(h, SB_TARGET_HOST, SB_TRANSITION_REBOOT, "host_4", "tab\tis replaced", "", NULL,
                 0);
    return h;
}

static void test_snapshot_round_trip(void **state)
{
    Harness *h = rich_state(), *h2;
    SbRequestsMsg a, b;
    char *json, *json2;
    int len, len2;

    (void) state;
    json = snapshot_of(h, &len);
    h2 = restored(&h->cfg, json, len, h->now_ms);
    json2 = snapshot_of(h2, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(json, json2, (size_t) len);
    assert_int_equal(coord_requests_build(h->c, 1, &a), 0);
    assert_int_equal(coord_requests_build(h2->c, 1, &b), 0);
    assert_int_equal(a.n_requests, b.n_requests);
    assert_int_equal(a.n_requests, 4);
    for (size_t i = 0; i < a.n_requests; i++) {
        assert_string_equal(a.requests[i].id, b.requests[i].id);
        assert_int_equal(a.requests[i].phase, b.requests[i].phase);
        assert_int_equal(a.requests[i].since_ms, b.requests[i].since_ms);
        assert_int_equal(a.requests[i].deadline_ms, b.requests[i].deadline_ms);
    }
    assert_int_equal(coord_last_requested(h2->c, SB_TARGET_HOST), SB_TRANSITION_REBOOT);
    assert_int_equal(coord_last_requested(h2->c, SB_TARGET_CHASSIS), SB_TRANSITION_POWER_CYCLE);
    /* The control character of the reason was not kept (the decoder would refuse it). */
    assert_null(strchr(json, '\t'));
    assert_null(strstr(json, "\\t"));
    free(json);
    free(json2);
    harness_free(h);
    harness_free(h2);
}

static void test_snapshot_partial_active_keeps_its_nodes(void **state)
{
    Harness *h = rich_state(), *h2;
    static const ScriptLine script[] = {
        /* old-1's end was acknowledged less than COORD_ANNOUNCE_SETTLE_MS before the snapshot
         * (issue #13): replayed. */
        { "connect", "persist rebirth superseded:old-1" },
        /* Also releases the queued host Reboot and completes the restored BMC reboot. */
        { "birth 1-4 chassis=Off", NULL },
        /* Issue #13: only states naming the request count; node 2 is seen leaving and coming
         * back, node 4 comes back with a "since" after the dispatch. */
        { "state 2 chassis Off req=pc.2", "" },
        { "state 2 chassis On since=1", "" },
        /* Node 1 is not part of the PowerCycle of nodes 2 and 4. */
        { "state 1 chassis On req=pc.2", "" },
        { "state 4 chassis On req=pc.2", "persist completed:pc.2" },
    };
    char *json;
    int len;

    (void) state;
    json = snapshot_of(h, &len);
    h2 = restored(&h->cfg, json, len, h->now_ms + 1000);
    HARNESS_SCRIPT(h2, script);
    free(json);
    harness_free(h);
    harness_free(h2);
}

static void assert_core_empty(const Coord *c)
{
    char buf[512];
    CoordStats st;

    coord_stats(c, &st);
    assert_int_equal(st.requests_pending, 0);
    assert_int_equal(st.requests_active, 0);
    assert_int_equal(coord_epoch(c), 0);
    assert_int_equal(coord_last_requested(c, SB_TARGET_HOST), SB_TRANSITION_NONE);
    assert_true(coord_snapshot_encode(c, buf, sizeof(buf)) > 0);
    /* The settings are back at their defaults and no power-restore decision is remembered. */
    assert_string_equal(buf, "{\"v\":1,\"epoch\":0,\"id_counter\":0,\"order_counter\":0,"
                             "\"requested\":{},\"requests\":[],\"settings\":{"
                             "\"power-restore-policy\":\"AlwaysOff\",\"power-restore-delay\":0,"
                             "\"power-restore-one-time\":\"None\",\"scheduled-transition\":null},"
                             "\"power_restore\":{\"decided_boot\":0,\"counter\":0}}");
}

static void expect_corrupt(const char *json, size_t len)
{
    CoordConfig cfg = harness_config(3);
    const char *why = NULL;
    Coord *c = NULL;
    int r;

    assert_int_equal(coord_new(&cfg, &c), 0);
    r = coord_snapshot_restore(c, json, len, 1, &why);
    if (r != -EBADMSG) {
        c = coord_free(c);
        fail_msg("accepted corrupt snapshot (r=%d): %.*s", r, (int) len, json);
    }
    assert_non_null(why);
    assert_core_empty(c);
    c = coord_free(c);
}

#define HEAD "{\"v\":1,\"epoch\":3,\"id_counter\":1,\"order_counter\":2,\"requested\":{},"
/* One request record; every field but the ones named is valid. */
#define REQN(phase, id, target, transition, nodes, extra)                                     \
    "{\"phase\":\"" phase "\",\"id\":\"" id "\",\"target\":\"" target                         \
    "\",\"transition\":\"" transition                                                         \
    "\",\"reason\":\"\",\"reply_topic\":\"\",\"correlation\":\"\",\"order\":1,"               \
    "\"queued\":5,\"dispatched\":6,\"expires\":0,\"fails\":9,\"finished\":0,\"nodes\":" nodes \
            extra "}"
#define REQ(phase, id, target, transition, extra) REQN(phase, id, target, transition, "[]", extra)

/* A system made smaller (--nodes lowered) since the file was written: what names the nodes that
 * left is left out, and the rest is restored. */
static void test_snapshot_nodes_above_a_smaller_system_are_left_out(void **state)
{
    static const char json[] =
            HEAD "\"requests\":[" REQN("active", "a", "host", "On", "[2,4]", "") "," REQN(
                    "pending", "b", "chassis", "On", "[4,5]",
                    "") "],\"power_restore\":{\"decided_boot\":1,\"counter\":0,\"pending\":"
                        "{\"id\":\"p1\",\"target\":\"host\",\"transition\":\"On\","
                        "\"reason\":\"\",\"due\":5,\"nodes\":[6]}}}";
    CoordConfig cfg = harness_config(3);
    Harness *h = restored(&cfg, json, (int) strlen(json), 10);
    CoordStats st = stats(h);
    int len;
    char *again;

    (void) state;
    assert_int_equal(st.requests_active, 1);
    assert_int_equal(st.requests_pending, 0);
    assert_int_equal(st.restore_nodes_dropped, 4);
    assert_int_equal(st.restore_requests_dropped, 2);
    again = snapshot_of(h, &len);
    assert_non_null(strstr(again, "\"id\":\"a\""));
    assert_non_null(strstr(again, "\"nodes\":[2]"));
    assert_null(strstr(again, "\"id\":\"b\""));
    assert_null(strstr(again, "\"pending\""));
    free(again);
    harness_free(h);
}

static void test_snapshot_corrupt_refused(void **state)
{
    static const char *const bad[] = {
        "{",
        "[]",
        "null",
        "{\"v\":1}",
        "{\"v\":2,\"epoch\":1,\"id_counter\":0,\"order_counter\":0,\"requested\":{},\"requests\":[]"
        "}",
        "{\"v\":\"1\",\"epoch\":1,\"id_counter\":0,\"order_counter\":0,\"requested\":{},"
        "\"requests\":[]}",
        "{\"v\":1,\"epoch\":-1,\"id_counter\":0,\"order_counter\":0,\"requested\":{},\"requests\":["
        "]}",
        "{\"v\":1,\"epoch\":1.5,\"id_counter\":0,\"order_counter\":0,\"requested\":{},\"requests\":"
        "[]}",
        "{\"v\":1,\"epoch\":1e300,\"id_counter\":0,\"order_counter\":0,\"requested\":{},"
        "\"requests\":[]}",
        "{\"v\":1,\"epoch\":1,\"id_counter\":0,\"order_counter\":0,\"requested\":{},\"requests\":{}"
        "}",
        "{\"v\":1,\"epoch\":1,\"id_counter\":0,\"order_counter\":0,\"requested\":[],\"requests\":[]"
        "}",
        "{\"v\":1,\"epoch\":1,\"id_counter\":0,\"order_counter\":0,\"requested\":{\"host\":"
        "\"HardReboot\"},\"requests\":[]}",
        HEAD "\"requests\":[" REQ("waiting", "a", "host", "On", "") "]}",
        HEAD "\"requests\":[" REQ("pending", "a b", "host", "On", "") "]}",
        HEAD "\"requests\":[" REQ("pending", "", "host", "On", "") "]}",
        HEAD "\"requests\":[" REQ("pending", "a", "toaster", "On", "") "]}",
        HEAD "\"requests\":[" REQ("pending", "a", "chassis", "Reboot", "") "]}",
        /* Off is never queued. */
        HEAD "\"requests\":[" REQ("pending", "a", "host", "Off", "") "]}",
        HEAD "\"requests\":[" REQ("pending", "a", "host", "On", "") "," REQ("pending", "b", "host",
                                                                            "Reboot", "") "]}",
        HEAD "\"requests\":[" REQ("active", "a", "chassis", "On",
                                  "") "," REQ("active", "b", "chassis", "Off", "") "]}",
        HEAD "\"requests\":[" REQ("pending", "a", "host", "On",
                                  "") "," REQ("active", "a", "chassis", "On", "") "]}",
        HEAD "\"requests\":[" REQ("done", "a", "host", "On", "") "]}",
        HEAD "\"requests\":[" REQ("done", "a", "host", "On",
                                  ",\"result\":\"queued\",\"why\":\"x\"") "]}",
        HEAD
        "\"requests\":[" REQ("done", "a", "host", "On", ",\"result\":\"completed\",\"why\":7") "]}",
        HEAD "\"requests\":[{\"phase\":\"active\",\"id\":\"a\",\"target\":\"host\",\"transition\":"
             "\"On\","
             "\"reason\":\"\",\"reply_topic\":\"\",\"correlation\":\"\",\"order\":1,\"queued\":5,"
             "\"dispatched\":0,\"expires\":0,\"fails\":9,\"finished\":0,\"nodes\":[]}]}",
        HEAD "\"requests\":[" REQN("active", "a", "host", "On", "[0]", "") "]}",
        /* Above SB_NODES_MAX: never a node (one above --nodes is left out, see below). */
        HEAD "\"requests\":[" REQN("active", "a", "host", "On", "[16385]", "") "]}",
        HEAD "\"requests\":[{\"phase\":\"active\",\"id\":\"a\",\"target\":\"host\",\"transition\":"
             "\"On\","
             "\"reason\":\"\",\"reply_topic\":\"\",\"correlation\":\"\",\"order\":1,\"queued\":5,"
             "\"dispatched\":6,\"expires\":0,\"fails\":9,\"finished\":0,\"nodes\":[\"1\"]}]}",
        HEAD "\"requests\":[{\"phase\":\"active\",\"id\":\"a\",\"target\":\"host\",\"transition\":"
             "\"On\","
             "\"reason\":\"\",\"reply_topic\":\"\",\"correlation\":\"\",\"order\":1,\"queued\":5,"
             "\"dispatched\":6,\"expires\":0,\"fails\":9,\"finished\":0,\"nodes\":[2,2]}]}",
        HEAD
        "\"requests\":[{\"phase\":\"active\",\"id\":\"a\",\"target\":\"host\",\"transition\":"
        "\"On\","
        "\"reason\":\"\\u0001\",\"reply_topic\":\"\",\"correlation\":\"\",\"order\":1,\"queued\":5,"
        "\"dispatched\":6,\"expires\":0,\"fails\":9,\"finished\":0,\"nodes\":[]}]}",
        HEAD "\"requests\":[{\"phase\":\"active\",\"id\":\"a\",\"target\":\"host\",\"transition\":"
             "\"On\","
             "\"reason\":\"\xff\xfe\",\"reply_topic\":\"\",\"correlation\":\"\",\"order\":1,"
             "\"queued\":5,"
             "\"dispatched\":6,\"expires\":0,\"fails\":9,\"finished\":0,\"nodes\":[]}]}",
        HEAD
        "\"requests\":[{\"phase\":\"active\",\"id\":\"a\",\"target\":\"host\",\"transition\":"
        "\"On\","
        "\"reason\":\"\",\"reply_topic\":\"x/#\",\"correlation\":\"\",\"order\":1,\"queued\":5,"
        "\"dispatched\":6,\"expires\":0,\"fails\":9,\"finished\":0,\"nodes\":[]}]}",
        HEAD
        "\"requests\":[{\"phase\":\"active\",\"id\":\"a\",\"target\":\"host\",\"transition\":"
        "\"On\","
        "\"reason\":\"\",\"reply_topic\":\"\",\"correlation\":\"abc\",\"order\":1,\"queued\":5,"
        "\"dispatched\":6,\"expires\":0,\"fails\":9,\"finished\":0,\"nodes\":[]}]}",
        HEAD "\"requests\":[{\"phase\":\"active\",\"id\":\"a\",\"target\":\"host\",\"transition\":"
             "\"On\","
             "\"reason\":\"\",\"reply_topic\":\"\",\"correlation\":\"zz\",\"order\":1,\"queued\":5,"
             "\"dispatched\":6,\"expires\":0,\"fails\":9,\"finished\":0,\"nodes\":[]}]}",
        HEAD "\"requests\":[{\"phase\":\"active\",\"id\":\"a\",\"target\":\"host\",\"transition\":"
             "\"On\"}]}",
    };
    static const char valid[] = HEAD "\"requests\":[" REQ("pending", "a", "host", "On", "") "]}";
    Harness *h = rich_state(), *control;
    size_t big_len = coord_snapshot_size_max(h->c) + 1;
    char *json, *big;
    int len;

    (void) state;
    /* The rows below differ from this valid one in one thing each. */
    control = restored(&h->cfg, valid, (int) strlen(valid), 1);
    assert_int_equal(stats(control).requests_pending, 1);
    harness_free(control);
    expect_corrupt("", 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_corrupt(bad[i], strlen(bad[i]));
    }
    /* Far too large, even if it were valid. */
    big = malloc(big_len);
    assert_non_null(big);
    memset(big, ' ', big_len);
    memcpy(big, valid, strlen(valid));
    expect_corrupt(big, big_len);
    free(big);
    /* A snapshot cut short by a crash: every prefix is refused. */
    json = snapshot_of(h, &len);
    for (int cut = 0; cut < len; cut++) {
        expect_corrupt(json, (size_t) cut);
    }
    free(json);
    harness_free(h);
}

/* The codecs' strictness (issue #14): a repeated key, at the top or inside a record, and bytes
 * after the value make the file corrupt, as a file that is not JSON already does. */
static void test_snapshot_repeated_key_or_trailing_bytes_refused(void **state)
{
    static const char valid[] = HEAD "\"requests\":[" REQ("pending", "p1", "host", "On", "") "]}";
    static const char *const bad[] = {
        HEAD "\"epoch\":4,\"requests\":[]}",
        HEAD "\"requests\":[],\"requests\":[]}",
        HEAD "\"requests\":[" REQ("pending", "p1", "host", "On", ",\"id\":\"p2\"") "]}",
        HEAD "\"requests\":[],\"settings\":{\"power-restore-delay\":0,\"power-restore-delay\":5}}",
        HEAD "\"requests\":[]}x",
        HEAD "\"requests\":[]}{}",
        HEAD "\"requests\":[]}\n0",
        HEAD "\"requests\":[],\"x\":\"\\u0000\"}",
    };
    CoordConfig cfg = harness_config(3);
    char spaced[sizeof(valid) + 2];
    Harness *h;

    (void) state;
    h = restored(&cfg, valid, (int) strlen(valid), 1);
    assert_int_equal(stats(h).requests_pending, 1);
    harness_free(h);
    /* White space after the value is still fine (an editor's final newline). */
    (void) snprintf(spaced, sizeof(spaced), "%s\n", valid);
    h = restored(&cfg, spaced, (int) strlen(spaced), 1);
    harness_free(h);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_corrupt(bad[i], strlen(bad[i]));
    }
}

/* A v1 state.json as the coordinator wrote it before the strict reader (stored in data/): it
 * still restores, whole. */
static void test_snapshot_stored_v1_file_restores(void **state)
{
    CoordConfig cfg = harness_config(4);
    FILE *f = fopen(STATE_V1_PATH, "rb");
    char json[8192], *again;
    size_t len;
    int again_len;
    Harness *h;
    CoordStats st;

    (void) state;
    assert_non_null(f);
    len = fread(json, 1, sizeof(json), f);
    (void) fclose(f);
    assert_true(len > 0 && len < sizeof(json));
    cfg.allow_partial = true;
    h = restored(&cfg, json, (int) len, 1700000000000);
    st = stats(h);
    assert_int_equal(st.requests_pending, 1);
    assert_int_equal(st.requests_active, 2);
    assert_int_equal(coord_last_requested(h->c, SB_TARGET_CHASSIS), SB_TRANSITION_POWER_CYCLE);
    assert_int_equal(coord_last_requested(h->c, SB_TARGET_HOST), SB_TRANSITION_REBOOT);
    /* Encoded again it is the same file (without the final newline). */
    again = snapshot_of(h, &again_len);
    assert_int_equal((size_t) again_len + 1, len);
    assert_memory_equal(again, json, (size_t) again_len);
    free(again);
    harness_free(h);
}

/* A v1 state.json with a power restore waiting for its delay, as the coordinator wrote it before
 * the delayed action became a request (issue #14; stored in data/): the waiting action is read
 * into a delayed request, which keeps its id, nodes, reason and due time, is listed in
 * system/requests, is written back as a request record, and goes out at its time. */
static void test_snapshot_stored_v1_delayed_power_restore(void **state)
{
    CoordConfig cfg = harness_config(4);
    FILE *f = fopen(STATE_V1_POWER_RESTORE_PATH, "rb");
    char json[8192], *again;
    const CoordAction *d;
    uint32_t nodes[8];
    SbRequestsMsg m;
    size_t len;
    int again_len;
    Harness *h;

    (void) state;
    assert_non_null(f);
    len = fread(json, 1, sizeof(json), f);
    (void) fclose(f);
    assert_true(len > 0 && len < sizeof(json));
    assert_non_null(strstr(json, "\"pending\":{\"id\":\"power-restore-1\""));
    cfg.node_restore = COORD_NODE_RESTORE_REJOIN;
    h = restored(&cfg, json, (int) len, 1700000300000);
    assert_int_equal(stats(h).requests_pending, 1);
    assert_int_equal(coord_requests_build(h->c, h->now_ms, &m), 0);
    assert_int_equal(m.n_requests, 2); /* the delayed one and the last (on-1) */
    assert_int_equal(m.requests[0].phase, SB_REQUEST_PENDING);
    assert_string_equal(m.requests[0].id, "power-restore-1");
    assert_true(m.requests[0].not_before_ms == 1700000600000);
    assert_true(m.requests[0].since_ms == 1700000000000);
    assert_string_equal(m.requests[0].why,
                        "power-restore-delay: waits 600 s from its decision, then enters the gate");

    /* Written back: a request record with its not-before time, no "pending" object. */
    again = snapshot_of(h, &again_len);
    assert_null(strstr(again, "\"pending\":{"));
    assert_non_null(strstr(again, "{\"phase\":\"pending\",\"id\":\"power-restore-1\",\"target\":"
                                  "\"host\",\"transition\":\"On\",\"reason\":\"PowerPolicy"
                                  "PreviousState: power restore after a node-local AC loss\""));
    assert_non_null(strstr(again, "\"not_before\":1700000600000,\"nodes\":[2,3,4]}"));
    free(again);

    harness_run(h, "connect");
    harness_run(h, "birth 1-4 chassis=On host=Running");
    harness_run(h, "advance 299000");
    assert_int_equal(harness_count(h, COORD_ACT_DISPATCH), 0);
    harness_run(h, "advance 1000");
    assert_non_null(harness_find_event(h, SB_EVENT_POWER_RESTORE, "power-restore-1"));
    d = harness_find_dispatch(h, SB_TARGET_HOST);
    assert_non_null(d);
    assert_string_equal(d->command.id, "power-restore-1");
    assert_int_equal(harness_dispatch_nodes(h, d, nodes, 8), 3);
    assert_int_equal(nodes[0], 2);
    assert_int_equal(nodes[2], 4);
    harness_free(h);
}

/* Flipped bytes: refused or accepted, never a crash, and what is accepted encodes again. */
static void test_snapshot_mutations_never_crash(void **state)
{
    static const char replacements[] = { '0', '9', '"', '{', '}',  '[',   ']',
                                         ',', ':', '-', 'x', '\0', '\x80' };
    Harness *base = rich_state();
    CoordConfig cfg = base->cfg;
    char *json, *copy, *out;
    size_t out_size;
    int len;

    (void) state;
    json = snapshot_of(base, &len);
    copy = malloc((size_t) len);
    out_size = coord_snapshot_size_max(base->c);
    out = malloc(out_size);
    assert_non_null(copy);
    assert_non_null(out);
    for (int pos = 0; pos < len; pos++) {
        for (size_t k = 0; k < sizeof(replacements); k++) {
            Coord *c = NULL;
            const char *why = NULL;
            int r;

            memcpy(copy, json, (size_t) len);
            copy[pos] = replacements[k];
            assert_int_equal(coord_new(&cfg, &c), 0);
            r = coord_snapshot_restore(c, copy, (size_t) len, 1, &why);
            assert_true(r == 0 || r == -EBADMSG);
            assert_true(coord_snapshot_encode(c, out, out_size) > 0);
            c = coord_free(c);
        }
    }
    free(out);
    free(copy);
    free(json);
    harness_free(base);
}

static void test_snapshot_misuse(void **state)
{
    CoordConfig cfg = harness_config(2);
    Harness *h = harness_new(&cfg);
    const char *why = NULL;
    static const char empty[] = "{\"v\":1,\"epoch\":7,\"id_counter\":0,\"order_counter\":0,"
                                "\"requested\":{},\"requests\":[]}";
    char tiny[16];

    (void) state;
    assert_int_equal(coord_snapshot_restore(h->c, empty, strlen(empty), 1, &why), 0);
    assert_int_equal(coord_epoch(h->c), 7);
    harness_run(h, "connect");
    /* The epoch continues from the snapshot. */
    assert_int_equal(coord_epoch(h->c), 8);
    /* Once, before the first event. */
    assert_int_equal(coord_snapshot_restore(h->c, empty, strlen(empty), 1, &why), -EBUSY);
    assert_int_equal(coord_snapshot_encode(h->c, tiny, sizeof(tiny)), -ENOSPC);
    harness_free(h);
}

/* Settings and power restore (issue #4): round trip, older snapshots, corrupt parts refused. */
static void test_snapshot_power_restore_parts(void **state)
{
    static const char old_format[] = "{\"v\":1,\"epoch\":3,\"id_counter\":1,\"order_counter\":2,"
                                     "\"requested\":{\"chassis\":\"On\"},\"requests\":[]}";
    static const char *const bad_parts[] = {
        HEAD "\"requests\":[],\"settings\":[]}",
        HEAD "\"requests\":[],\"settings\":{\"power-restore-policy\":\"Sometimes\","
             "\"power-restore-delay\":0,\"power-restore-one-time\":\"None\","
             "\"scheduled-transition\":null}}",
        HEAD "\"requests\":[],\"settings\":{\"power-restore-policy\":\"AlwaysOn\","
             "\"power-restore-delay\":86401,\"power-restore-one-time\":\"None\","
             "\"scheduled-transition\":null}}",
        HEAD "\"requests\":[],\"settings\":{\"power-restore-policy\":\"AlwaysOn\","
             "\"power-restore-delay\":0,\"power-restore-one-time\":\"None\"}}",
        HEAD "\"requests\":[],\"settings\":{\"power-restore-policy\":\"AlwaysOn\","
             "\"power-restore-delay\":0,\"power-restore-one-time\":\"None\","
             "\"scheduled-transition\":{\"time\":5,\"transition\":\"PowerCycle\"}}}",
        HEAD "\"requests\":[],\"requested_last\":\"host\"}",
        HEAD "\"requests\":[],\"requested_last\":\"bmc\"}",
        HEAD "\"requests\":[],\"power_restore\":{\"decided_boot\":-1,\"counter\":0}}",
        HEAD "\"requests\":[],\"power_restore\":{\"decided_boot\":1,\"counter\":0,\"pending\":"
             "{\"id\":\"p 1\",\"target\":\"host\",\"transition\":\"On\",\"reason\":\"\","
             "\"due\":5,\"nodes\":[]}}}",
        HEAD "\"requests\":[],\"power_restore\":{\"decided_boot\":1,\"counter\":0,\"pending\":"
             "{\"id\":\"p1\",\"target\":\"bmc\",\"transition\":\"Reboot\",\"reason\":\"\","
             "\"due\":5,\"nodes\":[]}}}",
        HEAD "\"requests\":[],\"power_restore\":{\"decided_boot\":1,\"counter\":0,\"pending\":"
             "{\"id\":\"p1\",\"target\":\"host\",\"transition\":\"On\",\"reason\":\"\","
             "\"due\":5,\"nodes\":[16385]}}}",
        HEAD "\"requests\":[],\"power_restore\":{\"decided_boot\":1,\"counter\":0,\"last\":"
             "{\"time\":1,\"loss_id\":1,\"policy\":\"None\",\"one_time\":0,\"system_wide\":true,"
             "\"why\":\"x\",\"nodes\":[],\"nodes_omitted\":0,\"delay\":0,\"due\":0}}}",
        HEAD "\"requests\":[],\"power_restore\":{\"decided_boot\":1,\"counter\":0,\"last\":"
             "{\"time\":1,\"loss_id\":1,\"policy\":\"None\",\"one_time\":false,"
             "\"system_wide\":true,\"action\":\"On\",\"why\":\"x\",\"nodes\":[],"
             "\"nodes_omitted\":0,\"delay\":0,\"due\":0}}}",
        HEAD "\"requests\":[],\"power_restore\":{\"decided_boot\":1,\"counter\":0,\"last\":"
             "{\"time\":1,\"loss_id\":1,\"policy\":\"None\",\"one_time\":false,"
             "\"system_wide\":true,\"why\":\"\\u0007\",\"nodes\":[],\"nodes_omitted\":0,"
             "\"delay\":0,\"due\":0}}}",
    };
    CoordConfig cfg = harness_config(3);
    Harness *h = harness_new(&cfg), *h2;
    SbPowerRestoreMsg a, b;
    char *json, *json2;
    int len, len2;
    SbSettingValue v;

    (void) state;
    harness_bring_up(h);
    harness_run(h, "setting power-restore-policy AlwaysOn");
    harness_run(h, "setting power-restore-delay 30");
    harness_run(h, "setting power-restore-one-time Restore");
    harness_run(h, "request chassis On id=c1");
    harness_run(h, "request host On id=h1");
    harness_run(h, "birth 1-3 bmc=NotReady ac_loss=1 bmc_boot=now");
    harness_run(h, "state 1 bmc Ready");
    harness_run(h, "state 2 bmc Ready");
    harness_run(h, "state 3 bmc Ready");
    assert_int_equal(coord_power_restore_build(h->c, &a), 0);
    assert_true(a.due_ms > h->now_ms);
    json = snapshot_of(h, &len);
    h2 = restored(&cfg, json, len, h->now_ms);
    json2 = snapshot_of(h2, &len2);
    assert_string_equal(json, json2);
    assert_int_equal(coord_power_restore_build(h2->c, &b), 0);
    assert_string_equal(a.why, b.why);
    assert_true(a.due_ms == b.due_ms && a.loss_id == b.loss_id);
    assert_int_equal(coord_last_requested_target(h2->c), SB_TARGET_HOST);
    assert_int_equal(coord_setting_build(h2->c, SB_SETTING_POWER_RESTORE_DELAY, &v), 0);
    assert_int_equal(v.delay_s, 30);
    free(json);
    free(json2);
    harness_free(h);
    harness_free(h2);

    /* A snapshot from before issue #4: defaults, and the requested target is derived. */
    h = restored(&cfg, old_format, (int) strlen(old_format), 1);
    assert_int_equal(coord_last_requested_target(h->c), SB_TARGET_CHASSIS);
    assert_int_equal(coord_setting_build(h->c, SB_SETTING_POWER_RESTORE_POLICY, &v), 0);
    assert_int_equal(v.policy, SB_POLICY_ALWAYS_OFF);
    assert_int_equal(coord_power_restore_build(h->c, &a), -ENOENT);
    harness_free(h);
    for (size_t i = 0; i < sizeof(bad_parts) / sizeof(bad_parts[0]); i++) {
        expect_corrupt(bad_parts[i], strlen(bad_parts[i]));
    }
}

/* The largest power-restore part: a delayed rejoin of 256 nodes. */
static void test_snapshot_power_restore_size_bound(void **state)
{
    CoordConfig cfg = harness_config(HARNESS_NODES_MAX);
    char input[160];
    Harness *h;
    char *json;
    int len;

    (void) state;
    cfg.node_restore = COORD_NODE_RESTORE_REJOIN;
    h = harness_new(&cfg);
    harness_run(h, "connect");
    (void) snprintf(input, sizeof(input), "birth 1-%u chassis=On host=Running", HARNESS_NODES_MAX);
    harness_run(h, input);
    harness_run(h, "request host On id=on");
    harness_run(h, "setting power-restore-delay 86400");
    (void) snprintf(input, sizeof(input),
                    "birth 2-%u bmc=NotReady chassis=Off host=Off ac_loss=1 "
                    "bmc_boot=now",
                    HARNESS_NODES_MAX);
    harness_run(h, input);
    for (uint32_t n = 2; n <= HARNESS_NODES_MAX; n++) {
        (void) snprintf(input, sizeof(input), "state %u bmc Ready", n);
        harness_run(h, input);
    }
    assert_int_equal(coord_power_restore_build(h->c, &(SbPowerRestoreMsg){ 0 }), 0);
    json = snapshot_of(h, &len);
    assert_non_null(strstr(json, "\"pending\""));
    assert_true((size_t) len < coord_snapshot_size_max(h->c));
    free(json);
    harness_free(h);
}

/* The largest durable state fits in coord_snapshot_size_max(). */
static void test_snapshot_size_bound(void **state)
{
    CoordConfig cfg = harness_config(SB_NODES_MAX);
    uint32_t nodes[SB_COMMAND_NODES_MAX];
    char reason[SB_REASON_MAX + 1], topic[SB_TOPIC_MAX + 1], id[SB_ID_MAX + 1];
    static const struct {
        SbTarget target;
        SbTransition transition;
    } order[] = {
        { SB_TARGET_CHASSIS, SB_TRANSITION_ON },  { SB_TARGET_HOST, SB_TRANSITION_ON },
        { SB_TARGET_BMC, SB_TRANSITION_REBOOT },  { SB_TARGET_CHASSIS, SB_TRANSITION_POWER_CYCLE },
        { SB_TARGET_HOST, SB_TRANSITION_REBOOT }, { SB_TARGET_BMC, SB_TRANSITION_HARD_REBOOT },
    };
    CoordStats st;
    Harness *h;
    char *json;
    int len;

    (void) state;
    cfg.allow_partial = true;
    h = harness_new(&cfg);
    harness_run(h, "connect");
    for (uint32_t n = 1; n <= SB_NODES_MAX; n++) {
        CoordEvent ev = { .kind = COORD_EV_NODE_STATE, .node = n };

        ev.state = (SbStateMsg){ .kind = SB_KIND_BMC,
                                 .node = n,
                                 .state = SB_BMC_READY,
                                 .epoch = 9,
                                 .seq = 1 };
        harness_feed(h, &ev);
        ev.kind = COORD_EV_NODE_STATUS;
        ev.status = (SbStatusMsg){ .status = SB_STATUS_ONLINE, .epoch = 9, .node = n };
        harness_feed(h, &ev);
    }
    for (size_t i = 0; i < SB_COMMAND_NODES_MAX; i++) {
        nodes[i] = SB_NODES_MAX - (uint32_t) i;
    }
    memset(reason, '"', SB_REASON_MAX);
    reason[SB_REASON_MAX] = '\0';
    memset(topic, '\\', SB_TOPIC_MAX);
    topic[SB_TOPIC_MAX] = '\0';
    /* 3 active, then 3 newer ones making them "last", then 2 queued behind a closed gate. */
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        (void) snprintf(id, sizeof(id), "%0*zu", (int) SB_ID_MAX, i);
        feed_request(h, order[i].target, order[i].transition, id, reason, topic, nodes,
                     SB_COMMAND_NODES_MAX);
    }
    harness_run(h, "state 1 bmc NotReady seq=2 epoch=9");
    for (size_t i = 0; i < 2; i++) {
        (void) snprintf(id, sizeof(id), "%0*zu", (int) SB_ID_MAX, 100 + i);
        feed_request(h, i == 0 ? SB_TARGET_CHASSIS : SB_TARGET_HOST, SB_TRANSITION_ON, id, reason,
                     topic, nodes, SB_COMMAND_NODES_MAX);
    }
    coord_stats(h->c, &st);
    assert_int_equal(st.requests_pending, 2);
    assert_int_equal(st.requests_active, 3);
    json = snapshot_of(h, &len);
    assert_true((size_t) len < coord_snapshot_size_max(h->c));
    free(json);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_restart_in_the_middle_of_a_dispatch),
        cmocka_unit_test(test_snapshot_restored_cycle_needs_a_later_since),
        cmocka_unit_test(test_snapshot_queued_request_survives_with_its_expiry),
        cmocka_unit_test(test_snapshot_restored_active_fails_at_its_deadline),
        cmocka_unit_test(test_snapshot_round_trip),
        cmocka_unit_test(test_snapshot_partial_active_keeps_its_nodes),
        cmocka_unit_test(test_snapshot_nodes_above_a_smaller_system_are_left_out),
        cmocka_unit_test(test_snapshot_corrupt_refused),
        cmocka_unit_test(test_snapshot_repeated_key_or_trailing_bytes_refused),
        cmocka_unit_test(test_snapshot_stored_v1_file_restores),
        cmocka_unit_test(test_snapshot_stored_v1_delayed_power_restore),
        cmocka_unit_test(test_snapshot_mutations_never_crash),
        cmocka_unit_test(test_snapshot_misuse),
        cmocka_unit_test(test_snapshot_size_bound),
        cmocka_unit_test(test_snapshot_power_restore_parts),
        cmocka_unit_test(test_snapshot_power_restore_size_bound),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
