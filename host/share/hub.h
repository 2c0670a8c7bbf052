/* The sharing hub is public: include/triad/share.h (this name stays for the stages'
 * includes). SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_SHARE_HUB_H
#define TRIAD_SHARE_HUB_H
#include "triad/share.h"
#endif
