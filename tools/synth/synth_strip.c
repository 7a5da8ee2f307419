/* SPDX-License-Identifier: MIT */
/* Tesseract training strips: font-rendered plate lines and lines composed from real UK character tiles. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "synth_strip.h"
#include "synth_internal.h"

#define LINE_MAX_LEN 4096
#define TILE_MAX_SIDE 256

struct anpr_synth_tiles {
	anpr_image *img; /* dark on light, cropped to the ink */
	char *label;
	size_t n;
	size_t *order;     /* tile indices grouped by label */
	size_t start[128]; /* per ASCII label: first position in order, and how many */
	size_t count[128];
};

/* ---- Tiles ---- */

void anpr_synth_tiles_free(anpr_synth_tiles *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		anpr_image_free(&t->img[i]);
	free(t->img);
	free(t->label);
	free(t->order);
	free(t);
}

size_t anpr_synth_tiles_count(const anpr_synth_tiles *t)
{
	return t ? t->n : 0;
}

bool anpr_synth_tiles_cover(const anpr_synth_tiles *t, const char *text)
{
	if (!t || !text)
		return false;
	for (const char *p = text; *p; p++) {
		if ((unsigned char)*p >= 128 || t->count[(unsigned char)*p] == 0)
			return false;
	}
	return true;
}

/*
 * Makes a loaded tile dark on light (the border's majority decides which
 * side is background) and crops it to its ink, so every character's height
 * can be set exactly.
 */
static anpr_err normalise_tile(anpr_image *img, anpr_image *tmp)
{
	long border = 0, nb = 0;
	int x0 = img->width, x1 = -1, y0 = img->height, y1 = -1;

	for (int y = 0; y < img->height; y++) {
		for (int x = 0; x < img->width; x++) {
			if (x == 0 || y == 0 || x == img->width - 1 || y == img->height - 1) {
				border += *synth_px(img, x, y);
				nb++;
			}
		}
	}
	if (nb > 0 && border / nb < 128) {
		for (int y = 0; y < img->height; y++) {
			uint8_t *p = synth_px(img, 0, y);
			for (int x = 0; x < img->width; x++)
				p[x] = (uint8_t)(255 - p[x]);
		}
	}
	for (int y = 0; y < img->height; y++) {
		const uint8_t *p = synth_px(img, 0, y);
		for (int x = 0; x < img->width; x++) {
			if (p[x] < 128) {
				x0 = x < x0 ? x : x0;
				x1 = x > x1 ? x : x1;
				y0 = y < y0 ? y : y0;
				y1 = y > y1 ? y : y1;
			}
		}
	}
	/* Crop only when the ink looks like a character (not a speck), else keep the whole tile. */
	if (x1 < x0 || y1 - y0 + 1 < img->height / 2)
		return ANPR_ERR_OK;
	anpr_image view = { 0 };
	const anpr_rect r = { x0, y0, x1 - x0 + 1, y1 - y0 + 1 };
	anpr_err err = anpr_image_view(img, r, &view);
	if (!err)
		err = anpr_image_copy(&view, tmp);
	if (!err)
		err = anpr_image_copy(tmp, img);
	anpr_image_free(&view);
	return err;
}

static void set_diag(char *diag, size_t len, unsigned line, const char *what)
{
	if (diag && len)
		snprintf(diag, len, "labels.tsv:%u: %s", line, what);
}

/* Appends one tile; *cap grows the arrays. */
static anpr_err add_tile(anpr_synth_tiles *t, size_t *cap, const char *path, char label, anpr_image *tmp)
{
	anpr_err err;

	if (t->n == *cap) {
		const size_t nc = *cap ? *cap * 2 : 256;
		anpr_image *img = realloc(t->img, nc * sizeof(*img));
		if (!img)
			return ANPR_ERR_NOMEM;
		t->img = img;
		char *lab = realloc(t->label, nc);
		if (!lab)
			return ANPR_ERR_NOMEM;
		t->label = lab;
		*cap = nc;
	}
	anpr_image *img = &t->img[t->n];
	memset(img, 0, sizeof(*img));
	err = anpr_cv_read_file(path, ANPR_CV_LOAD_GREY, img);
	if (!err && (img->width > TILE_MAX_SIDE || img->height > TILE_MAX_SIDE))
		err = ANPR_ERR_TOO_BIG;
	if (!err)
		err = normalise_tile(img, tmp);
	if (err) {
		anpr_image_free(img);
		return err;
	}
	t->label[t->n++] = label;
	return ANPR_ERR_OK;
}

anpr_err anpr_synth_tiles_load(const char *dir, anpr_synth_tiles **out, char *diag, size_t diag_len)
{
	char line[LINE_MAX_LEN + 2], path[LINE_MAX_LEN + 512];
	anpr_synth_tiles *t = NULL;
	anpr_image tmp = { 0 };
	FILE *f = NULL;
	struct stat st;
	size_t cap = 0;
	unsigned lineno = 0;
	anpr_err err = ANPR_ERR_OK;

	if (diag && diag_len)
		diag[0] = '\0';
	if (!dir || !out || strlen(dir) > 256)
		return ANPR_ERR_INVAL;
	*out = NULL;
	snprintf(path, sizeof(path), "%s/labels.tsv", dir);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || stat(path, &st) != 0)
		return ANPR_ERR_NOT_FOUND;
	f = fopen(path, "r");
	if (!f)
		return ANPR_ERR_IO;
	t = calloc(1, sizeof(*t));
	if (!t) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		lineno++;
		if (len > LINE_MAX_LEN) {
			set_diag(diag, diag_len, lineno, "line longer than 4 KiB");
			err = ANPR_ERR_TOO_BIG;
			goto out;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || (lineno == 1 && strcmp(line, "file\tchar") == 0))
			continue;
		char *tab = strchr(line, '\t');
		if (!tab || strlen(tab + 1) != 1 ||
		    ((tab[1] < '0' || tab[1] > '9') && (tab[1] < 'A' || tab[1] > 'Z'))) {
			set_diag(diag, diag_len, lineno, "expected FILE<TAB>CHAR with CHAR in 0-9A-Z");
			err = ANPR_ERR_FORMAT;
			goto out;
		}
		*tab = '\0';
		/* Tiles stay inside the set's folder. */
		if (line[0] == '/' || strstr(line, "..")) {
			set_diag(diag, diag_len, lineno, "tile path leaves the folder");
			err = ANPR_ERR_FORMAT;
			goto out;
		}
		if (t->n >= ANPR_SYNTH_TILES_MAX) {
			set_diag(diag, diag_len, lineno, "more than 20000 tiles");
			err = ANPR_ERR_TOO_BIG;
			goto out;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, line);
		err = add_tile(t, &cap, path, tab[1], &tmp);
		if (err) {
			set_diag(diag, diag_len, lineno, "tile does not load");
			goto out;
		}
	}
	if (ferror(f)) {
		err = ANPR_ERR_IO;
		goto out;
	}
	t->order = malloc((t->n ? t->n : 1) * sizeof(*t->order));
	if (!t->order) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	/* Group by label in file order: a counting sort. */
	for (size_t i = 0; i < t->n; i++)
		t->count[(unsigned char)t->label[i]]++;
	for (size_t c = 1; c < 128; c++)
		t->start[c] = t->start[c - 1] + t->count[c - 1];
	size_t fill[128];
	memcpy(fill, t->start, sizeof(fill));
	for (size_t i = 0; i < t->n; i++)
		t->order[fill[(unsigned char)t->label[i]]++] = i;
	*out = t;
	t = NULL;
out:
	if (f)
		fclose(f);
	anpr_image_free(&tmp);
	anpr_synth_tiles_free(t);
	return err;
}

/* ---- Drawing ---- */

anpr_err anpr_synth_strip_draw(const anpr_synth *s, const anpr_synth_tiles *tiles, double tile_share,
			       anpr_rng *rng, anpr_synth_strip *o)
{
	static const double blur[][3] = { { 50, 0, 0.4 }, { 50, 0.4, 1.0 } };
	anpr_err err;

	if (!s || !rng || !o || !(tile_share >= 0 && tile_share <= 1))
		return ANPR_ERR_INVAL;
	memset(o, 0, sizeof(*o));
	const bool want_tiles = anpr_rng_chance(rng, tile_share);
	err = anpr_vrm_gen_random(rng, NULL, &o->plate.vrm);
	if (err)
		return err;
	if (want_tiles && tiles) {
		/* Redraw until the tile set has every character (it has no I, for one). */
		for (int tries = 0; tries < 200 && !anpr_synth_tiles_cover(tiles, o->plate.vrm.text);
		     tries++) {
			err = anpr_vrm_gen_random(rng, NULL, &o->plate.vrm);
			if (err)
				return err;
		}
		o->tiles = anpr_synth_tiles_cover(tiles, o->plate.vrm.text);
	}
	o->plate.rear = anpr_rng_chance(rng, 0.5);
	o->plate.font = anpr_rng_int(rng, 0, anpr_synth_font_count(s) - 1);
	o->plate.weight_mm = anpr_rng_normal_clamped(rng, 0, 0.8, -2.5, 2.5);
	o->plate.dirt = anpr_rng_chance(rng, 0.2) ? anpr_rng_range(rng, 0, 0.25) : 0;
	o->plate.detail_seed = anpr_rng_next(rng);
	o->char_h_px = anpr_rng_range(rng, 44, 52);
	o->margin_px = anpr_rng_range(rng, 2, 8);
	o->roll_deg = anpr_rng_normal_clamped(rng, 0, 0.6, -1.5, 1.5);
	o->shear = anpr_rng_normal_clamped(rng, 0, 0.02, -0.06, 0.06);
	double w[2] = { blur[0][0], blur[1][0] };
	const size_t b = anpr_rng_pick(rng, w, 2);
	o->blur_sigma = anpr_rng_range(rng, blur[b][1], blur[b][2]);
	o->noise_sigma = anpr_rng_range(rng, 0, 6);
	o->contrast = anpr_rng_range(rng, 0.55, 1.0);
	o->background = anpr_rng_range(rng, 170, 245);
	o->jpeg_quality = anpr_rng_chance(rng, 0.5) ? anpr_rng_int(rng, 60, 95) : 0;
	o->noise_seed = anpr_rng_next(rng);
	return ANPR_ERR_OK;
}

/* ---- Rendering ---- */

/* Grey level at fraction q of the histogram of img over r. */
static int percentile(const anpr_image *img, anpr_rect r, double q)
{
	long hist[256] = { 0 }, total = 0, acc = 0;

	for (int y = r.y; y < r.y + r.height; y++) {
		const uint8_t *p = synth_px(img, r.x, y);
		for (int x = 0; x < r.width; x++)
			hist[p[x]]++;
	}
	total = (long)r.width * r.height;
	for (int v = 0; v < 256; v++) {
		acc += hist[v];
		if (acc > total * q)
			return v;
	}
	return 255;
}

/*
 * From a grey canvas holding the characters in text (canvas pixels) to the
 * strip: residual rotation and shear about the text's centre, margins,
 * levels, blur, noise and JPEG.
 */
static anpr_err finish(anpr_synth *s, const anpr_synth_strip *st, const anpr_image *canvas, anpr_rect text,
		       anpr_image *out)
{
	uint8_t *jpg = NULL;
	size_t jpg_len = 0;
	anpr_err err;

	const double m = synth_max(0, synth_min(20, st->margin_px));
	const int w = (int)lround(text.width + 2 * m), h = (int)lround(text.height + 2 * m);
	const double ca = cos(st->roll_deg * M_PI / 180), sa = sin(st->roll_deg * M_PI / 180);
	const double sh = synth_max(-0.2, synth_min(0.2, st->shear));
	/* A = R * [1 sh; 0 1], about the text centre: centre coordinates cancel the half-pixel shifts. */
	const double a00 = ca, a01 = ca * sh - sa, a10 = sa, a11 = sa * sh + ca;
	const double tcx = text.x + text.width / 2.0 - 0.5, tcy = text.y + text.height / 2.0 - 0.5;
	const double ocx = w / 2.0 - 0.5, ocy = h / 2.0 - 0.5;
	const double mat[6] = { a00, a01, ocx - (a00 * tcx + a01 * tcy),
				a10, a11, ocy - (a10 * tcx + a11 * tcy) };

	/* Levels measured on the clean characters: paper at the 90th percentile, ink at the 3rd. */
	const int paper = percentile(canvas, text, 0.90), ink = percentile(canvas, text, 0.03);
	err = anpr_cv_warp_affine(canvas, mat, out, w, h, ANPR_CV_INTER_LINEAR);
	if (err)
		return err;
	const double bg = synth_max(0, synth_min(255, st->background));
	const double depth = synth_max(0.1, synth_min(1.0, st->contrast)) * (bg - 15);
	const double span = paper - ink > 10 ? paper - ink : 10;
	uint8_t lut[256];
	for (int v = 0; v < 256; v++)
		lut[v] = synth_clamp_u8(bg - (paper - v) / span * depth);
	for (int y = 0; y < h; y++) {
		uint8_t *p = synth_px(out, 0, y);
		for (int x = 0; x < w; x++)
			p[x] = lut[p[x]];
	}
	if (st->blur_sigma >= 0.2) {
		const double sigma = synth_min(st->blur_sigma, 3.0);
		err = anpr_cv_gaussian_blur(out, &s->tmp2, (int)(2 * ceil(3 * sigma) + 1), sigma);
		if (!err)
			err = anpr_image_copy(&s->tmp2, out);
		if (err)
			return err;
	}
	err = anpr_synth_sensor_(s, out, NULL, synth_min(st->noise_sigma, 30.0), st->noise_seed, true);
	if (!err && st->jpeg_quality > 0) {
		err =
		    anpr_cv_encode_jpeg(out, st->jpeg_quality > 100 ? 100 : st->jpeg_quality, &jpg, &jpg_len);
		if (!err)
			err = anpr_cv_decode(jpg, jpg_len, ANPR_CV_LOAD_GREY, &s->tmp2);
		if (!err)
			err = anpr_image_copy(&s->tmp2, out);
		free(jpg);
	}
	return err;
}

static anpr_err font_strip(anpr_synth *s, const anpr_synth_strip *st, anpr_image *out)
{
	anpr_synth_plate p = st->plate;
	anpr_synth_layout lay;
	anpr_err err;

	/* Only the characters: no band, border or small print for the margins to catch. */
	p.band = ANPR_SYNTH_BAND_NONE;
	p.border = false;
	p.maker_mark = false;
	p.ir = false;
	err = anpr_synth_layout_plate(&p, &lay);
	if (err)
		return err;
	const double k = st->char_h_px / ANPR_PLATE_CHAR_H_MM;
	err = anpr_synth_render_plate(s, &p, k, &s->plate);
	if (!err)
		err = anpr_cv_convert(&s->plate, &s->tmp, ANPR_CV_BGR2GREY);
	if (err)
		return err;
	const double x0 = lay.chars[0].x * k, x1 = (lay.chars[lay.n - 1].x + lay.chars[lay.n - 1].w) * k;
	const double y0 = lay.chars[0].y * k;
	const anpr_rect text = { (int)floor(x0), (int)floor(y0), (int)ceil(x1 - floor(x0)),
				 (int)lround(st->char_h_px) };
	return finish(s, st, &s->tmp, text, out);
}

static anpr_err tile_strip(anpr_synth *s, const anpr_synth_tiles *t, const anpr_synth_strip *st,
			   anpr_image *out)
{
	const char *text = st->plate.vrm.text;
	const int n = (int)strlen(text), pad = 12;
	const int h = (int)lround(st->char_h_px);
	size_t pick[ANPR_VRM_GEN_MAX];
	int widths[ANPR_VRM_GEN_MAX], jitter[ANPR_VRM_GEN_MAX], total = 0;
	anpr_rng rng;
	anpr_err err;

	if (!anpr_synth_tiles_cover(t, text))
		return ANPR_ERR_NOT_FOUND;
	anpr_rng_seed(&rng, st->plate.detail_seed);
	const int pitch = (int)lround(h * ANPR_PLATE_PITCH_MM / ANPR_PLATE_CHAR_H_MM);
	const int group = (int)lround(h * ANPR_PLATE_GROUP_MM / ANPR_PLATE_CHAR_H_MM);
	for (int i = 0; i < n; i++) {
		const unsigned char c = (unsigned char)text[i];
		pick[i] = t->order[t->start[c] + (size_t)anpr_rng_int(&rng, 0, (int)t->count[c] - 1)];
		const anpr_image *tile = &t->img[pick[i]];
		widths[i] = (int)lround((double)tile->width * h / tile->height);
		widths[i] = widths[i] < 1 ? 1 : widths[i];
		jitter[i] = anpr_rng_int(&rng, -1, 1);
		total += widths[i] + (i == 0 ? 0 : st->plate.vrm.gap == i ? group : pitch);
	}
	err = anpr_image_alloc(&s->tmp, total + 2 * pad, h + 2 * pad, 1);
	if (err)
		return err;
	for (int y = 0; y < s->tmp.height; y++)
		memset(synth_px(&s->tmp, 0, y), 255, (size_t)s->tmp.width);
	int x = pad;
	for (int i = 0; i < n; i++) {
		if (i > 0)
			x += st->plate.vrm.gap == i ? group : pitch;
		err = anpr_cv_resize(&t->img[pick[i]], &s->tmp2, widths[i], h, ANPR_CV_INTER_LINEAR);
		if (err)
			return err;
		/* Darkest wins, so tile backgrounds never paint over a neighbour. */
		for (int y = 0; y < h; y++) {
			const uint8_t *src = synth_px(&s->tmp2, 0, y);
			uint8_t *dst = synth_px(&s->tmp, x, pad + y + jitter[i]);
			for (int k = 0; k < widths[i]; k++)
				dst[k] = src[k] < dst[k] ? src[k] : dst[k];
		}
		x += widths[i];
	}
	const anpr_rect box = { pad, pad, total, h };
	return finish(s, st, &s->tmp, box, out);
}

anpr_err anpr_synth_render_strip(anpr_synth *s, const anpr_synth_tiles *tiles, const anpr_synth_strip *st,
				 anpr_image *out)
{
	if (!s || !st || !out || !(st->char_h_px >= 8 && st->char_h_px <= 400) || !isfinite(st->margin_px) ||
	    !isfinite(st->roll_deg) || fabs(st->roll_deg) > 45 || !isfinite(st->shear) ||
	    !isfinite(st->blur_sigma) || !isfinite(st->noise_sigma) || !isfinite(st->contrast) ||
	    !isfinite(st->background) || st->jpeg_quality < 0 || st->jpeg_quality > 100 ||
	    st->plate.vrm.text[0] == '\0')
		return ANPR_ERR_INVAL;
	if (st->tiles)
		return tiles ? tile_strip(s, tiles, st, out) : ANPR_ERR_NOT_FOUND;
	return font_strip(s, st, out);
}

const char *anpr_synth_strip_columns(void)
{
	return "vrm\tdisplay\tformat\tsource\tfont\tside\tweight_mm\tdirt\tchar_h_px\tmargin_px\troll_"
	       "deg\tshear\t"
	       "blur_sigma\tnoise_sigma\tcontrast\tbackground\tjpeg_quality\tplate_seed\tnoise_seed";
}

int anpr_synth_strip_row(const anpr_synth_strip *st, char *buf, size_t n)
{
	const anpr_synth_plate *p = &st->plate;

	return snprintf(
	    buf, n,
	    "%s\t%s\t%s\t%s\t%d\t%s\t%.2f\t%.3f\t%.2f\t%.2f\t%.2f\t%.3f\t%.3f\t%.2f\t%.3f\t%.1f\t%d\t"
	    "0x%016" PRIx64 "\t0x%016" PRIx64,
	    p->vrm.text, p->vrm.display, anpr_vrm_gen_format_name(p->vrm.format),
	    st->tiles ? "tiles" : "font", p->font, p->rear ? "rear" : "front", p->weight_mm, p->dirt,
	    st->char_h_px, st->margin_px, st->roll_deg, st->shear, st->blur_sigma, st->noise_sigma,
	    st->contrast, st->background, st->jpeg_quality, p->detail_seed, st->noise_seed);
}
