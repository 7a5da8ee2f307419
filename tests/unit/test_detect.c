/* SPDX-License-Identifier: MIT */
/*
 * detect: a full row of glyphs is found; a short mark of two glyphs is found
 * only where blank plate runs on past both of them, so two glyph-like shapes
 * on a badge or among clutter are not taken for a plate. A small, faint plate
 * is found inside its light body however many other light shapes lie above
 * it, and so is one whose blurred glyphs touch, and a bright one in a dark
 * scene whose glyphs the frame's contrast stretch turned white.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
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

/* A dashcam-like frame: a small plate (84 px, glyphs 11 px) low in it, its glyphs gap px apart. */
enum { CAM_W = 1280, CAM_H = 720, SMALL_X = 600, SMALL_Y = 560, SMALL_GH = 11, SMALL_GW = 7 };

/* The small plate on a w x h frame of grey scene, the plate sheet-coloured. */
static void draw_small_on(anpr_image *img, int w, int h, uint8_t scene, uint8_t sheet, uint8_t ink, int gap)
{
	int x = SMALL_X + 6, y = SMALL_Y + 4;

	CHECK_INT(anpr_image_alloc(img, w, h, 1), ANPR_ERR_OK);
	fill(img, 0, w, 0, h, scene);
	fill(img, SMALL_X, SMALL_X + 84, SMALL_Y, SMALL_Y + 19, sheet);
	for (int i = 0; i < 7; i++) {
		fill(img, x, x + 2, y, y + SMALL_GH, ink);
		fill(img, x + SMALL_GW - 2, x + SMALL_GW, y, y + SMALL_GH, ink);
		fill(img, x, x + SMALL_GW, y + SMALL_GH / 2 - 1, y + SMALL_GH / 2 + 1, ink);
		x += SMALL_GW + (i == 3 ? 4 : gap);
	}
}

static void draw_small(anpr_image *img, uint8_t ink, int gap)
{
	draw_small_on(img, CAM_W, CAM_H, BODY, 200, ink, gap);
}

/* n light, plate-shaped rings (lamps, trim, windows) in rows across the top of the frame. */
static void draw_rings(anpr_image *img, int n)
{
	for (int i = 0; i < n; i++) {
		int x = 40 + (i % 10) * 120, y = 40 + (i / 10) * 60;
		fill(img, x, x + 60, y, y + 16, 210);
		fill(img, x + 3, x + 57, y + 3, y + 13, BODY);
	}
}

/* Whether a region's text row starts on the small plate's first glyph. */
static bool found_small(anpr_detector *d, const anpr_image *img)
{
	anpr_plate_region out[8];
	size_t nr = 0;
	bool hit = false;

	CHECK_INT(anpr_detect(d, img, out, 8, &nr), ANPR_ERR_OK);
	for (size_t i = 0; i < nr; i++)
		hit |= fabsf(out[i].text[0].x - (SMALL_X + 6)) < 4 &&
		       fabsf(out[i].text[0].y - (SMALL_Y + 4)) < 4;
	return hit;
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

	/*
	 * A faint small plate (ink 15 grey levels under the sheet), found only
	 * inside its light body: alone, then below 30 light rings, which come
	 * first in scan order and once took every body search there was.
	 */
	draw_small(&img, 185, 2);
	CHECK(found_small(d, &img));
	draw_rings(&img, 30);
	CHECK(found_small(d, &img));

	/* Glyphs blurred into each other (no gap): found as fused blobs inside the body. */
	draw_small(&img, 60, 0);
	CHECK(found_small(d, &img));

	/*
	 * A bright small plate in a dark 1080p scene, as under IR: the plate is
	 * under the brightest 0.1% of the frame, which its contrast stretch keeps,
	 * so sheet and glyphs are both clipped white there. Found in the frame as
	 * it came.
	 */
	draw_small_on(&img, 1920, 1080, 15, 230, 150, 2);
	CHECK(found_small(d, &img));

	anpr_image_free(&img);
	anpr_detector_close(d);
	return check_summary();
}
