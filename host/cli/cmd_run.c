/* triad run --source vita49://ADDR:PORT --meta RADAR.sigmf-meta: a live VITA-49 stream ->
 * CPIs -> chain -> reports to every sink (JSON Lines file, DDS topic).
 *
 *   reader thread:  socket -> parse -> assemble (by sample index) -> bounded CPI queue
 *   this thread:    queue -> chain (streaming submit/collect) -> sinks, stats on stderr
 *
 * The reader never waits on processing: when the queue is full, the oldest CPI in it is
 * dropped (counted) to make room. Latency = detections ready - CPI complete in memory.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "io/cpi_assembler.h"
#include "io/dds/dds_sink.h"
#include "io/detections_jsonl.h"
#include "io/jsonl_sink.h"
#include "io/sink.h"
#include "io/vita49.h"
#include "proc/backend.h"
#include "triad/recording.h"

static const char usage_text[] =
    "usage: triad run --source vita49://ADDR:PORT --meta RADAR.sigmf-meta [options]\n"
    "  Receive a VITA-49 stream (docs/FORMATS.md, \"VITA-49 stream\"), assemble CPIs by sample\n"
    "  index, process them and write reports. RADAR.sigmf-meta describes the radar as a\n"
    "  recording does (its data file is not needed; the wire carries ci16). PORT 0 picks a\n"
    "  free port; the address bound is printed on stderr.\n"
    "  --out FILE          detections as JSON Lines to FILE (default stdout, also '-', unless\n"
    "                      DDS is the only sink); lines as triad process writes them, plus\n"
    "                      \"degraded\" (share of samples missing) on damaged CPIs\n"
    "  --reports           with --out: also a line per CPI and channel, before its detections\n"
    "  --dds               publish reports on DDS too (docs/FORMATS.md, \"Detections on DDS\");\n"
    "                      any --dds-* option implies it\n"
    "  --dds-domain N      DDS domain 0..230 (default 0)\n"
    "  --dds-config X      Cyclone configuration, XML text or file URI (default: the\n"
    "                      CYCLONEDDS_URI environment variable, else Cyclone's defaults)\n"
    "  --dds-loopback      DDS on this host only: 127.0.0.1, no multicast\n"
    "  --dds-topic NAME    topic (default " TRIAD_DDS_TOPIC_DEFAULT ")\n"
    "  --dds-deadline S    longest gap between a channel's reports before subscribers hear it\n"
    "                      went silent (default 1)\n"
    "  --dds-wait-readers N  before the first CPI, wait (at most 10 s) for N subscribers\n"
    "  --stream-id ID      stream ID of channel 0; channel c is ID + c (default 1)\n"
    "  --radar-id ID       radar ID in the reports (default 0)\n"
    "  --queue N           complete CPIs waiting for processing at most (default 8); when\n"
    "                      processing falls behind, the oldest is dropped\n"
    "  --reorder-window SAMPLES  past a CPI's end after which it is complete (default P*N/2)\n"
    "  --cpi-timeout S     seconds without packets after which open CPIs are complete (0.2)\n"
    "  --idle-timeout S    exit after S seconds without a valid packet (default: never)\n"
    "  --cpis K            exit after K CPIs processed\n"
    "  --stats S           seconds between stats lines on stderr (default 5; 0: final only)\n"
    "  --rcvbuf BYTES      socket receive buffer asked for (default 8 MiB; capped by the\n"
    "                      kernel's net.core.rmem_max)\n"
    "  SIGINT/SIGTERM stop cleanly: CPIs in the chain are finished, a final stats line follows.\n";

typedef struct {
    const char *source, *meta_path, *out_path;
    bool reports, dds;
    triad_dds_opts dds_opts;
    long stream_id, radar_id, queue, rcvbuf;
    double idle_timeout_s, cpi_timeout_s, stats_s;
    uint64_t reorder_samples, max_cpis;
} run_opts;

static volatile sig_atomic_t g_signal;

static void on_signal(int sig)
{
    g_signal = sig;
}

/* ---- latency: log-spaced histogram, 50 bins a decade from 1 us to 1000 s ---------------- */

enum { LAT_BINS = 450 };
typedef struct {
    uint64_t n[LAT_BINS], count;
} lat_hist;

static void lat_add(lat_hist *h, double s)
{
    int b = s > 1e-6 ? (int)(50.0 * log10(s / 1e-6)) : 0;
    b = b < 0 ? 0 : b >= LAT_BINS ? LAT_BINS - 1 : b;
    h->n[b]++;
    h->count++;
}

static double lat_pct(const lat_hist *h, double q)
{
    if (!h->count)
        return NAN;
    const uint64_t want = (uint64_t)ceil(q * (double)h->count);
    uint64_t sum = 0;
    for (int b = 0; b < LAT_BINS; b++)
        if ((sum += h->n[b]) >= want)
            return 1e-6 * pow(10.0, (b + 0.5) / 50.0); /* the bin's centre */
    return NAN;
}

/* ---- the CPI queue between the reader and the processing ------------------------------ */

typedef struct {
    void *buf;
    uint64_t cpi;
    uint64_t *missing; /* [C] */
    double complete_s, epoch_s;
} cpi_item;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t channels, cpi_bytes;
    cpi_item *items;        /* [cap + 1]: the queue's, and one being copied out */
    cpi_item **ring, **free_items;
    size_t cap, head, len, nfree;
    uint64_t dropped;
    bool eof;               /* the reader has stopped */
    int reader_err;         /* its error, 0 if it stopped cleanly */
    char reader_msg[512];
    triad_cpi_asm_stats st; /* the reader's counters, published after every batch */
} cpi_queue;

static void queue_free(cpi_queue *q)
{
    if (q->items)
        for (size_t i = 0; i < q->cap + 1; i++) {
            free(q->items[i].buf);
            free(q->items[i].missing);
        }
    free(q->items);
    free(q->ring);
    free(q->free_items);
}

static int queue_init(cpi_queue *q, size_t cap, size_t channels, size_t cpi_bytes)
{
    memset(q, 0, sizeof *q);
    q->cap = cap;
    q->channels = channels;
    q->cpi_bytes = cpi_bytes;
    q->items = calloc(cap + 1, sizeof *q->items);
    q->ring = calloc(cap, sizeof *q->ring);
    q->free_items = calloc(cap + 1, sizeof *q->free_items);
    if (!q->items || !q->ring || !q->free_items)
        return -1;
    for (size_t i = 0; i < cap + 1; i++) {
        q->items[i].buf = malloc(cpi_bytes);
        q->items[i].missing = calloc(channels, sizeof(uint64_t));
        if (!q->items[i].buf || !q->items[i].missing)
            return -1;
        q->free_items[q->nfree++] = &q->items[i];
    }
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cv, &ca);
    pthread_condattr_destroy(&ca);
    return 0;
}

/* The assembler's emit (reader thread): queue the CPI, hand back a free buffer. Never
 * waits: a full queue loses its oldest CPI. */
static void *queue_emit(void *user, const triad_cpi_info *info, void *buf)
{
    cpi_queue *q = user;
    pthread_mutex_lock(&q->mu);
    if (q->len == q->cap) {
        q->free_items[q->nfree++] = q->ring[q->head];
        q->head = (q->head + 1) % q->cap;
        q->len--;
        q->dropped++;
    }
    cpi_item *it = q->free_items[--q->nfree]; /* cap + 1 items: one is always free here */
    void *next = it->buf;
    it->buf = buf;
    it->cpi = info->cpi;
    memcpy(it->missing, info->missing, q->channels * sizeof *it->missing);
    it->complete_s = info->complete_s;
    it->epoch_s = info->stream_epoch_s;
    q->ring[(q->head + q->len) % q->cap] = it;
    q->len++;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return next;
}

/* Take the oldest CPI, waiting up to wait_s for one. NULL: none (or eof). */
static cpi_item *queue_pop(cpi_queue *q, double wait_s)
{
    pthread_mutex_lock(&q->mu);
    if (q->len == 0 && !q->eof && wait_s > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        const double end = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec + wait_s;
        ts.tv_sec = (time_t)end;
        ts.tv_nsec = (long)((end - (double)ts.tv_sec) * 1e9);
        while (q->len == 0 && !q->eof)
            if (pthread_cond_timedwait(&q->cv, &q->mu, &ts) == ETIMEDOUT)
                break;
    }
    cpi_item *it = NULL;
    if (q->len) {
        it = q->ring[q->head];
        q->head = (q->head + 1) % q->cap;
        q->len--;
    }
    pthread_mutex_unlock(&q->mu);
    return it;
}

static void queue_release(cpi_queue *q, cpi_item *it)
{
    pthread_mutex_lock(&q->mu);
    q->free_items[q->nfree++] = it;
    pthread_mutex_unlock(&q->mu);
}

/* ---- the reader thread --------------------------------------------------------------- */

typedef struct {
    triad_udp_rx *rx;
    triad_cpi_asm *assembler;
    cpi_queue *q;
    double idle_timeout_s;
    atomic_bool *stop;
} reader_ctx;

static void publish(reader_ctx *r, bool eof, int err)
{
    pthread_mutex_lock(&r->q->mu);
    triad_cpi_asm_stats_get(r->assembler, &r->q->st);
    if (eof) {
        r->q->eof = true;
        r->q->reader_err = err;
        if (err)
            snprintf(r->q->reader_msg, sizeof r->q->reader_msg, "%s", triad_errmsg());
        pthread_cond_broadcast(&r->q->cv);
    }
    pthread_mutex_unlock(&r->q->mu);
}

static void *reader_main(void *arg)
{
    reader_ctx *r = arg;
    double last_valid = triad__now();
    uint64_t packets = 0;
    int err = 0;
    while (!g_signal && !atomic_load(r->stop)) {
        const int n = triad_udp_rx_recv(r->rx, 20);
        if (n < 0) {
            err = n;
            break;
        }
        const double now = triad__now();
        for (int i = 0; i < n; i++)
            triad_cpi_asm_datagram(r->assembler, triad_udp_rx_data(r->rx, (size_t)i),
                                   triad_udp_rx_len(r->rx, (size_t)i), now);
        triad_cpi_asm_poll(r->assembler, now);
        triad_cpi_asm_stats st;
        triad_cpi_asm_stats_get(r->assembler, &st);
        if (st.packets != packets) {
            packets = st.packets;
            last_valid = now;
        }
        if (r->idle_timeout_s > 0 && now - last_valid >= r->idle_timeout_s) {
            triad_cpi_asm_flush(r->assembler, now); /* end of stream: what is open goes on */
            break;
        }
        publish(r, false, 0);
    }
    publish(r, true, err);
    return NULL;
}

/* ---- processing ------------------------------------------------------------------------ */

typedef struct {
    uint64_t cpi;
    uint64_t *missing; /* [C] */
    double complete_s, epoch_s;
} in_flight;

typedef struct {
    uint64_t processed, degraded;
    lat_hist all, interval;
    double t0, last_stats;
} proc_stats;

static void print_stats(const char *label, cpi_queue *q, proc_stats *ps, const lat_hist *h)
{
    pthread_mutex_lock(&q->mu);
    const triad_cpi_asm_stats st = q->st;
    const uint64_t dropped = q->dropped;
    pthread_mutex_unlock(&q->mu);
    fprintf(stderr,
            "triad run: %s%.1f s: packets %llu lost %llu late %llu ahead %llu malformed %llu | "
            "CPIs processed %llu degraded %llu dropped %llu skipped %llu | latency p50 %.2f ms "
            "p99 %.2f ms\n",
            label, triad__now() - ps->t0, (unsigned long long)st.packets,
            (unsigned long long)st.lost, (unsigned long long)st.late,
            (unsigned long long)st.ahead, (unsigned long long)st.malformed,
            (unsigned long long)ps->processed, (unsigned long long)ps->degraded,
            (unsigned long long)dropped, (unsigned long long)st.cpis_skipped,
            lat_pct(h, 0.50) * 1e3, lat_pct(h, 0.99) * 1e3);
}

/* UTC nanoseconds of time_s after the epoch (INT64_MIN: no epoch). */
static int64_t utc_ns(double epoch_s, double time_s)
{
    /* INT64_MIN (unknown) for no epoch, and for anything outside years 1970..2262 (a bad UTC
     * word must not overflow the conversion) */
    if (isnan(epoch_s) || !isfinite(time_s) || epoch_s < 0.0 || epoch_s + time_s > 9.2e9)
        return INT64_MIN;
    const double whole = floor(epoch_s);
    return (int64_t)whole * 1000000000 + llround((epoch_s - whole + time_s) * 1e9);
}

static int write_reports(triad_sink **sinks, size_t nsinks, const triad_recording_meta *meta,
                         const run_opts *o, const in_flight *f, const triad_detection *dets,
                         size_t ndets, double latency_s)
{
    const double t0 = triad__parse_utc(meta->datetime);
    const double time_s = ((double)f->cpi * (double)meta->pulses_per_cpi +
                           0.5 * (double)(meta->pulses_per_cpi - 1)) *
                          meta->pri_s;
    const double pn = (double)(meta->pulses_per_cpi * meta->samples_per_pulse);
    size_t i = 0;
    for (uint32_t c = 0; c < meta->num_channels; c++) {
        const size_t first = i;
        while (i < ndets && dets[i].channel == c)
            i++;
        const triad_report r = {
            .meta = meta,
            .radar_id = (uint32_t)o->radar_id,
            .channel = c,
            .cpi = f->cpi,
            .cpi_time_utc_ns = utc_ns(isnan(t0) ? f->epoch_s : t0, time_s),
            .degraded_fraction = (double)f->missing[c] / pn,
            .latency_s = latency_s,
            .dets = dets + first,
            .num_dets = i - first,
        };
        for (size_t s = 0; s < nsinks; s++)
            if (sinks[s]->write(sinks[s], &r))
                return cli_error("run", 1, "%s", triad_errmsg());
    }
    return 0;
}

static int run(const run_opts *o, triad_chain_cfg *cfg)
{
    triad_recording_meta meta;
    float complex *ref = NULL;
    triad_chain *chain = NULL;
    triad_cpi_asm *assembler = NULL;
    triad_udp_rx *rx = NULL;
    triad_detection *dets = NULL;
    triad_sink *sinks[4] = {NULL};
    size_t nsinks = 0;
    in_flight fl[TRIAD_CHAIN_MAX_SLOTS] = {{0}};
    cpi_queue q = {0};
    bool queue_ok = false, reader_started = false;
    atomic_bool stop = false;
    pthread_t reader;
    reader_ctx rc;
    int status = 1;

    char host[256], port[16];
    const char *scheme = "vita49://";
    if (strncmp(o->source, scheme, strlen(scheme)) != 0)
        return cli_error("run", 2, "--source %s: expected vita49://ADDR:PORT", o->source);
    if (triad_udp_split(o->source + strlen(scheme), host, sizeof host, port, sizeof port))
        return cli_error("run", 2, "--source: %s", triad_errmsg());
    size_t ref_len = 0;
    if (triad_recording_open_meta(o->meta_path, false, &meta) ||
        triad_recording_waveform(&meta, &ref, &ref_len))
        return cli_error("run", 1, "%s", triad_errmsg());
    triad_recording_chain_cfg(&meta, ref, ref_len, cfg);
    cfg->format = TRIAD_FORMAT_CI16_LE; /* what the assembler writes, whatever the meta says */
    const size_t cpi_bytes =
        meta.pulses_per_cpi * meta.samples_per_pulse * meta.num_channels * 4;

    /* a stop asked for during the set-up below ends the run cleanly once it starts */
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    /* the chain first (FFTW planning takes a while), then the socket: nothing arrives
     * before we can take it */
    if (cli_wisdom_load("run"))
        goto done;
    if (triad_chain_create(&chain, cfg)) {
        cli_error("run", 1, "%s: %s", o->meta_path, triad_errmsg());
        goto done;
    }
    cli_wisdom_save("run");
    dets = malloc(cfg->max_detections * meta.num_channels * sizeof *dets);
    if (!dets || queue_init(&q, (size_t)o->queue, meta.num_channels, cpi_bytes)) {
        if (!dets)
            cli_error("run", 1, "out of memory");
        else
            cli_error("run", 1, "out of memory for a queue of %ld CPIs of %zu bytes", o->queue,
                      cpi_bytes);
        queue_free(&q);
        goto done;
    }
    queue_ok = true;
    for (size_t s = 0; s < TRIAD_CHAIN_MAX_SLOTS; s++)
        if (!(fl[s].missing = calloc(meta.num_channels, sizeof(uint64_t)))) {
            cli_error("run", 1, "out of memory");
            goto done;
        }

    triad_cpi_asm_cfg acfg = triad_cpi_asm_cfg_default();
    acfg.samples_per_pulse = meta.samples_per_pulse;
    acfg.pulses_per_cpi = meta.pulses_per_cpi;
    acfg.num_channels = meta.num_channels;
    acfg.stream_id = (uint32_t)o->stream_id;
    acfg.reorder_samples = o->reorder_samples;
    acfg.timeout_s = o->cpi_timeout_s;
    acfg.pri_s = meta.pri_s;
    acfg.sample_rate_hz = meta.sample_rate_hz;
    acfg.emit = queue_emit;
    acfg.user = &q;
    if (triad_cpi_asm_create(&assembler, &acfg)) {
        cli_error("run", 2, "%s", triad_errmsg());
        goto done;
    }

    /* sinks compose: every report goes to each; JSON Lines on stdout when none was asked for */
    if (o->out_path || !o->dds) {
        const triad_jsonl_sink_opts jo = {.path = o->out_path, .reports = o->reports};
        if (triad_jsonl_sink_create(&sinks[nsinks], &jo)) {
            cli_error("run", 1, "--out: %s", triad_errmsg());
            goto done;
        }
        nsinks++;
    }
    if (o->dds) {
        triad_dds_opts d = o->dds_opts;
        d.radar_id = (uint32_t)o->radar_id;
        const int err = triad_dds_sink_create(&sinks[nsinks], &d);
        if (err) {
            cli_error("run", err == TRIAD_EINVAL ? 2 : 1, "--dds: %s", triad_errmsg());
            goto done;
        }
        nsinks++;
    }

    if (triad_udp_rx_open(&rx, host, port, (int)o->rcvbuf, 64)) {
        cli_error("run", 1, "--source %s: %s", o->source, triad_errmsg());
        goto done;
    }
    fprintf(stderr,
            "triad run: listening on %s (receive buffer %d bytes): %zu pulses x %zu samples x "
            "%zu channels per CPI, stream IDs %ld..%ld, backend %s\n",
            triad_udp_rx_address(rx), triad_udp_rx_rcvbuf(rx), meta.pulses_per_cpi,
            meta.samples_per_pulse, meta.num_channels, o->stream_id,
            o->stream_id + (long)meta.num_channels - 1, triad_chain_backend(chain));

    rc = (reader_ctx){.rx = rx, .assembler = assembler, .q = &q,
                      .idle_timeout_s = o->idle_timeout_s, .stop = &stop};
    if (pthread_create(&reader, NULL, reader_main, &rc) != 0) {
        cli_error("run", 1, "cannot start the reader thread");
        goto done;
    }
    reader_started = true;

    /* test hook (tests/live_loopback.sh): seconds of extra work per CPI, so that processing
     * falls behind the stream and the queue must drop */
    const char *delay_env = getenv("TRIAD_TEST_RUN_DELAY_S");
    const double test_delay_s = delay_env ? atof(delay_env) : 0.0;
    proc_stats ps = {.t0 = triad__now()};
    ps.last_stats = ps.t0;
    const size_t slots = triad_chain_slots(chain);
    uint64_t submitted = 0, collected = 0;
    bool failed = false;
    for (;;) {
        const bool stopping = g_signal || atomic_load(&stop) || failed;
        if (stopping && submitted == collected)
            break;
        /* fill the chain's slots; wait for a CPI only when nothing is in flight */
        while (!stopping && submitted - collected < slots &&
               (!o->max_cpis || submitted < o->max_cpis)) {
            double wait = 0.0;
            if (submitted == collected) {
                wait = 0.1;
                if (o->stats_s > 0) {
                    const double due = ps.last_stats + o->stats_s - triad__now();
                    wait = due < wait ? (due > 0.001 ? due : 0.001) : wait;
                }
            }
            cpi_item *it = queue_pop(&q, wait);
            if (!it)
                break;
            const size_t slot = (size_t)(submitted % slots);
            memcpy(triad_chain_input(chain, slot), it->buf, cpi_bytes);
            fl[slot].cpi = it->cpi;
            memcpy(fl[slot].missing, it->missing, meta.num_channels * sizeof(uint64_t));
            fl[slot].complete_s = it->complete_s;
            fl[slot].epoch_s = it->epoch_s;
            queue_release(&q, it);
            if (triad_chain_submit(chain, slot, fl[slot].cpi)) {
                cli_error("run", 1, "CPI %llu: %s", (unsigned long long)fl[slot].cpi,
                          triad_errmsg());
                failed = true;
                break;
            }
            submitted++;
        }
        if (submitted > collected) {
            const size_t slot = (size_t)(collected % slots);
            triad_chain_stats cs;
            const int err = triad_chain_collect(chain, slot, dets, &cs);
            collected++;
            if (err) {
                cli_error("run", 1, "CPI %llu: %s", (unsigned long long)fl[slot].cpi,
                          triad_errmsg());
                failed = true;
                continue;
            }
            const double latency = triad__now() - fl[slot].complete_s;
            lat_add(&ps.all, latency);
            lat_add(&ps.interval, latency);
            bool degraded = false;
            for (size_t c = 0; c < meta.num_channels; c++)
                degraded |= fl[slot].missing[c] != 0;
            ps.degraded += degraded;
            if (cs.dropped)
                fprintf(stderr, "triad run: warning: CPI %llu: %zu detections over "
                                "--max-detections %zu dropped\n",
                        (unsigned long long)fl[slot].cpi, cs.dropped, cfg->max_detections);
            if (write_reports(sinks, nsinks, &meta, o, &fl[slot], dets, cs.detections, latency)) {
                failed = true;
                continue;
            }
            ps.processed++;
            if (test_delay_s > 0) {
                const struct timespec ts = {.tv_sec = (time_t)test_delay_s,
                                            .tv_nsec = (long)(fmod(test_delay_s, 1.0) * 1e9)};
                nanosleep(&ts, NULL);
            }
            if (o->max_cpis && ps.processed >= o->max_cpis)
                atomic_store(&stop, true);
        } else {
            pthread_mutex_lock(&q.mu);
            const bool done_reading = q.eof && q.len == 0;
            pthread_mutex_unlock(&q.mu);
            if (done_reading)
                break;
        }
        if (o->stats_s > 0 && triad__now() - ps.last_stats >= o->stats_s) {
            print_stats("", &q, &ps, &ps.interval);
            memset(&ps.interval, 0, sizeof ps.interval);
            ps.last_stats = triad__now();
        }
    }
    atomic_store(&stop, true);
    pthread_join(reader, NULL);
    reader_started = false;
    print_stats("final ", &q, &ps, &ps.all);
    if (q.reader_err) {
        cli_error("run", 1, "--source %s: %s", o->source, q.reader_msg);
        goto done;
    }
    if (failed)
        goto done;
    if (g_signal)
        fprintf(stderr, "triad run: stopped by signal %d\n", (int)g_signal);
    status = 0;
done:
    if (reader_started) {
        atomic_store(&stop, true);
        pthread_join(reader, NULL);
    }
    for (size_t s = 0; s < nsinks; s++)
        sinks[s]->destroy(sinks[s]);
    triad_udp_rx_close(rx);
    triad_cpi_asm_destroy(assembler);
    if (queue_ok) {
        pthread_mutex_destroy(&q.mu);
        pthread_cond_destroy(&q.cv);
        queue_free(&q);
    }
    for (size_t s = 0; s < TRIAD_CHAIN_MAX_SLOTS; s++)
        free(fl[s].missing);
    triad_chain_destroy(chain);
    free(dets);
    free(ref);
    return status;
}

int cmd_run(int argc, char **argv)
{
    enum {
        O_SOURCE = 1,
        O_META,
        O_OUT,
        O_REPORTS,
        O_STREAM_ID,
        O_RADAR_ID,
        O_QUEUE,
        O_WINDOW,
        O_CPI_TIMEOUT,
        O_IDLE,
        O_CPIS,
        O_STATS,
        O_RCVBUF,
        O_DDS,
        O_DDS_DOMAIN,
        O_DDS_CONFIG,
        O_DDS_LOOPBACK,
        O_DDS_TOPIC,
        O_DDS_DEADLINE,
        O_DDS_WAIT,
        O_HELP,
    };
    static const struct option own[] = {
        {"source", required_argument, NULL, O_SOURCE},
        {"meta", required_argument, NULL, O_META},
        {"out", required_argument, NULL, O_OUT},
        {"reports", no_argument, NULL, O_REPORTS},
        {"stream-id", required_argument, NULL, O_STREAM_ID},
        {"radar-id", required_argument, NULL, O_RADAR_ID},
        {"queue", required_argument, NULL, O_QUEUE},
        {"reorder-window", required_argument, NULL, O_WINDOW},
        {"cpi-timeout", required_argument, NULL, O_CPI_TIMEOUT},
        {"idle-timeout", required_argument, NULL, O_IDLE},
        {"cpis", required_argument, NULL, O_CPIS},
        {"stats", required_argument, NULL, O_STATS},
        {"rcvbuf", required_argument, NULL, O_RCVBUF},
        {"dds", no_argument, NULL, O_DDS},
        {"dds-domain", required_argument, NULL, O_DDS_DOMAIN},
        {"dds-config", required_argument, NULL, O_DDS_CONFIG},
        {"dds-loopback", no_argument, NULL, O_DDS_LOOPBACK},
        {"dds-topic", required_argument, NULL, O_DDS_TOPIC},
        {"dds-deadline", required_argument, NULL, O_DDS_DEADLINE},
        {"dds-wait-readers", required_argument, NULL, O_DDS_WAIT},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    struct option all[48];
    cli_merge_options(own, all, 48);
    run_opts o = {.stream_id = 1, .queue = 8, .rcvbuf = 8 << 20, .cpi_timeout_s = 0.2,
                  .stats_s = 5.0, .dds_opts = triad_dds_opts_default()};
    triad_chain_cfg cfg = triad_chain_cfg_default();
    long v;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", all, NULL)) != -1) {
        switch (c) {
        case O_SOURCE: o.source = optarg; break;
        case O_META: o.meta_path = optarg; break;
        case O_OUT: o.out_path = optarg; break;
        case O_REPORTS: o.reports = true; break;
        case O_STREAM_ID:
            if (cli_long("run", "--stream-id", optarg, 0, 0xffffffffL, &o.stream_id))
                return 2;
            break;
        case O_RADAR_ID:
            if (cli_long("run", "--radar-id", optarg, 0, 0xffffffffL, &o.radar_id))
                return 2;
            break;
        case O_QUEUE:
            if (cli_long("run", "--queue", optarg, 1, 4096, &o.queue))
                return 2;
            break;
        case O_WINDOW:
            if (cli_long("run", "--reorder-window", optarg, 1, 1L << 40, &v))
                return 2;
            o.reorder_samples = (uint64_t)v;
            break;
        case O_CPI_TIMEOUT:
            if (cli_double("run", "--cpi-timeout", optarg, 0.001, 3600, &o.cpi_timeout_s))
                return 2;
            break;
        case O_IDLE:
            if (cli_double("run", "--idle-timeout", optarg, 0.001, 1e9, &o.idle_timeout_s))
                return 2;
            break;
        case O_CPIS:
            if (cli_long("run", "--cpis", optarg, 1, 1L << 62, &v))
                return 2;
            o.max_cpis = (uint64_t)v;
            break;
        case O_STATS:
            if (cli_double("run", "--stats", optarg, 0, 1e6, &o.stats_s))
                return 2;
            break;
        case O_RCVBUF:
            if (cli_long("run", "--rcvbuf", optarg, 0, 1L << 30, &o.rcvbuf))
                return 2;
            break;
        case O_DDS: o.dds = true; break;
        case O_DDS_DOMAIN:
            if (cli_long("run", "--dds-domain", optarg, 0, TRIAD_DDS_DOMAIN_MAX, &v))
                return 2;
            o.dds_opts.domain_id = (uint32_t)v;
            o.dds = true;
            break;
        case O_DDS_CONFIG:
            o.dds_opts.config = optarg;
            o.dds = true;
            break;
        case O_DDS_LOOPBACK:
            o.dds_opts.loopback = true;
            o.dds = true;
            break;
        case O_DDS_TOPIC:
            o.dds_opts.topic = optarg;
            o.dds = true;
            break;
        case O_DDS_DEADLINE:
            if (cli_double("run", "--dds-deadline", optarg, 1e-3, 1e6, &o.dds_opts.deadline_s))
                return 2;
            o.dds = true;
            break;
        case O_DDS_WAIT:
            if (cli_long("run", "--dds-wait-readers", optarg, 0, 1000, &v))
                return 2;
            o.dds_opts.wait_readers = (uint32_t)v;
            o.dds_opts.wait_s = 10.0;
            o.dds = true;
            break;
        case 'h':
        case O_HELP: printf("%s\n%s", usage_text, cli_chain_usage); return 0;
        case '?': return cli_bad_option("run", argv);
        default:
            if (cli_chain_option("run", c, optarg, &cfg))
                return 2;
        }
    }
    if (optind != argc)
        return cli_error("run", 2, "unexpected argument '%s' (triad run --help)", argv[optind]);
    if (!o.source)
        return cli_error("run", 2, "expected --source vita49://ADDR:PORT (triad run --help)");
    if (!o.meta_path)
        return cli_error("run", 2, "expected --meta RADAR.sigmf-meta (triad run --help)");
    if (o.reports && !o.out_path && o.dds)
        return cli_error("run", 2, "option --reports: goes with --out FILE (DDS always sends "
                                   "reports)");
    return run(&o, &cfg);
}
