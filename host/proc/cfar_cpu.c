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

struct triad__cfar {
    const triad__plan *plan;
    int threads;
    double *rows;     /* per thread: 2 prefix rows of range_bins + 1 [size: threads x 2 x (rb+1)] */
    float *os_buf;    /* per thread: OS training values [size: threads x os_max] */
    size_t os_max;
    uint8_t *mask;    /* [size: P x range_bins] cells above threshold */
    float *noise;     /* [size: P x range_bins] noise estimate, written where mask is set */
    uint32_t *stack;  /* flood fill [size: P x range_bins] */
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
    cf->rows = malloc((size_t)cf->threads * 2 * (rb + 1) * sizeof *cf->rows);
    cf->mask = malloc(cells);
    cf->noise = malloc(cells * sizeof *cf->noise);
    cf->stack = malloc(cells * sizeof *cf->stack);
    if (f->type == TRIAD_CFAR_OS)
        cf->os_buf = malloc((size_t)cf->threads * cf->os_max * sizeof *cf->os_buf);
    if (!cf->rows || !cf->mask || !cf->noise || !cf->stack ||
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
    free(cf->noise);
    free(cf->stack);
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

/* One Doppler row: sums over the outer and guard Doppler spans per range column, prefix
 * summed along range, then the test of every cell. Returns cells above threshold. */
static size_t cfar_row(triad__cfar *cf, const float *map, size_t d, double *po, double *pg,
                       float *os_buf)
{
    const triad__plan *p = cf->plan;
    const triad_cfar_cfg *f = &p->cfar;
    const size_t rb = p->range_bins, n = p->n;
    const long g = f->guard_range, go = f->guard_range + f->train_range;
    const long dg = f->guard_doppler, dgo = f->guard_doppler + f->train_doppler;
    const float *cut_row = map + d * n;
    uint8_t *mask = cf->mask + d * rb;
    float *noise = cf->noise + d * rb;
    size_t above = 0;

    if (f->type == TRIAD_CFAR_OS) {
        for (size_t r = 0; r < rb; r++) {
            const float kth = os_kth(cf, map, d, r, os_buf);
            const int hit = cut_row[r] > p->alpha[r] * kth;
            mask[r] = (uint8_t)hit;
            if (hit) {
                noise[r] = kth / p->os_norm[r];
                above++;
            }
        }
        return above;
    }

    /* column sums over the Doppler spans: po[r+1] = outer, pg[r+1] = guard, then prefix */
    for (size_t r = 0; r <= rb; r++)
        po[r] = pg[r] = 0.0;
    for (long dd = -dgo; dd <= dgo; dd++) {
        const float *row = map + wrap((long)d + dd, p->p) * n;
        double *dst = labs(dd) <= dg ? pg : po;
        for (size_t r = 0; r < rb; r++)
            dst[r + 1] += row[r];
    }
    for (size_t r = 0; r < rb; r++) {
        po[r + 1] += pg[r + 1]; /* outer span includes the guard rows */
        po[r + 1] += po[r];
        pg[r + 1] += pg[r];
    }
    const int dh = (int)(2 * dgo + 1), gh = (int)(2 * dg + 1);
    for (size_t r = 0; r < rb; r++) {
        const long lo = (long)r - go < 0 ? 0 : (long)r - go;
        const long hi = (long)r + go >= (long)rb ? (long)rb - 1 : (long)r + go;
        const long glo = (long)r - g < 0 ? 0 : (long)r - g;
        const long ghi = (long)r + g >= (long)rb ? (long)rb - 1 : (long)r + g;
        double z;
        if (f->type == TRIAD_CFAR_CA) {
            const double sum = (po[hi + 1] - po[lo]) - (pg[ghi + 1] - pg[glo]);
            const int cnt = (int)(hi - lo + 1) * dh - (int)(ghi - glo + 1) * gh;
            z = sum / cnt;
        } else {
            const double lead = (po[r] - po[lo]) - (pg[r] - pg[glo]);
            const double lag = (po[hi + 1] - po[r + 1]) - (pg[ghi + 1] - pg[r + 1]);
            const int n_lead = (int)((long)r - lo) * dh - (int)((long)r - glo) * gh;
            const int n_lag = (int)(hi - (long)r) * dh - (int)(ghi - (long)r) * gh;
            if (n_lead == 0)
                z = lag / n_lag;
            else if (n_lag == 0)
                z = lead / n_lead;
            else {
                const double a = lead / n_lead, b = lag / n_lag;
                z = (f->type == TRIAD_CFAR_GO) ? (a > b ? a : b) : (a < b ? a : b);
            }
        }
        const int hit = cut_row[r] > p->alpha[r] * z;
        mask[r] = (uint8_t)hit;
        if (hit) {
            noise[r] = (float)z;
            above++;
        }
    }
    return above;
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
    for (size_t start = 0; start < np * rb; start++) {
        if (cf->mask[start] != 1) /* 0: below threshold, 2: already grouped */
            continue;
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
            interpolate(p, map, best / rb, best % rb, &dets[count++], cf->noise[best]);
        else
            (*dropped)++;
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
        double *po = cf->rows + (size_t)tid * 2 * (rb + 1);
        double *pg = po + rb + 1;
        float *os = cf->os_buf ? cf->os_buf + (size_t)tid * cf->os_max : NULL;
#pragma omp for schedule(static)
        for (size_t d = 0; d < p->p; d++)
            above += cfar_row(cf, map, d, po, pg, os);
    }
    const double t1 = triad__now();
    size_t dropped = 0;
    *count = above ? extract(cf, map, dets, &dropped) : 0;
    stats->cells_above += above;
    stats->dropped += dropped;
    times[0] = t1 - t0;
    times[1] = triad__now() - t1;
}
