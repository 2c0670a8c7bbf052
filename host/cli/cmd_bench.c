/* triad bench: time the chain per CPI on named workloads and compare with the floor measured
 * in the same run: FFTW's own batched transforms of the same sizes (plans made the same way,
 * same threads). SPDX-License-Identifier: GPL-2.0-or-later */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "proc/backend.h"
#include "triad/sim.h"

typedef struct {
    const char *name;
    size_t channels, pulses, samples, pulse_samples;
} workload;

/* fs 20 MHz, B 10 MHz: the pulse length sets Tp; the PRI fits the receive window. */
static const workload workloads[] = {
    {"S", 1, 64, 1024, 128},
    {"M", 1, 128, 8192, 1000},
    {"L", 1, 256, 16384, 2000},
    {"MATX", 16, 128, 9000, 1000},
};

static const char usage_text[] =
    "usage: triad bench [--workload S|M|L|MATX|all] [--cpis K] [--datatype ci16_le|cf32_le]\n"
    "                   [--json FILE] [processing options]\n"
    "  times the chain per CPI (median and p99 after warm-up) on simulated data with targets,\n"
    "  and FFTW's own batched transforms of the same sizes as the floor (default workload M,\n"
    "  ci16_le, 50 CPIs)\n";

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)ceil(q * (double)n) - 1;
    return v[i < n ? i : n - 1];
}

typedef struct {
    double median_s, p99_s, floor_s, floor_part_s[2], stage_s[4];
    size_t detections;
    size_t nfft;
} result;

/* The floor: forward and inverse range FFTs (P x Nfft) and the Doppler FFT (N x P, strided)
 * of one channel, batched, FFTW_MEASURE, the same threads; times the channel count. */
static double fftw_floor(const workload *w, size_t nfft, int threads, int reps, double part[2])
{
    fftwf_plan_with_nthreads(threads);
    const int n = (int)nfft, p = (int)w->pulses, howmany_d = (int)w->samples;
    fftwf_complex *buf = fftwf_malloc(nfft * w->pulses * sizeof *buf);
    fftwf_plan fwd = fftwf_plan_many_dft(1, &n, p, buf, NULL, 1, n, buf, NULL, 1, n, FFTW_FORWARD,
                                         FFTW_MEASURE);
    fftwf_plan inv = fftwf_plan_many_dft(1, &n, p, buf, NULL, 1, n, buf, NULL, 1, n,
                                         FFTW_BACKWARD, FFTW_MEASURE);
    fftwf_plan dop = fftwf_plan_many_dft(1, &p, howmany_d, buf, NULL, n, 1, buf, NULL, n, 1,
                                         FFTW_FORWARD, FFTW_MEASURE);
    fftwf_plan_with_nthreads(1);
    for (size_t i = 0; i < nfft * w->pulses; i++) {
        buf[i][0] = (float)((i * 7919) % 1000) * 1e-3f;
        buf[i][1] = (float)((i * 104729) % 1000) * 1e-3f;
    }
    double *t = malloc(3 * (size_t)reps * sizeof *t), *tr = t + reps, *td = t + 2 * reps;
    for (int r = -2; r < reps; r++) {
        double a = 0.0, b = 0.0;
        for (size_t c = 0; c < w->channels; c++) {
            const double t0 = triad__now();
            fftwf_execute(fwd);
            fftwf_execute(inv);
            const double t1 = triad__now();
            fftwf_execute(dop);
            a += t1 - t0;
            b += triad__now() - t1;
        }
        if (r >= 0) {
            t[r] = a + b;
            tr[r] = a;
            td[r] = b;
        }
        for (size_t i = 0; i < nfft * w->pulses; i++) { /* keep values bounded across reps */
            buf[i][0] *= 1.0f / (float)nfft;
            buf[i][1] *= 1.0f / (float)nfft;
        }
    }
    const double med = percentile(t, (size_t)reps, 0.5);
    part[0] = percentile(tr, (size_t)reps, 0.5);
    part[1] = percentile(td, (size_t)reps, 0.5);
    free(t);
    fftwf_destroy_plan(fwd);
    fftwf_destroy_plan(inv);
    fftwf_destroy_plan(dop);
    fftwf_free(buf);
    return med;
}

static int bench_one(const workload *w, triad_format format, int cpis, triad_chain_cfg cfg,
                     result *res)
{
    triad_scene s;
    triad_scene_default(&s);
    s.radar.format = format;
    s.radar.num_channels = w->channels;
    s.radar.pulses_per_cpi = w->pulses;
    s.radar.samples_per_pulse = w->samples;
    s.radar.sample_rate_hz = 20e6;
    s.radar.waveform.bandwidth_hz = 10e6;
    s.radar.waveform.pulse_width_s = (double)w->pulse_samples / 20e6;
    s.radar.pri_s = ceil((double)w->samples / 20e6 * 1e6 + 50.0) * 1e-6;
    s.num_cpis = 4; /* distinct CPIs cycled through */
    const double rmax = 0.5 * 299792458.0 * (double)(w->samples - w->pulse_samples) / 20e6;
    s.num_targets = 3;
    s.targets[0] = (triad_sim_target){0.2 * rmax, -25.0, -10.0};
    s.targets[1] = (triad_sim_target){0.5 * rmax, 40.0, -15.0};
    s.targets[2] = (triad_sim_target){0.8 * rmax, 10.0, -20.0};
    triad_sim *sim = NULL;
    float complex *ref = NULL;
    size_t l = 0;
    triad_chain *chain = NULL;
    void *raw[4] = {0};
    triad_detection *d = NULL;
    double *times = NULL;
    int status = 1;
    if (triad_sim_create(&sim, &s) || triad_recording_waveform(&s.radar, &ref, &l)) {
        cli_error("bench", 1, "%s", triad_errmsg());
        goto done;
    }
    triad_recording_chain_cfg(&s.radar, ref, l, &cfg);
    if (triad_chain_create(&chain, &cfg)) {
        cli_error("bench", 1, "%s", triad_errmsg());
        goto done;
    }
    const size_t bytes = triad_recording_cpi_bytes(&s.radar);
    for (int i = 0; i < 4; i++) {
        raw[i] = malloc(bytes);
        if (!raw[i] || triad_sim_cpi(sim, (uint64_t)i, raw[i], NULL)) {
            cli_error("bench", 1, "out of memory");
            goto done;
        }
    }
    d = malloc(cfg.max_detections * w->channels * sizeof *d);
    times = malloc((size_t)cpis * sizeof *times);
    memset(res, 0, sizeof *res);
    for (int k = -3; k < cpis; k++) {
        triad_chain_stats st;
        const double t0 = triad__now();
        if (triad_chain_execute(chain, raw[(k + 3) % 4], (uint64_t)(k + 3), d, &st)) {
            cli_error("bench", 1, "%s", triad_errmsg());
            goto done;
        }
        const double dt = triad__now() - t0;
        if (k < 0)
            continue;
        times[k] = dt;
        double stage[4];
        triad_chain_stage_times(chain, stage);
        for (int i = 0; i < 4; i++)
            res->stage_s[i] += stage[i] / cpis;
        res->detections += st.detections;
    }
    res->median_s = percentile(times, (size_t)cpis, 0.5);
    res->p99_s = percentile(times, (size_t)cpis, 0.99);
    size_t nfft = w->samples + l - 1;
    for (;; nfft++) { /* the chain's FFT length: smallest 2^a 3^b 5^c 7^d */
        size_t r = nfft;
        for (size_t f = 2; f <= 7; f++)
            while (r % f == 0) r /= f;
        if (r == 1) break;
    }
    res->nfft = nfft;
    const int threads = cfg.threads > 0 ? cfg.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    res->floor_s = fftw_floor(w, nfft, threads, cpis, res->floor_part_s);
    status = 0;
done:
    for (int i = 0; i < 4; i++)
        free(raw[i]);
    free(d);
    free(times);
    free(ref);
    triad_chain_destroy(chain);
    triad_sim_destroy(sim);
    return status;
}

int cmd_bench(int argc, char **argv)
{
    static const struct option own[] = {
        {"workload", required_argument, NULL, 'w'}, {"cpis", required_argument, NULL, 'k'},
        {"datatype", required_argument, NULL, 'd'}, {"json", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    struct option all[48];
    cli_merge_options(own, all, 48);
    triad_chain_cfg cfg = triad_chain_cfg_default();
    cfg.backend = "fftw";
    const char *which = "M", *json_path = NULL;
    triad_format format = TRIAD_FORMAT_CI16_LE;
    long cpis = 50;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "w:k:d:j:h", all, NULL)) != -1) {
        switch (c) {
        case 'w': which = optarg; break;
        case 'k':
            if (cli_long("bench", "--cpis", optarg, 1, 100000, &cpis)) return 2;
            break;
        case 'd':
            if (strcmp(optarg, "ci16_le") == 0) format = TRIAD_FORMAT_CI16_LE;
            else if (strcmp(optarg, "cf32_le") == 0) format = TRIAD_FORMAT_CF32_LE;
            else return cli_error("bench", 2, "option --datatype: '%s' is not ci16_le or cf32_le", optarg);
            break;
        case 'j': json_path = optarg; break;
        case 'h': printf("%s\n%s", usage_text, cli_chain_usage); return 0;
        case '?': return cli_bad_option("bench", argv);
        default:
            if (cli_chain_option("bench", c, optarg, &cfg)) return 2;
        }
    }
    if (optind != argc)
        return cli_error("bench", 2, "unexpected argument '%s'", argv[optind]);
    size_t first = 0, last = 0;
    const size_t count = sizeof workloads / sizeof workloads[0];
    if (strcmp(which, "all") == 0) {
        last = count - 1;
    } else {
        for (first = 0; first < count && strcmp(workloads[first].name, which); first++) {}
        if (first == count)
            return cli_error("bench", 2, "option --workload: '%s' is not S, M, L, MATX or all", which);
        last = first;
    }
    fftwf_init_threads();
    FILE *js = NULL;
    if (json_path && !(js = fopen(json_path, "w")))
        return cli_error("bench", 1, "--json %s: cannot create", json_path);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    const time_t now = time(NULL);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    const long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("triad bench: backend %s, %s, %ld CPIs after 3 warm-up, %ld cores, %s\n",
           cfg.backend, triad_format_name(format), cpis, cores, date);
    printf("%-5s %-14s %6s %9s %9s %8s %8s %9s %9s %6s | range  doppler cfar   extract | floor: range doppler (ms)\n",
           "load", "C x P x N", "L", "median ms", "p99 ms", "Ms/s", "in GB/s", "floor ms",
           "x floor", "dets");
    if (js)
        fprintf(js, "{\"machine\":{\"host\":\"%s\",\"cores\":%ld},\"date\":\"%s\",\"commit\":\"%s\","
                    "\"backend\":\"%s\",\"datatype\":\"%s\",\"cpis\":%ld,\"results\":[",
                host, cores, date, TRIAD_GIT_COMMIT, cfg.backend, triad_format_name(format), cpis);
    int status = 0;
    for (size_t i = first; i <= last; i++) {
        const workload *w = &workloads[i];
        result r;
        if (bench_one(w, format, (int)cpis, cfg, &r)) {
            status = 1;
            break;
        }
        const double samples = (double)(w->channels * w->pulses * w->samples);
        char shape[32];
        snprintf(shape, sizeof shape, "%zux%zux%zu", w->channels, w->pulses, w->samples);
        printf("%-5s %-14s %6zu %9.3f %9.3f %8.1f %8.3f %9.3f %9.2f %6zu | %6.2f %6.2f %6.2f %6.2f  | %6.2f %6.2f\n",
               w->name, shape, w->pulse_samples, r.median_s * 1e3, r.p99_s * 1e3,
               samples / r.median_s * 1e-6,
               samples * (double)triad_format_bytes(format) / r.median_s * 1e-9, r.floor_s * 1e3,
               r.median_s / r.floor_s, r.detections / (size_t)cpis, r.stage_s[0] * 1e3,
               r.stage_s[1] * 1e3, r.stage_s[2] * 1e3, r.stage_s[3] * 1e3,
               r.floor_part_s[0] * 1e3, r.floor_part_s[1] * 1e3);
        if (js)
            fprintf(js, "%s{\"workload\":\"%s\",\"channels\":%zu,\"pulses\":%zu,\"samples\":%zu,"
                        "\"pulse_samples\":%zu,\"nfft\":%zu,\"median_ms\":%.4f,\"p99_ms\":%.4f,"
                        "\"latency_median_ms\":%.4f,\"msamples_per_s\":%.2f,\"input_gb_per_s\":%.4f,"
                        "\"floor_fftw_ms\":%.4f,\"floor_range_ms\":%.4f,\"floor_doppler_ms\":%.4f,\"ratio_to_floor\":%.3f,\"stage_ms\":{\"range\":%.4f,"
                        "\"doppler\":%.4f,\"cfar\":%.4f,\"extract\":%.4f},\"detections_per_cpi\":%.2f}",
                    i == first ? "" : ",", w->name, w->channels, w->pulses, w->samples,
                    w->pulse_samples, r.nfft, r.median_s * 1e3, r.p99_s * 1e3, r.median_s * 1e3,
                    samples / r.median_s * 1e-6,
                    samples * (double)triad_format_bytes(format) / r.median_s * 1e-9,
                    r.floor_s * 1e3, r.floor_part_s[0] * 1e3, r.floor_part_s[1] * 1e3,
                    r.median_s / r.floor_s, r.stage_s[0] * 1e3,
                    r.stage_s[1] * 1e3, r.stage_s[2] * 1e3, r.stage_s[3] * 1e3,
                    (double)r.detections / (double)cpis);
    }
    if (js) {
        fprintf(js, "]}\n");
        fclose(js);
    }
    fftwf_cleanup_threads();
    return status;
}
