/* SPDX-License-Identifier: Apache-2.0 */
#include "redfish-auth.h"

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const role_names[REDFISH_ROLE_COUNT] = {
    [REDFISH_ROLE_READ_ONLY] = "ReadOnly",
    [REDFISH_ROLE_OPERATOR] = "Operator",
    [REDFISH_ROLE_ADMINISTRATOR] = "Administrator",
};

static const char *const privilege_names[REDFISH_PRIV_COUNT] = {
    [REDFISH_PRIV_LOGIN] = "Login",
    [REDFISH_PRIV_CONFIGURE_SELF] = "ConfigureSelf",
    [REDFISH_PRIV_CONFIGURE_COMPONENTS] = "ConfigureComponents",
    [REDFISH_PRIV_CONFIGURE_MANAGER] = "ConfigureManager",
    [REDFISH_PRIV_CONFIGURE_USERS] = "ConfigureUsers",
};

/* DMTF's predefined roles (DSP0266 "Roles"). */
static const unsigned role_privileges[REDFISH_ROLE_COUNT] = {
    [REDFISH_ROLE_READ_ONLY] = 1u << REDFISH_PRIV_LOGIN | 1u << REDFISH_PRIV_CONFIGURE_SELF,
    [REDFISH_ROLE_OPERATOR] = 1u << REDFISH_PRIV_LOGIN | 1u << REDFISH_PRIV_CONFIGURE_SELF |
                              1u << REDFISH_PRIV_CONFIGURE_COMPONENTS,
    [REDFISH_ROLE_ADMINISTRATOR] = (1u << REDFISH_PRIV_COUNT) - 1u,
};

const char *redfish_role_name(RedfishRole role)
{
    return (unsigned) role < REDFISH_ROLE_COUNT ? role_names[role] : NULL;
}

RedfishRole redfish_role_parse(const char *s)
{
    for (unsigned i = 1; i < REDFISH_ROLE_COUNT; i++) {
        if (strcmp(s, role_names[i]) == 0) {
            return (RedfishRole) i;
        }
    }
    return REDFISH_ROLE_NONE;
}

const char *redfish_privilege_name(RedfishPrivilege p)
{
    return (unsigned) p < REDFISH_PRIV_COUNT ? privilege_names[p] : NULL;
}

bool redfish_role_has(RedfishRole role, RedfishPrivilege p)
{
    return (unsigned) role < REDFISH_ROLE_COUNT && (unsigned) p < REDFISH_PRIV_COUNT &&
           (role_privileges[role] & (1u << p)) != 0;
}

bool redfish_user_is_valid(const char *user)
{
    size_t n = 0;

    for (; user[n]; n++) {
        char c = user[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) {
            return false;
        }
    }
    return n >= 1 && n <= REDFISH_USER_MAX;
}

/* crypt()'s alphabet: "$id$params$salt$hash" of [./0-9A-Za-z$=,]. */
static bool hash_is_valid(const char *s, size_t len)
{
    if (len < 2 || len > REDFISH_HASH_MAX || s[0] != '$') {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '/' || c == '$' || c == '=' || c == ',')) {
            return false;
        }
    }
    return true;
}

static int accounts_line(const char *line,
                         size_t len,
                         unsigned lineno,
                         RedfishAccounts *a,
                         char *err,
                         size_t err_size)
{
    const char *c1 = memchr(line, ':', len);
    const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t) (c1 + 1 - line)) : NULL;
    RedfishAccount acc = { 0 };
    char role[32];
    size_t ulen, hlen, rlen;

    if (!c1 || !c2) {
        (void) snprintf(err, err_size, "line %u: expected user:hash:role", lineno);
        return -EINVAL;
    }
    ulen = (size_t) (c1 - line);
    hlen = (size_t) (c2 - c1 - 1);
    rlen = len - (size_t) (c2 + 1 - line);
    if (ulen > REDFISH_USER_MAX || rlen >= sizeof(role)) {
        (void) snprintf(err, err_size, "line %u: user or role too long", lineno);
        return -EINVAL;
    }
    (void) memcpy(acc.user, line, ulen);
    (void) memcpy(role, c2 + 1, rlen);
    role[rlen] = '\0';
    if (!redfish_user_is_valid(acc.user)) {
        (void) snprintf(err, err_size, "line %u: user must be [A-Za-z0-9._-]{1,%u}", lineno,
                        REDFISH_USER_MAX);
        return -EINVAL;
    }
    if (!hash_is_valid(c1 + 1, hlen)) {
        (void) snprintf(err, err_size, "line %u: not a crypt() hash ($id$...)", lineno);
        return -EINVAL;
    }
    (void) memcpy(acc.hash, c1 + 1, hlen);
    acc.role = redfish_role_parse(role);
    if (acc.role == REDFISH_ROLE_NONE) {
        (void) snprintf(err, err_size, "line %u: role must be ReadOnly, Operator or Administrator",
                        lineno);
        return -EINVAL;
    }
    if (redfish_accounts_find(a, acc.user)) {
        (void) snprintf(err, err_size, "line %u: user '%s' listed twice", lineno, acc.user);
        return -EINVAL;
    }
    if (a->n >= REDFISH_ACCOUNTS_MAX) {
        (void) snprintf(err, err_size, "line %u: more than %u accounts", lineno,
                        REDFISH_ACCOUNTS_MAX);
        return -EINVAL;
    }
    a->accounts[a->n++] = acc;
    return 0;
}

int redfish_accounts_parse(const char *text,
                           size_t len,
                           RedfishAccounts *ret,
                           char *err,
                           size_t err_size)
{
    unsigned lineno = 0;
    size_t pos = 0;

    *ret = (RedfishAccounts){ 0 };
    if (len > (size_t) REDFISH_ACCOUNTS_FILE_MAX) {
        (void) snprintf(err, err_size, "larger than %u bytes", REDFISH_ACCOUNTS_FILE_MAX);
        return -EINVAL;
    }
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t) (nl - line) : len - pos;
        int r;

        pos += n + (nl ? 1 : 0);
        lineno++;
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        if (n == 0 || line[0] == '#') {
            continue;
        }
        if (memchr(line, '\0', n)) {
            (void) snprintf(err, err_size, "line %u: NUL byte", lineno);
            return -EINVAL;
        }
        r = accounts_line(line, n, lineno, ret, err, err_size);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

const RedfishAccount *redfish_accounts_find(const RedfishAccounts *a, const char *user)
{
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->accounts[i].user, user) == 0) {
            return &a->accounts[i];
        }
    }
    return NULL;
}

/* Compares without an early exit: how long it takes says nothing about where they differ. */
static bool equal_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;

    for (size_t i = 0; i < la && i < lb; i++) {
        diff |= (unsigned char) (a[i] ^ b[i]);
    }
    return diff == 0;
}

const RedfishAccount *
redfish_accounts_verify(const RedfishAccounts *a, const char *user, const char *password)
{
    const RedfishAccount *acc = redfish_accounts_find(a, user);
    void *data = NULL;
    int size = 0;
    const char *out = NULL;
    bool ok = false;

    if (!acc || strlen(password) > REDFISH_PASSWORD_MAX) {
        return NULL;
    }
    out = crypt_ra(password, acc->hash, &data, &size);
    ok = out && out[0] != '*' && equal_secret(out, acc->hash);
    free(data);
    return ok ? acc : NULL;
}

void redfish_sessions_init(RedfishSessions *s, uint64_t timeout_ms)
{
    *s = (RedfishSessions){ .next_id = 1, .timeout_ms = timeout_ms };
}

void redfish_sessions_expire(RedfishSessions *s, uint64_t now_ms)
{
    for (size_t i = 0; i < REDFISH_SESSIONS_MAX; i++) {
        RedfishSession *x = &s->sessions[i];
        if (x->in_use && now_ms - x->last_used_ms >= s->timeout_ms) {
            redfish_sessions_remove(x);
        }
    }
}

RedfishSession *redfish_sessions_create(RedfishSessions *s,
                                        const char *token,
                                        const RedfishAccount *account,
                                        uint64_t now_ms)
{
    redfish_sessions_expire(s, now_ms);
    for (size_t i = 0; i < REDFISH_SESSIONS_MAX; i++) {
        RedfishSession *x = &s->sessions[i];
        if (!x->in_use) {
            *x = (RedfishSession){ .in_use = true,
                                   .id = s->next_id++,
                                   .role = account->role,
                                   .created_ms = now_ms,
                                   .last_used_ms = now_ms };
            (void) snprintf(x->token, sizeof(x->token), "%s", token);
            (void) snprintf(x->user, sizeof(x->user), "%s", account->user);
            return x;
        }
    }
    return NULL;
}

RedfishSession *redfish_sessions_lookup(RedfishSessions *s, const char *token, uint64_t now_ms)
{
    RedfishSession *found = NULL;

    redfish_sessions_expire(s, now_ms);
    for (size_t i = 0; i < REDFISH_SESSIONS_MAX; i++) {
        RedfishSession *x = &s->sessions[i];
        if (x->in_use && equal_secret(x->token, token)) {
            found = x;
        }
    }
    if (found) {
        found->last_used_ms = now_ms;
    }
    return found;
}

RedfishSession *redfish_sessions_find(RedfishSessions *s, uint32_t id)
{
    for (size_t i = 0; i < REDFISH_SESSIONS_MAX; i++) {
        if (s->sessions[i].in_use && s->sessions[i].id == id) {
            return &s->sessions[i];
        }
    }
    return NULL;
}

void redfish_sessions_remove(RedfishSession *session)
{
    *session = (RedfishSession){ 0 };
}

size_t redfish_sessions_count(const RedfishSessions *s)
{
    size_t n = 0;

    for (size_t i = 0; i < REDFISH_SESSIONS_MAX; i++) {
        n += s->sessions[i].in_use;
    }
    return n;
}

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

int redfish_basic_decode(const char *header,
                         char *user,
                         size_t user_size,
                         char *password,
                         size_t password_size)
{
    char buf[REDFISH_USER_MAX + REDFISH_PASSWORD_MAX + 2];
    size_t n = 0, len;
    unsigned acc = 0, bits = 0;
    const char *s = header, *colon = NULL;

    if (strncasecmp(s, "Basic ", 6) != 0) {
        return -EINVAL;
    }
    s += 6;
    while (*s == ' ') {
        s++;
    }
    len = strlen(s);
    while (len > 0 && s[len - 1] == '=') {
        len--;
    }
    for (size_t i = 0; i < len; i++) {
        int v = base64_value(s[i]);
        if (v < 0) {
            return -EINVAL;
        }
        acc = (acc << 6) | (unsigned) v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= sizeof(buf) - 1) {
                return -EINVAL;
            }
            buf[n++] = (char) ((acc >> bits) & 0xffu);
        }
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
        return -EINVAL;
    }
    colon = strchr(buf, ':');
    if (!colon || (size_t) (colon - buf) >= user_size || strlen(colon + 1) >= password_size) {
        return -EINVAL;
    }
    (void) memcpy(user, buf, (size_t) (colon - buf));
    user[colon - buf] = '\0';
    (void) snprintf(password, password_size, "%s", colon + 1);
    explicit_bzero(buf, sizeof(buf));
    return 0;
}
