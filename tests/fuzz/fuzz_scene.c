/* Scene JSON from memory (triad/sim.h): refused by name, or accepted with every value finite;
 * a small accepted scene is also simulated (one CPI), so its values reach the arithmetic.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <stdlib.h>

#include "fuzz.h"
#include "triad/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    triad_scene s;
    int err = triad_scene_parse("fuzz.json", (const char *)data, size, &s);
    FUZZ_CHECK_REFUSAL(err);
    if (err)
        return 0;
    const triad_recording_meta *r = &s.radar;
    FUZZ_CHECK(isfinite(r->sample_rate_hz) && isfinite(r->carrier_hz) && isfinite(r->pri_s));
    FUZZ_CHECK(isfinite(s.ci16_scale) && isfinite(s.noise_power));
    for (size_t i = 0; i < s.num_targets; i++)
        FUZZ_CHECK(isfinite(s.targets[i].range_m) && isfinite(s.targets[i].velocity_mps) &&
                   isfinite(s.targets[i].snr_db));
    const size_t bytes = triad_recording_cpi_bytes(r);
    if (bytes == 0 || bytes > (256u << 10))
        return 0;
    triad_sim *sim = NULL;
    err = triad_sim_create(&sim, &s);
    FUZZ_CHECK_REFUSAL(err);
    if (!err) {
        void *buf = malloc(bytes);
        FUZZ_CHECK(buf);
        err = triad_sim_cpi(sim, 0, buf, NULL);
        FUZZ_CHECK_REFUSAL(err);
        free(buf);
    }
    triad_sim_destroy(sim);
    return 0;
}
