/* SPDX-License-Identifier: MIT */
/* Median: one value, odd and even counts, unsorted input and repeats; the list comes back sorted. */
#include "check.h"
#include "median.h"

int main(void)
{
	float one[] = { 7.5f };
	float odd[] = { 40.0f, 12.0f, 38.0f, 41.0f, 39.0f };
	float even[] = { 4.0f, 1.0f, 3.0f, 2.0f };
	float same[] = { 2.0f, 2.0f, 9.0f, 2.0f };

	CHECK(anpr_median(one, 1) == 7.5f);
	CHECK(anpr_median(odd, 5) == 39.0f);
	CHECK(odd[0] == 12.0f && odd[4] == 41.0f);
	CHECK(anpr_median(even, 4) == 2.5f);
	CHECK(even[0] == 1.0f && even[3] == 4.0f);
	CHECK(anpr_median(same, 4) == 2.0f);
	return check_summary();
}
