/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* renameat2() */
#include "state-store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file-util.h"
#include "log.h"
#include "macro.h"

#define STATE_FILE_NAME "state.json"

int state_store_init(StateStore *s, const char *dir, const Coord *core)
{
    int r;

    *s = (StateStore){ 0 };
    r = mkdir_p(dir);
    if (r < 0) {
        return log_error_errno(r, "coordinator: failed to create state dir='%s': %m", dir);
    }
    if (snprintf(s->path, sizeof(s->path), "%s/%s", dir, STATE_FILE_NAME) >=
        (int) sizeof(s->path)) {
        return log_error_errno(-ENAMETOOLONG, "coordinator: state dir='%s' too long", dir);
    }
    s->size = coord_snapshot_size_max(core);
    s->buf = malloc(s->size);
    if (!s->buf) {
        return log_error_errno(-ENOMEM, "coordinator: failed to allocate %zu bytes: %m", s->size);
    }
    return 0;
}

void state_store_done(StateStore *s)
{
    free(s->buf);
    s->buf = NULL;
    s->size = 0;
}

/* Renames path to path.corrupt-<unix s>, adding ".N" when that name is taken: two corruptions
 * in one second must not overwrite the first one's evidence. */
static int state_store_set_aside(const StateStore *s, uint64_t now_ms, char *ret_name, size_t size)
{
    for (unsigned i = 0; i < 100; i++) {
        int n = i == 0 ? snprintf(ret_name, size, "%s.corrupt-%llu", s->path,
                                  (unsigned long long) (now_ms / 1000u))
                       : snprintf(ret_name, size, "%s.corrupt-%llu.%u", s->path,
                                  (unsigned long long) (now_ms / 1000u), i);
        if (n < 0 || (size_t) n >= size) {
            return -ENAMETOOLONG;
        }
        if (renameat2(AT_FDCWD, s->path, AT_FDCWD, ret_name, RENAME_NOREPLACE) == 0) {
            return 0;
        }
        if (errno == EINVAL) {
            /* A file system without RENAME_NOREPLACE: a plain rename still keeps the file. */
            return rename(s->path, ret_name) < 0 ? -errno : 0;
        }
        if (errno != EEXIST) {
            return -errno;
        }
    }
    return -EEXIST;
}

int state_store_load(StateStore *s, Coord *core, uint64_t now_ms)
{
    CLEANUP_FREE char *json = NULL;
    const char *why = "file too large";
    char aside[PATH_MAX + 64];
    size_t len = 0;
    int r;

    r = read_file_bounded(s->path, s->size, &json, &len);
    if (r == -ENOENT) {
        log_info("coordinator: started without state path='%s' (no file yet)", s->path);
        return 0;
    }
    if (r < 0 && r != -EFBIG) {
        return log_error_errno(r, "coordinator: failed to read state path='%s': %m", s->path);
    }
    if (r == 0) {
        r = coord_snapshot_restore(core, json, len, now_ms, &why);
        if (r == 0) {
            CoordStats st;
            coord_stats(core, &st);
            log_notice("coordinator: restored state path='%s' pending=%u active=%u epoch=%llu",
                       s->path, st.requests_pending, st.requests_active,
                       (unsigned long long) coord_epoch(core));
            if (st.restore_nodes_dropped > 0) {
                log_warning("coordinator: restored state named nodes above --nodes, left out "
                            "path='%s' node_refs=%u requests=%u",
                            s->path, st.restore_nodes_dropped, st.restore_requests_dropped);
            }
            return 0;
        }
        if (!why) {
            why = "invalid snapshot";
        }
    }

    r = state_store_set_aside(s, now_ms, aside, sizeof(aside));
    if (r < 0) {
        return log_error_errno(
                r, "coordinator: failed to set aside corrupt state path='%s' why='%s': %m", s->path,
                why);
    }
    log_error("coordinator: set aside corrupt state path='%s' moved_to='%s' why='%s', starting "
              "empty",
              s->path, aside, why);
    return 0;
}

int state_store_save(StateStore *s, const Coord *core)
{
    int n = coord_snapshot_encode(core, s->buf, s->size);

    if (n < 0) {
        return n;
    }
    return write_file_atomic(s->path, s->buf, (size_t) n);
}
