/* SPDX-License-Identifier: Apache-2.0 */
/* port_parse(): the one port parser of the broker address and the bridge's --listen (issue #14).
 * Port 0 is refused for a broker to connect to and accepted for a socket to listen on (the
 * kernel picks the port). */
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>

#include "port-parse.h"

static void expect_port(const char *s, PortUse use, uint16_t port)
{
    uint16_t p = 1234;

    if (port_parse(s, use, &p) != 0) {
        fail_msg("'%s' was refused", s);
    }
    assert_int_equal(p, port);
}

static void expect_refused(const char *s, PortUse use)
{
    uint16_t p = 1234;

    assert_int_equal(port_parse(s, use, &p), -EINVAL);
    assert_int_equal(p, 1234); /* untouched */
}

static void test_port_parse_range(void **state)
{
    (void) state;
    for (int use = PORT_CONNECT; use <= PORT_LISTEN; use++) {
        expect_port("1", (PortUse) use, 1);
        expect_port("1883", (PortUse) use, 1883);
        expect_port("65535", (PortUse) use, 65535);
        expect_port("00080", (PortUse) use, 80);
        expect_refused("65536", (PortUse) use);
        expect_refused("99999999999999999999", (PortUse) use);
    }
}

static void test_port_parse_zero_depends_on_the_use(void **state)
{
    (void) state;
    expect_refused("0", PORT_CONNECT);
    expect_refused("00", PORT_CONNECT);
    expect_port("0", PORT_LISTEN, 0);
}

static void test_port_parse_digits_only(void **state)
{
    static const char *const bad[] = { "", "-1", "+1", " 1", "1 ", "0x50", "1.5", "8o", NULL };

    (void) state;
    for (int i = 0; bad[i]; i++) {
        expect_refused(bad[i], PORT_CONNECT);
        expect_refused(bad[i], PORT_LISTEN);
    }
    expect_refused(NULL, PORT_LISTEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port_parse_range),
        cmocka_unit_test(test_port_parse_zero_depends_on_the_use),
        cmocka_unit_test(test_port_parse_digits_only),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
