/* SPDX-License-Identifier: MIT */
/* Median of a short list of floats. */
#include "median.h"

float anpr_median(float *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		float x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
