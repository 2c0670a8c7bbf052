/* The OpenCL backend's global-memory traffic per CPI from launch geometry (traffic_cl.h).
 * Each entry mirrors one kernel of a kernel file (kernels/) as backend_opencl.c launches it.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "proc/opencl/traffic_cl.h"

#include <string.h>

enum { LOCAL_MIN = 16, LOCAL_MAX = 4096, FOUR_STEP_MAX = 1 << 24, DOPPLER_FUSED_MAX = 1024 };

static int is_pow2(size_t n) { return n && !(n & (n - 1)); }

static unsigned log2_of(size_t n)
{
    unsigned k = 0;
    while (((size_t)1 << k) < n)
        k++;
    return k;
}

enum { LONG_ITEMS = TRIAD__CL_RANGE_LONG_ITEMS, LONG_MAX = TRIAD__CL_RANGE_LONG_MAX };

unsigned triad__cl_range_long_n1(size_t nfft, unsigned *log2n2)
{
    static const unsigned n1s[] = {3, 5, 9};
    if (nfft <= LOCAL_MAX || nfft > LONG_MAX)
        return 0;
    for (size_t i = 0; i < sizeof n1s / sizeof n1s[0]; i++) {
        const size_t n2 = nfft / n1s[i];
        /* a column per work-item for N1 = 9, two for 3 and 5; 16 points per row work-item */
        const size_t n2_max = n1s[i] == 9 ? LONG_ITEMS : 2 * LONG_ITEMS;
        if (nfft % n1s[i] == 0 && is_pow2(n2) && n2 >= LOCAL_MIN && n2 <= n2_max &&
            nfft / 16 <= LONG_ITEMS) {
            *log2n2 = log2_of(n2);
            return n1s[i];
        }
    }
    return 0;
}

const char *triad__cl_range_design_name(triad__cl_range_design d)
{
    return d == TRIAD__CL_RANGE_FUSED       ? "fused"
           : d == TRIAD__CL_RANGE_FOUR_STEP ? "four-step"
           : d == TRIAD__CL_RANGE_LONG      ? "long"
                                            : "global";
}

triad__cl_range_design triad__cl_range_design_of(size_t nfft)
{
    unsigned log2n2;
    if (!is_pow2(nfft))
        return triad__cl_range_long_n1(nfft, &log2n2) ? TRIAD__CL_RANGE_LONG
                                                      : TRIAD__CL_RANGE_GLOBAL;
    if (nfft >= LOCAL_MIN && nfft <= LOCAL_MAX)
        return TRIAD__CL_RANGE_FUSED;
    if (nfft > LOCAL_MAX && nfft <= FOUR_STEP_MAX)
        return TRIAD__CL_RANGE_FOUR_STEP;
    return TRIAD__CL_RANGE_GLOBAL;
}

unsigned triad__cl_four_step_log2n2(unsigned log2n) { return (log2n + 1) / 2; }

size_t triad__cl_range_nfft_pow2(size_t n, size_t l)
{
    size_t m = 1;
    while (m < n + l - 1)
        m <<= 1;
    return m;
}

size_t triad__cl_range_nfft(size_t n, size_t l)
{
    const size_t pow2 = triad__cl_range_nfft_pow2(n, l);
    size_t best = pow2;
    unsigned log2n2;
    for (size_t n1 = 3; n1 <= 9; n1 += 2)
        for (size_t m = n1 * LOCAL_MIN; m <= LONG_MAX; m <<= 1)
            if (m >= n + l - 1 && m < best && triad__cl_range_long_n1(m, &log2n2) == n1)
                best = m;
    return best;
}

int triad__cl_doppler_fused(size_t p)
{
    return is_pow2(p) && p >= LOCAL_MIN && p <= DOPPLER_FUSED_MAX;
}

static void add(triad__cl_traffic *t, const char *kernel, unsigned launches, double rd, double wr)
{
    if (t->count == TRIAD__CL_TRAFFIC_MAX)
        return;
    t->row[t->count++] = (triad__cl_traffic_row){kernel, launches, rd, wr};
}

/* Global Stockham passes of an n-point FFT over `points` complex values: each reads and
 * writes them all. */
static void fft_passes(triad__cl_traffic *t, const char *what, size_t n, double points)
{
    const unsigned log2n = log2_of(n), passes = log2n / 4 + (log2n % 4 != 0);
    add(t, what, passes, passes * points * 8.0, passes * points * 8.0);
}

void triad__cl_traffic_model(const triad__cl_geometry *g, triad__cl_traffic *t)
{
    memset(t, 0, sizeof *t);
    const double rows = (double)g->p * (double)g->c;  /* pulses over all channels */
    const double raw = rows * (double)g->n * (double)g->sample_bytes;
    const double cube = rows * (double)g->n * 8.0;    /* compressed pulses, N bins each */
    const double map = rows * (double)g->n * 4.0;
    const size_t rb = g->n - g->l + 1;
    const double rcells = (double)g->p * (double)g->c * (double)rb;
    t->nfft = triad__cl_range_nfft(g->n, g->l);
    t->range = triad__cl_range_design_of(t->nfft);
    t->doppler_fused = triad__cl_doppler_fused(g->p);
    const double padded = rows * (double)t->nfft * 8.0; /* rows of nfft complex values */

    add(t, "copy h2d", 1, 0.0, 0.0);
    t->row[0].read_bytes = raw; /* host memory -> device: counted apart from the kernels */
    t->row[0].write_bytes = raw;
    switch (t->range) {
    case TRIAD__CL_RANGE_FUSED:
        add(t, "range_fused", 1, raw, cube);
        break;
    case TRIAD__CL_RANGE_FOUR_STEP: {
        const unsigned log2n = log2_of(t->nfft), log2n2 = triad__cl_four_step_log2n2(log2n);
        t->n2 = (size_t)1 << log2n2;
        t->n1 = t->nfft / t->n2;
        add(t, "range_cols_fwd", 1, raw, padded);
        add(t, "range_rows", 1, padded, padded);
        add(t, "range_cols_inv", 1, padded, cube);
        break;
    }
    case TRIAD__CL_RANGE_LONG: {
        unsigned log2n2;
        t->n1 = triad__cl_range_long_n1(t->nfft, &log2n2);
        t->n2 = (size_t)1 << log2n2;
        add(t, "range_long", 1, raw, cube);
        break;
    }
    case TRIAD__CL_RANGE_GLOBAL:
        add(t, "range_load", 1, raw, padded);
        fft_passes(t, "fft_pass (forward)", t->nfft, padded / 8.0);
        add(t, "range_multiply", 1, padded, padded);
        fft_passes(t, "fft_pass (inverse)", t->nfft, padded / 8.0);
        /* the Doppler stage reads only the N range bins of each row */
        break;
    }
    if (t->doppler_fused) {
        add(t, "doppler_fused", 1, cube, map);
    } else {
        add(t, "doppler_weight", 1, cube, cube);
        if (!is_pow2(g->p))
            add(t, "doppler_dft", 1, cube, cube);
        else if (g->p >= LOCAL_MIN && g->p <= LOCAL_MAX)
            add(t, "fft_local (Doppler)", 1, cube, cube);
        else
            fft_passes(t, "fft_pass (Doppler)", g->p, cube / 8.0);
        add(t, "doppler_power", 1, cube, map);
    }
    /* CFAR reads the searched bins of the map (cfar_mean sums the Doppler span of its tile
     * in local memory), writes the mask bytes */
    const double searched = rcells * 4.0;
    add(t, g->cfar_os ? "cfar_os" : "cfar_mean", 1, searched, rcells);
    add(t, "extract_*", 3, 0.0, 0.0);
    const double out = (double)g->c * (16.0 + 16.0 * (double)g->max_detections);
    add(t, "copy d2h", 1, out, out);
    for (size_t i = 0; i < t->count; i++) {
        if (strncmp(t->row[i].kernel, "copy", 4) == 0)
            continue;
        t->device_read += t->row[i].read_bytes;
        t->device_write += t->row[i].write_bytes;
    }
    t->fused_min = raw + map;
}
