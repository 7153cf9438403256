/* SPDX-License-Identifier: Apache-2.0 */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* A decimal number at p (leading white space allowed, as strtoull skips it). */
static bool read_number(const char *p, uint64_t *ret)
{
    unsigned long long v;
    char *end = NULL;

    errno = 0;
    v = strtoull(p, &end, 10);
    if (errno != 0 || end == p) {
        return false;
    }
    *ret = v;
    return true;
}

/* "Name:   1234 kB" in a /proc status-style line: true with the number when line is field name. */
static bool proc_field_kib(const char *line, const char *name, uint64_t *ret)
{
    size_t len = strlen(name);

    return strncmp(line, name, len) == 0 && line[len] == ':' && read_number(line + len + 1, ret);
}

/* Field number field (1-based, as proc(5) counts) of /proc/<pid>/stat, given the text after the
 * command name's closing parenthesis (which starts at field 3). */
static int stat_field(const char *after_comm, unsigned field, uint64_t *ret)
{
    const char *p = after_comm;

    for (unsigned f = 3; f < field; f++) {
        p += strspn(p, " ");
        p += strcspn(p, " ");
    }
    return read_number(p, ret) ? 0 : -EBADMSG;
}

int proc_spawn(Proc *p, char *const argv[], const char *log_path)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int r;

    r = posix_spawn_file_actions_init(&fa);
    if (r != 0) {
        return -r;
    }
    r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (r == 0) {
        r = posix_spawn_file_actions_addopen(&fa, 2, log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    }
    if (r == 0) {
        r = posix_spawn_file_actions_adddup2(&fa, 2, 1);
    }
    if (r == 0) {
        r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    }
    (void) posix_spawn_file_actions_destroy(&fa);
    if (r != 0) {
        return -r;
    }
    p->pid = pid;
    /* A pidfd turns "wait for the exit, at most T" into one poll(). */
    p->pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    return 0;
}

static int reap(Proc *p)
{
    int status = 0;

    if (waitpid(p->pid, &status, 0) < 0) {
        return -errno;
    }
    if (p->pidfd >= 0) {
        (void) close(p->pidfd);
    }
    p->pid = 0;
    p->pidfd = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

int proc_stop(Proc *p, uint64_t timeout_ms)
{
    struct pollfd pfd;

    if (p->pid <= 0) {
        return 0;
    }
    (void) kill(p->pid, SIGTERM);
    pfd = (struct pollfd){ .fd = p->pidfd, .events = POLLIN };
    if (p->pidfd >= 0 && poll(&pfd, 1, (int) timeout_ms) == 1) {
        return reap(p);
    }
    (void) kill(p->pid, SIGKILL);
    (void) reap(p);
    return -ETIMEDOUT;
}

bool proc_alive(Proc *p)
{
    struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };

    if (p->pid <= 0) {
        return false;
    }
    if (p->pidfd >= 0 && poll(&pfd, 1, 0) == 0) {
        return true;
    }
    (void) reap(p);
    return false;
}

int proc_memory(pid_t pid, uint64_t *ret_rss_kib, uint64_t *ret_hwm_kib)
{
    char path[64], line[256];
    uint64_t rss = 0, hwm = 0;
    FILE *f;

    (void) snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
    f = fopen(path, "re");
    if (!f) {
        return -errno;
    }
    while (fgets(line, sizeof(line), f)) {
        (void) proc_field_kib(line, "VmRSS", &rss);
        (void) proc_field_kib(line, "VmHWM", &hwm);
    }
    (void) fclose(f);
    if (rss == 0 || hwm == 0) {
        return -ENODATA;
    }
    *ret_rss_kib = rss;
    *ret_hwm_kib = hwm;
    return 0;
}

int proc_memory_private(pid_t pid, uint64_t *ret_pss_kib, uint64_t *ret_private_kib)
{
    char path[64], line[256];
    uint64_t pss = 0, clean = 0, dirty = 0;
    FILE *f;

    (void) snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int) pid);
    f = fopen(path, "re");
    if (!f) {
        return -errno;
    }
    while (fgets(line, sizeof(line), f)) {
        (void) proc_field_kib(line, "Pss", &pss);
        (void) proc_field_kib(line, "Private_Clean", &clean);
        (void) proc_field_kib(line, "Private_Dirty", &dirty);
    }
    (void) fclose(f);
    if (pss == 0) {
        return -ENODATA;
    }
    *ret_pss_kib = pss;
    *ret_private_kib = clean + dirty;
    return 0;
}

int proc_cpu_us(pid_t pid, uint64_t *ret_us)
{
    char path[64], buf[1024], *p;
    uint64_t utime = 0, stime = 0;
    long ticks = sysconf(_SC_CLK_TCK);
    size_t n;
    FILE *f;

    (void) snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
    f = fopen(path, "re");
    if (!f) {
        return -errno;
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    (void) fclose(f);
    buf[n] = '\0';
    /* Fields 14 and 15 (utime, stime) follow the command name, which may hold spaces: count
     * from its closing parenthesis. */
    p = strrchr(buf, ')');
    if (!p || ticks <= 0 || stat_field(p + 1, 14, &utime) < 0 ||
        stat_field(p + 1, 15, &stime) < 0) {
        return -EBADMSG;
    }
    *ret_us = (uint64_t) (utime + stime) * 1000000u / (uint64_t) ticks;
    return 0;
}

int log_count_errors(const char *path, char *first, size_t size)
{
    char line[1024];
    int n = 0;
    FILE *f = fopen(path, "re");

    if (!f) {
        return -errno;
    }
    if (size > 0) {
        first[0] = '\0';
    }
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '<' && line[1] >= '0' && line[1] <= '3' && line[2] == '>') {
            if (n++ == 0 && size > 0) {
                line[strcspn(line, "\n")] = '\0';
                (void) snprintf(first, size, "%s", line);
            }
        }
    }
    (void) fclose(f);
    return n;
}
