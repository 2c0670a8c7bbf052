/* CFAR and detection extraction through the public chain API (backend fftw), against a
 * brute-force reference in double precision written here.
 *
 * A reference pulse of one sample and no windows make the range stage an identity and the
 * Doppler stage a unitary DFT, so unit-power white input noise gives a map of independent
 * unit exponential cells: the effective training-cell count equals the plain count and the
 * threshold factor of range bin r is the closed form of the plain counts at r (CA: all
 * training cells; GO/SO: the two range halves; OS: k = round(0.75 n) of n).
 *
 * The reference takes the chain's own power map (triad_chain_power_map), and for every cell
 * gathers the training region cell by cell: the outer box (range +-(guard+train), Doppler
 * +-(guard+train), Doppler wrapping modulo P, range cut to the searched bins) minus the guard
 * box. It then thresholds, groups 8-connected exceedances (Doppler wraps, range does not),
 * takes each group's peak and interpolates it with a parabola on dB. Cells whose ratio to the
 * threshold is within 1e-4 of 1 (float rounding of the chain's factors) make a CPI
 * undecidable at the detection level; such CPIs only check the exceedance count bounds.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <complex.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_util.h"
#include "triad/chain.h"

#define TEST_PI 3.14159265358979323846
enum { MAX_DETS = 8192 };

static const triad_window none = {TRIAD_WINDOW_NONE, 4, 35.0};
static const triad_cfar_type variants[4] = {TRIAD_CFAR_CA, TRIAD_CFAR_GO, TRIAD_CFAR_SO,
                                           TRIAD_CFAR_OS};

/* A point echo: map row (row P/2 = zero Doppler; fractional rows leak), range bin, and its
 * map power over the unit noise floor for an on-bin row. */
typedef struct {
    double row;
    size_t range;
    double snr_db;
} target;

static triad_cfar_cfg cfar_cfg(triad_cfar_type type, double pfa)
{
    triad_cfar_cfg f = triad_cfar_cfg_default();
    f.type = type;
    f.guard_range = 2;
    f.guard_doppler = 1;
    f.train_range = 6;
    f.train_doppler = 2;
    f.pfa = pfa;
    f.os_rank_fraction = 0.75;
    return f;
}

static triad_chain *make_chain(size_t n, size_t p, const triad_cfar_cfg *f, int threads)
{
    const float complex one = 1.0f; /* copied at create */
    triad_chain_cfg cfg = triad_chain_cfg_default();
    cfg.samples_per_pulse = n;
    cfg.pulses_per_cpi = p;
    cfg.num_channels = 1;
    cfg.format = TRIAD_FORMAT_CF32_LE;
    cfg.sample_rate_hz = 1e6;
    cfg.carrier_hz = 1e9;
    cfg.pri_s = 1e-3;
    cfg.waveform = &one;
    cfg.waveform_len = 1;
    cfg.range_window = none;
    cfg.doppler_window = none;
    cfg.mti_pulses = 0;
    cfg.cfar = *f;
    cfg.max_detections = MAX_DETS;
    cfg.backend = "fftw";
    cfg.fft_effort = TRIAD_FFT_ESTIMATE;
    cfg.threads = threads;
    triad_chain *chain = NULL;
    assert_int_equal(triad_chain_create(&chain, &cfg), 0);
    assert_non_null(chain);
    assert_string_equal(triad_chain_backend(chain), "fftw");
    assert_int_equal(triad_chain_full_bins(&cfg), n);
    return chain;
}

/* Raw CPI [P x N] cf32: unit-power complex Gaussian noise plus tones; a target at map row d
 * is a tone of d - P/2 cycles per CPI at its range bin, amplitude A with A^2 P = its power. */
static void fill_cpi(float *raw, size_t n, size_t p, test_rng *rng, const target *t, size_t nt)
{
    double complex *x = malloc(n * p * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n * p; i++)
        x[i] = test_rng_cgauss(rng);
    for (size_t j = 0; j < nt; j++) {
        const double a = sqrt(pow(10.0, 0.1 * t[j].snr_db) / (double)p);
        const double f = t[j].row - (double)(p / 2), ph = 2.0 * TEST_PI * test_rng_uniform(rng);
        for (size_t m = 0; m < p; m++)
            x[m * n + t[j].range] += a * cexp(I * (2.0 * TEST_PI * f * (double)m / (double)p + ph));
    }
    for (size_t i = 0; i < n * p; i++) {
        raw[2 * i] = (float)creal(x[i]);
        raw[2 * i + 1] = (float)cimag(x[i]);
    }
    free(x);
}

/* ---- the brute-force reference ---------------------------------------------------------- */

typedef struct {
    size_t p, n;
    triad_cfar_cfg f;
    double *alpha;   /* [n] threshold factor per range bin */
    int *os_k;       /* [n] OS rank (1-based) */
    int *n_train;    /* [n] training cells */
    double *ratio;   /* [p x n] power / (alpha Z) */
    double *z;       /* [p x n] noise estimate, scaled to the mean (OS: k-th / E[k-th]) */
    double *lead, *lag, *all; /* gather buffers */
} ref_cfar;

static size_t wrap_row(long d, size_t p)
{
    long m = d % (long)p;
    return (size_t)(m < 0 ? m + (long)p : m);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void ref_init(ref_cfar *R, size_t n, size_t p, const triad_cfar_cfg *f)
{
    memset(R, 0, sizeof *R);
    R->p = p;
    R->n = n;
    R->f = *f;
    const long g = f->guard_range, go = f->guard_range + f->train_range;
    const long dg = f->guard_doppler, dgo = f->guard_doppler + f->train_doppler;
    const size_t box = (size_t)((2 * go + 1) * (2 * dgo + 1));
    R->alpha = malloc(n * sizeof *R->alpha);
    R->os_k = malloc(n * sizeof *R->os_k);
    R->n_train = malloc(n * sizeof *R->n_train);
    R->ratio = malloc(n * p * sizeof *R->ratio);
    R->z = malloc(n * p * sizeof *R->z);
    R->lead = malloc(box * sizeof *R->lead);
    R->lag = malloc(box * sizeof *R->lag);
    R->all = malloc(box * sizeof *R->all);
    assert_true(R->alpha && R->os_k && R->n_train && R->ratio && R->z && R->lead && R->lag &&
                R->all);
    for (size_t r = 0; r < n; r++) {
        int n_all = 0, n_lead = 0, n_lag = 0;
        for (long dy = -dgo; dy <= dgo; dy++)
            for (long dx = -go; dx <= go; dx++) {
                const long rr = (long)r + dx;
                if (rr < 0 || rr >= (long)n || (labs(dx) <= g && labs(dy) <= dg))
                    continue;
                n_all++;
                n_lead += dx < 0;
                n_lag += dx > 0;
            }
        R->n_train[r] = n_all;
        R->os_k[r] = 0;
        switch (f->type) {
        case TRIAD_CFAR_CA:
            R->alpha[r] = triad_cfar_alpha_ca(f->pfa, n_all);
            break;
        case TRIAD_CFAR_GO:
        case TRIAD_CFAR_SO:
            R->alpha[r] = triad_cfar_alpha_goso(f->type, f->pfa, n_lead, n_lag);
            break;
        default: {
            long k = lround(f->os_rank_fraction * n_all);
            k = k < 1 ? 1 : k > n_all ? n_all : k;
            R->os_k[r] = (int)k;
            R->alpha[r] = triad_cfar_alpha_os(f->pfa, n_all, (int)k);
            break;
        }
        }
        assert_true(R->alpha[r] > 0.0);
    }
}

static void ref_free(ref_cfar *R)
{
    free(R->alpha);
    free(R->os_k);
    free(R->n_train);
    free(R->ratio);
    free(R->z);
    free(R->lead);
    free(R->lag);
    free(R->all);
}

static double mean_of(const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s / (double)n;
}

/* Noise estimate and threshold ratio of every cell, gathered cell by cell in double. */
static void ref_run(ref_cfar *R, const float *map)
{
    const triad_cfar_cfg *f = &R->f;
    const long g = f->guard_range, go = f->guard_range + f->train_range;
    const long dg = f->guard_doppler, dgo = f->guard_doppler + f->train_doppler;
    for (size_t d = 0; d < R->p; d++) {
        for (size_t r = 0; r < R->n; r++) {
            size_t na = 0, nl = 0, ng = 0;
            for (long dy = -dgo; dy <= dgo; dy++) {
                const float *row = map + wrap_row((long)d + dy, R->p) * R->n;
                for (long dx = -go; dx <= go; dx++) {
                    const long rr = (long)r + dx;
                    if (rr < 0 || rr >= (long)R->n || (labs(dx) <= g && labs(dy) <= dg))
                        continue;
                    const double v = row[rr];
                    R->all[na++] = v;
                    if (dx < 0)
                        R->lead[nl++] = v;
                    else if (dx > 0)
                        R->lag[ng++] = v;
                }
            }
            assert_int_equal(na, (size_t)R->n_train[r]);
            double z, zmean;
            switch (f->type) {
            case TRIAD_CFAR_CA:
                z = zmean = mean_of(R->all, na);
                break;
            case TRIAD_CFAR_GO:
            case TRIAD_CFAR_SO:
                if (nl == 0)
                    z = mean_of(R->lag, ng);
                else if (ng == 0)
                    z = mean_of(R->lead, nl);
                else {
                    const double a = mean_of(R->lead, nl), b = mean_of(R->lag, ng);
                    z = f->type == TRIAD_CFAR_GO ? fmax(a, b) : fmin(a, b);
                }
                zmean = z;
                break;
            default: {
                qsort(R->all, na, sizeof *R->all, cmp_double);
                const int k = R->os_k[r];
                z = R->all[k - 1];
                double e = 0.0; /* E[k-th smallest of na unit exponentials] */
                for (int i = 0; i < k; i++)
                    e += 1.0 / (double)(na - (size_t)i);
                zmean = z / e;
                break;
            }
            }
            R->ratio[d * R->n + r] = (double)map[d * R->n + r] / (R->alpha[r] * z);
            R->z[d * R->n + r] = zmean;
        }
    }
}

typedef struct {
    size_t r, d;     /* peak cell */
    double range_bin, doppler_bin, power_db, snr_db;
    int matched;
} ref_det;

static double db10(double x) { return 10.0 * log10(x > 1e-30 ? x : 1e-30); }

/* Vertex of the parabola through (-1, a), (0, b), (1, c), clamped to +-0.5; 0 when the three
 * points are not a maximum. Returns the offset and the height correction in *dh. */
static double parabola(double a, double b, double c, double *dh)
{
    const double curv = a - 2.0 * b + c;
    double x = 0.0;
    if (curv < 0.0) {
        x = 0.5 * (a - c) / curv;
        if (x > 0.5)
            x = 0.5;
        if (x < -0.5)
            x = -0.5;
    }
    *dh = -0.25 * (a - c) * x;
    return x;
}

typedef struct {
    size_t above;       /* cells with ratio > 1 */
    size_t ambiguous;   /* cells with |ratio - 1| <= 1e-4 */
    size_t groups;
    int tie;            /* a group whose maximum is not unique */
} ref_summary;

/* Threshold, group 8-connected exceedances (Doppler wraps), peak and interpolate. */
static size_t ref_extract(const ref_cfar *R, const float *map, ref_det *out, size_t max_out,
                          ref_summary *s)
{
    const size_t p = R->p, n = R->n, cells = p * n;
    uint8_t *hit = calloc(cells, 1);
    size_t *queue = malloc(cells * sizeof *queue);
    assert_true(hit && queue);
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < cells; i++) {
        hit[i] = R->ratio[i] > 1.0;
        s->above += hit[i];
        s->ambiguous += fabs(R->ratio[i] - 1.0) <= 1e-4;
    }
    size_t ng = 0;
    for (size_t start = 0; start < cells; start++) {
        if (hit[start] != 1)
            continue;
        size_t head = 0, tail = 0, best = start;
        queue[tail++] = start;
        hit[start] = 2;
        while (head < tail) { /* breadth first, unlike the chain's stack */
            const size_t c = queue[head++], d = c / n, r = c % n;
            if (map[c] > map[best])
                best = c;
            for (long dy = -1; dy <= 1; dy++)
                for (long dx = -1; dx <= 1; dx++) {
                    const long rr = (long)r + dx;
                    if (rr < 0 || rr >= (long)n)
                        continue;
                    const size_t c2 = wrap_row((long)d + dy, p) * n + (size_t)rr;
                    if (hit[c2] == 1) {
                        hit[c2] = 2;
                        queue[tail++] = c2;
                    }
                }
        }
        for (size_t i = 0; i < tail; i++)
            if (queue[i] != best && map[queue[i]] == map[best])
                s->tie = 1;
        assert_true(ng < max_out);
        ref_det *o = &out[ng++];
        o->d = best / n;
        o->r = best % n;
        o->matched = 0;
        const double b = db10(map[best]);
        double hr = 0.0, hd = 0.0, xr = 0.0, xd = 0.0;
        if (o->r > 0 && o->r + 1 < n)
            xr = parabola(db10(map[best - 1]), b, db10(map[best + 1]), &hr);
        if (p >= 3)
            xd = parabola(db10(map[wrap_row((long)o->d - 1, p) * n + o->r]), b,
                          db10(map[wrap_row((long)o->d + 1, p) * n + o->r]), &hd);
        o->range_bin = (double)o->r + xr;
        o->doppler_bin = (double)o->d - (double)(p / 2) + xd;
        o->power_db = b + hr + hd;
        o->snr_db = o->power_db - db10(R->z[best]);
    }
    s->groups = ng;
    free(hit);
    free(queue);
    return ng;
}

/* Distance of two Doppler positions modulo P. */
static double wrap_dist(double a, double b, size_t p)
{
    double x = fmod(fabs(a - b), (double)p);
    return x > 0.5 * (double)p ? (double)p - x : x;
}

typedef struct {
    size_t cpis, decided, cells, above, groups, ambiguous;
} tally;

/* Compare one executed CPI with the reference. Returns 1 when compared at detection level. */
static int check_cpi(ref_cfar *R, triad_chain *chain, const triad_detection *dets,
                     const triad_chain_stats *st, ref_det *rd, tally *tl)
{
    const size_t p = R->p, n = R->n;
    float *map = malloc(p * n * sizeof *map);
    assert_non_null(map);
    assert_int_equal(triad_chain_power_map(chain, 0, map), 0);
    ref_run(R, map);
    ref_summary s;
    const size_t ng = ref_extract(R, map, rd, MAX_DETS, &s);
    tl->cpis++;
    tl->cells += p * n;
    tl->above += st->cells_above;
    tl->groups += st->detections;
    tl->ambiguous += s.ambiguous;
    assert_int_equal(st->nonfinite, 0);
    assert_int_equal(st->dropped, 0);
    /* exceedances before grouping: equal, up to the cells on the boundary */
    if (st->cells_above < s.above - (s.above < s.ambiguous ? s.above : s.ambiguous) ||
        st->cells_above > s.above + s.ambiguous)
        fail_msg("cells_above %zu, reference %zu (%zu on the boundary)", st->cells_above,
                 s.above, s.ambiguous);
    if (s.ambiguous || s.tie) {
        print_message("    CPI not compared at detection level: %zu boundary cells, tie %d\n",
                      s.ambiguous, s.tie);
        free(map);
        return 0;
    }
    tl->decided++;
    assert_int_equal(st->cells_above, s.above);
    if (st->detections != ng)
        fail_msg("%zu detections, reference %zu groups (%zu cells above)", st->detections, ng,
                 s.above);
    for (size_t i = 0; i < st->detections; i++) {
        const triad_detection *e = &dets[i];
        assert_int_equal(e->channel, 0);
        if (i > 0)
            assert_true(e->range_bin >= dets[i - 1].range_bin);
        size_t j = 0;
        for (; j < ng; j++) {
            if (rd[j].matched)
                continue;
            if (fabs(e->range_bin - (double)rd[j].r) <= 0.5 + 1e-12 &&
                wrap_dist(e->doppler_bin + (double)(p / 2), (double)rd[j].d, p) <= 0.5 + 1e-12)
                break;
        }
        if (j == ng)
            fail_msg("detection %zu at range %.3f Doppler %.3f: no reference peak", i,
                     e->range_bin, e->doppler_bin);
        rd[j].matched = 1;
        const ref_det *w = &rd[j];
        if (fabs(e->range_bin - w->range_bin) > 1e-9 ||
            wrap_dist(e->doppler_bin, w->doppler_bin, p) > 1e-9 ||
            fabs(e->power_db - w->power_db) > 1e-6 || fabs(e->snr_db - w->snr_db) > 1e-4)
            fail_msg("peak (%zu, %zu): chain range %.9f Doppler %.9f power %.6f snr %.6f dB, "
                     "reference %.9f %.9f %.6f %.6f",
                     w->d, w->r, e->range_bin, e->doppler_bin, e->power_db, e->snr_db,
                     w->range_bin, w->doppler_bin, w->power_db, w->snr_db);
    }
    free(map);
    return 1;
}

/* ---- 1: random maps, every variant ------------------------------------------------------ */

static void test_random_vs_reference(void **state)
{
    (void)state;
    const size_t n = 301, p = 15;
    const double pfa = 1e-3;
    float *raw = malloc(2 * n * p * sizeof *raw);
    triad_detection *dets = malloc(MAX_DETS * sizeof *dets);
    ref_det *rd = malloc(MAX_DETS * sizeof *rd);
    assert_true(raw && dets && rd);
    for (int v = 0; v < 4; v++) {
        const triad_cfar_cfg f = cfar_cfg(variants[v], pfa);
        triad_chain *chain = make_chain(n, p, &f, 1 + v);
        ref_cfar R;
        ref_init(&R, n, p, &f);
        test_rng rng = {.s = 1000 + (uint64_t)v};
        tally tl = {0};
        for (int cpi = 0; cpi < 8; cpi++) {
            target t[32];
            size_t nt = 0;
            for (; nt < 7; nt++) {
                t[nt].range = (size_t)(test_rng_uniform(&rng) * (double)n);
                t[nt].row = floor(test_rng_uniform(&rng) * (double)p);
                if (test_rng_uniform(&rng) < 0.3)
                    t[nt].row += 0.5; /* leaks into the neighbouring rows */
                t[nt].snr_db = 8.0 + 17.0 * test_rng_uniform(&rng);
            }
            /* two adjacent echoes that merge into one group, and an edge echo */
            t[nt++] = (target){3.0, 120, 20.0};
            t[nt++] = (target){4.0, 121, 17.0};
            t[nt++] = (target){(double)(p - 1), (size_t)cpi % 2 ? 0 : n - 1, 18.0};
            /* an echo in every range bin where the ring is cut by an edge (and the first
             * whole one), rows 3 apart so they stay separate groups: the snr check then
             * sees the noise estimate of each edge bin */
            for (size_t j = 0; j <= 8; j++) {
                const double row = (double)((3 * j + (size_t)cpi) % p);
                t[nt++] = (target){row, j, 24.0};
                t[nt++] = (target){row, n - 1 - j, 24.0};
            }
            assert_true(nt <= sizeof t / sizeof t[0]);
            fill_cpi(raw, n, p, &rng, t, nt);
            triad_chain_stats st;
            assert_int_equal(triad_chain_execute(chain, raw, (uint64_t)cpi, dets, &st), 0);
            check_cpi(&R, chain, dets, &st, rd, &tl);
        }
        print_message("  %s: %zu CPIs, %zu compared at detection level; %zu cells above, "
                      "%zu detections, %zu boundary cells\n",
                      triad_cfar_name(variants[v]), tl.cpis, tl.decided, tl.above, tl.groups,
                      tl.ambiguous);
        assert_true(tl.decided >= tl.cpis - 1);
        assert_true(tl.groups > 0);
        ref_free(&R);
        triad_chain_destroy(chain);
    }
    free(raw);
    free(dets);
    free(rd);
}

/* ---- 1b: other window shapes and ranks, on a map whose noise level changes ------------- */

/* Noise scaled per range bin (a 12 dB step at n/2 and a slow ramp) and a clutter band at zero
 * Doppler (a return constant across pulses), so that the fast paths' local levels and bounds
 * meet steps and strong regions; the targets of fill_cpi on top. */
static void fill_cpi_uneven(float *raw, size_t n, size_t p, test_rng *rng, const target *t,
                            size_t nt)
{
    fill_cpi(raw, n, p, rng, t, nt);
    for (size_t m = 0; m < p; m++)
        for (size_t r = 0; r < n; r++) {
            const double gain = (r >= n / 2 ? 4.0 : 1.0) * (1.0 + (double)r / (double)n);
            float *x = raw + 2 * (m * n + r);
            x[0] = (float)(x[0] * gain);
            x[1] = (float)(x[1] * gain);
            if (r >= 40 && r < 70) /* clutter: 20 dB over the noise, zero Doppler */
                x[0] += 10.0f;
        }
}

static void test_shapes_vs_reference(void **state)
{
    (void)state;
    const size_t n = 301, p = 15;
    /* guard range/Doppler, train range/Doppler, OS rank fraction */
    const struct { int g, gd, t, td; double frac; } shapes[] = {
        {0, 0, 3, 1, 0.5}, {1, 0, 4, 0, 0.9}, {3, 2, 10, 3, 0.75}, {2, 1, 6, 2, 0.1},
        {0, 1, 2, 2, 1.0}, {5, 1, 1, 3, 0.3},
    };
    float *raw = malloc(2 * n * p * sizeof *raw);
    triad_detection *dets = malloc(MAX_DETS * sizeof *dets);
    ref_det *rd = malloc(MAX_DETS * sizeof *rd);
    assert_true(raw && dets && rd);
    for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
        for (int v = 0; v < 4; v++) {
            triad_cfar_cfg f = cfar_cfg(variants[v], 1e-3);
            f.guard_range = shapes[sh].g;
            f.guard_doppler = shapes[sh].gd;
            f.train_range = shapes[sh].t;
            f.train_doppler = shapes[sh].td;
            f.os_rank_fraction = shapes[sh].frac;
            triad_chain *chain = make_chain(n, p, &f, 1 + (int)(sh + (size_t)v) % 2);
            ref_cfar R;
            ref_init(&R, n, p, &f);
            test_rng rng = {.s = 5000 + 10 * (uint64_t)sh + (uint64_t)v};
            tally tl = {0};
            for (int cpi = 0; cpi < 3; cpi++) {
                target t[8];
                size_t nt = 0;
                for (; nt < 6; nt++) {
                    t[nt].range = (size_t)(test_rng_uniform(&rng) * (double)n);
                    t[nt].row = floor(test_rng_uniform(&rng) * (double)p);
                    t[nt].snr_db = 10.0 + 30.0 * test_rng_uniform(&rng);
                }
                t[nt++] = (target){2.0, 0, 30.0};
                t[nt++] = (target){12.0, n - 1, 30.0};
                fill_cpi_uneven(raw, n, p, &rng, t, nt);
                triad_chain_stats st;
                assert_int_equal(triad_chain_execute(chain, raw, (uint64_t)cpi, dets, &st), 0);
                check_cpi(&R, chain, dets, &st, rd, &tl);
            }
            print_message("  %s guard %d/%d train %d/%d rank %.2f: %zu of %zu CPIs compared, "
                          "%zu cells above, %zu detections\n",
                          triad_cfar_name(variants[v]), f.guard_range, f.guard_doppler,
                          f.train_range, f.train_doppler, f.os_rank_fraction, tl.decided,
                          tl.cpis, tl.above, tl.groups);
            assert_true(tl.decided >= 2);
            assert_true(tl.above > 0);
            ref_free(&R);
            triad_chain_destroy(chain);
        }
    }
    free(raw);
    free(dets);
    free(rd);
}

/* ---- 2: precision next to an 80 dB echo ------------------------------------------------- */

static void test_strong_target_precision(void **state)
{
    (void)state;
    const size_t n = 299, p = 15;
    const double pfa = 1e-4;
    const size_t r0 = 150;
    const double d0 = 7.0;
    /* weak echoes outside the strong one's training window: range offset >= guard+train+1 =
     * 9 or Doppler offset >= 4, in its row, its column, and far down the range prefix */
    const target t[] = {
        {d0, r0, 80.0},        {d0, r0 - 9, 15.0},      {d0, r0 + 9, 15.0},
        {d0, r0 + 30, 15.0},   {d0, r0 + 140, 15.0},    {d0 + 4.0, r0, 15.0},
        {d0 - 4.0, r0, 15.0},  {d0 + 5.0, r0 + 12, 15.0}, {d0 - 6.0, r0 - 40, 15.0},
        {2.0, 20, 80.0},       {2.0, 35, 15.0},          {2.0, 290, 15.0},
    };
    const size_t nt = sizeof t / sizeof t[0];
    float *raw = malloc(2 * n * p * sizeof *raw);
    triad_detection *dets = malloc(MAX_DETS * sizeof *dets);
    ref_det *rd = malloc(MAX_DETS * sizeof *rd);
    assert_true(raw && dets && rd);
    for (int v = 0; v < 4; v++) {
        const triad_cfar_cfg f = cfar_cfg(variants[v], pfa);
        triad_chain *chain = make_chain(n, p, &f, 2);
        ref_cfar R;
        ref_init(&R, n, p, &f);
        test_rng rng = {.s = 2000 + (uint64_t)v};
        tally tl = {0};
        for (int cpi = 0; cpi < 3; cpi++) {
            fill_cpi(raw, n, p, &rng, t, nt);
            triad_chain_stats st;
            assert_int_equal(triad_chain_execute(chain, raw, (uint64_t)cpi, dets, &st), 0);
            const int decided = check_cpi(&R, chain, dets, &st, rd, &tl);
            if (!decided)
                continue;
            /* every echo, weak ones included, is a reference detection and so a chain one */
            size_t found = 0;
            for (size_t j = 0; j < nt; j++)
                for (size_t i = 0; i < st.detections; i++)
                    if (fabs(dets[i].range_bin - (double)t[j].range) <= 0.5 &&
                        wrap_dist(dets[i].doppler_bin + (double)(p / 2), t[j].row, p) <= 0.5) {
                        found++;
                        break;
                    }
            if (found != nt)
                fail_msg("%s CPI %d: %zu of %zu echoes detected", triad_cfar_name(variants[v]),
                         cpi, found, nt);
        }
        print_message("  %s: %zu CPIs, %zu compared; %zu detections for %zu echoes each\n",
                      triad_cfar_name(variants[v]), tl.cpis, tl.decided, tl.groups, nt);
        assert_true(tl.decided >= 2);
        ref_free(&R);
        triad_chain_destroy(chain);
    }
    free(raw);
    free(dets);
    free(rd);
}

/* ---- 3: range edges and the Doppler wrap ------------------------------------------------ */

static void test_edges_and_wrap(void **state)
{
    (void)state;
    const size_t n = 302, p = 15;
    const double pfa = 1e-6;
    const target t[] = {
        {3.0, 0, 30.0},                 /* first range bin */
        {10.0, n - 1, 30.0},            /* last range bin */
        {0.0, 100, 30.0},               /* Doppler row 0 */
        {(double)(p - 1), 180, 30.0},   /* Doppler row P-1 */
        {(double)p - 0.5, 240, 24.0},   /* between rows P-1 and 0: straddles the wrap */
        {0.0, n - 1, 30.0},             /* corner */
        {(double)(p - 1), 0, 30.0},     /* corner */
    };
    const size_t nt = sizeof t / sizeof t[0];
    float *raw = malloc(2 * n * p * sizeof *raw);
    triad_detection *dets = malloc(MAX_DETS * sizeof *dets);
    ref_det *rd = malloc(MAX_DETS * sizeof *rd);
    assert_true(raw && dets && rd);
    for (int v = 0; v < 4; v++) {
        const triad_cfar_cfg f = cfar_cfg(variants[v], pfa);
        triad_chain *chain = make_chain(n, p, &f, 2);
        ref_cfar R;
        ref_init(&R, n, p, &f);
        test_rng rng = {.s = 3000 + (uint64_t)v};
        tally tl = {0};
        for (int cpi = 0; cpi < 3; cpi++) {
            fill_cpi(raw, n, p, &rng, t, nt);
            triad_chain_stats st;
            assert_int_equal(triad_chain_execute(chain, raw, (uint64_t)cpi, dets, &st), 0);
            check_cpi(&R, chain, dets, &st, rd, &tl);
            /* the straddling echo exceeds in both rows P-1 and 0: one group across the wrap
             * (its rectangular-window sidelobes lie 10 dB and more below, under threshold) */
            assert_true(R.ratio[(p - 1) * n + 240] > 1.0 && R.ratio[240] > 1.0);
            /* each echo exactly once, nothing else (pfa 1e-6 over 4500 cells) */
            if (st.detections != nt)
                fail_msg("%s CPI %d: %zu detections for %zu echoes",
                         triad_cfar_name(variants[v]), cpi, st.detections, nt);
            for (size_t j = 0; j < nt; j++) {
                size_t hits = 0;
                for (size_t i = 0; i < st.detections; i++)
                    if (fabs(dets[i].range_bin - (double)t[j].range) <= 0.5 &&
                        wrap_dist(dets[i].doppler_bin + (double)(p / 2), t[j].row, p) <= 0.6)
                        hits++;
                if (hits != 1)
                    fail_msg("%s CPI %d: echo at row %.1f range %zu detected %zu times",
                             triad_cfar_name(variants[v]), cpi, t[j].row, t[j].range, hits);
                if (t[j].range == 0 || t[j].range == n - 1) /* no interpolation at the edges */
                    for (size_t i = 0; i < st.detections; i++)
                        if (fabs(dets[i].range_bin - (double)t[j].range) <= 0.5)
                            assert_true(dets[i].range_bin == (double)t[j].range);
            }
        }
        print_message("  %s: %zu CPIs, %zu compared at detection level\n",
                      triad_cfar_name(variants[v]), tl.cpis, tl.decided);
        ref_free(&R);
        triad_chain_destroy(chain);
    }
    free(raw);
    free(dets);
    free(rd);
}

/* ---- 4: false alarms on white noise ------------------------------------------------------ */

static void test_false_alarm_rate(void **state)
{
    (void)state;
    const size_t n = 4096, p = 64;
    const int cpis = 8;
    const double pfa = 1e-3;
    float *raw = malloc((size_t)cpis * 2 * n * p * sizeof *raw);
    triad_detection *dets = malloc(MAX_DETS * sizeof *dets);
    ref_det *rd = malloc(MAX_DETS * sizeof *rd);
    assert_true(raw && dets && rd);
    test_rng rng = {.s = 4000};
    for (int c = 0; c < cpis; c++)
        fill_cpi(raw + (size_t)c * 2 * n * p, n, p, &rng, NULL, 0);
    for (int v = 0; v < 4; v++) {
        const triad_cfar_cfg f = cfar_cfg(variants[v], pfa);
        triad_chain *chain = make_chain(n, p, &f, 0);
        size_t above = 0, groups = 0;
        int compared = 0;
        for (int c = 0; c < cpis; c++) {
            triad_chain_stats st;
            assert_int_equal(
                triad_chain_execute(chain, raw + (size_t)c * 2 * n * p, (uint64_t)c, dets, &st),
                0);
            assert_int_equal(st.dropped, 0);
            above += st.cells_above;
            groups += st.detections;
            if (!compared) { /* the even-P geometry against the reference, one decidable CPI */
                ref_cfar R;
                ref_init(&R, n, p, &f);
                tally tl = {0};
                compared = check_cpi(&R, chain, dets, &st, rd, &tl);
                ref_free(&R);
            }
        }
        const double cells = (double)cpis * (double)n * (double)p, mu = pfa * cells;
        const double z = ((double)above - mu) / sqrt(mu);
        print_message("  %s: %zu cells above of %.0f (expected %.1f, %+.2f sigma), "
                      "%zu detections after grouping, measured pfa %.4g\n",
                      triad_cfar_name(variants[v]), above, cells, mu, z, groups,
                      (double)above / cells);
        assert_true(fabs(z) <= 5.0);
        assert_true(compared);
        triad_chain_destroy(chain);
    }
    free(raw);
    free(dets);
    free(rd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_vs_reference),
        cmocka_unit_test(test_shapes_vs_reference),
        cmocka_unit_test(test_strong_target_precision),
        cmocka_unit_test(test_edges_and_wrap),
        cmocka_unit_test(test_false_alarm_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
