/* Triad — FFTW wisdom: the plans FFTW measured, kept in a file so that a later run of the same
 * shapes plans at once instead of measuring again (docs/FORMATS.md, "FFTW wisdom").
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_WISDOM_H
#define TRIAD_WISDOM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The user's wisdom file: $XDG_CACHE_HOME/triad/fftw-wisdom, else
 * $HOME/.cache/triad/fftw-wisdom. Returns 0, or TRIAD_EINVAL when neither variable is set (or
 * the path does not fit in len bytes). */
int triad_fft_wisdom_default_path(char *path, size_t len);

/* Merge the wisdom of a file into this process's, before chains are created. A missing file
 * is no error (nothing is loaded; *loaded false); one that is not FFTW wisdom is TRIAD_EFORMAT
 * naming the file (nothing merged). Thread-safe with chain creation. loaded may be NULL. */
int triad_fft_wisdom_load(const char *path, int *loaded);

/* Write this process's wisdom to path (after chains were created), creating its folder
 * (and the folders above it) when missing; written to a temporary file first and renamed, so
 * a concurrent reader sees the old file or the new one. Returns 0 or TRIAD_EIO. */
int triad_fft_wisdom_save(const char *path);

/* Whether planning since the last load or save added wisdom (so that a save has news). */
int triad_fft_wisdom_changed(void);

#ifdef __cplusplus
}
#endif
#endif
