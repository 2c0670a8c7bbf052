/* The messages between stages are public: include/triad/messages.h (this name stays for the
 * stages' includes). SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_CORE_MESSAGES_H
#define TRIAD_CORE_MESSAGES_H
#include "triad/messages.h"
#endif
