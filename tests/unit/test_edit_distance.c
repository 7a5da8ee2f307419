/* SPDX-License-Identifier: MIT */
/* Edit distance: known pairs, symmetry, and the length cap. */
#include "check.h"
#include "edit_distance.h"

static size_t d(const char *a, const char *b)
{
	return anpr_edit_distance(a, strlen(a), b, strlen(b));
}

int main(void)
{
	char long_a[ANPR_EDIT_DISTANCE_MAX + 2];

	CHECK_INT(d("", ""), 0);
	CHECK_INT(d("AB12CDE", "AB12CDE"), 0);
	CHECK_INT(d("AB12CDE", "A812CDE"), 1);
	CHECK_INT(d("RK115AN", "RK11SAN"), 1);
	CHECK_INT(d("FBS47040", "BS47040"), 1);
	CHECK_INT(d("kitten", "sitting"), 3);
	CHECK_INT(d("", "ABC"), 3);
	CHECK_INT(d("fps", "fsp"), 2);
	CHECK_INT(d("AB12CDE", "EDC21BA"), d("EDC21BA", "AB12CDE"));
	memset(long_a, 'A', sizeof(long_a) - 1);
	long_a[sizeof(long_a) - 1] = '\0';
	CHECK(d(long_a, "A") == (size_t)-1);
	long_a[ANPR_EDIT_DISTANCE_MAX] = '\0';
	CHECK_INT(d(long_a, ""), ANPR_EDIT_DISTANCE_MAX);
	return check_summary();
}
