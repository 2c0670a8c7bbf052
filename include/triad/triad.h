/* Triad — the whole public API, usable from C and C++. Everything is in libtriad
 * (pkg-config triad, CMake triad::triad) except sim.h, which is libtriad_sim (triad-sim,
 * triad::sim). The optional libraries' headers are apart: triad/png.h (libtriad_png,
 * triad-png, triad::png) and triad/dds.h (libtriad_dds, triad-dds, triad::dds), installed
 * when those are built. SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_TRIAD_H
#define TRIAD_TRIAD_H
#include "triad/bench.h"
#include "triad/cfar.h"
#include "triad/chain.h"
#include "triad/complex.h"
#include "triad/devices.h"
#include "triad/error.h"
#include "triad/messages.h"
#include "triad/recording.h"
#include "triad/sink.h"
#include "triad/sim.h"
#include "triad/stream.h"
#include "triad/units.h"
#include "triad/version.h"
#include "triad/window.h"
#include "triad/wisdom.h"
#endif
