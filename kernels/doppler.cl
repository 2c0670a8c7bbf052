/* Doppler stage kernels: slow-time weights (and the MTI canceller) before the FFT across
 * pulses, power with fftshift after it. The cube of a chunk of maps is [P rows x width]
 * float2, map j in columns j n .. j n + n - 1 (width = the most maps of a chunk x n), so that
 * one strided FFT plan (stride width, dist 1) covers the columns of every map; the power map
 * of map a of the batch is maps[a], [P rows x n bins].
 * SPDX-License-Identifier: GPL-2.0-or-later */

/* cube[m][j n + r] = w[m] * canceller(compressed_j[m .. m+mti-1][r]) for m < p_mti, else 0.
 * compressed has rows of nfft (only the first n are range bins), P rows per map.
 * Global (N, P, maps). */
__kernel void doppler_weight(__global const float2 *compressed, __global float2 *cube,
                             __global const float *weight, uint n, uint nfft, uint p,
                             uint p_mti, uint mti, uint width)
{
    const uint r = get_global_id(0), m = get_global_id(1), j = get_global_id(2);
    if (r >= n)
        return;
    float2 v = (float2)(0.0f, 0.0f);
    if (m < p_mti) {
        const __global float2 *x = compressed + ((size_t)j * p + m) * nfft + r;
        if (mti == 2)
            v = x[nfft] - x[0];
        else if (mti == 3)
            v = x[0] - 2.0f * x[nfft] + x[2 * (size_t)nfft];
        else
            v = x[0];
        v *= weight[m];
    }
    cube[(size_t)m * width + (size_t)j * n + r] = v;
}

/* maps[a0 + j][k][r] = |spectrum[(k + ceil(P/2)) mod P][j n + r]|^2: row P/2 is zero
 * velocity. Global (N, P, maps). */
__kernel void doppler_power(__global const float2 *spectrum, __global float *maps, uint n,
                            uint p, uint width, uint a0)
{
    const uint r = get_global_id(0), k = get_global_id(1), j = get_global_id(2);
    if (r >= n)
        return;
    const float2 x = spectrum[(size_t)((k + (p + 1) / 2) % p) * width + (size_t)j * n + r];
    maps[((size_t)(a0 + j) * p + k) * n + r] = x.x * x.x + x.y * x.y;
}

/* Doppler by direct DFT for pulse counts that are not a power of two (the FFT handles the
 * rest): out[k][c] = sum_m cube[m][c] tw[(k m) mod P], tw[j] = exp(-2 pi i j / P) made on the
 * host in double. Global (N, P, maps). */
__kernel void doppler_dft(__global const float2 *cube, __global float2 *out,
                          __global const float2 *tw, uint n, uint p, uint width)
{
    const uint r = get_global_id(0), k = get_global_id(1), j = get_global_id(2);
    if (r >= n)
        return;
    const size_t c = (size_t)j * n + r;
    float2 acc = (float2)(0.0f, 0.0f);
    uint i = 0;
    for (uint m = 0; m < p; m++) {
        const float2 x = cube[(size_t)m * width + c], w = tw[i];
        acc += (float2)(x.x * w.x - x.y * w.y, x.x * w.y + x.y * w.x);
        i += k;
        if (i >= p)
            i -= p;
    }
    out[(size_t)k * width + c] = acc;
}

/* The whole Doppler stage of a chunk in one kernel when 16 <= P <= 1024 is a power of two:
 * canceller and weights -> FFT across the P pulses in local memory (tr_fft_local, fft.cl) ->
 * |.|^2 with fftshift into the map; the cube never goes through global memory. A work-group
 * of 256 takes 4096/P range columns, neighbouring work-items on neighbouring columns (reads
 * and writes along range coalesce); columns c = j n + r run over every map of the chunk
 * (cols = maps x n). tw: exp(-2 pi i m / P), m < P. */
__kernel __attribute__((reqd_work_group_size(TR_FFT_LOCAL_ITEMS, 1, 1)))
void doppler_fused(__global const float2 *compressed, __global float *maps,
                   __global const float *weight, __global const float2 *tw, uint log2p, uint n,
                   uint nfft, uint p_mti, uint mti, uint cols, uint a0)
{
    __local float2 buf[TR_FFT_LOCAL_PADDED];
    const uint p = 1u << log2p, T = p >> 4, lid = get_local_id(0);
    const uint log2tpw = TR_FFT_LOCAL_LOG2_POINTS - log2p; /* columns per work-group */
    const uint tl = lid & ((1u << log2tpw) - 1), t = lid >> log2tpw;
    const uint col = ((uint)get_group_id(0) << log2tpw) + tl;
    const bool valid = col < cols;
    const uint j = valid ? col / n : 0, r = valid ? col % n : 0;
    float2 v[16];
#pragma unroll
    for (int q = 0; q < 16; q++) {
        const uint m = t + (uint)q * T;
        float2 x = (float2)(0.0f, 0.0f);
        if (valid && m < p_mti) {
            const __global float2 *y = compressed + ((size_t)j * p + m) * nfft + r;
            if (mti == 2)
                x = y[nfft] - y[0];
            else if (mti == 3)
                x = y[0] - 2.0f * y[nfft] + y[2 * (size_t)nfft];
            else
                x = y[0];
            x *= weight[m];
        }
        v[q] = x;
    }
    tr_fft_local(v, buf + TR_FFT_LPAD(tl * p), t, log2p, tw, -1);
    if (!valid)
        return;
    __global float *map = maps + (size_t)(a0 + j) * p * n + r;
#pragma unroll
    for (int q = 0; q < 16; q++) {
        const uint k = t + (uint)q * T; /* bin k goes to row (k + P/2) mod P */
        map[(size_t)((k + p / 2) & (p - 1)) * n] = tr_norm(v[q]);
    }
}
