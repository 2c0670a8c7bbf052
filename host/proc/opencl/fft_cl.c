/* Batched power-of-two FFTs on an OpenCL device: plans over kernels/fft.cl.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "proc/opencl/fft_cl.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"

/* argument positions, as declared in kernels/fft.cl */
enum { LA_IN, LA_OUT, LA_TW, LA_LOG2N, LA_IN_STRIDE, LA_IN_DIST, LA_OUT_STRIDE, LA_OUT_DIST,
       LA_BATCH, LA_BMAJOR, LA_DIR };
enum { PA_IN, PA_OUT, PA_TW, PA_LOG2T, PA_P, PA_TWSTEP, PA_IN_STRIDE, PA_IN_DIST, PA_OUT_STRIDE,
       PA_OUT_DIST, PA_BATCH, PA_BMAJOR, PA_IN_CONJ, PA_OUT_CONJ };

typedef struct {
    cl_kernel kernel;
    unsigned radix;  /* 0: fft_local */
    size_t local, global;
} pass;

struct triad__clfft {
    triad__clfft_cfg cfg;
    triad__clfft_variant variant;
    cl_device_id device;
    cl_mem tw;       /* exp(-2 pi i m / n), m < n [size: n float2] */
    size_t num_passes;
    pass passes[TRIAD__CLFFT_MAX_PASSES];
    size_t in_bytes, out_bytes, scratch_bytes;
};

triad__clfft_cfg triad__clfft_cfg_rows(size_t n, size_t batch)
{
    return (triad__clfft_cfg){.n = n, .batch = batch, .in_stride = 1, .in_dist = n,
                              .out_stride = 1, .out_dist = n, .variant = TRIAD__CLFFT_AUTO};
}

triad__clfft_cfg triad__clfft_cfg_columns(size_t n, size_t batch, size_t row_len)
{
    return (triad__clfft_cfg){.n = n, .batch = batch, .in_stride = row_len, .in_dist = 1,
                              .out_stride = row_len, .out_dist = 1,
                              .variant = TRIAD__CLFFT_AUTO};
}

static unsigned log2_exact(size_t n)
{
    unsigned k = 0;
    while (((size_t)1 << k) < n)
        k++;
    return k;
}

/* Largest element index + 1 of a layout, or 0 when it does not fit in 32 bits. */
static size_t layout_span(size_t n, size_t batch, size_t stride, size_t dist)
{
    const uint64_t last = (uint64_t)(batch - 1) * dist + (uint64_t)(n - 1) * stride;
    return last >= UINT32_MAX ? 0 : (size_t)last + 1;
}

static int check_layout(const triad__clfft_cfg *c, const char *side, size_t stride, size_t dist,
                        int output)
{
    if (stride == 0)
        return triad__fail(TRIAD_EINVAL, "clfft: %s_stride = 0: must be >= 1", side);
    if (c->batch > 1 && dist == 0)
        return triad__fail(TRIAD_EINVAL, "clfft: %s_dist = 0 with batch = %zu: transforms "
                           "would share elements", side, c->batch);
    /* sufficient for distinct elements: one index nests inside the other */
    if (output && c->batch > 1 && !((uint64_t)stride * c->n <= dist ||
                                    (uint64_t)dist * c->batch <= stride))
        return triad__fail(TRIAD_EINVAL, "clfft: output layout stride %zu, dist %zu for n = %zu, "
                           "batch = %zu overlaps itself (need stride*n <= dist or "
                           "dist*batch <= stride)", stride, dist, c->n, c->batch);
    if (!layout_span(c->n, c->batch, stride, dist))
        return triad__fail(TRIAD_EINVAL, "clfft: %s layout stride %zu, dist %zu for n = %zu, "
                           "batch = %zu reaches past element 2^32 - 1", side, stride, dist,
                           c->n, c->batch);
    return 0;
}

static int check_cfg(const triad__clfft_cfg *c)
{
    if (c->n < TRIAD__CLFFT_MIN_N || c->n > TRIAD__CLFFT_MAX_N || (c->n & (c->n - 1)))
        return triad__fail(TRIAD_EINVAL, "clfft: n = %zu: must be a power of two in %d..%d",
                           c->n, TRIAD__CLFFT_MIN_N, TRIAD__CLFFT_MAX_N);
    if (c->batch == 0)
        return triad__fail(TRIAD_EINVAL, "clfft: batch = 0: must be >= 1");
    if ((uint64_t)c->n * c->batch > UINT32_MAX)
        return triad__fail(TRIAD_EINVAL, "clfft: n * batch = %zu * %zu: more than 2^32 - 1 "
                           "points", c->n, c->batch);
    if (c->variant != TRIAD__CLFFT_AUTO && c->variant != TRIAD__CLFFT_LOCAL &&
        c->variant != TRIAD__CLFFT_GLOBAL)
        return triad__fail(TRIAD_EINVAL, "clfft: variant = %d: not AUTO, LOCAL or GLOBAL",
                           (int)c->variant);
    if (c->variant == TRIAD__CLFFT_LOCAL &&
        (c->n < TRIAD__CLFFT_LOCAL_MIN_N || c->n > TRIAD__CLFFT_LOCAL_MAX_N))
        return triad__fail(TRIAD_EINVAL, "clfft: n = %zu with variant LOCAL: must be in %d..%d",
                           c->n, TRIAD__CLFFT_LOCAL_MIN_N, TRIAD__CLFFT_LOCAL_MAX_N);
    int err = check_layout(c, "in", c->in_stride, c->in_dist, 0);
    if (!err)
        err = check_layout(c, "out", c->out_stride, c->out_dist, 1);
    return err;
}

/* exp(-2 pi i m / n) in double, rounded once to float; exact at the quarter points */
static int make_twiddles(triad__clfft *f, const triad__cl_ctx *ctx)
{
    const size_t n = f->cfg.n;
    cl_float2 *w = malloc(n * sizeof *w);
    if (!w)
        return triad__fail(TRIAD_ENOMEM, "clfft: out of memory for %zu twiddles", n);
    static const double quarter_c[4] = {1.0, 0.0, -1.0, 0.0}, quarter_s[4] = {0.0, 1.0, 0.0, -1.0};
    const size_t q = n / 4;
    for (size_t m = 0; m < n; m++) {
        double c, s;
        if (q && m % q == 0) {
            c = quarter_c[m / q];
            s = quarter_s[m / q];
        } else {
            const double a = 2.0 * M_PI * (double)m / (double)n;
            c = cos(a);
            s = sin(a);
        }
        w[m].s[0] = (float)c;
        w[m].s[1] = (float)-s;
    }
    int err = 0;
    cl_int clerr;
    TRIAD__CL_PAR(f->tw = clCreateBuffer(ctx->context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                                         n * sizeof *w, w, &clerr),
                  clerr, err, done);
done:
    free(w);
    return err;
}

static int set_arg_uint(cl_kernel k, cl_uint index, size_t value)
{
    int err = 0;
    const cl_uint v = (cl_uint)value;
    TRIAD__CL_TRY(clSetKernelArg(k, index, sizeof v, &v), err, done);
done:
    return err;
}

/* the work-group for a kernel: want, or the kernel's limit rounded down to a power of two */
static int fit_local_size(cl_kernel k, cl_device_id dev, size_t want, size_t *local)
{
    triad__cl_kernel_info info;
    const int err = triad__cl_kernel_info_get(k, dev, &info);
    if (err)
        return err;
    size_t l = want;
    while (l > info.work_group_size && l > 1)
        l /= 2;
    *local = l;
    return 0;
}

/* fft_local: usable on this device? (work-group of 256, its __local array) */
static int local_fits(cl_kernel k, const triad__cl_ctx *ctx, int *fits)
{
    triad__cl_kernel_info info;
    const int err = triad__cl_kernel_info_get(k, ctx->device, &info);
    if (err)
        return err;
    *fits = info.work_group_size >= TRIAD__CLFFT_LOCAL_ITEMS &&
            info.local_mem_bytes <= ctx->info.local_mem_bytes;
    return 0;
}

static int plan_local(triad__clfft *f, const triad__cl_ctx *ctx, cl_program prog, int *fits)
{
    const triad__clfft_cfg *c = &f->cfg;
    int err = 0;
    cl_int clerr;
    pass *ps = &f->passes[0];
    TRIAD__CL_PAR(ps->kernel = clCreateKernel(prog, "fft_local", &clerr), clerr, err, done);
    f->num_passes = 1;
    err = local_fits(ps->kernel, ctx, fits);
    if (err || !*fits)
        goto done;
    const unsigned log2n = log2_exact(c->n);
    const size_t per_group = TRIAD__CLFFT_LOCAL_MAX_N / c->n;
    ps->radix = 0;
    ps->local = TRIAD__CLFFT_LOCAL_ITEMS;
    ps->global = (c->batch + per_group - 1) / per_group * TRIAD__CLFFT_LOCAL_ITEMS;
    TRIAD__CL_TRY(clSetKernelArg(ps->kernel, LA_TW, sizeof f->tw, &f->tw), err, done);
    const size_t uargs[][2] = {
        {LA_LOG2N, log2n},          {LA_IN_STRIDE, c->in_stride},
        {LA_IN_DIST, c->in_dist},   {LA_OUT_STRIDE, c->out_stride},
        {LA_OUT_DIST, c->out_dist}, {LA_BATCH, c->batch},
        {LA_BMAJOR, c->in_dist < c->in_stride},
    };
    for (size_t i = 0; !err && i < sizeof uargs / sizeof uargs[0]; i++)
        err = set_arg_uint(ps->kernel, (cl_uint)uargs[i][0], uargs[i][1]);
done:
    return err;
}

static int plan_global(triad__clfft *f, const triad__cl_ctx *ctx, cl_program prog)
{
    const triad__clfft_cfg *c = &f->cfg;
    const unsigned log2n = log2_exact(c->n);
    /* radices: 2^(log2n mod 4) first (when not 1), then 16s */
    unsigned radix[TRIAD__CLFFT_MAX_PASSES], np = 0;
    if (log2n % 4)
        radix[np++] = 1u << (log2n % 4);
    for (unsigned k = 0; k < log2n / 4; k++)
        radix[np++] = 16;

    int err = 0;
    cl_int clerr;
    size_t p = 1;
    for (unsigned i = 0; i < np; i++) {
        pass *ps = &f->passes[i];
        const unsigned R = radix[i];
        const char *name = R == 16 ? "fft_pass16" : R == 8 ? "fft_pass8" : R == 4 ? "fft_pass4"
                                                                               : "fft_pass2";
        TRIAD__CL_PAR(ps->kernel = clCreateKernel(prog, name, &clerr), clerr, err, done);
        f->num_passes = i + 1;
        ps->radix = R;
        const size_t T = c->n / R, items = T * c->batch;
        err = fit_local_size(ps->kernel, ctx->device, TRIAD__CLFFT_GLOBAL_ITEMS, &ps->local);
        if (err)
            goto done;
        ps->global = (items + ps->local - 1) / ps->local * ps->local;
        /* the first pass reads the input layout; later ones read what the previous wrote */
        const size_t in_stride = i == 0 ? c->in_stride : c->out_stride;
        const size_t in_dist = i == 0 ? c->in_dist : c->out_dist;
        TRIAD__CL_TRY(clSetKernelArg(ps->kernel, PA_TW, sizeof f->tw, &f->tw), err, done);
        const size_t uargs[][2] = {
            {PA_LOG2T, log2_exact(T)},   {PA_P, p},
            {PA_TWSTEP, c->n / (p * R)}, {PA_IN_STRIDE, in_stride},
            {PA_IN_DIST, in_dist},       {PA_OUT_STRIDE, c->out_stride},
            {PA_OUT_DIST, c->out_dist},  {PA_BATCH, c->batch},
            {PA_BMAJOR, in_dist < in_stride},
        };
        for (size_t a = 0; !err && a < sizeof uargs / sizeof uargs[0]; a++)
            err = set_arg_uint(ps->kernel, (cl_uint)uargs[a][0], uargs[a][1]);
        if (err)
            goto done;
        p *= R;
    }
done:
    return err;
}

static void release_passes(triad__clfft *f)
{
    for (size_t i = 0; i < f->num_passes; i++)
        if (f->passes[i].kernel)
            clReleaseKernel(f->passes[i].kernel);
    memset(f->passes, 0, sizeof f->passes);
    f->num_passes = 0;
}

int triad__clfft_create(triad__clfft **out, const triad__cl_ctx *ctx, cl_program prog,
                        const triad__clfft_cfg *cfg)
{
    *out = NULL;
    if (!ctx || !prog || !cfg)
        return triad__fail(TRIAD_EINVAL, "clfft: context, program and cfg are required");
    int err = check_cfg(cfg);
    if (err)
        return err;
    triad__clfft *f = calloc(1, sizeof *f);
    if (!f)
        return triad__fail(TRIAD_ENOMEM, "clfft: out of memory");
    f->cfg = *cfg;
    f->device = ctx->device;
    err = make_twiddles(f, ctx);
    if (err)
        goto fail;

    const triad__clfft_cfg *c = &f->cfg;
    const int local_ok = c->n >= TRIAD__CLFFT_LOCAL_MIN_N && c->n <= TRIAD__CLFFT_LOCAL_MAX_N;
    f->variant = TRIAD__CLFFT_GLOBAL;
    if (c->variant == TRIAD__CLFFT_LOCAL || (c->variant == TRIAD__CLFFT_AUTO && local_ok)) {
        int fits = 0;
        err = plan_local(f, ctx, prog, &fits);
        if (err)
            goto fail;
        if (fits) {
            f->variant = TRIAD__CLFFT_LOCAL;
        } else if (c->variant == TRIAD__CLFFT_LOCAL) {
            err = triad__fail(TRIAD_EUNSUPPORTED, "clfft: variant LOCAL: %s cannot run "
                              "fft_local (256 work-items, 34 KiB local memory)",
                              ctx->info.name);
            goto fail;
        } else {
            release_passes(f);
        }
    }
    if (f->variant == TRIAD__CLFFT_GLOBAL) {
        err = plan_global(f, ctx, prog);
        if (err)
            goto fail;
    }
    f->in_bytes = layout_span(c->n, c->batch, c->in_stride, c->in_dist) * sizeof(cl_float2);
    f->out_bytes = layout_span(c->n, c->batch, c->out_stride, c->out_dist) * sizeof(cl_float2);
    f->scratch_bytes = f->num_passes > 1 ? f->out_bytes : 0;
    *out = f;
    return 0;
fail:
    triad__clfft_destroy(f);
    return err;
}

void triad__clfft_destroy(triad__clfft *f)
{
    if (!f)
        return;
    release_passes(f);
    if (f->tw)
        clReleaseMemObject(f->tw);
    free(f);
}

size_t triad__clfft_in_bytes(const triad__clfft *f) { return f->in_bytes; }
size_t triad__clfft_out_bytes(const triad__clfft *f) { return f->out_bytes; }
size_t triad__clfft_scratch_bytes(const triad__clfft *f) { return f->scratch_bytes; }
triad__clfft_variant triad__clfft_variant_of(const triad__clfft *f) { return f->variant; }

static int check_buffer(cl_mem mem, size_t need, const char *what)
{
    if (!mem)
        return triad__fail(TRIAD_EINVAL, "clfft: %s buffer is NULL (needs %zu bytes)", what,
                           need);
    const size_t have = triad__cl_mem_bytes(mem);
    if (have < need)
        return triad__fail(TRIAD_EINVAL, "clfft: %s buffer has %zu bytes, the plan needs %zu",
                           what, have, need);
    return 0;
}

int triad__clfft_enqueue(triad__clfft *f, cl_command_queue queue, cl_mem in, cl_mem out,
                         cl_mem scratch, int dir, cl_uint num_wait, const cl_event *wait,
                         cl_event *done)
{
    return triad__clfft_enqueue_batch(f, queue, f->cfg.batch, in, out, scratch, dir, num_wait,
                                      wait, done);
}

int triad__clfft_enqueue_batch(triad__clfft *f, cl_command_queue queue, size_t batch, cl_mem in,
                               cl_mem out, cl_mem scratch, int dir, cl_uint num_wait,
                               const cl_event *wait, cl_event *done)
{
    if (done)
        *done = NULL;
    if (batch < 1 || batch > f->cfg.batch)
        return triad__fail(TRIAD_EINVAL, "clfft: batch %zu: the plan has 1..%zu", batch,
                           f->cfg.batch);
    if (dir != TRIAD__CLFFT_FORWARD && dir != TRIAD__CLFFT_INVERSE)
        return triad__fail(TRIAD_EINVAL, "clfft: dir = %d: must be -1 (forward) or +1 (inverse)",
                           dir);
    int err = check_buffer(in, f->in_bytes, "input");
    if (!err)
        err = check_buffer(out, f->out_bytes, "output");
    if (!err && f->scratch_bytes)
        err = check_buffer(scratch, f->scratch_bytes, "scratch");
    if (err)
        return err;
    const triad__clfft_cfg *c = &f->cfg;
    if (in == out && (f->variant == TRIAD__CLFFT_GLOBAL || c->in_stride != c->out_stride ||
                      (c->batch > 1 && c->in_dist != c->out_dist)))
        return triad__fail(TRIAD_EINVAL, "clfft: in and out are one buffer: only the LOCAL "
                           "variant with equal layouts transforms in place");
    if (f->scratch_bytes && (scratch == in || scratch == out))
        return triad__fail(TRIAD_EINVAL, "clfft: the scratch buffer must differ from in and out");

    if (f->variant == TRIAD__CLFFT_LOCAL) {
        const pass *ps = &f->passes[0];
        const cl_int d = dir;
        const size_t per_group = TRIAD__CLFFT_LOCAL_MAX_N / c->n;
        const size_t global = (batch + per_group - 1) / per_group * ps->local;
        TRIAD__CL_TRY(clSetKernelArg(ps->kernel, LA_IN, sizeof in, &in), err, fail);
        TRIAD__CL_TRY(clSetKernelArg(ps->kernel, LA_OUT, sizeof out, &out), err, fail);
        TRIAD__CL_TRY(clSetKernelArg(ps->kernel, LA_DIR, sizeof d, &d), err, fail);
        if ((err = set_arg_uint(ps->kernel, LA_BATCH, batch)))
            goto fail;
        TRIAD__CL_TRY(clEnqueueNDRangeKernel(queue, ps->kernel, 1, NULL, &global, &ps->local,
                                             num_wait, wait, done),
                      err, fail);
        return 0;
    }

    /* the last pass writes out, the one before it scratch, and so on back */
    const size_t np = f->num_passes;
    const cl_float conj = dir == TRIAD__CLFFT_INVERSE ? -1.0f : 1.0f, one = 1.0f;
    cl_mem src = in;
    for (size_t i = 0; i < np; i++) {
        const pass *ps = &f->passes[i];
        cl_mem dst = (np - 1 - i) % 2 == 0 ? out : scratch;
        const cl_float *in_conj = i == 0 ? &conj : &one, *out_conj = i == np - 1 ? &conj : &one;
        TRIAD__CL_TRY(clSetKernelArg(ps->kernel, PA_IN, sizeof src, &src), err, fail);
        TRIAD__CL_TRY(clSetKernelArg(ps->kernel, PA_OUT, sizeof dst, &dst), err, fail);
        TRIAD__CL_TRY(clSetKernelArg(ps->kernel, PA_IN_CONJ, sizeof conj, in_conj), err, fail);
        TRIAD__CL_TRY(clSetKernelArg(ps->kernel, PA_OUT_CONJ, sizeof conj, out_conj), err, fail);
        if ((err = set_arg_uint(ps->kernel, PA_BATCH, batch)))
            goto fail;
        const size_t items = c->n / ps->radix * batch;
        const size_t global = (items + ps->local - 1) / ps->local * ps->local;
        TRIAD__CL_TRY(clEnqueueNDRangeKernel(queue, ps->kernel, 1, NULL, &global, &ps->local,
                                             i == 0 ? num_wait : 0, i == 0 ? wait : NULL,
                                             i == np - 1 ? done : NULL),
                      err, fail);
        src = dst;
    }
    return 0;
fail:
    return err;
}

size_t triad__clfft_launches(const triad__clfft *f, triad__clfft_launch *out, size_t max)
{
    for (size_t i = 0; i < f->num_passes && i < max; i++) {
        const pass *ps = &f->passes[i];
        memset(&out[i], 0, sizeof out[i]);
        triad__cl_kernel_info_get(ps->kernel, f->device, &out[i].kernel);
        out[i].local_size = ps->local;
        out[i].global_size = ps->global;
        out[i].radix = ps->radix;
    }
    return f->num_passes;
}
