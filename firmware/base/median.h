/* SPDX-License-Identifier: MIT */
/* Median of a short list of floats (glyph heights, gaps). */
#ifndef ANPR_MEDIAN_H
#define ANPR_MEDIAN_H

#include <stddef.h>

/*
 * Median of v[0..n-1], n >= 1 (the mean of the middle two when n is even).
 * Sorts v in place by insertion: meant for lists of tens, not thousands. Any
 * thread.
 */
float anpr_median(float *v, size_t n);

#endif
