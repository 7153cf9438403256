/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The processes the benchmark measures (the real statebus-coordinator and statebus-agent):
 * spawned with their stderr in a log file, stopped with SIGTERM and a bounded wait on a pidfd,
 * their memory read from /proc/<pid>/status, their logs scanned for error lines.
 */
#ifndef STATEBUS_BENCH_PROC_H
#define STATEBUS_BENCH_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct Proc {
    pid_t pid; /* 0 = not running */
    int pidfd;
} Proc;

/* Starts argv[0] with stdout and stderr appended to log_path, stdin from /dev/null. */
int proc_spawn(Proc *p, char *const argv[], const char *log_path);

/* SIGTERM, then waits up to timeout_ms for the exit (SIGKILL after that). Returns the exit
 * status (0..255), -ETIMEDOUT when it had to be killed, or -ECHILD for a death by signal. */
int proc_stop(Proc *p, uint64_t timeout_ms);

/* True while the process runs; reaps it once it has exited. */
bool proc_alive(Proc *p);

/* VmRSS and VmHWM of pid, in KiB. Returns 0 or negative errno. */
int proc_memory(pid_t pid, uint64_t *ret_rss_kib, uint64_t *ret_hwm_kib);

/* Proportional (Pss) and private (Private_Clean + Private_Dirty) resident memory of pid from
 * /proc/<pid>/smaps_rollup, in KiB: what the process adds beyond shared library pages. */
int proc_memory_private(pid_t pid, uint64_t *ret_pss_kib, uint64_t *ret_private_kib);

/* CPU time (user + system) pid has used, in microseconds. Returns 0 or negative errno. */
int proc_cpu_us(pid_t pid, uint64_t *ret_us);

/* Lines of a daemon log (common/log.h) at priority err or worse ("<0>".."<3>"); the first one is
 * copied into first. Returns the count, or negative errno when the log cannot be read. */
int log_count_errors(const char *path, char *first, size_t size);

#endif
