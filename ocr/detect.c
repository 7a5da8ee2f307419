/* SPDX-License-Identifier: MIT */
/* Plate detection: character-like connected components, linked into straight lines of similar glyphs. */
#include "detect.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "binarize.h"
#include "median.h"

/* Character height as a fraction of plate width (UK: 79 mm of 520 mm; EU plates are alike). */
#define CHAR_PER_PLATE_WIDTH 0.152f
/* Smallest character height, in working pixels, that still separates into clean blobs. */
#define MIN_WORK_CHAR_PX 10.0f
/* Glyph heights searched at one pyramid level, working pixels. */
#define MIN_LEVEL_PX 7.0f
#define MAX_LEVEL_PX 32.0f
/* Blobs up to this much taller than a level's range are still taken there (see find_lines). */
#define LEVEL_SLACK 1.15f
/* Frames wider than this are searched downscaled: in 4K, a 60 px plate's glyphs (9 px) become 5 px (docs/ocr-accuracy.md). */
#define MAX_WORK_WIDTH 2048
/*
 * Local-mean threshold window and offset. A small window separates glyphs of
 * the pyramid level's size best; the offset is in stretched grey levels.
 */
#define THRESH_BLOCK 15
#define THRESH_OFFSET 12.0
/* The offset is at least this many noise standard deviations. */
#define NOISE_MARGIN 2.5f
/* A light body this much white after the frame's contrast stretch has lost its glyphs to it (see search_bodies). */
#define CLIPPED_BODY 0.5f
/* Hard caps that bound the work per frame whatever the scene. */
#define MAX_COMPONENTS 40000
#define MAX_BLOBS 6000
#define MAX_LINES 256
#define MAX_LINE_BLOBS 16
#define MAX_BODIES 24
#define MAX_PIECES 6000
/* A line may be widened over fused glyphs up to this many glyph heights wide each (see extend_line). */
#define PIECE_MAX_WIDTH 4.5f
/* A line of two glyphs needs blank plate this many glyph heights past each (see pair_on_plate). */
#define PAIR_BLANK 1.2f
/* ... and its glyphs this many grey levels apart from the plate. */
#define PAIR_CONTRAST 50.0f
/* Widest single glyph, in heights: a W. */
#define GLYPH_MAX_ASPECT 1.15f
/* Widest blob inside a plate body, in heights: up to about four fused glyphs. */
#define BODY_MAX_ASPECT 3.5f
/* ... and the share of the body's width a line with such blobs must span. */
#define FUSED_ROW_SPAN 0.6f
/* A region whose row is this much longer than a better one's it covers is read too (see same_plate). */
#define LONGER_ROW 1.5f
/* Threshold offset inside a plate body, after local stretching: glyphs there may be faint. */
#define BODY_OFFSET 8.0

typedef struct blob {
	float x0, y0, x1, y1; /* box, working pixels */
	float cx, cy, h;
	float fill;
	int glyphs; /* characters it holds: more than one when blurred glyphs fused (see search_bodies) */
	int left, right; /* best neighbours, -1 when none */
	float left_cost;
} blob;

/* A component that may continue a line at either end, whatever its width (see extend_line). */
typedef struct piece {
	float x0, x1, cy, h;
} piece;

typedef struct line {
	int members[MAX_LINE_BLOBS];
	int n;
	float x0, x1; /* extent, working pixels: the members', widened by extend_line */
	anpr_plate_region region;
	bool light;
} line;

struct anpr_detector {
	anpr_detect_cfg cfg;
	anpr_image norm;    /* the frame, contrast stretched */
	float offset;       /* threshold offset for this frame, above its noise */
	anpr_image work[2]; /* pyramid levels, alternately */
	anpr_image crop;    /* a plate body, contrast stretched */
	anpr_binarizer *bz; /* thresholding and labelling, both polarities in one pass */
	/* Area downscaling (area_downscale): source columns per output column, row accumulator. */
	int32_t
	    *tab_first; /* per output column, its first entry in tab_src/tab_weight; one more at the end */
	int32_t *tab_src;
	uint32_t *tab_weight;
	uint32_t *acc;
	int tab_cap, acc_cap;
	anpr_component *comps[2]; /* dark, light */
	blob *blobs;
	piece *pieces; /* of the current pass, by x0 */
	line *lines;
};

anpr_err anpr_detector_open(const anpr_detect_cfg *cfg, anpr_detector **out)
{
	anpr_detector *d = NULL;
	anpr_err err = ANPR_ERR_NOMEM;

	if (!out)
		return ANPR_ERR_INVAL;
	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		goto out;
	d->cfg = (anpr_detect_cfg){ .min_plate_width = 60, .max_plate_width = 600, .max_regions = 8 };
	if (cfg) {
		if (cfg->min_plate_width < 20 || cfg->max_plate_width < cfg->min_plate_width ||
		    cfg->max_plate_width > ANPR_IMAGE_MAX_SIDE || cfg->max_regions < 1 ||
		    cfg->max_regions > 64) {
			err = ANPR_ERR_INVAL;
			goto out;
		}
		d->cfg = *cfg;
	}
	err = anpr_binarize_open(&d->bz);
	if (err)
		goto out;
	err = ANPR_ERR_NOMEM;
	d->comps[0] = malloc(MAX_COMPONENTS * sizeof(*d->comps[0]));
	d->comps[1] = malloc(MAX_COMPONENTS * sizeof(*d->comps[1]));
	d->blobs = malloc(MAX_BLOBS * sizeof(*d->blobs));
	d->lines = malloc(MAX_LINES * sizeof(*d->lines));
	d->pieces = malloc(MAX_PIECES * sizeof(*d->pieces));
	if (!d->comps[0] || !d->comps[1] || !d->blobs || !d->lines || !d->pieces)
		goto out;
	*out = d;
	d = NULL;
	err = ANPR_ERR_OK;
out:
	anpr_detector_close(d);
	return err;
}

void anpr_detector_close(anpr_detector *d)
{
	if (!d)
		return;
	anpr_image_free(&d->norm);
	anpr_image_free(&d->work[0]);
	anpr_image_free(&d->work[1]);
	anpr_image_free(&d->crop);
	anpr_binarize_close(d->bz);
	free(d->tab_first);
	free(d->tab_src);
	free(d->tab_weight);
	free(d->acc);
	free(d->comps[0]);
	free(d->comps[1]);
	free(d->blobs);
	free(d->lines);
	free(d->pieces);
	free(d);
}

/*
 * Whether component c of a w x h image is hmin..hmax tall, 0.08..max_aspect
 * heights wide, fills min_fill..0.95 of its box (*fill), and clear of the
 * image border: the test shared by single glyphs and fused runs of them.
 */
static bool glyph_shaped(const anpr_component *c, int w, int h, float hmin, float hmax, float max_aspect,
			 float min_fill, float *fill)
{
	float bh = (float)c->box.height, bw = (float)c->box.width;

	if (bh < hmin || bh > hmax || bw < 0.08f * bh || bw > max_aspect * bh)
		return false;
	*fill = (float)c->area / (bw * bh);
	if (*fill < min_fill || *fill > 0.95f)
		return false;
	return c->box.x > 0 && c->box.y > 0 && c->box.x + c->box.width < w && c->box.y + c->box.height < h;
}

/*
 * Keeps the components whose size and shape could be one plate character,
 * from a thin '1' or 'I' to a wide 'W' (GLYPH_MAX_ASPECT); wider blobs are
 * glyphs fused with a neighbour, kept only when max_aspect allows, and
 * counted as the glyphs their width holds.
 */
static size_t filter_blobs(const anpr_component *comps, size_t n, int w, int h, float hmin, float hmax,
			   float max_aspect, blob *out, size_t cap)
{
	size_t nb = 0;

	for (size_t i = 0; i < n && nb < cap; i++) {
		const anpr_component *c = &comps[i];
		float bh = (float)c->box.height, bw = (float)c->box.width, fill;
		if (!glyph_shaped(c, w, h, hmin, hmax, max_aspect, 0.12f, &fill))
			continue;
		blob *b = &out[nb++];
		b->x0 = (float)c->box.x;
		b->y0 = (float)c->box.y;
		b->x1 = b->x0 + bw;
		b->y1 = b->y0 + bh;
		b->cx = b->x0 + bw / 2;
		b->cy = b->y0 + bh / 2;
		b->h = bh;
		b->fill = fill;
		/* k fused glyphs are about 0.63 k + 0.14 (k - 1) heights wide; wide letters (D, U, W) a little more. */
		b->glyphs = bw <= GLYPH_MAX_ASPECT * bh ? 1 : (int)lroundf((bw / bh + 0.14f) / 0.85f);
		b->left = b->right = -1;
		b->left_cost = 0;
	}
	return nb;
}

static int by_x(const void *a, const void *b)
{
	const blob *p = a, *q = b;
	return (p->x0 > q->x0) - (p->x0 < q->x0);
}

/*
 * Cost of b following a on the same plate line, or a negative value when it
 * cannot: similar height, baseline continuing within the tilt allowed, and a
 * gap no wider than the group space of a plate.
 */
static float link_cost(const blob *a, const blob *b)
{
	float hmax = fmaxf(a->h, b->h), hmin = fminf(a->h, b->h);
	float gap = b->x0 - a->x1;
	float dxc = b->cx - a->cx;
	float dy = fabsf(b->cy - a->cy);

	if (hmin < 0.72f * hmax || dxc <= 0)
		return -1;
	/* Up to the width of a hyphen or an EU band gap between glyph groups. */
	if (gap < -0.15f * hmax || gap > 1.6f * hmax)
		return -1;
	/* tan(20 deg) = 0.36: plates tilted up to 20 degrees, plus slack for jitter. */
	if (dy > 0.2f * hmax + 0.38f * dxc)
		return -1;
	return fmaxf(gap, 0) / hmax + 2.0f * dy / hmax + 2.0f * (1 - hmin / hmax);
}

/* Links each blob to its best right neighbour when that neighbour agrees (mutual best). */
static void link_blobs(blob *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		float best = 1e9f;
		for (size_t j = i + 1; j < n && b[j].x0 <= b[i].x1 + 1.7f * b[i].h; j++) {
			float c = link_cost(&b[i], &b[j]);
			if (c >= 0 && c < best) {
				best = c;
				b[i].right = (int)j;
			}
		}
		int j = b[i].right;
		if (j >= 0 && (b[j].left < 0 || best < b[j].left_cost)) {
			b[j].left = (int)i;
			b[j].left_cost = best;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (b[i].right >= 0 && b[b[i].right].left != (int)i)
			b[i].right = -1;
}

static int piece_by_x(const void *a, const void *b)
{
	const piece *p = a, *q = b;
	return (p->x0 > q->x0) - (p->x0 < q->x0);
}

/*
 * Keeps the components that could continue a line of glyphs hmin..hmax tall:
 * the blobs' heights, but any width up to a few glyphs fused together.
 */
static size_t filter_pieces(const anpr_component *comps, size_t n, int w, int h, float hmin, float hmax,
			    piece *out, size_t cap)
{
	size_t np = 0;

	for (size_t i = 0; i < n && np < cap; i++) {
		const anpr_component *c = &comps[i];
		float bh = (float)c->box.height, bw = (float)c->box.width, fill;
		if (!glyph_shaped(c, w, h, hmin, hmax, PIECE_MAX_WIDTH, 0.15f, &fill))
			continue;
		out[np++] = (piece){ (float)c->box.x, (float)c->box.x + bw, (float)c->box.y + bh / 2, bh };
	}
	qsort(out, np, sizeof(*out), piece_by_x);
	return np;
}

/*
 * Widens a line over the pieces that continue it at either end. Blurred
 * glyphs fuse into one wide component (often a whole group, "JUL"), which the
 * blob filter rejects as no single character, and the line would end at the
 * group space, or short of a last glyph, and be read without them.
 */
static void extend_line(const piece *p, size_t np, const blob *b, line *l)
{
	float hs[MAX_LINE_BLOBS];
	const blob *first = &b[l->members[0]], *last = &b[l->members[l->n - 1]];

	l->x0 = first->x0;
	l->x1 = last->x1;
	for (int i = 0; i < l->n; i++)
		hs[i] = b[l->members[i]].h;
	float h = anpr_median(hs, (size_t)l->n);
	float slope = (last->cy - first->cy) / fmaxf(last->cx - first->cx, 1.0f);
	float reach = 1.6f * h, overlap = 0.15f * h;

	for (int right = 0; right < 2; right++)
		for (int step = 0; step < 3 && l->x1 - l->x0 < 9.0f * h; step++) {
			float edge = right ? l->x1 : l->x0;
			float lo = edge - reach - PIECE_MAX_WIDTH * h;
			size_t a = 0, z = np;
			while (a < z) { /* first piece with x0 >= lo */
				size_t m = (a + z) / 2;
				if (p[m].x0 < lo)
					a = m + 1;
				else
					z = m;
			}
			int best = -1;
			float best_gap = reach;
			for (size_t i = a; i < np && p[i].x0 <= edge + reach; i++) {
				const piece *q = &p[i];
				float gap = right ? q->x0 - edge : edge - q->x1;
				float beyond = right ? q->x1 - edge : edge - q->x0;
				float qcx = (q->x0 + q->x1) / 2;
				float line_y = first->cy + slope * (qcx - first->cx);
				if (gap < -overlap || gap > best_gap || beyond < 0.3f * h)
					continue;
				if (q->h < 0.8f * h || q->h > 1.25f * h || fabsf(q->cy - line_y) > 0.2f * h)
					continue;
				best = (int)i;
				best_gap = gap;
			}
			if (best < 0)
				break;
			if (right)
				l->x1 = p[best].x1;
			else
				l->x0 = p[best].x0;
		}
}

static uint8_t pixel(const anpr_image *img, float x, float y)
{
	int ix = (int)x, iy = (int)y;

	ix = ix < 0 ? 0 : ix >= img->width ? img->width - 1 : ix;
	iy = iy < 0 ? 0 : iy >= img->height ? img->height - 1 : iy;
	return img->data[(size_t)iy * img->stride + (size_t)ix];
}

/*
 * Plate-likeness of the surroundings: the bands just above and below the
 * glyphs are plate background, even and clearly apart from the glyph ink.
 * Returns a factor in [0.3, 1]. img is the image the blobs were found in
 * (the blobs' offsets within it are added by the caller).
 */
static float background(const anpr_image *img, const blob *b, const line *l, float x0, float x1, float slope,
			float icpt, float h)
{
	enum { SAMPLES = 24 };
	float sum = 0, sum2 = 0, ink = 0;
	int n = 0;

	for (int i = 0; i < SAMPLES; i++) {
		float x = x0 + (x1 - x0) * ((float)i + 0.5f) / SAMPLES;
		float y = icpt + slope * x;
		for (int side = -1; side <= 1; side += 2) {
			float v = pixel(img, x, y + (float)side * 0.6f * h);
			sum += v;
			sum2 += v * v;
			n++;
		}
	}
	/* The ink: the darkest (or lightest) pixel down each glyph's middle. */
	for (int i = 0; i < l->n; i++) {
		const blob *p = &b[l->members[i]];
		float best = l->light ? 0 : 255;
		for (float y = p->y0; y < p->y1; y += 1) {
			float v = pixel(img, p->cx, y);
			best = l->light ? fmaxf(best, v) : fminf(best, v);
		}
		ink += best;
	}
	ink /= (float)l->n;
	float mean = sum / (float)n;
	float sd = sqrtf(fmaxf(sum2 / (float)n - mean * mean, 0));
	float contrast = fabsf(mean - ink);
	float even = 1.0f / (1.0f + sd / 30.0f);
	float apart = fminf(contrast / 60.0f, 1.0f);
	return 0.3f + 0.7f * even * apart;
}

/* Fits the line's geometry and a plate-likeness score; false when it is not plate-like. */
static bool describe_line(const anpr_image *img, const blob *b, line *l, float inv_scale)
{
	float hs[MAX_LINE_BLOBS], gaps[MAX_LINE_BLOBS];
	float sx = 0, sy = 0, sxx = 0, sxy = 0;
	int n = l->n;

	for (int i = 0; i < n; i++) {
		const blob *p = &b[l->members[i]];
		hs[i] = p->h;
		sx += p->cx;
		sy += p->cy;
		sxx += p->cx * p->cx;
		sxy += p->cx * p->cy;
	}
	float h = anpr_median(hs, (size_t)n);
	int glyphs = 0;
	for (int i = 0; i < n; i++)
		glyphs += b[l->members[i]].glyphs;
	float den = n * sxx - sx * sx;
	float slope = den > 1e-3f ? (n * sxy - sx * sy) / den : 0;
	float icpt = (sy - slope * sx) / n;
	if (fabsf(slope) > 0.40f)
		return false;

	float x0 = l->x0, x1 = l->x1;
	float width = x1 - x0;
	/*
	 * A plate line is wider than tall: at least about 1.5 glyph heights of
	 * text, or 1.1 for a short mark of two glyphs set close ("J1"), which
	 * collect_lines() has checked for blank plate on both sides.
	 */
	if (width < (n == 2 ? 1.1f : 1.5f) * h)
		return false;

	/* Regular spacing and steady heights are what separate plates from clutter. */
	int ng = 0;
	for (int i = 1; i < n; i++)
		gaps[ng++] = fmaxf(b[l->members[i]].x0 - b[l->members[i - 1]].x1, 0) / h;
	float hvar = 0, thin = 0;
	for (int i = 0; i < n; i++) {
		const blob *p = &b[l->members[i]];
		hvar += fabsf(p->h - h) / h;
		thin += (p->x1 - p->x0) < 0.3f * p->h;
	}
	hvar /= n;
	float gmed = ng ? anpr_median(gaps, (size_t)ng) : 0;

	/* Most plates carry 5 to 8 glyphs; short lines are more often clutter. */
	float count_score = glyphs >= 5 && glyphs <= 9 ? 1.0f
			    : glyphs == 4              ? 0.7f
			    : glyphs <= 3              ? 0.35f
			    : glyphs <= 12             ? 0.6f
						       : 0.2f;
	float score = count_score * (1 - fminf(hvar * 3, 0.8f));
	/* Mostly thin bars is a grille or railing, not text. */
	if (thin > 0.6f * n)
		score *= 0.3f;
	if (gmed > 0.6f)
		score *= 0.5f;
	/* Fused blobs are a guess at their glyphs: a line of separate ones is the better evidence. */
	if (glyphs > n)
		score *= 0.8f;

	score *= background(img, b, l, x0, x1, slope, icpt, h);

	float angle = atanf(slope);
	float ca = cosf(angle), sa = sinf(angle);
	float ymid0 = icpt + slope * x0, ymid1 = icpt + slope * x1;
	float hh = h / 2;
	anpr_plate_region *r = &l->region;

	/* Text row corners, working coordinates: along the fitted line, glyph height across it. */
	anpr_point t[4] = {
		{ x0 + sa * hh, ymid0 - ca * hh },
		{ x1 + sa * hh, ymid1 - ca * hh },
		{ x1 - sa * hh, ymid1 + ca * hh },
		{ x0 - sa * hh, ymid0 + ca * hh },
	};
	/* The plate extends about 0.2 h above and below the glyphs and 0.3 h beyond them. */
	float ex = 0.3f * h, ey = hh + 0.2f * h;
	anpr_point p[4] = {
		{ x0 - ex * ca + sa * ey, ymid0 - ex * sa - ca * ey },
		{ x1 + ex * ca + sa * ey, ymid1 + ex * sa - ca * ey },
		{ x1 + ex * ca - sa * ey, ymid1 + ex * sa + ca * ey },
		{ x0 - ex * ca - sa * ey, ymid0 - ex * sa + ca * ey },
	};
	for (int i = 0; i < 4; i++) {
		r->text[i] = (anpr_point){ t[i].x * inv_scale, t[i].y * inv_scale };
		r->plate[i] = (anpr_point){ p[i].x * inv_scale, p[i].y * inv_scale };
	}
	r->char_height = h * inv_scale;
	r->angle_deg = angle * 180.0f / (float)M_PI;
	r->score = score;
	r->n_chars = glyphs;
	r->light_text = l->light;
	return score > 0.05f;
}

/*
 * Whether a line of only two glyphs sits on a plate. A short mark ("N 6",
 * "J 1") is centred on a plate of the usual size, so blank plate runs on
 * for more than a glyph height past both glyphs, as even as the plate above
 * and below them and well apart from the ink; two glyph-like blobs on a
 * sign, a badge or a grille seldom have that. img is the level the blobs
 * were found in.
 */
static bool pair_on_plate(const anpr_image *img, const blob *b, const line *l)
{
	const blob *p = &b[l->members[0]], *q = &b[l->members[l->n - 1]];
	float h = fmaxf(p->h, q->h);
	float slope = (q->cy - p->cy) / fmaxf(q->cx - p->cx, 1.0f);
	float x0 = l->x0, x1 = l->x1, y0 = p->cy - slope * p->cx;

	/* Blank plate past each end: 0.3 to PAIR_BLANK glyph heights out, the whole glyph row. */
	if (x0 - PAIR_BLANK * h < 0 || x1 + PAIR_BLANK * h >= (float)img->width || y0 + slope * x0 - h < 0 ||
	    y0 + slope * x1 + h >= (float)img->height)
		return false;
	/* The plate's level: the median of the bands just above and below the glyphs. */
	enum { ALONG = 16 };
	float plate[2 * ALONG];
	for (int i = 0; i < ALONG; i++) {
		float x = x0 + (x1 - x0) * ((float)i + 0.5f) / ALONG, y = y0 + slope * x;
		plate[2 * i] = pixel(img, x, y - 0.6f * h);
		plate[2 * i + 1] = pixel(img, x, y + 0.6f * h);
	}
	float level = anpr_median(plate, 2 * ALONG);
	float ink = 0;
	for (int k = 0; k < 2; k++) {
		const blob *g = k ? q : p;
		float best = l->light ? 0 : 255;
		for (float y = g->y0; y < g->y1; y += 1)
			best =
			    l->light ? fmaxf(best, pixel(img, g->cx, y)) : fminf(best, pixel(img, g->cx, y));
		ink += best / 2;
	}
	float contrast = fabsf(level - ink);
	if (contrast < PAIR_CONTRAST)
		return false;
	int n = 0, blank = 0;
	for (float d = 0.3f * h; d <= PAIR_BLANK * h; d += 0.1f * h)
		for (int side = 0; side < 2; side++) {
			float x = side ? x1 + d : x0 - d, y = y0 + slope * x;
			for (int row = -1; row <= 1; row++, n++)
				blank += fabsf(pixel(img, x, y + 0.35f * h * (float)row) - level) <
					 0.3f * contrast;
		}
	return (float)blank >= 0.9f * (float)n;
}

/* Collects the chains of mutually linked blobs into lines. */
static size_t collect_lines(const anpr_image *img, blob *b, size_t nb, const piece *p, size_t np, bool light,
			    float inv_scale, line *lines, size_t nl, size_t cap)
{
	for (size_t i = 0; i < nb && nl < cap; i++) {
		if (b[i].left >= 0 || b[i].right < 0)
			continue; /* not the start of a chain of two or more */
		line *l = &lines[nl];
		l->n = 0;
		l->light = light;
		for (int k = (int)i; k >= 0 && l->n < MAX_LINE_BLOBS; k = b[k].right)
			l->members[l->n++] = k;
		if (l->n < 2)
			continue;
		extend_line(p, np, b, l);
		if (l->n == 2 && b[l->members[0]].glyphs + b[l->members[1]].glyphs == 2 &&
		    !pair_on_plate(img, b, l))
			continue;
		if (describe_line(img, b, l, inv_scale))
			nl++;
	}
	return nl;
}

/* Whether the centre of quad a lies in the bounding box of quad b. */
static bool centre_in(const anpr_point a[4], const anpr_point b[4])
{
	anpr_rect r = anpr_cv_bounding_rect(b, 4);
	float x = (a[0].x + a[1].x + a[2].x + a[3].x) / 4, y = (a[0].y + a[1].y + a[2].y + a[3].y) / 4;

	return x >= (float)r.x && x <= (float)(r.x + r.width) && y >= (float)r.y &&
	       y <= (float)(r.y + r.height);
}

bool anpr_quads_overlap(const anpr_point a[4], const anpr_point b[4])
{
	return centre_in(a, b) || centre_in(b, a);
}

/* The length of a region's text row, frame pixels. */
static float text_length(const anpr_plate_region *r)
{
	const anpr_point *t = r->text;

	return (hypotf(t[1].x - t[0].x, t[1].y - t[0].y) + hypotf(t[2].x - t[3].x, t[2].y - t[3].y)) / 2;
}

/*
 * True when region b, ranked below a, is a plate a already covers: the
 * same line seen twice (both polarities, two levels) or a part of it. Not
 * when b's row runs well past a's (LONGER_ROW): then a is the part, a group
 * the detector found apart from the rest (the plate body split at the group
 * space), and b may hold the glyphs a lacks, so both are read.
 */
static bool same_plate(const anpr_plate_region *a, const anpr_plate_region *b)
{
	if (centre_in(a->plate, b->plate) && text_length(b) > LONGER_ROW * text_length(a))
		return false;
	return anpr_quads_overlap(a->plate, b->plate);
}

static int by_score(const void *a, const void *b)
{
	const line *p = a, *q = b;
	return (p->region.score < q->region.score) - (p->region.score > q->region.score);
}

/*
 * Maps the 0.5th..99.9th percentile of src onto 0..255 (gain capped at 4)
 * into dst, and sets *noise to the sensor noise after stretching (the
 * standard deviation, from the median difference of neighbouring pixels).
 */
static anpr_err stretch(const anpr_image *src, anpr_image *dst, float *noise)
{
	uint32_t hist[256] = { 0 }, dhist[256] = { 0 };
	uint8_t lut[256];
	anpr_err err = anpr_image_alloc(dst, src->width, src->height, 1);

	if (err)
		return err;
	/* Every fourth row and column is plenty for a histogram. */
	for (int y = 0; y < src->height; y += 4) {
		const uint8_t *row = src->data + (size_t)y * src->stride;
		for (int x = 0; x + 1 < src->width; x += 4) {
			hist[row[x]]++;
			dhist[abs(row[x] - row[x + 1])]++;
		}
	}
	uint32_t total = 0, acc = 0;
	for (int i = 0; i < 256; i++)
		total += hist[i];
	int lo = 0, hi = 255;
	for (int i = 0; i < 256; i++) {
		acc += hist[i];
		if (acc <= total / 200)
			lo = i;
		/* Never clip the brightest 0.1%: a retro-reflective plate is often just that. */
		if (acc < total - total / 1000)
			hi = i + 1;
	}
	if (hi > 255)
		hi = 255;
	float gain = hi > lo ? 255.0f / (float)(hi - lo) : 1.0f;
	if (gain > 4)
		gain = 4;
	/* Median absolute difference of neighbours: 0.95 sigma for Gaussian noise, untouched by edges. */
	uint32_t half = 0, dmed = 0;
	for (int i = 0; i < 256; i++) {
		half += dhist[i];
		if (half * 2 >= total) {
			dmed = (uint32_t)i;
			break;
		}
	}
	*noise = (float)dmed * 1.05f * gain;
	for (int i = 0; i < 256; i++) {
		float v = ((float)i - (float)lo) * gain;
		lut[i] = v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)v;
	}
	/* Locals and restrict: stores through a uint8_t pointer would otherwise reload the sizes every pixel. */
	int width = src->width, height = src->height;
	for (int y = 0; y < height; y++) {
		const uint8_t *restrict s = src->data + (size_t)y * src->stride;
		uint8_t *restrict o = dst->data + (size_t)y * dst->stride;
		for (int x = 0; x < width; x++)
			o[x] = lut[s[x]];
	}
	return ANPR_ERR_OK;
}

/*
 * Light, plate-shaped components: candidates for a search inside with the
 * contrast stretched. A busy frame has more of them than the cap, so the
 * most solid ones are kept: a plate body is light but for its glyphs, where
 * rings and fragments of light fill less of their box (dashcam set: median
 * 50% against 36%). Taking the first ones in scan order instead lost every
 * plate in the lower part of a busy frame.
 */
static size_t find_bodies(const anpr_component *comps, size_t nc, float hmin, float hmax, anpr_rect *out,
			  size_t cap)
{
	float fill[MAX_BODIES];
	size_t n = 0;

	if (cap > MAX_BODIES)
		cap = MAX_BODIES;
	for (size_t i = 0; i < nc && cap; i++) {
		const anpr_rect *b = &comps[i].box;
		float h = (float)b->height, w = (float)b->width;
		/*
		 * A plate is 2 to 6.5 times as wide as tall (tilt shortens its box to
		 * 1.5), glyphs a quarter to 80% of the box height.
		 */
		if (w < 1.5f * h || w > 6.5f * h || h * 0.8f < hmin || h * 0.25f > hmax)
			continue;
		float f = (float)comps[i].area / (w * h);
		if (n == cap && f <= fill[n - 1])
			continue;
		/* Insert by fill, most solid first, dropping the least when full. */
		size_t k = n < cap ? n++ : n - 1;
		for (; k > 0 && fill[k - 1] < f; k--) {
			out[k] = out[k - 1];
			fill[k] = fill[k - 1];
		}
		out[k] = *b;
		fill[k] = f;
	}
	return n;
}

/* Whether most of rectangle r of img is pure white: the frame's contrast stretch clipped it. */
static bool clipped_white(const anpr_image *img, anpr_rect r)
{
	size_t white = 0;

	if (r.x < 0 || r.y < 0 || r.x + r.width > img->width || r.y + r.height > img->height)
		return false;
	for (int y = r.y; y < r.y + r.height; y++) {
		const uint8_t *row = img->data + (size_t)y * img->stride;
		for (int x = r.x; x < r.x + r.width; x++)
			white += row[x] == 255;
	}
	return (float)white > CLIPPED_BODY * (float)r.width * (float)r.height;
}

/*
 * Looks for glyph lines inside plate-shaped light blobs, stretching contrast
 * within each: hazy or dim plates whose glyphs barely differ from the plate
 * are lost in the frame-wide pass but stand out locally. orig is the frame as
 * it came when src is the stretched frame at full size, else NULL. The frame's
 * stretch leaves only its brightest 0.1% unclipped, and a small bright plate
 * in a dark scene (retro-reflective under IR or headlights) can be less than
 * that: plate and glyphs both turn white. Such a body is searched in orig,
 * where its own stretch separates them again.
 */
static anpr_err search_bodies(anpr_detector *d, const anpr_image *src, const anpr_image *orig,
			      const anpr_rect *bodies, size_t nbodies, float scale, size_t *nl)
{
	for (size_t k = 0; k < nbodies; k++) {
		anpr_rect r = bodies[k];
		int mx = r.width / 12 + 2, my = r.height / 6 + 2;
		anpr_rect e = { r.x - mx, r.y - my, r.width + 2 * mx, r.height + 2 * my };
		anpr_image view = { 0 };
		size_t nc;
		anpr_err err = anpr_image_view(orig && clipped_white(src, r) ? orig : src, e, &view);

		if (err)
			continue;
		float noise;
		err = stretch(&view, &d->crop, &noise);
		if (err)
			return err;
		int block = (int)((float)r.height * 0.6f) | 1;
		block = block < 7 ? 7 : block > 31 ? 31 : block;
		double offset = fmax(BODY_OFFSET, (double)(NOISE_MARGIN * noise));
		/* Dark glyphs only: the body is light. The caller is done with the components array. */
		err = anpr_binarize_components(d->bz, &d->crop, block, offset, d->comps[0], &nc, NULL, NULL,
					       MAX_COMPONENTS);
		if (err)
			return err;
		if (nc > MAX_COMPONENTS)
			nc = MAX_COMPONENTS;
		float hb = (float)r.height;
		/*
		 * The body makes a plate likely, so blurred glyphs that fused count
		 * as blobs here too (a line of them must then span the body, below).
		 */
		size_t nb =
		    filter_blobs(d->comps[0], nc, d->crop.width, d->crop.height, fmaxf(5.0f, 0.2f * hb),
				 0.95f * hb, BODY_MAX_ASPECT, d->blobs, MAX_BLOBS);
		qsort(d->blobs, nb, sizeof(*d->blobs), by_x);
		link_blobs(d->blobs, nb);
		size_t first = *nl;
		size_t np = filter_pieces(d->comps[0], nc, d->crop.width, d->crop.height,
					  fmaxf(5.0f, 0.2f * hb), 0.95f * hb, d->pieces, MAX_PIECES);
		*nl = collect_lines(&d->crop, d->blobs, nb, d->pieces, np, false, 1.0f / scale, d->lines, *nl,
				    MAX_LINES);
		/*
		 * A line that needed fused blobs must look like the body's own text
		 * row, across most of it: lighter parts of a car (a window, a
		 * bumper) hold dark clutter that fuses into such lines too.
		 */
		size_t kept = first;
		for (size_t i = first; i < *nl; i++) {
			const line *l = &d->lines[i];
			if (l->region.n_chars > l->n && l->x1 - l->x0 < FUSED_ROW_SPAN * (float)r.width)
				continue;
			d->lines[kept++] = *l;
		}
		*nl = kept;
		/* Lines were measured in the crop: move them to frame coordinates. */
		float ox = (float)(e.x < 0 ? 0 : e.x) / scale, oy = (float)(e.y < 0 ? 0 : e.y) / scale;
		for (size_t i = first; i < *nl; i++)
			for (int c = 0; c < 4; c++) {
				anpr_plate_region *g = &d->lines[i].region;
				g->text[c].x += ox, g->text[c].y += oy;
				g->plate[c].x += ox, g->plate[c].y += oy;
			}
	}
	return ANPR_ERR_OK;
}

/*
 * Shrinks src into dst (w x h, not larger than src) by averaging over the
 * area each output pixel covers, rounded to nearest: what OpenCV's
 * INTER_AREA computes, in integers (at most one grey level apart from it).
 * A source pixel is dst-size units long and an output pixel src-size units,
 * so the overlaps are exact integer weights. Rows are summed first (whole
 * rows at a time, which vectorizes), then each output row's columns.
 */
static anpr_err area_downscale(anpr_detector *d, const anpr_image *src, anpr_image *dst, int w, int h)
{
	int sw = src->width, sh = src->height;
	anpr_err err = anpr_image_alloc(dst, w, h, 1);

	if (err)
		return err;
	if (sw + w + 1 > d->tab_cap) {
		int cap = sw + w + 64;
		free(d->tab_first);
		free(d->tab_src);
		free(d->tab_weight);
		d->tab_first = malloc((size_t)cap * sizeof(*d->tab_first));
		d->tab_src = malloc((size_t)cap * sizeof(*d->tab_src));
		d->tab_weight = malloc((size_t)cap * sizeof(*d->tab_weight));
		d->tab_cap = 0;
		if (!d->tab_first || !d->tab_src || !d->tab_weight)
			return ANPR_ERR_NOMEM;
		d->tab_cap = cap;
	}
	if (sw > d->acc_cap) {
		free(d->acc);
		d->acc = malloc((size_t)sw * sizeof(*d->acc));
		d->acc_cap = 0;
		if (!d->acc)
			return ANPR_ERR_NOMEM;
		d->acc_cap = sw;
	}
	/* Output column x covers source units [x sw, (x + 1) sw); source column s, [s w, (s + 1) w). */
	int k = 0;
	for (int x = 0; x < w; x++) {
		int64_t lo = (int64_t)x * sw, hi = lo + sw;
		d->tab_first[x] = k;
		for (int s = (int)(lo / w); s < sw && (int64_t)s * w < hi; s++) {
			int64_t a = (int64_t)s * w > lo ? (int64_t)s * w : lo;
			int64_t b = (int64_t)(s + 1) * w < hi ? (int64_t)(s + 1) * w : hi;
			if (b > a) {
				d->tab_src[k] = s;
				d->tab_weight[k++] = (uint32_t)(b - a);
			}
		}
	}
	d->tab_first[w] = k;
	/* The sums reach 255 sw sh: exact in a double, whose rounding then costs no division per pixel. */
	double inv = 1.0 / ((double)sw * (double)sh);
	uint32_t *restrict acc = d->acc;
	for (int y = 0; y < h; y++) {
		int64_t lo = (int64_t)y * sh, hi = lo + sh;
		bool first = true;
		for (int s = (int)(lo / h); s < sh && (int64_t)s * h < hi; s++) {
			int64_t a = (int64_t)s * h > lo ? (int64_t)s * h : lo;
			int64_t b = (int64_t)(s + 1) * h < hi ? (int64_t)(s + 1) * h : hi;
			if (b <= a)
				continue;
			uint32_t wy = (uint32_t)(b - a);
			const uint8_t *restrict row = src->data + (size_t)s * src->stride;
			if (first)
				for (int x = 0; x < sw; x++)
					acc[x] = row[x] * wy;
			else
				for (int x = 0; x < sw; x++)
					acc[x] += row[x] * wy;
			first = false;
		}
		uint8_t *out = dst->data + (size_t)y * dst->stride;
		for (int x = 0; x < w; x++) {
			uint64_t sum = 0;
			for (int e = d->tab_first[x]; e < d->tab_first[x + 1]; e++)
				sum += (uint64_t)acc[d->tab_src[e]] * d->tab_weight[e];
			double v = (double)sum * inv + 0.5;
			out[x] = v >= 255 ? 255 : (uint8_t)v;
		}
	}
	return ANPR_ERR_OK;
}

/*
 * Thresholds one pyramid level in both polarities and collects its plate
 * lines. orig: the frame as it came, when src is the stretched frame at full
 * size (see search_bodies), else NULL.
 */
static anpr_err find_lines(anpr_detector *d, const anpr_image *src, const anpr_image *orig, float hmin,
			   float hmax, float scale, size_t *nl)
{
	size_t ncs[2];
	/* Dark glyphs: below the local mean by the offset; light glyphs: above it. */
	anpr_err err = anpr_binarize_components(d->bz, src, THRESH_BLOCK, (double)d->offset, d->comps[0],
						&ncs[0], d->comps[1], &ncs[1], MAX_COMPONENTS);

	if (err)
		return err;
	for (int pass = 0; pass < 2; pass++) {
		bool light = pass == 1;
		size_t nc = ncs[pass] > MAX_COMPONENTS ? MAX_COMPONENTS : ncs[pass];
		const anpr_component *comps = d->comps[pass];
		/*
		 * Slack above the level's top: glyphs of one plate vary by a pixel or
		 * two (a W renders taller than an S), and a line whose glyphs sit at
		 * the boundary would otherwise lose its tallest one to the next level.
		 */
		size_t nb = filter_blobs(comps, nc, src->width, src->height, hmin, hmax * LEVEL_SLACK,
					 GLYPH_MAX_ASPECT, d->blobs, MAX_BLOBS);
		anpr_rect bodies[MAX_BODIES];
		size_t nbodies = light ? find_bodies(comps, nc, hmin, hmax, bodies, MAX_BODIES) : 0;
		qsort(d->blobs, nb, sizeof(*d->blobs), by_x);
		link_blobs(d->blobs, nb);
		size_t np = filter_pieces(comps, nc, src->width, src->height, hmin * 0.8f,
					  hmax * LEVEL_SLACK * 1.25f, d->pieces, MAX_PIECES);
		*nl = collect_lines(src, d->blobs, nb, d->pieces, np, light, 1.0f / scale, d->lines, *nl,
				    MAX_LINES);
		if (nbodies) {
			err = search_bodies(d, src, orig, bodies, nbodies, scale, nl);
			if (err)
				return err;
		}
	}
	return ANPR_ERR_OK;
}

anpr_err anpr_detect(anpr_detector *d, const anpr_image *grey, anpr_plate_region *out, size_t max, size_t *n)
{
	anpr_err err;
	const anpr_image *src = grey;

	if (!d || !grey || !out || !n || grey->channels != 1 || grey->width < 16 || grey->height < 16)
		return ANPR_ERR_INVAL;
	*n = 0;

	float scale = MIN_WORK_CHAR_PX / (CHAR_PER_PLATE_WIDTH * (float)d->cfg.min_plate_width);
	if (scale > 1)
		scale = 1;
	if ((float)grey->width * scale > MAX_WORK_WIDTH)
		scale = (float)MAX_WORK_WIDTH / (float)grey->width;

	/* Stretch contrast once, so the fixed threshold offset means the same in dim and bright scenes. */
	float noise;
	err = stretch(grey, &d->norm, &noise);
	if (err)
		return err;
	src = &d->norm;
	/* Glyph edges must stand clear of the noise, or every speck becomes a blob. */
	d->offset = fmaxf((float)THRESH_OFFSET, NOISE_MARGIN * noise);

	/* Glyph heights wanted, in frame pixels. */
	float want_min = CHAR_PER_PLATE_WIDTH * (float)d->cfg.min_plate_width * 0.7f;
	float want_max = CHAR_PER_PLATE_WIDTH * (float)d->cfg.max_plate_width * 1.4f;
	size_t nl = 0;

	/*
	 * A pyramid: each level finds glyphs MIN_LEVEL_PX..MAX_LEVEL_PX tall with
	 * the same small threshold window, which separates glyphs of that size
	 * best; larger glyphs are found at coarser levels.
	 */
	for (int level = 0; level < 6; level++) {
		float lo = level == 0 ? fmaxf(MIN_LEVEL_PX, want_min * scale) : MIN_LEVEL_PX;
		float hi = MAX_LEVEL_PX;
		if (want_max * scale <= MAX_LEVEL_PX * 1.25f)
			hi = want_max * scale; /* last level takes the rest */
		if (scale < 0.999f) {
			int w = (int)lroundf((float)grey->width * scale),
			    h = (int)lroundf((float)grey->height * scale);
			if (w < 32 || h < 32)
				break;
			anpr_image *dst = &d->work[level % 2];
			err = area_downscale(d, src, dst, w, h);
			if (err)
				return err;
			src = dst;
			scale = (float)w / (float)grey->width;
		}
		err = find_lines(d, src, src == &d->norm ? grey : NULL, lo, hi, scale, &nl);
		if (err)
			return err;
		if (hi >= want_max * scale)
			break;
		/* Overlap the levels a little so glyphs at the boundary are not lost. */
		scale *= MIN_LEVEL_PX / (MAX_LEVEL_PX * 0.8f);
	}

	qsort(d->lines, nl, sizeof(*d->lines), by_score);
	size_t cap = max < (size_t)d->cfg.max_regions ? max : (size_t)d->cfg.max_regions;
	for (size_t i = 0; i < nl && *n < cap; i++) {
		bool dup = false;
		for (size_t k = 0; k < *n && !dup; k++)
			dup = same_plate(&out[k], &d->lines[i].region);
		if (!dup)
			out[(*n)++] = d->lines[i].region;
	}
	return ANPR_ERR_OK;
}
