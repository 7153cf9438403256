/* SPDX-License-Identifier: Apache-2.0 */
/* <root>/system/requests: the gate and the pending, active and last requests. */
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
#include <stdlib.h>
#include <string.h>

#include "statebus/payload.h"

#include "payload-test-util.h"

#define REQUESTS_VALID                                                                    \
    "{\"v\":1,\"gate\":\"closed\",\"not_ready\":2,\"waiting_for\":[2,4],"                 \
    "\"pending\":[{\"id\":\"r2\",\"target\":\"host\",\"transition\":\"On\","              \
    "\"since\":1700000000000,\"deadline\":1700000600000,"                                 \
    "\"why\":\"waiting for BMC Ready on nodes 2,4\",\"nodes\":[2,4]}],"                   \
    "\"active\":[{\"id\":\"r1\",\"target\":\"chassis\",\"transition\":\"PowerCycle\","    \
    "\"since\":1699999990000,\"why\":\"dispatched\",\"nodes\":[1],\"nodes_omitted\":3}]," \
    "\"last\":[{\"id\":\"r0\",\"target\":\"bmc\",\"transition\":\"Reboot\","              \
    "\"since\":1699999980000,\"why\":\"every node reached Ready\",\"nodes\":[],"          \
    "\"result\":\"completed\"}],\"time\":1700000000001}"

static SbRequestsMsg decoded;

static int decode_requests(const void *p, size_t len, const char **why)
{
    return sb_requests_decode(p, len, &decoded, why);
}

static SbRequestInfo request(SbRequestPhase phase,
                             const char *id,
                             SbTarget target,
                             SbTransition transition,
                             uint64_t since,
                             const char *why)
{
    SbRequestInfo q = { .phase = phase,
                        .target = target,
                        .transition = transition,
                        .since_ms = since };

    (void) snprintf(q.id, sizeof(q.id), "%s", id);
    (void) snprintf(q.why, sizeof(q.why), "%s", why);
    return q;
}

static SbRequestsMsg sample(void)
{
    SbRequestsMsg m = { .gate_open = false,
                        .not_ready = 2,
                        .waiting_for = { 2, 4 },
                        .n_waiting_for = 2,
                        .n_requests = 3,
                        .time_ms = 1700000000001 };

    /* Given out of phase order: the encoder groups them. */
    m.requests[0] = request(SB_REQUEST_DONE, "r0", SB_TARGET_BMC, SB_TRANSITION_REBOOT,
                            1699999980000, "every node reached Ready");
    m.requests[0].result = SB_EVENT_COMPLETED;
    m.requests[1] = request(SB_REQUEST_PENDING, "r2", SB_TARGET_HOST, SB_TRANSITION_ON,
                            1700000000000, "waiting for BMC Ready on nodes 2,4");
    m.requests[1].deadline_ms = 1700000600000;
    m.requests[1].nodes[0] = 2;
    m.requests[1].nodes[1] = 4;
    m.requests[1].n_nodes = 2;
    m.requests[2] = request(SB_REQUEST_ACTIVE, "r1", SB_TARGET_CHASSIS, SB_TRANSITION_POWER_CYCLE,
                            1699999990000, "dispatched");
    m.requests[2].nodes[0] = 1;
    m.requests[2].n_nodes = 1;
    m.requests[2].nodes_omitted = 3;
    return m;
}

static void assert_request_equal(const SbRequestInfo *a, const SbRequestInfo *b)
{
    assert_int_equal(a->phase, b->phase);
    assert_string_equal(a->id, b->id);
    assert_int_equal(a->target, b->target);
    assert_int_equal(a->transition, b->transition);
    assert_true(a->since_ms == b->since_ms && a->deadline_ms == b->deadline_ms);
    assert_int_equal(a->result, b->result);
    assert_string_equal(a->why, b->why);
    assert_int_equal(a->n_nodes, b->n_nodes);
    assert_memory_equal(a->nodes, b->nodes, a->n_nodes * sizeof(a->nodes[0]));
    assert_int_equal(a->nodes_omitted, b->nodes_omitted);
}

static int encode_decode(const SbRequestsMsg *m, char *first)
{
    int n = sb_requests_encode(m, first, SB_PAYLOAD_MAX + 1);

    assert_true(n > 0);
    memset(&decoded, 0, sizeof(decoded));
    assert_int_equal(test_decode_n(decode_requests, first, (size_t) n, NULL), 0);
    assert_int_equal(decoded.gate_open, m->gate_open);
    assert_int_equal(decoded.not_ready, m->not_ready);
    assert_int_equal(decoded.n_waiting_for, m->n_waiting_for);
    assert_memory_equal(decoded.waiting_for, m->waiting_for,
                        m->n_waiting_for * sizeof(m->waiting_for[0]));
    assert_int_equal(decoded.n_requests, m->n_requests);
    assert_true(decoded.time_ms == m->time_ms);
    return n;
}

static void test_requests_round_trip(void **state)
{
    char first[SB_PAYLOAD_MAX + 1], second[SB_PAYLOAD_MAX + 1];
    SbRequestsMsg m = sample();
    int n;

    (void) state;
    n = encode_decode(&m, first);
    assert_string_equal(first, REQUESTS_VALID);
    /* Decoded grouped by phase: pending, active, last. */
    assert_request_equal(&decoded.requests[0], &m.requests[1]);
    assert_request_equal(&decoded.requests[1], &m.requests[2]);
    assert_request_equal(&decoded.requests[2], &m.requests[0]);
    assert_int_equal(sb_requests_encode(&decoded, second, sizeof(second)), n);
    assert_string_equal(first, second);

    /* Nothing pending: the gate open, every list present and empty. */
    m = (SbRequestsMsg){ .gate_open = true, .time_ms = 5 };
    (void) encode_decode(&m, first);
    assert_string_equal(first, "{\"v\":1,\"gate\":\"open\",\"not_ready\":0,\"waiting_for\":[],"
                               "\"pending\":[],\"active\":[],\"last\":[],\"time\":5}");
    /* Every way a request ends. */
    for (SbEventKind r = SB_EVENT_ACCEPTED; r < SB_EVENT_COUNT; r++) {
        bool ends = r == SB_EVENT_COMPLETED || r == SB_EVENT_FAILED || r == SB_EVENT_EXPIRED ||
                    r == SB_EVENT_CANCELLED || r == SB_EVENT_REJECTED || r == SB_EVENT_SUPERSEDED;

        m = sample();
        m.requests[0].result = r;
        if (ends) {
            (void) encode_decode(&m, first);
            assert_int_equal(decoded.requests[2].result, r);
        } else {
            assert_int_equal(sb_requests_encode(&m, first, sizeof(first)), -EINVAL);
        }
    }
}

static void test_requests_bounds(void **state)
{
    char first[SB_PAYLOAD_MAX + 1];
    SbRequestsMsg m = { .n_requests = SB_REQUESTS_MAX, .n_waiting_for = SB_EVENT_NODES_MAX };
    char *text;

    (void) state;
    for (size_t i = 0; i < SB_REQUESTS_MAX; i++) {
        char id[16];

        (void) snprintf(id, sizeof(id), "r%zu", i);
        m.requests[i] =
                request((SbRequestPhase) (i % 3), id, SB_TARGET_HOST, SB_TRANSITION_OFF, i, "w");
        m.requests[i].result = SB_EVENT_FAILED;
    }
    for (size_t i = 0; i < SB_EVENT_NODES_MAX; i++) {
        m.waiting_for[i] = (uint32_t) (i + 1);
    }
    (void) encode_decode(&m, first);
    /* One entry more than SB_REQUESTS_MAX is refused both ways. */
    text = test_json_edit(
            first, "pending",
            "[{\"id\":\"x1\",\"target\":\"host\",\"transition\":\"On\",\"since\":1,\"why\":\"\","
            "\"nodes\":[]},{\"id\":\"x2\",\"target\":\"host\",\"transition\":\"On\",\"since\":1,"
            "\"why\":\"\",\"nodes\":[]},{\"id\":\"x3\",\"target\":\"host\",\"transition\":\"On\","
            "\"since\":1,\"why\":\"\",\"nodes\":[]},{\"id\":\"x4\",\"target\":\"host\","
            "\"transition\":\"On\",\"since\":1,\"why\":\"\",\"nodes\":[]}]");
    test_expect(decode_requests, text, -EMSGSIZE, NULL);
    free(text);
    m.n_requests = SB_REQUESTS_MAX + 1;
    assert_int_equal(sb_requests_encode(&m, first, sizeof(first)), -EINVAL);

    /* The largest content the struct holds does not fit 4096 bytes: -EMSGSIZE, not a cut. */
    m.n_requests = SB_REQUESTS_MAX;
    for (size_t i = 0; i < SB_REQUESTS_MAX; i++) {
        for (size_t k = 0; k < SB_EVENT_NODES_MAX; k++) {
            m.requests[i].nodes[k] = (uint32_t) (10000 + k);
        }
        m.requests[i].n_nodes = SB_EVENT_NODES_MAX;
        memset(m.requests[i].why, 'w', SB_WHY_MAX);
        m.requests[i].why[SB_WHY_MAX] = '\0';
    }
    assert_int_equal(sb_requests_encode(&m, first, sizeof(first)), -EMSGSIZE);
}

static void test_requests_malformed(void **state)
{
    static const char *const required[] = { "v",
                                            "gate",
                                            "not_ready",
                                            "waiting_for",
                                            "pending",
                                            "active",
                                            "last",
                                            "time",
                                            "pending/0/id",
                                            "pending/0/target",
                                            "pending/0/transition",
                                            "pending/0/since",
                                            "pending/0/why",
                                            "pending/0/nodes",
                                            "last/0/result",
                                            NULL };
    static const char *const fields[] = { "v",
                                          "gate",
                                          "not_ready",
                                          "waiting_for",
                                          "pending",
                                          "active",
                                          "last",
                                          "time",
                                          "pending/0/id",
                                          "pending/0/target",
                                          "pending/0/transition",
                                          "pending/0/since",
                                          "pending/0/deadline",
                                          "pending/0/why",
                                          "pending/0/nodes",
                                          "active/0/nodes_omitted",
                                          "last/0/result",
                                          NULL };

    (void) state;
    test_common_malformed(decode_requests, REQUESTS_VALID, "gate");
    test_common_malformed(decode_requests, REQUESTS_VALID, "active/0/id");
    test_required_fields(decode_requests, REQUESTS_VALID, required);
    test_wrong_types(decode_requests, REQUESTS_VALID, fields);
    test_integer_field(decode_requests, REQUESTS_VALID, "not_ready", 0, SB_NODES_MAX);
    test_integer_field(decode_requests, REQUESTS_VALID, "time", 0, UINT64_C(1) << 53);
    test_integer_field(decode_requests, REQUESTS_VALID, "pending/0/since", 0, UINT64_C(1) << 53);
    test_integer_field(decode_requests, REQUESTS_VALID, "pending/0/deadline", 0, UINT64_C(1) << 53);
    test_integer_field(decode_requests, REQUESTS_VALID, "active/0/nodes_omitted", 0, UINT32_MAX);
    test_text_field(decode_requests, REQUESTS_VALID, "pending/0/why", SB_WHY_MAX);
    test_text_field(decode_requests, REQUESTS_VALID, "pending/0/id", SB_ID_MAX);
}

static void expect_edit(const char *path, const char *raw, int want, const char *name)
{
    char *text = test_json_edit(REQUESTS_VALID, path, raw);

    test_expect(decode_requests, text, want, name);
    free(text);
}

static void test_requests_values(void **state)
{
    (void) state;
    expect_edit("gate", "\"open\"", 0, NULL);
    assert_true(decoded.gate_open);
    expect_edit("gate", "\"Open\"", -EBADMSG, "gate");
    expect_edit("gate", "\"half\"", -EBADMSG, "gate");
    expect_edit("gate", "\"closedclosed\"", -EBADMSG, "gate");
    expect_edit("last/0/result", "\"queued\"", -EBADMSG, "result");
    expect_edit("last/0/result", "\"bogus\"", -EBADMSG, "result");
    expect_edit("pending/0/transition", "\"PowerCycle\"", -EBADMSG, "transition");
    expect_edit("pending/0/target", "\"hypervisor\"", -EBADMSG, "target");
    expect_edit("pending/0/id", "\"\"", -EBADMSG, "id");
    expect_edit("pending/0/id", "\"a b\"", -EBADMSG, "id");
    expect_edit("pending/0/nodes", "[2,2]", -EBADMSG, "nodes");
    expect_edit("waiting_for", "[0]", -EBADMSG, "waiting_for");
    expect_edit("pending/0", "7", -EBADMSG, NULL);
    expect_edit("pending/0", "[]", -EBADMSG, NULL);
    /* "result" only matters in "last". */
    expect_edit("pending/0/why", "\"\"", 0, NULL);
    expect_edit("active/0/why", "\"x\"", 0, NULL);
    assert_int_equal(decoded.requests[1].result, SB_EVENT_NONE);
}

static void test_requests_encode_refuses_invalid(void **state)
{
    char buf[SB_PAYLOAD_MAX + 1];
    SbRequestsMsg m;

    (void) state;
    m = sample();
    m.requests[1].phase = (SbRequestPhase) 3;
    assert_int_equal(sb_requests_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.requests[1].id[0] = '\0';
    assert_int_equal(sb_requests_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.requests[1].transition = SB_TRANSITION_HARD_REBOOT; /* not a host transition */
    assert_int_equal(sb_requests_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.requests[1].n_nodes = SB_EVENT_NODES_MAX + 1;
    assert_int_equal(sb_requests_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.waiting_for[1] = 2;
    assert_int_equal(sb_requests_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.not_ready = SB_NODES_MAX + 1;
    assert_int_equal(sb_requests_encode(&m, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(sb_requests_encode(NULL, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(sb_requests_decode(REQUESTS_VALID, 10, NULL, NULL), -EINVAL);
}

static int encode_fixed(char *buf, size_t size)
{
    SbRequestsMsg m = sample();

    return sb_requests_encode(&m, buf, size);
}

static void test_requests_encoder_overflow(void **state)
{
    (void) state;
    test_encoder_bounds(encode_fixed, REQUESTS_VALID);
}

/* A delayed pending request (a power restore waiting for power-restore-delay) carries
 * "not_before"; only a pending entry may. */
static void test_requests_not_before(void **state)
{
    char first[SB_PAYLOAD_MAX + 1];
    SbRequestsMsg m = sample();
    char *text;

    (void) state;
    m.requests[m.n_requests] = request(SB_REQUEST_PENDING, "power-restore-1", SB_TARGET_HOST,
                                       SB_TRANSITION_ON, 1700000000000, "delayed");
    m.requests[m.n_requests++].not_before_ms = 1700000030000;
    (void) encode_decode(&m, first);
    assert_non_null(strstr(first, "\"id\":\"power-restore-1\""));
    assert_non_null(strstr(first, "\"not_before\":1700000030000"));
    assert_true(decoded.requests[1].not_before_ms == 1700000030000);
    assert_true(decoded.requests[0].not_before_ms == 0);

    m.requests[0].not_before_ms = 5; /* on a finished one */
    assert_int_equal(sb_requests_encode(&m, first, sizeof(first)), -EINVAL);
    text = test_json_edit(REQUESTS_VALID, "active",
                          "[{\"id\":\"r1\",\"target\":\"chassis\",\"transition\":\"On\","
                          "\"since\":1,\"why\":\"\",\"nodes\":[],\"not_before\":5}]");
    test_expect(decode_requests, text, -EBADMSG, NULL);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests_round_trip),
        cmocka_unit_test(test_requests_bounds),
        cmocka_unit_test(test_requests_not_before),
        cmocka_unit_test(test_requests_malformed),
        cmocka_unit_test(test_requests_values),
        cmocka_unit_test(test_requests_encode_refuses_invalid),
        cmocka_unit_test(test_requests_encoder_overflow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
