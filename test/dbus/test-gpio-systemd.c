/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gpio backend's BMC side (backend-gpio-systemd) against a private dbus-daemon with a
 * stand-in for systemd's manager and multi-user.target served in this process: BMC Ready from the
 * unit's ActiveState and its PropertiesChanged, reboots through StartUnit / Reboot, a refusal
 * reported, and no bus at all survived. Every wait is loop iterations until a condition, bounded.
 */
#define _GNU_SOURCE /* setenv(), pipe2(); before any system header */

/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "backend-gpio-systemd.h"

#define WAIT_MS   5000u
#define UNIT_PATH "/org/freedesktop/systemd1/unit/multi_2duser_2etarget"

typedef struct Fixture {
    char dir[128];
    pid_t daemon;
    sd_event *event;
    sd_bus *server;
    GpioSystemd *s;
    /* the stand-in for systemd */
    char active_state[32];
    unsigned gets, subscribes;
    char started_unit[64], start_mode[64];
    unsigned reboots;
    bool refuse;
    /* what the watcher reported */
    SbBmcState state;
    unsigned states;
    char failed_why[256];
    bool failed_hard;
    unsigned failures;
} Fixture;

static uint64_t mono_ms(void)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static void run_until(Fixture *f, bool (*pred)(Fixture *f), const char *what)
{
    uint64_t deadline = mono_ms() + WAIT_MS;

    while (!pred(f)) {
        uint64_t now = mono_ms();
        if (now >= deadline) {
            fail_msg("timed out after %u ms waiting for %s", WAIT_MS, what);
        }
        assert_true(sd_event_run(f->event, (deadline - now) * 1000u) >= 0);
    }
}

/* ---- systemd's side ---------------------------------------------------------------------- */

static int get_active_state(sd_bus *bus,
                            const char *path,
                            const char *interface,
                            const char *property,
                            sd_bus_message *reply,
                            void *userdata,
                            sd_bus_error *error)
{
    Fixture *f = userdata;

    (void) bus;
    (void) path;
    (void) interface;
    (void) property;
    (void) error;
    f->gets++;
    return sd_bus_message_append(reply, "s", f->active_state);
}

static int method_subscribe(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    Fixture *f = userdata;

    (void) error;
    f->subscribes++;
    return sd_bus_reply_method_return(m, "");
}

static int method_start_unit(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    Fixture *f = userdata;
    const char *unit = NULL, *mode = NULL;
    int r = sd_bus_message_read(m, "ss", &unit, &mode);

    if (r < 0) {
        return r;
    }
    (void) snprintf(f->started_unit, sizeof(f->started_unit), "%s", unit);
    (void) snprintf(f->start_mode, sizeof(f->start_mode), "%s", mode);
    if (f->refuse) {
        return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Access denied");
    }
    return sd_bus_reply_method_return(m, "o", "/org/freedesktop/systemd1/job/1");
}

static int method_reboot(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    Fixture *f = userdata;

    f->reboots++;
    if (f->refuse) {
        return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Access denied");
    }
    return sd_bus_reply_method_return(m, "");
}

static const sd_bus_vtable manager_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Subscribe", "", "", method_subscribe, 0),
    SD_BUS_METHOD("StartUnit", "ss", "o", method_start_unit, 0),
    SD_BUS_METHOD("Reboot", "", "", method_reboot, 0),
    SD_BUS_VTABLE_END,
};

static const sd_bus_vtable unit_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("ActiveState", "s", get_active_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_VTABLE_END,
};

static void set_active_state(Fixture *f, const char *state)
{
    (void) snprintf(f->active_state, sizeof(f->active_state), "%s", state);
    assert_true(sd_bus_emit_properties_changed(f->server, UNIT_PATH,
                                               "org.freedesktop.systemd1.Unit", "ActiveState",
                                               NULL) >= 0);
}

/* ---- the watcher's callbacks ------------------------------------------------------------- */

static void on_state(GpioSystemd *s, SbBmcState state, void *userdata)
{
    Fixture *f = userdata;

    (void) s;
    f->state = state;
    f->states++;
}

static void on_reboot_failed(GpioSystemd *s, bool hard, const char *why, void *userdata)
{
    Fixture *f = userdata;

    (void) s;
    f->failed_hard = hard;
    (void) snprintf(f->failed_why, sizeof(f->failed_why), "%s", why);
    f->failures++;
}

/* ---- set-up ------------------------------------------------------------------------------ */

/* dbus-daemon --nofork on a socket in f->dir; its address goes to $DBUS_SYSTEM_BUS_ADDRESS. */
static void start_bus(Fixture *f)
{
    char conf[192], address[256] = { 0 };
    FILE *c = NULL;
    int out[2];
    ssize_t n;

    (void) snprintf(conf, sizeof(conf), "%s/bus.conf", f->dir);
    c = fopen(conf, "w");
    assert_non_null(c);
    fprintf(c,
            "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" "
            "\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n<busconfig>"
            "<type>system</type><listen>unix:path=%s/bus.sock</listen><auth>EXTERNAL</auth>"
            "<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>"
            "<allow send_destination=\"*\"/><allow receive_sender=\"*\"/></policy></busconfig>\n",
            f->dir);
    assert_int_equal(fclose(c), 0);
    assert_int_equal(pipe2(out, O_CLOEXEC), 0);
    f->daemon = fork();
    assert_true(f->daemon >= 0);
    if (f->daemon == 0) {
        char arg[256];
        (void) snprintf(arg, sizeof(arg), "--config-file=%s", conf);
        (void) dup2(out[1], STDOUT_FILENO);
        execlp("dbus-daemon", "dbus-daemon", arg, "--nofork", "--print-address=1", (char *) NULL);
        _exit(127);
    }
    close(out[1]);
    n = read(out[0], address, sizeof(address) - 1);
    close(out[0]);
    assert_true(n > 0);
    address[strcspn(address, "\n")] = '\0';
    assert_int_equal(setenv("DBUS_SYSTEM_BUS_ADDRESS", address, 1), 0);
}

static void serve_systemd(Fixture *f)
{
    assert_true(sd_bus_open_system(&f->server) >= 0);
    assert_true(sd_bus_add_object_vtable(f->server, NULL, "/org/freedesktop/systemd1",
                                         "org.freedesktop.systemd1.Manager", manager_vtable,
                                         f) >= 0);
    assert_true(sd_bus_add_object_vtable(f->server, NULL, UNIT_PATH,
                                         "org.freedesktop.systemd1.Unit", unit_vtable, f) >= 0);
    assert_true(sd_bus_attach_event(f->server, f->event, 0) >= 0);
    assert_true(sd_bus_request_name(f->server, "org.freedesktop.systemd1", 0) >= 0);
}

static int setup(void **state)
{
    static Fixture f;
    const char *tmp = getenv("TMPDIR");

    memset(&f, 0, sizeof(f));
    (void) snprintf(f.dir, sizeof(f.dir), "%s/statebus-gpio-systemd-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(f.dir) || sd_event_new(&f.event) < 0) {
        return -1;
    }
    (void) snprintf(f.active_state, sizeof(f.active_state), "activating");
    f.state = SB_BMC_NOT_READY;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    char path[192];

    f->s = gpio_systemd_free(f->s);
    f->server = sd_bus_flush_close_unref(f->server);
    f->event = sd_event_unref(f->event);
    if (f->daemon > 0) {
        (void) kill(f->daemon, SIGTERM);
        (void) waitpid(f->daemon, NULL, 0);
    }
    (void) snprintf(path, sizeof(path), "%s/bus.conf", f->dir);
    (void) unlink(path);
    (void) snprintf(path, sizeof(path), "%s/bus.sock", f->dir);
    (void) unlink(path);
    return rmdir(f->dir);
}

static void watch(Fixture *f)
{
    assert_int_equal(gpio_systemd_new(f->event, "multi-user.target",
                                      &(GpioSystemdCallbacks){
                                              .on_state = on_state,
                                              .on_reboot_failed = on_reboot_failed,
                                      },
                                      f, &f->s),
                     0);
    assert_int_equal(gpio_systemd_start(f->s), 0);
}

static bool read_once(Fixture *f)
{
    return f->gets >= 1 && f->subscribes >= 1;
}

static bool is_ready(Fixture *f)
{
    return f->state == SB_BMC_READY;
}

static bool is_quiesced(Fixture *f)
{
    return f->state == SB_BMC_QUIESCED;
}

static bool is_not_ready(Fixture *f)
{
    return f->state == SB_BMC_NOT_READY;
}

static bool unit_started(Fixture *f)
{
    return f->started_unit[0] != '\0';
}

static bool rebooted(Fixture *f)
{
    return f->reboots > 0;
}

static bool refused(Fixture *f)
{
    return f->failures > 0;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_gpio_systemd_follows_the_unit(void **state)
{
    Fixture *f = *state;

    start_bus(f);
    serve_systemd(f);
    watch(f);
    run_until(f, read_once, "Subscribe and the first read of ActiveState");
    assert_int_equal(f->states, 0); /* "activating": still NotReady, nothing to report */

    set_active_state(f, "active");
    run_until(f, is_ready, "BMC Ready");
    set_active_state(f, "failed");
    run_until(f, is_quiesced, "BMC Quiesced");
    set_active_state(f, "deactivating");
    run_until(f, is_not_ready, "BMC NotReady");
    assert_int_equal(f->states, 3);
}

static void test_gpio_systemd_reboots_through_systemd(void **state)
{
    Fixture *f = *state;

    start_bus(f);
    serve_systemd(f);
    (void) snprintf(f->active_state, sizeof(f->active_state), "active");
    watch(f);
    run_until(f, is_ready, "BMC Ready");

    assert_int_equal(gpio_systemd_reboot(f->s, false), 0);
    run_until(f, unit_started, "StartUnit");
    assert_string_equal(f->started_unit, "reboot.target");
    assert_string_equal(f->start_mode, "replace-irreversibly");
    assert_int_equal(gpio_systemd_reboot(f->s, true), 0);
    run_until(f, rebooted, "Reboot");
    assert_int_equal(f->failures, 0);

    f->refuse = true;
    assert_int_equal(gpio_systemd_reboot(f->s, true), 0);
    run_until(f, refused, "the refusal");
    assert_true(f->failed_hard);
    assert_string_equal(f->failed_why, "systemd refused the hard reboot: Access denied");
}

static void test_gpio_systemd_without_a_bus(void **state)
{
    Fixture *f = *state;
    char address[256];

    (void) snprintf(address, sizeof(address), "unix:path=%s/nothing-here.sock", f->dir);
    assert_int_equal(setenv("DBUS_SYSTEM_BUS_ADDRESS", address, 1), 0);
    watch(f);
    assert_int_equal(gpio_systemd_reboot(f->s, false), -ENOTCONN);
    /* The retries run on the loop and change nothing: still NotReady, no report. */
    for (int i = 0; i < 3; i++) {
        assert_true(sd_event_run(f->event, 150000) >= 0);
    }
    assert_int_equal(f->states, 0);
    assert_int_equal(gpio_systemd_bmc_state("active"), SB_BMC_READY);
    assert_int_equal(gpio_systemd_bmc_state("failed"), SB_BMC_QUIESCED);
    assert_int_equal(gpio_systemd_bmc_state("reloading"), SB_BMC_NOT_READY);
    assert_int_equal(gpio_systemd_bmc_state(NULL), SB_BMC_NOT_READY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_gpio_systemd_follows_the_unit),
        T(test_gpio_systemd_reboots_through_systemd),
        T(test_gpio_systemd_without_a_bus),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
