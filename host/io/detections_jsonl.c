/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/detections_jsonl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/error_internal.h"

int triad__jsonl_write(FILE *f, const triad_detection *d, const triad_recording_meta *meta,
                       double t0_epoch_s)
{
    int ok = fprintf(f,
                     "{\"cpi\":%llu,\"channel\":%u,\"time_s\":%.9f", (unsigned long long)d->cpi,
                     d->channel, d->time_s) > 0;
    if (!isnan(t0_epoch_s)) {
        char utc[48];
        triad__format_utc(t0_epoch_s + d->time_s, utc, sizeof utc);
        ok &= fprintf(f, ",\"time_utc\":\"%s\"", utc) > 0;
    }
    ok &= fprintf(f,
                  ",\"range_m\":%.3f,\"velocity_mps\":%.4f,\"range_bin\":%.4f,"
                  "\"doppler_bin\":%.4f,\"snr_db\":%.2f,\"power_db\":%.2f",
                  d->range_m, d->velocity_mps, d->range_bin, d->doppler_bin, d->snr_db,
                  d->power_db) > 0;
    if (meta && meta->has_beam)
        ok &= fprintf(f, ",\"azimuth_deg\":%.4f,\"elevation_deg\":%.4f", meta->beam_azimuth_deg,
                      meta->beam_elevation_deg) > 0;
    if (meta && meta->has_site) {
        /* the id is the user's text: escape what JSON needs */
        ok &= fputs(",\"site\":\"", f) >= 0;
        for (const char *c = meta->site.id; *c; c++) {
            if (*c == '"' || *c == '\\')
                ok &= fprintf(f, "\\%c", *c) > 0;
            else if ((unsigned char)*c < 0x20)
                ok &= fprintf(f, "\\u%04x", (unsigned char)*c) > 0;
            else
                ok &= fputc(*c, f) != EOF;
        }
        ok &= fputc('"', f) != EOF;
    }
    ok &= fputs("}\n", f) >= 0;
    return ok ? 0 : triad__fail(TRIAD_EIO, "detections: write failed");
}
