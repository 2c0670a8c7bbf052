/* Range stage kernels: raw samples in, the spectrum product out (the FFTs are in fft.cl).
 * Layout: pulses [P rows x nfft], float2 (re, im).
 * SPDX-License-Identifier: GPL-2.0-or-later */

/* Pulse m of channel ch as float2, zero-padded to nfft; NaN/Inf samples become 0 and are
 * counted. Global size (nfft, P). */
__kernel void range_load_cf32(__global const float2 *raw, __global float2 *pulses,
                              __global uint *nonfinite, uint n, uint nfft, uint channels,
                              uint ch)
{
    const uint k = get_global_id(0), m = get_global_id(1);
    if (k >= nfft)
        return;
    float2 v = (float2)(0.0f, 0.0f);
    if (k < n) {
        v = raw[((size_t)m * n + k) * channels + ch];
        if (!isfinite(v.x) || !isfinite(v.y)) {
            v = (float2)(0.0f, 0.0f);
            atomic_inc(nonfinite);
        }
    }
    pulses[(size_t)m * nfft + k] = v;
}

__kernel void range_load_ci16(__global const short2 *raw, __global float2 *pulses, uint n,
                              uint nfft, uint channels, uint ch)
{
    const uint k = get_global_id(0), m = get_global_id(1);
    if (k >= nfft)
        return;
    float2 v = (float2)(0.0f, 0.0f);
    if (k < n)
        v = convert_float2(raw[((size_t)m * n + k) * channels + ch]);
    pulses[(size_t)m * nfft + k] = v;
}

/* pulses[m][k] *= spectrum[k]: the matched filter, conj(FFT(h)) / nfft. Global (nfft, P). */
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
 * pulses each (the layout of fft_local). tw: exp(-2 pi i m / Nfft), m < Nfft. */
#define RANGE_FUSED(NAME, TYPE, LOAD)                                                         \
    __kernel __attribute__((reqd_work_group_size(TR_FFT_LOCAL_ITEMS, 1, 1)))                  \
    void NAME(__global const TYPE *raw, __global float2 *pulses,                             \
              __global const float2 *spectrum, __global const float2 *tw,                    \
              __global uint *nonfinite, uint log2n, uint n, uint p, uint channels, uint ch)   \
    {                                                                                         \
        __local float2 buf[TR_FFT_LOCAL_PADDED];                                              \
        const uint nfft = 1u << log2n, T = nfft >> 4, lid = get_local_id(0);                 \
        const uint t = lid & (T - 1), tl = lid >> (log2n - 4);                                \
        const uint m = ((uint)get_group_id(0) << (TR_FFT_LOCAL_LOG2_POINTS - log2n)) + tl;   \
        const bool valid = m < p;                                                             \
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
                    pulses[(size_t)m * nfft + k] = v[q];                                      \
            }                                                                                 \
        if (bad)                                                                              \
            atomic_add(nonfinite, bad);                                                       \
    }

RANGE_FUSED(range_fused_cf32, float2,
            x = raw[((size_t)m * n + k) * channels + ch];
            if (!isfinite(x.x) || !isfinite(x.y)) {
                x = (float2)(0.0f, 0.0f);
                bad++;
            })
RANGE_FUSED(range_fused_ci16, short2, x = convert_float2(raw[((size_t)m * n + k) * channels + ch]))
