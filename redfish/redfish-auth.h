/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who may do what (topics/redfish.md "Authentication"): accounts from a file of
 * user:crypt-hash:role lines (glibc/libxcrypt crypt() hashes), DMTF's predefined roles and
 * privileges, Redfish sessions (X-Auth-Token, idle time-out, bounded), HTTP Basic decoding.
 * Pure: no I/O, no clock (times are passed in), no randomness (tokens are passed in).
 */
#ifndef STATEBUS_REDFISH_AUTH_H
#define STATEBUS_REDFISH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REDFISH_ACCOUNTS_MAX      64u
#define REDFISH_USER_MAX          32u  /* [A-Za-z0-9._-]{1,32} */
#define REDFISH_HASH_MAX          160u /* a yescrypt or SHA-512 crypt string is ~100 */
#define REDFISH_PASSWORD_MAX      128u
#define REDFISH_ACCOUNTS_FILE_MAX (64u * 1024u)
#define REDFISH_SESSIONS_MAX      32u
#define REDFISH_TOKEN_LEN         32u /* hex digits: 128 random bits */

typedef enum RedfishRole {
    REDFISH_ROLE_NONE,
    REDFISH_ROLE_READ_ONLY,
    REDFISH_ROLE_OPERATOR,
    REDFISH_ROLE_ADMINISTRATOR,
    REDFISH_ROLE_COUNT,
} RedfishRole;

/* DMTF privileges the bridge checks (Redfish Privilege Registry). */
typedef enum RedfishPrivilege {
    REDFISH_PRIV_LOGIN,                /* every GET */
    REDFISH_PRIV_CONFIGURE_SELF,       /* one's own session */
    REDFISH_PRIV_CONFIGURE_COMPONENTS, /* ComputerSystem.Reset */
    REDFISH_PRIV_CONFIGURE_MANAGER,    /* Manager.Reset, others' sessions */
    REDFISH_PRIV_CONFIGURE_USERS,
    REDFISH_PRIV_COUNT,
} RedfishPrivilege;

const char *redfish_role_name(RedfishRole role); /* "ReadOnly"...; NULL for NONE */
RedfishRole redfish_role_parse(const char *s);   /* NONE when not a role */
const char *redfish_privilege_name(RedfishPrivilege p);
bool redfish_role_has(RedfishRole role, RedfishPrivilege p);

typedef struct RedfishAccount {
    char user[REDFISH_USER_MAX + 1];
    char hash[REDFISH_HASH_MAX + 1];
    RedfishRole role;
} RedfishAccount;

typedef struct RedfishAccounts {
    RedfishAccount accounts[REDFISH_ACCOUNTS_MAX];
    size_t n;
} RedfishAccounts;

bool redfish_user_is_valid(const char *user);

/* Parses an accounts file's text[0..len): lines "user:hash:role", '#' comments and blank lines.
 * Returns 0, or -EINVAL with a reason naming the line in err. */
int redfish_accounts_parse(const char *text,
                           size_t len,
                           RedfishAccounts *ret,
                           char *err,
                           size_t err_size);
const RedfishAccount *redfish_accounts_find(const RedfishAccounts *a, const char *user);
/* The account when user exists and password matches its hash (crypt()), else NULL. */
const RedfishAccount *
redfish_accounts_verify(const RedfishAccounts *a, const char *user, const char *password);

typedef struct RedfishSession {
    bool in_use;
    uint32_t id;
    char token[REDFISH_TOKEN_LEN + 1];
    char user[REDFISH_USER_MAX + 1];
    RedfishRole role;
    uint64_t created_ms, last_used_ms;
} RedfishSession;

typedef struct RedfishSessions {
    RedfishSession sessions[REDFISH_SESSIONS_MAX];
    uint32_t next_id;
    uint64_t timeout_ms; /* idle */
} RedfishSessions;

void redfish_sessions_init(RedfishSessions *s, uint64_t timeout_ms);
/* Forgets sessions idle for timeout_ms or more. */
void redfish_sessions_expire(RedfishSessions *s, uint64_t now_ms);
/* A new session for account with token (REDFISH_TOKEN_LEN hex digits); NULL when full. */
RedfishSession *redfish_sessions_create(RedfishSessions *s,
                                        const char *token,
                                        const RedfishAccount *account,
                                        uint64_t now_ms);
/* The live session whose token is token (compared in constant time); refreshes its idle timer. */
RedfishSession *redfish_sessions_lookup(RedfishSessions *s, const char *token, uint64_t now_ms);
RedfishSession *redfish_sessions_find(RedfishSessions *s, uint32_t id);
void redfish_sessions_remove(RedfishSession *session);
size_t redfish_sessions_count(const RedfishSessions *s);

/* "Basic <base64(user:password)>" -> user and password. Returns 0 or -EINVAL. */
int redfish_basic_decode(const char *header,
                         char *user,
                         size_t user_size,
                         char *password,
                         size_t password_size);

#endif
