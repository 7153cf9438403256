/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How a client proves who it is to the broker: TLS (--cafile, --cert, --key) and MQTT username and
 * password (--username, --password-file). Shared by statebus-agent, statebus-coordinator and
 * statebusctl: each embeds a MqttAuthOptions in its options struct, puts
 * MQTT_AUTH_OPTION_SPECS(ItsOptions, field) in its option table (so the same names work as flags
 * and as config file keys) and calls mqtt_auth_options_load() after options_parse().
 *
 * The password never appears on a command line (ps shows argv to every user): only the path of a
 * file that holds it.
 */
#ifndef STATEBUS_MQTT_AUTH_OPTIONS_H
#define STATEBUS_MQTT_AUTH_OPTIONS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "mqtt-io.h"
#include "options.h"

#define MQTT_AUTH_USERNAME_MAX 256u /* bytes; MQTT allows more, nobody needs them */
#define MQTT_AUTH_PASSWORD_MAX 256u /* bytes of the password file's first line */

typedef struct MqttAuthOptions {
    char cafile[PATH_MAX]; /* --cafile: "" = no TLS */
    char cert[PATH_MAX];   /* --cert: client certificate (PEM), needs --key and --cafile */
    char key[PATH_MAX];    /* --key: its private key (PEM, unencrypted) */
    char username[MQTT_AUTH_USERNAME_MAX + 1]; /* --username: "" = none */
    char password_file[PATH_MAX];              /* --password-file: first line is the password */
    /* Filled by mqtt_auth_options_load(), not an option. */
    char password[MQTT_AUTH_PASSWORD_MAX + 1];
    bool has_password;
} MqttAuthOptions;

/* One OPT_STRING row for member of the MqttAuthOptions at Type.field. */
#define MQTT_AUTH_SPEC(Type, field, flag, member, meta, text)                              \
    {                                                                                      \
        .name = (flag), .type = OPT_STRING,                                                \
        .offset = offsetof(Type, field) + offsetof(MqttAuthOptions, member),               \
        .size = sizeof(((MqttAuthOptions *) 0)->member), .metavar = (meta), .help = (text) \
    }

/* The option table rows, for a MqttAuthOptions at Type.field. (clang-format would indent every
 * row after the first as a continuation.) */
/* clang-format off */
#define MQTT_AUTH_OPTION_SPECS(Type, field)                                                     \
    MQTT_AUTH_SPEC(Type, field, "cafile", cafile, "FILE",                                       \
                   "TLS: CA certificate(s) the broker's certificate must chain to; TLS on"),    \
    MQTT_AUTH_SPEC(Type, field, "cert", cert, "FILE",                                           \
                   "TLS: client certificate (PEM); its CN is the identity in the broker ACL"),  \
    MQTT_AUTH_SPEC(Type, field, "key", key, "FILE",                                             \
                   "TLS: private key of --cert (PEM, not encrypted)"),                          \
    MQTT_AUTH_SPEC(Type, field, "username", username, "NAME",                                   \
                   "MQTT username (brokers with a password file)"),                             \
    MQTT_AUTH_SPEC(Type, field, "password-file", password_file, "FILE",                         \
                   "MQTT password: the first line of FILE (never on the command line)")
/* clang-format on */

/* Checks what the table cannot (each certificate with its key, TLS files readable, a password
 * only with a username) and reads the password file. Returns 0, or -EINVAL / the failing
 * call's negative errno with a one-line reason in err (the caller exits 2). */
int mqtt_auth_options_load(MqttAuthOptions *o, char *err, size_t err_size);

/* The values for MqttIoConfig (NULL where not given); the strings stay owned by o. */
MqttIoTls mqtt_auth_options_tls(const MqttAuthOptions *o);
const char *mqtt_auth_options_username(const MqttAuthOptions *o);
const char *mqtt_auth_options_password(const MqttAuthOptions *o);

#endif
