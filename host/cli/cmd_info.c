/* triad info: a recording's geometry. SPDX-License-Identifier: GPL-2.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "triad/error.h"
#include "triad/recording.h"

static const char usage_text[] =
    "usage: triad info REC.sigmf-meta|REC.sigmf [--max-memory B]\n"
    "  --max-memory B refuse a recording whose CPI needs more than B bytes to process (K, M, G,\n"
    "                 T: powers of 1024; default: this machine's memory)\n";

int cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {
        {"max-memory", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    triad_recording_opts ropts = triad_recording_opts_default();
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'M':
            if (cli_bytes("info", "--max-memory", optarg, &ropts.max_memory_bytes))
                return 2;
            break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: return cli_bad_option("info", argv);
        }
    }
    if (optind != argc - 1) {
        fputs(usage_text, stderr);
        return 2;
    }
    /* the meta with its captures is large: not on the stack */
    static triad_recording_meta m;
    float complex *ref = NULL;
    size_t l = 0;
    if (triad_recording_open(argv[optind], &ropts, &m) || triad_recording_waveform(&m, &ref, &l))
        return cli_error("info", 1, "%s", triad_errmsg());
    free(ref);
    triad_geometry g;
    triad_recording_geometry(&m, l, &g);
    printf("recording        %s\n", m.meta_path);
    printf("data             %s (%s, %zu channel%s)\n", m.data_path, m.datatype,
           m.num_channels, m.num_channels == 1 ? "" : "s");
    if (strcmp(m.datatype, triad_format_name(m.format)) != 0)
        printf("read as          %s\n", triad_format_name(m.format));
    if (m.offset_samples)
        printf("first sample     %llu (core:offset: part of a split recording)\n",
               (unsigned long long)m.offset_samples);
    printf("CPIs             %llu of %zu pulses x %zu samples%s\n",
           (unsigned long long)m.num_cpis, m.pulses_per_cpi, m.samples_per_pulse,
           m.trailing_bytes ? " (plus a partial CPI, ignored)" : "");
    printf("start            %s\n", m.datetime[0] ? m.datetime : "(no core:datetime)");
    printf("duration         %.6f s (CPI %.6f s, PRI %.3f us)\n", g.duration_s, g.cpi_duration_s,
           m.pri_s * 1e6);
    printf("carrier          %.6f GHz (wavelength %.4f m)\n", m.carrier_hz * 1e-9, g.wavelength_m);
    printf("sample rate      %.6f MHz\n", m.sample_rate_hz * 1e-6);
    if (m.waveform.type == TRIAD_WAVEFORM_LFM)
        printf("waveform         LFM, %.6f MHz over %.3f us (%zu samples)\n",
               m.waveform.bandwidth_hz * 1e-6, m.waveform.pulse_width_s * 1e6, l);
    else
        printf("waveform         samples from %s (%zu samples)\n", m.waveform.file, l);
    printf("range bin        %.4f m (resolution %.4f m)\n", g.range_bin_m, g.range_resolution_m);
    printf("range coverage   %.1f .. %.1f m fully compressed (unambiguous %.1f m)\n", g.min_range_m,
           g.max_range_m, g.unambiguous_range_m);
    printf("velocity bin     %.4f m/s\n", g.velocity_bin_mps);
    printf("velocity span    +-%.4f m/s unambiguous\n", g.unambiguous_velocity_mps);
    if (m.has_site)
        printf("site             %s  %.6f, %.6f deg, %.1f m\n", m.site.id, m.site.lat_deg,
               m.site.lon_deg, m.site.alt_m);
    if (m.num_captures > 1) {
        printf("captures         %zu\n", m.num_captures);
        for (size_t i = 0; i < m.num_captures; i++) {
            const triad_recording_capture *cp = &m.captures[i];
            printf("  [%zu] CPI %llu  %.6f GHz  +%.6f s%s%s\n", i,
                   (unsigned long long)cp->first_cpi, cp->carrier_hz * 1e-9, cp->start_s,
                   cp->datetime[0] ? "  " : "", cp->datetime);
        }
    }
    if (m.has_beam)
        printf("beam             azimuth %.3f deg, elevation %.3f deg\n", m.beam_azimuth_deg,
               m.beam_elevation_deg);
    return 0;
}
