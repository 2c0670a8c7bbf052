/* Public: include/triad/dds.h (this name stays for the stages' includes).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_IO_DDS_LISTENER_H
#define TRIAD_IO_DDS_LISTENER_H
#include "triad/dds.h"
#endif
