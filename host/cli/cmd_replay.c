/* triad replay REC.sigmf-meta --to udp://HOST:PORT: a recording sent as the VITA-49 stream
 * `triad run` takes (docs/FORMATS.md, "VITA-49 stream"), paced like the radar or faster,
 * with optional injected loss, reordering and junk datagrams, so that the live path can be
 * tested without hardware.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "io/detections_jsonl.h"
#include "io/vita49.h"
#include "triad/recording.h"

static const char usage_text[] =
    "usage: triad replay REC.sigmf-meta --to udp://HOST:PORT [options]\n"
    "  --rate realtime|max|X  pace by the PRI (realtime), as fast as allowed (max, default),\n"
    "                      or X times real time\n"
    "  --burst N           max: pause 50 us after every N packets so a local receiver keeps\n"
    "                      up (default 32; 0: no pauses)\n"
    "  --payload N         samples per packet (default 360: 1460-byte datagrams, one\n"
    "                      1500-byte MTU)\n"
    "  --stream-id ID      stream ID of channel 0 (0x1234 or decimal); channel c is ID + c\n"
    "                      (default 0x00000001)\n"
    "  --tsf T             fractional timestamp: sample-count (default: samples within the\n"
    "                      integer second, as VITA 49.0 means it), picoseconds (within the\n"
    "                      second), free-running (the running index of the receive windows)\n"
    "  --profile P         vita49 (default) or difi: DIFI (IEEE-ISTO Std 4900) class IDs,\n"
    "                      picosecond timestamps, no trailer, DIFI context packets\n"
    "  --no-trailer        data packets without the trailer word (valid data, reference lock,\n"
    "                      over-range: a sample at the int16 limits, calibrated time)\n"
    "  --no-context        no IF context packets (default: one per stream at the start and\n"
    "                      each second of stream time: sample rate, RF reference, bandwidth,\n"
    "                      gain 0 dB, timestamp adjustment 0)\n"
    "  --scale X           cf32 recordings: ci16 = round(X * value), saturating (default 300);\n"
    "                      ci16 recordings are sent as they are\n"
    "  --no-utc            no UTC: integer timestamps count seconds from the start (TSI\n"
    "                      other; none with --tsf free-running), even with core:datetime\n"
    "  --cpis K            send the first K CPIs only\n"
    "  --loss F            drop each packet with probability F (the packet count still\n"
    "                      advances, as on a lossy network)\n"
    "  --reorder F         hold each packet back with probability F, sending it after the\n"
    "                      next 1..3 datagrams\n"
    "  --junk F            before each packet, with probability F, send a malformed datagram\n"
    "                      (random bytes, oversized, bad size field, wrong type/stream, ...)\n"
    "  --seed S            for loss, reorder and junk (default 1)\n"
    "  --log FILE          JSON Lines, one per CPI and channel: packets, dropped_packets,\n"
    "                      dropped_samples, reordered_packets, junk\n"
    "  --quiet             no summary on stderr\n"
    "  --max-memory B      refuse a recording whose CPI needs more than B bytes (K, M, G, T:\n"
    "                      powers of 1024; default: this machine's memory)\n"
    "  --skip-sha512       do not verify core:sha512 while reading (default: verified; a\n"
    "                      mismatch fails at the end, after the last packet)\n";

typedef struct {
    const char *meta_path, *to, *log_path;
    double rate;           /* factor of real time; 0: max */
    long burst, payload, stream_id;
    double scale, loss, reorder, junk;
    unsigned long long seed;
    long max_cpis;
    uint64_t max_memory_bytes;
    bool no_utc, quiet, no_trailer, no_context, difi, skip_sha512;
    unsigned tsf;          /* TRIAD_VITA49_TSF_* */
} replay_opts;

/* splitmix64 */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double rng_uniform(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

enum { MAX_HELD = 64, JUNK_KINDS = 10 };

typedef struct {
    uint8_t data[TRIAD_VITA49_MAX_DATAGRAM];
    size_t len;
    int countdown;
} held_packet;

typedef struct {
    triad_udp_tx *tx;
    held_packet *held; /* [MAX_HELD] */
    size_t nheld;
    uint64_t sent, sent_bytes;
} sender;

/* Send one datagram, then release held packets whose turn has come. */
static int send_and_release(sender *s, const uint8_t *buf, size_t len)
{
    if (triad_udp_tx_send(s->tx, buf, len))
        return -1;
    s->sent++;
    s->sent_bytes += len;
    for (size_t h = 0; h < s->nheld;) {
        if (--s->held[h].countdown > 0) {
            h++;
            continue;
        }
        if (triad_udp_tx_send(s->tx, s->held[h].data, s->held[h].len))
            return -1;
        s->sent++;
        s->sent_bytes += s->held[h].len;
        s->held[h] = s->held[--s->nheld];
    }
    return 0;
}

static int flush_held(sender *s)
{
    for (size_t h = 0; h < s->nheld; h++) {
        if (triad_udp_tx_send(s->tx, s->held[h].data, s->held[h].len))
            return -1;
        s->sent++;
        s->sent_bytes += s->held[h].len;
    }
    s->nheld = 0;
    return 0;
}

/* A datagram `triad run` must reject, of one of JUNK_KINDS kinds, built from a valid packet
 * (pkt, len, its fractional timestamp at byte frac_at) where a kind needs one. Returns its
 * length. */
static size_t make_junk(uint8_t *j, const uint8_t *pkt, size_t len, size_t frac_at, uint64_t *rng,
                        uint32_t stream_id, size_t channels)
{
    const unsigned kind = (unsigned)(rng_next(rng) % JUNK_KINDS);
    size_t n;
    switch (kind) {
    case 0: /* random bytes, a usual size */
    case 1: /* random bytes, up to the largest UDP datagram */
        n = 1 + (size_t)(rng_next(rng) % (kind == 0 ? 1500 : 65507));
        for (size_t i = 0; i < n; i++)
            j[i] = (uint8_t)rng_next(rng);
        break;
    case 2: /* size field larger than the datagram */
    case 3: /* size field smaller */
        memcpy(j, pkt, len);
        n = len;
        {
            const unsigned words = (unsigned)(len / 4);
            const unsigned bad = kind == 2 ? words + 1 + (unsigned)(rng_next(rng) % 60000)
                                           : (unsigned)(rng_next(rng) % words);
            j[2] = (uint8_t)(bad >> 8);
            j[3] = (uint8_t)bad;
        }
        break;
    case 4: /* cut short: inside the header */
        n = (size_t)(rng_next(rng) % 20);
        memcpy(j, pkt, n);
        break;
    case 5: /* IF data without a stream ID (type 0) */
        memcpy(j, pkt, len);
        n = len;
        j[0] &= 0x0f;
        break;
    case 6: /* no fractional timestamp (TSF 00) */
        memcpy(j, pkt, len);
        n = len;
        j[1] &= 0xcf;
        break;
    case 7: /* fractional timestamp out of range: >= fs samples, >= 10^12 ps, index >= 2^62 */
        memcpy(j, pkt, len);
        n = len;
        memset(j + frac_at, 0xff, 8);
        break;
    case 8: /* another stream */
        memcpy(j, pkt, len);
        n = len;
        {
            const uint32_t other =
                stream_id + (uint32_t)channels + (uint32_t)(rng_next(rng) % 1000);
            j[4] = (uint8_t)(other >> 24);
            j[5] = (uint8_t)(other >> 16);
            j[6] = (uint8_t)(other >> 8);
            j[7] = (uint8_t)other;
        }
        break;
    default: /* half a sample too many */
        memcpy(j, pkt, len);
        j[len] = 0x5a;
        j[len + 1] = 0xa5;
        n = len + 2;
        break;
    }
    /* random bytes that happen to be a valid packet of ours would not be junk */
    triad_vita49_packet p;
    if (triad_vita49_parse(j, n, &p) == TRIAD_VITA49_OK &&
        p.stream_id - stream_id < (uint32_t)channels && kind != 7)
        j[0] ^= 0x80;
    return n;
}

/* Seconds after sample 0 of running sample index i: pulse i / N starts at (i / N) PRI. */
static double sample_time(const triad_recording_meta *m, uint64_t i)
{
    return (double)(i / m->samples_per_pulse) * m->pri_s +
           (double)(i % m->samples_per_pulse) / m->sample_rate_hz;
}

/* The timestamp of running index i (docs/FORMATS.md, "Timestamps"): the free-running count
 * is i; otherwise the time t(i) + jump_s after the epoch (whole seconds ep_s + fraction
 * ep_frac_s) as integer seconds and samples (or picoseconds) within that second; jump_s is
 * the clock of i's capture: its core:datetime less where the running index puts it. */
static void stamp(const triad_recording_meta *m, unsigned tsf, int64_t ep_s, double ep_frac_s,
                  double jump_s, uint64_t i, triad_vita49_packet *d)
{
    if (tsf == TRIAD_VITA49_TSF_FREE_RUNNING) {
        d->int_ts = (uint32_t)(ep_s + (int64_t)floor(ep_frac_s + jump_s + sample_time(m, i)));
        d->frac_ts = i;
        return;
    }
    const double t = ep_frac_s + jump_s + sample_time(m, i);
    const double whole = floor(t);
    int64_t sec = ep_s + (int64_t)whole;
    const double rem = t - whole;
    if (tsf == TRIAD_VITA49_TSF_SAMPLES) {
        uint64_t count = (uint64_t)llround(rem * m->sample_rate_hz);
        if ((double)count >= m->sample_rate_hz) { /* rounded up into the next second */
            sec++;
            count = 0;
        }
        d->frac_ts = count;
    } else {
        uint64_t ps = (uint64_t)llround(rem * 1e12);
        if (ps >= UINT64_C(1000000000000)) {
            sec++;
            ps -= UINT64_C(1000000000000);
        }
        d->frac_ts = ps;
    }
    d->int_ts = (uint32_t)sec;
}

/* The IF context packet of stream_id, stamped like the data packet that follows it, with the
 * capture's carrier; first (the stream's first, or a new capture's): the change indicator. */
static size_t make_context(uint8_t *buf, const triad_recording_meta *m, const replay_opts *o,
                           const triad_vita49_packet *data, unsigned count, bool first,
                           double carrier_hz)
{
    triad_vita49_packet c = *data;
    c.packet_count = count & 15;
    c.has_trailer = false;
    c.packet_class = TRIAD_VITA49_DIFI_CONTEXT_CLASS;
    c.ctx = (triad_vita49_context){
        .cif0 = (first ? TRIAD_VITA49_CIF0_CHANGE : 0) | TRIAD_VITA49_CIF0_BANDWIDTH |
                TRIAD_VITA49_CIF0_RF_REF | TRIAD_VITA49_CIF0_GAIN | TRIAD_VITA49_CIF0_SAMPLE_RATE |
                TRIAD_VITA49_CIF0_TS_ADJUST,
        .bandwidth_hz = m->waveform.type == TRIAD_WAVEFORM_LFM ? m->waveform.bandwidth_hz
                                                               : m->sample_rate_hz,
        .rf_ref_hz = carrier_hz,
        .sample_rate_hz = m->sample_rate_hz,
    };
    if (o->difi) /* DIFI's standard context packet has these fields, always (27 words) */
        c.ctx.cif0 |= TRIAD_VITA49_CIF0_REF_POINT | TRIAD_VITA49_CIF0_IF_REF |
                      TRIAD_VITA49_CIF0_IF_OFFSET | TRIAD_VITA49_CIF0_REF_LEVEL |
                      TRIAD_VITA49_CIF0_TS_CAL | TRIAD_VITA49_CIF0_STATE_EVENT |
                      TRIAD_VITA49_CIF0_PAYLOAD_FORMAT;
    return triad_vita49_encode_context(buf, TRIAD_VITA49_MAX_DATAGRAM, &c);
}

static void sleep_until(double t)
{
    const double now = triad__now();
    if (t <= now)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    const double end = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec + (t - now);
    ts.tv_sec = (time_t)end;
    ts.tv_nsec = (long)((end - (double)ts.tv_sec) * 1e9);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

static int replay(const replay_opts *o)
{
    triad_recording_meta meta;
    triad_recording_reader *rd = NULL;
    void *raw = NULL;
    int16_t *iq = NULL;
    uint8_t *pkt = NULL, *junk = NULL;
    sender s = {0};
    FILE *log = NULL;
    int status = 1;
    char host[256], port[16];
    const char *scheme = "udp://";

    if (strncmp(o->to, scheme, strlen(scheme)) != 0)
        return cli_error("replay", 2, "--to %s: expected udp://HOST:PORT", o->to);
    if (triad_udp_split(o->to + strlen(scheme), host, sizeof host, port, sizeof port))
        return cli_error("replay", 2, "--to: %s", triad_errmsg());
    triad_recording_opts ropts = triad_recording_opts_default();
    ropts.max_memory_bytes = o->max_memory_bytes;
    ropts.skip_sha512 = o->skip_sha512;
    if (triad_recording_open(o->meta_path, &ropts, &meta))
        return cli_error("replay", 1, "%s", triad_errmsg());
    const size_t n = meta.samples_per_pulse, p = meta.pulses_per_cpi, nc = meta.num_channels;
    const uint64_t pn = (uint64_t)p * n;
    const size_t cpi_samples = (size_t)pn * nc;
    raw = malloc(triad_recording_cpi_bytes(&meta));
    iq = meta.format == TRIAD_FORMAT_CI16_LE ? NULL : malloc(cpi_samples * 2 * sizeof *iq);
    pkt = malloc(TRIAD_VITA49_MAX_DATAGRAM);
    junk = malloc(TRIAD_VITA49_MAX_DATAGRAM + 8);
    s.held = malloc(MAX_HELD * sizeof *s.held);
    uint64_t *dropped_samples = calloc(nc, sizeof(uint64_t));
    uint64_t *counters = calloc(nc * 4, sizeof(uint64_t)); /* packets, dropped, reordered, junk */
    unsigned *count = calloc(nc, sizeof *count);                /* packet count per stream */
    unsigned *context_count = calloc(nc, sizeof *context_count); /* the context packets' */
    int64_t *context_second = malloc(nc * sizeof *context_second); /* of the last one sent */
    for (size_t c = 0; context_second && c < nc; c++)
        context_second[c] = INT64_MIN;
    if (!raw || (meta.format != TRIAD_FORMAT_CI16_LE && !iq) || !pkt || !junk || !s.held ||
        !dropped_samples || !counters || !count || !context_count || !context_second) {
        cli_error("replay", 1, "out of memory");
        goto done;
    }
    if (o->log_path && !(log = fopen(o->log_path, "w"))) {
        cli_error("replay", 1, "--log %s: cannot create: %s", o->log_path, strerror(errno));
        goto done;
    }
    if (triad_recording_reader_open(&rd, &meta) ||
        triad_udp_tx_open(&s.tx, host, port, 4 << 20)) {
        cli_error("replay", 1, "%s", triad_errmsg());
        goto done;
    }
    /* UTC seconds from core:datetime; without it (or --no-utc) seconds from the start, as a
     * device without a clock counts them: TSI other (none for a free-running count) */
    int64_t ep_s = 0;
    double ep_frac_s = 0.0;
    const bool utc = !o->no_utc && triad__parse_utc_split(meta.datetime, &ep_s, &ep_frac_s) == 0;
    const unsigned tsi = utc ? TRIAD_VITA49_TSI_UTC
                         : o->tsf == TRIAD_VITA49_TSF_FREE_RUNNING ? TRIAD_VITA49_TSI_NONE
                                                                   : TRIAD_VITA49_TSI_OTHER;
    if (!utc)
        ep_s = 0, ep_frac_s = 0.0;
    uint64_t rng = o->seed;
    uint64_t packets = 0, lost = 0, reordered = 0, junk_sent = 0, clipped = 0, cpis = 0;
    uint64_t contexts = 0;
    const double t_start = triad__now();
    uint64_t index, since_pause = 0;
    const triad_recording_capture *capture = NULL;
    int r = 0;
    while ((o->max_cpis == 0 || cpis < (uint64_t)o->max_cpis) &&
           (r = triad_recording_reader_next(rd, raw, &index)) == 1) {
        const int16_t *src = raw;
        if (meta.format == TRIAD_FORMAT_CF32_LE) {
            const float *f = raw;
            for (size_t i = 0; i < cpi_samples * 2; i++) {
                const double v = isfinite(f[i]) ? nearbyint((double)f[i] * o->scale) : 0.0;
                clipped += v > 32767.0 || v < -32768.0;
                iq[i] = (int16_t)(v > 32767.0 ? 32767 : v < -32768.0 ? -32768 : v);
            }
            src = iq;
        }
        /* the CPI's capture: its carrier into the context, its clock into the timestamps
         * (a capture's core:datetime may jump: the first sample of the capture is at start_s) */
        const triad_recording_capture *cap = triad_recording_capture_of(&meta, index);
        const double jump_s = cap->start_s - sample_time(&meta, cap->first_cpi * pn);
        const bool new_capture = cap != capture;
        capture = cap;
        memset(counters, 0, nc * 4 * sizeof *counters);
        memset(dropped_samples, 0, nc * sizeof *dropped_samples);
        for (uint64_t off = 0; off < pn; off += (uint64_t)o->payload) {
            const uint64_t left = pn - off;
            const size_t len = (size_t)(left < (uint64_t)o->payload ? left : (uint64_t)o->payload);
            const uint64_t first = index * pn + off;
            if (o->rate > 0)
                sleep_until(t_start + sample_time(&meta, first + len - 1) / o->rate);
            for (size_t c = 0; c < nc; c++) {
                if (o->rate == 0 && o->burst > 0 && ++since_pause >= (uint64_t)o->burst) {
                    sleep_until(triad__now() + 50e-6);
                    since_pause = 0;
                }
                const int16_t *samples = src + 2 * ((size_t)off * nc + c);
                triad_vita49_packet d = {
                    .stream_id = (uint32_t)o->stream_id + (uint32_t)c,
                    .packet_count = count[c]++ & 15,
                    .has_class_id = o->difi,
                    .oui = TRIAD_VITA49_DIFI_OUI,
                    .packet_class = TRIAD_VITA49_DIFI_DATA_CLASS,
                    .tsi = tsi,
                    .tsf = o->tsf,
                    .has_trailer = !o->no_trailer && !o->difi,
                    .num_samples = len,
                };
                stamp(&meta, o->tsf, ep_s, ep_frac_s, jump_s, first, &d);
                if (d.has_trailer) {
                    bool over = false; /* a sample at the int16 limits: the ADC's full scale */
                    for (size_t j = 0; j < 2 * len && !over; j++) {
                        const int16_t v = samples[(j / 2) * 2 * nc + (j & 1)];
                        over = v == INT16_MAX || v == INT16_MIN;
                    }
                    d.trailer = TRIAD_VITA49_TRAILER(TRIAD_VITA49_TR_CAL_TIME, utc) |
                                TRIAD_VITA49_TRAILER(TRIAD_VITA49_TR_VALID_DATA, 1) |
                                TRIAD_VITA49_TRAILER(TRIAD_VITA49_TR_REF_LOCK, 1) |
                                TRIAD_VITA49_TRAILER(TRIAD_VITA49_TR_OVER_RANGE, over);
                }
                const int64_t second =
                    (int64_t)floor(ep_frac_s + jump_s + sample_time(&meta, first));
                const bool changed = context_second[c] == INT64_MIN || (new_capture && off == 0);
                if (!o->no_context && (second != context_second[c] || changed)) {
                    const size_t cl = make_context(pkt, &meta, o, &d, context_count[c]++,
                                                   changed, cap->carrier_hz);
                    context_second[c] = second;
                    if (!cl || send_and_release(&s, pkt, cl))
                        goto send_failed;
                    contexts++;
                }
                const size_t bytes =
                    triad_vita49_encode(pkt, TRIAD_VITA49_MAX_DATAGRAM, &d, samples, nc);
                const size_t frac_at = (triad_vita49_header_words(&d) - 2) * 4;
                packets++;
                counters[4 * c]++;
                if (o->junk > 0 && rng_uniform(&rng) < o->junk) {
                    const size_t jl = make_junk(junk, pkt, bytes, frac_at, &rng, (uint32_t)o->stream_id, nc);
                    if (send_and_release(&s, junk, jl))
                        goto send_failed;
                    junk_sent++;
                    counters[4 * c + 3]++;
                }
                if (o->loss > 0 && rng_uniform(&rng) < o->loss) {
                    lost++;
                    counters[4 * c + 1]++;
                    dropped_samples[c] += len;
                    continue;
                }
                if (o->reorder > 0 && rng_uniform(&rng) < o->reorder && s.nheld < MAX_HELD) {
                    held_packet *h = &s.held[s.nheld++];
                    memcpy(h->data, pkt, bytes);
                    h->len = bytes;
                    h->countdown = 1 + (int)(rng_next(&rng) % 3);
                    reordered++;
                    counters[4 * c + 2]++;
                    continue;
                }
                if (send_and_release(&s, pkt, bytes))
                    goto send_failed;
            }
        }
        if (log) {
            for (size_t c = 0; c < nc; c++)
                fprintf(log,
                        "{\"cpi\":%llu,\"channel\":%zu,\"packets\":%llu,\"dropped_packets\":%llu,"
                        "\"dropped_samples\":%llu,\"reordered_packets\":%llu,\"junk\":%llu}\n",
                        (unsigned long long)index, c, (unsigned long long)counters[4 * c],
                        (unsigned long long)counters[4 * c + 1],
                        (unsigned long long)dropped_samples[c],
                        (unsigned long long)counters[4 * c + 2],
                        (unsigned long long)counters[4 * c + 3]);
        }
        cpis++;
    }
    if (r < 0) {
        cli_error("replay", 1, "%s", triad_errmsg());
        goto done;
    }
    if (flush_held(&s))
        goto send_failed;
    if (log && fclose(log) != 0) {
        log = NULL;
        cli_error("replay", 1, "--log %s: write failed", o->log_path);
        goto done;
    }
    log = NULL;
    if (clipped)
        fprintf(stderr, "triad replay: warning: %llu values saturated converting cf32 to ci16 "
                        "(--scale %g)\n",
                (unsigned long long)clipped, o->scale);
    if (!o->quiet) {
        const double dt = triad__now() - t_start;
        fprintf(stderr,
                "triad replay: %llu CPIs, %llu packets: %llu dropped, %llu reordered, %llu junk; "
                "%llu context packets; %llu datagrams in %.3f s (%.1f MB/s)\n",
                (unsigned long long)cpis, (unsigned long long)packets, (unsigned long long)lost,
                (unsigned long long)reordered, (unsigned long long)junk_sent,
                (unsigned long long)contexts, (unsigned long long)s.sent, dt, (double)s.sent_bytes / (dt > 0 ? dt : 1e-9) * 1e-6);
    }
    status = 0;
    goto done;
send_failed:
    cli_error("replay", 1, "--to %s: %s", o->to, triad_errmsg());
done:
    if (log)
        fclose(log);
    triad_udp_tx_close(s.tx);
    triad_recording_reader_close(rd);
    free(s.held);
    free(raw);
    free(iq);
    free(pkt);
    free(junk);
    free(dropped_samples);
    free(counters);
    free(count);
    free(context_count);
    free(context_second);
    return status;
}

int cmd_replay(int argc, char **argv)
{
    enum {
        O_TO = 1,
        O_RATE,
        O_BURST,
        O_PAYLOAD,
        O_STREAM_ID,
        O_SCALE,
        O_NO_UTC,
        O_CPIS,
        O_LOSS,
        O_REORDER,
        O_JUNK,
        O_SEED,
        O_LOG,
        O_QUIET,
        O_TSF,
        O_PROFILE,
        O_NO_TRAILER,
        O_NO_CONTEXT,
        O_MAX_MEMORY,
        O_SKIP_SHA512,
        O_HELP,
    };
    static const struct option opts[] = {
        {"to", required_argument, NULL, O_TO},
        {"rate", required_argument, NULL, O_RATE},
        {"burst", required_argument, NULL, O_BURST},
        {"payload", required_argument, NULL, O_PAYLOAD},
        {"stream-id", required_argument, NULL, O_STREAM_ID},
        {"scale", required_argument, NULL, O_SCALE},
        {"no-utc", no_argument, NULL, O_NO_UTC},
        {"cpis", required_argument, NULL, O_CPIS},
        {"loss", required_argument, NULL, O_LOSS},
        {"reorder", required_argument, NULL, O_REORDER},
        {"junk", required_argument, NULL, O_JUNK},
        {"seed", required_argument, NULL, O_SEED},
        {"log", required_argument, NULL, O_LOG},
        {"quiet", no_argument, NULL, O_QUIET},
        {"tsf", required_argument, NULL, O_TSF},
        {"profile", required_argument, NULL, O_PROFILE},
        {"no-trailer", no_argument, NULL, O_NO_TRAILER},
        {"no-context", no_argument, NULL, O_NO_CONTEXT},
        {"max-memory", required_argument, NULL, O_MAX_MEMORY},
        {"skip-sha512", no_argument, NULL, O_SKIP_SHA512},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    replay_opts o = {.burst = 32, .payload = 360, .stream_id = 1, .scale = 300.0, .seed = 1,
                     .tsf = TRIAD_VITA49_TSF_SAMPLES};
    bool tsf_given = false;
    long v;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_TO: o.to = optarg; break;
        case O_RATE:
            if (strcmp(optarg, "max") == 0)
                o.rate = 0.0;
            else if (strcmp(optarg, "realtime") == 0)
                o.rate = 1.0;
            else {
                char *end;
                errno = 0;
                o.rate = strtod(optarg, &end);
                if (end == optarg || *end || errno || !(o.rate > 0 && o.rate <= 1e9))
                    return cli_error("replay", 2, "option --rate: '%s' is not realtime, max or "
                                                  "a factor in (0, 1e9]",
                                     optarg);
            }
            break;
        case O_BURST:
            if (cli_long("replay", "--burst", optarg, 0, 1L << 30, &o.burst))
                return 2;
            break;
        case O_PAYLOAD:
            /* the 16-bit size field counts the 5 header words too */
            if (cli_long("replay", "--payload", optarg, 1, 65535 - 5, &o.payload))
                return 2;
            if (o.payload * 4 + 20 > 65507)
                return cli_error("replay", 2, "option --payload: %ld samples make a datagram "
                                              "larger than UDP allows (at most 16371)",
                                 o.payload);
            break;
        case O_STREAM_ID:
            if (cli_stream_id("replay", "--stream-id", optarg, &o.stream_id))
                return 2;
            break;
        case O_TSF:
            if (strcmp(optarg, "sample-count") == 0)
                o.tsf = TRIAD_VITA49_TSF_SAMPLES;
            else if (strcmp(optarg, "picoseconds") == 0)
                o.tsf = TRIAD_VITA49_TSF_PICOSECONDS;
            else if (strcmp(optarg, "free-running") == 0)
                o.tsf = TRIAD_VITA49_TSF_FREE_RUNNING;
            else
                return cli_error("replay", 2, "option --tsf: '%s' is not sample-count, "
                                              "picoseconds or free-running", optarg);
            tsf_given = true;
            break;
        case O_PROFILE:
            if (cli_profile("replay", optarg, &o.difi))
                return 2;
            break;
        case O_NO_TRAILER: o.no_trailer = true; break;
        case O_NO_CONTEXT: o.no_context = true; break;
        case O_SCALE:
            if (cli_double("replay", "--scale", optarg, 1e-30, 1e30, &o.scale))
                return 2;
            break;
        case O_NO_UTC: o.no_utc = true; break;
        case O_CPIS:
            if (cli_long("replay", "--cpis", optarg, 1, 1L << 62, &o.max_cpis))
                return 2;
            break;
        case O_LOSS:
            if (cli_double("replay", "--loss", optarg, 0, 1, &o.loss))
                return 2;
            break;
        case O_REORDER:
            if (cli_double("replay", "--reorder", optarg, 0, 1, &o.reorder))
                return 2;
            break;
        case O_JUNK:
            if (cli_double("replay", "--junk", optarg, 0, 1, &o.junk))
                return 2;
            break;
        case O_SEED:
            if (cli_long("replay", "--seed", optarg, 0, 0x7fffffffffffffffL, &v))
                return 2;
            o.seed = (unsigned long long)v;
            break;
        case O_LOG: o.log_path = optarg; break;
        case O_QUIET: o.quiet = true; break;
        case O_MAX_MEMORY:
            if (cli_bytes("replay", "--max-memory", optarg, &o.max_memory_bytes))
                return 2;
            break;
        case O_SKIP_SHA512: o.skip_sha512 = true; break;
        case 'h':
        case O_HELP: printf("%s", usage_text); return 0;
        case '?': return cli_bad_option("replay", argv);
        default: return cli_error("replay", 2, "unknown option");
        }
    }
    if (optind == argc)
        return cli_error("replay", 2, "expected a recording NAME.sigmf-meta (triad replay --help)");
    if (optind != argc - 1)
        return cli_error("replay", 2, "unexpected argument '%s' (one recording at a time)",
                         argv[optind + 1]);
    if (!o.to)
        return cli_error("replay", 2, "expected --to udp://HOST:PORT (triad replay --help)");
    if (o.difi) {
        if (tsf_given && o.tsf != TRIAD_VITA49_TSF_PICOSECONDS)
            return cli_error("replay", 2, "option --tsf: DIFI timestamps are picoseconds "
                                          "(--profile difi goes with --tsf picoseconds)");
        o.tsf = TRIAD_VITA49_TSF_PICOSECONDS;
    }
    o.meta_path = argv[optind];
    return replay(&o);
}
