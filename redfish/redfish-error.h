/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Redfish messages and error responses (DSP0266 "Error responses"). Every message is one of
 * DMTF's registries, word for word: Base.1.22.1 for errors and results, TaskEvent.1.0.3 for task
 * state changes (DMTF Redfish-Publications 2025.4, registries/). MessageId, Message (with its
 * %1.. arguments filled in), MessageArgs, MessageSeverity and Resolution are the registry's; only
 * GeneralError carries a service-defined Resolution, as that registry entry asks. Pure.
 */
#ifndef STATEBUS_REDFISH_ERROR_H
#define STATEBUS_REDFISH_ERROR_H

#include <stddef.h>

#define REDFISH_BASE_REGISTRY       "Base.1.22.1"
#define REDFISH_TASK_EVENT_REGISTRY "TaskEvent.1.0.3"
#define REDFISH_MSG_ARGS_MAX        3u
#define REDFISH_MSG_ARG_MAX         128u /* longer arguments are cut */
#define REDFISH_RESOLUTION_MAX      320u

typedef struct cJSON cJSON;

typedef enum RedfishMessageId {
    REDFISH_MSG_SUCCESS,
    REDFISH_MSG_GENERAL_ERROR,
    REDFISH_MSG_OPERATION_NOT_ALLOWED,
    REDFISH_MSG_RESOURCE_MISSING_AT_URI,
    REDFISH_MSG_ACTION_PARAMETER_MISSING,
    REDFISH_MSG_ACTION_PARAMETER_VALUE_TYPE_ERROR,
    REDFISH_MSG_ACTION_PARAMETER_UNKNOWN,
    REDFISH_MSG_ACTION_PARAMETER_VALUE_NOT_IN_LIST,
    REDFISH_MSG_ACTION_PARAMETER_NOT_SUPPORTED,
    REDFISH_MSG_MALFORMED_JSON,
    REDFISH_MSG_SERVICE_TEMPORARILY_UNAVAILABLE,
    REDFISH_MSG_INTERNAL_ERROR,
    REDFISH_MSG_PRECONDITION_FAILED,
    REDFISH_MSG_INSUFFICIENT_PRIVILEGE,
    REDFISH_MSG_NO_VALID_SESSION,
    REDFISH_MSG_QUERY_NOT_SUPPORTED,
    REDFISH_MSG_PAYLOAD_TOO_LARGE,
    REDFISH_MSG_HEADER_INVALID,
    REDFISH_MSG_SESSION_LIMIT_EXCEEDED,
    REDFISH_MSG_PROPERTY_MISSING,
    REDFISH_MSG_PROPERTY_VALUE_TYPE_ERROR,
    REDFISH_MSG_PROPERTY_UNKNOWN,
    REDFISH_MSG_RESOURCE_CANNOT_BE_DELETED,
    REDFISH_MSG_SERVICE_SHUTTING_DOWN,
    REDFISH_MSG_TASK_STARTED,
    REDFISH_MSG_TASK_COMPLETED_OK,
    REDFISH_MSG_TASK_ABORTED,
    REDFISH_MSG_TASK_CANCELLED,
    REDFISH_MSG_COUNT
} RedfishMessageId;

typedef struct RedfishMessage {
    RedfishMessageId id;
    char args[REDFISH_MSG_ARGS_MAX][REDFISH_MSG_ARG_MAX + 1]; /* the registry's NumberOfArgs */
    char resolution[REDFISH_RESOLUTION_MAX + 1]; /* GeneralError only; "" = registry's */
} RedfishMessage;

typedef struct RedfishError {
    unsigned http_status; /* 400, 401, 403, 404, 405, 409, 412, 413, 415, 501, 503... */
    RedfishMessage msg;
} RedfishError;

/* Fills m with id and as many string arguments as the registry message takes (untrusted text is
 * fine: it is cut to REDFISH_MSG_ARG_MAX and made printable ASCII). */
void redfish_message_set(RedfishMessage *m, RedfishMessageId id, ...);
void redfish_error_set(RedfishError *e, unsigned http_status, RedfishMessageId id, ...);
/* GeneralError with a service-defined Resolution (printf-style). */
void redfish_error_general(RedfishError *e, unsigned http_status, const char *format, ...)
        __attribute__((format(printf, 3, 4)));

/* "Base.1.22.1.ActionParameterMissing". */
const char *redfish_message_registry_id(RedfishMessageId id, char *buf, size_t size);
/* The message text with its arguments substituted, into buf. */
const char *redfish_message_text(const RedfishMessage *m, char *buf, size_t size);

/* A Message object (#Message.v1_1_1.Message), or NULL when out of memory. */
cJSON *redfish_message_json(const RedfishMessage *m);

/* A success body that still has something to say: {"@Message.ExtendedInfo": [m]}. Owned by the
 * caller (free()); NULL when out of memory. */
char *redfish_message_body(const RedfishMessage *m);

/* The JSON body for e, NUL-terminated, owned by the caller (free()); NULL when out of memory. */
char *redfish_error_format(const RedfishError *e);

#endif
