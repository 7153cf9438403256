/* SPDX-License-Identifier: Apache-2.0 */
#include "redfish-error.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>

void redfish_error_set(RedfishError *e,
                       unsigned http_status,
                       const char *message_id,
                       const char *resolution,
                       const char *format,
                       ...)
{
    va_list ap;

    e->http_status = http_status;
    e->message_id = message_id;
    e->resolution = resolution;
    va_start(ap, format);
    (void) vsnprintf(e->message, sizeof(e->message), format, ap);
    va_end(ap);
}

char *redfish_error_format(const RedfishError *e)
{
    char id[128];
    cJSON *root = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(root, "error");
    cJSON *infos = cJSON_AddArrayToObject(error, "@Message.ExtendedInfo");
    cJSON *info = cJSON_CreateObject();
    char *out = NULL;

    (void) snprintf(id, sizeof(id), "%s.%s", REDFISH_BASE_REGISTRY, e->message_id);
    if (cJSON_AddItemToArray(infos, info)) {
        (void) cJSON_AddStringToObject(info, "@odata.type", "#Message.v1_1_1.Message");
        (void) cJSON_AddStringToObject(info, "MessageId", id);
        (void) cJSON_AddStringToObject(info, "Message", e->message);
        (void) cJSON_AddStringToObject(info, "MessageSeverity",
                                       e->http_status >= 500 ? "Critical" : "Warning");
        (void) cJSON_AddStringToObject(info, "Resolution", e->resolution ? e->resolution : "None.");
    } else {
        cJSON_Delete(info);
    }
    (void) cJSON_AddStringToObject(error, "code", id);
    (void) cJSON_AddStringToObject(error, "message", e->message);
    /* Any Add* above that failed for lack of memory leaves a hole; PrintUnformatted then still
     * gives valid JSON, or NULL, which the caller answers with a bare status. */
    out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return out;
}

char *redfish_message_format(const char *message_id,
                             const char *severity,
                             const char *text,
                             const char *request_id,
                             const char *event_kind)
{
    char id[128];
    cJSON *root = cJSON_CreateObject();
    cJSON *infos = cJSON_AddArrayToObject(root, "@Message.ExtendedInfo");
    cJSON *info = cJSON_CreateObject();
    cJSON *oem = cJSON_AddObjectToObject(cJSON_AddObjectToObject(root, "Oem"), "Statebus");
    char *out = NULL;

    (void) snprintf(id, sizeof(id), "%s.%s", REDFISH_BASE_REGISTRY, message_id);
    if (cJSON_AddItemToArray(infos, info)) {
        (void) cJSON_AddStringToObject(info, "@odata.type", "#Message.v1_1_1.Message");
        (void) cJSON_AddStringToObject(info, "MessageId", id);
        (void) cJSON_AddStringToObject(info, "Message", text);
        (void) cJSON_AddStringToObject(info, "MessageSeverity", severity);
        (void) cJSON_AddStringToObject(info, "Resolution", "None.");
    } else {
        cJSON_Delete(info);
    }
    (void) cJSON_AddStringToObject(oem, "RequestId", request_id);
    (void) cJSON_AddStringToObject(oem, "Event", event_kind);
    out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return out;
}
