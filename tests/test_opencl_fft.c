/* The OpenCL FFT (kernels/fft.cl, host/proc/opencl/fft_cl.c) and its host helpers
 * (host/proc/opencl/cl_util.c) against a double-precision DFT written here: every power of
 * two 2..16384, both directions, both variants, rows and columns, seeded random inputs;
 * the kernels' resource use against NVIDIA's limits; rejections; kernel builds from
 * TRIAD_KERNEL_DIR and a failing build's log. Exits 77 (skip) without an OpenCL device.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <complex.h>
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "proc/opencl/cl_util.h"
#include "proc/opencl/fft_cl.h"
#include "test_util.h"
#include "triad/error.h"

enum { NVIDIA_MAX_ITEMS = 1024, NVIDIA_MAX_LOCAL_BYTES = 48 * 1024 };
static const double TOL = 1e-6; /* relative L2 error per transform */

static triad__cl_ctx *ctx;
static cl_program prog;

/* ---- references in double ---- */

/* e[m] = exp(dir 2 pi i m / n), m < n */
static double complex *exp_table(size_t n, int dir)
{
    double complex *e = malloc(n * sizeof *e);
    assert_non_null(e);
    for (size_t m = 0; m < n; m++) {
        const double a = 2.0 * M_PI * (double)m / (double)n;
        e[m] = cos(a) + I * (dir * sin(a));
    }
    return e;
}

/* X[k] = sum_j x[j] e[(j k) mod n], O(n^2); only the bins k in [k0, k0 + count) */
static void dft_direct(const double complex *x, double complex *out, size_t n,
                       const double complex *e, size_t k0, size_t count)
{
    for (size_t k = k0; k < k0 + count; k++) {
        double complex s = 0.0;
        size_t idx = 0;
        for (size_t j = 0; j < n; j++) {
            s += x[j] * e[idx];
            idx += k;
            if (idx >= n)
                idx -= n;
        }
        out[k - k0] = s;
    }
}

/* In-place radix-2 FFT in double (bit reversal, then log2 n butterfly stages). */
static void fft_double(double complex *x, size_t n, const double complex *e)
{
    for (size_t i = 1, j = 0; i < n; i++) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j |= bit;
        if (i < j) {
            const double complex t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
    }
    for (size_t len = 2; len <= n; len <<= 1) {
        const size_t step = n / len;
        for (size_t s = 0; s < n; s += len)
            for (size_t k = 0; k < len / 2; k++) {
                const double complex a = x[s + k], b = x[s + k + len / 2] * e[k * step];
                x[s + k] = a + b;
                x[s + k + len / 2] = a - b;
            }
    }
}

/* the reference of one transform: direct up to 1024 points, the double FFT beyond */
static void reference(double complex *x, size_t n, const double complex *e, double complex *tmp)
{
    if (n <= 1024) {
        dft_direct(x, tmp, n, e, 0, n);
        memcpy(x, tmp, n * sizeof *x);
    } else {
        fft_double(x, n, e);
    }
}

/* ---- running a plan ---- */

static cl_mem make_buffer(size_t bytes)
{
    cl_int clerr;
    cl_mem m = clCreateBuffer(ctx->context, CL_MEM_READ_WRITE, bytes ? bytes : 8, NULL, &clerr);
    assert_int_equal(clerr, CL_SUCCESS);
    return m;
}

static const float SENTINEL = 1234.5f;

/* One plan on seeded random input: the largest relative L2 error over the batch. Checks
 * that the output layout's gaps stay untouched and that the input is not written. With
 * in_place, out is the input buffer (LOCAL, equal layouts). */
static double run_case(const triad__clfft_cfg *cfg, int dir, uint64_t seed, int in_place,
                       triad__clfft_variant *used)
{
    triad__clfft *fft = NULL;
    const int err = triad__clfft_create(&fft, ctx, prog, cfg);
    if (err)
        fail_msg("create n=%zu batch=%zu: %s", cfg->n, cfg->batch, triad_errmsg());
    if (used)
        *used = triad__clfft_variant_of(fft);
    const size_t n = cfg->n, in_len = triad__clfft_in_bytes(fft) / sizeof(float complex),
                 out_len = triad__clfft_out_bytes(fft) / sizeof(float complex);
    float complex *hin = malloc(in_len * sizeof *hin), *hout = malloc(out_len * sizeof *hout);
    assert_non_null(hin);
    assert_non_null(hout);
    test_rng rng = {seed};
    for (size_t i = 0; i < in_len; i++)
        hin[i] = (float complex)test_rng_cgauss(&rng);
    for (size_t i = 0; i < out_len; i++)
        hout[i] = SENTINEL + I * SENTINEL;

    cl_mem din = make_buffer(in_len * sizeof *hin);
    cl_mem dout = in_place ? din : make_buffer(out_len * sizeof *hout);
    cl_mem dscr = triad__clfft_scratch_bytes(fft) ? make_buffer(triad__clfft_scratch_bytes(fft))
                                                  : NULL;
    cl_command_queue q = ctx->queue;
    assert_int_equal(clEnqueueWriteBuffer(q, din, CL_TRUE, 0, in_len * sizeof *hin, hin, 0, NULL,
                                          NULL),
                     CL_SUCCESS);
    if (!in_place)
        assert_int_equal(clEnqueueWriteBuffer(q, dout, CL_TRUE, 0, out_len * sizeof *hout, hout,
                                              0, NULL, NULL),
                         CL_SUCCESS);
    cl_event done = NULL;
    if (triad__clfft_enqueue(fft, q, din, dout, dscr, dir, 0, NULL, &done))
        fail_msg("enqueue n=%zu: %s", n, triad_errmsg());
    assert_non_null(done);
    assert_int_equal(clWaitForEvents(1, &done), CL_SUCCESS);
    clReleaseEvent(done);
    assert_int_equal(clEnqueueReadBuffer(q, dout, CL_TRUE, 0, out_len * sizeof *hout, hout, 0,
                                         NULL, NULL),
                     CL_SUCCESS);
    if (!in_place) { /* the input is read only */
        float complex *back = malloc(in_len * sizeof *back);
        assert_non_null(back);
        assert_int_equal(clEnqueueReadBuffer(q, din, CL_TRUE, 0, in_len * sizeof *back, back, 0,
                                             NULL, NULL),
                         CL_SUCCESS);
        assert_memory_equal(back, hin, in_len * sizeof *back);
        free(back);
    }

    double complex *e = exp_table(n, dir), *x = malloc(n * sizeof *x),
                   *tmp = malloc(n * sizeof *tmp);
    float complex *y = malloc(n * sizeof *y);
    unsigned char *touched = calloc(out_len, 1);
    assert_non_null(x);
    assert_non_null(tmp);
    assert_non_null(y);
    assert_non_null(touched);
    double worst = 0.0;
    for (size_t b = 0; b < cfg->batch; b++) {
        for (size_t j = 0; j < n; j++) {
            x[j] = hin[b * cfg->in_dist + j * cfg->in_stride];
            const size_t o = b * cfg->out_dist + j * cfg->out_stride;
            y[j] = hout[o];
            touched[o] = 1;
        }
        reference(x, n, e, tmp);
        const double r = rel_l2_c(y, x, n);
        if (!(r <= worst)) /* NaN sticks */
            worst = r;
    }
    if (!in_place)
        for (size_t i = 0; i < out_len; i++)
            if (!touched[i] && hout[i] != SENTINEL + I * SENTINEL)
                fail_msg("n=%zu: element %zu outside the output layout was written", n, i);

    free(e);
    free(x);
    free(tmp);
    free(y);
    free(touched);
    free(hin);
    free(hout);
    if (dscr)
        clReleaseMemObject(dscr);
    if (!in_place)
        clReleaseMemObject(dout);
    clReleaseMemObject(din);
    triad__clfft_destroy(fft);
    return worst;
}

static const char *variant_name(triad__clfft_variant v)
{
    return v == TRIAD__CLFFT_LOCAL ? "local" : v == TRIAD__CLFFT_GLOBAL ? "global" : "auto";
}

/* ---- accuracy ---- */

static void test_reference_matches_direct_dft(void **state)
{
    (void)state;
    /* the double FFT used as reference beyond 1024 points, against the direct sum */
    for (size_t n = 2048; n <= 16384; n *= 2)
        for (int dir = -1; dir <= 1; dir += 2) {
            double complex *x = malloc(n * sizeof *x), *X = malloc(n * sizeof *X),
                           *e = exp_table(n, dir), d[8];
            assert_non_null(x);
            assert_non_null(X);
            test_rng rng = {n * 3 + (uint64_t)(dir + 1)};
            for (size_t j = 0; j < n; j++)
                x[j] = test_rng_cgauss(&rng);
            memcpy(X, x, n * sizeof *x);
            fft_double(X, n, e);
            const size_t starts[4] = {0, n / 4 - 3, n / 2 - 4, n - 8};
            for (int s = 0; s < 4; s++) {
                dft_direct(x, d, n, e, starts[s], 8);
                for (int k = 0; k < 8; k++)
                    assert_true(cabs(d[k] - X[starts[s] + k]) <= 1e-11 * sqrt((double)n));
            }
            free(x);
            free(X);
            free(e);
        }
}

/* rows (stride 1, dist n): every power of two 2..16384, both directions, each variant that
 * takes the length, batch 3 plus a work-group's worth for the short ones */
static void test_rows_every_length(void **state)
{
    (void)state;
    printf("  relative L2 error, worst transform of the batch (rows):\n");
    printf("  %6s %5s  %-10s %-10s  %-10s %-10s\n", "n", "batch", "local fwd", "local inv",
           "global fwd", "global inv");
    for (unsigned log2n = 1; log2n <= 14; log2n++) {
        const size_t n = (size_t)1 << log2n;
        const size_t batch = 3 + (n <= TRIAD__CLFFT_LOCAL_MAX_N ? TRIAD__CLFFT_LOCAL_MAX_N / n : 0);
        double err[2][2] = {{-1, -1}, {-1, -1}};
        for (int v = 0; v < 2; v++) {
            triad__clfft_cfg cfg = triad__clfft_cfg_rows(n, batch);
            cfg.variant = v == 0 ? TRIAD__CLFFT_LOCAL : TRIAD__CLFFT_GLOBAL;
            if (v == 0 && (n < TRIAD__CLFFT_LOCAL_MIN_N || n > TRIAD__CLFFT_LOCAL_MAX_N))
                continue;
            for (int d = 0; d < 2; d++) {
                triad__clfft_variant used;
                err[v][d] = run_case(&cfg, d ? TRIAD__CLFFT_INVERSE : TRIAD__CLFFT_FORWARD,
                                     1000 + log2n * 4 + (unsigned)(v * 2 + d), 0, &used);
                assert_int_equal(used, cfg.variant);
            }
        }
        char cell[4][16];
        for (int i = 0; i < 4; i++) {
            const double e = err[i / 2][i % 2];
            snprintf(cell[i], sizeof cell[i], e < 0 ? "-" : "%.2e", e);
        }
        printf("  %6zu %5zu  %-10s %-10s  %-10s %-10s\n", n, batch, cell[0], cell[1], cell[2],
               cell[3]);
        fflush(stdout);
        for (int i = 0; i < 4; i++)
            if (err[i / 2][i % 2] >= 0 && !(err[i / 2][i % 2] <= TOL))
                fail_msg("n = %zu %s %s: relative error %.3e > %.0e", n,
                         variant_name(i < 2 ? TRIAD__CLFFT_LOCAL : TRIAD__CLFFT_GLOBAL),
                         i % 2 ? "inverse" : "forward", err[i / 2][i % 2], TOL);
    }
}

/* columns of a row-major matrix (stride row_len, dist 1), with unused columns that must stay
 * untouched: the Doppler FFT's layout */
static void test_columns(void **state)
{
    (void)state;
    printf("  columns (stride = row length, dist 1):\n");
    for (unsigned log2n = 4; log2n <= 14; log2n++) {
        const size_t n = (size_t)1 << log2n;
        const size_t cols = n <= 256 ? 37 : 5, row_len = cols + 3;
        for (int v = 0; v < 3; v++) {
            triad__clfft_cfg cfg = triad__clfft_cfg_columns(n, cols, row_len);
            cfg.variant = v == 0 ? TRIAD__CLFFT_AUTO : v == 1 ? TRIAD__CLFFT_LOCAL
                                                                : TRIAD__CLFFT_GLOBAL;
            if (v == 1 && n > TRIAD__CLFFT_LOCAL_MAX_N)
                continue;
            for (int d = 0; d < 2; d++) {
                triad__clfft_variant used;
                const double e = run_case(&cfg, d ? TRIAD__CLFFT_INVERSE : TRIAD__CLFFT_FORWARD,
                                          5000 + log2n * 8 + (unsigned)(v * 2 + d), 0, &used);
                if (v == 0)
                    assert_int_equal(used, n <= TRIAD__CLFFT_LOCAL_MAX_N ? TRIAD__CLFFT_LOCAL
                                                                         : TRIAD__CLFFT_GLOBAL);
                printf("  n %5zu, %2zu of %2zu columns, %-6s %s: %.2e\n", n, cols, row_len,
                       variant_name(used), d ? "inv" : "fwd", e);
                if (!(e <= TOL))
                    fail_msg("columns n = %zu %s: relative error %.3e", n, variant_name(used), e);
            }
        }
    }
}

/* rows in, columns out (and back): the layouts are independent */
static void test_mixed_layouts(void **state)
{
    (void)state;
    const size_t sizes[] = {16, 512, 4096, 8192};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int v = 0; v < 2; v++)
            for (int flip = 0; flip < 2; flip++) {
                const size_t n = sizes[s], batch = 6;
                triad__clfft_cfg cfg = triad__clfft_cfg_rows(n, batch);
                if (flip) {
                    cfg.in_stride = batch;
                    cfg.in_dist = 1;
                } else {
                    cfg.out_stride = batch;
                    cfg.out_dist = 1;
                }
                cfg.variant = v ? TRIAD__CLFFT_GLOBAL : TRIAD__CLFFT_AUTO;
                const uint64_t seed = 9000 + s * 4 + (size_t)(v * 2 + flip);
                const double e = run_case(&cfg, TRIAD__CLFFT_FORWARD, seed, 0, NULL);
                if (!(e <= TOL))
                    fail_msg("mixed layout n = %zu: relative error %.3e", n, e);
            }
}

/* the local variant in place (in == out, equal layouts), rows and columns */
static void test_local_in_place(void **state)
{
    (void)state;
    const size_t sizes[] = {16, 128, 2048, 4096};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        triad__clfft_cfg rows = triad__clfft_cfg_rows(sizes[s], 4097 / sizes[s] + 2);
        triad__clfft_cfg cols = triad__clfft_cfg_columns(sizes[s], 7, 7);
        rows.variant = cols.variant = TRIAD__CLFFT_LOCAL;
        for (int d = 0; d < 2; d++) {
            const int dir = d ? TRIAD__CLFFT_INVERSE : TRIAD__CLFFT_FORWARD;
            double e = run_case(&rows, dir, 7000 + s * 4 + (size_t)d, 1, NULL);
            assert_true(e <= TOL);
            e = run_case(&cols, dir, 7100 + s * 4 + (size_t)d, 1, NULL);
            assert_true(e <= TOL);
        }
    }
}

/* ---- resources against NVIDIA's limits ---- */

static void test_resources(void **state)
{
    (void)state;
    triad__cl_kernel_info infos[32];
    size_t count = 0;
    assert_int_equal(triad__cl_program_kernels(prog, ctx->device, infos, 32, &count), 0);
    assert_true(count >= 5 && count <= 32);
    for (size_t i = 0; i < count; i++) {
        const triad__cl_kernel_info *k = &infos[i];
        const size_t *c = k->compile_work_group;
        printf("  kernel %-12s work-group max %4zu, required %zu x %zu x %zu, local %6lu B, "
               "private %lu B\n",
               k->name, k->work_group_size, c[0], c[1], c[2], (unsigned long)k->local_mem_bytes,
               (unsigned long)k->private_mem_bytes);
        assert_true(k->local_mem_bytes <= NVIDIA_MAX_LOCAL_BYTES);
        assert_true(c[0] * (c[1] ? c[1] : 1) * (c[2] ? c[2] : 1) <= NVIDIA_MAX_ITEMS);
    }
    /* what each plan launches */
    for (size_t n = 2; n <= 16384; n *= 2)
        for (int v = 0; v < 2; v++) {
            triad__clfft_cfg cfg = triad__clfft_cfg_rows(n, 3);
            cfg.variant = v ? TRIAD__CLFFT_GLOBAL : TRIAD__CLFFT_AUTO;
            triad__clfft *fft = NULL;
            assert_int_equal(triad__clfft_create(&fft, ctx, prog, &cfg), 0);
            triad__clfft_launch l[TRIAD__CLFFT_MAX_PASSES];
            const size_t nl = triad__clfft_launches(fft, l, TRIAD__CLFFT_MAX_PASSES);
            assert_true(nl >= 1 && nl <= TRIAD__CLFFT_MAX_PASSES);
            size_t product = 1;
            for (size_t i = 0; i < nl; i++) {
                assert_true(l[i].local_size >= 1 && l[i].local_size <= NVIDIA_MAX_ITEMS);
                assert_true(l[i].local_size <= l[i].kernel.work_group_size);
                assert_true(l[i].global_size % l[i].local_size == 0);
                assert_true(l[i].kernel.local_mem_bytes <= NVIDIA_MAX_LOCAL_BYTES);
                product *= l[i].radix ? l[i].radix : n;
            }
            assert_int_equal(product, n); /* the radices multiply to n */
            triad__clfft_destroy(fft);
        }
}

/* ---- rejections ---- */

static void expect_create_fails(const triad__clfft_cfg *cfg, int code, const char *needle)
{
    triad__clfft *fft = (triad__clfft *)(uintptr_t)1; /* must come back NULL */
    assert_int_equal(triad__clfft_create(&fft, ctx, prog, cfg), code);
    assert_null(fft);
    if (!strstr(triad_errmsg(), needle))
        fail_msg("message \"%s\" does not name \"%s\"", triad_errmsg(), needle);
}

static void test_reject_cfg(void **state)
{
    (void)state;
    triad__clfft_cfg c;
    const size_t bad_n[] = {0, 1, 12, 48, 3000, (size_t)TRIAD__CLFFT_MAX_N * 2};
    for (size_t i = 0; i < sizeof bad_n / sizeof bad_n[0]; i++) {
        c = triad__clfft_cfg_rows(bad_n[i], 2);
        expect_create_fails(&c, TRIAD_EINVAL, "n = ");
    }
    c = triad__clfft_cfg_rows(64, 0);
    expect_create_fails(&c, TRIAD_EINVAL, "batch = 0");
    c = triad__clfft_cfg_rows(64, 2);
    c.in_stride = 0;
    expect_create_fails(&c, TRIAD_EINVAL, "in_stride = 0");
    c = triad__clfft_cfg_rows(64, 2);
    c.out_dist = 0;
    expect_create_fails(&c, TRIAD_EINVAL, "out_dist = 0");
    c = triad__clfft_cfg_rows(64, 4);
    c.out_dist = 32; /* rows overlap */
    expect_create_fails(&c, TRIAD_EINVAL, "overlaps");
    c = triad__clfft_cfg_columns(64, 8, 4); /* 8 columns in rows of 4 */
    expect_create_fails(&c, TRIAD_EINVAL, "overlaps");
    c = triad__clfft_cfg_rows(8192, 3);
    c.variant = TRIAD__CLFFT_LOCAL;
    expect_create_fails(&c, TRIAD_EINVAL, "LOCAL");
    c = triad__clfft_cfg_rows(8, 3);
    c.variant = TRIAD__CLFFT_LOCAL;
    expect_create_fails(&c, TRIAD_EINVAL, "LOCAL");
    c = triad__clfft_cfg_rows(64, 3);
    c.variant = (triad__clfft_variant)7;
    expect_create_fails(&c, TRIAD_EINVAL, "variant = 7");
    c = triad__clfft_cfg_columns(1024, 2, (size_t)1 << 23); /* element 1023 * 2^23 > 2^32 */
    expect_create_fails(&c, TRIAD_EINVAL, "2^32");
    c = triad__clfft_cfg_rows(1 << 16, (size_t)1 << 16);
    expect_create_fails(&c, TRIAD_EINVAL, "2^32");
}

static void test_reject_enqueue(void **state)
{
    (void)state;
    triad__clfft_cfg c = triad__clfft_cfg_rows(8192, 2); /* global, 4 passes: needs scratch */
    triad__clfft *fft = NULL;
    assert_int_equal(triad__clfft_create(&fft, ctx, prog, &c), 0);
    const size_t bytes = triad__clfft_out_bytes(fft);
    assert_int_equal(bytes, 8192 * 2 * 8);
    assert_int_equal(triad__clfft_scratch_bytes(fft), bytes);
    cl_mem a = make_buffer(bytes), b = make_buffer(bytes), s = make_buffer(bytes),
           small = make_buffer(bytes / 2);
    cl_command_queue q = ctx->queue;
    assert_int_equal(triad__clfft_enqueue(fft, q, a, b, s, 0, 0, NULL, NULL), TRIAD_EINVAL);
    assert_non_null(strstr(triad_errmsg(), "dir = 0"));
    assert_int_equal(triad__clfft_enqueue(fft, q, NULL, b, s, -1, 0, NULL, NULL), TRIAD_EINVAL);
    assert_non_null(strstr(triad_errmsg(), "input buffer is NULL"));
    assert_int_equal(triad__clfft_enqueue(fft, q, a, small, s, -1, 0, NULL, NULL), TRIAD_EINVAL);
    assert_non_null(strstr(triad_errmsg(), "output buffer has"));
    assert_int_equal(triad__clfft_enqueue(fft, q, a, b, NULL, -1, 0, NULL, NULL), TRIAD_EINVAL);
    assert_non_null(strstr(triad_errmsg(), "scratch"));
    assert_int_equal(triad__clfft_enqueue(fft, q, a, a, s, -1, 0, NULL, NULL), TRIAD_EINVAL);
    assert_non_null(strstr(triad_errmsg(), "in place"));
    assert_int_equal(triad__clfft_enqueue(fft, q, a, b, b, 1, 0, NULL, NULL), TRIAD_EINVAL);
    assert_non_null(strstr(triad_errmsg(), "scratch"));
    /* an event to wait on: the first kernel waits, the last one signals */
    cl_int clerr;
    cl_event user = clCreateUserEvent(ctx->context, &clerr), done = NULL;
    assert_int_equal(clerr, CL_SUCCESS);
    assert_int_equal(triad__clfft_enqueue(fft, q, a, b, s, -1, 1, &user, &done), 0);
    assert_non_null(done);
    cl_int status = 0;
    assert_int_equal(clGetEventInfo(done, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status,
                                    &status, NULL),
                     CL_SUCCESS);
    assert_true(status != CL_COMPLETE); /* still held by the user event */
    assert_int_equal(clSetUserEventStatus(user, CL_COMPLETE), CL_SUCCESS);
    assert_int_equal(clWaitForEvents(1, &done), CL_SUCCESS);
    clReleaseEvent(done);
    clReleaseEvent(user);
    clReleaseMemObject(a);
    clReleaseMemObject(b);
    clReleaseMemObject(s);
    clReleaseMemObject(small);
    triad__clfft_destroy(fft);
    triad__clfft_destroy(NULL);
}

/* ---- cl_util ---- */

static int checked_call_fails(cl_device_id dev)
{
    int err = 0;
    cl_uint v = 0;
    /* an unknown parameter name: CL_INVALID_VALUE */
    TRIAD__CL_TRY(clGetDeviceInfo(dev, 0x7fffffff, sizeof v, &v, NULL), err, cleanup);
    return 0;
cleanup:
    return err;
}

static void test_errors(void **state)
{
    (void)state;
    assert_string_equal(triad__cl_errname(CL_OUT_OF_RESOURCES), "CL_OUT_OF_RESOURCES");
    assert_string_equal(triad__cl_errname(CL_INVALID_WORK_GROUP_SIZE),
                        "CL_INVALID_WORK_GROUP_SIZE");
    assert_string_equal(triad__cl_errname(CL_SUCCESS), "CL_SUCCESS");
    assert_string_equal(triad__cl_errname(-1001), "CL_PLATFORM_NOT_FOUND_KHR");
    assert_string_equal(triad__cl_errname(-12345), "CL_UNKNOWN_ERROR");
    assert_int_equal(checked_call_fails(ctx->device), TRIAD_EBACKEND);
    const char *m = triad_errmsg();
    assert_non_null(strstr(m, "clGetDeviceInfo(dev, 0x7fffffff"));
    assert_non_null(strstr(m, "CL_INVALID_VALUE"));
    assert_non_null(strstr(m, "test_opencl_fft.c:"));
}

static void test_devices(void **state)
{
    (void)state;
    triad__cl_device_info *list = NULL;
    size_t count = 0, idx = 99;
    assert_int_equal(triad__cl_devices(&list, &count), 0);
    assert_true(count >= 1);
    for (size_t i = 0; i < count; i++) {
        const triad__cl_device_info *d = &list[i];
        printf("  device %zu: %s | %s | %s | %s | %lu MiB global, %lu KiB local, %u CUs, "
               "work-group <= %zu\n",
               d->index, d->name, d->vendor, d->platform_name, d->version,
               (unsigned long)(d->global_mem_bytes >> 20),
               (unsigned long)(d->local_mem_bytes >> 10),
               d->compute_units, d->max_work_group_size);
        assert_int_equal(d->index, i);
        assert_true(d->name[0] && d->platform_name[0] && d->version[0]);
        assert_true(d->global_mem_bytes > 0 && d->local_mem_bytes > 0 && d->compute_units > 0);
        assert_true(d->max_work_group_size >= 1);
    }
    assert_int_equal(triad__cl_device_select(list, count, "0", &idx), 0);
    assert_int_equal(idx, 0);
    assert_int_equal(triad__cl_device_select(list, count, NULL, &idx), 0);
    assert_true(idx < count);
    /* by a piece of the name, in upper case: the first device that matches */
    char piece[8] = "";
    const size_t last = count - 1;
    for (size_t i = 0; i < 4 && list[last].name[i]; i++)
        piece[i] = (char)toupper((unsigned char)list[last].name[i]);
    assert_int_equal(triad__cl_device_select(list, count, piece, &idx), 0);
    assert_true(idx <= last);
    char spec[32];
    snprintf(spec, sizeof spec, "%zu", count);
    assert_int_equal(triad__cl_device_select(list, count, spec, &idx), TRIAD_ENODEVICE);
    assert_int_equal(triad__cl_device_select(list, count, "no-such-device-xyz", &idx),
                     TRIAD_ENODEVICE);
    assert_non_null(strstr(triad_errmsg(), "no-such-device-xyz"));
    assert_non_null(strstr(triad_errmsg(), list[0].name));
    triad__cl_devices_free(list);
}

static int log_lines;
static void count_log(void *user, const char *line)
{
    (void)user;
    if (strstr(line, "opencl build log"))
        log_lines++;
}

static void write_file(const char *dir, const char *name, const void *data, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    fclose(f);
}

static void remove_file(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

static void test_program_build(void **state)
{
    (void)state;
    cl_program p = NULL;
    const char *files[] = {"fft.cl"}, *unknown[] = {"nope.cl"};
    assert_int_equal(triad__cl_program_build(&p, ctx, unknown, 1, NULL), TRIAD_EINVAL);
    assert_null(p);
    assert_non_null(strstr(triad_errmsg(), "nope.cl"));

    setenv("TRIAD_KERNEL_DIR", "/nonexistent/triad-kernels", 1);
    assert_int_equal(triad__cl_program_build(&p, ctx, files, 1, NULL), TRIAD_EIO);
    assert_non_null(strstr(triad_errmsg(), "/nonexistent/triad-kernels/common.clh"));

    /* a kernel folder with a broken fft.cl: the build fails and its log is in the message */
    char dir[] = "/tmp/triad-kernels-XXXXXX";
    assert_non_null(mkdtemp(dir));
    for (size_t i = 0; i < triad__kernel_count; i++)
        if (strcmp(triad__kernel_names[i], "fft.cl") != 0)
            write_file(dir, triad__kernel_names[i], triad__kernel_data[i], triad__kernel_sizes[i]);
    const char broken[] = "__kernel void fft_local(__global float2 *x)\n"
                          "{\n    x[0] = undeclared_thing;\n}\n";
    write_file(dir, "fft.cl", broken, sizeof broken - 1);
    setenv("TRIAD_KERNEL_DIR", dir, 1);
    log_lines = 0;
    triad_set_log(count_log, NULL);
    assert_int_equal(triad__cl_program_build(&p, ctx, files, 1, NULL), TRIAD_EBACKEND);
    triad_set_log(NULL, NULL);
    assert_null(p);
    printf("  failed build: %.300s\n", triad_errmsg());
    assert_non_null(strstr(triad_errmsg(), "build log"));
    assert_non_null(strstr(triad_errmsg(), "undeclared_thing"));
    assert_true(log_lines >= 1);

    /* the real kernels from the source folder build and run */
    setenv("TRIAD_KERNEL_DIR", TRIAD_KERNEL_SRC, 1);
    assert_int_equal(triad__cl_program_build(&p, ctx, files, 1, NULL), 0);
    unsetenv("TRIAD_KERNEL_DIR");
    cl_program saved = prog;
    prog = p;
    triad__clfft_cfg cfg = triad__clfft_cfg_rows(256, 5);
    assert_true(run_case(&cfg, TRIAD__CLFFT_FORWARD, 42, 0, NULL) <= TOL);
    prog = saved;
    clReleaseProgram(p);

    for (size_t i = 0; i < triad__kernel_count; i++)
        remove_file(dir, triad__kernel_names[i]);
    assert_int_equal(rmdir(dir), 0);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

int main(void)
{
    const double t0 = (double)clock() / CLOCKS_PER_SEC;
    struct timespec w0;
    clock_gettime(CLOCK_MONOTONIC, &w0);
    int err = triad__cl_ctx_create(&ctx, NULL, 0);
    if (err == TRIAD_ENODEVICE) {
        printf("test_opencl_fft: skipped: %s\n", triad_errmsg());
        return 77;
    }
    if (err) {
        fprintf(stderr, "test_opencl_fft: %s\n", triad_errmsg());
        return 1;
    }
    printf("device: %s (%s)\n", ctx->info.name, ctx->info.platform_name);
    const char *files[] = {"fft.cl"};
    err = triad__cl_program_build(&prog, ctx, files, 1, NULL);
    if (err) {
        fprintf(stderr, "test_opencl_fft: %s\n", triad_errmsg());
        triad__cl_ctx_destroy(ctx);
        return 1;
    }
    printf("device and program build: %.2f s\n", seconds_since(&w0));

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_devices),
        cmocka_unit_test(test_reference_matches_direct_dft),
        cmocka_unit_test(test_resources),
        cmocka_unit_test(test_rows_every_length),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_mixed_layouts),
        cmocka_unit_test(test_local_in_place),
        cmocka_unit_test(test_reject_cfg),
        cmocka_unit_test(test_reject_enqueue),
        cmocka_unit_test(test_program_build),
    };
    const int failed = cmocka_run_group_tests(tests, NULL, NULL);
    clReleaseProgram(prog);
    triad__cl_ctx_destroy(ctx);
    printf("total: %.1f s wall, %.1f s cpu\n", seconds_since(&w0),
           (double)clock() / CLOCKS_PER_SEC - t0);
    return failed;
}
