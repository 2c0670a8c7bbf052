/* Optimal assignment against brute force over every partial assignment of small random
 * matrices with forbidden entries: the optimum has the most allowed pairs and, among those,
 * the least total cost.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>

#include "fusion/assign.h"
#include "test_util.h"
#include "triad/error.h"

enum { MAXN = 7 };

typedef struct {
    const double *c;
    size_t rows, cols;
    int used[MAXN];
    int count;
    double cost;
    int best_count;
    double best_cost;
} brute;

/* Every row takes an unused allowed column or none. */
static void brute_rec(brute *b, size_t r)
{
    if (r == b->rows) {
        if (b->count > b->best_count ||
            (b->count == b->best_count && b->cost < b->best_cost)) {
            b->best_count = b->count;
            b->best_cost = b->cost;
        }
        return;
    }
    brute_rec(b, r + 1);
    for (size_t j = 0; j < b->cols; j++) {
        const double c = b->c[r * b->cols + j];
        if (b->used[j] || c >= TRIAD_ASSIGN_FORBIDDEN)
            continue;
        b->used[j] = 1;
        b->count++;
        b->cost += c;
        brute_rec(b, r + 1);
        b->cost -= c;
        b->count--;
        b->used[j] = 0;
    }
}

/* Checks the answer is a valid assignment of allowed pairs; returns its count and cost. */
static int evaluate(const double *c, size_t rows, size_t cols, const int *a, double *cost)
{
    int used[MAXN * 8] = {0}, count = 0;
    *cost = 0.0;
    for (size_t r = 0; r < rows; r++) {
        if (a[r] < 0) {
            assert_int_equal(a[r], -1);
            continue;
        }
        assert_true((size_t)a[r] < cols);
        assert_false(used[a[r]]);
        used[a[r]] = 1;
        assert_true(c[r * cols + (size_t)a[r]] < TRIAD_ASSIGN_FORBIDDEN);
        *cost += c[r * cols + (size_t)a[r]];
        count++;
    }
    return count;
}

static void test_against_brute_force(void **state)
{
    (void)state;
    test_rng rng = {21};
    int trials = 0;
    for (size_t rows = 1; rows <= MAXN; rows++)
        for (size_t cols = 1; cols <= MAXN; cols++)
            for (int k = 0; k < 30; k++) {
                double c[MAXN * MAXN];
                const double p_forbid = 0.1 * (k % 8); /* 0 .. 0.7 */
                for (size_t i = 0; i < rows * cols; i++) {
                    if (test_rng_uniform(&rng) < p_forbid)
                        c[i] = (k & 1) ? INFINITY : TRIAD_ASSIGN_FORBIDDEN * 2.0;
                    else if (k % 5 == 4)
                        c[i] = (double)(test_rng_next(&rng) % 4); /* many ties */
                    else
                        c[i] = (test_rng_uniform(&rng) - 0.3) * 100.0; /* some negative */
                }
                brute b = {.c = c, .rows = rows, .cols = cols, .best_count = -1};
                brute_rec(&b, 0);
                int a[MAXN];
                assert_int_equal(triad_assign(c, rows, cols, a), 0);
                double cost;
                const int count = evaluate(c, rows, cols, a, &cost);
                assert_int_equal(count, b.best_count);
                assert_true(fabs(cost - b.best_cost) < 1e-9 * (1.0 + fabs(b.best_cost)));
                trials++;
            }
    assert_int_equal(trials, MAXN * MAXN * 30);
}

/* Larger problems: the solution of a matrix and of its transpose cost the same, and no single
 * swap of two rows' columns (or move to a free column) improves it. */
static void test_larger_consistency(void **state)
{
    (void)state;
    test_rng rng = {22};
    enum { R = 40, C = 60 };
    double *c = malloc(sizeof(double) * R * C), *t = malloc(sizeof(double) * R * C);
    assert_non_null(c);
    assert_non_null(t);
    for (int rep = 0; rep < 5; rep++) {
        for (size_t i = 0; i < (size_t)R * C; i++)
            c[i] = test_rng_uniform(&rng) < 0.5 ? TRIAD_ASSIGN_FORBIDDEN
                                                : test_rng_uniform(&rng) * 1000.0;
        for (size_t r = 0; r < R; r++)
            for (size_t j = 0; j < C; j++)
                t[j * R + r] = c[r * C + j];
        int a[R], at[C];
        assert_int_equal(triad_assign(c, R, C, a), 0);
        assert_int_equal(triad_assign(t, C, R, at), 0);
        double cost = 0.0, cost_t = 0.0;
        int n = 0, n_t = 0;
        for (int r = 0; r < R; r++)
            if (a[r] >= 0) {
                cost += c[r * C + a[r]];
                n++;
            }
        for (int j = 0; j < C; j++)
            if (at[j] >= 0) {
                cost_t += t[j * R + at[j]];
                n_t++;
            }
        assert_int_equal(n, n_t);
        assert_true(fabs(cost - cost_t) < 1e-9 * cost);
        for (int r1 = 0; r1 < R; r1++)
            for (int r2 = r1 + 1; r2 < R; r2++) {
                if (a[r1] < 0 || a[r2] < 0)
                    continue;
                const double now = c[r1 * C + a[r1]] + c[r2 * C + a[r2]];
                const double sw1 = c[r1 * C + a[r2]], sw2 = c[r2 * C + a[r1]];
                if (sw1 < TRIAD_ASSIGN_FORBIDDEN && sw2 < TRIAD_ASSIGN_FORBIDDEN)
                    assert_true(sw1 + sw2 >= now - 1e-9);
            }
    }
    free(c);
    free(t);
}

static void test_edges_and_rejections(void **state)
{
    (void)state;
    int a[3] = {7, 7, 7};
    assert_int_equal(triad_assign(NULL, 0, 5, a), 0);
    assert_int_equal(triad_assign(NULL, 3, 0, a), 0);
    assert_true(a[0] == -1 && a[1] == -1 && a[2] == -1);
    assert_int_equal(triad_assign(NULL, 0, 0, NULL), 0);
    const double f = TRIAD_ASSIGN_FORBIDDEN;
    const double all_forbidden[6] = {f, f, INFINITY, f, f, 1e300};
    assert_int_equal(triad_assign(all_forbidden, 2, 3, a), 0);
    assert_true(a[0] == -1 && a[1] == -1);
    /* one allowed pair decides: row 1 takes column 2 even though it costs much */
    const double one[6] = {f, f, f, f, f, 1e12};
    assert_int_equal(triad_assign(one, 2, 3, a), 0);
    assert_true(a[0] == -1 && a[1] == 2);
}

static void test_more_pairs_win(void **state)
{
    (void)state;
    const double f = TRIAD_ASSIGN_FORBIDDEN;
    int a[2];
    /* row 0 may take either column, row 1 only column 0: two pairs (1 + 100) beat the
     * cheaper single pair (row 0 -> column 0 at 0) */
    const double c[4] = {0.0, 1.0, 100.0, f};
    assert_int_equal(triad_assign(c, 2, 2, a), 0);
    assert_true(a[0] == 1 && a[1] == 0);
    /* rejections */
    const double bad[4] = {0.0, NAN, 1.0, 2.0};
    assert_int_equal(triad_assign(bad, 2, 2, a), TRIAD_EINVAL);
    const double neg[4] = {0.0, -INFINITY, 1.0, 2.0};
    assert_int_equal(triad_assign(neg, 2, 2, a), TRIAD_EINVAL);
    assert_int_equal(triad_assign(NULL, 2, 2, a), TRIAD_EINVAL);
    assert_int_equal(triad_assign(c, 2, 2, NULL), TRIAD_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_brute_force),
        cmocka_unit_test(test_larger_consistency),
        cmocka_unit_test(test_edges_and_rejections),
        cmocka_unit_test(test_more_pairs_win),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
