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
/* A cf32 sample that is NaN or Inf enters the chain as 0 and is counted in bad (every cf32
 * LOAD of the range kernels below). */
#define TR_ZERO_NONFINITE(v, bad)                                                             \
    if (!isfinite(v.x) || !isfinite(v.y)) {                                                   \
        v = (float2)(0.0f, 0.0f);                                                             \
        bad++;                                                                                \
    }

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
        {   /* a pointer stepped by T, not spectrum[t + q T]: those 16 indices are the load's \
             * (t + q T < n), and LLVM kept them live across the forward FFT (77 registers,  \
             * 37.5% occupancy on sm_90 for ci16; 64 and 50% this way, ptxas_check) */        \
            const __global float2 *sp = spectrum + t;                                         \
            _Pragma("unroll") for (int q = 0; q < 16; q++) {                                  \
                v[q] = tr_cmul(v[q], *sp);                                                    \
                sp += T;                                                                      \
            }                                                                                 \
        }                                                                                     \
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

RANGE_FUSED(range_fused_cf32, float2, x = src[(uint)q * step]; TR_ZERO_NONFINITE(x, bad))
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

RANGE_COLS_FWD(range_cols_fwd_cf32, float2, x = src[(size_t)j * channels];
               TR_ZERO_NONFINITE(x, bad))
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

/* ---- the range stage of a long pulse in one kernel: Nfft = N1 N2, N1 = 3, 5 or 9 ----
 *
 * The four-step FFT above with a column length N1 small enough for registers: one
 * work-group of TR_RANGE_LONG_ITEMS per pulse, the pulse never leaves it, so the range
 * stage reads the raw samples once and writes the N range bins once (as range_fused does
 * for Nfft <= 4096), at the mixed lengths FFTW's backend picks too (9216 = 9 x 1024 for
 * N + L - 1 = 9191). N2 = 2^log2n2, 16 <= N2 <= NC 1024; Nfft <= TR_RANGE_LONG_MAX.
 *   columns  work-item w holds columns j2 = w + c 1024, c < NC: x[j1 N2 + j2], j1 < N1 (convert,
 *            zero-pad), the N1-point DFT in registers, x w_N^(j2 k1) -> Y[k1][j2]
 *   rows     through local memory into rows: work-item w < N1 N2/16 holds 16 points of row
 *            k1 = w / (N2/16); the N2-point FFT (tr_fft_local_split), x the matched filter
 *            (permuted: spectrum[k1 N2 + k2] = H[k1 + N1 k2]), the inverse, x w_N^-(k1 j2)
 *   columns  back through local memory, the inverse N1-point DFT, x'[j1 N2 + j2] stored for
 *            j < N.
 * A float2 pulse of 9216 points is 72 KiB, beyond 48 KiB: every exchange goes through a float
 * buffer one part at a time (TR_FFT_EXCHANGE_SPLIT, 42.5 KiB at most).
 * twn: exp(-2 pi i m / Nfft), m < Nfft; tw2: the table of N2. Global: rows x 1024. */
#define TR_RANGE_LONG_ITEMS 1024
#define TR_RANGE_LONG_MAX 10240 /* 5 x 2048 */

/* range_long's exchanges between columns (c[cc][k1] of columns j2 = lid + cc 1024) and rows
 * (v[q] = point t + q T2 of row k1), part P (x or y) of the complex values, through buf laid
 * out as rows: buf[LPAD(k1 N2 + j2)] */
#define TR_LONG_COLS_STORE(P)                                                                 \
    _Pragma("unroll") for (int cc = 0; cc < NC_; cc++) {                                       \
        const uint j2 = lid + (uint)cc * TR_RANGE_LONG_ITEMS;                                 \
        if (j2 < n2)                                                                          \
            _Pragma("unroll") for (int r = 0; r < N1_; r++)                                    \
                buf[TR_FFT_LPAD((uint)r * n2 + j2)] = c[cc][r].P;                             \
    }
#define TR_LONG_COLS_LOAD(P)                                                                  \
    _Pragma("unroll") for (int cc = 0; cc < NC_; cc++) {                                       \
        const uint j2 = lid + (uint)cc * TR_RANGE_LONG_ITEMS;                                 \
        _Pragma("unroll") for (int r = 0; r < N1_; r++)                                        \
            c[cc][r].P = j2 < n2 ? buf[TR_FFT_LPAD((uint)r * n2 + j2)] : 0.0f;                \
    }
#define TR_LONG_ROWS_STORE(P)                                                                 \
    if (active)                                                                               \
        _Pragma("unroll") for (int q = 0; q < 16; q++)                                        \
            line[TR_FFT_LPAD(t + (uint)q * T2)] = v[q].P;
#define TR_LONG_ROWS_LOAD(P)                                                                  \
    _Pragma("unroll") for (int q = 0; q < 16; q++)                                            \
        v[q].P = active ? line[TR_FFT_LPAD(t + (uint)q * T2)] : 0.0f;

#define RANGE_LONG(NAME, N1, NC, TYPE, LOAD)                                                  \
    __kernel __attribute__((reqd_work_group_size(TR_RANGE_LONG_ITEMS, 1, 1)))                 \
    void NAME(__global const TYPE *raw, __global float2 *pulses,                             \
              __global const float2 *spectrum, __global const float2 *twn,                   \
              __global const float2 *tw2, __global uint *out, uint ostride, uint log2n2,      \
              uint n, uint nfft, uint p, uint channels, uint a0)                              \
    {                                                                                         \
        __local float buf[TR_FFT_LPAD(TR_RANGE_LONG_MAX)];                                    \
        const uint lid = get_local_id(0), row = get_group_id(0);                              \
        const uint n2 = 1u << log2n2, T2 = n2 >> 4;                                           \
        const uint a = a0 + row / p, m = row % p;                                             \
        const int N1_ = N1, NC_ = NC; /* for the TR_LONG_ exchanges */                        \
        uint bad = 0;                                                                         \
        const __global TYPE *src = raw + tr_raw_index(a, m, 0, n, p, channels);              \
        float2 c[NC][N1];                                                                     \
        _Pragma("unroll") for (int cc = 0; cc < NC; cc++) {                                   \
            const uint j2 = lid + (uint)cc * TR_RANGE_LONG_ITEMS;                             \
            _Pragma("unroll") for (int j1 = 0; j1 < N1; j1++) {                               \
                const uint j = (uint)j1 * n2 + j2;                                            \
                float2 x = (float2)(0.0f, 0.0f);                                              \
                if (j2 < n2 && j < n) {                                                       \
                    LOAD;                                                                     \
                }                                                                             \
                c[cc][j1] = x;                                                                \
            }                                                                                 \
            tr_dft_small(N1, c[cc]);                                                          \
            _Pragma("unroll") for (int k1 = 1; k1 < N1; k1++)                                 \
                c[cc][k1] = tr_cmul(c[cc][k1], twn[j2 < n2 ? (uint)k1 * j2 : 0]);             \
        }                                                                                     \
        /* columns -> rows, one part at a time */                                             \
        const bool active = lid < N1 * T2;                                                    \
        const uint k1 = active ? lid >> (log2n2 - 4) : 0, t = lid & (T2 - 1);                 \
        __local float *line = buf + TR_FFT_LPAD(k1 * n2);                                     \
        float2 v[16];                                                                         \
        TR_LONG_COLS_STORE(x);                                                                \
        barrier(CLK_LOCAL_MEM_FENCE);                                                         \
        TR_LONG_ROWS_LOAD(x);                                                                 \
        barrier(CLK_LOCAL_MEM_FENCE);                                                         \
        TR_LONG_COLS_STORE(y);                                                                \
        barrier(CLK_LOCAL_MEM_FENCE);                                                         \
        TR_LONG_ROWS_LOAD(y);                                                                 \
        barrier(CLK_LOCAL_MEM_FENCE);                                                         \
        tr_fft_local_split(v, line, t, log2n2, tw2, -1, active);                              \
        if (active) {                                                                         \
            /* pointers stepped, not indices (as in range_fused): fewer values live across \
             * the FFTs, 160 -> 56-80 B of stack a work-item at 64 registers (ptxas_check) */ \
            const __global float2 *sp = spectrum + (k1 * n2 + t);                             \
            _Pragma("unroll") for (int q = 0; q < 16; q++) {                                  \
                v[q] = tr_cmul(v[q], *sp);                                                    \
                sp += T2;                                                                     \
            }                                                                                 \
        }                                                                                     \
        barrier(CLK_LOCAL_MEM_FENCE);                                                         \
        tr_fft_local_split(v, line, t, log2n2, tw2, 1, active);                               \
        if (active) {                                                                         \
            const __global float2 *tp = twn + k1 * t;                                         \
            const uint tstep = k1 * T2;                                                       \
            _Pragma("unroll") for (int q = 0; q < 16; q++) {                                  \
                v[q] = tr_cmulc(v[q], *tp);                                                   \
                tp += tstep;                                                                  \
            }                                                                                 \
        }                                                                                     \
        /* rows -> columns, one part at a time */                                             \
        barrier(CLK_LOCAL_MEM_FENCE);                                                         \
        TR_LONG_ROWS_STORE(x);                                                                \
        barrier(CLK_LOCAL_MEM_FENCE);                                                         \
        TR_LONG_COLS_LOAD(x);                                                                 \
        barrier(CLK_LOCAL_MEM_FENCE);                                                         \
        TR_LONG_ROWS_STORE(y);                                                                \
        barrier(CLK_LOCAL_MEM_FENCE);                                                         \
        TR_LONG_COLS_LOAD(y);                                                                 \
        /* the inverse N1-point DFTs by conjugation, natural order out */                     \
        __global float2 *dst = pulses + (size_t)row * nfft;                                   \
        _Pragma("unroll") for (int cc = 0; cc < NC; cc++) {                                   \
            const uint j2 = lid + (uint)cc * TR_RANGE_LONG_ITEMS;                             \
            _Pragma("unroll") for (int r = 0; r < N1; r++) c[cc][r] = tr_conj(c[cc][r]);     \
            tr_dft_small(N1, c[cc]);                                                          \
            __global float2 *d = dst + j2;                                                    \
            int left = (int)n - (int)j2; /* not (j1 n2 + j2 < n): the loads' indices */       \
            _Pragma("unroll") for (int j1 = 0; j1 < N1; j1++) {                               \
                if (j2 < n2 && left > 0)                                                      \
                    *d = tr_conj(c[cc][j1]);                                                  \
                d += n2;                                                                      \
                left -= (int)n2;                                                              \
            }                                                                                 \
        }                                                                                     \
        if (bad)                                                                              \
            atomic_add(tr_nonfinite(out, a, channels, ostride), bad);                         \
    }

#define TR_LOAD_CF32 x = src[(size_t)j * channels]; TR_ZERO_NONFINITE(x, bad)
#define TR_LOAD_CI16 x = convert_float2(src[(size_t)j * channels])
RANGE_LONG(range_long3_cf32, 3, 2, float2, TR_LOAD_CF32)
RANGE_LONG(range_long3_ci16, 3, 2, short2, TR_LOAD_CI16)
RANGE_LONG(range_long5_cf32, 5, 2, float2, TR_LOAD_CF32)
RANGE_LONG(range_long5_ci16, 5, 2, short2, TR_LOAD_CI16)
RANGE_LONG(range_long9_cf32, 9, 1, float2, TR_LOAD_CF32)
RANGE_LONG(range_long9_ci16, 9, 1, short2, TR_LOAD_CI16)
