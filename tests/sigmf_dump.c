/* sigmf_dump REC OUT: every CPI of a recording as Triad's reader delivers it, written to OUT as
 * cf32_le (ci16 counts as floats), for the sigmf-python comparison (tests/sigmf_interop.py).
 * Prints the number of CPIs. Only the public API.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "triad/recording.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: sigmf_dump REC OUT.cf32\n");
        return 2;
    }
    triad_recording_meta *m = malloc(sizeof *m);
    triad_recording_reader *rd = NULL;
    if (!m || triad_recording_open_meta(argv[1], true, m) || triad_recording_reader_open(&rd, m)) {
        fprintf(stderr, "sigmf_dump: %s\n", triad_errmsg());
        free(m);
        return 1;
    }
    const size_t bytes = triad_recording_cpi_bytes(m);
    const size_t values = 2 * m->samples_per_pulse * m->pulses_per_cpi * m->num_channels;
    void *buf = malloc(bytes);
    float *out = malloc(values * sizeof *out);
    FILE *f = fopen(argv[2], "wb");
    int status = !buf || !out || !f;
    uint64_t index, n = 0;
    int r;
    while (!status && (r = triad_recording_reader_next(rd, buf, &index)) == 1) {
        for (size_t i = 0; i < values; i++)
            out[i] = m->format == TRIAD_FORMAT_CI16_LE ? (float)((const int16_t *)buf)[i]
                                                       : ((const float *)buf)[i];
        status = fwrite(out, sizeof *out, values, f) != values;
        n++;
    }
    if (!status && r < 0) {
        fprintf(stderr, "sigmf_dump: %s\n", triad_errmsg());
        status = 1;
    }
    if (f && fclose(f) != 0)
        status = 1;
    printf("%llu\n", (unsigned long long)n);
    triad_recording_reader_close(rd);
    free(buf);
    free(out);
    free(m);
    return status;
}
