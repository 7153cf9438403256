/* SPDX-License-Identifier: Apache-2.0 */
#include "redfish-time.h"

#include <cjson/cJSON.h>
#include <time.h>

void redfish_add_time(cJSON *obj, const char *key, uint64_t unix_ms)
{
    char buf[40];
    struct tm tm;
    time_t t = (time_t) (unix_ms / 1000u);

    if (unix_ms == 0 || !gmtime_r(&t, &tm) ||
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S+00:00", &tm) == 0) {
        (void) cJSON_AddNullToObject(obj, key);
        return;
    }
    (void) cJSON_AddStringToObject(obj, key, buf);
}
