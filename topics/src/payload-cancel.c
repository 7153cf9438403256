/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cancel requests on <root>/system/set/cancel (issue #15): the id of a queued or active request,
 * as an object or a bare id (mosquitto_pub -m 'ctl-123-456'). Schema: schema/cancel.schema.json.
 */
#include <errno.h>
#include <string.h>

#include "statebus/payload.h"
#include "statebus/text.h"

#include "json-util.h"
#include "text-util.h"

int sb_cancel_encode(const SbCancel *c, char *buf, size_t size)
{
    SbJsonBuilder b;

    if (!c || c->id[0] == '\0') {
        return -EINVAL;
    }
    sb_jb_init(&b);
    sb_jb_id(&b, NULL, "id", c->id);
    if (c->reason[0] != '\0') {
        sb_jb_string(&b, NULL, "reason", c->reason, SB_REASON_MAX);
    }
    return sb_jb_finish(&b, buf, size);
}

int sb_cancel_decode(const void *payload,
                     size_t len,
                     bool allow_bare,
                     SbCancel *ret,
                     const char **reterr_why)
{
    SB_JSON_CLEANUP cJSON *root = NULL;
    const char *word = payload;
    size_t word_len = len;
    int r;

    if (!ret) {
        return -EINVAL;
    }
    memset(ret, 0, sizeof(*ret));
    if (len > SB_PAYLOAD_MAX) {
        if (reterr_why) {
            *reterr_why = "payload larger than 4096 bytes";
        }
        return -EMSGSIZE;
    }
    if (allow_bare && payload) {
        sb_ascii_trim(&word, &word_len);
        if (word_len > 0 && word[0] != '{' && sb_request_id_is_valid(word, word_len)) {
            memcpy(ret->id, word, word_len);
            ret->id[word_len] = '\0';
            ret->bare = true;
            return 0;
        }
    }
    r = sb_json_parse_object(payload, len, &root, reterr_why);
    if (r < 0) {
        return r;
    }
    if ((r = sb_json_get_id(root, SB_FIELD("id"), SB_JSON_REQUIRED, ret->id, reterr_why)) < 0 ||
        (r = sb_json_get_version(root, SB_JSON_OPTIONAL, reterr_why)) < 0 ||
        (r = sb_json_get_string(root, SB_FIELD("reason"), SB_JSON_OPTIONAL, ret->reason,
                                sizeof(ret->reason), reterr_why)) < 0) {
        return r;
    }
    return 0;
}
