/* SPDX-License-Identifier: MIT */
/* Ground-truth parsers and JSON escaping: the formats of ../shared/data, anpr-synth manifests, hostile input. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "groundtruth.h"
#include "json.h"

static anpr_err txt(const char *s, anpr_gt_plate *gt, size_t *n, char *diag)
{
	return anpr_gt_parse_txt(s, strlen(s), gt, 4, n, diag, 256);
}

static void test_txt(void)
{
	anpr_gt_plate gt[4];
	size_t n;
	char diag[256] = "";

	CHECK_INT(txt("eu1.jpg\t396\t340\t203\t46\tM5XSX\n", gt, &n, diag), ANPR_ERR_OK);
	CHECK_INT(n, 1);
	CHECK_INT(gt[0].x, 396);
	CHECK_INT(gt[0].h, 46);
	CHECK_STR(gt[0].text, "M5XSX");
	CHECK_INT(txt("a.jpg\t1\t2\t3\t4\tab12 cde\r\n\nb.jpg\t5\t6\t7\t8\tQ1ABC", gt, &n, diag),
		  ANPR_ERR_OK);
	CHECK_INT(n, 2);
	CHECK_STR(gt[0].text, "AB12CDE");
	CHECK_STR(gt[1].text, "Q1ABC");
	CHECK_INT(txt("", gt, &n, diag), ANPR_ERR_OK);
	CHECK_INT(n, 0);

	CHECK_INT(txt("a.jpg\t1\t2\t3\n", gt, &n, diag), ANPR_ERR_FORMAT);
	CHECK_STR(diag, "line 1: expected 6 tab-separated fields");
	CHECK_INT(txt("\na.jpg\t1\t2\t3\t4\tX\tY\n", gt, &n, diag), ANPR_ERR_FORMAT);
	CHECK_STR(diag, "line 2: expected 6 tab-separated fields");
	CHECK_INT(txt("a.jpg\t-1\t2\t3\t4\tX\n", gt, &n, diag), ANPR_ERR_FORMAT);
	CHECK_STR(diag, "line 1: bad box");
	CHECK_INT(txt("a.jpg\t1\t2\t0\t4\tX\n", gt, &n, diag), ANPR_ERR_FORMAT);
	CHECK_INT(txt("a.jpg\t1\t2\t9999999999\t4\tX\n", gt, &n, diag), ANPR_ERR_FORMAT);
	CHECK_INT(txt("a.jpg\t1\t2\t3\t4\tAB_12\n", gt, &n, diag), ANPR_ERR_FORMAT);
	CHECK_STR(diag, "line 1: plate text is not A-Z, 0-9");
	CHECK_INT(
	    txt("a\t1\t1\t1\t1\tA\na\t1\t1\t1\t1\tA\na\t1\t1\t1\t1\tA\na\t1\t1\t1\t1\tA\na\t1\t1\t1\t1\tA\n",
		gt, &n, diag),
	    ANPR_ERR_FORMAT);
	CHECK_STR(diag, "line 5: more than 4 plates");
}

static void test_voc(void)
{
	anpr_gt_plate gt[4];
	size_t n;
	char diag[256] = "";
	const char *ok =
	    "<annotation><object><bndbox><xmin>684.01</xmin><ymin>336.88</ymin>"
	    "<xmax>749.41</xmax><ymax>356.06</ymax></bndbox></object>"
	    "<object><bndbox>\n<xmin>1</xmin>\n<ymin>2</ymin>\n<xmax>30</xmax>\n<ymax>40</ymax>\n</bndbox>"
	    "</object></annotation>";

	CHECK_INT(anpr_gt_parse_voc(ok, strlen(ok), gt, 4, &n, diag, sizeof(diag)), ANPR_ERR_OK);
	CHECK_INT(n, 2);
	CHECK_INT(gt[0].x, 684);
	CHECK_INT(gt[0].w, 65);
	CHECK_INT(gt[0].h, 19);
	CHECK_STR(gt[0].text, "");
	CHECK_INT(gt[1].y, 2);

	const char *unterminated = "<bndbox><xmin>5</xmin>";
	CHECK_INT(anpr_gt_parse_voc(unterminated, strlen(unterminated), gt, 4, &n, diag, sizeof(diag)),
		  ANPR_ERR_FORMAT);
	CHECK_STR(diag, "unterminated <bndbox> at byte 0");
	const char *inverted = "<bndbox><xmin>5</xmin><ymin>5</ymin><xmax>1</xmax><ymax>9</ymax></bndbox>";
	CHECK_INT(anpr_gt_parse_voc(inverted, strlen(inverted), gt, 4, &n, diag, sizeof(diag)),
		  ANPR_ERR_FORMAT);
	const char *nan = "<bndbox><xmin>nan</xmin><ymin>5</ymin><xmax>1</xmax><ymax>9</ymax></bndbox>";
	CHECK_INT(anpr_gt_parse_voc(nan, strlen(nan), gt, 4, &n, diag, sizeof(diag)), ANPR_ERR_FORMAT);
	/* Truncated mid-number: the parser must not read past the buffer. */
	char cut[64];
	memcpy(cut, "<bndbox><xmin>12", 16);
	CHECK_INT(anpr_gt_parse_voc(cut, 16, gt, 4, &n, diag, sizeof(diag)), ANPR_ERR_FORMAT);
}

static void test_load(void)
{
	char dir[] = "/tmp/anpr-gt-XXXXXX";
	char img[128], path[128], diag[256] = "";
	anpr_gt_plate gt[4];
	size_t n;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(img, sizeof(img), "%s/car.v2.jpg", dir);
	CHECK_INT(anpr_gt_load(img, gt, 4, &n, diag, sizeof(diag)), ANPR_ERR_NOT_FOUND);
	snprintf(path, sizeof(path), "%s/car.v2.txt", dir);
	FILE *f = fopen(path, "w");
	fputs("car.v2.jpg\t1\t2\t3\t4\tBROKEN!\n", f);
	fclose(f);
	CHECK_INT(anpr_gt_load(img, gt, 4, &n, diag, sizeof(diag)), ANPR_ERR_FORMAT);
	CHECK_CONTAINS(diag, "car.v2.txt: line 1: plate text is not A-Z, 0-9");
	f = fopen(path, "w");
	fputs("car.v2.jpg\t1\t2\t3\t4\tAB12CDE\n", f);
	fclose(f);
	CHECK_INT(anpr_gt_load(img, gt, 4, &n, diag, sizeof(diag)), ANPR_ERR_OK);
	CHECK_STR(gt[0].text, "AB12CDE");
	unlink(path);
	rmdir(dir);
}

static anpr_err manifest(const char *s, anpr_gt_display *rows, size_t *n, char *diag)
{
	return anpr_gt_parse_manifest(s, strlen(s), rows, 2, n, diag, 256);
}

static void test_manifest(void)
{
	anpr_gt_display rows[2];
	size_t n;
	char diag[256] = "", dir[] = "/tmp/anpr-gt-XXXXXX", path[128];

	CHECK_INT(manifest("# anpr-synth plates seed=1\nindex\tfile\tvrm\tdisplay\n0\ta.jpg\tAB12CDE\tAB12 "
			   "CDE\r\n\n1\tb.jpg\tN6\tN 6",
			   rows, &n, diag),
		  ANPR_ERR_OK);
	CHECK_INT(n, 2);
	CHECK_STR(rows[0].file, "a.jpg");
	CHECK_STR(rows[0].display, "AB12 CDE");
	CHECK_STR(rows[1].display, "N 6");
	CHECK_INT(manifest("# only a comment\n", rows, &n, diag), ANPR_ERR_OK);
	CHECK_INT(n, 0);

	/* Refused, each with the reason given ("" where only the refusal is checked). */
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "index\tvrm\n0\tAB12CDE\n", "line 1: the header names no file or no display column" },
		{ "file\tdisplay\n\na.jpg\n", "line 3: fewer columns than the header" },
		{ "file\tdisplay\n../a.jpg\tAB12 CDE\n", "line 2: bad file name" },
		{ "file\tdisplay\n\tAB12 CDE\n", "line 2: bad file name" },
		{ "file\tdisplay\na.jpg\tAB12  CDE\n",
		  "line 2: display text is not A-Z, 0-9 in spaced groups" },
		{ "file\tdisplay\na.jpg\tab12 cde\n", "" },
		{ "file\tdisplay\na.jpg\t AB12\n", "" },
		{ "file\tdisplay\na.jpg\t\n", "" },
		{ "file\tdisplay\na\tA\nb\tB\nc\tC\n", "line 4: more than 2 rows" },
		{ "file\tdisplay\nb.jpg\tA\nb.jpg\tB\n", "b.jpg is listed twice" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		diag[0] = '\0';
		CHECK_INT(manifest(bad[i].text, rows, &n, diag), ANPR_ERR_FORMAT);
		CHECK(diag[0] != '\0');
		if (bad[i].why[0])
			CHECK_STR(diag, bad[i].why);
	}

	/* Rows come out sorted by file, and are found by name. */
	CHECK_INT(manifest("file\tdisplay\nz.jpg\tZ 1\na.jpg\tA 1\n", rows, &n, diag), ANPR_ERR_OK);
	CHECK_STR(rows[0].file, "a.jpg");
	CHECK_STR(anpr_gt_find_display(rows, n, "z.jpg")->display, "Z 1");
	CHECK(anpr_gt_find_display(rows, n, "y.jpg") == NULL);
	CHECK(anpr_gt_find_display(rows, 0, "a.jpg") == NULL);

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(anpr_gt_load_manifest(dir, rows, 2, &n, diag, sizeof(diag)), ANPR_ERR_NOT_FOUND);
	snprintf(path, sizeof(path), "%s/manifest.tsv", dir);
	FILE *f = fopen(path, "w");
	fputs("file\tdisplay\na.jpg\tAB_12\n", f);
	fclose(f);
	CHECK_INT(anpr_gt_load_manifest(dir, rows, 2, &n, diag, sizeof(diag)), ANPR_ERR_FORMAT);
	CHECK_CONTAINS(diag, "manifest.tsv: line 2: display text");
	f = fopen(path, "w");
	fputs("file\tdisplay\na.jpg\tAB12 CDE\n", f);
	fclose(f);
	CHECK_INT(anpr_gt_load_manifest(dir, rows, 2, &n, diag, sizeof(diag)), ANPR_ERR_OK);
	CHECK_INT(n, 1);
	unlink(path);
	rmdir(dir);
}

static void test_json(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	anpr_json_write_string(f, "a\"b\\c\n\x01\x7f caf\xc3\xa9 \xff\xc3");
	fputc(' ', f);
	anpr_json_write_string(f, NULL);
	fclose(f);
	CHECK_STR(buf, "\"a\\\"b\\\\c\\u000a\\u0001\\u007f caf\xc3\xa9 \\ufffd\\ufffd\" null");
	free(buf);
}

int main(void)
{
	test_txt();
	test_voc();
	test_load();
	test_manifest();
	test_json();
	return check_summary();
}
