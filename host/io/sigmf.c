/* SigMF recordings with the radar: extension: parse, validate, read CPIs, write meta.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "io/json_util.h"
#include "triad/recording.h"
#include "triad/units.h"

enum { META_MAX_BYTES = 16 << 20 };

size_t triad_recording_cpi_bytes(const triad_recording_meta *m)
{
    return m->samples_per_pulse * m->pulses_per_cpi * m->num_channels *
           triad_format_bytes(m->format);
}

/* Samples k with k/fs < Tp (a hair of tolerance so Tp*fs = 200.0000001 gives 200). */
static size_t lfm_length(double tp_s, double fs_hz)
{
    return (size_t)ceil(tp_s * fs_hz - 1e-6);
}

/* NAME.sigmf-meta -> NAME.sigmf-data; any other name gets .sigmf-data appended. */
static int data_path_for(const char *meta, char *out, size_t size)
{
    const char *ext = ".sigmf-meta";
    const size_t len = strlen(meta), el = strlen(ext);
    int n;
    if (len > el && strcmp(meta + len - el, ext) == 0)
        n = snprintf(out, size, "%.*s.sigmf-data", (int)(len - el), meta);
    else
        n = snprintf(out, size, "%s.sigmf-data", meta);
    if (n < 0 || (size_t)n >= size)
        return triad__fail(TRIAD_EINVAL, "%s: path too long", meta);
    return 0;
}

static int parse_format(const char *file, const char *s, triad_format *f)
{
    if (strcmp(s, "cf32_le") == 0) {
        *f = TRIAD_FORMAT_CF32_LE;
        return 0;
    }
    if (strcmp(s, "ci16_le") == 0) {
        *f = TRIAD_FORMAT_CI16_LE;
        return 0;
    }
    return triad__fail(TRIAD_EUNSUPPORTED,
                       "%s: field 'core:datatype': value \"%s\" is not supported (supported: "
                       "cf32_le, ci16_le)",
                       file, s);
}

static int has_radar_extension(const cJSON *global)
{
    const cJSON *ext = cJSON_GetObjectItemCaseSensitive(global, "core:extensions");
    const cJSON *e;
    cJSON_ArrayForEach(e, ext)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
        if (cJSON_IsString(name) && strcmp(name->valuestring, "radar") == 0)
            return 1;
    }
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
        struct stat st;
        if (stat(m->waveform.file, &st) != 0)
            return triad__fail(TRIAD_EIO, "%s: field 'radar:waveform.file': cannot open %s: %s",
                               file, m->waveform.file, strerror(errno));
        if (!S_ISREG(st.st_mode))
            return triad__fail(TRIAD_EIO, "%s: field 'radar:waveform.file': %s is not a regular "
                                          "file",
                               file, m->waveform.file);
        if (st.st_size <= 0 || st.st_size % 8 != 0)
            return triad__fail(TRIAD_EFORMAT,
                               "%s: field 'radar:waveform.file': %s has %lld bytes, not a "
                               "positive whole number of cf32 samples",
                               file, m->waveform.file, (long long)st.st_size);
        if ((size_t)(st.st_size / 8) > m->samples_per_pulse)
            return triad__fail(TRIAD_EINVAL,
                               "%s: field 'radar:waveform.file': pulse of %lld samples is longer "
                               "than the receive window radar:samples_per_pulse = %zu",
                               file, (long long)(st.st_size / 8), m->samples_per_pulse);
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

static int parse_capture(const char *file, const cJSON *root, triad_recording_meta *m)
{
    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(root, "captures");
    if (!caps)
        return triad__fail(TRIAD_EFORMAT, "%s: field 'captures' is missing", file);
    if (!cJSON_IsArray(caps) || cJSON_GetArraySize(caps) < 1 ||
        !cJSON_IsObject(cJSON_GetArrayItem(caps, 0)))
        return triad__fail(TRIAD_EFORMAT, "%s: field 'captures' must be a non-empty array of "
                                          "objects",
                           file);
    if (cJSON_GetArraySize(caps) > 1)
        triad__warn("%s: %d captures; Triad uses captures[0] for the whole recording", file,
                    cJSON_GetArraySize(caps));
    const cJSON *c = cJSON_GetArrayItem(caps, 0);
    int err = triad__json_number(file, c, "core:frequency", true, 0, &m->carrier_hz);
    if (err)
        return err;
    if (!(m->carrier_hz > 0.0))
        return triad__json_bad(file, "captures[0].core:frequency", m->carrier_hz,
                               "must be > 0 (the carrier sets the wavelength)");
    if ((err = triad__json_string(file, c, "core:datetime", false, m->datetime,
                                  sizeof m->datetime)))
        return err;
    double start;
    if ((err = triad__json_number(file, c, "core:sample_start", false, 0, &start)))
        return err;
    if (start != 0.0)
        return triad__json_bad(file, "captures[0].core:sample_start", start,
                               "is not 0 (the recording must start at a CPI boundary)");
    const cJSON *beam;
    if ((err = triad__json_object(file, c, "radar:beam", false, &beam)))
        return err;
    if (beam) {
        m->has_beam = true;
        if ((err = triad__json_number(file, beam, "azimuth_deg", true, 0, &m->beam_azimuth_deg)) ||
            (err = triad__json_number(file, beam, "elevation_deg", true, 0,
                                      &m->beam_elevation_deg)))
            return err;
    }
    return 0;
}

static int check_data(triad_recording_meta *m)
{
    struct stat st;
    if (stat(m->data_path, &st) != 0)
        return triad__fail(TRIAD_EIO, "%s: cannot open the data file: %s", m->data_path,
                           strerror(errno));
    if (!S_ISREG(st.st_mode))
        return triad__fail(TRIAD_EIO, "%s: not a regular file", m->data_path);
    const uint64_t cpi = triad_recording_cpi_bytes(m);
    const uint64_t size = (uint64_t)st.st_size;
    m->num_cpis = size / cpi;
    m->trailing_bytes = size % cpi;
    if (m->num_cpis == 0)
        return triad__fail(TRIAD_ETRUNCATED,
                           "%s: %llu bytes is shorter than one CPI (%zu pulses x %zu samples x "
                           "%zu channels x %zu bytes = %llu bytes)",
                           m->data_path, (unsigned long long)size, m->pulses_per_cpi,
                           m->samples_per_pulse, m->num_channels, triad_format_bytes(m->format),
                           (unsigned long long)cpi);
    if (m->trailing_bytes)
        triad__warn("%s: %llu trailing bytes after %llu whole CPIs form a partial CPI; it is "
                    "ignored",
                    m->data_path, (unsigned long long)m->trailing_bytes,
                    (unsigned long long)m->num_cpis);
    return 0;
}

static int parse_meta(const char *file, const cJSON *root, triad_recording_meta *m)
{
    const cJSON *g;
    int err = triad__json_object(file, root, "global", true, &g);
    if (err)
        return err;
    char dt[32];
    if ((err = triad__json_string(file, g, "core:datatype", true, dt, sizeof dt)) ||
        (err = parse_format(file, dt, &m->format)))
        return err;
    if ((err = triad__json_number(file, g, "core:sample_rate", true, 0, &m->sample_rate_hz)))
        return err;
    if (!(m->sample_rate_hz > 0.0))
        return triad__json_bad(file, "core:sample_rate", m->sample_rate_hz, "must be > 0");
    long long v;
    if ((err = triad__json_count(file, g, "core:num_channels", false, 1, 1, 4096, &v)))
        return err;
    m->num_channels = (size_t)v;
    if (!has_radar_extension(g))
        return triad__fail(TRIAD_EFORMAT,
                           "%s: field 'core:extensions' does not declare the \"radar\" "
                           "extension that the radar: fields need",
                           file);
    if ((err = triad__json_count(file, g, "radar:samples_per_pulse", true, 0, 1, 1 << 26, &v)))
        return err;
    m->samples_per_pulse = (size_t)v;
    if ((err = triad__json_count(file, g, "radar:pulses_per_cpi", true, 0, 1, 1 << 20, &v)))
        return err;
    m->pulses_per_cpi = (size_t)v;
    if ((err = triad__json_number(file, g, "radar:pri_s", true, 0, &m->pri_s)))
        return err;
    if (!(m->pri_s > 0.0))
        return triad__json_bad(file, "radar:pri_s", m->pri_s, "must be > 0");
    if (m->pri_s > 10.0)
        return triad__json_bad(file, "radar:pri_s", m->pri_s, "is over 10 s: not a pulse repetition interval");
    if ((err = triad__json_number(file, g, "radar:rx_delay_s", false, 0, &m->rx_delay_s)))
        return err;
    if (m->rx_delay_s < 0.0)
        return triad__json_bad(file, "radar:rx_delay_s", m->rx_delay_s, "must be >= 0");
    const double window_s = (double)m->samples_per_pulse / m->sample_rate_hz;
    if (window_s > m->pri_s * (1.0 + 1e-9))
        return triad__fail(TRIAD_EINVAL,
                           "%s: field 'radar:pri_s': value %.9g s is shorter than the receive "
                           "window of %zu samples at %.9g Hz (%.9g s)",
                           file, m->pri_s, m->samples_per_pulse, m->sample_rate_hz, window_s);
    if ((err = parse_waveform(file, g, m)) || (err = parse_site(file, g, m)) ||
        (err = parse_capture(file, root, m)))
        return err;
    /* one CPI must fit comfortably in memory, with the chain's working copies (x ~4) */
    const double cpi = (double)m->samples_per_pulse * (double)m->pulses_per_cpi *
                       (double)m->num_channels * (double)triad_format_bytes(m->format);
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    const double phys = pages > 0 && page > 0 ? (double)pages * (double)page : 1e18;
    if (cpi * 4.0 > phys)
        return triad__fail(TRIAD_EINVAL,
                           "%s: one CPI (radar:pulses_per_cpi %zu x radar:samples_per_pulse %zu "
                           "x core:num_channels %zu) is %.3g GB; processing needs about 4x that, "
                           "more than this machine's %.3g GB",
                           file, m->pulses_per_cpi, m->samples_per_pulse, m->num_channels,
                           cpi * 1e-9, phys * 1e-9);
    return 0;
}

int triad_recording_open_meta(const char *meta_path, bool data, triad_recording_meta *m)
{
    memset(m, 0, sizeof *m);
    if (strlen(meta_path) >= sizeof m->meta_path)
        return triad__fail(TRIAD_EINVAL, "%s: path too long", meta_path);
    strcpy(m->meta_path, meta_path);
    int err = data_path_for(meta_path, m->data_path, sizeof m->data_path);
    if (err)
        return err;
    cJSON *root;
    if ((err = triad__json_load(meta_path, META_MAX_BYTES, &root)))
        return err;
    err = parse_meta(meta_path, root, m);
    cJSON_Delete(root);
    if (!err && data)
        err = check_data(m);
    return err;
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
    FILE *f = fopen(m->waveform.file, "rb");
    if (!f)
        return triad__fail(TRIAD_EIO, "%s: cannot open: %s", m->waveform.file, strerror(errno));
    const long bytes = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (bytes < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return triad__fail(TRIAD_EIO, "%s: cannot seek: not a regular file?", m->waveform.file);
    }
    if (bytes <= 0 || bytes % 8 != 0) {
        fclose(f);
        return triad__fail(TRIAD_EFORMAT, "%s: %ld bytes is not a whole number of cf32 samples",
                           m->waveform.file, bytes);
    }
    const size_t l = (size_t)bytes / 8;
    float complex *s = malloc(l * sizeof *s);
    if (!s) {
        fclose(f);
        return triad__fail(TRIAD_ENOMEM, "waveform: out of memory");
    }
    const size_t got = fread(s, 8, l, f);
    fclose(f);
    if (got != l) {
        free(s);
        return triad__fail(TRIAD_EIO, "%s: short read", m->waveform.file);
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

struct triad_recording_reader {
    FILE *f;
    size_t cpi_bytes;
    uint64_t next, count;
    char path[1024];
};

int triad_recording_reader_open(triad_recording_reader **out, const triad_recording_meta *m)
{
    *out = NULL;
    triad_recording_reader *rd = calloc(1, sizeof *rd);
    if (!rd)
        return triad__fail(TRIAD_ENOMEM, "reader: out of memory");
    rd->f = fopen(m->data_path, "rb");
    if (!rd->f) {
        free(rd);
        return triad__fail(TRIAD_EIO, "%s: cannot open: %s", m->data_path, strerror(errno));
    }
    rd->cpi_bytes = triad_recording_cpi_bytes(m);
    rd->count = m->num_cpis;
    snprintf(rd->path, sizeof rd->path, "%s", m->data_path);
    *out = rd;
    return 0;
}

int triad_recording_reader_next(triad_recording_reader *rd, void *buf, uint64_t *index)
{
    if (rd->next >= rd->count)
        return 0;
    const size_t got = fread(buf, 1, rd->cpi_bytes, rd->f);
    if (got != rd->cpi_bytes)
        return triad__fail(TRIAD_ETRUNCATED, "%s: CPI %llu: read %zu of %zu bytes (file shrank?)",
                           rd->path, (unsigned long long)rd->next, got, rd->cpi_bytes);
    *index = rd->next++;
    return 1;
}

void triad_recording_reader_close(triad_recording_reader *rd)
{
    if (!rd)
        return;
    fclose(rd->f);
    free(rd);
}
