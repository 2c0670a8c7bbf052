/* The scene simulator: the signal model of docs/FORMATS.md, written sample by sample.
 *   echo of target i on pulse m (t_m = m PRI):  A s(n/fs + rx_delay - 2R(t_m)/c) exp(-j4pi R(t_m)/lambda)
 *   noise: complex Gaussian of power noise_power; clutter: stationary scatterers.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "triad/sim.h"
#include "triad/units.h"

struct triad_sim {
    triad_scene scene;
    size_t ref_len;
    float complex *clutter; /* stationary clutter return per channel-independent pulse [size: N] */
    double complex *pulse;  /* one CPI's samples of one channel [size: P x N] */
};

/* xoshiro256** seeded through splitmix64: fast, and reproducible from (seed, cpi, channel). */
typedef struct {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t x = seed ^ (a * 0xd1342543de82ef95ULL) ^ (b * 0x2545f4914f6cdd1dULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static double rng_uniform(rng *r) { return ((double)(rng_next(r) >> 11) + 0.5) * 0x1.0p-53; }

/* Complex Gaussian of total power `power` (Box-Muller). */
static double complex rng_cgauss(rng *r, double power)
{
    const double rad = sqrt(-power * log(rng_uniform(r)));
    const double ph = 2.0 * TRIAD_PI * rng_uniform(r);
    return rad * cos(ph) + I * rad * sin(ph);
}

static size_t pulse_len(const triad_recording_meta *m)
{
    return (size_t)ceil(m->waveform.pulse_width_s * m->sample_rate_hz - 1e-6);
}

/* LFM s(t) = exp(j pi (B/Tp) t^2 - j pi B t) for 0 <= t < Tp, else 0. */
static double complex lfm(const triad_recording_meta *m, double t)
{
    if (t < 0.0 || t >= m->waveform.pulse_width_s)
        return 0.0;
    const double b = m->waveform.bandwidth_hz, tp = m->waveform.pulse_width_s;
    const double ph = TRIAD_PI * (b / tp) * t * t - TRIAD_PI * b * t;
    return cos(ph) + I * sin(ph);
}

static int check_scene(const triad_scene *s)
{
    const triad_recording_meta *m = &s->radar;
    if (m->waveform.type != TRIAD_WAVEFORM_LFM)
        return triad__fail(TRIAD_EUNSUPPORTED, "scene: the simulator writes LFM pulses only");
    if (!(m->sample_rate_hz > 0) || !(m->carrier_hz > 0) || !(m->pri_s > 0) ||
        !(m->waveform.bandwidth_hz > 0) || !(m->waveform.pulse_width_s > 0))
        return triad__fail(TRIAD_EINVAL, "scene: sample rate, carrier, PRI, bandwidth and pulse "
                                         "width must all be > 0");
    if (m->waveform.bandwidth_hz > m->sample_rate_hz)
        return triad__fail(TRIAD_EINVAL, "scene: bandwidth %g Hz is above the sample rate %g Hz",
                           m->waveform.bandwidth_hz, m->sample_rate_hz);
    if (pulse_len(m) < 1 || pulse_len(m) > m->samples_per_pulse)
        return triad__fail(TRIAD_EINVAL,
                           "scene: pulse of %zu samples does not fit the receive window of %zu",
                           pulse_len(m), m->samples_per_pulse);
    if ((double)m->samples_per_pulse / m->sample_rate_hz > m->pri_s * (1 + 1e-9))
        return triad__fail(TRIAD_EINVAL, "scene: receive window longer than the PRI");
    if (m->pulses_per_cpi < 1 || m->num_channels < 1 || s->num_cpis < 1)
        return triad__fail(TRIAD_EINVAL, "scene: pulses, channels and CPIs must be >= 1");
    return 0;
}

int triad_sim_create(triad_sim **out, const triad_scene *scene)
{
    *out = NULL;
    int err = check_scene(scene);
    if (err)
        return err;
    triad_sim *sim = calloc(1, sizeof *sim);
    if (!sim)
        return triad__fail(TRIAD_ENOMEM, "simulator: out of memory");
    sim->scene = *scene;
    const triad_recording_meta *m = &scene->radar;
    const size_t n = m->samples_per_pulse;
    sim->ref_len = pulse_len(m);
    sim->pulse = malloc(m->pulses_per_cpi * n * sizeof *sim->pulse);
    sim->clutter = calloc(n, sizeof *sim->clutter);
    if (!sim->pulse || !sim->clutter) {
        triad_sim_destroy(sim);
        return triad__fail(TRIAD_ENOMEM, "simulator: out of memory");
    }
    /* stationary clutter: scatterers one range sample apart, each of power CNR / L so the
     * received clutter power per sample is CNR; the same on every pulse */
    if (scene->clutter_range_max_m > scene->clutter_range_min_m) {
        rng r;
        rng_seed(&r, scene->seed, UINT64_MAX, 0);
        const double power = pow(10.0, scene->clutter_cnr_db / 10.0) / (double)sim->ref_len;
        const double lambda = TRIAD_C_MPS / m->carrier_hz;
        for (size_t j = 0; j < n; j++) {
            const double range = 0.5 * TRIAD_C_MPS * ((double)j / m->sample_rate_hz + m->rx_delay_s);
            if (range < scene->clutter_range_min_m || range > scene->clutter_range_max_m)
                continue;
            const double complex a = rng_cgauss(&r, power) * cexp(-I * 4.0 * TRIAD_PI * range / lambda);
            for (size_t k = 0; k < sim->ref_len && j + k < n; k++)
                sim->clutter[j + k] += (float complex)(a * lfm(m, (double)k / m->sample_rate_hz));
        }
    }
    *out = sim;
    return 0;
}

void triad_sim_destroy(triad_sim *sim)
{
    if (!sim)
        return;
    free(sim->pulse);
    free(sim->clutter);
    free(sim);
}

/* Targets and clutter of one CPI (the same for every channel) into sim->pulse. */
static void echoes(triad_sim *sim, uint64_t k)
{
    const triad_scene *s = &sim->scene;
    const triad_recording_meta *m = &s->radar;
    const size_t n = m->samples_per_pulse, np = m->pulses_per_cpi;
    const double lambda = TRIAD_C_MPS / m->carrier_hz, fs = m->sample_rate_hz;
    for (size_t p = 0; p < np; p++) {
        double complex *x = sim->pulse + p * n;
        for (size_t i = 0; i < n; i++)
            x[i] = sim->clutter[i];
        const double t_m = (double)(k * np + p) * m->pri_s;
        for (size_t i = 0; i < s->num_targets; i++) {
            const triad_sim_target *tg = &s->targets[i];
            const double range = tg->range_m + tg->velocity_mps * t_m;
            const double delay = 2.0 * range / TRIAD_C_MPS;
            const double complex a = sqrt(pow(10.0, tg->snr_db / 10.0)) *
                                     cexp(-I * 4.0 * TRIAD_PI * range / lambda);
            /* samples where 0 <= n/fs + rx_delay - delay < Tp */
            const double first = ceil((delay - m->rx_delay_s) * fs);
            const long lo = first < 0 ? 0 : (long)first;
            for (long j = lo; j < (long)n && j <= lo + (long)sim->ref_len + 1; j++)
                x[j] += a * lfm(m, (double)j / fs + m->rx_delay_s - delay);
        }
    }
}

int triad_sim_cpi(triad_sim *sim, uint64_t k, void *buf, size_t *clipped)
{
    const triad_scene *s = &sim->scene;
    const triad_recording_meta *m = &s->radar;
    const size_t n = m->samples_per_pulse, np = m->pulses_per_cpi, nc = m->num_channels;
    size_t clip = 0;
    echoes(sim, k);
    for (size_t c = 0; c < nc; c++) {
        rng r;
        rng_seed(&r, s->seed, k, c);
        for (size_t i = 0; i < np * n; i++) {
            const double complex v = sim->pulse[i] + (s->noise_power > 0 ? rng_cgauss(&r, s->noise_power) : 0.0);
            const size_t at = i * nc + c;
            if (m->format == TRIAD_FORMAT_CF32_LE) {
                float *o = (float *)buf + 2 * at;
                o[0] = (float)creal(v);
                o[1] = (float)cimag(v);
            } else {
                int16_t *o = (int16_t *)buf + 2 * at;
                for (int q = 0; q < 2; q++) {
                    double x = nearbyint((q ? cimag(v) : creal(v)) * s->ci16_scale);
                    if (x > 32767.0 || x < -32768.0) {
                        clip++;
                        x = x > 0 ? 32767.0 : -32768.0;
                    }
                    o[q] = (int16_t)x;
                }
            }
        }
    }
    if (clipped)
        *clipped = clip;
    return 0;
}

static int write_truth(const triad_scene *s, const char *path)
{
    const triad_recording_meta *m = &s->radar;
    FILE *f = fopen(path, "w");
    if (!f)
        return triad__fail(TRIAD_EIO, "%s: cannot create: %s", path, strerror(errno));
    const double lambda = TRIAD_C_MPS / m->carrier_hz;
    fprintf(f, "{\n \"range_bin_m\": %.10g,\n \"velocity_bin_mps\": %.10g,\n",
            TRIAD_C_MPS / (2.0 * m->sample_rate_hz),
            lambda / (2.0 * (double)m->pulses_per_cpi * m->pri_s));
    fprintf(f, " \"pulse_samples\": %zu,\n \"targets\": [", pulse_len(m));
    const char *sep = "\n";
    for (uint64_t k = 0; k < s->num_cpis; k++) {
        const double tc = ((double)k * (double)m->pulses_per_cpi +
                           0.5 * (double)(m->pulses_per_cpi - 1)) * m->pri_s;
        for (size_t i = 0; i < s->num_targets; i++) {
            const triad_sim_target *t = &s->targets[i];
            fprintf(f, "%s  {\"cpi\": %llu, \"target\": %zu, \"range_m\": %.6f, "
                       "\"velocity_mps\": %.9g, \"snr_db\": %.9g}",
                    sep, (unsigned long long)k, i, t->range_m + t->velocity_mps * tc,
                    t->velocity_mps, t->snr_db);
            sep = ",\n";
        }
    }
    fprintf(f, "\n ]\n}\n");
    if (fclose(f) != 0)
        return triad__fail(TRIAD_EIO, "%s: write failed", path);
    return 0;
}

int triad_simulate(const triad_scene *scene, const char *out_base)
{
    char path[1100];
    triad_sim *sim = NULL;
    int err = triad_sim_create(&sim, scene);
    if (err)
        return err;
    snprintf(path, sizeof path, "%s.sigmf-meta", out_base);
    if ((err = triad_recording_write_meta(path, &scene->radar, "triad simulated scene"))) {
        triad_sim_destroy(sim);
        return err;
    }
    snprintf(path, sizeof path, "%s.truth.json", out_base);
    if ((err = write_truth(scene, path))) {
        triad_sim_destroy(sim);
        return err;
    }
    snprintf(path, sizeof path, "%s.sigmf-data", out_base);
    FILE *f = fopen(path, "wb");
    const size_t bytes = triad_recording_cpi_bytes(&scene->radar);
    void *buf = malloc(bytes);
    if (!f || !buf) {
        err = f ? triad__fail(TRIAD_ENOMEM, "simulator: out of memory")
                : triad__fail(TRIAD_EIO, "%s: cannot create: %s", path, strerror(errno));
        goto out;
    }
    size_t clipped_total = 0;
    for (uint64_t k = 0; k < scene->num_cpis; k++) {
        size_t clipped;
        triad_sim_cpi(sim, k, buf, &clipped);
        clipped_total += clipped;
        if (fwrite(buf, 1, bytes, f) != bytes) {
            err = triad__fail(TRIAD_EIO, "%s: write failed: %s", path, strerror(errno));
            goto out;
        }
    }
    if (clipped_total)
        triad__warn("%s: %zu ci16 values saturated; lower ci16_scale", path, clipped_total);
out:
    if (f && fclose(f) != 0 && !err)
        err = triad__fail(TRIAD_EIO, "%s: write failed", path);
    free(buf);
    triad_sim_destroy(sim);
    return err;
}
