/* SPDX-License-Identifier: Apache-2.0 */
/* The one parser of TCP port numbers in addresses given on the command line and in configs. */
#ifndef STATEBUS_PORT_PARSE_H
#define STATEBUS_PORT_PARSE_H

#include <stdint.h>

/* Port 0 means "the kernel picks one" when listening (the bridge's --listen 127.0.0.1:0, which
 * the tests use), and nothing when connecting (no broker listens on port 0): the use decides. */
typedef enum PortUse {
    PORT_CONNECT, /* 1..65535 */
    PORT_LISTEN,  /* 0..65535 */
} PortUse;

/* Decimal digits only (no sign, no white space, no "0x"), at most 65535: 0 or -EINVAL. */
int port_parse(const char *s, PortUse use, uint16_t *ret);

#endif
