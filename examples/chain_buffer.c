/* Example: the chain on a buffer of one's own. One CPI (P pulses x N samples, one channel,
 * complex float) holds a chirp echo from range bin 200 moving at Doppler bin +5, in unit-power
 * noise; the chain is planned once and executed on it, and the detection is printed.
 * Build against an installed triad:  cc chain_buffer.c $(pkg-config --cflags --libs triad) -lm
 * Exits 0 when the echo is found where it was put. SPDX-License-Identifier: GPL-2.0-or-later */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <triad/triad.h>

enum { N = 512, P = 32, L = 64, TARGET_BIN = 200, TARGET_DOPPLER = 5 };
static const double PI = 3.14159265358979323846;

/* Unit-power complex Gaussian noise from a small seeded generator (Box-Muller). */
static double uniform(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((*s >> 11) + 0.5) / 9007199254740992.0;
}
static float complex noise(unsigned long long *s)
{
    double r = sqrt(-log(uniform(s))), a = 2 * PI * uniform(s);
    return (float)(r * cos(a)) + I * (float)(r * sin(a));
}

int main(void)
{
    static float complex chirp[L], cpi[P][N];
    for (int k = 0; k < L; k++)
        chirp[k] = cexpf(I * (float)(PI * k * k / L));
    unsigned long long seed = 1;
    for (int m = 0; m < P; m++)
        for (int n = 0; n < N; n++) {
            cpi[m][n] = noise(&seed);
            if (n >= TARGET_BIN && n < TARGET_BIN + L)
                cpi[m][n] += 0.5f * chirp[n - TARGET_BIN] *
                             cexpf(I * (float)(2 * PI * TARGET_DOPPLER * m / P));
        }

    triad_chain_cfg cfg = triad_chain_cfg_default();
    cfg.samples_per_pulse = N;
    cfg.pulses_per_cpi = P;
    cfg.num_channels = 1;
    cfg.format = TRIAD_FORMAT_CF32_LE;
    cfg.sample_rate_hz = 10e6;
    cfg.carrier_hz = 3e9;
    cfg.pri_s = 100e-6;
    cfg.waveform = chirp; /* copied at create */
    cfg.waveform_len = L;
    cfg.backend = "fftw";
    cfg.fft_effort = TRIAD_FFT_ESTIMATE;
    cfg.max_detections = 16;

    triad_chain *chain;
    if (triad_chain_create(&chain, &cfg)) {
        fprintf(stderr, "chain_buffer: %s\n", triad_errmsg());
        return 1;
    }
    triad_detection dets[16];
    triad_chain_stats stats;
    int found = 0;
    if (triad_chain_execute(chain, cpi, 0, dets, &stats)) {
        fprintf(stderr, "chain_buffer: %s\n", triad_errmsg());
        triad_chain_destroy(chain);
        return 1;
    }
    for (size_t i = 0; i < stats.detections; i++) {
        printf("range %.1f m (bin %.2f), %.2f m/s (Doppler bin %.2f), SNR %.1f dB\n",
               dets[i].range_m, dets[i].range_bin, dets[i].velocity_mps, dets[i].doppler_bin,
               dets[i].snr_db);
        found |= fabs(dets[i].range_bin - TARGET_BIN) < 0.5 &&
                 fabs(dets[i].doppler_bin - TARGET_DOPPLER) < 0.5;
    }
    triad_chain_destroy(chain);
    printf("triad %s (%s): echo %s\n", triad_version(), triad_commit(),
           found ? "found" : "NOT found");
    return found ? 0 : 1;
}
