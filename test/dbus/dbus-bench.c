/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dbus-bench: what statebus-dbus costs (BENCHMARKS.md "D-Bus presenter"). It stands in for the
 * coordinator (publishes system/status and the rollups of an N-node system, as the coordinator
 * does), and measures against a running statebus-dbus on the given bus:
 *
 *   - the delay from a host rollup's arrival to the PropertiesChanged of CurrentHostState, per
 *     change: arrival = when this program's own subscription to the same topic receives it (the
 *     broker delivers it to the presenter at the same time), received = when the signal reaches
 *     this program through dbus-daemon; also publish -> signal (end to end);
 *   - property reads per second: Get CurrentHostState one call at a time, and with 32 calls in
 *     flight.
 *
 *   dbus-bench --broker PORT --system ID --bus ADDRESS [--nodes 16] [--changes 2000]
 *              [--read-seconds 2]
 *
 * Prints one "key value" line per figure. A bench tool, not product code: libmosquitto runs on
 * its own thread (mosquitto_loop_start), the D-Bus side on the main one.
 */
#include <errno.h>
#include <inttypes.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "statebus/payload.h"

#define HOST_NAME  "xyz.openbmc_project.State.Host"
#define HOST_PATH  "/xyz/openbmc_project/state/host0"
#define HOST_IFACE "xyz.openbmc_project.State.Host"
#define IN_FLIGHT  32

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static uint64_t arrived_seq; /* seq of the last host rollup our subscription received */
static uint64_t arrived_ns;
static bool subscribed;
static char host_topic[256];

static uint64_t now_ns(void)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static uint64_t unix_ms(void)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static void on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
    SbRollupMsg r;
    uint64_t t = now_ns();

    (void) m;
    (void) ud;
    if (strcmp(msg->topic, host_topic) != 0 ||
        sb_rollup_decode(msg->payload, (size_t) msg->payloadlen, SB_KIND_HOST, &r, NULL) < 0) {
        return;
    }
    pthread_mutex_lock(&lock);
    arrived_seq = r.seq;
    arrived_ns = t;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

static void on_subscribe(struct mosquitto *m, void *ud, int mid, int n, const int *granted)
{
    (void) m;
    (void) ud;
    (void) mid;
    (void) n;
    (void) granted;
    pthread_mutex_lock(&lock);
    subscribed = true;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

static int publish_rollup(struct mosquitto *mosq,
                          const char *system,
                          SbStateKind kind,
                          int state,
                          uint32_t nodes,
                          uint64_t seq)
{
    static const char *const names[] = { "bmc", "chassis", "host", "boot-progress" };
    SbRollupMsg r = { .kind = kind,
                      .state = state,
                      .since_ms = unix_ms(),
                      .epoch = 1,
                      .seq = seq,
                      .expected = nodes };
    char payload[SB_PAYLOAD_MAX + 1];
    char topic[256];
    int n;

    for (uint32_t i = 0; i < nodes && i < SB_ROLLUP_NODES_MAX; i++) {
        r.nodes[r.n_nodes++] = (SbRollupNode){ .node = i + 1, .state = state };
    }
    r.counts[state] = nodes;
    n = sb_rollup_encode(&r, payload, sizeof(payload));
    if (n < 0) {
        return n;
    }
    (void) snprintf(topic, sizeof(topic), "statebus/%s/system/%s", system, names[kind]);
    return mosquitto_publish(mosq, NULL, topic, n, payload, 0, true) == MOSQ_ERR_SUCCESS ? 0 : -EIO;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

static void print_percentiles(const char *name, uint64_t *v, size_t n)
{
    qsort(v, n, sizeof(v[0]), cmp_u64);
    printf("%s_p50_us %.1f\n", name, (double) v[n / 2] / 1000.0);
    printf("%s_p99_us %.1f\n", name, (double) v[n * 99 / 100] / 1000.0);
    printf("%s_max_us %.1f\n", name, (double) v[n - 1] / 1000.0);
}

typedef struct Wait {
    bool seen;
    const char *want;
    uint64_t at_ns;
} Wait;

static int on_changed(sd_bus_message *m, void *ud, sd_bus_error *e)
{
    Wait *w = ud;
    const char *iface, *name, *value;
    uint64_t t = now_ns();

    (void) e;
    if (sd_bus_message_read(m, "s", &iface) < 0 ||
        sd_bus_message_enter_container(m, 'a', "{sv}") < 0) {
        return 0;
    }
    while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
        if (sd_bus_message_read(m, "s", &name) < 0) {
            return 0;
        }
        if (strcmp(name, "CurrentHostState") == 0 &&
            sd_bus_message_read(m, "v", "s", &value) >= 0) {
            if (w->want && strcmp(value, w->want) == 0) {
                w->seen = true;
                w->at_ns = t;
            }
        } else if (sd_bus_message_skip(m, "v") < 0) {
            return 0;
        }
        (void) sd_bus_message_exit_container(m);
    }
    return 0;
}

static int wait_signal(sd_bus *bus, Wait *w, uint64_t timeout_ns)
{
    uint64_t deadline = now_ns() + timeout_ns;

    while (!w->seen) {
        int r = sd_bus_process(bus, NULL);
        uint64_t now;

        if (r < 0) {
            return r;
        }
        if (r > 0) {
            continue;
        }
        now = now_ns();
        if (now >= deadline) {
            return -ETIMEDOUT;
        }
        r = sd_bus_wait(bus, (deadline - now) / 1000u);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

static int on_name_owner_changed(sd_bus_message *m, void *ud, sd_bus_error *e)
{
    (void) m;
    (void) ud;
    (void) e;
    return 0; /* only to wake the wait below */
}

static int on_get_reply(sd_bus_message *m, void *ud, sd_bus_error *e)
{
    unsigned *done = ud;

    (void) m;
    (void) e;
    (*done)++;
    return 0;
}

int main(int argc, char **argv)
{
    const char *system = "bench", *address = NULL;
    int port = 1883;
    uint32_t nodes = 16;
    unsigned changes = 2000;
    double read_seconds = 2;
    struct mosquitto *mosq;
    sd_bus *bus = NULL;
    sd_bus_slot *match = NULL;
    Wait w = { 0 };
    uint64_t *arrival, *e2e, *hop, *reads;
    size_t n_reads = 0, reads_cap = 1u << 20;
    char status[128];
    int r;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--broker") == 0) {
            port = atoi(argv[i + 1]);
        } else if (strcmp(argv[i], "--system") == 0) {
            system = argv[i + 1];
        } else if (strcmp(argv[i], "--bus") == 0) {
            address = argv[i + 1];
        } else if (strcmp(argv[i], "--nodes") == 0) {
            nodes = (uint32_t) strtoul(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--changes") == 0) {
            changes = (unsigned) strtoul(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--read-seconds") == 0) {
            read_seconds = strtod(argv[i + 1], NULL);
        } else {
            fprintf(stderr, "dbus-bench: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (!address || changes < 2 || nodes < 1) {
        fprintf(stderr, "usage: dbus-bench --broker PORT --system ID --bus ADDRESS [--nodes N] "
                        "[--changes N] [--read-seconds S]\n");
        return 2;
    }
    arrival = calloc(changes, sizeof(*arrival));
    e2e = calloc(changes, sizeof(*e2e));
    hop = calloc(changes, sizeof(*hop));
    reads = calloc(reads_cap, sizeof(*reads));
    if (!arrival || !e2e || !hop || !reads) {
        return 1;
    }

    (void) mosquitto_lib_init();
    mosq = mosquitto_new(NULL, true, NULL);
    mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_message_callback_set(mosq, on_message);
    mosquitto_subscribe_callback_set(mosq, on_subscribe);
    if (mosquitto_connect(mosq, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS ||
        mosquitto_loop_start(mosq) != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "dbus-bench: cannot connect to 127.0.0.1:%d\n", port);
        return 1;
    }
    (void) snprintf(host_topic, sizeof(host_topic), "statebus/%s/system/host", system);
    (void) mosquitto_subscribe(mosq, NULL, host_topic, 0);
    pthread_mutex_lock(&lock);
    while (!subscribed) {
        pthread_cond_wait(&cond, &lock);
    }
    pthread_mutex_unlock(&lock);

    /* The coordinator's retained state, as the presenter needs it to own its names. */
    r = snprintf(status, sizeof(status),
                 "{\"v\":1,\"status\":\"online\",\"epoch\":1,\"time\":%" PRIu64 "}", unix_ms());
    {
        char topic[256];
        (void) snprintf(topic, sizeof(topic), "statebus/%s/system/status", system);
        (void) mosquitto_publish(mosq, NULL, topic, r, status, 1, true);
    }
    (void) publish_rollup(mosq, system, SB_KIND_BMC, SB_BMC_READY, nodes, 1);
    (void) publish_rollup(mosq, system, SB_KIND_CHASSIS, SB_CHASSIS_ON, nodes, 2);
    (void) publish_rollup(mosq, system, SB_KIND_BOOT_PROGRESS, SB_BOOT_OS_RUNNING, nodes, 3);
    (void) publish_rollup(mosq, system, SB_KIND_HOST, SB_HOST_OFF, nodes, 4);

    r = sd_bus_new(&bus);
    if (r >= 0) {
        r = sd_bus_set_address(bus, address);
    }
    if (r >= 0) {
        r = sd_bus_set_bus_client(bus, 1);
    }
    if (r >= 0) {
        r = sd_bus_start(bus);
    }
    if (r >= 0) {
        r = sd_bus_match_signal(bus, &match, HOST_NAME, HOST_PATH,
                                "org.freedesktop.DBus.Properties", "PropertiesChanged", on_changed,
                                &w);
    }
    if (r >= 0) {
        r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                "org.freedesktop.DBus", "NameOwnerChanged", on_name_owner_changed,
                                NULL);
    }
    if (r < 0) {
        fprintf(stderr, "dbus-bench: bus %s: %s\n", address, strerror(-r));
        return 1;
    }
    /* Until the presenter owns its name and shows Off (bounded). */
    for (int i = 0;; i++) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        char *value = NULL;

        r = sd_bus_get_property_string(bus, HOST_NAME, HOST_PATH, HOST_IFACE, "CurrentHostState",
                                       &err, &value);
        sd_bus_error_free(&err);
        if (r >= 0 && strstr(value, ".Off")) {
            free(value);
            break;
        }
        free(value);
        if (i > 200) {
            fprintf(stderr, "dbus-bench: the presenter never showed host0\n");
            return 1;
        }
        /* Woken by the presenter's NameOwnerChanged or any other message; 100 ms at most. */
        (void) sd_bus_wait(bus, 100000);
        while (sd_bus_process(bus, NULL) > 0) {
        }
    }

    /* Rollup changes: Off, Running, Off, ... */
    for (unsigned i = 0; i < changes; i++) {
        bool running = i % 2 == 0;
        uint64_t seq = 10 + i, sent;

        w = (Wait){ .want = running ? HOST_IFACE ".HostState.Running"
                                    : HOST_IFACE ".HostState.Off" };
        sent = now_ns();
        r = publish_rollup(mosq, system, SB_KIND_HOST, running ? SB_HOST_RUNNING : SB_HOST_OFF,
                           nodes, seq);
        if (r >= 0) {
            r = wait_signal(bus, &w, 2000000000u);
        }
        if (r < 0) {
            fprintf(stderr, "dbus-bench: change %u: %s\n", i, strerror(-r));
            return 1;
        }
        pthread_mutex_lock(&lock);
        while (arrived_seq < seq) {
            pthread_cond_wait(&cond, &lock);
        }
        arrival[i] = w.at_ns > arrived_ns ? w.at_ns - arrived_ns : 0;
        hop[i] = arrived_ns - sent;
        pthread_mutex_unlock(&lock);
        e2e[i] = w.at_ns - sent;
    }
    printf("nodes %u\nchanges %u\n", nodes, changes);
    print_percentiles("arrival_to_signal", arrival, changes);
    print_percentiles("publish_to_signal", e2e, changes);
    /* Baseline of the same machine at the same time: the broker's hop alone. */
    print_percentiles("mqtt_hop", hop, changes);

    /* Reads: one at a time, then IN_FLIGHT pipelined. */
    {
        uint64_t start = now_ns(), end = start + (uint64_t) (read_seconds * 1e9);
        unsigned long n = 0;

        while (now_ns() < end) {
            sd_bus_error err = SD_BUS_ERROR_NULL;
            char *value = NULL;
            uint64_t t0 = now_ns();
            r = sd_bus_get_property_string(bus, HOST_NAME, HOST_PATH, HOST_IFACE,
                                           "CurrentHostState", &err, &value);
            sd_bus_error_free(&err);
            free(value);
            if (r < 0) {
                fprintf(stderr, "dbus-bench: read: %s\n", strerror(-r));
                return 1;
            }
            if (n_reads < reads_cap) {
                reads[n_reads++] = now_ns() - t0;
            }
            n++;
        }
        printf("reads_per_s_sequential %.0f\n", (double) n / ((double) (now_ns() - start) / 1e9));
        print_percentiles("read_latency", reads, n_reads);
    }
    {
        uint64_t start = now_ns(), end = start + (uint64_t) (read_seconds * 1e9);
        unsigned sent = 0, done = 0;

        while (now_ns() < end || done < sent) {
            while (sent - done < IN_FLIGHT && now_ns() < end) {
                r = sd_bus_call_method_async(bus, NULL, HOST_NAME, HOST_PATH,
                                             "org.freedesktop.DBus.Properties", "Get", on_get_reply,
                                             &done, "ss", HOST_IFACE, "CurrentHostState");
                if (r < 0) {
                    fprintf(stderr, "dbus-bench: read: %s\n", strerror(-r));
                    return 1;
                }
                sent++;
            }
            r = sd_bus_process(bus, NULL);
            if (r == 0) {
                r = sd_bus_wait(bus, 100000);
            }
            if (r < 0) {
                return 1;
            }
        }
        printf("reads_per_s_%u_in_flight %.0f\n", IN_FLIGHT,
               (double) done / ((double) (now_ns() - start) / 1e9));
    }
    sd_bus_slot_unref(match);
    sd_bus_flush_close_unref(bus);
    mosquitto_disconnect(mosq);
    mosquitto_loop_stop(mosq, false);
    mosquitto_destroy(mosq);
    mosquitto_lib_cleanup();
    free(arrival);
    free(e2e);
    free(hop);
    free(reads);
    return 0;
}
