/* OpenCL backend: the whole chain on the device; only the raw CPI goes up and the detections
 * (and a power map, when asked for) come back.
 *
 *   raw -> range_load (convert, zero-pad to a power of two) -> FFT -> range_multiply -> IFFT
 *       -> doppler_weight (MTI, window) -> FFT down the columns (or DFT when P is not a power
 *       of two) -> doppler_power (fftshift) -> cfar_colsum -> cfar_mean | cfar_os
 *       -> extract_label_init -> extract_group (until stable, one work-group) -> extract_peaks
 *
 * Streaming: two slots, each with pinned host staging for its CPI and its results, and three
 * in-order queues tied by events: the upload of CPI k+1 (upload queue), the kernels of CPI k
 * (compute queue) and the download of CPI k-1's detections (download queue) run at the same
 * time. The host never waits between kernels: counts stay on the device and kernels read them.
 * Everything is created once (context, program, FFT plans, buffers); submit only enqueues.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "proc/backend.h"
#include "proc/opencl/cl_util.h"
#include "proc/opencl/fft_cl.h"
#include "triad/units.h"

enum { TILE = 256 };  /* range bins per cfar_mean work-group */
enum { SLOTS = 2 };   /* CPIs in flight */
enum { GROUP = 256 }; /* extract_group's work-group */

/* One CPI in flight: pinned staging in and out, the device copy of its raw samples, and the
 * events that order upload -> compute -> download. out holds per channel a header (nonfinite,
 * cells above, detections, 0) and max_detections float4 detections. */
typedef struct {
    cl_mem in_pinned, out_pinned, raw_dev, out_dev;
    void *in_host, *out_host;
    cl_event up, comp, down;
    double t_submit;
} cl_slot;

typedef struct {
    const triad__plan *plan;
    triad__cl_ctx *ctx;
    cl_program prog;
    cl_kernel k_load, k_multiply, k_weight, k_dft, k_power, k_colsum, k_mean, k_os;
    cl_kernel k_fused;              /* range stage in one kernel when nfft <= 4096, else NULL */
    cl_mem range_tw;                /* its twiddles exp(-2 pi i m / nfft) */
    cl_uint log2nfft;
    cl_kernel k_label_init, k_group, k_peaks;
    cl_command_queue up_q, down_q;  /* the compute queue is ctx->queue */
    cl_slot slot[SLOTS];
    size_t out_ch_bytes;            /* 16 + 16 max_detections */
    long fail_after;                /* tests: TRIAD_TEST_OPENCL_FAIL_AFTER uploads, then fail */
    struct {                        /* the map and CFAR window as the kernels take them */
        cl_uint n, np, rb, list_cap, max_dets;
        cl_int g, go, dg, dgo, dh, gh, type;
    } w;
    long uploads;
    triad__clfft *range_fft, *doppler_fft;
    size_t nfft;               /* power of two >= N + L - 1 */
    cl_mem pulses, pulses2, scratch, spectrum, weight, cube, dspec, dscratch, twiddle;
    cl_mem *map;               /* per channel [P x N] */
    cl_mem vo, vt, mask, list, label, dets;
    cl_mem nonfinite_counter, above_counter, dets_counter; /* one uint each */
    cl_mem alpha, os_k, os_norm;
} cl_state;

static size_t pow2_at_least(size_t n)
{
    size_t m = 1;
    while (m < n)
        m <<= 1;
    return m;
}

static int is_pow2(size_t n) { return n && !(n & (n - 1)); }

/* Drop a slot's events (they are made anew by the next submit). */
static void release_events(cl_slot *sl)
{
    cl_event *evs[] = {&sl->up, &sl->comp, &sl->down};
    for (int e = 0; e < 3; e++) {
        if (*evs[e])
            clReleaseEvent(*evs[e]);
        *evs[e] = NULL;
    }
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
    for (int i = 0; i < SLOTS; i++) {
        cl_slot *sl = &s->slot[i];
        release_events(sl);
        if (sl->in_host) clEnqueueUnmapMemObject(s->ctx->queue, sl->in_pinned, sl->in_host, 0, NULL, NULL);
        if (sl->out_host) clEnqueueUnmapMemObject(s->ctx->queue, sl->out_pinned, sl->out_host, 0, NULL, NULL);
        if (sl->in_host || sl->out_host) clFinish(s->ctx->queue);
        cl_mem ms[] = {sl->in_pinned, sl->out_pinned, sl->raw_dev, sl->out_dev};
        for (int m = 0; m < 4; m++)
            if (ms[m]) clReleaseMemObject(ms[m]);
    }
    triad__clfft_destroy(s->range_fft);
    triad__clfft_destroy(s->doppler_fft);
    cl_kernel ks[] = {s->k_fused, s->k_load, s->k_multiply, s->k_weight, s->k_dft, s->k_power, s->k_colsum,
                      s->k_mean, s->k_os, s->k_label_init, s->k_group, s->k_peaks};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
        if (ks[i]) clReleaseKernel(ks[i]);
    cl_mem ms[] = {s->range_tw, s->pulses, s->pulses2, s->scratch, s->spectrum, s->weight, s->cube,
                   s->dspec, s->dscratch, s->twiddle, s->vo, s->vt, s->mask, s->list, s->label,
                   s->dets, s->alpha, s->os_k, s->os_norm, s->nonfinite_counter,
                   s->above_counter, s->dets_counter};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
        if (ms[i]) clReleaseMemObject(ms[i]);
    for (size_t i = 0; s->map && i < s->plan->c; i++)
        if (s->map[i]) clReleaseMemObject(s->map[i]);
    free(s->map);
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

/* The matched filter spectrum conj(FFT(h)) / nfft, made on the device with our own FFT so the
 * backend needs nothing else. */
static int make_spectrum(cl_state *s)
{
    const triad__plan *p = s->plan;
    int err = 0;
    float *h = calloc(2 * s->nfft, sizeof *h);
    triad__clfft *one = NULL;
    cl_mem tmp = NULL, tmp_scratch = NULL;
    if (!h)
        return triad__fail(TRIAD_ENOMEM, "opencl: out of memory");
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
    TRIAD__CL_TRY(clEnqueueWriteBuffer(s->ctx->queue, s->spectrum, CL_TRUE, 0,
                                       2 * s->nfft * sizeof *h, h, 0, NULL, NULL),
                  err, done);
done:
    triad__clfft_destroy(one);
    if (tmp) clReleaseMemObject(tmp);
    if (tmp_scratch) clReleaseMemObject(tmp_scratch);
    free(h);
    return err;
}

/* The extra queues and the slots' buffers; pinned staging is mapped once, for good. */
static int make_slots(cl_state *s, size_t raw_bytes)
{
    const triad__plan *p = s->plan;
    int err = 0;
    cl_int e;
    TRIAD__CL_PAR(s->up_q = clCreateCommandQueue(s->ctx->context, s->ctx->device, 0, &e), e, err,
                  fail);
    TRIAD__CL_PAR(s->down_q = clCreateCommandQueue(s->ctx->context, s->ctx->device, 0, &e), e,
                  err, fail);
    const size_t out_bytes = p->c * s->out_ch_bytes;
    for (int i = 0; i < SLOTS; i++) {
        cl_slot *sl = &s->slot[i];
        if ((err = make_buffer(s, &sl->in_pinned, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR,
                               raw_bytes, NULL)) ||
            (err = make_buffer(s, &sl->out_pinned, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR,
                               out_bytes, NULL)) ||
            (err = make_buffer(s, &sl->raw_dev, CL_MEM_READ_ONLY, raw_bytes, NULL)) ||
            (err = make_buffer(s, &sl->out_dev, CL_MEM_READ_WRITE, out_bytes, NULL)))
            goto fail;
        TRIAD__CL_PAR(sl->in_host = clEnqueueMapBuffer(s->ctx->queue, sl->in_pinned, CL_TRUE,
                                                       CL_MAP_READ | CL_MAP_WRITE, 0, raw_bytes,
                                                       0, NULL, NULL, &e),
                      e, err, fail);
        TRIAD__CL_PAR(sl->out_host = clEnqueueMapBuffer(s->ctx->queue, sl->out_pinned, CL_TRUE,
                                                        CL_MAP_READ | CL_MAP_WRITE, 0, out_bytes,
                                                        0, NULL, NULL, &e),
                      e, err, fail);
    }
fail:
    return err;
}

static int cl_create(void **out, const triad__plan *p)
{
    *out = NULL;
    cl_state *s = calloc(1, sizeof *s);
    if (!s)
        return triad__fail(TRIAD_ENOMEM, "opencl: out of memory");
    s->plan = p;
    s->nfft = pow2_at_least(p->n + p->l - 1);
    s->w.n = (cl_uint)p->n;
    s->w.np = (cl_uint)p->p;
    s->w.rb = (cl_uint)p->range_bins;
    s->w.list_cap = (cl_uint)(p->p * p->range_bins);
    s->w.max_dets = (cl_uint)p->max_detections;
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
    int err = triad__cl_ctx_create(&s->ctx, p->device, 0);
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
        (err = make_kernel(s, &s->k_colsum, "cfar_colsum")) ||
        (err = make_kernel(s, &s->k_mean, "cfar_mean")) ||
        (err = make_kernel(s, &s->k_os, "cfar_os")) ||
        (err = make_kernel(s, &s->k_label_init, "extract_label_init")) ||
        (err = make_kernel(s, &s->k_group, "extract_group")) ||
        (err = make_kernel(s, &s->k_peaks, "extract_peaks")))
        goto fail;
    /* the fused range kernel where one pulse's FFT fits in a work-group's local memory */
    for (s->log2nfft = 0; (1u << s->log2nfft) < s->nfft; s->log2nfft++) {}
    if (s->nfft >= TRIAD__CLFFT_LOCAL_MIN_N && s->nfft <= TRIAD__CLFFT_LOCAL_MAX_N) {
        const char *fused = p->format == TRIAD_FORMAT_CI16_LE ? "range_fused_ci16" : "range_fused_cf32";
        float *tw = malloc(2 * s->nfft * sizeof *tw);
        if (!tw) {
            err = triad__fail(TRIAD_ENOMEM, "opencl: out of memory");
            goto fail;
        }
        for (size_t m = 0; m < s->nfft; m++) {
            tw[2 * m] = (float)cos(-2.0 * TRIAD_PI * (double)m / (double)s->nfft);
            tw[2 * m + 1] = (float)sin(-2.0 * TRIAD_PI * (double)m / (double)s->nfft);
        }
        err = make_kernel(s, &s->k_fused, fused);
        if (!err)
            err = make_buffer(s, &s->range_tw, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                              2 * s->nfft * sizeof *tw, tw);
        free(tw);
        if (err)
            goto fail;
    }
    triad__clfft_cfg rc = triad__clfft_cfg_rows(s->nfft, p->p);
    if ((err = triad__clfft_create(&s->range_fft, s->ctx, s->prog, &rc)))
        goto fail;
    if (is_pow2(p->p) && p->p >= TRIAD__CLFFT_MIN_N) {
        triad__clfft_cfg dc = triad__clfft_cfg_columns(p->p, p->n, p->n);
        if ((err = triad__clfft_create(&s->doppler_fft, s->ctx, s->prog, &dc)))
            goto fail;
    }
    const size_t cells = p->p * p->n, rcells = p->p * p->range_bins;
    const size_t raw_bytes = cells * p->c * triad_format_bytes(p->format);
    const size_t pulse_bytes = p->p * s->nfft * 8;
    size_t scratch = triad__clfft_scratch_bytes(s->range_fft);
    size_t dscratch = s->doppler_fft ? triad__clfft_scratch_bytes(s->doppler_fft) : 0;
    float *w = calloc(p->p, sizeof *w);
    float *tw = calloc(2 * p->p, sizeof *tw);
    float *alpha = malloc(p->range_bins * sizeof *alpha);
    s->map = calloc(p->c, sizeof *s->map);
    if (!w || !tw || !alpha || !s->map) {
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
    s->out_ch_bytes = 16 + 16 * p->max_detections;
    err = make_slots(s, raw_bytes);
    if (!err) err = make_buffer(s, &s->pulses, rw, pulse_bytes, NULL);
    if (!err) err = make_buffer(s, &s->pulses2, rw, pulse_bytes, NULL);
    if (!err) err = make_buffer(s, &s->scratch, rw, scratch, NULL);
    if (!err) err = make_buffer(s, &s->spectrum, rw, s->nfft * 8, NULL);
    if (!err) err = make_buffer(s, &s->weight, ro_copy, p->p * sizeof *w, w);
    if (!err) err = make_buffer(s, &s->twiddle, ro_copy, 2 * p->p * sizeof *tw, tw);
    if (!err) err = make_buffer(s, &s->cube, rw, cells * 8, NULL);
    if (!err) err = make_buffer(s, &s->dspec, rw, cells * 8, NULL);
    if (!err) err = make_buffer(s, &s->dscratch, rw, dscratch, NULL);
    for (size_t c = 0; !err && c < p->c; c++)
        err = make_buffer(s, &s->map[c], rw, cells * 4, NULL);
    if (!err) err = make_buffer(s, &s->vo, rw, rcells * 4, NULL);
    if (!err) err = make_buffer(s, &s->vt, rw, rcells * 4, NULL);
    if (!err) err = make_buffer(s, &s->mask, rw, rcells, NULL);
    if (!err) err = make_buffer(s, &s->list, rw, rcells * 4, NULL);
    if (!err) err = make_buffer(s, &s->label, rw, rcells * 4, NULL);
    if (!err) err = make_buffer(s, &s->nonfinite_counter, rw, 4, NULL);
    if (!err) err = make_buffer(s, &s->above_counter, rw, 4, NULL);
    if (!err) err = make_buffer(s, &s->dets_counter, rw, 4, NULL);
    if (!err) err = make_buffer(s, &s->dets, rw, p->max_detections * 16, NULL);
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

static int run2d(cl_state *s, cl_kernel k, size_t gx, size_t gy)
{
    int err = 0;
    const size_t local[2] = {64, 1};
    const size_t global[2] = {(gx + 63) / 64 * 64, gy};
    TRIAD__CL_TRY(clEnqueueNDRangeKernel(s->ctx->queue, k, 2, NULL, global, local, 0, NULL, NULL),
                  err, fail);
fail:
    return err;
}

static int run1d(cl_state *s, cl_kernel k, size_t gx)
{
    int err = 0;
    const size_t local = 64, global = (gx + 63) / 64 * 64;
    TRIAD__CL_TRY(clEnqueueNDRangeKernel(s->ctx->queue, k, 1, NULL, &global, &local, 0, NULL, NULL),
                  err, fail);
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

/* Range and Doppler stages of one channel into map[ch]. */
static int spectra(cl_state *s, cl_mem raw, cl_uint ch)
{
    const triad__plan *p = s->plan;
    int err = 0;
    const cl_uint n = (cl_uint)p->n, nfft = (cl_uint)s->nfft, c = (cl_uint)p->c;
    const cl_uint np = (cl_uint)p->p, p_mti = (cl_uint)p->p_mti, mti = (cl_uint)p->mti;
    cl_kernel k;
    cl_uint a = 0;
    if (s->k_fused) { /* load, FFT, multiply, inverse FFT in one kernel */
        k = s->k_fused;
        ARG(k, a++, raw);
        ARG(k, a++, s->pulses);
        ARG(k, a++, s->spectrum);
        ARG(k, a++, s->range_tw);
        ARG(k, a++, s->nonfinite_counter);
        ARG(k, a++, s->log2nfft);
        ARG(k, a++, n);
        ARG(k, a++, np);
        ARG(k, a++, c);
        ARG(k, a++, ch);
        const size_t pulses_per_group = TRIAD__CLFFT_LOCAL_MAX_N / s->nfft;
        const size_t local = TRIAD__CLFFT_LOCAL_ITEMS;
        const size_t global = (p->p + pulses_per_group - 1) / pulses_per_group * local;
        TRIAD__CL_TRY(clEnqueueNDRangeKernel(s->ctx->queue, k, 1, NULL, &global, &local, 0, NULL,
                                             NULL),
                      err, fail);
        goto doppler;
    }
    k = s->k_load;
    ARG(k, a++, raw);
    ARG(k, a++, s->pulses);
    if (p->format == TRIAD_FORMAT_CF32_LE)
        ARG(k, a++, s->nonfinite_counter);
    ARG(k, a++, n);
    ARG(k, a++, nfft);
    ARG(k, a++, c);
    ARG(k, a++, ch);
    if ((err = run2d(s, k, s->nfft, p->p)))
        goto fail;
    if ((err = triad__clfft_enqueue(s->range_fft, s->ctx->queue, s->pulses, s->pulses2,
                                    s->scratch, TRIAD__CLFFT_FORWARD, 0, NULL, NULL)))
        goto fail;
    k = s->k_multiply;
    ARG(k, 0, s->pulses2);
    ARG(k, 1, s->spectrum);
    ARG(k, 2, nfft);
    if ((err = run2d(s, k, s->nfft, p->p)) ||
        (err = triad__clfft_enqueue(s->range_fft, s->ctx->queue, s->pulses2, s->pulses,
                                    s->scratch, TRIAD__CLFFT_INVERSE, 0, NULL, NULL)))
        goto fail;
doppler:
    k = s->k_weight;
    ARG(k, 0, s->pulses);
    ARG(k, 1, s->cube);
    ARG(k, 2, s->weight);
    ARG(k, 3, n);
    ARG(k, 4, nfft);
    ARG(k, 5, p_mti);
    ARG(k, 6, mti);
    if ((err = run2d(s, k, p->n, p->p)))
        goto fail;
    if (s->doppler_fft) {
        if ((err = triad__clfft_enqueue(s->doppler_fft, s->ctx->queue, s->cube, s->dspec,
                                        s->dscratch, TRIAD__CLFFT_FORWARD, 0, NULL, NULL)))
            goto fail;
    } else {
        k = s->k_dft;
        ARG(k, 0, s->cube);
        ARG(k, 1, s->dspec);
        ARG(k, 2, s->twiddle);
        ARG(k, 3, n);
        ARG(k, 4, np);
        if ((err = run2d(s, k, p->n, p->p)))
            goto fail;
    }
    k = s->k_power;
    ARG(k, 0, s->dspec);
    ARG(k, 1, s->map[ch]);
    ARG(k, 2, n);
    ARG(k, 3, np);
    err = run2d(s, k, p->n, p->p);
fail:
    return err;
}

/* CFAR of map[ch] into mask and the list of cells above threshold. */
static int cfar(cl_state *s, cl_uint ch)
{
    const triad__plan *p = s->plan;
    int err = 0;
    cl_kernel k;
    if (p->cfar.type != TRIAD_CFAR_OS) {
        k = s->k_colsum;
        ARG(k, 0, s->map[ch]);
        ARG(k, 1, s->vo);
        ARG(k, 2, s->vt);
        ARG(k, 3, s->w.n);
        ARG(k, 4, s->w.np);
        ARG(k, 5, s->w.rb);
        ARG(k, 6, s->w.dg);
        ARG(k, 7, s->w.dgo);
        if ((err = run2d(s, k, p->range_bins, p->p)))
            goto fail;
        k = s->k_mean;
        cl_uint a = 0;
        ARG(k, a++, s->map[ch]);
        ARG(k, a++, s->vo);
        ARG(k, a++, s->vt);
        ARG(k, a++, s->alpha);
        ARG(k, a++, s->mask);
        ARG(k, a++, s->list);
        ARG(k, a++, s->above_counter);
        const size_t tile_bytes = (TILE + 2 * (size_t)s->w.go) * sizeof(float);
        TRIAD__CL_TRY(clSetKernelArg(k, a++, tile_bytes, NULL), err, fail);
        TRIAD__CL_TRY(clSetKernelArg(k, a++, tile_bytes, NULL), err, fail);
        ARG(k, a++, s->w.n);
        ARG(k, a++, s->w.rb);
        ARG(k, a++, s->w.g);
        ARG(k, a++, s->w.go);
        ARG(k, a++, s->w.dh);
        ARG(k, a++, s->w.gh);
        ARG(k, a++, s->w.type);
        ARG(k, a++, s->w.list_cap);
        const size_t local[2] = {TILE, 1};
        const size_t global[2] = {(p->range_bins + TILE - 1) / TILE * TILE, p->p};
        TRIAD__CL_TRY(clEnqueueNDRangeKernel(s->ctx->queue, k, 2, NULL, global, local, 0, NULL,
                                             NULL),
                      err, fail);
    } else {
        k = s->k_os;
        cl_uint a = 0;
        ARG(k, a++, s->map[ch]);
        ARG(k, a++, s->alpha);
        ARG(k, a++, s->os_k);
        ARG(k, a++, s->mask);
        ARG(k, a++, s->list);
        ARG(k, a++, s->above_counter);
        if ((err = arg_ring(s, k, &a)))
            goto fail;
        ARG(k, a++, s->w.list_cap);
        err = run2d(s, k, p->range_bins, p->p);
    }
fail:
    return err;
}

/* Group the cells above threshold and append one detection per group to dets, all on the
 * device: counts are read there, so nothing waits for the host. */
static int extract(cl_state *s, cl_uint ch)
{
    int err = 0;
    cl_kernel k = s->k_label_init;
    ARG(k, 0, s->map[ch]);
    ARG(k, 1, s->list);
    ARG(k, 2, s->label);
    ARG(k, 3, s->above_counter);
    ARG(k, 4, s->w.list_cap);
    ARG(k, 5, s->w.n);
    ARG(k, 6, s->w.rb);
    if ((err = run1d(s, k, s->w.list_cap)))
        goto fail;
    k = s->k_group;
    ARG(k, 0, s->map[ch]);
    ARG(k, 1, s->list);
    ARG(k, 2, s->mask);
    ARG(k, 3, s->label);
    ARG(k, 4, s->above_counter);
    ARG(k, 5, s->w.list_cap);
    ARG(k, 6, s->w.n);
    ARG(k, 7, s->w.np);
    ARG(k, 8, s->w.rb);
    const size_t one = GROUP;
    TRIAD__CL_TRY(clEnqueueNDRangeKernel(s->ctx->queue, k, 1, NULL, &one, &one, 0, NULL, NULL),
                  err, fail);
    k = s->k_peaks;
    cl_uint a = 0;
    ARG(k, a++, s->map[ch]);
    ARG(k, a++, s->list);
    ARG(k, a++, s->label);
    ARG(k, a++, s->os_k);
    ARG(k, a++, s->os_norm);
    ARG(k, a++, s->dets);
    ARG(k, a++, s->dets_counter);
    ARG(k, a++, s->above_counter);
    ARG(k, a++, s->w.list_cap);
    if ((err = arg_ring(s, k, &a)))
        goto fail;
    ARG(k, a++, s->w.type);
    ARG(k, a++, s->w.max_dets);
    err = run1d(s, k, s->w.list_cap);
fail:
    return err;
}

static int zero_uint(cl_state *s, cl_mem m)
{
    int err = 0;
    const cl_uint zero = 0;
    TRIAD__CL_TRY(clEnqueueFillBuffer(s->ctx->queue, m, &zero, sizeof zero, 0, sizeof zero, 0,
                                      NULL, NULL),
                  err, fail);
fail:
    return err;
}

/* Enqueue CPI processing for a slot whose raw samples are uploaded (or being uploaded: the
 * compute queue waits for sl->up). Results land in sl->out_host when sl->down completes. */
static int enqueue_cpi(cl_state *s, cl_slot *sl)
{
    const triad__plan *p = s->plan;
    cl_command_queue q = s->ctx->queue;
    int err = 0;
    TRIAD__CL_TRY(clEnqueueBarrierWithWaitList(q, 1, &sl->up, NULL), err, fail);
    if ((err = zero_uint(s, s->nonfinite_counter)))
        goto fail;
    for (cl_uint ch = 0; ch < p->c; ch++) {
        const size_t at = ch * s->out_ch_bytes;
        if ((err = zero_uint(s, s->above_counter)) || (err = zero_uint(s, s->dets_counter)) ||
            (err = spectra(s, sl->raw_dev, ch)) || (err = cfar(s, ch)) || (err = extract(s, ch)))
            goto fail;
        TRIAD__CL_TRY(clEnqueueCopyBuffer(q, s->nonfinite_counter, sl->out_dev, 0, at, 4, 0, NULL,
                                          NULL), err, fail);
        TRIAD__CL_TRY(clEnqueueCopyBuffer(q, s->above_counter, sl->out_dev, 0, at + 4, 4, 0, NULL,
                                          NULL), err, fail);
        TRIAD__CL_TRY(clEnqueueCopyBuffer(q, s->dets_counter, sl->out_dev, 0, at + 8, 4, 0, NULL,
                                          NULL), err, fail);
        TRIAD__CL_TRY(clEnqueueCopyBuffer(q, s->dets, sl->out_dev, 0, at + 16,
                                          16 * p->max_detections, 0, NULL, NULL), err, fail);
    }
    TRIAD__CL_TRY(clEnqueueMarkerWithWaitList(q, 0, NULL, &sl->comp), err, fail);
    TRIAD__CL_TRY(clFlush(q), err, fail);
    TRIAD__CL_TRY(clEnqueueReadBuffer(s->down_q, sl->out_dev, CL_FALSE, 0,
                                      p->c * s->out_ch_bytes, sl->out_host, 1, &sl->comp,
                                      &sl->down), err, fail);
    TRIAD__CL_TRY(clFlush(s->down_q), err, fail);
fail:
    return err;
}

/* After a failed submit: wait until no queue still works on the slot (an upload may be reading
 * host memory), then drop its events. */
static void abandon(cl_state *s, cl_slot *sl)
{
    clFinish(s->up_q);
    clFinish(s->ctx->queue);
    clFinish(s->down_q);
    release_events(sl);
}

static void *cl_input(void *st, size_t slot) { return ((cl_state *)st)->slot[slot].in_host; }

static int upload(cl_state *s, cl_slot *sl, const void *src)
{
    const triad__plan *p = s->plan;
    int err = 0;
    const size_t bytes = p->p * p->n * p->c * triad_format_bytes(p->format);
    if (s->fail_after >= 0 && s->uploads++ >= s->fail_after)
        return triad__fail(TRIAD_EBACKEND, "opencl: device lost (injected by "
                                           "TRIAD_TEST_OPENCL_FAIL_AFTER)");
    TRIAD__CL_TRY(clEnqueueWriteBuffer(s->up_q, sl->raw_dev, CL_FALSE, 0, bytes, src, 0, NULL,
                                       &sl->up), err, fail);
    TRIAD__CL_TRY(clFlush(s->up_q), err, fail);
fail:
    return err;
}

static int cl_submit(void *st, size_t slot)
{
    cl_state *s = st;
    cl_slot *sl = &s->slot[slot];
    sl->t_submit = triad__now();
    int err = upload(s, sl, sl->in_host);
    if (!err)
        err = enqueue_cpi(s, sl);
    if (err)
        abandon(s, sl);
    return err;
}

static int cl_collect(void *st, size_t slot, triad__bin_det *dets, size_t *counts,
                      triad_chain_stats *stats, double times[4])
{
    cl_state *s = st;
    const triad__plan *p = s->plan;
    cl_slot *sl = &s->slot[slot];
    int err = 0;
    if (!sl->down)
        return triad__fail(TRIAD_EINVAL, "opencl: collect of slot %zu that was not submitted", slot);
    TRIAD__CL_TRY(clWaitForEvents(1, &sl->down), err, fail);
    for (size_t ch = 0; ch < p->c; ch++) {
        const unsigned char *o = (const unsigned char *)sl->out_host + ch * s->out_ch_bytes;
        cl_uint head[3];
        memcpy(head, o, sizeof head);
        const size_t kept = head[2] < p->max_detections ? head[2] : p->max_detections;
        const float *d = (const float *)(o + 16);
        triad__bin_det *out = dets + ch * p->max_detections;
        for (size_t i = 0; i < kept; i++) {
            out[i].range_bin = d[4 * i];
            out[i].doppler_bin = d[4 * i + 1];
            out[i].snr_db = d[4 * i + 2];
            out[i].power_db = d[4 * i + 3];
        }
        counts[ch] = kept;
        stats->dropped += head[2] - kept;
        stats->cells_above += head[1];
        if (ch == p->c - 1)
            stats->nonfinite += head[0]; /* the counter runs over the channels */
    }
    times[0] = triad__now() - sl->t_submit; /* submit to results, all stages */
    times[1] = times[2] = times[3] = 0.0;
fail:
    release_events(sl);
    return err;
}

/* One CPI start to finish: uploaded straight from the caller's memory (slot 0). */
static int cl_execute(void *st, const void *raw, triad__bin_det *dets, size_t *counts,
                      triad_chain_stats *stats, double times[4])
{
    cl_state *s = st;
    cl_slot *sl = &s->slot[0];
    sl->t_submit = triad__now();
    int err = upload(s, sl, raw);
    if (!err)
        err = enqueue_cpi(s, sl);
    if (!err)
        return cl_collect(s, 0, dets, counts, stats, times);
    abandon(s, sl); /* the upload may still read the caller's memory */
    return err;
}

static int cl_power_map(const void *st, size_t ch, float *map)
{
    const cl_state *s = st;
    int err = 0;
    TRIAD__CL_TRY(clEnqueueReadBuffer(s->ctx->queue, s->map[ch], CL_TRUE, 0,
                                      s->plan->p * s->plan->n * sizeof *map, map, 0, NULL, NULL),
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

const triad__backend_ops triad__backend_opencl = {
    .name = "opencl",
    .create = cl_create,
    .destroy = cl_destroy,
    .execute = cl_execute,
    .power_map = cl_power_map,
    .compressed = cl_compressed,
    .slots = SLOTS,
    .input = cl_input,
    .submit = cl_submit,
    .collect = cl_collect,
};
