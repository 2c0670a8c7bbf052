/* Benchmark floors (include/triad/bench.h): FFTW's own transforms of a CPI, the bandwidth
 * floor of the fused OpenCL design, the OpenCL traffic model in public types. What triad bench
 * measures the chain against; moved here from host/cli/cmd_bench.c unchanged.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/error_internal.h"
#include "proc/backend.h"
#include "proc/opencl/bench_floor_cl.h"
#include "proc/opencl/traffic_cl.h"
#include "triad/bench.h"

_Static_assert((int)TRIAD_BENCH_TRAFFIC_MAX == (int)TRIAD__CL_TRAFFIC_MAX,
               "the public traffic model holds as many rows as the internal one");

double triad_bench_now(triad_bench_clock clock)
{
    if (clock != TRIAD_BENCH_CLOCK_CPU)
        return triad__now();
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double triad_bench_percentile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)ceil(q * (double)n);
    i = i ? i - 1 : 0;
    return v[i < n ? i : n - 1];
}

size_t triad_bench_fftw_nfft(size_t samples, size_t pulse_samples)
{
    return triad__fft_good_size(samples + pulse_samples - 1);
}

/* ---- the FFTW floor ------------------------------------------------------------------------ */

const char *triad_bench_fftw_version(void) { return fftwf_version; }

#ifdef TRIAD_HAVE_FFTW_THREADS
int triad_bench_threads_init(void)
{
    return fftwf_init_threads() ? 0 : triad__fail(TRIAD_EBACKEND, "fftwf_init_threads failed");
}
void triad_bench_threads_cleanup(void) { fftwf_cleanup_threads(); }
static void plan_threads(int threads) { fftwf_plan_with_nthreads(threads); }
#else
/* Built without FFTW's threads library (libfftw3f_omp): the floor plans single-threaded. */
int triad_bench_threads_init(void) { return 0; }
void triad_bench_threads_cleanup(void) {}
static void plan_threads(int threads) { (void)threads; }
#endif

static unsigned fftw_flags(triad_fft_effort e)
{
    return e == TRIAD_FFT_ESTIMATE ? FFTW_ESTIMATE : e == TRIAD_FFT_PATIENT ? FFTW_PATIENT
                                                                          : FFTW_MEASURE;
}

int triad_bench_fftw_floor(const triad_bench_shape *w, size_t nfft, int threads,
                           triad_fft_effort effort, int reps, triad_bench_clock clock,
                           triad_bench_floor *out)
{
    memset(out, 0, sizeof *out);
    if (reps < 1 || nfft < w->samples || !w->pulses || !w->samples || !w->channels)
        return triad__fail(TRIAD_EINVAL, "FFTW floor: %zu x %zu x %zu, Nfft %zu, %d reps",
                           w->channels, w->pulses, w->samples, nfft, reps);
    const unsigned flags = fftw_flags(effort);
    plan_threads(threads);
    const int n = (int)nfft, p = (int)w->pulses, howmany_d = (int)w->samples;
    fftwf_complex *buf = fftwf_malloc(nfft * w->pulses * sizeof *buf);
    double *t = malloc(3 * (size_t)reps * sizeof *t);
    if (!buf || !t) {
        fftwf_free(buf);
        free(t);
        plan_threads(1);
        return triad__fail(TRIAD_ENOMEM, "FFTW floor: out of memory");
    }
    fftwf_plan fwd = fftwf_plan_many_dft(1, &n, p, buf, NULL, 1, n, buf, NULL, 1, n, FFTW_FORWARD,
                                         flags);
    fftwf_plan inv = fftwf_plan_many_dft(1, &n, p, buf, NULL, 1, n, buf, NULL, 1, n,
                                         FFTW_BACKWARD, flags);
    fftwf_plan dop = fftwf_plan_many_dft(1, &p, howmany_d, buf, NULL, n, 1, buf, NULL, n, 1,
                                         FFTW_FORWARD, flags);
    plan_threads(1);
    for (size_t i = 0; i < nfft * w->pulses; i++) { /* planning may have overwritten buf */
        buf[i][0] = (float)((i * 7919) % 1000) * 1e-3f;
        buf[i][1] = (float)((i * 104729) % 1000) * 1e-3f;
    }
    double *tr = t + reps, *td = t + 2 * reps;
    for (int r = -2; r < reps; r++) {
        double a = 0.0, b = 0.0;
        for (size_t c = 0; c < w->channels; c++) {
            const double t0 = triad_bench_now(clock);
            fftwf_execute(fwd);
            fftwf_execute(inv);
            const double t1 = triad_bench_now(clock);
            fftwf_execute(dop);
            a += t1 - t0;
            b += triad_bench_now(clock) - t1;
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
    snprintf(out->kind, sizeof out->kind, "fftw");
    out->total_s = triad_bench_percentile(t, (size_t)reps, 0.5);
    out->part_s[0] = triad_bench_percentile(tr, (size_t)reps, 0.5);
    out->part_s[1] = triad_bench_percentile(td, (size_t)reps, 0.5);
    free(t);
    fftwf_destroy_plan(fwd);
    fftwf_destroy_plan(inv);
    fftwf_destroy_plan(dop);
    fftwf_free(buf);
    return 0;
}

/* ---- the bandwidth floor ------------------------------------------------------------------- */

int triad_bench_bandwidth_measure(const char *spec, size_t max_bytes, triad_bench_bandwidth *out)
{
    return triad__cl_bandwidth_measure(spec, max_bytes, out);
}

void triad_bench_bandwidth_floor(const triad_bench_shape *w, triad_format format,
                                 double dets_per_cpi, const triad_bench_bandwidth *bw,
                                 triad_bench_floor *out)
{
    memset(out, 0, sizeof *out);
    const double cells = (double)w->channels * (double)w->pulses * (double)w->samples;
    const double raw = cells * (double)triad_format_bytes(format);
    const double cube = cells * 8.0;     /* complex float */
    const double dets = dets_per_cpi * 16.0; /* four floats per detection */
    out->bytes[0] = raw;
    out->bytes[1] = raw + 2.0 * cube;
    out->bytes[2] = dets;
    out->part_s[0] = raw / bw->h2d_bytes_per_s;
    out->part_s[1] = out->bytes[1] / bw->copy_bytes_per_s;
    out->part_s[2] = dets / bw->d2h_bytes_per_s;
    out->total_s = out->part_s[0] + out->part_s[1] + out->part_s[2];
    snprintf(out->kind, sizeof out->kind, "bandwidth");
}

/* ---- the OpenCL traffic model -------------------------------------------------------------- */

static const char *range_design_name(triad__cl_range_design d)
{
    return d == TRIAD__CL_RANGE_FUSED ? "fused" : d == TRIAD__CL_RANGE_FOUR_STEP ? "four-step"
                                                                               : "global";
}

void triad_bench_traffic_model(const triad_bench_shape *w, triad_format format,
                               const triad_chain_cfg *cfg, triad_bench_traffic *out)
{
    const triad__cl_geometry g = {
        .n = w->samples, .p = w->pulses, .c = w->channels, .l = w->pulse_samples,
        .sample_bytes = triad_format_bytes(format), .mti = cfg->mti_pulses,
        .cfar_os = cfg->cfar.type == TRIAD_CFAR_OS, .max_detections = cfg->max_detections,
    };
    triad__cl_traffic t;
    triad__cl_traffic_model(&g, &t);
    memset(out, 0, sizeof *out);
    out->nfft = t.nfft;
    out->n1 = t.n1;
    out->n2 = t.n2;
    out->range = range_design_name(t.range);
    out->doppler_fused = t.doppler_fused;
    out->count = t.count;
    for (size_t i = 0; i < t.count; i++) {
        out->row[i].kernel = t.row[i].kernel;
        out->row[i].launches = t.row[i].launches;
        out->row[i].read_bytes = t.row[i].read_bytes;
        out->row[i].write_bytes = t.row[i].write_bytes;
    }
    out->device_read = t.device_read;
    out->device_write = t.device_write;
    out->fused_min = t.fused_min;
}
