/* JSON Lines sink: detection lines as `triad process` writes them, plus report lines.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/jsonl_sink.h"
#include "io/vita49.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "io/detections_jsonl.h"

/* A detection line is at most ~450 bytes (a 63-character site id escaped 6-fold). */
#define LINE_MAX_BYTES 2048

typedef struct {
    triad_sink base; /* first: the sink pointer is this struct's */
    FILE *f;
    bool own;        /* close at destroy (not stdout) */
    bool reports;
    char path[1024];
    char line[LINE_MAX_BYTES];
} jsonl_sink;

/* The epoch of sample 0 that makes time_utc: the recording's core:datetime, as process
 * uses it, else the stream's timing carried by the report, else none. */
static double epoch_of(const triad_report *r, double cpi_time_s)
{
    const double t0 = r->meta ? triad__parse_utc(r->meta->datetime) : NAN;
    if (!isnan(t0))
        return t0;
    if (r->cpi_time_utc_ns != INT64_MIN)
        return (double)(r->cpi_time_utc_ns / 1000000000) +
               (double)(r->cpi_time_utc_ns % 1000000000) * 1e-9 - cpi_time_s;
    return NAN;
}

static int fail_write(jsonl_sink *s)
{
    return triad__fail(TRIAD_EIO, "%s: write failed: %s", s->path, strerror(errno));
}

/* A detection line with ,"degraded":F and/or ,"quality":"..." before its closing brace:
 * written to memory by the process writer, then edited. */
static int write_degraded(jsonl_sink *s, const triad_detection *d, const triad_report *r,
                          double t0)
{
    FILE *m = fmemopen(s->line, sizeof s->line, "w");
    if (!m)
        return triad__fail(TRIAD_EIO, "%s: fmemopen: %s", s->path, strerror(errno));
    const int err = triad__jsonl_write(m, d, r->meta, t0);
    const long len = ftell(m);
    fclose(m);
    if (err || len < 2 || (size_t)len >= sizeof s->line - 64 ||
        memcmp(s->line + len - 2, "}\n", 2) != 0)
        return triad__fail(TRIAD_EIO, "%s: detection line of CPI %llu too long", s->path,
                           (unsigned long long)d->cpi);
    char q[64], *end = s->line + len - 2;
    triad_vita49_quality_text(r->quality, q, sizeof q);
    const size_t room = sizeof s->line - (size_t)len + 2;
    int n = 0;
    if (r->degraded_fraction > 0)
        n = snprintf(end, room, ",\"degraded\":%.9f", r->degraded_fraction);
    snprintf(end + n, room - (size_t)n, q[0] ? ",\"quality\":\"%s\"}\n" : "}\n", q);
    return fputs(s->line, s->f) >= 0 ? 0 : fail_write(s);
}

/* The report line, as `triad listen --reports` prints it (same fields and order), with the
 * degraded fraction to 9 decimals: one sample of a large CPI still shows. */
static int write_report_line(jsonl_sink *s, const triad_report *r, double time_s, double t0)
{
    int ok = fprintf(s->f, "{\"cpi\":%llu,\"channel\":%u,\"time_s\":%.9f",
                     (unsigned long long)r->cpi, r->channel, time_s) > 0;
    if (!isnan(t0)) {
        char utc[48];
        triad__format_utc(t0 + time_s, utc, sizeof utc);
        ok &= fprintf(s->f, ",\"time_utc\":\"%s\"", utc) > 0;
    }
    if (r->meta && r->meta->has_site) {
        ok &= fputs(",\"site\":\"", s->f) >= 0;
        for (const char *c = r->meta->site.id; *c; c++) {
            if (*c == '"' || *c == '\\')
                ok &= fprintf(s->f, "\\%c", *c) > 0;
            else if ((unsigned char)*c < 0x20)
                ok &= fprintf(s->f, "\\u%04x", (unsigned char)*c) > 0;
            else
                ok &= fputc(*c, s->f) != EOF;
        }
        ok &= fputc('"', s->f) != EOF;
    }
    ok &= fprintf(s->f, ",\"radar_id\":%u,\"detections\":%zu,\"degraded_fraction\":%.9f,"
                        "\"latency_s\":%.6f",
                  r->radar_id, r->num_dets, r->degraded_fraction, r->latency_s) > 0;
    char q[64];
    triad_vita49_quality_text(r->quality, q, sizeof q);
    ok &= fprintf(s->f, q[0] ? ",\"quality\":\"%s\"}\n" : "}\n", q) > 0;
    return ok ? 0 : fail_write(s);
}

static int jsonl_write(triad_sink *self, const triad_report *r)
{
    jsonl_sink *s = (jsonl_sink *)self;
    const triad_recording_meta *m = r->meta;
    const double time_s =
        m ? ((double)r->cpi * (double)m->pulses_per_cpi + 0.5 * (double)(m->pulses_per_cpi - 1)) *
                    m->pri_s +
                r->clock_jump_s
          : (r->num_dets ? r->dets[0].time_s : 0.0);
    const double t0 = epoch_of(r, time_s);
    int err = s->reports ? write_report_line(s, r, time_s, t0) : 0;
    for (size_t i = 0; !err && i < r->num_dets; i++) {
        if (r->degraded_fraction > 0 || r->quality)
            err = write_degraded(s, &r->dets[i], r, t0);
        else if (triad__jsonl_write(s->f, &r->dets[i], m, t0))
            err = fail_write(s);
    }
    if (err)
        return err;
    return fflush(s->f) == 0 ? 0 : fail_write(s);
}

static void jsonl_destroy(triad_sink *self)
{
    jsonl_sink *s = (jsonl_sink *)self;
    if (!s)
        return;
    if (s->own) {
        if (fclose(s->f) != 0)
            triad__warn("%s: closing failed: %s", s->path, strerror(errno));
    } else {
        fflush(s->f);
    }
    free(s);
}

int triad_jsonl_sink_create(triad_sink **out, const triad_jsonl_sink_opts *o)
{
    *out = NULL;
    jsonl_sink *s = calloc(1, sizeof *s);
    if (!s)
        return triad__fail(TRIAD_ENOMEM, "jsonl sink: out of memory");
    s->base.write = jsonl_write;
    s->base.destroy = jsonl_destroy;
    s->reports = o->reports;
    if (!o->path || strcmp(o->path, "-") == 0) {
        s->f = stdout;
        snprintf(s->path, sizeof s->path, "stdout");
    } else {
        snprintf(s->path, sizeof s->path, "%s", o->path);
        s->f = fopen(o->path, "w");
        if (!s->f) {
            const int e = errno;
            free(s);
            return triad__fail(TRIAD_EIO, "%s: cannot create: %s", o->path, strerror(e));
        }
        s->own = true;
    }
    *out = &s->base;
    return 0;
}
