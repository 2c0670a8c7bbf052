/* Memory bandwidth of an OpenCL device, for the benchmark's floor (triad bench): how fast the
 * device copies within its own memory, and how fast it moves data to and from pinned host
 * memory. A plain C struct, no cl_* types; public through triad_bench_bandwidth_measure()
 * (include/triad/bench.h). Internal to the library (prefix triad__).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_PROC_OPENCL_BENCH_FLOOR_CL_H
#define TRIAD_PROC_OPENCL_BENCH_FLOOR_CL_H

#include <stddef.h>

#include "triad/bench.h"

/* The public struct (include/triad/bench.h: its fields are documented there). */
typedef triad_bench_bandwidth triad__cl_bandwidth;

/* Measure on the device that spec selects (as triad_chain_cfg.device: NULL = first GPU, else
 * the first device; an index; a name substring) with buffers of at most max_bytes (0: 128 MiB),
 * also kept to a quarter of the largest allocation the device allows. Wall-clock timing of
 * blocking calls; takes a few hundred milliseconds. Returns 0, TRIAD_ENODEVICE (no device or
 * no match), TRIAD_EBACKEND (an OpenCL call failed; the message names it), TRIAD_ENOMEM. */
int triad__cl_bandwidth_measure(const char *spec, size_t max_bytes, triad__cl_bandwidth *out);

#endif
