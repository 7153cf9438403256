/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: strict JSON reading and bounded JSON writing for the payload codecs (payload-*.c).
 *
 * Reading: sb_json_parse() checks the raw bytes first (size, UTF-8, control characters, the
 * \u0000 escape, nesting depth), then parses with cJSON and refuses trailing garbage. Getters look
 * a member up by exact name, refuse duplicates, check the type and range, and copy the value out,
 * so no cJSON pointer leaves a decoder. Getters return 1 (present), 0 (absent and optional) or a
 * negative errno with *reterr_why set to one of the field's static reasons.
 *
 * Writing: an SbJsonBuilder collects fields with a sticky first error, so an encoder adds every
 * field and checks once, in sb_jb_finish(), which prints into the caller's buffer.
 */
#ifndef STATEBUS_JSON_UTIL_H
#define STATEBUS_JSON_UTIL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statebus/enums.h"
#include "statebus/limits.h"

/* Largest integer a JSON number carries exactly (readers parse numbers as doubles). */
#define SB_JSON_UINT_MAX (UINT64_C(1) << 53)

/* The reasons a field can be refused, as static strings naming it (reterr_why). */
typedef struct SbJsonField {
    const char *name;
    const char *missing;
    const char *wrong_type;
    const char *out_of_range;
    const char *unknown;
    const char *bad_text;
    const char *too_long;
    const char *invalid;
    const char *duplicate;
    const char *bad_entry;
} SbJsonField;

/* SB_FIELD("state"): pointer to a field description whose reasons are string literals. */
#define SB_FIELD(key)                                                  \
    (&(const SbJsonField){                                             \
            .name = (key),                                             \
            .missing = "missing '" key "'",                            \
            .wrong_type = "'" key "' has the wrong type",              \
            .out_of_range = "'" key "' is not an integer in range",    \
            .unknown = "'" key "' has an unknown value",               \
            .bad_text = "'" key "' is not clean UTF-8 text",           \
            .too_long = "'" key "' is too long",                       \
            .invalid = "'" key "' is not valid",                       \
            .duplicate = "duplicate '" key "'",                        \
            .bad_entry = "'" key "' has an invalid or repeated entry", \
    })

#define SB_JSON_REQUIRED true
#define SB_JSON_OPTIONAL false

/* An integer's bounds, both included: SB_JSON_RANGE(1, SB_NODES_MAX). */
typedef struct SbJsonRange {
    uint64_t min, max;
} SbJsonRange;
#define SB_JSON_RANGE(lo, hi) ((SbJsonRange){ .min = (lo), .max = (hi) })
/* Any integer a JSON number carries exactly: 0..SB_JSON_UINT_MAX. */
#define SB_JSON_UINT_ANY SB_JSON_RANGE(0, SB_JSON_UINT_MAX)

/* The enum a string names; allow_unknown also accepts "Unknown" as 0 (rollups of the state
 * enums): SB_JSON_ENUM(SB_ENUM_TARGET), SB_JSON_ENUM_OR_UNKNOWN(SB_ENUM_HOST_STATE). */
typedef struct SbJsonEnum {
    SbEnumType type;
    bool allow_unknown;
} SbJsonEnum;
#define SB_JSON_ENUM(t)            ((SbJsonEnum){ .type = (t) })
#define SB_JSON_ENUM_OR_UNKNOWN(t) ((SbJsonEnum){ .type = (t), .allow_unknown = true })

/* Where a node list goes: at most max numbers into nodes[], their count into *ret_n.
 * SB_JSON_NODES_OUT(c->nodes, SB_COMMAND_NODES_MAX, &c->n_nodes) points at one. */
typedef struct SbJsonNodesOut {
    uint32_t *nodes;
    size_t max;
    size_t *ret_n;
} SbJsonNodesOut;
#define SB_JSON_NODES_OUT(array, max_n, n_ptr) \
    (&(const SbJsonNodesOut){ .nodes = (array), .max = (max_n), .ret_n = (n_ptr) })

static inline void sb_json_deletep(cJSON **p)
{
    cJSON_Delete(*p);
}
#define SB_JSON_CLEANUP __attribute__((cleanup(sb_json_deletep)))

/* Parse text[0..len) as one JSON value with the raw-byte checks above and no trailing bytes:
 * 0, -EMSGSIZE (len > max) or -EBADMSG. For files too (the coordinator's state.json). */
int sb_json_parse_text(const void *text,
                       size_t len,
                       size_t max,
                       cJSON **ret,
                       const char **reterr_why);
/* Parse payload[0..len) as one JSON value: 0, -EMSGSIZE (len > SB_PAYLOAD_MAX) or -EBADMSG. */
int sb_json_parse(const void *payload, size_t len, cJSON **ret, const char **reterr_why);
/* True when a member before item in obj has item's key (cJSON keeps both copies of a repeated
 * key, and parsers disagree on which one wins). */
bool sb_json_key_repeats_earlier(const cJSON *obj, const cJSON *item);
/* -EBADMSG ("repeated key") when any object in the tree below item repeats a key, else 0: for
 * readers that look members up without sb_json_member(). */
int sb_json_keys_unique(const cJSON *item, const char **reterr_why);
/* d as an integer 0..SB_JSON_UINT_MAX; false for fractions, negatives, NaN and the too large. */
bool sb_json_double_to_uint(double d, uint64_t *ret);
/* The same, and the value must be an object. */
int sb_json_parse_object(const void *payload, size_t len, cJSON **ret, const char **reterr_why);

/* The one member named f->name; -EBADMSG when it is missing (and required) or repeated. */
int sb_json_member(const cJSON *obj,
                   const SbJsonField *f,
                   bool required,
                   const cJSON **ret,
                   const char **reterr_why);

/* Item-level checks, for members already found and for array entries. */
int sb_json_item_uint(const cJSON *item,
                      const SbJsonField *f,
                      SbJsonRange range,
                      uint64_t *ret,
                      const char **reterr_why);
int sb_json_item_enum(const cJSON *item,
                      const SbJsonField *f,
                      SbJsonEnum e,
                      int *ret,
                      const char **reterr_why);
/* An array of distinct node numbers 1..SB_NODES_MAX, at most out->max of them. */
int sb_json_item_nodes(const cJSON *item,
                       const SbJsonField *f,
                       const SbJsonNodesOut *out,
                       const char **reterr_why);
/* A decimal node number 1..SB_NODES_MAX without leading zeros (an object key); 0 or -EINVAL. */
int sb_json_node_key(const char *s, uint32_t *ret);

/* Member getters: 1 present, 0 absent (optional; *ret untouched), negative errno. */
int sb_json_get_uint(const cJSON *obj,
                     const SbJsonField *f,
                     bool required,
                     SbJsonRange range,
                     uint64_t *ret,
                     const char **reterr_why);
/* As sb_json_get_uint(), into a uint32_t: range.max is at most UINT32_MAX (a larger one counts
 * as UINT32_MAX). */
int sb_json_get_u32(const cJSON *obj,
                    const SbJsonField *f,
                    bool required,
                    SbJsonRange range,
                    uint32_t *ret,
                    const char **reterr_why);
int sb_json_get_bool(const cJSON *obj,
                     const SbJsonField *f,
                     bool required,
                     bool *ret,
                     const char **reterr_why);
/* Copies clean UTF-8 text of at most size - 1 bytes into buf (-EMSGSIZE when longer); "" when
 * absent. */
int sb_json_get_string(const cJSON *obj,
                       const SbJsonField *f,
                       bool required,
                       char *buf,
                       size_t size,
                       const char **reterr_why);
/* A request id ([A-Za-z0-9._:-]{1,SB_ID_MAX}) into buf[SB_ID_MAX + 1]; "" when absent. */
int sb_json_get_id(const cJSON *obj,
                   const SbJsonField *f,
                   bool required,
                   char *buf,
                   const char **reterr_why);
int sb_json_get_enum(const cJSON *obj,
                     const SbJsonField *f,
                     bool required,
                     SbJsonEnum e,
                     int *ret,
                     const char **reterr_why);
int sb_json_get_nodes(const cJSON *obj,
                      const SbJsonField *f,
                      bool required,
                      const SbJsonNodesOut *out,
                      const char **reterr_why);
/* "v": an integer >= 1. Later versions only add fields, so a reader of v1 reads them too. */
int sb_json_get_version(const cJSON *obj, bool required, const char **reterr_why);

/* ---- writing ---------------------------------------------------------------------------- */
typedef struct SbJsonBuilder {
    cJSON *root; /* owned */
    int error;   /* first error, 0 while all is well */
} SbJsonBuilder;

/* Starts an object holding "v": SB_PAYLOAD_VERSION. */
void sb_jb_init(SbJsonBuilder *b);
/* Records error unless an earlier one is already recorded. */
void sb_jb_fail(SbJsonBuilder *b, int error);
/* Each adder attaches to parent (NULL = the root) under key, or appends when parent is an
 * array (key unused). A value that cannot be encoded records -EINVAL, no memory -ENOMEM. */
cJSON *sb_jb_object(SbJsonBuilder *b, cJSON *parent, const char *key);
cJSON *sb_jb_array(SbJsonBuilder *b, cJSON *parent, const char *key);
void sb_jb_uint(SbJsonBuilder *b, cJSON *parent, const char *key, uint64_t value);
void sb_jb_bool(SbJsonBuilder *b, cJSON *parent, const char *key, bool value);
void sb_jb_null(SbJsonBuilder *b, cJSON *parent, const char *key);
/* s must be clean UTF-8 text of at most bound bytes, NUL-terminated within bound + 1. */
void sb_jb_string(SbJsonBuilder *b, cJSON *parent, const char *key, const char *s, size_t bound);
void sb_jb_id(SbJsonBuilder *b, cJSON *parent, const char *key, const char *id);
/* The wire string of value; allow_unknown writes 0 of a state enum as "Unknown". */
void sb_jb_enum(SbJsonBuilder *b,
                cJSON *parent,
                const char *key,
                SbEnumType type,
                int value,
                bool allow_unknown);
/* Distinct node numbers 1..SB_NODES_MAX, at most max of them. */
void sb_jb_nodes(SbJsonBuilder *b,
                 cJSON *parent,
                 const char *key,
                 const uint32_t *nodes,
                 size_t n,
                 size_t max);
/* Prints compact JSON and a NUL into buf and frees the tree: the length without the NUL, the
 * first recorded error, or -EMSGSIZE when it exceeds size - 1 or SB_PAYLOAD_MAX. */
int sb_jb_finish(SbJsonBuilder *b, char *buf, size_t size);

/* True when the n nodes are each 1..SB_NODES_MAX and distinct. */
bool sb_nodes_are_valid(const uint32_t *nodes, size_t n);

#endif
