/* SPDX-License-Identifier: Apache-2.0 */
/* statebus-agent: one node's BMC, chassis, host and boot-progress state on the state bus. */
#include <errno.h>
#include <stdio.h>
#include <systemd/sd-event.h>

#include "agent-options.h"
#include "agent.h"
#include "backend.h"
#include "daemon.h"
#include "log.h"
#include "macro.h"

static int on_stop_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
    (void) s;
    (void) si;
    agent_stop(userdata);
    return 0;
}

static void agent_freep(Agent **a)
{
    agent_free(*a);
}

/* Exit codes (contract.md "Command lines"): 0 clean stop, 2 bad usage or config, 1 runtime. */
static int run(int argc, char **argv)
{
    CLEANUP(sd_event_unrefp) sd_event *event = NULL;
    CLEANUP(agent_freep) Agent *agent = NULL;
    const BackendOps *backend = NULL;
    AgentOptions opts;
    char err[512];
    int r;

    agent_options_init(&opts);
    r = agent_options_parse(&opts, argc, argv, err, sizeof(err));
    if (r < 0) {
        fprintf(stderr, "statebus-agent: %s\n", err);
        return 2;
    }
    if (r == OPT_RESULT_HELP || r == OPT_RESULT_VERSION) {
        return 0;
    }
    backend = backend_find(agent_backend_names[opts.backend]);
    if (!backend) {
        /* The option table and the backend list come from one enum; this is a build error. */
        fprintf(stderr, "statebus-agent: backend '%s' is not built in\n",
                agent_backend_names[opts.backend]);
        return 2;
    }
    log_set_max_level(opts.verbose ? LOG_DEBUG : LOG_INFO);

    r = sd_event_default(&event);
    if (r < 0) {
        (void) log_error_errno(r, "agent: failed to allocate the event loop: %m");
        return 1;
    }
    r = agent_new(event, &opts, backend, &agent);
    if (r < 0) {
        (void) log_error_errno(r, "agent: node=%u failed to start: %m", (unsigned) opts.node);
        return 1;
    }
    r = daemon_setup(event, on_stop_signal, agent);
    if (r < 0) {
        (void) log_error_errno(r, "agent: failed to set up signals and watchdog: %m");
        return 1;
    }
    r = agent_start(agent);
    if (r < 0) {
        return 1;
    }
    r = sd_event_loop(event);
    if (r < 0) {
        (void) log_error_errno(r, "agent: node=%u event loop failed: %m", (unsigned) opts.node);
        return 1;
    }
    log_info("agent: node=%u stopped", (unsigned) opts.node);
    return r == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return run(argc, argv);
}
