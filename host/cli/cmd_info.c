/* triad info: a recording's geometry. SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "triad/error.h"
#include "triad/recording.h"

int cmd_info(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: triad info REC.sigmf-meta\n");
        return argc == 2 && (argv[1][1] == 'h' || argv[1][2] == 'h') ? 0 : 2;
    }
    triad_recording_meta m;
    float complex *ref = NULL;
    size_t l = 0;
    if (triad_recording_open_meta(argv[1], true, &m) || triad_recording_waveform(&m, &ref, &l))
        return cli_error("info", 1, "%s", triad_errmsg());
    free(ref);
    triad_geometry g;
    triad_recording_geometry(&m, l, &g);
    printf("recording        %s\n", m.meta_path);
    printf("data             %s (%s, %zu channel%s)\n", m.data_path, triad_format_name(m.format),
           m.num_channels, m.num_channels == 1 ? "" : "s");
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
    if (m.has_beam)
        printf("beam             azimuth %.3f deg, elevation %.3f deg\n", m.beam_azimuth_deg,
               m.beam_elevation_deg);
    return 0;
}
