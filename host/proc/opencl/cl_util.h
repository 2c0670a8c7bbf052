/* OpenCL host helpers shared by the OpenCL backend: checked calls, device enumeration and
 * selection, a context + queue holder, program builds from the embedded kernels, and the
 * resource use of built kernels. Internal to the library (prefix triad__cl_); no cl_* type
 * reaches include/triad/.
 *
 * Checked calls follow the Khronos OpenCL-SDK samples: every cl* call goes through a macro
 * that, on failure, records the call, file:line and the error name for triad_errmsg(), sets
 * a triad error code (TRIAD_EBACKEND) and jumps to one cleanup label:
 *
 *     int err = 0;
 *     cl_int clerr;
 *     cl_mem buf = NULL;
 *     TRIAD__CL_PAR(buf = clCreateBuffer(ctx, CL_MEM_READ_WRITE, bytes, NULL, &clerr),
 *                   clerr, err, cleanup);
 *     TRIAD__CL_TRY(clEnqueueWriteBuffer(q, buf, CL_TRUE, 0, bytes, host, 0, NULL, NULL),
 *                   err, cleanup);
 *   cleanup:
 *     if (buf) clReleaseMemObject(buf);
 *     return err;
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_PROC_OPENCL_CL_UTIL_H
#define TRIAD_PROC_OPENCL_CL_UTIL_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <stddef.h>

/* ---- errors ---- */

/* The name of an OpenCL error code ("CL_OUT_OF_RESOURCES"); "CL_UNKNOWN_ERROR" for codes
 * outside the 1.2 list and the common extension codes. Never NULL. */
const char *triad__cl_errname(cl_int err);

/* Record "opencl: <call> failed: <NAME> (<code>) at <file>:<line>" and return
 * TRIAD_EBACKEND. The call text is cut to a readable length. */
int triad__cl_fail(cl_int clerr, const char *call, const char *file, int line);

/* A call returning cl_int: on failure set err (int) and goto label. */
#define TRIAD__CL_TRY(call, err, label)                                                      \
    do {                                                                                     \
        const cl_int triad__cl_rc_ = (call);                                                 \
        if (triad__cl_rc_ != CL_SUCCESS) {                                                   \
            (err) = triad__cl_fail(triad__cl_rc_, #call, __FILE__, __LINE__);                \
            goto label;                                                                      \
        }                                                                                    \
    } while (0)

/* A call reporting through an errcode_ret argument (&clerr, a cl_int): the expression is
 * evaluated, then clerr is checked. */
#define TRIAD__CL_PAR(expr, clerr, err, label)                                               \
    do {                                                                                     \
        (clerr) = CL_SUCCESS;                                                                \
        (expr);                                                                              \
        if ((clerr) != CL_SUCCESS) {                                                         \
            (err) = triad__cl_fail((clerr), #expr, __FILE__, __LINE__);                      \
            goto label;                                                                      \
        }                                                                                    \
    } while (0)

/* ---- devices ---- */

/* One device as `triad devices` lists it. Strings are NUL-terminated, cut if longer. */
typedef struct {
    size_t index;                  /* position in the list over all platforms, from 0 */
    cl_platform_id platform;
    cl_device_id device;
    cl_device_type type;           /* CL_DEVICE_TYPE_GPU, _CPU, _ACCELERATOR, ... */
    char name[128];
    char vendor[128];
    char platform_name[128];
    char version[128];             /* CL_DEVICE_VERSION, e.g. "OpenCL 3.0 CUDA" */
    char c_version[64];            /* CL_DEVICE_OPENCL_C_VERSION */
    char driver_version[64];
    cl_ulong global_mem_bytes;
    cl_ulong max_alloc_bytes;      /* largest single buffer */
    cl_ulong local_mem_bytes;
    cl_uint compute_units;
    size_t max_work_group_size;
} triad__cl_device_info;

/* Every device of every platform, in platform order. *list is malloc'ed (free with
 * triad__cl_devices_free); *count >= 1 on success. Platforms that fail to answer are
 * skipped. Errors: TRIAD_ENODEVICE when there is no platform or no device,
 * TRIAD_ENOMEM, TRIAD_EBACKEND. */
int triad__cl_devices(triad__cl_device_info **list, size_t *count);
void triad__cl_devices_free(triad__cl_device_info *list);

/* Pick a device from the list: spec NULL or "" takes the first GPU, else the first device;
 * all digits is an index; anything else is a case-insensitive substring of the device name,
 * the vendor or the platform name (first match). Errors: TRIAD_ENODEVICE naming the spec and
 * the devices there are. */
int triad__cl_device_select(const triad__cl_device_info *list, size_t count, const char *spec,
                            size_t *index);

/* ---- context and queue ---- */

enum { TRIAD__CL_PROFILING = 1 }; /* flags for triad__cl_ctx_create */

/* A device with its own context and one in-order queue. */
typedef struct {
    triad__cl_device_info info;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
} triad__cl_ctx;

/* Select a device (spec as in triad__cl_device_select) and create a context and an in-order
 * queue on it (with profiling when flags has TRIAD__CL_PROFILING). Errors as
 * triad__cl_devices and triad__cl_device_select. */
int triad__cl_ctx_create(triad__cl_ctx **ctx, const char *spec, unsigned flags);
/* Finishes the queue, then releases it and the context. NULL does nothing. */
void triad__cl_ctx_destroy(triad__cl_ctx *ctx);

/* ---- programs ---- */

/* The kernel files embedded at build time (generated by cmake/EmbedCL.cmake), sorted by
 * name; data[i] has sizes[i] bytes followed by a 0 byte. */
extern const size_t triad__kernel_count;
extern const char *const triad__kernel_names[];
extern const unsigned char *const triad__kernel_data[];
extern const size_t triad__kernel_sizes[];

/* Build one program for ctx's device from the named kernel files, e.g. {"fft.cl"}: every
 * header (*.clh, common.clh first, then the others by name) comes first, then the files in
 * the order given, as one program. Kernel files do not #include; a later file may call
 * functions of an earlier one. With the environment variable TRIAD_KERNEL_DIR set, the
 * files are read from that folder instead of the embedded copies (for kernel development).
 * options are appended to "-cl-std=CL1.2" (NULL for none).
 * Errors: TRIAD_EINVAL (unknown file), TRIAD_EIO (unreadable file in TRIAD_KERNEL_DIR),
 * TRIAD_EBACKEND (a failed build: the message holds the start of the build log, and the
 * whole log goes line by line to the warning hook), TRIAD_ENOMEM. */
int triad__cl_program_build(cl_program *prog, const triad__cl_ctx *ctx,
                            const char *const *files, size_t num_files, const char *options);

/* ---- kernel resources ---- */

typedef struct {
    char name[64];
    size_t work_group_size;        /* CL_KERNEL_WORK_GROUP_SIZE: the most this kernel runs */
    size_t compile_work_group[3];  /* reqd_work_group_size, or 0 0 0 */
    cl_ulong local_mem_bytes;      /* CL_KERNEL_LOCAL_MEM_SIZE (static + arguments set) */
    cl_ulong private_mem_bytes;    /* CL_KERNEL_PRIVATE_MEM_SIZE (per work-item) */
} triad__cl_kernel_info;

/* The resource use of one kernel on a device. Errors: TRIAD_EBACKEND. */
int triad__cl_kernel_info_get(cl_kernel kernel, cl_device_id device,
                              triad__cl_kernel_info *info);

/* The resource use of every kernel of a built program: up to max entries in infos,
 * *count gets the number of kernels in the program. Errors: TRIAD_EBACKEND. */
int triad__cl_program_kernels(cl_program prog, cl_device_id device, triad__cl_kernel_info *infos,
                              size_t max, size_t *count);

/* Size in bytes of a buffer (0 if the query fails). */
size_t triad__cl_mem_bytes(cl_mem mem);

#endif
