/* Batched complex single-precision FFTs on an OpenCL device, power-of-two lengths, our own
 * kernels (kernels/fft.cl). Internal to the library (prefix triad__clfft_).
 *
 * FFTW's model: plan once (validate, make the twiddle table, create and set up kernels),
 * enqueue many times with buffers of the same geometry. A batch is described like
 * fftw_plan_many_dft: element j of transform b is at buf[b * dist + j * stride], so the range
 * FFT over rows of a [P x N] cube is (stride 1, dist N) and the Doppler FFT down its columns
 * is (stride N, dist 1) -- the same call.
 *
 *     X[k] = sum_j x[j] exp(dir 2 pi i j k / n),  dir = -1 forward, +1 inverse,
 * unnormalised like FFTW: inverse(forward(x)) = n x.
 *
 * Two ways to run, picked at plan time:
 *   LOCAL   n = 16 .. 4096: one kernel, a whole transform in __local memory (34 KiB per
 *           work-group of 256 work-items, 4096/n transforms each). in may equal out when the
 *           two layouts are the same; no scratch.
 *   GLOBAL  n = 2 .. 2^20: one Stockham pass per kernel through global memory, ping-ponging
 *           between out and a scratch buffer laid out like out (when there are 2+ passes).
 *           in, out and scratch must be different buffers; in is not written.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_PROC_OPENCL_FFT_CL_H
#define TRIAD_PROC_OPENCL_FFT_CL_H

#include <stddef.h>

#include "proc/opencl/cl_util.h"

enum {
    TRIAD__CLFFT_FORWARD = -1,
    TRIAD__CLFFT_INVERSE = 1,
};

typedef enum {
    TRIAD__CLFFT_AUTO = 0, /* LOCAL when n <= 4096 and the device allows it, else GLOBAL */
    TRIAD__CLFFT_LOCAL,
    TRIAD__CLFFT_GLOBAL,
} triad__clfft_variant;

enum {
    TRIAD__CLFFT_MIN_N = 2,
    TRIAD__CLFFT_MAX_N = 1 << 20,
    TRIAD__CLFFT_LOCAL_MIN_N = 16,
    TRIAD__CLFFT_LOCAL_MAX_N = 4096,  /* = TR_FFT_LOCAL_POINTS in kernels/fft.cl */
    TRIAD__CLFFT_LOCAL_ITEMS = 256,   /* = TR_FFT_LOCAL_ITEMS: work-group of fft_local */
    TRIAD__CLFFT_GLOBAL_ITEMS = 256,  /* work-group of the fft_pass kernels (or less) */
    TRIAD__CLFFT_MAX_PASSES = 6,
};

typedef struct {
    size_t n;                     /* points per transform, a power of two */
    size_t batch;                 /* transforms, >= 1 */
    size_t in_stride, in_dist;    /* in complex elements (float2), stride >= 1 */
    size_t out_stride, out_dist;  /* the output layout must not overlap itself */
    triad__clfft_variant variant;
} triad__clfft_cfg;

/* Contiguous rows: stride 1, dist n, both sides; AUTO. */
triad__clfft_cfg triad__clfft_cfg_rows(size_t n, size_t batch);
/* Columns 0 .. batch-1 of a row-major matrix of n rows of row_len elements (stride
 * row_len, dist 1), both sides; AUTO. */
triad__clfft_cfg triad__clfft_cfg_columns(size_t n, size_t batch, size_t row_len);

typedef struct triad__clfft triad__clfft;

/* Plan: validate cfg, build the twiddle table on the device (once, computed in double),
 * create and set up the kernels from prog (built with "fft.cl" by triad__cl_program_build;
 * the plan keeps its own kernels, prog may be released after). Errors: TRIAD_EINVAL naming
 * the field, value and reason (n not a power of two in range, batch 0, stride 0, an
 * overlapping output layout, an element index beyond 2^32 - 1, LOCAL asked for n outside
 * 16..4096); TRIAD_EUNSUPPORTED (LOCAL asked for, the device cannot run it); TRIAD_ENOMEM;
 * TRIAD_EBACKEND. */
int triad__clfft_create(triad__clfft **fft, const triad__cl_ctx *ctx, cl_program prog,
                        const triad__clfft_cfg *cfg);
/* NULL does nothing. Wait for enqueued transforms first. */
void triad__clfft_destroy(triad__clfft *fft);

/* The smallest buffers this plan accepts, in bytes; scratch 0 when none is needed. */
size_t triad__clfft_in_bytes(const triad__clfft *fft);
size_t triad__clfft_out_bytes(const triad__clfft *fft);
size_t triad__clfft_scratch_bytes(const triad__clfft *fft);
/* The variant planned: TRIAD__CLFFT_LOCAL or TRIAD__CLFFT_GLOBAL. */
triad__clfft_variant triad__clfft_variant_of(const triad__clfft *fft);

/* Enqueue the batch on an in-order queue of the plan's context: in -> out (scratch when
 * triad__clfft_scratch_bytes > 0, else it may be NULL). dir TRIAD__CLFFT_FORWARD or
 * _INVERSE. The first kernel waits for wait[0 .. num_wait-1]; *done (when done is not NULL)
 * gets the event of the last kernel, which the caller releases. Allocates and compiles
 * nothing. Not thread-safe on one plan (the plan's kernels hold the arguments); different
 * plans may be enqueued from different threads. Errors: TRIAD_EINVAL (dir, a missing or
 * too small buffer, in/out/scratch aliasing where not allowed), TRIAD_EBACKEND. */
int triad__clfft_enqueue(triad__clfft *fft, cl_command_queue queue, cl_mem in, cl_mem out,
                         cl_mem scratch, int dir, cl_uint num_wait, const cl_event *wait,
                         cl_event *done);

/* As triad__clfft_enqueue, over the first batch transforms of the plan's layout only
 * (1 <= batch <= the planned batch): a partly filled batch of CPIs costs its share. */
int triad__clfft_enqueue_batch(triad__clfft *fft, cl_command_queue queue, size_t batch,
                               cl_mem in, cl_mem out, cl_mem scratch, int dir, cl_uint num_wait,
                               const cl_event *wait, cl_event *done);

/* One kernel launch of a plan: which kernel, its work-group and global sizes, and its
 * resource use on the plan's device (so tests can hold it to the NVIDIA limits). */
typedef struct {
    triad__cl_kernel_info kernel;
    size_t local_size, global_size;
    unsigned radix;                /* 16, 8, 4, 2 for a pass; 0 for fft_local */
} triad__clfft_launch;

/* The plan's launches in order, up to max of them; returns how many there are. */
size_t triad__clfft_launches(const triad__clfft *fft, triad__clfft_launch *out, size_t max);

#endif
