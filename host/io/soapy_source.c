/* The SoapySDR source (io/source.h): a receiver's continuous RX stream cut into the radar's
 * receive windows by the PRI (docs/FORMATS.md, "SoapySDR source").
 *
 * Stream position s counts samples from the time origin (timed: device time k0 P PRI, a CPI
 * boundary of the radar's pulse grid m PRI from device time 0; untimed: the first sample is
 * pulse 0's window start). Pulse m's window is positions ws(m) = round((m PRI + offset) fs)
 * .. ws(m) + N - 1; everything between windows is dropped. A read's position comes from its
 * timestamp where the device gives one, else from counting.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/source.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "io/vita49.h" /* TRIAD_QUALITY_SAMPLE_LOSS */

#ifndef TRIAD_HAVE_SOAPY

int triad_soapy_source_create(triad_source **src, const char *args, double carrier_hz,
                              double window_offset_s, const triad_cpi_asm_cfg *cfg)
{
    (void)args, (void)carrier_hz, (void)window_offset_s, (void)cfg;
    *src = NULL;
    return triad__fail(TRIAD_EINVAL, "soapy: this triad was built without SoapySDR "
                                     "(libsoapysdr-dev)");
}

#else

#include <SoapySDR/Device.h>
#include <SoapySDR/Errors.h>
#include <SoapySDR/Formats.h>

typedef struct {
    triad_source base; /* first: handed out as a triad_source */
    triad_cpi_asm_cfg cfg;
    SoapySDRDevice *dev;
    SoapySDRStream *stream;
    size_t n, p, c, chunk;
    uint64_t pn;
    double fs, pri, offset;
    bool timed, started, ended;
    bool just_lost;       /* the last read was an overflow or a timeout (counted already) */
    long long origin_ns;  /* device time of position 0 (timed) */
    uint64_t expect;      /* position of the next sample, by counting */
    bool cf32;            /* the stream is CF32 (the device offers no CS16): converted */
    uint8_t **rd;         /* [C] read buffers, chunk samples each (CS16 4 bytes, CF32 8) */
    void **rd_ptrs;
    /* the CPI being filled */
    bool open;
    uint64_t cpi;
    uint8_t *buf;         /* [P x N x C] ci16_le */
    uint64_t *filled;     /* [C] */
    uint64_t *missing;    /* [C] for triad_cpi_info */
    unsigned *quality;    /* [C] */
    bool loss;            /* an overflow or timeout since the CPI opened */
    triad_cpi_asm_stats st;
    char line[400];
} soapy_source;

static uint64_t window_start(const soapy_source *s, uint64_t m)
{
    return (uint64_t)llround(((double)m * s->pri + s->offset) * s->fs);
}

/* the pulse whose window holds position x or is the next one after it */
static uint64_t pulse_at(const soapy_source *s, uint64_t x)
{
    const double t = ((double)x + 0.5) / s->fs - s->offset;
    uint64_t m = t < 0 ? 0 : (uint64_t)floor(t / s->pri);
    if (x >= window_start(s, m) + s->n)
        m++;
    return m;
}

static void emit_cpi(soapy_source *s, double now_s)
{
    uint64_t total = 0;
    for (size_t c = 0; c < s->c; c++) {
        s->missing[c] = s->pn - s->filled[c];
        /* the windows start whole on a CPI boundary: anything missing was lost */
        s->quality[c] = s->loss || s->filled[c] < s->pn ? TRIAD_QUALITY_SAMPLE_LOSS : 0;
        total += s->missing[c];
    }
    const triad_cpi_info info = {
        .cpi = s->cpi,
        .missing = s->missing,
        .missing_total = total,
        .degraded_fraction = (double)total / (double)(s->pn * s->c),
        .complete_s = now_s,
        .stream_epoch_s = NAN,
        .quality = s->quality,
    };
    s->st.cpis++;
    if (total) {
        s->st.cpis_degraded++;
        s->st.missing_samples += total;
    }
    void *next = s->cfg.emit(s->cfg.user, &info, s->buf);
    if (next)
        s->buf = next;
    s->open = false;
}

static void open_cpi(soapy_source *s, uint64_t k)
{
    if (s->open)
        s->st.cpis_skipped += k > s->cpi + 1 ? k - s->cpi - 1 : 0;
    memset(s->buf, 0, (size_t)(s->pn * s->c * 4));
    memset(s->filled, 0, s->c * sizeof *s->filled);
    s->loss = false;
    s->open = true;
    s->cpi = k;
}

/* One CF32 value as a CS16 count: x 32768 (SoapySDR's scale: full scale 1.0 = 2^15), rounded,
 * saturated; NaN gives 0. */
static inline int16_t cs16_of(float x)
{
    const float v = fminf(fmaxf(x * 32768.0f, -32768.0f), 32767.0f);
    return (int16_t)lrintf(v == v ? v : 0.0f);
}

/* len samples from index from of every channel's read buffer to the CPI's rows row ..
 * row + len - 1: one block copy for one channel, channels interleaved sample by sample
 * (the CPI buffer is [P x N x C] ci16_le) without a branch per sample otherwise. CS16 is I, Q
 * int16 in host order (little endian, as the chain's ci16_le): 4 bytes a sample, moved with
 * memcpy (one move, no aliasing of the buffers as wider words); CF32 is converted in the same
 * pass. */
static void interleave(soapy_source *s, size_t row, size_t from, size_t len)
{
    uint8_t *dst = s->buf + row * s->c * 4;
    if (s->cf32) {
        for (size_t c = 0; c < s->c; c++) {
            const float *a = (const float *)(const void *)(s->rd[c] + 8 * from);
            for (size_t j = 0; j < len; j++) {
                const int16_t iq[2] = {cs16_of(a[2 * j]), cs16_of(a[2 * j + 1])};
                memcpy(dst + (j * s->c + c) * 4, iq, 4);
            }
        }
        return;
    }
    if (s->c == 1) {
        memcpy(dst, s->rd[0] + 4 * from, len * 4);
        return;
    }
    if (s->c == 2) {
        const uint8_t *a = s->rd[0] + 4 * from, *b = s->rd[1] + 4 * from;
        for (size_t j = 0; j < len; j++) {
            memcpy(dst + 8 * j, a + 4 * j, 4);
            memcpy(dst + 8 * j + 4, b + 4 * j, 4);
        }
        return;
    }
    for (size_t c = 0; c < s->c; c++) {
        const uint8_t *a = s->rd[c] + 4 * from;
        for (size_t j = 0; j < len; j++)
            memcpy(dst + (j * s->c + c) * 4, a + 4 * j, 4);
    }
}

/* Samples [pos, pos + got) of the read buffers into their windows: per window, its span
 * in this read as one block (interleave). */
static void place(soapy_source *s, uint64_t pos, size_t got, double now_s)
{
    const uint64_t end = pos + got;
    uint64_t x = pos;
    while (x < end) {
        const uint64_t m = pulse_at(s, x), ws = window_start(s, m);
        if (ws >= end)
            break;
        if (x < ws)
            x = ws;
        const uint64_t stop = ws + s->n < end ? ws + s->n : end;
        const uint64_t k = m / s->p;
        if (!s->open || k != s->cpi) {
            if (s->open && k < s->cpi) { /* behind the CPI being filled: cannot be placed */
                s->st.late++;
                x = stop;
                continue;
            }
            if (s->open)
                emit_cpi(s, now_s);
            open_cpi(s, k);
        }
        const size_t row = (size_t)((m % s->p) * s->n + (x - ws));
        interleave(s, row, (size_t)(x - pos), (size_t)(stop - x));
        for (size_t c = 0; c < s->c; c++)
            s->filled[c] += stop - x;
        x = stop;
        /* the CPI's last window is done: hand it on now, not at the next one's first sample */
        if (m % s->p == s->p - 1 && x == ws + s->n)
            emit_cpi(s, now_s);
    }
}

static int s_step(triad_source *self, int timeout_ms, double now_s)
{
    soapy_source *s = (soapy_source *)self;
    if (s->ended)
        return 1;
    int flags = 0;
    long long time_ns = 0;
    const int r = SoapySDRDevice_readStream(s->dev, s->stream, s->rd_ptrs, s->chunk, &flags,
                                            &time_ns, (long)timeout_ms * 1000);
    s->st.datagrams++;
    if (r == SOAPY_SDR_TIMEOUT) {
        if (s->started) { /* the stream had begun: those samples are lost */
            s->st.lost++;
            s->loss = s->just_lost = true;
        }
        return 0;
    }
    if (r == SOAPY_SDR_OVERFLOW) {
        s->st.lost++;
        s->loss = s->just_lost = true;
        if (!s->timed)
            return triad__fail(TRIAD_EIO, "soapy: overflow on a device without hardware time: "
                                          "the samples lost cannot be counted, the receive "
                                          "windows no longer be placed");
        return 0;
    }
    if (r < 0)
        return triad__fail(TRIAD_EIO, "soapy: readStream: %s (%d)", SoapySDR_errToStr(r), r);
    s->st.packets++;
    s->st.last_packet_s = now_s;
    uint64_t pos = s->expect;
    if (s->timed && (flags & SOAPY_SDR_HAS_TIME)) {
        const double x = (double)(time_ns - s->origin_ns) * 1e-9 * s->fs;
        pos = x < 0 ? 0 : (uint64_t)llround(x);
    } else if (!s->started) {
        pos = window_start(s, 0); /* untimed: the first sample opens pulse 0's window */
    }
    if (s->started && pos > s->expect && !s->just_lost) { /* a gap told only by the time */
        s->st.lost++;
        s->loss = true;
    }
    s->just_lost = false;
    s->started = true;
    if (r > 0)
        place(s, pos, (size_t)r, now_s);
    s->expect = pos + (uint64_t)r;
    if (flags & SOAPY_SDR_END_BURST) {
        s->ended = true;
        if (s->open)
            emit_cpi(s, now_s);
        return 1;
    }
    return 0;
}

static void s_flush(triad_source *self, double now_s)
{
    soapy_source *s = (soapy_source *)self;
    if (s->open)
        emit_cpi(s, now_s);
}

static void s_stats(const triad_source *self, triad_cpi_asm_stats *st)
{
    *st = ((const soapy_source *)self)->st;
}

static const char *s_describe(const triad_source *self)
{
    return ((const soapy_source *)self)->line;
}

static void s_destroy(triad_source *self)
{
    soapy_source *s = (soapy_source *)self;
    if (s->stream) {
        SoapySDRDevice_deactivateStream(s->dev, s->stream, 0, 0);
        SoapySDRDevice_closeStream(s->dev, s->stream);
    }
    if (s->dev)
        SoapySDRDevice_unmake(s->dev);
    for (size_t c = 0; s->rd && c < s->c; c++)
        free(s->rd[c]);
    free(s->rd);
    free(s->rd_ptrs);
    free(s->buf);
    free(s->filled);
    free(s->missing);
    free(s->quality);
    free(s);
}

int triad_soapy_source_create(triad_source **out, const char *args, double carrier_hz,
                              double window_offset_s, const triad_cpi_asm_cfg *cfg)
{
    *out = NULL;
    if (!cfg->samples_per_pulse || !cfg->pulses_per_cpi || !cfg->num_channels || !cfg->emit ||
        !(cfg->sample_rate_hz > 0) || !(cfg->pri_s > 0) || !(window_offset_s >= 0))
        return triad__fail(TRIAD_EINVAL, "soapy: N, P, C, the sample rate, the PRI and the "
                                         "window offset must be set (offset >= 0)");
    if ((double)cfg->samples_per_pulse / cfg->sample_rate_hz + window_offset_s > cfg->pri_s)
        return triad__fail(TRIAD_EINVAL, "soapy: a receive window of %zu samples at %.17g S/s "
                           "starting %.17g s after the pulse does not end before the next "
                           "pulse (PRI %.17g s)", cfg->samples_per_pulse, cfg->sample_rate_hz,
                           window_offset_s, cfg->pri_s);
    soapy_source *s = calloc(1, sizeof *s);
    if (!s)
        return triad__fail(TRIAD_ENOMEM, "soapy: out of memory");
    s->base = (triad_source){.step = s_step, .flush = s_flush, .stats = s_stats,
                             .describe = s_describe, .destroy = s_destroy, .address = ""};
    s->cfg = *cfg;
    s->n = cfg->samples_per_pulse;
    s->p = cfg->pulses_per_cpi;
    s->c = cfg->num_channels;
    s->pn = (uint64_t)s->n * s->p;
    s->fs = cfg->sample_rate_hz;
    s->pri = cfg->pri_s;
    s->offset = window_offset_s;
    s->st.last_packet_s = NAN;
    int err = 0;
    s->dev = SoapySDRDevice_makeStrArgs(args);
    if (!s->dev) {
        err = triad__fail(TRIAD_EINVAL, "soapy://%s: no device: %s", args,
                          SoapySDRDevice_lastError());
        goto fail;
    }
    const size_t have = SoapySDRDevice_getNumChannels(s->dev, SOAPY_SDR_RX);
    if (have < s->c) {
        err = triad__fail(TRIAD_EINVAL, "soapy://%s: the device has %zu RX channels, the meta "
                                        "%zu", args, have, s->c);
        goto fail;
    }
    size_t *chans = calloc(s->c, sizeof *chans);
    if (!chans) {
        err = triad__fail(TRIAD_ENOMEM, "soapy: out of memory");
        goto fail;
    }
    double rate = 0, freq = 0;
    for (size_t c = 0; c < s->c; c++) {
        chans[c] = c;
        if (SoapySDRDevice_setSampleRate(s->dev, SOAPY_SDR_RX, c, s->fs) ||
            SoapySDRDevice_setFrequency(s->dev, SOAPY_SDR_RX, c, carrier_hz, NULL)) {
            free(chans);
            err = triad__fail(TRIAD_EINVAL, "soapy://%s: channel %zu: %s", args, c,
                              SoapySDRDevice_lastError());
            goto fail;
        }
        rate = SoapySDRDevice_getSampleRate(s->dev, SOAPY_SDR_RX, c);
        freq = SoapySDRDevice_getFrequency(s->dev, SOAPY_SDR_RX, c);
        if (!(fabs(rate - s->fs) <= 1e-9 * s->fs)) {
            free(chans);
            err = triad__fail(TRIAD_EINVAL, "soapy://%s: channel %zu samples at %.17g S/s, the "
                              "meta's core:sample_rate is %.17g S/s", args, c, rate, s->fs);
            goto fail;
        }
    }
    if (cfg->note && !(fabs(freq - carrier_hz) <= 1.0)) {
        char msg[300];
        snprintf(msg, sizeof msg, "warning: soapy: the device tuned to %.17g Hz, the meta's "
                 "carrier is %.17g Hz (velocities use the meta's)", freq, carrier_hz);
        cfg->note(cfg->user, msg);
    }
    /* CS16 (the chain's ci16, copied as it is) where the device offers it, else CF32
     * (converted on placing); nothing else */
    size_t nf = 0;
    char **formats = SoapySDRDevice_getStreamFormats(s->dev, SOAPY_SDR_RX, 0, &nf);
    bool cs16 = false, cf32 = false;
    char offered[200] = "";
    for (size_t f = 0, at = 0; f < nf; f++) {
        cs16 |= strcmp(formats[f], SOAPY_SDR_CS16) == 0;
        cf32 |= strcmp(formats[f], SOAPY_SDR_CF32) == 0;
        if (at < sizeof offered)
            at += (size_t)snprintf(offered + at, sizeof offered - at, "%s%s", f ? " " : "",
                                   formats[f]);
    }
    SoapySDRStrings_clear(&formats, nf);
    if (!cs16 && !cf32) {
        free(chans);
        err = triad__fail(TRIAD_EINVAL, "soapy://%s: the device streams %s; Triad reads CS16 or "
                          "CF32", args, nf ? offered : "no format");
        goto fail;
    }
    s->cf32 = !cs16;
    const char *format = s->cf32 ? SOAPY_SDR_CF32 : SOAPY_SDR_CS16;
    /* the device arguments are the stream's too: a driver's buffer settings (UHD's
     * num_recv_frames, RTL-SDR's buffers and bufflen, ...) deepen what the device holds
     * while the reader is away; drivers ignore keys they do not know */
    SoapySDRKwargs sargs = SoapySDRKwargs_fromString(args);
    s->stream = SoapySDRDevice_setupStream(s->dev, SOAPY_SDR_RX, format, chans, s->c, &sargs);
    SoapySDRKwargs_clear(&sargs);
    free(chans);
    if (!s->stream) {
        err = triad__fail(TRIAD_EINVAL, "soapy://%s: setting up a %s stream: %s", args, format,
                          SoapySDRDevice_lastError());
        goto fail;
    }
    /* reads of up to 4 ms of samples (at least the MTU, 4096..1 Mi): a reader that fell
     * behind catches up in few calls; a device returns what it has, a packet at least */
    const size_t mtu = SoapySDRDevice_getStreamMTU(s->dev, s->stream);
    const double want = ceil(s->fs * 4e-3);
    s->chunk = want > (double)(1 << 20) ? (size_t)1 << 20 : (size_t)want;
    s->chunk = s->chunk < mtu ? mtu : s->chunk;
    s->chunk = s->chunk < 4096 ? 4096 : s->chunk > ((size_t)1 << 20) ? (size_t)1 << 20 : s->chunk;
    s->rd = calloc(s->c, sizeof *s->rd);
    s->rd_ptrs = calloc(s->c, sizeof *s->rd_ptrs);
    s->buf = malloc((size_t)(s->pn * s->c * 4));
    s->filled = calloc(s->c, sizeof *s->filled);
    s->missing = calloc(s->c, sizeof *s->missing);
    s->quality = calloc(s->c, sizeof *s->quality);
    bool ok = s->rd && s->rd_ptrs && s->buf && s->filled && s->missing && s->quality;
    for (size_t c = 0; ok && c < s->c; c++)
        ok = (s->rd_ptrs[c] = s->rd[c] = malloc(s->chunk * (s->cf32 ? 8 : 4))) != NULL;
    if (!ok) {
        err = triad__fail(TRIAD_ENOMEM, "soapy: out of memory");
        goto fail;
    }
    /* timed RX: start on the next CPI boundary of the pulse grid at least 100 ms ahead, so
     * that the first window is whole and CPI k of the run is the grid's CPI k0 + k */
    s->timed = SoapySDRDevice_hasHardwareTime(s->dev, "");
    int rc;
    char *key = SoapySDRDevice_getHardwareKey(s->dev);
    if (s->timed) {
        const long long now = SoapySDRDevice_getHardwareTime(s->dev, "");
        const double cpi_ns = (double)s->p * s->pri * 1e9;
        const double k0 = ceil(((double)now + 1e8) / cpi_ns);
        s->origin_ns = llround(k0 * cpi_ns);
        rc = SoapySDRDevice_activateStream(s->dev, s->stream, SOAPY_SDR_HAS_TIME,
                                           s->origin_ns + llround(s->offset * 1e9), 0);
        snprintf(s->line, sizeof s->line, "receiving from SoapySDR '%s' (%s): %zu channels at "
                 "%.17g S/s, %.17g Hz, %s; timed RX from device time %.9f s (CPI %.0f of the "
                 "pulse grid), window offset %.9g s", args, key ? key : "?", s->c, rate, freq,
                 format, (double)s->origin_ns * 1e-9, k0, s->offset);
    } else {
        rc = SoapySDRDevice_activateStream(s->dev, s->stream, 0, 0, 0);
        snprintf(s->line, sizeof s->line, "receiving from SoapySDR '%s' (%s): %zu channels at "
                 "%.17g S/s, %.17g Hz, %s; no hardware time: the first sample opens pulse 0's "
                 "window (an overflow ends the run)", args, key ? key : "?", s->c, rate, freq,
                 format);
    }
    SoapySDR_free(key);
    if (rc) {
        err = triad__fail(TRIAD_EIO, "soapy://%s: activating the stream: %s (%d)", args,
                          SoapySDR_errToStr(rc), rc);
        goto fail;
    }
    *out = &s->base;
    return 0;
fail:
    s_destroy(&s->base);
    return err;
}

#endif
