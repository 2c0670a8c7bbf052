/* OpenCL backend: the whole chain on the device; only the raw CPI goes up and the detections
 * (and a power map, when asked for) come back.
 *
 *   raw -> range_fused: convert, zero-pad to a power of two, FFT, x conj(H)/Nfft, IFFT, all in
 *          local memory, when Nfft <= 4096
 *          (or four-step when Nfft = N1 N2 > 4096: range_cols_fwd -> range_rows (with the
 *          filter) -> range_cols_inv, every FFT in local memory, two round trips in all;
 *          or, where the device cannot run these, range_load -> global FFT passes ->
 *          range_multiply -> global IFFT passes)
 *       -> doppler_weight (MTI, window) -> FFT down the columns (or DFT when P is not a power
 *       of two) -> doppler_power (fftshift)
 *          (or doppler_fused: all of that in local memory when 16 <= P <= 1024, a power of two)
 *       -> cfar_mean (Doppler sums of its tile in local memory) | cfar_os
 *       -> extract_label_init -> extract_group (until stable, one work-group per map)
 *       -> extract_peaks
 *
 * Batching: a CPI of few samples cannot fill a GPU (a launch of one work-item per sample needs
 * ~10^5..10^6 of them to cover an H100's 132 SMs x 2048 threads a few times), so when a CPI
 * has fewer than BATCH_SAMPLES (2^20) samples over all channels, B = min(16, 2^20 / (C P N))
 * CPIs go through one set of launches: the range FFTs over B C P rows, the Doppler FFTs over
 * B C N columns, CFAR and extraction over B C maps. TRIAD_OPENCL_BATCH=1..16 overrides B
 * (tests, tuning). With B = 1 the channels of a CPI go one at a time as before (the work
 * buffers hold one channel).
 *
 * Streaming: two groups of B slots, each group with pinned host staging for its B CPIs and
 * their results, and three in-order queues tied by events: the upload of one batch (upload
 * queue), the kernels of another (compute queue) and the download of a third's detections
 * (download queue) run at the same time. A submit only marks its slot; the group is launched
 * when all its B slots are submitted, or when one of them is collected (a partial batch: the
 * end of a stream, or a caller that waits for each CPI). The host never waits between
 * kernels: counts stay on the device and kernels read them.
 *
 * Profiling (plan->profile): every stage's first and last command carry events; when a
 * launch's results are collected, the device time of each stage, of the copies, and the copy
 * time that overlapped kernels (of any recent launch) are added up (triad_chain_profile).
 *
 * Everything is created once (context, program, FFT plans, buffers, event lists); submit and
 * collect only enqueue, wait and read.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "proc/backend.h"
#include "proc/opencl/cl_util.h"
#include "proc/opencl/fft_cl.h"
#include "proc/opencl/traffic_cl.h"
#include "triad/units.h"

enum { TILE = 256 };      /* range bins per cfar_mean work-group */
enum { GROUPS = 2 };      /* batches in flight */
enum { GROUP = 256 };     /* extract_group's work-group */
enum { MAX_BATCH = TRIAD_CHAIN_MAX_SLOTS / GROUPS };
#define BATCH_SAMPLES (1u << 20) /* samples per launch below which CPIs are batched */

enum { ST_RANGE, ST_DOPPLER, ST_CFAR, ST_EXTRACT, ST_H2D, ST_D2H, NUM_ST };

/* A stage's span of commands in one launch: device time = END(last) - START(first). */
typedef struct {
    int stage;
    cl_event first, last; /* last may be first */
} timed;

/* B CPIs: pinned staging in and out (position i at i cpi_bytes / i C out_ch_bytes), the device
 * copies, the events of the last launch, and which positions are submitted but not launched
 * (pending) or launched and not collected (sub_down holds a reference to their download). */
typedef struct {
    cl_mem in_pinned, out_pinned, raw_dev, out_dev;
    unsigned char *in_host, *out_host;
    cl_event up, comp, down;
    cl_event sub_down[MAX_BATCH];
    int pending[MAX_BATCH], in_launch[MAX_BATCH];
    double t_submit[MAX_BATCH];
    size_t launched;          /* CPIs in the last launch */
    timed *ev;                /* profiling: the last launch's spans [size: cap_ev] */
    size_t nev, cap_ev;
    double sub_times[MAX_BATCH][4]; /* profiling: per-CPI share of the launch's stages */
} cl_group;

/* One launch's intervals for the overlap count (device clock, ns). */
typedef struct {
    cl_ulong comp[2], up[2], down[2];
    int valid;
} span_rec;
enum { HIST = 4 };

typedef struct {
    const triad__plan *plan;
    triad__cl_ctx *ctx;
    cl_program prog;
    cl_kernel k_load, k_multiply, k_weight, k_dft, k_power, k_mean, k_os;
    cl_kernel k_fused;              /* range stage in one kernel when nfft <= 4096, else NULL */
    cl_mem range_tw;                /* its twiddles exp(-2 pi i m / nfft) */
    cl_uint log2nfft;
    /* range stage in three kernels when nfft = N1 N2 > 4096 (four-step), else NULL */
    cl_kernel k_four[3];            /* range_cols_fwd, range_rows, range_cols_inv */
    cl_mem range_tw1, range_tw2;    /* exp(-2 pi i m / N1), m < N1; the same for N2 */
    cl_uint log2n1, log2n2;
    /* range stage in one kernel when nfft = N1 N2, N1 = 3, 5, 9, 4096 < nfft <= 10240 (uses
     * range_tw, range_tw2, log2n2), else NULL */
    cl_kernel k_long;
    cl_uint n1;
    cl_kernel k_label_init, k_group, k_peaks;
    cl_kernel k_dfused;             /* Doppler stage in one kernel when 16 <= P <= 1024, else NULL */
    cl_uint log2p;
    cl_command_queue up_q, down_q;  /* the compute queue is ctx->queue */
    cl_group group[GROUPS];
    size_t batch;                   /* B: CPIs per launch */
    size_t gmax;                    /* maps per chunk of kernels: B C when batching, else 1 */
    size_t cpi_bytes, out_ch_bytes; /* out_ch_bytes: 16 + 16 max_detections */
    size_t last_pos;                /* batch position of the last CPI launched (power_map) */
    int zero_by_write;              /* TRIAD_TEST_OPENCL_ZERO_BY_WRITE: see cl_create */
    long fail_after;                /* tests: TRIAD_TEST_OPENCL_FAIL_AFTER CPIs, then fail */
    long uploads;
    struct {                        /* the map and CFAR window as the kernels take them */
        cl_uint n, np, rb, list_cap, max_dets, ostride, c, width;
        cl_int g, go, dg, dgo, dh, gh, type;
    } w;
    triad__clfft *range_fft, *doppler_fft;
    size_t nfft;                    /* power of two >= N + L - 1 */
    /* work buffers of one chunk (gmax maps) */
    cl_mem pulses, pulses2, scratch, spectrum, weight, cube, dspec, dscratch, twiddle;
    cl_mem maps;                    /* B C power maps [P x N] */
    cl_mem mask, list, label;
    cl_mem alpha, os_k, os_norm;
    /* profiling */
    int profiling;
    cl_event tick;                  /* the event of the command just enqueued */
    timed open;                     /* the stage span being extended */
    cl_group *rec;                  /* the group whose launch is being enqueued */
    double prof_s[NUM_ST], overlap_s;
    uint64_t prof_cpis;
    span_rec hist[HIST];
    size_t hist_next;
} cl_state;

static int is_pow2(size_t n) { return n && !(n & (n - 1)); }

static void release(cl_event *e)
{
    if (*e)
        clReleaseEvent(*e);
    *e = NULL;
}

static void release_timed(cl_group *g)
{
    for (size_t i = 0; i < g->nev; i++) {
        if (g->ev[i].last != g->ev[i].first)
            release(&g->ev[i].last);
        release(&g->ev[i].first);
    }
    g->nev = 0;
}

/* Drop a group's events (the last launch's and every uncollected CPI's). */
static void release_events(cl_group *g)
{
    release(&g->up);
    release(&g->comp);
    release(&g->down);
    for (int i = 0; i < MAX_BATCH; i++) {
        release(&g->sub_down[i]);
        g->pending[i] = 0;
    }
    release_timed(g);
}

static void cl_destroy(void *st)
{
    cl_state *s = st;
    if (!s)
        return;
    if (s->ctx && s->ctx->queue)
        clFinish(s->ctx->queue);
    if (s->up_q) { clFinish(s->up_q); clReleaseCommandQueue(s->up_q); }
    if (s->down_q) { clFinish(s->down_q); clReleaseCommandQueue(s->down_q); }
    release(&s->tick);
    if (s->open.last != s->open.first)
        release(&s->open.last);
    release(&s->open.first);
    for (int i = 0; i < GROUPS; i++) {
        cl_group *g = &s->group[i];
        release_events(g);
        free(g->ev);
        if (g->in_host) clEnqueueUnmapMemObject(s->ctx->queue, g->in_pinned, g->in_host, 0, NULL, NULL);
        if (g->out_host) clEnqueueUnmapMemObject(s->ctx->queue, g->out_pinned, g->out_host, 0, NULL, NULL);
        if (g->in_host || g->out_host) clFinish(s->ctx->queue);
        cl_mem ms[] = {g->in_pinned, g->out_pinned, g->raw_dev, g->out_dev};
        for (int m = 0; m < 4; m++)
            if (ms[m]) clReleaseMemObject(ms[m]);
    }
    triad__clfft_destroy(s->range_fft);
    triad__clfft_destroy(s->doppler_fft);
    cl_kernel ks[] = {s->k_four[0], s->k_four[1], s->k_four[2], s->k_long, s->k_dfused, s->k_fused, s->k_load, s->k_multiply, s->k_weight, s->k_dft, s->k_power,
                      s->k_mean, s->k_os, s->k_label_init, s->k_group, s->k_peaks};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
        if (ks[i]) clReleaseKernel(ks[i]);
    cl_mem ms[] = {s->range_tw, s->range_tw1, s->range_tw2, s->pulses, s->pulses2, s->scratch, s->spectrum, s->weight, s->cube,
                   s->dspec, s->dscratch, s->twiddle, s->maps, s->mask, s->list,
                   s->label, s->alpha, s->os_k, s->os_norm};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
        if (ms[i]) clReleaseMemObject(ms[i]);
    if (s->prog) clReleaseProgram(s->prog);
    triad__cl_ctx_destroy(s->ctx);
    free(s);
}

static int make_buffer(cl_state *s, cl_mem *m, cl_mem_flags flags, size_t bytes, void *host)
{
    cl_int e;
    int err = 0;
    TRIAD__CL_PAR(*m = clCreateBuffer(s->ctx->context, flags, bytes ? bytes : 4, host, &e), e,
                  err, fail);
fail:
    return err;
}

static int make_kernel(cl_state *s, cl_kernel *k, const char *name)
{
    cl_int e;
    int err = 0;
    TRIAD__CL_PAR(*k = clCreateKernel(s->prog, name, &e), e, err, fail);
fail:
    return err;
}

/* H[k] = conj(sum_m h[m] exp(-2 pi i k m / nfft)) / nfft in double on the host, for the
 * lengths our device FFT has no plan for (range_long's N1 2^k): O(nfft L), once per chain. */
static int host_spectrum(const triad__plan *p, size_t nfft, float *h)
{
    double complex *w = malloc(nfft * sizeof *w);
    if (!w)
        return triad__fail(TRIAD_ENOMEM, "opencl: out of memory");
    for (size_t j = 0; j < nfft; j++)
        w[j] = cexp(-2.0 * TRIAD_PI * I * (double)j / (double)nfft);
    for (size_t k = 0; k < nfft; k++) {
        double complex acc = 0.0;
        size_t i = 0; /* k m mod nfft */
        for (size_t m = 0; m < p->l; m++) {
            acc += (double complex)p->ref[m] * w[i];
            i += k;
            if (i >= nfft)
                i -= nfft;
        }
        h[2 * k] = (float)(creal(acc) / (double)nfft);
        h[2 * k + 1] = (float)(-cimag(acc) / (double)nfft);
    }
    free(w);
    return 0;
}

/* The same with our own device FFT (powers of two) so the backend needs nothing else. */
static int device_spectrum(cl_state *s, float *h)
{
    const triad__plan *p = s->plan;
    int err = 0;
    triad__clfft *one = NULL;
    cl_mem tmp = NULL, tmp_scratch = NULL;
    memset(h, 0, 2 * s->nfft * sizeof *h);
    for (size_t k = 0; k < p->l; k++) {
        h[2 * k] = (float)creal(p->ref[k]);
        h[2 * k + 1] = (float)cimag(p->ref[k]);
    }
    triad__clfft_cfg cfg = triad__clfft_cfg_rows(s->nfft, 1);
    if ((err = triad__clfft_create(&one, s->ctx, s->prog, &cfg)) ||
        (err = make_buffer(s, &tmp, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                           2 * s->nfft * sizeof *h, h)) ||
        (err = make_buffer(s, &tmp_scratch, CL_MEM_READ_WRITE, triad__clfft_scratch_bytes(one),
                           NULL)) ||
        (err = triad__clfft_enqueue(one, s->ctx->queue, tmp, s->spectrum, tmp_scratch,
                                    TRIAD__CLFFT_FORWARD, 0, NULL, NULL)))
        goto done;
    TRIAD__CL_TRY(clEnqueueReadBuffer(s->ctx->queue, s->spectrum, CL_TRUE, 0,
                                      2 * s->nfft * sizeof *h, h, 0, NULL, NULL),
                  err, done);
    const float scale = 1.0f / (float)s->nfft;
    for (size_t k = 0; k < s->nfft; k++) {
        h[2 * k] *= scale;
        h[2 * k + 1] *= -scale;
    }
done:
    triad__clfft_destroy(one);
    if (tmp) clReleaseMemObject(tmp);
    if (tmp_scratch) clReleaseMemObject(tmp_scratch);
    return err;
}

/* The matched filter spectrum conj(FFT(h)) / nfft into s->spectrum, in the order the range
 * kernels read it. */
static int make_spectrum(cl_state *s)
{
    int err = 0;
    float *h = malloc(2 * s->nfft * sizeof *h);
    if (!h)
        return triad__fail(TRIAD_ENOMEM, "opencl: out of memory");
    if ((err = s->k_long ? host_spectrum(s->plan, s->nfft, h) : device_spectrum(s, h)))
        goto done;
    if (s->k_four[1] || s->k_long) { /* four-step: H[k1 + N1 k2] at k1 N2 + k2, the order
                                        range_rows and range_long see */
        const size_t n2 = (size_t)1 << s->log2n2, n1 = s->nfft / n2;
        float *hp = malloc(2 * s->nfft * sizeof *hp);
        if (!hp) {
            err = triad__fail(TRIAD_ENOMEM, "opencl: out of memory");
            goto done;
        }
        for (size_t k1 = 0; k1 < n1; k1++)
            for (size_t k2 = 0; k2 < n2; k2++) {
                hp[2 * (k1 * n2 + k2)] = h[2 * (k1 + n1 * k2)];
                hp[2 * (k1 * n2 + k2) + 1] = h[2 * (k1 + n1 * k2) + 1];
            }
        memcpy(h, hp, 2 * s->nfft * sizeof *h);
        free(hp);
    }
    TRIAD__CL_TRY(clEnqueueWriteBuffer(s->ctx->queue, s->spectrum, CL_TRUE, 0,
                                       2 * s->nfft * sizeof *h, h, 0, NULL, NULL),
                  err, done);
done:
    free(h);
    return err;
}

/* The extra queues and the groups' buffers; pinned staging is mapped once, for good. */
static int make_groups(cl_state *s)
{
    const triad__plan *p = s->plan;
    int err = 0;
    cl_int e;
    const cl_command_queue_properties props = s->profiling ? CL_QUEUE_PROFILING_ENABLE : 0;
    TRIAD__CL_PAR(s->up_q = clCreateCommandQueue(s->ctx->context, s->ctx->device, props, &e), e,
                  err, fail);
    TRIAD__CL_PAR(s->down_q = clCreateCommandQueue(s->ctx->context, s->ctx->device, props, &e),
                  e, err, fail);
    const size_t in_bytes = s->batch * s->cpi_bytes;
    const size_t out_bytes = s->batch * p->c * s->out_ch_bytes;
    /* profiling spans per launch: 4 stages per chunk, an upload and a download per CPI */
    const size_t chunks = s->gmax == 1 ? p->c : 1;
    for (int i = 0; i < GROUPS; i++) {
        cl_group *g = &s->group[i];
        if (s->profiling) {
            g->cap_ev = 4 * chunks + 2 * s->batch + 2;
            if (!(g->ev = calloc(g->cap_ev, sizeof *g->ev)))
                return triad__fail(TRIAD_ENOMEM, "opencl: out of memory");
        }
        if ((err = make_buffer(s, &g->in_pinned, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR,
                               in_bytes, NULL)) ||
            (err = make_buffer(s, &g->out_pinned, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR,
                               out_bytes, NULL)) ||
            (err = make_buffer(s, &g->raw_dev, CL_MEM_READ_ONLY, in_bytes, NULL)) ||
            (err = make_buffer(s, &g->out_dev, CL_MEM_READ_WRITE, out_bytes, NULL)))
            goto fail;
        TRIAD__CL_PAR(g->in_host = clEnqueueMapBuffer(s->ctx->queue, g->in_pinned, CL_TRUE,
                                                      CL_MAP_READ | CL_MAP_WRITE, 0, in_bytes, 0,
                                                      NULL, NULL, &e),
                      e, err, fail);
        TRIAD__CL_PAR(g->out_host = clEnqueueMapBuffer(s->ctx->queue, g->out_pinned, CL_TRUE,
                                                       CL_MAP_READ | CL_MAP_WRITE, 0, out_bytes,
                                                       0, NULL, NULL, &e),
                      e, err, fail);
    }
fail:
    return err;
}

/* exp(-2 pi i m / n), m < n, computed in double, as float2 */
static int make_twiddles(cl_state *s, cl_mem *m, size_t n)
{
    float *tw = malloc(2 * n * sizeof *tw);
    if (!tw)
        return triad__fail(TRIAD_ENOMEM, "opencl: out of memory");
    for (size_t j = 0; j < n; j++) {
        tw[2 * j] = (float)cos(-2.0 * TRIAD_PI * (double)j / (double)n);
        tw[2 * j + 1] = (float)sin(-2.0 * TRIAD_PI * (double)j / (double)n);
    }
    const int err = make_buffer(s, m, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, 2 * n * sizeof *tw,
                                tw);
    free(tw);
    return err;
}

/* The local-memory kernels k[0 .. count-1] run work-groups of `items` with their __local
 * arrays: check what the device says of each before any launch; where one cannot, release
 * them all (NULL: the caller takes the separate kernels instead). */
static int keep_if_runs(cl_state *s, cl_kernel *k, size_t count, size_t items)
{
    int runs = 1;
    for (size_t i = 0; i < count; i++) {
        triad__cl_kernel_info info;
        const int err = triad__cl_kernel_info_get(k[i], s->ctx->device, &info);
        if (err)
            return err;
        runs &= info.work_group_size >= items &&
                info.local_mem_bytes <= s->ctx->info.local_mem_bytes;
    }
    for (size_t i = 0; !runs && i < count; i++) {
        clReleaseKernel(k[i]);
        k[i] = NULL;
    }
    return 0;
}

/* B: CPIs per launch (see the top of this file). */
static size_t batch_size(const triad__plan *p)
{
    const char *env = getenv("TRIAD_OPENCL_BATCH");
    if (env && *env) {
        const long b = strtol(env, NULL, 10);
        return b < 1 ? 1 : b > MAX_BATCH ? MAX_BATCH : (size_t)b;
    }
    const size_t samples = p->c * p->p * p->n;
    const size_t b = samples >= BATCH_SAMPLES ? 1 : BATCH_SAMPLES / samples;
    return b > MAX_BATCH ? MAX_BATCH : b;
}

static int cl_create(void **out, const triad__plan *p)
{
    *out = NULL;
    cl_state *s = calloc(1, sizeof *s);
    if (!s)
        return triad__fail(TRIAD_ENOMEM, "opencl: out of memory");
    s->plan = p;
    s->profiling = p->profile;
    s->nfft = triad__cl_range_nfft(p->n, p->l);
    s->batch = batch_size(p);
    s->gmax = s->batch > 1 ? s->batch * p->c : 1;
    s->cpi_bytes = p->p * p->n * p->c * triad_format_bytes(p->format);
    s->out_ch_bytes = 16 + 16 * p->max_detections;
    s->w.n = (cl_uint)p->n;
    s->w.np = (cl_uint)p->p;
    s->w.rb = (cl_uint)p->range_bins;
    s->w.list_cap = (cl_uint)(p->p * p->range_bins);
    s->w.max_dets = (cl_uint)p->max_detections;
    s->w.ostride = (cl_uint)(s->out_ch_bytes / 4);
    s->w.c = (cl_uint)p->c;
    s->w.width = (cl_uint)(s->gmax * p->n);
    s->w.g = p->cfar.guard_range;
    s->w.go = p->cfar.guard_range + p->cfar.train_range;
    s->w.dg = p->cfar.guard_doppler;
    s->w.dgo = p->cfar.guard_doppler + p->cfar.train_doppler;
    s->w.dh = 2 * s->w.dgo + 1;
    s->w.gh = 2 * s->w.dg + 1;
    s->w.type = (cl_int)p->cfar.type;
    /* fault injection for the fallback tests: a device that dies after so many CPIs */
    const char *fail_after = getenv("TRIAD_TEST_OPENCL_FAIL_AFTER");
    s->fail_after = fail_after ? strtol(fail_after, NULL, 10) : -1;
    /* Oclgrind 21.10 takes memory written by clEnqueueFillBuffer as uninitialised (the
     * values are right; tests/oclgrind_fill.c shows it in ten lines): under it the counters
     * are zeroed by a write from the host instead, so every report left is ours */
    s->zero_by_write = getenv("TRIAD_TEST_OPENCL_ZERO_BY_WRITE") != NULL;
    int err = triad__cl_ctx_create(&s->ctx, p->device, s->profiling ? TRIAD__CL_PROFILING : 0);
    if (err)
        goto fail;
    if (p->gpu_only && !(s->ctx->info.type & CL_DEVICE_TYPE_GPU)) {
        err = triad__fail(TRIAD_ENODEVICE, "the first OpenCL device is %s, a CPU",
                          s->ctx->info.name);
        goto fail;
    }
    if (s->nfft > TRIAD__CLFFT_MAX_N) {
        err = triad__fail(TRIAD_EUNSUPPORTED, "opencl: range FFT of %zu points is beyond %d",
                          s->nfft, TRIAD__CLFFT_MAX_N);
        goto fail;
    }
    /* what the kernels need of the device, checked here so that auto can still choose FFTW:
     * work-groups of 256 (cfar_mean, extract_group, fft_local) and cfar_mean's local tiles */
    const size_t tile_bytes = 2 * (TILE + 2 * (size_t)s->w.go) * sizeof(float);
    if (s->ctx->info.max_work_group_size < GROUP || s->ctx->info.local_mem_bytes < tile_bytes) {
        err = triad__fail(TRIAD_EUNSUPPORTED,
                          "opencl: %s allows %zu work-items per group and %llu bytes of local "
                          "memory; the kernels need %d and %zu (range guard + training %d)",
                          s->ctx->info.name, s->ctx->info.max_work_group_size,
                          (unsigned long long)s->ctx->info.local_mem_bytes, (int)GROUP, tile_bytes,
                          (int)s->w.go);
        goto fail;
    }
    const char *files[] = {"fft.cl", "range.cl", "doppler.cl", "cfar.cl", "extract.cl"};
    if ((err = triad__cl_program_build(&s->prog, s->ctx, files, 5, NULL)))
        goto fail;
    const char *load = p->format == TRIAD_FORMAT_CI16_LE ? "range_load_ci16" : "range_load_cf32";
    if ((err = make_kernel(s, &s->k_load, load)) ||
        (err = make_kernel(s, &s->k_multiply, "range_multiply")) ||
        (err = make_kernel(s, &s->k_weight, "doppler_weight")) ||
        (err = make_kernel(s, &s->k_dft, "doppler_dft")) ||
        (err = make_kernel(s, &s->k_power, "doppler_power")) ||
        (err = make_kernel(s, &s->k_mean, "cfar_mean")) ||
        (err = make_kernel(s, &s->k_os, "cfar_os")) ||
        (err = make_kernel(s, &s->k_label_init, "extract_label_init")) ||
        (err = make_kernel(s, &s->k_group, "extract_group")) ||
        (err = make_kernel(s, &s->k_peaks, "extract_peaks")))
        goto fail;
    /* the range stage in local memory: one fused kernel where one pulse's FFT fits a
     * work-group (range_fused up to 4096 points, range_long at N1 2^k up to 10240), three
     * (four-step) up to 4096^2 points; the separate kernels with the global FFT where the
     * device cannot run them (checked per kernel; range_long falls back to the power of two) */
    const int ci16 = p->format == TRIAD_FORMAT_CI16_LE;
    const char *rfused = getenv("TRIAD_OPENCL_RANGE_FUSED"); /* "0": separate kernels (tests) */
    const int separate = rfused && strcmp(rfused, "0") == 0;
    const char *rlong = getenv("TRIAD_OPENCL_RANGE_LONG"); /* "0": the power of two (tests) */
    const int no_long = rlong && strcmp(rlong, "0") == 0;
    if (!separate && !no_long && triad__cl_range_design_of(s->nfft) == TRIAD__CL_RANGE_LONG) {
        unsigned log2n2;
        s->n1 = triad__cl_range_long_n1(s->nfft, &log2n2);
        s->log2n2 = log2n2;
        char name[32];
        snprintf(name, sizeof name, "range_long%u_%s", (unsigned)s->n1, ci16 ? "ci16" : "cf32");
        if ((err = make_kernel(s, &s->k_long, name)) ||
            (err = keep_if_runs(s, &s->k_long, 1, TRIAD__CL_RANGE_LONG_ITEMS)))
            goto fail;
        if (s->k_long &&
            ((err = make_twiddles(s, &s->range_tw, s->nfft)) ||
             (err = make_twiddles(s, &s->range_tw2, (size_t)1 << s->log2n2))))
            goto fail;
    }
    if (!s->k_long)
        s->nfft = triad__cl_range_nfft_pow2(p->n, p->l);
    for (s->log2nfft = 0; (1u << s->log2nfft) < s->nfft; s->log2nfft++) {}
    if (separate || s->k_long) {
    } else if (triad__cl_range_design_of(s->nfft) == TRIAD__CL_RANGE_FUSED) {
        if ((err = make_kernel(s, &s->k_fused, ci16 ? "range_fused_ci16" : "range_fused_cf32")) ||
            (err = make_twiddles(s, &s->range_tw, s->nfft)) ||
            (err = keep_if_runs(s, &s->k_fused, 1, TRIAD__CLFFT_LOCAL_ITEMS)))
            goto fail;
    } else if (triad__cl_range_design_of(s->nfft) == TRIAD__CL_RANGE_FOUR_STEP) {
        s->log2n2 = triad__cl_four_step_log2n2(s->log2nfft);
        s->log2n1 = s->log2nfft - s->log2n2;
        if ((err = make_kernel(s, &s->k_four[0], ci16 ? "range_cols_fwd_ci16"
                                                      : "range_cols_fwd_cf32")) ||
            (err = make_kernel(s, &s->k_four[1], "range_rows")) ||
            (err = make_kernel(s, &s->k_four[2], "range_cols_inv")) ||
            (err = make_twiddles(s, &s->range_tw, s->nfft)) ||
            (err = make_twiddles(s, &s->range_tw1, (size_t)1 << s->log2n1)) ||
            (err = make_twiddles(s, &s->range_tw2, (size_t)1 << s->log2n2)) ||
            (err = keep_if_runs(s, s->k_four, 3, TRIAD__CLFFT_LOCAL_ITEMS)))
            goto fail;
    }
    /* the fused Doppler kernel where P pulses fit fft_local's layout with 4+ columns per
     * work-group; TRIAD_OPENCL_DOPPLER_FUSED=0 keeps the separate kernels (tests) */
    const char *dfused = getenv("TRIAD_OPENCL_DOPPLER_FUSED");
    if (triad__cl_doppler_fused(p->p) && !(dfused && strcmp(dfused, "0") == 0)) {
        for (s->log2p = 0; (1u << s->log2p) < p->p; s->log2p++) {}
        if ((err = make_kernel(s, &s->k_dfused, "doppler_fused")) ||
            (err = keep_if_runs(s, &s->k_dfused, 1, TRIAD__CLFFT_LOCAL_ITEMS)))
            goto fail;
    }
    const int range_local = s->k_fused || s->k_four[0] || s->k_long;
    triad__clfft_cfg rc = triad__clfft_cfg_rows(s->nfft, s->gmax * p->p);
    if (!range_local && (err = triad__clfft_create(&s->range_fft, s->ctx, s->prog, &rc)))
        goto fail;
    if (!s->k_dfused && is_pow2(p->p) && p->p >= TRIAD__CLFFT_MIN_N) {
        triad__clfft_cfg dc = triad__clfft_cfg_columns(p->p, s->gmax * p->n, s->gmax * p->n);
        if ((err = triad__clfft_create(&s->doppler_fft, s->ctx, s->prog, &dc)))
            goto fail;
    }
    const size_t cells = p->p * p->n, rcells = p->p * p->range_bins, gm = s->gmax;
    const size_t cube_cells = s->k_dfused ? 0 : gm * cells; /* no cube when fused */
    const size_t pulse_bytes = gm * p->p * s->nfft * 8;
    size_t scratch = s->range_fft ? triad__clfft_scratch_bytes(s->range_fft) : 0;
    size_t dscratch = s->doppler_fft ? triad__clfft_scratch_bytes(s->doppler_fft) : 0;
    float *w = calloc(p->p, sizeof *w);
    float *tw = calloc(2 * p->p, sizeof *tw);
    float *alpha = malloc(p->range_bins * sizeof *alpha);
    if (!w || !tw || !alpha) {
        free(w); free(tw); free(alpha);
        err = triad__fail(TRIAD_ENOMEM, "opencl: out of memory");
        goto fail;
    }
    for (size_t m = 0; m < p->p_mti; m++)
        w[m] = (float)p->doppler_w[m];
    for (size_t j = 0; j < p->p; j++) {
        tw[2 * j] = (float)cos(-2.0 * TRIAD_PI * (double)j / (double)p->p);
        tw[2 * j + 1] = (float)sin(-2.0 * TRIAD_PI * (double)j / (double)p->p);
    }
    memcpy(alpha, p->alpha, p->range_bins * sizeof *alpha);
    const cl_mem_flags rw = CL_MEM_READ_WRITE, ro_copy = CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR;
    err = make_groups(s);
    if (!err) err = make_buffer(s, &s->pulses, rw, pulse_bytes, NULL);
    if (!err) err = make_buffer(s, &s->pulses2, rw, range_local ? 0 : pulse_bytes, NULL);
    if (!err) err = make_buffer(s, &s->scratch, rw, scratch, NULL);
    if (!err) err = make_buffer(s, &s->spectrum, rw, s->nfft * 8, NULL);
    if (!err) err = make_buffer(s, &s->weight, ro_copy, p->p * sizeof *w, w);
    if (!err) err = make_buffer(s, &s->twiddle, ro_copy, 2 * p->p * sizeof *tw, tw);
    if (!err) err = make_buffer(s, &s->cube, rw, cube_cells * 8, NULL);
    if (!err) err = make_buffer(s, &s->dspec, rw, cube_cells * 8, NULL);
    if (!err) err = make_buffer(s, &s->dscratch, rw, dscratch, NULL);
    if (!err) err = make_buffer(s, &s->maps, rw, s->batch * p->c * cells * 4, NULL);
    if (!err) err = make_buffer(s, &s->mask, rw, gm * rcells, NULL);
    if (!err) err = make_buffer(s, &s->list, rw, gm * rcells * 4, NULL);
    if (!err) err = make_buffer(s, &s->label, rw, gm * rcells * 4, NULL);
    if (!err) err = make_buffer(s, &s->alpha, ro_copy, p->range_bins * 4, alpha);
    if (!err) err = make_buffer(s, &s->os_k, ro_copy, p->range_bins * 4, p->os_k);
    if (!err) err = make_buffer(s, &s->os_norm, ro_copy, p->range_bins * 4, p->os_norm);
    free(w);
    free(tw);
    free(alpha);
    if (err || (err = make_spectrum(s)))
        goto fail;
    *out = s;
    return 0;
fail:
    cl_destroy(s);
    return err;
}

/* Set kernel arguments from a list; the macro keeps each call checked. */
#define ARG(k, i, v) TRIAD__CL_TRY(clSetKernelArg((k), (i), sizeof(v), &(v)), err, fail)

/* ---- profiling spans ---- */

/* Where the next command puts its event: only when profiling. */
static cl_event *tick(cl_state *s) { return s->profiling ? &s->tick : NULL; }

static void add_span(cl_state *s, timed t)
{
    cl_group *g = s->rec;
    if (g && g->nev < g->cap_ev) {
        g->ev[g->nev++] = t;
        return;
    }
    if (t.last != t.first)
        release(&t.last);
    release(&t.first);
}

static void close_span(cl_state *s)
{
    if (s->open.first)
        add_span(s, s->open);
    s->open.first = s->open.last = NULL;
}

/* The command just enqueued (its event in s->tick) belongs to stage: extend the open span or
 * start a new one. */
static void tock(cl_state *s, int stage)
{
    if (!s->tick)
        return;
    if (s->open.first && s->open.stage == stage) {
        if (s->open.last != s->open.first)
            clReleaseEvent(s->open.last);
        s->open.last = s->tick;
    } else {
        close_span(s);
        s->open = (timed){.stage = stage, .first = s->tick, .last = s->tick};
    }
    s->tick = NULL;
}

/* A copy's event as a span of its own (the caller keeps its reference). */
static void add_copy(cl_state *s, int stage, cl_event e)
{
    if (!s->profiling || !e)
        return;
    close_span(s);
    clRetainEvent(e);
    add_span(s, (timed){.stage = stage, .first = e, .last = e});
}

/* ---- kernels of one chunk of maps: maps a0 .. a0 + gm - 1 of the batch ---- */

static int run3d(cl_state *s, cl_kernel k, size_t gx, size_t gy, size_t gz, int stage)
{
    int err = 0;
    const size_t local[3] = {64, 1, 1};
    const size_t global[3] = {(gx + 63) / 64 * 64, gy, gz};
    TRIAD__CL_TRY(clEnqueueNDRangeKernel(s->ctx->queue, k, 3, NULL, global, local, 0, NULL,
                                         tick(s)),
                  err, fail);
    tock(s, stage);
fail:
    return err;
}

/* The map size and training ring, in the order cfar_os and extract_peaks take them:
 * n, p, rb, g, go, dg, dgo. */
static int arg_ring(cl_state *s, cl_kernel k, cl_uint *a)
{
    int err = 0;
    ARG(k, (*a)++, s->w.n);
    ARG(k, (*a)++, s->w.np);
    ARG(k, (*a)++, s->w.rb);
    ARG(k, (*a)++, s->w.g);
    ARG(k, (*a)++, s->w.go);
    ARG(k, (*a)++, s->w.dg);
    ARG(k, (*a)++, s->w.dgo);
fail:
    return err;
}

/* Range and Doppler stages of the chunk into maps. */
static int spectra(cl_state *s, cl_mem raw, cl_mem out, cl_uint a0, size_t gm)
{
    const triad__plan *p = s->plan;
    int err = 0;
    const cl_uint nfft = (cl_uint)s->nfft, rows = (cl_uint)(gm * p->p);
    const cl_uint p_mti = (cl_uint)p->p_mti, mti = (cl_uint)p->mti;
    cl_kernel k;
    cl_uint a = 0;
    if (s->k_fused) { /* load, FFT, multiply, inverse FFT in one kernel */
        k = s->k_fused;
        ARG(k, a++, raw);
        ARG(k, a++, s->pulses);
        ARG(k, a++, s->spectrum);
        ARG(k, a++, s->range_tw);
        ARG(k, a++, out);
        ARG(k, a++, s->w.ostride);
        ARG(k, a++, s->log2nfft);
        ARG(k, a++, s->w.n);
        ARG(k, a++, s->w.np);
        ARG(k, a++, rows);
        ARG(k, a++, s->w.c);
        ARG(k, a++, a0);
        const size_t pulses_per_group = TRIAD__CLFFT_LOCAL_MAX_N / s->nfft;
        const size_t local = TRIAD__CLFFT_LOCAL_ITEMS;
        const size_t global = (rows + pulses_per_group - 1) / pulses_per_group * local;
        TRIAD__CL_TRY(clEnqueueNDRangeKernel(s->ctx->queue, k, 1, NULL, &global, &local, 0, NULL,
                                             tick(s)),
                      err, fail);
        tock(s, ST_RANGE);
        goto doppler;
    }
    if (s->k_long) { /* the four-step in one kernel, a pulse per work-group */
        k = s->k_long;
        ARG(k, a++, raw);
        ARG(k, a++, s->pulses);
        ARG(k, a++, s->spectrum);
        ARG(k, a++, s->range_tw);
        ARG(k, a++, s->range_tw2);
        ARG(k, a++, out);
        ARG(k, a++, s->w.ostride);
        ARG(k, a++, s->log2n2);
        ARG(k, a++, s->w.n);
        ARG(k, a++, nfft);
        ARG(k, a++, s->w.np);
        ARG(k, a++, s->w.c);
        ARG(k, a++, a0);
        const size_t local = TRIAD__CL_RANGE_LONG_ITEMS, global = (size_t)rows * local;
        TRIAD__CL_TRY(clEnqueueNDRangeKernel(s->ctx->queue, k, 1, NULL, &global, &local, 0, NULL,
                                             tick(s)),
                      err, fail);
        tock(s, ST_RANGE);
        goto doppler;
    }
    if (s->k_four[0]) { /* four-step: columns, rows with the filter, columns back */
        const size_t local = TRIAD__CLFFT_LOCAL_ITEMS, points = (size_t)rows * s->nfft;
        const size_t global = points / TRIAD__CLFFT_LOCAL_MAX_N * local; /* 4096 per group */
        k = s->k_four[0];
        ARG(k, a++, raw);
        ARG(k, a++, s->pulses);
        ARG(k, a++, s->range_tw);
        ARG(k, a++, s->range_tw1);
        ARG(k, a++, out);
        ARG(k, a++, s->w.ostride);
        ARG(k, a++, s->log2n1);
        ARG(k, a++, s->log2n2);
        ARG(k, a++, s->w.n);
        ARG(k, a++, s->w.np);
        ARG(k, a++, s->w.c);
        ARG(k, a++, a0);
        k = s->k_four[1];
        ARG(k, 0, s->pulses);
        ARG(k, 1, s->spectrum);
        ARG(k, 2, s->range_tw);
        ARG(k, 3, s->range_tw2);
        ARG(k, 4, s->log2n1);
        ARG(k, 5, s->log2n2);
        k = s->k_four[2];
        ARG(k, 0, s->pulses);
        ARG(k, 1, s->range_tw1);
        ARG(k, 2, s->log2n1);
        ARG(k, 3, s->log2n2);
        ARG(k, 4, s->w.n);
        for (int i = 0; i < 3; i++) {
            TRIAD__CL_TRY(clEnqueueNDRangeKernel(s->ctx->queue, s->k_four[i], 1, NULL, &global,
                                                 &local, 0, NULL, tick(s)),
                          err, fail);
            tock(s, ST_RANGE);
        }
        goto doppler;
    }
    k = s->k_load;
    ARG(k, a++, raw);
    ARG(k, a++, s->pulses);
    ARG(k, a++, out);
    ARG(k, a++, s->w.ostride);
    ARG(k, a++, s->w.n);
    ARG(k, a++, nfft);
    ARG(k, a++, s->w.np);
    ARG(k, a++, s->w.c);
    ARG(k, a++, a0);
    if ((err = run3d(s, k, s->nfft, p->p, gm, ST_RANGE)))
        goto fail;
    if ((err = triad__clfft_enqueue_batch(s->range_fft, s->ctx->queue, rows, s->pulses,
                                          s->pulses2, s->scratch, TRIAD__CLFFT_FORWARD, 0, NULL,
                                          tick(s))))
        goto fail;
    tock(s, ST_RANGE);
    k = s->k_multiply;
    ARG(k, 0, s->pulses2);
    ARG(k, 1, s->spectrum);
    ARG(k, 2, nfft);
    if ((err = run3d(s, k, s->nfft, rows, 1, ST_RANGE)) ||
        (err = triad__clfft_enqueue_batch(s->range_fft, s->ctx->queue, rows, s->pulses2,
                                          s->pulses, s->scratch, TRIAD__CLFFT_INVERSE, 0, NULL,
                                          tick(s))))
        goto fail;
    tock(s, ST_RANGE);
doppler:
    if (s->k_dfused) { /* weight, FFT across pulses, power in one kernel */
        k = s->k_dfused;
        const cl_uint cols = (cl_uint)(gm * p->n);
        a = 0;
        ARG(k, a++, s->pulses);
        ARG(k, a++, s->maps);
        ARG(k, a++, s->weight);
        ARG(k, a++, s->twiddle);
        ARG(k, a++, s->log2p);
        ARG(k, a++, s->w.n);
        ARG(k, a++, nfft);
        ARG(k, a++, p_mti);
        ARG(k, a++, mti);
        ARG(k, a++, cols);
        ARG(k, a++, a0);
        const size_t per_group = TRIAD__CLFFT_LOCAL_MAX_N / p->p;
        const size_t local = TRIAD__CLFFT_LOCAL_ITEMS;
        const size_t global = (cols + per_group - 1) / per_group * local;
        TRIAD__CL_TRY(clEnqueueNDRangeKernel(s->ctx->queue, k, 1, NULL, &global, &local, 0, NULL,
                                             tick(s)),
                      err, fail);
        tock(s, ST_DOPPLER);
        return 0;
    }
    k = s->k_weight;
    ARG(k, 0, s->pulses);
    ARG(k, 1, s->cube);
    ARG(k, 2, s->weight);
    ARG(k, 3, s->w.n);
    ARG(k, 4, nfft);
    ARG(k, 5, s->w.np);
    ARG(k, 6, p_mti);
    ARG(k, 7, mti);
    ARG(k, 8, s->w.width);
    if ((err = run3d(s, k, p->n, p->p, gm, ST_DOPPLER)))
        goto fail;
    if (s->doppler_fft) {
        if ((err = triad__clfft_enqueue_batch(s->doppler_fft, s->ctx->queue, gm * p->n, s->cube,
                                              s->dspec, s->dscratch, TRIAD__CLFFT_FORWARD, 0,
                                              NULL, tick(s))))
            goto fail;
        tock(s, ST_DOPPLER);
    } else {
        k = s->k_dft;
        ARG(k, 0, s->cube);
        ARG(k, 1, s->dspec);
        ARG(k, 2, s->twiddle);
        ARG(k, 3, s->w.n);
        ARG(k, 4, s->w.np);
        ARG(k, 5, s->w.width);
        if ((err = run3d(s, k, p->n, p->p, gm, ST_DOPPLER)))
            goto fail;
    }
    k = s->k_power;
    ARG(k, 0, s->dspec);
    ARG(k, 1, s->maps);
    ARG(k, 2, s->w.n);
    ARG(k, 3, s->w.np);
    ARG(k, 4, s->w.width);
    ARG(k, 5, a0);
    err = run3d(s, k, p->n, p->p, gm, ST_DOPPLER);
fail:
    return err;
}

/* CFAR of the chunk's maps into mask and the list of cells above threshold. */
static int cfar(cl_state *s, cl_mem out, cl_uint a0, size_t gm)
{
    const triad__plan *p = s->plan;
    int err = 0;
    cl_kernel k;
    cl_uint a = 0;
    if (p->cfar.type != TRIAD_CFAR_OS) {
        k = s->k_mean;
        ARG(k, a++, s->maps);
        ARG(k, a++, s->alpha);
        ARG(k, a++, s->mask);
        ARG(k, a++, s->list);
        ARG(k, a++, out);
        const size_t tile_bytes = (TILE + 2 * (size_t)s->w.go) * sizeof(float);
        TRIAD__CL_TRY(clSetKernelArg(k, a++, tile_bytes, NULL), err, fail);
        TRIAD__CL_TRY(clSetKernelArg(k, a++, tile_bytes, NULL), err, fail);
        ARG(k, a++, s->w.n);
        ARG(k, a++, s->w.np);
        ARG(k, a++, s->w.rb);
        ARG(k, a++, s->w.g);
        ARG(k, a++, s->w.go);
        ARG(k, a++, s->w.dg);
        ARG(k, a++, s->w.dgo);
        ARG(k, a++, s->w.dh);
        ARG(k, a++, s->w.gh);
        ARG(k, a++, s->w.type);
        ARG(k, a++, s->w.list_cap);
        ARG(k, a++, s->w.ostride);
        ARG(k, a++, a0);
        const size_t local[3] = {TILE, 1, 1};
        const size_t global[3] = {(p->range_bins + TILE - 1) / TILE * TILE, p->p, gm};
        TRIAD__CL_TRY(clEnqueueNDRangeKernel(s->ctx->queue, k, 3, NULL, global, local, 0, NULL,
                                             tick(s)),
                      err, fail);
        tock(s, ST_CFAR);
    } else {
        k = s->k_os;
        ARG(k, a++, s->maps);
        ARG(k, a++, s->alpha);
        ARG(k, a++, s->os_k);
        ARG(k, a++, s->mask);
        ARG(k, a++, s->list);
        ARG(k, a++, out);
        if ((err = arg_ring(s, k, &a)))
            goto fail;
        ARG(k, a++, s->w.list_cap);
        ARG(k, a++, s->w.ostride);
        ARG(k, a++, a0);
        err = run3d(s, k, p->range_bins, p->p, gm, ST_CFAR);
    }
fail:
    return err;
}

/* Group the cells above threshold and write one detection per group into out, all on the
 * device: counts are read there, so nothing waits for the host. */
static int extract(cl_state *s, cl_mem out, cl_uint a0, size_t gm)
{
    int err = 0;
    cl_kernel k = s->k_label_init;
    ARG(k, 0, s->list);
    ARG(k, 1, s->label);
    ARG(k, 2, out);
    ARG(k, 3, s->w.list_cap);
    ARG(k, 4, s->w.np);
    ARG(k, 5, s->w.rb);
    ARG(k, 6, s->w.ostride);
    ARG(k, 7, a0);
    if ((err = run3d(s, k, s->w.list_cap, gm, 1, ST_EXTRACT)))
        goto fail;
    k = s->k_group;
    ARG(k, 0, s->maps);
    ARG(k, 1, s->list);
    ARG(k, 2, s->mask);
    ARG(k, 3, s->label);
    ARG(k, 4, out);
    ARG(k, 5, s->w.list_cap);
    ARG(k, 6, s->w.n);
    ARG(k, 7, s->w.np);
    ARG(k, 8, s->w.rb);
    ARG(k, 9, s->w.ostride);
    ARG(k, 10, a0);
    const size_t one = GROUP, all = GROUP * gm;
    TRIAD__CL_TRY(clEnqueueNDRangeKernel(s->ctx->queue, k, 1, NULL, &all, &one, 0, NULL, tick(s)),
                  err, fail);
    tock(s, ST_EXTRACT);
    k = s->k_peaks;
    cl_uint a = 0;
    ARG(k, a++, s->maps);
    ARG(k, a++, s->list);
    ARG(k, a++, s->label);
    ARG(k, a++, s->os_k);
    ARG(k, a++, s->os_norm);
    ARG(k, a++, out);
    ARG(k, a++, s->w.list_cap);
    if ((err = arg_ring(s, k, &a)))
        goto fail;
    ARG(k, a++, s->w.type);
    ARG(k, a++, s->w.max_dets);
    ARG(k, a++, s->w.ostride);
    ARG(k, a++, a0);
    err = run3d(s, k, s->w.list_cap, gm, 1, ST_EXTRACT);
fail:
    return err;
}

/* ---- profiling sums ---- */

static cl_ulong overlap_ns(const cl_ulong a[2], const cl_ulong b[2])
{
    const cl_ulong lo = a[0] > b[0] ? a[0] : b[0], hi = a[1] < b[1] ? a[1] : b[1];
    return hi > lo ? hi - lo : 0;
}

static void widen(cl_ulong iv[2], cl_ulong t0, cl_ulong t1)
{
    if (!iv[1] || t0 < iv[0])
        iv[0] = t0;
    if (t1 > iv[1])
        iv[1] = t1;
}

/* The last launch of g is complete: add its spans to the sums, give each of its CPIs its
 * share, count the copy time that overlapped kernels of this or a recent launch, and drop the
 * events. */
static void absorb(cl_state *s, cl_group *g)
{
    if (!g->nev)
        return;
    double t[NUM_ST] = {0};
    span_rec r = {.valid = 1};
    for (size_t i = 0; i < g->nev; i++) {
        cl_ulong t0 = 0, t1 = 0;
        if (clGetEventProfilingInfo(g->ev[i].first, CL_PROFILING_COMMAND_START, sizeof t0, &t0,
                                    NULL) != CL_SUCCESS ||
            clGetEventProfilingInfo(g->ev[i].last, CL_PROFILING_COMMAND_END, sizeof t1, &t1,
                                    NULL) != CL_SUCCESS ||
            t1 < t0)
            continue;
        const int st = g->ev[i].stage;
        t[st] += (double)(t1 - t0) * 1e-9;
        widen(st == ST_H2D ? r.up : st == ST_D2H ? r.down : r.comp, t0, t1);
    }
    release_timed(g);
    cl_ulong ov = overlap_ns(r.up, r.comp) + overlap_ns(r.down, r.comp);
    for (int h = 0; h < HIST; h++) {
        const span_rec *q = &s->hist[h];
        if (!q->valid)
            continue;
        ov += overlap_ns(r.up, q->comp) + overlap_ns(r.down, q->comp) +
              overlap_ns(q->up, r.comp) + overlap_ns(q->down, r.comp);
    }
    s->hist[s->hist_next] = r;
    s->hist_next = (s->hist_next + 1) % HIST;
    s->overlap_s += (double)ov * 1e-9;
    for (int i = 0; i < NUM_ST; i++)
        s->prof_s[i] += t[i];
    s->prof_cpis += g->launched;
    for (size_t i = 0; i < s->batch; i++)
        if (g->in_launch[i])
            for (int j = 0; j < 4; j++)
                g->sub_times[i][j] = t[j] / (double)g->launched;
}

/* ---- launches ---- */

/* Wait until no queue still works on the group (an upload may be reading host memory), then
 * drop its events: after a failed launch. */
static void abandon(cl_state *s, cl_group *g)
{
    clFinish(s->up_q);
    clFinish(s->ctx->queue);
    clFinish(s->down_q);
    release(&s->tick);
    close_span(s);
    s->rec = NULL;
    release_events(g);
}

/* The next run [*i, *e) of consecutive pending slots below hi (copies go run by run);
 * false when none is left. */
static bool next_pending_run(const cl_group *g, size_t *i, size_t hi, size_t *e)
{
    while (*i < hi && !g->pending[*i])
        (*i)++;
    for (*e = *i; *e < hi && g->pending[*e]; (*e)++)
        ;
    return *i < hi;
}

/* Launch the group's pending CPIs: upload them (each run of neighbouring positions in one
 * copy; from src instead of the staging when src is given, for one CPI), run the kernels over
 * the positions lo .. hi-1 they span, download their results. Ordered after the group's last
 * launch: the upload waits for its kernels (raw_dev), the kernels for its download (out_dev). */
static int launch(cl_state *s, cl_group *g, const void *src)
{
    const triad__plan *p = s->plan;
    cl_command_queue q = s->ctx->queue;
    int err = 0;
    size_t lo = s->batch, hi = 0, k = 0;
    for (size_t i = 0; i < s->batch; i++)
        if (g->pending[i]) {
            lo = i < lo ? i : lo;
            hi = i + 1;
            k++;
        }
    if (!k)
        return 0;
    if (s->fail_after >= 0 && s->uploads + (long)k > s->fail_after)
        return triad__fail(TRIAD_EBACKEND, "opencl: device lost (injected by "
                                           "TRIAD_TEST_OPENCL_FAIL_AFTER)");
    s->uploads += (long)k;
    if (s->profiling && g->nev) { /* the last launch's spans, before they are replaced */
        TRIAD__CL_TRY(clWaitForEvents(1, &g->down), err, fail);
        absorb(s, g);
    }
    cl_event prev[2] = {g->comp, g->down};
    g->comp = g->down = NULL;
    release(&g->up);
    s->rec = g;
    const cl_uint nprev = prev[0] ? 1 : 0;
    for (size_t i = lo, e; next_pending_run(g, &i, hi, &e); i = e) { /* uploads, run by run */
        release(&g->up);
        const void *from = src ? src : g->in_host + i * s->cpi_bytes;
        TRIAD__CL_TRY(clEnqueueWriteBuffer(s->up_q, g->raw_dev, CL_FALSE, i * s->cpi_bytes,
                                           (e - i) * s->cpi_bytes, from, nprev, nprev ? prev : NULL,
                                           &g->up),
                      err, fail);
        add_copy(s, ST_H2D, g->up);
    }
    TRIAD__CL_TRY(clFlush(s->up_q), err, fail);
    cl_event before[2] = {g->up, prev[1]};
    TRIAD__CL_TRY(clEnqueueBarrierWithWaitList(q, prev[1] ? 2 : 1, before, NULL), err, fail);
    const size_t head = p->c * s->out_ch_bytes, at = lo * head;
    const cl_uint zero = 0;
    if (s->zero_by_write) { /* Oclgrind (tests/oclgrind_check.sh): see cl_create */
        void *zeros = calloc(1, (hi - lo) * head);
        if (!zeros) {
            err = triad__fail(TRIAD_ENOMEM, "opencl: out of memory");
            goto fail;
        }
        const cl_int rc = clEnqueueWriteBuffer(q, g->out_dev, CL_TRUE, at, (hi - lo) * head,
                                               zeros, 0, NULL, NULL);
        free(zeros);
        TRIAD__CL_TRY(rc, err, fail);
    } else
        TRIAD__CL_TRY(clEnqueueFillBuffer(q, g->out_dev, &zero, sizeof zero, at, (hi - lo) * head,
                                          0, NULL, NULL),
                      err, fail);
    for (size_t a0 = lo * p->c; a0 < hi * p->c; a0 += s->gmax) {
        const size_t gm = hi * p->c - a0 < s->gmax ? hi * p->c - a0 : s->gmax;
        if ((err = spectra(s, g->raw_dev, g->out_dev, (cl_uint)a0, gm)) ||
            (err = cfar(s, g->out_dev, (cl_uint)a0, gm)) ||
            (err = extract(s, g->out_dev, (cl_uint)a0, gm)))
            goto fail;
    }
    close_span(s);
    TRIAD__CL_TRY(clEnqueueMarkerWithWaitList(q, 0, NULL, &g->comp), err, fail);
    TRIAD__CL_TRY(clFlush(q), err, fail);
    for (size_t i = lo, e; next_pending_run(g, &i, hi, &e); i = e) { /* downloads, run by run */
        release(&g->down);
        TRIAD__CL_TRY(clEnqueueReadBuffer(s->down_q, g->out_dev, CL_FALSE, i * head,
                                          (e - i) * head, g->out_host + i * head, 1, &g->comp,
                                          &g->down),
                      err, fail);
        add_copy(s, ST_D2H, g->down);
    }
    TRIAD__CL_TRY(clFlush(s->down_q), err, fail);
    for (size_t i = 0; i < s->batch; i++) {
        g->in_launch[i] = g->pending[i];
        if (g->pending[i]) {
            clRetainEvent(g->down);
            g->sub_down[i] = g->down;
            g->pending[i] = 0;
        }
    }
    g->launched = k;
    s->last_pos = hi - 1;
    s->rec = NULL;
fail:
    release(&prev[0]);
    release(&prev[1]);
    return err;
}

static void *cl_input(void *st, size_t slot)
{
    cl_state *s = st;
    return s->group[slot / s->batch].in_host + slot % s->batch * s->cpi_bytes;
}

static size_t cl_slots(const void *st)
{
    const cl_state *s = st;
    return GROUPS * s->batch;
}

/* Mark the slot; launch its group when every slot of it is submitted. */
static int cl_submit(void *st, size_t slot)
{
    cl_state *s = st;
    cl_group *g = &s->group[slot / s->batch];
    const size_t i = slot % s->batch;
    g->pending[i] = 1;
    g->t_submit[i] = triad__now();
    size_t n = 0;
    for (size_t j = 0; j < s->batch; j++)
        n += g->pending[j];
    int err = n == s->batch ? launch(s, g, NULL) : 0;
    if (err)
        abandon(s, g);
    return err;
}

static int cl_collect(void *st, size_t slot, triad__bin_det *dets, size_t *counts,
                      triad_chain_stats *stats, double times[4])
{
    cl_state *s = st;
    const triad__plan *p = s->plan;
    cl_group *g = &s->group[slot / s->batch];
    const size_t i = slot % s->batch;
    int err = 0;
    if (g->pending[i] && (err = launch(s, g, NULL))) { /* a partial batch */
        abandon(s, g);
        return err;
    }
    if (!g->sub_down[i])
        return triad__fail(TRIAD_EINVAL, "opencl: collect of slot %zu that was not submitted", slot);
    TRIAD__CL_TRY(clWaitForEvents(1, &g->sub_down[i]), err, fail);
    const unsigned char *base = g->out_host + i * p->c * s->out_ch_bytes;
    for (size_t ch = 0; ch < p->c; ch++) {
        const unsigned char *o = base + ch * s->out_ch_bytes;
        cl_uint head[3];
        memcpy(head, o, sizeof head);
        const size_t kept = head[2] < p->max_detections ? head[2] : p->max_detections;
        const float *d = (const float *)(o + 16);
        triad__bin_det *out = dets + ch * p->max_detections;
        for (size_t k = 0; k < kept; k++) {
            out[k].range_bin = d[4 * k];
            out[k].doppler_bin = d[4 * k + 1];
            out[k].snr_db = d[4 * k + 2];
            out[k].power_db = d[4 * k + 3];
        }
        counts[ch] = kept;
        stats->dropped += head[2] - kept;
        stats->cells_above += head[1];
        if (ch == 0)
            stats->nonfinite += head[0]; /* the CPI's counter sits with its channel 0 */
    }
    if (s->profiling) { /* device time per stage: this CPI's share of its launch */
        if (g->sub_down[i] == g->down)
            absorb(s, g);
        memcpy(times, g->sub_times[i], 4 * sizeof *times);
    } else {
        times[0] = triad__now() - g->t_submit[i]; /* submit to results, all stages */
        times[1] = times[2] = times[3] = 0.0;
    }
fail:
    release(&g->sub_down[i]);
    return err;
}

/* One CPI start to finish: uploaded straight from the caller's memory (slot 0). */
static int cl_execute(void *st, const void *raw, triad__bin_det *dets, size_t *counts,
                      triad_chain_stats *stats, double times[4])
{
    cl_state *s = st;
    cl_group *g = &s->group[0];
    g->pending[0] = 1;
    g->t_submit[0] = triad__now();
    int err = launch(s, g, raw);
    if (!err)
        return cl_collect(s, 0, dets, counts, stats, times);
    abandon(s, g); /* the upload may still read the caller's memory */
    return err;
}

static int cl_power_map(const void *st, size_t ch, float *map)
{
    const cl_state *s = st;
    const triad__plan *p = s->plan;
    const size_t bytes = p->p * p->n * sizeof *map;
    int err = 0;
    TRIAD__CL_TRY(clEnqueueReadBuffer(s->ctx->queue, s->maps, CL_TRUE,
                                      (s->last_pos * p->c + ch) * bytes, bytes, map, 0, NULL,
                                      NULL),
                  err, fail);
fail:
    return err;
}

static int cl_compressed(const void *st, size_t ch, float complex *out)
{
    (void)st;
    (void)ch;
    (void)out;
    return triad__fail(TRIAD_EUNSUPPORTED, "opencl: compressed pulses are not kept on the device; "
                                           "use --backend fftw to inspect them");
}

static void cl_profile(const void *st, triad_chain_profile *out)
{
    const cl_state *s = st;
    memset(out, 0, sizeof *out);
    out->batch = s->batch;
    out->available = s->profiling;
    out->cpis = s->prof_cpis;
    for (int i = 0; i < 4; i++)
        out->stage_s[i] = s->prof_s[i];
    out->h2d_s = s->prof_s[ST_H2D];
    out->d2h_s = s->prof_s[ST_D2H];
    out->overlap_s = s->overlap_s;
}

const triad__backend_ops triad__backend_opencl = {
    .name = "opencl",
    .create = cl_create,
    .destroy = cl_destroy,
    .execute = cl_execute,
    .power_map = cl_power_map,
    .compressed = cl_compressed,
    .slots = cl_slots,
    .input = cl_input,
    .submit = cl_submit,
    .collect = cl_collect,
    .profile = cl_profile,
};
