/* OpenCL host helpers: error names, checked-call failures, devices, context + queue,
 * program builds from the embedded kernels (or TRIAD_KERNEL_DIR), kernel resources.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "proc/opencl/cl_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"

/* ---- errors ---- */

#define TRIAD__CL_ERRORS_1_2(X)                                                              \
    X(CL_SUCCESS) X(CL_DEVICE_NOT_FOUND) X(CL_DEVICE_NOT_AVAILABLE)                          \
    X(CL_COMPILER_NOT_AVAILABLE) X(CL_MEM_OBJECT_ALLOCATION_FAILURE) X(CL_OUT_OF_RESOURCES)  \
    X(CL_OUT_OF_HOST_MEMORY) X(CL_PROFILING_INFO_NOT_AVAILABLE) X(CL_MEM_COPY_OVERLAP)       \
    X(CL_IMAGE_FORMAT_MISMATCH) X(CL_IMAGE_FORMAT_NOT_SUPPORTED) X(CL_BUILD_PROGRAM_FAILURE) \
    X(CL_MAP_FAILURE) X(CL_MISALIGNED_SUB_BUFFER_OFFSET)                                     \
    X(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST) X(CL_COMPILE_PROGRAM_FAILURE)            \
    X(CL_LINKER_NOT_AVAILABLE) X(CL_LINK_PROGRAM_FAILURE) X(CL_DEVICE_PARTITION_FAILED)      \
    X(CL_KERNEL_ARG_INFO_NOT_AVAILABLE) X(CL_INVALID_VALUE) X(CL_INVALID_DEVICE_TYPE)        \
    X(CL_INVALID_PLATFORM) X(CL_INVALID_DEVICE) X(CL_INVALID_CONTEXT)                        \
    X(CL_INVALID_QUEUE_PROPERTIES) X(CL_INVALID_COMMAND_QUEUE) X(CL_INVALID_HOST_PTR)        \
    X(CL_INVALID_MEM_OBJECT) X(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR) X(CL_INVALID_IMAGE_SIZE)  \
    X(CL_INVALID_SAMPLER) X(CL_INVALID_BINARY) X(CL_INVALID_BUILD_OPTIONS)                   \
    X(CL_INVALID_PROGRAM) X(CL_INVALID_PROGRAM_EXECUTABLE) X(CL_INVALID_KERNEL_NAME)         \
    X(CL_INVALID_KERNEL_DEFINITION) X(CL_INVALID_KERNEL) X(CL_INVALID_ARG_INDEX)             \
    X(CL_INVALID_ARG_VALUE) X(CL_INVALID_ARG_SIZE) X(CL_INVALID_KERNEL_ARGS)                 \
    X(CL_INVALID_WORK_DIMENSION) X(CL_INVALID_WORK_GROUP_SIZE) X(CL_INVALID_WORK_ITEM_SIZE)  \
    X(CL_INVALID_GLOBAL_OFFSET) X(CL_INVALID_EVENT_WAIT_LIST) X(CL_INVALID_EVENT)            \
    X(CL_INVALID_OPERATION) X(CL_INVALID_GL_OBJECT) X(CL_INVALID_BUFFER_SIZE)                \
    X(CL_INVALID_MIP_LEVEL) X(CL_INVALID_GLOBAL_WORK_SIZE) X(CL_INVALID_PROPERTY)            \
    X(CL_INVALID_IMAGE_DESCRIPTOR) X(CL_INVALID_COMPILER_OPTIONS)                            \
    X(CL_INVALID_LINKER_OPTIONS) X(CL_INVALID_DEVICE_PARTITION_COUNT)

const char *triad__cl_errname(cl_int err)
{
    switch (err) {
#define TRIAD__CL_ERR_CASE(name) case name: return #name;
        TRIAD__CL_ERRORS_1_2(TRIAD__CL_ERR_CASE)
#undef TRIAD__CL_ERR_CASE
    /* newer than the 1.2 headers we target, or from extensions, so spelled as numbers */
    case -69: return "CL_INVALID_PIPE_SIZE";
    case -70: return "CL_INVALID_DEVICE_QUEUE";
    case -71: return "CL_INVALID_SPEC_ID";
    case -72: return "CL_MAX_SIZE_RESTRICTION_EXCEEDED";
    case -1000: return "CL_INVALID_GL_SHAREGROUP_REFERENCE_KHR";
    case -1001: return "CL_PLATFORM_NOT_FOUND_KHR";
    default: return "CL_UNKNOWN_ERROR";
    }
}

int triad__cl_fail(cl_int clerr, const char *call, const char *file, int line)
{
    /* the file relative to the source tree reads better than the build's absolute path */
    const char *rel = strstr(file, "host/");
    return triad__fail(TRIAD_EBACKEND, "opencl: %.200s failed: %s (%d) at %s:%d", call,
                       triad__cl_errname(clerr), (int)clerr, rel ? rel : file, line);
}

/* ---- devices ---- */

/* A string property into a fixed buffer, cut to fit. */
static cl_int device_string(cl_device_id dev, cl_device_info what, char *buf, size_t size)
{
    size_t need = 0;
    buf[0] = '\0';
    cl_int rc = clGetDeviceInfo(dev, what, 0, NULL, &need);
    if (rc != CL_SUCCESS)
        return rc;
    char *tmp = malloc(need + 1);
    if (!tmp)
        return CL_OUT_OF_HOST_MEMORY;
    rc = clGetDeviceInfo(dev, what, need, tmp, NULL);
    if (rc == CL_SUCCESS) {
        tmp[need] = '\0';
        snprintf(buf, size, "%s", tmp);
    }
    free(tmp);
    return rc;
}

static cl_int platform_string(cl_platform_id plat, cl_platform_info what, char *buf, size_t size)
{
    size_t need = 0;
    buf[0] = '\0';
    cl_int rc = clGetPlatformInfo(plat, what, 0, NULL, &need);
    if (rc != CL_SUCCESS)
        return rc;
    char *tmp = malloc(need + 1);
    if (!tmp)
        return CL_OUT_OF_HOST_MEMORY;
    rc = clGetPlatformInfo(plat, what, need, tmp, NULL);
    if (rc == CL_SUCCESS) {
        tmp[need] = '\0';
        snprintf(buf, size, "%s", tmp);
    }
    free(tmp);
    return rc;
}

static int device_fill(triad__cl_device_info *d, cl_platform_id plat, cl_device_id dev)
{
    int err = 0;
    memset(d, 0, sizeof *d);
    d->platform = plat;
    d->device = dev;
    TRIAD__CL_TRY(platform_string(plat, CL_PLATFORM_NAME, d->platform_name,
                                  sizeof d->platform_name),
                  err, done);
    TRIAD__CL_TRY(device_string(dev, CL_DEVICE_NAME, d->name, sizeof d->name), err, done);
    TRIAD__CL_TRY(device_string(dev, CL_DEVICE_VENDOR, d->vendor, sizeof d->vendor), err, done);
    TRIAD__CL_TRY(device_string(dev, CL_DEVICE_VERSION, d->version, sizeof d->version), err,
                  done);
    TRIAD__CL_TRY(device_string(dev, CL_DEVICE_OPENCL_C_VERSION, d->c_version,
                                sizeof d->c_version),
                  err, done);
    TRIAD__CL_TRY(device_string(dev, CL_DRIVER_VERSION, d->driver_version,
                                sizeof d->driver_version),
                  err, done);
    TRIAD__CL_TRY(clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof d->type, &d->type, NULL), err,
                  done);
    TRIAD__CL_TRY(clGetDeviceInfo(dev, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof d->global_mem_bytes,
                                  &d->global_mem_bytes, NULL),
                  err, done);
    TRIAD__CL_TRY(clGetDeviceInfo(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof d->max_alloc_bytes,
                                  &d->max_alloc_bytes, NULL),
                  err, done);
    TRIAD__CL_TRY(clGetDeviceInfo(dev, CL_DEVICE_LOCAL_MEM_SIZE, sizeof d->local_mem_bytes,
                                  &d->local_mem_bytes, NULL),
                  err, done);
    TRIAD__CL_TRY(clGetDeviceInfo(dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof d->compute_units,
                                  &d->compute_units, NULL),
                  err, done);
    TRIAD__CL_TRY(clGetDeviceInfo(dev, CL_DEVICE_MAX_WORK_GROUP_SIZE,
                                  sizeof d->max_work_group_size, &d->max_work_group_size, NULL),
                  err, done);
done:
    return err;
}

int triad__cl_devices(triad__cl_device_info **list, size_t *count)
{
    *list = NULL;
    *count = 0;
    int err = 0;
    cl_uint num_plat = 0;
    cl_platform_id *plats = NULL;
    triad__cl_device_info *out = NULL;
    size_t n_out = 0;

    cl_int rc = clGetPlatformIDs(0, NULL, &num_plat);
    if (rc == -1001 /* CL_PLATFORM_NOT_FOUND_KHR: the ICD loader found no platform */ ||
        (rc == CL_SUCCESS && num_plat == 0))
        return triad__fail(TRIAD_ENODEVICE, "opencl: no OpenCL platform is installed");
    if (rc != CL_SUCCESS)
        return triad__cl_fail(rc, "clGetPlatformIDs(0, NULL, &num_plat)", __FILE__, __LINE__);
    plats = calloc(num_plat, sizeof *plats);
    if (!plats)
        return triad__fail(TRIAD_ENOMEM, "opencl: out of memory listing platforms");
    TRIAD__CL_TRY(clGetPlatformIDs(num_plat, plats, NULL), err, fail);

    for (cl_uint p = 0; p < num_plat; p++) {
        cl_uint num_dev = 0;
        /* a platform without devices (CL_DEVICE_NOT_FOUND) or a broken one is skipped */
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL, &num_dev) != CL_SUCCESS ||
            num_dev == 0)
            continue;
        cl_device_id *devs = calloc(num_dev, sizeof *devs);
        triad__cl_device_info *grown = realloc(out, (n_out + num_dev) * sizeof *out);
        if (!devs || !grown) {
            free(devs);
            err = triad__fail(TRIAD_ENOMEM, "opencl: out of memory listing devices");
            goto fail;
        }
        out = grown;
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, num_dev, devs, NULL) == CL_SUCCESS) {
            for (cl_uint d = 0; d < num_dev; d++) {
                if (device_fill(&out[n_out], plats[p], devs[d]) == 0) {
                    out[n_out].index = n_out;
                    n_out++;
                }
            }
        }
        free(devs);
    }
    free(plats);
    if (n_out == 0) {
        free(out);
        triad__clear_error();
        return triad__fail(TRIAD_ENODEVICE, "opencl: %u platform(s), but no usable device",
                           (unsigned)num_plat);
    }
    *list = out;
    *count = n_out;
    return 0;
fail:
    free(plats);
    free(out);
    return err;
}

void triad__cl_devices_free(triad__cl_device_info *list) { free(list); }

static int contains_nocase(const char *hay, const char *needle)
{
    const size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return n == 0;
}

int triad__cl_device_select(const triad__cl_device_info *list, size_t count, const char *spec,
                            size_t *index)
{
    if (count == 0)
        return triad__fail(TRIAD_ENODEVICE, "opencl: no device to select from");
    if (!spec || !*spec) {
        *index = 0;
        for (size_t i = 0; i < count; i++)
            if (list[i].type & CL_DEVICE_TYPE_GPU) {
                *index = i;
                break;
            }
        return 0;
    }
    size_t digits = strspn(spec, "0123456789");
    if (spec[digits] == '\0') {
        errno = 0;
        const unsigned long long i = strtoull(spec, NULL, 10);
        if (errno == 0 && i < count) {
            *index = (size_t)i;
            return 0;
        }
    } else {
        for (size_t i = 0; i < count; i++)
            if (contains_nocase(list[i].name, spec) || contains_nocase(list[i].vendor, spec) ||
                contains_nocase(list[i].platform_name, spec)) {
                *index = i;
                return 0;
            }
    }
    char names[512] = "";
    size_t len = 0;
    for (size_t i = 0; i < count && len + 1 < sizeof names; i++) {
        const int w = snprintf(names + len, sizeof names - len, "%s%zu: %s", i ? ", " : "", i,
                               list[i].name);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    return triad__fail(TRIAD_ENODEVICE, "opencl: device \"%s\": no such device (there are %s)",
                       spec, names);
}

/* ---- context and queue ---- */

int triad__cl_ctx_create(triad__cl_ctx **out, const char *spec, unsigned flags)
{
    *out = NULL;
    triad__cl_device_info *list = NULL;
    size_t count = 0, index = 0;
    int err = triad__cl_devices(&list, &count);
    if (err)
        return err;
    err = triad__cl_device_select(list, count, spec, &index);
    if (err) {
        triad__cl_devices_free(list);
        return err;
    }
    triad__cl_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        triad__cl_devices_free(list);
        return triad__fail(TRIAD_ENOMEM, "opencl: out of memory");
    }
    c->info = list[index];
    c->device = c->info.device;
    triad__cl_devices_free(list);

    cl_int clerr;
    const cl_context_properties props[] = {CL_CONTEXT_PLATFORM,
                                           (cl_context_properties)c->info.platform, 0};
    TRIAD__CL_PAR(c->context = clCreateContext(props, 1, &c->device, NULL, NULL, &clerr), clerr,
                  err, fail);
    const cl_command_queue_properties qprops =
        (flags & TRIAD__CL_PROFILING) ? CL_QUEUE_PROFILING_ENABLE : 0;
    TRIAD__CL_PAR(c->queue = clCreateCommandQueue(c->context, c->device, qprops, &clerr), clerr,
                  err, fail);
    *out = c;
    return 0;
fail:
    triad__cl_ctx_destroy(c);
    return err;
}

void triad__cl_ctx_destroy(triad__cl_ctx *c)
{
    if (!c)
        return;
    if (c->queue) {
        clFinish(c->queue);
        clReleaseCommandQueue(c->queue);
    }
    if (c->context)
        clReleaseContext(c->context);
    free(c);
}

/* ---- programs ---- */

static int ends_with(const char *s, const char *suffix)
{
    const size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int embedded_index(const char *name)
{
    for (size_t i = 0; i < triad__kernel_count; i++)
        if (strcmp(triad__kernel_names[i], name) == 0)
            return (int)i;
    return -1;
}

/* One source file: the embedded copy, or dir/name read into *owned (malloc'ed). */
static int load_source(const char *dir, const char *name, const char **text, size_t *len,
                       char **owned)
{
    *owned = NULL;
    if (!dir) {
        const int i = embedded_index(name);
        *text = (const char *)triad__kernel_data[i];
        *len = triad__kernel_sizes[i];
        return 0;
    }
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return triad__fail(TRIAD_EIO, "opencl: TRIAD_KERNEL_DIR=%.200s: path too long", dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        return triad__fail(TRIAD_EIO, "opencl: TRIAD_KERNEL_DIR: cannot open %s: %s", path,
                           strerror(errno));
    int err = 0;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        err = triad__fail(TRIAD_EIO, "opencl: TRIAD_KERNEL_DIR: cannot read %s: %s", path,
                          strerror(errno));
    } else if (!(*owned = malloc((size_t)size + 1))) {
        err = triad__fail(TRIAD_ENOMEM, "opencl: out of memory reading %s", path);
    } else if (fread(*owned, 1, (size_t)size, f) != (size_t)size) {
        err = triad__fail(TRIAD_EIO, "opencl: TRIAD_KERNEL_DIR: short read of %s", path);
    } else {
        (*owned)[size] = '\0';
        *text = *owned;
        *len = (size_t)size;
    }
    fclose(f);
    if (err) {
        free(*owned);
        *owned = NULL;
    }
    return err;
}

/* The build log: its start into the error message, all of it line by line to the warning
 * hook. Returns TRIAD_EBACKEND. */
static int build_failed(cl_program prog, const triad__cl_ctx *ctx, cl_int rc, const char *what)
{
    size_t size = 0;
    char *log = NULL;
    if (clGetProgramBuildInfo(prog, ctx->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &size) ==
            CL_SUCCESS &&
        (log = malloc(size + 1)) != NULL) {
        if (clGetProgramBuildInfo(prog, ctx->device, CL_PROGRAM_BUILD_LOG, size, log, NULL) !=
            CL_SUCCESS)
            size = 0;
        log[size] = '\0';
    }
    const char *text = log ? log : "(no build log)";
    for (const char *line = text; *line;) {
        const size_t len = strcspn(line, "\n");
        if (len > 0)
            triad__warn("opencl build log: %.*s", (int)(len > 900 ? 900 : len), line);
        line += len + (line[len] == '\n');
    }
    const int err = triad__fail(TRIAD_EBACKEND,
                                "opencl: building %s for %s failed: %s; build log:\n%.700s",
                                what, ctx->info.name, triad__cl_errname(rc), text);
    free(log);
    return err;
}

int triad__cl_program_build(cl_program *prog, const triad__cl_ctx *ctx,
                            const char *const *files, size_t num_files, const char *options)
{
    *prog = NULL;
    const char *dir = getenv("TRIAD_KERNEL_DIR");
    if (dir && !*dir)
        dir = NULL;
    int err = 0;

    /* the files: headers (common.clh first), then the kernels asked for */
    size_t num_headers = 0;
    for (size_t i = 0; i < triad__kernel_count; i++)
        num_headers += ends_with(triad__kernel_names[i], ".clh");
    const size_t total = num_headers + num_files;
    const char **names = calloc(total, sizeof *names);
    const char **strings = calloc(2 * total, sizeof *strings);
    size_t *lengths = calloc(2 * total, sizeof *lengths);
    char **owned = calloc(total, sizeof *owned);
    char(*line_marks)[96] = calloc(total, sizeof *line_marks);
    char *opts = NULL, what[256] = "";
    if (!names || !strings || !lengths || !owned || !line_marks) {
        err = triad__fail(TRIAD_ENOMEM, "opencl: out of memory building a program");
        goto done;
    }
    size_t k = 0;
    if (embedded_index("common.clh") >= 0)
        names[k++] = "common.clh";
    for (size_t i = 0; i < triad__kernel_count; i++)
        if (ends_with(triad__kernel_names[i], ".clh") &&
            strcmp(triad__kernel_names[i], "common.clh") != 0)
            names[k++] = triad__kernel_names[i];
    for (size_t i = 0; i < num_files; i++) {
        if (!files[i] || !ends_with(files[i], ".cl") || embedded_index(files[i]) < 0) {
            err = triad__fail(TRIAD_EINVAL, "opencl: kernel file \"%s\": no such kernel file "
                              "(kernels/*.cl known at build time)",
                              files[i] ? files[i] : "(null)");
            goto done;
        }
        names[k++] = files[i];
        const size_t len = strlen(what);
        snprintf(what + len, sizeof what - len, "%s%s", i ? "+" : "", files[i]);
    }
    for (size_t i = 0; i < total; i++) {
        err = load_source(dir, names[i], &strings[2 * i + 1], &lengths[2 * i + 1], &owned[i]);
        if (err)
            goto done;
        /* compiler messages then name the file and its own line */
        snprintf(line_marks[i], sizeof line_marks[i], "\n#line 1 \"%s\"\n", names[i]);
        strings[2 * i] = line_marks[i];
        lengths[2 * i] = strlen(line_marks[i]);
    }

    const char *base = "-cl-std=CL1.2";
    const size_t opts_len = strlen(base) + (options ? strlen(options) : 0) + 2;
    if (!(opts = malloc(opts_len))) {
        err = triad__fail(TRIAD_ENOMEM, "opencl: out of memory building a program");
        goto done;
    }
    snprintf(opts, opts_len, "%s%s%s", base, options ? " " : "", options ? options : "");

    cl_int clerr;
    TRIAD__CL_PAR(*prog = clCreateProgramWithSource(ctx->context, (cl_uint)(2 * total), strings,
                                                    lengths, &clerr),
                  clerr, err, done);
    const cl_int rc = clBuildProgram(*prog, 1, &ctx->device, opts, NULL, NULL);
    if (rc == CL_BUILD_PROGRAM_FAILURE || rc == CL_INVALID_BUILD_OPTIONS)
        err = build_failed(*prog, ctx, rc, what);
    else if (rc != CL_SUCCESS)
        err = triad__cl_fail(rc, "clBuildProgram", __FILE__, __LINE__);

done:
    if (err && *prog) {
        clReleaseProgram(*prog);
        *prog = NULL;
    }
    for (size_t i = 0; owned && i < total; i++)
        free(owned[i]);
    free(owned);
    free(names);
    free(strings);
    free(lengths);
    free(line_marks);
    free(opts);
    return err;
}

/* ---- kernel resources ---- */

int triad__cl_kernel_info_get(cl_kernel kernel, cl_device_id device,
                              triad__cl_kernel_info *info)
{
    int err = 0;
    memset(info, 0, sizeof *info);
    size_t need = 0;
    char name[256];
    TRIAD__CL_TRY(clGetKernelInfo(kernel, CL_KERNEL_FUNCTION_NAME, 0, NULL, &need), err, done);
    if (need <= sizeof name) {
        TRIAD__CL_TRY(clGetKernelInfo(kernel, CL_KERNEL_FUNCTION_NAME, sizeof name, name, NULL),
                      err, done);
        snprintf(info->name, sizeof info->name, "%.*s", (int)sizeof info->name - 1, name);
    }
    TRIAD__CL_TRY(clGetKernelWorkGroupInfo(kernel, device, CL_KERNEL_WORK_GROUP_SIZE,
                                           sizeof info->work_group_size,
                                           &info->work_group_size, NULL),
                  err, done);
    TRIAD__CL_TRY(clGetKernelWorkGroupInfo(kernel, device, CL_KERNEL_COMPILE_WORK_GROUP_SIZE,
                                           sizeof info->compile_work_group,
                                           info->compile_work_group, NULL),
                  err, done);
    TRIAD__CL_TRY(clGetKernelWorkGroupInfo(kernel, device, CL_KERNEL_LOCAL_MEM_SIZE,
                                           sizeof info->local_mem_bytes, &info->local_mem_bytes,
                                           NULL),
                  err, done);
    TRIAD__CL_TRY(clGetKernelWorkGroupInfo(kernel, device, CL_KERNEL_PRIVATE_MEM_SIZE,
                                           sizeof info->private_mem_bytes,
                                           &info->private_mem_bytes, NULL),
                  err, done);
done:
    return err;
}

int triad__cl_program_kernels(cl_program prog, cl_device_id device, triad__cl_kernel_info *infos,
                              size_t max, size_t *count)
{
    int err = 0;
    cl_uint num = 0;
    cl_kernel *kernels = NULL;
    *count = 0;
    TRIAD__CL_TRY(clCreateKernelsInProgram(prog, 0, NULL, &num), err, done);
    if (!(kernels = calloc(num ? num : 1, sizeof *kernels)))
        return triad__fail(TRIAD_ENOMEM, "opencl: out of memory listing kernels");
    TRIAD__CL_TRY(clCreateKernelsInProgram(prog, num, kernels, NULL), err, done);
    for (cl_uint i = 0; i < num && i < max; i++) {
        err = triad__cl_kernel_info_get(kernels[i], device, &infos[i]);
        if (err)
            goto done;
    }
    *count = num;
done:
    for (cl_uint i = 0; kernels && i < num; i++)
        if (kernels[i])
            clReleaseKernel(kernels[i]);
    free(kernels);
    return err;
}

size_t triad__cl_mem_bytes(cl_mem mem)
{
    size_t size = 0;
    if (!mem || clGetMemObjectInfo(mem, CL_MEM_SIZE, sizeof size, &size, NULL) != CL_SUCCESS)
        return 0;
    return size;
}
