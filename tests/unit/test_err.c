/* SPDX-License-Identifier: MIT */
/* Error codes: names and messages exist, and published values never change. */
#include <stdlib.h>

#include "check.h"
#include "err.h"

static const struct {
	anpr_err err;
	int value;
	const char *name;
} all[] = {
#define ANPR_ERR(name, value, msg) { ANPR_ERR_##name, value, #name },
#include "err_list.h"
#undef ANPR_ERR
};

#define N_ALL (sizeof(all) / sizeof(all[0]))

static void test_unique_and_described(void)
{
	for (size_t i = 0; i < N_ALL; i++) {
		CHECK((int)all[i].err == all[i].value);
		CHECK_STR(anpr_errname(all[i].err), all[i].name);
		CHECK(strcmp(anpr_strerror(all[i].err), "unknown error") != 0);
		for (size_t j = i + 1; j < N_ALL; j++)
			CHECK(all[i].value != all[j].value);
	}
	CHECK_STR(anpr_strerror((anpr_err)9999), "unknown error");
	CHECK_STR(anpr_errname((anpr_err)-1), "UNKNOWN");
	CHECK_INT(ANPR_ERR_OK, 0);
}

/* Every published NAME VALUE pair must still hold. */
static void test_frozen_values(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[128], name[64];
	int value, seen = 0;

	CHECK(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || sscanf(line, "%63s %d", name, &value) != 2)
			continue;
		int found = 0;
		for (size_t i = 0; i < N_ALL; i++)
			if (strcmp(all[i].name, name) == 0 && all[i].value == value)
				found = 1;
		if (!found)
			fprintf(stderr, "published code %s = %d changed or removed\n", name, value);
		CHECK(found);
		seen++;
	}
	fclose(f);
	CHECK(seen > 20);
}

int main(int argc, char **argv)
{
	test_unique_and_described();
	test_frozen_values(argc > 1 ? argv[1] : "data/err_values.txt");
	return check_summary();
}
