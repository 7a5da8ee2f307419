/* SPDX-License-Identifier: MIT */
/* Clock helpers: ISO 8601 round trips, strict parsing, monotonicity and the test offset. */
#include "check.h"
#include "clock.h"

static void test_format(void)
{
	char buf[ANPR_UTC_STRLEN];

	CHECK_INT(anpr_clock_format_utc(0, buf, sizeof(buf)), ANPR_ERR_OK);
	CHECK_STR(buf, "1970-01-01T00:00:00.000Z");
	CHECK_INT(anpr_clock_format_utc(1795289401123LL, buf, sizeof(buf)), ANPR_ERR_OK);
	CHECK_STR(buf, "2026-11-21T19:30:01.123Z");
	/* Leap day. */
	CHECK_INT(anpr_clock_format_utc(951782400000LL, buf, sizeof(buf)), ANPR_ERR_OK);
	CHECK_STR(buf, "2000-02-29T00:00:00.000Z");
	CHECK_INT(anpr_clock_format_utc(0, buf, 10), ANPR_ERR_INVAL);
	CHECK_INT(anpr_clock_format_utc(-1, buf, sizeof(buf)), ANPR_ERR_RANGE);
	CHECK_INT(anpr_clock_format_utc(253402300800000LL, buf, sizeof(buf)), ANPR_ERR_RANGE);
}

static void test_parse(void)
{
	int64_t ms = -1;

	CHECK_INT(anpr_clock_parse_utc("2026-11-21T19:30:01.123Z", &ms), ANPR_ERR_OK);
	CHECK_INT(ms, 1795289401123LL);
	CHECK_INT(anpr_clock_parse_utc("2000-02-29T00:00:00Z", &ms), ANPR_ERR_OK);
	CHECK_INT(ms, 951782400000LL);

	static const char *const bad[] = {
		"",
		"2026-11-21",
		"2026-11-21T19:30:01.123", /* no zone */
		"2026-11-21T19:30:01.123+01:00",
		"2026-02-29T00:00:00Z", /* not a leap year */
		"2026-13-01T00:00:00Z",
		"2026-11-31T00:00:00Z",
		"2026-11-21T24:00:00Z",
		"2026-11-21T19:60:00Z",
		"2026-11-21T19:30:60Z",
		"2026-11-21T19:30:01.12Z",
		"2026-11-21T19:30:01.123Zjunk",
		"1969-12-31T23:59:59Z",
		"2026-11-21 19:30:01Z",
		"+026-11-21T19:30:01Z",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		anpr_err e = anpr_clock_parse_utc(bad[i], &ms);
		if (e != ANPR_ERR_FORMAT)
			fprintf(stderr, "accepted bad time '%s'\n", bad[i]);
		CHECK_INT(e, ANPR_ERR_FORMAT);
	}

	/* Every millisecond value formats and parses back to itself. */
	char buf[ANPR_UTC_STRLEN];
	int ok = 1;
	for (int64_t t = 0; t < 253402300799999LL; t = t * 3 + 7919) {
		int64_t back;
		if (anpr_clock_format_utc(t, buf, sizeof(buf)) || anpr_clock_parse_utc(buf, &back) ||
		    back != t)
			ok = 0;
	}
	CHECK(ok);
}

static void test_clocks(void)
{
	int64_t a = anpr_clock_mono_ns();
	anpr_clock_sleep_ms(20);
	int64_t b = anpr_clock_mono_ns();
	CHECK(b - a >= 20000000);

	int64_t now = anpr_clock_utc_ms();
	CHECK(now > 1700000000000LL); /* after 2023: the host clock is set */

	anpr_clock_set_test_offset_ms(7LL * 24 * 3600 * 1000);
	CHECK(anpr_clock_utc_ms() - now >= 7LL * 24 * 3600 * 1000);
	CHECK(anpr_clock_mono_ms() - b / 1000000 >= 7LL * 24 * 3600 * 1000);
	anpr_clock_set_test_offset_ms(0);
	CHECK(anpr_clock_utc_ms() - now < 60000);
}

int main(void)
{
	test_format();
	test_parse();
	test_clocks();
	return check_summary();
}
