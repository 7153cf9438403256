/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statebus-bench-floor: the agent's memory baseline. It links the libraries statebus-agent links
 * (libmosquitto with its OpenSSL, libsystemd, cJSON, libgpiod), initialises what every agent
 * initialises before its first publish (libmosquitto, an sd-event loop), then stops itself with
 * SIGSTOP so the benchmark reads its resident size: the part of an agent's RSS that no code of
 * ours can remove. SIGTERM (after SIGCONT) ends it.
 */
#include <cjson/cJSON.h>
#include <mosquitto.h>
#include <signal.h>
#include <stdio.h>
#include <systemd/sd-event.h>

#ifdef STATEBUS_GPIOD_API
#include <gpiod.h>
#endif

/* The libgpiod the agent links, if its gpio backend is built (the call keeps it linked). */
static const char *gpiod_version(void)
{
#if STATEBUS_GPIOD_API == 1
    return gpiod_version_string();
#elif STATEBUS_GPIOD_API == 2
    return gpiod_api_version();
#else
    return "not linked";
#endif
}

int main(void)
{
    sd_event *event = NULL;
    cJSON *object;
    int r;

    if (mosquitto_lib_init() != MOSQ_ERR_SUCCESS) {
        (void) fprintf(stderr, "<3>floor: mosquitto_lib_init failed\n");
        return 1;
    }
    r = sd_event_default(&event);
    if (r < 0) {
        (void) fprintf(stderr, "<3>floor: sd_event_default failed: %d\n", r);
        return 1;
    }
    /* One call into each remaining library, so --as-needed keeps it linked. */
    object = cJSON_CreateObject();
    cJSON_Delete(object);
    (void) fprintf(stderr, "<6>floor: libraries loaded, libgpiod %s\n", gpiod_version());
    (void) raise(SIGSTOP);
    (void) sd_event_unref(event);
    (void) mosquitto_lib_cleanup();
    return 0;
}
