/* Triad — a small RGB canvas for the pictures the program writes (range-Doppler maps, benchmark
 * charts): filled rectangles, one-pixel frames and lines, text in a built-in 5x7 bitmap font
 * (printable ASCII, horizontal or reading upwards), round axis ticks, and PNG output with
 * libpng. Internal to the library (prefix triad__); the pictures' public writers are
 * io/rdmap_png.h and io/plot_png.h.
 *
 * Coordinates are pixels, x to the right and y downwards from the top-left corner; anything
 * drawn outside the canvas is clipped. Not thread-safe per canvas; distinct canvases are
 * independent.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_PNG_CANVAS_H
#define TRIAD_IO_PNG_CANVAS_H

#include <stddef.h>

enum {
    TRIAD__GLYPH_W = 5,    /* font cell width, font pixels */
    TRIAD__GLYPH_H = 7,    /* cap height, used for layout */
    TRIAD__GLYPH_ROWS = 9, /* with two rows of descender below the baseline (g, j, p, q, y) */
    TRIAD__GLYPH_ADV = 6,  /* glyph width plus one column of spacing */
    TRIAD__TEXT_MAX = 512, /* longest text drawn, characters; longer text is cut */
    TRIAD__TICKS_MAX = 64,
    TRIAD__TICK_LABEL_MAX = 32,
};

typedef struct {
    unsigned char r, g, b;
} triad__rgb;

typedef struct {
    unsigned char *px; /* [h][w][3], row-major RGB */
    int w, h;
} triad__canvas;

/* A white canvas of w x h pixels. Returns 0, TRIAD_EINVAL (w or h <= 0) or TRIAD_ENOMEM; no
 * message is recorded (the caller names the file). */
int triad__canvas_init(triad__canvas *c, int w, int h);
void triad__canvas_free(triad__canvas *c); /* NULL-safe; leaves px NULL */

/* Fill [x, x+w) x [y, y+h) with col. */
void triad__canvas_fill(triad__canvas *c, int x, int y, int w, int h, triad__rgb col);
/* One-pixel outline just outside the box [x, x+w) x [y, y+h). */
void triad__canvas_frame(triad__canvas *c, int x, int y, int w, int h, triad__rgb col);
/* A straight line from (x0, y0) to (x1, y1), both ends included, width pixels wide
 * (square brush, >= 1). */
void triad__canvas_line(triad__canvas *c, int x0, int y0, int x1, int y1, int width,
                        triad__rgb col);

/* Width in pixels of s drawn at scale (every font pixel is scale x scale pixels). Characters
 * outside printable ASCII count as '?'. */
int triad__text_width(const char *s, int scale);
/* Horizontal text with its top-left corner at (x, y); descenders go below y + 7 * scale. */
void triad__canvas_text(triad__canvas *c, int x, int y, const char *s, int scale,
                        triad__rgb col);
/* Text reading upwards (a quarter turn anticlockwise): the glyph tops face left, the text
 * starts at y_bottom and occupies columns [x, x + 7 * scale) plus the descenders to their
 * right. */
void triad__canvas_text_up(triad__canvas *c, int x, int y_bottom, const char *s, int scale,
                           triad__rgb col);

/* Round ticks (1, 2 or 5 x 10^k) inside [lo, hi] for an axis len_px pixels long, at least
 * min_px apart; for a horizontal axis also far enough apart that the labels (drawn at
 * text_scale) do not touch. Labels have as many decimals as the step needs. count is 0 when
 * the span is empty or not finite. */
typedef struct {
    int count;
    double value[TRIAD__TICKS_MAX];
    char label[TRIAD__TICKS_MAX][TRIAD__TICK_LABEL_MAX];
    int max_label_w; /* pixels */
} triad__axis_ticks;

void triad__ticks_make(double lo, double hi, double len_px, double min_px, int horizontal,
                       int text_scale, triad__axis_ticks *t);

/* Pixel coordinate of a continuous position, clamped to the frame around [start, start+len). */
int triad__axis_pixel(double pos, int start, int len);

/* Write the canvas as an 8-bit RGB PNG file at path (created or truncated), with a Software
 * text chunk "Triad" and, when title is plain printable ASCII (at most 790 characters), a
 * Title chunk. Returns 0, or after recording a message naming the path: TRIAD_EIO (cannot
 * open or write; a partial file may be left), TRIAD_ENOMEM. */
int triad__canvas_write_png(const char *path, const triad__canvas *c, const char *title);

#endif
