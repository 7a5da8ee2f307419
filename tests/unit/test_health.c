/* SPDX-License-Identifier: MIT */
/* Pipeline health (the watchdog's feeding condition) from counters; clock sync source and RTC presence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "clockstat.h"
#include "health.h"

static void test_health(void)
{
	anpr_health h;
	anpr_pipeline_stats st;
	int64_t t = 0;

	memset(&st, 0, sizeof(st));
	anpr_health_init(&h, 5000);
	/* Frames flowing through every stage: healthy throughout. */
	for (int i = 0; i < 100; i++, t += 250) {
		st.frames_captured += 6;
		st.frames_read += 6;
		st.tracker.frames += 6;
		CHECK(anpr_health_update(&h, &st, true, t));
	}
	/* Readers hang with frames waiting: healthy until the stall time, then stuck at "readers". */
	st.frames_captured += 2;
	int64_t hang = t;
	bool healthy = true;
	while (healthy && t - hang < 20000) {
		st.frames_captured += 6;
		st.frames_dropped += 6; /* live source: the queue is full */
		healthy = anpr_health_update(&h, &st, true, t);
		t += 250;
	}
	CHECK(!healthy);
	CHECK_STR(anpr_health_stage_name((anpr_health_stage)h.stuck), "readers");
	CHECK(t - 250 - hang >= 4750 && t - 250 - hang <= 5000); /* from the last progress, 250 ms before */
	/* They recover: healthy at once. */
	st.frames_read += 2;
	st.tracker.frames += 2;
	CHECK(anpr_health_update(&h, &st, true, t));

	/* A quiet road: frames arrive, nothing waits: healthy for an hour. */
	for (int i = 0; i < 14400; i++, t += 250) {
		st.frames_captured++;
		st.frames_read++;
		st.tracker.frames++;
		healthy = anpr_health_update(&h, &st, true, t);
		if (!healthy)
			break;
	}
	CHECK(healthy);

	/* The camera stops delivering: stuck at capture; a stop (capturing false) is not a fault. */
	hang = t;
	for (; t - hang <= 6000; t += 250)
		healthy = anpr_health_update(&h, &st, true, t);
	CHECK(!healthy);
	CHECK_STR(anpr_health_stage_name((anpr_health_stage)h.stuck), "capture");
	CHECK(anpr_health_update(&h, &st, false, t));
	/* Camera restarts count as capture progress. */
	for (int i = 0; i < 100; i++, t += 250) {
		if (i % 8 == 0)
			st.camera_restarts++;
		healthy = anpr_health_update(&h, &st, true, t);
		if (!healthy)
			break;
	}
	CHECK(healthy);

	/* The emitter hangs with a passage to store. */
	st.tracker.passages = st.reads_stored + st.reads_failed + 1;
	hang = t;
	for (; t - hang <= 6000; t += 250) {
		st.frames_captured++;
		st.frames_read++;
		st.tracker.frames++;
		healthy = anpr_health_update(&h, &st, true, t);
	}
	CHECK(!healthy);
	CHECK_STR(anpr_health_stage_name((anpr_health_stage)h.stuck), "emitter");
	st.reads_stored++;
	CHECK(anpr_health_update(&h, &st, true, t));

	/* The tracker hangs. */
	hang = t;
	for (; t - hang <= 6000; t += 250) {
		st.frames_captured++;
		st.frames_read++;
		healthy = anpr_health_update(&h, &st, true, t);
	}
	CHECK(!healthy);
	CHECK_STR(anpr_health_stage_name((anpr_health_stage)h.stuck), "tracker");
}

static void test_clockstat(void)
{
	char dir[] = "/tmp/test_health.XXXXXX";
	char p[256];
	anpr_clock_state cs;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	anpr_clockstat_read_at(dir, &cs);
	CHECK_STR(cs.daemon, "none");
	snprintf(p, sizeof(p), "%s/run", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/run/chrony", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/run/chrony/chronyd.pid", dir);
	FILE *f = fopen(p, "w");
	if (f)
		fclose(f);
	anpr_clockstat_read_at(dir, &cs);
	CHECK_STR(cs.daemon, "chrony");
	snprintf(p, sizeof(p), "%s/run/systemd", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/run/systemd/timesync", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/run/systemd/timesync/synchronized", dir);
	f = fopen(p, "w");
	if (f)
		fclose(f);
	anpr_clockstat_read_at(dir, &cs);
	CHECK_STR(cs.daemon, "timesyncd");
	CHECK(cs.source != NULL);
	/* An RTC is a character device; a plain file or nothing is not one. */
	CHECK(anpr_clockstat_rtc_present("/dev/null"));
	CHECK(!anpr_clockstat_rtc_present(p));
	CHECK(!anpr_clockstat_rtc_present("/nonexistent/rtc0"));
	CHECK(!anpr_clockstat_rtc_present(""));
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(void)
{
	test_health();
	test_clockstat();
	return check_summary();
}
