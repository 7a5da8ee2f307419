/* SPDX-License-Identifier: MIT */
/* Frame sources: replay of an MJPEG clip and an image folder, pacing, interrupts, damage, and --source parsing. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "opencv_c.h"
#include "opencv_video.h"
#include "source.h"

#define W 320
#define H 240
#define FRAMES 20
#define START_UTC 1767225600000LL /* 2026-01-01T00:00:00Z */

static char tmpdir[64];
static char clip[128]; /* FRAMES frames at 25 fps */

static void tmp_path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

static const uint8_t *px(const anpr_image *img, int x, int y)
{
	return img->data + (size_t)y * img->stride + (size_t)x * (size_t)img->channels;
}

/* Frame i is one flat colour, so its index survives JPEG. */
static void frame_colour(int i, uint8_t bgr[3])
{
	bgr[0] = (uint8_t)(20 + 10 * i);
	bgr[1] = (uint8_t)(30 + 9 * i); /* grey steps by about 8 from frame to frame */
	bgr[2] = (uint8_t)(60 + 5 * i);
}

static void paint(anpr_image *img, int w, int h, int i)
{
	uint8_t bgr[3];

	frame_colour(i, bgr);
	CHECK_INT(anpr_image_alloc(img, w, h, 3), ANPR_ERR_OK);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			memcpy(img->data + (size_t)y * img->stride + (size_t)x * 3, bgr, 3);
}

/* The index painted into a delivered frame (BGR or grey), or -1. */
static int frame_index(const anpr_image *img)
{
	const uint8_t *p = px(img, img->width / 2, img->height / 2);

	for (int i = 0; i < FRAMES; i++) {
		uint8_t bgr[3];
		frame_colour(i, bgr);
		if (img->channels == 3 && abs(p[0] - bgr[0]) <= 4 && abs(p[1] - bgr[1]) <= 4 &&
		    abs(p[2] - bgr[2]) <= 4)
			return i;
		if (img->channels == 1 &&
		    abs(p[0] - (int)lround(0.114 * bgr[0] + 0.587 * bgr[1] + 0.299 * bgr[2])) <= 3)
			return i;
	}
	return -1;
}

static bool write_bytes(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(b, 1, n, f) == n;

	if (f && fclose(f) != 0)
		ok = false;
	return ok;
}

static uint8_t *read_bytes(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long size;

	*n = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		b = malloc((size_t)size);
		if (b && fread(b, 1, (size_t)size, f) == (size_t)size) {
			*n = (size_t)size;
		} else {
			free(b);
			b = NULL;
		}
	}
	fclose(f);
	return b;
}

static void make_clip(const char *path, int frames, double fps)
{
	anpr_video_writer *w = NULL;
	anpr_image img = { 0 };

	CHECK_INT(anpr_video_create(path, "MJPG", fps, W, H, &w), ANPR_ERR_OK);
	for (int i = 0; w && i < frames; i++) {
		paint(&img, W, H, i);
		CHECK_INT(anpr_video_write(w, &img), ANPR_ERR_OK);
	}
	if (w)
		CHECK_INT(anpr_video_finish(w), ANPR_ERR_OK);
	anpr_image_free(&img);
}

static anpr_source_cfg replay_cfg(anpr_source_kind kind, const char *path)
{
	anpr_source_cfg cfg = { 0 };

	cfg.kind = kind;
	cfg.path = path;
	cfg.start_utc_ms = START_UTC;
	return cfg;
}

/* Calls anpr_source_interrupt() after a delay, from another thread. */
typedef struct interrupter {
	anpr_source *s;
	int64_t delay_ms;
	pthread_t thread;
} interrupter;

static void *interrupt_main(void *arg)
{
	interrupter *it = arg;

	anpr_clock_sleep_ms(it->delay_ms);
	anpr_source_interrupt(it->s);
	return NULL;
}

static void interrupt_later(interrupter *it, anpr_source *s, int64_t delay_ms)
{
	it->s = s;
	it->delay_ms = delay_ms;
	CHECK_INT(pthread_create(&it->thread, NULL, interrupt_main, it), 0);
}

static void test_parse_spec(void)
{
	anpr_source_cfg cfg = { 0 };
	const char *spec;

	CHECK_INT(anpr_source_parse_spec("camera", &cfg), ANPR_ERR_OK);
	CHECK_INT(cfg.kind, ANPR_SOURCE_CAMERA);
	CHECK(cfg.path == NULL);
	spec = "camera:/base/soc/i2c0mux/i2c@1/imx477@1a";
	CHECK_INT(anpr_source_parse_spec(spec, &cfg), ANPR_ERR_OK);
	CHECK_INT(cfg.kind, ANPR_SOURCE_CAMERA);
	CHECK(cfg.path == spec + 7);
	CHECK_STR(cfg.path, "/base/soc/i2c0mux/i2c@1/imx477@1a");
	CHECK_INT(anpr_source_parse_spec("file:/data/clip.mp4", &cfg), ANPR_ERR_OK);
	CHECK_INT(cfg.kind, ANPR_SOURCE_FILE);
	CHECK_STR(cfg.path, "/data/clip.mp4");
	CHECK_INT(anpr_source_parse_spec("dir:frames", &cfg), ANPR_ERR_OK);
	CHECK_INT(cfg.kind, ANPR_SOURCE_DIR);
	CHECK_STR(cfg.path, "frames");
	CHECK_INT(anpr_source_parse_spec("file:a:b", &cfg), ANPR_ERR_OK);
	CHECK_STR(cfg.path, "a:b");

	/* Anything else leaves cfg alone. */
	const char *bad[] = { "",     "camera:", "file:",   "dir:", "cameras", "Camera", "video:x.mp4",
			      "file", "/x.mp4",  " file:x", "dir" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg.kind = ANPR_SOURCE_DIR;
		cfg.path = "unchanged";
		CHECK_INT(anpr_source_parse_spec(bad[i], &cfg), ANPR_ERR_INVAL);
		CHECK_INT(cfg.kind, ANPR_SOURCE_DIR);
		CHECK_STR(cfg.path, "unchanged");
	}
	CHECK_INT(anpr_source_parse_spec(NULL, &cfg), ANPR_ERR_INVAL);
	CHECK_INT(anpr_source_parse_spec("camera", NULL), ANPR_ERR_INVAL);

	CHECK_STR(anpr_source_kind_name(ANPR_SOURCE_CAMERA), "camera");
	CHECK_STR(anpr_source_kind_name(ANPR_SOURCE_FILE), "file");
	CHECK_STR(anpr_source_kind_name(ANPR_SOURCE_DIR), "dir");
	CHECK_STR(anpr_source_kind_name((anpr_source_kind)42), "unknown");
}

static void test_bad_cfg(void)
{
	anpr_source *s = (anpr_source *)&s;
	anpr_source_cfg cfg = replay_cfg(ANPR_SOURCE_FILE, clip);
	int w = -1, h = -1;
	double fps = -1;

	CHECK_INT(anpr_source_open(NULL, &s), ANPR_ERR_INVAL);
	CHECK(s == NULL);
	CHECK_INT(anpr_source_open(&cfg, NULL), ANPR_ERR_INVAL);
	cfg.path = NULL;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_INVAL);
	cfg.path = "";
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_INVAL);
	cfg = replay_cfg(ANPR_SOURCE_FILE, clip);
	cfg.kind = (anpr_source_kind)7;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_INVAL);
	cfg = replay_cfg(ANPR_SOURCE_FILE, clip);
	cfg.width = -1;
	cfg.height = 240;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_INVAL);
	cfg.width = 320;
	cfg.height = 0;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_INVAL);
	cfg.width = ANPR_IMAGE_MAX_SIDE + 1;
	cfg.height = 240;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_INVAL);
	cfg = replay_cfg(ANPR_SOURCE_FILE, clip);
	cfg.fps = (double)NAN;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_INVAL);
	cfg.fps = -1;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_INVAL);
	cfg = replay_cfg(ANPR_SOURCE_FILE, clip);
	cfg.start_utc_ms = -5;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_INVAL);
	/* Checked before any hardware is touched. */
	cfg = replay_cfg(ANPR_SOURCE_CAMERA, NULL);
	cfg.pixel_format = "YUYV";
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_INVAL);
	cfg.pixel_format = "NV12";
	cfg.gain_max = -2;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_INVAL);
	CHECK(s == NULL);

	anpr_source_geometry(NULL, &w, &h, &fps);
	CHECK(w == 0 && h == 0 && fps == 0);
	anpr_source_interrupt(NULL);
	anpr_source_close(NULL);
	CHECK_INT(anpr_source_next(NULL, NULL, NULL, 0), ANPR_ERR_INVAL);
}

static void test_file_fast(void)
{
	anpr_source_cfg cfg = replay_cfg(ANPR_SOURCE_FILE, clip);
	anpr_source *s = NULL;
	anpr_image img = { 0 };
	anpr_frame_info info, first = { 0 };
	uint8_t *pixels = NULL;
	int w = 0, h = 0;
	double fps = 0;

	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_OK);
	if (!s)
		return;
	anpr_source_geometry(s, &w, &h, &fps);
	CHECK_INT(w, W);
	CHECK_INT(h, H);
	CHECK(fabs(fps - 25) < 0.01);
	for (int i = 0; i < FRAMES; i++) {
		memset(&info, 0xa5, sizeof(info));
		CHECK_INT(anpr_source_next(s, &img, &info, -1), ANPR_ERR_OK);
		CHECK_INT(info.seq, i);
		CHECK_INT(info.pts_ms, 40 * i);
		CHECK_INT(info.utc_ms, START_UTC + 40 * i);
		if (i == 0)
			first = info;
		CHECK_INT(info.mono_ms - first.mono_ms, 40 * i);
		CHECK(img.width == W && img.height == H && img.channels == 3);
		CHECK_INT(frame_index(&img), i);
		/* The decoder writes into the same buffer every time. */
		if (i == 1)
			pixels = img.data;
		if (i > 1)
			CHECK(img.data == pixels);
	}
	CHECK_INT(anpr_source_next(s, &img, &info, -1), ANPR_ERR_CLOSED);
	CHECK_INT(anpr_source_next(s, &img, &info, 0), ANPR_ERR_CLOSED);
	anpr_source_close(s);

	/* A size the clip does not have: every frame is refused, and the clip still ends. */
	cfg.width = 640;
	cfg.height = 480;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_OK);
	int decode_errors = 0;
	anpr_err err;
	while ((err = anpr_source_next(s, &img, &info, -1)) == ANPR_ERR_DECODE && decode_errors <= FRAMES)
		decode_errors++;
	CHECK_INT(decode_errors, FRAMES);
	CHECK_INT(err, ANPR_ERR_CLOSED);
	anpr_source_close(s);

	/* start_utc_ms 0 is the wall clock at open. */
	cfg = replay_cfg(ANPR_SOURCE_FILE, clip);
	cfg.start_utc_ms = 0;
	int64_t before = anpr_clock_utc_ms();
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_OK);
	int64_t after = anpr_clock_utc_ms();
	CHECK_INT(anpr_source_next(s, &img, &info, -1), ANPR_ERR_OK);
	CHECK(info.utc_ms >= before && info.utc_ms <= after);
	anpr_source_close(s);
	anpr_image_free(&img);
}

static void test_file_loops(void)
{
	anpr_source_cfg cfg = replay_cfg(ANPR_SOURCE_FILE, clip);
	anpr_source *s = NULL;
	anpr_image img = { 0 };
	anpr_frame_info info;

	/* Three plays: the frames repeat, the times and sequence numbers run on. */
	cfg.loops = 3;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_OK);
	if (!s)
		return;
	for (int i = 0; i < 3 * FRAMES; i++) {
		CHECK_INT(anpr_source_next(s, &img, &info, -1), ANPR_ERR_OK);
		CHECK_INT(info.seq, i);
		CHECK_INT(info.pts_ms, 40 * i);
		CHECK_INT(frame_index(&img), i % FRAMES);
	}
	CHECK_INT(anpr_source_next(s, &img, &info, -1), ANPR_ERR_CLOSED);
	anpr_source_close(s);
	anpr_image_free(&img);
}

static void test_file_grey(void)
{
	anpr_source_cfg cfg = replay_cfg(ANPR_SOURCE_FILE, clip);
	anpr_source *s = NULL;
	anpr_image img = { 0 };
	anpr_frame_info info;
	int n = 0;

	cfg.grey = true;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_OK);
	while (s && anpr_source_next(s, &img, &info, -1) == ANPR_ERR_OK) {
		CHECK(img.width == W && img.height == H && img.channels == 1);
		CHECK_INT(frame_index(&img), n);
		n++;
	}
	CHECK_INT(n, FRAMES);
	anpr_source_close(s);
	anpr_image_free(&img);
}

static void test_file_realtime(void)
{
	anpr_source_cfg cfg = replay_cfg(ANPR_SOURCE_FILE, clip);
	anpr_source *s = NULL;
	anpr_image img = { 0 };
	anpr_frame_info info;
	int n = 0;

	cfg.realtime = true;
	int64_t t0 = anpr_clock_mono_ms();
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_OK);
	while (s && anpr_source_next(s, &img, &info, -1) == ANPR_ERR_OK) {
		CHECK_INT(info.seq, n);
		/* Not delivered before its time. */
		CHECK(anpr_clock_mono_ms() >= info.mono_ms);
		n++;
	}
	CHECK_INT(n, FRAMES);
	/* The last frame is due 760 ms after open; only a loose lower bound, as timing is not tested. */
	CHECK(anpr_clock_mono_ms() - t0 >= 600);
	anpr_source_close(s);

	/* Interrupted from another thread partway through: the next call ends the replay. */
	interrupter it;
	anpr_err err = ANPR_ERR_OK;
	n = 0;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_OK);
	if (s) {
		interrupt_later(&it, s, 100);
		while ((err = anpr_source_next(s, &img, &info, -1)) == ANPR_ERR_OK)
			n++;
		CHECK_INT(err, ANPR_ERR_CLOSED);
		CHECK(n < FRAMES);
		pthread_join(it.thread, NULL);
		CHECK_INT(anpr_source_next(s, &img, &info, -1), ANPR_ERR_CLOSED);
	}
	anpr_source_close(s);
	anpr_image_free(&img);
}

/* A pacing timeout keeps the decoded frame for the next call, in colour and in grey. */
static void test_file_timeout(void)
{
	char slow[128];
	anpr_image img = { 0 };
	anpr_frame_info info;

	tmp_path(slow, sizeof(slow), "slow.avi");
	make_clip(slow, 3, 2); /* 500 ms apart */
	for (int grey = 0; grey <= 1; grey++) {
		anpr_source_cfg cfg = replay_cfg(ANPR_SOURCE_FILE, slow);
		anpr_source *s = NULL;
		cfg.realtime = true;
		cfg.grey = grey;
		CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_OK);
		if (!s)
			continue;
		CHECK_INT(anpr_source_next(s, &img, &info, -1), ANPR_ERR_OK);
		CHECK_INT(info.seq, 0);
		int64_t t0 = anpr_clock_mono_ms();
		CHECK_INT(anpr_source_next(s, &img, &info, 20), ANPR_ERR_TIMEOUT);
		CHECK(anpr_clock_mono_ms() - t0 >= 20);
		memset(img.data, 0, img.stride * (size_t)img.height); /* the caller reuses its image */
		CHECK_INT(anpr_source_next(s, &img, &info, 0), ANPR_ERR_TIMEOUT);
		CHECK_INT(anpr_source_next(s, &img, &info, -1), ANPR_ERR_OK);
		CHECK_INT(info.seq, 1);
		CHECK_INT(info.pts_ms, 500);
		CHECK_INT(img.channels, grey ? 1 : 3);
		CHECK_INT(frame_index(&img), 1);
		anpr_source_interrupt(s);
		CHECK_INT(anpr_source_next(s, &img, &info, -1), ANPR_ERR_CLOSED);
		anpr_source_close(s);
	}
	unlink(slow);
	anpr_image_free(&img);
}

static void test_file_damaged(void)
{
	char cut[128], junk[128], empty[128];
	anpr_source_cfg cfg;
	anpr_source *s = NULL;
	anpr_image img = { 0 };
	anpr_frame_info info;
	size_t len = 0;
	uint8_t *bytes = read_bytes(clip, &len);
	anpr_err err;

	/* Cut at half: some frames, perhaps a damaged one, then the end; never a crash. */
	tmp_path(cut, sizeof(cut), "cut.avi");
	CHECK(bytes && len > 1000);
	CHECK(bytes && write_bytes(cut, bytes, len / 2));
	cfg = replay_cfg(ANPR_SOURCE_FILE, cut);
	err = anpr_source_open(&cfg, &s);
	CHECK_INT(err, ANPR_ERR_OK);
	int good = 0, bad = 0;
	while (s && (err = anpr_source_next(s, &img, &info, -1)) != ANPR_ERR_CLOSED && good + bad <= FRAMES) {
		CHECK(err == ANPR_ERR_OK || err == ANPR_ERR_DECODE);
		good += err == ANPR_ERR_OK;
		bad += err == ANPR_ERR_DECODE;
		if (err == ANPR_ERR_OK)
			CHECK_INT(frame_index(&img), (int)info.seq);
	}
	CHECK_INT(err, ANPR_ERR_CLOSED);
	CHECK(good >= 1 && good < FRAMES);
	anpr_source_close(s);
	s = NULL;

	/* Not a video at all. */
	tmp_path(junk, sizeof(junk), "junk.avi");
	CHECK(write_bytes(junk, "RIFF\x10\0\0\0AVI certainly not a video, just some words \x01\x02\xfe\xff",
			  56));
	cfg = replay_cfg(ANPR_SOURCE_FILE, junk);
	err = anpr_source_open(&cfg, &s);
	CHECK(err == ANPR_ERR_DECODE || err == ANPR_ERR_IO);
	CHECK(s == NULL);
	tmp_path(empty, sizeof(empty), "empty.mp4");
	CHECK(write_bytes(empty, "", 0));
	cfg = replay_cfg(ANPR_SOURCE_FILE, empty);
	err = anpr_source_open(&cfg, &s);
	CHECK(err == ANPR_ERR_DECODE || err == ANPR_ERR_IO);

	/* Missing, and the wrong kind of path. */
	cfg = replay_cfg(ANPR_SOURCE_FILE, "/nonexistent/clip.avi");
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_NOT_FOUND);
	cfg = replay_cfg(ANPR_SOURCE_DIR, "/nonexistent/frames");
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_NOT_FOUND);
	cfg = replay_cfg(ANPR_SOURCE_FILE, tmpdir);
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_INVAL);
	cfg = replay_cfg(ANPR_SOURCE_DIR, clip);
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_INVAL);
	CHECK(s == NULL);

	unlink(cut);
	unlink(junk);
	unlink(empty);
	free(bytes);
	anpr_image_free(&img);
}

/* The folder test_dir() reads: the files in name order, and what each should give. */
static const struct {
	const char *name;
	int index; /* painted frame index; -1 not an image */
	int width, height;
	bool corrupt;
} dir_files[] = {
	{ "00.jpg", 0, W, H, false },     { "01.jpg", 1, W, H, true },
	{ "02.png", 2, W, H, false },     { "03.JPEG", 3, W / 2, H / 2, false },
	{ "04.bmp", 4, W, H, false },     { ".hidden.jpg", 5, W, H, false },
	{ "notes.txt", -1, 0, 0, false },
};

static void make_dir(const char *dir)
{
	anpr_image img = { 0 };
	char path[192];

	CHECK_INT(mkdir(dir, 0700), 0);
	for (size_t i = 0; i < sizeof(dir_files) / sizeof(dir_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dir_files[i].name);
		if (dir_files[i].index < 0) {
			CHECK(write_bytes(path, "not an image\n", 13));
			continue;
		}
		paint(&img, dir_files[i].width, dir_files[i].height, dir_files[i].index);
		if (!dir_files[i].corrupt) {
			CHECK_INT(anpr_cv_write_file(path, &img), ANPR_ERR_OK);
			continue;
		}
		uint8_t *jpeg = NULL;
		size_t len = 0;
		CHECK_INT(anpr_cv_encode_jpeg(&img, 90, &jpeg, &len), ANPR_ERR_OK);
		CHECK(jpeg && write_bytes(path, jpeg, len / 2));
		free(jpeg);
	}
	/* A folder named like an image is not one. */
	snprintf(path, sizeof(path), "%s/05.jpg", dir);
	CHECK_INT(mkdir(path, 0700), 0);
	anpr_image_free(&img);
}

static void remove_dir(const char *dir)
{
	char path[192];

	for (size_t i = 0; i < sizeof(dir_files) / sizeof(dir_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dir_files[i].name);
		CHECK_INT(unlink(path), 0);
	}
	snprintf(path, sizeof(path), "%s/05.jpg", dir);
	CHECK_INT(rmdir(path), 0);
	CHECK_INT(rmdir(dir), 0);
}

static void test_dir(void)
{
	char dir[128], none[128];
	anpr_source_cfg cfg;
	anpr_source *s = NULL;
	anpr_image img = { 0 };
	anpr_frame_info info;
	int w = 0, h = 0;
	double fps = 0;

	tmp_path(dir, sizeof(dir), "frames");
	make_dir(dir);

	/* At an expected size: the corrupt and the small image are skipped, the text file and the folder never seen. */
	cfg = replay_cfg(ANPR_SOURCE_DIR, dir);
	cfg.width = W;
	cfg.height = H;
	cfg.fps = 10;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_OK);
	if (s) {
		anpr_source_geometry(s, &w, &h, &fps);
		CHECK(w == W && h == H && fps == 10);
		const int expect[] = { 0, -1, 2, -1, 4 };
		for (int i = 0; i < 5; i++) {
			anpr_err err = anpr_source_next(s, &img, &info, -1);
			CHECK_INT(err, expect[i] < 0 ? ANPR_ERR_DECODE : ANPR_ERR_OK);
			if (err || expect[i] < 0)
				continue;
			CHECK_INT(info.seq, i);
			CHECK_INT(info.pts_ms, 100 * i);
			CHECK_INT(info.utc_ms, START_UTC + 100 * i);
			CHECK(img.width == W && img.height == H && img.channels == 3);
			CHECK_INT(frame_index(&img), expect[i]);
		}
		CHECK_INT(anpr_source_next(s, &img, &info, -1), ANPR_ERR_CLOSED);
		CHECK_INT(anpr_source_next(s, &img, &info, -1), ANPR_ERR_CLOSED);
	}
	anpr_source_close(s);
	s = NULL;

	/* Any size, grey, default rate: the small image comes through too. */
	cfg = replay_cfg(ANPR_SOURCE_DIR, dir);
	cfg.grey = true;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_OK);
	if (s) {
		anpr_source_geometry(s, &w, &h, &fps);
		CHECK(w == W && h == H && fps == 25); /* the first image's size */
		int good = 0, bad = 0;
		anpr_err err;
		while ((err = anpr_source_next(s, &img, &info, -1)) != ANPR_ERR_CLOSED && good + bad < 10) {
			if (err == ANPR_ERR_DECODE) {
				bad++;
				continue;
			}
			CHECK_INT(err, ANPR_ERR_OK);
			CHECK_INT(img.channels, 1);
			CHECK_INT(info.pts_ms, 40 * (int64_t)info.seq);
			CHECK_INT(frame_index(&img), (int)info.seq);
			CHECK_INT(img.width, info.seq == 3 ? W / 2 : W);
			good++;
		}
		CHECK_INT(good, 4);
		CHECK_INT(bad, 1);
	}
	anpr_source_close(s);
	s = NULL;

	/* Paced at 0.01 fps: the second image is due in 100 s, and an interrupt ends the wait. */
	cfg = replay_cfg(ANPR_SOURCE_DIR, dir);
	cfg.realtime = true;
	cfg.fps = 0.01;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_OK);
	if (s) {
		interrupter it;
		CHECK_INT(anpr_source_next(s, &img, &info, -1), ANPR_ERR_OK);
		int64_t t0 = anpr_clock_mono_ms();
		CHECK_INT(anpr_source_next(s, &img, &info, 30), ANPR_ERR_TIMEOUT);
		CHECK(anpr_clock_mono_ms() - t0 >= 30);
		interrupt_later(&it, s, 100);
		CHECK_INT(anpr_source_next(s, &img, &info, -1), ANPR_ERR_CLOSED);
		pthread_join(it.thread, NULL);
		CHECK_INT(anpr_source_next(s, &img, &info, -1), ANPR_ERR_CLOSED);
	}
	anpr_source_close(s);
	s = NULL;

	/* An empty folder is an empty clip. */
	tmp_path(none, sizeof(none), "empty");
	CHECK_INT(mkdir(none, 0700), 0);
	cfg = replay_cfg(ANPR_SOURCE_DIR, none);
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_OK);
	if (s)
		CHECK_INT(anpr_source_next(s, &img, &info, -1), ANPR_ERR_CLOSED);
	anpr_source_close(s);
	CHECK_INT(rmdir(none), 0);

	remove_dir(dir);
	anpr_image_free(&img);
}

static void test_camera_without_libcamera(void)
{
#ifdef ANPR_TEST_NO_LIBCAMERA
	anpr_source_cfg cfg = { 0 };
	anpr_source *s = NULL;

	cfg.kind = ANPR_SOURCE_CAMERA;
	CHECK_INT(anpr_source_open(&cfg, &s), ANPR_ERR_UNSUPPORTED);
	CHECK(s == NULL);
#endif
	/* With libcamera built in, the camera is test_source_camera's (label hw): unit tests touch no hardware. */
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/anpr-source-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	tmp_path(clip, sizeof(clip), "clip.avi");
	make_clip(clip, FRAMES, 25);

	test_parse_spec();
	test_bad_cfg();
	test_file_fast();
	test_file_loops();
	test_file_grey();
	test_file_realtime();
	test_file_timeout();
	test_file_damaged();
	test_dir();
	test_camera_without_libcamera();

	CHECK_INT(unlink(clip), 0);
	CHECK_INT(rmdir(tmpdir), 0);
	return check_summary();
}
