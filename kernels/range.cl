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
        float2 v[16];                                                                         \
        for (int q = 0; q < 16; q++) {                                                        \
            const uint k = t + (uint)q * T;                                                   \
            float2 x = (float2)(0.0f, 0.0f);                                                  \
            if (valid && k < n) {                                                             \
                LOAD;                                                                         \
            }                                                                                 \
            v[q] = x;                                                                         \
        }                                                                                     \
        __local float2 *mine = buf + TR_FFT_LPAD(tl * nfft);                                  \
        tr_fft_local(v, mine, t, log2n, tw, -1);                                              \
        for (int q = 0; q < 16; q++)                                                          \
            v[q] = tr_cmul(v[q], spectrum[t + (uint)q * T]);                                  \
        barrier(CLK_LOCAL_MEM_FENCE); /* buf is free again for the inverse */                 \
        tr_fft_local(v, mine, t, log2n, tw, 1);                                               \
        if (valid)                                                                            \
            for (int q = 0; q < 16; q++) {                                                    \
                const uint k = t + (uint)q * T;                                               \
                if (k < n)                                                                    \
                    pulses[(size_t)row * nfft + k] = v[q];                                    \
            }                                                                                 \
        if (bad)                                                                              \
            atomic_add(tr_nonfinite(out, a, channels, ostride), bad);                         \
    }

RANGE_FUSED(range_fused_cf32, float2,
            x = raw[tr_raw_index(a, m, k, n, p, channels)];
            if (!isfinite(x.x) || !isfinite(x.y)) {
                x = (float2)(0.0f, 0.0f);
                bad++;
            })
RANGE_FUSED(range_fused_ci16, short2, x = convert_float2(raw[tr_raw_index(a, m, k, n, p, channels)]))
