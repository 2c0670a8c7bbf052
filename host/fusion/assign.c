/* Optimal assignment by shortest augmenting paths with dual potentials (the Hungarian method
 * in the Jonker-Volgenant / Kuhn-Munkres form): O(k^2 l) for k = min(rows, cols) rows placed
 * into l = max(rows, cols) columns.
 *
 * Forbidden entries: the solver needs a complete assignment of the smaller side, so each
 * forbidden entry is given a finite penalty larger than any possible difference in the total
 * of allowed entries. The optimum therefore uses as few forbidden entries as possible (the
 * most allowed pairs) and, among those, has the least total cost; the forbidden pairs it had
 * to take are then reported as -1. A penalty of that size (instead of the 1e18 sentinel
 * itself) keeps the allowed costs from vanishing below its rounding.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fusion/assign.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/error_internal.h"

typedef struct {
    const double *cost;
    size_t cols;    /* of the caller's matrix */
    int transposed; /* solver rows are the caller's columns */
    double base;    /* least allowed cost, subtracted */
    double penalty; /* a forbidden entry, after the shift */
} problem;

static double entry(const problem *pb, size_t i, size_t j)
{
    const double c = pb->transposed ? pb->cost[j * pb->cols + i] : pb->cost[i * pb->cols + j];
    return c >= TRIAD_ASSIGN_FORBIDDEN ? pb->penalty : c - pb->base;
}

int triad_assign(const double *cost, size_t rows, size_t cols, int *row_to_col)
{
    if (rows > 0 && !row_to_col)
        return triad__fail(TRIAD_EINVAL, "assign: row_to_col is NULL for %zu rows", rows);
    for (size_t r = 0; r < rows; r++)
        row_to_col[r] = -1;
    if (rows == 0 || cols == 0)
        return 0;
    if (!cost)
        return triad__fail(TRIAD_EINVAL, "assign: cost is NULL for a %zu x %zu matrix", rows, cols);
    if (rows > (size_t)INT32_MAX || cols > (size_t)INT32_MAX || rows > SIZE_MAX / cols)
        return triad__fail(TRIAD_EINVAL, "assign: %zu x %zu matrix too large", rows, cols);

    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < rows * cols; k++) {
        const double c = cost[k];
        if (isnan(c) || c == -INFINITY)
            return triad__fail(TRIAD_EINVAL, "assign: cost[%zu][%zu] = %g is not a number",
                               k / cols, k % cols, c);
        if (c >= TRIAD_ASSIGN_FORBIDDEN)
            continue;
        lo = fmin(lo, c);
        hi = fmax(hi, c);
    }
    problem pb = {.cost = cost, .cols = cols, .transposed = rows > cols};
    const size_t n = pb.transposed ? cols : rows; /* solver rows, n <= m */
    const size_t m = pb.transposed ? rows : cols;
    const double span = lo <= hi ? hi - lo : 0.0;
    pb.base = lo <= hi ? lo : 0.0;
    pb.penalty = span * (double)(n + 1) + 1.0;

    /* 1-based as in the textbook form: index 0 is the virtual start column / free row. */
    double *u = calloc(n + 1, sizeof *u);
    double *v = calloc(m + 1, sizeof *v);
    double *minv = malloc((m + 1) * sizeof *minv);
    size_t *match = calloc(m + 1, sizeof *match); /* solver row in each column, 0 = none */
    size_t *way = calloc(m + 1, sizeof *way);
    unsigned char *used = malloc(m + 1);
    int err = 0;
    if (!u || !v || !minv || !match || !way || !used) {
        err = triad__fail(TRIAD_ENOMEM, "assign: no memory for a %zu x %zu problem", rows, cols);
        goto out;
    }

    for (size_t i = 1; i <= n; i++) {
        match[0] = i;
        size_t j0 = 0;
        for (size_t j = 0; j <= m; j++) {
            minv[j] = INFINITY;
            used[j] = 0;
        }
        do { /* grow the alternating tree by the cheapest reduced cost until a free column */
            used[j0] = 1;
            const size_t i0 = match[j0];
            double delta = INFINITY;
            size_t j1 = 0;
            for (size_t j = 1; j <= m; j++) {
                if (used[j])
                    continue;
                const double cur = entry(&pb, i0 - 1, j - 1) - u[i0] - v[j];
                if (cur < minv[j]) {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if (minv[j] < delta) {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for (size_t j = 0; j <= m; j++) {
                if (used[j]) {
                    u[match[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
        } while (match[j0] != 0);
        do { /* flip the path back to the start */
            const size_t j1 = way[j0];
            match[j0] = match[j1];
            j0 = j1;
        } while (j0 != 0);
    }

    for (size_t j = 1; j <= m; j++) {
        if (match[j] == 0)
            continue;
        const size_t si = match[j] - 1, sj = j - 1;
        const size_t r = pb.transposed ? sj : si, c = pb.transposed ? si : sj;
        if (cost[r * cols + c] < TRIAD_ASSIGN_FORBIDDEN)
            row_to_col[r] = (int)c;
    }
out:
    free(u);
    free(v);
    free(minv);
    free(match);
    free(way);
    free(used);
    return err;
}
