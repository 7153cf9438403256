/* SPDX-License-Identifier: Apache-2.0 */
/* Rollup objects (instance 0) on <root>/system/<kind>. */
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

#define ROLLUP_VALID                                                                             \
    "{\"v\":1,\"node\":0,\"state\":\"NotReady\",\"code\":2,\"since\":1700000000000,\"epoch\":5," \
    "\"seq\":9,\"expected\":4,\"nodes\":{\"1\":\"Ready\",\"2\":\"NotReady\",\"3\":\"Unknown\","  \
    "\"4\":\"Ready\"},\"counts\":{\"Unknown\":1,\"Ready\":2,\"NotReady\":1},\"stale\":[3],"      \
    "\"mixed\":true}"
#define ROLLUP_NO_CODE                                                             \
    "{\"v\":1,\"state\":\"Off\",\"since\":1,\"epoch\":5,\"seq\":9,\"expected\":2," \
    "\"nodes\":{\"1\":\"Off\",\"2\":\"Off\"},\"counts\":{\"Off\":2},\"stale\":[],\"mixed\":false}"

static SbRollupMsg decoded;

static int decode_bmc(const void *p, size_t len, const char **why)
{
    return sb_rollup_decode(p, len, SB_KIND_BMC, &decoded, why);
}

static int decode_host(const void *p, size_t len, const char **why)
{
    return sb_rollup_decode(p, len, SB_KIND_HOST, &decoded, why);
}

static int decode_hypervisor(const void *p, size_t len, const char **why)
{
    return sb_rollup_decode(p, len, SB_KIND_HYPERVISOR, &decoded, why);
}

static int decode_chassis(const void *p, size_t len, const char **why)
{
    return sb_rollup_decode(p, len, SB_KIND_CHASSIS, &decoded, why);
}

static int decode_boot(const void *p, size_t len, const char **why)
{
    return sb_rollup_decode(p, len, SB_KIND_BOOT_PROGRESS, &decoded, why);
}

static SbRollupMsg sample(void)
{
    SbRollupMsg m = { .kind = SB_KIND_BMC,
                      .state = SB_BMC_NOT_READY,
                      .since_ms = 1700000000000,
                      .epoch = 5,
                      .seq = 9,
                      .expected = 4,
                      .nodes = { { 1, SB_BMC_READY },
                                 { 2, SB_BMC_NOT_READY },
                                 { 3, SB_BMC_UNKNOWN },
                                 { 4, SB_BMC_READY } },
                      .n_nodes = 4,
                      .stale = { 3 },
                      .n_stale = 1,
                      .mixed = true };

    m.counts[SB_BMC_UNKNOWN] = 1;
    m.counts[SB_BMC_READY] = 2;
    m.counts[SB_BMC_NOT_READY] = 1;
    return m;
}

static TestDecodeFn decoder_of(SbStateKind kind)
{
    static const TestDecodeFn decoders[] = {
        [SB_KIND_BMC] = decode_bmc,
        [SB_KIND_CHASSIS] = decode_chassis,
        [SB_KIND_HOST] = decode_host,
        [SB_KIND_BOOT_PROGRESS] = decode_boot,
        [SB_KIND_HYPERVISOR] = decode_hypervisor,
    };

    return decoders[kind];
}

static void round_trip(const SbRollupMsg *m, const char *want)
{
    char first[SB_PAYLOAD_MAX + 1], second[SB_PAYLOAD_MAX + 1];
    int n = sb_rollup_encode(m, first, sizeof(first));

    assert_true(n > 0);
    if (want) {
        assert_string_equal(first, want);
    }
    memset(&decoded, 0, sizeof(decoded));
    assert_int_equal(test_decode_n(decoder_of(m->kind), first, (size_t) n, NULL), 0);
    assert_int_equal(decoded.kind, m->kind);
    assert_int_equal(decoded.state, m->state);
    assert_true(decoded.since_ms == m->since_ms && decoded.epoch == m->epoch);
    assert_true(decoded.seq == m->seq);
    assert_int_equal(decoded.expected, m->expected);
    assert_int_equal(decoded.n_nodes, m->n_nodes);
    for (size_t i = 0; i < m->n_nodes; i++) {
        assert_int_equal(decoded.nodes[i].node, m->nodes[i].node);
        assert_int_equal(decoded.nodes[i].state, m->nodes[i].state);
    }
    assert_int_equal(decoded.nodes_omitted, m->nodes_omitted);
    assert_memory_equal(decoded.counts, m->counts, sizeof(m->counts));
    assert_int_equal(decoded.n_stale, m->n_stale);
    assert_memory_equal(decoded.stale, m->stale, m->n_stale * sizeof(m->stale[0]));
    assert_int_equal(decoded.stale_omitted, m->stale_omitted);
    assert_int_equal(decoded.mixed, m->mixed);
    assert_int_equal(sb_rollup_encode(&decoded, second, sizeof(second)), n);
    assert_string_equal(first, second);
}

static void test_rollup_round_trip(void **state)
{
    SbRollupMsg m = sample();

    (void) state;
    round_trip(&m, ROLLUP_VALID);
    /* "Unknown" as the system's state: an expected node never heard from. */
    m = (SbRollupMsg){ .kind = SB_KIND_HOST, .expected = 1, .nodes = { { 1, 0 } }, .n_nodes = 1 };
    m.counts[0] = 1;
    round_trip(&m, "{\"v\":1,\"node\":0,\"state\":\"Unknown\",\"code\":0,\"since\":0,\"epoch\":0,"
                   "\"seq\":0,\"expected\":1,\"nodes\":{\"1\":\"Unknown\"},"
                   "\"counts\":{\"Unknown\":1},\"stale\":[],\"mixed\":false}");
    /* Every kind and every value. */
    for (int k = 0; k < SB_KIND_COUNT; k++) {
        int count = sb_enum_count(sb_state_kind_enum((SbStateKind) k));

        for (int v = 0; v < count; v++) {
            m = (SbRollupMsg){ .kind = (SbStateKind) k,
                               .state = v,
                               .expected = 2,
                               .nodes = { { 16384, v }, { 1, count - 1 } },
                               .n_nodes = 2,
                               .mixed = true };
            m.counts[v] += 1;
            m.counts[count - 1] += 1;
            round_trip(&m, NULL);
        }
    }
}

static void test_rollup_large_system(void **state)
{
    SbRollupMsg m = { .kind = SB_KIND_BOOT_PROGRESS,
                      .state = SB_BOOT_UNSPECIFIED,
                      .since_ms = UINT64_C(1) << 53,
                      .epoch = UINT64_C(1) << 53,
                      .seq = UINT64_C(1) << 53,
                      .expected = SB_NODES_MAX,
                      .n_nodes = SB_ROLLUP_NODES_MAX,
                      .nodes_omitted = SB_NODES_MAX - SB_ROLLUP_NODES_MAX,
                      .n_stale = SB_ROLLUP_NODES_MAX,
                      .stale_omitted = 100,
                      .mixed = true };

    (void) state;
    /* The worst case the coordinator can build: 64 listed nodes with the longest names, 64
     * stale nodes, every count set. It must fit 4096 bytes. */
    for (size_t i = 0; i < SB_ROLLUP_NODES_MAX; i++) {
        m.nodes[i] = (SbRollupNode){ (uint32_t) (16384 - i), SB_BOOT_SYSTEM_INIT_COMPLETE };
        m.stale[i] = (uint32_t) (10000 + i);
    }
    for (int v = 0; v < SB_BOOT_COUNT; v++) {
        m.counts[v] = 1000 + (uint32_t) v;
    }
    round_trip(&m, NULL);
}

static void test_rollup_malformed(void **state)
{
    static const char *const required[] = { "v",     "state",  "since", "epoch", "seq", "expected",
                                            "nodes", "counts", "stale", "mixed", NULL };
    static const char *const fields[] = { "v",     "node",  "state",    "code",  "since",
                                          "epoch", "seq",   "expected", "nodes", "counts",
                                          "stale", "mixed", NULL };

    (void) state;
    test_common_malformed(decode_bmc, ROLLUP_VALID, "nodes");
    test_required_fields(decode_bmc, ROLLUP_VALID, required);
    test_wrong_types(decode_bmc, ROLLUP_VALID, fields);
    test_integer_field(decode_bmc, ROLLUP_VALID, "expected", 0, SB_NODES_MAX);
    test_integer_field(decode_bmc, ROLLUP_VALID, "since", 0, UINT64_C(1) << 53);
    test_integer_field(decode_bmc, ROLLUP_VALID, "seq", 0, UINT64_C(1) << 53);
    test_integer_field(decode_bmc, ROLLUP_VALID, "epoch", 0, UINT64_C(1) << 53);
    {
        char *text = test_json_add(ROLLUP_VALID, "", "nodes_omitted", "1");

        test_integer_field(decode_bmc, text, "nodes_omitted", 0, UINT32_MAX);
        free(text);
        text = test_json_add(ROLLUP_VALID, "", "stale_omitted", "1");
        test_integer_field(decode_bmc, text, "stale_omitted", 0, UINT32_MAX);
        free(text);
    }
    test_enum_field(decode_chassis, ROLLUP_NO_CODE, "state", SB_ENUM_CHASSIS_STATE, true);
    test_enum_field(decode_hypervisor,
                    "{\"v\":1,\"state\":\"Off\",\"since\":1,\"epoch\":5,"
                    "\"seq\":9,\"expected\":0,\"nodes\":{},\"counts\":{},"
                    "\"stale\":[],\"mixed\":false}",
                    "state", SB_ENUM_HOST_STATE, true);
    /* "node" of a rollup is 0 (instance 0), "code" matches "state". */
    test_expect(decode_bmc,
                "{\"v\":1,\"node\":1,\"state\":\"Ready\",\"since\":1,\"epoch\":5,"
                "\"seq\":9,\"expected\":0,\"nodes\":{},\"counts\":{},\"stale\":[],"
                "\"mixed\":false}",
                -EBADMSG, "node");
    test_expect(decode_bmc,
                "{\"v\":1,\"code\":1,\"state\":\"Unknown\",\"since\":1,\"epoch\":5,"
                "\"seq\":9,\"expected\":0,\"nodes\":{},\"counts\":{},\"stale\":[],"
                "\"mixed\":false}",
                -EBADMSG, "code");
}

static void expect_edit(const char *path, const char *raw, int want, const char *name)
{
    char *text = test_json_edit(ROLLUP_VALID, path, raw);

    test_expect(decode_bmc, text, want, name);
    free(text);
}

static void test_rollup_nodes_map(void **state)
{
    static const struct {
        const char *map;
        int want;
    } cases[] = {
        { "{}", 0 },
        { "{\"16384\":\"Quiesced\"}", 0 },
        { "{\"0\":\"Ready\"}", -EBADMSG },
        { "{\"16385\":\"Ready\"}", -EBADMSG },
        { "{\"01\":\"Ready\"}", -EBADMSG },
        { "{\"1a\":\"Ready\"}", -EBADMSG },
        { "{\"\":\"Ready\"}", -EBADMSG },
        { "{\"-1\":\"Ready\"}", -EBADMSG },
        { "{\"1\":\"Ready\",\"1\":\"Ready\"}", -EBADMSG },
        { "{\"1\":\"Running\"}", -EBADMSG }, /* another kind's value */
        { "{\"1\":\"ready\"}", -EBADMSG },
        { "{\"1\":1}", -EBADMSG },
        { "{\"1\":null}", -EBADMSG },
        { "{\"1\":[\"Ready\"]}", -EBADMSG },
    };
    char *text;
    size_t off;

    (void) state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        expect_edit("nodes", cases[i].map, cases[i].want, "nodes");
    }
    /* At most SB_ROLLUP_NODES_MAX entries. */
    text = malloc(SB_PAYLOAD_MAX);
    assert_non_null(text);
    for (size_t count = SB_ROLLUP_NODES_MAX; count <= SB_ROLLUP_NODES_MAX + 1; count++) {
        off = (size_t) sprintf(text, "{");
        for (size_t n = 1; n <= count; n++) {
            off += (size_t) sprintf(text + off, "%s\"%zu\":\"Ready\"", n > 1 ? "," : "", n);
        }
        (void) sprintf(text + off, "}");
        expect_edit("nodes", text, count == SB_ROLLUP_NODES_MAX ? 0 : -EMSGSIZE, "nodes");
    }
    free(text);
}

static void test_rollup_counts_and_stale(void **state)
{
    static const struct {
        const char *path, *raw;
        int want;
        const char *name;
    } cases[] = {
        { "counts", "{}", 0, NULL },
        { "counts", "{\"Quiesced\":16384}", 0, NULL },
        { "counts", "{\"Quiesced\":16385}", -EBADMSG, "counts" },
        { "counts", "{\"Ready\":-1}", -EBADMSG, "counts" },
        { "counts", "{\"Ready\":1.5}", -EBADMSG, "counts" },
        { "counts", "{\"Ready\":\"1\"}", -EBADMSG, "counts" },
        { "counts", "{\"Running\":1}", -EBADMSG, "counts" },
        { "counts", "{\"Ready\":1,\"Ready\":1}", -EBADMSG, "counts" },
        { "counts", "{\"Unknown\":1,\"Unknown\":2}", -EBADMSG, "counts" },
        { "stale", "[1,2]", 0, NULL },
        { "stale", "[1,1]", -EBADMSG, "stale" },
        { "stale", "[0]", -EBADMSG, "stale" },
        { "stale", "[\"3\"]", -EBADMSG, "stale" },
    };

    (void) state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        expect_edit(cases[i].path, cases[i].raw, cases[i].want, cases[i].name);
    }
    expect_edit("counts", "{\"Ready\":7}", 0, NULL);
    assert_int_equal(decoded.counts[SB_BMC_READY], 7);
    assert_int_equal(decoded.counts[SB_BMC_UNKNOWN], 0);
}

static void test_rollup_encode_refuses_invalid(void **state)
{
    char buf[SB_PAYLOAD_MAX + 1];
    SbRollupMsg m;

    (void) state;
    m = sample();
    m.kind = SB_KIND_COUNT;
    assert_int_equal(sb_rollup_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.state = SB_BMC_COUNT;
    assert_int_equal(sb_rollup_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.state = -1;
    assert_int_equal(sb_rollup_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.nodes[1].node = 1; /* the same key twice */
    assert_int_equal(sb_rollup_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.nodes[0].node = 0;
    assert_int_equal(sb_rollup_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.nodes[0].state = SB_BMC_COUNT;
    assert_int_equal(sb_rollup_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.n_nodes = SB_ROLLUP_NODES_MAX + 1;
    assert_int_equal(sb_rollup_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.counts[SB_BMC_COUNT] = 1; /* a count for a value BMC states do not have */
    assert_int_equal(sb_rollup_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.stale[0] = SB_NODES_MAX + 1;
    assert_int_equal(sb_rollup_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.expected = SB_NODES_MAX + 1;
    assert_int_equal(sb_rollup_encode(&m, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(sb_rollup_encode(NULL, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(
            sb_rollup_decode(ROLLUP_VALID, strlen(ROLLUP_VALID), SB_KIND_COUNT, &decoded, NULL),
            -EINVAL);
}

static int encode_fixed(char *buf, size_t size)
{
    SbRollupMsg m = sample();

    return sb_rollup_encode(&m, buf, size);
}

static void test_rollup_encoder_overflow(void **state)
{
    (void) state;
    test_encoder_bounds(encode_fixed, ROLLUP_VALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rollup_round_trip),
        cmocka_unit_test(test_rollup_large_system),
        cmocka_unit_test(test_rollup_malformed),
        cmocka_unit_test(test_rollup_nodes_map),
        cmocka_unit_test(test_rollup_counts_and_stale),
        cmocka_unit_test(test_rollup_encode_refuses_invalid),
        cmocka_unit_test(test_rollup_encoder_overflow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
