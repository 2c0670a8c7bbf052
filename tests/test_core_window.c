/* Windows against independent values (scipy.signal.windows, sym=True) and their formulas.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "triad/error.h"
#include "triad/window.h"

static void test_taylor_matches_scipy(void **state)
{
    (void)state;
    /* scipy.signal.windows.taylor(8, nbar=4, sll=35) */
    static const double ref8[8] = {0.20718851, 0.46134978, 0.76808862, 0.97118449,
                                   0.97118449, 0.76808862, 0.46134978, 0.20718851};
    /* scipy.signal.windows.taylor(7, nbar=5, sll=40)[:3] */
    static const double ref7[3] = {0.16360185, 0.48167486, 0.84047057};
    double w[8];
    triad_window t = {.type = TRIAD_WINDOW_TAYLOR, .taylor_nbar = 4, .taylor_sll_db = 35};
    assert_int_equal(triad_window_fill(&t, 8, w), 0);
    for (int i = 0; i < 8; i++)
        assert_true(fabs(w[i] - ref8[i]) < 1e-7);
    t.taylor_nbar = 5;
    t.taylor_sll_db = 40;
    assert_int_equal(triad_window_fill(&t, 7, w), 0);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(w[i] - ref7[i]) < 1e-7);
    assert_true(fabs(w[3] - 1.0) < 1e-12); /* odd length: centre is the peak, 1 */
}

static void test_cosine_windows(void **state)
{
    (void)state;
    double w[9];
    triad_window h = {.type = TRIAD_WINDOW_HANN};
    assert_int_equal(triad_window_fill(&h, 9, w), 0);
    assert_true(fabs(w[0]) < 1e-15 && fabs(w[4] - 1.0) < 1e-15 && fabs(w[2] - 0.5) < 1e-15);
    h.type = TRIAD_WINDOW_HAMMING;
    assert_int_equal(triad_window_fill(&h, 9, w), 0);
    assert_true(fabs(w[0] - 0.08) < 1e-15 && fabs(w[4] - 1.0) < 1e-15);
    h.type = TRIAD_WINDOW_BLACKMAN;
    assert_int_equal(triad_window_fill(&h, 9, w), 0);
    assert_true(fabs(w[0]) < 1e-15 && fabs(w[4] - 1.0) < 1e-12);
    assert_true(fabs(w[2] - 0.34) < 1e-12); /* 0.42 - 0.5 cos(pi/2) + 0.08 cos(pi) */
    h.type = TRIAD_WINDOW_NONE;
    assert_int_equal(triad_window_fill(&h, 9, w), 0);
    for (int i = 0; i < 9; i++)
        assert_true(w[i] == 1.0);
}

static void test_parse_and_reject(void **state)
{
    (void)state;
    triad_window w;
    assert_int_equal(triad_window_parse("hann", &w), 0);
    assert_int_equal(w.type, TRIAD_WINDOW_HANN);
    assert_int_equal(triad_window_parse("taylor:5:40", &w), 0);
    assert_int_equal(w.type, TRIAD_WINDOW_TAYLOR);
    assert_int_equal(w.taylor_nbar, 5);
    assert_true(w.taylor_sll_db == 40.0);
    assert_int_equal(triad_window_parse("taylor:0:40", &w), TRIAD_EINVAL);
    assert_int_equal(triad_window_parse("taylor:4:-3", &w), TRIAD_EINVAL);
    assert_int_equal(triad_window_parse("kaiser", &w), TRIAD_EINVAL);
    assert_non_null(strstr(triad_errmsg(), "kaiser"));
    double v[4];
    triad_window bad = {.type = TRIAD_WINDOW_TAYLOR, .taylor_nbar = 0, .taylor_sll_db = 30};
    assert_int_equal(triad_window_fill(&bad, 4, v), TRIAD_EINVAL);
    assert_int_equal(triad_window_fill(&bad, 0, v), TRIAD_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_taylor_matches_scipy),
        cmocka_unit_test(test_cosine_windows),
        cmocka_unit_test(test_parse_and_reject),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
