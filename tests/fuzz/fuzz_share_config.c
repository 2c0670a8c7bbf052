/* A hub's and a node's configuration from memory (share/config.h): refused by name, or
 * accepted with its limits in their ranges and at least one link.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fuzz.h"
#include "share/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    static triad__share_cfg c;
    for (int hub = 0; hub < 2; hub++) {
        const int err = triad__share_cfg_parse("fuzz/config.json", (const char *)data, size,
                                               hub != 0, &c);
        FUZZ_CHECK_REFUSAL(err);
        if (!err)
            FUZZ_CHECK(c.num_links >= 1 && c.num_links <= TRIAD__SHARE_LINKS_MAX &&
                       c.max_age_s > 0 && c.lease_s > 0);
    }
    return 0;
}
