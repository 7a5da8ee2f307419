/* SPDX-License-Identifier: MIT */
/* Tests of the synthetic roadside clips: reproducible, truth consistent with the geometry and the pixels. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "opencv_video.h"
#include "synth_clip.h"
#include "synth_clip_internal.h"

/* A short, small clip: enough vehicles to cross, fast to render. */
static void small_cfg(anpr_synth_clip_cfg *cfg, uint64_t seed)
{
	anpr_synth_clip_cfg_init(cfg);
	cfg->seed = seed;
	cfg->frame_w = 640;
	cfg->frame_h = 360;
	cfg->duration_s = 3;
	cfg->vehicles = 0;
	cfg->hard_share = 0.3;
	cfg->foreign_share = 0.3;
}

static char *truth_text(const anpr_synth_clip *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	const anpr_err err = anpr_synth_clip_write_truth(c, f);
	fclose(f);
	if (err) {
		free(buf);
		return NULL;
	}
	return buf;
}

static bool same_pixels(const anpr_image *a, const anpr_image *b)
{
	if (a->width != b->width || a->height != b->height || a->channels != b->channels)
		return false;
	for (int y = 0; y < a->height; y++) {
		if (memcmp(a->data + (size_t)y * a->stride, b->data + (size_t)y * b->stride,
			   (size_t)a->width * (size_t)a->channels) != 0)
			return false;
	}
	return true;
}

static bool read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	*out = NULL;
	*len = 0;
	if (!f)
		return false;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return false;
			}
			buf = nb;
		}
		const size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*out = buf;
	*len = n;
	return true;
}

static void test_config(void)
{
	anpr_synth_clip_cfg cfg;
	anpr_synth_clip *c = NULL;
	anpr_synth_clip_dir d;
	anpr_synth_clip_look l;
	char diag[128];

	CHECK_STR(anpr_synth_clip_fourcc("a/b.avi"), "MJPG");
	CHECK_STR(anpr_synth_clip_fourcc("clip.mp4"), "avc1");
	CHECK(anpr_synth_clip_fourcc("clip.mkv") == NULL);
	CHECK(anpr_synth_clip_fourcc("a.avi/clip") == NULL);
	CHECK_INT(anpr_synth_clip_dir_parse("away", &d), ANPR_ERR_OK);
	CHECK_INT(d, ANPR_SYNTH_DIR_AWAY);
	CHECK_INT(anpr_synth_clip_look_parse("ir", &l), ANPR_ERR_OK);
	CHECK_INT(l, ANPR_SYNTH_LOOK_IR);
	CHECK_INT(anpr_synth_clip_look_parse("night", &l), ANPR_ERR_INVAL);

	small_cfg(&cfg, 1);
	cfg.direction = ANPR_SYNTH_DIR_MIXED;
	CHECK_INT(anpr_synth_clip_plan(&cfg, &c, diag, sizeof(diag)), ANPR_ERR_INVAL);
	CHECK(c == NULL);
	CHECK_CONTAINS(diag, "lanes");
	small_cfg(&cfg, 1);
	cfg.fps = 24;
	CHECK_INT(anpr_synth_clip_plan(&cfg, &c, diag, sizeof(diag)), ANPR_ERR_INVAL);
	small_cfg(&cfg, 1);
	cfg.hard_share = 1.5;
	CHECK_INT(anpr_synth_clip_plan(&cfg, &c, diag, sizeof(diag)), ANPR_ERR_INVAL);
	/* Both given and too many: the duration needed is reported. */
	small_cfg(&cfg, 1);
	cfg.duration_s = 10;
	cfg.vehicles = 60;
	CHECK_INT(anpr_synth_clip_plan(&cfg, &c, diag, sizeof(diag)), ANPR_ERR_RANGE);
	CHECK_CONTAINS(diag, "need at least");

	/* One given, the other follows: 1.5 s a vehicle, lengthened when the traffic needs it. */
	small_cfg(&cfg, 2);
	cfg.duration_s = 0;
	cfg.vehicles = 4;
	CHECK_INT(anpr_synth_clip_plan(&cfg, &c, diag, sizeof(diag)), ANPR_ERR_OK);
	if (c) {
		CHECK_INT(anpr_synth_clip_vehicle_count(c), 4);
		CHECK(anpr_synth_clip_config(c)->duration_s >= 6.0);
		CHECK_INT(anpr_synth_clip_frames(c), lround(anpr_synth_clip_config(c)->duration_s * 25));
	}
	anpr_synth_clip_free(c);
	c = NULL;
	small_cfg(&cfg, 2);
	cfg.duration_s = 30;
	CHECK_INT(anpr_synth_clip_plan(&cfg, &c, diag, sizeof(diag)), ANPR_ERR_OK);
	if (c) {
		CHECK(anpr_synth_clip_vehicle_count(c) >= 15 && anpr_synth_clip_vehicle_count(c) <= 20);
		CHECK_INT(anpr_synth_clip_frames(c), 750);
	}
	anpr_synth_clip_free(c);
	anpr_synth_clip_free(NULL);
}

/* Same seed, same truth and same frames, from any renderer in any order; another seed differs. */
static void test_determinism(void)
{
	anpr_synth_clip_cfg cfg;
	anpr_synth_clip *a = NULL, *b = NULL, *other = NULL;
	anpr_synth_clip_renderer *ra = NULL, *rb = NULL;
	anpr_image fa = { 0 }, fb = { 0 };

	small_cfg(&cfg, 42);
	CHECK_INT(anpr_synth_clip_plan(&cfg, &a, NULL, 0), ANPR_ERR_OK);
	CHECK_INT(anpr_synth_clip_plan(&cfg, &b, NULL, 0), ANPR_ERR_OK);
	cfg.seed = 43;
	CHECK_INT(anpr_synth_clip_plan(&cfg, &other, NULL, 0), ANPR_ERR_OK);
	if (!a || !b || !other)
		goto out;
	char *ta = truth_text(a), *tb = truth_text(b), *to = truth_text(other);
	CHECK(ta && tb && to);
	CHECK(ta && tb && strcmp(ta, tb) == 0);
	CHECK(ta && to && strcmp(ta, to) != 0);
	CHECK(ta && strstr(ta, "\"boxes\":[[") != NULL);
	free(ta);
	free(tb);
	free(to);

	CHECK_INT(anpr_synth_clip_renderer_open(a, &ra), ANPR_ERR_OK);
	CHECK_INT(anpr_synth_clip_renderer_open(b, &rb), ANPR_ERR_OK);
	if (!ra || !rb)
		goto out;
	const int frames = anpr_synth_clip_frames(a);
	CHECK_INT(frames, 75);
	/* rb renders backwards, so its plate cache sees the vehicles in another order. */
	bool same = true;
	for (int i = 0; i < frames; i += 7) {
		const int j = frames - 1 - i;
		CHECK_INT(anpr_synth_clip_render(ra, j, &fa), ANPR_ERR_OK);
		CHECK_INT(anpr_synth_clip_render(rb, j, &fb), ANPR_ERR_OK);
		same = same && same_pixels(&fa, &fb);
	}
	for (int i = 0; i < frames; i += 5) {
		CHECK_INT(anpr_synth_clip_render(ra, i, &fa), ANPR_ERR_OK);
		CHECK_INT(anpr_synth_clip_render(rb, i, &fb), ANPR_ERR_OK);
		same = same && same_pixels(&fa, &fb);
	}
	CHECK(same);
	CHECK_INT(fa.width, 640);
	CHECK_INT(fa.height, 360);
	CHECK_INT(anpr_synth_clip_render(ra, frames, &fa), ANPR_ERR_INVAL);
	CHECK_INT(anpr_synth_clip_render(ra, -1, &fa), ANPR_ERR_INVAL);
	/* Noise differs from frame to frame even where nothing moves. */
	CHECK_INT(anpr_synth_clip_render(ra, 0, &fa), ANPR_ERR_OK);
	CHECK_INT(anpr_synth_clip_render(ra, 1, &fb), ANPR_ERR_OK);
	CHECK(!same_pixels(&fa, &fb));
out:
	anpr_image_free(&fa);
	anpr_image_free(&fb);
	anpr_synth_clip_renderer_close(ra);
	anpr_synth_clip_renderer_close(rb);
	anpr_synth_clip_free(a);
	anpr_synth_clip_free(b);
	anpr_synth_clip_free(other);
}

/* Boxes inside the frame, around their quads, frames ascending; first/last/seen agree with them. */
static void check_boxes(const anpr_synth_clip *c)
{
	const anpr_synth_clip_cfg *cfg = anpr_synth_clip_config(c);
	int bad = 0;

	for (int i = 0; i < anpr_synth_clip_vehicle_count(c); i++) {
		const anpr_synth_clip_vehicle *v = anpr_synth_clip_vehicle_at(c, i);
		const anpr_synth_clip_box *b;
		const int n = anpr_synth_clip_boxes(c, i, &b);
		CHECK_INT(n, v->seen_frames);
		if (n == 0) {
			CHECK(v->first_frame == -1 && v->last_frame == -1);
			continue;
		}
		CHECK_INT(v->first_frame, b[0].frame);
		CHECK_INT(v->last_frame, b[n - 1].frame);
		for (int k = 0; k < n; k++) {
			const anpr_rect r = b[k].box;
			bad += r.x < 0 || r.y < 0 || r.width < 4 || r.height < 2 ||
			       r.x + r.width > cfg->frame_w || r.y + r.height > cfg->frame_h;
			bad += k > 0 && b[k].frame <= b[k - 1].frame;
			bad += b[k].frame < 0 || b[k].frame >= anpr_synth_clip_frames(c);
			for (int q = 0; q < 4; q++) {
				bad += b[k].quad[q].x < r.x || b[k].quad[q].x > r.x + r.width ||
				       b[k].quad[q].y < r.y || b[k].quad[q].y > r.y + r.height;
			}
			bad += !(b[k].width_px >= v->min_width_px - 1e-9 &&
				 b[k].width_px <= v->max_width_px + 1e-9);
		}
	}
	CHECK_INT(bad, 0);
}

/* Vehicles of a lane never overlap on the road while in view: 2 m apart at least (close following). */
static void check_lanes(const anpr_synth_clip *c)
{
	const int n = anpr_synth_clip_vehicle_count(c);
	double worst = 1e9;

	for (int f = 0; f < anpr_synth_clip_frames(c); f++) {
		for (int i = 0; i < n; i++) {
			double a0, a1;
			if (!anpr_synth_clip_extent_(c, i, f, &a0, &a1))
				continue;
			for (int j = i + 1; j < n; j++) {
				double b0, b1;
				if (anpr_synth_clip_vehicle_at(c, i)->lane !=
					anpr_synth_clip_vehicle_at(c, j)->lane ||
				    !anpr_synth_clip_extent_(c, j, f, &b0, &b1))
					continue;
				const double gap = a0 < b0 ? b0 - a1 : a0 - b1;
				worst = gap < worst ? gap : worst;
			}
		}
	}
	CHECK(worst >= 1.9);
}

/*
 * The geometry the documentation promises, on the default 1080p clip: plates
 * enter at 90-120 px and leave at 200-300 px, in view 0.5-2.5 s.
 */
static void test_geometry(void)
{
	anpr_synth_clip_cfg cfg;
	anpr_synth_clip *c = NULL;
	anpr_synth_clip_camera cam;

	anpr_synth_clip_cfg_init(&cfg);
	cfg.seed = 7;
	CHECK_INT(anpr_synth_clip_plan(&cfg, &c, NULL, 0), ANPR_ERR_OK);
	if (!c)
		return;
	CHECK_INT(anpr_synth_clip_vehicle_count(c), 40);
	CHECK_INT(anpr_synth_clip_frames(c), 1500);
	anpr_synth_clip_camera_get(c, &cam);
	CHECK(cam.focal_px > 5000 && cam.focal_px < 9000);
	CHECK(cam.far_m > 25 && cam.far_m < 45 && cam.near_m > 10 && cam.near_m < 25);
	int clear = 0, out_of_range = 0, seen = 0;
	for (int i = 0; i < 40; i++) {
		const anpr_synth_clip_vehicle *v = anpr_synth_clip_vehicle_at(c, i);
		CHECK(v->speed_mph >= 20 && v->speed_mph <= 70);
		CHECK(v->towards && !v->plate.rear && v->lane == 1);
		if (v->seen_frames == 0)
			continue;
		seen++;
		out_of_range += v->min_width_px < 90 || v->max_width_px > 300;
		if (v->hidden_frames == 0 && !(v->hard & ANPR_SYNTH_HARD_CLOSE)) {
			/* Seen all the way through: enters and leaves at the documented sizes. */
			clear++;
			CHECK(v->min_width_px >= 90 && v->min_width_px <= 120);
			CHECK(v->max_width_px >= 200 && v->max_width_px <= 300);
			const double secs = (v->last_frame - v->first_frame + 1) / 25.0;
			CHECK(secs >= 0.5 && secs <= 2.5);
		}
	}
	CHECK_INT(out_of_range, 0);
	CHECK(seen >= 36);
	CHECK(clear >= 25);
	check_boxes(c);
	check_lanes(c);
	anpr_synth_clip_free(c);
}

/* Other directions, lanes and looks plan consistently too. */
static void test_variants(void)
{
	static const struct {
		int lanes;
		anpr_synth_clip_dir dir;
		anpr_synth_clip_look look;
	} cases[] = {
		{ 1, ANPR_SYNTH_DIR_AWAY, ANPR_SYNTH_LOOK_DAY },
		{ 2, ANPR_SYNTH_DIR_MIXED, ANPR_SYNTH_LOOK_IR },
		{ 3, ANPR_SYNTH_DIR_TOWARDS, ANPR_SYNTH_LOOK_MIXED },
		{ 3, ANPR_SYNTH_DIR_MIXED, ANPR_SYNTH_LOOK_MIXED },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		anpr_synth_clip_cfg cfg;
		anpr_synth_clip *c = NULL;
		small_cfg(&cfg, 100 + k);
		cfg.duration_s = 40;
		cfg.lanes = cases[k].lanes;
		cfg.direction = cases[k].dir;
		cfg.look = cases[k].look;
		cfg.hard_share = 1.0;
		CHECK_INT(anpr_synth_clip_plan(&cfg, &c, NULL, 0), ANPR_ERR_OK);
		if (!c)
			continue;
		int towards = 0, away = 0, ir = 0, seen = 0, bad_look = 0, bad_plate = 0, easy = 0;
		for (int i = 0; i < anpr_synth_clip_vehicle_count(c); i++) {
			const anpr_synth_clip_vehicle *v = anpr_synth_clip_vehicle_at(c, i);
			const anpr_synth_clip_box *b;
			const int n = anpr_synth_clip_boxes(c, i, &b);
			towards += v->towards;
			away += !v->towards;
			ir += v->plate.ir;
			seen += n > 0;
			easy += v->hard == 0;
			/* Rear plates yellow, front plates white; foreign ones white at both ends. */
			bad_plate += v->plate.rear != (!v->towards && !v->foreign);
			bad_plate += v->lane < 1 || v->lane > cfg.lanes;
			/* A vehicle is seen in one look: every frame its plate is in has it. */
			for (int f = 0; f < n; f++)
				bad_look += anpr_synth_clip_frame_ir(c, b[f].frame) != v->plate.ir;
		}
		CHECK_INT(bad_plate, 0);
		CHECK_INT(bad_look, 0);
		CHECK_INT(easy, 0);
		CHECK(seen >= anpr_synth_clip_vehicle_count(c) * 3 / 4);
		if (cases[k].dir == ANPR_SYNTH_DIR_MIXED)
			CHECK(towards > 0 && away > 0);
		if (cases[k].dir == ANPR_SYNTH_DIR_AWAY)
			CHECK_INT(towards, 0);
		if (cases[k].look == ANPR_SYNTH_LOOK_IR)
			CHECK_INT(ir, anpr_synth_clip_vehicle_count(c));
		check_boxes(c);
		check_lanes(c);
		anpr_synth_clip_free(c);
	}
}

/* Mean absolute difference over the middle of a box (in case the plate's edges blend with the road). */
static double box_diff(const anpr_image *a, const anpr_image *b, anpr_rect r)
{
	double sum = 0;
	int n = 0;

	for (int y = r.y + r.height / 4; y < r.y + r.height * 3 / 4; y++) {
		for (int x = r.x + r.width / 8; x < r.x + r.width * 7 / 8; x++) {
			for (int k = 0; k < 3; k++) {
				const size_t o = (size_t)y * a->stride + (size_t)x * 3 + (size_t)k;
				const size_t p = (size_t)y * b->stride + (size_t)x * 3 + (size_t)k;
				sum += fabs((double)a->data[o] - (double)b->data[p]);
				n++;
			}
		}
	}
	return n ? sum / n : 0;
}

/*
 * The video: the same bytes whatever the number of threads; decoded, it has
 * every frame, and where the truth puts a plate the picture is not road.
 */
static void test_video(void)
{
	anpr_synth_clip_cfg cfg;
	anpr_synth_clip *c = NULL;
	anpr_synth_clip_stats st;
	anpr_video_reader *rd = NULL;
	anpr_video_info info;
	anpr_image frame = { 0 }, bg[2] = { { 0 }, { 0 } };
	char dir[] = "/tmp/test_synth_clip.XXXXXX", one[64], three[64], mp4[64];
	uint8_t *da = NULL, *db = NULL;
	size_t la = 0, lb = 0;

	if (!mkdtemp(dir)) {
		CHECK(false);
		return;
	}
	snprintf(one, sizeof(one), "%s/one.avi", dir);
	snprintf(three, sizeof(three), "%s/three.avi", dir);
	snprintf(mp4, sizeof(mp4), "%s/clip.mp4", dir);
	small_cfg(&cfg, 5);
	cfg.look = ANPR_SYNTH_LOOK_MIXED;
	CHECK_INT(anpr_synth_clip_plan(&cfg, &c, NULL, 0), ANPR_ERR_OK);
	if (!c)
		goto out;
	CHECK_INT(anpr_synth_clip_write_video(c, one, 1, NULL, NULL, &st), ANPR_ERR_OK);
	CHECK_INT(st.threads, 1);
	CHECK_INT(anpr_synth_clip_write_video(c, three, 3, NULL, NULL, &st), ANPR_ERR_OK);
	CHECK_INT(st.threads, 3);
	CHECK(read_file(one, &da, &la) && read_file(three, &db, &lb));
	CHECK(la > 1000 && la == lb && da && db && memcmp(da, db, la) == 0);
	CHECK_INT(anpr_synth_clip_write_video(c, mp4, 2, NULL, NULL, NULL), ANPR_ERR_OK);
	CHECK_INT(anpr_synth_clip_write_video(c, "/tmp/clip.mkv", 1, NULL, NULL, NULL), ANPR_ERR_INVAL);
	CHECK_INT(anpr_synth_clip_write_video(c, one, 0, NULL, NULL, NULL), ANPR_ERR_INVAL);

	CHECK_INT(anpr_synth_clip_background(c, false, &bg[0]), ANPR_ERR_OK);
	CHECK_INT(anpr_synth_clip_background(c, true, &bg[1]), ANPR_ERR_OK);
	CHECK_INT(anpr_video_open(one, &rd, &info), ANPR_ERR_OK);
	if (!rd)
		goto out;
	CHECK_INT(info.width, 640);
	CHECK_INT(info.height, 360);
	int n = 0, plates = 0, low = 0, grey_bad = 0;
	double road = 0;
	int64_t pts;
	while (anpr_video_read(rd, &frame, &pts) == ANPR_ERR_OK) {
		const bool ir = anpr_synth_clip_frame_ir(c, n);
		/* The verge at the left edge, where no vehicle goes: background plus noise and codec loss. */
		const anpr_rect verge = { 0, 120, 32, 120 };
		road += box_diff(&frame, &bg[ir], verge);
		if (ir) {
			const uint8_t *p = frame.data + (size_t)180 * frame.stride + 320 * 3;
			grey_bad += abs(p[0] - p[1]) > 6 || abs(p[1] - p[2]) > 6;
		}
		for (int i = 0; i < anpr_synth_clip_vehicle_count(c); i++) {
			const anpr_synth_clip_box *b;
			const int nb = anpr_synth_clip_boxes(c, i, &b);
			for (int k = 0; k < nb; k++) {
				if (b[k].frame != n)
					continue;
				plates++;
				low += box_diff(&frame, &bg[ir], b[k].box) < 20;
			}
		}
		n++;
	}
	CHECK_INT(n, anpr_synth_clip_frames(c));
	CHECK(plates > 10);
	CHECK_INT(low, 0);
	CHECK_INT(grey_bad, 0);
	CHECK(n > 0 && road / n < 8);
out:
	anpr_video_close(rd);
	anpr_image_free(&frame);
	anpr_image_free(&bg[0]);
	anpr_image_free(&bg[1]);
	free(da);
	free(db);
	anpr_synth_clip_free(c);
	unlink(one);
	unlink(three);
	unlink(mp4);
	rmdir(dir);
}

int main(void)
{
	test_config();
	test_determinism();
	test_geometry();
	test_variants();
	test_video();
	return check_summary();
}
