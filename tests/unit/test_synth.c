/* SPDX-License-Identifier: MIT */
/* anpr_synth: seeded marks obey DVLA rules, plates look like UK plates, scenes and strips are exact and reproducible. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "rng.h"
#include "synth.h"
#include "synth_scene.h"
#include "synth_strip.h"
#include "vrm_gen.h"

/* ---- An independent reading of the DVLA rules (not the generator's tables) ---- */

static bool in_set(char c, const char *set)
{
	return c && strchr(set, c) != NULL;
}

static bool letter(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Letters allowed outside the current format's random part: no I, Q or Z (Irish and reserved). */
static bool gb_letter(char c)
{
	return letter(c) && !in_set(c, "IQZ");
}

/* Counts a run of digits at s (no leading zero), or returns -1. */
static int number_run(const char *s)
{
	int n = 0;

	while (digit(s[n]))
		n++;
	return n > 0 && s[0] == '0' ? -1 : n;
}

static bool is_current(const char *t)
{
	if (strlen(t) != 7 || !in_set(t[0], "ABCDEFGHKLMNOPRSVWY") || !letter(t[1]) || in_set(t[1], "IQZ") ||
	    !digit(t[2]) || !digit(t[3]))
		return false;
	const int age = (t[2] - '0') * 10 + (t[3] - '0');
	if (!((age >= 2 && age <= 26) || (age >= 51 && age <= 76)))
		return false;
	for (int i = 4; i < 7; i++) {
		if (!letter(t[i]) || t[i] == 'I' || t[i] == 'Q')
			return false;
	}
	return true;
}

static bool age_letter(char c)
{
	return letter(c) && !in_set(c, "IOQUZ");
}

static bool is_prefix(const char *t)
{
	if (!age_letter(t[0]))
		return false;
	const int d = number_run(t + 1);
	if (d < 1 || d > 3)
		return false;
	const char *l = t + 1 + d;
	return strlen(l) == 3 && gb_letter(l[0]) && gb_letter(l[1]) && gb_letter(l[2]);
}

static bool is_suffix(const char *t)
{
	if (!gb_letter(t[0]) || !gb_letter(t[1]) || !gb_letter(t[2]))
		return false;
	const int d = number_run(t + 3);
	return d >= 1 && d <= 3 && strlen(t + 3 + d) == 1 && age_letter(t[3 + d]);
}

static bool is_dateless(const char *t)
{
	int letters = 0, digits;

	if (letter(t[0])) {
		while (gb_letter(t[letters]))
			letters++;
		digits = number_run(t + letters);
		if (digits < 1 || t[letters + digits] != '\0')
			return false;
	} else {
		digits = number_run(t);
		if (digits < 1)
			return false;
		while (gb_letter(t[digits + letters]))
			letters++;
		if (t[digits + letters] != '\0')
			return false;
	}
	return letters >= 1 && letters <= 3 && digits <= (letters == 3 ? 3 : 4);
}

static bool is_ni(const char *t)
{
	if (!gb_letter(t[0]) || !letter(t[1]) || !letter(t[2]) ||
	    (t[1] != 'I' && t[1] != 'Z' && t[2] != 'I' && t[2] != 'Z'))
		return false;
	const int d = number_run(t + 3);
	return d >= 1 && d <= 4 && t[3 + d] == '\0';
}

static bool is_q(const char *t)
{
	if (t[0] != 'Q')
		return false;
	const int d = number_run(t + 1);
	if (d < 1 || d > 3)
		return false;
	const char *l = t + 1 + d;
	return strlen(l) == 3 && gb_letter(l[0]) && gb_letter(l[1]) && gb_letter(l[2]);
}

static bool obeys(anpr_vrm_gen_format f, const char *t)
{
	switch (f) {
	case ANPR_VRM_GEN_CURRENT:
		return is_current(t);
	case ANPR_VRM_GEN_PREFIX:
		return is_prefix(t);
	case ANPR_VRM_GEN_SUFFIX:
		return is_suffix(t);
	case ANPR_VRM_GEN_DATELESS:
		return is_dateless(t);
	case ANPR_VRM_GEN_NI:
		return is_ni(t);
	case ANPR_VRM_GEN_Q:
		return is_q(t);
	default:
		return false;
	}
}

/* The display form by the rules in words: "AB12 CDE", "A123 BCD", "ABC 123D", "1234 AB", "ABZ 1234", "Q123 ABC". */
static void expected_display(anpr_vrm_gen_format f, const char *t, char *out)
{
	const size_t n = strlen(t);
	size_t gap = 0;

	if (f == ANPR_VRM_GEN_CURRENT) {
		gap = 4;
	} else if (f == ANPR_VRM_GEN_PREFIX || f == ANPR_VRM_GEN_Q) {
		gap = n - 3; /* before the three letters */
	} else if (f == ANPR_VRM_GEN_SUFFIX || f == ANPR_VRM_GEN_NI) {
		gap = 3;
	} else {
		gap = 1;
		while (gap < n && digit(t[gap]) == digit(t[0]))
			gap++;
	}
	memcpy(out, t, gap);
	out[gap] = ' ';
	strcpy(out + gap + 1, t + gap);
}

static void test_rng(void)
{
	anpr_rng a, b;
	bool same = true, in_range = true;
	int hits = 0;

	anpr_rng_seed(&a, 7);
	anpr_rng_seed(&b, 7);
	for (int i = 0; i < 1000; i++)
		same = same && anpr_rng_next(&a) == anpr_rng_next(&b);
	CHECK(same);
	anpr_rng_seed(&b, 8);
	CHECK(anpr_rng_next(&a) != anpr_rng_next(&b));
	CHECK(anpr_rng_derive(1, 0) != anpr_rng_derive(1, 1));
	CHECK(anpr_rng_derive(1, 0) != anpr_rng_derive(2, 0));
	/* The sequence is part of every published set: pin its first value. */
	anpr_rng_seed(&a, 0);
	CHECK(anpr_rng_next(&a) == 0x99ec5f36cb75f2b4ULL);
	for (int i = 0; i < 10000; i++) {
		const int v = anpr_rng_int(&a, -3, 5);
		const double u = anpr_rng_unit(&a);
		in_range = in_range && v >= -3 && v <= 5 && u >= 0 && u < 1;
		hits += anpr_rng_chance(&a, 0.25);
	}
	CHECK(in_range);
	CHECK(hits > 2250 && hits < 2750);
	const double w[3] = { 0, 1, 0 };
	CHECK_INT(anpr_rng_pick(&a, w, 3), 1);
}

static void test_vrm(void)
{
	anpr_rng rng;
	anpr_vrm_mark m;
	char want[16];

	anpr_rng_seed(&rng, 2026);
	for (int f = 0; f < ANPR_VRM_GEN_FORMATS; f++) {
		int bad = 0, bad_display = 0;
		for (int i = 0; i < 3000; i++) {
			if (anpr_vrm_gen_random_format(&rng, (anpr_vrm_gen_format)f, &m) != ANPR_ERR_OK) {
				bad++;
				continue;
			}
			if (!obeys((anpr_vrm_gen_format)f, m.text) || m.format != (anpr_vrm_gen_format)f) {
				if (bad++ < 3)
					fprintf(stderr, "%s breaks the %s rules\n", m.text,
						anpr_vrm_gen_format_name((anpr_vrm_gen_format)f));
			}
			expected_display((anpr_vrm_gen_format)f, m.text, want);
			if (strcmp(m.display, want) != 0 && bad_display++ < 3)
				fprintf(stderr, "%s displayed as '%s', want '%s'\n", m.text, m.display, want);
		}
		CHECK_INT(bad, 0);
		CHECK_INT(bad_display, 0);
		anpr_vrm_gen_format back;
		CHECK(anpr_vrm_gen_format_parse(anpr_vrm_gen_format_name((anpr_vrm_gen_format)f), &back) ==
		      ANPR_ERR_OK);
		CHECK_INT(back, f);
	}
	/* Every age identifier turns up, none other. */
	bool seen[100] = { false };
	for (int i = 0; i < 20000; i++) {
		CHECK_INT(anpr_vrm_gen_random_format(&rng, ANPR_VRM_GEN_CURRENT, &m), ANPR_ERR_OK);
		seen[(m.text[2] - '0') * 10 + (m.text[3] - '0')] = true;
	}
	int ages = 0;
	for (int a = 0; a < 100; a++)
		ages += seen[a];
	CHECK_INT(ages, 51);
	CHECK(seen[2] && seen[26] && seen[51] && seen[76] && !seen[1] && !seen[27] && !seen[50] && !seen[77]);

	/* The default mix is the roads'. */
	int count[ANPR_VRM_GEN_FORMATS] = { 0 };
	for (int i = 0; i < 20000; i++) {
		CHECK_INT(anpr_vrm_gen_random(&rng, NULL, &m), ANPR_ERR_OK);
		count[m.format]++;
	}
	CHECK(count[ANPR_VRM_GEN_CURRENT] > 16700 && count[ANPR_VRM_GEN_CURRENT] < 17300);
	CHECK(count[ANPR_VRM_GEN_PREFIX] > 1400 && count[ANPR_VRM_GEN_PREFIX] < 1800);
	CHECK(count[ANPR_VRM_GEN_Q] > 40 && count[ANPR_VRM_GEN_Q] < 170);

	anpr_vrm_gen_mix none = { { 0, 0, 0, 0, 0, 0 } };
	CHECK_INT(anpr_vrm_gen_random(&rng, &none, &m), ANPR_ERR_INVAL);
	anpr_vrm_gen_mix only_ni = { { 0, 0, 0, 0, 1, 0 } };
	CHECK_INT(anpr_vrm_gen_random(&rng, &only_ni, &m), ANPR_ERR_OK);
	CHECK_INT(m.format, ANPR_VRM_GEN_NI);
	CHECK_INT(anpr_vrm_gen_mark("AB12CDEF", ANPR_VRM_GEN_CURRENT, &m), ANPR_ERR_INVAL);
	CHECK_INT(anpr_vrm_gen_mark("ab12cde", ANPR_VRM_GEN_CURRENT, &m), ANPR_ERR_INVAL);
	CHECK_INT(anpr_vrm_gen_mark("AB12CDE", ANPR_VRM_GEN_CURRENT, &m), ANPR_ERR_OK);
	CHECK_STR(m.display, "AB12 CDE");
}

/* ---- Plates ---- */

static const uint8_t *px(const anpr_image *img, int x, int y)
{
	return img->data + (size_t)y * img->stride + (size_t)x * (size_t)img->channels;
}

static void plate_of(anpr_synth_plate *p, const char *text, bool rear)
{
	memset(p, 0, sizeof(*p));
	if (anpr_vrm_gen_mark(text, ANPR_VRM_GEN_CURRENT, &p->vrm) != ANPR_ERR_OK)
		abort();
	p->rear = rear;
	p->detail_seed = 3;
}

static void test_plate(anpr_synth *s)
{
	anpr_synth_plate p;
	anpr_synth_layout lay;
	anpr_image img = { 0 };

	plate_of(&p, "HH12HHH", true);
	CHECK_INT(anpr_synth_layout_plate(&p, &lay), ANPR_ERR_OK);
	CHECK_INT(lay.n, 7);
	/* 11 mm between characters, 33 mm between groups, all inside the margins. */
	CHECK(fabs(lay.chars[1].x - (lay.chars[0].x + lay.chars[0].w) - 11) < 1e-9);
	CHECK(fabs(lay.chars[4].x - (lay.chars[3].x + lay.chars[3].w) - 33) < 1e-9);
	CHECK(lay.chars[0].x >= 11 && lay.chars[6].x + lay.chars[6].w <= 520 - 11);
	CHECK(fabs(lay.chars[0].h - 79) < 1e-9 && fabs(lay.chars[0].w - 50) < 1e-9);

	for (int font = 0; font < anpr_synth_font_count(s); font++) {
		p.font = font;
		for (int rear = 0; rear <= 1; rear++) {
			p.rear = rear;
			CHECK_INT(anpr_synth_render_plate(s, &p, 1.0, &img), ANPR_ERR_OK);
			CHECK_INT(img.width, 520);
			CHECK_INT(img.height, 111);
			CHECK_INT(img.channels, 3);
			/* Background in the right-hand margin (BGR). */
			const uint8_t *b = px(&img, 515, 55);
			if (rear) {
				CHECK(b[2] > 220 && b[1] > 180 && b[1] < 235 &&
				      b[0] < 60); /* about 247,209,23 */
			} else {
				CHECK(b[0] > 225 && b[1] > 225 && b[2] > 225);
			}
		}
		/* Strokes near 14 mm: the first H's left stem, measured at 2 px/mm a quarter of the way down. */
		p.rear = false;
		CHECK_INT(anpr_synth_render_plate(s, &p, 2.0, &img), ANPR_ERR_OK);
		const int y = (int)((lay.chars[0].y + 20) * 2);
		const int xa = (int)(lay.chars[0].x * 2) - 2, xb = (int)((lay.chars[0].x + 25) * 2);
		double ink = 0, darkest = 255;
		const double paper = px(&img, img.width - 10, y)[1];
		for (int x = xa; x < xb; x++)
			darkest = fmin(darkest, px(&img, x, y)[1]);
		/* Coverage between the ink's grey and the paper's, so the ink colour does not count. */
		for (int x = xa; x < xb; x++)
			ink += (paper - px(&img, x, y)[1]) / (paper - darkest);
		const double stem_mm = ink / 2;
		if (getenv("SYNTH_VERBOSE") || !(stem_mm > 13 && stem_mm < 15))
			fprintf(stderr, "font %d: stem %.1f mm\n", font, stem_mm);
		CHECK(stem_mm > 13 && stem_mm < 15);
	}
	/* The plate face's 1 has no foot, whichever font draws the rest: its bottom is no wider than its middle. */
	plate_of(&p, "HH11HHH", false);
	CHECK_INT(anpr_synth_layout_plate(&p, &lay), ANPR_ERR_OK);
	for (int font = 0; font < anpr_synth_font_count(s); font++) {
		p.font = font;
		CHECK_INT(anpr_synth_render_plate(s, &p, 2.0, &img), ANPR_ERR_OK);
		double ink[2] = { 0, 0 };
		const int rows[2] = { (int)((lay.chars[2].y + 40) * 2), (int)((lay.chars[2].y + 77) * 2) };
		for (int r = 0; r < 2; r++) {
			for (int x = (int)(lay.chars[2].x * 2) - 2;
			     x < (int)((lay.chars[2].x + lay.chars[2].w) * 2) + 2; x++)
				ink[r] += (255 - px(&img, x, rows[r])[1]) / 255.0;
		}
		if (!(ink[1] < 1.3 * ink[0]))
			fprintf(stderr, "font %d: the 1 is %.1f px wide at its foot, %.1f px in the middle\n",
				font, ink[1], ink[0]);
		CHECK(ink[1] < 1.3 * ink[0]);
	}
	/*
	 * The plate face's W is open at the top: its middle strokes meet below
	 * the cap height. A tenth of the way down, the widest gap between its ink
	 * runs spans at least 30% of its box (real tiles: 41%; the fonts' own W,
	 * apex at the top: 7-13%, which blur closes into a solid wedge).
	 */
	plate_of(&p, "WW12WWW", true);
	CHECK_INT(anpr_synth_layout_plate(&p, &lay), ANPR_ERR_OK);
	for (int font = 0; font < anpr_synth_font_count(s); font++) {
		p.font = font;
		CHECK_INT(anpr_synth_render_plate(s, &p, 2.0, &img), ANPR_ERR_OK);
		const int y = (int)((lay.chars[0].y + 7.9) * 2);
		const int xa = (int)(lay.chars[0].x * 2), xb = (int)((lay.chars[0].x + lay.chars[0].w) * 2);
		/* last: the previous ink pixel of the row, -1 before the first. */
		int last = -1, widest = 0;
		for (int x = xa; x < xb; x++) {
			if (px(&img, x, y)[1] >= 128)
				continue;
			if (last >= 0 && x - last - 1 > widest)
				widest = x - last - 1;
			last = x;
		}
		if (getenv("SYNTH_VERBOSE") || !(last >= 0 && widest >= 0.3 * (xb - xa)))
			fprintf(stderr, "font %d: the W's top is open over %d of %d px\n", font, widest,
				xb - xa);
		CHECK(last >= 0 && widest >= 0.3 * (xb - xa));
	}
	/* IR: grey. */
	p.ir = true;
	p.band = ANPR_SYNTH_BAND_GB_EU;
	CHECK_INT(anpr_synth_render_plate(s, &p, 0.5, &img), ANPR_ERR_OK);
	bool grey = true;
	for (int yy = 0; yy < img.height; yy++) {
		for (int x = 0; x < img.width; x++) {
			const uint8_t *q = px(&img, x, yy);
			grey = grey && q[0] == q[1] && q[1] == q[2];
		}
	}
	CHECK(grey);
	CHECK_INT(anpr_synth_render_plate(s, &p, 0.01, &img), ANPR_ERR_INVAL);
	anpr_image_free(&img);
}

/* ---- Scenes ---- */

static bool same_pixels(const anpr_image *a, const anpr_image *b)
{
	if (a->width != b->width || a->height != b->height || a->channels != b->channels)
		return false;
	for (int y = 0; y < a->height; y++) {
		if (memcmp(px(a, 0, y), px(b, 0, y), (size_t)a->width * (size_t)a->channels) != 0)
			return false;
	}
	return true;
}

static anpr_err draw_render(anpr_synth *s, uint64_t seed, anpr_synth_mix mix, int w, int h,
			    anpr_synth_scene *sc, anpr_image *frame, anpr_synth_truth *truth)
{
	anpr_rng rng;

	anpr_rng_seed(&rng, seed);
	anpr_err err = anpr_synth_scene_draw(s, &rng, mix, w, h, sc);
	return err ? err : anpr_synth_render_scene(s, sc, frame, truth);
}

static void test_determinism(anpr_synth *s)
{
	anpr_synth *s2 = NULL;
	anpr_synth_scene a, b, c;
	anpr_synth_truth ta, tb, tc;
	anpr_image fa = { 0 }, fb = { 0 }, fc = { 0 };
	uint8_t *ja = NULL, *jb = NULL;
	size_t la = 0, lb = 0;

	CHECK_INT(anpr_synth_open(NULL, &s2), ANPR_ERR_OK);
	if (!s2)
		return;
	CHECK_INT(draw_render(s, 99, ANPR_SYNTH_MIX_HARD, 640, 480, &a, &fa, &ta), ANPR_ERR_OK);
	/* Another scene in between must leave no trace in the handle. */
	CHECK_INT(draw_render(s, 5, ANPR_SYNTH_MIX_REALISTIC, 800, 600, &c, &fc, &tc), ANPR_ERR_OK);
	CHECK_INT(draw_render(s2, 99, ANPR_SYNTH_MIX_HARD, 640, 480, &b, &fb, &tb), ANPR_ERR_OK);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	CHECK(same_pixels(&fa, &fb));
	CHECK(memcmp(&ta, &tb, sizeof(ta)) == 0);
	CHECK_INT(anpr_synth_scene_encode(&a, &fa, false, &ja, &la), ANPR_ERR_OK);
	CHECK_INT(anpr_synth_scene_encode(&b, &fb, false, &jb, &lb), ANPR_ERR_OK);
	CHECK(la == lb && la > 0 && ja && jb && memcmp(ja, jb, la) == 0);
	free(ja);
	free(jb);
	ja = jb = NULL;
	CHECK_INT(draw_render(s, 99, ANPR_SYNTH_MIX_HARD, 640, 480, &c, &fc, &tc), ANPR_ERR_OK);
	CHECK(same_pixels(&fa, &fc));
	/* PNG carries the same JPEG degradation and is reproducible too. */
	CHECK_INT(anpr_synth_scene_encode(&a, &fa, true, &ja, &la), ANPR_ERR_OK);
	CHECK_INT(anpr_synth_scene_encode(&b, &fb, true, &jb, &lb), ANPR_ERR_OK);
	CHECK(la == lb && la > 8 && ja && jb && memcmp(ja, jb, la) == 0 && memcmp(ja + 1, "PNG", 3) == 0);
	free(ja);
	free(jb);
	/* A different seed gives a different scene. */
	CHECK_INT(draw_render(s, 100, ANPR_SYNTH_MIX_HARD, 640, 480, &c, &fc, &tc), ANPR_ERR_OK);
	CHECK(!same_pixels(&fa, &fc));
	CHECK(strcmp(a.plate.vrm.text, c.plate.vrm.text) != 0 || a.width_px != c.width_px);
	anpr_image_free(&fa);
	anpr_image_free(&fb);
	anpr_image_free(&fc);
	anpr_synth_close(s2);
}

static double cross(anpr_point o, anpr_point a, anpr_point b)
{
	const double ax = (double)a.x, ay = (double)a.y, bx = (double)b.x, by = (double)b.y, ox = (double)o.x,
		     oy = (double)o.y;

	return (ax - ox) * (by - oy) - (ay - oy) * (bx - ox);
}

/* Mean BGR over a 3x3 patch at (u, v) across the quad (bilinear in the corners: near enough for mild perspective). */
static void sample(const anpr_image *f, const anpr_point q[4], double u, double v, double out[3])
{
	double qx[4], qy[4];

	for (int k = 0; k < 4; k++) {
		qx[k] = (double)q[k].x;
		qy[k] = (double)q[k].y;
	}
	const double x = (1 - v) * ((1 - u) * qx[0] + u * qx[1]) + v * ((1 - u) * qx[3] + u * qx[2]);
	const double y = (1 - v) * ((1 - u) * qy[0] + u * qy[1]) + v * ((1 - u) * qy[3] + u * qy[2]);

	out[0] = out[1] = out[2] = 0;
	for (int dy = -1; dy <= 1; dy++) {
		for (int dx = -1; dx <= 1; dx++) {
			const uint8_t *p = px(f, (int)x + dx, (int)y + dy);
			for (int k = 0; k < 3; k++)
				out[k] += p[k] / 9.0;
		}
	}
}

static void test_scenes(anpr_synth *s)
{
	anpr_synth_scene sc;
	anpr_synth_truth t;
	anpr_image f = { 0 };
	static const int sizes[3][2] = { { 640, 480 }, { 1280, 720 }, { 320, 240 } };
	int outside = 0, width_off = 0, order = 0, colour = 0, boxes = 0, n = 0;

	for (int i = 0; i < 36; i++) {
		const anpr_synth_mix mix = (anpr_synth_mix)(i % 3);
		const int w = sizes[i % 3 == 1 ? 0 : (i / 3) % 3][0],
			  h = sizes[i % 3 == 1 ? 0 : (i / 3) % 3][1];
		if (draw_render(s, anpr_rng_derive(31, (uint64_t)i), mix, w, h, &sc, &f, &t) != ANPR_ERR_OK) {
			CHECK(false);
			continue;
		}
		n++;
		CHECK(f.width == w && f.height == h && f.channels == 3);
		for (int k = 0; k < 4; k++) {
			if (!(t.quad[k].x >= 0 && t.quad[k].x <= w && t.quad[k].y >= 0 && t.quad[k].y <= h))
				outside++;
		}
		/* The requested width within 1% (and what the frame allowed within the documented range). */
		if (fabs(t.width_px - sc.width_px) > 0.01 * sc.width_px || sc.width_px > 600 ||
		    (sc.width_px < 60 && w >= 640))
			width_off++;
		/* Clockwise in image coordinates from the plate's top-left; characters run left to right. */
		if (!(cross(t.quad[0], t.quad[1], t.quad[2]) > 0 &&
		      cross(t.quad[0], t.quad[2], t.quad[3]) > 0) ||
		    t.char_quad[0][0].x >= t.char_quad[t.n_chars - 1][1].x)
			order++;
		for (int k = 0; k < 4; k++) {
			if (t.quad[k].x < t.box.x || t.quad[k].x > t.box.x + t.box.width ||
			    t.quad[k].y < t.box.y || t.quad[k].y > t.box.y + t.box.height)
				boxes++;
		}
		/* On a clean daylight scene the plate shows its sheeting: yellow behind, white in front. */
		if (mix == ANPR_SYNTH_MIX_CLEAN && !sc.plate.ir) {
			double bgr[3];
			sample(&f, t.quad, 0.985, 0.5, bgr);
			const bool ok =
			    sc.plate.rear
				? bgr[2] > 170 && bgr[1] > 130 && bgr[0] < 110 && bgr[2] > bgr[0] + 90
				: bgr[0] > 170 && bgr[1] > 170 && bgr[2] > 170 && fabs(bgr[0] - bgr[2]) < 40;
			if (!ok) {
				fprintf(stderr, "scene %d (%s): plate margin BGR %.0f,%.0f,%.0f\n", i,
					sc.plate.rear ? "rear" : "front", bgr[0], bgr[1], bgr[2]);
				colour++;
			}
		}
	}
	CHECK_INT(n, 36);
	CHECK_INT(outside, 0);
	CHECK_INT(width_off, 0);
	CHECK_INT(order, 0);
	CHECK_INT(boxes, 0);
	CHECK_INT(colour, 0);

	/* The manifest row has a value for every column. */
	char row[2048];
	const int len = anpr_synth_scene_row(&sc, row, sizeof(row));
	CHECK(len > 0 && len < (int)sizeof(row));
	int tabs_row = 0, tabs_head = 0;
	for (const char *p = row; *p; p++)
		tabs_row += *p == '\t';
	for (const char *p = anpr_synth_scene_columns(); *p; p++)
		tabs_head += *p == '\t';
	CHECK_INT(tabs_row, tabs_head);

	/* Bad arguments. */
	anpr_rng rng;
	anpr_rng_seed(&rng, 1);
	CHECK_INT(anpr_synth_scene_draw(s, &rng, ANPR_SYNTH_MIX_CLEAN, 10, 480, &sc), ANPR_ERR_INVAL);
	CHECK_INT(anpr_synth_scene_draw(s, &rng, ANPR_SYNTH_MIXES, 640, 480, &sc), ANPR_ERR_INVAL);
	CHECK_INT(anpr_synth_scene_draw(s, &rng, ANPR_SYNTH_MIX_CLEAN, 640, 480, &sc), ANPR_ERR_OK);
	sc.width_px = (double)NAN;
	CHECK_INT(anpr_synth_render_scene(s, &sc, &f, &t), ANPR_ERR_INVAL);
	anpr_synth_mix mix;
	CHECK_INT(anpr_synth_mix_parse("hard", &mix), ANPR_ERR_OK);
	CHECK_INT(mix, ANPR_SYNTH_MIX_HARD);
	CHECK_INT(anpr_synth_mix_parse("easy", &mix), ANPR_ERR_INVAL);
	anpr_image_free(&f);
}

static double overlap(const anpr_synth_box *a, const anpr_synth_box *b)
{
	const double w = fmin(a->x + a->w, b->x + b->w) - fmax(a->x, b->x);
	const double h = fmin(a->y + a->h, b->y + b->h) - fmax(a->y, b->y);

	return w > 0 && h > 0 ? w * h : 0;
}

static void test_occlusion(anpr_synth *s)
{
	anpr_synth_scene sc;
	anpr_synth_layout lay;
	anpr_rng rng;
	const anpr_synth_box plate = { 0, 0, 520, 111 };
	int occluded = 0, too_much = 0, too_many = 0, too_deep = 0;

	for (int i = 0; i < 600; i++) {
		anpr_rng_seed(&rng, anpr_rng_derive(77, (uint64_t)i));
		if (anpr_synth_scene_draw(s, &rng, ANPR_SYNTH_MIX_HARD, 1280, 720, &sc) != ANPR_ERR_OK ||
		    anpr_synth_layout_plate(&sc.plate, &lay) != ANPR_ERR_OK) {
			CHECK(false);
			continue;
		}
		if (sc.occluder == ANPR_SYNTH_OCC_NONE)
			continue;
		occluded++;
		if (overlap(&sc.occluder_mm, &plate) > 0.15 * 520 * 111 + 1e-6)
			too_much++;
		int touched = 0;
		for (int k = 0; k < lay.n; k++) {
			const double o = overlap(&sc.occluder_mm, &lay.chars[k]);
			touched += o > 0;
			if (o > 0.5 * lay.chars[k].w * lay.chars[k].h)
				too_deep++;
		}
		too_many += touched > 1;
	}
	/* 40% of hard scenes are drawn with an occluder, a few of which find no legal place. */
	CHECK(occluded > 150);
	CHECK_INT(too_much, 0);
	CHECK_INT(too_many, 0);
	CHECK_INT(too_deep, 0);
}

/* ---- Strips ---- */

/* <repo>/../shared/data/gb-chars from this file's path; empty when unknown. */
static void gb_chars_dir(char *out, size_t n)
{
	const char *file = __FILE__, *cut = strstr(file, "tests/unit/");

	out[0] = '\0';
	if (cut && file[0] == '/')
		snprintf(out, n, "%.*s../shared/data/gb-chars", (int)(cut - file), file);
}

static void check_strip(anpr_synth *s, const anpr_synth_tiles *tiles, const anpr_synth_strip *st, int *bad)
{
	anpr_image img = { 0 };

	if (anpr_synth_render_strip(s, tiles, st, &img) != ANPR_ERR_OK) {
		(*bad)++;
		return;
	}
	const int h_want = (int)lround(st->char_h_px + 2 * st->margin_px);
	/* Dark text on a light ground: the border is lighter than the middle row. */
	double border = 0, middle = 0;
	for (int x = 0; x < img.width; x++) {
		border += px(&img, x, 0)[0] + px(&img, x, img.height - 1)[0];
		middle += px(&img, x, img.height / 2)[0];
	}
	border /= 2.0 * img.width;
	middle /= img.width;
	const char *sp = strchr(st->plate.vrm.display, ' ');
	const bool spaced = st->plate.vrm.gap > 0 ? sp && sp - st->plate.vrm.display == st->plate.vrm.gap &&
							!strchr(sp + 1, ' ')
						  : !sp;
	if (img.channels != 1 || abs(img.height - h_want) > 1 || img.width < 2 * img.height ||
	    !(border > middle + 20) || !spaced ||
	    strlen(st->plate.vrm.display) != strlen(st->plate.vrm.text) + (sp ? 1 : 0)) {
		fprintf(stderr, "strip '%s' (%s): %dx%dx%d, border %.0f middle %.0f\n", st->plate.vrm.display,
			st->tiles ? "tiles" : "font", img.width, img.height, img.channels, border, middle);
		(*bad)++;
	}
	anpr_image_free(&img);
}

static void test_strips(anpr_synth *s)
{
	anpr_synth_strip st;
	anpr_synth_tiles *tiles = NULL;
	anpr_rng rng;
	char dir[1024];
	int bad = 0, from_tiles = 0;

	anpr_rng_seed(&rng, 11);
	for (int i = 0; i < 20; i++) {
		CHECK_INT(anpr_synth_strip_draw(s, NULL, 0.5, &rng, &st), ANPR_ERR_OK);
		CHECK(!st.tiles);
		check_strip(s, NULL, &st, &bad);
	}
	CHECK_INT(anpr_synth_tiles_load("/nonexistent/gb-chars", &tiles, NULL, 0), ANPR_ERR_NOT_FOUND);
	gb_chars_dir(dir, sizeof(dir));
	struct stat stt;
	if (!dir[0] || stat(dir, &stt) != 0) {
		printf("skipped: tile strips (no %s)\n", dir[0] ? dir : "../shared/data/gb-chars");
	} else {
		char diag[256];
		CHECK_INT(anpr_synth_tiles_load(dir, &tiles, diag, sizeof(diag)), ANPR_ERR_OK);
		CHECK(anpr_synth_tiles_count(tiles) > 1000);
		CHECK(!anpr_synth_tiles_cover(tiles, "I"));
		for (int i = 0; i < 20; i++) {
			CHECK_INT(anpr_synth_strip_draw(s, tiles, 1.0, &rng, &st), ANPR_ERR_OK);
			from_tiles += st.tiles;
			CHECK(anpr_synth_tiles_cover(tiles, st.plate.vrm.text));
			check_strip(s, tiles, &st, &bad);
		}
		CHECK_INT(from_tiles, 20);
		/* A tile strip without its tiles is refused, not drawn from fonts. */
		anpr_image img = { 0 };
		CHECK_INT(anpr_synth_render_strip(s, NULL, &st, &img), ANPR_ERR_NOT_FOUND);
		anpr_image_free(&img);
		anpr_synth_tiles_free(tiles);
	}
	CHECK_INT(bad, 0);
}

int main(void)
{
	anpr_synth *s = NULL;
	anpr_synth_cfg missing = { { "/nonexistent/font.ttf" } };

	test_rng();
	test_vrm();
	CHECK_INT(anpr_synth_open(&missing, &s), ANPR_ERR_NOT_FOUND);
	CHECK(s == NULL);
	CHECK_INT(anpr_synth_open(NULL, &s), ANPR_ERR_OK);
	if (s) {
		CHECK_INT(anpr_synth_font_count(s), 2);
		test_plate(s);
		test_determinism(s);
		test_scenes(s);
		test_occlusion(s);
		test_strips(s);
		anpr_synth_close(s);
	}
	return check_summary();
}
