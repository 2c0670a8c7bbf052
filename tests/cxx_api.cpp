// The public headers from C++ (built by tests/install_link.sh against the installed package):
// every header of include/triad/ that is always installed included together (fusion.h is
// libtriad_fusion's: a tracker made from its default configuration, empty), the chain driven
// with std::complex<float> buffers (triad_cf32 is std::complex<float> in C++), and its
// pulse-compressed output checked against a direct correlation in double:
// y[m][n] = sum_k x[m][n+k] conj(h[k]), h = s / sqrt(sum |s|^2) (no range window), to 1e-4 of
// the peak.
// SPDX-License-Identifier: GPL-2.0-or-later
#include <triad/cfar.h>
#include <triad/chain.h>
#include <triad/complex.h>
#include <triad/devices.h>
#include <triad/error.h>
#include <triad/fusion.h>
#include <triad/recording.h>
#include <triad/sim.h>
#include <triad/triad.h>
#include <triad/units.h>
#include <triad/version.h>
#include <triad/window.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <random>
#include <type_traits>
#include <vector>

static_assert(std::is_same<triad_cf32, std::complex<float>>::value, "triad_cf32 in C++");
static_assert(sizeof(triad_cf32) == 2 * sizeof(float), "two floats");

int main()
{
    triad_tracker_cfg tcfg = triad_tracker_cfg_default();
    triad_tracker *tracker = nullptr;
    if (tcfg.confirm_m != 3 || tcfg.confirm_n != 5 ||
        triad_tracker_create(&tracker, &tcfg, nullptr, nullptr) != TRIAD_OK) {
        std::fprintf(stderr, "cxx_api: tracker: %s\n", triad_errmsg());
        return 1;
    }
    size_t ntracks = 1;
    triad_tracker_tracks(tracker, &ntracks);
    triad_tracker_destroy(tracker);
    if (ntracks != 0) {
        std::fprintf(stderr, "cxx_api: a new tracker has %zu tracks\n", ntracks);
        return 1;
    }
    const size_t n = 256, p = 16, l = 40;
    std::mt19937 gen(7);
    std::normal_distribution<float> g(0.0f, 0.7071f);
    std::vector<triad_cf32> chirp(l), cpi(p * n);
    for (size_t k = 0; k < l; k++)
        chirp[k] = std::polar(1.0f, float(TRIAD_PI * double(k * k) / double(l)));
    for (auto &x : cpi)
        x = triad_cf32(g(gen), g(gen));
    for (size_t m = 0; m < p; m++) // an echo at bin 100 on top of the noise
        for (size_t k = 0; k < l; k++)
            cpi[m * n + 100 + k] += 2.0f * chirp[k];

    triad_chain_cfg cfg = triad_chain_cfg_default();
    cfg.samples_per_pulse = n;
    cfg.pulses_per_cpi = p;
    cfg.num_channels = 1;
    cfg.format = TRIAD_FORMAT_CF32_LE;
    cfg.sample_rate_hz = 10e6;
    cfg.carrier_hz = 3e9;
    cfg.pri_s = 100e-6;
    cfg.waveform = chirp.data();
    cfg.waveform_len = l;
    cfg.range_window.type = TRIAD_WINDOW_NONE;
    cfg.backend = "fftw";
    cfg.fft_effort = TRIAD_FFT_ESTIMATE;
    cfg.keep_compressed = true;
    cfg.max_detections = 8;
    triad_chain *chain = nullptr;
    if (triad_chain_create(&chain, &cfg) != TRIAD_OK) {
        std::fprintf(stderr, "cxx_api: %s\n", triad_errmsg());
        return 1;
    }
    std::vector<triad_detection> dets(cfg.max_detections);
    triad_chain_stats stats;
    std::vector<triad_cf32> y(p * n);
    if (triad_chain_execute(chain, cpi.data(), 0, dets.data(), &stats) ||
        triad_chain_compressed(chain, 0, y.data())) {
        std::fprintf(stderr, "cxx_api: %s\n", triad_errmsg());
        triad_chain_destroy(chain);
        return 1;
    }
    triad_chain_destroy(chain);

    double energy = 0, peak = 0, worst = 0;
    for (const auto &s : chirp)
        energy += std::norm(std::complex<double>(s));
    std::vector<std::complex<double>> ref(p * n);
    for (size_t m = 0; m < p; m++)
        for (size_t i = 0; i + l <= n; i++) {
            std::complex<double> acc = 0;
            for (size_t k = 0; k < l; k++)
                acc += std::complex<double>(cpi[m * n + i + k]) *
                       std::conj(std::complex<double>(chirp[k]));
            ref[m * n + i] = acc / std::sqrt(energy);
            peak = std::fmax(peak, std::abs(ref[m * n + i]));
        }
    for (size_t m = 0; m < p; m++)
        for (size_t i = 0; i + l <= n; i++)
            worst = std::fmax(worst, std::abs(std::complex<double>(y[m * n + i]) - ref[m * n + i]));
    bool echo = false;
    for (size_t i = 0; i < stats.detections; i++)
        echo |= std::fabs(dets[i].range_bin - 100) < 0.5;
    std::printf("cxx_api: triad %s, compressed vs direct correlation: max error %.2e of peak %.1f; "
                "%zu detection(s), echo at bin 100 %s\n",
                triad_version(), worst, peak, stats.detections, echo ? "found" : "NOT found");
    return worst <= 1e-4 * peak && echo ? 0 : 1;
}
