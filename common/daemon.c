/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

int daemon_setup(sd_event *event, sd_event_signal_handler_t on_stop_signal, void *userdata)
{
    static const int signals[] = { SIGTERM, SIGINT };
    int r;

    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
        /* SD_EVENT_SIGNAL_PROCMASK blocks the signal first, so it can only arrive through the
         * signalfd; a NULL source pointer makes the source belong to the loop. */
        r = sd_event_add_signal(event, NULL, signals[i] | SD_EVENT_SIGNAL_PROCMASK, on_stop_signal,
                                userdata);
        if (r < 0) {
            return r;
        }
    }
    r = sd_event_set_watchdog(event, 1);
    return r < 0 ? r : 0;
}

int daemon_notify_ready(void)
{
    return sd_notify(0, "READY=1");
}

int daemon_notify_stopping(void)
{
    return sd_notify(0, "STOPPING=1");
}

int daemon_notify_status(const char *format, ...)
{
    char line[256];
    va_list ap;

    va_start(ap, format);
    (void) vsnprintf(line, sizeof(line), format, ap);
    va_end(ap);
    return sd_notifyf(0, "STATUS=%s", line);
}
