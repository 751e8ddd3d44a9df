/* LD_PRELOAD shim for the kill tests: SIGKILL the process just before its N-th write event on a
 * file whose path contains $CWB_KILL_PATH (the project file, its -wal or -journal, or an export).
 *
 *   CWB_KILL_PATH       substring of the target path. Without it the shim does nothing.
 *   CWB_KILL_AT_WRITE   1-based index of the event that is not performed. With 0 or unset, no kill.
 *   CWB_KILL_COUNT_FILE file that receives the number of matching events at exit (clean runs).
 *
 * The same shim fills the disk instead of killing when asked:
 *
 *   CWB_FAIL_FROM_WRITE the first matching event that fails; it and every later one return -1
 *   CWB_FAIL_ERRNO      the errno they fail with (default 28, ENOSPC)
 *
 * Write events are write(2), pwrite(2), pwrite64, fsync(2), fdatasync(2) on a matching file
 * descriptor and rename(2) from or to a matching path. SQLite's unix VFS writes with pwrite64
 * and syncs with fsync or fdatasync; Python's os.replace calls rename.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static long target_write = -1;
static long fail_from = 0;
static int fail_errno = 28;
static long matching_writes = 0;
static const char *target_path = NULL;
static const char *count_file = NULL;

static void report_count(void) {
    if (count_file == NULL) return;
    FILE *out = fopen(count_file, "w");
    if (out == NULL) return;
    fprintf(out, "%ld\n", matching_writes);
    fclose(out);
}

__attribute__((constructor)) static void setup(void) {
    target_path = getenv("CWB_KILL_PATH");
    const char *at = getenv("CWB_KILL_AT_WRITE");
    target_write = at ? atol(at) : 0;
    count_file = getenv("CWB_KILL_COUNT_FILE");
    const char *fail = getenv("CWB_FAIL_FROM_WRITE");
    fail_from = fail ? atol(fail) : 0;
    const char *code = getenv("CWB_FAIL_ERRNO");
    if (code) fail_errno = atoi(code);
    if (target_path && count_file) atexit(report_count);
}

static int matches(int fd) {
    if (target_path == NULL || target_path[0] == '\0') return 0;
    char link[64], resolved[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, resolved, sizeof resolved - 1);
    if (length <= 0) return 0;
    resolved[length] = '\0';
    return strstr(resolved, target_path) != NULL;
}

static int count_event_and_maybe_kill(void);

/* Returns 1 when the caller must fail the call with errno set instead of performing it. */
static int count_and_maybe_kill(int fd) {
    return matches(fd) ? count_event_and_maybe_kill() : 0;
}

static int count_event_and_maybe_kill(void) {
    /* A killed run leaves the count file as it was: only a clean run reports. */
    matching_writes++;
    if (target_write > 0 && matching_writes == target_write) kill(getpid(), SIGKILL);
    if (fail_from > 0 && matching_writes >= fail_from) {
        errno = fail_errno;
        return 1;
    }
    return 0;
}

int fsync(int fd) {
    static int (*real_fsync)(int) = NULL;
    if (!real_fsync) real_fsync = dlsym(RTLD_NEXT, "fsync");
    if (count_and_maybe_kill(fd)) return -1;
    return real_fsync(fd);
}

int fdatasync(int fd) {
    static int (*real_fdatasync)(int) = NULL;
    if (!real_fdatasync) real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    if (count_and_maybe_kill(fd)) return -1;
    return real_fdatasync(fd);
}

int rename(const char *old_path, const char *new_path) {
    static int (*real_rename)(const char *, const char *) = NULL;
    if (!real_rename) real_rename = dlsym(RTLD_NEXT, "rename");
    if (target_path && target_path[0] && (strstr(old_path, target_path) || strstr(new_path, target_path))
        && count_event_and_maybe_kill())
        return -1;
    return real_rename(old_path, new_path);
}

ssize_t write(int fd, const void *buffer, size_t count) {
    static ssize_t (*real_write)(int, const void *, size_t) = NULL;
    if (!real_write) real_write = dlsym(RTLD_NEXT, "write");
    if (count_and_maybe_kill(fd)) return -1;
    return real_write(fd, buffer, count);
}

ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) {
    static ssize_t (*real_pwrite)(int, const void *, size_t, off_t) = NULL;
    if (!real_pwrite) real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    if (count_and_maybe_kill(fd)) return -1;
    return real_pwrite(fd, buffer, count, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t count, off_t offset) {
    static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t) = NULL;
    if (!real_pwrite64) real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    if (count_and_maybe_kill(fd)) return -1;
    return real_pwrite64(fd, buffer, count, offset);
}
