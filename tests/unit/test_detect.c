/* SPDX-License-Identifier: MIT */
/*
 * detect: a full row of glyphs is found; a short mark of two glyphs is found
 * only where blank plate runs on past both of them, so two glyph-like shapes
 * on a badge or among clutter are not taken for a plate.
 */
#include <string.h>

#include "check.h"
#include "detect.h"

/* Frame and plate geometry, px: a 300 px plate (520 mm) has glyphs of about 45 px (79 mm). */
enum { FRAME_W = 640, FRAME_H = 360, GLYPH_H = 44, GLYPH_W = 26, STROKE = 7, GAP = 6, SPACE = 18 };
enum { PLATE_W = 300, PLATE_H = 64, PLATE_X = (FRAME_W - PLATE_W) / 2, PLATE_Y = (FRAME_H - PLATE_H) / 2 };
enum { BODY = 70, SHEET = 220, INK = 30 };

/* Paints rows y0..y1-1 of columns x0..x1-1 with v. */
static void fill(anpr_image *img, int x0, int x1, int y0, int y1, uint8_t v)
{
	for (int y = y0; y < y1; y++)
		memset(img->data + (size_t)y * img->stride + x0, v, (size_t)(x1 - x0));
}

/* An 'H' with its top-left corner at (x, y): two stems and a bar, so it fills well under its box. */
static void glyph(anpr_image *img, int x, int y)
{
	fill(img, x, x + STROKE, y, y + GLYPH_H, INK);
	fill(img, x + GLYPH_W - STROKE, x + GLYPH_W, y, y + GLYPH_H, INK);
	fill(img, x, x + GLYPH_W, y + GLYPH_H / 2 - STROKE / 2, y + GLYPH_H / 2 + STROKE / 2 + 1, INK);
}

/* A vehicle-coloured frame with a plate of plate_w px centred on it, and n glyphs centred on the plate. */
static void draw(anpr_image *img, int plate_w, int n)
{
	int row_w = n < 2 ? 0 : n * GLYPH_W + (n - 2) * GAP + SPACE;
	int x = (FRAME_W - row_w) / 2, y = PLATE_Y + (PLATE_H - GLYPH_H) / 2;

	CHECK_INT(anpr_image_alloc(img, FRAME_W, FRAME_H, 1), ANPR_ERR_OK);
	fill(img, 0, FRAME_W, 0, FRAME_H, BODY);
	fill(img, (FRAME_W - plate_w) / 2, (FRAME_W + plate_w) / 2, PLATE_Y, PLATE_Y + PLATE_H, SHEET);
	for (int i = 0; i < n; i++) {
		glyph(img, x, y);
		/* The group space after the middle glyph of a row (after the first of two). */
		x += GLYPH_W + (i == (n - 1) / 2 ? SPACE : GAP);
	}
}

/* The regions found in img with exactly n glyphs, the first into *r. */
static int found(anpr_detector *d, const anpr_image *img, int n, anpr_plate_region *r)
{
	anpr_plate_region out[8];
	size_t nr = 0;
	int hits = 0;

	CHECK_INT(anpr_detect(d, img, out, 8, &nr), ANPR_ERR_OK);
	for (size_t i = 0; i < nr; i++)
		if (out[i].n_chars == n && hits++ == 0)
			*r = out[i];
	return hits;
}

int main(void)
{
	anpr_detector *d = NULL;
	anpr_image img = { 0 };
	anpr_plate_region r;

	CHECK_INT(anpr_detector_open(NULL, &d), ANPR_ERR_OK);

	/* A full row: seven glyphs on a plate. */
	draw(&img, PLATE_W, 7);
	CHECK_INT(found(d, &img, 7, &r), 1);

	/* A short mark, two glyphs centred on a plate of the usual size: found, with its row. */
	draw(&img, PLATE_W, 2);
	memset(&r, 0, sizeof(r));
	CHECK_INT(found(d, &img, 2, &r), 1);
	int mark_x0 = (FRAME_W - (2 * GLYPH_W + SPACE)) / 2, mark_x1 = mark_x0 + 2 * GLYPH_W + SPACE;
	CHECK(r.text[0].x > (float)mark_x0 - 4 && r.text[0].x < (float)mark_x0 + 4);
	CHECK(r.text[1].x > (float)mark_x1 - 4 && r.text[1].x < (float)mark_x1 + 4);
	CHECK(r.char_height > GLYPH_H - 4 && r.char_height < GLYPH_H + 4);
	CHECK(!r.light_text);

	/* Set close, with no group space ("J1"): still a mark. */
	draw(&img, PLATE_W, 0);
	glyph(&img, FRAME_W / 2 - GLYPH_W - GAP / 2, PLATE_Y + (PLATE_H - GLYPH_H) / 2);
	glyph(&img, FRAME_W / 2 + GAP / 2, PLATE_Y + (PLATE_H - GLYPH_H) / 2);
	CHECK_INT(found(d, &img, 2, &r), 1);

	/* The same two glyphs on a badge that ends just past them: not a plate. */
	draw(&img, 2 * GLYPH_W + SPACE + GLYPH_H, 2);
	CHECK_INT(found(d, &img, 2, &r), 0);

	/* ... nor on a wide sheet with dark clutter close beside them. */
	draw(&img, PLATE_W, 2);
	fill(&img, mark_x0 - GLYPH_H * 3 / 4, mark_x0 - GLYPH_H * 3 / 4 + 10, PLATE_Y + 4,
	     PLATE_Y + PLATE_H - 4, INK);
	fill(&img, mark_x1 + GLYPH_H * 3 / 4 - 10, mark_x1 + GLYPH_H * 3 / 4, PLATE_Y + 4,
	     PLATE_Y + PLATE_H - 4, INK);
	CHECK_INT(found(d, &img, 2, &r), 0);

	/* ... nor two glyphs near the frame's edge, where the blank cannot be seen. */
	CHECK_INT(anpr_image_alloc(&img, FRAME_W, FRAME_H, 1), ANPR_ERR_OK);
	fill(&img, 0, FRAME_W, 0, FRAME_H, SHEET);
	glyph(&img, 4, PLATE_Y);
	glyph(&img, 4 + GLYPH_W + SPACE, PLATE_Y);
	CHECK_INT(found(d, &img, 2, &r), 0);

	anpr_image_free(&img);
	anpr_detector_close(d);
	return check_summary();
}
