/* CFAR threshold factors for exponential (square-law detected Gaussian) noise.
 * GO/SO use the closed forms for halves of unequal size so range edges keep their Pfa.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <string.h>

#include "core/error_internal.h"
#include "triad/cfar.h"

triad_cfar_cfg triad_cfar_cfg_default(void)
{
    triad_cfar_cfg c = {
        .type = TRIAD_CFAR_CA,
        .guard_range = 4,
        .guard_doppler = 2,
        .train_range = 12,
        .train_doppler = 3,
        .pfa = 1e-6,
        .os_rank_fraction = 0.75,
    };
    return c;
}

static const char *const cfar_names[] = {"ca", "go", "so", "os"};

const char *triad_cfar_name(triad_cfar_type type)
{
    return (unsigned)type < 4 ? cfar_names[type] : "?";
}

int triad_cfar_parse(const char *text, triad_cfar_type *type)
{
    for (int t = 0; t < 4; t++) {
        if (strcmp(text, cfar_names[t]) == 0) {
            *type = (triad_cfar_type)t;
            return 0;
        }
    }
    return triad__fail(TRIAD_EINVAL, "cfar '%s': expected ca, go, so or os", text);
}

double triad_cfar_pfa_ca(double alpha, double n) { return exp(-n * log1p(alpha / n)); }

/* One half of the SO sum: sum_{k<b} a^a b^k (a-1+k)! / ((a-1)! k! (alpha+a+b)^(a+k)). */
static double so_half(double alpha, int a, int b)
{
    const double la = log((double)a), lb = log((double)b), ls = log(alpha + a + b);
    double sum = 0.0;
    for (int k = 0; k < b; k++) {
        const double lt = a * la + k * lb + lgamma(a + k) - lgamma(a) - lgamma(k + 1.0) -
                          (a + k) * ls;
        sum += exp(lt);
    }
    return sum;
}

double triad_cfar_pfa_goso(triad_cfar_type type, double alpha, int n1, int n2)
{
    if (n1 <= 0)
        return triad_cfar_pfa_ca(alpha, n2);
    if (n2 <= 0)
        return triad_cfar_pfa_ca(alpha, n1);
    const double so = so_half(alpha, n1, n2) + so_half(alpha, n2, n1);
    if (type == TRIAD_CFAR_SO)
        return so;
    /* E[e^{-a max}] = E[e^{-a A}] + E[e^{-a B}] - E[e^{-a min}] */
    return triad_cfar_pfa_ca(alpha, n1) + triad_cfar_pfa_ca(alpha, n2) - so;
}

double triad_cfar_pfa_os(double alpha, int n, int k)
{
    double lp = 0.0;
    for (int i = 0; i < k; i++)
        lp += log((double)(n - i)) - log(n - i + alpha);
    return exp(lp);
}

typedef double (*pfa_fn)(double alpha, const void *args);

/* Bisection on log(pfa), which falls monotonically with alpha. */
static double solve_alpha(pfa_fn f, const void *args, double pfa)
{
    const double target = log(pfa);
    double lo = 0.0, hi = 1.0;
    while (log(f(hi, args)) > target) {
        hi *= 2.0;
        if (hi > 1e12)
            return TRIAD_EINVAL;
    }
    for (int it = 0; it < 200 && hi - lo > 1e-13 * hi; it++) {
        const double mid = 0.5 * (lo + hi);
        if (log(f(mid, args)) > target)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static int pfa_ok(double pfa) { return pfa > 0.0 && pfa < 0.5; }

double triad_cfar_alpha_ca(double pfa, double n)
{
    if (!pfa_ok(pfa) || !(n >= 1.0))
        return TRIAD_EINVAL;
    return n * expm1(-log(pfa) / n);
}

struct goso_args {
    triad_cfar_type type;
    int n1, n2;
};

static double goso_f(double alpha, const void *p)
{
    const struct goso_args *a = p;
    return triad_cfar_pfa_goso(a->type, alpha, a->n1, a->n2);
}

double triad_cfar_alpha_goso(triad_cfar_type type, double pfa, int n1, int n2)
{
    if (!pfa_ok(pfa) || n1 < 0 || n2 < 0 || n1 + n2 < 1)
        return TRIAD_EINVAL;
    if (n1 == 0 || n2 == 0)
        return triad_cfar_alpha_ca(pfa, n1 + n2);
    const struct goso_args a = {type, n1, n2};
    return solve_alpha(goso_f, &a, pfa);
}

struct os_args {
    int n, k;
};

static double os_f(double alpha, const void *p)
{
    const struct os_args *a = p;
    return triad_cfar_pfa_os(alpha, a->n, a->k);
}

double triad_cfar_alpha_os(double pfa, int n, int k)
{
    if (!pfa_ok(pfa) || n < 1 || k < 1 || k > n)
        return TRIAD_EINVAL;
    const struct os_args a = {n, k};
    return solve_alpha(os_f, &a, pfa);
}
