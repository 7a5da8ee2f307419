/* SPDX-License-Identifier: MIT */
/* Clock helpers: monotonic and UTC milliseconds, strict ISO 8601 in and out. */
#include "clock.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static _Atomic int64_t test_offset_ms;

static int64_t read_ns(clockid_t id)
{
	struct timespec ts;

	/* Cannot fail for these clock ids on Linux. */
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t anpr_clock_mono_ns(void)
{
	return read_ns(CLOCK_MONOTONIC) +
	       atomic_load_explicit(&test_offset_ms, memory_order_relaxed) * 1000000;
}

int64_t anpr_clock_mono_ms(void)
{
	return anpr_clock_mono_ns() / 1000000;
}

int64_t anpr_clock_utc_ms(void)
{
	return read_ns(CLOCK_REALTIME) / 1000000 +
	       atomic_load_explicit(&test_offset_ms, memory_order_relaxed);
}

void anpr_clock_set_test_offset_ms(int64_t offset_ms)
{
	atomic_store(&test_offset_ms, offset_ms);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mdays[m - 1] + (m == 2 && leap);
}

/* The largest time we format: 9999-12-31T23:59:59.999Z. */
#define MAX_UTC_MS 253402300799999LL

anpr_err anpr_clock_format_utc(int64_t utc_ms, char *buf, size_t len)
{
	if (!buf || len < ANPR_UTC_STRLEN)
		return ANPR_ERR_INVAL;
	if (utc_ms < 0 || utc_ms > MAX_UTC_MS)
		return ANPR_ERR_RANGE;

	time_t secs = (time_t)(utc_ms / 1000);
	struct tm tm;

	if (!gmtime_r(&secs, &tm))
		return ANPR_ERR_RANGE;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(utc_ms % 1000));
	return ANPR_ERR_OK;
}

/* Reads exactly n decimal digits from *p, advancing it. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

anpr_err anpr_clock_parse_utc(const char *s, int64_t *out_ms)
{
	int y, mo, d, h, mi, sec, ms = 0;
	const char *p = s;

	if (!s || !out_ms)
		return ANPR_ERR_INVAL;
	if (digits(&p, 4, &y) || expect(&p, '-') || digits(&p, 2, &mo) || expect(&p, '-') ||
	    digits(&p, 2, &d) || expect(&p, 'T') || digits(&p, 2, &h) || expect(&p, ':') ||
	    digits(&p, 2, &mi) || expect(&p, ':') || digits(&p, 2, &sec))
		return ANPR_ERR_FORMAT;
	if (*p == '.' && (p++, digits(&p, 3, &ms)))
		return ANPR_ERR_FORMAT;
	if (expect(&p, 'Z') || *p != '\0')
		return ANPR_ERR_FORMAT;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    sec > 59)
		return ANPR_ERR_FORMAT;

	int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	*out_ms = ((days * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL + ms;
	return ANPR_ERR_OK;
}

void anpr_clock_sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (ms > 0 && nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}
