/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the payload codec tests; see payload-test-util.h. */
/* cmocka.h needs these four first. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "payload-test-util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statebus/limits.h"

void *test_exact_copy(const void *bytes, size_t len)
{
    void *p = malloc(len > 0 ? len : 1);

    assert_non_null(p);
    if (len > 0) {
        memcpy(p, bytes, len);
    }
    return p;
}

int test_decode_n(TestDecodeFn fn, const void *bytes, size_t len, const char **ret_why)
{
    void *copy = test_exact_copy(bytes, len);
    const char *why = NULL;
    int r = fn(copy, len, &why);

    free(copy);
    if (ret_why) {
        *ret_why = why;
    }
    return r;
}

int test_decode(TestDecodeFn fn, const char *text, const char **ret_why)
{
    return test_decode_n(fn, text, strlen(text), ret_why);
}

void test_expect(TestDecodeFn fn, const char *text, int expected, const char *name)
{
    const char *why = NULL;
    int r = test_decode(fn, text, &why);

    if (r != expected) {
        print_error("payload: %s\nexpected %d, got %d (%s)\n", text, expected, r,
                    why ? why : "no reason");
    }
    assert_int_equal(r, expected);
    if (expected < 0) {
        assert_non_null(why);
        assert_true(strlen(why) > 0);
        if (name && !strstr(why, name)) {
            print_error("payload: %s\nreason '%s' does not name '%s'\n", text, why, name);
            fail();
        }
    }
}

static bool is_index(const char *s, size_t len)
{
    if (len == 0) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}

/* The item at path in root; its parent and key stay in *ret_parent / ret_key. */
static cJSON *walk(cJSON *root, const char *path, cJSON **ret_parent, char *ret_key, size_t size)
{
    cJSON *item = root;
    cJSON *parent = NULL;
    const char *p = path;

    ret_key[0] = '\0';
    while (*p != '\0') {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t) (slash - p) : strlen(p);

        assert_true(len < size);
        memcpy(ret_key, p, len);
        ret_key[len] = '\0';
        parent = item;
        if (cJSON_IsArray(item) && is_index(p, len)) {
            item = cJSON_GetArrayItem(item, (int) strtol(ret_key, NULL, 10));
        } else {
            item = cJSON_GetObjectItemCaseSensitive(item, ret_key);
        }
        if (!item) {
            print_error("no member '%s' in the test payload\n", path);
            fail();
        }
        p = slash ? slash + 1 : p + len;
    }
    *ret_parent = parent;
    return item;
}

static char *print_and_free(cJSON *root)
{
    char *text = cJSON_PrintUnformatted(root);

    assert_non_null(text);
    cJSON_Delete(root);
    return text;
}

char *test_json_edit(const char *valid, const char *path, const char *raw)
{
    cJSON *root = cJSON_Parse(valid);
    cJSON *parent = NULL;
    cJSON *item;
    char key[128];

    assert_non_null(root);
    item = walk(root, path, &parent, key, sizeof(key));
    assert_non_null(parent);
    if (!raw) {
        cJSON_Delete(cJSON_DetachItemViaPointer(parent, item));
    } else {
        cJSON *replacement = cJSON_CreateRaw(raw);

        assert_non_null(replacement);
        if (cJSON_IsObject(parent)) {
            /* Keeps the key, which cJSON_ReplaceItemViaPointer would drop. */
            assert_true(cJSON_ReplaceItemInObjectCaseSensitive(parent, key, replacement));
        } else {
            assert_true(cJSON_ReplaceItemViaPointer(parent, item, replacement));
        }
    }
    return print_and_free(root);
}

char *test_json_add(const char *valid, const char *path, const char *key, const char *raw)
{
    cJSON *root = cJSON_Parse(valid);
    cJSON *parent = NULL;
    cJSON *item;
    char last[128];

    assert_non_null(root);
    item = walk(root, path, &parent, last, sizeof(last));
    assert_true(cJSON_IsObject(item));
    assert_true(cJSON_AddItemToObject(item, key, cJSON_CreateRaw(raw)));
    return print_and_free(root);
}

size_t test_json_len(const char *valid)
{
    return strlen(valid);
}

/* The field name a reason must mention: the last path component that is not an index. */
static void field_name(const char *path, char *buf, size_t size)
{
    const char *end = path + strlen(path);

    buf[0] = '\0';
    while (end > path) {
        const char *start = end;

        while (start > path && start[-1] != '/') {
            start--;
        }
        if (!is_index(start, (size_t) (end - start))) {
            size_t len = (size_t) (end - start);

            assert_true(len < size);
            memcpy(buf, start, len);
            buf[len] = '\0';
            return;
        }
        end = start > path ? start - 1 : path;
    }
}

static void
expect_edit(TestDecodeFn fn, const char *valid, const char *path, const char *raw, int expected)
{
    char name[128];
    char *text = test_json_edit(valid, path, raw);

    field_name(path, name, sizeof(name));
    test_expect(fn, text, expected, expected == -EBADMSG ? name : NULL);
    free(text);
}

/* "{" + "\"pad\":\"xxx\"," + the rest of valid, total bytes long. */
static char *padded(const char *valid, size_t total)
{
    static const char head[] = "\"pad\":\"";
    size_t valid_len = strlen(valid);
    size_t overhead = valid_len + strlen(head) + 2;
    char *text;
    size_t n;

    assert_true(valid[0] == '{' && total >= overhead);
    text = calloc(total + 1, 1);
    assert_non_null(text);
    n = total - overhead;
    text[0] = '{';
    memcpy(text + 1, head, strlen(head));
    memset(text + 1 + strlen(head), 'x', n);
    memcpy(text + 1 + strlen(head) + n, "\",", 2);
    memcpy(text + 1 + strlen(head) + n + 2, valid + 1, valid_len - 1);
    assert_int_equal(strlen(text), total);
    return text;
}

static void expect_added(TestDecodeFn fn, const char *valid, const char *raw, int expected)
{
    char *text = test_json_add(valid, "", "junk", raw);

    test_expect(fn, text, expected, NULL);
    free(text);
}

static void expect_concat(TestDecodeFn fn, const char *a, const char *b, int expected)
{
    size_t la = strlen(a), lb = strlen(b);
    char *text = malloc(la + lb + 1);

    assert_non_null(text);
    memcpy(text, a, la);
    memcpy(text + la, b, lb + 1);
    test_expect(fn, text, expected, NULL);
    free(text);
}

/* Every strict prefix of a payload (a message cut short) is refused, and nothing is read past
 * its end. */
static void expect_prefixes_refused(TestDecodeFn fn, const char *valid)
{
    size_t len = strlen(valid);

    for (size_t n = 0; n < len; n++) {
        const char *why = NULL;
        int r = test_decode_n(fn, valid, n, &why);

        if (r != -EBADMSG) {
            print_error("prefix of %zu bytes of %s: got %d\n", n, valid, r);
            fail();
        }
    }
}

/* Deterministic byte mutations (xorshift32): whatever the bytes, the decoder answers 0,
 * -EBADMSG or -EMSGSIZE and never crashes or over-reads. */
static void expect_mutations_survive(TestDecodeFn fn, const char *valid)
{
    static const unsigned char interesting[] = { '"',  '\\', '{',  '}',  '[',  ']',  ',',
                                                 ':',  '0',  '-',  'e',  '.',  0x00, 0x1F,
                                                 0x7F, 0x80, 0xC3, 0xED, 0xF4, 0xFF, ' ' };
    size_t len = strlen(valid);
    unsigned char *text = malloc(len + 1);
    uint32_t x = 2463534242U;

    assert_non_null(text);
    for (int round = 0; round < 400; round++) {
        size_t n = len;

        memcpy(text, valid, len);
        for (int k = 0; k < 1 + round % 3; k++) {
            size_t at;

            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            at = x % n;
            if (x & 0x100U) {
                text[at] = interesting[(x >> 9) % sizeof(interesting)];
            } else if (x & 0x200U && n > 1) {
                memmove(text + at, text + at + 1, n - at - 1); /* drop a byte */
                n--;
            } else {
                text[at] = (unsigned char) (x >> 24);
            }
        }
        {
            int r = test_decode_n(fn, text, n, NULL);

            assert_true(r == 0 || r == -EBADMSG || r == -EMSGSIZE);
        }
    }
    free(text);
}

void test_common_malformed(TestDecodeFn fn, const char *valid, const char *dup_path)
{
    static const char *const not_json[] = {
        "{", "{\"a\":}", "{'a':1}", "{\"a\" 1}", "{\"a\":1,}", "nope!", "\x01",
    };
    static const char *const not_object[] = { "[]", "[{}]", "\"On\"", "null", "true" };
    const char *why = NULL;
    char *text;

    test_expect(fn, valid, 0, NULL);
    for (size_t i = 0; i < sizeof(not_json) / sizeof(not_json[0]); i++) {
        test_expect(fn, not_json[i], -EBADMSG, NULL);
    }
    for (size_t i = 0; i < sizeof(not_object) / sizeof(not_object[0]); i++) {
        test_expect(fn, not_object[i], -EBADMSG, NULL);
    }
    /* Empty and blank payloads; and a payload with a NUL byte in it. */
    assert_int_equal(test_decode_n(fn, "", 0, &why), -EBADMSG);
    test_expect(fn, " \n", -EBADMSG, NULL);
    assert_int_equal(test_decode_n(fn, "{}\0", 3, &why), -EBADMSG);

    /* Trailing data is refused, trailing white space is not. */
    expect_concat(fn, valid, "x", -EBADMSG);
    expect_concat(fn, valid, "{}", -EBADMSG);
    expect_concat(fn, valid, " \r\n", 0);

    /* Size: 4096 bytes is the limit, checked before parsing. */
    text = padded(valid, SB_PAYLOAD_MAX);
    test_expect(fn, text, 0, NULL);
    free(text);
    text = padded(valid, SB_PAYLOAD_MAX + 1);
    test_expect(fn, text, -EMSGSIZE, NULL);
    free(text);

    /* Nesting: object > 3 arrays is 4 levels (accepted when unknown), 5 is refused; brackets
     * inside strings do not count. */
    expect_added(fn, valid, "[[[1]]]", 0);
    expect_added(fn, valid, "[[[[1]]]]", -EBADMSG);
    expect_added(fn, valid, "{\"a\":{\"b\":{\"c\":{}}}}", -EBADMSG);
    expect_added(fn, valid, "\"[[[[[[{{{{\"", 0);

    /* UTF-8: valid text in an ignored field is fine; broken sequences anywhere are not. */
    expect_added(fn, valid, "\"h\xC3\xA9\"", 0);
    expect_added(fn, valid, "\"\xC3\x28\"", -EBADMSG);         /* bad continuation */
    expect_added(fn, valid, "\"\xC0\xAF\"", -EBADMSG);         /* overlong '/' */
    expect_added(fn, valid, "\"\xED\xA0\x80\"", -EBADMSG);     /* UTF-16 surrogate */
    expect_added(fn, valid, "\"\xF4\x90\x80\x80\"", -EBADMSG); /* above U+10FFFF */
    expect_added(fn, valid, "\"\xE2\x82\"", -EBADMSG);         /* truncated */
    expect_added(fn, valid, "\"\xFF\"", -EBADMSG);

    /* Raw control characters in strings; the \u0000 escape anywhere, even in an ignored field,
     * while an escaped backslash followed by "u0000" is ordinary text. */
    expect_added(fn, valid, "\"a\x01z\"", -EBADMSG);
    expect_added(fn, valid, "\"a\nz\"", -EBADMSG);
    expect_added(fn, valid, "\"a\\u0000z\"", -EBADMSG);
    expect_added(fn, valid, "\"a\\\\u0000z\"", 0);
    expect_added(fn, valid, "\"\\ud800\"", -EBADMSG); /* lone surrogate escape */

    expect_prefixes_refused(fn, valid);
    expect_mutations_survive(fn, valid);

    /* A repeated key is ambiguous. */
    if (dup_path) {
        cJSON *root = cJSON_Parse(valid);
        cJSON *parent = NULL;
        char key[128], name[128];
        char *value, *path, *slash;

        assert_non_null(root);
        value = cJSON_PrintUnformatted(walk(root, dup_path, &parent, key, sizeof(key)));
        assert_non_null(value);
        path = strdup(dup_path);
        assert_non_null(path);
        slash = strrchr(path, '/');
        if (slash) {
            *slash = '\0';
        } else {
            path[0] = '\0';
        }
        text = test_json_add(valid, path, key, value);
        field_name(dup_path, name, sizeof(name));
        test_expect(fn, text, -EBADMSG, name);
        free(text);
        free(path);
        free(value);
        cJSON_Delete(root);
    }
}

void test_required_fields(TestDecodeFn fn, const char *valid, const char *const *paths)
{
    test_expect(fn, valid, 0, NULL);
    for (size_t i = 0; paths[i]; i++) {
        expect_edit(fn, valid, paths[i], NULL, -EBADMSG);
    }
}

void test_wrong_types(TestDecodeFn fn, const char *valid, const char *const *paths)
{
    static const struct {
        const char *raw;
        int type;
    } values[] = {
        { "\"7\"", cJSON_String },
        { "7", cJSON_Number },
        { "true", cJSON_True | cJSON_False },
        { "false", cJSON_True | cJSON_False },
        { "null", cJSON_NULL },
        { "[]", cJSON_Array },
        { "{}", cJSON_Object },
    };

    for (size_t i = 0; paths[i]; i++) {
        cJSON *root = cJSON_Parse(valid);
        cJSON *parent = NULL;
        char key[128];
        int type;

        assert_non_null(root);
        type = walk(root, paths[i], &parent, key, sizeof(key))->type & 0xFF;
        cJSON_Delete(root);
        for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
            if ((values[v].type & type) == 0) {
                expect_edit(fn, valid, paths[i], values[v].raw, -EBADMSG);
            }
        }
    }
}

void test_integer_field(TestDecodeFn fn,
                        const char *valid,
                        const char *path,
                        uint64_t min,
                        uint64_t max)
{
    static const char *const refused[] = {
        "-1", "1.5", "-0.5", "1e300", "-1e300", "1e400", "9007199254740994", "18446744073709551616",
    };
    char number[32];

    (void) snprintf(number, sizeof(number), "%llu", (unsigned long long) min);
    expect_edit(fn, valid, path, number, 0);
    (void) snprintf(number, sizeof(number), "%llu", (unsigned long long) max);
    expect_edit(fn, valid, path, number, 0);
    /* A double-valued integer such as 1.0 or 1e1 is still that integer. */
    if (min <= 10 && max >= 10) {
        expect_edit(fn, valid, path, "1e1", 0);
        expect_edit(fn, valid, path, "10.0", 0);
    }
    if (min > 0) {
        (void) snprintf(number, sizeof(number), "%llu", (unsigned long long) (min - 1));
        expect_edit(fn, valid, path, number, -EBADMSG);
    }
    /* 2^53 + 1 reads back as 2^53: use + 2 above the largest exact integer. */
    (void) snprintf(number, sizeof(number), "%llu",
                    (unsigned long long) (max + (max >= (UINT64_C(1) << 53) ? 2 : 1)));
    expect_edit(fn, valid, path, number, -EBADMSG);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        expect_edit(fn, valid, path, refused[i], -EBADMSG);
    }
}

static char *quoted_run(char c, size_t n)
{
    char *s = malloc(n + 3);

    assert_non_null(s);
    s[0] = '"';
    memset(s + 1, c, n);
    s[n + 1] = '"';
    s[n + 2] = '\0';
    return s;
}

void test_text_field(TestDecodeFn fn, const char *valid, const char *path, size_t bound)
{
    static const char *const refused[] = {
        "\"a\\u0001\"", "\"a\\n\"", "\"a\\t\"", "\"a\\u007f\"", "\"a\\u0085\"",
    };
    char *s = quoted_run('a', bound);

    expect_edit(fn, valid, path, s, 0);
    free(s);
    s = quoted_run('a', bound + 1);
    expect_edit(fn, valid, path, s, -EMSGSIZE);
    free(s);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        expect_edit(fn, valid, path, refused[i], -EBADMSG);
    }
    /* Raw invalid UTF-8 inside the field: refused before parsing. */
    {
        char *text = test_json_edit(valid, path, "\"a\xC3\x28\"");

        test_expect(fn, text, -EBADMSG, NULL);
        free(text);
    }
}

void test_enum_field(TestDecodeFn fn,
                     const char *valid,
                     const char *path,
                     SbEnumType type,
                     bool unknown_ok)
{
    static const char *const refused[] = { "\"Bogus\"", "\"\"", "\" On\"", "\"On \"" };
    char quoted[64];

    for (int v = 1; v < sb_enum_count(type); v++) {
        const char *s = sb_enum_to_string(type, v);
        char lower[64];

        assert_non_null(s);
        (void) snprintf(quoted, sizeof(quoted), "\"%s\"", s);
        expect_edit(fn, valid, path, quoted, 0);
        /* Exact case only: PSM's strings are case-sensitive. */
        (void) snprintf(lower, sizeof(lower), "\"%s\"", s);
        for (char *p = lower; *p; p++) {
            if (*p >= 'A' && *p <= 'Z') {
                *p = (char) (*p - 'A' + 'a');
            } else if (*p >= 'a' && *p <= 'z') {
                *p = (char) (*p - 'a' + 'A');
            }
        }
        expect_edit(fn, valid, path, lower, -EBADMSG);
    }
    /* "Unknown" as the 0 of a state enum; where PSM has a real "Unknown" it was tested above. */
    if (sb_enum_from_string(type, "Unknown", 7) < 0) {
        expect_edit(fn, valid, path, "\"Unknown\"", unknown_ok ? 0 : -EBADMSG);
    }
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        expect_edit(fn, valid, path, refused[i], -EBADMSG);
    }
}

void test_encoder_bounds(TestEncodeFn fn, const char *expected)
{
    char full[SB_PAYLOAD_MAX + 1];
    char *exact;
    int len = fn(full, sizeof(full));

    assert_true(len > 0);
    assert_int_equal((size_t) len, strlen(full));
    if (expected) {
        assert_string_equal(full, expected);
    }
    exact = malloc((size_t) len + 1);
    assert_non_null(exact);
    assert_int_equal(fn(exact, (size_t) len + 1), len);
    assert_memory_equal(exact, full, (size_t) len + 1);
    assert_int_equal(fn(exact, (size_t) len), -EMSGSIZE); /* no room for the NUL */
    assert_int_equal(fn(exact, 1), -EMSGSIZE);
    assert_int_equal(fn(NULL, 0), -EMSGSIZE);
    free(exact);
}
