/* SPDX-License-Identifier: Apache-2.0 */
/* Accounts file, crypt() verification, roles, sessions (bounded, idle time-out), HTTP Basic. */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redfish-auth.h"

static void hash_of(const char *password, char *out, size_t size)
{
    void *data = NULL;
    int n = 0;
    char *salt = crypt_gensalt_ra(NULL, 0, NULL, 0);
    const char *h = crypt_ra(password, salt, &data, &n);

    assert_non_null(h);
    (void) snprintf(out, size, "%s", h);
    free(data);
    free(salt);
}

static void test_accounts_file_and_verification(void **state)
{
    RedfishAccounts a;
    char hash[REDFISH_HASH_MAX + 1], text[512], err[128];

    (void) state;
    hash_of("s3cret", hash, sizeof(hash));
    (void) snprintf(text, sizeof(text), "# comment\n\nadmin:%s:Administrator\r\nro:%s:ReadOnly",
                    hash, hash);
    assert_int_equal(redfish_accounts_parse(text, strlen(text), &a, err, sizeof(err)), 0);
    assert_int_equal(a.n, 2);
    assert_non_null(redfish_accounts_verify(&a, "admin", "s3cret"));
    assert_null(redfish_accounts_verify(&a, "admin", "s3cret "));
    assert_null(redfish_accounts_verify(&a, "nobody", "s3cret"));
    assert_int_equal(redfish_accounts_verify(&a, "ro", "s3cret")->role, REDFISH_ROLE_READ_ONLY);
}

static void test_accounts_file_errors_name_the_line(void **state)
{
    static const char *const bad[] = {
        "admin:$6$x$y:Root\n",                    /* no such role */
        "ad min:$6$x$y:Operator\n",               /* user */
        "admin:plaintext:Operator\n",             /* not a crypt() hash */
        "admin:$6$x$y\n",                         /* two fields */
        "a:$6$x$y:Operator\na:$6$x$z:ReadOnly\n", /* twice */
    };
    RedfishAccounts a;
    char err[128];

    (void) state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(redfish_accounts_parse(bad[i], strlen(bad[i]), &a, err, sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "line "));
    }
}

static void test_roles_are_dmtf_predefined(void **state)
{
    (void) state;
    assert_true(redfish_role_has(REDFISH_ROLE_READ_ONLY, REDFISH_PRIV_LOGIN));
    assert_false(redfish_role_has(REDFISH_ROLE_READ_ONLY, REDFISH_PRIV_CONFIGURE_COMPONENTS));
    assert_true(redfish_role_has(REDFISH_ROLE_OPERATOR, REDFISH_PRIV_CONFIGURE_COMPONENTS));
    assert_false(redfish_role_has(REDFISH_ROLE_OPERATOR, REDFISH_PRIV_CONFIGURE_MANAGER));
    assert_true(redfish_role_has(REDFISH_ROLE_ADMINISTRATOR, REDFISH_PRIV_CONFIGURE_USERS));
    assert_false(redfish_role_has(REDFISH_ROLE_NONE, REDFISH_PRIV_LOGIN));
    assert_int_equal(redfish_role_parse("Operator"), REDFISH_ROLE_OPERATOR);
    assert_int_equal(redfish_role_parse("operator"), REDFISH_ROLE_NONE);
}

static void test_sessions_are_bounded_and_time_out_when_idle(void **state)
{
    RedfishSessions s;
    RedfishAccount acc = { .user = "u", .role = REDFISH_ROLE_OPERATOR };
    char token[REDFISH_TOKEN_LEN + 1];
    RedfishSession *first = NULL;

    (void) state;
    redfish_sessions_init(&s, 1000);
    for (unsigned i = 0; i < REDFISH_SESSIONS_MAX; i++) {
        (void) snprintf(token, sizeof(token), "%032x", i);
        assert_non_null(redfish_sessions_create(&s, token, &acc, 100));
    }
    assert_null(redfish_sessions_create(&s, "ff", &acc, 100));
    assert_int_equal(redfish_sessions_count(&s), REDFISH_SESSIONS_MAX);
    /* Used at 900: its idle timer restarts; the others expire at 1100. */
    (void) snprintf(token, sizeof(token), "%032x", 0u);
    first = redfish_sessions_lookup(&s, token, 900);
    assert_non_null(first);
    assert_null(redfish_sessions_lookup(&s, "00000000000000000000000000000001", 1100));
    assert_int_equal(redfish_sessions_count(&s), 1);
    assert_non_null(redfish_sessions_lookup(&s, token, 1899));
    assert_null(redfish_sessions_lookup(&s, token, 2899));
    assert_int_equal(redfish_sessions_count(&s), 0);
}

static void test_basic_header(void **state)
{
    char user[REDFISH_USER_MAX + 1], pass[REDFISH_PASSWORD_MAX + 1];

    (void) state;
    /* "admin:pa:ss" */
    assert_int_equal(
            redfish_basic_decode("Basic YWRtaW46cGE6c3M=", user, sizeof(user), pass, sizeof(pass)),
            0);
    assert_string_equal(user, "admin");
    assert_string_equal(pass, "pa:ss");
    assert_int_equal(redfish_basic_decode("Bearer abc", user, sizeof(user), pass, sizeof(pass)),
                     -EINVAL);
    assert_int_equal(redfish_basic_decode("Basic !!!!", user, sizeof(user), pass, sizeof(pass)),
                     -EINVAL);
    /* "nocolon" */
    assert_int_equal(
            redfish_basic_decode("Basic bm9jb2xvbg==", user, sizeof(user), pass, sizeof(pass)),
            -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accounts_file_and_verification),
        cmocka_unit_test(test_accounts_file_errors_name_the_line),
        cmocka_unit_test(test_roles_are_dmtf_predefined),
        cmocka_unit_test(test_sessions_are_bounded_and_time_out_when_idle),
        cmocka_unit_test(test_basic_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
