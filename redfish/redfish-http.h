/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small HTTP/1.1 server (libmicrohttpd) driven by an sd-event loop, no threads: MHD runs in its
 * external mode with its own epoll fd, which is an sd-event I/O source; MHD_run() runs when that
 * fd is readable or when MHD_get_timeout() says (a timer). A request may be answered later (the
 * connection is suspended meanwhile): the bridge answers a Reset once the coordinator has.
 */
#ifndef STATEBUS_REDFISH_HTTP_H
#define STATEBUS_REDFISH_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#define REDFISH_HTTP_BODY_MAX 4096u /* request bodies we read; larger ones are answered 413 */

typedef struct RedfishHttp RedfishHttp;
typedef struct RedfishHttpRequest RedfishHttpRequest;

typedef struct RedfishHttpCallbacks {
    /* A complete request. body (len bytes, NUL-terminated) is valid during the call only. The
     * callee answers with redfish_http_respond(), now or later. */
    void (*on_request)(RedfishHttpRequest *req,
                       const char *method,
                       const char *url,
                       const char *body,
                       size_t len,
                       void *userdata);
    /* req is being freed (answered and sent, or its connection closed): forget it. */
    void (*on_request_gone)(RedfishHttpRequest *req, void *userdata);
} RedfishHttpCallbacks;

/* Listens on host (IPv4 or IPv6 literal) and port (0: any free port, see redfish_http_port()).
 * Returns 0, -EINVAL for a bad address, or a negative errno (e.g. -EADDRINUSE). */
int redfish_http_new(sd_event *event,
                     const char *host,
                     uint16_t port,
                     const RedfishHttpCallbacks *cb,
                     void *userdata,
                     RedfishHttp **ret);
/* Stops listening and closes every connection; requests still unanswered get
 * on_request_gone(). NULL is fine. Returns NULL. */
RedfishHttp *redfish_http_free(RedfishHttp *h);

/* The port actually bound. */
uint16_t redfish_http_port(const RedfishHttp *h);

/* Answers req: status, a JSON body (copied; NULL for none) and, for 405, the Allow header.
 * Returns 0, -EALREADY when req was answered already, -ENOMEM. */
int redfish_http_respond(RedfishHttpRequest *req,
                         unsigned status,
                         const char *json_body,
                         const char *allow);

#endif
