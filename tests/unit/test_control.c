/* SPDX-License-Identifier: MIT */
/* The control interface's pure parts: the request line parser, the JSON parser under it, base64, luma downscale and sharpness. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "control_internal.h"
#include "json.h"
#include "log.h"
#include "luma.h"

static anpr_err parse(const char *line, anpr_control_request *r, char *msg)
{
	return anpr_control_parse_request(line, strlen(line), r, msg, 160);
}

static void test_requests(void)
{
	anpr_control_request r;
	char msg[160];

	CHECK_INT(parse("{\"id\":7,\"cmd\":\"status\",\"args\":{}}", &r, msg), ANPR_ERR_OK);
	CHECK_INT(r.id, 7);
	CHECK_INT(r.cmd, ANPR_CMD_STATUS);
	CHECK_INT(parse("{\"cmd\":\"status\",\"id\":2147483647}", &r, msg), ANPR_ERR_OK);
	CHECK_INT(r.id, 2147483647);
	CHECK_INT(parse(" {\"id\":1,\"cmd\":\"camera\"} ", &r, msg), ANPR_ERR_OK);

	/* Defaults and every argument. */
	CHECK_INT(parse("{\"id\":3,\"cmd\":\"preview\"}", &r, msg), ANPR_ERR_OK);
	CHECK_INT(r.cols, 80);
	CHECK_INT(r.rows, 30);
	CHECK(r.fps == 2.0);
	CHECK_INT(r.seconds, 60);
	CHECK_INT(parse("{\"id\":3,\"cmd\":\"preview\",\"args\":{\"cols\":160,\"rows\":8,\"fps\":0.5,"
			"\"seconds\":600}}",
			&r, msg),
		  ANPR_ERR_OK);
	CHECK_INT(r.cols, 160);
	CHECK_INT(r.rows, 8);
	CHECK(r.fps == 0.5);
	CHECK_INT(r.seconds, 600);
	CHECK_INT(parse("{\"id\":4,\"cmd\":\"readtest\",\"args\":{\"seconds\":5,\"plates\":true}}", &r, msg),
		  ANPR_ERR_OK);
	CHECK(r.plates);
	CHECK_INT(r.cmd, ANPR_CMD_READTEST);
	CHECK_INT(
	    parse("{\"id\":5,\"cmd\":\"log\",\"args\":{\"lines\":1000,\"follow\":true,\"level\":\"warn\"}}",
		  &r, msg),
	    ANPR_ERR_OK);
	CHECK_INT(r.lines, 1000);
	CHECK(r.follow);
	CHECK_INT(r.level, ANPR_LOG_WARN);
	CHECK_INT(parse("{\"id\":6,\"cmd\":\"buffer\",\"args\":{\"check\":true}}", &r, msg), ANPR_ERR_OK);
	CHECK(r.check);
	CHECK_INT(parse("{\"id\":10,\"cmd\":\"cancel\",\"args\":{\"target\":9}}", &r, msg), ANPR_ERR_OK);
	CHECK_INT(r.target, 9);
	CHECK_INT(parse("{\"id\":10,\"cmd\":\"focus\",\"args\":{\"fps\":10}}", &r, msg), ANPR_ERR_OK);
	CHECK(r.fps == 10.0);

	/* Errors that keep the id: unknown command or argument, wrong type, out of range. */
	CHECK_INT(parse("{\"id\":8,\"cmd\":\"stauts\"}", &r, msg), ANPR_ERR_INVAL);
	CHECK_INT(r.id, 8);
	CHECK_CONTAINS(msg, "unknown command 'stauts'");
	CHECK_INT(parse("{\"id\":8,\"cmd\":\"status\",\"args\":{\"cols\":20}}", &r, msg), ANPR_ERR_INVAL);
	CHECK_INT(parse("{\"id\":8,\"cmd\":\"preview\",\"args\":{\"cols\":161}}", &r, msg), ANPR_ERR_RANGE);
	CHECK_CONTAINS(msg, "16..160");
	CHECK_INT(parse("{\"id\":8,\"cmd\":\"preview\",\"args\":{\"cols\":15}}", &r, msg), ANPR_ERR_RANGE);
	CHECK_INT(parse("{\"id\":8,\"cmd\":\"preview\",\"args\":{\"cols\":20.5}}", &r, msg), ANPR_ERR_INVAL);
	CHECK_INT(parse("{\"id\":8,\"cmd\":\"preview\",\"args\":{\"fps\":0.4}}", &r, msg), ANPR_ERR_RANGE);
	CHECK_INT(parse("{\"id\":8,\"cmd\":\"preview\",\"args\":{\"fps\":\"2\"}}", &r, msg), ANPR_ERR_INVAL);
	CHECK_INT(parse("{\"id\":8,\"cmd\":\"readtest\",\"args\":{\"plates\":1}}", &r, msg), ANPR_ERR_INVAL);
	CHECK_INT(parse("{\"id\":8,\"cmd\":\"log\",\"args\":{\"level\":\"debug\"}}", &r, msg),
		  ANPR_ERR_INVAL);
	CHECK_INT(parse("{\"id\":8,\"cmd\":\"log\",\"args\":{\"lines\":0}}", &r, msg), ANPR_ERR_RANGE);
	CHECK_INT(parse("{\"id\":8,\"cmd\":\"cancel\"}", &r, msg), ANPR_ERR_INVAL);
	CHECK_INT(parse("{\"id\":8,\"cmd\":\"status\",\"args\":[]}", &r, msg), ANPR_ERR_INVAL);
	CHECK_INT(parse("{\"id\":8,\"cmd\":7}", &r, msg), ANPR_ERR_INVAL);
	CHECK_INT(parse("{\"id\":8}", &r, msg), ANPR_ERR_INVAL);
	CHECK_INT(parse("{\"id\":8,\"cmd\":\"status\",\"extra\":1}", &r, msg), ANPR_ERR_INVAL);
	CHECK_INT(parse("{\"id\":8,\"cmd\":\"status\",\"args\":{\"a\":{\"b\":1}}}", &r, msg), ANPR_ERR_INVAL);

	/* Errors answered with id 0 and a close: not an object with a valid id. */
	CHECK_INT(parse("", &r, msg), ANPR_ERR_FORMAT);
	CHECK_INT(parse("status", &r, msg), ANPR_ERR_FORMAT);
	CHECK_INT(parse("[1]", &r, msg), ANPR_ERR_FORMAT);
	CHECK_INT(parse("{\"cmd\":\"status\"}", &r, msg), ANPR_ERR_FORMAT);
	CHECK_INT(parse("{\"id\":0,\"cmd\":\"status\"}", &r, msg), ANPR_ERR_FORMAT);
	CHECK_INT(parse("{\"id\":2147483648,\"cmd\":\"status\"}", &r, msg), ANPR_ERR_FORMAT);
	CHECK_INT(parse("{\"id\":-1,\"cmd\":\"status\"}", &r, msg), ANPR_ERR_FORMAT);
	CHECK_INT(parse("{\"id\":1.5,\"cmd\":\"status\"}", &r, msg), ANPR_ERR_FORMAT);
	CHECK_INT(parse("{\"id\":\"1\",\"cmd\":\"status\"}", &r, msg), ANPR_ERR_FORMAT);
	CHECK_INT(parse("{\"id\":1,\"cmd\":\"status\"", &r, msg), ANPR_ERR_FORMAT);
	CHECK_INT(parse("{\"id\":1,\"id\":2,\"cmd\":\"status\"}", &r, msg), ANPR_ERR_FORMAT);
	CHECK_INT(parse("{\"id\":1,\"cmd\":\"st\xff\"}", &r, msg), ANPR_ERR_FORMAT);
	CHECK_CONTAINS(msg, "UTF-8");
	CHECK_INT(parse("{\"id\":1,\"cmd\":\"\xc0\xaf\"}", &r, msg), ANPR_ERR_FORMAT);
	CHECK_INT(parse("{\"id\":1,\"cmd\":\"status\",\"args\":{\"x\":[[[1]]]}}", &r, msg), ANPR_ERR_FORMAT);
	CHECK_INT(anpr_control_parse_request("{\"id\":1}\0x", 10, &r, msg, sizeof(msg)), ANPR_ERR_FORMAT);

	/* The 4096-byte cap: exactly 4096 parses, 4097 does not. */
	char *big = malloc(ANPR_CONTROL_LINE_MAX + 2);
	const char *head = "{\"id\":1,\"cmd\":\"status\",\"args\":{}}";
	memset(big, ' ', ANPR_CONTROL_LINE_MAX + 1);
	memcpy(big, head, strlen(head));
	CHECK_INT(anpr_control_parse_request(big, ANPR_CONTROL_LINE_MAX, &r, msg, sizeof(msg)), ANPR_ERR_OK);
	CHECK_INT(anpr_control_parse_request(big, ANPR_CONTROL_LINE_MAX + 1, &r, msg, sizeof(msg)),
		  ANPR_ERR_FORMAT);
	CHECK_CONTAINS(msg, "4096");
	free(big);
}

static void test_json(void)
{
	anpr_json *v = NULL;
	const char *t;

	t = "{\"a\":[1,-2.5e2,true,false,null,\"x\\u00e9\\ud83d\\ude00\\n\"],\"b\":{}}";
	CHECK_INT(anpr_json_parse(t, strlen(t), 4, &v), ANPR_ERR_OK);
	const anpr_json *a = anpr_json_get(v, "a");
	CHECK(a && a->type == ANPR_JSON_ARRAY && a->n == 6);
	if (a && a->n == 6) {
		CHECK(a->items[0].is_int && a->items[0].integer == 1);
		CHECK(!a->items[1].is_int && a->items[1].number == -250.0);
		CHECK(a->items[2].type == ANPR_JSON_BOOL && a->items[2].boolean);
		CHECK(a->items[4].type == ANPR_JSON_NULL);
		CHECK_STR(a->items[5].string, "x\xc3\xa9\xf0\x9f\x98\x80\n");
	}
	CHECK(anpr_json_get(v, "b") && anpr_json_get(v, "b")->type == ANPR_JSON_OBJECT);
	CHECK(anpr_json_get(v, "c") == NULL);
	anpr_json_free(v);

	static const char *const bad[] = { "",        "{",          "[1,]",        "{\"a\":1,}",
					   "01",      "1.",         "-",           "1e",
					   "\"\\x\"", "\"\t\"",     "\"\\ud800\"", "\"\\udc00\"",
					   "nul",     "1 2",        "{\"a\"}",     "{1:2}",
					   "1e400",   "\"\\u0000\"" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = NULL;
		CHECK_INT(anpr_json_parse(bad[i], strlen(bad[i]), 8, &v), ANPR_ERR_FORMAT);
		CHECK(v == NULL);
	}
	/* Depth cap. */
	CHECK_INT(anpr_json_parse("[[[1]]]", 7, 3, &v), ANPR_ERR_OK);
	anpr_json_free(v);
	CHECK_INT(anpr_json_parse("[[[[1]]]]", 9, 3, &v), ANPR_ERR_FORMAT);
	CHECK_INT(anpr_json_parse("1", 1, 0, &v), ANPR_ERR_INVAL);
	CHECK(anpr_json_utf8_valid("caf\xc3\xa9", 5));
	CHECK(!anpr_json_utf8_valid("caf\xc3", 4));
	CHECK(!anpr_json_utf8_valid("\xed\xa0\x80", 3));     /* a surrogate */
	CHECK(!anpr_json_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
}

static void test_base64(void)
{
	char out[16];

	anpr_control_base64((const uint8_t *)"", 0, out);
	CHECK_STR(out, "");
	anpr_control_base64((const uint8_t *)"f", 1, out);
	CHECK_STR(out, "Zg==");
	anpr_control_base64((const uint8_t *)"fo", 2, out);
	CHECK_STR(out, "Zm8=");
	anpr_control_base64((const uint8_t *)"foo", 3, out);
	CHECK_STR(out, "Zm9v");
	anpr_control_base64((const uint8_t *)"foobar", 6, out);
	CHECK_STR(out, "Zm9vYmFy");
	anpr_control_base64((const uint8_t *)"\xff\xfe", 2, out);
	CHECK_STR(out, "//4=");
}

static void test_luma(void)
{
	uint8_t img[6 * 4], out[64];
	uint8_t bgr[3 * 2] = { 255, 0, 0, 0, 0, 255 }, grey[2];

	/* 6x4, left half 0, right half 200: 2x2 cells average their own halves. */
	for (int y = 0; y < 4; y++)
		for (int x = 0; x < 6; x++)
			img[y * 6 + x] = x < 3 ? 0 : 200;
	anpr_luma_downscale(img, 6, 4, 6, out, 2, 2);
	CHECK_INT(out[0], 0);
	CHECK_INT(out[1], 200);
	CHECK_INT(out[2], 0);
	CHECK_INT(out[3], 200);
	/* 3 columns: the middle cell covers x 2..3: (0+200)/2. */
	anpr_luma_downscale(img, 6, 4, 6, out, 3, 1);
	CHECK_INT(out[0], 0);
	CHECK_INT(out[1], 100);
	CHECK_INT(out[2], 200);
	/* Rounding of a mean: 1,2 -> 2 (1.5 rounds up). */
	uint8_t two[2] = { 1, 2 };
	anpr_luma_downscale(two, 2, 1, 2, out, 1, 1);
	CHECK_INT(out[0], 2);
	/* A stride wider than the row is honoured. */
	uint8_t strided[2 * 8] = { 10, 10, 99, 99, 99, 99, 99, 99, 30, 30, 99, 99, 99, 99, 99, 99 };
	anpr_luma_downscale(strided, 2, 2, 8, out, 1, 1);
	CHECK_INT(out[0], 20);
	/* Upscaling repeats pixels rather than reading outside. */
	anpr_luma_downscale(two, 2, 1, 2, out, 4, 2);
	CHECK_INT(out[0], 1);
	CHECK_INT(out[3], 2);
	CHECK_INT(out[7], 2);

	/* BGR to luma: pure blue and pure red. */
	anpr_luma_extract(bgr, 2, 1, 6, 3, grey);
	CHECK_INT(grey[0], (29 * 255 + 128) >> 8);
	CHECK_INT(grey[1], (77 * 255 + 128) >> 8);

	/* Sharpness: flat is 0; a checkerboard beats a smooth ramp. */
	uint8_t flat[8 * 8], checker[8 * 8], ramp[8 * 8];
	for (int i = 0; i < 64; i++) {
		flat[i] = 128;
		checker[i] = ((i % 8) + (i / 8)) % 2 ? 255 : 0;
		ramp[i] = (uint8_t)((i % 8) * 30);
	}
	CHECK(anpr_luma_sharpness(flat, 8, 8, 8) == 0.0);
	CHECK(anpr_luma_sharpness(ramp, 8, 8, 8) == 0.0); /* a linear ramp has no second derivative */
	CHECK(anpr_luma_sharpness(checker, 8, 8, 8) > 1e5);
	CHECK(anpr_luma_sharpness(checker, 2, 2, 8) == 0.0);
}

int main(void)
{
	test_requests();
	test_json();
	test_base64();
	test_luma();
	return check_summary();
}
