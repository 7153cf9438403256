/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small HTTP/1.1 server (libmicrohttpd) driven by an sd-event loop, no threads: MHD runs in its
 * external mode with its own epoll fd, which is an sd-event I/O source; MHD_run() runs when that
 * fd is readable or when MHD_get_timeout() says (a timer). A request may be answered later (the
 * connection is suspended meanwhile): the bridge answers a Reset once the coordinator has.
 */
#ifndef STATEBUS_REDFISH_HTTP_H
#define STATEBUS_REDFISH_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#define REDFISH_HTTP_BODY_MAX    4096u /* request bodies we read; larger ones are answered 413 */
#define REDFISH_HTTP_HEADERS_MAX 8u    /* extra response headers */

typedef struct RedfishHttp RedfishHttp;
typedef struct RedfishHttpRequest RedfishHttpRequest;

/* A complete request as received. body (len bytes, NUL-terminated) is valid during the
 * on_request call only. too_large: the body was longer than REDFISH_HTTP_BODY_MAX (read and
 * dropped; body is then empty). */
typedef struct RedfishHttpMessage {
    const char *method;
    const char *url;
    const char *body;
    size_t len;
    bool too_large;
} RedfishHttpMessage;

typedef struct RedfishHttpCallbacks {
    /* A complete request. msg is valid during the call only; so are redfish_http_header() and
     * redfish_http_query(). The callee answers with redfish_http_respond(), now or later. */
    void (*on_request)(RedfishHttpRequest *req, const RedfishHttpMessage *msg, void *userdata);
    /* req is being freed (answered and sent, or its connection closed): forget it. */
    void (*on_request_gone)(RedfishHttpRequest *req, void *userdata);
} RedfishHttpCallbacks;

/* Where to listen: host (IPv4 or IPv6 literal) and port (0: any free port, see
 * redfish_http_port()). tls_cert_pem and tls_key_pem (NUL-terminated PEM text, both or neither):
 * HTTPS (GnuTLS through libmicrohttpd). */
typedef struct RedfishHttpListen {
    const char *host;
    uint16_t port;
    const char *tls_cert_pem;
    const char *tls_key_pem;
} RedfishHttpListen;

/* Listens as where says. Returns 0, -EINVAL for a bad address, -EOPNOTSUPP when this
 * libmicrohttpd has no TLS, or a negative errno (e.g. -EADDRINUSE). */
int redfish_http_new(sd_event *event,
                     const RedfishHttpListen *where,
                     const RedfishHttpCallbacks *cb,
                     void *userdata,
                     RedfishHttp **ret);
/* Stops listening and closes every connection; requests still unanswered get
 * on_request_gone(). NULL is fine. Returns NULL. */
RedfishHttp *redfish_http_free(RedfishHttp *h);

/* The port actually bound. */
uint16_t redfish_http_port(const RedfishHttp *h);

typedef struct RedfishHttpHeader {
    const char *name;
    const char *value;
} RedfishHttpHeader;

/* An answer: status, body (NUL-terminated, copied; NULL for none) of content_type (NULL: JSON),
 * and extra headers (copied). Every answer also carries OData-Version 4.0 and Cache-Control. */
typedef struct RedfishHttpAnswer {
    unsigned status;
    const char *body;
    const char *content_type;
    RedfishHttpHeader headers[REDFISH_HTTP_HEADERS_MAX];
    size_t n_headers;
} RedfishHttpAnswer;

/* Adds a header to a (silently dropped beyond REDFISH_HTTP_HEADERS_MAX: a programming error). */
void redfish_http_answer_header(RedfishHttpAnswer *a, const char *name, const char *value);

/* Answers req. Returns 0, -EALREADY when req was answered already, -ENOMEM. */
int redfish_http_respond(RedfishHttpRequest *req, const RedfishHttpAnswer *a);

/* A request header's value (case-insensitive name), NULL when absent. During on_request only. */
const char *redfish_http_header(RedfishHttpRequest *req, const char *name);
/* The first query parameter's name for which pred holds, NULL when none. During on_request only. */
const char *redfish_http_query(RedfishHttpRequest *req, bool (*pred)(const char *name));

#endif
