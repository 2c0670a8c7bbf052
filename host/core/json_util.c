/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/json_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "core/file.h"

/* Deeper nesting than any of our formats uses is refused by name before cJSON recurses. */
static int check_depth(const char *name, const char *text, size_t len)
{
    size_t depth = 0, line = 1;
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
        const char c = text[i];
        if (c == '\n')
            line++;
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > TRIAD__JSON_MAX_DEPTH)
                return triad__fail(TRIAD_EFORMAT, "%s: line %zu: JSON nested deeper than %d levels",
                                   name, line, TRIAD__JSON_MAX_DEPTH);
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return 0;
}

int triad__json_parse_any(const char *name, const char *text, size_t len, cJSON **root)
{
    *root = NULL;
    if (len == 0)
        return triad__fail(TRIAD_EFORMAT, "%s: empty file, expected a JSON object", name);
    if (memchr(text, '\0', len))
        return triad__fail(TRIAD_EFORMAT, "%s: contains a NUL byte, not JSON text", name);
    int err = check_depth(name, text, len);
    if (err)
        return err;
    /* cJSON tells where it stopped only on NUL-terminated text: a copy, so that text need
     * not be (a fuzzer's buffer, a line of a larger file) */
    char *copy = malloc(len + 1);
    if (!copy)
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory", name);
    memcpy(copy, text, len);
    copy[len] = '\0';
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(copy, &end, 1);
    if (!j) {
        /* report line and column of where parsing stopped */
        const size_t stop = end ? (size_t)(end - copy) : 0;
        size_t line = 1, col = 1;
        for (size_t i = 0; i < stop && i < len; i++) {
            if (copy[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        free(copy);
        return triad__fail(TRIAD_EFORMAT, "%s: line %zu column %zu: %s", name, line, col,
                           stop >= len ? "JSON ends early (truncated file?)" : "invalid JSON");
    }
    free(copy);
    *root = j;
    return 0;
}

int triad__json_parse(const char *name, const char *text, size_t len, cJSON **root)
{
    int err = triad__json_parse_any(name, text, len, root);
    if (!err && !cJSON_IsObject(*root)) {
        cJSON_Delete(*root);
        *root = NULL;
        err = triad__fail(TRIAD_EFORMAT, "%s: top level is not a JSON object", name);
    }
    return err;
}

int triad__json_load(const char *path, size_t max_bytes, cJSON **root)
{
    *root = NULL;
    char *text;
    size_t len;
    int err = triad__read_file(path, max_bytes, "a JSON file", &text, &len);
    if (err)
        return err;
    if (len == 0)
        err = triad__fail(TRIAD_EFORMAT, "%s: empty file, expected a JSON object", path);
    else
        err = triad__json_parse(path, text, len, root);
    free(text);
    return err;
}

int triad__json_bad(const char *file, const char *key, double value, const char *reason)
{
    return triad__fail(TRIAD_EINVAL, "%s: field '%s': value %.9g %s", file, key, value, reason);
}

static const cJSON *member(const cJSON *obj, const char *key)
{
    return obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

int triad__json_number(const char *file, const cJSON *obj, const char *key, bool required,
                       double def, double *out)
{
    const cJSON *v = member(obj, key);
    if (!v) {
        if (required)
            return triad__fail(TRIAD_EFORMAT, "%s: field '%s' is missing", file, key);
        *out = def;
        return 0;
    }
    if (!cJSON_IsNumber(v))
        return triad__fail(TRIAD_EFORMAT, "%s: field '%s' is not a number", file, key);
    if (!isfinite(v->valuedouble))
        return triad__json_bad(file, key, v->valuedouble, "is not finite");
    *out = v->valuedouble;
    return 0;
}

int triad__json_number_in(const char *file, const cJSON *obj, const char *key, bool required,
                          double def, double lo, double hi, double *out)
{
    double d = 0.0;
    int err = triad__json_number(file, obj, key, required, def, &d);
    if (err)
        return err;
    if (!(d >= lo && d <= hi)) {
        char why[96];
        snprintf(why, sizeof why, "is outside [%.9g, %.9g]", lo, hi);
        return triad__json_bad(file, key, d, why);
    }
    *out = d;
    return 0;
}

int triad__json_count(const char *file, const cJSON *obj, const char *key, bool required,
                      long long def, long long lo, long long hi, long long *out)
{
    double d = 0.0;
    int err = triad__json_number(file, obj, key, required, (double)def, &d);
    if (err)
        return err;
    if (d != floor(d))
        return triad__json_bad(file, key, d, "is not a whole number");
    if (d < (double)lo || d > (double)hi) {
        char why[96];
        snprintf(why, sizeof why, "is outside %lld..%lld", lo, hi);
        return triad__json_bad(file, key, d, why);
    }
    *out = (long long)d;
    return 0;
}

int triad__json_string(const char *file, const cJSON *obj, const char *key, bool required,
                       char *buf, size_t size)
{
    const cJSON *v = member(obj, key);
    if (!v) {
        if (required)
            return triad__fail(TRIAD_EFORMAT, "%s: field '%s' is missing", file, key);
        buf[0] = '\0';
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return triad__fail(TRIAD_EFORMAT, "%s: field '%s' is not a string", file, key);
    if (strlen(v->valuestring) >= size)
        return triad__fail(TRIAD_EFORMAT, "%s: field '%s' is longer than %zu characters",
                           file, key, size - 1);
    strcpy(buf, v->valuestring);
    return 0;
}

int triad__json_object(const char *file, const cJSON *obj, const char *key, bool required,
                       const cJSON **out)
{
    const cJSON *v = member(obj, key);
    *out = NULL;
    if (!v) {
        if (required)
            return triad__fail(TRIAD_EFORMAT, "%s: field '%s' is missing", file, key);
        return 0;
    }
    if (!cJSON_IsObject(v))
        return triad__fail(TRIAD_EFORMAT, "%s: field '%s' is not an object", file, key);
    *out = v;
    return 0;
}
