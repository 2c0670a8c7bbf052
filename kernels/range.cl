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
