/* Fusion JSON Lines from memory (io/fusion_jsonl.h): the same bytes as detection reports and
 * as truth. Refused by name (file, line, field), or accepted with every value finite and in
 * range, so the tracker never sees NaN, an infinity or an absurd time.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>

#include "core/limits.h"
#include "fuzz.h"
#include "io/fusion_jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    triad__fjsonl_reports list = {0};
    int err = triad__fjsonl_parse_reports("fuzz.jsonl", (const char *)data, size, &list);
    FUZZ_CHECK_REFUSAL(err);
    size_t dets = 0;
    for (size_t i = 0; i < list.n; i++) {
        const triad_fusion_report *r = &list.v[i].r;
        FUZZ_CHECK(fabs(r->time_s) <= TRIAD__EPOCH_MAX_S);
        FUZZ_CHECK(fabs(r->site.lat_rad) <= M_PI / 2 + 1e-12 && isfinite(r->site.alt_m));
        for (size_t j = 0; j < r->num_dets; j++) {
            const triad_fusion_det *d = &r->dets[j];
            FUZZ_CHECK(d->range_m > 0 && isfinite(d->range_m) && isfinite(d->azimuth_deg) &&
                       isfinite(d->elevation_deg));
            FUZZ_CHECK(isnan(d->range_rate_mps) || isfinite(d->range_rate_mps));
        }
        dets += r->num_dets;
    }
    FUZZ_CHECK(dets == list.num_dets);
    triad__fjsonl_sort(&list);
    for (size_t i = 1; i < list.n; i++)
        FUZZ_CHECK(list.v[i - 1].r.time_s <= list.v[i].r.time_s);
    triad__fjsonl_free(&list);

    triad__truth t;
    err = triad__truth_parse("fuzz.truth.jsonl", (const char *)data, size, &t);
    FUZZ_CHECK_REFUSAL(err);
    if (!err) {
        for (size_t i = 0; i < t.num_pts; i++) {
            FUZZ_CHECK(isfinite(t.pts[i].t) && t.pts[i].seen_by >= 0);
            for (int k = 0; k < 3; k++)
                FUZZ_CHECK(isfinite(t.pts[i].ecef[k]));
        }
        triad__truth_free(&t);
    }
    return 0;
}
