/* SPDX-License-Identifier: Apache-2.0 */
/* statebus-redfish: parse options, build the bridge, run it, map the result to an exit code
 * (contract.md "Command lines": 0 clean stop, 2 bad usage or config, 1 runtime failure). */
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "redfish-bridge.h"
#include "redfish-options.h"

int main(int argc, char **argv)
{
    RedfishOptions opts;
    RedfishBridge *b = NULL;
    char err[512];
    int r;

    r = redfish_options_parse(argc, argv, &opts, err, sizeof(err));
    if (r == OPT_RESULT_HELP || r == OPT_RESULT_VERSION) {
        return EXIT_SUCCESS;
    }
    if (r < 0) {
        (void) fprintf(stderr, "statebus-redfish: %s\n", err);
        return 2;
    }
    log_set_max_level(opts.verbose ? LOG_DEBUG : LOG_INFO);

    /* Not thread safe, once, before any client exists (libmosquitto's rule). */
    (void) mosquitto_lib_init();
    r = redfish_bridge_new(&opts, &b);
    if (r >= 0) {
        r = redfish_bridge_run(b);
    }
    b = redfish_bridge_free(b);
    (void) mosquitto_lib_cleanup();
    return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
