/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STATEBUS_BROKER_ADDR_H
#define STATEBUS_BROKER_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define BROKER_DEFAULT_HOST "127.0.0.1"
#define BROKER_DEFAULT_PORT 1883

/* Parses "HOST[:PORT]" or "[V6ADDR][:PORT]" into host (NUL-terminated) and port.
 * Returns 0 or -EINVAL. */
int broker_addr_parse(const char *s, char *host, size_t host_size, uint16_t *ret_port);

#endif
