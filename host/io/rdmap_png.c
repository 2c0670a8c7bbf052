/* Range-Doppler power map as a PNG picture: max-hold resampling, a viridis-like colour scale, axes
 * with round ticks, a colour bar and a title, drawn on the shared canvas (io/png_canvas.h: the
 * 5x7 bitmap font, libpng output).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/rdmap_png.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/error_internal.h"
#include "io/png_canvas.h"

enum {
    PLOT_MAX_W = 1200, /* plot area limits, pixels; larger maps are reduced with max-hold */
    PLOT_MAX_H = 600,
    PLOT_PREF_W = 1024, /* smaller maps repeat cells by an integer factor up to about this size */
    PLOT_PREF_H = 512,
    TEXT_SCALE = 2,     /* every font pixel is drawn as TEXT_SCALE x TEXT_SCALE pixels */
    GLYPH_H = TRIAD__GLYPH_H, /* cap height, used for layout */
    PAD = 12,
    TICK_LEN = 6,
    LABEL_GAP = 4,
    BAR_GAP = 28,
    BAR_W = 22,
};

#define FLOOR_POWER 1e-30 /* powers at or below this (and NaN) are drawn as FLOOR_DB */
#define FLOOR_DB (-300.0)

typedef triad__rgb rgb;
typedef triad__canvas canvas;
typedef triad__axis_ticks axis_ticks;

static const rgb BLACK = {0, 0, 0};

/* ---- colour scale ------------------------------------------------------------------------- */

/* Viridis-like: nine anchors from dark violet through blue and green to yellow, interpolated
 * linearly in RGB; lightness increases monotonically. */
static void build_colormap(rgb table[256])
{
    static const unsigned char anchor[9][3] = {
        {68, 1, 84},    {72, 40, 120},  {62, 74, 137},   {49, 104, 142}, {38, 130, 142},
        {31, 158, 137}, {53, 183, 121}, {109, 205, 89}, {253, 231, 37},
    };
    for (int i = 0; i < 256; i++) {
        const double pos = i / 255.0 * 8.0;
        int a = (int)pos;
        if (a > 7)
            a = 7;
        const double f = pos - a;
        unsigned char c[3];
        for (int k = 0; k < 3; k++)
            c[k] = (unsigned char)lround(anchor[a][k] + f * (anchor[a + 1][k] - anchor[a][k]));
        table[i] = (rgb){c[0], c[1], c[2]};
    }
}

/* Colour index for a dB value on the scale [lo_db, lo_db + span_db]; NaN gives the bottom. */
static int colour_index(double db, double lo_db, double span_db)
{
    const double t = (db - lo_db) / span_db;
    if (!(t > 0.0))
        return 0;
    if (t >= 1.0)
        return 255;
    return (int)(t * 255.0 + 0.5);
}

static double power_db(double power)
{
    return power > FLOOR_POWER ? 10.0 * log10(power) : FLOOR_DB;
}


/* ---- drawing: the shared canvas, everything in black -------------------------------------- */

static void fill_rect(canvas *c, int x, int y, int w, int h, rgb col)
{
    triad__canvas_fill(c, x, y, w, h, col);
}

static void frame_rect(canvas *c, int x, int y, int w, int h)
{
    triad__canvas_frame(c, x, y, w, h, BLACK);
}

static int text_width(const char *s, int scale) { return triad__text_width(s, scale); }

static void draw_text(canvas *c, int x, int y, const char *s, int scale)
{
    triad__canvas_text(c, x, y, s, scale, BLACK);
}

static void draw_text_up(canvas *c, int x, int y_bottom, const char *s, int scale)
{
    triad__canvas_text_up(c, x, y_bottom, s, scale, BLACK);
}

static void make_ticks(double lo, double hi, double len_px, double min_px, int horizontal,
                       axis_ticks *t)
{
    triad__ticks_make(lo, hi, len_px, min_px, horizontal, TEXT_SCALE, t);
}

static int axis_pixel(double pos, int start, int len) { return triad__axis_pixel(pos, start, len); }

static int write_canvas(const char *path, const canvas *c, const char *title)
{
    return triad__canvas_write_png(path, c, title);
}

/* ---- the plot ----------------------------------------------------------------------------- */

/* Plot size along one axis for `bins` bins: reduce to max_px, or repeat cells up to pref_px. */
static int plot_size(size_t bins, int max_px, int pref_px)
{
    if (bins > (size_t)max_px)
        return max_px;
    size_t f = (size_t)pref_px / bins;
    return (int)(bins * (f ? f : 1));
}

/* Fill the plot area at (x0, y0), pw x ph pixels: each pixel takes the maximum power over the
 * map cells it covers (one cell, repeated, when the map is smaller than the plot). */
static int draw_map(canvas *c, int x0, int y0, int pw, int ph, const float *map, size_t p,
                    size_t n, double lo_db, double span_db, const rgb cmap[256])
{
    size_t *c0 = malloc((size_t)pw * sizeof *c0);
    size_t *c1 = malloc((size_t)pw * sizeof *c1);
    float *rowmax = malloc((size_t)pw * sizeof *rowmax);
    if (!c0 || !c1 || !rowmax) {
        free(c0);
        free(c1);
        free(rowmax);
        return TRIAD_ENOMEM;
    }
    for (int x = 0; x < pw; x++) {
        c0[x] = (size_t)((uint64_t)x * n / (uint64_t)pw);
        c1[x] = (size_t)(((uint64_t)x + 1) * n + (uint64_t)pw - 1) / (uint64_t)pw;
        if (c1[x] > n)
            c1[x] = n;
        if (c1[x] <= c0[x])
            c1[x] = c0[x] + 1;
    }
    for (int y = 0; y < ph; y++) {
        const size_t r0 = (size_t)((uint64_t)y * p / (uint64_t)ph);
        size_t r1 = (size_t)((((uint64_t)y + 1) * p + (uint64_t)ph - 1) / (uint64_t)ph);
        if (r1 > p)
            r1 = p;
        if (r1 <= r0)
            r1 = r0 + 1;
        for (int x = 0; x < pw; x++)
            rowmax[x] = -1.0f;
        for (size_t r = r0; r < r1; r++) {
            const float *row = map + r * n;
            for (int x = 0; x < pw; x++) {
                float m = rowmax[x];
                for (size_t k = c0[x]; k < c1[x]; k++)
                    if (row[k] > m) /* false for NaN: NaN stays at the floor */
                        m = row[k];
                rowmax[x] = m;
            }
        }
        unsigned char *q = c->px + ((size_t)(y0 + y) * (size_t)c->w + (size_t)x0) * 3;
        for (int x = 0; x < pw; x++, q += 3) {
            const rgb col = cmap[colour_index(power_db(rowmax[x]), lo_db, span_db)];
            q[0] = col.r;
            q[1] = col.g;
            q[2] = col.b;
        }
    }
    free(c0);
    free(c1);
    free(rowmax);
    return 0;
}

int triad_rdmap_png_write(const char *path, const float *map, size_t p, size_t n,
                          const triad_rdmap_style *style)
{
    const char *where = path ? path : "(null path)";
    if (!path || !map || !style)
        return triad__fail(TRIAD_EINVAL, "%s: range-Doppler PNG: NULL %s", where,
                           !path ? "path" : !map ? "map" : "style");
    if (p == 0 || n == 0)
        return triad__fail(TRIAD_EINVAL, "%s: range-Doppler PNG: empty map (%zu x %zu)", where, p,
                           n);
    if (n > SIZE_MAX / sizeof(float) / p)
        return triad__fail(TRIAD_EINVAL, "%s: range-Doppler PNG: map size %zu x %zu overflows",
                           where, p, n);
    if (!(style->range_bin_m > 0.0) || !isfinite(style->range_bin_m))
        return triad__fail(TRIAD_EINVAL, "%s: range-Doppler PNG: range_bin_m %g must be > 0", where,
                           style->range_bin_m);
    if (!(style->velocity_bin_mps > 0.0) || !isfinite(style->velocity_bin_mps))
        return triad__fail(TRIAD_EINVAL, "%s: range-Doppler PNG: velocity_bin_mps %g must be > 0",
                           where, style->velocity_bin_mps);
    if (!(style->dynamic_range_db > 0.0) || !isfinite(style->dynamic_range_db))
        return triad__fail(TRIAD_EINVAL, "%s: range-Doppler PNG: dynamic_range_db %g must be > 0",
                           where, style->dynamic_range_db);
    if (!isfinite(style->range0_m))
        return triad__fail(TRIAD_EINVAL, "%s: range-Doppler PNG: range0_m %g is not finite", where,
                           style->range0_m);

    /* Axis extents: bin centres at the middle of their cells. */
    const double rb = style->range_bin_m, vb = style->velocity_bin_mps;
    const double half_p = (double)(p / 2);
    const double r_lo = style->range0_m - 0.5 * rb, r_hi = style->range0_m + ((double)n - 0.5) * rb;
    const double v_top = (half_p + 0.5) * vb, v_bot = (half_p + 0.5 - (double)p) * vb;
    if (!isfinite(r_lo) || !isfinite(r_hi) || !isfinite(v_top) || !isfinite(v_bot))
        return triad__fail(TRIAD_EINVAL, "%s: range-Doppler PNG: axis scales out of range", where);

    /* Colour scale from the largest finite power. */
    const size_t count = p * n;
    double max_power = 0.0;
    for (size_t i = 0; i < count; i++)
        if (isfinite(map[i]) && map[i] > max_power)
            max_power = map[i];
    const double span_db = style->dynamic_range_db;
    double hi_db = max_power > FLOOR_POWER ? 10.0 * log10(max_power) : FLOOR_DB + span_db;
    double lo_db = hi_db - span_db;

    const int pw = plot_size(n, PLOT_MAX_W, PLOT_PREF_W);
    const int ph = plot_size(p, PLOT_MAX_H, PLOT_PREF_H);

    /* Ticks and labels. */
    const int km = r_hi - r_lo > 10e3 || fmax(fabs(r_lo), fabs(r_hi)) >= 100e3;
    const double runit = km ? 1e3 : 1.0;
    axis_ticks *ticks = malloc(3 * sizeof *ticks);
    if (!ticks)
        return triad__fail(TRIAD_ENOMEM, "%s: range-Doppler PNG: out of memory", where);
    axis_ticks *rt = &ticks[0], *vt = &ticks[1], *dt = &ticks[2];
    make_ticks(r_lo / runit, r_hi / runit, pw, 80.0, 1, rt);
    make_ticks(v_bot, v_top, ph, 40.0, 0, vt);
    make_ticks(lo_db, hi_db, ph, 40.0, 0, dt);

    /* Layout. */
    const int S = TEXT_SCALE, ch = GLYPH_H * TEXT_SCALE;
    const char *rtitle = km ? "range (km)" : "range (m)";
    const char *vtitle = "velocity (m/s)";
    const char *btitle = "power (dB)";
    const char *title = style->title && *style->title ? style->title : NULL;
    int left = PAD + ch + PAD + vt->max_label_w + LABEL_GAP + TICK_LEN;
    if (rt->count > 0 && left < PAD + text_width(rt->label[0], S) / 2)
        left = PAD + text_width(rt->label[0], S) / 2;
    const int right = BAR_GAP + BAR_W + TICK_LEN + LABEL_GAP + dt->max_label_w + PAD + ch + PAD;
    const int width = left + pw + right;
    int title_scale = 3;
    while (title && title_scale > 1 && text_width(title, title_scale) > width - 2 * PAD)
        title_scale--;
    const int title_h = title ? GLYPH_H * title_scale + PAD : 0;
    const int top = PAD + title_h + ch / 2 + 2;
    const int bottom = 1 + TICK_LEN + LABEL_GAP + ch + PAD + ch + PAD;
    const int height = top + ph + bottom;

    canvas c;
    rgb cmap[256];
    build_colormap(cmap);
    int rc = triad__canvas_init(&c, width, height);
    if (rc == 0)
        rc = draw_map(&c, left, top, pw, ph, map, p, n, lo_db, span_db, cmap);
    if (rc != 0) {
        free(ticks);
        triad__canvas_free(&c);
        return triad__fail(rc, "%s: range-Doppler PNG: out of memory", where);
    }
    frame_rect(&c, left, top, pw, ph);

    /* Range axis (bottom). */
    const int label_y = top + ph + 1 + TICK_LEN + LABEL_GAP;
    for (int i = 0; i < rt->count; i++) {
        const double bin = (rt->value[i] * runit - style->range0_m) / rb + 0.5;
        const int x = axis_pixel(left + bin * pw / (double)n, left, pw);
        fill_rect(&c, x, top + ph + 1, 1, TICK_LEN, BLACK);
        draw_text(&c, x - text_width(rt->label[i], S) / 2, label_y, rt->label[i], S);
    }
    draw_text(&c, left + pw / 2 - text_width(rtitle, S) / 2, label_y + ch + PAD, rtitle, S);

    /* Velocity axis (left): row k at velocity -(k - p/2) * vb, row 0 at the top. */
    for (int i = 0; i < vt->count; i++) {
        const double row = half_p + 0.5 - vt->value[i] / vb;
        const int y = axis_pixel(top + row * ph / (double)p, top, ph);
        fill_rect(&c, left - 1 - TICK_LEN, y, TICK_LEN, 1, BLACK);
        draw_text(&c, left - 1 - TICK_LEN - LABEL_GAP - text_width(vt->label[i], S), y - ch / 2,
                  vt->label[i], S);
    }
    draw_text_up(&c, PAD, top + ph / 2 + text_width(vtitle, S) / 2, vtitle, S);

    /* Colour bar (right). */
    const int bx = left + pw + BAR_GAP;
    for (int y = 0; y < ph; y++)
        fill_rect(&c, bx, top + y, BAR_W, 1, cmap[colour_index(1.0 - (y + 0.5) / ph, 0.0, 1.0)]);
    frame_rect(&c, bx, top, BAR_W, ph);
    for (int i = 0; i < dt->count; i++) {
        const int y = axis_pixel(top + (hi_db - dt->value[i]) / span_db * ph, top, ph);
        fill_rect(&c, bx + BAR_W + 1, y, TICK_LEN, 1, BLACK);
        draw_text(&c, bx + BAR_W + 1 + TICK_LEN + LABEL_GAP, y - ch / 2, dt->label[i], S);
    }
    draw_text_up(&c, bx + BAR_W + 1 + TICK_LEN + LABEL_GAP + dt->max_label_w + PAD,
                 top + ph / 2 + text_width(btitle, S) / 2, btitle, S);

    /* Title, centred over the plot where it fits. */
    if (title) {
        int tx = left + pw / 2 - text_width(title, title_scale) / 2;
        if (tx + text_width(title, title_scale) > width - PAD)
            tx = width - PAD - text_width(title, title_scale);
        if (tx < PAD)
            tx = PAD;
        draw_text(&c, tx, PAD, title, title_scale);
    }

    free(ticks);
    rc = write_canvas(path, &c, title);
    triad__canvas_free(&c);
    return rc;
}
