/* CFAR on the range-Doppler power map [P rows x n bins]; range bins 0..rb-1 are searched.
 * Separable sums: first over the Doppler span of every column (wrapping), then over the range
 * span from a tile in local memory. Every sum is of non-negative terms (the outer span and the
 * Doppler-training rows are kept apart), so float loses nothing to cancellation beside a strong
 * return, and no global summed-area table is needed.
 * SPDX-License-Identifier: GPL-2.0-or-later */

/* CA / GO / SO (type 0 / 1 / 2). One work-group covers a tile of range bins of one Doppler
 * row. Its first step sums every column of the tile and go bins each side over the Doppler
 * span straight from the map (wrapping): lvo[i] the whole outer span (|dd| <= dgo), lvt[i]
 * its training rows only (dg < |dd| <= dgo), in local memory (local size + 2 go floats each);
 * the rows above and below are read by the neighbouring work-groups too (the cache's), so
 * no Doppler sums go through global memory. Cells above threshold are marked in mask and
 * appended to list. */
__kernel void cfar_mean(__global const float *maps, __global const float *alpha,
                        __global uchar *mask_all, __global uint *list_all, __global uint *out,
                        __local float *lvo, __local float *lvt, uint n, uint p, uint rb, int g,
                        int go, int dg, int dgo, int dh, int gh, int type, uint cap,
                        uint ostride, uint a0)
{
    const int lid = (int)get_local_id(0), lsz = (int)get_local_size(0);
    const int r0 = (int)(get_group_id(0) * get_local_size(0)), d = (int)get_global_id(1);
    const int r = r0 + lid;
    const uint j = get_global_id(2);
    const __global float *map = maps + (size_t)(a0 + j) * p * n;
    __global uchar *mask = mask_all + (size_t)j * p * rb;
    __global uint *list = list_all + (size_t)j * cap, *count = out + (size_t)(a0 + j) * ostride + 1;
    for (int i = lid; i < lsz + 2 * go; i += lsz) {
        const int rr = r0 - go + i;
        float so = 0.0f, st = 0.0f;
        if (rr >= 0 && rr < (int)rb) {
            for (int dd = -dgo; dd <= dgo; dd++) {
                const uint row = (uint)((d + dd) % (int)p + (int)p) % p;
                const float v = map[(size_t)row * n + rr];
                so += v;
                if (dd < -dg || dd > dg)
                    st += v;
            }
        }
        lvo[i] = so;
        lvt[i] = st;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (r >= (int)rb)
        return;
    const int lo = max(0, r - go), hi = min((int)rb - 1, r + go);
    const int glo = max(0, r - g), ghi = min((int)rb - 1, r + g);
    const int base = r0 - go; /* local index of range bin x is x - base */
    float lead = 0.0f, lag = 0.0f;
    for (int x = lo; x < glo; x++) lead += lvo[x - base];
    for (int x = glo; x < r; x++) lead += lvt[x - base];
    for (int x = r + 1; x <= ghi; x++) lag += lvt[x - base];
    for (int x = ghi + 1; x <= hi; x++) lag += lvo[x - base];
    const float mid = lvt[r - base];
    const int n_lead = (glo - lo) * dh + (r - glo) * (dh - gh);
    const int n_lag = (hi - ghi) * dh + (ghi - r) * (dh - gh);
    float z;
    if (type == 0)
        z = (lead + lag + mid) / (float)(n_lead + n_lag + (dh - gh));
    else if (n_lead == 0)
        z = lag / (float)n_lag;
    else if (n_lag == 0)
        z = lead / (float)n_lead;
    else {
        const float a = lead / (float)n_lead, b = lag / (float)n_lag;
        z = type == 1 ? fmax(a, b) : fmin(a, b);
    }
    const int hit = map[(size_t)d * n + r] > alpha[r] * z;
    mask[(size_t)d * rb + r] = (uchar)hit;
    if (hit) {
        const uint i = atomic_inc(count);
        if (i < cap)
            list[i] = (uint)d * rb + (uint)r;
    }
}

/* The k-th smallest (1-based) training cell of (d, r): bisection on the bit patterns of
 * non-negative floats, which order like the values; no private array of the whole ring. */
float cfar_os_kth(__global const float *map, uint n, uint p, uint rb, int d, int r, int g,
                  int go, int dg, int dgo, int k)
{
    uint lo = 0u, hi = 0x7f800000u;
    while (lo < hi) {
        const uint mid = lo + (hi - lo) / 2u;
        int below = 0;
        for (int dd = -dgo; dd <= dgo; dd++) {
            const uint row = (uint)((d + dd) % (int)p + (int)p) % p;
            const int guard_row = dd >= -dg && dd <= dg;
            for (int dr = -go; dr <= go; dr++) {
                const int rr = r + dr;
                if (rr < 0 || rr >= (int)rb || (guard_row && dr >= -g && dr <= g))
                    continue;
                below += as_uint(map[(size_t)row * n + rr]) <= mid;
            }
        }
        if (below >= k)
            hi = mid;
        else
            lo = mid + 1u;
    }
    return as_float(lo);
}

/* OS-CFAR. Global (rb, P, maps). */
__kernel void cfar_os(__global const float *maps, __global const float *alpha,
                      __global const int *os_k, __global uchar *mask_all, __global uint *list_all,
                      __global uint *out, uint n, uint p, uint rb, int g, int go, int dg,
                      int dgo, uint cap, uint ostride, uint a0)
{
    const int r = (int)get_global_id(0), d = (int)get_global_id(1);
    const uint j = get_global_id(2);
    if (r >= (int)rb)
        return;
    const __global float *map = maps + (size_t)(a0 + j) * p * n;
    __global uchar *mask = mask_all + (size_t)j * p * rb;
    __global uint *list = list_all + (size_t)j * cap, *count = out + (size_t)(a0 + j) * ostride + 1;
    const float kth = cfar_os_kth(map, n, p, rb, d, r, g, go, dg, dgo, os_k[r]);
    const int hit = map[(size_t)d * n + r] > alpha[r] * kth;
    mask[(size_t)d * rb + r] = (uchar)hit;
    if (hit) {
        const uint i = atomic_inc(count);
        if (i < cap)
            list[i] = (uint)d * rb + (uint)r;
    }
}
