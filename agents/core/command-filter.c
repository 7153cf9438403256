/* SPDX-License-Identifier: Apache-2.0 */
#include "command-filter.h"

#include <string.h>

void command_filter_init(CommandFilter *f)
{
    memset(f, 0, sizeof(*f));
}

bool command_filter_seen(const CommandFilter *f, const char *id)
{
    if (!id || !*id) {
        return false;
    }
    for (size_t i = 0; i < f->count; i++) {
        if (strcmp(f->ids[i], id) == 0) {
            return true;
        }
    }
    return false;
}

void command_filter_remember(CommandFilter *f, const char *id)
{
    size_t len;

    if (!id || !*id || command_filter_seen(f, id)) {
        return;
    }
    len = strnlen(id, SB_ID_MAX);
    memcpy(f->ids[f->next], id, len);
    f->ids[f->next][len] = '\0';
    f->next = (f->next + 1) % COMMAND_FILTER_IDS;
    if (f->count < COMMAND_FILTER_IDS) {
        f->count++;
    }
}

static CommandVerdict verdict(CommandVerdict v, const char *why, const char **ret_why)
{
    if (ret_why) {
        *ret_why = why;
    }
    return v;
}

CommandVerdict command_filter_check(const CommandFilter *f,
                                    SbTarget target,
                                    const SbCommand *cmd,
                                    bool retained,
                                    uint64_t now_unix_ms,
                                    const char **ret_why)
{
    if (retained) {
        return verdict(COMMAND_REJECT, "delivered with the retain flag", ret_why);
    }
    if (!sb_transition_valid_for(target, cmd->transition)) {
        return verdict(COMMAND_REJECT, "transition not valid for the target", ret_why);
    }
    if (command_filter_seen(f, cmd->id)) {
        return verdict(COMMAND_DUPLICATE, "id already carried out", ret_why);
    }
    if (cmd->deadline_ms != 0 && cmd->deadline_ms < now_unix_ms) {
        return verdict(COMMAND_REJECT, "past deadline", ret_why);
    }
    return verdict(COMMAND_ACCEPT, "", ret_why);
}
