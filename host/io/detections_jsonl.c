/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/detections_jsonl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/error_internal.h"

double triad__parse_utc(const char *iso)
{
    int y, mo, d, h, mi, n = 0;
    double s;
    if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &s, &n) != 6)
        return NAN;
    if (strcmp(iso + n, "Z") != 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
        mi > 59 || !(s >= 0.0 && s < 61.0))
        return NAN;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi};
    return (double)timegm(&tm) + s;
}

void triad__format_utc(double epoch_s, char *buf, size_t size)
{
    /* the range first: converting a double beyond time_t's range is undefined */
    struct tm tm;
    if (!(epoch_s > -6e10 && epoch_s < 2.5e11)) {
        snprintf(buf, size, "invalid");
        return;
    }
    const double whole = floor(epoch_s);
    long usec = lround((epoch_s - whole) * 1e6);
    time_t t = (time_t)whole;
    if (usec >= 1000000) {
        usec -= 1000000;
        t++;
    }
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, size, "invalid");
        return;
    }
    const size_t len = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    if (len > 0 && len < size)
        snprintf(buf + len, size - len, ".%06ldZ", usec);
}

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
