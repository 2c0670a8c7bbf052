/* Grouped bar charts as PNG pictures: bars per group and series, optional level markers and
 * labels, a linear or logarithmic y axis, a legend; drawn on the shared canvas.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/plot_png.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "io/png_canvas.h"

enum {
    S = 2,            /* text scale of names, ticks and legend */
    CH = TRIAD__GLYPH_H * S,
    PAD = 14,
    TICK_LEN = 6,
    LABEL_GAP = 5,
    BAR_W = 52,       /* one bar, pixels */
    BAR_GAP = 12,     /* between the bars of a group */
    GROUP_GAP = 36,   /* between groups */
    PLOT_H = 420,
    PLOT_MIN_W = 560,
    SWATCH = 14,      /* legend colour square */
    LEGEND_GAP = 24,  /* between legend entries */
    MARKER_OVER = 3,  /* the marker line sticks out this far each side of its bar */
    MAX_GROUPS = 64,
    MAX_SERIES = 8,
};

static const triad__rgb BLACK = {0, 0, 0};
static const triad__rgb GRID = {222, 222, 222};
static const triad__rgb SOFT = {90, 90, 90};

/* Colour-blind-friendly series colours (Okabe-Ito). */
static const triad__rgb PALETTE[MAX_SERIES] = {
    {0, 114, 178}, {230, 159, 0}, {0, 158, 115}, {204, 121, 167},
    {86, 180, 233}, {213, 94, 0}, {240, 228, 66}, {120, 120, 120},
};

typedef struct {
    int log;          /* logarithmic axis */
    double lo, hi;    /* axis range (values; both > 0 when log) */
    int top, ph;      /* plot area rows [top, top + ph) */
} yaxis;

/* Pixel row of value v on the axis (may lie outside the plot area). */
static double y_of(const yaxis *a, double v)
{
    double f;
    if (a->log)
        f = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    else
        f = (v - a->lo) / (a->hi - a->lo);
    return a->top + a->ph - f * a->ph;
}

static int drawable(double v) { return isfinite(v) && v > 0.0; }

/* Tick label of a logarithmic axis: plain numbers from 0.001 to 999999, else 1e<k>. */
static void log_label(double v, char *buf, size_t size)
{
    if (v >= 1.0 && v < 1e6)
        snprintf(buf, size, "%.0f", v);
    else if (v >= 1e-3 && v < 1.0)
        snprintf(buf, size, "%g", v);
    else
        snprintf(buf, size, "%.0fe%d", v / pow(10.0, floor(log10(v) + 1e-9)),
                 (int)floor(log10(v) + 1e-9));
}

/* Decade ticks (with 2 and 5 when the axis spans at most three decades). */
static void log_ticks(double lo, double hi, triad__axis_ticks *t)
{
    t->count = 0;
    t->max_label_w = 0;
    const int k0 = (int)floor(log10(lo) + 1e-9), k1 = (int)ceil(log10(hi) - 1e-9);
    const int fine = k1 - k0 <= 3;
    for (int k = k0; k <= k1 && t->count < TRIAD__TICKS_MAX; k++)
        for (int m = 1; m <= 5 && t->count < TRIAD__TICKS_MAX; m++) {
            if (m != 1 && !(fine && (m == 2 || m == 5)))
                continue;
            const double v = m * pow(10.0, k);
            if (v < lo * (1.0 - 1e-9) || v > hi * (1.0 + 1e-9))
                continue;
            log_label(v, t->label[t->count], TRIAD__TICK_LABEL_MAX);
            const int w = triad__text_width(t->label[t->count], S);
            if (w > t->max_label_w)
                t->max_label_w = w;
            t->value[t->count++] = v;
        }
}

static const char *or_empty(const char *s) { return s ? s : ""; }

int triad_barplot_png_write(const char *path, const triad_barplot *pl)
{
    const char *where = path ? path : "(null path)";
    if (!path || !pl || !pl->group_names || !pl->series_names || !pl->values)
        return triad__fail(TRIAD_EINVAL, "%s: bar chart PNG: NULL %s", where,
                           !path ? "path" : !pl ? "plot" : !pl->values ? "values" : "names");
    if (pl->groups < 1 || pl->groups > MAX_GROUPS || pl->series < 1 || pl->series > MAX_SERIES)
        return triad__fail(TRIAD_EINVAL,
                           "%s: bar chart PNG: %zu groups x %zu series (need 1..%d x 1..%d)",
                           where, pl->groups, pl->series, MAX_GROUPS, MAX_SERIES);
    const size_t nbars = pl->groups * pl->series;

    /* Value range over bars and markers. */
    double vmin = INFINITY, vmax = 0.0;
    for (size_t i = 0; i < nbars; i++) {
        const double v[2] = {pl->values[i], pl->markers ? pl->markers[i] : NAN};
        for (int k = 0; k < 2; k++)
            if (drawable(v[k])) {
                vmin = fmin(vmin, v[k]);
                vmax = fmax(vmax, v[k]);
            }
    }
    if (!(vmax > 0.0) || !isfinite(vmax))
        return triad__fail(TRIAD_EINVAL, "%s: bar chart PNG: no finite positive value to draw",
                           where);

    yaxis ax;
    ax.log = pl->log_scale > 0 || (pl->log_scale < 0 && vmax / vmin > 10.0);
    triad__axis_ticks yt;
    if (ax.log) {
        ax.lo = pow(10.0, floor(log10(vmin) + 1e-9));
        ax.hi = pow(10.0, ceil(log10(vmax * 1.3) - 1e-9)); /* room for labels above the bars */
        if (ax.hi <= ax.lo)
            ax.hi = ax.lo * 10.0;
        log_ticks(ax.lo, ax.hi, &yt);
    } else {
        ax.lo = 0.0;
        ax.hi = vmax * 1.15;
        triad__ticks_make(ax.lo, ax.hi, PLOT_H, 40.0, 0, S, &yt);
    }

    /* Layout: the slot of a group is wide enough for its bars and for its name and note. */
    const int bars_w = (int)pl->series * BAR_W + ((int)pl->series - 1) * BAR_GAP;
    int slot = bars_w + GROUP_GAP;
    for (size_t g = 0; g < pl->groups; g++) {
        const int wn = triad__text_width(or_empty(pl->group_names[g]), S) + 12;
        const int wt =
            pl->group_notes ? triad__text_width(or_empty(pl->group_notes[g]), S) + 12 : 0;
        slot = wn > slot ? wn : slot;
        slot = wt > slot ? wt : slot;
    }
    int pw = slot * (int)pl->groups;
    if (pw < PLOT_MIN_W) {
        slot = PLOT_MIN_W / (int)pl->groups;
        pw = slot * (int)pl->groups;
    }
    const char *ylabel = pl->y_label && *pl->y_label ? pl->y_label : NULL;
    const int left = PAD + (ylabel ? CH + PAD : 0) + yt.max_label_w + LABEL_GAP + TICK_LEN;
    const int right = PAD + 8;

    /* Legend entries: series swatches, then the marker; wrapped into rows. The picture is at
     * least as wide as the widest entry; extra width goes to the plot. */
    const size_t entries = pl->series + (pl->markers && pl->marker_name ? 1 : 0);
    int widest = 0;
    for (size_t e = 0; e < entries; e++) {
        const char *name = e < pl->series ? or_empty(pl->series_names[e]) : pl->marker_name;
        const int w = SWATCH + 6 + triad__text_width(name, S);
        widest = w > widest ? w : widest;
    }
    if (left + pw + right < widest + 2 * PAD) {
        slot = (widest + 2 * PAD - left - right + (int)pl->groups - 1) / (int)pl->groups;
        pw = slot * (int)pl->groups;
    }
    const int width = left + pw + right;
    int legend_rows = 1, row_w = 0;
    for (size_t e = 0; e < entries; e++) {
        const char *name = e < pl->series ? or_empty(pl->series_names[e]) : pl->marker_name;
        const int w = SWATCH + 6 + triad__text_width(name, S) + LEGEND_GAP;
        if (row_w > 0 && row_w + w - LEGEND_GAP > width - 2 * PAD) {
            legend_rows++;
            row_w = 0;
        }
        row_w += w;
    }
    const char *title = pl->title && *pl->title ? pl->title : NULL;
    int title_scale = 3;
    while (title && title_scale > 1 && triad__text_width(title, title_scale) > width - 2 * PAD)
        title_scale--;
    const int title_h = title ? TRIAD__GLYPH_H * title_scale + PAD : 0;
    const int legend_top = PAD + title_h;
    const int legend_h = legend_rows * (CH + 10);
    const int top = legend_top + legend_h + PAD;
    const int bottom = LABEL_GAP + CH + 8 + (pl->group_notes ? CH + 6 : 0) + PAD;
    const int height = top + PLOT_H + bottom;
    ax.top = top;
    ax.ph = PLOT_H;

    triad__canvas c;
    if (triad__canvas_init(&c, width, height))
        return triad__fail(TRIAD_ENOMEM, "%s: bar chart PNG: out of memory", where);

    /* Grid, y ticks and labels. */
    for (int i = 0; i < yt.count; i++) {
        const int y = triad__axis_pixel(y_of(&ax, yt.value[i]), top, PLOT_H);
        if (y > top && y < top + PLOT_H - 1)
            triad__canvas_fill(&c, left, y, pw, 1, GRID);
        triad__canvas_fill(&c, left - 1 - TICK_LEN, y, TICK_LEN, 1, BLACK);
        triad__canvas_text(&c, left - 1 - TICK_LEN - LABEL_GAP - triad__text_width(yt.label[i], S),
                           y - CH / 2, yt.label[i], S, BLACK);
    }
    if (ylabel)
        triad__canvas_text_up(&c, PAD, top + PLOT_H / 2 + triad__text_width(ylabel, S) / 2, ylabel,
                              S, BLACK);

    /* Bars, markers, labels; group names below. */
    const int base = top + PLOT_H; /* first row below the plot area */
    for (size_t g = 0; g < pl->groups; g++) {
        const int x0 = left + (int)g * slot + (slot - bars_w) / 2;
        for (size_t s = 0; s < pl->series; s++) {
            const size_t i = g * pl->series + s;
            const int x = x0 + (int)s * (BAR_W + BAR_GAP);
            const double v = pl->values[i];
            int label_y = base;
            if (drawable(v)) {
                int yv = (int)lround(y_of(&ax, fmax(v, ax.lo)));
                yv = yv < top ? top : yv;
                triad__canvas_fill(&c, x, yv, BAR_W, base - yv, PALETTE[s]);
                label_y = yv;
            }
            const double m = pl->markers ? pl->markers[i] : NAN;
            if (drawable(m)) {
                int ym = (int)lround(y_of(&ax, fmax(m, ax.lo)));
                ym = ym < top + 1 ? top + 1 : ym > base - 2 ? base - 2 : ym;
                triad__canvas_fill(&c, x - MARKER_OVER, ym - 1, BAR_W + 2 * MARKER_OVER, 3, BLACK);
                label_y = ym - 1 < label_y ? ym - 1 : label_y;
            }
            const char *lab = pl->bar_labels ? pl->bar_labels[i] : NULL;
            if (lab && *lab && !drawable(v) && !drawable(m) &&
                triad__text_width(lab, S) > BAR_W) { /* no bar: the label stands up in its place */
                triad__canvas_text_up(&c, x + BAR_W / 2 - CH / 2, base - 4, lab, S, SOFT);
            } else if (lab && *lab) {
                const int ls = triad__text_width(lab, S) <= BAR_W ? S : 1;
                const int lw = triad__text_width(lab, ls);
                int ly = label_y - 4 - TRIAD__GLYPH_H * ls;
                ly = ly < top + 2 ? top + 2 : ly;
                triad__canvas_text(&c, x + BAR_W / 2 - lw / 2, ly, lab, ls,
                                   drawable(v) ? BLACK : SOFT);
            }
        }
        const char *name = or_empty(pl->group_names[g]);
        const int cx = left + (int)g * slot + slot / 2;
        const int ny = base + 1 + LABEL_GAP;
        triad__canvas_text(&c, cx - triad__text_width(name, S) / 2, ny, name, S, BLACK);
        if (pl->group_notes && pl->group_notes[g])
            triad__canvas_text(&c, cx - triad__text_width(pl->group_notes[g], S) / 2,
                               ny + CH + 8, pl->group_notes[g], S, SOFT);
    }
    triad__canvas_frame(&c, left, top, pw, PLOT_H, BLACK);

    /* Legend, centred row by row. */
    {
        size_t e = 0;
        for (int r = 0; r < legend_rows && e < entries; r++) {
            size_t e1 = e;
            int w = 0;
            while (e1 < entries) {
                const char *name =
                    e1 < pl->series ? or_empty(pl->series_names[e1]) : pl->marker_name;
                const int ew = SWATCH + 6 + triad__text_width(name, S) + LEGEND_GAP;
                if (w > 0 && w + ew - LEGEND_GAP > width - 2 * PAD)
                    break;
                w += ew;
                e1++;
            }
            int x = (width - (w - LEGEND_GAP)) / 2;
            const int y = legend_top + r * (CH + 10);
            for (; e < e1; e++) {
                const char *name = e < pl->series ? or_empty(pl->series_names[e]) : pl->marker_name;
                if (e < pl->series) {
                    triad__canvas_fill(&c, x, y, SWATCH, SWATCH, PALETTE[e]);
                } else {
                    triad__canvas_fill(&c, x - 2, y + SWATCH / 2 - 1, SWATCH + 4, 3, BLACK);
                }
                triad__canvas_text(&c, x + SWATCH + 6, y + (SWATCH - CH) / 2, name, S, BLACK);
                x += SWATCH + 6 + triad__text_width(name, S) + LEGEND_GAP;
            }
        }
    }

    if (title) {
        int tx = width / 2 - triad__text_width(title, title_scale) / 2;
        tx = tx < PAD ? PAD : tx;
        triad__canvas_text(&c, tx, PAD, title, title_scale, BLACK);
    }

    const int rc = triad__canvas_write_png(path, &c, title);
    triad__canvas_free(&c);
    return rc;
}
