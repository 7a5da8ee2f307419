/* SPDX-License-Identifier: MIT */
/* strip: cut margins (a glyph the detector left out of the row is still cut whole), limits and errors. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "strip.h"

/* Glyph geometry of the test plate, frame pixels: 7 dark bars 20 px tall, 12 wide, every 16 px. */
enum { GLYPH_H = 20, GLYPH_W = 12, PITCH = 16, N_GLYPHS = 7, X0 = 60, Y0 = 40 };

static anpr_strip_work work; /* large: keep it off the stack */

/* A light frame with N_GLYPHS dark glyph-sized bars on one row. */
static void draw_plate(anpr_image *img)
{
	CHECK_INT(anpr_image_alloc(img, 320, 100, 1), ANPR_ERR_OK);
	for (int y = 0; y < img->height; y++)
		memset(img->data + (size_t)y * img->stride, 220, (size_t)img->width);
	for (int g = 0; g < N_GLYPHS; g++)
		for (int y = Y0; y < Y0 + GLYPH_H; y++)
			memset(img->data + (size_t)y * img->stride + X0 + g * PITCH, 30, GLYPH_W);
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

	draw_plate(&frame);
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

	anpr_image_free(&strip);
	anpr_image_free(&frame);
	anpr_strip_work_free(&work);
	return check_summary();
}
