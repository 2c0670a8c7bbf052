/* Triad — the OpenCL devices this machine offers (for `triad devices` and --device).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_DEVICES_H
#define TRIAD_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t index;               /* what --device takes, counted over all platforms */
    char name[128], vendor[128], platform[128];
    char version[128];          /* e.g. "OpenCL 3.0 CUDA" */
    char c_version[64];         /* OpenCL C version */
    char driver[64];
    int is_gpu, is_cpu;
    uint64_t global_mem_bytes, max_alloc_bytes, local_mem_bytes;
    unsigned compute_units;
    size_t max_work_group_size;
} triad_device_info;

/* Every OpenCL device of every platform. *list is malloc'd (triad_devices_free).
 * Returns 0, TRIAD_ENODEVICE (no platform or device; message says so), TRIAD_ENOMEM. */
int triad_devices(triad_device_info **list, size_t *count);
void triad_devices_free(triad_device_info *list);

#ifdef __cplusplus
}
#endif
#endif
