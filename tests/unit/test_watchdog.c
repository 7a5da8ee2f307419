/* SPDX-License-Identifier: MIT */
/* Watchdog: the simulation counts a feed gap longer than the timeout as the reset that would happen; the device backend's errors. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "watchdog.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static char record[512];

static const char *read_record(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	record[0] = '\0';
	if (f) {
		n = fread(record, 1, sizeof(record) - 1, f);
		fclose(f);
	}
	record[n] = '\0';
	return record;
}

static void test_fed(const char *file)
{
	anpr_watchdog_cfg c = { ANPR_WATCHDOG_SIM, NULL, 1, file };
	anpr_watchdog *w = NULL;
	anpr_watchdog_stats st;

	CHECK_INT(anpr_watchdog_open(&c, &w), ANPR_ERR_OK);
	CHECK_CONTAINS(read_record(file), "state=armed");
	/* Fed every 200 ms for 2.5 s against a 1 s timeout: never missed. */
	for (int i = 0; i < 12; i++) {
		sleep_ms(200);
		CHECK_INT(anpr_watchdog_feed(w), ANPR_ERR_OK);
	}
	anpr_watchdog_get_stats(w, &st);
	CHECK_INT(st.feeds, 12);
	CHECK_INT(st.missed, 0);
	CHECK(!st.would_reset);
	CHECK(st.max_gap_ms >= 190 && st.max_gap_ms < 1000);
	anpr_watchdog_close(w, true);
	CHECK_CONTAINS(read_record(file), "would_reset=0");
	CHECK_CONTAINS(record, "missed=0");
	CHECK_CONTAINS(record, "state=disarmed");
}

static void test_not_fed(const char *file)
{
	anpr_watchdog_cfg c = { ANPR_WATCHDOG_SIM, NULL, 1, file };
	anpr_watchdog *w = NULL;
	anpr_watchdog_stats st;

	CHECK_INT(anpr_watchdog_open(&c, &w), ANPR_ERR_OK);
	CHECK_INT(anpr_watchdog_feed(w), ANPR_ERR_OK);
	/* Still inside the timeout: nothing yet. */
	sleep_ms(700);
	anpr_watchdog_get_stats(w, &st);
	CHECK(!st.would_reset);
	/* The feeding stops: the simulated hardware notices by itself, without a call. */
	int64_t t0 = anpr_clock_mono_ms();
	while (anpr_clock_mono_ms() - t0 < 2000) {
		anpr_watchdog_get_stats(w, &st);
		if (st.would_reset)
			break;
		sleep_ms(20);
	}
	CHECK(st.would_reset);
	CHECK_INT(st.missed, 1);
	CHECK_CONTAINS(read_record(file), "would_reset=1");
	CHECK_CONTAINS(record, "state=expired");
	/* One long gap is one missed feed, however long it lasts. */
	sleep_ms(1200);
	anpr_watchdog_get_stats(w, &st);
	CHECK_INT(st.missed, 1);
	CHECK(st.max_gap_ms >= 2000);
	/* Unclean close: stays expired. */
	anpr_watchdog_close(w, false);
	CHECK_CONTAINS(read_record(file), "state=expired");
}

static void test_unclean_close_is_armed(const char *file)
{
	anpr_watchdog_cfg c = { ANPR_WATCHDOG_SIM, NULL, 5, file };
	anpr_watchdog *w = NULL;

	CHECK_INT(anpr_watchdog_open(&c, &w), ANPR_ERR_OK);
	CHECK_INT(anpr_watchdog_feed(w), ANPR_ERR_OK);
	anpr_watchdog_close(w, false);
	CHECK_CONTAINS(read_record(file), "state=armed");
	CHECK_CONTAINS(record, "would_reset=0");
}

static void test_errors(void)
{
	anpr_watchdog *w = NULL;
	anpr_watchdog_cfg none = { ANPR_WATCHDOG_NONE, NULL, 15, NULL };
	anpr_watchdog_cfg bad = { ANPR_WATCHDOG_SIM, NULL, 0, NULL };
	anpr_watchdog_cfg nodev = { ANPR_WATCHDOG_DEV, "/nonexistent/watchdog", 15, NULL };
	anpr_watchdog_stats st;

	CHECK_INT(anpr_watchdog_open(&bad, &w), ANPR_ERR_INVAL);
	CHECK(w == NULL);
	CHECK_INT(anpr_watchdog_open(&nodev, &w), ANPR_ERR_NOT_FOUND);
	CHECK(w == NULL);
	CHECK_INT(anpr_watchdog_open(&none, &w), ANPR_ERR_OK);
	CHECK_INT(anpr_watchdog_feed(w), ANPR_ERR_OK);
	anpr_watchdog_get_stats(w, &st);
	CHECK(!st.armed);
	anpr_watchdog_close(w, true);
	anpr_watchdog_close(NULL, true);
}

int main(void)
{
	char dir[] = "/tmp/test_watchdog.XXXXXX";
	char file[64];

	if (!mkdtemp(dir))
		return 1;
	snprintf(file, sizeof(file), "%s/wdt", dir);
	test_fed(file);
	test_not_fed(file);
	test_unclean_close_is_armed(file);
	test_errors();
	remove(file);
	rmdir(dir);
	return check_summary();
}
