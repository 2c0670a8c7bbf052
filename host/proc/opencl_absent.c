/* A build without OpenCL (TRIAD_WITH_OPENCL=OFF or not found): the OpenCL backend, the device
 * list and the bandwidth floor exist and fail with one clear message, so that the chain, the
 * program and `--backend auto` (FFTW, with its warning) behave as on a machine without a
 * device. SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "core/error_internal.h"
#include "proc/backend.h"
#include "proc/opencl/bench_floor_cl.h"
#include "triad/devices.h"

static int absent(void)
{
    return triad__fail(TRIAD_ENODEVICE, "OpenCL: not built with OpenCL (configured with "
                                        "TRIAD_WITH_OPENCL=OFF, or OpenCL was not found)");
}

static int create_absent(void **state, const triad__plan *plan)
{
    (void)plan;
    *state = NULL;
    return absent();
}

static void destroy_absent(void *state) { (void)state; }

const triad__backend_ops triad__backend_opencl = {
    .name = "opencl",
    .create = create_absent,
    .destroy = destroy_absent,
};

int triad_devices(triad_device_info **list, size_t *count)
{
    *list = NULL;
    *count = 0;
    return absent();
}

void triad_devices_free(triad_device_info *list) { free(list); }

int triad__cl_bandwidth_measure(const char *spec, size_t max_bytes, triad__cl_bandwidth *out)
{
    (void)spec;
    (void)max_bytes;
    (void)out;
    return absent();
}
