/* SPDX-License-Identifier: Apache-2.0 */
/* libmicrohttpd on sd-event (see redfish-http.h). */
#include "redfish-http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

#define HTTP_CONNECTION_LIMIT     64u /* a management endpoint, not a web server */
#define HTTP_CONNECTION_TIMEOUT_S 30u
#define HTTP_MEMORY_LIMIT         (32u * 1024u)

typedef enum RequestPhase {
    REQUEST_RECEIVING, /* body arriving */
    REQUEST_WAITING,   /* handed to on_request, no answer yet (suspended) */
    REQUEST_ANSWERED,  /* response ready (or queued) */
} RequestPhase;

struct RedfishHttpRequest {
    RedfishHttp *http;                 /* borrowed */
    struct MHD_Connection *connection; /* borrowed */
    RequestPhase phase;
    bool suspended;
    bool too_large;
    char body[REDFISH_HTTP_BODY_MAX + 1];
    size_t len;
    struct MHD_Response *response; /* owned until queued */
    unsigned status;
    RedfishHttpRequest *prev, *next; /* every live request */
};

struct RedfishHttp {
    sd_event *event;           /* reference */
    struct MHD_Daemon *daemon; /* owned */
    sd_event_source *io;       /* MHD's epoll fd */
    sd_event_source *timer;    /* MHD_get_timeout() */
    RedfishHttpCallbacks cb;
    void *userdata;
    uint16_t port;
    RedfishHttpRequest *requests;
};

/* Runs MHD's work now, then sleeps until its fd or its next timeout. */
static void http_rearm(RedfishHttp *h, bool run_now)
{
    MHD_UNSIGNED_LONG_LONG ms = 0;

    if (run_now) {
        (void) sd_event_source_set_time_relative(h->timer, 0);
        (void) sd_event_source_set_enabled(h->timer, SD_EVENT_ONESHOT);
        return;
    }
    if (MHD_get_timeout(h->daemon, &ms) == MHD_YES) {
        (void) sd_event_source_set_time_relative(h->timer, (uint64_t) ms * 1000u);
        (void) sd_event_source_set_enabled(h->timer, SD_EVENT_ONESHOT);
    } else {
        (void) sd_event_source_set_enabled(h->timer, SD_EVENT_OFF);
    }
}

static void http_run(RedfishHttp *h)
{
    (void) MHD_run(h->daemon);
    http_rearm(h, false);
}

static int on_http_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    (void) s;
    (void) fd;
    (void) revents;
    http_run(userdata);
    return 0;
}

static int on_http_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    (void) s;
    (void) usec;
    http_run(userdata);
    return 0;
}

static void request_unlink(RedfishHttpRequest *req)
{
    RedfishHttp *h = req->http;

    if (req->prev) {
        req->prev->next = req->next;
    } else {
        h->requests = req->next;
    }
    if (req->next) {
        req->next->prev = req->prev;
    }
}

static void on_http_completed(void *cls,
                              struct MHD_Connection *connection,
                              void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    RedfishHttp *h = cls;
    RedfishHttpRequest *req = *con_cls;

    (void) connection;
    (void) toe;
    if (!req) {
        return;
    }
    if (req->phase != REQUEST_RECEIVING && h->cb.on_request_gone) {
        h->cb.on_request_gone(req, h->userdata);
    }
    request_unlink(req);
    if (req->response) {
        MHD_destroy_response(req->response);
    }
    free(req);
    *con_cls = NULL;
}

static enum MHD_Result queue_answer(RedfishHttpRequest *req)
{
    enum MHD_Result r = MHD_queue_response(req->connection, req->status, req->response);

    MHD_destroy_response(req->response);
    req->response = NULL;
    return r;
}

/* libmicrohttpd fixes the 8 parameters of an access handler. */
/* NOLINTNEXTLINE(readability-function-size) */
static enum MHD_Result on_http_access(void *cls,
                                      struct MHD_Connection *connection,
                                      const char *url,
                                      const char *method,
                                      const char *version,
                                      const char *upload_data,
                                      size_t *upload_data_size,
                                      void **con_cls)
{
    RedfishHttp *h = cls;
    RedfishHttpRequest *req = *con_cls;

    (void) version;
    if (!req) {
        req = calloc(1, sizeof(*req));
        if (!req) {
            return MHD_NO; /* MHD closes the connection */
        }
        req->http = h;
        req->connection = connection;
        req->next = h->requests;
        if (h->requests) {
            h->requests->prev = req;
        }
        h->requests = req;
        *con_cls = req;
        return MHD_YES;
    }
    if (req->phase == REQUEST_RECEIVING && *upload_data_size > 0) {
        /* Bounded: the rest of a too large body is read and dropped, then answered 413. */
        if (!req->too_large && *upload_data_size <= REDFISH_HTTP_BODY_MAX - req->len) {
            (void) memcpy(req->body + req->len, upload_data, *upload_data_size);
            req->len += *upload_data_size;
        } else {
            req->too_large = true;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->phase == REQUEST_RECEIVING) {
        req->phase = REQUEST_WAITING;
        req->body[req->len] = '\0';
        const RedfishHttpMessage msg = { .method = method,
                                         .url = url,
                                         .body = req->too_large ? "" : req->body,
                                         .len = req->too_large ? 0 : req->len,
                                         .too_large = req->too_large };

        h->cb.on_request(req, &msg, h->userdata);
    }
    if (req->phase == REQUEST_ANSWERED && req->response) {
        return queue_answer(req);
    }
    if (req->phase == REQUEST_WAITING && !req->suspended) {
        MHD_suspend_connection(connection);
        req->suspended = true;
    }
    return MHD_YES;
}

void redfish_http_answer_header(RedfishHttpAnswer *a, const char *name, const char *value)
{
    if (a->n_headers < REDFISH_HTTP_HEADERS_MAX) {
        a->headers[a->n_headers++] = (RedfishHttpHeader){ name, value };
    }
}

int redfish_http_respond(RedfishHttpRequest *req, const RedfishHttpAnswer *a)
{
    const char *body = a->body ? a->body : "";
    struct MHD_Response *resp = NULL;

    if (req->phase == REQUEST_ANSWERED) {
        return -EALREADY;
    }
    resp = MHD_create_response_from_buffer(strlen(body), (void *) body, MHD_RESPMEM_MUST_COPY);
    if (!resp) {
        return -ENOMEM;
    }
    if (a->body) {
        (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                       a->content_type ? a->content_type
                                                       : "application/json;charset=utf-8");
    }
    (void) MHD_add_response_header(resp, "OData-Version", "4.0");
    (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    for (size_t i = 0; i < a->n_headers; i++) {
        (void) MHD_add_response_header(resp, a->headers[i].name, a->headers[i].value);
    }
    req->response = resp;
    req->status = a->status;
    req->phase = REQUEST_ANSWERED;
    if (req->suspended) {
        req->suspended = false;
        MHD_resume_connection(req->connection);
        /* The handler runs again on MHD's next turn and queues the answer. */
        http_rearm(req->http, true);
    }
    return 0;
}

const char *redfish_http_header(RedfishHttpRequest *req, const char *name)
{
    return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

typedef struct QueryFind {
    bool (*pred)(const char *name);
    const char *found;
} QueryFind;

static enum MHD_Result
query_key(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    QueryFind *q = cls;

    (void) kind;
    (void) value;
    if (key && q->pred(key)) {
        q->found = key;
        return MHD_NO; /* the first is enough */
    }
    return MHD_YES;
}

const char *redfish_http_query(RedfishHttpRequest *req, bool (*pred)(const char *name))
{
    QueryFind q = { .pred = pred };

    (void) MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, query_key, &q);
    return q.found;
}

static int
http_sockaddr(const char *host, uint16_t port, struct sockaddr_storage *ret, bool *ret_v6)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *) ret;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ret;

    *ret = (struct sockaddr_storage){ 0 };
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(port);
        *ret_v6 = false;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        *ret_v6 = true;
        return 0;
    }
    return -EINVAL;
}

static int http_add_sources(RedfishHttp *h)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    const union MHD_DaemonInfo *port = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    int r;

    if (!info || info->epoll_fd < 0 || !port) {
        return -EIO;
    }
    h->port = port->port;
    r = sd_event_add_io(h->event, &h->io, info->epoll_fd, EPOLLIN, on_http_io, h);
    if (r < 0) {
        return r;
    }
    r = sd_event_add_time_relative(h->event, &h->timer, CLOCK_MONOTONIC, 0, 0, on_http_timer, h);
    if (r < 0) {
        return r;
    }
    http_rearm(h, false);
    return 0;
}

int redfish_http_new(sd_event *event,
                     const RedfishHttpListen *where,
                     const RedfishHttpCallbacks *cb,
                     void *userdata,
                     RedfishHttp **ret)
{
    const char *tls_cert_pem = where->tls_cert_pem;
    const char *tls_key_pem = where->tls_key_pem;
    struct sockaddr_storage addr;
    bool v6 = false;
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
    RedfishHttp *h = NULL;
    int r = http_sockaddr(where->host, where->port, &addr, &v6);

    if (r < 0) {
        return r;
    }
    h = calloc(1, sizeof(*h));
    if (!h) {
        return -ENOMEM;
    }
    h->event = sd_event_ref(event);
    h->cb = *cb;
    h->userdata = userdata;
    if (v6) {
        flags |= MHD_USE_IPv6;
    }
    if (tls_cert_pem || tls_key_pem) {
        if (!tls_cert_pem || !tls_key_pem) {
            (void) redfish_http_free(h);
            return -EINVAL;
        }
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            (void) redfish_http_free(h);
            return -EOPNOTSUPP;
        }
        flags |= MHD_USE_TLS;
    }
    errno = 0;
    /* Without TLS the key and certificate options are NULL, which MHD takes as absent; they come
     * last so an MHD_OPTION_END ends the list early then. */
    h->daemon = MHD_start_daemon(
            flags, where->port, NULL, NULL, on_http_access, h, MHD_OPTION_SOCK_ADDR,
            (struct sockaddr *) &addr, MHD_OPTION_CONNECTION_LIMIT,
            (unsigned) HTTP_CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned) HTTP_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            (size_t) HTTP_MEMORY_LIMIT, MHD_OPTION_NOTIFY_COMPLETED, on_http_completed, h,
            tls_cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, tls_cert_pem,
            MHD_OPTION_HTTPS_MEM_KEY, tls_key_pem, MHD_OPTION_END);
    if (!h->daemon) {
        /* MHD reports no reason; errno is what bind() or listen() left, when they failed. */
        r = errno > 0 ? -errno : -EIO;
        (void) redfish_http_free(h);
        return r;
    }
    r = http_add_sources(h);
    if (r < 0) {
        (void) redfish_http_free(h);
        return r;
    }
    *ret = h;
    return 0;
}

RedfishHttp *redfish_http_free(RedfishHttp *h)
{
    if (!h) {
        return NULL;
    }
    if (h->daemon) {
        /* MHD_stop_daemon() refuses suspended connections: resume them, to be closed. */
        for (RedfishHttpRequest *req = h->requests; req; req = req->next) {
            if (req->suspended) {
                req->suspended = false;
                MHD_resume_connection(req->connection);
            }
        }
        MHD_stop_daemon(h->daemon);
    }
    h->io = sd_event_source_disable_unref(h->io);
    h->timer = sd_event_source_disable_unref(h->timer);
    h->event = sd_event_unref(h->event);
    free(h);
    return NULL;
}

uint16_t redfish_http_port(const RedfishHttp *h)
{
    return h->port;
}
