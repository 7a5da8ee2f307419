/* SPDX-License-Identifier: MIT */
/* The libcamera source on a real board (label hw): grabs frames in colour and grey; exits 77 without a camera. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "clock.h"
#include "source.h"

#define SKIP 77
#define GRAB 10
#define TIMEOUT_MS 3000

/* ANPR_TEST_CAMERA picks a camera by libcamera id; unset, the first one. */
static anpr_err grab(bool grey, int frames)
{
	anpr_source_cfg cfg = { 0 };
	anpr_source *s = NULL;
	anpr_image img = { 0 };
	anpr_frame_info info, prev = { 0 };
	int w = 0, h = 0;
	double fps = 0;
	anpr_err err;

	cfg.kind = ANPR_SOURCE_CAMERA;
	cfg.path = getenv("ANPR_TEST_CAMERA");
	cfg.fps = 25;
	cfg.grey = grey;
	err = anpr_source_open(&cfg, &s);
	if (err)
		return err;
	anpr_source_geometry(s, &w, &h, &fps);
	CHECK(w > 0 && h > 0);
	for (int i = 0; i < frames; i++) {
		CHECK_INT(anpr_source_next(s, &img, &info, TIMEOUT_MS), ANPR_ERR_OK);
		CHECK(img.width == w && img.height == h && img.channels == (grey ? 1 : 3));
		if (i > 0) {
			CHECK(info.seq > prev.seq);
			CHECK(info.mono_ms >= prev.mono_ms);
			CHECK(info.pts_ms >= prev.pts_ms);
		}
		CHECK(info.mono_ms <= anpr_clock_mono_ms());
		CHECK(llabs(info.utc_ms - anpr_clock_utc_ms()) < 5000);
		prev = info;
	}
	anpr_source_interrupt(s);
	CHECK_INT(anpr_source_next(s, &img, &info, TIMEOUT_MS), ANPR_ERR_CLOSED);
	anpr_source_close(s);
	anpr_image_free(&img);
	return ANPR_ERR_OK;
}

int main(void)
{
	anpr_err err = grab(false, GRAB);

	if (err == ANPR_ERR_NOT_FOUND || err == ANPR_ERR_UNSUPPORTED) {
		printf("skipped: no camera here (%s)\n", anpr_strerror(err));
		return SKIP;
	}
	CHECK_INT(err, ANPR_ERR_OK);
	CHECK_INT(grab(true, 3), ANPR_ERR_OK);
	return check_summary();
}
