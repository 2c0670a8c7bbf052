/* triad run --source vita49://ADDR:PORT | soapy://ARGS --meta RADAR.sigmf-meta: a live
 * VITA-49 stream or a SoapySDR receiver -> CPIs -> chain -> reports to every sink (JSON Lines
 * file, DDS topic).
 *
 *   triad_cpi_stream (include/triad/stream.h): its reader thread takes the socket, parses,
 *                    assembles CPIs by sample index (or cuts a receiver's stream into
 *                    receive windows) into a queue that drops its oldest
 *   this thread:     stream read -> chain (streaming submit/collect) -> sinks, stats on stderr
 *
 * Latency = detections ready - CPI complete in memory.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "io/dds/dds_sink.h"
#include "io/detections_jsonl.h"
#include "io/jsonl_sink.h"
#include "io/sink.h"
#include "io/vita49.h"
#include "triad/recording.h"
#include "triad/stream.h"

static const char usage_text[] =
    "usage: triad run --source vita49://ADDR:PORT|soapy://ARGS --meta RADAR.sigmf-meta [options]\n"
    "  Receive a VITA-49 stream (docs/FORMATS.md, \"VITA-49 stream\"), assemble CPIs by sample\n"
    "  index, process them and write reports. RADAR.sigmf-meta describes the radar as a\n"
    "  recording does (its data file is not needed; the wire carries ci16). PORT 0 picks a\n"
    "  free port; the address bound is printed on stderr.\n"
    "  soapy://ARGS: a SoapySDR receiver (ARGS: its device arguments, driver=...,key=value),\n"
    "  its continuous stream cut into receive windows by the PRI (docs/FORMATS.md, \"SoapySDR\n"
    "  source\")\n"
    "  --window-offset S   soapy: receive window start after each pulse (default the meta's\n"
    "                      radar:rx_delay_s)\n"
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
    "  --stream-id ID      stream ID of channel 0 (0x1234 or decimal); channel c is ID + c\n"
    "                      (default 0x00000001); context packets share their channel's ID\n"
    "  --profile P         vita49 (default: VITA-49.0/49.2 data and IF context packets) or\n"
    "                      difi (IEEE-ISTO Std 4900: class IDs of DIFI's OUI required)\n"
    "  --epoch E           meta (default): sample 0 of CPI 0 is the meta's core:datetime for\n"
    "                      UTC/GPS timestamps; first-packet: the first packet's time\n"
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
    "  --max-memory B      bound the CPI memory (the chain's, the source's open CPIs, the\n"
    "                      queue) to B bytes (K, M, G, T: powers of 1024; default: this\n"
    "                      machine's memory): the default queue shrinks to fit, a --queue or\n"
    "                      a CPI that cannot fit is refused\n"
    "  --threads N         as for process, but 0 (the default) is all cores but one: the\n"
    "                      reader thread's\n"
    "  SIGINT/SIGTERM stop cleanly: CPIs in the chain are finished, a final stats line follows.\n";

typedef struct {
    const char *source, *meta_path, *out_path;
    bool reports, dds, difi, epoch_first_packet;
    triad_dds_opts dds_opts;
    long stream_id, radar_id, queue, rcvbuf;
    bool queue_given;
    uint64_t max_memory_bytes;
    double idle_timeout_s, cpi_timeout_s, stats_s, window_offset_s;
    uint64_t reorder_samples, max_cpis;
} run_opts;

static volatile sig_atomic_t g_signal;

static void on_signal(int sig)
{
    g_signal = sig;
}

/* The stream's notes (its reader thread): the first rejection of each reason, contradicting
 * context fields, where the epoch came from. */
static void run_note(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "triad run: %s\n", msg);
}

/* ---- processing ------------------------------------------------------------------------ */

typedef struct {
    uint64_t cpi;
    uint64_t *missing; /* [C] */
    unsigned *quality; /* [C] */
    double complete_s, epoch_s, jump_s;
} in_flight;

typedef struct {
    uint64_t processed, degraded;
    triad_latency all, interval;
    double t0, last_stats;
} proc_stats;

static void print_stats(const char *label, const triad_cpi_stream *stream, const proc_stats *ps,
                        const triad_latency *h)
{
    triad_cpi_stream_stats st;
    triad_cpi_stream_stats_get(stream, &st);
    /* rejections by reason, and what the trailers indicated, only where not zero */
    char why[600] = "", flags[200] = "";
    size_t n = 0;
    for (int r = 1; triad_cpi_stream_reason(r) && n < sizeof why; r++)
        if (st.by_reason[r])
            n += (size_t)snprintf(why + n, sizeof why - n, "%s%s %llu", n ? ", " : " (",
                                  triad_cpi_stream_reason(r), (unsigned long long)st.by_reason[r]);
    if (n && n < sizeof why - 1)
        snprintf(why + n, sizeof why - n, ")");
    n = 0;
    for (unsigned b = 0; b < 4 && n < sizeof flags; b++)
        if (st.trailer_flags[b]) {
            char name[32];
            triad_vita49_quality_text(1u << b, name, sizeof name);
            n += (size_t)snprintf(flags + n, sizeof flags - n, " %s %llu", name,
                                  (unsigned long long)st.trailer_flags[b]);
        }
    char jumps[40] = "";
    if (st.clock_jumps)
        snprintf(jumps, sizeof jumps, " clock jumps %llu", (unsigned long long)st.clock_jumps);
    fprintf(stderr,
            "triad run: %s%.1f s: packets %llu context %llu lost %llu late %llu ahead %llu "
            "malformed %llu%s%s |%s%s CPIs processed %llu degraded %llu dropped %llu skipped %llu "
            "| latency p50 %.2f ms p99 %.2f ms\n",
            label, triad_clock_s() - ps->t0, (unsigned long long)st.packets,
            (unsigned long long)st.context, (unsigned long long)st.lost,
            (unsigned long long)st.late, (unsigned long long)st.ahead,
            (unsigned long long)st.malformed, why, jumps, n ? " trailers:" : "", n ? flags : "",
            (unsigned long long)ps->processed, (unsigned long long)ps->degraded,
            (unsigned long long)st.cpis_dropped, (unsigned long long)st.cpis_skipped,
            triad_latency_percentile(h, 0.50) * 1e3, triad_latency_percentile(h, 0.99) * 1e3);
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
                         const run_opts *o, const in_flight *f, triad_detection *dets,
                         size_t ndets, double latency_s)
{
    for (size_t i = 0; i < ndets; i++) /* the sender's clock jumped (a new capture): its time */
        dets[i].time_s += f->jump_s;
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
            .cpi_time_utc_ns = utc_ns(isnan(t0) ? f->epoch_s : t0, time_s + f->jump_s),
            .degraded_fraction = (double)f->missing[c] / pn,
            .quality = f->quality[c],
            .latency_s = latency_s,
            .clock_jump_s = f->jump_s,
            .dets = dets + first,
            .num_dets = i - first,
        };
        for (size_t s = 0; s < nsinks; s++)
            if (sinks[s]->write(sinks[s], &r))
                return cli_error("run", 1, "%s", triad_errmsg());
    }
    return 0;
}

/* The CPI memory of a run with a queue of q: the chain's (about 4 CPIs, as a recording's
 * check counts it), the source's open CPIs (VITA-49: 3 and their arrival bits; SoapySDR: 1),
 * the queue's q + 1 (one is always free). Bounded by --max-memory, else physical memory: the
 * default queue shrinks to fit (said), an asked-for one or a single CPI that cannot is
 * refused by name. */
static int fit_queue(const run_opts *o, const triad_recording_meta *m, bool soapy, long *queue)
{
    const double cpi = 4.0 * (double)m->samples_per_pulse * (double)m->pulses_per_cpi *
                       (double)m->num_channels; /* ci16 */
    const double fixed = 4.0 * cpi + (soapy ? cpi : 3.0 * cpi * (1.0 + 1.0 / 32.0));
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    const double limit = o->max_memory_bytes ? (double)o->max_memory_bytes
                         : pages > 0 && page > 0 ? (double)pages * (double)page
                                                 : 1.8e19;
    const char *by = o->max_memory_bytes ? "--max-memory" : "this machine's memory";
    const double fits = floor((limit - fixed) / cpi) - 1.0; /* queue entries that fit */
    if (fits >= (double)*queue)
        return 0;
    if (fits < 1.0)
        return cli_error("run", 1, "%s: one CPI (%zu pulses x %zu samples x %zu channels, %.3g "
                         "MB as ci16) needs about %.3g MB with the chain, the source and a "
                         "queue of 1, more than %s (%.3g MB)", o->meta_path, m->pulses_per_cpi,
                         m->samples_per_pulse, m->num_channels, cpi * 1e-6,
                         (fixed + 2.0 * cpi) * 1e-6, by, limit * 1e-6);
    if (o->queue_given)
        return cli_error("run", 2, "option --queue %ld: %ld CPIs of %.3g MB queued need about "
                         "%.3g MB with the chain and the source, more than %s (%.3g MB); at "
                         "most --queue %.0f fits", *queue, *queue, cpi * 1e-6,
                         (fixed + (double)(*queue + 1) * cpi) * 1e-6, by, limit * 1e-6, fits);
    fprintf(stderr, "triad run: %s (%.3g MB): a queue of %.0f CPIs of %.3g MB, not %ld\n", by,
            limit * 1e-6, fits, cpi * 1e-6, *queue);
    *queue = (long)fits;
    return 0;
}

static int run(const run_opts *o, triad_chain_cfg *cfg)
{
    triad_recording_meta meta;
    triad_cf32 *ref = NULL;
    triad_chain *chain = NULL;
    triad_cpi_stream *stream = NULL;
    triad_detection *dets = NULL;
    triad_sink *sinks[4] = {NULL};
    size_t nsinks = 0;
    in_flight fl[TRIAD_CHAIN_MAX_SLOTS] = {{0}};
    int status = 1;

    const char *scheme = "vita49://", *soapy = "soapy://";
    const bool is_soapy = strncmp(o->source, soapy, strlen(soapy)) == 0;
    if (!is_soapy && strncmp(o->source, scheme, strlen(scheme)) != 0)
        return cli_error("run", 2, "--source %s: expected vita49://ADDR:PORT or soapy://ARGS",
                         o->source);
    char host[256], port[16];
    if (!is_soapy &&
        triad_udp_split(o->source + strlen(scheme), host, sizeof host, port, sizeof port))
        return cli_error("run", 2, "--source: %s", triad_errmsg());
    if (is_soapy && o->difi)
        return cli_error("run", 2, "option --profile: goes with a vita49:// source");
    size_t ref_len = 0;
    triad_recording_opts ropts = triad_recording_opts_default();
    ropts.data = false;
    ropts.max_memory_bytes = o->max_memory_bytes;
    if (triad_recording_open(o->meta_path, &ropts, &meta))
        return cli_error("run", 1, "%s", triad_errmsg());
    long queue = o->queue;
    if ((status = fit_queue(o, &meta, is_soapy, &queue)))
        return status;
    status = 1;
    if (triad_recording_waveform(&meta, &ref, &ref_len))
        return cli_error("run", 1, "%s", triad_errmsg());
    triad_recording_chain_cfg(&meta, ref, ref_len, cfg);
    cfg->format = TRIAD_FORMAT_CI16_LE; /* what the stream delivers, whatever the meta says */

    /* a stop asked for during the set-up below ends the run cleanly once it starts */
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    /* the chain first (FFTW planning takes a while), then the sinks, then the socket:
     * nothing arrives before we can take it */
    if (cli_wisdom_load("run"))
        goto done;
    if (triad_chain_create(&chain, cfg)) {
        cli_error("run", 1, "%s: %s", o->meta_path, triad_errmsg());
        goto done;
    }
    cli_wisdom_save("run");
    dets = malloc(cfg->max_detections * meta.num_channels * sizeof *dets);
    if (!dets) {
        cli_error("run", 1, "out of memory");
        goto done;
    }
    for (size_t s = 0; s < TRIAD_CHAIN_MAX_SLOTS; s++)
        if (!(fl[s].missing = calloc(meta.num_channels, sizeof(uint64_t))) ||
            !(fl[s].quality = calloc(meta.num_channels, sizeof(unsigned)))) {
            cli_error("run", 1, "out of memory");
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

    triad_cpi_stream_cfg scfg = triad_cpi_stream_cfg_default();
    if (is_soapy) {
        scfg.soapy_args = o->source + strlen(soapy);
        scfg.window_offset_s = o->window_offset_s >= 0 ? o->window_offset_s : meta.rx_delay_s;
    } else {
        scfg.address = o->source + strlen(scheme);
    }
    scfg.rcvbuf_bytes = (int)o->rcvbuf;
    scfg.samples_per_pulse = meta.samples_per_pulse;
    scfg.pulses_per_cpi = meta.pulses_per_cpi;
    scfg.num_channels = meta.num_channels;
    scfg.stream_id = (uint32_t)o->stream_id;
    scfg.pri_s = meta.pri_s;
    scfg.sample_rate_hz = meta.sample_rate_hz;
    scfg.reorder_samples = o->reorder_samples;
    scfg.cpi_timeout_s = o->cpi_timeout_s;
    scfg.idle_timeout_s = o->idle_timeout_s;
    scfg.queue_cpis = (size_t)queue;
    scfg.carrier_hz = meta.carrier_hz;
    scfg.bandwidth_hz =
        meta.waveform.type == TRIAD_WAVEFORM_LFM ? meta.waveform.bandwidth_hz : 0;
    scfg.has_epoch = !o->epoch_first_packet &&
                     triad__parse_utc_split(meta.datetime, &scfg.epoch_utc_s,
                                            &scfg.epoch_frac_s) == 0;
    scfg.difi = o->difi;
    scfg.note = run_note;
    /* --epoch first-packet: sample 0 is the first packet's time, so the reports' UTC is the
       stream's (its packets' timestamps), not the meta's core:datetime, which the sinks would
       otherwise prefer. A SoapySDR source has no UTC of its own: the meta's stays. */
    if (o->epoch_first_packet && !is_soapy)
        meta.datetime[0] = '\0';
    const int serr = triad_cpi_stream_create(&stream, &scfg);
    if (serr) {
        status = cli_error("run", serr == TRIAD_EINVAL ? 2 : 1, "--source %s: %s", o->source,
                           triad_errmsg());
        goto done;
    }
    char ids[80] = "";
    if (!is_soapy)
        snprintf(ids, sizeof ids, ", stream IDs 0x%08lx..0x%08lx, profile %s", o->stream_id,
                 (unsigned long)(uint32_t)(o->stream_id + (long)meta.num_channels - 1),
                 o->difi ? "DIFI" : "VITA-49");
    fprintf(stderr, "triad run: %s: %zu pulses x %zu samples x %zu channels per CPI%s, backend "
                    "%s\n",
            triad_cpi_stream_describe(stream), meta.pulses_per_cpi, meta.samples_per_pulse,
            meta.num_channels, ids, triad_chain_backend(chain));
    if (triad_cpi_stream_activate(stream)) {
        cli_error("run", 1, "%s", triad_errmsg());
        goto done;
    }

    /* test hook (tests/live_loopback.sh): seconds of extra work per CPI, so that processing
     * falls behind the stream and the queue must drop */
    const char *delay_env = getenv("TRIAD_TEST_RUN_DELAY_S");
    const double test_delay_s = delay_env ? atof(delay_env) : 0.0;
    proc_stats ps = {.t0 = triad_clock_s()};
    ps.last_stats = ps.t0;
    const size_t slots = triad_chain_slots(chain);
    uint64_t submitted = 0, collected = 0;
    bool failed = false, ended = false, stop = false;
    for (;;) {
        const bool stopping = g_signal || stop || failed;
        if (stopping && submitted == collected)
            break;
        /* fill the chain's slots, reading each CPI straight into its slot's input; wait for
         * a CPI only when nothing is in flight */
        while (!stopping && submitted - collected < slots &&
               (!o->max_cpis || submitted < o->max_cpis)) {
            double wait = 0.0;
            if (submitted == collected) {
                wait = 0.1;
                if (o->stats_s > 0) {
                    const double due = ps.last_stats + o->stats_s - triad_clock_s();
                    wait = due < wait ? (due > 0.001 ? due : 0.001) : wait;
                }
            }
            const size_t slot = (size_t)(submitted % slots);
            triad_cpi_stream_info info;
            const int got =
                triad_cpi_stream_read(stream, triad_chain_input(chain, slot), &info, wait);
            ended |= got == 0;
            if (got != 1)
                break;
            fl[slot].cpi = info.cpi;
            memcpy(fl[slot].missing, info.missing, meta.num_channels * sizeof(uint64_t));
            fl[slot].complete_s = info.complete_s;
            fl[slot].epoch_s = info.stream_epoch_s;
            fl[slot].jump_s = info.clock_jump_s;
            memcpy(fl[slot].quality, info.quality, meta.num_channels * sizeof(unsigned));
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
            const double latency = triad_clock_s() - fl[slot].complete_s;
            triad_latency_add(&ps.all, latency);
            triad_latency_add(&ps.interval, latency);
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
                stop = true;
        } else if (ended) {
            break;
        }
        if (o->stats_s > 0 && triad_clock_s() - ps.last_stats >= o->stats_s) {
            print_stats("", stream, &ps, &ps.interval);
            triad_latency_reset(&ps.interval);
            ps.last_stats = triad_clock_s();
        }
    }
    triad_cpi_stream_deactivate(stream);
    print_stats("final ", stream, &ps, &ps.all);
    char reader_msg[512];
    if (triad_cpi_stream_error(stream, reader_msg, sizeof reader_msg)) {
        cli_error("run", 1, "--source %s: %s", o->source, reader_msg);
        goto done;
    }
    if (failed)
        goto done;
    if (g_signal)
        fprintf(stderr, "triad run: stopped by signal %d\n", (int)g_signal);
    status = 0;
done:
    triad_cpi_stream_destroy(stream);
    for (size_t s = 0; s < nsinks; s++)
        sinks[s]->destroy(sinks[s]);
    for (size_t s = 0; s < TRIAD_CHAIN_MAX_SLOTS; s++) {
        free(fl[s].missing);
        free(fl[s].quality);
    }
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
        O_PROFILE,
        O_EPOCH,
        O_WINDOW_OFFSET,
        O_MAX_MEMORY,
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
        {"profile", required_argument, NULL, O_PROFILE},
        {"epoch", required_argument, NULL, O_EPOCH},
        {"window-offset", required_argument, NULL, O_WINDOW_OFFSET},
        {"max-memory", required_argument, NULL, O_MAX_MEMORY},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    struct option all[48];
    cli_merge_options(own, all, 48);
    run_opts o = {.stream_id = 1, .queue = 8, .rcvbuf = 8 << 20, .cpi_timeout_s = 0.2,
                  .stats_s = 5.0, .window_offset_s = -1, .dds_opts = triad_dds_opts_default()};
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
            if (cli_stream_id("run", "--stream-id", optarg, &o.stream_id))
                return 2;
            break;
        case O_PROFILE:
            if (cli_profile("run", optarg, &o.difi))
                return 2;
            break;
        case O_EPOCH:
            if (strcmp(optarg, "meta") != 0 && strcmp(optarg, "first-packet") != 0)
                return cli_error("run", 2, "option --epoch: '%s' is not meta or first-packet",
                                 optarg);
            o.epoch_first_packet = strcmp(optarg, "first-packet") == 0;
            break;
        case O_WINDOW_OFFSET:
            if (cli_double("run", "--window-offset", optarg, 0, 10, &o.window_offset_s))
                return 2;
            break;
        case O_RADAR_ID:
            if (cli_long("run", "--radar-id", optarg, 0, 0xffffffffL, &o.radar_id))
                return 2;
            break;
        case O_QUEUE:
            if (cli_long("run", "--queue", optarg, 1, 4096, &o.queue))
                return 2;
            o.queue_given = true;
            break;
        case O_MAX_MEMORY:
            if (cli_bytes("run", "--max-memory", optarg, &o.max_memory_bytes))
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
        return cli_error("run", 2, "expected --source vita49://ADDR:PORT or soapy://ARGS (triad run "
                                   "--help)");
    if (!o.meta_path)
        return cli_error("run", 2, "expected --meta RADAR.sigmf-meta (triad run --help)");
    /* the reader thread needs a core of its own: the chain gets the others by default. With
     * every core in the chain its OpenMP workers spin-wait between CPIs on the reader's core
     * (libgomp's default): on 2 cores under load the queue dropped half the CPIs at real time
     * (bench/RESULTS.md, "Live input") */
    if (cfg.threads == 0) {
        const long cores = sysconf(_SC_NPROCESSORS_ONLN);
        cfg.threads = cores > 2 ? (int)(cores - 1 > 1024 ? 1024 : cores - 1) : 1;
    }
    if (o.reports && !o.out_path && o.dds)
        return cli_error("run", 2, "option --reports: goes with --out FILE (DDS always sends "
                                   "reports)");
    return run(&o, &cfg);
}
