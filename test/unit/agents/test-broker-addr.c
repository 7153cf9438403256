/* SPDX-License-Identifier: Apache-2.0 */
/* broker_addr_parse(): HOST[:PORT], [V6][:PORT], bare IPv6, and everything it must refuse. */
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <string.h>

#include "broker-addr.h"

static void expect_ok(const char *s, const char *host, uint16_t port)
{
    char h[64];
    uint16_t p = 0;

    if (broker_addr_parse(s, h, sizeof(h), &p) != 0) {
        fail_msg("'%s' was refused", s);
    }
    assert_string_equal(h, host);
    assert_int_equal(p, port);
}

static void expect_refused(const char *s, size_t host_size)
{
    char h[64] = "untouched";
    uint16_t p = 4242;

    assert_true(host_size <= sizeof(h));
    if (broker_addr_parse(s, h, host_size, &p) != -EINVAL) {
        fail_msg("'%s' was accepted as '%s' port %u", s, h, (unsigned) p);
    }
    /* Outputs are left alone on failure. */
    assert_string_equal(h, "untouched");
    assert_int_equal(p, 4242);
}

static void test_broker_addr_host_and_port(void **state)
{
    (void) state;
    expect_ok("127.0.0.1", "127.0.0.1", BROKER_DEFAULT_PORT);
    expect_ok("127.0.0.1:18830", "127.0.0.1", 18830);
    expect_ok("broker.example:1", "broker.example", 1);
    expect_ok("localhost:65535", "localhost", 65535);
}

static void test_broker_addr_ipv6(void **state)
{
    (void) state;
    expect_ok("[::1]:1884", "::1", 1884);
    expect_ok("[::1]", "::1", BROKER_DEFAULT_PORT);
    expect_ok("[fd00:fea5::1]:1883", "fd00:fea5::1", 1883);
    /* Without brackets more than one ':' can only be an address: default port. */
    expect_ok("::1", "::1", BROKER_DEFAULT_PORT);
    expect_ok("fd00:fea5::1", "fd00:fea5::1", BROKER_DEFAULT_PORT);
}

static void test_broker_addr_refuses_bad_ports(void **state)
{
    (void) state;
    expect_refused("host:", 64);
    expect_refused("host:0", 64);
    expect_refused("host:65536", 64);
    expect_refused("host:99999999999999999999", 64);
    expect_refused("host:+1", 64);
    expect_refused("host:-1", 64);
    expect_refused("host: 1", 64);
    expect_refused("host:12a", 64);
    expect_refused("host:0x10", 64);
    expect_refused("[::1]:", 64);
    expect_refused("[::1]:0", 64);
}

static void test_broker_addr_refuses_bad_hosts(void **state)
{
    (void) state;
    expect_refused("", 64);
    expect_refused(":1883", 64);
    expect_refused("a b", 64);
    expect_refused("host\n", 64);
    expect_refused("user@host", 64);
    expect_refused("mqtt://host", 64);
    expect_refused("[::1", 64);
    expect_refused("[::1]x", 64);
    expect_refused("[]:1883", 64);
    expect_refused("[127.0.0.1]:1883", 64); /* brackets are for IPv6 */
    expect_refused("host]", 64);
}

static void test_broker_addr_refuses_a_host_too_long_for_the_buffer(void **state)
{
    char h[8];
    uint16_t p;

    (void) state;
    expect_refused("12345678", 8); /* needs 9 bytes with the NUL */
    assert_int_equal(broker_addr_parse("1234567", h, sizeof(h), &p), 0);
    assert_string_equal(h, "1234567");
}

static void test_broker_addr_refuses_null_arguments(void **state)
{
    char h[8];
    uint16_t p;

    (void) state;
    assert_int_equal(broker_addr_parse(NULL, h, sizeof(h), &p), -EINVAL);
    assert_int_equal(broker_addr_parse("h", NULL, sizeof(h), &p), -EINVAL);
    assert_int_equal(broker_addr_parse("h", h, 0, &p), -EINVAL);
    assert_int_equal(broker_addr_parse("h", h, sizeof(h), NULL), -EINVAL);
}

/* --broker A,B,...: a cluster's nodes, in order, each parsed like one address. */
static void test_broker_addr_list(void **state)
{
    BrokerAddr a[BROKER_ADDRS_MAX];
    size_t n = 0;

    (void) state;
    assert_int_equal(broker_addr_list_parse("10.0.0.1,[::1]:1884,host:1885", a, 8, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(a[0].host, "10.0.0.1");
    assert_int_equal(a[0].port, BROKER_DEFAULT_PORT);
    assert_string_equal(a[1].host, "::1");
    assert_int_equal(a[1].port, 1884);
    assert_string_equal(a[2].host, "host");
    assert_int_equal(a[2].port, 1885);
    assert_int_equal(broker_addr_list_parse("h", a, 8, &n), 0);
    assert_int_equal(n, 1);

    n = 42;
    assert_int_equal(broker_addr_list_parse("a,,b", a, 8, &n), -EINVAL);
    assert_int_equal(broker_addr_list_parse("a,", a, 8, &n), -EINVAL);
    assert_int_equal(broker_addr_list_parse(",a", a, 8, &n), -EINVAL);
    assert_int_equal(broker_addr_list_parse("a, b", a, 8, &n), -EINVAL);
    assert_int_equal(broker_addr_list_parse("a:0,b", a, 8, &n), -EINVAL);
    assert_int_equal(broker_addr_list_parse("a,b,c", a, 2, &n), -E2BIG);
    assert_int_equal(broker_addr_list_parse("1,2,3,4,5,6,7,8,9", a, 99, &n), -E2BIG);
    assert_int_equal(n, 42);
}

static void test_broker_addr_format(void **state)
{
    char buf[64];

    (void) state;
    assert_string_equal(broker_addr_format("127.0.0.1", 1883, buf, sizeof(buf)), "127.0.0.1:1883");
    assert_string_equal(broker_addr_format("::1", 1884, buf, sizeof(buf)), "[::1]:1884");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broker_addr_host_and_port),
        cmocka_unit_test(test_broker_addr_list),
        cmocka_unit_test(test_broker_addr_format),
        cmocka_unit_test(test_broker_addr_ipv6),
        cmocka_unit_test(test_broker_addr_refuses_bad_ports),
        cmocka_unit_test(test_broker_addr_refuses_bad_hosts),
        cmocka_unit_test(test_broker_addr_refuses_a_host_too_long_for_the_buffer),
        cmocka_unit_test(test_broker_addr_refuses_null_arguments),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
