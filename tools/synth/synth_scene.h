/* SPDX-License-Identifier: MIT */
/* Synthetic camera frames: a plate placed in perspective on a vehicle in a street, then degraded like a real camera. */
#ifndef ANPR_SYNTH_SCENE_H
#define ANPR_SYNTH_SCENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "opencv_c.h"
#include "rng.h"
#include "synth.h"

/*
 * A scene is drawn in two steps so every image can be explained and
 * reproduced: anpr_synth_scene_draw() picks every parameter from a mix's
 * distributions into an anpr_synth_scene (plain data, written to the
 * manifest), and anpr_synth_render_scene() renders exactly that, as a pure
 * function of the struct. The ranges below are what the draw function
 * produces; render accepts anything finite and clamps.
 * docs/synthetic-plates.md gives the distributions of each mix.
 *
 * Coordinates in the frame are pixel-edge coordinates: the image's top-left
 * corner is (0, 0) and pixel (i, j) covers [i, i+1) x [j, j+1).
 *
 * Threads: the drawing functions touch only their arguments (any thread);
 * rendering uses the handle's scratch memory, so one handle per thread.
 */

typedef enum anpr_synth_mix {
	ANPR_SYNTH_MIX_REALISTIC, /* the benchmark's mix: mostly clean-ish, a tail of hard ones */
	ANPR_SYNTH_MIX_CLEAN,     /* well-lit, sharp, near frontal, 120..250 px */
	ANPR_SYNTH_MIX_HARD,      /* small, tilted, blurred, dark or glaring, dirty, occluded */
	ANPR_SYNTH_MIXES          /* count */
} anpr_synth_mix;

/* How hard the conditions are; the realistic mix draws a tier first (bad conditions come together). */
typedef enum anpr_synth_tier {
	ANPR_SYNTH_TIER_EASY,
	ANPR_SYNTH_TIER_MEDIUM,
	ANPR_SYNTH_TIER_HARD,
	ANPR_SYNTH_TIERS /* count */
} anpr_synth_tier;

typedef enum anpr_synth_light {
	ANPR_SYNTH_LIGHT_DAY,  /* well exposed */
	ANPR_SYNTH_LIGHT_LOW,  /* underexposed: dusk, shade, night without IR */
	ANPR_SYNTH_LIGHT_OVER, /* overexposed: low sun, headlights */
	ANPR_SYNTH_LIGHTS      /* count */
} anpr_synth_light;

typedef enum anpr_synth_occluder {
	ANPR_SYNTH_OCC_NONE,
	ANPR_SYNTH_OCC_BAR,  /* a vertical strut (tow bar, bike rack) across the plate */
	ANPR_SYNTH_OCC_EDGE, /* something over the left or right end (bumper, bracket) */
	ANPR_SYNTH_OCC_BLOB, /* a small object (leaf, sticker, cable) */
	ANPR_SYNTH_OCCS      /* count */
} anpr_synth_occluder;

/* Everything an image is made from. Angles in degrees. */
typedef struct anpr_synth_scene {
	int frame_w, frame_h;   /* 64..ANPR_IMAGE_MAX_SIDE */
	anpr_synth_tier tier;   /* the tier of conditions the rest was drawn from (for reports) */
	anpr_synth_plate plate; /* the flat plate (its ir field switches the whole scene to IR) */
	/* Placement: a planar plate seen by a pinhole camera 5 m away, scaled to width_px. */
	double width_px;  /* apparent width, mean of top and bottom edges: 60..600 */
	double cx, cy;    /* plate centre in the frame */
	double roll_deg;  /* in-image rotation, -20..20 */
	double yaw_deg;   /* turn about the vertical axis, -30..30 */
	double pitch_deg; /* tilt about the horizontal axis, -15..15 */
	/* Surroundings */
	uint8_t body_bgr[3]; /* vehicle paint */
	bool holder;         /* dark plastic surround behind the plate */
	int clutter;         /* text-like distractors (signs, livery, stickers), 0..4 */
	/* Optics and sensor */
	double blur_sigma;  /* Gaussian defocus, px, 0..3 */
	double motion_px;   /* motion blur length, px, 0..15 */
	double motion_deg;  /* its direction */
	double noise_sigma; /* sensor noise, grey levels, 0..30 */
	anpr_synth_light light;
	double gain;                        /* exposure factor, 0.25..2 */
	double gamma;                       /* tone curve exponent, 0.6..1.5 */
	double glare;                       /* bright patch strength 0..1 (0: none) */
	double glare_dx, glare_dy, glare_r; /* its centre offset and radius, in plate widths */
	double ir_scene;                    /* IR: brightness of everything but the plate, 0.1..0.6 */
	anpr_synth_occluder occluder;
	anpr_synth_box occluder_mm; /* plate millimetres (origin top-left), may reach past the plate */
	int jpeg_quality;           /* 1..100; 0 for none */
	uint64_t detail_seed;       /* background, vehicle shape, clutter */
	uint64_t noise_seed;        /* sensor noise (differs per frame of a clip) */
} anpr_synth_scene;

/* What the scene holds, for ground truth. */
typedef struct anpr_synth_truth {
	anpr_point quad[4]; /* plate corners, clockwise from the plate's top-left */
	anpr_rect box;      /* smallest whole-pixel box around quad, within the frame */
	int n_chars;
	anpr_point char_quad[ANPR_VRM_GEN_MAX][4]; /* each character's ink box, same order */
	double width_px; /* measured apparent width (mean of top and bottom edge lengths) */
	double occluded; /* share of the plate's area under the occluder, 0..1 */
} anpr_synth_truth;

/*
 * Draws every parameter of one scene from mix for a frame_w x frame_h frame
 * (64..ANPR_IMAGE_MAX_SIDE). The plate width is reduced when the plate
 * would not fit the frame. s supplies the number of fonts. Advances *rng.
 * Returns ANPR_ERR_INVAL for bad arguments.
 */
ANPR_MUST_CHECK anpr_err anpr_synth_scene_draw(const anpr_synth *s, anpr_rng *rng, anpr_synth_mix mix,
					       int frame_w, int frame_h, anpr_synth_scene *out);

/*
 * Renders sc into frame (BGR, frame_w x frame_h, allocated or reused as for
 * opencv_c) and fills *truth. JPEG compression is not applied here; see
 * anpr_synth_scene_encode(). Returns ANPR_ERR_INVAL for a scene outside the
 * ranges render accepts, ANPR_ERR_NOMEM, ANPR_ERR_INTERNAL.
 */
ANPR_MUST_CHECK anpr_err anpr_synth_render_scene(anpr_synth *s, const anpr_synth_scene *sc, anpr_image *frame,
						 anpr_synth_truth *truth);

/*
 * The plate corners in the frame for sc's placement (what truth->quad will
 * hold), without rendering. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_synth_scene_quad(const anpr_synth_scene *sc, anpr_point quad[4]);

/*
 * Encodes a rendered frame for writing: JPEG at sc->jpeg_quality (95 when
 * 0), or PNG (png true) of the frame after a JPEG round trip at that quality
 * when it is non-zero, so both containers carry the same degradation. The
 * caller frees *out with free(). ANPR_ERR_ENCODE, ANPR_ERR_NOMEM.
 */
ANPR_MUST_CHECK anpr_err anpr_synth_scene_encode(const anpr_synth_scene *sc, const anpr_image *frame,
						 bool png, uint8_t **out, size_t *out_len);

/* Share (0..1) of the plate's area that box (plate millimetres) covers. */
double anpr_synth_plate_cover(const anpr_synth_box *box);

/* Tab-separated names of the columns anpr_synth_scene_row() writes (no newline). */
const char *anpr_synth_scene_columns(void);

/*
 * Writes sc's parameters as one tab-separated line (no newline) into buf.
 * Returns the length snprintf reports; >= n means it was cut. Plate text is
 * synthetic here, not personal data.
 */
int anpr_synth_scene_row(const anpr_synth_scene *sc, char *buf, size_t n);

/* "realistic", "clean", "hard"; "unknown" otherwise. */
const char *anpr_synth_mix_name(anpr_synth_mix mix);
ANPR_MUST_CHECK anpr_err anpr_synth_mix_parse(const char *name, anpr_synth_mix *out);

/* "day", "low", "over"; "none", "bar", "edge", "blob"; "easy", "medium", "hard". */
const char *anpr_synth_light_name(anpr_synth_light light);
const char *anpr_synth_occluder_name(anpr_synth_occluder occ);
const char *anpr_synth_tier_name(anpr_synth_tier tier);

#endif
