/* The public device list, without OpenCL types. SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "proc/opencl/cl_util.h"
#include "triad/devices.h"

int triad_devices(triad_device_info **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    triad__cl_device_info *cl = NULL;
    size_t n = 0;
    int err = triad__cl_devices(&cl, &n);
    if (err)
        return err;
    triad_device_info *list = calloc(n, sizeof *list);
    if (!list) {
        triad__cl_devices_free(cl);
        return triad__fail(TRIAD_ENOMEM, "devices: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        triad_device_info *d = &list[i];
        d->index = cl[i].index;
        memcpy(d->name, cl[i].name, sizeof d->name);
        memcpy(d->vendor, cl[i].vendor, sizeof d->vendor);
        memcpy(d->platform, cl[i].platform_name, sizeof d->platform);
        memcpy(d->version, cl[i].version, sizeof d->version);
        memcpy(d->c_version, cl[i].c_version, sizeof d->c_version);
        memcpy(d->driver, cl[i].driver_version, sizeof d->driver);
        d->is_gpu = (cl[i].type & CL_DEVICE_TYPE_GPU) != 0;
        d->is_cpu = (cl[i].type & CL_DEVICE_TYPE_CPU) != 0;
        d->global_mem_bytes = cl[i].global_mem_bytes;
        d->max_alloc_bytes = cl[i].max_alloc_bytes;
        d->local_mem_bytes = cl[i].local_mem_bytes;
        d->compute_units = cl[i].compute_units;
        d->max_work_group_size = cl[i].max_work_group_size;
    }
    triad__cl_devices_free(cl);
    *out = list;
    *count = n;
    return 0;
}

void triad_devices_free(triad_device_info *list) { free(list); }
