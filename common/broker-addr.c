/* SPDX-License-Identifier: Apache-2.0 */
#include "broker-addr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "port-parse.h"

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
            r = port_parse(close + 2, PORT_CONNECT, &port);
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
        r = port_parse(colon + 1, PORT_CONNECT, &port);
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

int broker_addr_list_parse(const char *s, BrokerAddr *ret, size_t max, size_t *ret_n)
{
    BrokerAddr parsed[BROKER_ADDRS_MAX];
    size_t n = 0;

    if (!s || !ret || !ret_n || max == 0) {
        return -EINVAL;
    }
    if (max > BROKER_ADDRS_MAX) {
        max = BROKER_ADDRS_MAX;
    }
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t) (comma - s) : strlen(s);
        char one[BROKER_HOST_SIZE + 16];
        int r;

        if (len == 0 || len >= sizeof(one)) {
            return -EINVAL;
        }
        if (n == max) {
            return -E2BIG;
        }
        memcpy(one, s, len);
        one[len] = '\0';
        r = broker_addr_parse(one, parsed[n].host, sizeof(parsed[n].host), &parsed[n].port);
        if (r < 0) {
            return r;
        }
        n++;
        if (!comma) {
            break;
        }
        s = comma + 1;
    }
    memcpy(ret, parsed, n * sizeof(parsed[0]));
    *ret_n = n;
    return 0;
}

const char *broker_addr_format(const char *host, uint16_t port, char *buf, size_t size)
{
    bool v6 = host && strchr(host, ':') != NULL;

    if (size == 0) {
        return buf;
    }
    (void) snprintf(buf, size, "%s%s%s:%u", v6 ? "[" : "", host ? host : "", v6 ? "]" : "",
                    (unsigned) port);
    return buf;
}
