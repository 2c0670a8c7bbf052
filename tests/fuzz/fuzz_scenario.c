/* Scenario JSON from memory (sim/scenario.h): refused by name, or accepted with its values in
 * their documented ranges. SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>

#include "fuzz.h"
#include "sim/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    static triad_scenario s; /* large: not on the stack */
    const int err = triad_scenario_parse("fuzz.json", (const char *)data, size, &s);
    FUZZ_CHECK_REFUSAL(err);
    if (err)
        return 0;
    FUZZ_CHECK(s.num_sites >= 1 && s.num_sites <= TRIAD_SCN_MAX_SITES);
    FUZZ_CHECK(s.num_targets <= TRIAD_SCN_MAX_TARGETS);
    FUZZ_CHECK(isfinite(s.start_epoch_s) && s.duration_s >= 1.0 && s.duration_s <= 86400.0);
    for (size_t i = 0; i < s.num_sites; i++)
        FUZZ_CHECK(fabs(s.sites[i].lat_deg) <= 90.0 && s.sites[i].update_s > 0.0 &&
                   s.sites[i].max_range_m > s.sites[i].min_range_m);
    return 0;
}
