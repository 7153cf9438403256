/* SPDX-License-Identifier: Apache-2.0 */
/* sb_topic_parse() on untrusted topic bytes: what it accepts is canonical (formatting the parsed
 * topic gives back the very same bytes), and a rejected topic leaves *ret untouched. */
#include "statebus/topic.h"

#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[SB_TOPIC_MAX + 1];
    SbTopic t, again, untouched;
    int r, len;

    memset(&t, 0xa5, sizeof(t));
    memcpy(&untouched, &t, sizeof(t));
    r = sb_topic_parse((const char *) data, size, &t);
    if (r < 0) {
        FUZZ_REQUIRE(r == -EINVAL, "a bad topic is -EINVAL");
        FUZZ_REQUIRE(memcmp(&t, &untouched, sizeof(t)) == 0, "a bad topic leaves *ret untouched");
        return 0;
    }
    FUZZ_REQUIRE(size <= SB_TOPIC_MAX, "an accepted topic is at most SB_TOPIC_MAX bytes");
    FUZZ_REQUIRE(t.kind > SB_TOPIC_INVALID && t.kind < SB_TOPIC_KIND_COUNT, "a known kind");
    FUZZ_REQUIRE(sb_system_id_is_valid(t.system), "the system id is valid");
    FUZZ_REQUIRE(memchr(data, '+', size) == NULL && memchr(data, '#', size) == NULL &&
                         memchr(data, '\0', size) == NULL,
                 "no wildcard or NUL in an accepted topic");
    len = sb_topic_format(buf, sizeof(buf), &t);
    FUZZ_REQUIRE(len >= 0, "a parsed topic formats");
    FUZZ_REQUIRE((size_t) len == size && memcmp(buf, data, size) == 0,
                 "format(parse(topic)) == topic");
    FUZZ_REQUIRE(sb_topic_parse(buf, (size_t) len, &again) == 0 && again.kind == t.kind &&
                         again.node == t.node,
                 "a formatted topic parses again");
    return 0;
}
