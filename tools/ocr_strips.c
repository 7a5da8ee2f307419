/* SPDX-License-Identifier: MIT */
/* anpr-ocr-strips: renders labelled plate-text strips for training and evaluating the OCR model. */

/*
 * Three kinds of output, each strip written as NAME.png (8-bit grey), NAME.gt.txt
 * (its text, group spaces included) and NAME.box (Tesseract's line box format, for
 * `tesseract NAME.png NAME lstm.train`):
 *
 *   fonts OUTDIR COUNT SEED FONT.ttf...    plate-like strings rendered with TrueType fonts
 *   tiles OUTDIR COUNT SEED GB_CHARS PART  strings composed from real UK character tiles
 *   chars OUTDIR GB_CHARS PART             each tile on its own, padded to a strip
 *   boxes DIR                              a whole-strip .box for each DIR/NAME.png with a
 *                                          NAME.gt.txt and no NAME.box (strips made elsewhere,
 *                                          e.g. by `anpr-synth strips`)
 *
 * GB_CHARS is the gb-chars folder (labels.tsv, tiles/); PART is "train" or "test": a tile
 * belongs to "test" when the FNV-1a hash of its file name modulo 10 is below 3 (about 30%).
 *
 * Strips look like what the runtime feeds the recogniser (ocr/recog.h): dark characters on
 * a light background, contrast stretched, characters 20-64 px tall, a margin of about half a
 * character height, mild blur, noise, tilt, perspective and JPEG residue, sometimes a piece of
 * plate border, a screw or a remnant of the EU band at the edges. Each strip depends only on
 * SEED and its index, so a set is reproduced exactly and two seeds give disjoint-looking sets.
 *
 * Options before the kind: --box full|tight|mixed (default mixed) chooses the line box the
 * .box file gives: the whole strip (as Tesseract's raw-line mode sees it) or the characters'
 * extent (as its single-line mode crops it).
 */
#include <ft2build.h>
#include FT_FREETYPE_H

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opencv_c.h"

#define REF_H 64    /* character height on the drawing canvas */
#define TEXT_MAX 16 /* longest string drawn, spaces included */
#define MAX_FONTS 16
#define MAX_TILES 4096

/* ---- deterministic randomness: splitmix64, seeded from (seed, strip index) ---- */

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t rnd_next(rng *r)
{
	return mix64(r->s += 0x9E3779B97F4A7C15ull);
}

/*
 * The stream of strip index under seed. Hashing both spreads the start
 * states, so no two strips share a stretch of the stream (consecutive
 * counters would: strip i + 1 would replay strip i one draw later).
 */
static rng rnd_stream(uint64_t seed, int index)
{
	return (rng){ mix64(mix64(seed) + (uint64_t)index) };
}

/* Uniform in [0, 1). */
static double rnd_unit(rng *r)
{
	return (double)(rnd_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static double rnd_range(rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rnd_unit(r);
}

/* Uniform integer in [lo, hi]. */
static int rnd_int(rng *r, int lo, int hi)
{
	return lo + (int)(rnd_next(r) % (uint64_t)(hi - lo + 1));
}

static int rnd_chance(rng *r, double p)
{
	return rnd_unit(r) < p;
}

static double rnd_gauss(rng *r)
{
	double u = rnd_unit(r) + 1e-12, v = rnd_unit(r);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* ---- plate strings ---- */

static const char LETTERS[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
static const char DIGITS[] = "0123456789";
static const char ALNUM[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/* Letters UK marks use in most positions (DVLA leaves out I, Q and, mostly, Z). */
static const char UK_LETTERS[] = "ABCDEFGHJKLMNOPRSTUVWXY";

static char pick(rng *r, const char *set)
{
	return set[rnd_int(r, 0, (int)strlen(set) - 1)];
}

static void put(char **p, rng *r, const char *set, int n)
{
	for (int i = 0; i < n; i++)
		*(*p)++ = pick(r, set);
}

static void put_number(char **p, rng *r, int digits_lo, int digits_hi)
{
	int n = rnd_int(r, digits_lo, digits_hi);

	*(*p)++ = pick(r, "123456789"); /* no leading zero */
	put(p, r, DIGITS, n - 1);
}

/*
 * A random plate-like string: UK formats (about half), European and US ones, and
 * free alphanumeric strings so the model does not learn one layout only.
 */
static void make_text(rng *r, char out[TEXT_MAX + 1])
{
	static const char *const ni_codes[] = { "IA", "IB", "IG", "IJ", "IL", "IW", "AZ", "BZ", "CZ", "DZ",
						"EZ", "FZ", "GZ", "HZ", "JZ", "KZ", "LZ", "MZ", "NZ", "OZ",
						"PZ", "RZ", "SZ", "TZ", "UZ", "WZ", "XZ", "YZ" };
	char *p = out;
	double u = rnd_unit(r);

	if (u < 0.26) { /* AB12 CDE */
		int age = rnd_chance(r, 0.5) ? rnd_int(r, 2, 25) : rnd_int(r, 51, 74);

		put(&p, r, UK_LETTERS, 2);
		*p++ = (char)('0' + age / 10);
		*p++ = (char)('0' + age % 10);
		*p++ = ' ';
		put(&p, r, UK_LETTERS, 3);
	} else if (u < 0.34) { /* A123 BCD */
		put(&p, r, "ABCDEFGHJKLMNPRSTVWXY", 1);
		put_number(&p, r, 1, 3);
		*p++ = ' ';
		put(&p, r, UK_LETTERS, 3);
	} else if (u < 0.39) { /* ABC 123D */
		put(&p, r, UK_LETTERS, 3);
		*p++ = ' ';
		put_number(&p, r, 1, 3);
		put(&p, r, "ABCDEFGHJKLMNPRSTVWXY", 1);
	} else if (u < 0.44) { /* ABZ 1234 */
		put(&p, r, UK_LETTERS, 1);
		memcpy(p, ni_codes[rnd_int(r, 0, (int)(sizeof ni_codes / sizeof ni_codes[0]) - 1)], 2);
		p += 2;
		*p++ = ' ';
		put_number(&p, r, 1, 4);
	} else if (u < 0.50) { /* dateless: 1234 AB, AB 1234, ABC 123, 12 ABC */
		int letters = rnd_int(r, 1, 3);

		if (rnd_chance(r, 0.5)) {
			put(&p, r, UK_LETTERS, letters);
			*p++ = ' ';
			put_number(&p, r, 1, 4);
		} else {
			put_number(&p, r, 1, 4);
			*p++ = ' ';
			put(&p, r, UK_LETTERS, letters);
		}
	} else if (u < 0.51) { /* Q123 ABC */
		*p++ = 'Q';
		put_number(&p, r, 1, 3);
		*p++ = ' ';
		put(&p, r, UK_LETTERS, 3);
	} else if (u < 0.58) { /* BA 123AB (SK), AB 123CD (IT) */
		put(&p, r, LETTERS, 2);
		*p++ = ' ';
		put(&p, r, DIGITS, 3);
		put(&p, r, LETTERS, 2);
	} else if (u < 0.63) { /* 1AB 2345 (CZ) */
		put(&p, r, "123456789", 1);
		put(&p, r, LETTERS, 1);
		put(&p, r, ALNUM, 1);
		*p++ = ' ';
		put(&p, r, DIGITS, 4);
	} else if (u < 0.67) { /* B AB 1234 (DE) */
		put(&p, r, LETTERS, rnd_int(r, 1, 3));
		*p++ = ' ';
		put(&p, r, LETTERS, rnd_int(r, 1, 2));
		*p++ = ' ';
		put_number(&p, r, 1, 4);
	} else if (u < 0.70) { /* AB 123 CD (FR) */
		put(&p, r, LETTERS, 2);
		*p++ = ' ';
		put(&p, r, DIGITS, 3);
		*p++ = ' ';
		put(&p, r, LETTERS, 2);
	} else if (u < 0.73) { /* 1234 BCD (ES), WA 12345 (PL) */
		if (rnd_chance(r, 0.5)) {
			put(&p, r, DIGITS, 4);
			*p++ = ' ';
			put(&p, r, "BCDFGHJKLMNPRSTVWXYZ", 3);
		} else {
			put(&p, r, LETTERS, 2);
			*p++ = ' ';
			put(&p, r, ALNUM, 5);
		}
	} else if (u < 0.80) { /* US: ABC 1234, 1ABC234, YG9 X26 */
		double v = rnd_unit(r);

		if (v < 0.4) {
			put(&p, r, LETTERS, 3);
			*p++ = ' ';
			put(&p, r, DIGITS, 4);
		} else if (v < 0.7) {
			put(&p, r, DIGITS, 1);
			put(&p, r, LETTERS, 3);
			put(&p, r, DIGITS, 3);
		} else {
			put(&p, r, ALNUM, 3);
			*p++ = ' ';
			put(&p, r, ALNUM, 3);
		}
	} else if (u < 0.84) { /* short strings, down to a single character */
		put(&p, r, ALNUM, rnd_int(r, 1, 3));
	} else { /* free: 4-8 alphanumerics, maybe one or two gaps */
		int n = rnd_int(r, 4, 8), gap1 = rnd_chance(r, 0.7) ? rnd_int(r, 1, n - 1) : 0;
		int gap2 = rnd_chance(r, 0.15) ? rnd_int(r, 1, n - 1) : 0;

		for (int i = 0; i < n; i++) {
			if (i && (i == gap1 || i == gap2))
				*p++ = ' ';
			*p++ = pick(r, ALNUM);
		}
	}
	*p = '\0';
}

/* ---- glyph sources: fonts or tiles, both giving an ink coverage bitmap (255 = ink) ---- */

typedef struct glyph {
	anpr_image ink; /* grey coverage, REF_H tall for the cap height */
	int left;       /* x offset from the pen */
	int top;        /* rows above the baseline */
	int advance;    /* pen advance, px */
} glyph;

typedef struct font_set {
	FT_Library lib;
	FT_Face face[MAX_FONTS];
	int n;
	/* Per font: glyphs of the 36 characters rendered once at REF_H cap height. */
	glyph g[MAX_FONTS][36];
} font_set;

typedef struct tile {
	char c;
	anpr_image img; /* as loaded: grey, dark character on white */
} tile;

typedef struct tile_set {
	tile *t;
	int n;
	int by_char[36][MAX_TILES / 8];
	int count[36];
} tile_set;

static int char_index(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '0' && c <= '9')
		return 26 + c - '0';
	return -1;
}

static anpr_err render_ft(FT_Face face, char c, glyph *g)
{
	FT_Bitmap *b;
	anpr_err err;

	if (FT_Load_Char(face, (FT_ULong)(unsigned char)c, FT_LOAD_RENDER) != 0)
		return ANPR_ERR_FORMAT;
	b = &face->glyph->bitmap;
	g->left = face->glyph->bitmap_left;
	g->top = face->glyph->bitmap_top;
	g->advance = (int)(face->glyph->advance.x >> 6);
	err = anpr_image_alloc(&g->ink, b->width > 0 ? (int)b->width : 1, b->rows > 0 ? (int)b->rows : 1, 1);
	if (err)
		return err;
	memset(g->ink.data, 0, g->ink.stride * (size_t)g->ink.height);
	for (unsigned y = 0; y < b->rows; y++)
		memcpy(g->ink.data + y * g->ink.stride, b->buffer + (ptrdiff_t)y * b->pitch, b->width);
	return ANPR_ERR_OK;
}

static anpr_err fonts_load(font_set *fs, char **paths, int n)
{
	anpr_err err;

	if (FT_Init_FreeType(&fs->lib) != 0)
		return ANPR_ERR_INTERNAL;
	for (int i = 0; i < n && i < MAX_FONTS; i++) {
		FT_Face face;
		glyph h = { 0 };

		if (FT_New_Face(fs->lib, paths[i], 0, &face) != 0) {
			fprintf(stderr, "anpr-ocr-strips: cannot load font %s\n", paths[i]);
			return ANPR_ERR_NOT_FOUND;
		}
		fs->face[fs->n++] = face;
		/* Scale so that the cap height ('H') is REF_H pixels. */
		if (FT_Set_Pixel_Sizes(face, 0, REF_H) != 0 ||
		    (err = render_ft(face, 'H', &h)) != ANPR_ERR_OK)
			return ANPR_ERR_FORMAT;
		if (FT_Set_Pixel_Sizes(face, 0, (FT_UInt)lround(REF_H * (double)REF_H / h.top)) != 0)
			return ANPR_ERR_FORMAT;
		anpr_image_free(&h.ink);
		for (int k = 0; k < 36; k++) {
			err = render_ft(face, ALNUM[k], &fs->g[fs->n - 1][k]);
			if (err)
				return err;
		}
	}
	return ANPR_ERR_OK;
}

static void fonts_free(font_set *fs)
{
	for (int i = 0; i < fs->n; i++) {
		for (int k = 0; k < 36; k++)
			anpr_image_free(&fs->g[i][k].ink);
		FT_Done_Face(fs->face[i]);
	}
	if (fs->lib)
		FT_Done_FreeType(fs->lib);
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* Loads the tiles of one part ("train" or "test") from a gb-chars folder. */
static anpr_err tiles_load(tile_set *ts, const char *dir, const char *part)
{
	char path[4096], line[512];
	int want_test = strcmp(part, "test") == 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/labels.tsv", dir);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "anpr-ocr-strips: %s: %s\n", path, strerror(errno));
		return ANPR_ERR_IO;
	}
	ts->t = calloc(MAX_TILES, sizeof *ts->t);
	if (!ts->t) {
		fclose(f);
		return ANPR_ERR_NOMEM;
	}
	while (fgets(line, sizeof line, f) && ts->n < MAX_TILES) {
		char *tab = strchr(line, '\t'), *base;
		int k;

		if (!tab || (k = char_index(tab[1])) < 0)
			continue; /* the header, or a label we do not read */
		*tab = '\0';
		base = strrchr(line, '/') ? strrchr(line, '/') + 1 : line;
		if ((fnv1a(base) % 10 < 3) != want_test || ts->count[k] >= MAX_TILES / 8)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, line);
		if (anpr_cv_read_file(path, ANPR_CV_LOAD_GREY, &ts->t[ts->n].img) != ANPR_ERR_OK) {
			fprintf(stderr, "anpr-ocr-strips: cannot read %s\n", path);
			continue;
		}
		ts->t[ts->n].c = tab[1];
		ts->by_char[k][ts->count[k]++] = ts->n;
		ts->n++;
	}
	fclose(f);
	return ts->n > 0 ? ANPR_ERR_OK : ANPR_ERR_NOT_FOUND;
}

static void tiles_free(tile_set *ts)
{
	for (int i = 0; i < ts->n; i++)
		anpr_image_free(&ts->t[i].img);
	free(ts->t);
}

/* A tile as a glyph: inverted to coverage and scaled to REF_H tall. */
static anpr_err tile_glyph(const tile *t, glyph *g)
{
	int w = (int)lround(t->img.width * (double)REF_H / t->img.height);
	anpr_err err = anpr_cv_resize(&t->img, &g->ink, w > 0 ? w : 1, REF_H, ANPR_CV_INTER_CUBIC);

	if (err)
		return err;
	for (int y = 0; y < g->ink.height; y++)
		for (int x = 0; x < g->ink.width; x++)
			g->ink.data[(size_t)y * g->ink.stride + (size_t)x] =
			    (uint8_t)(255 - g->ink.data[(size_t)y * g->ink.stride + (size_t)x]);
	g->left = 0;
	g->top = REF_H;
	g->advance = g->ink.width;
	return ANPR_ERR_OK;
}

/* ---- drawing ---- */

static void fill(anpr_image *img, uint8_t v)
{
	for (int y = 0; y < img->height; y++)
		memset(img->data + (size_t)y * img->stride, v, (size_t)img->width);
}

/* Adds coverage (max) of g at (x, baseline) into ink. */
static void blit_max(anpr_image *ink, const glyph *g, int x, int baseline)
{
	for (int y = 0; y < g->ink.height; y++) {
		int yy = baseline - g->top + y;

		if (yy < 0 || yy >= ink->height)
			continue;
		for (int xx = 0; xx < g->ink.width; xx++) {
			int cx = x + g->left + xx;
			uint8_t v = g->ink.data[(size_t)y * g->ink.stride + (size_t)xx];
			uint8_t *d;

			if (cx < 0 || cx >= ink->width)
				continue;
			d = &ink->data[(size_t)yy * ink->stride + (size_t)cx];
			if (v > *d)
				*d = v;
		}
	}
}

static void fill_rect(anpr_image *img, int x0, int y0, int x1, int y1, uint8_t v)
{
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 > img->width ? img->width : x1;
	y1 = y1 > img->height ? img->height : y1;
	for (int y = y0; y < y1; y++)
		for (int x = x0; x < x1; x++)
			img->data[(size_t)y * img->stride + (size_t)x] = v;
}

static void fill_disc(anpr_image *img, double cx, double cy, double rad, uint8_t v)
{
	for (int y = (int)(cy - rad) - 1; y <= (int)(cy + rad) + 1; y++)
		for (int x = (int)(cx - rad) - 1; x <= (int)(cx + rad) + 1; x++)
			if (x >= 0 && y >= 0 && x < img->width && y < img->height &&
			    (x - cx) * (x - cx) + (y - cy) * (y - cy) <= rad * rad)
				img->data[(size_t)y * img->stride + (size_t)x] = v;
}

/* Bounding box of pixels above thresh; false when there are none. */
static int ink_bbox(const anpr_image *img, int thresh, anpr_rect *r)
{
	int x0 = img->width, y0 = img->height, x1 = -1, y1 = -1;

	for (int y = 0; y < img->height; y++)
		for (int x = 0; x < img->width; x++)
			if (img->data[(size_t)y * img->stride + (size_t)x] > thresh) {
				x0 = x < x0 ? x : x0;
				x1 = x > x1 ? x : x1;
				y0 = y < y0 ? y : y0;
				y1 = y > y1 ? y : y1;
			}
	if (x1 < 0)
		return 0;
	*r = (anpr_rect){ x0, y0, x1 - x0 + 1, y1 - y0 + 1 };
	return 1;
}

/* Stretches contrast so the 1st and 99th percentiles become 0 and 255. */
static void stretch(anpr_image *img)
{
	size_t hist[256] = { 0 }, n = (size_t)img->width * (size_t)img->height, acc = 0;
	int lo = 0, hi = 255;

	for (int y = 0; y < img->height; y++)
		for (int x = 0; x < img->width; x++)
			hist[img->data[(size_t)y * img->stride + (size_t)x]]++;
	for (lo = 0; lo < 255 && (acc += hist[lo]) < n / 100; lo++)
		;
	acc = 0;
	for (hi = 255; hi > 0 && (acc += hist[hi]) < n / 100; hi--)
		;
	if (hi <= lo)
		return;
	for (int y = 0; y < img->height; y++)
		for (int x = 0; x < img->width; x++) {
			uint8_t *p = &img->data[(size_t)y * img->stride + (size_t)x];
			long v = lround((*p - lo) * 255.0 / (hi - lo));

			*p = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
}

static int odd_ksize(double sigma)
{
	int k = 2 * (int)ceil(3.0 * sigma) + 1;

	return k < 3 ? 3 : k > 31 ? 31 : k;
}

/* ---- one strip ---- */

typedef enum box_mode {
	BOX_FULL,
	BOX_TIGHT,
	BOX_MIXED,
} box_mode;

typedef struct job {
	const char *outdir;
	const char *prefix;
	box_mode box;
	font_set *fonts; /* one of fonts, tiles */
	tile_set *tiles;
} job;

typedef struct work {
	anpr_image ink, junk, grey, tmp, out, mask, mask_out;
	uint8_t *png;
} work;

static void work_free(work *w)
{
	anpr_image_free(&w->ink);
	anpr_image_free(&w->junk);
	anpr_image_free(&w->grey);
	anpr_image_free(&w->tmp);
	anpr_image_free(&w->out);
	anpr_image_free(&w->mask);
	anpr_image_free(&w->mask_out);
	free(w->png);
}

/* Draws plate furniture at the edges into junk (coverage) and the tone of each piece into grey later. */
static void draw_junk(rng *r, anpr_image *junk, int pad, int text_x0, int text_x1, int margin_t, int margin_b)
{
	int w = junk->width, h = junk->height, in_h = h - 2 * pad;

	if (rnd_chance(r, 0.2)) { /* left plate border */
		int x = pad + rnd_int(r, 0, text_x0 - pad > 8 ? (text_x0 - pad) / 2 : 2);
		int y0 = pad + rnd_int(r, 0, in_h / 3), y1 = h - pad - rnd_int(r, 0, in_h / 3);

		fill_rect(junk, x, y0, x + rnd_int(r, 3, 9), y1, (uint8_t)rnd_int(r, 120, 255));
	}
	if (rnd_chance(r, 0.2)) { /* right plate border */
		int room = (w - pad) - text_x1;
		int x = w - pad - rnd_int(r, 0, room > 8 ? room / 2 : 2) - 9;
		int y0 = pad + rnd_int(r, 0, in_h / 3), y1 = h - pad - rnd_int(r, 0, in_h / 3);

		fill_rect(junk, x, y0, x + rnd_int(r, 3, 9), y1, (uint8_t)rnd_int(r, 120, 255));
	}
	if (rnd_chance(r, 0.1)) { /* top or bottom border, part of the width */
		int top = rnd_chance(r, 0.5), th = rnd_int(r, 2, 6);
		int y = top ? pad + rnd_int(r, 0, margin_t / 3) : h - pad - rnd_int(r, 0, margin_b / 3) - th;
		int x0 = pad + rnd_int(r, 0, w / 2), x1 = x0 + rnd_int(r, w / 6, w);

		fill_rect(junk, x0, y, x1, y + th, (uint8_t)rnd_int(r, 100, 255));
	}
	if (rnd_chance(r, 0.12)) { /* screws in the margin above or below the characters */
		int top = rnd_chance(r, 0.5);
		double rad = rnd_range(r, 3.0, 7.0);
		double cy = top ? pad + margin_t * rnd_range(r, 0.3, 0.6)
				: h - pad - margin_b * rnd_range(r, 0.3, 0.6);
		double cx = rnd_range(r, text_x0, text_x1);

		fill_disc(junk, cx, cy, rad, (uint8_t)rnd_int(r, 90, 220));
		if (rnd_chance(r, 0.5))
			fill_disc(junk, w - cx, cy, rad, (uint8_t)rnd_int(r, 90, 220));
	}
	if (rnd_chance(r, 0.08)) /* what is left of the EU band after it was cut away */
		fill_rect(junk, 0, 0, pad + rnd_int(r, 2, REF_H / 6), h, (uint8_t)rnd_int(r, 60, 200));
}

static anpr_err write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok = f && fprintf(f, "%s\n", text) > 0;

	if (f && fclose(f) != 0)
		ok = 0;
	return ok ? ANPR_ERR_OK : ANPR_ERR_IO;
}

/* One box per character (spaces included) spanning box, then the tab that ends the line. */
static anpr_err write_box(const char *path, const char *text, anpr_rect b, int img_h)
{
	FILE *f = fopen(path, "w");
	int ok = f != NULL;
	int l = b.x, bot = img_h - (b.y + b.height), rgt = b.x + b.width, top = img_h - b.y;

	for (const char *p = text; ok && *p; p++)
		ok = fprintf(f, "%c %d %d %d %d 0\n", *p, l, bot, rgt, top) > 0;
	if (ok)
		ok = fprintf(f, "\t %d %d %d %d 0\n", l, bot, rgt, top) > 0;
	if (f && fclose(f) != 0)
		ok = 0;
	return ok ? ANPR_ERR_OK : ANPR_ERR_IO;
}

static anpr_err save_strip(const job *jb, work *w, int index, const char *text, anpr_rect box)
{
	char path[4096];
	anpr_err err;

	snprintf(path, sizeof path, "%s/%s_%06d.png", jb->outdir, jb->prefix, index);
	err = anpr_cv_write_file(path, &w->out);
	if (err)
		return err;
	snprintf(path, sizeof path, "%s/%s_%06d.gt.txt", jb->outdir, jb->prefix, index);
	err = write_text(path, text);
	if (err)
		return err;
	snprintf(path, sizeof path, "%s/%s_%06d.box", jb->outdir, jb->prefix, index);
	return write_box(path, text, box, w->out.height);
}

/* Picks the glyphs of text (NULL for spaces); tile glyphs are made into slots[]. */
static anpr_err pick_glyphs(const job *jb, rng *r, const char *text, const glyph *g[TEXT_MAX],
			    glyph slots[TEXT_MAX])
{
	int font = jb->fonts ? rnd_int(r, 0, jb->fonts->n - 1) : 0;

	for (int i = 0; text[i]; i++) {
		int k = char_index(text[i]);

		g[i] = NULL;
		if (k < 0)
			continue;
		if (jb->fonts) {
			g[i] = &jb->fonts->g[font][k];
		} else {
			const tile_set *ts = jb->tiles;
			anpr_err err =
			    tile_glyph(&ts->t[ts->by_char[k][rnd_int(r, 0, ts->count[k] - 1)]], &slots[i]);

			if (err)
				return err;
			g[i] = &slots[i];
		}
	}
	return ANPR_ERR_OK;
}

static int text_ok(const job *jb, const char *text)
{
	if (!jb->tiles)
		return 1;
	for (const char *p = text; *p; p++)
		if (*p != ' ' && jb->tiles->count[char_index(*p)] == 0)
			return 0;
	return 1;
}

static anpr_err make_strip(const job *jb, work *w, uint64_t seed, int index)
{
	rng r = rnd_stream(seed, index);
	char text[TEXT_MAX + 1];
	const glyph *g[TEXT_MAX];
	glyph slots[TEXT_MAX] = { 0 };
	int pen, x_pos[TEXT_MAX], pad = REF_H / 4;
	int margin_l, margin_r, margin_t, margin_b, baseline, text_x0, text_x1, cw, ch, ow, oh;
	double s, gap, space_w, bg, ink_v, gx, gy, xs;
	anpr_point quad[4];
	anpr_rect box;
	anpr_err err;

	do
		make_text(&r, text);
	while (!text_ok(jb, text));
	err = pick_glyphs(jb, &r, text, g, slots);
	if (err)
		goto out;

	/* Layout at REF_H, then the canvas: margins of about half a character height. */
	gap = jb->fonts ? rnd_range(&r, -0.02, 0.18) * REF_H : rnd_range(&r, 0.06, 0.22) * REF_H;
	space_w = rnd_range(&r, 0.25, 0.9) * REF_H;
	margin_l = (int)(REF_H * rnd_range(&r, 0.3, 0.8));
	margin_r = (int)(REF_H * rnd_range(&r, 0.3, 0.8));
	margin_t = (int)(REF_H * rnd_range(&r, 0.3, 0.7));
	margin_b = (int)(REF_H * rnd_range(&r, 0.3, 0.7));
	pen = pad + margin_l;
	for (int i = 0; text[i]; i++) {
		x_pos[i] = pen;
		if (!g[i]) {
			pen += (int)space_w;
			continue;
		}
		pen += g[i]->advance + (int)gap;
	}
	text_x0 = pad + margin_l;
	text_x1 = pen - (int)gap;
	cw = text_x1 + margin_r + pad;
	ch = pad + margin_t + REF_H + margin_b + pad;
	baseline = pad + margin_t + REF_H;

	if ((err = anpr_image_alloc(&w->ink, cw, ch, 1)) || (err = anpr_image_alloc(&w->junk, cw, ch, 1)) ||
	    (err = anpr_image_alloc(&w->grey, cw, ch, 1)))
		goto out;
	fill(&w->ink, 0);
	fill(&w->junk, 0);
	for (int i = 0; text[i]; i++)
		if (g[i])
			blit_max(&w->ink, g[i], x_pos[i], baseline);
	/* Stroke weight: plate fonts are heavier than most, worn ones thinner. */
	if (rnd_chance(&r, 0.3)) {
		int k = rnd_int(&r, 2, 5);

		err = anpr_cv_morphology(&w->ink, &w->ink, ANPR_CV_MORPH_DILATE, k, k, 1);
	} else if (rnd_chance(&r, 0.15)) {
		int k = rnd_int(&r, 2, 4);

		err = anpr_cv_morphology(&w->ink, &w->ink, ANPR_CV_MORPH_ERODE, k, k, 1);
	}
	if (err)
		goto out;
	draw_junk(&r, &w->junk, pad, text_x0, text_x1, margin_t, margin_b);

	/* Tones: light background with a gradient, dark ink, junk somewhere in between. */
	bg = rnd_range(&r, 150, 255);
	ink_v = rnd_range(&r, 0, 90);
	gx = rnd_range(&r, -40, 40);
	gy = rnd_range(&r, -30, 30);
	{
		double junk_v = rnd_range(&r, 0, 120);

		for (int y = 0; y < ch; y++)
			for (int x = 0; x < cw; x++) {
				size_t o = (size_t)y * w->grey.stride + (size_t)x;
				double b = bg + gx * ((double)x / cw - 0.5) + gy * ((double)y / ch - 0.5);
				double a = w->ink.data[o] / 255.0, j = w->junk.data[o] / 255.0;
				double v = b * (1 - j) + junk_v * j;

				v = v * (1 - a) + ink_v * a;
				w->grey.data[o] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
	}

	/* Output scale: characters 20-64 px tall, condensed or widened a little. */
	s = rnd_range(&r, 20, 64) / REF_H;
	xs = rnd_range(&r, 0.8, 1.15);
	ow = (int)lround((cw - 2 * pad) * s * xs);
	oh = (int)lround((ch - 2 * pad) * s);
	/* Residual tilt, shear and perspective: the quad of the canvas mapped onto the strip. */
	{
		double ang = rnd_gauss(&r) * 0.02, shear = rnd_gauss(&r) * 0.06 * (ch - 2 * pad);
		double cx = cw / 2.0, cy = ch / 2.0, jit = 0.03 * (ch - 2 * pad);
		double px[4] = { pad, cw - pad, cw - pad, pad }, py[4] = { pad, pad, ch - pad, ch - pad };

		for (int i = 0; i < 4; i++) {
			double x = px[i] + (i < 2 ? shear / 2 : -shear / 2) + rnd_range(&r, -jit, jit) - cx;
			double y = py[i] + rnd_range(&r, -jit, jit) - cy;

			quad[i].x = (float)(cx + x * cos(ang) - y * sin(ang));
			quad[i].y = (float)(cy + x * sin(ang) + y * cos(ang));
		}
	}
	/* Anti-alias before shrinking. */
	if (s < 0.8) {
		double sig = 0.4 / s;

		if ((err = anpr_cv_gaussian_blur(&w->grey, &w->tmp, odd_ksize(sig), sig)) ||
		    (err = anpr_image_copy(&w->tmp, &w->grey)))
			goto out;
	}
	if ((err = anpr_cv_warp_quad(&w->grey, quad, &w->out, ow, oh, ANPR_CV_INTER_LINEAR)) ||
	    (err = anpr_cv_warp_quad(&w->ink, quad, &w->mask_out, ow, oh, ANPR_CV_INTER_LINEAR)))
		goto out;

	/* Camera: blur, sensor noise, compression. */
	if (rnd_chance(&r, 0.6)) {
		double sig = rnd_range(&r, 0.3, 1.3);

		if ((err = anpr_cv_gaussian_blur(&w->out, &w->tmp, odd_ksize(sig), sig)) ||
		    (err = anpr_image_copy(&w->tmp, &w->out)))
			goto out;
	}
	{
		double sd = rnd_chance(&r, 0.7) ? rnd_range(&r, 0, 14) : 0;

		for (int y = 0; sd > 0 && y < oh; y++)
			for (int x = 0; x < ow; x++) {
				uint8_t *p = &w->out.data[(size_t)y * w->out.stride + (size_t)x];
				double v = *p + sd * rnd_gauss(&r);

				*p = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
	}
	if (rnd_chance(&r, 0.3)) {
		size_t len = 0;

		free(w->png);
		w->png = NULL;
		if ((err = anpr_cv_encode_jpeg(&w->out, rnd_int(&r, 30, 85), &w->png, &len)) ||
		    (err = anpr_cv_decode(w->png, len, ANPR_CV_LOAD_GREY, &w->out)))
			goto out;
	}
	stretch(&w->out);

	box = (anpr_rect){ 0, 0, ow, oh };
	if (jb->box == BOX_TIGHT || (jb->box == BOX_MIXED && rnd_chance(&r, 0.5))) {
		if (!ink_bbox(&w->mask_out, 100, &box))
			box = (anpr_rect){ 0, 0, ow, oh };
	}
	err = save_strip(jb, w, index, text, box);
out:
	for (int i = 0; i < TEXT_MAX; i++)
		anpr_image_free(&slots[i].ink);
	return err;
}

/* Each tile on its own, padded by half its height on every side. */
static anpr_err make_chars(const char *outdir, const tile_set *ts)
{
	work w = { 0 };
	anpr_err err = ANPR_ERR_OK;

	for (int i = 0; i < ts->n && !err; i++) {
		const anpr_image *t = &ts->t[i].img;
		int m = t->height / 2;
		char text[2] = { ts->t[i].c, '\0' };
		job jb = { .outdir = outdir, .prefix = "c" };

		if ((err = anpr_image_alloc(&w.out, t->width + 2 * m, t->height + 2 * m, 1)))
			break;
		fill(&w.out, 255);
		for (int y = 0; y < t->height; y++)
			memcpy(w.out.data + (size_t)(y + m) * w.out.stride + m,
			       t->data + (size_t)y * t->stride, (size_t)t->width);
		err = save_strip(&jb, &w, i, text, (anpr_rect){ 0, 0, w.out.width, w.out.height });
	}
	work_free(&w);
	return err;
}

/* The first line of path without its newline, or "" when unreadable. */
static void read_line(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	if (!f)
		return;
	if (fgets(out, (int)n, f))
		out[strcspn(out, "\r\n")] = '\0';
	fclose(f);
}

/* Whole-strip boxes for strips that have ground truth but no box file. */
static anpr_err make_boxes(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	anpr_image img = { 0 };
	anpr_err err = ANPR_ERR_OK;

	if (!d)
		return ANPR_ERR_IO;
	while (!err && (e = readdir(d)) != NULL) {
		char png[4096], gt[4096], box[4096], text[TEXT_MAX * 4];
		size_t len = strlen(e->d_name);

		if (len < 5 || len > 1000 || strcmp(e->d_name + len - 4, ".png") != 0)
			continue;
		snprintf(png, sizeof png, "%s/%s", dir, e->d_name);
		snprintf(gt, sizeof gt, "%s/%.*s.gt.txt", dir, (int)len - 4, e->d_name);
		snprintf(box, sizeof box, "%s/%.*s.box", dir, (int)len - 4, e->d_name);
		read_line(gt, text, sizeof text);
		if (!text[0] || access(box, F_OK) == 0)
			continue;
		err = anpr_cv_read_file(png, ANPR_CV_LOAD_GREY, &img);
		if (!err)
			err = write_box(box, text, (anpr_rect){ 0, 0, img.width, img.height }, img.height);
	}
	closedir(d);
	anpr_image_free(&img);
	return err;
}

static int usage(void)
{
	fprintf(
	    stderr,
	    "usage: anpr-ocr-strips [--box full|tight|mixed] fonts OUTDIR COUNT SEED FONT.ttf...\n"
	    "       anpr-ocr-strips [--box full|tight|mixed] tiles OUTDIR COUNT SEED GB_CHARS train|test\n"
	    "       anpr-ocr-strips chars OUTDIR GB_CHARS train|test\n"
	    "       anpr-ocr-strips boxes DIR\n");
	return 2;
}

int main(int argc, char **argv)
{
	font_set *fonts = NULL;
	tile_set *tiles = NULL;
	work w = { 0 };
	job jb = { .box = BOX_MIXED };
	anpr_err err = ANPR_ERR_OK;
	int a = 1, count;
	uint64_t seed;

	if (argc > a + 1 && strcmp(argv[a], "--box") == 0) {
		jb.box = strcmp(argv[a + 1], "full") == 0    ? BOX_FULL
			 : strcmp(argv[a + 1], "tight") == 0 ? BOX_TIGHT
							     : BOX_MIXED;
		a += 2;
	}
	if (argc - a == 2 && strcmp(argv[a], "boxes") == 0) {
		err = make_boxes(argv[a + 1]);
		goto out;
	}
	if (argc - a == 4 && strcmp(argv[a], "chars") == 0) {
		tiles = calloc(1, sizeof *tiles);
		if (!tiles)
			return 1;
		err = tiles_load(tiles, argv[a + 2], argv[a + 3]);
		if (!err)
			err = make_chars(argv[a + 1], tiles);
		goto out;
	}
	if (argc - a < 5 || (strcmp(argv[a], "fonts") != 0 && strcmp(argv[a], "tiles") != 0))
		return usage();
	jb.outdir = argv[a + 1];
	count = atoi(argv[a + 2]);
	seed = strtoull(argv[a + 3], NULL, 10);
	if (strcmp(argv[a], "fonts") == 0) {
		jb.prefix = "f";
		fonts = calloc(1, sizeof *fonts);
		if (!fonts)
			return 1;
		jb.fonts = fonts;
		err = fonts_load(fonts, argv + a + 4, argc - a - 4);
	} else {
		if (argc - a != 6)
			return usage();
		jb.prefix = "t";
		tiles = calloc(1, sizeof *tiles);
		if (!tiles)
			return 1;
		jb.tiles = tiles;
		err = tiles_load(tiles, argv[a + 4], argv[a + 5]);
	}
	for (int i = 0; i < count && !err; i++)
		err = make_strip(&jb, &w, seed, i);
out:
	if (err)
		fprintf(stderr, "anpr-ocr-strips: %s\n", anpr_strerror(err));
	work_free(&w);
	if (fonts)
		fonts_free(fonts);
	free(fonts);
	if (tiles)
		tiles_free(tiles);
	free(tiles);
	return err ? 1 : 0;
}
