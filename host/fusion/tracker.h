/* The multi-radar tracker is public: include/triad/fusion.h (this name stays for the stages'
 * includes, with fusion's frames and motion models, which stay internal).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_FUSION_TRACKER_H
#define TRIAD_FUSION_TRACKER_H

#include "triad/fusion.h"
#include "fusion/dynamics.h"
#include "fusion/geo.h"

#endif
