/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STATEBUS_BROKER_ADDR_H
#define STATEBUS_BROKER_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define BROKER_DEFAULT_HOST "127.0.0.1"
#define BROKER_DEFAULT_PORT 1883
/* --broker A,B,...: the addresses of one (clustered) broker, tried in turn. */
#define BROKER_ADDRS_MAX 8
#define BROKER_HOST_SIZE 256

typedef struct BrokerAddr {
    char host[BROKER_HOST_SIZE];
    uint16_t port;
} BrokerAddr;

/* Parses "HOST[:PORT]" or "[V6ADDR][:PORT]" into host (NUL-terminated) and port.
 * Returns 0 or -EINVAL. */
int broker_addr_parse(const char *s, char *host, size_t host_size, uint16_t *ret_port);

/* Parses "ADDR[,ADDR...]" (each as broker_addr_parse(), no spaces, no empty entries) into
 * ret[0..*ret_n). At most max entries (-E2BIG beyond). Returns 0, -EINVAL or -E2BIG; ret is
 * untouched on error. */
int broker_addr_list_parse(const char *s, BrokerAddr *ret, size_t max, size_t *ret_n);

/* "HOST:PORT" or "[V6]:PORT" into buf (truncated to size). Returns buf. */
const char *broker_addr_format(const char *host, uint16_t port, char *buf, size_t size);

#endif
