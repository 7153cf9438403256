/* SPDX-License-Identifier: Apache-2.0 */
/* Redfish's Edm.DateTimeOffset from unix ms (ISO 8601 UTC). Pure. */
#ifndef STATEBUS_REDFISH_TIME_H
#define STATEBUS_REDFISH_TIME_H

#include <stdint.h>

typedef struct cJSON cJSON;

/* obj[key] = "2026-12-02T06:30:00+00:00", or null for 0 (unknown). */
void redfish_add_time(cJSON *obj, const char *key, uint64_t unix_ms);

#endif
