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

void redfish_http_date(uint64_t unix_ms, char *buf, unsigned long size)
{
    struct tm tm;
    time_t t = (time_t) (unix_ms / 1000u);

    /* The C locale's day and month names are HTTP's. */
    if (!gmtime_r(&t, &tm) || strftime(buf, size, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0) {
        if (size > 0) {
            buf[0] = '\0';
        }
    }
}
