/* SPDX-License-Identifier: Apache-2.0 */
/* statebus-dbus: parse options, build the presenter, run it, map the result to an exit code
 * (contract.md "Command lines": 0 clean stop, 2 bad usage or config, 1 runtime failure). */
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>

#include "dbus-options.h"
#include "dbus-presenter.h"
#include "log.h"

int main(int argc, char **argv)
{
    DbusOptions opts;
    DbusPresenter *p = NULL;
    char err[512];
    int r;

    r = dbus_options_parse(argc, argv, &opts, err, sizeof(err));
    if (r == OPT_RESULT_HELP || r == OPT_RESULT_VERSION) {
        return EXIT_SUCCESS;
    }
    if (r < 0) {
        (void) fprintf(stderr, "statebus-dbus: %s\n", err);
        return 2;
    }
    log_set_max_level(opts.verbose ? LOG_DEBUG : LOG_INFO);

    /* Not thread safe, once, before any client exists (libmosquitto's rule). */
    (void) mosquitto_lib_init();
    r = dbus_presenter_new(&opts, &p);
    if (r >= 0) {
        r = dbus_presenter_run(p);
    }
    p = dbus_presenter_free(p);
    (void) mosquitto_lib_cleanup();
    return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
