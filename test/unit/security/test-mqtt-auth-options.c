/* SPDX-License-Identifier: Apache-2.0 */
/* mqtt-auth-options: the TLS and credential flags as the three binaries parse them (through the
 * real option table and options_parse()), in a private mkdtemp directory. */
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "mqtt-auth-options.h"
#include "options.h"

/* What a daemon's options struct looks like around the embedded MqttAuthOptions. */
typedef struct TestOptions {
    uint32_t before;
    MqttAuthOptions auth;
    uint32_t after;
} TestOptions;

static const OptSpec specs[] = {
    MQTT_AUTH_OPTION_SPECS(TestOptions, auth),
};

typedef struct Fixture {
    char dir[64];
    char ca[128], cert[128], key[128], pw[128];
    TestOptions o;
    char err[512];
} Fixture;

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    Fixture *fx = calloc(1, sizeof(*fx));

    assert_non_null(fx);
    (void) snprintf(fx->dir, sizeof(fx->dir), "/tmp/statebus-auth-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    (void) snprintf(fx->ca, sizeof(fx->ca), "%s/ca.crt", fx->dir);
    (void) snprintf(fx->cert, sizeof(fx->cert), "%s/node1.crt", fx->dir);
    (void) snprintf(fx->key, sizeof(fx->key), "%s/node1.key", fx->dir);
    (void) snprintf(fx->pw, sizeof(fx->pw), "%s/password", fx->dir);
    write_file(fx->ca, "ca\n", 3);
    write_file(fx->cert, "cert\n", 5);
    write_file(fx->key, "key\n", 4);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    Fixture *fx = *state;
    const char *files[] = { fx->ca, fx->cert, fx->key, fx->pw };

    for (size_t i = 0; i < ELEMENTSOF(files); i++) {
        (void) unlink(files[i]);
    }
    (void) rmdir(fx->dir);
    free(fx);
    return 0;
}

/* Parses argv (NULL-terminated, without the program name) and loads; returns load's result
 * (or options_parse()'s error). */
static int parse(Fixture *fx, const char *const *args)
{
    char *argv[16] = { (char *) "test" };
    int argc = 1, r;

    for (; args[argc - 1]; argc++) {
        argv[argc] = (char *) args[argc - 1];
    }
    memset(&fx->o, 0, sizeof(fx->o));
    fx->o.before = 0xaaaa;
    fx->o.after = 0x5555;
    fx->err[0] = '\0';
    r = options_parse(
            &(OptionsSpec){ .specs = specs, .n_specs = ELEMENTSOF(specs), .usage = "usage" },
            &fx->o, argc, argv, fx->err, sizeof(fx->err));
    if (r < 0) {
        return r;
    }
    return mqtt_auth_options_load(&fx->o.auth, fx->err, sizeof(fx->err));
}

static void test_auth_none_given_means_plain_anonymous(void **state)
{
    Fixture *fx = *state;
    MqttIoTls tls;

    assert_int_equal(parse(fx, (const char *[]){ NULL }), 0);
    tls = mqtt_auth_options_tls(&fx->o.auth);
    assert_null(tls.cafile);
    assert_null(tls.certfile);
    assert_null(tls.keyfile);
    assert_null(mqtt_auth_options_username(&fx->o.auth));
    assert_null(mqtt_auth_options_password(&fx->o.auth));
}

static void test_auth_flags_fill_only_their_fields(void **state)
{
    Fixture *fx = *state;
    MqttIoTls tls;

    assert_int_equal(parse(fx, (const char *[]){ "--cafile", fx->ca, "--cert", fx->cert, "--key",
                                                 fx->key, NULL }),
                     0);
    tls = mqtt_auth_options_tls(&fx->o.auth);
    assert_string_equal(tls.cafile, fx->ca);
    assert_string_equal(tls.certfile, fx->cert);
    assert_string_equal(tls.keyfile, fx->key);
    assert_int_equal(fx->o.before, 0xaaaa);
    assert_int_equal(fx->o.after, 0x5555);
}

static void test_auth_cafile_alone_is_server_authenticated_tls(void **state)
{
    Fixture *fx = *state;

    assert_int_equal(parse(fx, (const char *[]){ "--cafile", fx->ca, NULL }), 0);
    assert_string_equal(mqtt_auth_options_tls(&fx->o.auth).cafile, fx->ca);
    assert_null(mqtt_auth_options_tls(&fx->o.auth).certfile);
}

static void test_auth_cert_needs_key_and_cafile(void **state)
{
    Fixture *fx = *state;

    assert_int_equal(parse(fx, (const char *[]){ "--cafile", fx->ca, "--cert", fx->cert, NULL }),
                     -EINVAL);
    assert_non_null(strstr(fx->err, "--cert and --key"));
    assert_int_equal(parse(fx, (const char *[]){ "--cafile", fx->ca, "--key", fx->key, NULL }),
                     -EINVAL);
    assert_int_equal(parse(fx, (const char *[]){ "--cert", fx->cert, "--key", fx->key, NULL }),
                     -EINVAL);
    assert_non_null(strstr(fx->err, "needs --cafile"));
}

static void test_auth_unreadable_file_is_named(void **state)
{
    Fixture *fx = *state;

    assert_int_equal(parse(fx, (const char *[]){ "--cafile", "/nonexistent/ca.crt", NULL }),
                     -ENOENT);
    assert_non_null(strstr(fx->err, "--cafile: cannot read '/nonexistent/ca.crt'"));
    assert_int_equal(parse(fx, (const char *[]){ "--cafile", fx->dir, NULL }), -EINVAL);
    assert_non_null(strstr(fx->err, "not a regular file"));
}

static void test_auth_password_is_the_first_line(void **state)
{
    Fixture *fx = *state;
    static const struct {
        const char *content;
        size_t len;
        const char *password;
    } cases[] = {
        { "s3cret\n", 7, "s3cret" },
        { "s3cret", 6, "s3cret" },
        { "with space\r\n", 12, "with space" },
        { "first\nsecond line is ignored\n", 29, "first" },
    };

    for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
        write_file(fx->pw, cases[i].content, cases[i].len);
        assert_int_equal(parse(fx, (const char *[]){ "--username", "node1", "--password-file",
                                                     fx->pw, NULL }),
                         0);
        assert_string_equal(mqtt_auth_options_username(&fx->o.auth), "node1");
        assert_string_equal(mqtt_auth_options_password(&fx->o.auth), cases[i].password);
    }
}

static void test_auth_bad_password_files_are_refused(void **state)
{
    Fixture *fx = *state;
    char long_line[MQTT_AUTH_PASSWORD_MAX + 3];
    static const struct {
        const char *content;
        size_t len;
    } cases[] = {
        { "", 0 },         /* empty */
        { "\n", 1 },       /* empty first line */
        { "a\tb\n", 4 },   /* control character */
        { "ab\0cd\n", 6 }, /* NUL */
    };

    for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
        write_file(fx->pw, cases[i].content, cases[i].len);
        assert_int_equal(
                parse(fx, (const char *[]){ "--username", "u", "--password-file", fx->pw, NULL }),
                -EINVAL);
        assert_non_null(strstr(fx->err, "--password-file"));
        assert_null(mqtt_auth_options_password(&fx->o.auth));
    }
    memset(long_line, 'x', sizeof(long_line) - 1);
    long_line[sizeof(long_line) - 2] = '\n';
    write_file(fx->pw, long_line, sizeof(long_line) - 1);
    assert_int_equal(
            parse(fx, (const char *[]){ "--username", "u", "--password-file", fx->pw, NULL }),
            -EINVAL);
    /* A password without a username would be dropped silently by libmosquitto. */
    write_file(fx->pw, "pw\n", 3);
    assert_int_equal(parse(fx, (const char *[]){ "--password-file", fx->pw, NULL }), -EINVAL);
    assert_non_null(strstr(fx->err, "needs --username"));
}

static void test_auth_username_without_password_is_allowed(void **state)
{
    Fixture *fx = *state;

    assert_int_equal(parse(fx, (const char *[]){ "--username", "observer", NULL }), 0);
    assert_string_equal(mqtt_auth_options_username(&fx->o.auth), "observer");
    assert_null(mqtt_auth_options_password(&fx->o.auth));
    assert_int_equal(parse(fx, (const char *[]){ "--username", "a\x01", NULL }), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_auth_none_given_means_plain_anonymous, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_auth_flags_fill_only_their_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_cafile_alone_is_server_authenticated_tls, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_auth_cert_needs_key_and_cafile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_unreadable_file_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_password_is_the_first_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_bad_password_files_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_username_without_password_is_allowed, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
