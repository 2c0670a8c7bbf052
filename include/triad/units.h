/* Triad — physical constants, in one place.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_UNITS_H
#define TRIAD_UNITS_H

#define TRIAD_C_MPS 299792458.0 /* speed of light in vacuum, m/s */
#define TRIAD_PI 3.14159265358979323846

#endif
