/* Example: a live VITA-49 stream to a callback. The radar is described by a SigMF meta file
 * (as for `triad run`); CPIs come from a triad_cpi_stream on HOST:PORT, go through the chain,
 * and each CPI's detections go to on_cpi(), which prints one line per detection. Ends after
 * 2 s without packets.
 *   live_stream RADAR.sigmf-meta [HOST:PORT]      (default 127.0.0.1:0: a free port; the
 *                                                  address is printed on stderr)
 *   triad replay RADAR.sigmf-meta --to udp://HOST:PORT     (a stream to try it with)
 * Build against an installed triad:  cc live_stream.c $(pkg-config --cflags --libs triad)
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>

#include <triad/triad.h>
#include <triad/stream.h>

typedef void (*cpi_callback)(void *user, const triad_cpi_stream_info *info,
                             const triad_detection *dets, size_t n, double latency_s);

static void on_cpi(void *user, const triad_cpi_stream_info *info, const triad_detection *dets,
                   size_t n, double latency_s)
{
    unsigned long long *count = user;
    if (info->flags & TRIAD_STREAM_OVERFLOW)
        fprintf(stderr, "live_stream: %llu CPIs dropped before CPI %llu\n",
                (unsigned long long)info->dropped, (unsigned long long)info->cpi);
    for (size_t i = 0; i < n; i++)
        printf("cpi %llu channel %u range_bin %.4f doppler_bin %.4f snr_db %.2f%s\n",
               (unsigned long long)dets[i].cpi, dets[i].channel, dets[i].range_bin,
               dets[i].doppler_bin, dets[i].snr_db,
               info->flags & TRIAD_STREAM_DEGRADED ? " degraded" : "");
    fprintf(stderr, "live_stream: CPI %llu: %zu detections, %.1f ms after it was complete\n",
            (unsigned long long)info->cpi, n, latency_s * 1e3);
    ++*count;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: live_stream RADAR.sigmf-meta [HOST:PORT]\n");
        return 2;
    }
    triad_recording_meta meta;
    triad_cf32 *ref = NULL;
    size_t ref_len;
    triad_chain *chain = NULL;
    triad_cpi_stream *stream = NULL;
    triad_detection *dets = NULL;
    void *cpi = NULL;
    int status = 1;
    if (triad_recording_open_meta(argv[1], false, &meta) ||
        triad_recording_waveform(&meta, &ref, &ref_len))
        goto fail;

    triad_chain_cfg cfg = triad_chain_cfg_default();
    triad_recording_chain_cfg(&meta, ref, ref_len, &cfg);
    cfg.format = TRIAD_FORMAT_CI16_LE; /* what the stream delivers */
    cfg.backend = "fftw";
    cfg.fft_effort = TRIAD_FFT_ESTIMATE;
    cfg.threads = 1;
    if (triad_chain_create(&chain, &cfg)) /* plan once */
        goto fail;

    triad_cpi_stream_cfg scfg = triad_cpi_stream_cfg_default();
    scfg.address = argc > 2 ? argv[2] : "127.0.0.1:0";
    scfg.samples_per_pulse = meta.samples_per_pulse;
    scfg.pulses_per_cpi = meta.pulses_per_cpi;
    scfg.num_channels = meta.num_channels;
    scfg.pri_s = meta.pri_s;
    scfg.sample_rate_hz = meta.sample_rate_hz;
    scfg.idle_timeout_s = 2.0;
    scfg.queue_cpis = 64;
    if (triad_cpi_stream_create(&stream, &scfg))
        goto fail;
    dets = malloc(cfg.max_detections * meta.num_channels * sizeof *dets);
    cpi = malloc(triad_recording_cpi_bytes(&meta) / triad_format_bytes(meta.format) * 4);
    if (!dets || !cpi) {
        fprintf(stderr, "live_stream: out of memory\n");
        goto done;
    }
    fprintf(stderr, "live_stream: listening on %s\n", triad_cpi_stream_address(stream));
    if (triad_cpi_stream_activate(stream))
        goto fail;

    unsigned long long count = 0;
    cpi_callback callback = on_cpi;
    triad_cpi_stream_info info;
    int got;
    while ((got = triad_cpi_stream_read(stream, cpi, &info, 0.5)) != 0) {
        if (got == TRIAD_ETIMEOUT)
            continue;
        triad_chain_stats st;
        if (triad_chain_execute(chain, cpi, info.cpi, dets, &st)) /* execute many */
            goto fail;
        callback(&count, &info, dets, st.detections, triad_clock_s() - info.complete_s);
    }
    char why[256];
    if (triad_cpi_stream_error(stream, why, sizeof why)) {
        fprintf(stderr, "live_stream: %s\n", why);
        goto done;
    }
    fprintf(stderr, "live_stream: the stream ended after %llu CPIs\n", count);
    status = 0;
    goto done;
fail:
    fprintf(stderr, "live_stream: %s\n", triad_errmsg());
done:
    triad_cpi_stream_destroy(stream);
    triad_chain_destroy(chain);
    free(cpi);
    free(dets);
    free(ref);
    return status;
}
