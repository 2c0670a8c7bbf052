/* Sizes of public structs for bindings that treat them as opaque memory (python/triad).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "triad/recording.h"

size_t triad_recording_meta_size(void) { return sizeof(triad_recording_meta); }
