/* SPDX-License-Identifier: Apache-2.0 */
#include "redfish-error.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef enum RedfishRegistry {
    REDFISH_REGISTRY_BASE,
    REDFISH_REGISTRY_TASK_EVENT,
} RedfishRegistry;

typedef struct RegistryEntry {
    const char *key;
    const char *message; /* %1..%n: MessageArgs */
    const char *severity;
    const char *resolution;
    unsigned n_args;
    RedfishRegistry registry;
} RegistryEntry;

/* Copied from DMTF's Base.1.22.1.json and TaskEvent.1.0.3.json (Redfish-Publications 2025.4). */
static const RegistryEntry registry[REDFISH_MSG_COUNT] = {
    [REDFISH_MSG_SUCCESS] = { "Success", "The request completed successfully.", "OK", "None.", 0,
                              REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_GENERAL_ERROR] = { "GeneralError",
                                    "A general error has occurred.  See Resolution for information "
                                    "on how to resolve the error, or @Message.ExtendedInfo if "
                                    "Resolution is not provided.",
                                    "Critical", "None.", 0, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_OPERATION_NOT_ALLOWED] = { "OperationNotAllowed",
                                            "The HTTP method is not allowed on this resource.",
                                            "Critical", "None.", 0, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_RESOURCE_MISSING_AT_URI] = { "ResourceMissingAtURI",
                                              "The resource at the URI '%1' was not found.",
                                              "Critical",
                                              "Place a valid resource at the URI or correct the "
                                              "URI and resubmit the request.",
                                              1, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_ACTION_PARAMETER_MISSING] = { "ActionParameterMissing",
                                               "The action %1 requires the parameter %2 to be "
                                               "present in the request body.",
                                               "Critical",
                                               "Supply the action with the required parameter in "
                                               "the request body when the request is resubmitted.",
                                               2, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_ACTION_PARAMETER_VALUE_TYPE_ERROR] = { "ActionParameterValueTypeError",
                                                        "The value '%1' for the parameter %2 in "
                                                        "the action %3 is not a type that the "
                                                        "parameter can accept.",
                                                        "Warning",
                                                        "Correct the value for the parameter in "
                                                        "the request body and resubmit the request "
                                                        "if the operation failed.",
                                                        3, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_ACTION_PARAMETER_UNKNOWN] = { "ActionParameterUnknown",
                                               "The action %1 was submitted with the invalid "
                                               "parameter %2.",
                                               "Warning",
                                               "Correct the invalid action parameter and resubmit "
                                               "the request if the operation failed.",
                                               2, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_ACTION_PARAMETER_VALUE_NOT_IN_LIST] = { "ActionParameterValueNotInList",
                                                         "The value '%1' for the parameter %2 in "
                                                         "the action %3 is not in the list of "
                                                         "acceptable values.",
                                                         "Warning",
                                                         "Choose a value from the enumeration list "
                                                         "that the implementation can support and "
                                                         "resubmit the request if the operation "
                                                         "failed.",
                                                         3, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_ACTION_PARAMETER_NOT_SUPPORTED] = { "ActionParameterNotSupported",
                                                     "The parameter %1 for the action %2 is not "
                                                     "supported on the target resource.",
                                                     "Warning",
                                                     "Remove the parameter supplied and resubmit "
                                                     "the request if the operation failed.",
                                                     2, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_MALFORMED_JSON] = { "MalformedJSON",
                                     "The request body submitted was malformed JSON and could not "
                                     "be parsed by the receiving service.",
                                     "Critical",
                                     "Ensure that the request body is valid JSON and resubmit the "
                                     "request.",
                                     0, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_SERVICE_TEMPORARILY_UNAVAILABLE] = { "ServiceTemporarilyUnavailable",
                                                      "The service is temporarily unavailable.  "
                                                      "Retry in %1 seconds.",
                                                      "Critical",
                                                      "Wait for the indicated retry duration and "
                                                      "retry the operation.",
                                                      1, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_INTERNAL_ERROR] = { "InternalError",
                                     "The request failed due to an internal service error.  The "
                                     "service is still operational.",
                                     "Critical",
                                     "Resubmit the request.  If the problem persists, consider "
                                     "resetting the service.",
                                     0, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_PRECONDITION_FAILED] = { "PreconditionFailed",
                                          "The ETag supplied did not match the ETag required to "
                                          "change this resource.",
                                          "Critical",
                                          "Try the operation again using the appropriate ETag.", 0,
                                          REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_INSUFFICIENT_PRIVILEGE] = { "InsufficientPrivilege",
                                             "There are insufficient privileges for the account or "
                                             "credentials associated with the current session to "
                                             "perform the requested operation.",
                                             "Critical",
                                             "Either abandon the operation or change the "
                                             "associated access rights and resubmit the request if "
                                             "the operation failed.",
                                             0, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_NO_VALID_SESSION] = { "NoValidSession",
                                       "There is no valid session established with the "
                                       "implementation.",
                                       "Critical",
                                       "Establish a session before attempting any operations.", 0,
                                       REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_QUERY_NOT_SUPPORTED] = { "QueryNotSupported",
                                          "Querying is not supported by the implementation.",
                                          "Warning",
                                          "Remove the query parameters and resubmit the request if "
                                          "the operation failed.",
                                          0, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_PAYLOAD_TOO_LARGE] = { "PayloadTooLarge",
                                        "The supplied payload exceeds the maximum size supported "
                                        "by the service.",
                                        "Critical",
                                        "Check that the supplied payload is correct and supported "
                                        "by this service.",
                                        0, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_HEADER_INVALID] = { "HeaderInvalid", "Header '%1' is invalid.", "Critical",
                                     "Resubmit the request with a valid request header.", 1,
                                     REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_SESSION_LIMIT_EXCEEDED] = { "SessionLimitExceeded",
                                             "The session establishment failed due to the number "
                                             "of simultaneous sessions exceeding the limit of the "
                                             "implementation.",
                                             "Critical",
                                             "Reduce the number of other sessions before trying to "
                                             "establish the session or increase the limit of "
                                             "simultaneous sessions, if supported.",
                                             0, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_PROPERTY_MISSING] = { "PropertyMissing",
                                       "The property %1 is a required property and must be "
                                       "included in the request.",
                                       "Warning",
                                       "Ensure that the property is in the request body and has a "
                                       "valid value and resubmit the request if the operation "
                                       "failed.",
                                       1, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_PROPERTY_VALUE_TYPE_ERROR] = { "PropertyValueTypeError",
                                                "The value '%1' for the property %2 is not a type "
                                                "that the property can accept.",
                                                "Warning",
                                                "Correct the value for the property in the request "
                                                "body and resubmit the request if the operation "
                                                "failed.",
                                                2, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_PROPERTY_UNKNOWN] = { "PropertyUnknown",
                                       "The property %1 is not in the list of valid properties for "
                                       "the resource.",
                                       "Warning",
                                       "Remove the unknown property from the request body and "
                                       "resubmit the request if the operation failed.",
                                       1, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_RESOURCE_CANNOT_BE_DELETED] = { "ResourceCannotBeDeleted",
                                                 "The delete request failed because the resource "
                                                 "requested cannot be deleted.",
                                                 "Critical",
                                                 "Do not attempt to delete a non-deletable "
                                                 "resource.",
                                                 0, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_SERVICE_SHUTTING_DOWN] = { "ServiceShuttingDown",
                                            "The operation failed because the service is shutting "
                                            "down and can no longer take incoming requests.",
                                            "Critical",
                                            "When the service becomes available, resubmit the "
                                            "request if the operation failed.",
                                            0, REDFISH_REGISTRY_BASE },
    [REDFISH_MSG_TASK_STARTED] = { "TaskStarted", "The task with Id '%1' has started.", "OK",
                                   "None.", 1, REDFISH_REGISTRY_TASK_EVENT },
    [REDFISH_MSG_TASK_COMPLETED_OK] = { "TaskCompletedOK", "The task with Id '%1' has completed.",
                                        "OK", "None.", 1, REDFISH_REGISTRY_TASK_EVENT },
    [REDFISH_MSG_TASK_ABORTED] = { "TaskAborted",
                                   "The task with Id '%1' has completed with errors.", "Critical",
                                   "None.", 1, REDFISH_REGISTRY_TASK_EVENT },
    [REDFISH_MSG_TASK_CANCELLED] = { "TaskCancelled",
                                     "Work on the task with Id '%1' has been halted prior to "
                                     "completion due to an explicit request.",
                                     "Warning", "None.", 1, REDFISH_REGISTRY_TASK_EVENT },
};

static const char *const registry_names[] = {
    [REDFISH_REGISTRY_BASE] = REDFISH_BASE_REGISTRY,
    [REDFISH_REGISTRY_TASK_EVENT] = REDFISH_TASK_EVENT_REGISTRY,
};

static const RegistryEntry *entry(RedfishMessageId id)
{
    return (unsigned) id < REDFISH_MSG_COUNT ? &registry[id] : &registry[REDFISH_MSG_GENERAL_ERROR];
}

/* Printable ASCII, cut to fit: an argument may echo untrusted input. */
static void printable_copy(char *dst, size_t size, const char *src)
{
    size_t i = 0;

    for (; src && src[i] && i < size - 1; i++) {
        if (src[i] >= 0x20 && src[i] < 0x7f) {
            dst[i] = src[i];
        } else {
            dst[i] = '?';
        }
    }
    dst[i] = '\0';
}

static void message_vset(RedfishMessage *m, RedfishMessageId id, va_list ap)
{
    unsigned n = entry(id)->n_args;

    *m = (RedfishMessage){ .id = id };
    for (unsigned i = 0; i < n && i < REDFISH_MSG_ARGS_MAX; i++) {
        printable_copy(m->args[i], sizeof(m->args[i]), va_arg(ap, const char *));
    }
}

void redfish_message_set(RedfishMessage *m, RedfishMessageId id, ...)
{
    va_list ap;

    va_start(ap, id);
    message_vset(m, id, ap);
    va_end(ap);
}

void redfish_error_set(RedfishError *e, unsigned http_status, RedfishMessageId id, ...)
{
    va_list ap;

    e->http_status = http_status;
    va_start(ap, id);
    message_vset(&e->msg, id, ap);
    va_end(ap);
}

void redfish_error_general(RedfishError *e, unsigned http_status, const char *format, ...)
{
    char text[REDFISH_RESOLUTION_MAX + 1];
    va_list ap;

    e->http_status = http_status;
    e->msg = (RedfishMessage){ .id = REDFISH_MSG_GENERAL_ERROR };
    va_start(ap, format);
    (void) vsnprintf(text, sizeof(text), format, ap);
    va_end(ap);
    printable_copy(e->msg.resolution, sizeof(e->msg.resolution), text);
}

const char *redfish_message_registry_id(RedfishMessageId id, char *buf, size_t size)
{
    const RegistryEntry *r = entry(id);

    (void) snprintf(buf, size, "%s.%s", registry_names[r->registry], r->key);
    return buf;
}

const char *redfish_message_text(const RedfishMessage *m, char *buf, size_t size)
{
    const char *s = entry(m->id)->message;
    size_t len = 0;

    for (; *s && len + 1 < size; s++) {
        unsigned k = 0;
        if (s[0] == '%' && s[1] >= '1' && s[1] <= '9' &&
            (k = (unsigned) (s[1] - '1')) < REDFISH_MSG_ARGS_MAX) {
            int n = snprintf(buf + len, size - len, "%s", m->args[k]);
            len += n > 0 ? (size_t) n : 0;
            len = len < size ? len : size - 1;
            s++;
            continue;
        }
        buf[len++] = *s;
    }
    buf[len] = '\0';
    return buf;
}

cJSON *redfish_message_json(const RedfishMessage *m)
{
    const RegistryEntry *r = entry(m->id);
    char id[128], text[1024];
    cJSON *o = cJSON_CreateObject();
    cJSON *args = NULL;

    if (!o) {
        return NULL;
    }
    (void) cJSON_AddStringToObject(o, "@odata.type", "#Message.v1_1_1.Message");
    (void) cJSON_AddStringToObject(o, "MessageId",
                                   redfish_message_registry_id(m->id, id, sizeof(id)));
    (void) cJSON_AddStringToObject(o, "Message", redfish_message_text(m, text, sizeof(text)));
    args = cJSON_AddArrayToObject(o, "MessageArgs");
    for (unsigned i = 0; args && i < r->n_args && i < REDFISH_MSG_ARGS_MAX; i++) {
        (void) cJSON_AddItemToArray(args, cJSON_CreateString(m->args[i]));
    }
    (void) cJSON_AddStringToObject(o, "MessageSeverity", r->severity);
    (void) cJSON_AddStringToObject(o, "Resolution",
                                   m->resolution[0] ? m->resolution : r->resolution);
    return o;
}

char *redfish_error_format(const RedfishError *e)
{
    char id[128], text[1024];
    cJSON *root = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(root, "error");
    cJSON *infos = NULL;
    cJSON *info = redfish_message_json(&e->msg);
    char *out = NULL;

    (void) cJSON_AddStringToObject(error, "code",
                                   redfish_message_registry_id(e->msg.id, id, sizeof(id)));
    (void) cJSON_AddStringToObject(error, "message",
                                   redfish_message_text(&e->msg, text, sizeof(text)));
    infos = cJSON_AddArrayToObject(error, "@Message.ExtendedInfo");
    if (!info || !cJSON_AddItemToArray(infos, info)) {
        cJSON_Delete(info);
    }
    /* Any Add* above that failed for lack of memory leaves a hole; PrintUnformatted then still
     * gives valid JSON, or NULL, which the caller answers with a bare status. */
    out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return out;
}

char *redfish_message_body(const RedfishMessage *m)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *infos = cJSON_AddArrayToObject(root, "@Message.ExtendedInfo");
    cJSON *info = redfish_message_json(m);
    char *out = NULL;

    if (!info || !cJSON_AddItemToArray(infos, info)) {
        cJSON_Delete(info);
    }
    out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return out;
}
