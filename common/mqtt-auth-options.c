/* SPDX-License-Identifier: Apache-2.0 */
#include "mqtt-auth-options.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file-util.h"

/* A password file is one line; anything this large is not one. */
#define PASSWORD_FILE_MAX 4096u

/* Opens path for reading now, so a typo stops the daemon at start (exit 2) instead of turning
 * into a reconnect loop that logs a TLS error every few seconds. */
static int check_readable(const char *flag, const char *path, char *err, size_t err_size)
{
    struct stat st;
    int fd, r = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        r = -errno;
        (void) snprintf(err, err_size, "--%s: cannot read '%s': %s", flag, path, strerror(-r));
        return r;
    }
    if (fstat(fd, &st) < 0) {
        r = -errno;
    } else if (!S_ISREG(st.st_mode)) {
        r = -EINVAL;
    }
    (void) close(fd);
    if (r < 0) {
        (void) snprintf(err, err_size, "--%s: '%s' is not a regular file", flag, path);
    }
    return r;
}

static bool text_has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c < 0x20 || c == 0x7f) {
            return true;
        }
    }
    return false;
}

/* The first line of the file, without its line end ("\n" or "\r\n"). */
static int read_password(MqttAuthOptions *o, char *err, size_t err_size)
{
    char *data = NULL;
    size_t len = 0, line;
    int r;

    r = read_file_bounded(o->password_file, PASSWORD_FILE_MAX, &data, &len);
    if (r < 0) {
        (void) snprintf(err, err_size, "--password-file: cannot read '%s': %s", o->password_file,
                        r == -EFBIG ? "larger than 4096 bytes" : strerror(-r));
        return r;
    }
    line = strcspn(data, "\n");
    if (line < len && line > 0 && data[line - 1] == '\r') {
        line--;
    }
    if (line == 0 || line > MQTT_AUTH_PASSWORD_MAX || text_has_control(data, line) ||
        memchr(data, '\0', len)) {
        (void) snprintf(err, err_size,
                        "--password-file: '%s': expected the password on the first line "
                        "(1..%u bytes, no control characters)",
                        o->password_file, MQTT_AUTH_PASSWORD_MAX);
        r = -EINVAL;
    } else {
        memcpy(o->password, data, line);
        o->password[line] = '\0';
        o->has_password = true;
    }
    explicit_bzero(data, len);
    free(data);
    return r;
}

int mqtt_auth_options_load(MqttAuthOptions *o, char *err, size_t err_size)
{
    int r;

    o->has_password = false;
    explicit_bzero(o->password, sizeof(o->password));
    if ((o->cert[0] != '\0') != (o->key[0] != '\0')) {
        (void) snprintf(err, err_size, "--cert and --key: give both or neither");
        return -EINVAL;
    }
    if (o->cert[0] != '\0' && o->cafile[0] == '\0') {
        (void) snprintf(err, err_size, "--cert: needs --cafile (a client certificate is TLS)");
        return -EINVAL;
    }
    if (o->password_file[0] != '\0' && o->username[0] == '\0') {
        (void) snprintf(err, err_size, "--password-file: needs --username");
        return -EINVAL;
    }
    if (text_has_control(o->username, strlen(o->username))) {
        (void) snprintf(err, err_size, "--username: control characters are not allowed");
        return -EINVAL;
    }
    const struct {
        const char *flag, *path;
    } files[] = { { "cafile", o->cafile }, { "cert", o->cert }, { "key", o->key } };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if (files[i].path[0] != '\0') {
            r = check_readable(files[i].flag, files[i].path, err, err_size);
            if (r < 0) {
                return r;
            }
        }
    }
    if (o->password_file[0] != '\0') {
        return read_password(o, err, err_size);
    }
    return 0;
}

static const char *or_null(const char *s)
{
    return s[0] != '\0' ? s : NULL;
}

MqttIoTls mqtt_auth_options_tls(const MqttAuthOptions *o)
{
    return (MqttIoTls){
        .cafile = or_null(o->cafile),
        .certfile = or_null(o->cert),
        .keyfile = or_null(o->key),
    };
}

const char *mqtt_auth_options_username(const MqttAuthOptions *o)
{
    return or_null(o->username);
}

const char *mqtt_auth_options_password(const MqttAuthOptions *o)
{
    return o->has_password ? o->password : NULL;
}
