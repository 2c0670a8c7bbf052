/* CFAR and detection extraction on the CPU, over a range-Doppler power map.
 * Used by the FFTW backend; the OpenCL backend runs the same algorithm on the device.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_PROC_CFAR_CPU_H
#define TRIAD_PROC_CFAR_CPU_H

#include <stddef.h>

#include "proc/backend.h"

typedef struct triad__cfar triad__cfar;

/* ld: the row stride of the maps execute is given (>= plan->n; a stride whose rows fall in
 * different cache sets is faster). */
int triad__cfar_create(triad__cfar **cf, const triad__plan *plan, size_t ld);
void triad__cfar_destroy(triad__cfar *cf);

/* map: [size: P x ld] linear power (range bins 0..N-1 of each row), row P/2 = zero Doppler. Searches range bins
 * 0..plan->range_bins-1, writes up to plan->max_detections into dets, *count set,
 * stats->cells_above and stats->dropped increased. times[0]: CFAR, times[1]: extraction. */
void triad__cfar_execute(triad__cfar *cf, const float *map, triad__bin_det *dets,
                         size_t *count, triad_chain_stats *stats, double times[2]);

#endif
