/* SPDX-License-Identifier: Apache-2.0 */
/* The load generator's epoll loop over libmosquitto clients (see bench-loop.h). */
#include "bench-loop.h"

#include <errno.h>
#include <mqtt_protocol.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define EPOLL_BATCH     64
#define READ_PACKETS    4096 /* packets handled per read event before other sockets get a turn */
#define KEEPALIVE_S     60
#define MISC_PERIOD_NS  (1000ull * 1000ull * 1000ull)
#define SUBSCRIBE_BATCH 128

struct BenchClient {
    BenchLoop *loop; /* borrowed */
    struct mosquitto *mosq;
    BenchClientConfig cfg;
    char *host;
    char *client_id;
    int fd;
    uint32_t events;
    uint64_t pending; /* unacknowledged QoS 1 publishes and SUBSCRIBEs */
    bool connected;
    bool failed;
    bool closing;
    BenchClient *next;
};

struct BenchLoop {
    int epoll_fd;
    int wake_fd;
    BenchClient *clients;
    unsigned n_failed;
    uint64_t last_misc_ns;
};

uint64_t bench_now_ns(void)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

int bench_loop_new(BenchLoop **ret)
{
    BenchLoop *loop = calloc(1, sizeof(*loop));
    struct epoll_event ev = { .events = EPOLLIN };

    if (!loop) {
        return -ENOMEM;
    }
    loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    loop->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (loop->epoll_fd < 0 || loop->wake_fd < 0 ||
        epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->wake_fd, &ev) < 0) {
        int r = -errno;
        (void) bench_loop_free(loop);
        return r;
    }
    (void) mosquitto_lib_init();
    loop->last_misc_ns = bench_now_ns();
    *ret = loop;
    return 0;
}

static void client_destroy(BenchClient *c)
{
    if (c->mosq) {
        mosquitto_destroy(c->mosq);
    }
    free(c->host);
    free(c->client_id);
    free(c);
}

BenchLoop *bench_loop_free(BenchLoop *loop)
{
    if (!loop) {
        return NULL;
    }
    while (loop->clients) {
        BenchClient *c = loop->clients;
        loop->clients = c->next;
        client_destroy(c);
    }
    if (loop->epoll_fd >= 0) {
        (void) close(loop->epoll_fd);
    }
    if (loop->wake_fd >= 0) {
        (void) close(loop->wake_fd);
    }
    (void) mosquitto_lib_cleanup();
    free(loop);
    return NULL;
}

void bench_loop_wake(BenchLoop *loop)
{
    uint64_t one = 1;

    /* EAGAIN means the counter is already non-zero: the loop wakes anyway. */
    (void) !write(loop->wake_fd, &one, sizeof(one));
}

/* ---- libmosquitto callbacks ------------------------------------------------------------- */

static void
on_connect(struct mosquitto *mosq, void *obj, int rc, int flags, const mosquitto_property *props)
{
    BenchClient *c = obj;

    (void) mosq;
    (void) flags;
    (void) props;
    if (rc == 0) {
        c->connected = true;
    } else if (!c->failed) {
        c->failed = true;
        c->loop->n_failed++;
    }
}

static void
on_disconnect(struct mosquitto *mosq, void *obj, int rc, const mosquitto_property *props)
{
    BenchClient *c = obj;

    (void) mosq;
    (void) rc;
    (void) props;
    c->connected = false;
    if (!c->closing && !c->failed) {
        c->failed = true;
        c->loop->n_failed++;
    }
}

static void
on_publish(struct mosquitto *mosq, void *obj, int mid, int reason, const mosquitto_property *props)
{
    BenchClient *c = obj;

    (void) mosq;
    (void) mid;
    (void) reason;
    (void) props;
    if (c->pending > 0) {
        c->pending--;
    }
}

static void on_subscribe(struct mosquitto *mosq,
                         void *obj,
                         int mid,
                         int qos_count,
                         const int *granted,
                         const mosquitto_property *props)
{
    BenchClient *c = obj;

    (void) mosq;
    (void) mid;
    (void) props;
    for (int i = 0; i < qos_count; i++) {
        /* A refused filter (reason >= 128) would leave the benchmark waiting for nothing. */
        if (granted[i] >= 128 && !c->failed) {
            c->failed = true;
            c->loop->n_failed++;
        }
    }
    if (c->pending > 0) {
        c->pending--;
    }
}

static void
on_unsubscribe(struct mosquitto *mosq, void *obj, int mid, const mosquitto_property *props)
{
    BenchClient *c = obj;

    (void) mosq;
    (void) mid;
    (void) props;
    if (c->pending > 0) {
        c->pending--;
    }
}

static void on_message(struct mosquitto *mosq,
                       void *obj,
                       const struct mosquitto_message *msg,
                       const mosquitto_property *props)
{
    BenchClient *c = obj;

    (void) mosq;
    (void) props;
    if (c->cfg.on_message) {
        c->cfg.on_message(c, msg, c->cfg.userdata);
    }
}

/* ---- clients ---------------------------------------------------------------------------- */

static int client_setup(BenchClient *c)
{
    int rc = mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);

    if (rc == MOSQ_ERR_SUCCESS) {
        rc = mosquitto_int_option(c->mosq, MOSQ_OPT_TCP_NODELAY, 1);
    }
    if (rc == MOSQ_ERR_SUCCESS && c->cfg.receive_maximum > 0) {
        rc = mosquitto_int_option(c->mosq, MOSQ_OPT_RECEIVE_MAXIMUM, (int) c->cfg.receive_maximum);
    }
    if (rc == MOSQ_ERR_SUCCESS && c->cfg.will_topic) {
        rc = mosquitto_will_set_v5(c->mosq, c->cfg.will_topic, (int) c->cfg.will_len,
                                   c->cfg.will_payload, 1, true, NULL);
    }
    if (rc != MOSQ_ERR_SUCCESS) {
        return -EINVAL;
    }
    mosquitto_connect_v5_callback_set(c->mosq, on_connect);
    mosquitto_disconnect_v5_callback_set(c->mosq, on_disconnect);
    mosquitto_publish_v5_callback_set(c->mosq, on_publish);
    mosquitto_subscribe_v5_callback_set(c->mosq, on_subscribe);
    mosquitto_unsubscribe_v5_callback_set(c->mosq, on_unsubscribe);
    mosquitto_message_v5_callback_set(c->mosq, on_message);
    return 0;
}

int bench_client_new(BenchLoop *loop, const BenchClientConfig *cfg, BenchClient **ret)
{
    BenchClient *c = calloc(1, sizeof(*c));
    struct epoll_event ev;
    int r;

    if (!c) {
        return -ENOMEM;
    }
    c->loop = loop;
    c->cfg = *cfg;
    c->fd = -1;
    c->host = strdup(cfg->host);
    c->client_id = strdup(cfg->client_id);
    if (!c->host || !c->client_id) {
        client_destroy(c);
        return -ENOMEM;
    }
    c->cfg.host = c->host;
    c->cfg.client_id = c->client_id;
    c->mosq = mosquitto_new(c->client_id, true, c);
    if (!c->mosq) {
        client_destroy(c);
        return -ENOMEM;
    }
    r = client_setup(c);
    if (r >= 0 && mosquitto_connect_bind_async(c->mosq, c->host, c->cfg.port, KEEPALIVE_S, NULL) !=
                          MOSQ_ERR_SUCCESS) {
        r = -ECONNREFUSED;
    }
    if (r >= 0) {
        c->fd = mosquitto_socket(c->mosq);
        /* EPOLLOUT: the non-blocking connect completes when the socket becomes writable. */
        c->events = EPOLLIN | EPOLLOUT;
        ev = (struct epoll_event){ .events = c->events, .data.ptr = c };
        if (c->fd < 0 || epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
            r = -EIO;
        }
    }
    if (r < 0) {
        client_destroy(c);
        return r;
    }
    c->next = loop->clients;
    loop->clients = c;
    *ret = c;
    return 0;
}

void bench_client_disconnect(BenchClient *client)
{
    BenchLoop *loop = client->loop;

    client->closing = true;
    if (client->fd >= 0) {
        (void) epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, client->fd, NULL);
    }
    if (client->connected) {
        (void) mosquitto_disconnect(client->mosq);
    }
    for (BenchClient **p = &loop->clients; *p; p = &(*p)->next) {
        if (*p == client) {
            *p = client->next;
            break;
        }
    }
    client_destroy(client);
}

bool bench_client_is_connected(const BenchClient *client)
{
    return client->connected;
}

uint64_t bench_client_pending(const BenchClient *client)
{
    return client->pending;
}

int bench_client_publish(BenchClient *client,
                         const char *topic,
                         const void *payload,
                         size_t len,
                         bool retain)
{
    int rc;

    if (!client->connected) {
        return -ENOTCONN;
    }
    rc = mosquitto_publish_v5(client->mosq, NULL, topic, (int) len, payload, 1, retain, NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        return rc == MOSQ_ERR_NOMEM ? -ENOMEM : -EIO;
    }
    client->pending++;
    return 0;
}

int bench_client_subscribe(BenchClient *client, char *const *filters, int n)
{
    int rc;

    if (!client->connected) {
        return -ENOTCONN;
    }
    if (n <= 0 || n > SUBSCRIBE_BATCH) {
        return -EINVAL;
    }
    rc = mosquitto_subscribe_multiple(client->mosq, NULL, n, filters, 1, 0, NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        return -EIO;
    }
    client->pending++;
    return 0;
}

int bench_client_unsubscribe(BenchClient *client, char *const *filters, int n)
{
    if (!client->connected) {
        return -ENOTCONN;
    }
    if (n <= 0 || n > SUBSCRIBE_BATCH) {
        return -EINVAL;
    }
    if (mosquitto_unsubscribe_multiple(client->mosq, NULL, n, filters, NULL) != MOSQ_ERR_SUCCESS) {
        return -EIO;
    }
    client->pending++;
    return 0;
}

/* ---- the loop --------------------------------------------------------------------------- */

static void client_update_events(BenchClient *c)
{
    uint32_t events;
    struct epoll_event ev;

    if (c->fd < 0 || c->failed) {
        return;
    }
    events = EPOLLIN | (mosquitto_want_write(c->mosq) ? EPOLLOUT : 0);
    if (events == c->events) {
        return;
    }
    ev = (struct epoll_event){ .events = events, .data.ptr = c };
    if (epoll_ctl(c->loop->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev) >= 0) {
        c->events = events;
    }
}

static void client_lost(BenchClient *c)
{
    if (c->fd >= 0) {
        (void) epoll_ctl(c->loop->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
        c->fd = -1;
    }
    c->connected = false;
    if (!c->failed) {
        c->failed = true;
        c->loop->n_failed++;
    }
}

/* Drains the socket: libmosquitto reads one packet per call, so keep calling while the kernel
 * still holds bytes (a partial packet stays buffered inside libmosquitto). */
static void client_read(BenchClient *c)
{
    for (int i = 0; i < READ_PACKETS; i++) {
        int avail = 0;

        if (mosquitto_loop_read(c->mosq, 1) != MOSQ_ERR_SUCCESS || mosquitto_socket(c->mosq) < 0) {
            client_lost(c);
            return;
        }
        if (ioctl(c->fd, FIONREAD, &avail) < 0 || avail <= 0) {
            return;
        }
    }
}

static void client_handle(BenchClient *c, uint32_t revents)
{
    if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        client_read(c);
    }
    if (!c->failed && (revents & EPOLLOUT)) {
        if (mosquitto_loop_write(c->mosq, 1) != MOSQ_ERR_SUCCESS || mosquitto_socket(c->mosq) < 0) {
            client_lost(c);
        }
    }
}

int bench_loop_run_once(BenchLoop *loop, int timeout_ms)
{
    struct epoll_event events[EPOLL_BATCH];
    uint64_t now;
    int n;

    n = epoll_wait(loop->epoll_fd, events, EPOLL_BATCH, timeout_ms);
    if (n < 0 && errno != EINTR) {
        return -errno;
    }
    for (int i = 0; i < n; i++) {
        if (!events[i].data.ptr) {
            uint64_t value;
            (void) !read(loop->wake_fd, &value, sizeof(value));
            continue;
        }
        client_handle(events[i].data.ptr, events[i].events);
    }
    now = bench_now_ns();
    for (BenchClient *c = loop->clients; c; c = c->next) {
        if (c->failed) {
            continue;
        }
        /* Publishes made inside callbacks are only queued: write them now. */
        if (mosquitto_want_write(c->mosq) &&
            (mosquitto_loop_write(c->mosq, 1) != MOSQ_ERR_SUCCESS ||
             mosquitto_socket(c->mosq) < 0)) {
            client_lost(c);
            continue;
        }
        if (now - loop->last_misc_ns >= MISC_PERIOD_NS) {
            (void) mosquitto_loop_misc(c->mosq);
        }
        client_update_events(c);
    }
    if (now - loop->last_misc_ns >= MISC_PERIOD_NS) {
        loop->last_misc_ns = now;
    }
    return loop->n_failed > 0 ? -ECONNRESET : 0;
}

int bench_loop_wait(BenchLoop *loop, BenchDoneFn done, void *arg, uint64_t timeout_ms)
{
    uint64_t deadline = bench_now_ns() + timeout_ms * 1000000ull;

    for (;;) {
        uint64_t now;
        int r;

        if (loop->n_failed > 0) {
            return -ECONNRESET;
        }
        if (done(arg)) {
            return 0;
        }
        now = bench_now_ns();
        if (now >= deadline) {
            return -ETIMEDOUT;
        }
        /* Bounded slices so the misc tick (keepalive) runs during long waits. */
        r = bench_loop_run_once(loop, (int) ((deadline - now) / 1000000ull > 200
                                                     ? 200
                                                     : (deadline - now) / 1000000ull + 1));
        if (r < 0) {
            return r;
        }
    }
}

bool bench_loop_all_connected(const BenchLoop *loop)
{
    for (const BenchClient *c = loop->clients; c; c = c->next) {
        if (!c->connected) {
            return false;
        }
    }
    return true;
}

bool bench_loop_all_acked(const BenchLoop *loop)
{
    for (const BenchClient *c = loop->clients; c; c = c->next) {
        if (c->pending > 0) {
            return false;
        }
    }
    return true;
}

unsigned bench_loop_failed(const BenchLoop *loop)
{
    return loop->n_failed;
}
