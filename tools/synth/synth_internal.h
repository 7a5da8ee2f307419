/* SPDX-License-Identifier: MIT */
/* What synth.c shares with synth_scene.c and synth_strip.c inside the library: the handle's fields and drawing helpers. */
#ifndef ANPR_SYNTH_INTERNAL_H
#define ANPR_SYNTH_INTERNAL_H

#include <ft2build.h>
#include FT_FREETYPE_H

#include "rng.h"
#include "synth.h"

/* One loaded font and what was measured of it. */
typedef struct synth_font {
	FT_Face face;
	char name[64];
	unsigned glyph[128]; /* glyph index per ASCII code; 0 when the font lacks it */
	double advance[128]; /* horizontal advance, font units */
	FT_BBox box[128];    /* ink box, font units */
	double cap_units;    /* height of the H in font units */
	double stem_units;   /* the H's vertical stem, font units */
	double bar_units;    /* the H's crossbar, font units */
	bool footed_one;     /* its 1 stands on a foot (serif), unlike the plate face's */
	int one_font;        /* the font whose 1 plates drawn in this one use */
} synth_font;

struct anpr_synth {
	FT_Library ft;
	synth_font font[ANPR_SYNTH_MAX_FONTS];
	int n_fonts;
	/* FreeType renders each glyph here before it is blended; grows to at most SYNTH_BITMAP_MAX. */
	uint8_t *bitmap;
	size_t bitmap_cap;
	/* Scratch images reused from call to call (synth_scene.c and synth_strip.c). */
	anpr_image plate, warped, tmp, tmp2;
	int16_t *noise; /* SYNTH_NOISE_LEN noise samples and room for one row past the end */
};

#define SYNTH_NOISE_LEN ((size_t)1 << 16)

#define SYNTH_BITMAP_MAX (4096u * 4096u)

/* A 2-D affine map: x' = a*x + b*y + tx, y' = c*x + d*y + ty. */
typedef struct synth_affine {
	double a, b, tx, c, d, ty;
} synth_affine;

/*
 * Draws glyph c of font stretched onto box (pixels, pixel-edge coordinates:
 * the image's top-left corner is 0,0), strokes grown by grow_x and grow_y
 * font units (negative thins), blended in colour at opacity alpha (0..1).
 * When xf is not NULL the box is further mapped through it (rotation and
 * shear of a whole line). A character the font lacks draws nothing. A W is
 * drawn as the plate face has it, its middle apex below the top (synth.c).
 */
anpr_err anpr_synth_glyph_(anpr_synth *s, anpr_image *img, int font, char c, anpr_synth_box box,
			   double grow_x, double grow_y, const synth_affine *xf, const uint8_t colour[3],
			   double alpha);

/*
 * Draws a line of text at natural proportions: capitals cap_h pixels high,
 * widths scaled by xscale, the top-left of the first capital at (x, y),
 * rotated by angle_deg about that point. Returns its width in pixels through
 * *width (may be NULL). Characters the font lacks are skipped.
 */
anpr_err anpr_synth_text_(anpr_synth *s, anpr_image *img, int font, const char *text, double x, double y,
			  double cap_h, double xscale, double angle_deg, const uint8_t colour[3],
			  double alpha, double *width);

/* Width in pixels that anpr_synth_text_() would draw. */
double anpr_synth_text_width_(const anpr_synth *s, int font, const char *text, double cap_h, double xscale);

/* Blends colour over the rectangle [x0, x1) x [y0, y1) (pixel-edge coordinates) with exact edge coverage. */
void anpr_synth_rect_(anpr_image *img, double x0, double y0, double x1, double y1, const uint8_t colour[3],
		      double alpha);

/*
 * Blends a convex polygon (n <= 16 points, either winding) with antialiased
 * edges; colour runs from top to bottom between the image rows y_top and
 * y_bottom (pass the same colour twice for a flat fill).
 */
void anpr_synth_convex_(anpr_image *img, const anpr_point *pts, int n, const uint8_t top[3],
			const uint8_t bottom[3], double y_top, double y_bottom, double alpha);

/* Blends a soft-edged ellipse: opacity alpha in the middle fading to 0 at the rim. */
void anpr_synth_blotch_(anpr_image *img, double cx, double cy, double rx, double ry, double angle_deg,
			const uint8_t colour[3], double alpha);

/* n points around an ellipse, for anpr_synth_convex_(). */
void anpr_synth_ellipse_pts_(anpr_point *pts, int n, double cx, double cy, double rx, double ry,
			     double angle_deg);

/*
 * The sensor's last step in one pass: maps every value through lut (NULL:
 * unchanged), then adds Gaussian noise of sigma grey levels reproducible
 * from seed. A grey image, or a BGR one with mono set, gets the same noise on
 * every channel. ANPR_ERR_NOMEM when the noise buffer cannot be had.
 */
anpr_err anpr_synth_sensor_(anpr_synth *s, anpr_image *img, const uint8_t *lut, double sigma, uint64_t seed,
			    bool mono);

/* fmin and fmax without their NaN rules, so they inline in pixel loops (inputs here are finite). */
static inline double synth_min(double a, double b)
{
	return a < b ? a : b;
}

static inline double synth_max(double a, double b)
{
	return a > b ? a : b;
}

static inline uint8_t synth_clamp_u8(double v)
{
	return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)(v + 0.5);
}

static inline uint8_t *synth_px(const anpr_image *img, int x, int y)
{
	return img->data + (size_t)y * img->stride + (size_t)x * (size_t)img->channels;
}

#endif
