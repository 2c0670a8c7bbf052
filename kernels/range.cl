/* Range stage kernels: raw samples in, the spectrum product out (the FFTs are in fft.cl).
 * Layout: pulses [maps x P rows x nfft], float2 (re, im).
 * SPDX-License-Identifier: GPL-2.0-or-later */

/* Maps: every kernel from here on works on a chunk of maps, map j of the chunk being map
 * a = a0 + j of the batch, i.e. channel a % channels of the batch's CPI a / channels; raw holds
 * the batch's CPIs one after the other, each [P x n x channels]. out (uint) has per map a
 * header (nonfinite of the CPI at its channel 0, cells above, detections, 0) and the
 * detections, ostride uints apart (host/proc/opencl/backend_opencl.c). */
static inline size_t tr_raw_index(uint a, uint m, uint k, uint n, uint p, uint channels)
{
    const uint b = a / channels, ch = a % channels;
    return (((size_t)b * p + m) * n + k) * channels + ch;
}

/* The nonfinite counter of map a's CPI. */
static inline __global uint *tr_nonfinite(__global uint *out, uint a, uint channels,
                                          uint ostride)
{
    return out + (size_t)(a - a % channels) * ostride;
}

/* Pulse m of map j as float2, zero-padded to nfft; NaN/Inf samples become 0 and are counted.
 * pulses: [maps x P rows x nfft]. Global (nfft, P, maps). */
__kernel void range_load_cf32(__global const float2 *raw, __global float2 *pulses,
                              __global uint *out, uint ostride, uint n, uint nfft, uint p,
                              uint channels, uint a0)
{
    const uint k = get_global_id(0), m = get_global_id(1), j = get_global_id(2);
    if (k >= nfft)
        return;
    float2 v = (float2)(0.0f, 0.0f);
    if (k < n) {
        v = raw[tr_raw_index(a0 + j, m, k, n, p, channels)];
        if (!isfinite(v.x) || !isfinite(v.y)) {
            v = (float2)(0.0f, 0.0f);
            atomic_inc(tr_nonfinite(out, a0 + j, channels, ostride));
        }
    }
    pulses[((size_t)j * p + m) * nfft + k] = v;
}

__kernel void range_load_ci16(__global const short2 *raw, __global float2 *pulses,
                              __global uint *out, uint ostride, uint n, uint nfft, uint p,
                              uint channels, uint a0)
{
    const uint k = get_global_id(0), m = get_global_id(1), j = get_global_id(2);
    (void)out;
    (void)ostride;
    if (k >= nfft)
        return;
    float2 v = (float2)(0.0f, 0.0f);
    if (k < n)
        v = convert_float2(raw[tr_raw_index(a0 + j, m, k, n, p, channels)]);
    pulses[((size_t)j * p + m) * nfft + k] = v;
}

/* pulses[m][k] *= spectrum[k]: the matched filter, conj(FFT(h)) / nfft. Global (nfft, rows):
 * every pulse of the chunk. */
__kernel void range_multiply(__global float2 *pulses, __global const float2 *spectrum, uint nfft)
{
    const uint k = get_global_id(0), m = get_global_id(1);
    if (k >= nfft)
        return;
    const float2 x = pulses[(size_t)m * nfft + k], h = spectrum[k];
    pulses[(size_t)m * nfft + k] = (float2)(x.x * h.x - x.y * h.y, x.x * h.y + x.y * h.x);
}

/* The whole range stage of a pulse in one kernel when Nfft <= 4096 (the FFT fits in local
 * memory): load (convert, zero-pad) -> FFT -> x conj(H)/Nfft -> inverse FFT -> store the N
 * range bins; the pulse never leaves the work-group. Work-groups of 256 handle 4096/Nfft
 * pulses each (the layout of fft_local), rows = maps x P pulses in all.
 * tw: exp(-2 pi i m / Nfft), m < Nfft. */
#define RANGE_FUSED(NAME, TYPE, LOAD)                                                         \
    __kernel __attribute__((reqd_work_group_size(TR_FFT_LOCAL_ITEMS, 1, 1)))                  \
    void NAME(__global const TYPE *raw, __global float2 *pulses,                             \
              __global const float2 *spectrum, __global const float2 *tw,                    \
              __global uint *out, uint ostride, uint log2n, uint n, uint p, uint rows,        \
              uint channels, uint a0)                                                         \
    {                                                                                         \
        __local float2 buf[TR_FFT_LOCAL_PADDED];                                              \
        const uint nfft = 1u << log2n, T = nfft >> 4, lid = get_local_id(0);                 \
        const uint t = lid & (T - 1), tl = lid >> (log2n - 4);                                \
        const uint row = ((uint)get_group_id(0) << (TR_FFT_LOCAL_LOG2_POINTS - log2n)) + tl; \
        const bool valid = row < rows;                                                        \
        const uint a = a0 + row / p, m = row % p;                                             \
        uint bad = 0;                                                                         \
        /* one base address and a 32-bit step: 16 64-bit indices cost registers */            \
        const __global TYPE *src = raw + tr_raw_index(a, m, t, n, p, channels);              \
        const uint step = T * channels;                                                       \
        float2 v[16];                                                                         \
        _Pragma("unroll") for (int q = 0; q < 16; q++) {                                      \
            float2 x = (float2)(0.0f, 0.0f);                                                  \
            if (valid && t + (uint)q * T < n) {                                               \
                LOAD;                                                                         \
            }                                                                                 \
            v[q] = x;                                                                         \
        }                                                                                     \
        __local float2 *mine = buf + TR_FFT_LPAD(tl * nfft);                                  \
        tr_fft_local(v, mine, t, log2n, tw, -1);                                              \
        _Pragma("unroll") for (int q = 0; q < 16; q++)                                        \
            v[q] = tr_cmul(v[q], spectrum[t + (uint)q * T]);                                  \
        barrier(CLK_LOCAL_MEM_FENCE); /* buf is free again for the inverse */                 \
        tr_fft_local(v, mine, t, log2n, tw, 1);                                               \
        if (valid)                                                                            \
            _Pragma("unroll") for (int q = 0; q < 16; q++) {                                  \
                const uint k = t + (uint)q * T;                                               \
                if (k < n)                                                                    \
                    pulses[(size_t)row * nfft + k] = v[q];                                    \
            }                                                                                 \
        if (bad)                                                                              \
            atomic_add(tr_nonfinite(out, a, channels, ostride), bad);                         \
    }

RANGE_FUSED(range_fused_cf32, float2,
            x = src[(uint)q * step];
            if (!isfinite(x.x) || !isfinite(x.y)) {
                x = (float2)(0.0f, 0.0f);
                bad++;
            })
RANGE_FUSED(range_fused_ci16, short2, x = convert_float2(src[(uint)q * step]))

/* ---- the range stage of a long pulse: Nfft = N1 N2 > 4096 in three local-memory kernels ----
 *
 * Four-step FFT (Bailey): with j = j1 N2 + j2 and k = k1 + N1 k2,
 *     X[k1 + N1 k2] = sum_j2 w_N2^(j2 k2) w_N^(j2 k1) sum_j1 x[j1 N2 + j2] w_N1^(j1 k1),
 * and its inverse the same steps backwards. Each pulse's work area is a [N1 x N2] row-major
 * matrix, updated in place (every work-group reads all it will write first):
 *   range_cols_fwd   load (convert, zero-pad) column j2, N1-point FFT, x w_N^(j2 k1)
 *                    -> Y[k1][j2]
 *   range_rows       row k1: N2-point FFT (= X[k1 + N1 k2] at [k1][k2]), x the matched filter
 *                    permuted the same way, N2-point inverse, x w_N^-(k1 j2) -> U[k1][j2]
 *   range_cols_inv   column j2: N1-point inverse -> x'[j1 N2 + j2] in natural order
 * so the pulse goes through global memory twice (two round trips) whatever its length, and
 * every FFT runs in local memory (tr_fft_local: 16 <= N1, N2 <= 4096). Column kernels put
 * neighbouring work-items on neighbouring columns (coalesced rows of the matrix).
 * twn: exp(-2 pi i m / Nfft), m < Nfft; tw1, tw2: the tables of N1 and N2. */

/* The columns of work-group g: pulse row, first column j0; t, tl: this work-item's place. */
static inline void tr_cols_place(uint log2n1, uint log2n2, uint *row, uint *j0, uint *t,
                                 uint *tl)
{
    const uint log2cpg = TR_FFT_LOCAL_LOG2_POINTS - log2n1; /* columns per work-group */
    const uint groups_per_row = 1u << (log2n2 - log2cpg), g = get_group_id(0);
    const uint lid = get_local_id(0);
    *row = g >> (log2n2 - log2cpg);
    *j0 = (g & (groups_per_row - 1)) << log2cpg;
    *tl = lid & ((1u << log2cpg) - 1);
    *t = lid >> log2cpg;
}

#define RANGE_COLS_FWD(NAME, TYPE, LOAD)                                                      \
    __kernel __attribute__((reqd_work_group_size(TR_FFT_LOCAL_ITEMS, 1, 1)))                  \
    void NAME(__global const TYPE *raw, __global float2 *pulses, __global const float2 *twn,  \
              __global const float2 *tw1, __global uint *out, uint ostride, uint log2n1,      \
              uint log2n2, uint n, uint p, uint channels, uint a0)                            \
    {                                                                                         \
        __local float2 buf[TR_FFT_LOCAL_PADDED];                                              \
        uint row, j0, t, tl;                                                                  \
        tr_cols_place(log2n1, log2n2, &row, &j0, &t, &tl);                                    \
        const uint n2 = 1u << log2n2, T = 1u << (log2n1 - 4), j2 = j0 + tl;                  \
        const uint a = a0 + row / p, m = row % p;                                             \
        uint bad = 0;                                                                         \
        const __global TYPE *src = raw + tr_raw_index(a, m, 0, n, p, channels);              \
        float2 v[16];                                                                         \
        _Pragma("unroll") for (int q = 0; q < 16; q++) {                                      \
            const uint j = (t + (uint)q * T) * n2 + j2;                                       \
            float2 x = (float2)(0.0f, 0.0f);                                                  \
            if (j < n) {                                                                      \
                LOAD;                                                                         \
            }                                                                                 \
            v[q] = x;                                                                         \
        }                                                                                     \
        tr_fft_local(v, buf + TR_FFT_LPAD(tl << log2n1), t, log2n1, tw1, -1);                 \
        __global float2 *dst = pulses + ((size_t)row << (log2n1 + log2n2)) + j2;              \
        _Pragma("unroll") for (int q = 0; q < 16; q++) {                                      \
            const uint k1 = t + (uint)q * T;                                                  \
            dst[k1 * n2] = tr_cmul(v[q], twn[k1 * j2]);                                       \
        }                                                                                     \
        if (bad)                                                                              \
            atomic_add(tr_nonfinite(out, a, channels, ostride), bad);                         \
    }

RANGE_COLS_FWD(range_cols_fwd_cf32, float2,
               x = src[(size_t)j * channels];
               if (!isfinite(x.x) || !isfinite(x.y)) {
                   x = (float2)(0.0f, 0.0f);
                   bad++;
               })
RANGE_COLS_FWD(range_cols_fwd_ci16, short2, x = convert_float2(src[(size_t)j * channels]))

/* Rows k1 of every pulse, 4096/N2 per work-group. spectrum: conj(FFT(h)) / Nfft permuted to
 * the row layout, spectrum[k1 N2 + k2] = H[k1 + N1 k2]. */
__kernel __attribute__((reqd_work_group_size(TR_FFT_LOCAL_ITEMS, 1, 1)))
void range_rows(__global float2 *pulses, __global const float2 *spectrum,
                __global const float2 *twn, __global const float2 *tw2, uint log2n1,
                uint log2n2)
{
    __local float2 buf[TR_FFT_LOCAL_PADDED];
    const uint T = 1u << (log2n2 - 4), lid = get_local_id(0);
    const uint t = lid & (T - 1), tl = lid >> (log2n2 - 4);
    const uint r = ((uint)get_group_id(0) << (TR_FFT_LOCAL_LOG2_POINTS - log2n2)) + tl;
    const uint k1 = r & ((1u << log2n1) - 1); /* r = pulse N1 + k1 */
    __global float2 *line = pulses + ((size_t)r << log2n2) + t;
    const __global float2 *h = spectrum + (k1 << log2n2) + t;
    float2 v[16];
#pragma unroll
    for (int q = 0; q < 16; q++)
        v[q] = line[q * T];
    __local float2 *mine = buf + TR_FFT_LPAD(tl << log2n2);
    tr_fft_local(v, mine, t, log2n2, tw2, -1);
#pragma unroll
    for (int q = 0; q < 16; q++)
        v[q] = tr_cmul(v[q], h[q * T]);
    barrier(CLK_LOCAL_MEM_FENCE); /* buf is free again for the inverse */
    tr_fft_local(v, mine, t, log2n2, tw2, 1);
#pragma unroll
    for (int q = 0; q < 16; q++)
        line[q * T] = tr_cmulc(v[q], twn[k1 * (t + (uint)q * T)]);
}

/* Columns j2 of every pulse: the inverse N1-point FFTs, natural order out; only the first n
 * range bins of each pulse are written (the Doppler stage reads no others). */
__kernel __attribute__((reqd_work_group_size(TR_FFT_LOCAL_ITEMS, 1, 1)))
void range_cols_inv(__global float2 *pulses, __global const float2 *tw1, uint log2n1,
                    uint log2n2, uint n)
{
    __local float2 buf[TR_FFT_LOCAL_PADDED];
    uint row, j0, t, tl;
    tr_cols_place(log2n1, log2n2, &row, &j0, &t, &tl);
    const uint n2 = 1u << log2n2, T = 1u << (log2n1 - 4), j2 = j0 + tl;
    __global float2 *col = pulses + ((size_t)row << (log2n1 + log2n2)) + j2;
    float2 v[16];
#pragma unroll
    for (int q = 0; q < 16; q++)
        v[q] = col[(t + (uint)q * T) * n2];
    tr_fft_local(v, buf + TR_FFT_LPAD(tl << log2n1), t, log2n1, tw1, 1);
#pragma unroll
    for (int q = 0; q < 16; q++) {
        const uint j = (t + (uint)q * T) * n2 + j2;
        if (j < n)
            col[j - j2] = v[q];
    }
}
