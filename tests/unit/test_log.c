/* SPDX-License-Identifier: MIT */
/* Logging: levels, prefixes, sanitising, truncation and per-site rate limiting. */
#define ANPR_LOG_TAG "test"
#include <stdlib.h>

#include "check.h"
#include "clock.h"
#include "log.h"

static char captured[64][ANPR_LOG_LINE_MAX + 256];
static int n_captured;

static void capture(void *ctx, anpr_log_level level, const char *line, size_t len)
{
	(void)ctx;
	(void)level;
	if (n_captured < 64) {
		memcpy(captured[n_captured], line, len);
		captured[n_captured][len] = '\0';
		n_captured++;
	}
}

static void reset(void)
{
	n_captured = 0;
}

static void log_repeat(int times)
{
	for (int i = 0; i < times; i++)
		ANPR_LOGW("camera lost, retrying");
}

static void test_levels_and_prefix(void)
{
	anpr_log_set_format(ANPR_LOG_FORMAT_JOURNAL);
	anpr_log_set_level(ANPR_LOG_INFO);
	reset();
	ANPR_LOGE("e %d", 1);
	ANPR_LOGW("w");
	ANPR_LOGI("i");
	ANPR_LOGD("plate AB12CDE"); /* below the threshold: never formatted */
	CHECK_INT(n_captured, 3);
	CHECK_STR(captured[0], "<3>test: e 1\n");
	CHECK_STR(captured[1], "<4>test: w\n");
	CHECK_STR(captured[2], "<6>test: i\n");

	anpr_log_set_level(ANPR_LOG_DEBUG);
	reset();
	ANPR_LOGD("d");
	CHECK_INT(n_captured, 1);
	CHECK_STR(captured[0], "<7>test: d\n");

	anpr_log_set_level(ANPR_LOG_ERROR);
	reset();
	ANPR_LOGW("hidden");
	CHECK_INT(n_captured, 0);
	anpr_log_set_level(ANPR_LOG_INFO);

	anpr_log_set_format(ANPR_LOG_FORMAT_CONSOLE);
	reset();
	ANPR_LOGI("console");
	CHECK_INT(n_captured, 1);
	/* "2026-11-21T19:30:01.123Z I test: console\n" */
	CHECK(strlen(captured[0]) == 24 + strlen(" I test: console\n"));
	CHECK_CONTAINS(captured[0], "Z I test: console\n");

	anpr_log_set_format(ANPR_LOG_FORMAT_AUTO);
	setenv("JOURNAL_STREAM", "8:1234", 1);
	reset();
	ANPR_LOGI("auto");
	CHECK_STR(captured[0], "<6>test: auto\n");
	unsetenv("JOURNAL_STREAM");
	anpr_log_set_format(ANPR_LOG_FORMAT_JOURNAL);
}

static void test_sanitise_and_truncate(void)
{
	char big[ANPR_LOG_LINE_MAX * 2];

	reset();
	ANPR_LOGI("name=%s", "evil\n<3>forged: line\x1b[2J");
	CHECK_INT(n_captured, 1);
	CHECK_STR(captured[0], "<6>test: name=evil?<3>forged: line?[2J\n");

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	reset();
	ANPR_LOGI("%s", big);
	CHECK_INT(n_captured, 1);
	size_t len = strlen(captured[0]);
	CHECK(len < ANPR_LOG_LINE_MAX + 32);
	CHECK(len > 4 && memcmp(captured[0] + len - 4, "...\n", 4) == 0);
}

static void test_rate_limit(void)
{
	anpr_log_set_rate_limit(3, 200);
	reset();
	log_repeat(50);
	CHECK_INT(n_captured, 3);

	anpr_clock_sleep_ms(250);
	reset();
	log_repeat(1);
	CHECK_INT(n_captured, 1);
	CHECK_CONTAINS(captured[0], "(47 similar messages suppressed)");

	/* A different call site is not limited by the first. */
	reset();
	ANPR_LOGW("other site");
	CHECK_INT(n_captured, 1);

	anpr_log_set_rate_limit(0, 0);
	reset();
	log_repeat(20);
	CHECK_INT(n_captured, 20);
}

static void test_parse(void)
{
	anpr_log_level l;

	CHECK_INT(anpr_log_level_parse("debug", &l), ANPR_ERR_OK);
	CHECK_INT(l, ANPR_LOG_DEBUG);
	CHECK_INT(anpr_log_level_parse("warn", &l), ANPR_ERR_OK);
	CHECK_INT(l, ANPR_LOG_WARN);
	CHECK_INT(anpr_log_level_parse("DEBUG", &l), ANPR_ERR_INVAL);
	CHECK_INT(anpr_log_level_parse(NULL, &l), ANPR_ERR_INVAL);
	CHECK_STR(anpr_log_level_name(ANPR_LOG_ERROR), "error");
}

int main(void)
{
	anpr_log_set_sink(capture, NULL);
	test_levels_and_prefix();
	test_sanitise_and_truncate();
	test_rate_limit();
	test_parse();
	anpr_log_set_sink(NULL, NULL);
	return check_summary();
}
