/* CFAR threshold factors: round trips, a published closed form (Gandhi & Kassam's GO-CFAR
 * for equal halves) and Monte-Carlo false-alarm counts within 5 sigma.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_util.h"
#include "triad/cfar.h"

static double rexp(test_rng *r) { return -log(test_rng_uniform(r)); }

static void test_round_trips(void **state)
{
    (void)state;
    const double pfas[] = {1e-2, 1e-6, 1e-9};
    for (int i = 0; i < 3; i++) {
        const double p = pfas[i];
        double a = triad_cfar_alpha_ca(p, 48);
        assert_true(fabs(triad_cfar_pfa_ca(a, 48) / p - 1.0) < 1e-9);
        a = triad_cfar_alpha_goso(TRIAD_CFAR_GO, p, 24, 17);
        assert_true(fabs(triad_cfar_pfa_goso(TRIAD_CFAR_GO, a, 24, 17) / p - 1.0) < 1e-6);
        a = triad_cfar_alpha_goso(TRIAD_CFAR_SO, p, 24, 24);
        assert_true(fabs(triad_cfar_pfa_goso(TRIAD_CFAR_SO, a, 24, 24) / p - 1.0) < 1e-6);
        a = triad_cfar_alpha_os(p, 48, 36);
        assert_true(fabs(triad_cfar_pfa_os(a, 48, 36) / p - 1.0) < 1e-6);
    }
    /* an empty half falls back to CA over the other */
    assert_true(fabs(triad_cfar_alpha_goso(TRIAD_CFAR_GO, 1e-6, 0, 30) -
                     triad_cfar_alpha_ca(1e-6, 30)) < 1e-12);
    /* impossible arguments */
    assert_true(triad_cfar_alpha_ca(0.0, 10) < 0);
    assert_true(triad_cfar_alpha_ca(0.7, 10) < 0);
    assert_true(triad_cfar_alpha_os(1e-6, 10, 11) < 0);
}

static void test_go_equal_halves_closed_form(void **state)
{
    (void)state;
    /* Gandhi & Kassam (1988), threshold T on the larger half SUM of n cells:
     * Pfa = 2(1+T)^-n - 2 sum_{k<n} C(n-1+k, k) (2+T)^-(n+k). Our alpha is on the mean: T = a/n. */
    const int n = 16;
    for (double a = 2.0; a < 40.0; a *= 1.7) {
        const double t = a / n;
        double sum = 0.0;
        for (int k = 0; k < n; k++)
            sum += exp(lgamma(n + k) - lgamma(n) - lgamma(k + 1.0) - (n + k) * log(2.0 + t));
        const double ref = 2.0 * pow(1.0 + t, -n) - 2.0 * sum;
        assert_true(fabs(triad_cfar_pfa_goso(TRIAD_CFAR_GO, a, n, n) / ref - 1.0) < 1e-9);
    }
}

/* Count false alarms of a rule on exponential noise; compare with pfa within 5 sigma. */
static void monte_carlo(triad_cfar_type type, int n1, int n2, int k, double pfa)
{
    test_rng r = {.s = 12345 + (uint64_t)type * 7 + (uint64_t)n1};
    const int n = n1 + n2;
    const double a = type == TRIAD_CFAR_CA   ? triad_cfar_alpha_ca(pfa, n)
                     : type == TRIAD_CFAR_OS ? triad_cfar_alpha_os(pfa, n, k)
                                             : triad_cfar_alpha_goso(type, pfa, n1, n2);
    const long trials = 400000;
    long hits = 0;
    double v[64];
    for (long t = 0; t < trials; t++) {
        double s1 = 0, s2 = 0;
        for (int i = 0; i < n; i++) {
            v[i] = rexp(&r);
            if (i < n1) s1 += v[i]; else s2 += v[i];
        }
        double z;
        if (type == TRIAD_CFAR_CA) {
            z = (s1 + s2) / n;
        } else if (type == TRIAD_CFAR_OS) {
            for (int i = 1; i < n; i++) /* insertion sort, n small */
                for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
                    const double x = v[j]; v[j] = v[j - 1]; v[j - 1] = x;
                }
            z = v[k - 1];
        } else {
            const double m1 = s1 / n1, m2 = s2 / n2;
            z = type == TRIAD_CFAR_GO ? fmax(m1, m2) : fmin(m1, m2);
        }
        hits += rexp(&r) > a * z;
    }
    const double expect = pfa * trials, sigma = sqrt(expect);
    print_message("  %s n1=%d n2=%d k=%d: %ld false alarms, %.0f expected\n",
                  triad_cfar_name(type), n1, n2, k, hits, expect);
    assert_true(fabs((double)hits - expect) < 5.0 * sigma);
}

static void test_monte_carlo(void **state)
{
    (void)state;
    monte_carlo(TRIAD_CFAR_CA, 10, 6, 0, 1e-2);
    monte_carlo(TRIAD_CFAR_GO, 8, 8, 0, 1e-2);
    monte_carlo(TRIAD_CFAR_GO, 3, 12, 0, 1e-2);
    monte_carlo(TRIAD_CFAR_SO, 8, 8, 0, 1e-2);
    monte_carlo(TRIAD_CFAR_SO, 12, 5, 0, 1e-2);
    monte_carlo(TRIAD_CFAR_OS, 20, 0, 15, 1e-2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_go_equal_halves_closed_form),
        cmocka_unit_test(test_monte_carlo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
