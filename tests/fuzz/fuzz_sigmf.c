/* A SigMF meta from memory and the size of its data file (triad/recording.h): the first 8
 * bytes are the data file's size (big endian), the rest the .sigmf-meta text. A refusal names
 * its reason; an accepted recording has a geometry that fits the memory limit and the data.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "fuzz.h"
#include "triad/recording.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    if (size < 8)
        return 0;
    uint64_t data_bytes = 0;
    for (int i = 0; i < 8; i++)
        data_bytes = data_bytes << 8 | data[i];
    triad_recording_opts o = triad_recording_opts_default();
    o.max_memory_bytes = 1ull << 30; /* not this machine's memory: the same on every machine */
    triad_recording_meta m;
    memset(&m, 0, sizeof m);
    int err = triad_recording_parse_meta("fuzz.sigmf-meta", (const char *)data + 8, size - 8, &o,
                                         &m);
    FUZZ_CHECK_REFUSAL(err);
    if (err)
        return 0;
    FUZZ_CHECK(m.samples_per_pulse >= 1 && m.pulses_per_cpi >= 1 && m.num_channels >= 1);
    const size_t cpi = triad_recording_cpi_bytes(&m);
    FUZZ_CHECK(cpi > 0 && cpi <= o.max_memory_bytes);
    err = triad_recording_set_data_size(&m, data_bytes);
    FUZZ_CHECK_REFUSAL(err);
    if (!err)
        FUZZ_CHECK(m.num_cpis <= data_bytes / cpi);
    return 0;
}
