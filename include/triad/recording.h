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

/* One captures segment: a stretch of the recording with its own tuning and clock. Every
 * segment starts at a CPI boundary (checked). */
#define TRIAD_RECORDING_MAX_CAPTURES 256
typedef struct {
    uint64_t sample_start;      /* core:sample_start, absolute (>= core:offset) */
    uint64_t header_bytes;      /* core:header_bytes: bytes before its samples in the file */
    uint64_t first_cpi;         /* index of its first CPI in the recording */
    uint64_t byte_start;        /* file offset of its first sample (after the headers) */
    double carrier_hz;          /* core:frequency */
    char datetime[40];          /* core:datetime as written, "" if absent */
    double start_s;             /* its first sample, seconds after the recording's start
                                   (from core:datetime, else continuing the previous one) */
    bool has_beam;
    double beam_azimuth_deg, beam_elevation_deg;
} triad_recording_capture;

/* Everything the meta file says, checked. */
typedef struct {
    char meta_path[1024];
    char data_path[1024];       /* the data file; in an archive "ARCHIVE/MEMBER" for messages */
    char archive_path[1024];    /* a .sigmf archive (tar) holding both, "" for plain files */
    char data_member[512];      /* the data file's name inside the archive */
    char datatype[16];          /* core:datatype of the data file, e.g. "cu8", "ci16_be" */
    triad_format format;        /* what the reader delivers: cf32_le or ci16_le (integer
                                   types of up to 16 bits, exactly), converted on read */
    double sample_rate_hz;
    size_t num_channels;
    double carrier_hz;          /* captures[0]'s */
    char datetime[64];          /* ISO 8601 UTC of sample 0, "" if absent */
    size_t samples_per_pulse;   /* N */
    size_t pulses_per_cpi;      /* P */
    double pri_s;
    double rx_delay_s;
    triad_waveform waveform;
    bool has_site;
    triad_site site;
    bool has_beam;              /* captures[0]'s beam */
    double beam_azimuth_deg, beam_elevation_deg;
    uint64_t offset_samples;    /* core:offset: absolute index of the file's first sample */
    uint64_t trailing_bytes_declared; /* core:trailing_bytes */
    size_t num_captures;
    triad_recording_capture captures[TRIAD_RECORDING_MAX_CAPTURES];
    /* from the data file */
    uint64_t data_bytes;        /* size of the data file */
    uint64_t num_cpis;          /* whole CPIs in the data file */
    uint64_t trailing_bytes;    /* bytes of a partial CPI at the end (ignored, warned) */
    char sha512[132];           /* core:sha512 in lower case, "" if absent */
    bool verify_sha512;         /* the reader checks it (core:sha512 given, not skipped) */
} triad_recording_meta;

/* How to open a recording. */
typedef struct {
    bool data;                  /* also check the data file (size, captures, header bytes) */
    uint64_t max_memory_bytes;  /* refuse a recording whose CPI needs more to process (about
                                   4x the CPI as the chain takes it, plus the file's form);
                                   0: this machine's physical memory */
    bool skip_sha512;           /* do not verify core:sha512 while reading (a huge file
                                   read once for a look); false: verify it */
} triad_recording_opts;

/* data = true, max_memory_bytes = 0, skip_sha512 = false */
triad_recording_opts triad_recording_opts_default(void);

/* Open NAME.sigmf-meta (its data in NAME.sigmf-data or core:dataset) or a .sigmf archive (a
 * tar with one recording, as sigmf-python writes it), parse and validate it; files must be
 * regular (a FIFO or device is refused without blocking). Returns 0 or TRIAD_EIO /
 * TRIAD_EFORMAT / TRIAD_EINVAL / TRIAD_EUNSUPPORTED / TRIAD_ETRUNCATED / TRIAD_ENOMEM;
 * triad_errmsg() names the file, field, value and reason. */
int triad_recording_open(const char *path, const triad_recording_opts *opts,
                         triad_recording_meta *meta);

/* sizeof(triad_recording_meta), for bindings that hold one as opaque memory (python/). */
size_t triad_recording_meta_size(void);

/* triad_recording_open with the default options and the given data flag. */
int triad_recording_open_meta(const char *meta_path, bool data, triad_recording_meta *meta);

/* Parse and validate the meta text [size: len bytes, no NUL needed] from memory; opens no
 * file. name stands for the meta file in messages and places the data and waveform files
 * beside it. A "samples" waveform file is not looked at (triad_recording_open checks it).
 * opts->data is ignored: give the data size to triad_recording_set_data_size. Same errors as
 * triad_recording_open. Never allocates more than the text's own parse tree. */
int triad_recording_parse_meta(const char *name, const char *text, size_t len,
                               const triad_recording_opts *opts, triad_recording_meta *meta);

/* Check the captures and header bytes against a data file of data_bytes and set data_bytes,
 * num_cpis and trailing_bytes (a partial CPI at the end is warned about). TRIAD_ETRUNCATED
 * when the data is shorter than the meta says, TRIAD_EINVAL naming the capture that does not
 * fit. Opens no file. */
int triad_recording_set_data_size(triad_recording_meta *meta, uint64_t data_bytes);

/* The captures segment that holds CPI cpi (the last one starting at or before it). */
const triad_recording_capture *triad_recording_capture_of(const triad_recording_meta *meta,
                                                          uint64_t cpi);

/* Put detections of any CPIs into their capture's terms: time_s from the capture's datetime
 * (seconds after the recording's start, which is meta->datetime), velocity_mps with the
 * capture's carrier. The chain computes both for captures[0]'s carrier and evenly spaced
 * CPIs; with one capture this changes nothing. */
void triad_recording_apply_captures(const triad_recording_meta *meta, triad_detection *dets,
                                    size_t n);

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
 * read, 0 at the end, negative on error. With meta->verify_sha512 every byte of the data file
 * (header and trailing bytes too) goes through SHA-512 as the CPIs are read; the call that
 * reaches the end compares it with core:sha512 and fails with TRIAD_EFORMAT naming the field,
 * both digests' first hex digits and the file when they differ (the CPIs read before are not
 * taken back: a caller that must not act on damaged data checks the end before acting). */
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
