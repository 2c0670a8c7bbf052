/* SigMF recordings with the radar: extension: parse (from memory), validate, read CPIs from
 * plain files or .sigmf archives converting the datatype, write meta.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "core/file.h"
#include "io/detections_jsonl.h"
#include "core/json_util.h"
#include "triad/recording.h"
#include "triad/units.h"

enum { META_MAX_BYTES = 16 << 20 };

/* Sample indices, byte counts and offsets in a meta are JSON numbers: whole up to 2^53. */
#define JSON_INT_MAX 9007199254740992LL

/* Physical ranges (docs/FORMATS.md): outside them the output would be meaningless or not
 * finite (a carrier of 1e-300 Hz makes every velocity infinite). */
#define CARRIER_MIN_HZ 1e3
#define CARRIER_MAX_HZ 1e12 /* the SigMF schema's bound for core:frequency */
#define SAMPLE_RATE_MIN_HZ 1e3
#define SAMPLE_RATE_MAX_HZ 1e12 /* the schema's bound for core:sample_rate */
#define PRI_MIN_S 1e-9
#define PRI_MAX_S 10.0
#define RX_DELAY_MAX_S 1.0 /* 150,000 km */
#define ALT_MIN_M -12000.0
#define ALT_MAX_M 1e7
/* core:datetime: years 1970..2199, the epoch range of host/core/limits.h (no recording
 * predates 1970; beyond is a broken clock) */
#define YEAR_MIN 1970
#define YEAR_MAX 2199

/* ------------------------------------------------------------------------------------------ */
/* SigMF datatypes: every complex one is read; real ones are refused (the chain needs I and Q). */

typedef struct {
    const char *name;
    unsigned component_bytes;
    char kind; /* 'f' float, 'i' signed, 'u' unsigned integer */
    bool big_endian;
} sigmf_type;

static const sigmf_type sigmf_types[] = {
    {"cf32_le", 4, 'f', false}, {"ci16_le", 2, 'i', false}, {"cf32_be", 4, 'f', true},
    {"ci16_be", 2, 'i', true},  {"cf64_le", 8, 'f', false}, {"cf64_be", 8, 'f', true},
    {"ci32_le", 4, 'i', false}, {"ci32_be", 4, 'i', true},  {"ci8", 1, 'i', false},
    {"cu8", 1, 'u', false},     {"cu16_le", 2, 'u', false}, {"cu16_be", 2, 'u', true},
    {"cu32_le", 4, 'u', false}, {"cu32_be", 4, 'u', true},
};

static const sigmf_type *find_type(const char *name)
{
    for (size_t i = 0; i < sizeof sigmf_types / sizeof sigmf_types[0]; i++)
        if (strcmp(sigmf_types[i].name, name) == 0)
            return &sigmf_types[i];
    return NULL;
}

static int parse_datatype(const char *file, const char *s, triad_recording_meta *m)
{
    const sigmf_type *t = find_type(s);
    if (!t) {
        const char *why = s[0] == 'r' ? "is real-valued; radar processing needs complex (I/Q) "
                                        "samples"
                                      : "is not a SigMF datatype Triad reads";
        return triad__fail(TRIAD_EUNSUPPORTED,
                           "%s: field 'core:datatype': value \"%s\" %s (supported: cf64, cf32, "
                           "ci32, ci16, cu32, cu16 with _le or _be; ci8, cu8)",
                           file, s, why);
    }
    snprintf(m->datatype, sizeof m->datatype, "%s", t->name);
    /* integers of up to 16 bits are exact in ci16, everything else goes through float */
    m->format = t->kind != 'f' && t->component_bytes <= 2 ? TRIAD_FORMAT_CI16_LE
                                                           : TRIAD_FORMAT_CF32_LE;
    return 0;
}

/* Bytes of one complex sample of one channel in the data file. */
static size_t file_sample_bytes(const triad_recording_meta *m)
{
    const sigmf_type *t = find_type(m->datatype);
    return t ? 2 * t->component_bytes : triad_format_bytes(m->format);
}

static size_t file_cpi_bytes(const triad_recording_meta *m)
{
    return m->samples_per_pulse * m->pulses_per_cpi * m->num_channels * file_sample_bytes(m);
}

size_t triad_recording_cpi_bytes(const triad_recording_meta *m)
{
    return m->samples_per_pulse * m->pulses_per_cpi * m->num_channels *
           triad_format_bytes(m->format);
}

static uint64_t load_uint(const unsigned char *p, unsigned bytes, bool big_endian)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)p[big_endian ? bytes - 1 - i : i] << (8 * i);
    return v;
}

/* n components (2 per complex sample) from the file's type into the reader's format: integers
 * as counts, unsigned ones centred by subtracting 2^(bits-1) (as sigmf-python does before it
 * scales by 2^-(bits-1)); floats narrowed to float32. */
static void convert(const sigmf_type *t, const unsigned char *src, size_t n, triad_format out,
                    void *dst)
{
    const unsigned b = t->component_bytes;
    const int64_t centre = t->kind == 'u' ? (int64_t)1 << (8 * b - 1) : 0;
    if (out == TRIAD_FORMAT_CI16_LE) {
        int16_t *o = dst;
        for (size_t i = 0; i < n; i++) {
            const uint64_t u = load_uint(src + i * b, b, t->big_endian);
            const int64_t v = t->kind == 'u' ? (int64_t)u - centre
                              : b == 1       ? (int8_t)u
                                             : (int16_t)u;
            o[i] = (int16_t)v;
        }
        return;
    }
    float *o = dst;
    for (size_t i = 0; i < n; i++) {
        const uint64_t u = load_uint(src + i * b, b, t->big_endian);
        if (t->kind == 'f' && b == 4) {
            const uint32_t w = (uint32_t)u;
            float f;
            memcpy(&f, &w, sizeof f);
            o[i] = f;
        } else if (t->kind == 'f') {
            double d;
            memcpy(&d, &u, sizeof d);
            o[i] = (float)d; /* beyond float's range: Inf, which the chain counts and zeroes */
        } else if (t->kind == 'u') {
            o[i] = (float)((int64_t)u - centre);
        } else {
            o[i] = (float)(b == 4 ? (int32_t)(uint32_t)u : b == 2 ? (int16_t)u : (int8_t)u);
        }
    }
}

/* The reader hands the file's bytes through unchanged. */
static bool passthrough(const triad_recording_meta *m)
{
    return strcmp(m->datatype, triad_format_name(m->format)) == 0 || m->datatype[0] == '\0';
}

/* ------------------------------------------------------------------------------------------ */
/* Files: opened without blocking (a FIFO as meta or data must not hang), then checked to be
 * regular before anything is read (host/core/file.h). */

/* host/core/file.c's check (O_NONBLOCK, fstat, regular only), and the file's size. */
static int open_regular(const char *path, int *fd_out, uint64_t *size)
{
    *size = 0;
    int err = triad__open_regular(path, fd_out);
    if (err)
        return err;
    struct stat st;
    if (fstat(*fd_out, &st) != 0) {
        err = triad__fail(TRIAD_EIO, "%s: cannot stat: %s", path, strerror(errno));
        close(*fd_out);
        *fd_out = -1;
        return err;
    }
    *size = (uint64_t)st.st_size;
    return 0;
}

/* Read exactly n bytes at offset (EINTR and short reads retried). */
static int pread_all(int fd, void *buf, size_t n, uint64_t offset, const char *path)
{
    unsigned char *p = buf;
    while (n > 0) {
        const ssize_t r = pread(fd, p, n, (off_t)offset);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return triad__fail(TRIAD_EIO, "%s: read error at byte %llu: %s", path,
                               (unsigned long long)offset, strerror(errno));
        if (r == 0)
            return triad__fail(TRIAD_ETRUNCATED, "%s: ends at byte %llu, before the data the "
                                                 "meta describes (file shrank?)",
                               path, (unsigned long long)offset);
        p += r;
        n -= (size_t)r;
        offset += (uint64_t)r;
    }
    return 0;
}

/* Samples k with k/fs < Tp (a hair of tolerance so Tp*fs = 200.0000001 gives 200). */
static size_t lfm_length(double tp_s, double fs_hz)
{
    return (size_t)ceil(tp_s * fs_hz - 1e-6);
}

/* NAME.sigmf-meta -> NAME.sigmf-data; any other name gets .sigmf-data appended. With
 * core:dataset, that name in the meta's folder. */
static int data_path_for(const char *meta, const char *dataset, char *out, size_t size)
{
    const char *ext = ".sigmf-meta";
    const size_t len = strlen(meta), el = strlen(ext);
    const char *slash = strrchr(meta, '/');
    int n;
    if (dataset && dataset[0])
        n = slash ? snprintf(out, size, "%.*s/%s", (int)(slash - meta), meta, dataset)
                  : snprintf(out, size, "%s", dataset);
    else if (len > el && strcmp(meta + len - el, ext) == 0)
        n = snprintf(out, size, "%.*s.sigmf-data", (int)(len - el), meta);
    else
        n = snprintf(out, size, "%s.sigmf-data", meta);
    if (n < 0 || (size_t)n >= size)
        return triad__fail(TRIAD_EINVAL, "%s: path too long", meta);
    return 0;
}

static int parse_waveform(const char *file, const cJSON *global, triad_recording_meta *m)
{
    const cJSON *w;
    int err = triad__json_object(file, global, "radar:waveform", true, &w);
    if (err)
        return err;
    char type[32];
    err = triad__json_string(file, w, "type", true, type, sizeof type);
    if (err)
        return err;
    if (strcmp(type, "lfm") == 0) {
        m->waveform.type = TRIAD_WAVEFORM_LFM;
        if ((err = triad__json_number(file, w, "bandwidth_hz", true, 0, &m->waveform.bandwidth_hz)))
            return err;
        if ((err = triad__json_number(file, w, "pulse_width_s", true, 0, &m->waveform.pulse_width_s)))
            return err;
        if (!(m->waveform.bandwidth_hz > 0.0))
            return triad__json_bad(file, "radar:waveform.bandwidth_hz", m->waveform.bandwidth_hz,
                                   "must be > 0");
        if (m->waveform.bandwidth_hz > m->sample_rate_hz)
            return triad__fail(TRIAD_EINVAL,
                               "%s: field 'radar:waveform.bandwidth_hz': value %.9g is above the "
                               "sample rate %.9g Hz (complex sampling needs B <= fs)",
                               file, m->waveform.bandwidth_hz, m->sample_rate_hz);
        if (!(m->waveform.pulse_width_s > 0.0))
            return triad__json_bad(file, "radar:waveform.pulse_width_s",
                                   m->waveform.pulse_width_s, "must be > 0");
        const double len = m->waveform.pulse_width_s * m->sample_rate_hz;
        if (len > (double)m->samples_per_pulse + 1.0)
            return triad__fail(TRIAD_EINVAL,
                               "%s: field 'radar:waveform.pulse_width_s': pulse of %.3g samples "
                               "is longer than the receive window radar:samples_per_pulse = %zu",
                               file, len, m->samples_per_pulse);
        if (len < 1.0 - 1e-6)
            return triad__fail(TRIAD_EINVAL,
                               "%s: field 'radar:waveform.pulse_width_s': value %.9g s is %.3g "
                               "samples at %.9g Hz: need at least 1",
                               file, m->waveform.pulse_width_s, len, m->sample_rate_hz);
        if (lfm_length(m->waveform.pulse_width_s, m->sample_rate_hz) > m->samples_per_pulse)
            return triad__fail(TRIAD_EINVAL,
                               "%s: field 'radar:waveform.pulse_width_s': pulse of %zu samples "
                               "is longer than the receive window radar:samples_per_pulse = %zu",
                               file, lfm_length(m->waveform.pulse_width_s, m->sample_rate_hz),
                               m->samples_per_pulse);
        return 0;
    }
    if (strcmp(type, "samples") == 0) {
        m->waveform.type = TRIAD_WAVEFORM_SAMPLES;
        char name[sizeof m->waveform.file];
        if ((err = triad__json_string(file, w, "file", true, name, sizeof name)))
            return err;
        if (name[0] == '\0')
            return triad__fail(TRIAD_EFORMAT, "%s: field 'radar:waveform.file' is empty", file);
        /* relative to the meta file's folder */
        const char *slash = strrchr(file, '/');
        int n;
        if (name[0] == '/' || !slash)
            n = snprintf(m->waveform.file, sizeof m->waveform.file, "%s", name);
        else
            n = snprintf(m->waveform.file, sizeof m->waveform.file, "%.*s/%s",
                         (int)(slash - file), file, name);
        if (n < 0 || (size_t)n >= sizeof m->waveform.file)
            return triad__fail(TRIAD_EINVAL, "%s: field 'radar:waveform.file': path too long", file);
        return 0;
    }
    return triad__fail(TRIAD_EUNSUPPORTED,
                       "%s: field 'radar:waveform.type': value \"%s\" is not supported (lfm, "
                       "samples)",
                       file, type);
}

static int parse_site(const char *file, const cJSON *global, triad_recording_meta *m)
{
    const cJSON *s;
    int err = triad__json_object(file, global, "radar:site", false, &s);
    if (err || !s)
        return err;
    m->has_site = true;
    if ((err = triad__json_string(file, s, "id", true, m->site.id, sizeof m->site.id)) ||
        (err = triad__json_number(file, s, "lat_deg", true, 0, &m->site.lat_deg)) ||
        (err = triad__json_number(file, s, "lon_deg", true, 0, &m->site.lon_deg)) ||
        (err = triad__json_number(file, s, "alt_m", false, 0, &m->site.alt_m)))
        return err;
    if (fabs(m->site.lat_deg) > 90.0)
        return triad__json_bad(file, "radar:site.lat_deg", m->site.lat_deg, "is outside -90..90");
    if (fabs(m->site.lon_deg) > 180.0)
        return triad__json_bad(file, "radar:site.lon_deg", m->site.lon_deg,
                               "is outside -180..180");
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* core:datetime: RFC 3339 as SigMF restricts it, YYYY-MM-DDTHH:MM:SS[.fraction]Z, UTC. */

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Parse a datetime into whole seconds since 1970 and a fraction in [0, 1). */
static int parse_datetime(const char *file, const char *field, const char *s, int64_t *sec,
                          double *frac)
{
    const size_t len = strlen(s);
    const char *why = NULL;
    int y = -1, mo = -1, d = -1, h = -1, mi = -1, se = -1;
    if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[len - 1] != 'Z')
        why = "is not YYYY-MM-DDTHH:MM:SS[.fraction]Z (UTC, as SigMF requires)";
    else {
        y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
        h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
        if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0)
            why = "is not YYYY-MM-DDTHH:MM:SS[.fraction]Z (UTC, as SigMF requires)";
    }
    *frac = 0.0;
    if (!why && len > 20) {
        if (s[19] != '.' || len == 21)
            why = "has a malformed fraction of a second";
        double scale = 0.1;
        for (size_t i = 20; !why && i < len - 1; i++, scale *= 0.1) {
            if (s[i] < '0' || s[i] > '9')
                why = "has a malformed fraction of a second";
            *frac += (s[i] - '0') * scale;
        }
    }
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    char range[96] = "";
    if (!why && (y < YEAR_MIN || y > YEAR_MAX)) {
        snprintf(range, sizeof range, "has year %d, outside %d..%d", y, YEAR_MIN, YEAR_MAX);
        why = range;
    } else if (!why && (mo < 1 || mo > 12))
        why = "has a month outside 01..12";
    else if (!why && (d < 1 || d > mdays[mo - 1] + (mo == 2 && is_leap(y))))
        why = "has a day that its month does not have";
    else if (!why && (h > 23 || mi > 59))
        why = "has an hour or minute out of range";
    else if (!why && se > 59)
        why = "has second 60 or more (leap seconds cannot be placed on Triad's UTC time line)";
    if (why)
        return triad__fail(TRIAD_EINVAL, "%s: field '%s': value \"%s\" %s", file, field, s, why);
    if (*frac >= 1.0)
        *frac = nextafter(1.0, 0.0);
    *sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Fields the SigMF core namespace defines, and what Triad does with them (docs/FORMATS.md). */

static const char *const core_global_known[] = {
    "core:datatype", "core:sample_rate", "core:version", "core:num_channels", "core:offset",
    "core:extensions", "core:dataset", "core:trailing_bytes", "core:metadata_only",
    "core:sha512", "core:geolocation",
    /* descriptive, no effect on processing */
    "core:description", "core:author", "core:recorder", "core:license", "core:hw",
    "core:meta_doi", "core:data_doi", "core:collection", NULL};
static const char *const core_capture_known[] = {
    "core:sample_start", "core:header_bytes", "core:frequency", "core:datetime",
    "core:global_index", "core:geolocation", NULL};

static int refuse_unknown_core(const char *file, const cJSON *obj, const char *where,
                               const char *const *known)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        if (!it->string || strncmp(it->string, "core:", 5) != 0)
            continue;
        bool ok = false;
        for (const char *const *k = known; *k && !ok; k++)
            ok = strcmp(*k, it->string) == 0;
        if (!ok)
            return triad__fail(TRIAD_EUNSUPPORTED,
                               "%s: field '%s%s': not a SigMF 1.x core field Triad knows; "
                               "refused rather than ignored",
                               file, where, it->string);
    }
    return 0;
}

/* A GeoJSON point [lon, lat(, alt)]; *has is false when absent. */
static int parse_geolocation(const char *file, const cJSON *obj, const char *field, bool *has,
                             double *lat, double *lon, double *alt)
{
    *has = false;
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(obj, "core:geolocation");
    if (!g)
        return 0;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(g, "type");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(g, "coordinates");
    const int n = cJSON_IsArray(c) ? cJSON_GetArraySize(c) : 0;
    if (!cJSON_IsObject(g) || !cJSON_IsString(type) || strcmp(type->valuestring, "Point") != 0 ||
        n < 2 || n > 3)
        return triad__fail(TRIAD_EFORMAT,
                           "%s: field '%s': not a GeoJSON Point {\"type\": \"Point\", "
                           "\"coordinates\": [lon, lat(, alt)]}",
                           file, field);
    double v[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(c, i);
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble))
            return triad__fail(TRIAD_EFORMAT, "%s: field '%s': coordinate %d is not a finite "
                                              "number",
                               file, field, i);
        v[i] = e->valuedouble;
    }
    if (fabs(v[0]) > 180.0 || fabs(v[1]) > 90.0 || v[2] < ALT_MIN_M || v[2] > ALT_MAX_M)
        return triad__fail(TRIAD_EINVAL,
                           "%s: field '%s': [%.9g, %.9g, %.9g] is outside longitude -180..180, "
                           "latitude -90..90, altitude %.0f..%.0f m",
                           file, field, v[0], v[1], v[2], ALT_MIN_M, ALT_MAX_M);
    *has = true;
    *lon = v[0];
    *lat = v[1];
    *alt = v[2];
    return 0;
}

/* A geolocation must agree with radar:site (Triad places detections from radar:site). */
static int check_geolocation(const char *file, const cJSON *obj, const char *field,
                             const triad_recording_meta *m)
{
    bool has;
    double lat, lon, alt;
    int err = parse_geolocation(file, obj, field, &has, &lat, &lon, &alt);
    if (err || !has || !m->has_site)
        return err;
    if (fabs(lat - m->site.lat_deg) > 1e-6 || fabs(lon - m->site.lon_deg) > 1e-6 ||
        fabs(alt - m->site.alt_m) > 1.0)
        return triad__fail(TRIAD_EINVAL,
                           "%s: field '%s': lat %.7f lon %.7f alt %.1f m contradicts radar:site "
                           "(lat %.7f lon %.7f alt %.1f m); a moving site is not supported",
                           file, field, lat, lon, alt, m->site.lat_deg, m->site.lon_deg,
                           m->site.alt_m);
    return 0;
}

static int parse_extensions(const char *file, const cJSON *global)
{
    const cJSON *ext = cJSON_GetObjectItemCaseSensitive(global, "core:extensions");
    bool radar = false;
    if (ext && !cJSON_IsArray(ext))
        return triad__fail(TRIAD_EFORMAT, "%s: field 'core:extensions' is not an array", file);
    const cJSON *e;
    int i = 0;
    cJSON_ArrayForEach(e, ext)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
        if (!cJSON_IsString(name))
            return triad__fail(TRIAD_EFORMAT, "%s: field 'core:extensions[%d].name' is missing "
                                              "or not a string",
                               file, i);
        if (strcmp(name->valuestring, "radar") == 0)
            radar = true;
        i++;
    }
    if (!radar)
        return triad__fail(TRIAD_EFORMAT,
                           "%s: field 'core:extensions' does not declare the \"radar\" "
                           "extension that the radar: fields need",
                           file);
    i = 0;
    cJSON_ArrayForEach(e, ext)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
        const cJSON *opt = cJSON_GetObjectItemCaseSensitive(e, "optional");
        if (strcmp(name->valuestring, "radar") != 0 && !cJSON_IsTrue(opt))
            return triad__fail(TRIAD_EUNSUPPORTED,
                               "%s: field 'core:extensions[%d]': extension \"%s\" is required "
                               "(optional is not true) and Triad does not implement it",
                               file, i, name->valuestring);
        i++;
    }
    return 0;
}

static int parse_capture(const char *file, const cJSON *c, size_t i, triad_recording_meta *m)
{
    triad_recording_capture *cap = &m->captures[i];
    const triad_recording_capture *prev = i ? &m->captures[i - 1] : NULL;
    char field[96];
    char name[64];
    snprintf(name, sizeof name, "captures[%zu].", i);
    int err;
    /* field names in messages: captures[i].core:... */
    char where[80];
    snprintf(where, sizeof where, "%s: captures[%zu]", file, i);
    long long v;
    if ((err = triad__json_count(where, c, "core:sample_start", false, 0, 0, JSON_INT_MAX, &v)))
        return err;
    cap->sample_start = (uint64_t)v;
    if ((err = triad__json_count(where, c, "core:header_bytes", false, 0, 0, JSON_INT_MAX, &v)))
        return err;
    cap->header_bytes = (uint64_t)v;
    /* the index in the source's own stream: descriptive */
    if ((err = triad__json_count(where, c, "core:global_index", false, 0, 0, JSON_INT_MAX, &v)))
        return err;
    const uint64_t cpi_samples = (uint64_t)m->samples_per_pulse * m->pulses_per_cpi;
    snprintf(field, sizeof field, "captures[%zu].core:sample_start", i);
    if (i == 0 && cap->sample_start != m->offset_samples)
        return triad__fail(TRIAD_EINVAL,
                           "%s: field '%s': value %llu is not core:offset %llu (samples before "
                           "the first capture would have no tuning)",
                           file, field, (unsigned long long)cap->sample_start,
                           (unsigned long long)m->offset_samples);
    if (prev && cap->sample_start <= prev->sample_start)
        return triad__fail(TRIAD_EINVAL,
                           "%s: field '%s': value %llu is not after captures[%zu] (%llu); "
                           "captures must be in increasing sample order",
                           file, field, (unsigned long long)cap->sample_start, i - 1,
                           (unsigned long long)prev->sample_start);
    const uint64_t rel = cap->sample_start - m->offset_samples;
    if (rel % cpi_samples != 0)
        return triad__fail(TRIAD_EINVAL,
                           "%s: field '%s': capture %zu starts at sample %llu, %llu samples "
                           "into a CPI (a CPI is radar:pulses_per_cpi %zu x "
                           "radar:samples_per_pulse %zu = %llu samples from core:offset %llu); "
                           "a capture must start at a CPI boundary",
                           file, field, i, (unsigned long long)cap->sample_start,
                           (unsigned long long)(rel % cpi_samples), m->pulses_per_cpi,
                           m->samples_per_pulse, (unsigned long long)cpi_samples,
                           (unsigned long long)m->offset_samples);
    cap->first_cpi = rel / cpi_samples;
    /* a capture without its own frequency or beam keeps the previous one's */
    if ((err = triad__json_number(where, c, "core:frequency", i == 0,
                                  prev ? prev->carrier_hz : 0, &cap->carrier_hz)))
        return err;
    snprintf(field, sizeof field, "captures[%zu].core:frequency", i);
    if (!(cap->carrier_hz >= CARRIER_MIN_HZ && cap->carrier_hz <= CARRIER_MAX_HZ))
        return triad__fail(TRIAD_EINVAL,
                           "%s: field '%s': value %.9g Hz is outside %.0e..%.0e Hz (the carrier "
                           "sets the wavelength)",
                           file, field, cap->carrier_hz, CARRIER_MIN_HZ, CARRIER_MAX_HZ);
    if ((err = triad__json_string(where, c, "core:datetime", false, cap->datetime,
                                  sizeof cap->datetime)))
        return err;
    const cJSON *beam;
    if ((err = triad__json_object(where, c, "radar:beam", false, &beam)))
        return err;
    if (beam) {
        cap->has_beam = true;
        if ((err = triad__json_number(where, beam, "azimuth_deg", true, 0,
                                      &cap->beam_azimuth_deg)) ||
            (err = triad__json_number(where, beam, "elevation_deg", true, 0,
                                      &cap->beam_elevation_deg)))
            return err;
        snprintf(field, sizeof field, "captures[%zu].radar:beam", i);
        if (fabs(cap->beam_azimuth_deg) > 360.0 || fabs(cap->beam_elevation_deg) > 90.0)
            return triad__fail(TRIAD_EINVAL,
                               "%s: field '%s': azimuth %.9g deg, elevation %.9g deg is outside "
                               "-360..360, -90..90",
                               file, field, cap->beam_azimuth_deg, cap->beam_elevation_deg);
    } else if (prev) {
        cap->has_beam = prev->has_beam;
        cap->beam_azimuth_deg = prev->beam_azimuth_deg;
        cap->beam_elevation_deg = prev->beam_elevation_deg;
    }
    /* reports carry one beam per recording (captures[0]'s) */
    if (prev && (cap->has_beam != prev->has_beam ||
                 cap->beam_azimuth_deg != prev->beam_azimuth_deg ||
                 cap->beam_elevation_deg != prev->beam_elevation_deg))
        return triad__fail(TRIAD_EUNSUPPORTED,
                           "%s: field 'captures[%zu].radar:beam': differs from captures[%zu]; "
                           "a beam that moves between captures is not supported",
                           file, i, i - 1);
    snprintf(field, sizeof field, "captures[%zu].core:geolocation", i);
    if ((err = check_geolocation(file, c, field, m)))
        return err;
    return refuse_unknown_core(file, c, name, core_capture_known);
}

/* Each capture's start time: its own core:datetime, else continuing the previous capture at
 * the radar's PRI. With no datetime on captures[0] but one later, the recording's start is
 * placed back from it. */
static int capture_times(const char *file, triad_recording_meta *m)
{
    const double cpi_s = (double)m->pulses_per_cpi * m->pri_s;
    int64_t sec0 = 0;
    double frac0 = 0.0;
    bool anchored = false;
    for (size_t i = 0; i < m->num_captures; i++) {
        triad_recording_capture *c = &m->captures[i];
        const double continued =
            i ? m->captures[i - 1].start_s +
                    (double)(c->first_cpi - m->captures[i - 1].first_cpi) * cpi_s
              : 0.0;
        c->start_s = continued;
        if (!c->datetime[0])
            continue;
        char field[64];
        snprintf(field, sizeof field, "captures[%zu].core:datetime", i);
        int64_t sec = 0;
        double frac = 0.0;
        const int err = parse_datetime(file, field, c->datetime, &sec, &frac);
        if (err)
            return err;
        if (!anchored) {
            /* the recording's start: this capture's time minus the time before it */
            const double back = continued;
            const double whole = floor(back);
            sec0 = sec - (int64_t)whole;
            frac0 = frac - (back - whole);
            if (frac0 < 0) {
                frac0 += 1.0;
                sec0--;
            }
            anchored = true;
        }
        c->start_s = (double)(sec - sec0) + (frac - frac0);
    }
    if (anchored && !m->datetime[0]) {
        char utc[48];
        triad__format_utc((double)sec0 + frac0, utc, sizeof utc);
        snprintf(m->datetime, sizeof m->datetime, "%s", utc);
    }
    return 0;
}

static int parse_captures(const char *file, const cJSON *root, triad_recording_meta *m)
{
    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(root, "captures");
    if (!caps)
        return triad__fail(TRIAD_EFORMAT, "%s: field 'captures' is missing", file);
    if (!cJSON_IsArray(caps) || cJSON_GetArraySize(caps) < 1)
        return triad__fail(TRIAD_EFORMAT, "%s: field 'captures' must be a non-empty array of "
                                          "objects",
                           file);
    const int n = cJSON_GetArraySize(caps);
    if (n > TRIAD_RECORDING_MAX_CAPTURES)
        return triad__fail(TRIAD_EUNSUPPORTED, "%s: field 'captures': %d segments, more than "
                                               "the %d Triad holds",
                           file, n, TRIAD_RECORDING_MAX_CAPTURES);
    size_t i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, caps)
    {
        if (!cJSON_IsObject(c))
            return triad__fail(TRIAD_EFORMAT, "%s: field 'captures[%zu]' is not an object", file,
                               i);
        const int err = parse_capture(file, c, i, m);
        if (err)
            return err;
        m->num_captures = ++i;
    }
    const triad_recording_capture *c0 = &m->captures[0];
    m->carrier_hz = c0->carrier_hz;
    snprintf(m->datetime, sizeof m->datetime, "%s", c0->datetime);
    m->has_beam = c0->has_beam;
    m->beam_azimuth_deg = c0->beam_azimuth_deg;
    m->beam_elevation_deg = c0->beam_elevation_deg;
    const cJSON *ann = cJSON_GetObjectItemCaseSensitive(root, "annotations");
    if (ann && !cJSON_IsArray(ann))
        return triad__fail(TRIAD_EFORMAT, "%s: field 'annotations' is not an array", file);
    return capture_times(file, m);
}

static uint64_t physical_memory(void)
{
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : UINT64_MAX;
}

/* One CPI must fit in memory with the chain's working copies (x ~4) and the file's form. */
static int check_memory(const char *file, const triad_recording_meta *m,
                        const triad_recording_opts *o)
{
    const double samples = (double)m->samples_per_pulse * (double)m->pulses_per_cpi *
                           (double)m->num_channels;
    const double need = samples * (4.0 * (double)triad_format_bytes(m->format) +
                                   (passthrough(m) ? 0.0 : (double)file_sample_bytes(m)));
    const uint64_t limit = o && o->max_memory_bytes ? o->max_memory_bytes : physical_memory();
    if (need > (double)limit)
        return triad__fail(TRIAD_EINVAL,
                           "%s: one CPI (radar:pulses_per_cpi %zu x radar:samples_per_pulse %zu "
                           "x core:num_channels %zu, %s) needs about %.3g GB to process, more "
                           "than the memory limit of %.3g GB (%s)",
                           file, m->pulses_per_cpi, m->samples_per_pulse, m->num_channels,
                           m->datatype, need * 1e-9, (double)limit * 1e-9,
                           o && o->max_memory_bytes ? "--max-memory" : "this machine's memory");
    return 0;
}

static int parse_global(const char *file, const cJSON *root, const triad_recording_opts *o,
                        triad_recording_meta *m)
{
    const cJSON *g;
    int err = triad__json_object(file, root, "global", true, &g);
    if (err)
        return err;
    char text[160];
    if ((err = triad__json_string(file, g, "core:version", true, text, sizeof text)))
        return err;
    if (strncmp(text, "1.", 2) != 0)
        return triad__fail(TRIAD_EUNSUPPORTED,
                           "%s: field 'core:version': value \"%s\": Triad reads SigMF 1.x", file,
                           text);
    char type[24];
    if ((err = triad__json_string(file, g, "core:datatype", true, type, sizeof type)) ||
        (err = parse_datatype(file, type, m)))
        return err;
    if ((err = triad__json_number(file, g, "core:sample_rate", true, 0, &m->sample_rate_hz)))
        return err;
    if (!(m->sample_rate_hz >= SAMPLE_RATE_MIN_HZ && m->sample_rate_hz <= SAMPLE_RATE_MAX_HZ))
        return triad__fail(TRIAD_EINVAL, "%s: field 'core:sample_rate': value %.9g Hz is "
                                         "outside %.0e..%.0e Hz",
                           file, m->sample_rate_hz, SAMPLE_RATE_MIN_HZ, SAMPLE_RATE_MAX_HZ);
    long long v;
    if ((err = triad__json_count(file, g, "core:num_channels", false, 1, 1, 4096, &v)))
        return err;
    m->num_channels = (size_t)v;
    if ((err = triad__json_count(file, g, "core:offset", false, 0, 0, JSON_INT_MAX, &v)))
        return err;
    m->offset_samples = (uint64_t)v;
    if ((err = triad__json_count(file, g, "core:trailing_bytes", false, 0, 0, JSON_INT_MAX, &v)))
        return err;
    m->trailing_bytes_declared = (uint64_t)v;
    const cJSON *only = cJSON_GetObjectItemCaseSensitive(g, "core:metadata_only");
    if (only && !cJSON_IsBool(only))
        return triad__fail(TRIAD_EFORMAT, "%s: field 'core:metadata_only' is not true or false",
                           file);
    if (cJSON_IsTrue(only))
        return triad__fail(TRIAD_EUNSUPPORTED, "%s: field 'core:metadata_only' is true: the "
                                               "recording has no samples to process",
                           file);
    if ((err = triad__json_string(file, g, "core:sha512", false, text, sizeof text)))
        return err;
    if (text[0] && (strlen(text) != 128 || strspn(text, "0123456789abcdefABCDEF") != 128))
        return triad__fail(TRIAD_EFORMAT, "%s: field 'core:sha512' is not 128 hex digits", file);
    for (size_t i = 0; text[i]; i++)
        m->sha512[i] = (char)(text[i] >= 'A' && text[i] <= 'F' ? text[i] - 'A' + 'a' : text[i]);
    m->verify_sha512 = text[0] && !(o && o->skip_sha512);
    char dataset[256];
    if ((err = triad__json_string(file, g, "core:dataset", false, dataset, sizeof dataset)))
        return err;
    if (strchr(dataset, '/') || strcmp(dataset, "..") == 0 || strcmp(dataset, ".") == 0)
        return triad__fail(TRIAD_EINVAL, "%s: field 'core:dataset': value \"%s\" is not a file "
                                         "name in the meta file's folder",
                           file, dataset);
    if ((err = data_path_for(file, dataset, m->data_path, sizeof m->data_path)))
        return err;
    if ((err = parse_extensions(file, g)))
        return err;
    if ((err = triad__json_count(file, g, "radar:samples_per_pulse", true, 0, 1, 1 << 26, &v)))
        return err;
    m->samples_per_pulse = (size_t)v;
    if ((err = triad__json_count(file, g, "radar:pulses_per_cpi", true, 0, 1, 1 << 20, &v)))
        return err;
    m->pulses_per_cpi = (size_t)v;
    if ((err = check_memory(file, m, o)))
        return err;
    if ((err = triad__json_number(file, g, "radar:pri_s", true, 0, &m->pri_s)))
        return err;
    if (!(m->pri_s > 0.0))
        return triad__json_bad(file, "radar:pri_s", m->pri_s, "must be > 0");
    if (m->pri_s > PRI_MAX_S)
        return triad__json_bad(file, "radar:pri_s", m->pri_s,
                               "is over 10 s: not a pulse repetition interval");
    if (m->pri_s < PRI_MIN_S)
        return triad__json_bad(file, "radar:pri_s", m->pri_s, "is under 1 ns");
    if ((err = triad__json_number(file, g, "radar:rx_delay_s", false, 0, &m->rx_delay_s)))
        return err;
    if (m->rx_delay_s < 0.0)
        return triad__json_bad(file, "radar:rx_delay_s", m->rx_delay_s, "must be >= 0");
    if (m->rx_delay_s > RX_DELAY_MAX_S)
        return triad__json_bad(file, "radar:rx_delay_s", m->rx_delay_s,
                               "is over 1 s (a range beyond 150,000 km)");
    const double window_s = (double)m->samples_per_pulse / m->sample_rate_hz;
    if (window_s > m->pri_s * (1.0 + 1e-9))
        return triad__fail(TRIAD_EINVAL,
                           "%s: field 'radar:pri_s': value %.9g s is shorter than the receive "
                           "window of %zu samples at %.9g Hz (%.9g s)",
                           file, m->pri_s, m->samples_per_pulse, m->sample_rate_hz, window_s);
    if ((err = parse_waveform(file, g, m)) || (err = parse_site(file, g, m)) ||
        (err = check_geolocation(file, g, "core:geolocation", m)))
        return err;
    /* last, so that a misspelt required field is reported as missing */
    return refuse_unknown_core(file, g, "", core_global_known);
}

int triad_recording_parse_meta(const char *name, const char *text, size_t len,
                               const triad_recording_opts *opts, triad_recording_meta *m)
{
    memset(m, 0, sizeof *m);
    if (strlen(name) >= sizeof m->meta_path)
        return triad__fail(TRIAD_EINVAL, "%s: path too long", name);
    strcpy(m->meta_path, name);
    cJSON *root;
    int err = triad__json_parse(name, text, len, &root);
    if (err)
        return err;
    if (!(err = parse_global(name, root, opts, m)))
        err = parse_captures(name, root, m);
    cJSON_Delete(root);
    return err;
}

triad_recording_opts triad_recording_opts_default(void)
{
    return (triad_recording_opts){.data = true, .max_memory_bytes = 0, .skip_sha512 = false};
}

int triad_recording_set_data_size(triad_recording_meta *m, uint64_t size)
{
    const char *path = m->data_path;
    m->data_bytes = size;
    if (m->trailing_bytes_declared > size)
        return triad__fail(TRIAD_ETRUNCATED,
                           "%s: %llu bytes, fewer than the meta's core:trailing_bytes %llu",
                           path, (unsigned long long)size,
                           (unsigned long long)m->trailing_bytes_declared);
    const uint64_t usable = size - m->trailing_bytes_declared;
    const uint64_t sample = (uint64_t)m->num_channels * file_sample_bytes(m);
    const uint64_t cpi = file_cpi_bytes(m);
    uint64_t byte = 0, prev = m->offset_samples;
    for (size_t i = 0; i < m->num_captures; i++) {
        triad_recording_capture *c = &m->captures[i];
        const uint64_t step = c->sample_start - prev; /* increasing, checked at parse */
        if (step > usable / sample || c->header_bytes > usable ||
            byte > usable - c->header_bytes ||
            byte + c->header_bytes > usable - step * sample)
            return triad__fail(TRIAD_ETRUNCATED,
                               "%s: %llu bytes end before captures[%zu] (core:sample_start %llu, "
                               "core:header_bytes %llu): the data is shorter than the meta says",
                               path, (unsigned long long)size, i,
                               (unsigned long long)c->sample_start,
                               (unsigned long long)c->header_bytes);
        byte += step * sample + c->header_bytes;
        c->byte_start = byte;
        prev = c->sample_start;
    }
    const triad_recording_capture *last = &m->captures[m->num_captures - 1];
    const uint64_t rest = usable - last->byte_start;
    m->num_cpis = last->first_cpi + rest / cpi;
    m->trailing_bytes = rest % cpi;
    if (m->num_cpis == 0) {
        char skipped[96] = "";
        if (size - rest > 0)
            snprintf(skipped, sizeof skipped, " after the %llu header and trailing bytes the meta "
                                              "declares",
                     (unsigned long long)(size - rest));
        return triad__fail(TRIAD_ETRUNCATED,
                           "%s: %llu bytes%s is shorter than one CPI (%zu pulses x %zu samples x "
                           "%zu channels x %zu bytes = %llu bytes)",
                           path, (unsigned long long)size, skipped, m->pulses_per_cpi,
                           m->samples_per_pulse, m->num_channels, file_sample_bytes(m),
                           (unsigned long long)cpi);
    }
    if (rest < cpi)
        return triad__fail(TRIAD_ETRUNCATED,
                           "%s: %llu bytes end inside the first CPI of captures[%zu] (which "
                           "starts at byte %llu): the data is shorter than the meta says",
                           path, (unsigned long long)size, m->num_captures - 1,
                           (unsigned long long)last->byte_start);
    if (m->trailing_bytes)
        triad__warn("%s: %llu trailing bytes after %llu whole CPIs form a partial CPI; it is "
                    "ignored",
                    path, (unsigned long long)m->trailing_bytes,
                    (unsigned long long)m->num_cpis);
    return 0;
}

const triad_recording_capture *triad_recording_capture_of(const triad_recording_meta *m,
                                                          uint64_t cpi)
{
    size_t lo = 0, hi = m->num_captures;
    if (hi == 0)
        return NULL;
    while (hi - lo > 1) { /* the last capture with first_cpi <= cpi */
        const size_t mid = lo + (hi - lo) / 2;
        if (m->captures[mid].first_cpi <= cpi)
            lo = mid;
        else
            hi = mid;
    }
    return &m->captures[lo];
}

void triad_recording_apply_captures(const triad_recording_meta *m, triad_detection *dets,
                                    size_t n)
{
    if (m->num_captures <= 1)
        return;
    const double p = (double)m->pulses_per_cpi;
    for (size_t i = 0; i < n; i++) {
        triad_detection *d = &dets[i];
        const triad_recording_capture *c = triad_recording_capture_of(m, d->cpi);
        d->time_s = c->start_s + ((double)(d->cpi - c->first_cpi) * p + 0.5 * (p - 1.0)) *
                                     m->pri_s;
        d->velocity_mps = -d->doppler_bin * (TRIAD_C_MPS / c->carrier_hz) / (2.0 * p * m->pri_s);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Opening: plain meta + data files, or a .sigmf archive. */

static int read_meta_fd(int fd, uint64_t size, const char *path, char **text)
{
    *text = NULL;
    if (size > META_MAX_BYTES)
        return triad__fail(TRIAD_EFORMAT, "%s: %llu bytes, larger than %d bytes: not a metadata "
                                          "file",
                           path, (unsigned long long)size, META_MAX_BYTES);
    char *t = malloc(size + 1);
    if (!t)
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory", path);
    const int err = pread_all(fd, t, (size_t)size, 0, path);
    if (err) {
        free(t);
        return err;
    }
    *text = t;
    return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
    const size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* libarchive over an already checked descriptor (never blocking, never re-opened by name). */
static int archive_open_fd(int fd, const char *path, struct archive **out)
{
    *out = NULL;
    if (lseek(fd, 0, SEEK_SET) != 0)
        return triad__fail(TRIAD_EIO, "%s: cannot seek: %s", path, strerror(errno));
    struct archive *a = archive_read_new();
    if (!a)
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory", path);
    archive_read_support_format_tar(a);
    archive_read_support_filter_all(a);
    if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK) {
        const int err = triad__fail(TRIAD_EFORMAT, "%s: not a readable .sigmf archive (tar): %s",
                                    path, archive_error_string(a));
        archive_read_free(a);
        return err;
    }
    *out = a;
    return 0;
}

/* Advance a to the member called name; *size gets its size. */
static int archive_find(struct archive *a, const char *path, const char *name, uint64_t *size)
{
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *n = archive_entry_pathname(e);
        if (n && strcmp(n, name) == 0) {
            if (archive_entry_filetype(e) != AE_IFREG || !archive_entry_size_is_set(e) ||
                archive_entry_size(e) < 0)
                return triad__fail(TRIAD_EFORMAT, "%s: member %s is not a regular file of known "
                                                  "size",
                                   path, name);
            *size = (uint64_t)archive_entry_size(e);
            return 0;
        }
    }
    if (r != ARCHIVE_EOF)
        return triad__fail(TRIAD_EFORMAT, "%s: corrupt archive: %s", path, archive_error_string(a));
    return triad__fail(TRIAD_EFORMAT, "%s: the archive has no member %s", path, name);
}

/* The one NAME.sigmf-meta in an archive: its member name and text. */
static int archive_meta(int fd, const char *path, char *member, size_t member_size, char **text,
                        size_t *len)
{
    *text = NULL;
    struct archive *a;
    int err = archive_open_fd(fd, path, &a);
    if (err)
        return err;
    struct archive_entry *e;
    int r, found = 0;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *n = archive_entry_pathname(e);
        if (!n || !has_suffix(n, ".sigmf-meta") || archive_entry_filetype(e) != AE_IFREG)
            continue;
        if (found++) {
            err = triad__fail(TRIAD_EUNSUPPORTED, "%s: holds more than one recording (%s and %s); "
                                                  "Triad reads archives of one",
                              path, member, n);
            break;
        }
        if (strlen(n) >= member_size) {
            err = triad__fail(TRIAD_EINVAL, "%s: member name %s too long", path, n);
            break;
        }
        strcpy(member, n);
        const la_int64_t size = archive_entry_size(e);
        if (size < 0 || size > META_MAX_BYTES) {
            err = triad__fail(TRIAD_EFORMAT, "%s: member %s has %lld bytes: not a metadata file",
                              path, n, (long long)size);
            break;
        }
        char *t = malloc((size_t)size + 1);
        if (!t) {
            err = triad__fail(TRIAD_ENOMEM, "%s: out of memory", path);
            break;
        }
        const la_ssize_t got = size ? archive_read_data(a, t, (size_t)size) : 0;
        if (got != size) {
            free(t);
            err = triad__fail(TRIAD_EFORMAT, "%s: member %s: short read: %s", path, n,
                              archive_error_string(a));
            break;
        }
        *text = t;
        *len = (size_t)size;
    }
    if (!err && r != ARCHIVE_EOF)
        err = triad__fail(TRIAD_EFORMAT, "%s: corrupt archive: %s", path,
                          archive_error_string(a));
    if (!err && !found)
        err = triad__fail(TRIAD_EFORMAT, "%s: the archive holds no .sigmf-meta file", path);
    archive_read_free(a);
    if (err) {
        free(*text);
        *text = NULL;
    }
    return err;
}

/* A tar archive (ustar magic at byte 257) or a compressed one (gzip, xz, bzip2, zstd). */
static bool looks_like_archive(int fd)
{
    unsigned char h[263];
    const ssize_t n = pread(fd, h, sizeof h, 0);
    if (n >= 6 && ((h[0] == 0x1f && h[1] == 0x8b) || memcmp(h, "\xfd" "7zXZ", 5) == 0 ||
                   memcmp(h, "BZh", 3) == 0 || memcmp(h, "\x28\xb5\x2f\xfd", 4) == 0))
        return true;
    return n == (ssize_t)sizeof h && memcmp(h + 257, "ustar", 5) == 0;
}

static int check_waveform_file(triad_recording_meta *m)
{
    if (m->waveform.type != TRIAD_WAVEFORM_SAMPLES)
        return 0;
    const char *file = m->meta_path;
    if (m->archive_path[0])
        return triad__fail(TRIAD_EUNSUPPORTED, "%s: field 'radar:waveform.file': a waveform "
                                               "file inside an archive is not supported",
                           file);
    int fd;
    uint64_t size;
    const int err = open_regular(m->waveform.file, &fd, &size);
    if (err) {
        char why[512];
        snprintf(why, sizeof why, "%s", triad_errmsg());
        return triad__fail(err, "%s: field 'radar:waveform.file': %s", file, why);
    }
    close(fd);
    const long long bytes = (long long)size;
    if (bytes <= 0 || bytes % 8 != 0)
        return triad__fail(TRIAD_EFORMAT,
                           "%s: field 'radar:waveform.file': %s has %lld bytes, not a "
                           "positive whole number of cf32 samples",
                           file, m->waveform.file, bytes);
    if ((size_t)(bytes / 8) > m->samples_per_pulse)
        return triad__fail(TRIAD_EINVAL,
                           "%s: field 'radar:waveform.file': pulse of %lld samples is longer "
                           "than the receive window radar:samples_per_pulse = %zu",
                           file, bytes / 8, m->samples_per_pulse);
    return 0;
}

static int open_archive(const char *path, int fd, const triad_recording_opts *o,
                        triad_recording_meta *m)
{
    char member[512], name[1024];
    char *text;
    size_t len = 0;
    int err = archive_meta(fd, path, member, sizeof member, &text, &len);
    if (err)
        return err;
    const int n = snprintf(name, sizeof name, "%s/%s", path, member);
    if (n < 0 || (size_t)n >= sizeof name) {
        free(text);
        return triad__fail(TRIAD_EINVAL, "%s: path too long", path);
    }
    err = triad_recording_parse_meta(name, text, len, o, m);
    free(text);
    if (err)
        return err;
    snprintf(m->archive_path, sizeof m->archive_path, "%s", path);
    /* the data member's name: data_path without the archive's path in front */
    snprintf(m->data_member, sizeof m->data_member, "%s", m->data_path + strlen(path) + 1);
    if ((err = check_waveform_file(m)) || !o->data)
        return err;
    struct archive *a;
    uint64_t size;
    if ((err = archive_open_fd(fd, path, &a)))
        return err;
    err = archive_find(a, path, m->data_member, &size);
    archive_read_free(a);
    return err ? err : triad_recording_set_data_size(m, size);
}

int triad_recording_open(const char *path, const triad_recording_opts *opts,
                         triad_recording_meta *m)
{
    const triad_recording_opts def = triad_recording_opts_default();
    const triad_recording_opts *o = opts ? opts : &def;
    memset(m, 0, sizeof *m);
    int fd;
    uint64_t size;
    int err = open_regular(path, &fd, &size);
    if (err)
        return err;
    if (has_suffix(path, ".sigmf") || looks_like_archive(fd)) {
        err = open_archive(path, fd, o, m);
        close(fd);
        return err;
    }
    char *text;
    err = read_meta_fd(fd, size, path, &text);
    close(fd);
    if (err)
        return err;
    err = triad_recording_parse_meta(path, text, (size_t)size, o, m);
    free(text);
    if (err || (err = check_waveform_file(m)) || !o->data)
        return err;
    if ((err = open_regular(m->data_path, &fd, &size))) {
        char why[1200];
        snprintf(why, sizeof why, "%s", triad_errmsg());
        return triad__fail(err, "%s (the data file)", why);
    }
    close(fd);
    return triad_recording_set_data_size(m, size);
}

int triad_recording_open_meta(const char *meta_path, bool data, triad_recording_meta *meta)
{
    triad_recording_opts o = triad_recording_opts_default();
    o.data = data;
    return triad_recording_open(meta_path, &o, meta);
}

int triad_recording_waveform(const triad_recording_meta *m, float complex **ref, size_t *len)
{
    *ref = NULL;
    *len = 0;
    if (m->waveform.type == TRIAD_WAVEFORM_LFM) {
        const size_t l = lfm_length(m->waveform.pulse_width_s, m->sample_rate_hz);
        float complex *s = malloc(l * sizeof *s);
        if (!s)
            return triad__fail(TRIAD_ENOMEM, "waveform: out of memory");
        const double b = m->waveform.bandwidth_hz, tp = m->waveform.pulse_width_s;
        for (size_t k = 0; k < l; k++) {
            const double t = (double)k / m->sample_rate_hz;
            const double ph = TRIAD_PI * (b / tp) * t * t - TRIAD_PI * b * t;
            s[k] = (float)cos(ph) + I * (float)sin(ph);
        }
        *ref = s;
        *len = l;
        return 0;
    }
    int fd;
    uint64_t bytes;
    int err = open_regular(m->waveform.file, &fd, &bytes);
    if (err)
        return err;
    if (bytes == 0 || bytes % 8 != 0 || bytes / 8 > m->samples_per_pulse) {
        close(fd);
        return triad__fail(TRIAD_EFORMAT, "%s: %llu bytes is not a whole number of cf32 samples "
                                          "from 1 to radar:samples_per_pulse %zu",
                           m->waveform.file, (unsigned long long)bytes, m->samples_per_pulse);
    }
    const size_t l = (size_t)bytes / 8;
    float complex *s = malloc(l * sizeof *s);
    if (!s) {
        close(fd);
        return triad__fail(TRIAD_ENOMEM, "waveform: out of memory");
    }
    err = pread_all(fd, s, l * 8, 0, m->waveform.file);
    close(fd);
    if (err) {
        free(s);
        return err;
    }
    for (size_t k = 0; k < l; k++) {
        if (!isfinite(crealf(s[k])) || !isfinite(cimagf(s[k]))) {
            free(s);
            return triad__fail(TRIAD_EFORMAT, "%s: sample %zu is not finite", m->waveform.file, k);
        }
    }
    *ref = s;
    *len = l;
    return 0;
}

void triad_recording_chain_cfg(const triad_recording_meta *m, const float complex *ref,
                               size_t ref_len, triad_chain_cfg *cfg)
{
    cfg->samples_per_pulse = m->samples_per_pulse;
    cfg->pulses_per_cpi = m->pulses_per_cpi;
    cfg->num_channels = m->num_channels;
    cfg->format = m->format;
    cfg->sample_rate_hz = m->sample_rate_hz;
    cfg->carrier_hz = m->carrier_hz;
    cfg->pri_s = m->pri_s;
    cfg->rx_delay_s = m->rx_delay_s;
    cfg->waveform = ref;
    cfg->waveform_len = ref_len;
}

void triad_recording_geometry(const triad_recording_meta *m, size_t ref_len, triad_geometry *g)
{
    memset(g, 0, sizeof *g);
    g->wavelength_m = TRIAD_C_MPS / m->carrier_hz;
    g->range_bin_m = TRIAD_C_MPS / (2.0 * m->sample_rate_hz);
    const double bw = m->waveform.type == TRIAD_WAVEFORM_LFM ? m->waveform.bandwidth_hz
                                                              : m->sample_rate_hz;
    g->range_resolution_m = TRIAD_C_MPS / (2.0 * bw);
    g->cpi_duration_s = (double)m->pulses_per_cpi * m->pri_s;
    g->velocity_bin_mps = g->wavelength_m / (2.0 * g->cpi_duration_s);
    g->unambiguous_range_m = TRIAD_C_MPS * m->pri_s / 2.0;
    g->unambiguous_velocity_mps = g->wavelength_m / (4.0 * m->pri_s);
    g->duration_s = (double)m->num_cpis * g->cpi_duration_s;
    const double r0 = 0.5 * TRIAD_C_MPS * m->rx_delay_s;
    g->min_range_m = r0;
    const size_t full = ref_len <= m->samples_per_pulse ? m->samples_per_pulse - ref_len : 0;
    g->max_range_m = r0 + g->range_bin_m * (double)full;
}

int triad_recording_write_meta(const char *path, const triad_recording_meta *m,
                               const char *description)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *g = cJSON_AddObjectToObject(root, "global");
    /* the samples written beside it are in the reader's format */
    cJSON_AddStringToObject(g, "core:datatype", triad_format_name(m->format));
    cJSON_AddNumberToObject(g, "core:sample_rate", m->sample_rate_hz);
    cJSON_AddStringToObject(g, "core:version", "1.0.0");
    if (m->num_channels != 1)
        cJSON_AddNumberToObject(g, "core:num_channels", (double)m->num_channels);
    cJSON_AddStringToObject(g, "core:description", description ? description : "");
    cJSON_AddStringToObject(g, "core:recorder", "triad simulate");
    cJSON *exts = cJSON_AddArrayToObject(g, "core:extensions");
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "name", "radar");
    cJSON_AddStringToObject(e, "version", "1.0.0");
    cJSON_AddBoolToObject(e, "optional", 0);
    cJSON_AddItemToArray(exts, e);
    cJSON_AddNumberToObject(g, "radar:samples_per_pulse", (double)m->samples_per_pulse);
    cJSON_AddNumberToObject(g, "radar:pulses_per_cpi", (double)m->pulses_per_cpi);
    cJSON_AddNumberToObject(g, "radar:pri_s", m->pri_s);
    if (m->rx_delay_s != 0.0)
        cJSON_AddNumberToObject(g, "radar:rx_delay_s", m->rx_delay_s);
    cJSON *w = cJSON_AddObjectToObject(g, "radar:waveform");
    if (m->waveform.type == TRIAD_WAVEFORM_LFM) {
        cJSON_AddStringToObject(w, "type", "lfm");
        cJSON_AddNumberToObject(w, "bandwidth_hz", m->waveform.bandwidth_hz);
        cJSON_AddNumberToObject(w, "pulse_width_s", m->waveform.pulse_width_s);
    } else {
        const char *slash = strrchr(m->waveform.file, '/');
        cJSON_AddStringToObject(w, "type", "samples");
        cJSON_AddStringToObject(w, "file", slash ? slash + 1 : m->waveform.file);
    }
    if (m->has_site) {
        cJSON *s = cJSON_AddObjectToObject(g, "radar:site");
        cJSON_AddStringToObject(s, "id", m->site.id);
        cJSON_AddNumberToObject(s, "lat_deg", m->site.lat_deg);
        cJSON_AddNumberToObject(s, "lon_deg", m->site.lon_deg);
        cJSON_AddNumberToObject(s, "alt_m", m->site.alt_m);
    }
    cJSON *caps = cJSON_AddArrayToObject(root, "captures");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddNumberToObject(c, "core:sample_start", 0);
    cJSON_AddNumberToObject(c, "core:frequency", m->carrier_hz);
    if (m->datetime[0])
        cJSON_AddStringToObject(c, "core:datetime", m->datetime);
    if (m->has_beam) {
        cJSON *b = cJSON_AddObjectToObject(c, "radar:beam");
        cJSON_AddNumberToObject(b, "azimuth_deg", m->beam_azimuth_deg);
        cJSON_AddNumberToObject(b, "elevation_deg", m->beam_elevation_deg);
    }
    cJSON_AddItemToArray(caps, c);
    cJSON_AddArrayToObject(root, "annotations");
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return triad__fail(TRIAD_ENOMEM, "%s: out of memory", path);
    FILE *f = fopen(path, "w");
    if (!f) {
        free(text);
        return triad__fail(TRIAD_EIO, "%s: cannot create: %s", path, strerror(errno));
    }
    const int ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    free(text);
    if (fclose(f) != 0 || !ok)
        return triad__fail(TRIAD_EIO, "%s: write failed", path);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The CPI reader */

struct triad_recording_reader {
    triad_recording_meta meta;  /* a copy: the caller's may go */
    const sigmf_type *type;
    int fd;
    struct archive *ar;         /* archive: positioned inside the data member */
    uint64_t ar_pos;            /* archive: bytes of the member consumed */
    unsigned char *staging;     /* the file's form of one CPI, when it is converted */
    size_t file_cpi_bytes, cpi_bytes;
    uint64_t next;
    /* core:sha512: every byte of the data file, in order, as the CPIs are read */
    bool hashing;
    struct sha512_ctx sha;
    uint64_t hashed;            /* bytes hashed: [0, hashed) */
    unsigned char *gap;         /* [GAP_BYTES] for header and trailing bytes */
};

enum { GAP_BYTES = 1 << 16 };

int triad_recording_reader_open(triad_recording_reader **out, const triad_recording_meta *m)
{
    *out = NULL;
    triad_recording_reader *rd = calloc(1, sizeof *rd);
    if (!rd)
        return triad__fail(TRIAD_ENOMEM, "reader: out of memory");
    rd->meta = *m;
    rd->fd = -1;
    rd->type = find_type(m->datatype);
    rd->cpi_bytes = triad_recording_cpi_bytes(m);
    rd->file_cpi_bytes = file_cpi_bytes(m);
    rd->hashing = m->verify_sha512;
    if (rd->hashing)
        sha512_init(&rd->sha);
    if ((!passthrough(m) && !(rd->staging = malloc(rd->file_cpi_bytes))) ||
        (rd->hashing && !(rd->gap = malloc(GAP_BYTES)))) {
        free(rd->staging);
        const size_t bytes = rd->file_cpi_bytes;
        free(rd);
        return triad__fail(TRIAD_ENOMEM, "reader: out of memory for a CPI of %zu bytes", bytes);
    }
    uint64_t size;
    const char *path = m->archive_path[0] ? m->archive_path : m->data_path;
    int err = open_regular(path, &rd->fd, &size);
    if (!err && m->archive_path[0] && !(err = archive_open_fd(rd->fd, path, &rd->ar)))
        err = archive_find(rd->ar, path, m->data_member, &size);
    if (!err && size != m->data_bytes)
        err = triad__fail(TRIAD_EIO, "%s: %llu bytes now, %llu when the recording was opened: "
                                     "the file changed",
                          m->data_path, (unsigned long long)size,
                          (unsigned long long)m->data_bytes);
    if (err) {
        triad_recording_reader_close(rd);
        return err;
    }
    *out = rd;
    return 0;
}

/* Archive members are read in order: skip forward to pos, then read n bytes. */
static int archive_read_at(triad_recording_reader *rd, void *buf, size_t n, uint64_t pos)
{
    const char *path = rd->meta.data_path;
    if (pos < rd->ar_pos)
        return triad__fail(TRIAD_EINVAL, "%s: archive members are read forward only", path);
    unsigned char *p = buf;
    while (rd->ar_pos < pos) {
        const uint64_t gap = pos - rd->ar_pos;
        const size_t chunk = gap < n ? (size_t)gap : n;
        const la_ssize_t r = archive_read_data(rd->ar, p, chunk);
        if (r <= 0)
            return triad__fail(TRIAD_ETRUNCATED, "%s: ends at byte %llu: %s", path,
                               (unsigned long long)rd->ar_pos,
                               r < 0 ? archive_error_string(rd->ar) : "end of member");
        rd->ar_pos += (uint64_t)r;
    }
    size_t done = 0;
    while (done < n) {
        const la_ssize_t r = archive_read_data(rd->ar, p + done, n - done);
        if (r <= 0)
            return triad__fail(TRIAD_ETRUNCATED, "%s: ends at byte %llu: %s", path,
                               (unsigned long long)rd->ar_pos,
                               r < 0 ? archive_error_string(rd->ar) : "end of member");
        done += (size_t)r;
        rd->ar_pos += (uint64_t)r;
    }
    return 0;
}

/* Hash the file's bytes [rd->hashed, upto): header bytes before a capture, the tail. An
 * archive member is read forward from rd->hashed (= rd->ar_pos while hashing). */
static int hash_through(triad_recording_reader *rd, uint64_t upto)
{
    while (rd->hashed < upto) {
        const uint64_t left = upto - rd->hashed;
        const size_t n = left < GAP_BYTES ? (size_t)left : GAP_BYTES;
        const int err = rd->ar ? archive_read_at(rd, rd->gap, n, rd->hashed)
                               : pread_all(rd->fd, rd->gap, n, rd->hashed, rd->meta.data_path);
        if (err)
            return err;
        sha512_update(&rd->sha, n, rd->gap);
        rd->hashed += n;
    }
    return 0;
}

/* The end: the rest of the file into the hash, then the digest against core:sha512. */
static int hash_check(triad_recording_reader *rd)
{
    const triad_recording_meta *m = &rd->meta;
    rd->hashing = false;
    int err = hash_through(rd, m->data_bytes);
    if (err) {
        char why[900];
        snprintf(why, sizeof why, "%s", triad_errmsg());
        return triad__fail(err, "field 'core:sha512': hashing the data: %s", why);
    }
    unsigned char d[SHA512_DIGEST_SIZE];
    sha512_digest(&rd->sha, sizeof d, d);
    char hex[2 * SHA512_DIGEST_SIZE + 1];
    for (size_t i = 0; i < sizeof d; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    if (strcmp(hex, m->sha512) != 0)
        return triad__fail(TRIAD_EFORMAT, "%s: field 'core:sha512': the data's SHA-512 is "
                           "%.16s..., the meta says %.16s...: the data file is damaged or not "
                           "the one the meta describes (%s; --skip-sha512 reads it unchecked)",
                           m->data_path, hex, m->sha512, m->meta_path);
    return 0;
}

int triad_recording_reader_next(triad_recording_reader *rd, void *buf, uint64_t *index)
{
    const triad_recording_meta *m = &rd->meta;
    if (rd->next >= m->num_cpis)
        return rd->hashing ? hash_check(rd) : 0;
    const triad_recording_capture *c = triad_recording_capture_of(m, rd->next);
    const uint64_t pos = c->byte_start + (rd->next - c->first_cpi) * rd->file_cpi_bytes;
    void *dst = rd->staging ? rd->staging : buf;
    int err = 0;
    if (rd->hashing) /* what lies before this CPI (a capture's header bytes) */
        err = hash_through(rd, pos);
    if (!err)
        err = rd->ar ? archive_read_at(rd, dst, rd->file_cpi_bytes, pos)
                     : pread_all(rd->fd, dst, rd->file_cpi_bytes, pos, m->data_path);
    if (!err && rd->hashing) {
        sha512_update(&rd->sha, rd->file_cpi_bytes, dst);
        rd->hashed = pos + rd->file_cpi_bytes;
    }
    if (err) {
        char why[900];
        snprintf(why, sizeof why, "%s", triad_errmsg());
        return triad__fail(err, "CPI %llu: %s", (unsigned long long)rd->next, why);
    }
    if (rd->staging)
        convert(rd->type, rd->staging, 2 * m->samples_per_pulse * m->pulses_per_cpi *
                                           m->num_channels,
                m->format, buf);
    *index = rd->next++;
    return 1;
}

void triad_recording_reader_close(triad_recording_reader *rd)
{
    if (!rd)
        return;
    if (rd->ar)
        archive_read_free(rd->ar);
    if (rd->fd >= 0)
        close(rd->fd);
    free(rd->staging);
    free(rd->gap);
    free(rd);
}
