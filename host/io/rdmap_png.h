/* Public: include/triad/png.h (this name stays for the stages' includes).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_RDMAP_PNG_H
#define TRIAD_IO_RDMAP_PNG_H
#include "triad/png.h"
#endif
