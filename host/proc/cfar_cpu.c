/* CFAR on the CPU with separable sums, a Doppler row at a time in tiles of range columns that
 * stay in L1: sums over the Doppler span of every column of the tile (wrapping; the span's
 * rows read directly, no running sum), then window sums of those along range, every one a
 * float sum of non-negative terms (the guard rows kept apart from the training rows, nothing
 * subtracted), so a strong target in the window costs no precision and every loop is a plain
 * vector loop at full width.
 * OS-CFAR: a vectorised lower bound of each cell's k-th value rules out almost every cell;
 * the rest are decided by their exact k-th value. Training region: the outer box minus the
 * guard box around the cell under test.
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
    float *rows;      /* per thread: ROW_ARRAYS rows of row_len floats (Doppler sums, window
                         sums, scratch), padded so that index go + r is range bin r */
    size_t row_len;
    size_t ld;        /* the map's row stride, >= N */
    const float **span; /* per thread: the rows of a Doppler span [size: threads x span_len] */
    float *span_level;  /* OS, per thread: their levels in a column block [size: same] */
    size_t span_len;
    float *inv_all, *inv_lead, *inv_lag; /* 1 / training cells per range bin: all, halves */
    float *pad_lead, *pad_lag; /* GO/SO: a half the range edge removes (+inf for SO, 0 for GO) */
    float *os_level;  /* OS: a level per tile of LEVEL_ROWS x COLUMN_BLOCK cells, below the
                         typical k-th value there [size: level_bands x level_tiles] */
    size_t level_bands, level_tiles;
    float *os_k_float; /* the plan's ranks as floats, beside the counts [size: range_bins] */
    float os_level_quantile; /* the share of a tile's sample that lies under its level */
    float *os_buf;    /* per thread: OS training values [size: threads x os_max] */
    size_t os_max;
    uint8_t *mask;    /* [size: P x range_bins] cells above threshold */
    uint32_t *stack;  /* flood fill [size: P x range_bins] */
    size_t *row_above; /* cells above threshold per Doppler row [size: P] */
};

/* OS levels: tiles of 8 Doppler rows x one column block, 64 samples each */
enum { ROW_ARRAYS = 8, COLUMN_BLOCK = 256, LEVEL_ROWS = 8, LEVEL_SAMPLES = 64 };
/* CA/GO/SO: range columns per tile (its sums, 6 arrays of ~2 KiB, and the Doppler span's
 * rows of it stay in L1) */
enum { TILE = 512 };

/* The per-bin tables of the mean detectors: reciprocal training counts of the whole ring and
 * of its halves where range edges cut them (Doppler wraps, so only range cuts). */
static void count_tables(triad__cfar *cf)
{
    const triad__plan *p = cf->plan;
    const triad_cfar_cfg *f = &p->cfar;
    const long rb = (long)p->range_bins, g = f->guard_range, go = g + f->train_range;
    const long dh = 2 * (f->guard_doppler + f->train_doppler) + 1, gh = 2 * f->guard_doppler + 1;
    const float missing = f->type == TRIAD_CFAR_SO ? INFINITY : 0.0f;
    for (long r = 0; r < rb; r++) {
        const long lo = r - go < 0 ? 0 : r - go, hi = r + go >= rb ? rb - 1 : r + go;
        const long glo = r - g < 0 ? 0 : r - g, ghi = r + g >= rb ? rb - 1 : r + g;
        const long n_lead = (r - lo) * dh - (r - glo) * gh, n_lag = (hi - r) * dh - (ghi - r) * gh;
        const long n_all = n_lead + n_lag + (dh - gh);
        cf->inv_all[r] = n_all > 0 ? (float)(1.0 / (double)n_all) : 0.0f;
        cf->inv_lead[r] = n_lead > 0 ? (float)(1.0 / (double)n_lead) : 0.0f;
        cf->inv_lag[r] = n_lag > 0 ? (float)(1.0 / (double)n_lag) : 0.0f;
        cf->pad_lead[r] = n_lead > 0 ? 0.0f : missing;
        cf->pad_lag[r] = n_lag > 0 ? 0.0f : missing;
    }
}

int triad__cfar_create(triad__cfar **out, const triad__plan *plan, size_t ld)
{
    *out = NULL;
    triad__cfar *cf = calloc(1, sizeof *cf);
    if (!cf)
        return triad__fail(TRIAD_ENOMEM, "cfar: out of memory");
    cf->plan = plan;
    cf->ld = ld;
    cf->threads = plan->threads;
    const size_t rb = plan->range_bins, cells = plan->p * rb;
    const triad_cfar_cfg *f = &plan->cfar;
    const size_t go = (size_t)(f->guard_range + f->train_range);
    const size_t span = (size_t)(2 * (f->guard_doppler + f->train_doppler) + 1);
    cf->os_max = (2 * go + 1) * span;
    cf->row_len = (rb + 2 * go + 1 + 15) / 16 * 16;
    /* zeroed: the pads of the Doppler sums stay 0 */
    cf->rows = calloc((size_t)cf->threads * ROW_ARRAYS * cf->row_len, sizeof *cf->rows);
    cf->inv_all = malloc(5 * rb * sizeof *cf->inv_all);
    cf->span_len = span;
    cf->span = malloc((size_t)cf->threads * span * sizeof *cf->span);
    cf->span_level = malloc((size_t)cf->threads * span * sizeof *cf->span_level);
    cf->mask = malloc(cells);
    cf->stack = malloc(cells * sizeof *cf->stack);
    cf->row_above = calloc(plan->p, sizeof *cf->row_above);
    if (f->type == TRIAD_CFAR_OS) {
        cf->level_bands = (plan->p + LEVEL_ROWS - 1) / LEVEL_ROWS;
        cf->level_tiles = (rb + COLUMN_BLOCK - 1) / COLUMN_BLOCK;
        /* well under the rank's share, so that a tile's level stays under the k-th value of
           almost every ring in it despite the sample's scatter and correlated cells */
        const double q = f->os_rank_fraction - 0.2;
        cf->os_level_quantile = (float)(q < 0.05 ? 0.05 : q);
        cf->os_level = malloc(cf->level_bands * cf->level_tiles * sizeof *cf->os_level);
        cf->os_k_float = malloc(rb * sizeof *cf->os_k_float);
        cf->os_buf = malloc((size_t)cf->threads * cf->os_max * sizeof *cf->os_buf);
    }
    if (!cf->rows || !cf->inv_all || !cf->span || !cf->span_level || !cf->mask || !cf->stack || !cf->row_above ||
        (f->type == TRIAD_CFAR_OS && (!cf->os_buf || !cf->os_level || !cf->os_k_float))) {
        triad__cfar_destroy(cf);
        return triad__fail(TRIAD_ENOMEM, "cfar: out of memory for %zu cells", cells);
    }
    cf->inv_lead = cf->inv_all + rb;
    cf->inv_lag = cf->inv_lead + rb;
    cf->pad_lead = cf->inv_lag + rb;
    cf->pad_lag = cf->pad_lead + rb;
    count_tables(cf);
    for (size_t r = 0; f->type == TRIAD_CFAR_OS && r < rb; r++)
        cf->os_k_float[r] = (float)plan->os_k[r];
    /* OS: the pads of the per-column levels are +inf (they never lower a minimum) */
    for (int t = 0; f->type == TRIAD_CFAR_OS && t < cf->threads; t++) {
        float *u = cf->rows + ((size_t)t * ROW_ARRAYS + 6) * cf->row_len;
        for (size_t i = 0; i < cf->row_len; i++)
            u[i] = INFINITY;
    }
    *out = cf;
    return 0;
}

void triad__cfar_destroy(triad__cfar *cf)
{
    if (!cf)
        return;
    free(cf->rows);
    free(cf->inv_all);
    free(cf->span);
    free(cf->span_level);
    free(cf->os_buf);
    free(cf->os_level);
    free(cf->os_k_float);
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
    const size_t ld = cf->ld; /* the map's row stride */
    const triad_cfar_cfg *f = &p->cfar;
    const long go = f->guard_range + f->train_range, dgo = f->guard_doppler + f->train_doppler;
    const long rb = (long)p->range_bins;
    size_t n = 0;
    for (long dd = -dgo; dd <= dgo; dd++) {
        const float *row = map + wrap((long)d + dd, p->p) * ld;
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

/* OS, the exact decision for cell (d, r): whether cut > alpha x (the k-th smallest of its
 * ring), with alpha x kth rounded as a float product, decided without selecting: tau is the
 * least float whose product with alpha reaches cut, so the cell exceeds exactly when the k-th
 * value is under tau, that is when at least k ring cells are. */
static int os_exceeds(const triad__cfar *cf, const float *map, size_t d, size_t r)
{
    const triad__plan *p = cf->plan;
    const size_t ld = cf->ld; /* the map's row stride */
    const triad_cfar_cfg *f = &p->cfar;
    const float cut = map[d * ld + r], alpha = p->alpha[r];
    float tau = cut / alpha;
    while (tau > 0.0f && alpha * nextafterf(tau, 0.0f) >= cut)
        tau = nextafterf(tau, 0.0f);
    while (alpha * tau < cut)
        tau = nextafterf(tau, INFINITY);
    const long g = f->guard_range, go = g + f->train_range, dgo = f->guard_doppler + f->train_doppler;
    const long rb = (long)p->range_bins;
    const long lo = (long)r - go < 0 ? 0 : (long)r - go, hi = (long)r + go >= rb ? rb - 1 : (long)r + go;
    const long glo = (long)r - g < lo ? lo : (long)r - g, ghi = (long)r + g > hi ? hi : (long)r + g;
    size_t under = 0;
    for (long dd = -dgo; dd <= dgo; dd++) {
        const float *row = map + wrap((long)d + dd, p->p) * ld;
        if (labs(dd) > f->guard_doppler) {
            for (long x = lo; x <= hi; x++)
                under += row[x] < tau;
        } else {
            for (long x = lo; x < glo; x++)
                under += row[x] < tau;
            for (long x = ghi + 1; x <= hi; x++)
                under += row[x] < tau;
        }
    }
    return under >= (size_t)p->os_k[r];
}

/* out[x] = v[x] + v[x+1] + ... + v[x+w-1] for x in [0, len) (v: len + w - 1 entries), or the
 * minimum instead of the sum: w's binary digits taken low to high from windows doubled in
 * place, so log2(w) passes over the row, each a plain vector loop, and every sum is of the
 * non-negative terms themselves (no running sum, nothing subtracted, no cancellation beside a
 * strong return). t1, t2: scratch of len + w entries. */
#define DEFINE_WINDOW_OP(name, OP)                                                             \
    TRIAD_HOT static void name(const float *v, size_t len, size_t w, float *restrict out,      \
                               float *t1, float *t2)                                           \
    {                                                                                          \
        const float *cur = v;                                                                  \
        size_t width = 1, off = 0, valid = len + w - 1;                                        \
        int first = 1;                                                                         \
        while (width <= w) {                                                                   \
            if (w & width) {                                                                   \
                const float *restrict c = cur + off;                                           \
                if (!first)                                                                    \
                    for (size_t x = 0; x < len; x++)                                           \
                        out[x] = OP(out[x], c[x]);                                             \
                else if (c != out)                                                             \
                    memcpy(out, c, len * sizeof *out);                                         \
                first = 0;                                                                     \
                off += width;                                                                  \
            }                                                                                  \
            if (2 * width > w)                                                                 \
                break;                                                                         \
            /* the last doubling of a power-of-two width goes straight to out */               \
            float *restrict next = first && 2 * width == w ? out : cur == t1 ? t2 : t1;        \
            const float *restrict a = cur;                                                     \
            valid -= width;                                                                    \
            for (size_t x = 0; x < valid; x++)                                                 \
                next[x] = OP(a[x], a[x + width]);                                              \
            cur = next;                                                                        \
            width *= 2;                                                                        \
        }                                                                                      \
        if (first)                                                                             \
            memset(out, 0, len * sizeof *out);                                                 \
    }
#define ADD_OP(a, b) ((a) + (b))
#define MIN_OP(a, b) ((b) < (a) ? (b) : (a))
DEFINE_WINDOW_OP(window_sum, ADD_OP)
DEFINE_WINDOW_OP(window_min, MIN_OP)

/* Sums over the Doppler span of row d for range bins 0..rb-1, each of non-negative terms:
 * vt over the training rows (dg < |dd| <= dgo), vg over the guard rows (|dd| <= dg). Blocks
 * of columns keep the sums in L1 while the span's rows stream by. */
/* The rows of the Doppler span of row d: training rows first (dg < |dd| <= dgo), then the
 * guard rows (|dd| <= dg). Returns the number of training rows. */
static size_t span_rows(const triad__plan *p, const float *map, size_t ld, size_t d,
                        const float **rows)
{
    const long dg = p->cfar.guard_doppler, dgo = dg + p->cfar.train_doppler;
    size_t nt = 0, ng = 0;
    const size_t t_rows = (size_t)(2 * p->cfar.train_doppler);
    for (long dd = -dgo; dd <= dgo; dd++) {
        const float *row = map + wrap((long)d + dd, p->p) * ld;
        if (labs(dd) > dg)
            rows[nt++] = row;
        else
            rows[t_rows + ng++] = row;
    }
    return nt;
}

/* out[i] (+)= the sum of rows[0..k-1] at column x0 + i, i < len, k <= 4, the rows paired. */
TRIAD_HOT static void add_rows(float *restrict out, const float *const *rows, size_t k, size_t x0,
                               size_t len, int accumulate)
{
    const float *restrict r0 = rows[0] + x0, *restrict r1 = k > 1 ? rows[1] + x0 : NULL;
    const float *restrict r2 = k > 2 ? rows[2] + x0 : NULL, *restrict r3 = k > 3 ? rows[3] + x0 : NULL;
    switch (k * 2 + (accumulate != 0)) {
    case 2: memcpy(out, r0, len * sizeof *out); break;
    case 3: for (size_t i = 0; i < len; i++) out[i] += r0[i]; break;
    case 4: for (size_t i = 0; i < len; i++) out[i] = r0[i] + r1[i]; break;
    case 5: for (size_t i = 0; i < len; i++) out[i] += r0[i] + r1[i]; break;
    case 6: for (size_t i = 0; i < len; i++) out[i] = (r0[i] + r1[i]) + r2[i]; break;
    case 7: for (size_t i = 0; i < len; i++) out[i] += (r0[i] + r1[i]) + r2[i]; break;
    case 8: for (size_t i = 0; i < len; i++) out[i] = (r0[i] + r1[i]) + (r2[i] + r3[i]); break;
    default: for (size_t i = 0; i < len; i++) out[i] += (r0[i] + r1[i]) + (r2[i] + r3[i]); break;
    }
}

/* out[i] = the sum of rows[0..k-1] at column x0 + i, i < len (0 when k is 0). */
static void sum_rows(float *out, const float *const *rows, size_t k, size_t x0, size_t len)
{
    if (k == 0) {
        memset(out, 0, len * sizeof *out);
        return;
    }
    for (size_t j = 0; j < k; j += 4)
        add_rows(out, rows + j, k - j < 4 ? k - j : 4, x0, len, j > 0);
}

/* Sums over the Doppler span of row d for the padded columns of a tile: vt over the training
 * rows, vg over the guard rows, index i = range bin lo + i for i < len, 0 outside the searched
 * bins. */
static void doppler_sums(const triad__plan *p, const float *const *rows, size_t nt, long lo,
                         size_t len, float *restrict vt, float *restrict vg)
{
    const long rb = (long)p->range_bins;
    const size_t ng = (size_t)(2 * p->cfar.guard_doppler + 1);
    const size_t skip = lo < 0 ? (size_t)-lo : 0;
    const long end = lo + (long)len > rb ? rb : lo + (long)len;
    const size_t x0 = (size_t)(lo + (long)skip), w = (size_t)(end - (long)x0);
    memset(vt, 0, skip * sizeof *vt);
    memset(vg, 0, skip * sizeof *vg);
    sum_rows(vt + skip, rows, nt, x0, w);
    sum_rows(vg + skip, rows + nt, ng, x0, w);
    memset(vt + skip + w, 0, (len - skip - w) * sizeof *vt);
    memset(vg + skip + w, 0, (len - skip - w) * sizeof *vg);
}

/* Window sums along range of len columns' Doppler sums (vt, vg padded by go values each
 * side): a_sum[x] = vt over go columns from padded index x, b_sum[x] = vg over train_range
 * columns. Then a ring's cells left of column r sum to a_sum[r] + b_sum[r], right of it to
 * a_sum[r + go + 1] + b_sum[r + g + go + 1], and its own column's training rows are vt[r + go]. */
static void ring_windows(const triad__plan *p, size_t rb, const float *vt, const float *vg,
                         float *a_sum, float *b_sum, float *t1, float *t2)
{
    const size_t g = (size_t)p->cfar.guard_range;
    const size_t go = g + (size_t)p->cfar.train_range;
    window_sum(vt, rb + go + 1, go, a_sum, t1, t2);
    window_sum(vg, rb + g + go + 1, (size_t)p->cfar.train_range, b_sum, t1, t2);
}

/* CA / GO / SO over range bins r0 .. r0 + rb - 1 of row d from their Doppler sums (vt, vg
 * padded by go values each side: index i + go is range bin r0 + i). lead = the ring's cells
 * left of r, lag right of r, mid its own column's training rows; per-bin reciprocal counts
 * (and, for a half the range edge removes, the value that makes the comparison pick the other
 * half) keep the loop free of branches. cut: the row's power at r0. */
TRIAD_HOT static size_t test_row(const triad__cfar *cf, const float *restrict cut, size_t d,
                                 size_t r0, size_t rb, const float *vt, const float *vg,
                                 float *restrict a_sum, float *restrict b_sum, float *t1, float *t2)
{
    const triad__plan *p = cf->plan;
    const triad_cfar_cfg *f = &p->cfar;
    const size_t g = (size_t)f->guard_range, go = g + (size_t)f->train_range;
    ring_windows(p, rb, vt, vg, a_sum, b_sum, t1, t2);
    uint8_t *restrict mask = cf->mask + d * p->range_bins + r0;
    const float *restrict alpha = p->alpha + r0;
    const float *restrict al = a_sum, *restrict ag = a_sum + go + 1;
    const float *restrict bl = b_sum, *restrict bg = b_sum + g + go + 1;
    const float *restrict mid = vt + go;
    uint32_t above = 0; /* 32 bits: the loops vectorise without widening */
    if (f->type == TRIAD_CFAR_CA) {
        const float *restrict inv = cf->inv_all + r0;
        for (size_t r = 0; r < rb; r++) {
            const float z = (al[r] + bl[r] + ag[r] + bg[r] + mid[r]) * inv[r];
            const uint8_t hit = cut[r] > alpha[r] * z;
            mask[r] = hit;
            above += hit;
        }
        return above;
    }
    const float *restrict il = cf->inv_lead + r0, *restrict ig = cf->inv_lag + r0;
    const float *restrict pl = cf->pad_lead + r0, *restrict pg = cf->pad_lag + r0;
    if (f->type == TRIAD_CFAR_GO) {
        for (size_t r = 0; r < rb; r++) {
            const float a = (al[r] + bl[r]) * il[r] + pl[r], b = (ag[r] + bg[r]) * ig[r] + pg[r];
            const uint8_t hit = cut[r] > alpha[r] * (a > b ? a : b);
            mask[r] = hit;
            above += hit;
        }
    } else {
        for (size_t r = 0; r < rb; r++) {
            const float a = (al[r] + bl[r]) * il[r] + pl[r], b = (ag[r] + bg[r]) * ig[r] + pg[r];
            const uint8_t hit = cut[r] > alpha[r] * (a < b ? a : b);
            mask[r] = hit;
            above += hit;
        }
    }
    return above;
}

static int cmp_float(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* OS: the level of every tile of the map, a quantile of a sample of its cells. Any level is
 * correct (os_row's bound holds for every choice); a good one makes the bound tight. */
static void os_levels(triad__cfar *cf, const float *map, size_t tile)
{
    const triad__plan *p = cf->plan;
    const size_t ld = cf->ld; /* the map's row stride */
    const size_t band = tile / cf->level_tiles, c0 = tile % cf->level_tiles * COLUMN_BLOCK;
    const size_t d0 = band * LEVEL_ROWS, rows = p->p - d0 < LEVEL_ROWS ? p->p - d0 : LEVEL_ROWS;
    const size_t w = p->range_bins - c0 < COLUMN_BLOCK ? p->range_bins - c0 : COLUMN_BLOCK;
    float sample[LEVEL_SAMPLES];
    size_t ns = 0;
    for (size_t i = 0; i < LEVEL_SAMPLES; i++) {
        /* rows round robin, columns spread by a step prime to the block */
        const size_t d = d0 + i % rows, c = c0 + (i * 37 + i / rows) % w;
        sample[ns++] = map[d * ld + c];
    }
    qsort(sample, ns, sizeof *sample, cmp_float);
    cf->os_level[tile] = sample[(size_t)(cf->os_level_quantile * (float)(ns - 1))];
}

/* acc[i] = (first ? 0 : acc[i]) + how many of rows[k][c0 + i] lie under level[k], the rows
 * two at a time. */
TRIAD_HOT static void count_rows(float *restrict acc, const float *const *rows,
                                 const float *level, size_t nrows, size_t c0, size_t w)
{
    if (nrows == 0) {
        memset(acc, 0, w * sizeof *acc);
        return;
    }
    for (size_t k = 0; k < nrows; k += 2) {
        const float *restrict r0 = rows[k] + c0, l0 = level[k];
        const int first = k == 0;
        if (k + 1 < nrows) {
            const float *restrict r1 = rows[k + 1] + c0, l1 = level[k + 1];
            for (size_t i = 0; i < w; i++)
                acc[i] = (first ? 0.0f : acc[i]) + ((r0[i] < l0 ? 1.0f : 0.0f) +
                                                    (r1[i] < l1 ? 1.0f : 0.0f));
        } else {
            for (size_t i = 0; i < w; i++)
                acc[i] = (first ? 0.0f : acc[i]) + (r0[i] < l0 ? 1.0f : 0.0f);
        }
    }
}

/* OS: per range column of row d, how many cells of its Doppler span lie under their tile's
 * level: vt over the training rows, vg over the guard rows (as doppler_sums). */
static void doppler_counts(const triad__cfar *cf, const float *map, size_t d,
                           float *restrict vt, float *restrict vg, const float **rows,
                           float *level)
{
    const triad__plan *p = cf->plan;
    const size_t ld = cf->ld; /* the map's row stride */
    const size_t rb = p->range_bins, span = cf->span_len;
    const size_t nt = span_rows(p, map, cf->ld, d, rows), ng = span - nt;
    for (size_t c0 = 0; c0 < rb; c0 += COLUMN_BLOCK) {
        const size_t w = rb - c0 < COLUMN_BLOCK ? rb - c0 : COLUMN_BLOCK;
        for (size_t k = 0; k < span; k++) {
            const size_t row_d = (size_t)(rows[k] - map) / ld;
            level[k] = cf->os_level[row_d / LEVEL_ROWS * cf->level_tiles + c0 / COLUMN_BLOCK];
        }
        count_rows(vt + c0, rows, level, nt, c0, w);
        count_rows(vg + c0, rows + nt, level + nt, ng, c0, w);
    }
}

/* OS: the cells of a row that the bound does not rule out (mask 1), and how many. */
TRIAD_HOT static size_t os_candidates(const triad__cfar *cf, const float *restrict cut,
                                      const float *a_sum, const float *b_sum,
                                      const float *restrict mid, const float *restrict bound,
                                      uint8_t *restrict mask)
{
    const triad__plan *p = cf->plan;
    const size_t rb = p->range_bins, g = (size_t)p->cfar.guard_range;
    const size_t go = g + (size_t)p->cfar.train_range;
    const float *restrict al = a_sum, *restrict ag = a_sum + go + 1;
    const float *restrict bl = b_sum, *restrict bg = b_sum + g + go + 1;
    const float *restrict alpha = p->alpha, *restrict k = cf->os_k_float;
    size_t candidates = 0;
    for (size_t r = 0; r < rb; r++) {
        const float under = al[r] + bl[r] + ag[r] + bg[r] + mid[r];
        const uint8_t maybe = (under >= k[r]) | (cut[r] > alpha[r] * bound[r]);
        mask[r] = maybe;
        candidates += maybe;
    }
    return candidates;
}

/* OS over row d. Let lambda be the least tile level over a cell's ring and count the ring's
 * cells under their own tile's level (separable sums of 0/1, exact in float): when fewer than
 * k, fewer than k cells lie under lambda, so the k-th value is at least lambda, and a cell
 * under alpha x lambda cannot exceed alpha times its k-th value. That rules out almost every
 * cell in a few vector passes; the rest are decided exactly (os_exceeds), so the mask is the
 * one a selection for every cell gives. */
static size_t os_row(const triad__cfar *cf, const float *map, size_t d, float *const *a,
                     const float **rows, float *level)
{
    const triad__plan *p = cf->plan;
    const size_t ld = cf->ld; /* the map's row stride */
    const triad_cfar_cfg *f = &p->cfar;
    const size_t rb = p->range_bins, go = (size_t)(f->guard_range + f->train_range);
    float *vt = a[0], *vg = a[1], *a_sum = a[2], *b_sum = a[3], *t1 = a[4], *t2 = a[5];
    float *u = a[6], *bound = a[7];
    doppler_counts(cf, map, d, vt + go, vg + go, rows, level);
    ring_windows(p, rb, vt, vg, a_sum, b_sum, t1, t2);
    /* the least level over the ring's rows per column, then over its columns */
    const long dgo = f->guard_doppler + f->train_doppler;
    for (size_t c0 = 0; c0 < rb; c0 += COLUMN_BLOCK) {
        const size_t w = rb - c0 < COLUMN_BLOCK ? rb - c0 : COLUMN_BLOCK, t = c0 / COLUMN_BLOCK;
        float least = INFINITY;
        for (long dd = -dgo; dd <= dgo; dd++) {
            const float l = cf->os_level[wrap((long)d + dd, p->p) / LEVEL_ROWS * cf->level_tiles + t];
            least = l < least ? l : least;
        }
        for (size_t i = 0; i < w; i++)
            u[go + c0 + i] = least;
    }
    window_min(u, rb, 2 * go + 1, bound, t1, t2);
    uint8_t *mask = cf->mask + d * rb;
    size_t candidates = os_candidates(cf, map + d * ld, a_sum, b_sum, vt + go, bound, mask);
    size_t above = 0;
    for (size_t r = 0; candidates && r < rb; r++) {
        if (!mask[r])
            continue;
        candidates--;
        const uint8_t hit = (uint8_t)os_exceeds(cf, map, d, r);
        mask[r] = hit;
        above += hit;
    }
    return above;
}

/* The noise estimate of one cell, from its training ring summed directly (in double): the
 * same rule as the row test, evaluated only for the few peaks that become detections. */
static double cell_noise(const triad__cfar *cf, const float *map, size_t d, size_t r,
                         float *os_buf)
{
    const triad__plan *p = cf->plan;
    const size_t ld = cf->ld; /* the map's row stride */
    const triad_cfar_cfg *f = &p->cfar;
    if (f->type == TRIAD_CFAR_OS)
        return os_kth(cf, map, d, r, os_buf) / p->os_norm[r];
    const long go = f->guard_range + f->train_range, dgo = f->guard_doppler + f->train_doppler;
    double lead = 0.0, lag = 0.0, mid = 0.0;
    int n_lead = 0, n_lag = 0, n_mid = 0;
    for (long dd = -dgo; dd <= dgo; dd++) {
        const float *row = map + wrap((long)d + dd, p->p) * ld;
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
static void interpolate(const triad__plan *p, const float *map, size_t ld, size_t d, size_t r,
                        triad__bin_det *out, double noise)
{
    const double b = db(map[d * ld + r]);
    double dr = 0.0, dd = 0.0, peak = b;
    if (r > 0 && r + 1 < p->n) {
        const double a = db(map[d * ld + r - 1]), c = db(map[d * ld + r + 1]);
        dr = vertex(a, b, c);
        peak += -0.25 * (a - c) * dr;
    }
    if (p->p >= 3) {
        const double a = db(map[wrap((long)d - 1, p->p) * ld + r]);
        const double c = db(map[wrap((long)d + 1, p->p) * ld + r]);
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
    const size_t ld = cf->ld; /* the map's row stride */
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
            const float v = map[d * ld + r];
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
            interpolate(p, map, cf->ld, best / rb, best % rb, &dets[count++],
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
    const size_t ld = cf->ld; /* the map's row stride */
    const size_t go = (size_t)(p->cfar.guard_range + p->cfar.train_range);
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
        float *base = cf->rows + (size_t)tid * ROW_ARRAYS * cf->row_len;
        float *arr[ROW_ARRAYS];
        for (int i = 0; i < ROW_ARRAYS; i++)
            arr[i] = base + (size_t)i * cf->row_len;
        if (p->cfar.type == TRIAD_CFAR_OS) {
#pragma omp for schedule(static)
            for (size_t t = 0; t < cf->level_bands * cf->level_tiles; t++)
                os_levels(cf, map, t);
        }
        const float **span = cf->span + (size_t)tid * cf->span_len;
        float *level = cf->span_level + (size_t)tid * cf->span_len;
        const size_t d0 = p->p * (size_t)tid / nt, d1 = p->p * ((size_t)tid + 1) / nt;
        if (p->cfar.type == TRIAD_CFAR_OS) {
            for (size_t d = d0; d < d1; d++) {
                const size_t row = os_row(cf, map, d, arr, span, level);
                cf->row_above[d] = row;
                above += row;
            }
        } else {
            /* a tile of columns down the thread's rows: the span's rows of the tile, all but
               one read for the row before, stay in L1 */
            const size_t rb = p->range_bins;
            for (size_t d = d0; d < d1; d++)
                cf->row_above[d] = 0;
            for (size_t c0 = 0; c0 < rb; c0 += TILE) {
                const size_t w = rb - c0 < TILE ? rb - c0 : TILE;
                for (size_t d = d0; d < d1; d++) {
                    const size_t n_train = span_rows(p, map, cf->ld, d, span);
                    doppler_sums(p, span, n_train, (long)c0 - (long)go, w + 2 * go, arr[0],
                                 arr[1]);
                    const size_t row = test_row(cf, map + d * ld + c0, d, c0, w, arr[0],
                                                arr[1], arr[2], arr[3], arr[4], arr[5]);
                    cf->row_above[d] += row;
                    above += row;
                }
            }
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
