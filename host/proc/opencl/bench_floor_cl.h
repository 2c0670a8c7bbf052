/* Memory bandwidth of an OpenCL device, for the benchmark's floor (triad bench): how fast the
 * device copies within its own memory, and how fast it moves data to and from pinned host
 * memory. A plain C struct, no cl_* types, so that cli/ can use it without OpenCL headers.
 * Internal to the library (prefix triad__).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_PROC_OPENCL_BENCH_FLOOR_CL_H
#define TRIAD_PROC_OPENCL_BENCH_FLOOR_CL_H

#include <stddef.h>

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
} triad__cl_bandwidth;

/* Measure on the device that spec selects (as triad_chain_cfg.device: NULL = first GPU, else
 * the first device; an index; a name substring) with buffers of at most max_bytes (0: 128 MiB),
 * also kept to a quarter of the largest allocation the device allows. Wall-clock timing of
 * blocking calls; takes a few hundred milliseconds. Returns 0, TRIAD_ENODEVICE (no device or
 * no match), TRIAD_EBACKEND (an OpenCL call failed; the message names it), TRIAD_ENOMEM. */
int triad__cl_bandwidth_measure(const char *spec, size_t max_bytes, triad__cl_bandwidth *out);

#endif
