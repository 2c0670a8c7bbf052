/* The live CPI stream (include/triad/stream.h): a reader thread (a source, io/source.h:
 * socket -> VITA-49 packets -> CPI assembler, or a SoapySDR receiver) and a bounded queue of complete CPIs that drops its oldest when full, so the
 * socket is never left unread while the caller processes.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "triad/stream.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error_internal.h"
#include "io/cpi_assembler.h"
#include "io/source.h"
#include "io/vita49.h"

/* One complete CPI in the queue. */
typedef struct {
    void *buf;
    uint64_t cpi;
    uint64_t *missing; /* [C] */
    unsigned *quality; /* [C] */
    double complete_s, epoch_s, jump_s;
} cpi_item;

struct triad_cpi_stream {
    triad_cpi_stream_cfg cfg;
    size_t cpi_bytes;
    triad_source *src;
    pthread_t reader;
    bool active;
    atomic_bool stop;
    uint64_t *info_missing; /* [C]: what the last read's info.missing points at */
    unsigned *info_quality; /* [C]: and info.quality */

    /* the queue, under mu; cv signals a CPI queued or the reader's end */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    cpi_item *items;                /* [cap + 1]: the queue's, and one being copied out */
    cpi_item **ring, **free_items;
    size_t cap, head, len, nfree;
    uint64_t dropped, dropped_reported;
    bool eof;                       /* the reader has stopped */
    int reader_err;                 /* its error, 0 if it stopped cleanly */
    char reader_msg[512];
    triad_cpi_asm_stats st;         /* the reader's counters, published after every batch */
};

triad_cpi_stream_cfg triad_cpi_stream_cfg_default(void)
{
    return (triad_cpi_stream_cfg){
        .rcvbuf_bytes = 8 << 20,
        .stream_id = 1,
        .cpi_timeout_s = 0.2,
        .queue_cpis = 8,
    };
}

/* ---- latency histogram ---------------------------------------------------------------- */

void triad_latency_reset(triad_latency *h) { memset(h, 0, sizeof *h); }

void triad_latency_add(triad_latency *h, double s)
{
    int b = s > 1e-6 ? (int)(50.0 * log10(s / 1e-6)) : 0;
    b = b < 0 ? 0 : b >= TRIAD_LATENCY_BINS ? TRIAD_LATENCY_BINS - 1 : b;
    h->n[b]++;
    h->count++;
}

double triad_latency_percentile(const triad_latency *h, double q)
{
    if (!h->count)
        return NAN;
    const uint64_t want = (uint64_t)ceil(q * (double)h->count);
    uint64_t sum = 0;
    for (int b = 0; b < TRIAD_LATENCY_BINS; b++)
        if ((sum += h->n[b]) >= want)
            return 1e-6 * pow(10.0, (b + 0.5) / 50.0); /* the bin's centre */
    return NAN;
}

/* ---- the queue ------------------------------------------------------------------------ */

/* The assembler's emit (reader thread): queue the CPI, hand back a free buffer. Never
 * waits: a full queue loses its oldest CPI. */
static void *queue_emit(void *user, const triad_cpi_info *info, void *buf)
{
    triad_cpi_stream *s = user;
    pthread_mutex_lock(&s->mu);
    if (s->len == s->cap) {
        s->free_items[s->nfree++] = s->ring[s->head];
        s->head = (s->head + 1) % s->cap;
        s->len--;
        s->dropped++;
    }
    cpi_item *it = s->free_items[--s->nfree]; /* cap + 1 items: one is always free here */
    void *next = it->buf;
    it->buf = buf;
    it->cpi = info->cpi;
    memcpy(it->missing, info->missing, s->cfg.num_channels * sizeof *it->missing);
    memcpy(it->quality, info->quality, s->cfg.num_channels * sizeof *it->quality);
    it->complete_s = info->complete_s;
    it->epoch_s = info->stream_epoch_s;
    it->jump_s = info->clock_jump_s;
    s->ring[(s->head + s->len) % s->cap] = it;
    s->len++;
    /* the counters with the CPI: a reader of both never sees a CPI its stats do not count */
    s->src->stats(s->src, &s->st);
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return next;
}

/* ---- the reader thread ---------------------------------------------------------------- */

/* The assembler's notes, to the caller's */
static void stream_note(void *user, const char *msg)
{
    const triad_cpi_stream *s = user;
    s->cfg.note(s->cfg.note_user, msg);
}

static void publish(triad_cpi_stream *s, bool eof, int err)
{
    pthread_mutex_lock(&s->mu);
    s->src->stats(s->src, &s->st);
    if (eof) {
        s->eof = true;
        s->reader_err = err;
        if (err)
            snprintf(s->reader_msg, sizeof s->reader_msg, "%s", triad_errmsg());
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
}

static void *reader_main(void *arg)
{
    triad_cpi_stream *s = arg;
    double last_valid = triad_clock_s();
    uint64_t packets = 0;
    int err = 0;
    while (!atomic_load(&s->stop)) {
        const int n = s->src->step(s->src, 20, triad_clock_s());
        if (n < 0) {
            err = n;
            break;
        }
        if (n == 1) /* the source's stream ended: everything is handed on */
            break;
        const double now = triad_clock_s();
        triad_cpi_asm_stats st;
        s->src->stats(s->src, &st);
        if (st.packets != packets) {
            packets = st.packets;
            last_valid = now;
        }
        if (s->cfg.idle_timeout_s > 0 && now - last_valid >= s->cfg.idle_timeout_s) {
            s->src->flush(s->src, now); /* end of stream: what is open goes on */
            break;
        }
        publish(s, false, 0);
    }
    publish(s, true, err);
    return NULL;
}

/* ---- the object ----------------------------------------------------------------------- */

static int validate(const triad_cpi_stream_cfg *cfg)
{
    if (!cfg->address && !cfg->soapy_args)
        return triad__fail(TRIAD_EINVAL, "stream: address: not set (expected HOST:PORT)");
    if (cfg->queue_cpis < 1 || cfg->queue_cpis > 4096)
        return triad__fail(TRIAD_EINVAL, "stream: queue_cpis %zu: expected 1..4096",
                           cfg->queue_cpis);
    if (cfg->rcvbuf_bytes < 0)
        return triad__fail(TRIAD_EINVAL, "stream: rcvbuf_bytes %d: expected >= 0",
                           cfg->rcvbuf_bytes);
    if (!(cfg->idle_timeout_s >= 0) || !isfinite(cfg->idle_timeout_s))
        return triad__fail(TRIAD_EINVAL, "stream: idle_timeout_s %g: expected >= 0",
                           cfg->idle_timeout_s);
    return 0;
}

int triad_cpi_stream_create(triad_cpi_stream **out, const triad_cpi_stream_cfg *cfg)
{
    *out = NULL;
    int err = validate(cfg);
    if (err)
        return err;
    char host[256], port[16];
    if (!cfg->soapy_args &&
        (err = triad_udp_split(cfg->address, host, sizeof host, port, sizeof port)))
        return err;
    triad_cpi_stream *s = calloc(1, sizeof *s);
    if (!s)
        return triad__fail(TRIAD_ENOMEM, "stream: out of memory");
    s->cfg = *cfg;
    s->cfg.address = NULL; /* not kept: the bound address is the socket's */
    s->cfg.soapy_args = NULL;
    atomic_init(&s->stop, false);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);

    /* the source's assembler (or the SoapySDR source) validates the geometry */
    triad_cpi_asm_cfg acfg = triad_cpi_asm_cfg_default();
    acfg.samples_per_pulse = cfg->samples_per_pulse;
    acfg.pulses_per_cpi = cfg->pulses_per_cpi;
    acfg.num_channels = cfg->num_channels;
    acfg.stream_id = cfg->stream_id;
    acfg.reorder_samples = cfg->reorder_samples;
    acfg.timeout_s = cfg->cpi_timeout_s;
    acfg.pri_s = cfg->pri_s;
    acfg.sample_rate_hz = cfg->sample_rate_hz;
    acfg.has_epoch = cfg->has_epoch != 0;
    acfg.epoch_utc_s = cfg->epoch_utc_s;
    acfg.epoch_frac_s = cfg->epoch_frac_s;
    acfg.carrier_hz = cfg->carrier_hz;
    acfg.bandwidth_hz = cfg->bandwidth_hz;
    acfg.difi = cfg->difi != 0;
    acfg.note = cfg->note ? stream_note : NULL;
    acfg.emit = queue_emit;
    acfg.user = s;

    const size_t c = cfg->num_channels, cap = cfg->queue_cpis;
    s->cpi_bytes = cfg->pulses_per_cpi * cfg->samples_per_pulse * c * 4;
    s->cap = cap;
    s->items = calloc(cap + 1, sizeof *s->items);
    s->ring = calloc(cap, sizeof *s->ring);
    s->free_items = calloc(cap + 1, sizeof *s->free_items);
    s->info_missing = calloc(c, sizeof *s->info_missing);
    s->info_quality = calloc(c, sizeof *s->info_quality);
    bool ok = s->items && s->ring && s->free_items && s->info_missing && s->info_quality;
    for (size_t i = 0; ok && i < cap + 1; i++) {
        s->items[i].buf = malloc(s->cpi_bytes);
        s->items[i].missing = calloc(c, sizeof(uint64_t));
        s->items[i].quality = calloc(c, sizeof(unsigned));
        ok = s->items[i].buf && s->items[i].missing && s->items[i].quality;
        s->free_items[s->nfree++] = &s->items[i];
    }
    if (!ok) {
        err = triad__fail(TRIAD_ENOMEM, "stream: out of memory for a queue of %zu CPIs of %zu "
                                        "bytes", cap, s->cpi_bytes);
        goto fail;
    }
    err = cfg->soapy_args ? triad_soapy_source_create(&s->src, cfg->soapy_args, cfg->carrier_hz,
                                                      cfg->window_offset_s, &acfg)
                          : triad_vita49_source_create(&s->src, host, port, cfg->rcvbuf_bytes,
                                                       &acfg);
    if (err)
        goto fail;
    *out = s;
    return 0;
fail:
    triad_cpi_stream_destroy(s);
    return err;
}

const char *triad_cpi_stream_address(const triad_cpi_stream *s) { return s->src->address; }

int triad_cpi_stream_rcvbuf(const triad_cpi_stream *s) { return s->src->rcvbuf; }

const char *triad_cpi_stream_describe(const triad_cpi_stream *s)
{
    return s->src->describe(s->src);
}

const char *triad_cpi_stream_reason(int r)
{
    return r >= 0 && r < TRIAD_VITA49_NSTATUS ? triad_vita49_status_name((triad_vita49_status)r)
                                              : NULL;
}

int triad_cpi_stream_activate(triad_cpi_stream *s)
{
    if (s->active)
        return triad__fail(TRIAD_EINVAL, "stream: already active");
    atomic_store(&s->stop, false);
    pthread_mutex_lock(&s->mu);
    s->eof = false;
    pthread_mutex_unlock(&s->mu);
    if (pthread_create(&s->reader, NULL, reader_main, s) != 0)
        return triad__fail(TRIAD_EIO, "stream: cannot start the reader thread");
    s->active = true;
    return 0;
}

int triad_cpi_stream_read(triad_cpi_stream *s, void *buf, triad_cpi_stream_info *info,
                          double timeout_s)
{
    pthread_mutex_lock(&s->mu);
    if (s->len == 0 && !s->eof && timeout_s > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        const double end = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec + timeout_s;
        ts.tv_sec = (time_t)end;
        ts.tv_nsec = (long)((end - (double)ts.tv_sec) * 1e9);
        while (s->len == 0 && !s->eof)
            if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) == ETIMEDOUT)
                break;
    }
    if (s->len == 0) {
        const bool ended = s->eof;
        pthread_mutex_unlock(&s->mu);
        return ended ? 0 : TRIAD_ETIMEOUT;
    }
    cpi_item *it = s->ring[s->head];
    s->head = (s->head + 1) % s->cap;
    s->len--;
    const uint64_t dropped = s->dropped - s->dropped_reported;
    s->dropped_reported = s->dropped;
    pthread_mutex_unlock(&s->mu);

    /* the item is ours until released: neither in the ring nor free */
    memcpy(buf, it->buf, s->cpi_bytes);
    const size_t c = s->cfg.num_channels;
    memcpy(s->info_missing, it->missing, c * sizeof *s->info_missing);
    memcpy(s->info_quality, it->quality, c * sizeof *s->info_quality);
    uint64_t missing = 0;
    for (size_t i = 0; i < c; i++)
        missing += it->missing[i];
    *info = (triad_cpi_stream_info){
        .cpi = it->cpi,
        .flags = (dropped ? TRIAD_STREAM_OVERFLOW : 0) | (missing ? TRIAD_STREAM_DEGRADED : 0) |
                 (isnan(it->epoch_s) ? 0 : TRIAD_STREAM_HAS_TIME),
        .dropped = dropped,
        .missing = s->info_missing,
        .degraded_fraction = (double)missing /
                             (double)(s->cfg.pulses_per_cpi * s->cfg.samples_per_pulse * c),
        .complete_s = it->complete_s,
        .stream_epoch_s = it->epoch_s,
        .quality = s->info_quality,
        .clock_jump_s = it->jump_s,
    };

    pthread_mutex_lock(&s->mu);
    s->free_items[s->nfree++] = it;
    pthread_mutex_unlock(&s->mu);
    return 1;
}

size_t triad_cpi_stream_pending(const triad_cpi_stream *s)
{
    pthread_mutex_lock((pthread_mutex_t *)&s->mu);
    const size_t n = s->len;
    pthread_mutex_unlock((pthread_mutex_t *)&s->mu);
    return n;
}

int triad_cpi_stream_error(const triad_cpi_stream *s, char *msg, size_t msg_size)
{
    pthread_mutex_lock((pthread_mutex_t *)&s->mu);
    const int err = s->reader_err;
    if (msg && msg_size)
        snprintf(msg, msg_size, "%s", err ? s->reader_msg : "");
    pthread_mutex_unlock((pthread_mutex_t *)&s->mu);
    return err;
}

void triad_cpi_stream_stats_get(const triad_cpi_stream *s, triad_cpi_stream_stats *out)
{
    pthread_mutex_lock((pthread_mutex_t *)&s->mu);
    const triad_cpi_asm_stats st = s->st;
    const uint64_t dropped = s->dropped;
    pthread_mutex_unlock((pthread_mutex_t *)&s->mu);
    *out = (triad_cpi_stream_stats){
        .datagrams = st.datagrams,
        .packets = st.packets,
        .malformed = st.malformed,
        .lost = st.lost,
        .late = st.late,
        .ahead = st.ahead,
        .cpis = st.cpis,
        .cpis_degraded = st.cpis_degraded,
        .cpis_skipped = st.cpis_skipped,
        .cpis_dropped = dropped,
        .resyncs = st.resyncs,
        .context = st.context,
        .clock_jumps = st.clock_jumps,
    };
    for (int r = 0; r < TRIAD_VITA49_NSTATUS && r < 16; r++)
        out->by_reason[r] = st.by_reason[r];
    for (int b = 0; b < 4; b++)
        out->trailer_flags[b] = st.trailer_flags[b];
}

void triad_cpi_stream_deactivate(triad_cpi_stream *s)
{
    if (!s || !s->active)
        return;
    atomic_store(&s->stop, true);
    pthread_join(s->reader, NULL);
    s->active = false;
}

void triad_cpi_stream_destroy(triad_cpi_stream *s)
{
    if (!s)
        return;
    triad_cpi_stream_deactivate(s);
    triad_source_destroy(s->src);
    if (s->items)
        for (size_t i = 0; i < s->cap + 1; i++) {
            free(s->items[i].buf);
            free(s->items[i].missing);
            free(s->items[i].quality);
        }
    free(s->items);
    free(s->ring);
    free(s->free_items);
    free(s->info_missing);
    free(s->info_quality);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
