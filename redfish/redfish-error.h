/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Redfish error responses (DSP0266 "Error responses"): an "error" object whose code and
 * @Message.ExtendedInfo name a message of DMTF's Base registry. Pure.
 */
#ifndef STATEBUS_REDFISH_ERROR_H
#define STATEBUS_REDFISH_ERROR_H

#define REDFISH_BASE_REGISTRY  "Base.1.11.0"
#define REDFISH_ERROR_TEXT_MAX 320u

typedef struct RedfishError {
    unsigned http_status;                     /* 400, 404, 405, 409, 503... */
    const char *message_id;                   /* Base registry key, e.g. "ActionParameterMissing" */
    char message[REDFISH_ERROR_TEXT_MAX + 1]; /* human text */
    const char *resolution;                   /* static; may be NULL */
} RedfishError;

/* Fills e (message formatted printf-style, truncated to fit). */
void redfish_error_set(RedfishError *e,
                       unsigned http_status,
                       const char *message_id,
                       const char *resolution,
                       const char *format,
                       ...) __attribute__((format(printf, 5, 6)));

/* The JSON body for e, NUL-terminated, owned by the caller (free()); NULL when out of memory. */
char *redfish_error_format(const RedfishError *e);

/* A body for a successful answer that still has something to say (202: queued behind the gate):
 * @Message.ExtendedInfo with one Base message, plus Oem.Statebus {RequestId, Event}.
 * Owned by the caller (free()); NULL when out of memory. */
char *redfish_message_format(const char *message_id,
                             const char *severity,
                             const char *text,
                             const char *request_id,
                             const char *event_kind);

#endif
