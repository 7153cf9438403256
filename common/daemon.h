/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process life cycle of a daemon on sd-event: SIGTERM/SIGINT as event sources, the systemd
 * watchdog, and sd_notify() states. Everything here is harmless when not run by systemd
 * (sd_notify() without $NOTIFY_SOCKET does nothing; the watchdog is only armed with
 * $WATCHDOG_USEC).
 */
#ifndef STATEBUS_DAEMON_H
#define STATEBUS_DAEMON_H

#include <systemd/sd-event.h>

/* Blocks SIGTERM and SIGINT and delivers each as a call of on_stop_signal (the sources belong to
 * event), and keeps the systemd watchdog fed from the loop (sd_event_set_watchdog()).
 * Returns 0 or negative errno. */
int daemon_setup(sd_event *event, sd_event_signal_handler_t on_stop_signal, void *userdata);

/* sd_notify() wrappers; they return what sd_notify() does (0 when not under systemd, > 0 when
 * sent, negative errno on failure), which callers may ignore. */
int daemon_notify_ready(void);    /* READY=1: up (the agent: its backend started) */
int daemon_notify_stopping(void); /* STOPPING=1: a clean stop has begun */
int daemon_notify_status(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
