/* Checked field access on cJSON objects; every failure names the file, the field, the value
 * and the reason.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_CORE_JSON_UTIL_H
#define TRIAD_CORE_JSON_UTIL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Deepest nesting of arrays and objects accepted (our formats use at most 4). */
#define TRIAD__JSON_MAX_DEPTH 64

/* Parse text[0..len) (need not be NUL-terminated) as one JSON value; name is used in messages.
 * Refused by name: NUL bytes, nesting deeper than TRIAD__JSON_MAX_DEPTH (before parsing), text
 * after the value, invalid JSON (line and column). *root is freed with cJSON_Delete. */
int triad__json_parse_any(const char *name, const char *text, size_t len, cJSON **root);
/* The same, and the value must be an object. */
int triad__json_parse(const char *name, const char *text, size_t len, cJSON **root);
/* Read a whole regular JSON file (at most max_bytes, refused by size before reading) and
 * parse it as an object. */
int triad__json_load(const char *path, size_t max_bytes, cJSON **root);

/* A finite number. Absent: *out = def when !required, else an error.
 * lo/hi bound the value (inclusive unless the *_open flag says otherwise). */
int triad__json_number(const char *file, const cJSON *obj, const char *key, bool required,
                       double def, double *out);
/* A finite number in [lo, hi] (a default outside the range is refused too). */
int triad__json_number_in(const char *file, const cJSON *obj, const char *key, bool required,
                          double def, double lo, double hi, double *out);
/* A whole number in [lo, hi]. */
int triad__json_count(const char *file, const cJSON *obj, const char *key, bool required,
                      long long def, long long lo, long long hi, long long *out);
/* A string copied into buf (truncation is an error). */
int triad__json_string(const char *file, const cJSON *obj, const char *key, bool required,
                       char *buf, size_t size);
/* An object member (NULL when absent and !required). */
int triad__json_object(const char *file, const cJSON *obj, const char *key, bool required,
                       const cJSON **out);

/* Error for a value outside its range: "FILE: field 'KEY': value V REASON". */
int triad__json_bad(const char *file, const char *key, double value, const char *reason);

#endif
