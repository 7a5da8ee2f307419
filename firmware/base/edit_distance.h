/* SPDX-License-Identifier: MIT */
/* Levenshtein distance between short strings (key names, plate texts). */
#ifndef ANPR_EDIT_DISTANCE_H
#define ANPR_EDIT_DISTANCE_H

#include <stddef.h>

/* Longest string compared; longer ones are "far" from everything. */
#define ANPR_EDIT_DISTANCE_MAX 64

/*
 * Insertions, deletions and substitutions turning a[0..an) into b[0..bn),
 * or (size_t)-1 when either is longer than ANPR_EDIT_DISTANCE_MAX. No
 * allocation; any thread.
 */
size_t anpr_edit_distance(const char *a, size_t an, const char *b, size_t bn);

#endif
