/* The OpenCL backend's device-memory traffic per CPI, counted from launch geometry: which
 * kernels run for a CPI geometry (the same choices backend_opencl.c makes on a device that
 * runs the local-memory kernels, a GPU) and the bytes each reads and writes in global memory,
 * every array element counted once per kernel that touches it (a kernel reading an element
 * twice is assumed to hit the cache the second time), small tables (twiddles, the matched
 * filter, CFAR factors) left out. A design metric that needs no device: the ratio of the
 * total to the fused minimum (read the raw cube once, write the power map once) says how far
 * the kernels are from the bytes floor. Internal (prefix triad__cl_); no OpenCL types, built
 * with or without OpenCL.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_PROC_OPENCL_TRAFFIC_CL_H
#define TRIAD_PROC_OPENCL_TRAFFIC_CL_H

#include <stddef.h>

/* How the range stage runs for a range FFT of nfft points (a power of two). */
typedef enum {
    TRIAD__CL_RANGE_FUSED,     /* 16 <= nfft <= 4096: range_fused, one kernel in local memory */
    TRIAD__CL_RANGE_FOUR_STEP, /* 4096 < nfft <= 2^24: three local-memory kernels (range.cl) */
    TRIAD__CL_RANGE_GLOBAL,    /* else, or a device that cannot run those: global FFT passes */
    TRIAD__CL_RANGE_LONG,      /* nfft = N1 N2, N1 = 3, 5, 9, 4096 < nfft <= 10240: range_long,
                                  one kernel, a pulse per work-group of 1024 */
} triad__cl_range_design;

/* range_long's work-group (TR_RANGE_LONG_ITEMS) and longest transform (TR_RANGE_LONG_MAX) */
enum { TRIAD__CL_RANGE_LONG_ITEMS = 1024, TRIAD__CL_RANGE_LONG_MAX = 10240 };

triad__cl_range_design triad__cl_range_design_of(size_t nfft);
const char *triad__cl_range_design_name(triad__cl_range_design d);
/* range_long: N1 (3, 5 or 9) and log2 of N2 for nfft = N1 N2, or 0 where nfft is none */
unsigned triad__cl_range_long_n1(size_t nfft, unsigned *log2n2);
/* Four-step: log2 of N2 (the row length) for nfft = 2^log2n; N2 >= N1. */
unsigned triad__cl_four_step_log2n2(unsigned log2n);
/* The range FFT length of the OpenCL backend: the power of two >= N + L - 1, or where that
 * is above 4096 the shortest N1 2^k >= N + L - 1 that range_long takes, when shorter. */
size_t triad__cl_range_nfft(size_t n, size_t l);
/* The power of two >= N + L - 1 (the length on a device that cannot run range_long). */
size_t triad__cl_range_nfft_pow2(size_t n, size_t l);
/* The Doppler stage in one kernel (doppler_fused): P a power of two, 16 <= P <= 1024. */
int triad__cl_doppler_fused(size_t p);

typedef struct {
    size_t n, p, c, l;        /* samples per pulse, pulses, channels, pulse (reference) samples */
    size_t sample_bytes;      /* 4 ci16, 8 cf32 */
    int mti;                  /* 0, 2, 3 */
    int cfar_os;              /* OS-CFAR (cfar_os) instead of CA/GO/SO (cfar_mean) */
    size_t max_detections;    /* per channel */
} triad__cl_geometry;

enum { TRIAD__CL_TRAFFIC_MAX = 24 };

typedef struct {
    const char *kernel;       /* kernel name, or "copy h2d" / "copy d2h" */
    unsigned launches;        /* per CPI (per chunk of maps; a batch shares them) */
    double read_bytes, write_bytes;
} triad__cl_traffic_row;

typedef struct {
    size_t nfft, n1, n2;      /* n1 x n2 = nfft (four-step, range_long), else 0 */
    triad__cl_range_design range;
    int doppler_fused;
    size_t count;
    triad__cl_traffic_row row[TRIAD__CL_TRAFFIC_MAX];
    double device_read, device_write;   /* sums over the kernels (copies apart) */
    double fused_min;                   /* raw cube read once + power map written once */
} triad__cl_traffic;

/* The model for one geometry (extraction's traffic, a few cells per target, counts as 0). */
void triad__cl_traffic_model(const triad__cl_geometry *g, triad__cl_traffic *out);

#endif
