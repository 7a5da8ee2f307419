/* SPDX-License-Identifier: MIT */
/* Strip extraction: perspective warp of the text row, polarity and contrast normalisation. */
#include "strip.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Margins around the glyphs, in glyph heights: room for Tesseract to see clean
 * background. The side margin is a whole glyph height so that a first or last
 * glyph the detector left out of the row (fused with the plate border or a
 * band, or found at another pyramid level) is still read whole: with 0.45 it
 * was clipped and dropped (synthetic UK: 6% of plates read one glyph short).
 */
#define MARGIN_X ANPR_STRIP_MARGIN
#define MARGIN_Y 0.30f
/* Longest strip, in glyph heights; a plate line is at most about ten glyphs and spaces. */
#define MAX_STRIP_RATIO 14.0f

static float dist(anpr_point a, anpr_point b)
{
	return hypotf(a.x - b.x, a.y - b.y);
}

/* Maps the 2nd..98th percentile to 0..255, inverting when asked. */
static void normalise(anpr_image *s, bool invert)
{
	uint32_t hist[256] = { 0 };
	uint32_t total = (uint32_t)s->width * (uint32_t)s->height, acc = 0;
	int lo = 0, hi = 255;

	for (int y = 0; y < s->height; y++) {
		const uint8_t *row = s->data + (size_t)y * s->stride;
		for (int x = 0; x < s->width; x++)
			hist[row[x]]++;
	}
	for (int i = 0; i < 256; i++) {
		acc += hist[i];
		if (acc <= total / 50)
			lo = i;
		if (acc < total - total / 50)
			hi = i + 1;
	}
	if (hi > 255)
		hi = 255;
	if (hi <= lo + 8)
		hi = lo + 8; /* flat strip: do not amplify noise without bound */
	uint8_t lut[256];
	for (int i = 0; i < 256; i++) {
		float v = ((float)i - (float)lo) * 255.0f / (float)(hi - lo);
		v = v < 0 ? 0 : v > 255 ? 255 : v;
		lut[i] = (uint8_t)(invert ? 255 - v : v);
	}
	for (int y = 0; y < s->height; y++) {
		uint8_t *row = s->data + (size_t)y * s->stride;
		for (int x = 0; x < s->width; x++)
			row[x] = lut[row[x]];
	}
}

/*
 * Whitens the dark shapes that cannot be glyphs: those touching the top or
 * bottom edge (plate border, bumper), those much shorter than a glyph
 * (hyphens, dots, bolts, the EU stars) and those much taller (frames). With
 * the margins above, real glyphs touch no edge.
 */
static anpr_err clean(anpr_image *s, anpr_strip_work *work)
{
	anpr_image *mask = &work->mask;
	double level;
	anpr_err err = anpr_cv_threshold(s, mask, 0, ANPR_CV_THRESH_OTSU_INV, &level);
	int w = s->width, h = s->height;
	size_t npx = (size_t)w * (size_t)h;
	uint32_t *stack = work->stack, *members = work->members;

	if (err)
		return err;
	if (npx > ANPR_STRIP_MAX_PIXELS)
		return ANPR_ERR_INVAL;
	for (size_t start = 0; start < npx; start++) {
		int sx = (int)(start % (size_t)w), sy = (int)(start / (size_t)w);
		uint8_t *m0 = &mask->data[(size_t)sy * mask->stride + (size_t)sx];
		if (*m0 != 255)
			continue;
		/* Flood one 8-connected shape, noting its extent. */
		size_t top = 0, nm = 0;
		int x0 = sx, x1 = sx, y0 = sy, y1 = sy;
		*m0 = 128;
		stack[top++] = (uint32_t)start;
		while (top > 0) {
			uint32_t i = stack[--top];
			int x = (int)(i % (uint32_t)w), y = (int)(i / (uint32_t)w);
			members[nm++] = i;
			x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1;
			y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1;
			for (int dy = -1; dy <= 1; dy++)
				for (int dx = -1; dx <= 1; dx++) {
					int nx = x + dx, ny = y + dy;
					if (nx < 0 || ny < 0 || nx >= w || ny >= h)
						continue;
					uint8_t *m = &mask->data[(size_t)ny * mask->stride + (size_t)nx];
					if (*m == 255) {
						*m = 128; /* each pixel is pushed once */
						stack[top++] = (uint32_t)(ny * w + nx);
					}
				}
		}
		int sh = y1 - y0 + 1;
		bool edge =
		    y0 == 0 || y1 == h - 1 || ((x0 == 0 || x1 == w - 1) && sh > ANPR_STRIP_CHAR_PX / 2);
		bool small = sh < ANPR_STRIP_CHAR_PX * 45 / 100;
		bool tall = sh > ANPR_STRIP_CHAR_PX * 3 / 2;
		if (!edge && !small && !tall)
			continue;
		for (size_t k = 0; k < nm; k++) {
			int x = (int)(members[k] % (uint32_t)w), y = (int)(members[k] / (uint32_t)w);
			s->data[(size_t)y * s->stride + (size_t)x] = 255;
		}
	}
	return ANPR_ERR_OK;
}

void anpr_strip_work_free(anpr_strip_work *w)
{
	if (w)
		anpr_image_free(&w->mask);
}

anpr_err anpr_strip_extract(const anpr_image *grey, const anpr_plate_region *r, anpr_image *strip,
			    anpr_strip_work *w)
{
	return anpr_strip_extract_margin(grey, r, MARGIN_X, strip, w);
}

anpr_err anpr_strip_extract_margin(const anpr_image *grey, const anpr_plate_region *r, float margin_x,
				   anpr_image *strip, anpr_strip_work *w)
{
	const anpr_point *t = r->text;
	float len = (dist(t[0], t[1]) + dist(t[3], t[2])) / 2;
	float h = (dist(t[0], t[3]) + dist(t[1], t[2])) / 2;

	if (!grey || grey->channels != 1 || h < 4 || len < h || len > MAX_STRIP_RATIO * h ||
	    !(margin_x >= ANPR_STRIP_MIN_MARGIN && margin_x <= ANPR_STRIP_MAX_MARGIN))
		return ANPR_ERR_INVAL;

	/* Unit vectors along and across the row. */
	float ux = (t[1].x - t[0].x + t[2].x - t[3].x) / (2 * len),
	      uy = (t[1].y - t[0].y + t[2].y - t[3].y) / (2 * len);
	float vx = (t[3].x - t[0].x + t[2].x - t[1].x) / (2 * h),
	      vy = (t[3].y - t[0].y + t[2].y - t[1].y) / (2 * h);
	float mx = margin_x * h, my = MARGIN_Y * h;
	anpr_point q[4] = {
		{ t[0].x - ux * mx - vx * my, t[0].y - uy * mx - vy * my },
		{ t[1].x + ux * mx - vx * my, t[1].y + uy * mx - vy * my },
		{ t[2].x + ux * mx + vx * my, t[2].y + uy * mx + vy * my },
		{ t[3].x - ux * mx + vx * my, t[3].y - uy * mx + vy * my },
	};
	float k = (float)ANPR_STRIP_CHAR_PX / h;
	int out_h = (int)lroundf((h + 2 * my) * k);
	int out_w = (int)lroundf((len + 2 * mx) * k);
	if ((size_t)out_w * (size_t)out_h > ANPR_STRIP_MAX_PIXELS)
		return ANPR_ERR_INVAL;

	anpr_err err = anpr_cv_warp_quad(grey, q, strip, out_w, out_h, ANPR_CV_INTER_LINEAR);
	if (err)
		return err;
	normalise(strip, r->light_text);
	return clean(strip, w);
}
