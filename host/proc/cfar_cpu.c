/* CFAR on the CPU with separable sums: Doppler sums per column (wrapping), then prefix sums
 * along range in double, so a strong target in the window costs no precision (no 2-D summed
 * area table). Training region: the outer box minus the guard box around the cell under test.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "proc/cfar_cpu.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* Hot loops get AVX-512 and AVX2 clones picked at load time by CPU feature (not by model name, which
 * "arch=" clones test); the default clone runs anywhere. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TRIAD_HOT __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TRIAD_HOT
#endif

struct triad__cfar {
    const triad__plan *plan;
    int threads;
    double *rows;     /* per thread: Doppler sums vo, vg and their prefix sums po, pg
                         [size: threads x 4 x (rb+1)] */
    float *os_buf;    /* per thread: OS training values [size: threads x os_max] */
    size_t os_max;
    uint8_t *mask;    /* [size: P x range_bins] cells above threshold */
    uint32_t *stack;  /* flood fill [size: P x range_bins] */
    size_t *row_above; /* cells above threshold per Doppler row [size: P] */
};

int triad__cfar_create(triad__cfar **out, const triad__plan *plan)
{
    *out = NULL;
    triad__cfar *cf = calloc(1, sizeof *cf);
    if (!cf)
        return triad__fail(TRIAD_ENOMEM, "cfar: out of memory");
    cf->plan = plan;
    cf->threads = plan->threads;
    const size_t rb = plan->range_bins, cells = plan->p * rb;
    const triad_cfar_cfg *f = &plan->cfar;
    cf->os_max = (size_t)(2 * (f->guard_range + f->train_range) + 1) *
                 (size_t)(2 * (f->guard_doppler + f->train_doppler) + 1);
    cf->rows = malloc((size_t)cf->threads * 4 * (rb + 1) * sizeof *cf->rows);
    cf->mask = malloc(cells);
    cf->stack = malloc(cells * sizeof *cf->stack);
    cf->row_above = calloc(plan->p, sizeof *cf->row_above);
    if (f->type == TRIAD_CFAR_OS)
        cf->os_buf = malloc((size_t)cf->threads * cf->os_max * sizeof *cf->os_buf);
    if (!cf->rows || !cf->mask || !cf->stack || !cf->row_above ||
        (f->type == TRIAD_CFAR_OS && !cf->os_buf)) {
        triad__cfar_destroy(cf);
        return triad__fail(TRIAD_ENOMEM, "cfar: out of memory for %zu cells", cells);
    }
    *out = cf;
    return 0;
}

void triad__cfar_destroy(triad__cfar *cf)
{
    if (!cf)
        return;
    free(cf->rows);
    free(cf->os_buf);
    free(cf->mask);
    free(cf->stack);
    free(cf->row_above);
    free(cf);
}

/* k-th smallest (1-based) of v[0..n-1], reordering v (Hoare quickselect). */
static float select_kth(float *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1, want = k - 1;
    while (lo < hi) {
        const float pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                const float t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (want <= j)
            hi = j;
        else if (want >= i)
            lo = i;
        else
            return v[want];
    }
    return v[want];
}

static size_t wrap(long d, size_t p)
{
    long m = d % (long)p;
    return (size_t)(m < 0 ? m + (long)p : m);
}

/* OS: gather the training ring of (d, r) and return the k-th smallest. */
static float os_kth(const triad__cfar *cf, const float *map, size_t d, size_t r, float *buf)
{
    const triad__plan *p = cf->plan;
    const triad_cfar_cfg *f = &p->cfar;
    const long go = f->guard_range + f->train_range, dgo = f->guard_doppler + f->train_doppler;
    const long rb = (long)p->range_bins;
    size_t n = 0;
    for (long dd = -dgo; dd <= dgo; dd++) {
        const float *row = map + wrap((long)d + dd, p->p) * p->n;
        const int in_guard_rows = labs(dd) <= f->guard_doppler;
        for (long dr = -go; dr <= go; dr++) {
            const long rr = (long)r + dr;
            if (rr < 0 || rr >= rb || (in_guard_rows && labs(dr) <= f->guard_range))
                continue;
            buf[n++] = row[rr];
        }
    }
    return select_kth(buf, n, (size_t)p->os_k[r]);
}

/* Running sums per range column over the Doppler spans of row d: vo over the outer span
 * (guard + training rows), vg over the guard span. Started afresh at a thread's first row,
 * then slid one row at a time (exact enough in double: float inputs, tens of rows). */
TRIAD_HOT static void doppler_sums(const triad__plan *p, const float *map, size_t d, int first, double *vo,
                         double *vg)
{
    const size_t rb = p->range_bins, n = p->n;
    const long dg = p->cfar.guard_doppler, dgo = dg + p->cfar.train_doppler;
    if (first) {
        for (size_t r = 0; r < rb; r++)
            vo[r] = vg[r] = 0.0;
        for (long dd = -dgo; dd <= dgo; dd++) {
            const float *row = map + wrap((long)d + dd, p->p) * n;
            for (size_t r = 0; r < rb; r++)
                vo[r] += row[r];
            if (labs(dd) <= dg)
                for (size_t r = 0; r < rb; r++)
                    vg[r] += row[r];
        }
        return;
    }
    const float *oi = map + wrap((long)d + dgo, p->p) * n, *oo = map + wrap((long)d - dgo - 1, p->p) * n;
    const float *gi = map + wrap((long)d + dg, p->p) * n, *go = map + wrap((long)d - dg - 1, p->p) * n;
    for (size_t r = 0; r < rb; r++) {
        vo[r] += (double)oi[r] - (double)oo[r];
        vg[r] += (double)gi[r] - (double)go[r];
    }
}

/* Prefix sums of two rows at once: pa[0] = 0, pa[r+1] = a[0] + ... + a[r], the same for b.
 * The pair rides in one 2-lane vector, and the row's quarters run as four independent chains
 * (their offsets added afterwards), so the additions overlap instead of waiting on each other. */
typedef double v2d __attribute__((vector_size(16)));

TRIAD_HOT static void prefix_sum2(const double *a, const double *b, size_t n, double *pa, double *pb)
{
    const size_t q = n / 4;
    v2d acc[4] = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};
    pa[0] = pb[0] = 0.0;
    for (size_t i = 0; i < q; i++) {
        for (int s = 0; s < 4; s++) {
            const size_t k = (size_t)s * q + i;
            acc[s] += (v2d){a[k], b[k]};
            pa[k + 1] = acc[s][0];
            pb[k + 1] = acc[s][1];
        }
    }
    for (size_t k = 4 * q; k < n; k++) {
        acc[3] += (v2d){a[k], b[k]};
        pa[k + 1] = acc[3][0];
        pb[k + 1] = acc[3][1];
    }
    v2d offset = {0, 0};
    for (int s = 1; s < 4; s++) {
        offset += acc[s - 1];
        const size_t end = s == 3 ? n : (size_t)(s + 1) * q;
        for (size_t k = (size_t)s * q; k < end; k++) {
            pa[k + 1] += offset[0];
            pb[k + 1] += offset[1];
        }
    }
}

/* Test every cell of row d (CA, GO, SO) from the prefix sums; returns cells above threshold. */
TRIAD_HOT static size_t test_row(const triad__cfar *cf, const float *cut_row, size_t d, const double *po,
                       const double *pg)
{
    const triad__plan *p = cf->plan;
    const triad_cfar_cfg *f = &p->cfar;
    const size_t rb = p->range_bins;
    const long g = f->guard_range, go = f->guard_range + f->train_range;
    const int dh = 2 * (f->guard_doppler + f->train_doppler) + 1, gh = 2 * f->guard_doppler + 1;
    uint8_t *mask = cf->mask + d * rb;
    size_t above = 0;
    if (f->type == TRIAD_CFAR_CA) {
        /* the interior, where the whole ring exists: one factor, no branches, vectorisable */
        const long lo_int = go < (long)rb ? go : (long)rb, hi_int = (long)rb - go; /* [lo, hi) */
        if (lo_int < hi_int) {
            const double inv = 1.0 / (double)((2 * go + 1) * dh - (2 * g + 1) * gh);
            const float a = p->alpha[lo_int];
            const double *restrict po_hi = po + go + 1, *restrict po_lo = po - go;
            const double *restrict pg_hi = pg + g + 1, *restrict pg_lo = pg - g;
            const float *restrict cut = cut_row;
            uint8_t *restrict mk = mask;
            size_t cnt = 0;
            for (long r = lo_int; r < hi_int; r++) {
                const float z = (float)(((po_hi[r] - po_lo[r]) - (pg_hi[r] - pg_lo[r])) * inv);
                const uint8_t hit = cut[r] > a * z;
                mk[r] = hit;
                cnt += hit;
            }
            above += cnt;
        }
        for (long r = 0; r < (long)rb; r++) {
            if (r == lo_int && lo_int < hi_int)
                r = hi_int; /* the interior is done */
            if (r >= (long)rb)
                break;
            const long lo = r - go < 0 ? 0 : r - go, hi = r + go >= (long)rb ? (long)rb - 1 : r + go;
            const long glo = r - g < 0 ? 0 : r - g, ghi = r + g >= (long)rb ? (long)rb - 1 : r + g;
            const int cnt = (int)(hi - lo + 1) * dh - (int)(ghi - glo + 1) * gh;
            const double z = ((po[hi + 1] - po[lo]) - (pg[ghi + 1] - pg[glo])) / cnt;
            const int hit = cut_row[r] > p->alpha[r] * z;
            mask[r] = (uint8_t)hit;
            above += (size_t)hit;
        }
        return above;
    }
    for (long r = 0; r < (long)rb; r++) {
        const long lo = r - go < 0 ? 0 : r - go, hi = r + go >= (long)rb ? (long)rb - 1 : r + go;
        const long glo = r - g < 0 ? 0 : r - g, ghi = r + g >= (long)rb ? (long)rb - 1 : r + g;
        const double lead = (po[r] - po[lo]) - (pg[r] - pg[glo]);
        const double lag = (po[hi + 1] - po[r + 1]) - (pg[ghi + 1] - pg[r + 1]);
        const int n_lead = (int)(r - lo) * dh - (int)(r - glo) * gh;
        const int n_lag = (int)(hi - r) * dh - (int)(ghi - r) * gh;
        double z;
        if (n_lead == 0)
            z = lag / n_lag;
        else if (n_lag == 0)
            z = lead / n_lead;
        else {
            const double a = lead / n_lead, b = lag / n_lag;
            z = (f->type == TRIAD_CFAR_GO) ? (a > b ? a : b) : (a < b ? a : b);
        }
        const int hit = cut_row[r] > p->alpha[r] * z;
        mask[r] = (uint8_t)hit;
        above += (size_t)hit;
    }
    return above;
}

/* OS: every cell's ring gathered and the k-th smallest selected. */
static size_t os_row(const triad__cfar *cf, const float *map, size_t d, float *os_buf)
{
    const triad__plan *p = cf->plan;
    const size_t rb = p->range_bins;
    const float *cut_row = map + d * p->n;
    uint8_t *mask = cf->mask + d * rb;
    size_t above = 0;
    for (size_t r = 0; r < rb; r++) {
        const float kth = os_kth(cf, map, d, r, os_buf);
        const int hit = cut_row[r] > p->alpha[r] * kth;
        mask[r] = (uint8_t)hit;
        above += (size_t)hit;
    }
    return above;
}

/* The noise estimate of one cell, from its training ring summed directly (in double): the
 * same rule as the row test, evaluated only for the few peaks that become detections. */
static double cell_noise(const triad__cfar *cf, const float *map, size_t d, size_t r,
                         float *os_buf)
{
    const triad__plan *p = cf->plan;
    const triad_cfar_cfg *f = &p->cfar;
    if (f->type == TRIAD_CFAR_OS)
        return os_kth(cf, map, d, r, os_buf) / p->os_norm[r];
    const long go = f->guard_range + f->train_range, dgo = f->guard_doppler + f->train_doppler;
    double lead = 0.0, lag = 0.0, mid = 0.0;
    int n_lead = 0, n_lag = 0, n_mid = 0;
    for (long dd = -dgo; dd <= dgo; dd++) {
        const float *row = map + wrap((long)d + dd, p->p) * p->n;
        const int guard_row = labs(dd) <= f->guard_doppler;
        for (long dr = -go; dr <= go; dr++) {
            const long rr = (long)r + dr;
            if (rr < 0 || rr >= (long)p->range_bins || (guard_row && labs(dr) <= f->guard_range))
                continue;
            if (dr < 0) { lead += row[rr]; n_lead++; }
            else if (dr > 0) { lag += row[rr]; n_lag++; }
            else { mid += row[rr]; n_mid++; }
        }
    }
    if (f->type == TRIAD_CFAR_CA)
        return (lead + lag + mid) / (n_lead + n_lag + n_mid);
    if (n_lead == 0)
        return lag / n_lag;
    if (n_lag == 0)
        return lead / n_lead;
    const double a = lead / n_lead, b = lag / n_lag;
    return f->type == TRIAD_CFAR_GO ? (a > b ? a : b) : (a < b ? a : b);
}

/* Parabolic vertex offset of three samples (on a log scale), clamped to half a bin. */
static double vertex(double a, double b, double c)
{
    const double den = a - 2.0 * b + c;
    if (!(den < 0.0))
        return 0.0;
    double x = 0.5 * (a - c) / den;
    return x > 0.5 ? 0.5 : x < -0.5 ? -0.5 : x;
}

static double db(double x) { return 10.0 * log10(x > 1e-30 ? x : 1e-30); }

/* Sub-bin peak position and height from the power map around (d, r). */
static void interpolate(const triad__plan *p, const float *map, size_t d, size_t r,
                        triad__bin_det *out, double noise)
{
    const double b = db(map[d * p->n + r]);
    double dr = 0.0, dd = 0.0, peak = b;
    if (r > 0 && r + 1 < p->n) {
        const double a = db(map[d * p->n + r - 1]), c = db(map[d * p->n + r + 1]);
        dr = vertex(a, b, c);
        peak += -0.25 * (a - c) * dr;
    }
    if (p->p >= 3) {
        const double a = db(map[wrap((long)d - 1, p->p) * p->n + r]);
        const double c = db(map[wrap((long)d + 1, p->p) * p->n + r]);
        dd = vertex(a, b, c);
        peak += -0.25 * (a - c) * dd;
    }
    out->range_bin = (double)r + dr;
    out->doppler_bin = (double)d - (double)(p->p / 2) + dd;
    out->power_db = peak;
    out->snr_db = peak - db(noise);
}

/* Group 8-connected cells above threshold (Doppler wraps) and keep each group's peak. */
static size_t extract(triad__cfar *cf, const float *map, triad__bin_det *dets, size_t *dropped)
{
    const triad__plan *p = cf->plan;
    const size_t rb = p->range_bins, np = p->p;
    size_t count = 0;
    for (size_t row = 0; row < np; row++) {
      if (cf->row_above[row] == 0) /* nothing in this row */
        continue;
      const uint8_t *row_mask = cf->mask + row * rb;
      for (size_t col = 0; col < rb; col++) {
        if (row_mask[col] != 1) /* 0: below threshold, 2: already grouped */
            continue;
        const size_t start = row * rb + col;
        size_t top = 0, best = start;
        float best_v = -1.0f;
        cf->stack[top++] = (uint32_t)start;
        cf->mask[start] = 2; /* 2 = queued */
        while (top) {
            const size_t cell = cf->stack[--top];
            const size_t d = cell / rb, r = cell % rb;
            const float v = map[d * p->n + r];
            if (v > best_v) {
                best_v = v;
                best = cell;
            }
            for (long ddo = -1; ddo <= 1; ddo++) {
                const size_t d2 = wrap((long)d + ddo, np);
                for (long dro = -1; dro <= 1; dro++) {
                    const long r2 = (long)r + dro;
                    if (r2 < 0 || r2 >= (long)rb)
                        continue;
                    const size_t c2 = d2 * rb + (size_t)r2;
                    if (cf->mask[c2] == 1) {
                        cf->mask[c2] = 2;
                        cf->stack[top++] = (uint32_t)c2;
                    }
                }
            }
        }
        if (count < p->max_detections)
            interpolate(p, map, best / rb, best % rb, &dets[count++],
                        cell_noise(cf, map, best / rb, best % rb, cf->os_buf));
        else
            (*dropped)++;
      }
    }
    return count;
}

void triad__cfar_execute(triad__cfar *cf, const float *map, triad__bin_det *dets,
                         size_t *count, triad_chain_stats *stats, double times[2])
{
    const triad__plan *p = cf->plan;
    const size_t rb = p->range_bins;
    size_t above = 0;
    const double t0 = triad__now();
#pragma omp parallel num_threads(cf->threads) reduction(+ : above)
    {
#ifdef _OPENMP
        const int tid = omp_get_thread_num();
#else
        const int tid = 0;
#endif
#ifdef _OPENMP
        const size_t nt = (size_t)omp_get_num_threads();
#else
        const size_t nt = 1;
#endif
        double *vo = cf->rows + (size_t)tid * 4 * (rb + 1), *vg = vo + (rb + 1);
        double *po = vg + (rb + 1), *pg = po + (rb + 1);
        float *os = cf->os_buf ? cf->os_buf + (size_t)tid * cf->os_max : NULL;
        /* each thread takes a contiguous band of Doppler rows so its sums can slide */
        const size_t d0 = p->p * (size_t)tid / nt, d1 = p->p * ((size_t)tid + 1) / nt;
        for (size_t d = d0; d < d1; d++) {
            size_t row;
            if (p->cfar.type == TRIAD_CFAR_OS) {
                row = os_row(cf, map, d, os);
            } else {
                doppler_sums(p, map, d, d == d0, vo, vg);
                prefix_sum2(vo, vg, rb, po, pg);
                row = test_row(cf, map + d * p->n, d, po, pg);
            }
            cf->row_above[d] = row;
            above += row;
        }
    }
    const double t1 = triad__now();
    size_t dropped = 0;
    *count = above ? extract(cf, map, dets, &dropped) : 0;
    stats->cells_above += above;
    stats->dropped += dropped;
    times[0] = t1 - t0;
    times[1] = triad__now() - t1;
}
