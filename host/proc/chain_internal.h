/* What other files of the chain may see of a triad_chain (host/proc/ only).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_PROC_CHAIN_INTERNAL_H
#define TRIAD_PROC_CHAIN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "triad/chain.h"

/* The chain's copy of its configuration (waveform NULL, strings its own). */
const triad_chain_cfg *triad__chain_cfg(const triad_chain *chain);
/* Slot submitted and not yet collected (slot < triad_chain_slots). */
bool triad__chain_slot_busy(const triad_chain *chain, size_t slot);

#endif
