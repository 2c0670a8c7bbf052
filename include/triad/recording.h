/* Triad — SigMF recordings with the radar: extension (docs/FORMATS.md).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_RECORDING_H
#define TRIAD_RECORDING_H

#include "triad/complex.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "triad/chain.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { TRIAD_WAVEFORM_LFM = 0, TRIAD_WAVEFORM_SAMPLES } triad_waveform_type;

typedef struct {
    triad_waveform_type type;
    double bandwidth_hz;  /* LFM: sweep from -B/2 to +B/2 */
    double pulse_width_s; /* LFM: Tp */
    char file[512];       /* SAMPLES: reference pulse, cf32_le, relative to the meta file */
} triad_waveform;

typedef struct {
    char id[64];
    double lat_deg, lon_deg, alt_m;
} triad_site;

/* Everything the meta file says, checked. */
typedef struct {
    char meta_path[1024];
    char data_path[1024];
    triad_format format;
    double sample_rate_hz;
    size_t num_channels;
    double carrier_hz;
    char datetime[64];          /* ISO 8601 UTC of sample 0, "" if absent */
    size_t samples_per_pulse;   /* N */
    size_t pulses_per_cpi;      /* P */
    double pri_s;
    double rx_delay_s;
    triad_waveform waveform;
    bool has_site;
    triad_site site;
    bool has_beam;
    double beam_azimuth_deg, beam_elevation_deg;
    /* from the data file */
    uint64_t num_cpis;          /* whole CPIs in the data file */
    uint64_t trailing_bytes;    /* bytes of a partial CPI at the end (ignored, warned) */
} triad_recording_meta;

/* Parse and validate NAME.sigmf-meta. If data is true, also check NAME.sigmf-data
 * (at least one whole CPI). Returns 0 or TRIAD_EIO / TRIAD_EFORMAT / TRIAD_EINVAL /
 * TRIAD_EUNSUPPORTED / TRIAD_ETRUNCATED; triad_errmsg() names the file, field, value and
 * reason. */
int triad_recording_open_meta(const char *meta_path, bool data, triad_recording_meta *meta);

/* Bytes of one CPI (all channels). */
size_t triad_recording_cpi_bytes(const triad_recording_meta *meta);

/* Build the reference pulse: *ref is malloc'd [size: *len], caller frees.
 * LFM: s(t) = exp(j*pi*(B/Tp)*t^2 - j*pi*B*t), t = k/fs, 0 <= t < Tp.
 * SAMPLES: read from the file. */
int triad_recording_waveform(const triad_recording_meta *meta, triad_cf32 **ref, size_t *len);

/* Fill the geometry and waveform fields of a chain configuration from a recording.
 * ref must stay alive until triad_chain_create() returns. */
void triad_recording_chain_cfg(const triad_recording_meta *meta, const triad_cf32 *ref,
                               size_t ref_len, triad_chain_cfg *cfg);

/* Write a meta file for the given description (used by the simulator). */
int triad_recording_write_meta(const char *meta_path, const triad_recording_meta *meta,
                               const char *description);

/* Sequential CPI reader over the data file. */
typedef struct triad_recording_reader triad_recording_reader;
int triad_recording_reader_open(triad_recording_reader **rd, const triad_recording_meta *meta);
/* Read CPI number *index into buf [size: triad_recording_cpi_bytes]; returns 1 when a CPI was
 * read, 0 at the end, negative on error. */
int triad_recording_reader_next(triad_recording_reader *rd, void *buf, uint64_t *index);
void triad_recording_reader_close(triad_recording_reader *rd);

/* Geometry a person wants to know before processing. */
typedef struct {
    double wavelength_m;
    double range_bin_m;          /* c / (2 fs) */
    double range_resolution_m;   /* c / (2 B) */
    double velocity_bin_mps;     /* lambda / (2 P PRI) */
    double unambiguous_range_m;  /* c PRI / 2 */
    double unambiguous_velocity_mps; /* +- lambda / (4 PRI) */
    double cpi_duration_s;       /* P PRI */
    double duration_s;
    double min_range_m, max_range_m; /* fully compressed bins */
} triad_geometry;
void triad_recording_geometry(const triad_recording_meta *meta, size_t ref_len,
                              triad_geometry *g);

#ifdef __cplusplus
}
#endif
#endif
