/* SPDX-License-Identifier: Apache-2.0 */
#include "ac-loss.h"

#include <strings.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool ac_loss_file_says(const char *content, size_t len)
{
    static const char *const no[] = { "0", "false", "no" };
    size_t start = 0, end = len;

    while (start < end && is_space(content[start])) {
        start++;
    }
    while (end > start && is_space(content[end - 1])) {
        end--;
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        size_t n = 0;
        while (no[i][n]) {
            n++;
        }
        if (end - start == n && strncasecmp(content + start, no[i], n) == 0) {
            return false;
        }
    }
    return true;
}
