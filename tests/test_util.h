/* Small helpers shared by the tests: a seeded RNG and error norms.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_TEST_UTIL_H
#define TRIAD_TEST_UTIL_H

#include <complex.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s;
} test_rng;

static inline uint64_t test_rng_next(test_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline double test_rng_uniform(test_rng *r)
{
    return ((double)(test_rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

/* Complex Gaussian of unit power. */
static inline double complex test_rng_cgauss(test_rng *r)
{
    const double rad = sqrt(-log(test_rng_uniform(r)));
    const double ph = 2.0 * 3.14159265358979323846 * test_rng_uniform(r);
    return rad * cos(ph) + I * rad * sin(ph);
}

/* ||a - b|| / ||b|| over n complex values (a float, b double reference). */
static inline double rel_l2_c(const float complex *a, const double complex *b, size_t n)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double complex d = (double complex)a[i] - b[i];
        num += creal(d) * creal(d) + cimag(d) * cimag(d);
        den += creal(b[i]) * creal(b[i]) + cimag(b[i]) * cimag(b[i]);
    }
    return sqrt(num / den);
}

static inline double rel_l2_r(const float *a, const double *b, size_t n)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        num += (a[i] - b[i]) * (a[i] - b[i]);
        den += b[i] * b[i];
    }
    return sqrt(num / den);
}

#endif
