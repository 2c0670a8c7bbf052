/* Store lines (share/store.h) as the store reads its file, line by line, offered into an
 * in-memory store: the table (index growth, versions, replays) under any sequence of lines.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "share/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    triad_share_store *s = NULL;
    FUZZ_CHECK(triad_share_store_open(&s, NULL, false) == 0);
    static triad_share_envelope e;
    size_t pos = 0, accepted = 0;
    while (pos < size) {
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        const size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;
        char *line = malloc(len + 1);
        FUZZ_CHECK(line);
        memcpy(line, data + pos, len);
        line[len] = '\0';
        pos += len + 1;
        const char *why = "contains a NUL byte";
        if (strlen(line) == len)
            triad__share_store_line_parse(line, &e, &why);
        free(line);
        if (why)
            continue;
        const int err = triad_share_store_offer(s, &e);
        FUZZ_CHECK_REFUSAL(err);
        accepted += err == 0;
    }
    FUZZ_CHECK(triad_share_store_size(s) <= accepted);
    const triad_share_envelope *const *list;
    const size_t n = triad_share_store_current(s, 0, INT64_MAX / 4, &list);
    FUZZ_CHECK(n <= triad_share_store_size(s));
    triad_share_store_close(s);
    return 0;
}
