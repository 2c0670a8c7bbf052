/* Triad — scene simulator: writes a SigMF recording and its truth from a scene.
 * Library: libtriad_sim (pkg-config triad-sim, CMake triad::sim).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_SIM_H
#define TRIAD_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "triad/recording.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TRIAD_SIM_MAX_TARGETS 64

typedef struct {
    double range_m;       /* at t = 0 (recording start) */
    double velocity_mps;  /* range rate, positive = receding */
    double snr_db;        /* per-sample SNR over unit-power noise: |A|^2 in dB */
} triad_sim_target;

typedef struct {
    triad_recording_meta radar; /* geometry, waveform, format, site, beam */
    uint64_t num_cpis;
    uint64_t seed;
    double ci16_scale;          /* ci16: samples multiplied by this before rounding */
    size_t num_targets;
    triad_sim_target targets[TRIAD_SIM_MAX_TARGETS];
    /* stationary clutter: random complex amplitude per range cell, constant across pulses */
    double clutter_cnr_db;      /* per-sample clutter-to-noise; clutter off if no range span */
    double clutter_range_min_m, clutter_range_max_m;
    double noise_power;         /* 1 = unit noise; 0 = noiseless (tests) */
} triad_scene;

/* A built-in scene: 3 targets, cf32, 8 CPIs of 64 pulses x 2048 samples, S band. */
void triad_scene_default(triad_scene *scene);

/* Read a scene JSON file (testdata/scenes/, docs/FORMATS.md). */
int triad_scene_load(const char *path, triad_scene *scene);
/* The same from text[0..len) (at most 1 MiB; need not be NUL-terminated); name is used in
 * messages. */
int triad_scene_parse(const char *name, const char *text, size_t len, triad_scene *scene);

/* Write OUT.sigmf-meta, OUT.sigmf-data and OUT.truth.json. */
int triad_simulate(const triad_scene *scene, const char *out_base);

/* A simulator object generates any CPI on demand, reproducibly (noise is seeded by scene
 * seed, CPI and channel), for tests and benchmarks that need no file. */
typedef struct triad_sim triad_sim;
int triad_sim_create(triad_sim **sim, const triad_scene *scene);
/* Raw CPI k into buf [size: triad_recording_cpi_bytes(&scene->radar)]. Returns 0 or error;
 * *clipped (may be NULL) counts ci16 samples that saturated. */
int triad_sim_cpi(triad_sim *sim, uint64_t k, void *buf, size_t *clipped);
void triad_sim_destroy(triad_sim *sim);

#ifdef __cplusplus
}
#endif
#endif
