/* Device memory bandwidth for the benchmark's floor: a device-to-device copy of a large buffer
 * and transfers between a device buffer and pinned (CL_MEM_ALLOC_HOST_PTR, mapped) host memory,
 * each timed on the wall clock around blocking calls, best of a few repetitions.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "proc/opencl/bench_floor_cl.h"

#include <stdio.h>
#include <string.h>

#include "core/error_internal.h"
#include "proc/backend.h"
#include "proc/opencl/cl_util.h"

enum { REPS = 5 };

int triad__cl_bandwidth_measure(const char *spec, size_t max_bytes, triad__cl_bandwidth *out)
{
    memset(out, 0, sizeof *out);
    triad__cl_ctx *ctx = NULL;
    int err = triad__cl_ctx_create(&ctx, spec, 0);
    if (err)
        return err;
    cl_int clerr;
    cl_mem src = NULL, dst = NULL, pinned = NULL;
    void *host = NULL;
    const cl_command_queue q = ctx->queue;

    snprintf(out->device, sizeof out->device, "%s", ctx->info.name);
    snprintf(out->platform, sizeof out->platform, "%s", ctx->info.platform_name);
    out->is_gpu = (ctx->info.type & CL_DEVICE_TYPE_GPU) != 0;
    size_t bytes = max_bytes ? max_bytes : (size_t)128 << 20;
    if (ctx->info.max_alloc_bytes / 4 < bytes)
        bytes = (size_t)(ctx->info.max_alloc_bytes / 4);
    if (ctx->info.global_mem_bytes / 8 < bytes)
        bytes = (size_t)(ctx->info.global_mem_bytes / 8);
    bytes &= ~(size_t)4095;
    if (bytes < 4096) {
        err = triad__fail(TRIAD_EBACKEND, "opencl: device %s allows too small buffers for a "
                                          "bandwidth test", ctx->info.name);
        goto fail;
    }
    out->copy_bytes = out->transfer_bytes = bytes;
    out->reps = REPS;

    TRIAD__CL_PAR(src = clCreateBuffer(ctx->context, CL_MEM_READ_WRITE, bytes, NULL, &clerr),
                  clerr, err, fail);
    TRIAD__CL_PAR(dst = clCreateBuffer(ctx->context, CL_MEM_READ_WRITE, bytes, NULL, &clerr),
                  clerr, err, fail);
    TRIAD__CL_PAR(pinned = clCreateBuffer(ctx->context, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR,
                                          bytes, NULL, &clerr),
                  clerr, err, fail);
    TRIAD__CL_PAR(host = clEnqueueMapBuffer(q, pinned, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0,
                                            bytes, 0, NULL, NULL, &clerr),
                  clerr, err, fail);
    memset(host, 0x5a, bytes); /* touch every page: no first-use faults in the timing */

    double best_h2d = 1e30, best_d2h = 1e30, best_copy = 1e30;
    for (int r = -1; r < REPS; r++) {
        double t0 = triad__now();
        TRIAD__CL_TRY(clEnqueueWriteBuffer(q, src, CL_TRUE, 0, bytes, host, 0, NULL, NULL), err,
                      fail);
        const double h2d = triad__now() - t0;
        t0 = triad__now();
        TRIAD__CL_TRY(clEnqueueCopyBuffer(q, src, dst, 0, 0, bytes, 0, NULL, NULL), err, fail);
        TRIAD__CL_TRY(clFinish(q), err, fail);
        const double copy = triad__now() - t0;
        t0 = triad__now();
        TRIAD__CL_TRY(clEnqueueReadBuffer(q, dst, CL_TRUE, 0, bytes, host, 0, NULL, NULL), err,
                      fail);
        const double d2h = triad__now() - t0;
        if (r < 0)
            continue; /* warm-up: first-touch allocation of the device buffers */
        best_h2d = h2d < best_h2d ? h2d : best_h2d;
        best_copy = copy < best_copy ? copy : best_copy;
        best_d2h = d2h < best_d2h ? d2h : best_d2h;
    }
    out->h2d_bytes_per_s = (double)bytes / best_h2d;
    out->copy_bytes_per_s = 2.0 * (double)bytes / best_copy;
    out->d2h_bytes_per_s = (double)bytes / best_d2h;

fail:
    if (host)
        clEnqueueUnmapMemObject(q, pinned, host, 0, NULL, NULL);
    if (pinned)
        clReleaseMemObject(pinned);
    if (dst)
        clReleaseMemObject(dst);
    if (src)
        clReleaseMemObject(src);
    triad__cl_ctx_destroy(ctx);
    return err;
}
