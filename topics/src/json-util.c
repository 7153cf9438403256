/* SPDX-License-Identifier: Apache-2.0 */
/* Strict JSON reading and bounded JSON writing for the payload codecs; see json-util.h. */
#include "json-util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "statebus/payload.h"

#include "text-util.h"

static int fail(const char **reterr_why, const char *why, int error)
{
    if (reterr_why) {
        *reterr_why = why;
    }
    return error;
}

/* Where scan_payload() is: inside a string or not, and how deep in brackets outside strings. */
typedef struct ScanState {
    bool in_string;
    unsigned depth;
} ScanState;

/* p[*i] inside a string: a quote ends it, a backslash escapes the next byte (*i moves past it). */
static int scan_string_byte(const unsigned char *p,
                            size_t len,
                            size_t *i,
                            ScanState *st,
                            const char **reterr_why)
{
    unsigned char c = p[*i];

    if (c == '"') {
        st->in_string = false;
    } else if (c == '\\') {
        if (*i + 5 < len && p[*i + 1] == 'u' && memcmp(p + *i + 2, "0000", 4) == 0) {
            return fail(reterr_why, "payload contains the escape \\u0000", -EBADMSG);
        }
        (*i)++; /* the escaped character, so "\\" and "\"" do not end anything */
    } else if (c < 0x20) {
        return fail(reterr_why, "control character in a string", -EBADMSG);
    }
    return 0;
}

/* c outside strings: a quote starts one, brackets are counted. */
static int scan_structure_byte(unsigned char c, ScanState *st, const char **reterr_why)
{
    if (c == '"') {
        st->in_string = true;
    } else if (c == '{' || c == '[') {
        if (++st->depth > SB_JSON_DEPTH_MAX) {
            return fail(reterr_why, "payload nested too deeply", -EBADMSG);
        }
    } else if (c == '}' || c == ']') {
        if (st->depth > 0) {
            st->depth--;
        }
    } else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        return fail(reterr_why, "control character in payload", -EBADMSG);
    }
    return 0;
}

/*
 * Checks on the raw bytes that cJSON does not make, before it sees them: cJSON accepts raw
 * control characters inside strings, silently cuts a string at the escape \u0000, and recurses
 * once per nesting level. Brackets are counted outside strings only.
 */
static int scan_payload(const unsigned char *p, size_t len, const char **reterr_why)
{
    ScanState st = { 0 };

    if (!sb_utf8_is_valid((const char *) p, len)) {
        return fail(reterr_why, "payload is not valid UTF-8", -EBADMSG);
    }
    for (size_t i = 0; i < len; i++) {
        int r = st.in_string ? scan_string_byte(p, len, &i, &st, reterr_why)
                             : scan_structure_byte(p[i], &st, reterr_why);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

static bool is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int sb_json_parse_text(const void *text,
                       size_t len,
                       size_t max,
                       cJSON **ret,
                       const char **reterr_why)
{
    const char *chars = text;
    const char *end = NULL;
    cJSON *root = NULL;
    int r;

    if (len > max) {
        return fail(reterr_why, "larger than its size limit", -EMSGSIZE);
    }
    if (!chars || len == 0) {
        return fail(reterr_why, "empty payload", -EBADMSG);
    }
    r = scan_payload(text, len, reterr_why);
    if (r < 0) {
        return r;
    }
    /* MQTT payloads and files are not NUL-terminated: parse by length, then refuse trailing
     * garbage (cJSON_ParseWithLength alone accepts "{}x"). */
    root = cJSON_ParseWithLengthOpts(chars, len, &end, false);
    if (!root) {
        return fail(reterr_why, "not JSON", -EBADMSG);
    }
    for (const char *p = end; p < chars + len; p++) {
        if (!is_json_space(*p)) {
            cJSON_Delete(root);
            return fail(reterr_why, "trailing data after the JSON value", -EBADMSG);
        }
    }
    *ret = root;
    return 0;
}

int sb_json_parse(const void *payload, size_t len, cJSON **ret, const char **reterr_why)
{
    if (len > SB_PAYLOAD_MAX) {
        return fail(reterr_why, "payload larger than 4096 bytes", -EMSGSIZE);
    }
    return sb_json_parse_text(payload, len, SB_PAYLOAD_MAX, ret, reterr_why);
}

bool sb_json_key_repeats_earlier(const cJSON *obj, const cJSON *item)
{
    for (const cJSON *prev = obj ? obj->child : NULL; prev && prev != item; prev = prev->next) {
        if (prev->string && item->string && strcmp(prev->string, item->string) == 0) {
            return true;
        }
    }
    return false;
}

int sb_json_keys_unique(const cJSON *item, const char **reterr_why)
{
    /* A walk with one cursor per level, not recursion: sb_json_parse_text() bounds the depth. */
    const cJSON *parent[SB_JSON_DEPTH_MAX + 1];
    const cJSON *next[SB_JSON_DEPTH_MAX + 1];
    size_t level = 0;

    if (!item) {
        return 0;
    }
    parent[0] = item;
    next[0] = item->child;
    for (;;) {
        const cJSON *c = next[level];

        if (!c) {
            if (level == 0) {
                return 0;
            }
            level--;
            continue;
        }
        next[level] = c->next;
        if (cJSON_IsObject(parent[level]) && sb_json_key_repeats_earlier(parent[level], c)) {
            return fail(reterr_why, "repeated key", -EBADMSG);
        }
        if (c->child) {
            if (level + 1 >= ELEMENTSOF(parent)) {
                return fail(reterr_why, "payload nested too deeply", -EBADMSG);
            }
            level++;
            parent[level] = c;
            next[level] = c->child;
        }
    }
}

bool sb_json_double_to_uint(double d, uint64_t *ret)
{
    uint64_t v;

    /* In range first (which also refuses NaN and infinities), then integral. */
    if (!(d >= 0 && d <= (double) SB_JSON_UINT_MAX)) {
        return false;
    }
    v = (uint64_t) d;
    if ((double) v != d) {
        return false;
    }
    *ret = v;
    return true;
}

int sb_json_parse_object(const void *payload, size_t len, cJSON **ret, const char **reterr_why)
{
    cJSON *root = NULL;
    int r = sb_json_parse(payload, len, &root, reterr_why);

    if (r < 0) {
        return r;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return fail(reterr_why, "not a JSON object", -EBADMSG);
    }
    *ret = root;
    return 0;
}

int sb_json_member(const cJSON *obj,
                   const SbJsonField *f,
                   bool required,
                   const cJSON **ret,
                   const char **reterr_why)
{
    const cJSON *found = NULL;

    /* A repeated key is refused: parsers disagree on which one wins, so its meaning is
     * ambiguous. */
    for (const cJSON *c = obj ? obj->child : NULL; c; c = c->next) {
        if (c->string && strcmp(c->string, f->name) == 0) {
            if (found) {
                return fail(reterr_why, f->duplicate, -EBADMSG);
            }
            found = c;
        }
    }
    if (!found) {
        return required ? fail(reterr_why, f->missing, -EBADMSG) : 0;
    }
    *ret = found;
    return 1;
}

int sb_json_item_uint(const cJSON *item,
                      const SbJsonField *f,
                      SbJsonRange range,
                      uint64_t *ret,
                      const char **reterr_why)
{
    uint64_t v = 0;

    if (!cJSON_IsNumber(item)) {
        return fail(reterr_why, f->wrong_type, -EBADMSG);
    }
    /* Numbers are doubles: an integer up to 2^53 first, then the field's range. */
    if (!sb_json_double_to_uint(item->valuedouble, &v) || v < range.min || v > range.max) {
        return fail(reterr_why, f->out_of_range, -EBADMSG);
    }
    *ret = v;
    return 0;
}

int sb_json_item_enum(const cJSON *item,
                      const SbJsonField *f,
                      SbJsonEnum e,
                      int *ret,
                      const char **reterr_why)
{
    const char *unknown = e.allow_unknown ? sb_enum_to_string(e.type, 0) : NULL;
    size_t len;
    int v;

    if (!cJSON_IsString(item)) {
        return fail(reterr_why, f->wrong_type, -EBADMSG);
    }
    len = strlen(item->valuestring);
    v = sb_enum_from_string(e.type, item->valuestring, len);
    if (v < 0 && unknown && strcmp(unknown, item->valuestring) == 0) {
        v = 0;
    }
    if (v < 0) {
        return fail(reterr_why, f->unknown, -EBADMSG);
    }
    *ret = v;
    return 0;
}

bool sb_nodes_are_valid(const uint32_t *nodes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (nodes[i] < 1 || nodes[i] > SB_NODES_MAX) {
            return false;
        }
        /* n is at most SB_COMMAND_NODES_MAX: quadratic is cheaper than a 16384-bit map. */
        for (size_t j = 0; j < i; j++) {
            if (nodes[j] == nodes[i]) {
                return false;
            }
        }
    }
    return true;
}

int sb_json_item_nodes(const cJSON *item,
                       const SbJsonField *f,
                       const SbJsonNodesOut *out,
                       const char **reterr_why)
{
    size_t n = 0;

    if (!cJSON_IsArray(item)) {
        return fail(reterr_why, f->wrong_type, -EBADMSG);
    }
    for (const cJSON *c = item->child; c; c = c->next) {
        uint64_t v = 0;

        if (n == out->max) {
            return fail(reterr_why, f->too_long, -EMSGSIZE);
        }
        if (sb_json_item_uint(c, f, SB_JSON_RANGE(1, SB_NODES_MAX), &v, NULL) < 0) {
            return fail(reterr_why, f->bad_entry, -EBADMSG);
        }
        out->nodes[n++] = (uint32_t) v;
    }
    if (!sb_nodes_are_valid(out->nodes, n)) {
        return fail(reterr_why, f->bad_entry, -EBADMSG);
    }
    *out->ret_n = n;
    return 0;
}

int sb_json_node_key(const char *s, uint32_t *ret)
{
    uint32_t v = 0;
    size_t len = s ? strnlen(s, 6) : 0;

    if (len == 0 || len > 5 || s[0] == '0') {
        return -EINVAL;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -EINVAL;
        }
        v = v * 10 + (uint32_t) (s[i] - '0');
    }
    if (v > SB_NODES_MAX) {
        return -EINVAL;
    }
    *ret = v;
    return 0;
}

int sb_json_get_uint(const cJSON *obj,
                     const SbJsonField *f,
                     bool required,
                     SbJsonRange range,
                     uint64_t *ret,
                     const char **reterr_why)
{
    const cJSON *item = NULL;
    int r = sb_json_member(obj, f, required, &item, reterr_why);

    if (r <= 0) {
        return r;
    }
    r = sb_json_item_uint(item, f, range, ret, reterr_why);
    return r < 0 ? r : 1;
}

int sb_json_get_u32(const cJSON *obj,
                    const SbJsonField *f,
                    bool required,
                    SbJsonRange range,
                    uint32_t *ret,
                    const char **reterr_why)
{
    uint64_t v = 0;
    int r;

    /* The cast below is exact only up to UINT32_MAX. */
    if (range.max > UINT32_MAX) {
        range.max = UINT32_MAX;
    }
    r = sb_json_get_uint(obj, f, required, range, &v, reterr_why);

    if (r > 0) {
        *ret = (uint32_t) v;
    }
    return r;
}

int sb_json_get_bool(const cJSON *obj,
                     const SbJsonField *f,
                     bool required,
                     bool *ret,
                     const char **reterr_why)
{
    const cJSON *item = NULL;
    int r = sb_json_member(obj, f, required, &item, reterr_why);

    if (r <= 0) {
        return r;
    }
    if (!cJSON_IsBool(item)) {
        return fail(reterr_why, f->wrong_type, -EBADMSG);
    }
    *ret = cJSON_IsTrue(item);
    return 1;
}

int sb_json_get_string(const cJSON *obj,
                       const SbJsonField *f,
                       bool required,
                       char *buf,
                       size_t size,
                       const char **reterr_why)
{
    const cJSON *item = NULL;
    size_t len;
    int r;

    buf[0] = '\0';
    r = sb_json_member(obj, f, required, &item, reterr_why);
    if (r <= 0) {
        return r;
    }
    if (!cJSON_IsString(item)) {
        return fail(reterr_why, f->wrong_type, -EBADMSG);
    }
    len = strlen(item->valuestring);
    if (len >= size) {
        return fail(reterr_why, f->too_long, -EMSGSIZE);
    }
    if (!sb_text_is_clean(item->valuestring, len)) {
        return fail(reterr_why, f->bad_text, -EBADMSG);
    }
    memcpy(buf, item->valuestring, len + 1);
    return 1;
}

int sb_json_get_id(const cJSON *obj,
                   const SbJsonField *f,
                   bool required,
                   char *buf,
                   const char **reterr_why)
{
    int r = sb_json_get_string(obj, f, required, buf, SB_ID_MAX + 1, reterr_why);

    if (r > 0 && !sb_request_id_is_valid(buf, strlen(buf))) {
        buf[0] = '\0';
        return fail(reterr_why, f->invalid, -EBADMSG);
    }
    return r;
}

int sb_json_get_enum(const cJSON *obj,
                     const SbJsonField *f,
                     bool required,
                     SbJsonEnum e,
                     int *ret,
                     const char **reterr_why)
{
    const cJSON *item = NULL;
    int r = sb_json_member(obj, f, required, &item, reterr_why);

    if (r <= 0) {
        return r;
    }
    r = sb_json_item_enum(item, f, e, ret, reterr_why);
    return r < 0 ? r : 1;
}

int sb_json_get_nodes(const cJSON *obj,
                      const SbJsonField *f,
                      bool required,
                      const SbJsonNodesOut *out,
                      const char **reterr_why)
{
    const cJSON *item = NULL;
    int r = sb_json_member(obj, f, required, &item, reterr_why);

    if (r <= 0) {
        return r;
    }
    r = sb_json_item_nodes(item, f, out, reterr_why);
    return r < 0 ? r : 1;
}

int sb_json_get_version(const cJSON *obj, bool required, const char **reterr_why)
{
    uint64_t v = 0;

    return sb_json_get_uint(obj, SB_FIELD("v"), required, SB_JSON_RANGE(1, SB_JSON_UINT_MAX), &v,
                            reterr_why);
}

/* ---- writing ---------------------------------------------------------------------------- */

void sb_jb_fail(SbJsonBuilder *b, int error)
{
    if (b->error == 0) {
        b->error = error;
    }
}

void sb_jb_init(SbJsonBuilder *b)
{
    b->error = 0;
    b->root = cJSON_CreateObject();
    if (!b->root) {
        b->error = -ENOMEM;
        return;
    }
    sb_jb_uint(b, NULL, "v", SB_PAYLOAD_VERSION);
}

/* Attaches item (owned) to parent; on any error item is freed and the error recorded. */
static cJSON *attach(SbJsonBuilder *b, cJSON *parent, const char *key, cJSON *item)
{
    bool ok;

    if (b->error) {
        cJSON_Delete(item);
        return NULL;
    }
    if (!item) {
        sb_jb_fail(b, -ENOMEM);
        return NULL;
    }
    if (!parent) {
        parent = b->root;
    }
    ok = cJSON_IsArray(parent) ? cJSON_AddItemToArray(parent, item)
                               : cJSON_AddItemToObject(parent, key, item);
    if (!ok) {
        cJSON_Delete(item);
        sb_jb_fail(b, -ENOMEM);
        return NULL;
    }
    return item;
}

cJSON *sb_jb_object(SbJsonBuilder *b, cJSON *parent, const char *key)
{
    return b->error ? NULL : attach(b, parent, key, cJSON_CreateObject());
}

cJSON *sb_jb_array(SbJsonBuilder *b, cJSON *parent, const char *key)
{
    return b->error ? NULL : attach(b, parent, key, cJSON_CreateArray());
}

void sb_jb_uint(SbJsonBuilder *b, cJSON *parent, const char *key, uint64_t value)
{
    char text[24];

    if (b->error) {
        return;
    }
    if (value > SB_JSON_UINT_MAX) {
        sb_jb_fail(b, -EINVAL); /* a reader would lose precision */
        return;
    }
    /* Written as raw digits: exact, where cJSON's double printing might use an exponent. */
    (void) snprintf(text, sizeof(text), "%" PRIu64, value);
    (void) attach(b, parent, key, cJSON_CreateRaw(text));
}

void sb_jb_bool(SbJsonBuilder *b, cJSON *parent, const char *key, bool value)
{
    if (!b->error) {
        (void) attach(b, parent, key, cJSON_CreateBool(value));
    }
}

void sb_jb_null(SbJsonBuilder *b, cJSON *parent, const char *key)
{
    if (!b->error) {
        (void) attach(b, parent, key, cJSON_CreateNull());
    }
}

void sb_jb_string(SbJsonBuilder *b, cJSON *parent, const char *key, const char *s, size_t bound)
{
    size_t len;

    if (b->error) {
        return;
    }
    len = s ? strnlen(s, bound + 1) : bound + 1;
    if (len > bound || !sb_text_is_clean(s, len)) {
        sb_jb_fail(b, -EINVAL);
        return;
    }
    (void) attach(b, parent, key, cJSON_CreateString(s));
}

void sb_jb_id(SbJsonBuilder *b, cJSON *parent, const char *key, const char *id)
{
    size_t len;

    if (b->error) {
        return;
    }
    len = id ? strnlen(id, SB_ID_MAX + 1) : 0;
    if (!sb_request_id_is_valid(id, len)) {
        sb_jb_fail(b, -EINVAL);
        return;
    }
    (void) attach(b, parent, key, cJSON_CreateString(id));
}

void sb_jb_enum(SbJsonBuilder *b,
                cJSON *parent,
                const char *key,
                SbEnumType type,
                int value,
                bool allow_unknown)
{
    const char *s = sb_enum_to_string(type, value);

    if (b->error) {
        return;
    }
    if (!s || (value == 0 && !allow_unknown)) {
        sb_jb_fail(b, -EINVAL);
        return;
    }
    (void) attach(b, parent, key, cJSON_CreateString(s));
}

void sb_jb_nodes(SbJsonBuilder *b,
                 cJSON *parent,
                 const char *key,
                 const uint32_t *nodes,
                 size_t n,
                 size_t max)
{
    cJSON *array;

    if (b->error) {
        return;
    }
    if (n > max || (n > 0 && !nodes) || !sb_nodes_are_valid(nodes, n)) {
        sb_jb_fail(b, -EINVAL);
        return;
    }
    array = sb_jb_array(b, parent, key);
    for (size_t i = 0; i < n; i++) {
        sb_jb_uint(b, array, NULL, nodes[i]);
    }
}

int sb_jb_finish(SbJsonBuilder *b, char *buf, size_t size)
{
    /* Printed here first: cJSON_PrintPreallocated may want a few bytes more than the result, and
     * the caller's buffer should hold any payload that fits it exactly. */
    char text[SB_PAYLOAD_MAX + 8];
    int r = b->error;

    if (r == 0) {
        if (!cJSON_PrintPreallocated(b->root, text, (int) sizeof(text), false)) {
            r = -EMSGSIZE;
        } else {
            size_t len = strlen(text);

            if (len > SB_PAYLOAD_MAX || !buf || len + 1 > size) {
                r = -EMSGSIZE;
            } else {
                memcpy(buf, text, len + 1);
                r = (int) len;
            }
        }
    }
    cJSON_Delete(b->root);
    b->root = NULL;
    return r;
}
