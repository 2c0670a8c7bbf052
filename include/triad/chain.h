/* Triad — the pulse-Doppler processing chain: raw CPI in, detections out.
 *
 *   raw CPI [P pulses x N samples x C channels, interleaved]
 *     -> pulse compression (FFT matched filter, windowed reference)
 *     -> optional MTI (2- or 3-pulse canceller)
 *     -> Doppler (window across pulses, FFT, zero velocity at the centre bin)
 *     -> power -> CFAR -> detection extraction (one per target, sub-bin interpolation)
 *
 * The chain runs on a backend from a small table (fftw, opencl); it does not know which.
 * Ownership: the chain keeps nothing the caller passes in: configs are copied by create (the
 * waveform and the backend and device strings too), buffers are read or written during the
 * call only. Library: libtriad.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_CHAIN_H
#define TRIAD_CHAIN_H

#include "triad/complex.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triad/cfar.h"
#include "triad/error.h"
#include "triad/window.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sample formats of raw input, named as SigMF names them. */
typedef enum {
    TRIAD_FORMAT_CF32_LE = 0, /* complex float32, little endian: 8 bytes per sample */
    TRIAD_FORMAT_CI16_LE,     /* complex int16, little endian: 4 bytes per sample */
} triad_format;

size_t triad_format_bytes(triad_format format); /* bytes per complex sample */
const char *triad_format_name(triad_format format);

typedef enum {
    TRIAD_FFT_ESTIMATE = 0, /* plan fast, run a little slower (tests) */
    TRIAD_FFT_MEASURE,      /* FFTW_MEASURE: seconds of planning, the default for processing */
    TRIAD_FFT_PATIENT,
} triad_fft_effort;

typedef struct {
    /* geometry */
    size_t samples_per_pulse; /* N: fast-time samples per pulse repetition interval */
    size_t pulses_per_cpi;    /* P */
    size_t num_channels;      /* C: channels interleaved sample by sample */
    triad_format format;
    double sample_rate_hz;    /* fs */
    double carrier_hz;        /* f0, for lambda = c / f0 */
    double pri_s;             /* pulse repetition interval */
    double rx_delay_s;        /* time of sample 0 after transmit start */
    /* reference pulse (unwindowed): [size: waveform_len]; read and copied by create, not kept
     * (the caller may free it once create returns) */
    const triad_cf32 *waveform;
    size_t waveform_len;      /* L, 1 <= L <= N */
    /* processing */
    triad_window range_window;   /* applied to the matched-filter reference */
    triad_window doppler_window; /* applied across pulses */
    int mti_pulses;              /* 0 (off), 2 or 3 */
    triad_cfar_cfg cfar;
    size_t max_detections;       /* per channel per CPI; extras are counted and dropped */
    /* execution */
    const char *backend;         /* "fftw", "opencl" or "auto"; NULL = "auto". auto takes an
                                    OpenCL GPU when there is one, else FFTW (one warning).
                                    Copied by create (the chain keeps its own copy) */
    const char *device;          /* OpenCL device: index or name substring; NULL = first GPU,
                                    else the first device. Copied by create */
    int threads;                 /* 0 = all online cores */
    triad_fft_effort fft_effort;
    bool keep_compressed;        /* keep every channel's compressed pulses for inspection */
    bool profile_device;         /* OpenCL: time every stage and copy with device events
                                    (triad_chain_profile; stage times become device times) */
} triad_chain_cfg;

/* One detection. Bins are fractional; range_bin 0 is correlation lag 0 and doppler_bin 0
 * is zero velocity. Physical units follow docs/FORMATS.md. */
typedef struct {
    uint64_t cpi;
    uint32_t channel;
    double time_s;       /* CPI centre, seconds from the recording start */
    double range_bin;
    double doppler_bin;
    double range_m;      /* c/2 * (range_bin/fs + rx_delay) */
    double velocity_mps; /* range rate, positive = receding: -f_d * lambda / 2 */
    double snr_db;       /* peak power over the CFAR noise estimate */
    double power_db;     /* peak power; unit-power input noise reads 0 dB */
} triad_detection;

/* Counters of one execute. */
typedef struct {
    size_t detections;      /* written to the caller's array */
    size_t dropped;         /* beyond max_detections */
    size_t nonfinite;       /* NaN/Inf input samples, replaced by zero */
    size_t cells_above;     /* CFAR exceedances before grouping */
} triad_chain_stats;

typedef struct triad_chain triad_chain;

/* Defaults: Taylor (nbar 4, 35 dB) range window, Hann Doppler window, no MTI,
 * CA-CFAR (guard 4 range / 2 Doppler, training 12 range / 3 Doppler), pfa 1e-6, auto backend.
 * Geometry fields are zero and must be set. */
triad_chain_cfg triad_chain_cfg_default(void);

/* Validate the configuration, choose the backend, allocate and plan everything.
 * Returns 0, TRIAD_EINVAL (message names the field), TRIAD_ENOMEM, TRIAD_ENODEVICE,
 * TRIAD_EBACKEND. *chain is NULL on failure. */
int triad_chain_create(triad_chain **chain, const triad_chain_cfg *cfg);

/* Process one CPI. raw: [P x N x C] samples in cfg.format, the C channels of a sample side by
 * side (sample n of pulse m, channel c at element (m N + n) C + c): a cf32_le CPI is an array
 * of triad_cf32 in that order. Read during the call, not retained.
 * dets: caller's array of cfg.max_detections * C entries; detections are sorted by
 * channel, then range. cpi_index sets cpi and time_s. Never allocates. Not thread-safe
 * per chain. Returns 0 or a negative triad_err. */
int triad_chain_execute(triad_chain *chain, const void *raw, uint64_t cpi_index,
                        triad_detection *dets, triad_chain_stats *stats);

/* Streaming: CPIs in flight at once, so that the upload of CPI k+1, the processing of CPI k
 * and the return of CPI k-1's detections overlap on a device.
 *   void *in = triad_chain_input(chain, slot);   fill with one raw CPI (pinned memory when
 *                                                 the backend has it: read the file into it)
 *   triad_chain_submit(chain, slot, cpi_index);  start it
 *   triad_chain_collect(chain, slot, dets, &st); wait for it; as execute
 * Use the slots round robin; a slot is filled again only after its collect. The FFTW backend
 * processes at collect. Under backend auto a device failure moves the stream to FFTW without
 * losing or repeating a CPI. The OpenCL backend batches small CPIs: it has two groups of B
 * slots (B = 1..16, docs/ARCHITECTURE.md) and launches a group when all of its slots are
 * submitted or when one of them is collected, so keep every slot busy for throughput and
 * collect as soon as a CPI is needed for latency. */
#define TRIAD_CHAIN_MAX_SLOTS 32
size_t triad_chain_slots(const triad_chain *chain);
void *triad_chain_input(triad_chain *chain, size_t slot);
int triad_chain_submit(triad_chain *chain, size_t slot, uint64_t cpi_index);
int triad_chain_collect(triad_chain *chain, size_t slot, triad_detection *dets,
                        triad_chain_stats *stats);

/* Input layouts other than the chain's own (FFTW's plan_many idea: describe the buffer
 * instead of copying it into ours first). Sample n of pulse m of channel c is the element
 *   channels ? channels[c] + m pulse_stride + n sample_stride
 *            : base + c channel_stride + m pulse_stride + n sample_stride
 * counted in samples of cfg.format (8 bytes cf32, 4 bytes ci16), not bytes. Examples:
 *   interleaved [P x N x C] (the chain's own):  base, channel 1, sample C, pulse N C
 *   channel-major [C x P x N]:                  base, channel P N, sample 1, pulse N
 *   one buffer [P x N] per channel:             channels[C], sample 1, pulse N
 *   pulses of N0 >= N samples (a guard tail):   pulse N0 (C N0 interleaved)
 * The buffers are read during the call only. */
typedef struct {
    const void *base;             /* one buffer holding every channel, or NULL */
    const void *const *channels;  /* [size: C] one buffer per channel (when base is NULL) */
    ptrdiff_t channel_stride, sample_stride, pulse_stride;
} triad_cpi_layout;

/* The layout of the chain's own input for cfg's geometry (interleaved) on buffer base. */
triad_cpi_layout triad_cpi_layout_interleaved(const triad_chain_cfg *cfg, const void *base);

/* Gather one CPI described by layout into the input of a free slot (triad_chain_input), for
 * triad_chain_submit. Returns 0 or TRIAD_EINVAL (slot in flight or out of range, no buffer,
 * a zero stride). Never allocates. */
int triad_chain_load(triad_chain *chain, size_t slot, const triad_cpi_layout *layout);

/* triad_chain_execute on a described layout: gathered into slot 0's input, submitted and
 * collected (so not while CPIs are in flight). Plan once (create), execute on any number of
 * buffers. */
int triad_chain_execute_layout(triad_chain *chain, const triad_cpi_layout *layout,
                               uint64_t cpi_index, triad_detection *dets,
                               triad_chain_stats *stats);

/* Copy the last CPI's range-Doppler power map of one channel into map:
 * [size: P Doppler rows x N range bins], row 0 = most negative Doppler, row P/2 = zero
 * velocity; linear power, unit-power input noise reads 1. While streaming, "last" is the
 * last CPI processed, which may be ahead of the last collected. */
int triad_chain_power_map(const triad_chain *chain, size_t channel, float *map);

/* Copy the last CPI's pulse-compressed samples of one channel: [size: P x N]
 * y[m][n] = sum_k x[m][n+k] * conj(h[k]), h the windowed reference scaled to unit energy.
 * Needs keep_compressed (it costs a copy of every CPI). */
int triad_chain_compressed(const triad_chain *chain, size_t channel, triad_cf32 *out);

/* Device work since create, summed over CPIs: filled when the chain was created with
 * profile_device on a backend that times its device (opencl), else available is false. */
typedef struct {
    bool available;
    uint64_t cpis;         /* CPIs whose device work is summed */
    size_t batch;          /* CPIs per launch when streaming (1: no batching) */
    double stage_s[4];     /* kernel time: range, doppler, cfar, extract */
    double h2d_s, d2h_s;   /* copies: raw CPIs up, results down */
    double overlap_s;      /* copy time during which kernels (of any CPI) ran */
} triad_chain_profile;
void triad_chain_profile_get(const triad_chain *chain, triad_chain_profile *out);

/* Name of the backend in use ("fftw", "opencl"). */
const char *triad_chain_backend(const triad_chain *chain);

/* Per-stage times of the last execute or collect, seconds (range, doppler, cfar, extract).
 * OpenCL: with profile_device, the CPI's device time per stage (its share of a batch);
 * without, the time from submit to results in range and 0 in the others. */
void triad_chain_stage_times(const triad_chain *chain, double t[4]);

void triad_chain_destroy(triad_chain *chain); /* NULL-safe */

/* The number of range bins that are fully compressed: N - L + 1. */
size_t triad_chain_full_bins(const triad_chain_cfg *cfg);

#ifdef __cplusplus
}
#endif
#endif
