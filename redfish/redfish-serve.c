/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One HTTP request, in DSP0266's order (topics/redfish.md "Protocol", "Authentication"): protocol
 * headers and query, the resource, the method, who is asking and may they, the body, then the
 * answer (a resource with ETag/Link/Allow, a login or logout, a task monitor, or a Reset handed to
 * redfish-bridge.c).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "log.h"
#include "macro.h"
#include "redfish-bridge-internal.h"
#include "time-util.h"

typedef struct Caller {
    bool known; /* authenticated (or authentication is off) */
    RedfishRole role;
    char user[REDFISH_USER_MAX + 1];
    RedfishSession *session; /* when it came with X-Auth-Token */
} Caller;

/* ETag of a body: FNV-1a 64, strong (the body is the representation). */
static void etag_of(const char *body, char out[24])
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (const char *s = body; *s; s++) {
        h ^= (unsigned char) *s;
        h *= 0x100000001b3ull;
    }
    (void) snprintf(out, 24, "\"%016llx\"", (unsigned long long) h);
}

/* An If-Match / If-None-Match list ("*" or quoted tags, W/ allowed) names etag. */
static bool etag_listed(const char *header, const char *etag)
{
    const char *p = header;

    while (*p) {
        while (*p == ' ' || *p == ',') {
            p++;
        }
        if (*p == '*') {
            return true;
        }
        if (strncmp(p, "W/", 2) == 0) {
            p += 2;
        }
        if (strncmp(p, etag, strlen(etag)) == 0) {
            return true;
        }
        while (*p && *p != ',') {
            p++;
        }
    }
    return false;
}

/* application/json, with or without parameters (charset=utf-8). */
static bool content_type_is_json(const char *ct)
{
    size_t n = strlen("application/json");

    return ct && strncasecmp(ct, "application/json", n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static void
respond_simple(RedfishHttpRequest *req, unsigned status, RedfishMessageId id, const char *arg)
{
    RedfishError e;

    redfish_error_set(&e, status, id, arg);
    bridge_respond_error(req, &e, NULL);
}

/* ---- who is asking ---------------------------------------------------------------------- */

static bool identify(RedfishBridge *b, RedfishHttpRequest *req, uint64_t now_ms, Caller *ret)
{
    const char *token = redfish_http_header(req, "X-Auth-Token");
    const char *basic = redfish_http_header(req, "Authorization");
    char user[REDFISH_USER_MAX + 1], password[REDFISH_PASSWORD_MAX + 1];
    const RedfishAccount *acc = NULL;

    *ret = (Caller){ 0 };
    if (token) {
        RedfishSession *s = redfish_sessions_lookup(&b->sessions, token, now_ms);
        if (!s) {
            log_info("redfish: refused request reason='unknown or expired session token'");
            return false;
        }
        *ret = (Caller){ .known = true, .role = s->role, .session = s };
        (void) snprintf(ret->user, sizeof(ret->user), "%s", s->user);
        return true;
    }
    if (basic) {
        if (redfish_basic_decode(basic, user, sizeof(user), password, sizeof(password)) < 0) {
            log_info("redfish: refused request reason='malformed Authorization'");
            return false;
        }
        acc = redfish_accounts_verify(&b->accounts, user, password);
        explicit_bzero(password, sizeof(password));
        if (!acc) {
            log_info(
                    "redfish: refused basic auth user='%s' reason='unknown user or wrong password'",
                    redfish_user_is_valid(user) ? user : "?");
            return false;
        }
        *ret = (Caller){ .known = true, .role = acc->role };
        (void) snprintf(ret->user, sizeof(ret->user), "%s", acc->user);
        return true;
    }
    return false;
}

/* The privilege a request needs (DMTF Privilege Registry for these resources). */
static RedfishPrivilege
needed_privilege(const RedfishTarget *t, const char *method, const Caller *c)
{
    if (strcmp(method, "POST") == 0) {
        return t->kind == RES_MANAGER_RESET ? REDFISH_PRIV_CONFIGURE_MANAGER
                                            : REDFISH_PRIV_CONFIGURE_COMPONENTS;
    }
    if (strcmp(method, "DELETE") == 0) {
        /* One's own session: ConfigureSelf; anyone else's: ConfigureManager. */
        return c->session && c->session->id == t->id ? REDFISH_PRIV_CONFIGURE_SELF
                                                     : REDFISH_PRIV_CONFIGURE_MANAGER;
    }
    return REDFISH_PRIV_LOGIN;
}

/* ---- answers ---------------------------------------------------------------------------- */

static void serve_resource(RedfishBridge *b, RedfishHttpRequest *req, const RedfishTarget *t)
{
    RedfishView v = bridge_view(b);
    CLEANUP_FREE char *body = NULL;
    const char *content_type = NULL;
    char described[REDFISH_DESCRIBED_BY_MAX], link[REDFISH_DESCRIBED_BY_MAX + 32], etag[24];
    const char *inm = redfish_http_header(req, "If-None-Match");
    RedfishHttpAnswer a = { .status = 200 };
    RedfishError e;

    if (redfish_render(&v, t, &body, &content_type, described, sizeof(described)) < 0) {
        redfish_error_set(&e, 500, REDFISH_MSG_INTERNAL_ERROR);
        bridge_respond_error(req, &e, NULL);
        return;
    }
    etag_of(body, etag);
    redfish_http_answer_header(&a, "ETag", etag);
    redfish_http_answer_header(&a, "Allow", redfish_target_allow(t));
    if (described[0]) {
        (void) snprintf(link, sizeof(link), "<%s>; rel=describedby", described);
        redfish_http_answer_header(&a, "Link", link);
    }
    if (inm && etag_listed(inm, etag)) {
        a.status = 304; /* the client's copy is current */
    } else {
        a.body = body;
        a.content_type = content_type;
    }
    (void) redfish_http_respond(req, &a);
}

/* The task monitor: 202 (the Task as body) while the request runs, then the Reset's own answer. */
static void serve_task_monitor(RedfishBridge *b, RedfishHttpRequest *req, const RedfishTarget *t)
{
    RedfishTask *task = redfish_tasks_find(&b->tasks, t->id);
    CLEANUP_FREE char *body = NULL;
    char monitor[96];
    RedfishHttpAnswer a = { .status = 202 };
    RedfishError e;
    const RedfishTaskEvent *last = NULL;

    if (!task) {
        respond_simple(req, 404, REDFISH_MSG_RESOURCE_MISSING_AT_URI, "task monitor");
        return;
    }
    if (!redfish_task_is_finished(task)) {
        (void) redfish_render_task(task, &body);
        (void) snprintf(monitor, sizeof(monitor), "/redfish/v1/TaskService/TaskMonitors/%u",
                        task->id);
        a.body = body;
        redfish_http_answer_header(&a, "Location", monitor);
        redfish_http_answer_header(&a, "Retry-After", TASK_RETRY_AFTER);
        (void) redfish_http_respond(req, &a);
        return;
    }
    if (task->state == REDFISH_TASK_COMPLETED) {
        a.status = 204;
        (void) redfish_http_respond(req, &a);
        return;
    }
    last = task->n_events > 0 ? &task->events[task->n_events - 1] : NULL;
    redfish_error_general(&e, 409, "The statebus request %s ended %s: %s", task->request_id,
                          last ? sb_enum_to_string(SB_ENUM_EVENT_KIND, (int) last->kind) : "?",
                          last ? last->why : "");
    bridge_respond_error(req, &e, NULL);
}

static int new_token(char out[REDFISH_TOKEN_LEN + 1])
{
    unsigned char raw[REDFISH_TOKEN_LEN / 2];
    ssize_t n = getrandom(raw, sizeof(raw), 0);

    if (n != (ssize_t) sizeof(raw)) {
        return n < 0 ? -errno : -EIO;
    }
    for (size_t i = 0; i < sizeof(raw); i++) {
        (void) snprintf(out + 2 * i, 3, "%02x", raw[i]);
    }
    explicit_bzero(raw, sizeof(raw));
    return 0;
}

/* POST Sessions {"UserName", "Password"}: 201 with X-Auth-Token and Location. */
static void serve_login(RedfishBridge *b,
                        RedfishHttpRequest *req,
                        const char *body,
                        size_t len,
                        uint64_t now_ms)
{
    cJSON *root = cJSON_ParseWithLength(body, len);
    const cJSON *item = NULL, *user = NULL, *password = NULL;
    const RedfishAccount *acc = NULL;
    RedfishSession *s = NULL;
    CLEANUP_FREE char *out = NULL;
    char token[REDFISH_TOKEN_LEN + 1], location[96];
    RedfishHttpAnswer a = { .status = 201 };
    RedfishError e;

    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        respond_simple(req, 400, REDFISH_MSG_MALFORMED_JSON, NULL);
        return;
    }
    cJSON_ArrayForEach(item, root)
    {
        if (strcmp(item->string, "UserName") == 0) {
            user = item;
        } else if (strcmp(item->string, "Password") == 0) {
            password = item;
        } else {
            respond_simple(req, 400, REDFISH_MSG_PROPERTY_UNKNOWN, item->string);
            cJSON_Delete(root);
            return;
        }
    }
    if (!user || !password) {
        respond_simple(req, 400, REDFISH_MSG_PROPERTY_MISSING, user ? "Password" : "UserName");
        cJSON_Delete(root);
        return;
    }
    if (!cJSON_IsString(user) || !cJSON_IsString(password)) {
        redfish_error_set(&e, 400, REDFISH_MSG_PROPERTY_VALUE_TYPE_ERROR, "(not a string)",
                          cJSON_IsString(user) ? "Password" : "UserName");
        bridge_respond_error(req, &e, NULL);
        cJSON_Delete(root);
        return;
    }
    acc = redfish_accounts_verify(&b->accounts, user->valuestring, password->valuestring);
    if (!acc) {
        log_info("redfish: refused login user='%s' reason='unknown user or wrong password'",
                 redfish_user_is_valid(user->valuestring) ? user->valuestring : "?");
        cJSON_Delete(root);
        respond_simple(req, 401, REDFISH_MSG_NO_VALID_SESSION, NULL);
        return;
    }
    cJSON_Delete(root);
    if (new_token(token) < 0) {
        respond_simple(req, 500, REDFISH_MSG_INTERNAL_ERROR, NULL);
        return;
    }
    s = redfish_sessions_create(&b->sessions, token, acc, now_ms);
    explicit_bzero(token, sizeof(token));
    if (!s) {
        log_warning("redfish: refused login user='%s' reason='%u sessions open'", acc->user,
                    REDFISH_SESSIONS_MAX);
        respond_simple(req, 503, REDFISH_MSG_SESSION_LIMIT_EXCEEDED, NULL);
        return;
    }
    if (redfish_render_session(s, &out) < 0) {
        redfish_sessions_remove(s);
        respond_simple(req, 500, REDFISH_MSG_INTERNAL_ERROR, NULL);
        return;
    }
    (void) snprintf(location, sizeof(location), "%s/%u", REDFISH_SESSIONS_URI, s->id);
    a.body = out;
    redfish_http_answer_header(&a, "Location", location);
    redfish_http_answer_header(&a, "X-Auth-Token", s->token);
    log_notice("redfish: login session=%u user='%s' role=%s", s->id, s->user,
               redfish_role_name(s->role));
    (void) redfish_http_respond(req, &a);
}

static void serve_logout(RedfishBridge *b, RedfishHttpRequest *req, const RedfishTarget *t)
{
    RedfishSession *s = redfish_sessions_find(&b->sessions, t->id);
    const RedfishHttpAnswer a = { .status = 204 };

    if (!s) {
        respond_simple(req, 404, REDFISH_MSG_RESOURCE_MISSING_AT_URI, "session");
        return;
    }
    log_notice("redfish: logout session=%u user='%s'", s->id, s->user);
    redfish_sessions_remove(s);
    (void) redfish_http_respond(req, &a);
}

/* If-Match on an action: the resource it acts on must still be what the client saw. */
static bool if_match_holds(RedfishBridge *b, RedfishHttpRequest *req, const RedfishTarget *t)
{
    const char *im = redfish_http_header(req, "If-Match");
    RedfishView v = bridge_view(b);
    RedfishTarget of = { .kind = t->kind == RES_MANAGER_RESET ? RES_MANAGER : RES_SYSTEM,
                         .node = t->node };
    CLEANUP_FREE char *body = NULL;
    const char *ct = NULL;
    char described[REDFISH_DESCRIBED_BY_MAX], etag[24];

    if (!im) {
        return true;
    }
    if (redfish_render(&v, &of, &body, &ct, described, sizeof(described)) < 0) {
        return false;
    }
    etag_of(body, etag);
    return etag_listed(im, etag);
}

static void serve_post(RedfishBridge *b,
                       RedfishHttpRequest *req,
                       const RedfishTarget *t,
                       const RedfishHttpMessage *msg,
                       uint64_t now_ms)
{
    char target[REDFISH_TASK_URI_MAX];
    ResetAction action = { .kind = REDFISH_RESET_SYSTEM, .target_uri = REDFISH_RESET_TARGET };

    if (t->kind == RES_SESSIONS || t->kind == RES_SESSIONS_MEMBERS) {
        serve_login(b, req, msg->body, msg->len, now_ms);
        return;
    }
    if (!if_match_holds(b, req, t)) {
        log_info("redfish: refused reset url='%s' reason='If-Match does not match'", msg->url);
        respond_simple(req, 412, REDFISH_MSG_PRECONDITION_FAILED, NULL);
        return;
    }
    if (t->kind == RES_MANAGER_RESET) {
        (void) snprintf(target, sizeof(target), "/redfish/v1/Managers/bmc%u/Actions/Manager.Reset",
                        t->node);
        action = (ResetAction){ .kind = REDFISH_RESET_MANAGER,
                                .node = t->node,
                                .target_uri = target };
    }
    bridge_handle_reset(b, req, &action, msg->body, msg->len);
}

/* ---- the request ------------------------------------------------------------------------ */

/* DSP0266 "Query parameters": the $-parameters and Redfish's own only, excerpt and includeorigin,
 * none of which the bridge implements (501); any other parameter is ignored. */
static bool query_is_redfish(const char *name)
{
    return name[0] == '$' || strcmp(name, "only") == 0 || strcmp(name, "excerpt") == 0 ||
           strcmp(name, "includeorigin") == 0;
}

static bool method_allowed(const char *allow, const char *method)
{
    size_t n = strlen(method);

    for (const char *p = allow; (p = strstr(p, method)) != NULL; p += n) {
        if ((p == allow || p[-1] == ' ') && (p[n] == '\0' || p[n] == ',')) {
            return true;
        }
    }
    return false;
}

void bridge_on_http_request(RedfishHttpRequest *req, const RedfishHttpMessage *msg, void *userdata)
{
    const char *method = msg->method;
    const char *url = msg->url;
    RedfishBridge *b = userdata;
    RedfishView v = bridge_view(b);
    uint64_t now_ms = v.now_ms;
    const char *odata_version = redfish_http_header(req, "OData-Version");
    const char *query = redfish_http_query(req, query_is_redfish);
    RedfishTarget t;
    Caller caller = { 0 };
    RedfishError e;
    bool is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

    log_debug("redfish: received http method=%s url='%s' len=%zu", method, url, msg->len);
    redfish_tasks_expire(&b->tasks, now_ms);
    redfish_sessions_expire(&b->sessions, now_ms);
    /* DSP0266: a service supporting OData 4.0 answers a request for a later version 412. */
    if (odata_version && strcmp(odata_version, "4.0") != 0) {
        respond_simple(req, 412, REDFISH_MSG_HEADER_INVALID, "OData-Version");
        return;
    }
    if (query) {
        respond_simple(req, 501, REDFISH_MSG_QUERY_NOT_SUPPORTED, NULL);
        return;
    }
    t = redfish_resolve(&v, url);
    if (t.kind == RES_NONE) {
        respond_simple(req, 404, REDFISH_MSG_RESOURCE_MISSING_AT_URI, url);
        return;
    }
    if (!method_allowed(redfish_target_allow(&t), method)) {
        redfish_error_set(&e, 405, REDFISH_MSG_OPERATION_NOT_ALLOWED);
        bridge_respond_error(req, &e, redfish_target_allow(&t));
        return;
    }
    if (b->opts->auth_enabled && !redfish_target_is_public(&t) &&
        !((t.kind == RES_SESSIONS || t.kind == RES_SESSIONS_MEMBERS) &&
          strcmp(method, "POST") == 0)) {
        if (!identify(b, req, now_ms, &caller)) {
            respond_simple(req, 401, REDFISH_MSG_NO_VALID_SESSION, NULL);
            return;
        }
        if (!redfish_role_has(caller.role, needed_privilege(&t, method, &caller))) {
            log_info("redfish: refused method=%s url='%s' user='%s' role=%s reason='privilege %s'",
                     method, url, caller.user, redfish_role_name(caller.role),
                     redfish_privilege_name(needed_privilege(&t, method, &caller)));
            respond_simple(req, 403, REDFISH_MSG_INSUFFICIENT_PRIVILEGE, NULL);
            return;
        }
    }
    if (is_get) {
        if (t.kind == RES_TASK_MONITOR) {
            serve_task_monitor(b, req, &t);
        } else {
            serve_resource(b, req, &t);
        }
        return;
    }
    if (strcmp(method, "DELETE") == 0) {
        serve_logout(b, req, &t);
        return;
    }
    /* POST */
    if (msg->too_large) {
        respond_simple(req, 413, REDFISH_MSG_PAYLOAD_TOO_LARGE, NULL);
        return;
    }
    if (!content_type_is_json(redfish_http_header(req, "Content-Type"))) {
        respond_simple(req, 415, REDFISH_MSG_HEADER_INVALID, "Content-Type");
        return;
    }
    serve_post(b, req, &t, msg, now_ms);
}
