/* SPDX-License-Identifier: MIT */
/* Folders of labelled OCR strips: listing in name order, and the truth beside each strip, hostile files too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "strip_set.h"

/* The folder's files: strips, one that is not a strip, and the truths, hostile ones among them. */
static const char *const fixture[][2] = {
	{ "b.png", "" },
	{ "a.png", "" },
	{ "c.jpg", "" },
	{ ".png", "" },
	{ "a.gt.txt", "ab12 cde\r\nsecond line\n" },
	{ "b.gt.txt", "\n" },
	{ "long.png", "" },
	{ "long.gt.txt", "ABCDEFGHIJKLMNOPQRSTUVWXYZ\n" },
	{ "fifteen.png", "" },
	{ "fifteen.gt.txt", "ABCDEFGHIJKLMNO\n" }, /* 15 symbols: the most a buffer holds */
};

int main(void)
{
	char dir[] = "/tmp/anpr-strips-XXXXXX", out[ANPR_VRM_BUF], **names = NULL;
	size_t n = 0;

	CHECK(mkdtemp(dir) != NULL);
	for (size_t i = 0; i < sizeof(fixture) / sizeof(fixture[0]); i++)
		check_write_file(dir, fixture[i][0], fixture[i][1], strlen(fixture[i][1]));

	/* Only .png strips with a name before the suffix, in name order. */
	CHECK_INT(anpr_strip_set_list(dir, &names, &n), ANPR_ERR_OK);
	CHECK_INT((int)n, 4);
	if (n == 4) {
		CHECK_STR(names[0], "a.png");
		CHECK_STR(names[1], "b.png");
		CHECK_STR(names[2], "fifteen.png");
		CHECK_STR(names[3], "long.png");
	}
	anpr_strip_set_free(names, n);
	anpr_strip_set_free(NULL, 0);

	/* The first line, upper case, spaces and the line end dropped. */
	CHECK(anpr_strip_set_truth(dir, "a.png", out));
	CHECK_STR(out, "AB12CDE");
	CHECK(anpr_strip_set_truth(dir, "fifteen.png", out));
	CHECK_STR(out, "ABCDEFGHIJKLMNO");
	/* Empty, too long for a plate, missing, or not a strip's name: no truth. */
	CHECK(!anpr_strip_set_truth(dir, "b.png", out));
	CHECK(!anpr_strip_set_truth(dir, "long.png", out));
	CHECK(!anpr_strip_set_truth(dir, "none.png", out));
	CHECK(!anpr_strip_set_truth(dir, "a.gt.txt", out));
	CHECK(!anpr_strip_set_truth(dir, ".png", out));

	/* A folder that is not there. */
	CHECK_INT(anpr_strip_set_list("/nonexistent/anpr", &names, &n), ANPR_ERR_IO);
	CHECK(names == NULL && n == 0);

	for (size_t i = 0; i < sizeof(fixture) / sizeof(fixture[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/%s", dir, fixture[i][0]);
		unlink(path);
	}
	rmdir(dir);
	return check_summary();
}
