/* Moved: the JSON helpers are core's (host/core/json_util.h), so that every stage may use
 * them without depending on io/. Include that; this name stays for branches that still use
 * it. SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/json_util.h"
