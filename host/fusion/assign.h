/* Optimal assignment (minimum total cost), for global nearest neighbour association.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_FUSION_ASSIGN_H
#define TRIAD_FUSION_ASSIGN_H

#include <stddef.h>

/* cost: [rows x cols] row-major; entries >= TRIAD_ASSIGN_FORBIDDEN may not be chosen.
 * row_to_col[r] = the column assigned to row r, or -1. Rectangular allowed. Returns 0 or
 * TRIAD_ENOMEM / TRIAD_EINVAL. O(n^3) (Hungarian / Jonker-Volgenant style). */
#define TRIAD_ASSIGN_FORBIDDEN 1e18
int triad_assign(const double *cost, size_t rows, size_t cols, int *row_to_col);

#endif
