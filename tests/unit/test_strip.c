/* SPDX-License-Identifier: MIT */
/*
 * strip: cut margins (a glyph the detector left out of the row is still cut
 * whole), polarity from the strip itself, glyphs kept whole where the plate
 * border or a taller-than-measured glyph reaches the strip's edge, emblems and
 * national bands whitened, occluders crossing the plate parted from the
 * glyphs (their faded sides too, when asked), limits and errors.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "strip.h"

/* Glyph geometry of the test plate, frame pixels: 7 dark bars 20 px tall, 12 wide, every 16 px. */
enum { GLYPH_H = 20, GLYPH_W = 12, PITCH = 16, N_GLYPHS = 7, X0 = 60, Y0 = 40 };

static anpr_strip_work work; /* large: keep it off the stack */

/* A light frame with N_GLYPHS dark bars glyph_w wide on one row. */
static void draw_plate(anpr_image *img, int glyph_w)
{
	CHECK_INT(anpr_image_alloc(img, 320, 100, 1), ANPR_ERR_OK);
	for (int y = 0; y < img->height; y++)
		memset(img->data + (size_t)y * img->stride, 220, (size_t)img->width);
	for (int g = 0; g < N_GLYPHS; g++)
		for (int y = Y0; y < Y0 + GLYPH_H; y++)
			memset(img->data + (size_t)y * img->stride + X0 + g * PITCH, 30, (size_t)glyph_w);
}

/* Paints rows y0..y1-1 of frame columns x0..x1-1 with value v. */
static void fill(anpr_image *img, int x0, int x1, int y0, int y1, uint8_t v)
{
	for (int y = y0; y < y1; y++)
		memset(img->data + (size_t)y * img->stride + x0, v, (size_t)(x1 - x0));
}

/* The test plate on a dark vehicle, a grey bar 4 px wide crossing both from frame column bar_x. */
static void draw_occluded(anpr_image *img, int bar_x)
{
	draw_plate(img, GLYPH_W);
	fill(img, 0, img->width, 0, Y0 - 6, 40);
	fill(img, 0, img->width, Y0 + GLYPH_H + 6, img->height, 40);
	fill(img, bar_x, bar_x + 4, 0, img->height, 100);
}

/* A text row over glyphs first..last (inclusive), as the detector reports one. */
static anpr_plate_region row(int first, int last)
{
	float x0 = (float)(X0 + first * PITCH), x1 = (float)(X0 + last * PITCH + GLYPH_W);
	anpr_plate_region r = { .char_height = GLYPH_H, .n_chars = last - first + 1 };

	r.text[0] = (anpr_point){ x0, (float)Y0 };
	r.text[1] = (anpr_point){ x1, (float)Y0 };
	r.text[2] = (anpr_point){ x1, (float)(Y0 + GLYPH_H) };
	r.text[3] = (anpr_point){ x0, (float)(Y0 + GLYPH_H) };
	memcpy(r.plate, r.text, sizeof(r.plate));
	return r;
}

/* Dark runs along the strip's middle row: the glyphs that survived the cut and the cleaning. */
static int glyphs_in(const anpr_image *s)
{
	const uint8_t *mid = s->data + (size_t)(s->height / 2) * s->stride;
	int runs = 0;

	for (int x = 0; x < s->width; x++)
		if (mid[x] < 128 && (x == 0 || mid[x - 1] >= 128))
			runs++;
	return runs;
}

int main(void)
{
	anpr_image frame = { 0 }, strip = { 0 };

	draw_plate(&frame, GLYPH_W);
	/* The detector missed the first glyph: the row starts at the second. */
	anpr_plate_region r = row(1, N_GLYPHS - 1);

	/* The default (wide) cut holds the missed glyph whole; it survives cleaning. */
	CHECK_INT(anpr_strip_extract(&frame, &r, &strip, &work), ANPR_ERR_OK);
	CHECK_INT(strip.height, ANPR_STRIP_CHAR_PX * 8 / 5);
	CHECK_INT(glyphs_in(&strip), N_GLYPHS);
	int wide = strip.width;

	/* A tight cut clips it to a sliver at the edge, which cleaning whitens. */
	CHECK_INT(anpr_strip_extract_margin(&frame, &r, 0.45f, &strip, &work), ANPR_ERR_OK);
	CHECK(strip.width < wide);
	CHECK_INT(glyphs_in(&strip), N_GLYPHS - 1);

	/* The same margin as the default gives the same strip. */
	CHECK_INT(anpr_strip_extract_margin(&frame, &r, ANPR_STRIP_MARGIN, &strip, &work), ANPR_ERR_OK);
	CHECK_INT(strip.width, wide);

	/* Margins outside the range, and NaN, are refused. */
	CHECK_INT(anpr_strip_extract_margin(&frame, &r, ANPR_STRIP_MIN_MARGIN - 0.01f, &strip, &work),
		  ANPR_ERR_INVAL);
	CHECK_INT(anpr_strip_extract_margin(&frame, &r, ANPR_STRIP_MAX_MARGIN + 0.01f, &strip, &work),
		  ANPR_ERR_INVAL);
	CHECK_INT(anpr_strip_extract_margin(&frame, &r, nanf(""), &strip, &work), ANPR_ERR_INVAL);

	/* A row so long that its strip would pass the work memory's size is refused, not overrun. */
	anpr_plate_region longrow = row(0, 0);
	longrow.text[1].x = longrow.text[2].x = longrow.text[0].x + 13.9f * GLYPH_H;
	CHECK_INT(anpr_strip_extract_margin(&frame, &longrow, ANPR_STRIP_MAX_MARGIN, &strip, &work),
		  ANPR_ERR_INVAL);
	CHECK_INT(anpr_strip_extract(&frame, &longrow, &strip, &work), ANPR_ERR_OK);

	/*
	 * The detector took the row for light glyphs on a dark plate (the gaps
	 * between bold glyphs can look like glyphs): the strip's glyph row is
	 * mostly light, so it is cut dark-on-light all the same. Strokes a third
	 * of the pitch wide, as on plates (the bars above are solid blocks).
	 */
	anpr_image_free(&frame);
	draw_plate(&frame, PITCH / 3);
	anpr_plate_region light = row(0, N_GLYPHS - 1);
	light.light_text = true;
	CHECK_INT(anpr_strip_extract(&frame, &light, &strip, &work), ANPR_ERR_OK);
	CHECK_INT(glyphs_in(&strip), N_GLYPHS);

	/* Light glyphs on a dark plate really are inverted. */
	anpr_image dark = { 0 };
	CHECK_INT(anpr_image_alloc(&dark, frame.width, frame.height, 1), ANPR_ERR_OK);
	for (int y = 0; y < frame.height; y++)
		for (int x = 0; x < frame.width; x++)
			dark.data[(size_t)y * dark.stride + x] =
			    250 - frame.data[(size_t)y * frame.stride + x];
	CHECK_INT(anpr_strip_extract(&dark, &light, &strip, &work), ANPR_ERR_OK);
	CHECK_INT(glyphs_in(&strip), N_GLYPHS);
	anpr_image_free(&dark);

	/*
	 * Back to solid blocks. A dark plate border along the glyph tops, joined to them and running
	 * to the strip's top edge: the border is whitened, the glyphs keep their
	 * ink (before, the whole joined shape was whitened but for the glyphs'
	 * grey rims).
	 */
	anpr_image_free(&frame);
	draw_plate(&frame, GLYPH_W);
	anpr_plate_region full = row(0, N_GLYPHS - 1);
	fill(&frame, 0, frame.width, Y0 - 10, Y0, 30);
	CHECK_INT(anpr_strip_extract(&frame, &full, &strip, &work), ANPR_ERR_OK);
	CHECK_INT(glyphs_in(&strip), N_GLYPHS);
	CHECK(strip.data[1 * strip.stride + strip.width / 2] == 255);

	/*
	 * Glyphs taller than the detector measured reach the strip's top edge
	 * one by one (no border run to erase): they are parted at the glyph row
	 * and kept.
	 */
	fill(&frame, 0, frame.width, Y0 - 10, Y0, 220);
	for (int g = 0; g < N_GLYPHS; g++)
		fill(&frame, X0 + g * PITCH, X0 + g * PITCH + GLYPH_W, Y0 - 10, Y0, 30);
	CHECK_INT(anpr_strip_extract(&frame, &full, &strip, &work), ANPR_ERR_OK);
	CHECK_INT(glyphs_in(&strip), N_GLYPHS);

	/*
	 * An emblem between the glyph groups, half a glyph tall (the Slovak coat
	 * of arms): whitened. The same shape past the row's last glyph is left
	 * (at the ends it is as often a glyph the cut clipped).
	 */
	anpr_image_free(&frame);
	draw_plate(&frame, PITCH / 3);
	int mid_x = X0 + 3 * PITCH - PITCH / 3, end_x = X0 + N_GLYPHS * PITCH;
	fill(&frame, mid_x, mid_x + 4, Y0 + GLYPH_H / 4, Y0 + GLYPH_H * 3 / 4, 30);
	fill(&frame, end_x, end_x + 4, Y0 + GLYPH_H / 4, Y0 + GLYPH_H * 3 / 4, 30);
	CHECK_INT(anpr_strip_extract(&frame, &full, &strip, &work), ANPR_ERR_OK);
	CHECK_INT(glyphs_in(&strip), N_GLYPHS + 1);
	float kx = (float)ANPR_STRIP_CHAR_PX / GLYPH_H;                 /* strip px per frame px */
	int sx0 = (int)((float)ANPR_STRIP_MARGIN * ANPR_STRIP_CHAR_PX); /* the row's left end in the strip */
	const uint8_t *mid_row = strip.data + (size_t)(strip.height / 2) * strip.stride;
	CHECK(mid_row[sx0 + (int)((float)(mid_x + 2 - X0) * kx)] == 255);
	CHECK(mid_row[sx0 + (int)((float)(end_x + 2 - X0) * kx)] < 128);

	/*
	 * A national band before the first glyph: a solid block taller than the
	 * glyphs, its letter a hole in it. Whitened, and the glyphs kept.
	 */
	anpr_image_free(&frame);
	draw_plate(&frame, PITCH / 3);
	int band_x = X0 - 14;
	fill(&frame, band_x, band_x + 10, Y0 - 3, Y0 + GLYPH_H + 3, 30);
	fill(&frame, band_x + 4, band_x + 6, Y0 + GLYPH_H - 3, Y0 + GLYPH_H, 220);
	CHECK_INT(anpr_strip_extract(&frame, &full, &strip, &work), ANPR_ERR_OK);
	CHECK_INT(glyphs_in(&strip), N_GLYPHS);
	mid_row = strip.data + (size_t)(strip.height / 2) * strip.stride;
	CHECK(mid_row[sx0 + (int)((float)(band_x + 5 - X0) * kx)] == 255);
	CHECK(mid_row[sx0 + (int)((float)(PITCH / 6) * kx)] < 128);

	/*
	 * An occluder, a grey bar crossing the plate and the dark vehicle above
	 * and below it, through the middle of the fourth glyph: the glyph is
	 * kept whole (the stroke behind the bar is ink on both sides of it), and
	 * the bar above and below the glyphs is plate.
	 */
	anpr_image_free(&frame);
	int bar_x = X0 + 3 * PITCH + GLYPH_W / 2 - 2;
	draw_occluded(&frame, bar_x);
	CHECK_INT(anpr_strip_extract(&frame, &full, &strip, &work), ANPR_ERR_OK);
	CHECK_INT(glyphs_in(&strip), N_GLYPHS);
	int bar_sx = sx0 + (int)((float)(bar_x + 2 - X0) * kx);
	mid_row = strip.data + (size_t)(strip.height / 2) * strip.stride;
	CHECK(mid_row[bar_sx] < 128);
	CHECK(strip.data[(size_t)(strip.height / 10) * strip.stride + (size_t)bar_sx] == 255);
	CHECK(strip.data[(size_t)(strip.height * 9 / 10) * strip.stride + (size_t)bar_sx] == 255);

	/* The same bar over the glyph's right edge: the glyph keeps its left part, and is not whitened with the bar. */
	anpr_image_free(&frame);
	bar_x = X0 + 3 * PITCH + GLYPH_W - 2;
	draw_occluded(&frame, bar_x);
	CHECK_INT(anpr_strip_extract(&frame, &full, &strip, &work), ANPR_ERR_OK);
	CHECK_INT(glyphs_in(&strip), N_GLYPHS);
	mid_row = strip.data + (size_t)(strip.height / 2) * strip.stride;
	CHECK(mid_row[sx0 + (int)((float)(3 * PITCH + 2) * kx)] < 128);
	CHECK(mid_row[sx0 + (int)((float)(bar_x + 2 - X0) * kx)] == 255);

	/*
	 * A bar over the fifth glyph's left edge, with a faded side to its left
	 * (a bar lit from above: dark through the top margin and the glyph row,
	 * not the bottom margin) standing in the gap. Left as it is, the faded
	 * side reads as ink beside the glyph; with occluder_edges it is painted
	 * over with the bar, and the glyph keeps its visible part.
	 */
	anpr_image_free(&frame);
	bar_x = X0 + 4 * PITCH - 2;
	draw_occluded(&frame, bar_x);
	fill(&frame, bar_x - 1, bar_x, 0, Y0 + GLYPH_H + 1, 100);
	int soft_sx = sx0 + (int)lroundf((float)(bar_x - 1 - X0) * kx + kx / 2);
	CHECK_INT(anpr_strip_extract(&frame, &full, &strip, &work), ANPR_ERR_OK);
	CHECK_INT(glyphs_in(&strip), N_GLYPHS);
	mid_row = strip.data + (size_t)(strip.height / 2) * strip.stride;
	CHECK(mid_row[soft_sx] < 128);
	work.occluder_edges = true;
	CHECK_INT(anpr_strip_extract(&frame, &full, &strip, &work), ANPR_ERR_OK);
	work.occluder_edges = false;
	CHECK_INT(glyphs_in(&strip), N_GLYPHS);
	mid_row = strip.data + (size_t)(strip.height / 2) * strip.stride;
	CHECK(mid_row[soft_sx] == 255);
	CHECK(mid_row[sx0 + (int)((float)(bar_x + 6 - X0) * kx)] < 128);
	CHECK(mid_row[sx0 + (int)((float)(3 * PITCH + GLYPH_W / 2) * kx)] < 128);

	/* A bar past the last glyph (a pole, the plate's frame) is painted over and leaves the glyphs alone. */
	anpr_image_free(&frame);
	bar_x = X0 + (N_GLYPHS - 1) * PITCH + GLYPH_W + 6;
	draw_occluded(&frame, bar_x);
	CHECK_INT(anpr_strip_extract(&frame, &full, &strip, &work), ANPR_ERR_OK);
	CHECK_INT(glyphs_in(&strip), N_GLYPHS);
	mid_row = strip.data + (size_t)(strip.height / 2) * strip.stride;
	CHECK(mid_row[sx0 + (int)((float)(bar_x + 2 - X0) * kx)] == 255);

	anpr_image_free(&strip);
	anpr_image_free(&frame);
	anpr_strip_work_free(&work);
	return check_summary();
}
