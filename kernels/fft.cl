/* Batched complex FFTs of power-of-two length: Stockham autosort (out-of-place ping-pong, no
 * bit reversal), radix-16 passes with one radix-2, 4, 8 or 16 pass first so that every power
 * of two is covered, butterflies written out in registers, twiddles read from a table that
 * the host computes once per plan in double: tw[m] = exp(-2 pi i m / n), m < n, as float2.
 *
 * X[k] = sum_j x[j] exp(dir 2 pi i jk / n), dir = -1 forward, +1 inverse (unnormalised,
 * like FFTW). The inverse is conj(forward(conj(x))): the butterflies only ever go forward.
 *
 * Stockham pass of radix R after p points have been combined (p = 1 for the first pass),
 * butterfly i = 0 .. n/R - 1, k = i mod p:
 *     y[r] = sum_q x[i + q n/R] w_(pR)^(qk) w_R^(qr)        r = 0 .. R-1
 *     out[(i - k) R + k + r p] = y[r]
 * After the last pass (p R = n) out holds X in natural order.
 *
 * Two ways to run it:
 *   fft_local     a whole transform in __local memory, one work-group of 256 work-items per
 *                 4096 points (4096/n transforms of n <= 4096 points): one launch.
 *   fft_pass{16,8,4,2}  one Stockham pass through global memory per launch (any n), the host
 *                 ping-pongs between the output and a scratch buffer.
 * Layouts: element j of transform b is at base[b dist + j stride] (stride 1, dist n: rows;
 * stride S, dist 1: columns of a row-major matrix with S columns). Offsets are uint: the
 * host checks that every element index of a plan fits.
 * SPDX-License-Identifier: GPL-2.0-or-later */

#define TR_FFT_LOCAL_LOG2_POINTS 12
#define TR_FFT_LOCAL_POINTS 4096 /* points per work-group of fft_local */
#define TR_FFT_LOCAL_ITEMS 256   /* work-items per work-group, 16 points each */
/* one float2 of padding every 16 keeps the radix-16 scatters off one bank */
#define TR_FFT_LPAD(j) ((j) + ((j) >> 4))
#define TR_FFT_LOCAL_PADDED (TR_FFT_LOCAL_POINTS + TR_FFT_LOCAL_POINTS / 16) /* 34 KiB */

#define TR_C8 0.923879532511286756f /* cos(pi/8) */
#define TR_S8 0.382683432365089772f /* sin(pi/8) */
#define TR_R2 0.707106781186547524f /* sqrt(1/2) */

/* a * exp(-2 pi i m / 16) for the m of a 16-point butterfly; m = 4 is tr_mul_ni */
static inline float2 tr_w16_1(float2 a)
{
    return (float2)(a.x * TR_C8 + a.y * TR_S8, a.y * TR_C8 - a.x * TR_S8);
}
static inline float2 tr_w16_2(float2 a)
{
    return (float2)((a.x + a.y) * TR_R2, (a.y - a.x) * TR_R2);
}
static inline float2 tr_w16_3(float2 a)
{
    return (float2)(a.x * TR_S8 + a.y * TR_C8, a.y * TR_S8 - a.x * TR_C8);
}
static inline float2 tr_w16_6(float2 a)
{
    return (float2)((a.y - a.x) * TR_R2, -(a.x + a.y) * TR_R2);
}
static inline float2 tr_w16_9(float2 a)
{
    return (float2)(-a.x * TR_C8 - a.y * TR_S8, a.x * TR_S8 - a.y * TR_C8);
}

/* In-place forward DFTs, natural order in and out. */
static inline void tr_dft2(float2 *a0, float2 *a1)
{
    const float2 t = *a0;
    *a0 = t + *a1;
    *a1 = t - *a1;
}

static inline void tr_dft4(float2 *a0, float2 *a1, float2 *a2, float2 *a3)
{
    const float2 t0 = *a0 + *a2, t1 = *a0 - *a2;
    const float2 t2 = *a1 + *a3, t3 = tr_mul_ni(*a1 - *a3);
    *a0 = t0 + t2;
    *a1 = t1 + t3;
    *a2 = t0 - t2;
    *a3 = t1 - t3;
}

/* 8 = 2 x 4: two 4-point DFTs of the even and odd points, twiddles w8^k, one radix-2 stage */
TR_INLINE void tr_dft8(float2 *v)
{
    float2 e0 = v[0], e1 = v[2], e2 = v[4], e3 = v[6];
    float2 o0 = v[1], o1 = v[3], o2 = v[5], o3 = v[7];
    tr_dft4(&e0, &e1, &e2, &e3);
    tr_dft4(&o0, &o1, &o2, &o3);
    o1 = tr_w16_2(o1);
    o2 = tr_mul_ni(o2);
    o3 = tr_w16_6(o3);
    v[0] = e0 + o0;
    v[4] = e0 - o0;
    v[1] = e1 + o1;
    v[5] = e1 - o1;
    v[2] = e2 + o2;
    v[6] = e2 - o2;
    v[3] = e3 + o3;
    v[7] = e3 - o3;
}

static inline void tr_swap(float2 *a, float2 *b)
{
    const float2 t = *a;
    *a = *b;
    *b = t;
}

/* 16 = 4 x 4: X[k1 + 4 k2] = sum_q1 w16^(q1 k1) w4^(q1 k2) sum_q2 x[q1 + 4 q2] w4^(q2 k1) */
TR_INLINE void tr_dft16(float2 *v)
{
    tr_dft4(&v[0], &v[4], &v[8], &v[12]); /* v[q1 + 4 k1] = inner sums */
    tr_dft4(&v[1], &v[5], &v[9], &v[13]);
    tr_dft4(&v[2], &v[6], &v[10], &v[14]);
    tr_dft4(&v[3], &v[7], &v[11], &v[15]);
    v[5] = tr_w16_1(v[5]);
    v[9] = tr_w16_2(v[9]);
    v[13] = tr_w16_3(v[13]);
    v[6] = tr_w16_2(v[6]);
    v[10] = tr_mul_ni(v[10]);
    v[14] = tr_w16_6(v[14]);
    v[7] = tr_w16_3(v[7]);
    v[11] = tr_w16_6(v[11]);
    v[15] = tr_w16_9(v[15]);
    tr_dft4(&v[0], &v[1], &v[2], &v[3]); /* v[4 k1 + k2] = X[k1 + 4 k2] */
    tr_dft4(&v[4], &v[5], &v[6], &v[7]);
    tr_dft4(&v[8], &v[9], &v[10], &v[11]);
    tr_dft4(&v[12], &v[13], &v[14], &v[15]);
    tr_swap(&v[1], &v[4]); /* transpose the 4 x 4 into natural order */
    tr_swap(&v[2], &v[8]);
    tr_swap(&v[3], &v[12]);
    tr_swap(&v[6], &v[9]);
    tr_swap(&v[7], &v[13]);
    tr_swap(&v[11], &v[14]);
}

/* ---- radix 3, 5, 9: the column DFTs of range_long, in registers ---- */

#define TR_S3 0.866025403784438647f  /* sin(2 pi / 3) */
#define TR_C51 0.309016994374947424f /* cos(2 pi / 5) */
#define TR_C52 -0.809016994374947424f /* cos(4 pi / 5) */
#define TR_S51 0.951056516295153572f /* sin(2 pi / 5) */
#define TR_S52 0.587785252292473129f /* sin(4 pi / 5) */

/* a * exp(-2 pi i m / 9) for m = 1, 2, 4 */
static inline float2 tr_w9(float2 a, float c, float s)
{
    return (float2)(a.x * c + a.y * s, a.y * c - a.x * s);
}

static inline void tr_dft3(float2 *a0, float2 *a1, float2 *a2)
{
    const float2 t = *a1 + *a2, m = *a0 - 0.5f * t, d = TR_S3 * tr_mul_ni(*a1 - *a2);
    *a0 += t;
    *a1 = m + d;
    *a2 = m - d;
}

/* X[k] = sum_j x[j] exp(-2 pi i jk / 5): pairs x1 + x4, x2 + x3 and their differences */
TR_INLINE void tr_dft5(float2 *v)
{
    const float2 b1 = v[1] + v[4], b2 = v[2] + v[3];
    const float2 d1 = tr_mul_ni(v[1] - v[4]), d2 = tr_mul_ni(v[2] - v[3]);
    const float2 m1 = v[0] + TR_C51 * b1 + TR_C52 * b2, m2 = v[0] + TR_C52 * b1 + TR_C51 * b2;
    const float2 e1 = TR_S51 * d1 + TR_S52 * d2, e2 = TR_S52 * d1 - TR_S51 * d2;
    v[0] += b1 + b2;
    v[1] = m1 + e1;
    v[4] = m1 - e1;
    v[2] = m2 + e2;
    v[3] = m2 - e2;
}

/* 9 = 3 x 3, like tr_dft16: X[k1 + 3 k2] = sum_q1 w9^(q1 k1) w3^(q1 k2) sum_q2 x[q1 + 3 q2]
 * w3^(q2 k1) */
TR_INLINE void tr_dft9(float2 *v)
{
    tr_dft3(&v[0], &v[3], &v[6]); /* v[q1 + 3 k1] = inner sums */
    tr_dft3(&v[1], &v[4], &v[7]);
    tr_dft3(&v[2], &v[5], &v[8]);
    v[4] = tr_w9(v[4], 0.766044443118978035f, 0.642787609686539326f);  /* w9^1 */
    v[7] = tr_w9(v[7], 0.173648177666930349f, 0.984807753012208059f);  /* w9^2 */
    v[5] = tr_w9(v[5], 0.173648177666930349f, 0.984807753012208059f);  /* w9^2 */
    v[8] = tr_w9(v[8], -0.939692620785908384f, 0.342020143325668734f); /* w9^4 */
    tr_dft3(&v[0], &v[1], &v[2]); /* v[3 k1 + k2] = X[k1 + 3 k2] */
    tr_dft3(&v[3], &v[4], &v[5]);
    tr_dft3(&v[6], &v[7], &v[8]);
    tr_swap(&v[1], &v[3]); /* transpose the 3 x 3 into natural order */
    tr_swap(&v[2], &v[6]);
    tr_swap(&v[5], &v[7]);
}

/* the forward DFT of N = 3, 5 or 9 points (a literal) in place */
TR_INLINE void tr_dft_small(const uint N, float2 *v)
{
    if (N == 3)
        tr_dft3(&v[0], &v[1], &v[2]);
    else if (N == 5)
        tr_dft5(v);
    else
        tr_dft9(v);
}

/* ---- one transform in local memory ---- */

/* v[q].y *= cs, q < 16: conjugation (cs = -1) around the forward transform for the inverse */
TR_INLINE void tr_scale_im16(float2 *v, float cs)
{
#pragma unroll
    for (int q = 0; q < 16; q++)
        v[q].y *= cs;
}

/* One radix-16 butterfly of a Stockham pass: inputs times tw[r step], then the DFT */
TR_INLINE void tr_radix16(float2 *v, __global const float2 *tw, uint step)
{
#pragma unroll
    for (int r = 1; r < 16; r++)
        v[r] = tr_cmul(v[r], tw[r * step]);
    tr_dft16(v);
}

/* The first pass of tr_fft_local(_split), p = 1, no twiddles, in place: radix
 * R = 2^(first = log2n mod 4), or 16 when first = 0. Butterfly m < 16/R of a work-item is
 * i = t + m T, its inputs x[i + r n/R] = v[m + r 16/R]; output r (in v[m + r 16/R]) goes to
 * R i + r. Returns R (= p, the points combined). */
TR_INLINE uint tr_fft_first_pass(float2 *v, uint first)
{
    if (first == 0) {
        tr_dft16(v);
        return 16;
    }
    if (first == 1) {
#pragma unroll
        for (int m = 0; m < 8; m++)
            tr_dft2(&v[m], &v[m + 8]);
        return 2;
    }
    if (first == 2) {
#pragma unroll
        for (int m = 0; m < 4; m++)
            tr_dft4(&v[m], &v[m + 4], &v[m + 8], &v[m + 12]);
        return 4;
    }
#pragma unroll
    for (int m = 0; m < 2; m++) {
        float2 u[8];
#pragma unroll
        for (int r = 0; r < 8; r++)
            u[r] = v[m + 2 * r];
        tr_dft8(u);
#pragma unroll
        for (int r = 0; r < 8; r++)
            v[m + 2 * r] = u[r];
    }
    return 8;
}

/* One exchange of the points of a transform through local memory one part at a time: the
 * real parts of v[r] stored at LPAD(SIDX) (an expression of r), barrier, loaded into v[q]
 * from LPAD(LIDX) (of q), barrier, then the imaginary parts the same way: half the local
 * memory of a float2 exchange for three barriers instead of one. Work-items with !active
 * only meet the barriers. */
#define TR_FFT_EXCHANGE_SPLIT(v, buf, active, SIDX, LIDX)                                     \
    do {                                                                                      \
        if (active) {                                                                         \
            _Pragma("unroll") for (int r = 0; r < 16; r++) buf[TR_FFT_LPAD(SIDX)] = v[r].x;   \
        }                                                                                     \
        barrier(CLK_LOCAL_MEM_FENCE);                                                         \
        if (active) {                                                                         \
            _Pragma("unroll") for (int q = 0; q < 16; q++) v[q].x = buf[TR_FFT_LPAD(LIDX)];   \
        }                                                                                     \
        barrier(CLK_LOCAL_MEM_FENCE);                                                         \
        if (active) {                                                                         \
            _Pragma("unroll") for (int r = 0; r < 16; r++) buf[TR_FFT_LPAD(SIDX)] = v[r].y;   \
        }                                                                                     \
        barrier(CLK_LOCAL_MEM_FENCE);                                                         \
        if (active) {                                                                         \
            _Pragma("unroll") for (int q = 0; q < 16; q++) v[q].y = buf[TR_FFT_LPAD(LIDX)];   \
        }                                                                                     \
    } while (0)

/* tr_fft_local (below: the same transform, same v on entry and return) with the exchanges
 * through buf, TR_FFT_LPAD(n) floats, one part of the complex values at a time, for a
 * work-group whose transforms need more than 48 KiB as float2 (range_long); n >= 32.
 * Work-items with !active hold no points and only meet the barriers; every work-item of
 * the work-group calls it, with buf free. */
TR_INLINE void tr_fft_local_split(float2 *v, __local float *buf, uint t, uint log2n,
                                  __global const float2 *tw, int dir, bool active)
{
    const uint n = 1u << log2n, T = n >> 4;
    const float cs = dir > 0 ? -1.0f : 1.0f; /* the inverse by conjugation */
    tr_scale_im16(v, cs);

    /* first pass (no barrier under a branch: PoCL's barrier handling replicates the code
     * after each, and compiles for minutes) */
    const uint first = log2n & 3u;
    uint p = tr_fft_first_pass(v, first);
    /* v[r] = output r >> lpm of butterfly r & (2^lpm - 1) */
    const uint lpm = first ? 4u - first : 0u, pmask = (1u << lpm) - 1u;
    TR_FFT_EXCHANGE_SPLIT(v, buf, active, p * (t + (r & pmask) * T) + (r >> lpm), t + q * T);

    /* radix-16 passes: one butterfly per work-item, i = t; the last (p = T) leaves
     * X[t + r T] in v[r] */
    for (;;) {
        const uint k = t & (p - 1), step = (T / p) * k;
        tr_radix16(v, tw, step);
        if (p == T)
            break;
        barrier(CLK_LOCAL_MEM_FENCE);
        const uint j = (t - k) * 16 + k;
        TR_FFT_EXCHANGE_SPLIT(v, buf, active, j + r * p, t + q * T);
        p <<= 4;
    }

    tr_scale_im16(v, cs);
}

/* The n-point FFT, n = 2^log2n with 16 <= n <= 4096, of one transform held by its T = n/16
 * work-items t = 0 .. T-1, 16 points each, in registers:
 *     on entry v[q] = x[t + q T], on return v[q] = X[t + q T], q = 0 .. 15.
 * buf: this transform's __local scratch, TR_FFT_LPAD(n) float2 (TR_FFT_LPAD(tl n) apart
 * for several transforms in one work-group). tw: the table of this n. dir: -1 forward,
 * +1 inverse. Every work-item of the work-group must call it (it has barriers), with
 * buf free: barrier first if buf was in use. Fused kernels load, call, post-process. */
TR_INLINE void tr_fft_local(float2 *v, __local float2 *buf, uint t, uint log2n,
                         __global const float2 *tw, int dir)
{
    const uint n = 1u << log2n, T = n >> 4;
    const float cs = dir > 0 ? -1.0f : 1.0f; /* the inverse by conjugation */
    tr_scale_im16(v, cs);

    /* first pass (tr_fft_first_pass), then its outputs into buf */
    const uint first = log2n & 3u;
    uint p = tr_fft_first_pass(v, first);
    if (first == 0) {
        if (n > 16) {
#pragma unroll
            for (int r = 0; r < 16; r++)
                buf[TR_FFT_LPAD(t * 16 + r)] = v[r];
        }
    } else if (first == 1) {
#pragma unroll
        for (int m = 0; m < 8; m++) {
            const uint j = 2 * (t + m * T);
            buf[TR_FFT_LPAD(j)] = v[m];
            buf[TR_FFT_LPAD(j + 1)] = v[m + 8];
        }
    } else if (first == 2) {
#pragma unroll
        for (int m = 0; m < 4; m++) {
            const uint j = 4 * (t + m * T);
#pragma unroll
            for (int r = 0; r < 4; r++)
                buf[TR_FFT_LPAD(j + r)] = v[m + 4 * r];
        }
    } else {
#pragma unroll
        for (int m = 0; m < 2; m++) {
            const uint j = 8 * (t + m * T);
#pragma unroll
            for (int r = 0; r < 8; r++)
                buf[TR_FFT_LPAD(j + r)] = v[m + 2 * r];
        }
    }

    /* radix-16 passes: one butterfly per work-item, i = t; the last (p = T) leaves
     * X[t + r T] in v[r] */
    for (; p < n; p <<= 4) {
        barrier(CLK_LOCAL_MEM_FENCE);
#pragma unroll
        for (int q = 0; q < 16; q++)
            v[q] = buf[TR_FFT_LPAD(t + q * T)];
        const uint k = t & (p - 1), step = (T / p) * k;
        tr_radix16(v, tw, step);
        if (p == T)
            break;
        barrier(CLK_LOCAL_MEM_FENCE);
        const uint j = (t - k) * 16 + k;
#pragma unroll
        for (int r = 0; r < 16; r++)
            buf[TR_FFT_LPAD(j + r * p)] = v[r];
    }

    tr_scale_im16(v, cs);
}

/* Batched FFTs of n = 2^log2n points, 16 <= n <= 4096, one work-group of TR_FFT_LOCAL_ITEMS
 * per 4096/n transforms; global size = ceil(batch n / 4096) * 256. bmajor != 0 puts
 * neighbouring transforms on neighbouring work-items (for column layouts, dist 1).
 * in may equal out when both layouts are the same (each work-group reads its transforms
 * whole before it writes them). */
__kernel __attribute__((reqd_work_group_size(TR_FFT_LOCAL_ITEMS, 1, 1)))
void fft_local(__global const float2 *in, __global float2 *out, __global const float2 *tw,
               uint log2n, uint in_stride, uint in_dist, uint out_stride, uint out_dist,
               uint batch, uint bmajor, int dir)
{
    __local float2 buf[TR_FFT_LOCAL_PADDED];
    const uint n = 1u << log2n, T = n >> 4;
    const uint log2tpw = TR_FFT_LOCAL_LOG2_POINTS - log2n; /* transforms per work-group */
    const uint lid = get_local_id(0);
    uint tl, t;
    if (bmajor) {
        tl = lid & ((1u << log2tpw) - 1);
        t = lid >> log2tpw;
    } else {
        t = lid & (T - 1);
        tl = lid >> (log2n - 4);
    }
    const uint b = ((uint)get_group_id(0) << log2tpw) + tl;
    const bool valid = b < batch;

    float2 v[16];
    if (valid) {
        const __global float2 *src = in + (b * in_dist + t * in_stride);
        const uint step = T * in_stride;
#pragma unroll
        for (int q = 0; q < 16; q++)
            v[q] = src[q * step];
    } else {
#pragma unroll
        for (int q = 0; q < 16; q++)
            v[q] = (float2)(0.0f, 0.0f);
    }
    tr_fft_local(v, buf + TR_FFT_LPAD(tl * n), t, log2n, tw, dir);
    if (valid) {
        __global float2 *dst = out + (b * out_dist + t * out_stride);
        const uint step = T * out_stride;
#pragma unroll
        for (int q = 0; q < 16; q++)
            dst[q * step] = v[q];
    }
}

/* ---- one Stockham pass through global memory ---- */

/* Butterfly i of transform b for radix R (a literal at each call, so the loops unroll and
 * v stays in registers). T = n/R = 2^log2t butterflies per transform, p points combined so
 * far, twstep = n/(p R). in_conj/out_conj: -1 conjugates on load/store (the first and last
 * pass of an inverse), else 1. One work-item per butterfly, T batch of them. */
TR_INLINE void tr_fft_pass(const uint R, __global const float2 *in,
                               __global float2 *out, __global const float2 *tw,
                               uint log2t, uint p, uint twstep, uint in_stride, uint in_dist,
                               uint out_stride, uint out_dist, uint batch, uint bmajor,
                               float in_conj, float out_conj)
{
    const uint T = 1u << log2t, g = get_global_id(0);
    if (g >= T * batch)
        return;
    uint i, b;
    if (bmajor) {
        b = g % batch;
        i = g / batch;
    } else {
        i = g & (T - 1);
        b = g >> log2t;
    }
    float2 v[16];
    const __global float2 *src = in + (b * in_dist + i * in_stride);
    const uint in_step = T * in_stride;
    for (uint r = 0; r < R; r++) {
        const float2 z = src[r * in_step];
        v[r] = (float2)(z.x, z.y * in_conj);
    }
    const uint k = i & (p - 1);
    if (p > 1) {
        const uint step = k * twstep;
        for (uint r = 1; r < R; r++)
            v[r] = tr_cmul(v[r], tw[r * step]);
    }
    if (R == 16)
        tr_dft16(v);
    else if (R == 8)
        tr_dft8(v);
    else if (R == 4)
        tr_dft4(&v[0], &v[1], &v[2], &v[3]);
    else
        tr_dft2(&v[0], &v[1]);
    __global float2 *dst = out + (b * out_dist + ((i - k) * R + k) * out_stride);
    const uint out_step = p * out_stride;
    for (uint r = 0; r < R; r++)
        dst[r * out_step] = (float2)(v[r].x, v[r].y * out_conj);
}

#define TR_FFT_PASS_ARGS                                                                      \
    __global const float2 *restrict in, __global float2 *restrict out,                        \
        __global const float2 *restrict tw, uint log2t, uint p, uint twstep, uint in_stride,  \
        uint in_dist, uint out_stride, uint out_dist, uint batch, uint bmajor, float in_conj, \
        float out_conj
#define TR_FFT_PASS_CALL                                                                      \
    in, out, tw, log2t, p, twstep, in_stride, in_dist, out_stride, out_dist, batch, bmajor,   \
        in_conj, out_conj

__kernel void fft_pass16(TR_FFT_PASS_ARGS) { tr_fft_pass(16, TR_FFT_PASS_CALL); }
__kernel void fft_pass8(TR_FFT_PASS_ARGS) { tr_fft_pass(8, TR_FFT_PASS_CALL); }
__kernel void fft_pass4(TR_FFT_PASS_ARGS) { tr_fft_pass(4, TR_FFT_PASS_CALL); }
__kernel void fft_pass2(TR_FFT_PASS_ARGS) { tr_fft_pass(2, TR_FFT_PASS_CALL); }
