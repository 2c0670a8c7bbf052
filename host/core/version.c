/* The library's version and commit. SPDX-License-Identifier: GPL-2.0-or-later */
#include "triad/version.h"

#include "triad_commit.h" /* generated at build time (cmake/TriadCommit.cmake) */

const char *triad_version(void) { return TRIAD_VERSION_STRING; }

const char *triad_commit(void) { return TRIAD_GIT_COMMIT; }
