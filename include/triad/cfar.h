/* Triad — constant false-alarm rate detection settings and threshold factors.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_CFAR_H
#define TRIAD_CFAR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    TRIAD_CFAR_CA = 0, /* cell averaging over the whole training ring */
    TRIAD_CFAR_GO,     /* greatest of the leading and lagging range halves */
    TRIAD_CFAR_SO,     /* smallest of the two halves */
    TRIAD_CFAR_OS,     /* ordered statistic: the k-th smallest training cell */
} triad_cfar_type;

typedef struct {
    triad_cfar_type type;
    int guard_range, guard_doppler; /* guard cells each side of the cell under test */
    int train_range, train_doppler; /* training cells each side, beyond the guard */
    double pfa;                     /* false-alarm probability per cell, (0, 0.5) */
    double os_rank_fraction;        /* OS: k = round(fraction * cells), in (0, 1] */
} triad_cfar_cfg;

triad_cfar_cfg triad_cfar_cfg_default(void);
const char *triad_cfar_name(triad_cfar_type type);
int triad_cfar_parse(const char *text, triad_cfar_type *type);

/* Threshold factors for square-law detected, exponentially distributed noise.
 * The noise estimate Z is a mean of training cells (CA, and each half for GO/SO) or the
 * k-th smallest of n cells (OS); a cell is a detection when power > alpha * Z.
 *   CA: n cells                  Pfa = (1 + alpha/n)^-n
 *   GO/SO: halves of n1, n2 cells   exact closed forms (docs/ALGORITHMS.md)
 *   OS: k-th of n                Pfa = prod_{i=0}^{k-1} (n-i)/(n-i+alpha)
 * Each returns alpha > 0, or a negative triad_err for impossible arguments. */
double triad_cfar_alpha_ca(double pfa, double n);
double triad_cfar_alpha_goso(triad_cfar_type type, double pfa, int n1, int n2);
double triad_cfar_alpha_os(double pfa, int n, int k);

/* The false-alarm probability those thresholds give (the forward formulas, for tests). */
double triad_cfar_pfa_ca(double alpha, double n);
double triad_cfar_pfa_goso(triad_cfar_type type, double alpha, int n1, int n2);
double triad_cfar_pfa_os(double alpha, int n, int k);

#ifdef __cplusplus
}
#endif
#endif
