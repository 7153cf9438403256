/* SPDX-License-Identifier: Apache-2.0 */
#include "broker-addr.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* A port: 1..65535, decimal digits only (no sign, no white space, no "0x"). */
static int port_parse(const char *s, uint16_t *ret)
{
    unsigned long v = 0;

    if (!*s) {
        return -EINVAL;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return -EINVAL;
        }
        v = v * 10 + (unsigned long) (*s - '0');
        if (v > 65535) {
            return -EINVAL;
        }
    }
    if (v == 0) {
        return -EINVAL;
    }
    *ret = (uint16_t) v;
    return 0;
}

/* Host names and address literals are printable ASCII without white space, '/', '@' or brackets:
 * anything else is a typo or an injection attempt, never a broker. */
static bool host_char_ok(char c)
{
    return c > 0x20 && c < 0x7f && c != '/' && c != '@' && c != '[' && c != ']';
}

static int host_copy(const char *s, size_t len, char *host, size_t host_size)
{
    if (len == 0 || len >= host_size) {
        return -EINVAL;
    }
    for (size_t i = 0; i < len; i++) {
        if (!host_char_ok(s[i])) {
            return -EINVAL;
        }
    }
    memcpy(host, s, len);
    host[len] = '\0';
    return 0;
}

int broker_addr_parse(const char *s, char *host, size_t host_size, uint16_t *ret_port)
{
    const char *colon;
    uint16_t port = BROKER_DEFAULT_PORT;
    int r;

    if (!s || !host || host_size == 0 || !ret_port) {
        return -EINVAL;
    }

    if (s[0] == '[') {
        /* "[V6ADDR]" or "[V6ADDR]:PORT" */
        const char *close = strchr(s, ']');
        if (!close) {
            return -EINVAL;
        }
        if (close[1] == ':') {
            r = port_parse(close + 2, &port);
            if (r < 0) {
                return r;
            }
        } else if (close[1] != '\0') {
            return -EINVAL;
        }
        if (!memchr(s + 1, ':', (size_t) (close - s - 1))) {
            return -EINVAL; /* brackets are for IPv6 literals only */
        }
        r = host_copy(s + 1, (size_t) (close - s - 1), host, host_size);
        if (r < 0) {
            return r;
        }
        *ret_port = port;
        return 0;
    }

    colon = strchr(s, ':');
    if (colon && strchr(colon + 1, ':')) {
        /* More than one ':' without brackets: a bare IPv6 literal such as "::1", default port,
         * as mosquitto_sub -h accepts it. */
        r = host_copy(s, strlen(s), host, host_size);
        if (r < 0) {
            return r;
        }
        *ret_port = port;
        return 0;
    }
    if (colon) {
        r = port_parse(colon + 1, &port);
        if (r < 0) {
            return r;
        }
    }
    r = host_copy(s, colon ? (size_t) (colon - s) : strlen(s), host, host_size);
    if (r < 0) {
        return r;
    }
    *ret_port = port;
    return 0;
}
