/* Doppler stage kernels: slow-time weights (and the MTI canceller) before the FFT across
 * pulses, power with fftshift after it. Cube layout [P rows x N range bins], float2.
 * SPDX-License-Identifier: GPL-2.0-or-later */

/* cube[m][r] = w[m] * canceller(compressed[m .. m+mti-1][r]) for m < p_mti, else 0.
 * compressed has rows of nfft (only the first n are range bins). Global (N, P). */
__kernel void doppler_weight(__global const float2 *compressed, __global float2 *cube,
                             __global const float *weight, uint n, uint nfft, uint p_mti,
                             uint mti)
{
    const uint r = get_global_id(0), m = get_global_id(1);
    if (r >= n)
        return;
    float2 v = (float2)(0.0f, 0.0f);
    if (m < p_mti) {
        const __global float2 *x = compressed + (size_t)m * nfft + r;
        if (mti == 2)
            v = x[nfft] - x[0];
        else if (mti == 3)
            v = x[0] - 2.0f * x[nfft] + x[2 * (size_t)nfft];
        else
            v = x[0];
        v *= weight[m];
    }
    cube[(size_t)m * n + r] = v;
}

/* map[k][r] = |spectrum[(k + ceil(P/2)) mod P][r]|^2: row P/2 is zero velocity.
 * Global (N, P). */
__kernel void doppler_power(__global const float2 *spectrum, __global float *map, uint n, uint p)
{
    const uint r = get_global_id(0), k = get_global_id(1);
    if (r >= n)
        return;
    const float2 x = spectrum[(size_t)((k + (p + 1) / 2) % p) * n + r];
    map[(size_t)k * n + r] = x.x * x.x + x.y * x.y;
}

/* Doppler by direct DFT for pulse counts that are not a power of two (the FFT handles the
 * rest): out[k][r] = sum_m cube[m][r] tw[(k m) mod P], tw[j] = exp(-2 pi i j / P) made on the
 * host in double. Global (N, P). */
__kernel void doppler_dft(__global const float2 *cube, __global float2 *out,
                          __global const float2 *tw, uint n, uint p)
{
    const uint r = get_global_id(0), k = get_global_id(1);
    if (r >= n)
        return;
    float2 acc = (float2)(0.0f, 0.0f);
    uint j = 0;
    for (uint m = 0; m < p; m++) {
        const float2 x = cube[(size_t)m * n + r], w = tw[j];
        acc += (float2)(x.x * w.x - x.y * w.y, x.x * w.y + x.y * w.x);
        j += k;
        if (j >= p)
            j -= p;
    }
    out[(size_t)k * n + r] = acc;
}
