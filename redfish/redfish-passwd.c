/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statebus-redfish-passwd FILE USER ROLE: adds USER (or replaces its line) to the bridge's accounts
 * file with a crypt() hash (libxcrypt's default method, yescrypt on Debian 12) of the password read
 * from standard input (one line; a terminal is not required), and the role ReadOnly, Operator or
 * Administrator. The file is rewritten atomically with mode 0600; the bridge reads it at start.
 */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file-util.h"
#include "macro.h"
#include "redfish-auth.h"

static int usage(void)
{
    (void) fprintf(stderr,
                   "usage: statebus-redfish-passwd FILE USER ReadOnly|Operator|Administrator"
                   " < password\n");
    return 2;
}

static int read_password(char *buf, size_t size)
{
    size_t n;

    if (!fgets(buf, (int) size, stdin)) {
        return -EINVAL;
    }
    n = strlen(buf);
    if (n > 0 && buf[n - 1] == '\n') {
        buf[--n] = '\0';
    } else if (!feof(stdin)) {
        return -E2BIG; /* longer than the bridge accepts */
    }
    if (n > 0 && buf[n - 1] == '\r') {
        buf[--n] = '\0';
    }
    return n > 0 ? 0 : -EINVAL;
}

/* The file's lines but USER's, then USER's new line. */
static char *new_text(const char *old, size_t old_len, const char *user, const char *line)
{
    size_t ulen = strlen(user);
    /* Every old line gets its newline (the last may have had none), then line, newline, NUL. */
    char *out = malloc(old_len + strlen(line) + 3);
    size_t n = 0, pos = 0;

    if (!out) {
        return NULL;
    }
    while (pos < old_len) {
        const char *l = old + pos;
        const char *nl = memchr(l, '\n', old_len - pos);
        size_t len = nl ? (size_t) (nl - l) : old_len - pos;
        pos += len + (nl ? 1 : 0);
        if (len > ulen && strncmp(l, user, ulen) == 0 && l[ulen] == ':') {
            continue;
        }
        (void) memcpy(out + n, l, len);
        n += len;
        out[n++] = '\n';
    }
    n += (size_t) sprintf(out + n, "%s\n", line);
    out[n] = '\0';
    return out;
}

int main(int argc, char **argv)
{
    char password[REDFISH_PASSWORD_MAX + 2];
    char line[REDFISH_USER_MAX + REDFISH_HASH_MAX + 32];
    char err[256];
    CLEANUP_FREE char *old = NULL;
    CLEANUP_FREE char *text = NULL;
    CLEANUP_FREE char *salt = NULL;
    void *data = NULL;
    int data_size = 0;
    size_t old_len = 0;
    const char *hash = NULL;
    RedfishAccounts check;
    int r;

    if (argc != 4) {
        return usage();
    }
    if (!redfish_user_is_valid(argv[2]) || redfish_role_parse(argv[3]) == REDFISH_ROLE_NONE) {
        (void) fprintf(stderr,
                       "statebus-redfish-passwd: USER must be [A-Za-z0-9._-]{1,%u}, ROLE "
                       "ReadOnly, Operator or Administrator\n",
                       REDFISH_USER_MAX);
        return 2;
    }
    r = read_file_bounded(argv[1], (size_t) REDFISH_ACCOUNTS_FILE_MAX, &old, &old_len);
    if (r < 0 && r != -ENOENT) {
        (void) fprintf(stderr, "statebus-redfish-passwd: %s: %s\n", argv[1], strerror(-r));
        return 1;
    }
    if (read_password(password, sizeof(password)) < 0 || strlen(password) > REDFISH_PASSWORD_MAX) {
        (void) fprintf(stderr,
                       "statebus-redfish-passwd: expected a password of 1..%u bytes on "
                       "standard input\n",
                       REDFISH_PASSWORD_MAX);
        return 2;
    }
    salt = crypt_gensalt_ra(NULL, 0, NULL, 0); /* the library's default method and cost */
    hash = salt ? crypt_ra(password, salt, &data, &data_size) : NULL;
    explicit_bzero(password, sizeof(password));
    if (!hash || hash[0] == '*') {
        (void) fprintf(stderr, "statebus-redfish-passwd: crypt() failed: %s\n", strerror(errno));
        free(data);
        return 1;
    }
    (void) snprintf(line, sizeof(line), "%s:%s:%s", argv[2], hash, argv[3]);
    free(data);
    text = new_text(old ? old : "", old_len, argv[2], line);
    if (!text) {
        return 1;
    }
    /* What the bridge will read must parse. */
    if (redfish_accounts_parse(text, strlen(text), &check, err, sizeof(err)) < 0) {
        (void) fprintf(stderr, "statebus-redfish-passwd: %s: %s\n", argv[1], err);
        return 1;
    }
    r = write_file_atomic(argv[1], text, strlen(text));
    if (r < 0) {
        (void) fprintf(stderr, "statebus-redfish-passwd: %s: %s\n", argv[1], strerror(-r));
        return 1;
    }
    (void) fprintf(stderr, "statebus-redfish-passwd: %s: %s %s\n", argv[1], argv[2], argv[3]);
    return 0;
}
