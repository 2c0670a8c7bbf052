/* Tapering windows. Symmetric definitions (as scipy.signal.windows with sym=True), peak 1.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "triad/window.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "triad/units.h"

static const char *const window_names[] = {"none", "hann", "hamming", "blackman", "taylor"};

const char *triad_window_name(triad_window_type type)
{
    if ((unsigned)type < sizeof window_names / sizeof window_names[0])
        return window_names[type];
    return "?";
}

/* Taylor window (Carrara/Doerry form): flat sidelobes at sll_db for nbar-1 lobes. */
static void taylor_fill(size_t n, int nbar, double sll_db, double *w)
{
    const double a = acosh(pow(10.0, sll_db / 20.0)) / TRIAD_PI;
    const double s2 = (double)nbar * nbar / (a * a + (nbar - 0.5) * (nbar - 0.5));
    double fm[64];
    for (int m = 1; m < nbar; m++) {
        double num = 1.0, den = 1.0;
        for (int i = 1; i < nbar; i++) {
            num *= 1.0 - (double)m * m / (s2 * (a * a + (i - 0.5) * (i - 0.5)));
            if (i != m)
                den *= 1.0 - (double)m * m / ((double)i * i);
        }
        fm[m] = ((m % 2) ? 0.5 : -0.5) * num / den;
    }
    /* value at x = 0, the peak: scipy's norm=True divides by it */
    double mid = 1.0;
    for (int m = 1; m < nbar; m++)
        mid += 2.0 * fm[m];
    for (size_t k = 0; k < n; k++) {
        const double x = ((double)k - 0.5 * (double)(n - 1)) / (double)n;
        double v = 1.0;
        for (int m = 1; m < nbar; m++)
            v += 2.0 * fm[m] * cos(2.0 * TRIAD_PI * m * x);
        w[k] = v / mid;
    }
}

int triad_window_fill(const triad_window *win, size_t n, double *w)
{
    if (n == 0)
        return triad__fail(TRIAD_EINVAL, "window: length is 0");
    if (n == 1 || win->type == TRIAD_WINDOW_NONE) {
        for (size_t k = 0; k < n; k++)
            w[k] = 1.0;
        return 0;
    }
    const double d = (double)(n - 1);
    switch (win->type) {
    case TRIAD_WINDOW_HANN:
        for (size_t k = 0; k < n; k++)
            w[k] = 0.5 - 0.5 * cos(2.0 * TRIAD_PI * (double)k / d);
        return 0;
    case TRIAD_WINDOW_HAMMING:
        for (size_t k = 0; k < n; k++)
            w[k] = 0.54 - 0.46 * cos(2.0 * TRIAD_PI * (double)k / d);
        return 0;
    case TRIAD_WINDOW_BLACKMAN:
        for (size_t k = 0; k < n; k++) {
            const double x = 2.0 * TRIAD_PI * (double)k / d;
            w[k] = 0.42 - 0.5 * cos(x) + 0.08 * cos(2.0 * x);
        }
        w[0] = w[n - 1] = 0.0; /* exact zeros, not -1e-17 */
        return 0;
    case TRIAD_WINDOW_TAYLOR:
        if (win->taylor_nbar < 1 || win->taylor_nbar > 63)
            return triad__fail(TRIAD_EINVAL, "window taylor: nbar %d outside 1..63",
                               win->taylor_nbar);
        if (!(win->taylor_sll_db > 0.0 && win->taylor_sll_db <= 200.0))
            return triad__fail(TRIAD_EINVAL,
                               "window taylor: sidelobe level %g dB outside (0, 200]",
                               win->taylor_sll_db);
        taylor_fill(n, win->taylor_nbar, win->taylor_sll_db, w);
        return 0;
    default:
        return triad__fail(TRIAD_EINVAL, "window: unknown type %d", (int)win->type);
    }
}

int triad_window_parse(const char *text, triad_window *win)
{
    memset(win, 0, sizeof *win);
    win->taylor_nbar = 4;
    win->taylor_sll_db = 35.0;
    for (size_t t = 0; t < sizeof window_names / sizeof window_names[0]; t++) {
        const size_t len = strlen(window_names[t]);
        if (strncmp(text, window_names[t], len) != 0)
            continue;
        if (text[len] == '\0') {
            win->type = (triad_window_type)t;
            return 0;
        }
        if (t == TRIAD_WINDOW_TAYLOR && text[len] == ':') {
            char *end;
            long nbar = strtol(text + len + 1, &end, 10);
            double sll = 35.0;
            if (*end == ':')
                sll = strtod(end + 1, &end);
            if (*end != '\0' || nbar < 1 || nbar > 63 || !(sll > 0.0 && sll <= 200.0))
                break;
            win->type = TRIAD_WINDOW_TAYLOR;
            win->taylor_nbar = (int)nbar;
            win->taylor_sll_db = sll;
            return 0;
        }
    }
    return triad__fail(TRIAD_EINVAL,
                       "window '%s': expected none, hann, hamming, blackman, taylor or "
                       "taylor:NBAR:SLL_DB (NBAR 1..63, SLL_DB in (0,200])",
                       text);
}
