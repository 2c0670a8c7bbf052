/* A bounded big-endian byte writer for the canonical encodings of share/ (internal).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_SHARE_BYTES_H
#define TRIAD_SHARE_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint8_t *p;
    size_t cap, len;
    bool overflow;
} triad__wr;

static inline void triad__wr_bytes(triad__wr *w, const void *src, size_t n)
{
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = true;
        return;
    }
    memcpy(w->p + w->len, src, n);
    w->len += n;
}

static inline void triad__wr_be(triad__wr *w, uint64_t v, int nbytes)
{
    uint8_t b[8];
    for (int i = 0; i < nbytes; i++)
        b[i] = (uint8_t)(v >> (8 * (nbytes - 1 - i)));
    triad__wr_bytes(w, b, (size_t)nbytes);
}

/* u8 length + bytes (n <= 255 checked by the caller). */
static inline void triad__wr_str8(triad__wr *w, const char *s)
{
    const size_t n = strlen(s);
    triad__wr_be(w, n, 1);
    triad__wr_bytes(w, s, n);
}

#endif
