/* Option parsing shared by the processing commands.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "triad/wisdom.h"
#include "triad/error.h"

int cli_error(const char *cmd, int status, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "triad %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return status;
}

int cli_double(const char *cmd, const char *opt, const char *arg, double lo, double hi,
               double *out)
{
    char *end;
    errno = 0;
    const double v = strtod(arg, &end);
    if (end == arg || *end != '\0' || errno || !isfinite(v) || v < lo || v > hi)
        return cli_error(cmd, 2, "option %s: '%s' is not a number in [%g, %g]", opt, arg, lo,
                         hi);
    *out = v;
    return 0;
}

int cli_long(const char *cmd, const char *opt, const char *arg, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    const long v = strtol(arg, &end, 10);
    if (end == arg || *end != '\0' || errno || v < lo || v > hi)
        return cli_error(cmd, 2, "option %s: '%s' is not a whole number in [%ld, %ld]", opt, arg,
                         lo, hi);
    *out = v;
    return 0;
}

int cli_bytes(const char *cmd, const char *opt, const char *arg, uint64_t *out)
{
    char *end;
    errno = 0;
    const double v = strtod(arg, &end);
    double unit = 1.0;
    if (*end && end[1] == '\0') {
        const char *units = "KMGT";
        const char *u = strchr(units, *end);
        if (u && *end) {
            unit = pow(1024.0, (double)(u - units + 1));
            end++;
        }
    }
    const double bytes = v * unit;
    if (end == arg || *end != '\0' || errno || !isfinite(bytes) || bytes < 1.0 ||
        bytes > 1.8e19)
        return cli_error(cmd, 2, "option %s: '%s' is not a size in bytes (N, or N with K, M, G "
                                 "or T for powers of 1024)",
                         opt, arg);
    *out = (uint64_t)bytes;
    return 0;
}

enum {
    OPT_BACKEND = CHAIN_OPT_BASE,
    OPT_PFA,
    OPT_CFAR,
    OPT_GUARD,
    OPT_TRAIN,
    OPT_OS_RANK,
    OPT_RANGE_WINDOW,
    OPT_DOPPLER_WINDOW,
    OPT_MTI,
    OPT_THREADS,
    OPT_MAX_DETECTIONS,
    OPT_FFT_EFFORT,
    OPT_DEVICE,
    OPT_WISDOM,
};

const struct option cli_chain_options[] = {
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"pfa", required_argument, NULL, OPT_PFA},
    {"cfar", required_argument, NULL, OPT_CFAR},
    {"guard", required_argument, NULL, OPT_GUARD},
    {"train", required_argument, NULL, OPT_TRAIN},
    {"os-rank", required_argument, NULL, OPT_OS_RANK},
    {"range-window", required_argument, NULL, OPT_RANGE_WINDOW},
    {"doppler-window", required_argument, NULL, OPT_DOPPLER_WINDOW},
    {"mti", required_argument, NULL, OPT_MTI},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"max-detections", required_argument, NULL, OPT_MAX_DETECTIONS},
    {"fft-effort", required_argument, NULL, OPT_FFT_EFFORT},
    {"device", required_argument, NULL, OPT_DEVICE},
    {"wisdom", required_argument, NULL, OPT_WISDOM},
    {NULL, 0, NULL, 0},
};

const char cli_chain_usage[] =
    "processing options:\n"
    "  --backend fftw|opencl|auto   where the chain runs (default auto: an OpenCL GPU when\n"
    "                               there is one, else FFTW)\n"
    "  --device N|NAME              OpenCL device by index or name substring (triad devices)\n"
    "  --pfa P                      CFAR false-alarm probability per cell (default 1e-6)\n"
    "  --cfar ca|go|so|os           CFAR variant (default ca)\n"
    "  --guard R,D                  guard cells each side in range, Doppler (default 4,2)\n"
    "  --train R,D                  training cells each side in range, Doppler (default 12,3)\n"
    "  --os-rank F                  OS-CFAR rank as a fraction of training cells (default 0.75)\n"
    "  --range-window W             none|hann|hamming|blackman|taylor[:NBAR:SLL_DB]\n"
    "                               (default taylor:4:35)\n"
    "  --doppler-window W           same choices (default hann)\n"
    "  --mti 0|2|3                  pulse canceller before Doppler (default 0, off)\n"
    "  --threads N                  CPU threads (default: all cores)\n"
    "  --max-detections N           per channel per CPI (default 256)\n"
    "  --fft-effort estimate|measure|patient   FFTW planning (default measure)\n"
    "  --wisdom FILE|none           FFTW wisdom read before planning and updated after\n"
    "                               (default $XDG_CACHE_HOME/triad/fftw-wisdom, else\n"
    "                               ~/.cache/triad/fftw-wisdom; none: neither)\n";

int cli_bad_option(const char *cmd, char **argv)
{
    if (optopt && optopt < CHAIN_OPT_BASE && optopt > ' ')
        return cli_error(cmd, 2, "option -%c: missing argument or unknown (triad %s --help)",
                         optopt, cmd);
    return cli_error(cmd, 2, "option '%s': unknown or missing its argument (triad %s --help)",
                     argv[optind - 1], cmd);
}

void cli_merge_options(const struct option *own, struct option *out, int cap)
{
    int n = 0;
    for (const struct option *o = own; o->name && n < cap - 1; o++)
        out[n++] = *o;
    for (const struct option *o = cli_chain_options; o->name && n < cap - 1; o++)
        out[n++] = *o;
    memset(&out[n], 0, sizeof out[n]);
}

static int pair(const char *cmd, const char *opt, const char *arg, int *a, int *b)
{
    char *end;
    errno = 0;
    const long x = strtol(arg, &end, 10);
    if (end == arg || *end != ',' || errno || x < 0 || x > 1024)
        goto bad;
    const char *second = end + 1;
    const long y = strtol(second, &end, 10);
    if (end == second || *end != '\0' || errno || y < 0 || y > 1024)
        goto bad;
    *a = (int)x;
    *b = (int)y;
    return 0;
bad:
    return cli_error(cmd, 2, "option %s: '%s' is not RANGE,DOPPLER cell counts (0..1024)", opt,
                     arg);
}

const char *cli_wisdom;

/* The wisdom file in use: --wisdom's, else the user's cache; NULL for none. */
static const char *wisdom_path(char *buf, size_t len)
{
    if (cli_wisdom)
        return strcmp(cli_wisdom, "none") == 0 ? NULL : cli_wisdom;
    return triad_fft_wisdom_default_path(buf, len) == 0 ? buf : NULL;
}

int cli_wisdom_load(const char *cmd)
{
    char buf[4096];
    const char *path = wisdom_path(buf, sizeof buf);
    if (!path || triad_fft_wisdom_load(path, NULL) == 0)
        return 0;
    if (cli_wisdom) /* named: a file that cannot be read is an error */
        return cli_error(cmd, 1, "--wisdom: %s", triad_errmsg());
    fprintf(stderr, "triad %s: warning: %s; planning without it\n", cmd, triad_errmsg());
    return 0;
}

void cli_wisdom_save(const char *cmd)
{
    char buf[4096];
    const char *path = wisdom_path(buf, sizeof buf);
    if (path && triad_fft_wisdom_changed() && triad_fft_wisdom_save(path) != 0)
        fprintf(stderr, "triad %s: warning: %s (the next run plans again)\n", cmd,
                triad_errmsg());
}

int cli_chain_option(const char *cmd, int opt, const char *arg, triad_chain_cfg *cfg)
{
    long v = 0;
    switch (opt) {
    case OPT_BACKEND:
        if (strcmp(arg, "fftw") && strcmp(arg, "opencl") && strcmp(arg, "auto"))
            return cli_error(cmd, 2, "option --backend: '%s' is not fftw, opencl or auto", arg);
        cfg->backend = arg;
        return 0;
    case OPT_PFA:
        if (cli_double(cmd, "--pfa", arg, 1e-300, 0.4999, &cfg->cfar.pfa))
            return 2;
        return 0;
    case OPT_CFAR:
        if (triad_cfar_parse(arg, &cfg->cfar.type))
            return cli_error(cmd, 2, "option --cfar: %s", triad_errmsg());
        return 0;
    case OPT_GUARD:
        return pair(cmd, "--guard", arg, &cfg->cfar.guard_range, &cfg->cfar.guard_doppler) ? 2
                                                                                            : 0;
    case OPT_TRAIN:
        return pair(cmd, "--train", arg, &cfg->cfar.train_range, &cfg->cfar.train_doppler) ? 2
                                                                                            : 0;
    case OPT_OS_RANK:
        return cli_double(cmd, "--os-rank", arg, 1e-9, 1.0, &cfg->cfar.os_rank_fraction) ? 2 : 0;
    case OPT_RANGE_WINDOW:
        if (triad_window_parse(arg, &cfg->range_window))
            return cli_error(cmd, 2, "option --range-window: %s", triad_errmsg());
        return 0;
    case OPT_DOPPLER_WINDOW:
        if (triad_window_parse(arg, &cfg->doppler_window))
            return cli_error(cmd, 2, "option --doppler-window: %s", triad_errmsg());
        return 0;
    case OPT_MTI:
        if (cli_long(cmd, "--mti", arg, 0, 3, &v) || v == 1)
            return v == 1 ? cli_error(cmd, 2, "option --mti: 1 is not a canceller (0, 2 or 3)")
                          : 2;
        cfg->mti_pulses = (int)v;
        return 0;
    case OPT_THREADS:
        if (cli_long(cmd, "--threads", arg, 0, 1024, &v))
            return 2;
        cfg->threads = (int)v;
        return 0;
    case OPT_MAX_DETECTIONS:
        if (cli_long(cmd, "--max-detections", arg, 1, 1 << 24, &v))
            return 2;
        cfg->max_detections = (size_t)v;
        return 0;
    case OPT_DEVICE:
        cfg->device = arg;
        return 0;
    case OPT_WISDOM:
        if (!arg[0])
            return cli_error(cmd, 2, "option --wisdom: empty file name (none turns it off)");
        cli_wisdom = arg;
        return 0;
    case OPT_FFT_EFFORT:
        if (strcmp(arg, "estimate") == 0)
            cfg->fft_effort = TRIAD_FFT_ESTIMATE;
        else if (strcmp(arg, "measure") == 0)
            cfg->fft_effort = TRIAD_FFT_MEASURE;
        else if (strcmp(arg, "patient") == 0)
            cfg->fft_effort = TRIAD_FFT_PATIENT;
        else
            return cli_error(cmd, 2, "option --fft-effort: '%s' is not estimate, measure or "
                                     "patient",
                             arg);
        return 0;
    default:
        return cli_error(cmd, 2, "unknown option");
    }
}
