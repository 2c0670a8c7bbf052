/* A release policy from memory (share/policy.h), applied to a Warning for its partners: the
 * released and withheld fields together are never more than the message had.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "share/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    char *text = malloc(size + 1);
    FUZZ_CHECK(text);
    memcpy(text, data, size);
    text[size] = '\0';
    triad_share_policy *p = NULL;
    const int err = strlen(text) == size ? triad_share_policy_parse(&p, text, "fuzz-policy.json")
                                         : TRIAD_EFORMAT;
    free(text);
    if (err)
        return 0;
    static triad_share_msg in, out;
    static triad_share_withheld wh[TRIAD_SHARE_MAX_FIELDS];
    triad_share_msg_init(&in, TRIAD_SHARE_WARNING);
    triad_share_msg_set_num(&in, "event_id", 7);
    triad_share_msg_set_num(&in, "launch.lat_deg", 39.0421);
    triad_share_msg_set_num(&in, "launch.time_s", 1795392000.123456);
    triad_share_msg_set_num(&in, "impact.ellipse.semi_major_m", 12345.6);
    triad_share_msg_set_str(&in, "kind", "NEW");
    triad_share_msg_set_bool(&in, "ballistic", true);
    static const char *const partners[] = {"B", "JP", "KR", "A"};
    for (size_t i = 0; i < sizeof partners / sizeof partners[0]; i++) {
        size_t nwh = 0;
        const int r = triad_share_policy_apply(p, "A", partners[i], &in, &out, wh, &nwh);
        if (r == 0)
            FUZZ_CHECK(out.num_fields + nwh <= in.num_fields);
    }
    triad_share_policy_destroy(p);
    return 0;
}
