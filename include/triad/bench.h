/* Triad — benchmark floors: what `triad bench` compares the chain's time per CPI with, and
 * the OpenCL backend's device-memory traffic model. Library: libtriad.
 *
 *   fftw       FFTW's own batched transforms of the chain's sizes: forward and inverse range
 *              FFTs of P x Nfft and the strided Doppler FFT of N x P, per channel, planned
 *              with the chain's effort and threads (triad_bench_fftw_floor).
 *   bandwidth  the fused OpenCL design's minimal bytes per CPI at an OpenCL device's measured
 *              bandwidths (triad_bench_bandwidth_measure, triad_bench_bandwidth_floor): the
 *              raw CPI up at pinned host-to-device speed; on the device the raw CPI read once,
 *              the complex cube written once and read once (the corner turn between the range
 *              and the Doppler axes) at the device-to-device copy bandwidth; the detections
 *              back at device-to-host speed.
 *   traffic    the bytes each OpenCL kernel reads and writes per CPI, counted from the launch
 *              geometry the backend chooses on a GPU; needs no device (triad_bench_traffic).
 *
 * Threads: the FFTW floor plans with FFTW's own threads. Call triad_bench_threads_init()
 * once before it (after reading any FFTW wisdom: the thread solvers change FFTW's planner
 * signature, and FFTW refuses wisdom of another signature; for the same reason wisdom saved
 * after it cannot be read by a process that never called it) and triad_bench_threads_cleanup()
 * at the end. SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_BENCH_H
#define TRIAD_BENCH_H

#include <stddef.h>

#include "triad/chain.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The clock a benchmark times with: WALL is CLOCK_MONOTONIC (triad_clock_s()); CPU is this
 * process's CPU time (CLOCK_PROCESS_CPUTIME_ID: on a shared machine, with one thread, only
 * this process's own work). */
typedef enum {
    TRIAD_BENCH_CLOCK_WALL = 0,
    TRIAD_BENCH_CLOCK_CPU,
} triad_bench_clock;

/* Seconds on that clock. */
double triad_bench_now(triad_bench_clock clock);

/* The q-quantile (nearest rank, 0 <= q <= 1) of v[0..n-1], n >= 1; sorts v. */
double triad_bench_percentile(double *v, size_t n, double q);

/* The CPI shape a floor is for: C channels x P pulses x N samples, L reference samples. */
typedef struct {
    size_t channels, pulses, samples, pulse_samples;
} triad_bench_shape;

/* The range FFT length the FFTW backend uses for N samples and L reference samples: the
 * smallest 2^a 3^b 5^c 7^d >= N + L - 1. */
size_t triad_bench_fftw_nfft(size_t samples, size_t pulse_samples);

/* A floor per CPI. */
typedef struct {
    char kind[16];     /* "fftw" or "bandwidth" */
    double total_s;    /* the floor: the sum of the parts */
    double part_s[3];  /* fftw: range (forward + inverse), Doppler; bandwidth: up, device, down */
    double bytes[3];   /* bandwidth: bytes up, on the device, down; fftw: 0 */
} triad_bench_floor;

const char *triad_bench_fftw_version(void); /* FFTW's version text (fftwf_version) */

int triad_bench_threads_init(void); /* fftwf_init_threads; returns 0 or TRIAD_EBACKEND */
void triad_bench_threads_cleanup(void);

/* FFTW's own transforms of one CPI of shape s (nfft: the range FFT length, see
 * triad_bench_fftw_nfft), one channel at a time, `threads` FFTW threads, plans of that effort;
 * the median of reps (>= 1) runs after two warm-up runs, times on `clock`, times the channel
 * count. Returns 0, TRIAD_EINVAL or TRIAD_ENOMEM. */
int triad_bench_fftw_floor(const triad_bench_shape *s, size_t nfft, int threads,
                           triad_fft_effort effort, int reps, triad_bench_clock clock,
                           triad_bench_floor *out);

/* An OpenCL device's memory bandwidth. */
typedef struct {
    char device[128];          /* CL_DEVICE_NAME */
    char platform[128];
    int is_gpu;
    size_t copy_bytes;         /* size of each buffer of the copy test */
    size_t transfer_bytes;     /* size of the host transfers */
    int reps;                  /* timed repetitions of each test (after one warm-up) */
    /* The best of the repetitions, bytes per second: */
    double copy_bytes_per_s;   /* clEnqueueCopyBuffer device to device, counting the bytes read
                                  plus the bytes written (2 x copy_bytes per copy) */
    double h2d_bytes_per_s;    /* clEnqueueWriteBuffer from pinned host memory (a buffer made
                                  with CL_MEM_ALLOC_HOST_PTR, mapped) to a device buffer */
    double d2h_bytes_per_s;    /* clEnqueueReadBuffer back into the same pinned memory */
} triad_bench_bandwidth;

/* Measure on the device that spec selects (as triad_chain_cfg.device: NULL = first GPU, else
 * the first device; an index; a name substring) with buffers of at most max_bytes (0: 128 MiB),
 * also kept to a quarter of the largest allocation the device allows. Wall-clock timing of
 * blocking calls; takes a few hundred milliseconds. Returns 0, TRIAD_ENODEVICE (no device, no
 * match, or a build without OpenCL), TRIAD_EBACKEND (an OpenCL call failed; the message names
 * it), TRIAD_ENOMEM. */
int triad_bench_bandwidth_measure(const char *spec, size_t max_bytes,
                                  triad_bench_bandwidth *out);

/* The bandwidth floor of shape s in format (dets_per_cpi detections of 16 bytes back). */
void triad_bench_bandwidth_floor(const triad_bench_shape *s, triad_format format,
                                 double dets_per_cpi, const triad_bench_bandwidth *bw,
                                 triad_bench_floor *out);

/* The OpenCL backend's device-memory traffic per CPI: every array element counted once per
 * kernel that touches it, small tables (twiddles, the matched filter, CFAR factors) left out,
 * extraction's few cells per target as 0. */
enum { TRIAD_BENCH_TRAFFIC_MAX = 24 };

typedef struct {
    const char *kernel;        /* kernel name, or "copy h2d" / "copy d2h" (static text) */
    unsigned launches;         /* per CPI (per chunk of maps; a batch shares them) */
    double read_bytes, write_bytes;
} triad_bench_traffic_row;

typedef struct {
    size_t nfft, n1, n2;       /* range FFT length; n1 x n2 = nfft for "four-step", else 0 */
    const char *range;         /* range stage design: "fused", "four-step" or "global" */
    int doppler_fused;         /* the Doppler stage in one kernel */
    size_t count;
    triad_bench_traffic_row row[TRIAD_BENCH_TRAFFIC_MAX];
    double device_read, device_write; /* sums over the kernels (copies apart) */
    double fused_min;                 /* raw cube read once + power map written once */
} triad_bench_traffic;

/* The model for shape s in format with cfg's MTI, CFAR type and max_detections. */
void triad_bench_traffic_model(const triad_bench_shape *s, triad_format format,
                               const triad_chain_cfg *cfg, triad_bench_traffic *out);

#ifdef __cplusplus
}
#endif

#endif
