/* triad bench: time the chain per CPI on named workloads, for each backend, against a floor
 * measured in the same run, on seeded simulated data with targets in it.
 *
 * Floors:
 *   fftw    FFTW's own batched transforms of the same sizes: forward and inverse range FFTs of
 *           P x Nfft and the strided Doppler FFT of N x P, per channel, plans made with the same
 *           effort and threads as the chain's (triad_bench_fftw_floor, include/triad/bench.h).
 *   opencl  the fused design's minimal bytes per CPI at the device's measured bandwidths
 *           (triad_bench_bandwidth_floor, include/triad/bench.h): the raw CPI up at pinned host-to-device speed; on
 *           the device, the range stage (convert, FFT, matched filter, inverse FFT, Doppler
 *           window) reads the raw CPI once and writes the complex cube once, and the Doppler
 *           stage (FFT across pulses, |.|^2, CFAR, extraction) reads the cube once, at the
 *           device-to-device copy bandwidth; the detections back at device-to-host speed. The
 *           range and Doppler FFTs run along different axes of the cube, so one round trip of
 *           the cube through device memory (a corner turn) is the least any design needs;
 *           the power map need not be written, because a work-group that holds all P pulses
 *           of a tile of range columns plus the CFAR's range halo can do the Doppler FFT, the
 *           power, the CFAR sums and the peak tests on chip.
 *
 * End-to-end latency (raw CPI in host memory -> its detections in host memory) is the time
 * of one triad_chain_execute: the call is synchronous, so latency and time per CPI coincide.
 *
 * OpenCL runs are profiled (cfg.profile_device): the stage columns are device times from CL
 * events (per CPI), the copies each way are reported beside them, and a streaming run after
 * the timed CPIs (every slot busy, so small CPIs are batched) gives the time per CPI when
 * uploads, kernels and downloads overlap, and how much of the copy time they did overlap.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "triad_commit.h" /* generated at build time: TRIAD_GIT_COMMIT */
#include "io/plot_png.h"
#include "triad/bench.h"
#include "triad/devices.h"
#include "triad/sim.h"
#include "triad/stream.h"

/* A workload: the CPI geometry and where it comes from. All run at fs 20 MHz with a 10 MHz
 * LFM pulse of pulse_samples samples; the PRI fits the receive window plus 50 us. */
typedef struct {
    const char *name;
    size_t channels, pulses, samples, pulse_samples;
    const char *origin;
} workload;

/* HPEC Challenge shapes (MIT Lincoln Laboratory kernel benchmarks; bench/workloads/README.md
 * has the mapping and what was left out):
 *   CFAR sets: beams x range gates x Doppler bins -> channels x samples x pulses; the kernel
 *   has no pulse, so a short one of our choosing (16 samples for the 64-gate set, else 128).
 *   FDFIR sets: M filters of N samples with K taps -> 1 channel x M pulses x N samples with a
 *   K-sample pulse (one shared filter instead of M different ones). */
static const workload workloads[] = {
    {"S", 1, 64, 1024, 128, "small CPI"},
    {"M", 1, 128, 8192, 1000, "medium CPI"},
    {"L", 1, 256, 16384, 2000, "large CPI"},
    {"MATX", 16, 128, 9000, 1000, "MatX/Holoscan simple radar pipeline shape"},
    {"CFAR1", 16, 24, 64, 16, "HPEC Challenge CFAR set 1: 16 beams, 64 gates, 24 Doppler"},
    {"CFAR2", 48, 128, 3500, 128, "HPEC Challenge CFAR set 2: 48 beams, 3500 gates, 128 Doppler"},
    {"CFAR3", 48, 64, 1909, 128, "HPEC Challenge CFAR set 3: 48 beams, 1909 gates, 64 Doppler"},
    {"CFAR4", 16, 16, 9900, 128, "HPEC Challenge CFAR set 4: 16 beams, 9900 gates, 16 Doppler"},
    {"FDFIR1", 1, 64, 4096, 128, "HPEC Challenge FDFIR set 1: 64 filters, N 4096, K 128"},
    {"FDFIR2", 1, 20, 1024, 12, "HPEC Challenge FDFIR set 2: 20 filters, N 1024, K 12"},
};
enum { NUM_WORKLOADS = sizeof workloads / sizeof workloads[0] };

/* Shapes named on the command line (--workload CxPxN[/L]): for tables of time against N, P
 * and C. L defaults to N/8, the proportion of M. */
enum { MAX_CUSTOM = 32, MAX_LOADS = NUM_WORKLOADS + MAX_CUSTOM };
static workload custom[MAX_CUSTOM];
static char custom_names[MAX_CUSTOM][48];
static size_t num_custom;

/* On an OpenCL device that is a CPU (PoCL), workloads above this many samples per CPI run only
 * when named: --workload all stays within a few minutes there. */
#define CPU_DEVICE_MAX_SAMPLES 3000000.0

enum { DISTINCT_CPIS = 4, MAX_BACKENDS = 2 };

static const char usage_text[] =
    "usage: triad bench [--workload NAME|CxPxN[/L][,...]|all] [--backend fftw|opencl|auto|all]\n"
    "                   [--cpis K] [--warmup W] [--datatype ci16_le|cf32_le] [--json FILE]\n"
    "                   [--plot FILE.png] [--clock wall|cpu] [--list] [--traffic]\n"
    "                   [processing options]\n"
    "  times the chain per CPI (median and p99 after warm-up) on seeded simulated data with\n"
    "  targets, per workload and backend, against a floor measured in the same run: FFTW's own\n"
    "  batched transforms (fftw), the fused design's minimal bytes at the device's measured\n"
    "  bandwidth (opencl). Defaults: workload M, backend all (fftw, and opencl when there is a\n"
    "  device), ci16_le, 3 warm-up CPIs, 50 timed CPIs (10 on an OpenCL CPU device, where\n"
    "  workloads over 3 Msamples per CPI run only when named). --list shows the workloads.\n"
    "  OpenCL runs are profiled: stage columns are device times; then the copies, and a\n"
    "  streaming run (all slots busy; small CPIs batched) with its copy/compute overlap.\n"
    "  --clock cpu times CPIs and floors in process CPU time (stage columns stay wall time):\n"
    "  on a shared machine, with --threads 1, it counts this process's work only.\n"
    "  With opencl, and alone with --traffic (no device, no timing): the OpenCL kernels' bytes\n"
    "  read and written per CPI from launch geometry, against the fused minimum (raw cube read\n"
    "  once, power map written once).\n";

/* --clock cpu: CPU seconds of the whole process instead of wall time, for the CPI and floor
 * timings; on a machine shared with other work (and with --threads 1, where no thread waits)
 * it counts only this process's own work. */
static int use_cpu_clock;

static double bench_now(void)
{
    return triad_bench_now(use_cpu_clock ? TRIAD_BENCH_CLOCK_CPU : TRIAD_BENCH_CLOCK_WALL);
}

static double samples_of(const workload *w)
{
    return (double)w->channels * (double)w->pulses * (double)w->samples;
}

typedef struct {
    const workload *w;
    char backend[16];      /* requested: fftw, opencl, auto */
    char ran[16];          /* what the chain ran on */
    char device[128];      /* "CPU (FFTW)" or the OpenCL device */
    int skipped;
    char note[256];        /* why skipped */
    int cpis;
    size_t pulse_samples, nfft;
    double create_s;       /* chain create (planning, kernel builds) */
    double median_s, p99_s, mean_s, min_s, max_s;
    double stage_s[4];     /* medians: range, doppler, cfar, extract */
    int profiled;          /* opencl: device times from events (below) */
    double h2d_s, d2h_s;   /* opencl: mean device time of the copies per CPI */
    int stream_cpis;       /* opencl: the streaming run */
    size_t batch, slots;
    double stream_s;       /* wall time per CPI, streaming */
    double stream_stage_s[4], stream_h2d_s, stream_d2h_s; /* device time per CPI, streaming */
    double overlap;        /* share of the copy time that ran while kernels ran, streaming */
    char floor_kind[16];   /* "fftw" or "bandwidth" */
    double floor_s;
    double floor_part_s[3]; /* fftw: range, doppler; bandwidth: up, device, down */
    double floor_bytes[3];  /* bandwidth: bytes up, on the device, down */
    double dets_per_cpi;
    int targets, targets_found;
} result;

typedef struct {
    int ok;
    triad_bench_bandwidth bw;
    char note[256];
} cl_floor;

/* ---- floors (include/triad/bench.h) -------------------------------------------------------- */

static triad_bench_shape shape_of(const workload *w)
{
    return (triad_bench_shape){w->channels, w->pulses, w->samples, w->pulse_samples};
}

static void set_floor(result *r, const triad_bench_floor *f)
{
    snprintf(r->floor_kind, sizeof r->floor_kind, "%s", f->kind);
    r->floor_s = f->total_s;
    memcpy(r->floor_part_s, f->part_s, sizeof r->floor_part_s);
    memcpy(r->floor_bytes, f->bytes, sizeof r->floor_bytes);
}

/* ---- one workload on one backend ---------------------------------------------------------- */

/* The scene of a workload: three targets at 20, 50 and 80 % of the fully compressed range
 * span, -10, -15 and -20 dB per sample before the compression and Doppler gain L x P; where
 * that gain is below S's (128 x 64), the targets are raised by the difference, so that they
 * stand out of the map as much as in S (29, 24 and 19 dB before window losses). */
static double snr_offset_db(const workload *w)
{
    const double gain_db = 10.0 * log10((double)w->pulse_samples * (double)w->pulses);
    return fmax(0.0, 10.0 * log10(128.0 * 64.0) - gain_db);
}

static void workload_scene(const workload *w, triad_format format, triad_scene *s)
{
    triad_scene_default(s);
    s->radar.format = format;
    s->radar.num_channels = w->channels;
    s->radar.pulses_per_cpi = w->pulses;
    s->radar.samples_per_pulse = w->samples;
    s->radar.sample_rate_hz = 20e6;
    s->radar.waveform.bandwidth_hz = 10e6;
    s->radar.waveform.pulse_width_s = (double)w->pulse_samples / 20e6;
    s->radar.pri_s = ceil((double)w->samples / 20e6 * 1e6 + 50.0) * 1e-6;
    s->num_cpis = DISTINCT_CPIS;
    const double rmax = 0.5 * 299792458.0 * (double)(w->samples - w->pulse_samples) / 20e6;
    s->num_targets = 3;
    const double up = snr_offset_db(w);
    s->targets[0] = (triad_sim_target){0.2 * rmax, -25.0, -10.0 + up};
    s->targets[1] = (triad_sim_target){0.5 * rmax, 40.0, -15.0 + up};
    s->targets[2] = (triad_sim_target){0.8 * rmax, 10.0, -20.0 + up};
}

/* How many of the scene's targets a detection lies near (2 range bins, 1.5 velocity bins,
 * velocity modulo the unambiguous span), in CPI k. */
static int targets_found(const triad_scene *s, const triad_detection *d, size_t n, uint64_t k)
{
    triad_geometry g;
    triad_recording_geometry(&s->radar, s->radar.samples_per_pulse, &g);
    const double span = 2.0 * g.unambiguous_velocity_mps; /* lambda / (2 PRI) */
    const double t_s = ((double)k * (double)s->radar.pulses_per_cpi +
                        0.5 * (double)(s->radar.pulses_per_cpi - 1)) * s->radar.pri_s;
    int found = 0;
    for (size_t j = 0; j < s->num_targets; j++) {
        const triad_sim_target *t = &s->targets[j];
        const double range_m = t->range_m + t->velocity_mps * t_s;
        for (size_t i = 0; i < n; i++) {
            double dv = fmod(fabs(d[i].velocity_mps - t->velocity_mps), span);
            dv = fmin(dv, span - dv);
            if (fabs(d[i].range_m - range_m) <= 2.0 * g.range_bin_m &&
                dv <= 1.5 * g.velocity_bin_mps) {
                found++;
                break;
            }
        }
    }
    return found;
}

/* total CPIs streamed through every slot (round robin, all busy, then a drain), as triad
 * process does. Returns 0 or a triad error. */
static int stream_cpis(triad_chain *chain, void *const *raw, size_t bytes, triad_detection *d,
                       uint64_t total)
{
    const size_t slots = triad_chain_slots(chain);
    uint64_t submitted = 0, collected = 0;
    while (collected < total) {
        if (submitted < total && submitted - collected < slots) {
            const size_t slot = (size_t)(submitted % slots);
            memcpy(triad_chain_input(chain, slot), raw[submitted % DISTINCT_CPIS], bytes);
            if (triad_chain_submit(chain, slot, submitted))
                return -1;
            submitted++;
            continue;
        }
        triad_chain_stats st;
        if (triad_chain_collect(chain, (size_t)(collected % slots), d, &st))
            return -1;
        collected++;
    }
    return 0;
}

/* Streaming, so that small CPIs go in batches: after one untimed round of the slots (a device
 * compiler may specialise kernels for the batch's sizes), at least `cpis` CPIs and two rounds
 * of the slots, in whole batches. Fills the stream_* fields of r. Returns 0 or a triad error. */
static int stream_run(triad_chain *chain, void *const *raw, size_t bytes, triad_detection *d,
                      int cpis, result *r)
{
    const size_t slots = triad_chain_slots(chain);
    triad_chain_profile p0, p1;
    triad_chain_profile_get(chain, &p0);
    const uint64_t b = p0.batch ? p0.batch : 1;
    uint64_t total = (uint64_t)cpis > 2 * slots ? (uint64_t)cpis : 2 * slots;
    total = (total + b - 1) / b * b;
    if (stream_cpis(chain, raw, bytes, d, slots))
        return -1;
    triad_chain_profile_get(chain, &p0);
    const double t0 = triad_clock_s();
    if (stream_cpis(chain, raw, bytes, d, total))
        return -1;
    r->stream_s = (triad_clock_s() - t0) / (double)total;
    triad_chain_profile_get(chain, &p1);
    r->stream_cpis = (int)total;
    r->batch = p1.batch;
    r->slots = slots;
    const double n = p1.cpis > p0.cpis ? (double)(p1.cpis - p0.cpis) : NAN;
    for (int i = 0; i < 4; i++)
        r->stream_stage_s[i] = (p1.stage_s[i] - p0.stage_s[i]) / n;
    r->stream_h2d_s = (p1.h2d_s - p0.h2d_s) / n;
    r->stream_d2h_s = (p1.d2h_s - p0.d2h_s) / n;
    const double copies = (p1.h2d_s - p0.h2d_s) + (p1.d2h_s - p0.d2h_s);
    r->overlap = p1.available && copies > 0.0 ? (p1.overlap_s - p0.overlap_s) / copies : NAN;
    return 0;
}

/* Returns 0 (measured or skipped with a note) or 1 after printing an error. */
static int bench_one(const workload *w, const char *backend, triad_format format, int cpis,
                     int warmup, triad_chain_cfg cfg, cl_floor *clf, result *res)
{
    memset(res, 0, sizeof *res);
    res->w = w;
    res->cpis = cpis;
    snprintf(res->backend, sizeof res->backend, "%s", backend);
    snprintf(res->ran, sizeof res->ran, "%s", backend);
    res->floor_s = NAN;
    triad_scene s;
    workload_scene(w, format, &s);
    triad_sim *sim = NULL;
    float complex *ref = NULL;
    size_t l = 0;
    triad_chain *chain = NULL;
    void *raw[DISTINCT_CPIS] = {0};
    triad_detection *d = NULL;
    double *times = NULL;
    int status = 1;
    if (triad_sim_create(&sim, &s) || triad_recording_waveform(&s.radar, &ref, &l)) {
        cli_error("bench", 1, "%s: %s", w->name, triad_errmsg());
        goto done;
    }
    res->pulse_samples = l;
    triad_recording_chain_cfg(&s.radar, ref, l, &cfg);
    cfg.backend = backend;
    cfg.profile_device = true; /* OpenCL: device times per stage; FFTW ignores it */
    const double tc = triad_clock_s();
    if (triad_chain_create(&chain, &cfg)) {
        if (strcmp(backend, "fftw") == 0) {
            cli_error("bench", 1, "%s: %s", w->name, triad_errmsg());
            goto done;
        }
        res->skipped = 1; /* a device that cannot take this workload: say so, go on */
        snprintf(res->note, sizeof res->note, "chain create failed: %s", triad_errmsg());
        status = 0;
        goto done;
    }
    res->create_s = triad_clock_s() - tc;
    snprintf(res->ran, sizeof res->ran, "%s", triad_chain_backend(chain));
    const int on_device = strcmp(res->ran, "opencl") == 0;
    if (on_device && clf->ok)
        snprintf(res->device, sizeof res->device, "%s", clf->bw.device);
    else
        snprintf(res->device, sizeof res->device, on_device ? "OpenCL device" : "CPU");

    const size_t bytes = triad_recording_cpi_bytes(&s.radar);
    for (int i = 0; i < DISTINCT_CPIS; i++) {
        raw[i] = malloc(bytes);
        if (!raw[i] || triad_sim_cpi(sim, (uint64_t)i, raw[i], NULL)) {
            cli_error("bench", 1, "%s: %s", w->name, raw[i] ? triad_errmsg() : "out of memory");
            goto done;
        }
    }
    const size_t max_dets = cfg.max_detections * w->channels;
    d = malloc(max_dets * sizeof *d);
    times = malloc(5 * (size_t)cpis * sizeof *times);
    if (!d || !times) {
        cli_error("bench", 1, "out of memory");
        goto done;
    }
    double *stage[4] = {times + cpis, times + 2 * cpis, times + 3 * cpis, times + 4 * cpis};
    size_t dets = 0, last_n = 0;
    uint64_t last_k = 0;
    triad_chain_profile p0, p1;
    for (int k = -warmup; k < cpis; k++) {
        const uint64_t index = (uint64_t)(k + warmup);
        triad_chain_stats st;
        if (k == 0)
            triad_chain_profile_get(chain, &p0);
        const double t0 = bench_now();
        if (triad_chain_execute(chain, raw[index % DISTINCT_CPIS], index, d, &st)) {
            cli_error("bench", 1, "%s on %s: %s", w->name, res->ran, triad_errmsg());
            goto done;
        }
        const double dt = bench_now() - t0;
        if (k < 0)
            continue;
        times[k] = dt;
        double st4[4];
        triad_chain_stage_times(chain, st4);
        for (int i = 0; i < 4; i++)
            stage[i][k] = st4[i];
        dets += st.detections;
        last_n = st.detections;
        last_k = index;
    }
    triad_chain_profile_get(chain, &p1);
    if (p1.available && p1.cpis > p0.cpis) {
        const double n = (double)(p1.cpis - p0.cpis);
        res->profiled = 1;
        res->h2d_s = (p1.h2d_s - p0.h2d_s) / n;
        res->d2h_s = (p1.d2h_s - p0.d2h_s) / n;
    }
    /* the targets of the last CPI: the simulator places them by CPI index modulo the cycle */
    res->targets = (int)s.num_targets;
    res->targets_found = targets_found(&s, d, last_n, last_k % DISTINCT_CPIS);
    if (on_device && stream_run(chain, raw, bytes, d, cpis, res)) {
        cli_error("bench", 1, "%s on %s, streaming: %s", w->name, res->ran, triad_errmsg());
        goto done;
    }
    res->dets_per_cpi = (double)dets / cpis;
    double sum = 0.0;
    for (int k = 0; k < cpis; k++)
        sum += times[k];
    res->mean_s = sum / cpis;
    res->median_s = triad_bench_percentile(times, (size_t)cpis, 0.5);
    res->p99_s = triad_bench_percentile(times, (size_t)cpis, 0.99);
    res->min_s = times[0];
    res->max_s = times[cpis - 1];
    for (int i = 0; i < 4; i++)
        res->stage_s[i] = triad_bench_percentile(stage[i], (size_t)cpis, 0.5);
    res->nfft = triad_bench_fftw_nfft(w->samples, l);
    triad_chain_destroy(chain); /* free its memory before the floor's */
    chain = NULL;
    const triad_bench_shape shape = shape_of(w);
    triad_bench_floor fl;
    if (on_device) {
        if (clf->ok) {
            triad_bench_bandwidth_floor(&shape, format, res->dets_per_cpi, &clf->bw, &fl);
            set_floor(res, &fl);
        }
    } else {
        const int threads = cfg.threads > 0 ? cfg.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
        if (triad_bench_fftw_floor(&shape, res->nfft, threads, cfg.fft_effort,
                                   cpis < 5 ? 5 : cpis,
                                   use_cpu_clock ? TRIAD_BENCH_CLOCK_CPU : TRIAD_BENCH_CLOCK_WALL,
                                   &fl)) {
            cli_error("bench", 1, "%s: %s", w->name, triad_errmsg());
            goto done;
        }
        set_floor(res, &fl);
    }
    status = 0;
done:
    for (int i = 0; i < DISTINCT_CPIS; i++)
        free(raw[i]);
    free(d);
    free(times);
    free(ref);
    triad_chain_destroy(chain);
    triad_sim_destroy(sim);
    return status;
}

static void add_num(cJSON *o, const char *key, double v);

/* ---- the OpenCL traffic model ---------------------------------------------------------------- */

static void workload_traffic(const workload *w, triad_format format, const triad_chain_cfg *cfg,
                             triad_bench_traffic *t)
{
    const triad_bench_shape shape = shape_of(w);
    triad_bench_traffic_model(&shape, format, cfg, t);
}

static void print_traffic(const workload *w, triad_format format, const triad_chain_cfg *cfg)
{
    triad_bench_traffic t;
    workload_traffic(w, format, cfg, &t);
    const double total = t.device_read + t.device_write;
    printf("%-6s opencl traffic per CPI: Nfft %zu", w->name, t.nfft);
    if (t.n1)
        printf(" (%zu x %zu)", t.n1, t.n2);
    printf(", range %s, doppler %s: %.2f MB read + %.2f MB written = %.2f MB; fused minimum "
           "%.2f MB; %.2fx\n",
           t.range, t.doppler_fused ? "fused" : "separate",
           t.device_read * 1e-6, t.device_write * 1e-6, total * 1e-6, t.fused_min * 1e-6,
           total / t.fused_min);
    for (size_t i = 0; i < t.count; i++)
        printf("         %-20s %2u launch%s %10.3f MB read %10.3f MB written\n", t.row[i].kernel,
               t.row[i].launches, t.row[i].launches == 1 ? "  " : "es", t.row[i].read_bytes * 1e-6,
               t.row[i].write_bytes * 1e-6);
}

/* The named workloads, then the CxPxN ones, as the bench runs them. */
static void print_traffic_chosen(const int chosen[NUM_WORKLOADS], triad_format format,
                                 const triad_chain_cfg *cfg)
{
    for (size_t i = 0; i < NUM_WORKLOADS; i++)
        if (chosen[i])
            print_traffic(&workloads[i], format, cfg);
    for (size_t i = 0; i < num_custom; i++)
        print_traffic(&custom[i], format, cfg);
}

static cJSON *traffic_json(const workload *w, triad_format format, const triad_chain_cfg *cfg)
{
    triad_bench_traffic t;
    workload_traffic(w, format, cfg, &t);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "workload", w->name);
    cJSON_AddNumberToObject(o, "nfft", (double)t.nfft);
    cJSON_AddNumberToObject(o, "four_step_n1", (double)t.n1);
    cJSON_AddNumberToObject(o, "four_step_n2", (double)t.n2);
    cJSON_AddStringToObject(o, "range", t.range);
    cJSON_AddBoolToObject(o, "doppler_fused", t.doppler_fused);
    cJSON *ks = cJSON_AddArrayToObject(o, "kernels");
    for (size_t i = 0; i < t.count; i++) {
        cJSON *k = cJSON_CreateObject();
        cJSON_AddStringToObject(k, "kernel", t.row[i].kernel);
        cJSON_AddNumberToObject(k, "launches", t.row[i].launches);
        cJSON_AddNumberToObject(k, "read_bytes", round(t.row[i].read_bytes));
        cJSON_AddNumberToObject(k, "write_bytes", round(t.row[i].write_bytes));
        cJSON_AddItemToArray(ks, k);
    }
    cJSON_AddNumberToObject(o, "device_read_bytes", round(t.device_read));
    cJSON_AddNumberToObject(o, "device_write_bytes", round(t.device_write));
    cJSON_AddNumberToObject(o, "fused_minimum_bytes", round(t.fused_min));
    add_num(o, "ratio_to_fused_minimum", (t.device_read + t.device_write) / t.fused_min);
    return o;
}

/* ---- the machine -------------------------------------------------------------------------- */

typedef struct {
    char host[256];
    char cpu[256];
    char kernel[256];
    long cores;
    double mem_gb;
    double load[3];
    char date[32];
} machine;

static void machine_info(machine *m)
{
    memset(m, 0, sizeof *m);
    gethostname(m->host, sizeof m->host - 1);
    m->cores = sysconf(_SC_NPROCESSORS_ONLN);
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    m->mem_gb = pages > 0 && page > 0 ? (double)pages * (double)page * 1e-9 : 0.0;
    if (getloadavg(m->load, 3) != 3)
        m->load[0] = m->load[1] = m->load[2] = NAN;
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(m->kernel, sizeof m->kernel, "%s %s %s", u.sysname, u.release, u.machine);
    snprintf(m->cpu, sizeof m->cpu, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            /* x86: "model name"; some ARM kernels: "Hardware" or "CPU part" only */
            if (strncmp(line, "model name", 10) && strncmp(line, "Hardware", 8))
                continue;
            const char *v = strchr(line, ':');
            if (!v)
                continue;
            for (v++; *v == ' ' || *v == '\t'; v++) {}
            snprintf(m->cpu, sizeof m->cpu, "%s", v);
            m->cpu[strcspn(m->cpu, "\r\n")] = '\0';
            break;
        }
        fclose(f);
    }
    const time_t now = time(NULL);
    strftime(m->date, sizeof m->date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
}

/* ---- output ------------------------------------------------------------------------------- */

static const char *stage_names[4] = {"range", "doppler", "cfar", "extract"};

static double ms(double s) { return s * 1e3; }

static void print_header(void)
{
    printf("\n%-6s %-7s %-12s %5s %4s %9s %9s %8s %7s | %6s %6s %6s %6s | %9s %7s | %6s %5s\n",
           "load", "backend", "C x P x N", "L", "CPIs", "median ms", "p99 ms", "Msamp/s",
           "in GB/s", "range", "dopplr", "cfar", "extrct", "floor ms", "x floor", "dets",
           "found");
}

static void print_row(const result *r, triad_format format)
{
    char shape[40];
    snprintf(shape, sizeof shape, "%zux%zux%zu", r->w->channels, r->w->pulses, r->w->samples);
    if (r->skipped) {
        printf("%-6s %-7s %-12s %5zu  skipped: %s\n", r->w->name, r->backend, shape,
               r->w->pulse_samples, r->note);
        return;
    }
    const double n = samples_of(r->w);
    char floor_ms[16] = "-", ratio[16] = "-";
    if (isfinite(r->floor_s)) {
        snprintf(floor_ms, sizeof floor_ms, "%.3f", ms(r->floor_s));
        snprintf(ratio, sizeof ratio, "%.2f", r->median_s / r->floor_s);
    }
    printf("%-6s %-7s %-12s %5zu %4d %9.3f %9.3f %8.1f %7.3f | %6.2f %6.2f %6.2f %6.2f | %9s %7s "
           "| %6.1f %2d/%d\n",
           r->w->name, r->ran, shape, r->pulse_samples, r->cpis, ms(r->median_s), ms(r->p99_s),
           n / r->median_s * 1e-6, n * (double)triad_format_bytes(format) / r->median_s * 1e-9,
           ms(r->stage_s[0]), ms(r->stage_s[1]), ms(r->stage_s[2]), ms(r->stage_s[3]), floor_ms,
           ratio, r->dets_per_cpi, r->targets_found, r->targets);
    if (r->profiled)
        printf("       device per CPI: up %.3f ms, down %.3f ms (stages above: kernel time)\n",
               ms(r->h2d_s), ms(r->d2h_s));
    if (r->stream_cpis)
        printf("       streaming %d CPIs, %zu slots, batch %zu: %.3f ms/CPI (%.1f Msamp/s); "
               "device per CPI: range %.3f doppler %.3f cfar %.3f extract %.3f up %.3f down "
               "%.3f ms; copy/compute overlap %.0f%%\n",
               r->stream_cpis, r->slots, r->batch, ms(r->stream_s), n / r->stream_s * 1e-6,
               ms(r->stream_stage_s[0]), ms(r->stream_stage_s[1]), ms(r->stream_stage_s[2]),
               ms(r->stream_stage_s[3]), ms(r->stream_h2d_s), ms(r->stream_d2h_s),
               100.0 * r->overlap);
    fflush(stdout);
}

/* A number rounded to 6 significant digits (short JSON), or null when not finite. */
static void add_num(cJSON *o, const char *key, double v)
{
    if (!isfinite(v)) {
        cJSON_AddNullToObject(o, key);
        return;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%.6g", v);
    cJSON_AddNumberToObject(o, key, strtod(buf, NULL));
}

static cJSON *result_json(const result *r, triad_format format)
{
    cJSON *o = cJSON_CreateObject();
    const workload *w = r->w;
    const double n = samples_of(w);
    cJSON_AddStringToObject(o, "workload", w->name);
    cJSON_AddStringToObject(o, "origin", w->origin);
    cJSON_AddNumberToObject(o, "channels", (double)w->channels);
    cJSON_AddNumberToObject(o, "pulses", (double)w->pulses);
    cJSON_AddNumberToObject(o, "samples", (double)w->samples);
    cJSON_AddNumberToObject(o, "pulse_samples", (double)(r->pulse_samples ? r->pulse_samples
                                                                          : w->pulse_samples));
    cJSON_AddNumberToObject(o, "samples_per_cpi", n);
    cJSON_AddNumberToObject(o, "input_bytes_per_cpi", n * (double)triad_format_bytes(format));
    cJSON_AddStringToObject(o, "backend_requested", r->backend);
    if (r->skipped) {
        cJSON_AddBoolToObject(o, "skipped", 1);
        cJSON_AddStringToObject(o, "note", r->note);
        return o;
    }
    cJSON_AddStringToObject(o, "backend", r->ran);
    cJSON_AddStringToObject(o, "device", r->device);
    cJSON_AddNumberToObject(o, "nfft_fftw", (double)r->nfft);
    cJSON_AddNumberToObject(o, "cpis", r->cpis);
    add_num(o, "chain_create_ms", ms(r->create_s));
    add_num(o, "median_ms", ms(r->median_s));
    add_num(o, "p99_ms", ms(r->p99_s));
    add_num(o, "mean_ms", ms(r->mean_s));
    add_num(o, "min_ms", ms(r->min_s));
    add_num(o, "max_ms", ms(r->max_s));
    add_num(o, "msamples_per_s", n / r->median_s * 1e-6);
    add_num(o, "input_gb_per_s", n * (double)triad_format_bytes(format) / r->median_s * 1e-9);
    cJSON *lat = cJSON_AddObjectToObject(o, "latency");
    add_num(lat, "median_ms", ms(r->median_s));
    add_num(lat, "p99_ms", ms(r->p99_s));
    cJSON_AddStringToObject(lat, "note", "raw CPI in host memory to its detections in host "
                                         "memory; triad_chain_execute is synchronous, so this "
                                         "is the time per CPI");
    cJSON *st = cJSON_AddObjectToObject(o, "stage_median_ms");
    for (int i = 0; i < 4; i++)
        add_num(st, stage_names[i], ms(r->stage_s[i]));
    if (strcmp(r->ran, "opencl") == 0)
        cJSON_AddStringToObject(st, "note", r->profiled
                                                ? "opencl: device (kernel) time per stage from "
                                                  "CL event profiling; copies in device_copies_ms"
                                                : "opencl: as the backend reports them; a stage "
                                                  "it does not time on its own reads 0 and is "
                                                  "counted in the one before it");
    if (r->profiled) {
        cJSON *dc = cJSON_AddObjectToObject(o, "device_copies_ms");
        add_num(dc, "h2d", ms(r->h2d_s));
        add_num(dc, "d2h", ms(r->d2h_s));
        cJSON_AddStringToObject(dc, "note", "mean per CPI over the timed CPIs, CL event "
                                            "profiling");
    }
    if (r->stream_cpis) {
        cJSON *sj = cJSON_AddObjectToObject(o, "stream");
        cJSON_AddNumberToObject(sj, "cpis", r->stream_cpis);
        cJSON_AddNumberToObject(sj, "slots", (double)r->slots);
        cJSON_AddNumberToObject(sj, "batch", (double)r->batch);
        add_num(sj, "ms_per_cpi", ms(r->stream_s));
        add_num(sj, "msamples_per_s", n / r->stream_s * 1e-6);
        cJSON *dj = cJSON_AddObjectToObject(sj, "device_ms_per_cpi");
        for (int i = 0; i < 4; i++)
            add_num(dj, stage_names[i], ms(r->stream_stage_s[i]));
        add_num(dj, "h2d", ms(r->stream_h2d_s));
        add_num(dj, "d2h", ms(r->stream_d2h_s));
        add_num(sj, "copy_compute_overlap", r->overlap);
        cJSON_AddStringToObject(sj, "note", "every slot busy, round robin, then a drain (as "
                                            "triad process); wall time per CPI; overlap: the "
                                            "share of the copy time during which kernels ran");
    }
    cJSON *fl = cJSON_AddObjectToObject(o, "floor");
    cJSON_AddStringToObject(fl, "kind", r->floor_kind[0] ? r->floor_kind : "none");
    add_num(fl, "ms", ms(r->floor_s));
    add_num(fl, "msamples_per_s", n / r->floor_s * 1e-6);
    if (strcmp(r->floor_kind, "fftw") == 0) {
        add_num(fl, "range_fft_ms", ms(r->floor_part_s[0]));
        add_num(fl, "doppler_fft_ms", ms(r->floor_part_s[1]));
    } else if (strcmp(r->floor_kind, "bandwidth") == 0) {
        cJSON_AddNumberToObject(fl, "upload_bytes", round(r->floor_bytes[0]));
        cJSON_AddNumberToObject(fl, "device_bytes", round(r->floor_bytes[1]));
        cJSON_AddNumberToObject(fl, "download_bytes", round(r->floor_bytes[2]));
        add_num(fl, "upload_ms", ms(r->floor_part_s[0]));
        add_num(fl, "device_ms", ms(r->floor_part_s[1]));
        add_num(fl, "download_ms", ms(r->floor_part_s[2]));
    }
    add_num(o, "ratio_to_floor", r->median_s / r->floor_s);
    add_num(o, "detections_per_cpi", r->dets_per_cpi);
    cJSON_AddNumberToObject(o, "targets", r->targets);
    cJSON_AddNumberToObject(o, "targets_found_last_cpi", r->targets_found);
    return o;
}

static int write_json(const char *path, const machine *m, const triad_chain_cfg *cfg,
                      triad_format format, int warmup, const cl_floor *clf,
                      const triad_device_info *devs, size_t ndevs, const result *res,
                      size_t nres)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "tool", "triad bench");
    cJSON_AddStringToObject(root, "commit", TRIAD_GIT_COMMIT);
    cJSON_AddStringToObject(root, "date", m->date);
    cJSON *mj = cJSON_AddObjectToObject(root, "machine");
    cJSON_AddStringToObject(mj, "host", m->host);
    cJSON_AddStringToObject(mj, "cpu_model", m->cpu);
    cJSON_AddNumberToObject(mj, "cores", (double)m->cores);
    add_num(mj, "memory_gb", m->mem_gb);
    cJSON_AddStringToObject(mj, "kernel", m->kernel);
    cJSON *la = cJSON_AddArrayToObject(mj, "load_average_at_start");
    for (int i = 0; i < 3; i++)
        cJSON_AddItemToArray(la, isfinite(m->load[i])
                                     ? cJSON_CreateNumber(round(m->load[i] * 100.0) / 100.0)
                                     : cJSON_CreateNull());
    cJSON_AddStringToObject(mj, "fftw", triad_bench_fftw_version());
    cJSON_AddStringToObject(mj, "compiler_version", __VERSION__);
    cJSON *dj = cJSON_AddArrayToObject(root, "opencl_devices");
    for (size_t i = 0; i < ndevs; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "index", (double)devs[i].index);
        cJSON_AddStringToObject(o, "name", devs[i].name);
        cJSON_AddStringToObject(o, "platform", devs[i].platform);
        cJSON_AddStringToObject(o, "version", devs[i].version);
        cJSON_AddStringToObject(o, "type",
                                devs[i].is_gpu ? "GPU" : devs[i].is_cpu ? "CPU" : "other");
        cJSON_AddNumberToObject(o, "compute_units", devs[i].compute_units);
        cJSON_AddNumberToObject(o, "global_mem_bytes", (double)devs[i].global_mem_bytes);
        cJSON_AddItemToArray(dj, o);
    }
    cJSON *sj = cJSON_AddObjectToObject(root, "settings");
    cJSON_AddStringToObject(sj, "datatype", triad_format_name(format));
    cJSON_AddNumberToObject(sj, "warmup_cpis", warmup);
    cJSON_AddNumberToObject(sj, "distinct_cpis", DISTINCT_CPIS);
    cJSON_AddNumberToObject(sj, "threads", cfg->threads);
    cJSON_AddStringToObject(sj, "clock", use_cpu_clock ? "process cpu" : "wall");
    cJSON_AddStringToObject(sj, "fft_effort", cfg->fft_effort == TRIAD_FFT_ESTIMATE ? "estimate"
                                              : cfg->fft_effort == TRIAD_FFT_PATIENT ? "patient"
                                                                                     : "measure");
    cJSON_AddStringToObject(sj, "cfar", triad_cfar_name(cfg->cfar.type));
    add_num(sj, "pfa", cfg->cfar.pfa);
    cJSON_AddNumberToObject(sj, "mti", cfg->mti_pulses);
    cJSON_AddStringToObject(sj, "scene", "fs 20 MHz, 10 MHz LFM, PRI = receive window + 50 us, "
                                         "3 targets at 20/50/80 % of range, -10/-15/-20 dB per "
                                         "sample (raised where L x P < 128 x 64), unit noise, "
                                         "seed 1");
    cJSON *fj = cJSON_AddObjectToObject(root, "opencl_bandwidth");
    if (clf->ok) {
        cJSON_AddStringToObject(fj, "device", clf->bw.device);
        cJSON_AddStringToObject(fj, "platform", clf->bw.platform);
        cJSON_AddBoolToObject(fj, "is_gpu", clf->bw.is_gpu);
        cJSON_AddNumberToObject(fj, "buffer_bytes", (double)clf->bw.copy_bytes);
        add_num(fj, "copy_gb_per_s", clf->bw.copy_bytes_per_s * 1e-9);
        add_num(fj, "h2d_pinned_gb_per_s", clf->bw.h2d_bytes_per_s * 1e-9);
        add_num(fj, "d2h_pinned_gb_per_s", clf->bw.d2h_bytes_per_s * 1e-9);
        cJSON_AddStringToObject(fj, "note", "copy counts bytes read plus bytes written; best of "
                                            "5 after a warm-up");
    } else {
        cJSON_AddStringToObject(fj, "note", clf->note[0] ? clf->note
                                                          : "not measured (no OpenCL backend "
                                                            "in this run)");
    }
    cJSON *rj = cJSON_AddArrayToObject(root, "results");
    for (size_t i = 0; i < nres; i++)
        cJSON_AddItemToArray(rj, result_json(&res[i], format));
    cJSON *tj = cJSON_AddObjectToObject(root, "opencl_traffic_model");
    cJSON_AddStringToObject(tj, "note", "bytes per CPI each kernel reads and writes in device "
                                        "memory, from launch geometry (proc/opencl/traffic_cl.h); "
                                        "copies apart; fused minimum = raw cube read once + "
                                        "power map written once");
    cJSON *tw = cJSON_AddArrayToObject(tj, "workloads");
    for (size_t i = 0; i < nres; i++)
        if (i == 0 || res[i].w != res[i - 1].w)
            cJSON_AddItemToArray(tw, traffic_json(res[i].w, format, cfg));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return cli_error("bench", 1, "--json %s: out of memory", path);
    FILE *f = fopen(path, "w");
    int status = 0;
    if (!f || fputs(text, f) < 0 || fputc('\n', f) < 0)
        status = cli_error("bench", 1, "--json %s: cannot write", path);
    if (f && fclose(f) != 0 && status == 0)
        status = cli_error("bench", 1, "--json %s: cannot write", path);
    cJSON_free(text);
    return status;
}

/* Throughput per workload (groups) and backend (series), the floor as a marker. */
static int write_plot(const char *path, const machine *m, const result *res, size_t nres)
{
    const char *gname[MAX_LOADS], *gnote[MAX_LOADS], *sname[MAX_BACKENDS];
    char notes[MAX_LOADS][40], labels[MAX_LOADS * MAX_BACKENDS][16];
    double val[MAX_LOADS * MAX_BACKENDS], mark[MAX_LOADS * MAX_BACKENDS];
    const char *lab[MAX_LOADS * MAX_BACKENDS];
    size_t ng = 0, ns = 0;
    for (size_t i = 0; i < nres; i++) { /* series: the backends that measured something */
        if (res[i].skipped)
            continue;
        size_t s = 0;
        while (s < ns && strcmp(sname[s], res[i].backend))
            s++;
        if (s == ns && ns < MAX_BACKENDS)
            sname[ns++] = res[i].backend;
    }
    for (size_t i = 0; i < MAX_LOADS * MAX_BACKENDS; i++) {
        val[i] = mark[i] = NAN;
        lab[i] = NULL;
    }
    for (size_t i = 0; i < nres; i++) {
        size_t g = 0;
        while (g < ng && strcmp(gname[g], res[i].w->name))
            g++;
        if (g == ng) {
            gname[ng] = res[i].w->name;
            snprintf(notes[ng], sizeof notes[ng], "%zux%zux%zu", res[i].w->channels,
                     res[i].w->pulses, res[i].w->samples);
            gnote[ng] = notes[ng];
            ng++;
        }
        size_t s = 0;
        while (s < ns && strcmp(sname[s], res[i].backend))
            s++;
        if (s == ns)
            continue;
        const size_t k = g * ns + s;
        if (res[i].skipped) {
            lab[k] = "skipped";
            continue;
        }
        const double n = samples_of(res[i].w);
        val[k] = n / res[i].median_s * 1e-6;
        if (isfinite(res[i].floor_s) && res[i].floor_s > 0.0) {
            mark[k] = n / res[i].floor_s * 1e-6;
            const double ratio = res[i].median_s / res[i].floor_s;
            snprintf(labels[k], sizeof labels[k], ratio < 10.0 ? "%.1fx" : "%.0fx", ratio);
            lab[k] = labels[k];
        }
    }
    /* series names in the legend: what each ran on */
    char legend[MAX_BACKENDS][160];
    const char *lname[MAX_BACKENDS];
    for (size_t s = 0; s < ns; s++) {
        const char *dev = "";
        for (size_t i = 0; i < nres; i++)
            if (!res[i].skipped && strcmp(res[i].backend, sname[s]) == 0) {
                dev = res[i].device;
                break;
            }
        snprintf(legend[s], sizeof legend[s], "%s%s%.40s%s%s", sname[s], *dev ? " (" : "", dev,
                 strlen(dev) > 40 ? "..." : "", *dev ? ")" : "");
        lname[s] = legend[s];
    }
    char title[256];
    snprintf(title, sizeof title, "triad bench: %.64s, %ld cores, %.10s", m->host, m->cores,
             m->date);
    const triad_barplot plot = {
        .title = title,
        .y_label = "throughput, Msamples/s (median CPI)",
        .groups = ng,
        .series = ns,
        .group_names = gname,
        .group_notes = gnote,
        .series_names = lname,
        .values = val,
        .markers = mark,
        .marker_name = "floor (label: time / floor)",
        .bar_labels = lab,
        .log_scale = -1,
    };
    if (ng == 0 || ns == 0) {
        fprintf(stderr, "triad bench: --plot %s: nothing was measured, no picture written\n",
                path);
        return 0;
    }
    if (triad_barplot_png_write(path, &plot))
        return cli_error("bench", 1, "--plot: %s", triad_errmsg());
    return 0;
}

static void list_workloads(void)
{
    printf("%-7s %-14s %6s %12s  %s\n", "name", "C x P x N", "L", "samples/CPI", "origin");
    for (size_t i = 0; i < NUM_WORKLOADS; i++) {
        const workload *w = &workloads[i];
        char shape[40];
        snprintf(shape, sizeof shape, "%zux%zux%zu", w->channels, w->pulses, w->samples);
        printf("%-7s %-14s %6zu %12.0f  %s\n", w->name, shape, w->pulse_samples, samples_of(w),
               w->origin);
    }
}

/* Parse "all" or a comma-separated list of names into chosen[] (and named[]: asked by name).
 * Returns 0 or 2 after printing why. */
static int parse_workloads(const char *arg, int chosen[NUM_WORKLOADS], int named[NUM_WORKLOADS])
{
    memset(chosen, 0, NUM_WORKLOADS * sizeof *chosen);
    memset(named, 0, NUM_WORKLOADS * sizeof *named);
    char buf[256];
    if (strlen(arg) >= sizeof buf)
        return cli_error("bench", 2, "option --workload: list too long");
    snprintf(buf, sizeof buf, "%s", arg);
    int any = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (strcasecmp(tok, "all") == 0) {
            for (size_t i = 0; i < NUM_WORKLOADS; i++)
                chosen[i] = 1;
            any = 1;
            continue;
        }
        size_t i = 0;
        while (i < NUM_WORKLOADS && strcasecmp(workloads[i].name, tok))
            i++;
        size_t c, p, n, l = 0;
        int used = 0, used_l = 0, shape = 0;
        /* CxPxN, or CxPxN/L: %n after the third field says which (one sscanf with both
           forms would stop at N and never read L). */
        if (i == NUM_WORKLOADS && sscanf(tok, "%zux%zux%zu%n", &c, &p, &n, &used) == 3) {
            if (tok[used] == '\0') {
                shape = 1;
                l = n / 8 ? n / 8 : 1;
            } else if (tok[used] == '/' && tok[used + 1] >= '0' && tok[used + 1] <= '9' &&
                       sscanf(tok + used + 1, "%zu%n", &l, &used_l) == 1 &&
                       tok[used + 1 + used_l] == '\0') {
                shape = 1;
            }
        }
        if (shape) {
            if (c < 1 || c > 4096 || p < 1 || p > 65536 || n < 2 || n > (1u << 24) || l < 1 ||
                l > n)
                return cli_error("bench", 2, "option --workload: shape '%s' out of range "
                                             "(C 1..4096, P 1..65536, N 2..16777216, L 1..N)",
                                 tok);
            if (num_custom == MAX_CUSTOM)
                return cli_error("bench", 2, "option --workload: more than %d shapes",
                                 MAX_CUSTOM);
            snprintf(custom_names[num_custom], sizeof custom_names[num_custom], "%zux%zux%zu",
                     c, p, n);
            custom[num_custom] = (workload){custom_names[num_custom], c, p, n, l,
                                            "shape named on the command line"};
            num_custom++;
            any = 1;
            continue;
        }
        if (i == NUM_WORKLOADS)
            return cli_error("bench", 2,
                             "option --workload: '%s' is not a workload (triad bench --list), "
                             "a shape CxPxN[/L], nor all",
                             tok);
        chosen[i] = named[i] = any = 1;
    }
    if (!any)
        return cli_error("bench", 2, "option --workload: empty list");
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    static const struct option own[] = {
        {"workload", required_argument, NULL, 'w'}, {"cpis", required_argument, NULL, 'k'},
        {"datatype", required_argument, NULL, 'd'}, {"json", required_argument, NULL, 'j'},
        {"plot", required_argument, NULL, 'p'},     {"backend", required_argument, NULL, 'b'},
        {"warmup", required_argument, NULL, 'u'},   {"list", no_argument, NULL, 'l'},
        {"clock", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},           {"traffic", no_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    struct option all[48];
    cli_merge_options(own, all, 48); /* our --backend comes first and wins */
    triad_chain_cfg cfg = triad_chain_cfg_default();
    const char *which = "M", *json_path = NULL, *plot_path = NULL, *backend = "all";
    triad_format format = TRIAD_FORMAT_CI16_LE;
    long cpis = 0, warmup = 3;
    int c, traffic_only = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "w:k:d:j:p:b:u:c:lht", all, NULL)) != -1) {
        switch (c) {
        case 'c':
            if (strcmp(optarg, "wall") && strcmp(optarg, "cpu"))
                return cli_error("bench", 2, "option --clock: '%s' is not wall or cpu", optarg);
            use_cpu_clock = strcmp(optarg, "cpu") == 0;
            break;
        case 'w': which = optarg; break;
        case 'k':
            if (cli_long("bench", "--cpis", optarg, 1, 100000, &cpis)) return 2;
            break;
        case 'u':
            if (cli_long("bench", "--warmup", optarg, 0, 1000, &warmup)) return 2;
            break;
        case 'd':
            if (strcmp(optarg, "ci16_le") == 0) format = TRIAD_FORMAT_CI16_LE;
            else if (strcmp(optarg, "cf32_le") == 0) format = TRIAD_FORMAT_CF32_LE;
            else return cli_error("bench", 2, "option --datatype: '%s' is not ci16_le or "
                                              "cf32_le", optarg);
            break;
        case 'b':
            if (strcmp(optarg, "fftw") && strcmp(optarg, "opencl") && strcmp(optarg, "auto") &&
                strcmp(optarg, "all"))
                return cli_error("bench", 2, "option --backend: '%s' is not fftw, opencl, "
                                             "auto or all", optarg);
            backend = optarg;
            break;
        case 'j': json_path = optarg; break;
        case 'p': plot_path = optarg; break;
        case 'l': list_workloads(); return 0;
        case 't': traffic_only = 1; break;
        case 'h': printf("%s\n%s", usage_text, cli_chain_usage); return 0;
        case '?': return cli_bad_option("bench", argv);
        default:
            if (cli_chain_option("bench", c, optarg, &cfg)) return 2;
        }
    }
    if (optind != argc)
        return cli_error("bench", 2, "unexpected argument '%s'", argv[optind]);
    int chosen[NUM_WORKLOADS], named[NUM_WORKLOADS];
    if (parse_workloads(which, chosen, named))
        return 2;
    if (traffic_only) {
        print_traffic_chosen(chosen, format, &cfg);
        return 0;
    }

    /* The backends, and the OpenCL device's bandwidth when OpenCL may run. */
    const char *backends[MAX_BACKENDS];
    size_t nb = 0;
    if (strcmp(backend, "all") == 0) {
        backends[nb++] = "fftw";
        backends[nb++] = "opencl";
    } else {
        backends[nb++] = backend;
    }
    machine m;
    machine_info(&m);
    triad_device_info *devs = NULL;
    size_t ndevs = 0;
    cl_floor clf;
    memset(&clf, 0, sizeof clf);
    const int want_cl = strcmp(backend, "fftw") != 0;
    if (want_cl && triad_devices(&devs, &ndevs) != 0) {
        devs = NULL;
        ndevs = 0;
    }
    int any_gpu = 0;
    for (size_t i = 0; i < ndevs; i++)
        any_gpu |= devs[i].is_gpu;
    /* auto runs OpenCL only on a GPU (the chain's rule); measure where OpenCL will run */
    if (want_cl && ndevs == 0)
        snprintf(clf.note, sizeof clf.note, "no OpenCL device");
    if (want_cl && ndevs > 0 && (strcmp(backend, "auto") != 0 || any_gpu)) {
        if (triad_bench_bandwidth_measure(cfg.device, 0, &clf.bw) == 0)
            clf.ok = 1;
        else
            snprintf(clf.note, sizeof clf.note, "bandwidth not measured: %s", triad_errmsg());
    }
    const int cl_on_cpu = clf.ok && !clf.bw.is_gpu;

    printf("triad bench: %s, %ld warm-up CPIs, %s clock, host %s, %ld cores (%s), load %.2f, commit %s, %s\n",
           triad_format_name(format), warmup, use_cpu_clock ? "process CPU" : "wall", m.host, m.cores, m.cpu, m.load[0],
           TRIAD_GIT_COMMIT, m.date);
    if (clf.ok)
        printf("OpenCL device: %s (%s, %s): device copy %.2f GB/s (read + write), pinned "
               "host->device %.2f GB/s, device->host %.2f GB/s\n",
               clf.bw.device, clf.bw.platform, clf.bw.is_gpu ? "GPU" : "CPU",
               clf.bw.copy_bytes_per_s * 1e-9, clf.bw.h2d_bytes_per_s * 1e-9,
               clf.bw.d2h_bytes_per_s * 1e-9);
    else if (want_cl && strcmp(backend, "auto") != 0)
        printf("OpenCL: %s: the opencl backend is skipped\n",
               ndevs == 0 ? "no device" : clf.note);
    print_header();

    /* Wisdom is read before fftwf_init_threads: the threaded floor registers FFTW's thread
     * solvers, which changes the planner's signature, and FFTW refuses wisdom whose signature
     * differs. For the same reason bench never saves wisdom: a file written here could not be
     * read by triad process or run, whose planners have no thread solvers. */
    if (cli_wisdom_load("bench")) {
        triad_devices_free(devs);
        return 1;
    }
    if (triad_bench_threads_init()) {
        triad_devices_free(devs);
        return cli_error("bench", 1, "%s", triad_errmsg());
    }
    result *res = calloc(MAX_LOADS * MAX_BACKENDS, sizeof *res);
    if (!res) {
        triad_devices_free(devs);
        return cli_error("bench", 1, "out of memory");
    }
    size_t nres = 0;
    int status = 0;
    for (size_t i = 0; i < NUM_WORKLOADS + num_custom && status == 0; i++) {
        if (i < NUM_WORKLOADS && !chosen[i])
            continue;
        const workload *w = i < NUM_WORKLOADS ? &workloads[i] : &custom[i - NUM_WORKLOADS];
        for (size_t b = 0; b < nb; b++) {
            result *r = &res[nres];
            const int is_cl = strcmp(backends[b], "opencl") == 0;
            const int cl_runs = is_cl || (strcmp(backends[b], "auto") == 0 && clf.ok);
            if (is_cl && !clf.ok) {
                memset(r, 0, sizeof *r);
                r->w = w;
                r->skipped = 1;
                snprintf(r->backend, sizeof r->backend, "opencl");
                snprintf(r->note, sizeof r->note, "%s",
                         ndevs == 0 ? "no OpenCL device" : clf.note);
                print_row(r, format);
                nres++;
                continue;
            }
            if (cl_runs && cl_on_cpu && samples_of(w) > CPU_DEVICE_MAX_SAMPLES &&
                i < NUM_WORKLOADS && !named[i]) {
                memset(r, 0, sizeof *r);
                r->w = w;
                r->skipped = 1;
                snprintf(r->backend, sizeof r->backend, "%s", backends[b]);
                snprintf(r->note, sizeof r->note,
                         "%.1f Msamples per CPI on a CPU OpenCL device: name it in --workload "
                         "to run it",
                         samples_of(w) * 1e-6);
                print_row(r, format);
                nres++;
                continue;
            }
            const int k = cpis ? (int)cpis : cl_runs && cl_on_cpu ? 10 : 50;
            if (bench_one(w, backends[b], format, k, (int)warmup, cfg, &clf, r)) {
                status = 1;
                break;
            }
            print_row(r, format);
            nres++;
        }
    }
    int ran_fftw = 0, ran_cl = 0;
    for (size_t i = 0; i < nres; i++) {
        ran_fftw |= !res[i].skipped && strcmp(res[i].ran, "fftw") == 0;
        ran_cl |= !res[i].skipped && strcmp(res[i].ran, "opencl") == 0;
    }
    printf("\nlatency (raw CPI in host memory -> detections in host memory) = time per CPI: "
           "triad_chain_execute is synchronous.\n");
    if (ran_fftw)
        printf("floor, fftw: FFTW's own batched transforms of the same sizes (range forward + "
               "inverse, Doppler), same plan effort and threads.\n");
    if (ran_cl)
        printf("floor, opencl: raw CPI up at pinned host->device speed + raw read, cube write "
               "and cube read at device copy speed + detections back.\n"
               "opencl stage times: device (kernel) time per stage from CL event profiling; the "
               "copies and a streaming run (batched when CPIs are small) on the lines below.\n");
    printf("p99 is the largest time when fewer than 100 CPIs are timed; found: simulated "
           "targets detected in the last CPI.\n");
    if (want_cl) {
        printf("\n");
        print_traffic_chosen(chosen, format, &cfg);
    }
    if (status == 0 && json_path)
        status = write_json(json_path, &m, &cfg, format, (int)warmup, &clf, devs, ndevs, res,
                            nres);
    if (status == 0 && plot_path)
        status = write_plot(plot_path, &m, res, nres);
    free(res);
    triad_devices_free(devs);
    triad_bench_threads_cleanup();
    return status;
}
