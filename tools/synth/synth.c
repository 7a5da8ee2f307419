/* SPDX-License-Identifier: MIT */
/* The renderer handle: fonts through FreeType, glyphs stretched to UK plate proportions, and the flat plate. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "synth_internal.h"

#include FT_OUTLINE_H

static const char k_plate_chars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* Fictional plate suppliers for the small print; real firms' names are left alone. */
static const char *const k_makers[] = { "ACME PLATES",      "NORTHGATE MOTORS", "RIVERSIDE CARS",
					"A1 AUTO CENTRE",   "HILLTOP VEHICLES", "OAKFIELD GARAGE",
					"MILLBROOK MOTORS", "STATION ROAD CARS" };

/* Looks glyph c up and loads its outline in font units. NULL when the font lacks it. */
static FT_Outline *load_outline(anpr_synth *s, int font, char c)
{
	synth_font *f = &s->font[font];
	unsigned idx = (unsigned char)c < 128 ? f->glyph[(unsigned char)c] : 0;

	if (idx == 0 || FT_Load_Glyph(f->face, idx, FT_LOAD_NO_SCALE) != 0 ||
	    f->face->glyph->format != FT_GLYPH_FORMAT_OUTLINE)
		return NULL;
	return &f->face->glyph->outline;
}

static int font_index(const anpr_synth *s, int font)
{
	if (s->n_fonts <= 0)
		return 0;
	font %= s->n_fonts;
	return font < 0 ? font + s->n_fonts : font;
}

static double fmin4(double a, double b, double c, double d)
{
	return synth_min(synth_min(a, b), synth_min(c, d));
}

static double fmax4(double a, double b, double c, double d)
{
	return synth_max(synth_max(a, b), synth_max(c, d));
}

/* p = p * (1 - a) + colour * a, in 8-bit fixed point (whole fills are the common case, so copy those). */
static inline void blend(uint8_t *p, int channels, const uint8_t colour[3], double a)
{
	if (a >= 0.998) {
		for (int k = 0; k < channels; k++)
			p[k] = colour[k];
		return;
	}
	const int w = (int)(a * 256.0 + 0.5);
	if (w <= 0)
		return;
	for (int k = 0; k < channels; k++)
		p[k] = (uint8_t)((p[k] * (256 - w) + colour[k] * w + 128) >> 8);
}

/*
 * Renders outline o (font units, y up) mapped by m (font units to image pixels,
 * y down) and blends its coverage into img. o is transformed in place.
 */
static anpr_err render_outline(anpr_synth *s, anpr_image *img, FT_Outline *o, const synth_affine *m,
			       const uint8_t colour[3], double alpha)
{
	FT_BBox cb;
	double xs[4], ys[4];
	int wx0, wy0, wx1, wy1;

	FT_Outline_Get_CBox(o, &cb);
	const double ux[4] = { (double)cb.xMin, (double)cb.xMax, (double)cb.xMax, (double)cb.xMin };
	const double uy[4] = { (double)cb.yMin, (double)cb.yMin, (double)cb.yMax, (double)cb.yMax };
	for (int i = 0; i < 4; i++) {
		xs[i] = m->a * ux[i] + m->b * uy[i] + m->tx;
		ys[i] = m->c * ux[i] + m->d * uy[i] + m->ty;
	}
	const double minx = fmin4(xs[0], xs[1], xs[2], xs[3]), maxx = fmax4(xs[0], xs[1], xs[2], xs[3]);
	const double miny = fmin4(ys[0], ys[1], ys[2], ys[3]), maxy = fmax4(ys[0], ys[1], ys[2], ys[3]);
	if (!(maxx > 0 && maxy > 0 && minx < img->width && miny < img->height))
		return ANPR_ERR_OK; /* off the image (or NaN) */
	/* Only the part over the image is rasterised; FreeType clips the rest. */
	wx0 = minx < 0 ? 0 : (int)floor(minx);
	wy0 = miny < 0 ? 0 : (int)floor(miny);
	wx1 = maxx > img->width ? img->width : (int)ceil(maxx);
	wy1 = maxy > img->height ? img->height : (int)ceil(maxy);
	if (wx1 <= wx0 || wy1 <= wy0)
		return ANPR_ERR_OK;
	const size_t cols = (size_t)(wx1 - wx0), rows = (size_t)(wy1 - wy0);
	if (cols * rows > SYNTH_BITMAP_MAX)
		return ANPR_ERR_TOO_BIG;
	if (cols * rows > s->bitmap_cap) {
		uint8_t *b = realloc(s->bitmap, cols * rows);
		if (!b)
			return ANPR_ERR_NOMEM;
		s->bitmap = b;
		s->bitmap_cap = cols * rows;
	}
	memset(s->bitmap, 0, cols * rows);

	/* To FreeType's bitmap space: 26.6 pixels, y up from the window's bottom edge. */
	FT_Matrix mat = {
		.xx = (FT_Fixed)lround(m->a * 64.0 * 65536.0),
		.xy = (FT_Fixed)lround(m->b * 64.0 * 65536.0),
		.yx = (FT_Fixed)lround(-m->c * 64.0 * 65536.0),
		.yy = (FT_Fixed)lround(-m->d * 64.0 * 65536.0),
	};
	FT_Outline_Transform(o, &mat);
	FT_Outline_Translate(o, (FT_Pos)lround((m->tx - wx0) * 64.0), (FT_Pos)lround((wy1 - m->ty) * 64.0));
	FT_Bitmap bm;
	memset(&bm, 0, sizeof(bm));
	bm.rows = (unsigned)rows;
	bm.width = (unsigned)cols;
	bm.pitch = (int)cols;
	bm.buffer = s->bitmap;
	bm.num_grays = 256;
	bm.pixel_mode = FT_PIXEL_MODE_GRAY;
	if (FT_Outline_Get_Bitmap(s->ft, o, &bm) != 0)
		return ANPR_ERR_INTERNAL;

	for (size_t r = 0; r < rows; r++) {
		const uint8_t *cov = s->bitmap + r * cols;
		uint8_t *p = synth_px(img, wx0, wy0 + (int)r);
		for (size_t x = 0; x < cols; x++, p += img->channels) {
			if (cov[x])
				blend(p, img->channels, colour, alpha * cov[x] / 255.0);
		}
	}
	return ANPR_ERR_OK;
}

static void compose(const synth_affine *outer, const synth_affine *inner, synth_affine *out)
{
	synth_affine r;

	r.a = outer->a * inner->a + outer->b * inner->c;
	r.b = outer->a * inner->b + outer->b * inner->d;
	r.tx = outer->a * inner->tx + outer->b * inner->ty + outer->tx;
	r.c = outer->c * inner->a + outer->d * inner->c;
	r.d = outer->c * inner->b + outer->d * inner->d;
	r.ty = outer->c * inner->tx + outer->d * inner->ty + outer->ty;
	*out = r;
}

/*
 * The plate face's W: its middle strokes meet below the cap height, leaving
 * the top of the glyph open between the outer strokes. Both free fonts take
 * the middle apex to the top, and with plate-weight strokes in a 50 mm box
 * their four stroke ends left slits of 2-3 mm that close at plate
 * resolution: the W became a solid wedge, read N, R or Y. The points of the
 * apex (at the top, away from the outer strokes) are lowered to W_APEX of the
 * glyph's height. Measured on the real W tiles of ../shared/data/gb-chars
 * (66): at a tenth of the height down, the top stays open over a median 41%
 * of the width; 45% with W_APEX, 7-13% without.
 */
#define W_APEX 0.75
static void plate_w(FT_Outline *o)
{
	FT_BBox b;

	FT_Outline_Get_CBox(o, &b);
	const double w = (double)(b.xMax - b.xMin), h = (double)(b.yMax - b.yMin);
	if (!(w > 0 && h > 0))
		return;
	for (int i = 0; i < o->n_points; i++) {
		FT_Vector *p = &o->points[i];
		const double x = (double)(p->x - b.xMin) / w, y = (double)(p->y - b.yMin) / h;
		if (y > W_APEX && x > 0.3 && x < 0.7)
			p->y = b.yMin + (FT_Pos)lround(W_APEX * h);
	}
}

anpr_err anpr_synth_glyph_(anpr_synth *s, anpr_image *img, int font, char c, anpr_synth_box box,
			   double grow_x, double grow_y, const synth_affine *xf, const uint8_t colour[3],
			   double alpha)
{
	FT_Outline *o = load_outline(s, font_index(s, font), c);
	FT_BBox cb;
	synth_affine m;

	if (!o)
		return ANPR_ERR_OK;
	if (c == 'W')
		plate_w(o);
	if ((grow_x != 0 || grow_y != 0) &&
	    FT_Outline_EmboldenXY(o, (FT_Pos)lround(grow_x), (FT_Pos)lround(grow_y)) != 0)
		return ANPR_ERR_INTERNAL;
	FT_Outline_Get_CBox(o, &cb);
	if (cb.xMax <= cb.xMin || cb.yMax <= cb.yMin)
		return ANPR_ERR_OK;
	/* The ink box onto the target box, flipping y. */
	m.a = box.w / (double)(cb.xMax - cb.xMin);
	m.b = 0;
	m.tx = box.x - m.a * (double)cb.xMin;
	m.c = 0;
	m.d = -box.h / (double)(cb.yMax - cb.yMin);
	m.ty = box.y - m.d * (double)cb.yMax;
	if (xf)
		compose(xf, &m, &m);
	return render_outline(s, img, o, &m, colour, alpha);
}

double anpr_synth_text_width_(const anpr_synth *s, int font, const char *text, double cap_h, double xscale)
{
	const synth_font *f = &s->font[font_index(s, font)];
	const double scale = cap_h / f->cap_units * xscale;
	double w = 0;

	for (const char *p = text; *p; p++) {
		unsigned idx = (unsigned char)*p < 128 ? f->glyph[(unsigned char)*p] : 0;
		/* Advances were cached at open so this needs no glyph loads (and no mutable face). */
		if (idx)
			w += f->advance[(unsigned char)*p] * scale;
	}
	return w;
}

anpr_err anpr_synth_text_(anpr_synth *s, anpr_image *img, int font, const char *text, double x, double y,
			  double cap_h, double xscale, double angle_deg, const uint8_t colour[3],
			  double alpha, double *width)
{
	const int fi = font_index(s, font);
	const synth_font *f = &s->font[fi];
	const double scale = cap_h / f->cap_units;
	const double ca = cos(angle_deg * M_PI / 180.0), sa = sin(angle_deg * M_PI / 180.0);
	double pen = 0;

	for (const char *p = text; *p; p++) {
		const unsigned char ch = (unsigned char)*p;
		if (ch >= 128 || !f->glyph[ch])
			continue;
		if (ch != ' ') {
			FT_Outline *o = load_outline(s, fi, (char)ch);
			if (o) {
				/* Font units to the unrotated line (baseline at y + cap_h), then rotate about (x, y). */
				const synth_affine line = { scale * xscale, 0, pen, 0, -scale, cap_h };
				const synth_affine rot = { ca, -sa, x, sa, ca, y };
				synth_affine m;
				compose(&rot, &line, &m);
				anpr_err err = render_outline(s, img, o, &m, colour, alpha);
				if (err)
					return err;
			}
		}
		pen += f->advance[ch] * scale * xscale;
	}
	if (width)
		*width = pen;
	return ANPR_ERR_OK;
}

void anpr_synth_rect_(anpr_image *img, double x0, double y0, double x1, double y1, const uint8_t colour[3],
		      double alpha)
{
	x0 = synth_max(x0, 0);
	y0 = synth_max(y0, 0);
	x1 = synth_min(x1, img->width);
	y1 = synth_min(y1, img->height);
	if (!(x1 > x0 && y1 > y0))
		return;
	const int xa = (int)floor(x0), xb = (int)ceil(x1);
	for (int y = (int)floor(y0); y < (int)ceil(y1); y++) {
		const double cy = synth_min(y1, y + 1.0) - synth_max(y0, (double)y);
		uint8_t *p = synth_px(img, xa, y);
		for (int x = xa; x < xb; x++, p += img->channels) {
			/* Only the first and last columns are partly covered. */
			const double cx =
			    x == xa || x == xb - 1 ? synth_min(x1, x + 1.0) - synth_max(x0, (double)x) : 1.0;
			blend(p, img->channels, colour, alpha * cx * cy);
		}
	}
}

void anpr_synth_convex_(anpr_image *img, const anpr_point *pts, int n, const uint8_t top[3],
			const uint8_t bottom[3], double y_top, double y_bottom, double alpha)
{
	double nx[16], ny[16], nc[16], area = 0;
	double minx = 1e30, maxx = -1e30, miny = 1e30, maxy = -1e30;

	if (n < 3 || n > 16)
		return;
	for (int i = 0; i < n; i++) {
		const anpr_point p = pts[i], q = pts[(i + 1) % n];
		area += (double)p.x * (double)q.y - (double)q.x * (double)p.y;
		minx = synth_min(minx, (double)p.x);
		maxx = synth_max(maxx, (double)p.x);
		miny = synth_min(miny, (double)p.y);
		maxy = synth_max(maxy, (double)p.y);
	}
	if (!(fabs(area) > 1e-9))
		return;
	/* Each edge as n . q + c >= 0 inside, |n| = 1, so the value is a distance in pixels. */
	for (int i = 0; i < n; i++) {
		const anpr_point p = pts[i], q = pts[(i + 1) % n];
		double ex = (double)q.x - (double)p.x, ey = (double)q.y - (double)p.y, len = hypot(ex, ey);
		if (len < 1e-9) {
			nx[i] = 0;
			ny[i] = 0;
			nc[i] = 1e9; /* a repeated point constrains nothing */
			continue;
		}
		const double sgn = area > 0 ? 1.0 : -1.0;
		nx[i] = -ey / len * sgn;
		ny[i] = ex / len * sgn;
		nc[i] = -(nx[i] * (double)p.x + ny[i] * (double)p.y);
	}
	const int y0 = (int)synth_max(0, floor(miny - 1)),
		  y1 = (int)synth_min(img->height - 1, ceil(maxy + 1));
	const int x0 = (int)synth_max(0, floor(minx - 1)),
		  x1 = (int)synth_min(img->width - 1, ceil(maxx + 1));
	const double span = y_bottom - y_top;
	for (int y = y0; y <= y1; y++) {
		const double cy = y + 0.5;
		double t = fabs(span) > 1e-9 ? (cy - y_top) / span : 0;
		t = t < 0 ? 0 : t > 1 ? 1 : t;
		const uint8_t col[3] = { (uint8_t)(top[0] + (bottom[0] - top[0]) * t + 0.5),
					 (uint8_t)(top[1] + (bottom[1] - top[1]) * t + 0.5),
					 (uint8_t)(top[2] + (bottom[2] - top[2]) * t + 0.5) };
		/*
		 * Per row, each edge bounds x linearly: the pixels where every distance
		 * exceeds -0.5 are touched, those where every one exceeds 0.5 are fully
		 * inside and need no per-edge work.
		 */
		double lo = x0, hi = x1 + 1.0, in_lo = x0, in_hi = x1 + 1.0;
		for (int i = 0; i < n; i++) {
			const double base = ny[i] * cy + nc[i];
			if (fabs(nx[i]) < 1e-12) {
				if (base < -0.5)
					lo = hi = 0;
				if (base < 0.5)
					in_lo = in_hi = 0;
				continue;
			}
			/* nx * (x + 0.5) + base >= k  ->  x bound */
			const double b_out = (-0.5 - base) / nx[i] - 0.5, b_in = (0.5 - base) / nx[i] - 0.5;
			if (nx[i] > 0) {
				lo = synth_max(lo, b_out);
				in_lo = synth_max(in_lo, b_in);
			} else {
				hi = synth_min(hi, b_out);
				in_hi = synth_min(in_hi, b_in);
			}
		}
		if (!(hi > lo))
			continue;
		const int xa = (int)synth_max(x0, floor(lo)), xb = (int)synth_min(x1, ceil(hi));
		const int ia = (int)ceil(in_lo), ib = (int)floor(in_hi);
		uint8_t *p = synth_px(img, xa, y);
		for (int x = xa; x <= xb; x++, p += img->channels) {
			double cov;
			if (x >= ia && x <= ib && in_hi > in_lo) {
				if (alpha >= 0.998 && img->channels == 3) {
					/* The inside of the span: a plain fill. */
					const int end = ib < xb ? ib : xb;
					for (; x <= end; x++, p += 3) {
						p[0] = col[0];
						p[1] = col[1];
						p[2] = col[2];
					}
					x--;
					p -= 3;
					continue;
				}
				cov = 1.0;
			} else {
				const double cx = x + 0.5;
				double dmin = 1e9;
				for (int i = 0; i < n; i++)
					dmin = synth_min(dmin, nx[i] * cx + ny[i] * cy + nc[i]);
				cov = dmin + 0.5;
				if (cov <= 0)
					continue;
				cov = cov > 1 ? 1 : cov;
			}
			blend(p, img->channels, col, alpha * cov);
		}
	}
}

void anpr_synth_ellipse_pts_(anpr_point *pts, int n, double cx, double cy, double rx, double ry,
			     double angle_deg)
{
	const double ca = cos(angle_deg * M_PI / 180.0), sa = sin(angle_deg * M_PI / 180.0);

	for (int i = 0; i < n; i++) {
		const double t = 2.0 * M_PI * i / n, u = rx * cos(t), v = ry * sin(t);
		pts[i].x = (float)(cx + ca * u - sa * v);
		pts[i].y = (float)(cy + sa * u + ca * v);
	}
}

void anpr_synth_blotch_(anpr_image *img, double cx, double cy, double rx, double ry, double angle_deg,
			const uint8_t colour[3], double alpha)
{
	const double ca = cos(angle_deg * M_PI / 180.0), sa = sin(angle_deg * M_PI / 180.0);
	const double r = synth_max(rx, ry);
	const int x0 = (int)synth_max(0, floor(cx - r)), x1 = (int)synth_min(img->width - 1, ceil(cx + r));
	const int y0 = (int)synth_max(0, floor(cy - r)), y1 = (int)synth_min(img->height - 1, ceil(cy + r));

	if (!(rx > 0.05 && ry > 0.05))
		return;
	for (int y = y0; y <= y1; y++) {
		uint8_t *p = synth_px(img, x0, y);
		for (int x = x0; x <= x1; x++, p += img->channels) {
			const double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
			const double u = (ca * dx + sa * dy) / rx, v = (-sa * dx + ca * dy) / ry;
			const double d = sqrt(u * u + v * v);
			if (d >= 1)
				continue;
			/* Solid core, soft rim: grime has no hard edge. */
			const double a = d < 0.5 ? 1.0 : (1.0 - d) / 0.5;
			blend(p, img->channels, colour, alpha * a);
		}
	}
}

/*
 * Sensor noise the way film-grain synthesis does it: a buffer of Gaussian
 * samples (drawn from a 4096-entry table, 12 random bits each) from which
 * every row adds a slice at a random offset. A 720p frame costs about a
 * millisecond, and the tone curve is applied in the same pass.
 */
anpr_err anpr_synth_sensor_(anpr_synth *s, anpr_image *f, const uint8_t *lut, double sigma, uint64_t seed,
			    bool mono)
{
	int16_t table[4096];
	uint8_t ident[256];
	anpr_rng rng;

	if (!lut) {
		for (int i = 0; i < 256; i++)
			ident[i] = (uint8_t)i;
		lut = ident;
	}
	const bool mono3 = mono && f->channels == 3;
	const size_t n = mono3 ? (size_t)f->width : (size_t)f->width * (size_t)f->channels;
	if (!(sigma > 0.05)) {
		for (int y = 0; y < f->height; y++) {
			uint8_t *p = synth_px(f, 0, y);
			for (size_t i = 0; i < (size_t)f->width * (size_t)f->channels; i++)
				p[i] = lut[p[i]];
		}
		return ANPR_ERR_OK;
	}
	/* The buffer holds SYNTH_NOISE_LEN samples and a copy of its start, so a slice never wraps. */
	const size_t need = SYNTH_NOISE_LEN + (size_t)ANPR_IMAGE_MAX_SIDE * 3;
	if (!s->noise) {
		s->noise = malloc(need * sizeof(*s->noise));
		if (!s->noise)
			return ANPR_ERR_NOMEM;
	}
	anpr_rng_seed(&rng, seed);
	for (int i = 0; i < 4096; i++)
		table[i] =
		    (int16_t)lround(synth_max(-1000, synth_min(1000, anpr_rng_normal(&rng, 0, sigma))));
	for (size_t i = 0; i < SYNTH_NOISE_LEN; i += 5) {
		uint64_t bits = anpr_rng_next(&rng);
		for (size_t j = 0; j < 5 && i + j < SYNTH_NOISE_LEN; j++, bits >>= 12)
			s->noise[i + j] = table[bits & 4095];
	}
	memcpy(s->noise + SYNTH_NOISE_LEN, s->noise, (need - SYNTH_NOISE_LEN) * sizeof(*s->noise));
	for (int y = 0; y < f->height; y++) {
		const int16_t *d = s->noise + anpr_rng_next(&rng) % SYNTH_NOISE_LEN;
		uint8_t *p = synth_px(f, 0, y);
		if (mono3) {
			for (size_t i = 0; i < n; i++, p += 3) {
				int v = lut[p[0]] + d[i];
				v = v < 0 ? 0 : v > 255 ? 255 : v;
				p[0] = p[1] = p[2] = (uint8_t)v;
			}
		} else {
			for (size_t i = 0; i < n; i++) {
				const int v = lut[p[i]] + d[i];
				p[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
		}
	}
	return ANPR_ERR_OK;
}

/* ---- Opening: fonts and their measurements ---- */

/* Total coverage (in pixels) of the ink run through index `at` of a line of samples spaced `step` apart. */
static double run_width(const uint8_t *line, size_t n, size_t step, size_t at)
{
	size_t a = at, b = at;
	double sum = 0;

	if (at >= n || line[at * step] == 0)
		return 0;
	while (a > 0 && line[(a - 1) * step] != 0)
		a--;
	while (b + 1 < n && line[(b + 1) * step] != 0)
		b++;
	for (size_t i = a; i <= b; i++)
		sum += line[i * step] / 255.0;
	return sum;
}

/*
 * Renders glyph c of font fi at natural proportions, its capitals 300 px
 * tall, into img as ink coverage (0 paper .. 255 ink) with a 2 px border.
 */
static anpr_err natural_glyph(anpr_synth *s, int fi, char c, anpr_image *img)
{
	const synth_font *f = &s->font[fi];
	const FT_BBox *cb = &f->box[(unsigned char)c];
	const uint8_t ink[3] = { 255, 255, 255 };
	const double k = 300.0 / f->cap_units;
	const int w = (int)ceil((double)(cb->xMax - cb->xMin) * k) + 4;
	const int h = (int)ceil((double)(cb->yMax - cb->yMin) * k) + 4;
	anpr_err err = anpr_image_alloc(img, w, h, 1);

	if (err)
		return err;
	memset(img->data, 0, img->stride * (size_t)h);
	const anpr_synth_box box = { 2, 2, (double)(cb->xMax - cb->xMin) * k,
				     (double)(cb->yMax - cb->yMin) * k };
	return anpr_synth_glyph_(s, img, fi, c, box, 0, 0, NULL, ink, 1.0);
}

/* Ink (pixels of full coverage) in row y. */
static double row_ink(const anpr_image *img, int y)
{
	const uint8_t *p = synth_px(img, 0, y);
	double sum = 0;

	for (int x = 0; x < img->width; x++)
		sum += p[x] / 255.0;
	return sum;
}

/*
 * Measures a font: the H's vertical stem a quarter of the way down and its
 * crossbar in the middle (font units), and whether its 1 stands on a foot,
 * which the plate face does not have.
 */
static anpr_err measure_font(anpr_synth *s, int fi)
{
	synth_font *f = &s->font[fi];
	anpr_image img = { 0 };
	anpr_err err;

	const double k = 300.0 / f->cap_units;
	err = natural_glyph(s, fi, 'H', &img);
	if (err)
		goto out;
	const uint8_t *row = synth_px(&img, 0, 2 + 75);
	size_t first = 0;
	while (first < (size_t)img.width && row[first] < 128)
		first++;
	f->stem_units = run_width(row, (size_t)img.width, 1, first) / k;
	const uint8_t *col = synth_px(&img, img.width / 2, 0);
	f->bar_units = run_width(col, (size_t)img.height, img.stride, (size_t)(img.height / 2)) / k;
	if (!(f->stem_units > 0 && f->bar_units > 0)) {
		err = ANPR_ERR_FORMAT;
		goto out;
	}
	err = natural_glyph(s, fi, '1', &img);
	if (err)
		goto out;
	f->footed_one = row_ink(&img, img.height - 2 - 4) > 1.6 * row_ink(&img, img.height / 2);
out:
	anpr_image_free(&img);
	return err;
}

static anpr_err load_font(anpr_synth *s, const char *path)
{
	synth_font *f = &s->font[s->n_fonts];
	struct stat st;

	if (stat(path, &st) != 0)
		return ANPR_ERR_NOT_FOUND;
	if (FT_New_Face(s->ft, path, 0, &f->face) != 0)
		return ANPR_ERR_FORMAT;
	s->n_fonts++; /* from here on anpr_synth_close() frees the face */
	if (!FT_IS_SCALABLE(f->face))
		return ANPR_ERR_FORMAT;
	snprintf(f->name, sizeof(f->name), "%s %s", f->face->family_name ? f->face->family_name : "?",
		 f->face->style_name ? f->face->style_name : "");
	for (int c = 32; c < 127; c++) {
		f->glyph[c] = FT_Get_Char_Index(f->face, (FT_ULong)c);
		if (f->glyph[c] && FT_Load_Glyph(f->face, f->glyph[c], FT_LOAD_NO_SCALE) == 0) {
			f->advance[c] = (double)f->face->glyph->metrics.horiAdvance;
			if (f->face->glyph->format == FT_GLYPH_FORMAT_OUTLINE)
				FT_Outline_Get_CBox(&f->face->glyph->outline, &f->box[c]);
		} else {
			f->glyph[c] = 0;
		}
	}
	for (const char *p = k_plate_chars; *p; p++) {
		const FT_BBox *b = &f->box[(unsigned char)*p];
		if (!f->glyph[(unsigned char)*p] || b->xMax <= b->xMin || b->yMax <= b->yMin)
			return ANPR_ERR_FORMAT;
	}
	f->cap_units = (double)(f->box['H'].yMax - f->box['H'].yMin);
	return measure_font(s, s->n_fonts - 1);
}

anpr_err anpr_synth_open(const anpr_synth_cfg *cfg, anpr_synth **out)
{
	static const anpr_synth_cfg defaults = { { ANPR_SYNTH_FONT_LIBERATION, ANPR_SYNTH_FONT_ROBOTO } };
	anpr_synth *s = NULL;
	anpr_err err;

	if (!out)
		return ANPR_ERR_INVAL;
	*out = NULL;
	if (!cfg || !cfg->fonts[0])
		cfg = &defaults;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ANPR_ERR_NOMEM;
	if (FT_Init_FreeType(&s->ft) != 0) {
		free(s);
		return ANPR_ERR_NOMEM;
	}
	for (int i = 0; i < ANPR_SYNTH_MAX_FONTS && cfg->fonts[i]; i++) {
		err = load_font(s, cfg->fonts[i]);
		if (err)
			goto out;
	}
	/* A font whose 1 has a foot borrows the 1 of one that has none (the plate face has none). */
	for (int i = 0; i < s->n_fonts; i++) {
		s->font[i].one_font = i;
		for (int j = 0; j < s->n_fonts && s->font[i].footed_one; j++) {
			if (!s->font[j].footed_one) {
				s->font[i].one_font = j;
				break;
			}
		}
	}
	*out = s;
	s = NULL;
	err = ANPR_ERR_OK;
out:
	anpr_synth_close(s);
	return err;
}

void anpr_synth_close(anpr_synth *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n_fonts; i++)
		FT_Done_Face(s->font[i].face);
	FT_Done_FreeType(s->ft);
	free(s->bitmap);
	free(s->noise);
	anpr_image_free(&s->plate);
	anpr_image_free(&s->warped);
	anpr_image_free(&s->tmp);
	anpr_image_free(&s->tmp2);
	free(s);
}

int anpr_synth_font_count(const anpr_synth *s)
{
	return s ? s->n_fonts : 0;
}

const char *anpr_synth_font_name(const anpr_synth *s, int font)
{
	return s && font >= 0 && font < s->n_fonts ? s->font[font].name : "";
}

const char *anpr_synth_band_name(anpr_synth_band band)
{
	switch (band) {
	case ANPR_SYNTH_BAND_NONE:
		return "none";
	case ANPR_SYNTH_BAND_GB_EU:
		return "gb-eu";
	case ANPR_SYNTH_BAND_UK:
		return "uk";
	case ANPR_SYNTH_BAND_UK_FLAG:
		return "uk-flag";
	case ANPR_SYNTH_BAND_GREEN:
		return "green";
	case ANPR_SYNTH_BANDS:
		break;
	}
	return "unknown";
}

/* ---- Layout and the flat plate ---- */

/* Width of a character's box: 50 mm, the I a single stroke, the 1 about half. */
static double char_width_mm(char c, double weight_mm)
{
	if (c == 'I')
		return ANPR_PLATE_STROKE_MM + weight_mm;
	if (c == '1')
		return 26.0;
	return ANPR_PLATE_CHAR_W_MM;
}

anpr_err anpr_synth_layout_plate(const anpr_synth_plate *p, anpr_synth_layout *out)
{
	double total = 0, x, left;

	if (!p || !out)
		return ANPR_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	const int n = (int)strnlen(p->vrm.text, sizeof(p->vrm.text));
	if (n == 0 || n > ANPR_VRM_GEN_MAX || p->vrm.gap < 0 || p->vrm.gap >= n)
		return ANPR_ERR_INVAL;
	const double weight = synth_max(-3.0, synth_min(3.0, isfinite(p->weight_mm) ? p->weight_mm : 0));
	for (int i = 0; i < n; i++) {
		total += char_width_mm(p->vrm.text[i], weight);
		if (i > 0)
			total += p->vrm.gap == i ? ANPR_PLATE_GROUP_MM : ANPR_PLATE_PITCH_MM;
	}
	if (p->band != ANPR_SYNTH_BAND_NONE) {
		out->band = (anpr_synth_box){ 0, 0, ANPR_PLATE_BAND_MM, ANPR_PLATE_H_MM };
		left = ANPR_PLATE_BAND_MM + ANPR_PLATE_MARGIN_MM;
	} else {
		left = ANPR_PLATE_MARGIN_MM;
	}
	const double room = ANPR_PLATE_W_MM - ANPR_PLATE_MARGIN_MM - left;
	if (total > room)
		return ANPR_ERR_INVAL;
	x = left + (room - total) / 2;
	for (int i = 0; i < n; i++) {
		const double w = char_width_mm(p->vrm.text[i], weight);
		if (i > 0)
			x += p->vrm.gap == i ? ANPR_PLATE_GROUP_MM : ANPR_PLATE_PITCH_MM;
		out->chars[i] = (anpr_synth_box){ x, (ANPR_PLATE_H_MM - ANPR_PLATE_CHAR_H_MM) / 2, w,
						  ANPR_PLATE_CHAR_H_MM };
		x += w;
	}
	out->n = n;
	return ANPR_ERR_OK;
}

/*
 * Stroke growth (font units) that brings a glyph with natural ink extent
 * `nat` and natural stroke `stroke` to stroke `target` once stretched to
 * `size` (all in the same direction): (stroke + g) * size / (nat + g) = target.
 */
static double grow_for(double nat, double stroke, double size, double target)
{
	if (size - target < 1.0)
		return 0; /* the I: its box is its stroke */
	return (target * nat - size * stroke) / (size - target);
}

static void five_point_star(anpr_image *img, double cx, double cy, double r, const uint8_t colour[3])
{
	anpr_point pts[10];

	for (int i = 0; i < 10; i++) {
		const double a = -M_PI / 2 + i * M_PI / 5, rr = i % 2 ? r * 0.42 : r;
		pts[i].x = (float)(cx + rr * cos(a));
		pts[i].y = (float)(cy + rr * sin(a));
	}
	/* Star = a pentagon and five points; each piece is convex. */
	anpr_point pent[5];
	for (int i = 0; i < 5; i++)
		pent[i] = pts[2 * i + 1];
	anpr_synth_convex_(img, pent, 5, colour, colour, 0, 0, 1.0);
	for (int i = 0; i < 5; i++) {
		const anpr_point tri[3] = { pts[(2 * i + 9) % 10], pts[2 * i], pts[2 * i + 1] };
		anpr_synth_convex_(img, tri, 3, colour, colour, 0, 0, 1.0);
	}
}

/* A Union flag in the rectangle (x, y, w, h) pixels, simplified to crosses and saltires. */
static void union_flag(anpr_image *img, double x, double y, double w, double h, bool ir)
{
	const uint8_t blue[3] = { 125, 36, 1 }, white[3] = { 255, 255, 255 }, red[3] = { 46, 16, 200 };
	const uint8_t *b = blue, *r = red;
	uint8_t gb[3] = { 200, 200, 200 }, gr[3] = { 150, 150, 150 };

	if (ir) {
		b = gb;
		r = gr;
	}
	anpr_synth_rect_(img, x, y, x + w, y + h, b, 1.0);
	const double t = h * 0.2, tr = h * 0.07;
	/* White saltire, red saltire, white cross, red cross. */
	for (int diag = 0; diag < 2; diag++) {
		const double x0 = x, x1 = x + w, y0 = diag ? y + h : y, y1 = diag ? y : y + h;
		const double len = hypot(w, h), nx = -(y1 - y0) / len, ny = (x1 - x0) / len;
		const anpr_point band[4] = { { (float)(x0 + nx * t / 2), (float)(y0 + ny * t / 2) },
					     { (float)(x1 + nx * t / 2), (float)(y1 + ny * t / 2) },
					     { (float)(x1 - nx * t / 2), (float)(y1 - ny * t / 2) },
					     { (float)(x0 - nx * t / 2), (float)(y0 - ny * t / 2) } };
		anpr_synth_convex_(img, band, 4, white, white, 0, 0, 1.0);
		const anpr_point thin[4] = { { (float)(x0 + nx * tr / 2), (float)(y0 + ny * tr / 2) },
					     { (float)(x1 + nx * tr / 2), (float)(y1 + ny * tr / 2) },
					     { (float)(x1 - nx * tr / 2), (float)(y1 - ny * tr / 2) },
					     { (float)(x0 - nx * tr / 2), (float)(y0 - ny * tr / 2) } };
		anpr_synth_convex_(img, thin, 4, r, r, 0, 0, 1.0);
	}
	anpr_synth_rect_(img, x + w / 2 - h / 6, y, x + w / 2 + h / 6, y + h, white, 1.0);
	anpr_synth_rect_(img, x, y + h / 2 - h / 6, x + w, y + h / 2 + h / 6, white, 1.0);
	anpr_synth_rect_(img, x + w / 2 - h / 10, y, x + w / 2 + h / 10, y + h, r, 1.0);
	anpr_synth_rect_(img, x, y + h / 2 - h / 10, x + w, y + h / 2 + h / 10, r, 1.0);
}

static anpr_err draw_band(anpr_synth *s, anpr_image *img, const anpr_synth_plate *p,
			  const anpr_synth_box *band, double k)
{
	const uint8_t eu_blue[3] = { 153, 51, 0 }, green[3] = { 70, 150, 0 }, yellow[3] = { 0, 204, 255 };
	const uint8_t white[3] = { 255, 255, 255 };
	uint8_t bg[3], ink[3], star[3];
	const char *letters = NULL;
	anpr_err err = ANPR_ERR_OK;

	memcpy(bg, p->band == ANPR_SYNTH_BAND_GREEN ? green : eu_blue, 3);
	memcpy(ink, white, 3);
	memcpy(star, yellow, 3);
	if (p->ir) {
		/* Blue and green inks pass near infrared: the band shows up light, its print faint. */
		memset(bg, 185, 3);
		memset(ink, 230, 3);
		memset(star, 215, 3);
	}
	anpr_synth_rect_(img, band->x * k, band->y * k, (band->x + band->w) * k, (band->y + band->h) * k, bg,
			 1.0);
	const double cx = (band->x + band->w / 2) * k;
	switch (p->band) {
	case ANPR_SYNTH_BAND_GB_EU:
		for (int i = 0; i < 12; i++) {
			const double a = i * M_PI / 6;
			five_point_star(img, cx + 13.0 * k * cos(a), 33.0 * k + 13.0 * k * sin(a), 2.8 * k,
					star);
		}
		letters = "GB";
		break;
	case ANPR_SYNTH_BAND_UK_FLAG:
		union_flag(img, cx - 20.0 * k, 14.0 * k, 40.0 * k, 22.0 * k, p->ir);
		letters = "UK";
		break;
	case ANPR_SYNTH_BAND_UK:
		letters = "UK";
		break;
	default:
		break;
	}
	if (letters) {
		const double cap = 24.0 * k, w = anpr_synth_text_width_(s, p->font, letters, cap, 1.0);
		err = anpr_synth_text_(s, img, p->font, letters, cx - w / 2, 62.0 * k, cap, 1.0, 0, ink, 1.0,
				       NULL);
	}
	return err;
}

anpr_err anpr_synth_render_plate(anpr_synth *s, const anpr_synth_plate *p, double px_per_mm, anpr_image *out)
{
	anpr_synth_layout lay;
	anpr_rng rng;
	uint8_t bg[3], ink[3];
	anpr_err err;

	if (!s || !p || !out || !(px_per_mm >= 0.1 && px_per_mm <= 10.0))
		return ANPR_ERR_INVAL;
	err = anpr_synth_layout_plate(p, &lay);
	if (err)
		return err;
	const double k = px_per_mm;
	const int w = (int)lround(ANPR_PLATE_W_MM * k), h = (int)lround(ANPR_PLATE_H_MM * k);
	err = anpr_image_alloc(out, w, h, 3);
	if (err)
		return err;
	anpr_rng_seed(&rng, p->detail_seed);
	const int fi = font_index(s, p->font);
	const synth_font *f = &s->font[fi];

	/* Sheeting and ink colours (BGR): rear yellow about RGB 247,209,23, front white. */
	const double tint = anpr_rng_range(&rng, -6, 6);
	if (p->ir) {
		memset(bg, synth_clamp_u8(238 + 2 * tint), 3);
		memset(ink, synth_clamp_u8(anpr_rng_range(&rng, 14, 40)), 3);
	} else {
		if (p->rear) {
			bg[0] = synth_clamp_u8(23 + tint);
			bg[1] = synth_clamp_u8(209 + tint);
			bg[2] = synth_clamp_u8(247 + tint / 2);
		} else {
			bg[0] = synth_clamp_u8(246 + tint);
			bg[1] = synth_clamp_u8(249 + tint / 2);
			bg[2] = synth_clamp_u8(250);
		}
		memset(ink, synth_clamp_u8(anpr_rng_range(&rng, 12, 34)), 3);
	}
	for (int y = 0; y < h; y++) {
		uint8_t *q = synth_px(out, 0, y);
		for (int x = 0; x < w; x++, q += 3)
			memcpy(q, bg, 3);
	}
	if (lay.band.w > 0) {
		err = draw_band(s, out, p, &lay.band, k);
		if (err)
			return err;
	}
	if (p->border) {
		const double in = 2.5 * k, t = 3.0 * k;
		anpr_synth_rect_(out, in, in, w - in, in + t, ink, 1.0);
		anpr_synth_rect_(out, in, h - in - t, w - in, h - in, ink, 1.0);
		anpr_synth_rect_(out, in, in, in + t, h - in, ink, 1.0);
		anpr_synth_rect_(out, w - in - t, in, w - in, h - in, ink, 1.0);
	}

	const double weight = synth_max(-3.0, synth_min(3.0, isfinite(p->weight_mm) ? p->weight_mm : 0));
	const double target = ANPR_PLATE_STROKE_MM + weight;
	for (int i = 0; i < lay.n; i++) {
		const char c = p->vrm.text[i];
		const int gi = c == '1' ? f->one_font : fi;
		const synth_font *gf = &s->font[gi];
		const FT_BBox *b = &gf->box[(unsigned char)c];
		const anpr_synth_box mm = lay.chars[i];
		const double gx = grow_for((double)(b->xMax - b->xMin), gf->stem_units, mm.w, target);
		const double gy = grow_for((double)(b->yMax - b->yMin), gf->bar_units, mm.h, target);
		const anpr_synth_box px = { mm.x * k, mm.y * k, mm.w * k, mm.h * k };
		err = anpr_synth_glyph_(s, out, gi, c, px, gx, gy, NULL, ink, 1.0);
		if (err)
			return err;
	}

	if (p->maker_mark) {
		char line[96];
		const double cap = 3.6 * k;
		snprintf(line, sizeof(line), "%s   BS AU 145e",
			 k_makers[anpr_rng_int(&rng, 0, (int)(sizeof(k_makers) / sizeof(k_makers[0])) - 1)]);
		const double tw = anpr_synth_text_width_(s, fi, line, cap, 1.0);
		const double x0 =
		    (lay.chars[0].x + lay.chars[lay.n - 1].x + lay.chars[lay.n - 1].w) / 2 * k - tw / 2;
		err = anpr_synth_text_(s, out, fi, line, x0, 101.5 * k, cap, 1.0, 0, ink, 0.9, NULL);
		if (err)
			return err;
	}

	if (p->dirt > 0) {
		const double d = synth_min(1.0, p->dirt);
		const int n = (int)lround(4 + 30 * d);
		uint8_t grime[3];
		for (int i = 0; i < n; i++) {
			if (p->ir) {
				memset(grime, synth_clamp_u8(anpr_rng_range(&rng, 60, 120)), 3);
			} else {
				grime[0] = synth_clamp_u8(anpr_rng_range(&rng, 50, 90));
				grime[1] = synth_clamp_u8(anpr_rng_range(&rng, 70, 110));
				grime[2] = synth_clamp_u8(anpr_rng_range(&rng, 85, 130));
			}
			const double r = anpr_rng_range(&rng, 2, 6 + 30 * d) * k;
			anpr_synth_blotch_(out, anpr_rng_range(&rng, 0, w), anpr_rng_range(&rng, 0, h), r,
					   r * anpr_rng_range(&rng, 0.3, 1.0), anpr_rng_range(&rng, 0, 180),
					   grime, anpr_rng_range(&rng, 0.1, 0.15 + 0.4 * d));
		}
		/* Road spray settles along the bottom edge. */
		grime[0] = 60;
		grime[1] = 80;
		grime[2] = 95;
		if (p->ir)
			memset(grime, 90, 3);
		const int bands = 8;
		for (int i = 0; i < bands; i++) {
			const double y0 = h * (0.55 + 0.45 * i / bands),
				     y1 = h * (0.55 + 0.45 * (i + 1) / bands);
			anpr_synth_rect_(out, 0, y0, w, y1, grime, 0.35 * d * (i + 1) / bands);
		}
	}
	return ANPR_ERR_OK;
}
