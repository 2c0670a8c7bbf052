/* Triad — the whole public API. SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_TRIAD_H
#define TRIAD_TRIAD_H
#include "triad/cfar.h"
#include "triad/chain.h"
#include "triad/error.h"
#include "triad/recording.h"
#include "triad/sim.h"
#include "triad/units.h"
#include "triad/version.h"
#include "triad/window.h"
#endif
