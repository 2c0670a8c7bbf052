/* The chain: validates the configuration, derives the plan every backend shares, and turns
 * bin-domain detections into physical units.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "triad/chain.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "proc/backend.h"
#include "proc/chain_internal.h"
#include "triad/units.h"

struct triad_chain {
    triad_chain_cfg cfg;
    triad__plan plan;
    const triad__backend_ops *ops;
    void *state;
    triad__bin_det *bins; /* [C x max_detections] */
    size_t *counts;       /* [C] */
    double times[4];
    /* streaming: the slots' CPI numbers; inputs are the backend's (pinned) or, when the
     * backend has none or was replaced by the FFTW fallback, our own */
    size_t num_slots, cpi_bytes;
    uint64_t slot_cpi[TRIAD_CHAIN_MAX_SLOTS];
    int slot_busy[TRIAD_CHAIN_MAX_SLOTS];
    void *own_input[TRIAD_CHAIN_MAX_SLOTS];
    /* copies of cfg.backend and cfg.device: the caller's strings are not kept */
    char *backend_name, *device_name;
};

size_t triad_format_bytes(triad_format format)
{
    return format == TRIAD_FORMAT_CI16_LE ? 4 : 8;
}

const char *triad_format_name(triad_format format)
{
    return format == TRIAD_FORMAT_CI16_LE ? "ci16_le" : "cf32_le";
}

triad_chain_cfg triad_chain_cfg_default(void)
{
    triad_chain_cfg c;
    memset(&c, 0, sizeof c);
    c.num_channels = 1;
    c.range_window.type = TRIAD_WINDOW_TAYLOR;
    c.range_window.taylor_nbar = 4;
    c.range_window.taylor_sll_db = 35.0;
    c.doppler_window.type = TRIAD_WINDOW_HANN;
    c.doppler_window.taylor_nbar = 4;
    c.doppler_window.taylor_sll_db = 35.0;
    c.cfar = triad_cfar_cfg_default();
    c.max_detections = 256;
    c.backend = "auto";
    c.fft_effort = TRIAD_FFT_MEASURE;
    return c;
}

size_t triad_chain_full_bins(const triad_chain_cfg *cfg)
{
    return cfg->waveform_len <= cfg->samples_per_pulse
               ? cfg->samples_per_pulse - cfg->waveform_len + 1
               : 0;
}

size_t triad__fft_good_size(size_t n)
{
    for (size_t m = n;; m++) {
        size_t r = m;
        for (size_t f = 2; f <= 7; f++)
            while (r % f == 0)
                r /= f;
        if (r == 1)
            return m;
    }
}

/* a*b without overflow, or SIZE_MAX. */
static size_t mul_sat(size_t a, size_t b)
{
    return (b != 0 && a > SIZE_MAX / b) ? SIZE_MAX : a * b;
}

static int validate(const triad_chain_cfg *c)
{
    if (c->samples_per_pulse < 2)
        return triad__fail(TRIAD_EINVAL, "samples_per_pulse %zu: need at least 2",
                           c->samples_per_pulse);
    if (c->pulses_per_cpi < 1)
        return triad__fail(TRIAD_EINVAL, "pulses_per_cpi %zu: need at least 1",
                           c->pulses_per_cpi);
    if (c->num_channels < 1 || c->num_channels > 4096)
        return triad__fail(TRIAD_EINVAL, "num_channels %zu: need 1..4096", c->num_channels);
    if (c->format != TRIAD_FORMAT_CF32_LE && c->format != TRIAD_FORMAT_CI16_LE)
        return triad__fail(TRIAD_EINVAL, "format %d: unknown", (int)c->format);
    if (!(c->sample_rate_hz > 0.0) || !isfinite(c->sample_rate_hz))
        return triad__fail(TRIAD_EINVAL, "sample_rate_hz %g: must be > 0", c->sample_rate_hz);
    if (!(c->carrier_hz > 0.0) || !isfinite(c->carrier_hz))
        return triad__fail(TRIAD_EINVAL, "carrier_hz %g: must be > 0", c->carrier_hz);
    if (!(c->pri_s > 0.0) || !isfinite(c->pri_s))
        return triad__fail(TRIAD_EINVAL, "pri_s %g: must be > 0", c->pri_s);
    if (!(c->rx_delay_s >= 0.0) || !isfinite(c->rx_delay_s))
        return triad__fail(TRIAD_EINVAL, "rx_delay_s %g: must be >= 0", c->rx_delay_s);
    if (!c->waveform || c->waveform_len < 1)
        return triad__fail(TRIAD_EINVAL, "waveform: no reference samples");
    if (c->waveform_len > c->samples_per_pulse)
        return triad__fail(TRIAD_EINVAL,
                           "waveform: pulse of %zu samples is longer than the receive window "
                           "of %zu samples",
                           c->waveform_len, c->samples_per_pulse);
    if (c->mti_pulses != 0 && c->mti_pulses != 2 && c->mti_pulses != 3)
        return triad__fail(TRIAD_EINVAL, "mti_pulses %d: expected 0, 2 or 3", c->mti_pulses);
    const size_t p_mti = c->pulses_per_cpi - (c->mti_pulses ? (size_t)c->mti_pulses - 1 : 0);
    if (c->mti_pulses && (c->pulses_per_cpi < (size_t)c->mti_pulses + 1))
        return triad__fail(TRIAD_EINVAL, "mti_pulses %d: needs more than %d pulses per CPI",
                           c->mti_pulses, c->mti_pulses);
    (void)p_mti;
    const triad_cfar_cfg *f = &c->cfar;
    if (f->type < TRIAD_CFAR_CA || f->type > TRIAD_CFAR_OS)
        return triad__fail(TRIAD_EINVAL, "cfar type %d: unknown", (int)f->type);
    if (!(f->pfa > 0.0 && f->pfa < 0.5))
        return triad__fail(TRIAD_EINVAL, "cfar pfa %g: must be in (0, 0.5)", f->pfa);
    if (f->guard_range < 0 || f->guard_doppler < 0 || f->train_range < 0 ||
        f->train_doppler < 0 || f->guard_range > 1024 || f->train_range > 1024 ||
        f->guard_doppler > 1024 || f->train_doppler > 1024)
        return triad__fail(TRIAD_EINVAL,
                           "cfar cells guard %d/%d train %d/%d (range/Doppler): must be "
                           "0..1024",
                           f->guard_range, f->guard_doppler, f->train_range, f->train_doppler);
    if (f->train_range == 0 && f->train_doppler == 0)
        return triad__fail(TRIAD_EINVAL, "cfar: no training cells (train range and Doppler 0)");
    if ((size_t)(2 * (f->guard_doppler + f->train_doppler) + 1) > c->pulses_per_cpi)
        return triad__fail(TRIAD_EINVAL,
                           "cfar Doppler window %d cells (2*(guard %d + train %d) + 1) is wider "
                           "than the %zu Doppler bins",
                           2 * (f->guard_doppler + f->train_doppler) + 1, f->guard_doppler,
                           f->train_doppler, c->pulses_per_cpi);
    if ((f->type == TRIAD_CFAR_GO || f->type == TRIAD_CFAR_SO) && f->train_range < 1)
        return triad__fail(TRIAD_EINVAL, "cfar %s: needs train_range >= 1 (it compares the "
                                         "leading and lagging range halves)",
                           triad_cfar_name(f->type));
    if (f->type == TRIAD_CFAR_OS && !(f->os_rank_fraction > 0.0 && f->os_rank_fraction <= 1.0))
        return triad__fail(TRIAD_EINVAL, "cfar os rank fraction %g: must be in (0, 1]",
                           f->os_rank_fraction);
    if (c->max_detections < 1 || c->max_detections > (1u << 24))
        return triad__fail(TRIAD_EINVAL, "max_detections %zu: need 1..16777216",
                           c->max_detections);
    if (c->threads < 0 || c->threads > 1024)
        return triad__fail(TRIAD_EINVAL, "threads %d: need 0..1024", c->threads);
    /* memory: the cube, one map per channel, and the CFAR mask, against physical memory */
    size_t cells = mul_sat(c->samples_per_pulse + c->waveform_len, c->pulses_per_cpi);
    size_t need = mul_sat(cells, mul_sat(c->num_channels, 4 + 8 + 1));
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    const double phys = pages > 0 && page > 0 ? (double)pages * (double)page : 1e18;
    if (need == SIZE_MAX || (double)need > 0.8 * phys)
        return triad__fail(TRIAD_ENOMEM,
                           "CPI of %zu pulses x %zu samples x %zu channels needs about %.3g GB, "
                           "more than this machine's %.3g GB of memory",
                           c->pulses_per_cpi, c->samples_per_pulse, c->num_channels,
                           need == SIZE_MAX ? INFINITY : (double)need * 1e-9, phys * 1e-9);
    return 0;
}

/* Squared correlation coefficients of the noise between cells: range lag d (the reference's
 * autocorrelation: the matched filter colours white noise) and Doppler lag e (the window's
 * transform: neighbouring bins share pulses). [size: lags + 1] each. */
static void noise_correlation(const triad__plan *p, int range_lags, int doppler_lags,
                              double *rho_r2, double *rho_d2)
{
    for (int d = 0; d <= range_lags; d++) {
        double complex acc = 0.0;
        for (size_t k = 0; k + (size_t)d < p->l; k++)
            acc += p->ref[k + (size_t)d] * conj(p->ref[k]);
        rho_r2[d] = creal(acc * conj(acc)); /* h has unit energy */
    }
    double w2 = 0.0;
    for (size_t m = 0; m < p->p_mti; m++)
        w2 += p->doppler_w[m] * p->doppler_w[m];
    for (int e = 0; e <= doppler_lags; e++) {
        double complex acc = 0.0;
        for (size_t m = 0; m < p->p_mti; m++)
            acc += p->doppler_w[m] * p->doppler_w[m] *
                   cexp(2.0 * I * TRIAD_PI * (double)e * (double)m / (double)p->p);
        rho_d2[e] = creal(acc * conj(acc)) / (w2 * w2);
    }
}

/* Effective number of independent cells of a training set: n^2 / sum_ij rho_ij^2, the shape
 * of the Gamma law that the mean of correlated exponential cells follows closely. */
static double effective_cells(const int *dr, const int *dd, int n, const double *rho_r2,
                              const double *rho_d2)
{
    if (n < 1)
        return 0.0;
    /* the exact double sum costs n^2: beyond a few thousand cells (very wide training
     * windows) the ratio of the interior's full window stands in; see plan_cfar */
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            sum += rho_r2[abs(dr[i] - dr[j])] * rho_d2[abs(dd[i] - dd[j])];
    return (double)n * (double)n / sum;
}

/* Cells up to this many get the exact effective count per window shape. */
enum { EXACT_EFFECTIVE_CELLS = 1024 };

static int plan_cfar(triad__plan *p)
{
    const triad_cfar_cfg *f = &p->cfar;
    const int g = f->guard_range, go = f->guard_range + f->train_range;
    const int dg = f->guard_doppler, dgo = f->guard_doppler + f->train_doppler;
    const int cells = (2 * go + 1) * (2 * dgo + 1);
    p->alpha = malloc(p->range_bins * sizeof *p->alpha);
    p->os_k = malloc(p->range_bins * sizeof *p->os_k);
    p->os_norm = malloc(p->range_bins * sizeof *p->os_norm);
    int *dr = malloc(2 * (size_t)cells * sizeof *dr), *dd = malloc(2 * (size_t)cells * sizeof *dd);
    double *rho_r2 = malloc((size_t)(2 * go + 1) * sizeof *rho_r2);
    double *rho_d2 = malloc((size_t)(2 * dgo + 1) * sizeof *rho_d2);
    if (!p->alpha || !p->os_k || !p->os_norm || !dr || !dd || !rho_r2 || !rho_d2) {
        free(dr); free(dd); free(rho_r2); free(rho_d2);
        return triad__fail(TRIAD_ENOMEM, "cfar tables: out of memory");
    }
    noise_correlation(p, 2 * go, 2 * dgo, rho_r2, rho_d2);
    int err = 0;
    double last_a = 0.0, share = -1.0; /* share: independent cells per cell, wide windows */
    long last_lo = -1, last_hi = -1;
    for (size_t r = 0; r < p->range_bins && !err; r++) {
        /* the training ring that exists at r: range edges cut it, Doppler wraps */
        const long rr = (long)r, rb = (long)p->range_bins;
        const long lo = rr - go < 0 ? -rr : -go, hi = rr + go > rb - 1 ? rb - 1 - rr : go;
        p->os_k[r] = 0;
        p->os_norm[r] = 1.0f;
        if (lo == last_lo && hi == last_hi) { /* the interior: same ring, same factor */
            p->alpha[r] = (float)last_a;
            if (f->type == TRIAD_CFAR_OS) {
                p->os_k[r] = p->os_k[r - 1];
                p->os_norm[r] = p->os_norm[r - 1];
            }
            continue;
        }
        int n_lead = 0, n_all = 0;
        for (int pass = 0; pass < 3; pass++) { /* lead (dr<0), lag (dr>0), then the dr=0 column */
            for (long x = lo; x <= hi; x++) {
                if ((pass == 0 && x >= 0) || (pass == 1 && x <= 0) || (pass == 2 && x != 0))
                    continue;
                for (int y = -dgo; y <= dgo; y++) {
                    if (labs(x) <= g && abs(y) <= dg)
                        continue;
                    dr[n_all] = (int)x;
                    dd[n_all++] = y;
                }
            }
            if (pass == 0)
                n_lead = n_all;
        }
        int n_lag = 0;
        for (int i = n_lead; i < n_all; i++)
            n_lag += dr[i] > 0;
        /* wide windows: the independent share of cells is about the same for every shape, so
         * n_eff = n x (the share in one column of training cells, computed exactly) */
        const int big = n_all > EXACT_EFFECTIVE_CELLS;
        if (big && share < 0.0) { /* once: a block of whole training columns of the larger half */
            const int lead_side = n_lead >= n_all - n_lead;
            const int avail = lead_side ? n_lead : n_all - n_lead;
            const int sample = avail < EXACT_EFFECTIVE_CELLS ? avail : EXACT_EFFECTIVE_CELLS;
            const int off = lead_side ? 0 : n_lead;
            share = effective_cells(dr + off, dd + off, sample, rho_r2, rho_d2) / sample;
        }
        double a;
        switch (f->type) {
        case TRIAD_CFAR_CA:
            a = triad_cfar_alpha_ca(f->pfa, big ? share * n_all
                                                : effective_cells(dr, dd, n_all, rho_r2, rho_d2));
            break;
        case TRIAD_CFAR_GO:
        case TRIAD_CFAR_SO: {
            const double e1 = big ? share * n_lead : effective_cells(dr, dd, n_lead, rho_r2, rho_d2);
            const double e2 = big ? share * n_lag
                                  : effective_cells(dr + n_lead, dd + n_lead, n_lag, rho_r2, rho_d2);
            a = triad_cfar_alpha_goso(f->type, f->pfa, n_lead ? (int)fmax(1.0, round(e1)) : 0,
                                      n_lag ? (int)fmax(1.0, round(e2)) : 0);
            break;
        }
        default: {
            /* OS: the order statistic of correlated cells has no closed form; the factor is
             * that of independent cells (docs/ALGORITHMS.md) */
            int k = (int)lround(f->os_rank_fraction * n_all);
            k = k < 1 ? 1 : k > n_all ? n_all : k;
            a = n_all >= 1 ? triad_cfar_alpha_os(f->pfa, n_all, k) : -1.0;
            double e = 0.0;
            for (int i = 0; i < k; i++)
                e += 1.0 / (n_all - i);
            p->os_k[r] = k;
            p->os_norm[r] = (float)e;
            break;
        }
        }
        if (n_all < 1 || !(a > 0.0))
            err = triad__fail(TRIAD_EINVAL,
                              "cfar: range bin %zu has %d training cells, too few for pfa %g", r,
                              n_all, f->pfa);
        p->alpha[r] = (float)a;
        last_a = a;
        last_lo = lo;
        last_hi = hi;
    }
    free(dr); free(dd); free(rho_r2); free(rho_d2);
    return err;
}

static int build_plan(triad__plan *p, const triad_chain_cfg *c)
{
    memset(p, 0, sizeof *p);
    p->n = c->samples_per_pulse;
    p->p = c->pulses_per_cpi;
    p->c = c->num_channels;
    p->l = c->waveform_len;
    p->nfft = triad__fft_good_size(p->n + p->l - 1);
    p->range_bins = p->n - p->l + 1;
    p->format = c->format;
    p->mti = c->mti_pulses;
    p->p_mti = p->p - (p->mti ? (size_t)p->mti - 1 : 0);
    p->cfar = c->cfar;
    p->max_detections = c->max_detections;
    p->fft_effort = c->fft_effort;
    p->keep_compressed = c->keep_compressed;
    p->threads = c->threads > 0 ? c->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (p->threads < 1)
        p->threads = 1;

    p->ref = malloc(p->l * sizeof *p->ref);
    p->doppler_w = malloc(p->p_mti * sizeof *p->doppler_w);
    double *w = malloc((p->l > p->p ? p->l : p->p) * sizeof *w);
    if (!p->ref || !p->doppler_w || !w) {
        free(w);
        return triad__fail(TRIAD_ENOMEM, "chain plan: out of memory");
    }
    int err = triad_window_fill(&c->range_window, p->l, w);
    if (err) {
        free(w);
        return err;
    }
    double energy = 0.0;
    for (size_t k = 0; k < p->l; k++) {
        const double complex s = (double)crealf(c->waveform[k]) + I * (double)cimagf(c->waveform[k]);
        if (!isfinite(creal(s)) || !isfinite(cimag(s))) {
            free(w);
            return triad__fail(TRIAD_EINVAL, "waveform: sample %zu is not finite", k);
        }
        p->ref[k] = w[k] * s;
        energy += creal(p->ref[k]) * creal(p->ref[k]) + cimag(p->ref[k]) * cimag(p->ref[k]);
    }
    if (!(energy > 0.0)) {
        free(w);
        return triad__fail(TRIAD_EINVAL, "waveform: reference has zero energy after the "
                                         "range window");
    }
    for (size_t k = 0; k < p->l; k++)
        p->ref[k] /= sqrt(energy);

    err = triad_window_fill(&c->doppler_window, p->p_mti, w);
    if (err) {
        free(w);
        return err;
    }
    /* noise gain of the canceller: sum of squared binomial taps (1,-1) -> 2, (1,-2,1) -> 6 */
    const double mti_gain = p->mti == 2 ? 2.0 : p->mti == 3 ? 6.0 : 1.0;
    double wsum = 0.0;
    for (size_t m = 0; m < p->p_mti; m++)
        wsum += w[m] * w[m];
    if (!(wsum > 0.0)) {
        free(w);
        return triad__fail(TRIAD_EINVAL, "doppler window: all zero for %zu pulses", p->p_mti);
    }
    for (size_t m = 0; m < p->p_mti; m++)
        p->doppler_w[m] = w[m] / sqrt(wsum * mti_gain);
    free(w);
    return plan_cfar(p);
}

static void free_plan(triad__plan *p)
{
    free(p->ref);
    free(p->doppler_w);
    free(p->alpha);
    free(p->os_k);
    free(p->os_norm);
}

static int is_auto(const char *name) { return !name || strcmp(name, "auto") == 0; }

static const triad__backend_ops *find_backend(const char *name)
{
    if (is_auto(name) || strcmp(name, "opencl") == 0)
        return &triad__backend_opencl;
    if (strcmp(name, "fftw") == 0)
        return &triad__backend_fftw;
    return NULL;
}

/* auto: an OpenCL GPU when one works, else FFTW with one warning line. */
static int create_backend(triad_chain *ch)
{
    int err = ch->ops->create(&ch->state, &ch->plan);
    if (err && is_auto(ch->cfg.backend)) {
        triad__warn("backend auto: no usable OpenCL GPU (%s); using FFTW on the CPU "
                    "(--backend fftw says so without this warning)",
                    triad_errmsg());
        ch->ops = &triad__backend_fftw;
        ch->plan.gpu_only = 0;
        err = ch->ops->create(&ch->state, &ch->plan);
    }
    return err;
}

int triad_chain_create(triad_chain **chain, const triad_chain_cfg *cfg)
{
    *chain = NULL;
    int err = validate(cfg);
    if (err)
        return err;
    const triad__backend_ops *ops = find_backend(cfg->backend);
    if (!ops)
        return triad__fail(TRIAD_EINVAL, "backend '%s': expected fftw, opencl or auto",
                           cfg->backend);
    triad_chain *ch = calloc(1, sizeof *ch);
    if (!ch)
        return triad__fail(TRIAD_ENOMEM, "chain: out of memory");
    ch->cfg = *cfg;
    ch->cfg.waveform = NULL; /* copied into the plan; the caller's buffer is not kept */
    ch->ops = ops;
    if ((cfg->backend && !(ch->cfg.backend = ch->backend_name = strdup(cfg->backend))) ||
        (cfg->device && !(ch->cfg.device = ch->device_name = strdup(cfg->device)))) {
        triad_chain_destroy(ch);
        return triad__fail(TRIAD_ENOMEM, "chain: out of memory");
    }
    err = build_plan(&ch->plan, cfg);
    if (!err) {
        ch->bins = malloc(cfg->num_channels * cfg->max_detections * sizeof *ch->bins);
        ch->counts = calloc(cfg->num_channels, sizeof *ch->counts);
        if (!ch->bins || !ch->counts)
            err = triad__fail(TRIAD_ENOMEM, "chain: out of memory");
    }
    if (!err) {
        ch->plan.device = ch->cfg.device;
        ch->plan.gpu_only = is_auto(cfg->backend) && !cfg->device;
        ch->plan.profile = cfg->profile_device;
        err = create_backend(ch);
    }
    if (!err) {
        /* backends without staging of their own (FFTW) stream through ours, 2 slots */
        ch->cpi_bytes = cfg->samples_per_pulse * cfg->pulses_per_cpi * cfg->num_channels *
                        triad_format_bytes(cfg->format);
        ch->num_slots = ch->ops->slots ? ch->ops->slots(ch->state) : 2;
        if (ch->num_slots > TRIAD_CHAIN_MAX_SLOTS)
            ch->num_slots = TRIAD_CHAIN_MAX_SLOTS;
        for (size_t i = 0; !ch->ops->slots && !err && i < ch->num_slots; i++)
            if (!(ch->own_input[i] = malloc(ch->cpi_bytes)))
                err = triad__fail(TRIAD_ENOMEM, "chain: out of memory for %zu-byte CPI slots",
                                  ch->cpi_bytes);
    }
    if (err) {
        triad_chain_destroy(ch);
        return err;
    }
    *chain = ch;
    return 0;
}

void triad_chain_destroy(triad_chain *chain)
{
    if (!chain)
        return;
    if (chain->state)
        chain->ops->destroy(chain->state);
    free_plan(&chain->plan);
    for (size_t i = 0; i < TRIAD_CHAIN_MAX_SLOTS; i++)
        free(chain->own_input[i]);
    free(chain->bins);
    free(chain->counts);
    free(chain->backend_name);
    free(chain->device_name);
    free(chain);
}

static int cmp_range(const void *a, const void *b)
{
    const triad__bin_det *x = a, *y = b;
    if (x->range_bin != y->range_bin)
        return x->range_bin < y->range_bin ? -1 : 1;
    return (x->doppler_bin > y->doppler_bin) - (x->doppler_bin < y->doppler_bin);
}

/* Bin-domain detections of the last execute/collect into physical units, sorted by channel
 * then range. */
static void finish(triad_chain *chain, uint64_t cpi_index, triad_detection *dets,
                   triad_chain_stats *stats)
{
    const triad_chain_cfg *c = &chain->cfg;
    const double lambda = TRIAD_C_MPS / c->carrier_hz;
    const double time_s = ((double)cpi_index * (double)c->pulses_per_cpi +
                           0.5 * (double)(c->pulses_per_cpi - 1)) *
                          c->pri_s;
    const double vel_per_bin = lambda / (2.0 * (double)c->pulses_per_cpi * c->pri_s);
    size_t out = 0;
    for (size_t ch = 0; ch < c->num_channels; ch++) {
        triad__bin_det *b = chain->bins + ch * c->max_detections;
        qsort(b, chain->counts[ch], sizeof *b, cmp_range);
        for (size_t i = 0; i < chain->counts[ch]; i++) {
            triad_detection *d = &dets[out++];
            d->cpi = cpi_index;
            d->channel = (uint32_t)ch;
            d->time_s = time_s;
            d->range_bin = b[i].range_bin;
            d->doppler_bin = b[i].doppler_bin;
            d->range_m = 0.5 * TRIAD_C_MPS * (b[i].range_bin / c->sample_rate_hz + c->rx_delay_s);
            d->velocity_mps = -b[i].doppler_bin * vel_per_bin;
            d->snr_db = b[i].snr_db;
            d->power_db = b[i].power_db;
        }
    }
    stats->detections = out;
}

/* Under auto, a device that fails mid-stream is replaced by FFTW for the rest of the stream.
 * CPIs in flight keep their samples: they are copied out of the device's staging first. */
static int fall_back(triad_chain *chain, uint64_t cpi_index)
{
    triad__warn("CPI %llu: %s; continuing with FFTW on the CPU", (unsigned long long)cpi_index,
                triad_errmsg());
    for (size_t i = 0; i < chain->num_slots; i++) {
        if (chain->own_input[i])
            continue;
        chain->own_input[i] = malloc(chain->cpi_bytes);
        if (!chain->own_input[i])
            return triad__fail(TRIAD_ENOMEM, "fallback: out of memory");
        if (chain->slot_busy[i])
            memcpy(chain->own_input[i], chain->ops->input(chain->state, i), chain->cpi_bytes);
    }
    chain->ops->destroy(chain->state);
    chain->state = NULL;
    chain->ops = &triad__backend_fftw;
    chain->plan.fft_fallback = 1; /* mid-stream: no measuring (wisdom or estimate) */
    return chain->ops->create(&chain->state, &chain->plan);
}

static int can_fall_back(const triad_chain *chain)
{
    return is_auto(chain->cfg.backend) && chain->ops != &triad__backend_fftw;
}

/* A failed fallback leaves no backend: every later call says so instead of crashing. */
static int check_alive(const triad_chain *chain)
{
    return chain->state ? 0
                        : triad__fail(TRIAD_EBACKEND, "chain: no backend left (the fallback to "
                                                      "FFTW failed earlier)");
}

int triad_chain_execute(triad_chain *chain, const void *raw, uint64_t cpi_index,
                        triad_detection *dets, triad_chain_stats *stats)
{
    triad_chain_stats local = {0};
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (check_alive(chain))
        return TRIAD_EBACKEND;
    int err = chain->ops->execute(chain->state, raw, chain->bins, chain->counts, stats,
                                  chain->times);
    if (err && can_fall_back(chain)) {
        memset(stats, 0, sizeof *stats);
        err = fall_back(chain, cpi_index);
        if (!err)
            err = chain->ops->execute(chain->state, raw, chain->bins, chain->counts, stats,
                                      chain->times);
    }
    if (err)
        return err;
    finish(chain, cpi_index, dets, stats);
    return 0;
}

size_t triad_chain_slots(const triad_chain *chain) { return chain->num_slots; }

const triad_chain_cfg *triad__chain_cfg(const triad_chain *chain) { return &chain->cfg; }

bool triad__chain_slot_busy(const triad_chain *chain, size_t slot)
{
    return chain->slot_busy[slot] != 0;
}

void *triad_chain_input(triad_chain *chain, size_t slot)
{
    if (slot >= chain->num_slots)
        return NULL;
    return chain->own_input[slot] ? chain->own_input[slot] : chain->ops->input(chain->state, slot);
}

int triad_chain_submit(triad_chain *chain, size_t slot, uint64_t cpi_index)
{
    if (slot >= chain->num_slots || chain->slot_busy[slot])
        return triad__fail(TRIAD_EINVAL, "submit: slot %zu is %s", slot,
                           slot >= chain->num_slots ? "out of range" : "still in flight");
    if (check_alive(chain))
        return TRIAD_EBACKEND;
    chain->slot_cpi[slot] = cpi_index;
    chain->slot_busy[slot] = 1;
    if (chain->own_input[slot])
        return 0; /* processed synchronously at collect */
    int err = chain->ops->submit(chain->state, slot);
    if (err && can_fall_back(chain))
        err = fall_back(chain, cpi_index);
    return err;
}

int triad_chain_collect(triad_chain *chain, size_t slot, triad_detection *dets,
                        triad_chain_stats *stats)
{
    triad_chain_stats local = {0};
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (slot >= chain->num_slots || !chain->slot_busy[slot])
        return triad__fail(TRIAD_EINVAL, "collect: slot %zu was not submitted", slot);
    const uint64_t cpi = chain->slot_cpi[slot];
    int err = check_alive(chain);
    if (err) {
        chain->slot_busy[slot] = 0;
        return err;
    }
    if (!chain->own_input[slot]) {
        err = chain->ops->collect(chain->state, slot, chain->bins, chain->counts, stats,
                                  chain->times);
        if (err && can_fall_back(chain)) {
            memset(stats, 0, sizeof *stats);
            err = fall_back(chain, cpi);
        }
    }
    if (!err && chain->own_input[slot] && !(err = check_alive(chain)))
        err = chain->ops->execute(chain->state, chain->own_input[slot], chain->bins,
                                  chain->counts, stats, chain->times);
    chain->slot_busy[slot] = 0;
    if (err)
        return err;
    finish(chain, cpi, dets, stats);
    return 0;
}

int triad_chain_power_map(const triad_chain *chain, size_t channel, float *map)
{
    if (channel >= chain->cfg.num_channels)
        return triad__fail(TRIAD_EINVAL, "power map: channel %zu of %zu", channel,
                           chain->cfg.num_channels);
    return chain->ops->power_map(chain->state, channel, map);
}

int triad_chain_compressed(const triad_chain *chain, size_t channel, float complex *out)
{
    if (channel >= chain->cfg.num_channels)
        return triad__fail(TRIAD_EINVAL, "compressed: channel %zu of %zu", channel,
                           chain->cfg.num_channels);
    if (!chain->plan.keep_compressed)
        return triad__fail(TRIAD_EINVAL, "compressed: create the chain with keep_compressed");
    return chain->ops->compressed(chain->state, channel, out);
}

const char *triad_chain_backend(const triad_chain *chain) { return chain->ops->name; }

void triad_chain_profile_get(const triad_chain *chain, triad_chain_profile *out)
{
    memset(out, 0, sizeof *out);
    out->batch = 1;
    if (chain->state && chain->ops->profile)
        chain->ops->profile(chain->state, out);
}

void triad_chain_stage_times(const triad_chain *chain, double t[4])
{
    memcpy(t, chain->times, sizeof chain->times);
}
