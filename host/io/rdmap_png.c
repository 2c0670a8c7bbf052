/* Range-Doppler power map as a PNG picture: max-hold resampling, a viridis-like colour scale, axes
 * with round ticks, a colour bar and a title drawn with a small built-in 5x7 bitmap font; written
 * with libpng.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/rdmap_png.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"

enum {
    PLOT_MAX_W = 1200, /* plot area limits, pixels; larger maps are reduced with max-hold */
    PLOT_MAX_H = 600,
    PLOT_PREF_W = 1024, /* smaller maps repeat cells by an integer factor up to about this size */
    PLOT_PREF_H = 512,
    TEXT_SCALE = 2,     /* every font pixel is drawn as TEXT_SCALE x TEXT_SCALE pixels */
    GLYPH_W = 5,
    GLYPH_H = 7,        /* cap height, used for layout */
    GLYPH_ROWS = 9,     /* with two rows of descender below the baseline (g, j, p, q, y) */
    GLYPH_ADV = 6,      /* glyph width plus one column of spacing */
    PAD = 12,
    TICK_LEN = 6,
    LABEL_GAP = 4,
    BAR_GAP = 28,
    BAR_W = 22,
    MAX_TICKS = 64,
    LABEL_MAX = 32,
    TEXT_MAX = 512,     /* longest text drawn, characters */
};

#define FLOOR_POWER 1e-30 /* powers at or below this (and NaN) are drawn as FLOOR_DB */
#define FLOOR_DB (-300.0)

/* 5x7 glyphs for printable ASCII 32..126: seven rows above the baseline and two of descender, top
 * first; bit 4 is the leftmost column. */
static const unsigned char font5x7[95][GLYPH_ROWS] = {
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, /*   */
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04, 0x00, 0x00}, /* ! */
    {0x0a, 0x0a, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, /* " */
    {0x0a, 0x0a, 0x1f, 0x0a, 0x1f, 0x0a, 0x0a, 0x00, 0x00}, /* # */
    {0x04, 0x0f, 0x14, 0x0e, 0x05, 0x1e, 0x04, 0x00, 0x00}, /* $ */
    {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03, 0x00, 0x00}, /* % */
    {0x0c, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0d, 0x00, 0x00}, /* & */
    {0x04, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, /* ' */
    {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02, 0x00, 0x00}, /* ( */
    {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08, 0x00, 0x00}, /* ) */
    {0x00, 0x04, 0x15, 0x0e, 0x15, 0x04, 0x00, 0x00, 0x00}, /* * */
    {0x00, 0x04, 0x04, 0x1f, 0x04, 0x04, 0x00, 0x00, 0x00}, /* + */
    {0x00, 0x00, 0x00, 0x00, 0x0c, 0x04, 0x08, 0x00, 0x00}, /* , */
    {0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00}, /* - */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c, 0x00, 0x00}, /* . */
    {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00, 0x00, 0x00}, /* / */
    {0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e, 0x00, 0x00}, /* 0 */
    {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e, 0x00, 0x00}, /* 1 */
    {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f, 0x00, 0x00}, /* 2 */
    {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e, 0x00, 0x00}, /* 3 */
    {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02, 0x00, 0x00}, /* 4 */
    {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e, 0x00, 0x00}, /* 5 */
    {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e, 0x00, 0x00}, /* 6 */
    {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08, 0x00, 0x00}, /* 7 */
    {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e, 0x00, 0x00}, /* 8 */
    {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c, 0x00, 0x00}, /* 9 */
    {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00, 0x00, 0x00}, /* : */
    {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x04, 0x08, 0x00, 0x00}, /* ; */
    {0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02, 0x00, 0x00}, /* < */
    {0x00, 0x00, 0x1f, 0x00, 0x1f, 0x00, 0x00, 0x00, 0x00}, /* = */
    {0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08, 0x00, 0x00}, /* > */
    {0x0e, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04, 0x00, 0x00}, /* ? */
    {0x0e, 0x11, 0x01, 0x0d, 0x15, 0x15, 0x0e, 0x00, 0x00}, /* @ */
    {0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11, 0x00, 0x00}, /* A */
    {0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e, 0x00, 0x00}, /* B */
    {0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e, 0x00, 0x00}, /* C */
    {0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c, 0x00, 0x00}, /* D */
    {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f, 0x00, 0x00}, /* E */
    {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10, 0x00, 0x00}, /* F */
    {0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f, 0x00, 0x00}, /* G */
    {0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11, 0x00, 0x00}, /* H */
    {0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e, 0x00, 0x00}, /* I */
    {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c, 0x00, 0x00}, /* J */
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11, 0x00, 0x00}, /* K */
    {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f, 0x00, 0x00}, /* L */
    {0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11, 0x00, 0x00}, /* M */
    {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11, 0x00, 0x00}, /* N */
    {0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e, 0x00, 0x00}, /* O */
    {0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10, 0x00, 0x00}, /* P */
    {0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d, 0x00, 0x00}, /* Q */
    {0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11, 0x00, 0x00}, /* R */
    {0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e, 0x00, 0x00}, /* S */
    {0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x00}, /* T */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e, 0x00, 0x00}, /* U */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04, 0x00, 0x00}, /* V */
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a, 0x00, 0x00}, /* W */
    {0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11, 0x00, 0x00}, /* X */
    {0x11, 0x11, 0x0a, 0x04, 0x04, 0x04, 0x04, 0x00, 0x00}, /* Y */
    {0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f, 0x00, 0x00}, /* Z */
    {0x0e, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0e, 0x00, 0x00}, /* [ */
    {0x00, 0x10, 0x08, 0x04, 0x02, 0x01, 0x00, 0x00, 0x00}, /* backslash */
    {0x0e, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0e, 0x00, 0x00}, /* ] */
    {0x04, 0x0a, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, /* ^ */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x00, 0x00}, /* _ */
    {0x08, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, /* ` */
    {0x00, 0x00, 0x0e, 0x01, 0x0f, 0x11, 0x0f, 0x00, 0x00}, /* a */
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1e, 0x00, 0x00}, /* b */
    {0x00, 0x00, 0x0e, 0x10, 0x10, 0x11, 0x0e, 0x00, 0x00}, /* c */
    {0x01, 0x01, 0x0d, 0x13, 0x11, 0x11, 0x0f, 0x00, 0x00}, /* d */
    {0x00, 0x00, 0x0e, 0x11, 0x1f, 0x10, 0x0e, 0x00, 0x00}, /* e */
    {0x06, 0x09, 0x08, 0x1c, 0x08, 0x08, 0x08, 0x00, 0x00}, /* f */
    {0x00, 0x00, 0x0f, 0x11, 0x11, 0x11, 0x0f, 0x01, 0x0e}, /* g */
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11, 0x00, 0x00}, /* h */
    {0x04, 0x00, 0x0c, 0x04, 0x04, 0x04, 0x0e, 0x00, 0x00}, /* i */
    {0x02, 0x00, 0x06, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c}, /* j */
    {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12, 0x00, 0x00}, /* k */
    {0x0c, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e, 0x00, 0x00}, /* l */
    {0x00, 0x00, 0x1a, 0x15, 0x15, 0x11, 0x11, 0x00, 0x00}, /* m */
    {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11, 0x00, 0x00}, /* n */
    {0x00, 0x00, 0x0e, 0x11, 0x11, 0x11, 0x0e, 0x00, 0x00}, /* o */
    {0x00, 0x00, 0x1e, 0x11, 0x11, 0x11, 0x1e, 0x10, 0x10}, /* p */
    {0x00, 0x00, 0x0f, 0x11, 0x11, 0x11, 0x0f, 0x01, 0x01}, /* q */
    {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10, 0x00, 0x00}, /* r */
    {0x00, 0x00, 0x0e, 0x10, 0x0e, 0x01, 0x1e, 0x00, 0x00}, /* s */
    {0x08, 0x08, 0x1c, 0x08, 0x08, 0x09, 0x06, 0x00, 0x00}, /* t */
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0d, 0x00, 0x00}, /* u */
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x0a, 0x04, 0x00, 0x00}, /* v */
    {0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0a, 0x00, 0x00}, /* w */
    {0x00, 0x00, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x00, 0x00}, /* x */
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x11, 0x0f, 0x01, 0x0e}, /* y */
    {0x00, 0x00, 0x1f, 0x02, 0x04, 0x08, 0x1f, 0x00, 0x00}, /* z */
    {0x02, 0x04, 0x04, 0x08, 0x04, 0x04, 0x02, 0x00, 0x00}, /* { */
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x00}, /* | */
    {0x08, 0x04, 0x04, 0x02, 0x04, 0x04, 0x08, 0x00, 0x00}, /* } */
    {0x00, 0x00, 0x08, 0x15, 0x02, 0x00, 0x00, 0x00, 0x00}, /* ~ */
};

typedef struct {
    unsigned char r, g, b;
} rgb;

typedef struct {
    unsigned char *px; /* [h][w][3] */
    int w, h;
} canvas;

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

/* ---- drawing ------------------------------------------------------------------------------ */

static void fill_rect(canvas *c, int x, int y, int w, int h, rgb col)
{
    int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    int x1 = x + w > c->w ? c->w : x + w, y1 = y + h > c->h ? c->h : y + h;
    for (int yy = y0; yy < y1; yy++) {
        unsigned char *q = c->px + ((size_t)yy * (size_t)c->w + (size_t)x0) * 3;
        for (int xx = x0; xx < x1; xx++, q += 3) {
            q[0] = col.r;
            q[1] = col.g;
            q[2] = col.b;
        }
    }
}

/* One-pixel outline just outside the box [x, x+w) x [y, y+h). */
static void frame_rect(canvas *c, int x, int y, int w, int h)
{
    fill_rect(c, x - 1, y - 1, w + 2, 1, BLACK);
    fill_rect(c, x - 1, y + h, w + 2, 1, BLACK);
    fill_rect(c, x - 1, y, 1, h, BLACK);
    fill_rect(c, x + w, y, 1, h, BLACK);
}

static const unsigned char *glyph(char ch)
{
    unsigned u = (unsigned char)ch;
    if (u < 32 || u > 126)
        u = '?';
    return font5x7[u - 32];
}

static int text_len(const char *s)
{
    size_t len = strlen(s);
    return len > TEXT_MAX ? TEXT_MAX : (int)len;
}

static int text_width(const char *s, int scale)
{
    const int len = text_len(s);
    return len ? (len * GLYPH_ADV - 1) * scale : 0;
}

/* Horizontal text with its top-left corner at (x, y); descenders go below y + GLYPH_H * scale. */
static void draw_text(canvas *c, int x, int y, const char *s, int scale)
{
    const int len = text_len(s);
    for (int i = 0; i < len; i++) {
        const unsigned char *g = glyph(s[i]);
        for (int r = 0; r < GLYPH_ROWS; r++)
            for (int b = 0; b < GLYPH_W; b++)
                if (g[r] & (0x10 >> b))
                    fill_rect(c, x + (i * GLYPH_ADV + b) * scale, y + r * scale, scale, scale,
                              BLACK);
    }
}

/* Text reading upwards (turned a quarter turn anticlockwise): the glyph tops face left, the
 * text starts at the bottom, y_bottom, and occupies columns [x, x + GLYPH_H * scale) plus the
 * descenders to their right. */
static void draw_text_up(canvas *c, int x, int y_bottom, const char *s, int scale)
{
    const int len = text_len(s);
    for (int i = 0; i < len; i++) {
        const unsigned char *g = glyph(s[i]);
        for (int r = 0; r < GLYPH_ROWS; r++)
            for (int b = 0; b < GLYPH_W; b++)
                if (g[r] & (0x10 >> b))
                    fill_rect(c, x + r * scale, y_bottom - (i * GLYPH_ADV + b + 1) * scale, scale,
                              scale, BLACK);
    }
}

/* ---- ticks -------------------------------------------------------------------------------- */

typedef struct {
    int count;
    double value[MAX_TICKS];
    char label[MAX_TICKS][LABEL_MAX];
    int max_label_w; /* pixels */
} axis_ticks;

/* Round ticks (1, 2 or 5 x 10^k) inside [lo, hi] for an axis len_px pixels long: at least min_px
 * apart, and for a horizontal axis far enough apart that the labels do not touch. */
static void make_ticks(double lo, double hi, double len_px, double min_px, int horizontal,
                       axis_ticks *t)
{
    static const int mant[3] = {1, 2, 5};
    const double span = hi - lo;
    t->count = 0;
    t->max_label_w = 0;
    if (!(span > 0.0) || !isfinite(span) || !(len_px > 0.0))
        return;
    const double raw = span * min_px / len_px;
    int e = (int)floor(log10(raw)), m = 0;
    while (m < 3 && mant[m] * pow(10.0, e) < raw * (1.0 - 1e-9))
        m++;
    if (m == 3) {
        m = 0;
        e++;
    }
    for (int iter = 0; iter < 64; iter++, m = (m + 1) % 3, e += m == 0) {
        const double step = mant[m] * pow(10.0, e);
        const double k0 = ceil(lo / step - 1e-9), k1 = floor(hi / step + 1e-9);
        if (!(k1 - k0 + 1.0 <= MAX_TICKS))
            continue;
        const int decimals = e < 0 ? (e < -12 ? 12 : -e) : 0;
        t->count = 0;
        t->max_label_w = 0;
        for (double k = k0; k <= k1; k += 1.0) {
            double v = k * step;
            if (v == 0.0)
                v = 0.0; /* no "-0" */
            char *label = t->label[t->count];
            snprintf(label, LABEL_MAX, "%.*f", decimals, v);
            const int w = text_width(label, TEXT_SCALE);
            if (w > t->max_label_w)
                t->max_label_w = w;
            t->value[t->count++] = v;
        }
        const double spacing_px = step / span * len_px;
        if (!horizontal || spacing_px >= t->max_label_w + 2 * GLYPH_ADV * TEXT_SCALE)
            return;
    }
}

/* Pixel coordinate of a continuous position, clamped to the frame around [start, start + len). */
static int axis_pixel(double pos, int start, int len)
{
    if (!(pos > start - 1.0))
        return start - 1;
    if (pos >= start + len)
        return start + len;
    return (int)floor(pos);
}

/* ---- PNG output --------------------------------------------------------------------------- */

typedef struct {
    png_structp png;
    png_infop info;
    FILE *file;
    char msg[256];
} png_job;

static void on_png_error(png_structp png, png_const_charp msg)
{
    png_job *job = png_get_error_ptr(png);
    snprintf(job->msg, sizeof job->msg, "%s", msg ? msg : "libpng error");
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static int title_is_plain(const char *title)
{
    if (!title || !*title || strlen(title) > 79 * 10)
        return 0;
    for (const char *s = title; *s; s++)
        if ((unsigned char)*s < 32 || (unsigned char)*s > 126)
            return 0;
    return 1;
}

/* The libpng part; job lives in the caller's frame so nothing here is clobbered by longjmp. */
static int png_encode(png_job *job, const char *path, const canvas *c, const char *title)
{
    job->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, job, on_png_error, on_png_warning);
    if (!job->png)
        return triad__fail(TRIAD_ENOMEM, "%s: cannot write PNG: out of memory", path);
    job->info = png_create_info_struct(job->png);
    if (!job->info)
        return triad__fail(TRIAD_ENOMEM, "%s: cannot write PNG: out of memory", path);
    if (setjmp(png_jmpbuf(job->png)))
        return triad__fail(TRIAD_EIO, "%s: cannot write PNG: %s", path, job->msg);

    png_init_io(job->png, job->file);
    png_set_IHDR(job->png, job->info, (png_uint_32)c->w, (png_uint_32)c->h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_text text[2];
    memset(text, 0, sizeof text);
    text[0].compression = PNG_TEXT_COMPRESSION_NONE;
    text[0].key = (png_charp) "Software";
    text[0].text = (png_charp) "Triad";
    int ntext = 1;
    if (title_is_plain(title)) {
        text[1].compression = PNG_TEXT_COMPRESSION_NONE;
        text[1].key = (png_charp) "Title";
        text[1].text = (png_charp)title;
        ntext = 2;
    }
    png_set_text(job->png, job->info, text, ntext);
    png_write_info(job->png, job->info);
    for (int y = 0; y < c->h; y++)
        png_write_row(job->png, c->px + (size_t)y * (size_t)c->w * 3);
    png_write_end(job->png, job->info);
    return 0;
}

static int write_canvas(const char *path, const canvas *c, const char *title)
{
    png_job job;
    memset(&job, 0, sizeof job);
    job.file = fopen(path, "wb");
    if (!job.file)
        return triad__fail(TRIAD_EIO, "%s: cannot open for writing: %s", path, strerror(errno));
    int rc = png_encode(&job, path, c, title);
    png_destroy_write_struct(&job.png, &job.info);
    if (fclose(job.file) != 0 && rc == 0)
        rc = triad__fail(TRIAD_EIO, "%s: cannot write PNG: %s", path, strerror(errno));
    return rc;
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

    canvas c = {malloc((size_t)width * (size_t)height * 3), width, height};
    rgb cmap[256];
    build_colormap(cmap);
    int rc = c.px ? 0 : TRIAD_ENOMEM;
    if (rc == 0) {
        memset(c.px, 255, (size_t)width * (size_t)height * 3);
        rc = draw_map(&c, left, top, pw, ph, map, p, n, lo_db, span_db, cmap);
    }
    if (rc != 0) {
        free(ticks);
        free(c.px);
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
    free(c.px);
    return rc;
}
