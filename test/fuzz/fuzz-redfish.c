/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What statebus-redfish reads from an HTTP client, through its pure core: the first byte picks
 * the parser, the rest is the untrusted input. A Reset body (ComputerSystem or Manager), an
 * Authorization header, an accounts file, a URL to resolve (with a session and a task that exist).
 */
#include "fuzz-util.h"
#include "redfish-auth.h"
#include "redfish-error.h"
#include "redfish-render.h"
#include "redfish-reset.h"

static bool listed(const char *const *list, const char *s)
{
    for (; *list; list++) {
        if (strcmp(*list, s) == 0) {
            return true;
        }
    }
    return false;
}

static void fuzz_reset(RedfishResetKind kind, const char *p, size_t n)
{
    RedfishResetAction a;
    RedfishError e;
    char text[1024];

    if (redfish_reset_parse(kind, p, n, &a, &e) == 0) {
        FUZZ_REQUIRE(listed(kind == REDFISH_RESET_MANAGER ? redfish_manager_reset_allowable
                                                          : redfish_reset_allowable,
                            a.reset_type),
                     "an accepted ResetType is one the resource lists as allowable");
        return;
    }
    FUZZ_REQUIRE(e.http_status == 400 || e.http_status == 413, "a bad Reset body is 400 or 413");
    (void) redfish_message_text(&e.msg, text, sizeof(text));
    FUZZ_REQUIRE(text[0] != '\0', "an error says something");
    for (size_t i = 0; text[i]; i++) {
        FUZZ_REQUIRE(text[i] >= 0x20 && text[i] < 0x7f, "error text is printable ASCII");
    }
    char *body = redfish_error_format(&e);
    FUZZ_REQUIRE(body != NULL, "an error body formats");
    free(body);
}

static void fuzz_basic(const char *s)
{
    char user[REDFISH_USER_MAX + 1], password[REDFISH_PASSWORD_MAX + 1];

    if (redfish_basic_decode(s, user, sizeof(user), password, sizeof(password)) == 0) {
        FUZZ_REQUIRE(strlen(user) < sizeof(user) && strlen(password) < sizeof(password),
                     "decoded credentials fit");
        FUZZ_REQUIRE(strchr(user, ':') == NULL, "the user name ends at the first colon");
    }
}

static void fuzz_accounts(const char *p, size_t n)
{
    static RedfishAccounts a;
    char err[256];

    if (redfish_accounts_parse(p, n, &a, err, sizeof(err)) == 0) {
        FUZZ_REQUIRE(a.n <= REDFISH_ACCOUNTS_MAX, "accounts are bounded");
        for (size_t i = 0; i < a.n; i++) {
            FUZZ_REQUIRE(redfish_user_is_valid(a.accounts[i].user), "a parsed user is valid");
            FUZZ_REQUIRE(redfish_role_name(a.accounts[i].role) != NULL, "a parsed role is one");
            FUZZ_REQUIRE(a.accounts[i].hash[0] == '$', "a parsed hash is a crypt() string");
        }
    } else {
        FUZZ_REQUIRE(strncmp(err, "line ", 5) == 0 || strstr(err, "bytes"), "errors name a line");
    }
}

static void fuzz_resolve(const char *url)
{
    static RedfishModel m;
    static RedfishSessions sessions;
    static RedfishTasks tasks;
    static RedfishAccounts accounts;
    static bool ready;
    const RedfishAccount acc = { .user = "admin", .hash = "$6$x$y", .role = REDFISH_ROLE_OPERATOR };
    RedfishTarget t;
    char *body = NULL;
    const char *ct = NULL;
    char described[REDFISH_DESCRIBED_BY_MAX];

    if (!ready) {
        FUZZ_REQUIRE(redfish_model_init(&m, "rack1") == 0, "model");
        redfish_sessions_init(&sessions, 1000);
        (void) redfish_sessions_create(&sessions, "00000000000000000000000000000000", &acc, 1);
        redfish_tasks_init(&tasks);
        (void) redfish_tasks_create(&tasks, "r-1", REDFISH_RESET_TARGET, "On", 1);
        accounts.accounts[0] = acc;
        accounts.n = 1;
        ready = true;
    }
    const RedfishView v = { .model = &m,
                            .accounts = &accounts,
                            .sessions = &sessions,
                            .tasks = &tasks,
                            .auth_enabled = true,
                            .now_ms = 2 };
    t = redfish_resolve(&v, url);
    FUZZ_REQUIRE(redfish_target_allow(&t)[0] != '\0', "every target has an Allow");
    if (t.kind == RES_CHASSIS || t.kind == RES_MANAGER || t.kind == RES_MANAGER_RESET) {
        FUZZ_REQUIRE(t.node >= 1 && t.node <= redfish_model_node_count(&m), "a node that exists");
    }
    if (redfish_render(&v, &t, &body, &ct, described, sizeof(described)) == 0) {
        FUZZ_REQUIRE(body && body[0] != '\0' && ct != NULL, "a rendered resource has a body");
        free(body);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[8193];
    size_t n;

    if (size < 1 || size > sizeof(buf)) {
        return 0;
    }
    n = size - 1;
    (void) memcpy(buf, data + 1, n);
    buf[n] = '\0';
    switch (data[0] % 5) {
    case 0:
        fuzz_reset(REDFISH_RESET_SYSTEM, buf, n);
        break;
    case 1:
        fuzz_reset(REDFISH_RESET_MANAGER, buf, n);
        break;
    case 2:
        fuzz_basic(buf); /* a header: up to the first NUL */
        break;
    case 3:
        fuzz_accounts(buf, n);
        break;
    default:
        fuzz_resolve(buf);
        break;
    }
    return 0;
}
