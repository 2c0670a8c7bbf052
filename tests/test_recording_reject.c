/* Bad recordings: every malformed, truncated, missing or nonsensical meta field, a missing or
 * short data file and a trailing partial CPI must give the right error code and a message
 * naming the file, the field and the reason (or, for the partial CPI, a warning), and never a
 * crash. Each test builds its files in a fresh directory under /tmp from the two example metas
 * (copied below as text so that the tests do not depend on the working directory), changing
 * one field.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "triad/error.h"
#include "triad/recording.h"

#include "triad/units.h"

/* testdata/independent/sample-a.sigmf-meta, verbatim */
static const char sample_a[] =
    "{\n"
    " \"global\": {\n"
    "  \"core:datatype\": \"cf32_le\",\n"
    "  \"core:sample_rate\": 20000000.0,\n"
    "  \"core:version\": \"1.0.0\",\n"
    "  \"core:description\": \"synthetic pulse-Doppler scene\",\n"
    "  \"core:extensions\": [\n"
    "   {\n"
    "    \"name\": \"radar\",\n"
    "    \"version\": \"1.0.0\",\n"
    "    \"optional\": false\n"
    "   }\n"
    "  ],\n"
    "  \"radar:samples_per_pulse\": 2048,\n"
    "  \"radar:pulses_per_cpi\": 32,\n"
    "  \"radar:pri_s\": 0.0002,\n"
    "  \"radar:waveform\": {\n"
    "   \"type\": \"lfm\",\n"
    "   \"bandwidth_hz\": 10000000.0,\n"
    "   \"pulse_width_s\": 1e-05\n"
    "  }\n"
    " },\n"
    " \"captures\": [\n"
    "  {\n"
    "   \"core:sample_start\": 0,\n"
    "   \"core:frequency\": 3000000000.0,\n"
    "   \"core:datetime\": \"2026-11-23T00:00:00Z\"\n"
    "  }\n"
    " ],\n"
    " \"annotations\": []\n"
    "}";

/* testdata/independent/sample-b.sigmf-meta, verbatim */
static const char sample_b[] =
    "{\n"
    " \"global\": {\n"
    "  \"core:datatype\": \"ci16_le\",\n"
    "  \"core:sample_rate\": 10000000.0,\n"
    "  \"core:version\": \"1.0.0\",\n"
    "  \"core:description\": \"synthetic pulse-Doppler scene\",\n"
    "  \"core:extensions\": [\n"
    "   {\n"
    "    \"name\": \"radar\",\n"
    "    \"version\": \"1.0.0\",\n"
    "    \"optional\": false\n"
    "   }\n"
    "  ],\n"
    "  \"radar:samples_per_pulse\": 1200,\n"
    "  \"radar:pulses_per_cpi\": 48,\n"
    "  \"radar:pri_s\": 0.00025,\n"
    "  \"radar:waveform\": {\n"
    "   \"type\": \"lfm\",\n"
    "   \"bandwidth_hz\": 4000000.0,\n"
    "   \"pulse_width_s\": 1.2e-05\n"
    "  }\n"
    " },\n"
    " \"captures\": [\n"
    "  {\n"
    "   \"core:sample_start\": 0,\n"
    "   \"core:frequency\": 5600000000.0,\n"
    "   \"core:datetime\": \"2026-11-23T00:00:00Z\"\n"
    "  }\n"
    " ],\n"
    " \"annotations\": []\n"
    "}";

/* One CPI: sample-a 2048 samples x 32 pulses x 8 bytes (cf32), sample-b 1200 x 48 x 4 (ci16). */
enum { CPI_A = 2048 * 32 * 8, CPI_B = 1200 * 48 * 4 };

static const char lfm_a[] = "   \"type\": \"lfm\",\n"
                            "   \"bandwidth_hz\": 10000000.0,\n"
                            "   \"pulse_width_s\": 1e-05\n";

/* ------------------------------------------------------------------------------------------ */
/* Fixture: a fresh temp directory, a log capture, removed afterwards. */

typedef struct {
    char dir[64];
    char log[8192];
    int log_lines;
} fixture;

static void capture_log(void *user, const char *line)
{
    fixture *f = user;
    const size_t used = strlen(f->log);
    snprintf(f->log + used, sizeof f->log - used, "%s\n", line);
    f->log_lines++;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/triad-reject-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    triad_set_log(capture_log, f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    triad_set_log(NULL, NULL);
    DIR *d = opendir(f->dir);
    if (d) {
        struct dirent *e;
        char path[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", f->dir, e->d_name);
            if (unlink(path) != 0)
                rmdir(path);
        }
        closedir(d);
    }
    const int rc = rmdir(f->dir);
    free(f);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers */

/* text with the one occurrence of from replaced by to; the caller frees. */
static char *subst(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    if (!at) {
        print_error("test bug: \"%s\" is not in the meta text\n", from);
        fail();
    }
    assert_null(strstr(at + 1, from)); /* exactly one occurrence, else the edit is ambiguous */
    const size_t pre = (size_t)(at - text), fl = strlen(from), tl = strlen(to);
    char *out = malloc(strlen(text) - fl + tl + 1);
    assert_non_null(out);
    memcpy(out, text, pre);
    memcpy(out + pre, to, tl);
    strcpy(out + pre + tl, at + fl);
    return out;
}

static void path_in(const fixture *f, const char *name, char *out, size_t size)
{
    const int n = snprintf(out, size, "%s/%s", f->dir, name);
    assert_true(n > 0 && (size_t)n < size);
}

static void put_file(const fixture *f, const char *name, const void *data, size_t n)
{
    char path[512];
    path_in(f, name, path, sizeof path);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

/* A file of zeros of the given size (sparse: no disk cost). */
static void put_sized(const fixture *f, const char *name, off_t size)
{
    char path[512];
    path_in(f, name, path, sizeof path);
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, size), 0);
    assert_int_equal(close(fd), 0);
}

/* Write rec.sigmf-meta with the given text and rec.sigmf-data of data_bytes (< 0: none).
 * meta_path receives the meta file's path. */
static void put_recording(const fixture *f, const char *text, long long data_bytes,
                          char *meta_path, size_t size)
{
    put_file(f, "rec.sigmf-meta", text, strlen(text));
    if (data_bytes >= 0)
        put_sized(f, "rec.sigmf-data", (off_t)data_bytes);
    path_in(f, "rec.sigmf-meta", meta_path, size);
}

/* sample-a with one edit, and a valid data file of two CPIs beside it. */
static void put_edit(const fixture *f, const char *base, const char *from, const char *to,
                     char *meta_path, size_t size)
{
    char *text = subst(base, from, to);
    put_recording(f, text, 2LL * (base == sample_b ? CPI_B : CPI_A), meta_path, size);
    free(text);
}

/* Open the recording (with its data); it must fail with code, and the message must be one
 * line that names path and contains each of the words. */
static void check_reject(const char *meta_path, int code, const char *path,
                         const char *const *words, const char *file, int line)
{
    triad_recording_meta m;
    memset(&m, 0xa5, sizeof m);
    const int err = triad_recording_open_meta(meta_path, true, &m);
    const char *msg = triad_errmsg();
    if (err != code) {
        print_error("%s:%d: expected error %d (%s), got %d (%s); message: %s\n", file, line,
                    code, triad_strerror(code), err, triad_strerror(err), msg);
        _fail(file, line);
    }
    if (!strstr(msg, path)) {
        print_error("%s:%d: message does not name the file %s: %s\n", file, line, path, msg);
        _fail(file, line);
    }
    if (strchr(msg, '\n')) {
        print_error("%s:%d: message is not one line: %s\n", file, line, msg);
        _fail(file, line);
    }
    for (const char *const *w = words; *w; w++) {
        if (!strstr(msg, *w)) {
            print_error("%s:%d: message lacks \"%s\": %s\n", file, line, *w, msg);
            _fail(file, line);
        }
    }
}

/* REJECT(meta_path, code, "field", "reason", ...): the message names the meta file. */
#define REJECT(meta_path, code, ...)                                                          \
    check_reject(meta_path, code, meta_path, (const char *const[]){__VA_ARGS__, NULL},        \
                 __FILE__, __LINE__)
/* The same, for messages about another file (the data file, the waveform file). */
#define REJECT_NAMING(meta_path, code, path, ...)                                             \
    check_reject(meta_path, code, path, (const char *const[]){__VA_ARGS__, NULL}, __FILE__,   \
                 __LINE__)

/* One-edit case on sample-a. */
#define EDIT_REJECT(from, to, code, ...)                                                      \
    do {                                                                                      \
        char mp_[512];                                                                        \
        put_edit(*state, sample_a, from, to, mp_, sizeof mp_);                                \
        REJECT(mp_, code, __VA_ARGS__);                                                       \
    } while (0)

static bool near(double a, double b) { return fabs(a - b) <= 1e-12 * fabs(b); }

/* ------------------------------------------------------------------------------------------ */
/* The examples parse */

static void test_sample_a_parses(void **state)
{
    fixture *f = *state;
    char mp[512];
    put_recording(f, sample_a, 2LL * CPI_A, mp, sizeof mp);
    triad_recording_meta m;
    assert_int_equal(triad_recording_open_meta(mp, true, &m), 0);
    assert_int_equal(m.format, TRIAD_FORMAT_CF32_LE);
    assert_int_equal(m.samples_per_pulse, 2048);
    assert_int_equal(m.pulses_per_cpi, 32);
    assert_int_equal(m.num_channels, 1);
    assert_true(near(m.pri_s, 0.0002));
    assert_true(near(m.sample_rate_hz, 20e6));
    assert_true(near(m.carrier_hz, 3e9));
    assert_int_equal(m.waveform.type, TRIAD_WAVEFORM_LFM);
    assert_true(near(m.waveform.bandwidth_hz, 10e6));
    assert_true(near(m.waveform.pulse_width_s, 1e-5));
    assert_true(m.rx_delay_s == 0.0);
    assert_string_equal(m.datetime, "2026-11-23T00:00:00Z");
    assert_false(m.has_site);
    assert_false(m.has_beam);
    assert_string_equal(m.meta_path, mp);
    char dp[512];
    path_in(f, "rec.sigmf-data", dp, sizeof dp);
    assert_string_equal(m.data_path, dp);
    assert_int_equal(triad_recording_cpi_bytes(&m), CPI_A);
    assert_int_equal(m.num_cpis, 2);
    assert_int_equal(m.trailing_bytes, 0);
    assert_int_equal(f->log_lines, 0); /* nothing to warn about */
    /* without the data file, data=false still parses */
    assert_int_equal(unlink(dp), 0);
    assert_int_equal(triad_recording_open_meta(mp, false, &m), 0);
    assert_int_equal(m.pulses_per_cpi, 32);
}

static void test_sample_b_parses(void **state)
{
    fixture *f = *state;
    char mp[512];
    put_recording(f, sample_b, 2LL * CPI_B, mp, sizeof mp);
    triad_recording_meta m;
    assert_int_equal(triad_recording_open_meta(mp, true, &m), 0);
    assert_int_equal(m.format, TRIAD_FORMAT_CI16_LE);
    assert_int_equal(m.samples_per_pulse, 1200);
    assert_int_equal(m.pulses_per_cpi, 48);
    assert_int_equal(m.num_channels, 1);
    assert_true(near(m.pri_s, 0.00025));
    assert_true(near(m.sample_rate_hz, 10e6));
    assert_true(near(m.carrier_hz, 5.6e9));
    assert_int_equal(m.waveform.type, TRIAD_WAVEFORM_LFM);
    assert_true(near(m.waveform.bandwidth_hz, 4e6));
    assert_true(near(m.waveform.pulse_width_s, 1.2e-5));
    assert_int_equal(triad_recording_cpi_bytes(&m), CPI_B);
    assert_int_equal(m.num_cpis, 2);
    assert_int_equal(m.trailing_bytes, 0);
    assert_int_equal(f->log_lines, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* The JSON text itself */

static void test_meta_file_missing(void **state)
{
    fixture *f = *state;
    char mp[512];
    path_in(f, "absent.sigmf-meta", mp, sizeof mp);
    REJECT(mp, TRIAD_EIO, "cannot open", "No such file");
}

static void test_meta_is_a_directory(void **state)
{
    fixture *f = *state;
    char mp[512];
    path_in(f, "dir.sigmf-meta", mp, sizeof mp);
    assert_int_equal(mkdir(mp, 0755), 0);
    triad_recording_meta m;
    const int err = triad_recording_open_meta(mp, true, &m);
    assert_true(err == TRIAD_EIO || err == TRIAD_EFORMAT);
    assert_non_null(strstr(triad_errmsg(), mp));
}

static void test_malformed_json(void **state)
{
    /* a doubled comma on line 15 */
    EDIT_REJECT("\"radar:pulses_per_cpi\": 32,", "\"radar:pulses_per_cpi\": 32,,",
                TRIAD_EFORMAT, "invalid JSON", "line 15");
}

static void test_malformed_json_unquoted_key(void **state)
{
    EDIT_REJECT("\"radar:pri_s\"", "radar:pri_s", TRIAD_EFORMAT, "invalid JSON", "line 16");
}

static bool says_json_reason(const char *msg)
{
    return strstr(msg, "JSON ends early (truncated file?)") || strstr(msg, "invalid JSON");
}

/* The valid meta cut in half. The cut lands inside the key "radar:pulses_per_cpi"; cJSON
 * reports where that string began, so the message may say "invalid JSON" rather than "ends
 * early" (see the report on json_util.c); either way it is EFORMAT with file, line, reason. */
static void test_truncated_json_half(void **state)
{
    fixture *f = *state;
    char mp[512];
    char half[sizeof sample_a];
    const size_t n = strlen(sample_a) / 2;
    memcpy(half, sample_a, n);
    half[n] = '\0';
    put_recording(f, half, 2LL * CPI_A, mp, sizeof mp);
    REJECT(mp, TRIAD_EFORMAT, "line 15");
    assert_true(says_json_reason(triad_errmsg()));
}

/* Cut between two lines: the parser runs into the end, the message says so. */
static void test_truncated_json_at_line_end(void **state)
{
    fixture *f = *state;
    char mp[512];
    const char *cut_after = strstr(sample_a, "\"radar:pulses_per_cpi\": 32,\n");
    assert_non_null(cut_after);
    const size_t n = (size_t)(cut_after - sample_a) + strlen("\"radar:pulses_per_cpi\": 32,\n");
    char cut[sizeof sample_a];
    memcpy(cut, sample_a, n);
    cut[n] = '\0';
    put_recording(f, cut, 2LL * CPI_A, mp, sizeof mp);
    REJECT(mp, TRIAD_EFORMAT, "JSON ends early", "truncated");
}

/* Every proper prefix of the valid meta is rejected as malformed JSON with a line number and
 * a reason, never accepted and never a crash; a cut right after a newline (between tokens)
 * says that the text ends early. */
static void test_truncated_json_every_prefix(void **state)
{
    fixture *f = *state;
    char mp[512];
    char cut[sizeof sample_a];
    const size_t len = strlen(sample_a);
    for (size_t n = 1; n < len; n++) {
        memcpy(cut, sample_a, n);
        cut[n] = '\0';
        put_recording(f, cut, 2LL * CPI_A, mp, sizeof mp);
        REJECT(mp, TRIAD_EFORMAT, "line ");
        if (!says_json_reason(triad_errmsg())) {
            print_error("prefix of %zu bytes: no reason: %s\n", n, triad_errmsg());
            fail();
        }
        if (sample_a[n - 1] == '\n' && !strstr(triad_errmsg(), "ends early")) {
            print_error("prefix of %zu bytes (cut after a newline): %s\n", n, triad_errmsg());
            fail();
        }
    }
}

static void test_empty_file(void **state)
{
    fixture *f = *state;
    char mp[512];
    put_recording(f, "", 2LL * CPI_A, mp, sizeof mp);
    REJECT(mp, TRIAD_EFORMAT, "empty");
}

static void test_whitespace_only(void **state)
{
    fixture *f = *state;
    char mp[512];
    put_recording(f, " \n\t\n", 2LL * CPI_A, mp, sizeof mp);
    REJECT(mp, TRIAD_EFORMAT, "JSON");
}

static void test_nul_byte(void **state)
{
    fixture *f = *state;
    char mp[512];
    put_file(f, "rec.sigmf-meta", sample_a, sizeof sample_a); /* with its terminating NUL */
    put_sized(f, "rec.sigmf-data", 2LL * CPI_A);
    path_in(f, "rec.sigmf-meta", mp, sizeof mp);
    REJECT(mp, TRIAD_EFORMAT, "NUL");
}

static void test_top_level_array(void **state)
{
    fixture *f = *state;
    char mp[512];
    char *text = malloc(strlen(sample_a) + 3);
    assert_non_null(text);
    sprintf(text, "[%s]", sample_a);
    put_recording(f, text, 2LL * CPI_A, mp, sizeof mp);
    free(text);
    REJECT(mp, TRIAD_EFORMAT, "top level", "not a JSON object");
}

static void test_top_level_number(void **state)
{
    fixture *f = *state;
    char mp[512];
    put_recording(f, "42", 2LL * CPI_A, mp, sizeof mp);
    REJECT(mp, TRIAD_EFORMAT, "not a JSON object");
}

/* ------------------------------------------------------------------------------------------ */
/* global */

static void test_global_missing(void **state)
{
    EDIT_REJECT("\"global\"", "\"global_\"", TRIAD_EFORMAT, "'global'", "missing");
}

static void test_global_not_object(void **state)
{
    fixture *f = *state;
    char mp[512];
    put_recording(f, "{\"global\": [1, 2], \"captures\": []}", 2LL * CPI_A, mp, sizeof mp);
    REJECT(mp, TRIAD_EFORMAT, "'global'", "not an object");
}

static void test_datatype_missing(void **state)
{
    EDIT_REJECT("\"core:datatype\"", "\"core:data_type\"", TRIAD_EFORMAT, "'core:datatype'",
                "missing");
}

static void test_datatype_real(void **state)
{
    EDIT_REJECT("\"cf32_le\"", "\"rf32_le\"", TRIAD_EUNSUPPORTED, "'core:datatype'",
                "\"rf32_le\"", "real-valued");
}

static void test_datatype_no_endianness(void **state)
{
    EDIT_REJECT("\"cf32_le\"", "\"cf32\"", TRIAD_EUNSUPPORTED, "'core:datatype'",
                "\"cf32\"", "_le or _be");
}

static void test_datatype_not_string(void **state)
{
    EDIT_REJECT("\"cf32_le\"", "32", TRIAD_EFORMAT, "'core:datatype'", "not a string");
}

static void test_datatype_too_long(void **state)
{
    EDIT_REJECT("\"cf32_le\"", "\"cf32_le_with_a_very_long_suffix_that_is_not_a_type\"",
                TRIAD_EFORMAT, "'core:datatype'", "longer than");
}

static void test_sample_rate_zero(void **state)
{
    EDIT_REJECT("20000000.0", "0", TRIAD_EINVAL, "'core:sample_rate'", "outside");
}

static void test_sample_rate_negative(void **state)
{
    EDIT_REJECT("20000000.0", "-20000000.0", TRIAD_EINVAL, "'core:sample_rate'", "-20000000",
                "outside");
}

static void test_sample_rate_missing(void **state)
{
    EDIT_REJECT("\"core:sample_rate\"", "\"core:samplerate\"", TRIAD_EFORMAT,
                "'core:sample_rate'", "missing");
}

static void test_sample_rate_overflows_to_inf(void **state)
{
    EDIT_REJECT("20000000.0", "1e999", TRIAD_EINVAL, "'core:sample_rate'", "not finite");
}

static void test_num_channels_zero(void **state)
{
    EDIT_REJECT("\"core:version\": \"1.0.0\",",
                "\"core:version\": \"1.0.0\", \"core:num_channels\": 0,", TRIAD_EINVAL,
                "'core:num_channels'", "outside");
}

static void test_extension_not_declared(void **state)
{
    EDIT_REJECT("\"name\": \"radar\"", "\"name\": \"radar2\"", TRIAD_EFORMAT, "'core:extensions'",
                "\"radar\"", "extension");
}

static void test_extensions_absent(void **state)
{
    EDIT_REJECT("\"core:extensions\"", "\"core:extensionz\"", TRIAD_EFORMAT, "'core:extensions'",
                "extension");
}

/* ------------------------------------------------------------------------------------------ */
/* radar: geometry */

static void test_samples_per_pulse_zero(void **state)
{
    EDIT_REJECT("\"radar:samples_per_pulse\": 2048", "\"radar:samples_per_pulse\": 0",
                TRIAD_EINVAL, "'radar:samples_per_pulse'", "value 0", "outside");
}

static void test_samples_per_pulse_negative(void **state)
{
    EDIT_REJECT("\"radar:samples_per_pulse\": 2048", "\"radar:samples_per_pulse\": -2048",
                TRIAD_EINVAL, "'radar:samples_per_pulse'", "outside");
}

static void test_samples_per_pulse_fraction(void **state)
{
    EDIT_REJECT("\"radar:samples_per_pulse\": 2048", "\"radar:samples_per_pulse\": 12.5",
                TRIAD_EINVAL, "'radar:samples_per_pulse'", "12.5", "whole number");
}

static void test_samples_per_pulse_missing(void **state)
{
    EDIT_REJECT("\"radar:samples_per_pulse\"", "\"radar:samples\"", TRIAD_EFORMAT,
                "'radar:samples_per_pulse'", "missing");
}

static void test_pulses_per_cpi_zero(void **state)
{
    EDIT_REJECT("\"radar:pulses_per_cpi\": 32", "\"radar:pulses_per_cpi\": 0", TRIAD_EINVAL,
                "'radar:pulses_per_cpi'", "value 0", "outside");
}

static void test_pulses_per_cpi_fraction(void **state)
{
    EDIT_REJECT("\"radar:pulses_per_cpi\": 32", "\"radar:pulses_per_cpi\": 31.5", TRIAD_EINVAL,
                "'radar:pulses_per_cpi'", "whole number");
}

static void test_pulses_per_cpi_huge(void **state)
{
    EDIT_REJECT("\"radar:pulses_per_cpi\": 32", "\"radar:pulses_per_cpi\": 1e300", TRIAD_EINVAL,
                "'radar:pulses_per_cpi'", "outside");
}

static void test_pri_zero(void **state)
{
    EDIT_REJECT("\"radar:pri_s\": 0.0002", "\"radar:pri_s\": 0", TRIAD_EINVAL, "'radar:pri_s'",
                "must be > 0");
}

static void test_pri_negative(void **state)
{
    EDIT_REJECT("\"radar:pri_s\": 0.0002", "\"radar:pri_s\": -0.0002", TRIAD_EINVAL,
                "'radar:pri_s'", "must be > 0");
}

static void test_pri_shorter_than_window(void **state)
{
    /* the window is 2048 / 20 MHz = 102.4 us */
    EDIT_REJECT("\"radar:pri_s\": 0.0002", "\"radar:pri_s\": 0.0001", TRIAD_EINVAL,
                "'radar:pri_s'", "shorter than the receive window");
}

static void test_pri_string(void **state)
{
    /* a string where a number belongs */
    EDIT_REJECT("\"radar:pri_s\": 0.0002", "\"radar:pri_s\": \"0.0002\"", TRIAD_EFORMAT,
                "'radar:pri_s'", "not a number");
}

static void test_samples_per_pulse_string(void **state)
{
    EDIT_REJECT("\"radar:samples_per_pulse\": 2048", "\"radar:samples_per_pulse\": \"2048\"",
                TRIAD_EFORMAT, "'radar:samples_per_pulse'", "not a number");
}

static void test_pri_null(void **state)
{
    EDIT_REJECT("\"radar:pri_s\": 0.0002", "\"radar:pri_s\": null", TRIAD_EFORMAT,
                "'radar:pri_s'", "not a number");
}

static void test_rx_delay_negative(void **state)
{
    EDIT_REJECT("\"radar:pri_s\": 0.0002,", "\"radar:pri_s\": 0.0002, \"radar:rx_delay_s\": -1e-6,",
                TRIAD_EINVAL, "'radar:rx_delay_s'", "must be >= 0");
}

/* Sizes that would not fit in memory: 2^26 samples x 2^20 pulses x 8 bytes = 512 TiB a CPI.
 * (The PRI is made long enough for the window so that the size is what fails.) */
static void test_cpi_too_big_for_memory(void **state)
{
    char *t1 = subst(sample_a, "\"radar:samples_per_pulse\": 2048",
                     "\"radar:samples_per_pulse\": 67108864");
    char *t2 = subst(t1, "\"radar:pulses_per_cpi\": 32", "\"radar:pulses_per_cpi\": 1048576");
    char *t3 = subst(t2, "\"radar:pri_s\": 0.0002", "\"radar:pri_s\": 4.0");
    char mp[512];
    put_recording(*state, t3, 2LL * CPI_A, mp, sizeof mp);
    free(t1);
    free(t2);
    free(t3);
    REJECT(mp, TRIAD_EINVAL, "radar:pulses_per_cpi", "radar:samples_per_pulse", "GB",
           "memory limit", "this machine's memory");
}

static void test_samples_per_pulse_above_limit(void **state)
{
    EDIT_REJECT("\"radar:samples_per_pulse\": 2048", "\"radar:samples_per_pulse\": 67108865",
                TRIAD_EINVAL, "'radar:samples_per_pulse'", "outside");
}

/* ------------------------------------------------------------------------------------------ */
/* radar:waveform */

static void test_waveform_missing(void **state)
{
    EDIT_REJECT("\"radar:waveform\"", "\"radar:wave\"", TRIAD_EFORMAT, "'radar:waveform'",
                "missing");
}

static void test_waveform_type_unknown(void **state)
{
    EDIT_REJECT("\"type\": \"lfm\"", "\"type\": \"nlfm\"", TRIAD_EUNSUPPORTED,
                "'radar:waveform.type'", "\"nlfm\"", "not supported");
}

static void test_pulse_longer_than_window(void **state)
{
    /* 150 us at 20 MHz = 3000 samples > 2048 */
    EDIT_REJECT("\"pulse_width_s\": 1e-05", "\"pulse_width_s\": 0.00015", TRIAD_EINVAL,
                "'radar:waveform.pulse_width_s'", "longer than the receive window");
}

static void test_pulse_width_zero(void **state)
{
    EDIT_REJECT("\"pulse_width_s\": 1e-05", "\"pulse_width_s\": 0", TRIAD_EINVAL,
                "'radar:waveform.pulse_width_s'", "must be > 0");
}

static void test_pulse_shorter_than_a_sample(void **state)
{
    EDIT_REJECT("\"pulse_width_s\": 1e-05", "\"pulse_width_s\": 1e-09", TRIAD_EINVAL,
                "'radar:waveform.pulse_width_s'", "at least 1");
}

static void test_bandwidth_above_sample_rate(void **state)
{
    EDIT_REJECT("\"bandwidth_hz\": 10000000.0", "\"bandwidth_hz\": 30000000.0", TRIAD_EINVAL,
                "'radar:waveform.bandwidth_hz'", "above the sample rate");
}

static void test_bandwidth_zero(void **state)
{
    EDIT_REJECT("\"bandwidth_hz\": 10000000.0", "\"bandwidth_hz\": 0", TRIAD_EINVAL,
                "'radar:waveform.bandwidth_hz'", "must be > 0");
}

static void test_bandwidth_missing(void **state)
{
    EDIT_REJECT("\"bandwidth_hz\"", "\"bandwidth\"", TRIAD_EFORMAT, "'bandwidth_hz'", "missing");
}

static const char samples_wf[] = "   \"type\": \"samples\",\n"
                                 "   \"file\": \"pulse.cf32\"\n";

static void test_waveform_samples_ok(void **state)
{
    fixture *f = *state;
    float pulse[2 * 100] = {0};
    for (int k = 0; k < 100; k++)
        pulse[2 * k] = 1.0f;
    put_file(f, "pulse.cf32", pulse, sizeof pulse);
    char mp[512], wp[512];
    put_edit(f, sample_a, lfm_a, samples_wf, mp, sizeof mp);
    path_in(f, "pulse.cf32", wp, sizeof wp);
    triad_recording_meta m;
    assert_int_equal(triad_recording_open_meta(mp, true, &m), 0);
    assert_int_equal(m.waveform.type, TRIAD_WAVEFORM_SAMPLES);
    assert_string_equal(m.waveform.file, wp);
    float complex *ref = NULL;
    size_t len = 0;
    assert_int_equal(triad_recording_waveform(&m, &ref, &len), 0);
    assert_int_equal(len, 100);
    assert_true(crealf(ref[0]) == 1.0f);
    free(ref);
}

static void test_waveform_samples_file_missing(void **state)
{
    fixture *f = *state;
    char mp[512], wp[512];
    put_edit(f, sample_a, lfm_a, samples_wf, mp, sizeof mp);
    path_in(f, "pulse.cf32", wp, sizeof wp);
    REJECT(mp, TRIAD_EIO, "'radar:waveform.file'", wp, "cannot open");
}

static void test_waveform_samples_file_wrong_size(void **state)
{
    fixture *f = *state;
    char mp[512];
    static const char twelve[12] = {0};
    put_file(f, "pulse.cf32", twelve, sizeof twelve);
    put_edit(f, sample_a, lfm_a, samples_wf, mp, sizeof mp);
    REJECT(mp, TRIAD_EFORMAT, "'radar:waveform.file'", "12 bytes", "whole number");
}

static void test_waveform_samples_file_empty(void **state)
{
    fixture *f = *state;
    char mp[512];
    put_sized(f, "pulse.cf32", 0);
    put_edit(f, sample_a, lfm_a, samples_wf, mp, sizeof mp);
    REJECT(mp, TRIAD_EFORMAT, "'radar:waveform.file'", "0 bytes");
}

static void test_waveform_samples_longer_than_window(void **state)
{
    fixture *f = *state;
    char mp[512];
    put_sized(f, "pulse.cf32", 2049 * 8);
    put_edit(f, sample_a, lfm_a, samples_wf, mp, sizeof mp);
    REJECT(mp, TRIAD_EINVAL, "'radar:waveform.file'", "longer than the receive window");
}

static void test_waveform_samples_file_is_directory(void **state)
{
    fixture *f = *state;
    char mp[512], wp[512];
    path_in(f, "pulse.cf32", wp, sizeof wp);
    assert_int_equal(mkdir(wp, 0755), 0);
    put_edit(f, sample_a, lfm_a, samples_wf, mp, sizeof mp);
    /* either the meta check or the waveform read must refuse it, naming the file */
    triad_recording_meta m;
    int err = triad_recording_open_meta(mp, true, &m);
    if (err == 0) {
        float complex *ref = NULL;
        size_t len = 0;
        err = triad_recording_waveform(&m, &ref, &len);
        free(ref);
    }
    assert_true(err == TRIAD_EIO || err == TRIAD_EFORMAT);
    assert_non_null(strstr(triad_errmsg(), wp));
}

static void test_waveform_samples_nonfinite(void **state)
{
    fixture *f = *state;
    char mp[512];
    float pulse[2 * 4] = {1.0f, 0.0f, NAN, 0.0f, 1.0f, 0.0f, 1.0f, INFINITY};
    put_file(f, "pulse.cf32", pulse, sizeof pulse);
    put_edit(f, sample_a, lfm_a, samples_wf, mp, sizeof mp);
    triad_recording_meta m;
    assert_int_equal(triad_recording_open_meta(mp, true, &m), 0);
    float complex *ref = (float complex *)&m; /* must be reset to NULL on failure */
    size_t len = 7;
    assert_int_equal(triad_recording_waveform(&m, &ref, &len), TRIAD_EFORMAT);
    assert_null(ref);
    assert_non_null(strstr(triad_errmsg(), m.waveform.file));
    assert_non_null(strstr(triad_errmsg(), "not finite"));
}

/* ------------------------------------------------------------------------------------------ */
/* captures */

static void test_captures_missing(void **state)
{
    EDIT_REJECT("\"captures\"", "\"capture\"", TRIAD_EFORMAT, "'captures'", "missing");
}

static void test_captures_empty(void **state)
{
    fixture *f = *state;
    char *t1 = subst(sample_a, "\"captures\": [\n", "\"captures\": [], \"x\": [\n");
    char mp[512];
    put_recording(f, t1, 2LL * CPI_A, mp, sizeof mp);
    free(t1);
    REJECT(mp, TRIAD_EFORMAT, "'captures'", "non-empty");
}

static void test_carrier_missing(void **state)
{
    EDIT_REJECT("\"core:frequency\"", "\"core:freq\"", TRIAD_EFORMAT, "core:frequency", "missing");
}

static void test_carrier_zero(void **state)
{
    EDIT_REJECT("3000000000.0", "0", TRIAD_EINVAL, "captures[0].core:frequency", "outside");
}

static void test_sample_start_nonzero(void **state)
{
    EDIT_REJECT("\"core:sample_start\": 0", "\"core:sample_start\": 5", TRIAD_EINVAL,
                "captures[0].core:sample_start", "not core:offset 0");
}

/* Two captures at the same sample: not in increasing order. */
static void test_two_captures_same_start(void **state)
{
    fixture *f = *state;
    char *t1 = subst(sample_a, "\"captures\": [\n",
                     "\"captures\": [\n  {\"core:sample_start\": 0, \"core:frequency\": 3e9},\n");
    char mp[512];
    put_recording(f, t1, 2LL * CPI_A, mp, sizeof mp);
    free(t1);
    REJECT(mp, TRIAD_EINVAL, "captures[1].core:sample_start", "increasing");
}

/* ------------------------------------------------------------------------------------------ */
/* radar:site */

static void test_site_latitude_out_of_range(void **state)
{
    EDIT_REJECT("\"radar:pri_s\": 0.0002,",
                "\"radar:pri_s\": 0.0002, \"radar:site\": {\"id\": \"x\", \"lat_deg\": 91, "
                "\"lon_deg\": 0},",
                TRIAD_EINVAL, "'radar:site.lat_deg'", "outside");
}

/* ------------------------------------------------------------------------------------------ */
/* The data file */

static void test_data_missing(void **state)
{
    fixture *f = *state;
    char mp[512], dp[512];
    put_recording(f, sample_a, -1, mp, sizeof mp);
    path_in(f, "rec.sigmf-data", dp, sizeof dp);
    REJECT_NAMING(mp, TRIAD_EIO, dp, "data file", "cannot open");
}

static void test_data_is_directory(void **state)
{
    fixture *f = *state;
    char mp[512], dp[512];
    put_recording(f, sample_a, -1, mp, sizeof mp);
    path_in(f, "rec.sigmf-data", dp, sizeof dp);
    assert_int_equal(mkdir(dp, 0755), 0);
    REJECT_NAMING(mp, TRIAD_EFORMAT, dp, "not a regular file", "a directory");
}

static void test_data_empty(void **state)
{
    fixture *f = *state;
    char mp[512], dp[512];
    put_recording(f, sample_a, 0, mp, sizeof mp);
    path_in(f, "rec.sigmf-data", dp, sizeof dp);
    REJECT_NAMING(mp, TRIAD_ETRUNCATED, dp, "0 bytes", "shorter than one CPI");
}

static void test_data_shorter_than_one_cpi(void **state)
{
    fixture *f = *state;
    char mp[512], dp[512];
    put_recording(f, sample_a, CPI_A - 1, mp, sizeof mp);
    path_in(f, "rec.sigmf-data", dp, sizeof dp);
    REJECT_NAMING(mp, TRIAD_ETRUNCATED, dp, "524287 bytes", "524288 bytes",
                  "shorter than one CPI");
}

static void test_data_shorter_than_one_cpi_ci16(void **state)
{
    fixture *f = *state;
    char mp[512], dp[512];
    put_recording(f, sample_b, CPI_B / 2, mp, sizeof mp);
    path_in(f, "rec.sigmf-data", dp, sizeof dp);
    REJECT_NAMING(mp, TRIAD_ETRUNCATED, dp, "115200 bytes", "shorter than one CPI");
}

static void test_trailing_partial_cpi(void **state)
{
    fixture *f = *state;
    char mp[512], dp[512];
    put_recording(f, sample_a, 2LL * CPI_A + 100, mp, sizeof mp);
    path_in(f, "rec.sigmf-data", dp, sizeof dp);
    triad_recording_meta m;
    assert_int_equal(triad_recording_open_meta(mp, true, &m), 0);
    assert_int_equal(m.num_cpis, 2);
    assert_int_equal(m.trailing_bytes, 100);
    assert_int_equal(f->log_lines, 1);
    assert_non_null(strstr(f->log, dp));
    assert_non_null(strstr(f->log, "100 trailing bytes"));
    assert_non_null(strstr(f->log, "ignored"));
    /* the reader returns the whole CPIs only */
    triad_recording_reader *rd;
    assert_int_equal(triad_recording_reader_open(&rd, &m), 0);
    void *buf = malloc(CPI_A);
    assert_non_null(buf);
    uint64_t index = 99;
    assert_int_equal(triad_recording_reader_next(rd, buf, &index), 1);
    assert_int_equal(index, 0);
    assert_int_equal(triad_recording_reader_next(rd, buf, &index), 1);
    assert_int_equal(index, 1);
    assert_int_equal(triad_recording_reader_next(rd, buf, &index), 0);
    free(buf);
    triad_recording_reader_close(rd);
}

static void test_trailing_partial_cpi_ci16(void **state)
{
    fixture *f = *state;
    char mp[512], dp[512];
    put_recording(f, sample_b, CPI_B + CPI_B - 4, mp, sizeof mp);
    path_in(f, "rec.sigmf-data", dp, sizeof dp);
    triad_recording_meta m;
    assert_int_equal(triad_recording_open_meta(mp, true, &m), 0);
    assert_int_equal(m.num_cpis, 1);
    assert_int_equal(m.trailing_bytes, CPI_B - 4);
    assert_int_equal(f->log_lines, 1);
    assert_non_null(strstr(f->log, dp));
}

/* ------------------------------------------------------------------------------------------ */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

/* ------------------------------------------------------------------------------------------ */
/* From memory, hostile files and sizes (issues 17 and 18) */

/* The parser on a buffer gives what the file function gives, and touches no file. */
static void test_parse_from_memory(void **state)
{
    fixture *f = *state;
    char mp[512];
    put_recording(f, sample_b, 2LL * CPI_B, mp, sizeof mp);
    triad_recording_meta from_file, from_memory;
    assert_int_equal(triad_recording_open_meta(mp, true, &from_file), 0);
    const triad_recording_opts o = triad_recording_opts_default();
    /* a name in a folder that does not exist: nothing is opened */
    assert_int_equal(triad_recording_parse_meta("/nonexistent/rec.sigmf-meta", sample_b,
                                                strlen(sample_b), &o, &from_memory),
                     0);
    assert_int_equal(from_memory.num_cpis, 0);
    assert_int_equal(triad_recording_set_data_size(&from_memory, 2ULL * CPI_B), 0);
    assert_int_equal(from_memory.num_cpis, 2);
    assert_string_equal(from_memory.data_path, "/nonexistent/rec.sigmf-data");
    assert_int_equal(from_memory.samples_per_pulse, from_file.samples_per_pulse);
    assert_int_equal(from_memory.format, from_file.format);
    assert_true(from_memory.carrier_hz == from_file.carrier_hz);
    assert_string_equal(from_memory.datatype, "ci16_le");
    /* no NUL needed: the text cut one byte short of its end is rejected as truncated */
    assert_int_equal(triad_recording_parse_meta("mem", sample_b, strlen(sample_b) - 1, &o,
                                                &from_memory),
                     TRIAD_EFORMAT);
    assert_non_null(strstr(triad_errmsg(), "mem: line"));
    /* too short for one CPI */
    assert_int_equal(triad_recording_parse_meta("mem", sample_b, strlen(sample_b), &o,
                                                &from_memory),
                     0);
    assert_int_equal(triad_recording_set_data_size(&from_memory, CPI_B - 1), TRIAD_ETRUNCATED);
    assert_non_null(strstr(triad_errmsg(), "shorter than one CPI"));
}

/* A FIFO as the meta file: refused at once (opened without blocking, then fstat). */
static void test_meta_is_a_fifo(void **state)
{
    fixture *f = *state;
    char mp[512];
    path_in(f, "fifo.sigmf-meta", mp, sizeof mp);
    assert_int_equal(mkfifo(mp, 0644), 0);
    REJECT(mp, TRIAD_EFORMAT, "a FIFO", "not a regular file");
}

static void test_data_is_a_fifo(void **state)
{
    fixture *f = *state;
    char mp[512], dp[512];
    put_recording(f, sample_a, -1, mp, sizeof mp);
    path_in(f, "rec.sigmf-data", dp, sizeof dp);
    assert_int_equal(mkfifo(dp, 0644), 0);
    REJECT_NAMING(mp, TRIAD_EFORMAT, dp, "a FIFO", "not a regular file");
}

/* /dev/zero would read forever: a character device is refused. */
static void test_data_is_dev_zero(void **state)
{
    fixture *f = *state;
    char mp[512], dp[512];
    put_recording(f, sample_a, -1, mp, sizeof mp);
    path_in(f, "rec.sigmf-data", dp, sizeof dp);
    assert_int_equal(symlink("/dev/zero", dp), 0);
    REJECT_NAMING(mp, TRIAD_EFORMAT, dp, "a character device", "not a regular file");
}

/* 2^31 pulses or samples are refused by the field's bound; products within the bounds but
 * beyond the memory limit are refused by the limit, naming the fields and the limit. */
static void test_hostile_sizes(void **state)
{
    EDIT_REJECT("\"radar:samples_per_pulse\": 2048", "\"radar:samples_per_pulse\": 2147483648",
                TRIAD_EINVAL, "'radar:samples_per_pulse'", "2.14748365e+09", "outside");
    EDIT_REJECT("\"radar:pulses_per_cpi\": 32", "\"radar:pulses_per_cpi\": 2147483648",
                TRIAD_EINVAL, "'radar:pulses_per_cpi'", "2.14748365e+09", "outside");
    fixture *f = *state;
    char *t1 = subst(sample_a, "\"radar:pulses_per_cpi\": 32", "\"radar:pulses_per_cpi\": 4096");
    const triad_recording_opts tight = {.data = false, .max_memory_bytes = 100 << 20};
    triad_recording_meta m;
    /* 4096 x 2048 x 8 bytes = 64 MiB a CPI, 4x = 256 MiB > 100 MiB */
    assert_int_equal(triad_recording_parse_meta("big", t1, strlen(t1), &tight, &m), TRIAD_EINVAL);
    const char *msg = triad_errmsg();
    assert_non_null(strstr(msg, "radar:pulses_per_cpi 4096"));
    assert_non_null(strstr(msg, "radar:samples_per_pulse 2048"));
    assert_non_null(strstr(msg, "--max-memory"));
    const triad_recording_opts roomy = {.data = false, .max_memory_bytes = 1ULL << 30};
    assert_int_equal(triad_recording_parse_meta("big", t1, strlen(t1), &roomy, &m), 0);
    free(t1);
    (void)f;
}

/* Physical fields out of their stated ranges (issue 18), each named. */
static void test_physics_ranges(void **state)
{
    EDIT_REJECT("3000000000.0", "1e-300", TRIAD_EINVAL, "captures[0].core:frequency", "outside");
    EDIT_REJECT("3000000000.0", "2e12", TRIAD_EINVAL, "captures[0].core:frequency", "outside");
    EDIT_REJECT("20000000.0", "1e-300", TRIAD_EINVAL, "'core:sample_rate'", "outside");
    EDIT_REJECT("\"radar:pri_s\": 0.0002,", "\"radar:pri_s\": 0.0002, \"radar:rx_delay_s\": 1e300,",
                TRIAD_EINVAL, "'radar:rx_delay_s'", "over 1 s");
    EDIT_REJECT("\"radar:pri_s\": 0.0002", "\"radar:pri_s\": 1e-300", TRIAD_EINVAL,
                "'radar:pri_s'");
    EDIT_REJECT("2026-11-23T00:00:00Z", "9999-12-31T23:59:60Z", TRIAD_EINVAL,
                "captures[0].core:datetime", "year 9999", "1970..2199");
    EDIT_REJECT("2026-11-23T00:00:00Z", "2026-12-31T23:59:60Z", TRIAD_EINVAL,
                "captures[0].core:datetime", "second 60");
    EDIT_REJECT("2026-11-23T00:00:00Z", "-999-01-01T00:00:00Z", TRIAD_EINVAL,
                "captures[0].core:datetime", "YYYY-MM-DD");
    EDIT_REJECT("2026-11-23T00:00:00Z", "2026-02-29T00:00:00Z", TRIAD_EINVAL,
                "captures[0].core:datetime", "day");
    EDIT_REJECT("2026-11-23T00:00:00Z", "2026-11-23T00:00:00+01:00", TRIAD_EINVAL,
                "captures[0].core:datetime", "UTC");
    EDIT_REJECT("2026-11-23T00:00:00Z", "2026-11-23T00:00:00.Z", TRIAD_EINVAL,
                "captures[0].core:datetime", "fraction");
}

/* ------------------------------------------------------------------------------------------ */
/* Captures, core fields, archives (issue 11) */

/* sample-a (CPI = 32 x 2048 = 65536 samples of 8 bytes) split into three captures from
 * core:offset 131072: a retune at CPI 1 with header bytes, a clock jump at CPI 3. */
static const char three_captures[] =
    " \"captures\": [\n"
    "  {\"core:sample_start\": 131072, \"core:frequency\": 3e9, \"core:header_bytes\": 16,\n"
    "   \"core:datetime\": \"2026-11-23T00:00:00.5Z\"},\n"
    "  {\"core:sample_start\": 196608, \"core:frequency\": 6e9, \"core:header_bytes\": 8},\n"
    "  {\"core:sample_start\": 327680, \"core:datetime\": \"2026-11-23T01:00:00Z\"}\n"
    " ],\n";

static char *with_captures(const char *captures)
{
    const char *a = strstr(sample_a, " \"captures\": [");
    const char *b = strstr(sample_a, " \"annotations\"");
    char *t = malloc(strlen(sample_a) + strlen(captures) + 64);
    assert_non_null(t);
    memcpy(t, sample_a, (size_t)(a - sample_a));
    t[a - sample_a] = '\0';
    strcat(t, captures);
    strcat(t, b);
    char *t2 = subst(t, "\"core:version\": \"1.0.0\",", "\"core:version\": \"1.0.0\", \"core:offset\": 131072,");
    free(t);
    return t2;
}

static void test_captures_layout(void **state)
{
    (void)state;
    char *t = with_captures(three_captures);
    const triad_recording_opts o = triad_recording_opts_default();
    triad_recording_meta m;
    assert_int_equal(triad_recording_parse_meta("caps", t, strlen(t), &o, &m), 0);
    assert_int_equal(m.num_captures, 3);
    assert_int_equal(m.offset_samples, 131072);
    assert_int_equal(m.captures[0].first_cpi, 0);
    assert_int_equal(m.captures[1].first_cpi, 1);
    assert_int_equal(m.captures[2].first_cpi, 3);
    assert_true(m.captures[2].carrier_hz == 6e9); /* kept from the capture before */
    assert_string_equal(m.datetime, "2026-11-23T00:00:00.5Z");
    const double cpi_s = 32 * 0.0002;
    assert_true(fabs(m.captures[1].start_s - cpi_s) < 1e-12);
    assert_true(fabs(m.captures[2].start_s - 3599.5) < 1e-9);
    /* data: 16 + 1 CPI + 8 + 2 CPIs + 2 CPIs + 100 trailing bytes */
    const uint64_t size = 16 + CPI_A + 8 + 4ULL * CPI_A + 100;
    assert_int_equal(triad_recording_set_data_size(&m, size), 0);
    assert_int_equal(m.captures[0].byte_start, 16);
    assert_int_equal(m.captures[1].byte_start, 16 + CPI_A + 8);
    assert_int_equal(m.captures[2].byte_start, 16 + 3ULL * CPI_A + 8);
    assert_int_equal(m.num_cpis, 5);
    assert_int_equal(m.trailing_bytes, 100);
    /* one byte short of the third capture's first CPI */
    assert_int_equal(triad_recording_parse_meta("caps", t, strlen(t), &o, &m), 0);
    assert_int_equal(triad_recording_set_data_size(&m, 16 + 3ULL * CPI_A + 8 + CPI_A - 1),
                     TRIAD_ETRUNCATED);
    assert_non_null(strstr(triad_errmsg(), "captures[2]"));
    assert_int_equal(triad_recording_set_data_size(&m, 16 + CPI_A), TRIAD_ETRUNCATED);
    assert_non_null(strstr(triad_errmsg(), "captures[1]"));
    /* detections re-expressed in their capture's carrier and clock */
    assert_int_equal(triad_recording_parse_meta("caps", t, strlen(t), &o, &m), 0);
    triad_detection d[3] = {{.cpi = 0, .doppler_bin = 4}, {.cpi = 2, .doppler_bin = 4},
                            {.cpi = 4, .doppler_bin = 4}};
    triad_recording_apply_captures(&m, d, 3);
    const double v3 = -4 * (TRIAD_C_MPS / 3e9) / (2 * cpi_s);
    assert_true(fabs(d[0].velocity_mps - v3) < 1e-9);
    assert_true(fabs(d[1].velocity_mps - v3 / 2) < 1e-9);
    assert_true(fabs(d[2].velocity_mps - v3 / 2) < 1e-9);
    assert_true(fabs(d[0].time_s - 15.5 * 0.0002) < 1e-12);
    assert_true(fabs(d[1].time_s - (2 * cpi_s + 15.5 * 0.0002)) < 1e-12);
    assert_true(fabs(d[2].time_s - (3599.5 + cpi_s + 15.5 * 0.0002)) < 1e-9);
    assert_int_equal(triad_recording_capture_of(&m, 2)->first_cpi, 1);
    free(t);
}

/* A capture that does not start on a CPI boundary is refused with its index. */
static void test_capture_off_boundary(void **state)
{
    (void)state;
    char *t = with_captures(" \"captures\": [{\"core:sample_start\": 131072, \"core:frequency\": 3e9},\n"
                            "  {\"core:sample_start\": 196609}],\n");
    const triad_recording_opts o = triad_recording_opts_default();
    triad_recording_meta m;
    assert_int_equal(triad_recording_parse_meta("caps", t, strlen(t), &o, &m), TRIAD_EINVAL);
    assert_non_null(strstr(triad_errmsg(), "captures[1].core:sample_start"));
    assert_non_null(strstr(triad_errmsg(), "capture 1 starts at sample 196609"));
    assert_non_null(strstr(triad_errmsg(), "CPI boundary"));
    free(t);
}

/* Every core field is honoured or refused by name. */
static void test_core_fields(void **state)
{
    EDIT_REJECT("\"core:version\": \"1.0.0\",", "\"core:version\": \"1.0.0\", \"core:bogus\": 1,",
                TRIAD_EUNSUPPORTED, "'core:bogus'", "refused");
    EDIT_REJECT("\"core:sample_start\": 0,", "\"core:sample_start\": 0, \"core:bogus\": 1,",
                TRIAD_EUNSUPPORTED, "'captures[0].core:bogus'");
    EDIT_REJECT("\"core:version\": \"1.0.0\",", "\"core:version\": \"2.0.0\",", TRIAD_EUNSUPPORTED,
                "'core:version'", "1.x");
    EDIT_REJECT("\"core:version\": \"1.0.0\",", "\"core:metadata_only\": true, \"core:version\": \"1.0.0\",",
                TRIAD_EUNSUPPORTED, "'core:metadata_only'", "no samples");
    EDIT_REJECT("\"core:version\": \"1.0.0\",", "\"core:sha512\": \"abc\", \"core:version\": \"1.0.0\",",
                TRIAD_EFORMAT, "'core:sha512'", "128 hex");
    EDIT_REJECT("\"core:version\": \"1.0.0\",", "\"core:dataset\": \"../x\", \"core:version\": \"1.0.0\",",
                TRIAD_EINVAL, "'core:dataset'", "folder");
    EDIT_REJECT("\"core:version\": \"1.0.0\",", "\"core:offset\": 1.5, \"core:version\": \"1.0.0\",",
                TRIAD_EINVAL, "'core:offset'", "whole");
    EDIT_REJECT("\"core:sample_start\": 0,", "\"core:sample_start\": 0, \"core:header_bytes\": -1,",
                TRIAD_EINVAL, "captures[0]", "'core:header_bytes'", "outside");
    EDIT_REJECT("\"optional\": false\n   }\n  ],",
                "\"optional\": false\n   }, {\"name\": \"antenna\", \"version\": \"1.0.0\", \"optional\": false}\n  ],",
                TRIAD_EUNSUPPORTED, "'core:extensions[1]'", "\"antenna\"", "required");
    EDIT_REJECT("\"radar:pri_s\": 0.0002,",
                "\"radar:pri_s\": 0.0002, \"radar:site\": {\"id\": \"s\", \"lat_deg\": 35, \"lon_deg\": 139},"
                " \"core:geolocation\": {\"type\": \"Point\", \"coordinates\": [139.5, 35]},",
                TRIAD_EINVAL, "'core:geolocation'", "contradicts radar:site");
    EDIT_REJECT("\"radar:pri_s\": 0.0002,",
                "\"radar:pri_s\": 0.0002, \"core:geolocation\": {\"type\": \"Point\", \"coordinates\": [200, 35]},",
                TRIAD_EINVAL, "'core:geolocation'", "outside");
    /* descriptive fields and an optional extension are fine; core:trailing_bytes is honoured */
    fixture *f = *state;
    char *t = subst(sample_a, "\"core:version\": \"1.0.0\",",
                    "\"core:version\": \"1.0.0\", \"core:author\": \"a\", \"core:license\": \"x\","
                    " \"core:hw\": \"h\", \"core:trailing_bytes\": 24, \"core:dataset\": \"rec.bin\",");
    char *t2 = subst(t, "\"optional\": false\n   }\n  ],",
                     "\"optional\": false\n   }, {\"name\": \"x\", \"version\": \"1\", \"optional\": true}\n  ],");
    char mp[512];
    put_file(f, "rec.sigmf-meta", t2, strlen(t2));
    put_sized(f, "rec.bin", 2LL * CPI_A + 24);
    path_in(f, "rec.sigmf-meta", mp, sizeof mp);
    triad_recording_meta m;
    assert_int_equal(triad_recording_open_meta(mp, true, &m), 0);
    assert_int_equal(m.num_cpis, 2);
    assert_int_equal(m.trailing_bytes, 0);
    assert_non_null(strstr(m.data_path, "rec.bin"));
    free(t);
    free(t2);
}

/* Every datatype's reader format and sizes. */
static void test_datatypes(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        triad_format format;
        size_t bytes;
    } types[] = {{"ci8", TRIAD_FORMAT_CI16_LE, 2},      {"cu8", TRIAD_FORMAT_CI16_LE, 2},
                 {"ci16_be", TRIAD_FORMAT_CI16_LE, 4},  {"cu16_le", TRIAD_FORMAT_CI16_LE, 4},
                 {"ci32_le", TRIAD_FORMAT_CF32_LE, 8},  {"cu32_be", TRIAD_FORMAT_CF32_LE, 8},
                 {"cf32_be", TRIAD_FORMAT_CF32_LE, 8},  {"cf64_le", TRIAD_FORMAT_CF32_LE, 16}};
    const triad_recording_opts o = triad_recording_opts_default();
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char to[32];
        snprintf(to, sizeof to, "\"%s\"", types[i].name);
        char *t = subst(sample_a, "\"cf32_le\"", to);
        triad_recording_meta m;
        assert_int_equal(triad_recording_parse_meta("dt", t, strlen(t), &o, &m), 0);
        assert_string_equal(m.datatype, types[i].name);
        assert_int_equal(m.format, types[i].format);
        /* one CPI in the file's form: a byte short is a truncated file */
        assert_int_equal(triad_recording_set_data_size(&m, 2048 * 32 * types[i].bytes - 1),
                         TRIAD_ETRUNCATED);
        assert_int_equal(triad_recording_set_data_size(&m, 2048 * 32 * types[i].bytes), 0);
        assert_int_equal(m.num_cpis, 1);
        free(t);
    }
}

/* Known values through the reader: cu8 and ci16_be (to ci16 counts), cf64_be (to cf32). */
static void test_datatype_values(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *name;
        size_t bytes;
    } types[] = {{"cu8", 1}, {"ci16_be", 2}, {"cf64_be", 8}};
    const size_t n = 2 * 2048 * 32;
    unsigned char *data = malloc(n * 8);
    void *out = malloc(n * 4);
    assert_non_null(data);
    assert_non_null(out);
    for (size_t t = 0; t < 3; t++) {
        const size_t b = types[t].bytes;
        for (size_t i = 0; i < n; i++) {
            const int v = (int)(i % 251) - 125; /* -125..125 */
            if (b == 1) {
                data[i] = (unsigned char)(v + 128);
            } else if (b == 2) {
                const uint16_t u = (uint16_t)(int16_t)(v * 200);
                data[2 * i] = (unsigned char)(u >> 8);
                data[2 * i + 1] = (unsigned char)u;
            } else {
                const double d = v * 0.25;
                uint64_t u;
                memcpy(&u, &d, 8);
                for (int k = 0; k < 8; k++)
                    data[8 * i + k] = (unsigned char)(u >> (56 - 8 * k));
            }
        }
        char to[32], mp[512];
        snprintf(to, sizeof to, "\"%s\"", types[t].name);
        char *text = subst(sample_a, "\"cf32_le\"", to);
        put_file(f, "rec.sigmf-meta", text, strlen(text));
        put_file(f, "rec.sigmf-data", data, n * b);
        path_in(f, "rec.sigmf-meta", mp, sizeof mp);
        free(text);
        triad_recording_meta m;
        triad_recording_reader *rd;
        uint64_t index;
        assert_int_equal(triad_recording_open_meta(mp, true, &m), 0);
        assert_int_equal(triad_recording_reader_open(&rd, &m), 0);
        assert_int_equal(triad_recording_reader_next(rd, out, &index), 1);
        triad_recording_reader_close(rd);
        for (size_t i = 0; i < n; i++) {
            const int v = (int)(i % 251) - 125;
            if (b == 1)
                assert_int_equal(((int16_t *)out)[i], v);
            else if (b == 2)
                assert_int_equal(((int16_t *)out)[i], v * 200);
            else
                assert_true(((float *)out)[i] == (float)(v * 0.25));
        }
    }
    free(data);
    free(out);
}

/* A .sigmf archive (tar, as sigmf-python writes it: NAME/NAME.sigmf-meta, NAME/NAME.sigmf-data)
 * reads like the plain files; more than one recording, a missing or short data member are
 * refused by name. */
static void put_tar(const fixture *f, const char *name, const char *const *members,
                    const void *const *contents, const size_t *sizes, size_t count)
{
    char path[512];
    path_in(f, name, path, sizeof path);
    struct archive *a = archive_write_new();
    assert_non_null(a);
    assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (size_t i = 0; i < count; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, members[i]);
        archive_entry_set_size(e, (la_int64_t)sizes[i]);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(a, contents[i], sizes[i]), (la_ssize_t)sizes[i]);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

static void test_archive(void **state)
{
    fixture *f = *state;
    const size_t bytes = 2 * CPI_A;
    float *data = malloc(bytes);
    float *out = malloc(CPI_A);
    assert_non_null(data);
    assert_non_null(out);
    for (size_t i = 0; i < bytes / 4; i++)
        data[i] = (float)i;
    const char *members[] = {"rec/rec.sigmf-meta", "rec/rec.sigmf-data", "b/b.sigmf-meta"};
    const void *contents[] = {sample_a, data, sample_a};
    size_t sizes[] = {strlen(sample_a), bytes, strlen(sample_a)};
    put_tar(f, "rec.sigmf", members, contents, sizes, 2);
    char ap[512];
    path_in(f, "rec.sigmf", ap, sizeof ap);
    triad_recording_meta m;
    assert_int_equal(triad_recording_open_meta(ap, true, &m), 0);
    assert_int_equal(m.num_cpis, 2);
    assert_string_equal(m.archive_path, ap);
    assert_string_equal(m.data_member, "rec/rec.sigmf-data");
    triad_recording_reader *rd;
    uint64_t index;
    assert_int_equal(triad_recording_reader_open(&rd, &m), 0);
    for (uint64_t k = 0; k < 2; k++) {
        assert_int_equal(triad_recording_reader_next(rd, out, &index), 1);
        assert_int_equal(index, k);
        assert_memory_equal(out, (const char *)data + k * CPI_A, CPI_A);
    }
    assert_int_equal(triad_recording_reader_next(rd, out, &index), 0);
    triad_recording_reader_close(rd);
    /* the archive found by its content under another name */
    put_tar(f, "rec.tar", members, contents, sizes, 2);
    path_in(f, "rec.tar", ap, sizeof ap);
    assert_int_equal(triad_recording_open_meta(ap, true, &m), 0);
    /* two recordings */
    put_tar(f, "two.sigmf", members, contents, sizes, 3);
    path_in(f, "two.sigmf", ap, sizeof ap);
    REJECT(ap, TRIAD_EUNSUPPORTED, "more than one recording");
    /* no data member, a short one */
    put_tar(f, "nodata.sigmf", members, contents, sizes, 1);
    path_in(f, "nodata.sigmf", ap, sizeof ap);
    REJECT(ap, TRIAD_EFORMAT, "no member rec/rec.sigmf-data");
    sizes[1] = CPI_A - 8;
    put_tar(f, "short.sigmf", members, contents, sizes, 2);
    path_in(f, "short.sigmf", ap, sizeof ap);
    REJECT(ap, TRIAD_ETRUNCATED, "shorter than one CPI");
    /* not an archive at all */
    put_file(f, "junk.sigmf", "not a tar", 9);
    path_in(f, "junk.sigmf", ap, sizeof ap);
    triad_recording_meta m2;
    assert_int_not_equal(triad_recording_open_meta(ap, true, &m2), 0);
    assert_non_null(strstr(triad_errmsg(), ap));
    free(data);
    free(out);
}

/* core:sha512 is verified as the reader reads forward: the digests below are Python hashlib's
 * of the same bytes (float32 i at sample component i; 16 header bytes 0xa5 and 100 trailing
 * bytes 0x5a around two CPIs; the archive's member: the two CPIs alone). A changed byte anywhere
 * (samples, header, tail) fails at the end with the field, both digests' starts and the file;
 * skip_sha512 reads it unchecked; a reader stopped early says nothing. */
static const char sha_plain[] = "399d7bfd7af8f8935583abae672fd8398411f7100c9846fb571e344279d21ee1"
                                "0b4071774c82cd5d16ccf000c550d9705f458638bb5ef2af8b50aa96564a211e";
static const char sha_cpis[] = "a4800ebb1d29dc6287a7f626042cc03bf8b9e858bb0f8f03ddbfeb35e02d6f53"
                               "f22f7297aaeffb7c24f2006fa4d317ded7c4fed757d6ca6da13a281865654033";

/* Read every CPI of the recording at path (opts), return the last reader_next's result. */
static int read_all(const char *path, const triad_recording_opts *o, void *out)
{
    triad_recording_meta m;
    assert_int_equal(triad_recording_open(path, o, &m), 0);
    triad_recording_reader *rd;
    assert_int_equal(triad_recording_reader_open(&rd, &m), 0);
    uint64_t index;
    int r;
    while ((r = triad_recording_reader_next(rd, out, &index)) == 1)
        ;
    triad_recording_reader_close(rd);
    return r;
}

static void test_sha512(void **state)
{
    fixture *f = *state;
    const size_t cpis = 2 * CPI_A, bytes = 16 + cpis + 100;
    unsigned char *data = malloc(bytes);
    float *out = malloc(CPI_A);
    assert_non_null(data);
    assert_non_null(out);
    memset(data, 0xa5, 16);
    for (size_t i = 0; i < cpis / 4; i++) {
        const float v = (float)i;
        memcpy(data + 16 + 4 * i, &v, 4);
    }
    memset(data + 16 + cpis, 0x5a, 100);
    char field[200], *t1, *t2;
    snprintf(field, sizeof field, "\"core:sha512\": \"%s\", \"core:version\"", sha_plain);
    t1 = subst(sample_a, "\"core:version\"", field);
    t2 = subst(t1, "\"core:sample_start\": 0,", "\"core:sample_start\": 0, \"core:header_bytes\": 16,");
    put_file(f, "rec.sigmf-meta", t2, strlen(t2));
    char mp[512];
    path_in(f, "rec.sigmf-meta", mp, sizeof mp);
    triad_recording_opts o = triad_recording_opts_default();
    put_file(f, "rec.sigmf-data", data, bytes);
    assert_int_equal(read_all(mp, &o, out), 0);
    /* a byte changed in the samples, the header, the trailing bytes */
    const size_t at[] = {16 + CPI_A + 77, 3, bytes - 1};
    for (size_t k = 0; k < 3; k++) {
        data[at[k]] ^= 0x01;
        put_file(f, "rec.sigmf-data", data, bytes);
        data[at[k]] ^= 0x01;
        assert_int_equal(read_all(mp, &o, out), TRIAD_EFORMAT);
        const char *msg = triad_errmsg();
        assert_non_null(strstr(msg, "'core:sha512'"));
        assert_non_null(strstr(msg, "the meta says 399d7bfd7af8f893..."));
        assert_non_null(strstr(msg, "rec.sigmf-data"));
        assert_null(strchr(msg, '\n'));
        o.skip_sha512 = true;
        assert_int_equal(read_all(mp, &o, out), 0);
        o.skip_sha512 = false;
        /* stopped after the first CPI: nothing checked, nothing said */
        triad_recording_meta m;
        assert_int_equal(triad_recording_open(mp, &o, &m), 0);
        assert_true(m.verify_sha512);
        triad_recording_reader *rd;
        uint64_t index;
        assert_int_equal(triad_recording_reader_open(&rd, &m), 0);
        assert_int_equal(triad_recording_reader_next(rd, out, &index), 1);
        triad_recording_reader_close(rd);
    }
    /* upper-case hex digits are the same digest */
    char upper[129];
    for (size_t i = 0; i < 128; i++)
        upper[i] = (char)(sha_plain[i] >= 'a' ? sha_plain[i] - 'a' + 'A' : sha_plain[i]);
    upper[128] = '\0';
    char *t3 = subst(t2, sha_plain, upper);
    put_file(f, "rec.sigmf-meta", t3, strlen(t3));
    put_file(f, "rec.sigmf-data", data, bytes);
    assert_int_equal(read_all(mp, &o, out), 0);
    /* in an archive: the data member's bytes */
    snprintf(field, sizeof field, "\"core:sha512\": \"%s\", \"core:version\"", sha_cpis);
    char *t4 = subst(sample_a, "\"core:version\"", field);
    const char *members[] = {"rec/rec.sigmf-meta", "rec/rec.sigmf-data"};
    const void *contents[] = {t4, data + 16};
    size_t sizes[] = {strlen(t4), cpis};
    put_tar(f, "rec.sigmf", members, contents, sizes, 2);
    char ap[512];
    path_in(f, "rec.sigmf", ap, sizeof ap);
    assert_int_equal(read_all(ap, &o, out), 0);
    data[16 + 5] ^= 0x80;
    put_tar(f, "bad.sigmf", members, contents, sizes, 2);
    path_in(f, "bad.sigmf", ap, sizeof ap);
    assert_int_equal(read_all(ap, &o, out), TRIAD_EFORMAT);
    assert_non_null(strstr(triad_errmsg(), "'core:sha512'"));
    free(t1);
    free(t2);
    free(t3);
    free(t4);
    free(data);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_sample_a_parses),
        T(test_parse_from_memory),
        T(test_meta_is_a_fifo),
        T(test_data_is_a_fifo),
        T(test_data_is_dev_zero),
        T(test_hostile_sizes),
        T(test_physics_ranges),
        T(test_captures_layout),
        T(test_capture_off_boundary),
        T(test_core_fields),
        T(test_datatypes),
        T(test_datatype_values),
        T(test_archive),
        T(test_sha512),
        T(test_sample_b_parses),
        T(test_meta_file_missing),
        T(test_meta_is_a_directory),
        T(test_malformed_json),
        T(test_malformed_json_unquoted_key),
        T(test_truncated_json_half),
        T(test_truncated_json_at_line_end),
        T(test_truncated_json_every_prefix),
        T(test_empty_file),
        T(test_whitespace_only),
        T(test_nul_byte),
        T(test_top_level_array),
        T(test_top_level_number),
        T(test_global_missing),
        T(test_global_not_object),
        T(test_datatype_missing),
        T(test_datatype_real),
        T(test_datatype_no_endianness),
        T(test_datatype_not_string),
        T(test_datatype_too_long),
        T(test_sample_rate_zero),
        T(test_sample_rate_negative),
        T(test_sample_rate_missing),
        T(test_sample_rate_overflows_to_inf),
        T(test_num_channels_zero),
        T(test_extension_not_declared),
        T(test_extensions_absent),
        T(test_samples_per_pulse_zero),
        T(test_samples_per_pulse_negative),
        T(test_samples_per_pulse_fraction),
        T(test_samples_per_pulse_missing),
        T(test_pulses_per_cpi_zero),
        T(test_pulses_per_cpi_fraction),
        T(test_pulses_per_cpi_huge),
        T(test_pri_zero),
        T(test_pri_negative),
        T(test_pri_shorter_than_window),
        T(test_pri_string),
        T(test_samples_per_pulse_string),
        T(test_pri_null),
        T(test_rx_delay_negative),
        T(test_cpi_too_big_for_memory),
        T(test_samples_per_pulse_above_limit),
        T(test_waveform_missing),
        T(test_waveform_type_unknown),
        T(test_pulse_longer_than_window),
        T(test_pulse_width_zero),
        T(test_pulse_shorter_than_a_sample),
        T(test_bandwidth_above_sample_rate),
        T(test_bandwidth_zero),
        T(test_bandwidth_missing),
        T(test_waveform_samples_ok),
        T(test_waveform_samples_file_missing),
        T(test_waveform_samples_file_wrong_size),
        T(test_waveform_samples_file_empty),
        T(test_waveform_samples_longer_than_window),
        T(test_waveform_samples_file_is_directory),
        T(test_waveform_samples_nonfinite),
        T(test_captures_missing),
        T(test_captures_empty),
        T(test_carrier_missing),
        T(test_carrier_zero),
        T(test_sample_start_nonzero),
        T(test_two_captures_same_start),
        T(test_site_latitude_out_of_range),
        T(test_data_missing),
        T(test_data_is_directory),
        T(test_data_empty),
        T(test_data_shorter_than_one_cpi),
        T(test_data_shorter_than_one_cpi_ci16),
        T(test_trailing_partial_cpi),
        T(test_trailing_partial_cpi_ci16),
    };
    return cmocka_run_group_tests_name("recording_reject", tests, NULL, NULL);
}
