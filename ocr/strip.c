/* SPDX-License-Identifier: MIT */
/* Strip extraction: perspective warp of the text row, polarity and contrast normalisation. */
#include "strip.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "median.h"

/*
 * Margins around the glyphs, in glyph heights: room for Tesseract to see clean
 * background. The side margin is a whole glyph height so that a first or last
 * glyph the detector left out of the row (fused with the plate border or a
 * band, or found at another pyramid level) is still read whole: with 0.45 it
 * was clipped and dropped (synthetic UK: 6% of plates read one glyph short).
 */
#define MARGIN_X ANPR_STRIP_MARGIN
#define MARGIN_Y 0.30f
/*
 * A row the detector took for light glyphs is read dark-on-light instead when
 * more of its glyph row than this is lighter than the row's Otsu level: light
 * glyphs cover well under half of a plate, dark plate background well over.
 */
#define LIGHT_TEXT_MAX_SHARE 0.60f
/* Dark runs longer than these are plate border, frame or bumper, not glyph (px in the strip). */
#define LONG_RUN_X (ANPR_STRIP_CHAR_PX * 5 / 2)
#define LONG_RUN_Y (ANPR_STRIP_CHAR_PX * 27 / 20)
/* Rows at the strip's top and bottom where part_from_edges() cuts shapes that reach the edge. */
#define MARGIN_ROWS ((int)(MARGIN_Y * ANPR_STRIP_CHAR_PX + 0.5f))
/*
 * An occluder in front of the plate (a tow bar, a bike rack's arm) is a dark
 * vertical bar through the whole strip: in a column of it at least this share
 * of the margin rows above and below the glyph row is ink, where a glyph's
 * stem reaches a few rows at most. Bars up to OCCLUDER_MAX_W px wide are
 * parted from the glyphs they cross (part_occluders()).
 */
#define OCCLUDER_FILL 0.80f
#define OCCLUDER_MAX_W (ANPR_STRIP_CHAR_PX / 2)
/* Columns on each side of a bar taken as its soft edge when ink fills one margin (occluder_edge()). */
#define OCCLUDER_SOFT (ANPR_STRIP_CHAR_PX / 8)
/* A shape shorter than this share of the median glyph-sized shape is no glyph (clean()). */
#define SHORT_SHAPE 0.60f
/*
 * A shape at least SOLID_MIN_W px wide that fills SOLID_FILL of its box is a
 * block; first in the row and over BAND_HEIGHT times the glyphs' height, a
 * national band (clean()). Bold blurred glyphs fill up to about 0.9.
 */
#define SOLID_MIN_W (ANPR_STRIP_CHAR_PX * 2 / 5)
#define SOLID_FILL 0.92f
#define BAND_HEIGHT 1.1f
/* Shapes clean() weighs against each other; a strip holds at most about 16 glyphs and their pieces. */
#define MAX_KEPT 64
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
 * Share of the pixels in the rectangle r of s that are lighter than its Otsu
 * level, into *share. Inside the glyph row of a dark-on-light plate the
 * background is the larger part; of a light-on-dark one, the smaller. mask is
 * work memory.
 */
static anpr_err light_share(const anpr_image *s, anpr_rect r, anpr_image *mask, float *share)
{
	anpr_image band = { 0 };
	double level;
	size_t light = 0;
	anpr_err err = anpr_image_view(s, r, &band);

	if (!err)
		err = anpr_cv_threshold(&band, mask, 0, ANPR_CV_THRESH_OTSU, &level);
	if (err)
		return err;
	for (int y = 0; y < mask->height; y++) {
		const uint8_t *row = mask->data + (size_t)y * mask->stride;
		for (int x = 0; x < mask->width; x++)
			light += row[x] != 0;
	}
	*share = (float)light / (float)((size_t)mask->width * (size_t)mask->height);
	return ANPR_ERR_OK;
}

/*
 * Whitens the long straight dark runs, rows then columns, in the strip and
 * its ink mask (255 = ink). A blurred plate border touches the glyphs it runs
 * along; left in, it joins them into one shape that reaches the strip's edge,
 * and clean() would whiten the glyphs with it, leaving only their grey rims.
 */
static void erase_runs(anpr_image *s, anpr_image *mask)
{
	int w = s->width, h = s->height;

	for (int y = 0; y < h; y++) {
		uint8_t *m = mask->data + (size_t)y * mask->stride, *p = s->data + (size_t)y * s->stride;
		for (int x = 0; x < w;) {
			int end = x;
			while (end < w && m[end] == 255)
				end++;
			if (end - x > LONG_RUN_X)
				for (int i = x; i < end; i++)
					m[i] = 0, p[i] = 255;
			x = end > x ? end : x + 1;
		}
	}
	for (int x = 0; x < w; x++) {
		for (int y = 0; y < h;) {
			int end = y;
			while (end < h && mask->data[(size_t)end * mask->stride + (size_t)x] == 255)
				end++;
			if (end - y > LONG_RUN_Y)
				for (int i = y; i < end; i++) {
					mask->data[(size_t)i * mask->stride + (size_t)x] = 0;
					s->data[(size_t)i * s->stride + (size_t)x] = 255;
				}
			y = end > y ? end : y + 1;
		}
	}
}

/* Ink in column x of the ink mask's margin rows: above and below the glyph row. */
static void margin_ink(const anpr_image *mask, int x, int *above, int *below)
{
	int h = mask->height;

	*above = *below = 0;
	for (int y = 0; y < MARGIN_ROWS; y++) {
		*above += mask->data[(size_t)y * mask->stride + (size_t)x] == 255;
		*below += mask->data[(size_t)(h - 1 - y) * mask->stride + (size_t)x] == 255;
	}
}

/* True when column x of the ink mask is an occluder's: ink in most of the margin rows, above and below. */
static bool occluder_column(const anpr_image *mask, int x)
{
	int above, below;

	margin_ink(mask, x, &above, &below);
	return (float)above >= OCCLUDER_FILL * MARGIN_ROWS && (float)below >= OCCLUDER_FILL * MARGIN_ROWS;
}

/*
 * True when column x is an occluder's soft side: ink in most of the margin
 * rows on one side and in most of the column. A bar lit from above fades
 * towards one end, and its edge columns are inked through one margin only;
 * a glyph's stem reaches a few margin rows at most, and a glyph row is well
 * under that share of the column.
 */
static bool occluder_edge(const anpr_image *mask, int x)
{
	int above, below;

	margin_ink(mask, x, &above, &below);
	if ((float)above < OCCLUDER_FILL * MARGIN_ROWS && (float)below < OCCLUDER_FILL * MARGIN_ROWS)
		return false;
	int all = above + below;
	for (int y = MARGIN_ROWS; y < mask->height - MARGIN_ROWS; y++)
		all += mask->data[(size_t)y * mask->stride + (size_t)x] == 255;
	return (float)all >= OCCLUDER_FILL * (float)mask->height;
}

/*
 * Parts the narrow occluders that cross the strip from the glyphs they touch.
 * Fused with a glyph, a bar makes one shape from the strip's top to its
 * bottom, and clean() would whiten the glyph with it. Each bar's columns are
 * painted over: in the glyph row, a pixel with ink on both sides of the bar
 * becomes ink (a stroke running behind it), every other pixel plate. With
 * edges, a bar's soft edges (occluder_edge(), up to OCCLUDER_SOFT columns a
 * side, plate beyond them) are painted with it, and the ink that decides
 * what runs behind it is looked for past them.
 */
static void part_occluders(anpr_image *s, anpr_image *mask, bool edges)
{
	int w = s->width, h = s->height;

	if (h <= 2 * MARGIN_ROWS)
		return;
	for (int x0 = 0; x0 < w;) {
		if (!occluder_column(mask, x0)) {
			x0++;
			continue;
		}
		int x1 = x0;
		while (x1 + 1 < w && occluder_column(mask, x1 + 1))
			x1++;
		/* A run at the strip's side has no plate beyond it to paint from: left to the cleaning. */
		if (x0 == 0 || x1 == w - 1 || x1 - x0 + 1 > OCCLUDER_MAX_W) {
			x0 = x1 + 1;
			continue;
		}
		if (edges) {
			int e0 = x0, e1 = x1;
			for (int k = 0; k < OCCLUDER_SOFT && e0 > 1 && occluder_edge(mask, e0 - 1); k++)
				e0--;
			for (int k = 0; k < OCCLUDER_SOFT && e1 + 2 < w && occluder_edge(mask, e1 + 1); k++)
				e1++;
			/* Margins inked past the soft edges are the plate's frame or the vehicle beside it. */
			if (!occluder_edge(mask, e0 - 1) && !occluder_edge(mask, e1 + 1))
				x0 = e0, x1 = e1;
		}
		for (int y = 0; y < h; y++) {
			uint8_t *m = mask->data + (size_t)y * mask->stride,
				*p = s->data + (size_t)y * s->stride;
			bool behind =
			    y >= MARGIN_ROWS && y < h - MARGIN_ROWS && m[x0 - 1] == 255 && m[x1 + 1] == 255;
			uint8_t v = p[x0 - 1] > p[x1 + 1] ? p[x0 - 1] : p[x1 + 1];
			for (int x = x0; x <= x1; x++) {
				m[x] = behind ? 255 : 0;
				p[x] = behind ? v : 255;
			}
		}
		x0 = x1 + 1;
	}
}

/* Sets the listed pixels (index y * width + x) of s to white. */
static void whiten(anpr_image *s, const uint32_t *members, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		uint32_t x = members[k] % (uint32_t)s->width, y = members[k] / (uint32_t)s->width;
		s->data[(size_t)y * s->stride + x] = 255;
	}
}

/* Bounding box of a flooded shape. */
typedef struct shape_box {
	int x0, y0, x1, y1;
} shape_box;

static int box_height(const shape_box *b)
{
	return b->y1 - b->y0 + 1;
}

/*
 * Floods the 8-connected shape of mask value from (255 for a fresh mask) at
 * start, marking it to; lists its pixels (index y * width + x) in members and
 * returns how many.
 */
static size_t flood(anpr_image *mask, size_t start, uint8_t from, uint8_t to, anpr_strip_work *work,
		    shape_box *box)
{
	int w = mask->width, h = mask->height;
	uint32_t *stack = work->stack, *members = work->members;
	size_t top = 0, nm = 0;
	int sx = (int)(start % (size_t)w), sy = (int)(start / (size_t)w);

	*box = (shape_box){ sx, sy, sx, sy };
	mask->data[(size_t)sy * mask->stride + (size_t)sx] = to;
	stack[top++] = (uint32_t)start;
	while (top > 0) {
		uint32_t i = stack[--top];
		int x = (int)(i % (uint32_t)w), y = (int)(i / (uint32_t)w);
		members[nm++] = i;
		box->x0 = x < box->x0 ? x : box->x0, box->x1 = x > box->x1 ? x : box->x1;
		box->y0 = y < box->y0 ? y : box->y0, box->y1 = y > box->y1 ? y : box->y1;
		for (int dy = -1; dy <= 1; dy++)
			for (int dx = -1; dx <= 1; dx++) {
				int nx = x + dx, ny = y + dy;
				if (nx < 0 || ny < 0 || nx >= w || ny >= h)
					continue;
				uint8_t *m = &mask->data[(size_t)ny * mask->stride + (size_t)nx];
				if (*m == from) {
					*m = to; /* each pixel is pushed once */
					stack[top++] = (uint32_t)(ny * w + nx);
				}
			}
	}
	return nm;
}

/*
 * Cuts the shapes that reach the strip's top or bottom edge at the glyph
 * row: their pixels in the outer MARGIN_ROWS rows are whitened, the rest is
 * left for clean() to judge. A glyph whose top touches the plate's edge, and
 * through it the dark surroundings, is so parted from them instead of being
 * whitened with them.
 */
static void part_from_edges(anpr_image *s, anpr_image *mask, anpr_strip_work *work)
{
	int w = s->width, h = s->height;
	size_t npx = (size_t)w * (size_t)h;

	for (size_t start = 0; start < npx; start++) {
		if (mask->data[(start / (size_t)w) * mask->stride + start % (size_t)w] != 255)
			continue;
		shape_box b;
		size_t nm = flood(mask, start, 255, 128, work, &b);
		if (b.y0 != 0 && b.y1 != h - 1)
			continue;
		for (size_t k = 0; k < nm; k++) {
			int x = (int)(work->members[k] % (uint32_t)w),
			    y = (int)(work->members[k] / (uint32_t)w);
			if (y < MARGIN_ROWS || y >= h - MARGIN_ROWS) {
				mask->data[(size_t)y * mask->stride + (size_t)x] = 0;
				s->data[(size_t)y * s->stride + (size_t)x] = 255;
			}
		}
	}
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint8_t *m = &mask->data[(size_t)y * mask->stride + (size_t)x];
			*m = *m ? 255 : 0;
		}
}

/*
 * Whitens the dark shapes that cannot be glyphs: those touching the top or
 * bottom edge (plate border, bumper), those much shorter than a glyph
 * (hyphens, dots, bolts, the EU stars) and those much taller (frames). Long
 * border runs go first (erase_runs()), and shapes reaching the top or bottom
 * are parted at the glyph row (part_from_edges()), so a glyph the border
 * touches keeps its ink.
 */
static anpr_err clean(anpr_image *s, anpr_strip_work *work)
{
	anpr_image *mask = &work->mask;
	double level;
	anpr_err err = anpr_cv_threshold(s, mask, 0, ANPR_CV_THRESH_OTSU_INV, &level);
	int w = s->width, h = s->height;
	size_t npx = (size_t)w * (size_t)h;

	if (err)
		return err;
	if (npx > ANPR_STRIP_MAX_PIXELS)
		return ANPR_ERR_INVAL;
	part_occluders(s, mask, work->occluder_edges);
	erase_runs(s, mask);
	part_from_edges(s, mask, work);

	/* Glyph-sized shapes kept by the first pass: where each starts, its box, its height. */
	uint32_t kept_at[MAX_KEPT];
	shape_box kept_box[MAX_KEPT];
	float hs[MAX_KEPT];
	bool kept_solid[MAX_KEPT];
	size_t nkept = 0;
	for (size_t start = 0; start < npx; start++) {
		if (mask->data[(start / (size_t)w) * mask->stride + start % (size_t)w] != 255)
			continue;
		shape_box b;
		size_t nm = flood(mask, start, 255, 128, work, &b);
		int sh = box_height(&b);
		bool edge = b.y0 == 0 || b.y1 == h - 1 ||
			    ((b.x0 == 0 || b.x1 == w - 1) && sh > ANPR_STRIP_CHAR_PX / 2);
		bool small = sh < ANPR_STRIP_CHAR_PX * 45 / 100;
		bool tall = sh > ANPR_STRIP_CHAR_PX * 3 / 2;
		if (!edge && !small && !tall) {
			if (nkept < MAX_KEPT) {
				int bw = b.x1 - b.x0 + 1;
				kept_at[nkept] = (uint32_t)start;
				kept_box[nkept] = b;
				hs[nkept] = (float)sh;
				kept_solid[nkept] =
				    bw >= SOLID_MIN_W && (float)nm >= SOLID_FILL * (float)(bw * sh);
				nkept++;
			}
			continue;
		}
		whiten(s, work->members, nm);
	}

	/* The glyphs of a plate are all one height; shapes that are not glyphs stand out from it. */
	if (nkept < 3)
		return ANPR_ERR_OK;
	/* hs is sorted by the median; the boxes keep each shape's own height. */
	float median_h = anpr_median(hs, nkept), short_h = SHORT_SHAPE * median_h;
	/*
	 * A solid block first in the row, taller than the glyphs, is a national
	 * band running the plate's height, its letters a hole or two in it.
	 */
	size_t first = 0;
	for (size_t i = 1; i < nkept; i++)
		first = kept_box[i].x0 < kept_box[first].x0 ? i : first;
	if (kept_solid[first] && (float)box_height(&kept_box[first]) > BAND_HEIGHT * median_h) {
		shape_box b;
		size_t nm = flood(mask, kept_at[first], 128, 64, work, &b);
		whiten(s, work->members, nm);
	}
	/*
	 * A kept shape well short of the glyphs' median height, with glyph-high
	 * shapes on both sides, is an emblem or a seal between the glyph groups
	 * (the Slovak coat of arms, a German registration seal), not a glyph. At
	 * the row's ends such shapes are left alone: there they are as often a
	 * glyph cut short by the strip's edge.
	 */
	for (size_t i = 0; i < nkept; i++) {
		bool left = false, right = false;
		if ((float)box_height(&kept_box[i]) >= short_h)
			continue;
		for (size_t j = 0; j < nkept; j++) {
			if ((float)box_height(&kept_box[j]) < short_h)
				continue;
			left = left || kept_box[j].x1 < kept_box[i].x0;
			right = right || kept_box[j].x0 > kept_box[i].x1;
		}
		if (!left || !right)
			continue;
		shape_box b;
		size_t nm = flood(mask, kept_at[i], 128, 64, work, &b);
		whiten(s, work->members, nm);
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
	/*
	 * The detector can take a row of bold, tightly set glyphs for light
	 * glyphs on a dark plate (the gaps between them look like glyphs); the
	 * strip's own glyph row says which part is background.
	 */
	int bx0 = (int)lroundf(mx * k), by0 = (int)lroundf(my * k);
	anpr_rect band = { bx0, by0, out_w - 2 * bx0, out_h - 2 * by0 };
	float share;
	err = light_share(strip, band, &w->mask, &share);
	if (err)
		return err;
	normalise(strip, r->light_text && share <= LIGHT_TEXT_MAX_SHARE);
	return clean(strip, w);
}
