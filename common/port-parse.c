/* SPDX-License-Identifier: Apache-2.0 */
#include "port-parse.h"

#include <errno.h>

int port_parse(const char *s, PortUse use, uint16_t *ret)
{
    unsigned long v = 0;

    if (!s || !*s) {
        return -EINVAL;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return -EINVAL;
        }
        v = v * 10u + (unsigned long) (*s - '0');
        if (v > 65535u) {
            return -EINVAL;
        }
    }
    if (v == 0 && use != PORT_LISTEN) {
        return -EINVAL;
    }
    *ret = (uint16_t) v;
    return 0;
}
