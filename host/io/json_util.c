/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/json_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"

int triad__json_load(const char *path, size_t max_bytes, cJSON **root)
{
    *root = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return triad__fail(TRIAD_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *text = malloc(max_bytes + 1);
    if (!text) {
        fclose(f);
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory", path);
    }
    const size_t len = fread(text, 1, max_bytes + 1, f);
    const int read_err = ferror(f);
    fclose(f);
    if (read_err) {
        free(text);
        return triad__fail(TRIAD_EIO, "%s: read error: %s", path, strerror(errno));
    }
    if (len > max_bytes) {
        free(text);
        return triad__fail(TRIAD_EFORMAT, "%s: larger than %zu bytes, not a metadata file",
                           path, max_bytes);
    }
    const int err = triad__json_parse(path, text, len, root);
    free(text);
    return err;
}

int triad__json_parse(const char *name, const char *text, size_t len, cJSON **root)
{
    *root = NULL;
    if (len == 0)
        return triad__fail(TRIAD_EFORMAT, "%s: empty file, expected a JSON object", name);
    if (memchr(text, '\0', len))
        return triad__fail(TRIAD_EFORMAT, "%s: contains a NUL byte, not JSON text", name);
    /* cJSON wants a NUL at the end; the copy lets the caller's buffer be any bytes */
    char *copy = malloc(len + 1);
    if (!copy)
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory", name);
    memcpy(copy, text, len);
    copy[len] = '\0';
    text = copy;
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(text, &end, 1);
    if (!j) {
        /* report line and column of where parsing stopped */
        const size_t stop = end && end >= text ? (size_t)(end - text) : 0;
        size_t line = 1, col = 1;
        for (size_t i = 0; i < stop && i < len; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        const int truncated = stop >= len;
        free(copy);
        return triad__fail(TRIAD_EFORMAT, "%s: line %zu column %zu: %s", name, line, col,
                           truncated ? "JSON ends early (truncated file?)" : "invalid JSON");
    }
    free(copy);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return triad__fail(TRIAD_EFORMAT, "%s: top level is not a JSON object", name);
    }
    *root = j;
    return 0;
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
