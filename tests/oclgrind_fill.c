/* The Oclgrind fault tests/oclgrind_check.sh works around, reduced: a buffer zeroed by
 * clEnqueueFillBuffer, a kernel that writes c[0] + 1. The result is right (1), yet Oclgrind
 * 21.10 with --uninitialized reports "Uninitialized value written to global memory": it
 * does not mark memory that a fill wrote as initialised. Exit 0 when the value is right,
 * 77 without an OpenCL device.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <stdio.h>

static const char *src =
    "__kernel void k(__global const uint *c, __global uint *o) { o[0] = c[0] + 1u; }";

int main(void)
{
    cl_platform_id pl;
    cl_device_id d;
    cl_int e;
    if (clGetPlatformIDs(1, &pl, NULL) != CL_SUCCESS ||
        clGetDeviceIDs(pl, CL_DEVICE_TYPE_ALL, 1, &d, NULL) != CL_SUCCESS) {
        fprintf(stderr, "oclgrind_fill: no OpenCL device\n");
        return 77;
    }
    cl_context c = clCreateContext(NULL, 1, &d, NULL, NULL, &e);
    cl_command_queue q = clCreateCommandQueue(c, d, 0, &e);
    cl_program p = clCreateProgramWithSource(c, 1, &src, NULL, &e);
    if (clBuildProgram(p, 1, &d, "", NULL, NULL) != CL_SUCCESS) {
        fprintf(stderr, "oclgrind_fill: build failed\n");
        return 2;
    }
    cl_kernel k = clCreateKernel(p, "k", &e);
    cl_mem a = clCreateBuffer(c, CL_MEM_READ_WRITE, 64, NULL, &e);
    cl_mem b = clCreateBuffer(c, CL_MEM_READ_WRITE, 64, NULL, &e);
    const cl_uint zero = 0;
    const size_t one = 1;
    cl_uint r = 7;
    if (clEnqueueFillBuffer(q, a, &zero, sizeof zero, 0, 64, 0, NULL, NULL) != CL_SUCCESS ||
        clSetKernelArg(k, 0, sizeof a, &a) != CL_SUCCESS ||
        clSetKernelArg(k, 1, sizeof b, &b) != CL_SUCCESS ||
        clEnqueueNDRangeKernel(q, k, 1, NULL, &one, NULL, 0, NULL, NULL) != CL_SUCCESS ||
        clEnqueueReadBuffer(q, b, CL_TRUE, 0, sizeof r, &r, 0, NULL, NULL) != CL_SUCCESS) {
        fprintf(stderr, "oclgrind_fill: run failed\n");
        return 2;
    }
    printf("oclgrind_fill: zeroed by a fill, then c[0] + 1 = %u\n", r);
    clReleaseMemObject(a);
    clReleaseMemObject(b);
    clReleaseKernel(k);
    clReleaseProgram(p);
    clReleaseCommandQueue(q);
    clReleaseContext(c);
    return r == 1 ? 0 : 1;
}
