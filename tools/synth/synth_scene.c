/* SPDX-License-Identifier: MIT */
/* Scene parameters drawn from a mix, the street and vehicle around the plate, and the camera's degradations. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_scene.h"
#include "synth_internal.h"

/*
 * Camera distance of the pinhole model: it sets how strong the keystone of a
 * turned plate is (2% at 30 degrees of yaw) and how much the vehicle around
 * it converges. Roadside ANPR works at 5-20 m.
 */
#define CAMERA_MM 5000.0
/* The plate keeps this far (px) from the frame's edges. */
#define FRAME_MARGIN 4.0

static const char *const k_mix_names[ANPR_SYNTH_MIXES] = { "realistic", "clean", "hard" };
static const char *const k_light_names[ANPR_SYNTH_LIGHTS] = { "day", "low", "over" };
static const char *const k_occ_names[ANPR_SYNTH_OCCS] = { "none", "bar", "edge", "blob" };
static const char *const k_tier_names[ANPR_SYNTH_TIERS] = { "easy", "medium", "hard" };

const char *anpr_synth_mix_name(anpr_synth_mix mix)
{
	return (unsigned)mix < ANPR_SYNTH_MIXES ? k_mix_names[mix] : "unknown";
}

anpr_err anpr_synth_mix_parse(const char *name, anpr_synth_mix *out)
{
	if (!name || !out)
		return ANPR_ERR_INVAL;
	for (int i = 0; i < ANPR_SYNTH_MIXES; i++) {
		if (strcmp(name, k_mix_names[i]) == 0) {
			*out = (anpr_synth_mix)i;
			return ANPR_ERR_OK;
		}
	}
	return ANPR_ERR_INVAL;
}

const char *anpr_synth_light_name(anpr_synth_light light)
{
	return (unsigned)light < ANPR_SYNTH_LIGHTS ? k_light_names[light] : "unknown";
}

const char *anpr_synth_occluder_name(anpr_synth_occluder occ)
{
	return (unsigned)occ < ANPR_SYNTH_OCCS ? k_occ_names[occ] : "unknown";
}

const char *anpr_synth_tier_name(anpr_synth_tier tier)
{
	return (unsigned)tier < ANPR_SYNTH_TIERS ? k_tier_names[tier] : "unknown";
}

/* ---- Geometry ---- */

/*
 * Plate-plane millimetres (origin at the plate centre, x right, y down) to
 * frame pixels: a homography h (row-major 3x3) from the rotated plane seen
 * by a pinhole camera, scaled so the plate's apparent width is width_px.
 */
typedef struct geom {
	double h[9];
} geom;

static void make_geom(const anpr_synth_scene *sc, double cx, double cy, double width_px, geom *g)
{
	const double r = sc->roll_deg * M_PI / 180, p = sc->pitch_deg * M_PI / 180,
		     y = sc->yaw_deg * M_PI / 180;
	const double cr = cos(r), sr = sin(r), cp = cos(p), sp = sin(p), cyw = cos(y), syw = sin(y);
	/* R = Rz(roll) Rx(pitch) Ry(yaw); only its first two columns matter for a plane. */
	const double ry[9] = { cyw, 0, syw, 0, 1, 0, -syw, 0, cyw };
	const double rx[9] = { 1, 0, 0, 0, cp, -sp, 0, sp, cp };
	const double rz[9] = { cr, -sr, 0, sr, cr, 0, 0, 0, 1 };
	double t[9], rot[9];

	for (int i = 0; i < 3; i++) {
		for (int j = 0; j < 3; j++) {
			t[i * 3 + j] =
			    rx[i * 3] * ry[j] + rx[i * 3 + 1] * ry[3 + j] + rx[i * 3 + 2] * ry[6 + j];
		}
	}
	for (int i = 0; i < 3; i++) {
		for (int j = 0; j < 3; j++) {
			rot[i * 3 + j] =
			    rz[i * 3] * t[j] + rz[i * 3 + 1] * t[3 + j] + rz[i * 3 + 2] * t[6 + j];
		}
	}
	/* Columns: r1, r2, translation (0, 0, D). Rows x and y scaled by D (focal = distance). */
	const double m[9] = { CAMERA_MM * rot[0],
			      CAMERA_MM * rot[1],
			      0,
			      CAMERA_MM * rot[3],
			      CAMERA_MM * rot[4],
			      0,
			      rot[6],
			      rot[7],
			      CAMERA_MM };
	/* Apparent width at scale 1, then the scale that gives width_px. */
	double u[4], v[4];
	const double X[4] = { -ANPR_PLATE_W_MM / 2, ANPR_PLATE_W_MM / 2, ANPR_PLATE_W_MM / 2,
			      -ANPR_PLATE_W_MM / 2 };
	const double Y[4] = { -ANPR_PLATE_H_MM / 2, -ANPR_PLATE_H_MM / 2, ANPR_PLATE_H_MM / 2,
			      ANPR_PLATE_H_MM / 2 };
	for (int i = 0; i < 4; i++) {
		const double w = m[6] * X[i] + m[7] * Y[i] + m[8];
		u[i] = (m[0] * X[i] + m[1] * Y[i]) / w;
		v[i] = (m[3] * X[i] + m[4] * Y[i]) / w;
	}
	const double len = (hypot(u[1] - u[0], v[1] - v[0]) + hypot(u[2] - u[3], v[2] - v[3])) / 2;
	const double gs = width_px / len;
	for (int j = 0; j < 3; j++) {
		g->h[j] = gs * m[j] + cx * m[6 + j];
		g->h[3 + j] = gs * m[3 + j] + cy * m[6 + j];
		g->h[6 + j] = m[6 + j];
	}
}

/* Maps (x, y) plate-centred millimetres; depth is clamped so far-off vehicle parts never flip. */
static anpr_point project(const geom *g, double x, double y)
{
	double w = g->h[6] * x + g->h[7] * y + g->h[8];
	anpr_point p;

	if (w < 0.3 * CAMERA_MM)
		w = 0.3 * CAMERA_MM;
	double px = (g->h[0] * x + g->h[1] * y + g->h[2]) / w, py = (g->h[3] * x + g->h[4] * y + g->h[5]) / w;
	/* opencv_c refuses coordinates beyond twice the largest image. */
	px = synth_max(-15000.0, synth_min(15000.0, px));
	py = synth_max(-15000.0, synth_min(15000.0, py));
	p.x = (float)px;
	p.y = (float)py;
	return p;
}

/* Plate millimetres measured from its top-left corner, as in the layout. */
static anpr_point project_tl(const geom *g, double x, double y)
{
	return project(g, x - ANPR_PLATE_W_MM / 2, y - ANPR_PLATE_H_MM / 2);
}

static void plate_quad(const geom *g, anpr_point q[4])
{
	q[0] = project_tl(g, 0, 0);
	q[1] = project_tl(g, ANPR_PLATE_W_MM, 0);
	q[2] = project_tl(g, ANPR_PLATE_W_MM, ANPR_PLATE_H_MM);
	q[3] = project_tl(g, 0, ANPR_PLATE_H_MM);
}

static bool inverse3(const double m[9], double inv[9])
{
	const double a = m[4] * m[8] - m[5] * m[7], b = m[5] * m[6] - m[3] * m[8],
		     c = m[3] * m[7] - m[4] * m[6];
	const double det = m[0] * a + m[1] * b + m[2] * c;

	if (!(fabs(det) > 1e-12))
		return false;
	inv[0] = a / det;
	inv[1] = (m[2] * m[7] - m[1] * m[8]) / det;
	inv[2] = (m[1] * m[5] - m[2] * m[4]) / det;
	inv[3] = b / det;
	inv[4] = (m[0] * m[8] - m[2] * m[6]) / det;
	inv[5] = (m[2] * m[3] - m[0] * m[5]) / det;
	inv[6] = c / det;
	inv[7] = (m[1] * m[6] - m[0] * m[7]) / det;
	inv[8] = (m[0] * m[4] - m[1] * m[3]) / det;
	return true;
}

static bool scene_ok(const anpr_synth_scene *sc)
{
	return sc->frame_w >= 64 && sc->frame_w <= ANPR_IMAGE_MAX_SIDE && sc->frame_h >= 64 &&
	       sc->frame_h <= ANPR_IMAGE_MAX_SIDE && sc->width_px >= 10 && sc->width_px <= 4000 &&
	       isfinite(sc->cx) && isfinite(sc->cy) && fabs(sc->roll_deg) <= 90 && fabs(sc->yaw_deg) <= 60 &&
	       fabs(sc->pitch_deg) <= 60 && isfinite(sc->blur_sigma) && isfinite(sc->motion_px) &&
	       isfinite(sc->motion_deg) && isfinite(sc->noise_sigma) && isfinite(sc->gain) &&
	       isfinite(sc->gamma) && isfinite(sc->glare) && isfinite(sc->glare_dx) &&
	       isfinite(sc->glare_dy) && isfinite(sc->glare_r) && isfinite(sc->ir_scene) &&
	       isfinite(sc->occluder_mm.x) && isfinite(sc->occluder_mm.y) && isfinite(sc->occluder_mm.w) &&
	       isfinite(sc->occluder_mm.h) && sc->jpeg_quality >= 0 && sc->jpeg_quality <= 100;
}

anpr_err anpr_synth_scene_quad(const anpr_synth_scene *sc, anpr_point quad[4])
{
	geom g;

	if (!sc || !quad || !scene_ok(sc))
		return ANPR_ERR_INVAL;
	make_geom(sc, sc->cx, sc->cy, sc->width_px, &g);
	plate_quad(&g, quad);
	return ANPR_ERR_OK;
}

/* ---- Occlusion ---- */

static double overlap(const anpr_synth_box *a, const anpr_synth_box *b)
{
	const double w = synth_min(a->x + a->w, b->x + b->w) - synth_max(a->x, b->x);
	const double h = synth_min(a->y + a->h, b->y + b->h) - synth_max(a->y, b->y);

	return w > 0 && h > 0 ? w * h : 0;
}

double anpr_synth_plate_cover(const anpr_synth_box *box)
{
	const anpr_synth_box plate = { 0, 0, ANPR_PLATE_W_MM, ANPR_PLATE_H_MM };

	return box ? overlap(box, &plate) / (ANPR_PLATE_W_MM * ANPR_PLATE_H_MM) : 0;
}

/*
 * True when box hides at most 15% of the plate and touches at most one
 * character, covering less than half of it: the plate stays readable in
 * principle, as the benchmark needs.
 */
static bool occlusion_ok(const anpr_synth_box *box, const anpr_synth_layout *lay)
{
	int touched = 0;
	const double cover = anpr_synth_plate_cover(box);

	if (cover > 0.15 || cover < 0.01)
		return false;
	for (int i = 0; i < lay->n; i++) {
		const double o = overlap(box, &lay->chars[i]);
		if (o <= 0)
			continue;
		if (++touched > 1 || o > 0.5 * lay->chars[i].w * lay->chars[i].h)
			return false;
	}
	return true;
}

static void draw_occluder(anpr_rng *rng, anpr_synth_scene *o)
{
	anpr_synth_layout lay;
	anpr_synth_box b = { 0, 0, 0, 0 };
	static const double kinds[3] = { 0.5, 0.25, 0.25 };
	const anpr_synth_occluder kind = (anpr_synth_occluder)(1 + anpr_rng_pick(rng, kinds, 3));

	o->occluder = ANPR_SYNTH_OCC_NONE;
	if (anpr_synth_layout_plate(&o->plate, &lay) != ANPR_ERR_OK)
		return;
	for (int tries = 0; tries < 60; tries++) {
		switch (kind) {
		case ANPR_SYNTH_OCC_BAR:
			b.w = anpr_rng_range(rng, 8, 30);
			b.x = anpr_rng_range(rng, -b.w / 2, ANPR_PLATE_W_MM - b.w / 2);
			b.y = -anpr_rng_range(rng, 20, 150);
			b.h = ANPR_PLATE_H_MM - b.y + anpr_rng_range(rng, 20, 150);
			break;
		case ANPR_SYNTH_OCC_EDGE: {
			const double reach = anpr_rng_range(rng, 15, 0.15 * ANPR_PLATE_W_MM);
			const double out = anpr_rng_range(rng, 20, 120);
			b.w = reach + out;
			b.x = anpr_rng_chance(rng, 0.5) ? -out : ANPR_PLATE_W_MM - reach;
			b.y = -anpr_rng_range(rng, 10, 80);
			b.h = ANPR_PLATE_H_MM - b.y + anpr_rng_range(rng, 10, 80);
			break;
		}
		default:
			b.w = anpr_rng_range(rng, 20, 70);
			b.h = anpr_rng_range(rng, 15, 60);
			b.x = anpr_rng_range(rng, -b.w / 2, ANPR_PLATE_W_MM - b.w / 2);
			b.y = anpr_rng_range(rng, -b.h / 2, ANPR_PLATE_H_MM - b.h / 2);
			break;
		}
		if (occlusion_ok(&b, &lay)) {
			o->occluder = kind;
			o->occluder_mm = b;
			return;
		}
	}
}

/* ---- Drawing the parameters ---- */

/* Common paint colours (BGR) with their rough share of UK cars. */
static void draw_paint(anpr_rng *rng, uint8_t bgr[3])
{
	static const uint8_t paint[][3] = { { 232, 232, 230 }, { 28, 26, 25 },   { 105, 108, 110 },
					    { 178, 180, 178 }, { 140, 62, 24 },  { 34, 30, 165 },
					    { 48, 88, 40 },    { 25, 150, 225 }, { 45, 62, 92 } };
	static const double share[] = { 18, 17, 20, 12, 13, 10, 3, 2, 5 };
	const size_t i = anpr_rng_pick(rng, share, sizeof(share) / sizeof(share[0]));

	for (int k = 0; k < 3; k++)
		bgr[k] = synth_clamp_u8(paint[i][k] + anpr_rng_range(rng, -12, 12));
}

/* Weighted choice between uniform ranges: ranges[i] = { weight, lo, hi }. */
static double pick_range(anpr_rng *rng, const double (*ranges)[3], size_t n)
{
	double w[8];

	for (size_t i = 0; i < n && i < 8; i++)
		w[i] = ranges[i][0];
	const size_t i = anpr_rng_pick(rng, w, n < 8 ? n : 8);
	return anpr_rng_range(rng, ranges[i][1], ranges[i][2]);
}

/* Exposure by kind of light; call after the noise is drawn, as low light raises it. */
static void draw_light(anpr_rng *rng, anpr_synth_scene *o, const double share[3])
{
	o->light = (anpr_synth_light)anpr_rng_pick(rng, share, 3);
	switch (o->light) {
	case ANPR_SYNTH_LIGHT_LOW:
		o->gain = anpr_rng_range(rng, 0.28, 0.6);
		o->gamma = anpr_rng_range(rng, 1.0, 1.35);
		o->noise_sigma *= 1.5; /* the sensor's gain is up */
		break;
	case ANPR_SYNTH_LIGHT_OVER:
		o->gain = anpr_rng_range(rng, 1.35, 1.9);
		o->gamma = anpr_rng_range(rng, 0.7, 1.0);
		break;
	default:
		o->gain = anpr_rng_range(rng, 0.85, 1.15);
		o->gamma = anpr_rng_range(rng, 0.9, 1.1);
		break;
	}
}

static void draw_glare(anpr_rng *rng, anpr_synth_scene *o, double p, double lo, double hi)
{
	o->glare = 0;
	if (!anpr_rng_chance(rng, p))
		return;
	o->glare = anpr_rng_range(rng, lo, hi);
	o->glare_dx = anpr_rng_range(rng, -0.6, 0.6);
	o->glare_dy = anpr_rng_range(rng, -0.4, 0.4);
	o->glare_r = anpr_rng_range(rng, 0.15, 0.6);
}

/* An IR camera's flash is what exposes the plate, so it is never underexposed (overexposure stays). */
static void ir_exposure(anpr_rng *rng, anpr_synth_scene *o)
{
	if (o->plate.ir && o->light == ANPR_SYNTH_LIGHT_LOW) {
		o->light = ANPR_SYNTH_LIGHT_DAY;
		o->gain = anpr_rng_range(rng, 0.85, 1.15);
		o->gamma = anpr_rng_range(rng, 0.9, 1.1);
	}
}

/* Motion mostly along the road (vertical in an overhead camera's view) or across it. */
static void draw_motion(anpr_rng *rng, anpr_synth_scene *o, const double (*len)[3], size_t n)
{
	o->motion_px = pick_range(rng, len, n);
	o->motion_deg =
	    anpr_rng_chance(rng, 0.5) ? anpr_rng_normal(rng, 90, 15) : anpr_rng_normal(rng, 0, 15);
}

/*
 * Conditions come in tiers, because bad conditions come together (night
 * brings low light, noise and blur; rain brings grime and spray): each tier
 * draws every degradation from its own ranges. The plate width is drawn
 * separately by the mix. docs/synthetic-plates.md lists these tables.
 */
static void draw_easy(anpr_rng *rng, anpr_synth_scene *o)
{
	static const double motion[][3] = { { 90, 0, 0 }, { 10, 1, 3 } };
	static const double dirt[][3] = { { 80, 0, 0 }, { 20, 0.05, 0.2 } };
	static const double light[3] = { 1, 0, 0 };

	o->roll_deg = anpr_rng_normal_clamped(rng, 0, 2, -6, 6);
	o->yaw_deg = anpr_rng_normal_clamped(rng, 0, 6, -15, 15);
	o->pitch_deg = anpr_rng_normal_clamped(rng, 0, 4, -10, 10);
	o->blur_sigma = anpr_rng_range(rng, 0, 0.8);
	draw_motion(rng, o, motion, 2);
	o->noise_sigma = anpr_rng_range(rng, 1, 4);
	draw_light(rng, o, light);
	draw_glare(rng, o, 0, 0, 0);
	o->plate.ir = anpr_rng_chance(rng, 0.25);
	o->ir_scene = anpr_rng_range(rng, 0.15, 0.45);
	o->plate.dirt = pick_range(rng, dirt, 2);
	o->jpeg_quality = anpr_rng_int(rng, 75, 95);
}

static void draw_medium(anpr_rng *rng, anpr_synth_scene *o)
{
	static const double motion[][3] = { { 60, 0, 0 }, { 40, 2, 6 } };
	static const double dirt[][3] = { { 50, 0, 0 }, { 50, 0.05, 0.4 } };
	static const double light[3] = { 50, 30, 20 };

	o->roll_deg = anpr_rng_normal_clamped(rng, 0, 4, -12, 12);
	o->yaw_deg = anpr_rng_normal_clamped(rng, 0, 12, -25, 25);
	o->pitch_deg = anpr_rng_normal_clamped(rng, 0, 6, -15, 15);
	o->blur_sigma = anpr_rng_range(rng, 0.5, 1.6);
	draw_motion(rng, o, motion, 2);
	o->noise_sigma = anpr_rng_range(rng, 3, 9);
	draw_light(rng, o, light);
	draw_glare(rng, o, 0.2, 0.3, 0.8);
	o->plate.ir = anpr_rng_chance(rng, 0.25);
	o->ir_scene = anpr_rng_range(rng, 0.15, 0.45);
	ir_exposure(rng, o);
	o->plate.dirt = pick_range(rng, dirt, 2);
	if (anpr_rng_chance(rng, 0.05))
		draw_occluder(rng, o);
	o->jpeg_quality = anpr_rng_int(rng, 50, 85);
}

static void draw_hard_conditions(anpr_rng *rng, anpr_synth_scene *o)
{
	static const double motion[][3] = { { 50, 0, 0 }, { 50, 4, 12 } };
	static const double dirt[][3] = { { 40, 0, 0 }, { 60, 0.2, 0.8 } };
	static const double light[3] = { 30, 40, 30 };

	o->roll_deg = anpr_rng_range(rng, -20, 20);
	o->yaw_deg = anpr_rng_range(rng, -30, 30);
	o->pitch_deg = anpr_rng_range(rng, -15, 15);
	o->blur_sigma = anpr_rng_range(rng, 1.2, 3.0);
	draw_motion(rng, o, motion, 2);
	o->noise_sigma = anpr_rng_range(rng, 8, 18);
	draw_light(rng, o, light);
	draw_glare(rng, o, 0.4, 0.4, 1.0);
	o->plate.ir = anpr_rng_chance(rng, 0.3);
	o->ir_scene = anpr_rng_range(rng, 0.1, 0.5);
	ir_exposure(rng, o);
	o->plate.dirt = pick_range(rng, dirt, 2);
	if (anpr_rng_chance(rng, 0.35))
		draw_occluder(rng, o);
	o->jpeg_quality = anpr_rng_int(rng, 30, 65);
}

static void draw_realistic(anpr_rng *rng, anpr_synth_scene *o)
{
	static const double tiers[ANPR_SYNTH_TIERS] = { 65, 25, 10 };
	static const double width[][3] = { { 15, 60, 100 }, { 70, 100, 250 }, { 15, 250, 600 } };
	static const double clutter[4] = { 60, 25, 10, 5 };

	o->tier = (anpr_synth_tier)anpr_rng_pick(rng, tiers, ANPR_SYNTH_TIERS);
	o->width_px = pick_range(rng, width, 3);
	switch (o->tier) {
	case ANPR_SYNTH_TIER_MEDIUM:
		draw_medium(rng, o);
		break;
	case ANPR_SYNTH_TIER_HARD:
		draw_hard_conditions(rng, o);
		break;
	default:
		draw_easy(rng, o);
		break;
	}
	o->holder = anpr_rng_chance(rng, 0.5);
	o->clutter = (int)anpr_rng_pick(rng, clutter, 4);
}

static void draw_clean(anpr_rng *rng, anpr_synth_scene *o)
{
	static const double light[3] = { 1, 0, 0 };

	o->tier = ANPR_SYNTH_TIER_EASY;
	o->width_px = anpr_rng_range(rng, 120, 250);
	o->roll_deg = anpr_rng_normal_clamped(rng, 0, 1.5, -4, 4);
	o->yaw_deg = anpr_rng_normal_clamped(rng, 0, 4, -8, 8);
	o->pitch_deg = anpr_rng_normal_clamped(rng, 0, 3, -6, 6);
	o->blur_sigma = anpr_rng_range(rng, 0, 0.5);
	o->motion_px = 0;
	o->motion_deg = 0;
	o->noise_sigma = anpr_rng_range(rng, 1, 3);
	draw_light(rng, o, light);
	o->gain = anpr_rng_range(rng, 0.95, 1.05);
	o->gamma = 1.0;
	o->glare = 0;
	o->plate.ir = false;
	o->ir_scene = 0.3;
	o->plate.dirt = 0;
	o->holder = anpr_rng_chance(rng, 0.5);
	o->clutter = anpr_rng_chance(rng, 0.2) ? 1 : 0;
	o->jpeg_quality = anpr_rng_int(rng, 90, 95);
}

static void draw_hard(anpr_rng *rng, anpr_synth_scene *o)
{
	static const double width[][3] = { { 50, 60, 100 }, { 30, 100, 180 }, { 20, 180, 600 } };

	o->tier = ANPR_SYNTH_TIER_HARD;
	o->width_px = pick_range(rng, width, 3);
	draw_hard_conditions(rng, o);
	o->holder = anpr_rng_chance(rng, 0.6);
	o->clutter = anpr_rng_int(rng, 1, 3);
}

/* Shrinks the plate until it fits inside the frame, then places it uniformly where it fits. */
static void place(anpr_rng *rng, anpr_synth_scene *o)
{
	geom g;
	anpr_point q[4];
	double minx, maxx, miny, maxy;

	for (int pass = 0; pass < 2; pass++) {
		make_geom(o, 0, 0, o->width_px, &g);
		plate_quad(&g, q);
		minx = synth_min(synth_min((double)q[0].x, (double)q[1].x),
				 synth_min((double)q[2].x, (double)q[3].x));
		maxx = synth_max(synth_max((double)q[0].x, (double)q[1].x),
				 synth_max((double)q[2].x, (double)q[3].x));
		miny = synth_min(synth_min((double)q[0].y, (double)q[1].y),
				 synth_min((double)q[2].y, (double)q[3].y));
		maxy = synth_max(synth_max((double)q[0].y, (double)q[1].y),
				 synth_max((double)q[2].y, (double)q[3].y));
		const double fx = (o->frame_w - 2 * FRAME_MARGIN) / (maxx - minx);
		const double fy = (o->frame_h - 2 * FRAME_MARGIN) / (maxy - miny);
		const double f = synth_min(fx, fy);
		if (f >= 1.0)
			break;
		/* Extent is proportional to width: one rescale fits, the second pass re-measures. */
		o->width_px *= f * 0.995;
	}
	o->cx = anpr_rng_range(rng, FRAME_MARGIN - minx, o->frame_w - FRAME_MARGIN - maxx);
	o->cy = anpr_rng_range(rng, FRAME_MARGIN - miny, o->frame_h - FRAME_MARGIN - maxy);
}

anpr_err anpr_synth_scene_draw(const anpr_synth *s, anpr_rng *rng, anpr_synth_mix mix, int frame_w,
			       int frame_h, anpr_synth_scene *o)
{
	static const double bands[ANPR_SYNTH_BANDS] = { 45, 20, 15, 15, 5 };
	anpr_err err;

	if (!s || !rng || !o || (unsigned)mix >= ANPR_SYNTH_MIXES || frame_w < 64 ||
	    frame_w > ANPR_IMAGE_MAX_SIDE || frame_h < 64 || frame_h > ANPR_IMAGE_MAX_SIDE)
		return ANPR_ERR_INVAL;
	memset(o, 0, sizeof(*o));
	o->frame_w = frame_w;
	o->frame_h = frame_h;
	err = anpr_vrm_gen_random(rng, NULL, &o->plate.vrm);
	if (err)
		return err;
	o->plate.rear = anpr_rng_chance(rng, 0.5);
	o->plate.font = anpr_rng_int(rng, 0, anpr_synth_font_count(s) - 1);
	o->plate.band = (anpr_synth_band)anpr_rng_pick(rng, bands, ANPR_SYNTH_BANDS);
	o->plate.border = anpr_rng_chance(rng, 0.15);
	o->plate.maker_mark = anpr_rng_chance(rng, 0.7);
	o->plate.weight_mm = anpr_rng_normal_clamped(rng, 0, 0.8, -2.5, 2.5);
	o->plate.detail_seed = anpr_rng_next(rng);
	draw_paint(rng, o->body_bgr);
	switch (mix) {
	case ANPR_SYNTH_MIX_CLEAN:
		draw_clean(rng, o);
		break;
	case ANPR_SYNTH_MIX_HARD:
		draw_hard(rng, o);
		break;
	default:
		draw_realistic(rng, o);
		break;
	}
	place(rng, o);
	o->detail_seed = anpr_rng_next(rng);
	o->noise_seed = anpr_rng_next(rng);
	return ANPR_ERR_OK;
}

/* ---- Rendering: street, vehicle, clutter ---- */

static void scale_colour(const uint8_t in[3], double f, uint8_t out[3])
{
	for (int k = 0; k < 3; k++)
		out[k] = synth_clamp_u8(in[k] * f);
}

static void fill_row(anpr_image *img, int y, int x0, int x1, const uint8_t c[3])
{
	uint8_t *p = synth_px(img, x0, y);
	const size_t total = (size_t)(x1 - x0) * 3;
	size_t done = 3;

	if (x1 <= x0)
		return;
	memcpy(p, c, 3);
	/* Doubling copies: a few memcpy calls per row instead of a store per byte. */
	while (done < total) {
		const size_t n = done < total - done ? done : total - done;
		memcpy(p + done, p, n);
		done += n;
	}
}

static void lerp_colour(const uint8_t a[3], const uint8_t b[3], double t, uint8_t out[3])
{
	for (int k = 0; k < 3; k++)
		out[k] = synth_clamp_u8(a[k] + (b[k] - a[k]) * t);
}

/* Sky above the horizon row (which may lie outside the frame), road below, buildings and trees on it. */
static void draw_street(anpr_image *f, anpr_rng *rng, int horizon)
{
	static const uint8_t skies[3][2][3] = { { { 205, 160, 110 }, { 235, 220, 205 } },
						{ { 190, 188, 185 }, { 215, 215, 212 } },
						{ { 120, 80, 70 }, { 120, 160, 225 } } };
	const int w = f->width, h = f->height;
	const int sky = anpr_rng_int(rng, 0, 2);
	const double road_far = anpr_rng_range(rng, 115, 150), road_near = anpr_rng_range(rng, 65, 100);
	const double warm = anpr_rng_range(rng, -6, 6);
	uint8_t c[3];

	for (int y = 0; y < h; y++) {
		if (y < horizon) {
			lerp_colour(skies[sky][0], skies[sky][1], (double)y / horizon, c);
		} else {
			const double t = horizon >= h ? 0 : (double)(y - horizon) / (h - horizon);
			const double g = road_far + (road_near - road_far) * t;
			c[0] = synth_clamp_u8(g - warm);
			c[1] = synth_clamp_u8(g);
			c[2] = synth_clamp_u8(g + warm);
		}
		fill_row(f, y, 0, w, c);
	}
	/* Buildings and trees along the horizon, a pavement below them. */
	const int n = anpr_rng_int(rng, 3, 9);
	for (int i = 0; i < n; i++) {
		static const uint8_t walls[5][3] = { { 60, 80, 140 },
						     { 150, 150, 150 },
						     { 150, 180, 200 },
						     { 90, 100, 110 },
						     { 40, 90, 50 } };
		const int kind = anpr_rng_int(rng, 0, 4);
		const double bx = anpr_rng_range(rng, -0.1, 1.0) * w,
			     bw = anpr_rng_range(rng, 0.08, 0.35) * w;
		const double bh = anpr_rng_range(rng, 0.08, 0.45) * h;
		uint8_t wall[3];
		scale_colour(walls[kind], anpr_rng_range(rng, 0.8, 1.15), wall);
		if (kind == 4) {
			anpr_point pts[16];
			anpr_synth_ellipse_pts_(pts, 16, bx + bw / 2, horizon - bh / 3, bw / 2, bh / 2, 0);
			anpr_synth_convex_(f, pts, 16, wall, wall, 0, 0, 1.0);
			continue;
		}
		anpr_synth_rect_(f, bx, horizon - bh, bx + bw, horizon, wall, 1.0);
		/* A grid of windows. */
		const double ww = anpr_rng_range(rng, 0.1, 0.2) * bw, wh = ww * anpr_rng_range(rng, 0.8, 1.6);
		const uint8_t glass[3] = { 70, 60, 55 };
		for (double wy = horizon - bh + wh * 0.6; wy + wh < horizon - wh * 0.5; wy += wh * 1.8) {
			for (double wx = bx + ww * 0.6; wx + ww < bx + bw - ww * 0.3; wx += ww * 1.7)
				anpr_synth_rect_(f, wx, wy, wx + ww, wy + wh, glass, 0.85);
		}
	}
	const uint8_t kerb[3] = { 170, 172, 172 };
	anpr_synth_rect_(f, 0, horizon, w, horizon + h * anpr_rng_range(rng, 0.01, 0.04), kerb, 1.0);
	/* Lane markings converging on a vanishing point. */
	const uint8_t paint[3] = { 225, 230, 232 };
	const double vx = w * anpr_rng_range(rng, 0.3, 0.7);
	for (int lane = -2; lane <= 2; lane++) {
		const double spread = w * 0.55 * lane;
		for (double t = 0.15; t < 1.0; t += 0.22) {
			const double t1 = t + 0.09;
			const double y0 = horizon + (h - horizon) * t, y1 = horizon + (h - horizon) * t1;
			const double x0 = vx + spread * t, x1 = vx + spread * t1, hw0 = 2 + 6 * t,
				     hw1 = 2 + 6 * t1;
			const anpr_point dash[4] = { { (float)(x0 - hw0), (float)y0 },
						     { (float)(x0 + hw0), (float)y0 },
						     { (float)(x1 + hw1), (float)y1 },
						     { (float)(x1 - hw1), (float)y1 } };
			anpr_synth_convex_(f, dash, 4, paint, paint, 0, 0, 0.9);
		}
	}
}

/* A shape given in vehicle millimetres, projected and filled with a top-to-bottom gradient. */
static void shape_mm(anpr_image *f, const geom *g, const double (*mm)[2], int n, const uint8_t top[3],
		     const uint8_t bottom[3], double alpha)
{
	anpr_point pts[16];
	double y0 = 1e30, y1 = -1e30;

	for (int i = 0; i < n && i < 16; i++) {
		pts[i] = project(g, mm[i][0], mm[i][1]);
		y0 = synth_min(y0, (double)pts[i].y);
		y1 = synth_max(y1, (double)pts[i].y);
	}
	anpr_synth_convex_(f, pts, n < 16 ? n : 16, top, bottom, y0, y1, alpha);
}

static void rect_mm(anpr_image *f, const geom *g, double x0, double y0, double x1, double y1,
		    const uint8_t top[3], const uint8_t bottom[3], double alpha)
{
	const double mm[4][2] = { { x0, y0 }, { x1, y0 }, { x1, y1 }, { x0, y1 } };

	shape_mm(f, g, mm, 4, top, bottom, alpha);
}

static void ellipse_mm(anpr_image *f, const geom *g, double cx, double cy, double rx, double ry, double deg,
		       const uint8_t c[3], double alpha)
{
	anpr_point e[16];
	double mm[16][2];

	anpr_synth_ellipse_pts_(e, 16, cx, cy, rx, ry, deg);
	for (int i = 0; i < 16; i++) {
		mm[i][0] = (double)e[i].x;
		mm[i][1] = (double)e[i].y;
	}
	shape_mm(f, g, mm, 16, c, c, alpha);
}

/* A rounded rectangle as 16 points (4 per corner). */
static void round_rect_mm(anpr_image *f, const geom *g, double x0, double y0, double x1, double y1, double r,
			  const uint8_t top[3], const uint8_t bottom[3], double alpha)
{
	double mm[16][2];

	r = synth_min(r, synth_min((x1 - x0) / 2, (y1 - y0) / 2));
	const double cxs[4] = { x1 - r, x1 - r, x0 + r, x0 + r }, cys[4] = { y0 + r, y1 - r, y1 - r, y0 + r };
	for (int c = 0; c < 4; c++) {
		for (int i = 0; i < 4; i++) {
			const double a = (-90 + 90 * c + 30 * i) * M_PI / 180;
			mm[c * 4 + i][0] = cxs[c] + r * cos(a);
			mm[c * 4 + i][1] = cys[c] + r * sin(a);
		}
	}
	shape_mm(f, g, mm, 16, top, bottom, alpha);
}

/* The vehicle's measurements in plate millimetres (x right, y down, origin at the plate centre). */
typedef struct vehicle {
	double width, centre, ground, bottom, top, glass_h, roof_h, corner;
	double lamp_w, lamp_h, lamp_y, lamp_inset, lamp_tilt, grille_w, crease, holder;
} vehicle;

static void plan_vehicle(anpr_rng *rng, bool rear, vehicle *v)
{
	v->width = anpr_rng_range(rng, 1650, 2000);
	v->centre = rear ? anpr_rng_range(rng, -120, 120) : anpr_rng_range(rng, -40, 40);
	v->ground = anpr_rng_range(rng, 380, 560);
	v->bottom = v->ground - anpr_rng_range(rng, 120, 220);
	v->top = -anpr_rng_range(rng, 380, 650);
	v->glass_h = anpr_rng_range(rng, 450, 650);
	v->roof_h = anpr_rng_range(rng, 60, 110);
	v->corner = anpr_rng_range(rng, 120, 260);
	v->lamp_w = anpr_rng_range(rng, 250, 420);
	v->lamp_h = anpr_rng_range(rng, 70, 160);
	v->lamp_y = v->top + anpr_rng_range(rng, 90, 200);
	v->lamp_inset = anpr_rng_range(rng, 40, 120);
	v->lamp_tilt = anpr_rng_range(rng, -10, 10);
	v->grille_w = v->width * anpr_rng_range(rng, 0.35, 0.5);
	v->crease = anpr_rng_range(rng, 115, 170);
	v->holder = anpr_rng_range(rng, 8, 16);
}

static void draw_vehicle(anpr_image *f, const geom *g, const anpr_synth_scene *sc, const vehicle *v,
			 anpr_rng *rng)
{
	const bool rear = sc->plate.rear;
	const double vcx = v->centre, vw = v->width, top = v->top, bottom = v->bottom;
	const double x0 = vcx - vw / 2, x1 = vcx + vw / 2;
	const uint8_t *paint = sc->body_bgr;
	const uint8_t tyre[3] = { 22, 22, 24 }, shadow[3] = { 15, 15, 18 };
	uint8_t hi[3], lo[3], c1[3], c2[3];

	ellipse_mm(f, g, vcx, v->ground, vw * 0.6, 110, 0, shadow, 0.55);
	/* Tyres seen end on: dark upright blocks under the body's corners. */
	for (int side = -1; side <= 1; side += 2) {
		const double tx = vcx + side * (vw / 2 - 230);
		round_rect_mm(f, g, tx - 115, v->ground - 420, tx + 115, v->ground, 60, tyre, tyre, 1.0);
	}
	scale_colour(paint, 1.18, hi);
	scale_colour(paint, 0.72, lo);
	round_rect_mm(f, g, x0, top, x1, bottom, v->corner, hi, lo, 1.0);
	/* Glass, then the roof above it. */
	const uint8_t glass_top[3] = { 95, 88, 82 }, glass_bottom[3] = { 38, 36, 40 };
	const double gt = top - v->glass_h;
	const double glass[4][2] = { { vcx - vw * 0.34, gt },
				     { vcx + vw * 0.34, gt },
				     { vcx + vw * 0.44, top },
				     { vcx - vw * 0.44, top } };
	shape_mm(f, g, glass, 4, glass_top, glass_bottom, 1.0);
	const double roof[4][2] = { { vcx - vw * 0.31, gt - v->roof_h },
				    { vcx + vw * 0.31, gt - v->roof_h },
				    { vcx + vw * 0.34, gt },
				    { vcx - vw * 0.34, gt } };
	shape_mm(f, g, roof, 4, hi, paint, 1.0);

	/* Lamps: white headlamps in front, red clusters behind. */
	if (rear) {
		c1[0] = 35, c1[1] = 30, c1[2] = 150;
		c2[0] = 70, c2[1] = 60, c2[2] = 235;
	} else {
		c1[0] = 190, c1[1] = 192, c1[2] = 195;
		c2[0] = 250, c2[1] = 250, c2[2] = 250;
	}
	for (int side = -1; side <= 1; side += 2) {
		const double lx = vcx + side * (vw / 2 - v->lamp_inset - v->lamp_w / 2);
		ellipse_mm(f, g, lx, v->lamp_y, v->lamp_w / 2, v->lamp_h / 2, side * v->lamp_tilt, c1, 1.0);
		ellipse_mm(f, g, lx + side * v->lamp_w * 0.12, v->lamp_y, v->lamp_w * 0.22, v->lamp_h * 0.3,
			   side * v->lamp_tilt, c2, 0.9);
	}
	const uint8_t chrome[3] = { 200, 200, 205 }, dark[3] = { 35, 35, 38 }, slat[3] = { 80, 80, 84 };
	if (!rear) {
		/* Grille between the lamps, slats across it, an air intake below the plate. */
		const double gw = v->grille_w, gy0 = top + 60, gy1 = -95;
		if (gy1 > gy0) {
			rect_mm(f, g, vcx - gw / 2, gy0, vcx + gw / 2, gy1, dark, dark, 1.0);
			for (double y = gy0 + 25; y < gy1 - 10; y += anpr_rng_range(rng, 30, 50))
				rect_mm(f, g, vcx - gw / 2, y, vcx + gw / 2, y + 8, slat, slat, 1.0);
		}
		ellipse_mm(f, g, vcx, top + 40, 55, 35, 0, chrome, 1.0);
		const double iw = vw * 0.28;
		if (bottom - 40 > 100) {
			const double intake[4][2] = { { vcx - iw, 100 },
						      { vcx + iw, 100 },
						      { vcx + iw * 0.9, bottom - 40 },
						      { vcx - iw * 0.9, bottom - 40 } };
			shape_mm(f, g, intake, 4, dark, dark, 1.0);
		}
	} else {
		/* Boot recess around the plate and a badge above it. */
		scale_colour(paint, 0.8, c1);
		scale_colour(paint, 0.65, c2);
		round_rect_mm(f, g, -335, -115, 335, 105, 40, c1, c2, 1.0);
		ellipse_mm(f, g, vcx, -190, 60, 30, 0, chrome, 1.0);
	}
	rect_mm(f, g, x0 + 60, v->crease, x1 - 60, v->crease + 10, lo, lo, 0.6);
	if (sc->holder) {
		const double d = v->holder;
		const uint8_t holder[3] = { 28, 28, 30 };
		round_rect_mm(f, g, -ANPR_PLATE_W_MM / 2 - d, -ANPR_PLATE_H_MM / 2 - d,
			      ANPR_PLATE_W_MM / 2 + d, ANPR_PLATE_H_MM / 2 + d, d, holder, holder, 1.0);
	}
}

/*
 * The horizon row: somewhere between above the roof (a camera looking down
 * sees only road behind the car) and the middle of the body (a low camera).
 */
static int horizon_row(const geom *g, const vehicle *v, anpr_rng *rng, int frame_h)
{
	const double ground = (double)project(g, v->centre, v->ground).y;
	const double roof = (double)project(g, v->centre, v->top - v->glass_h - v->roof_h).y;
	const double y = roof + (ground - roof) * anpr_rng_range(rng, -1.0, 0.55);

	return (int)synth_max(-frame_h, synth_min(2.0 * frame_h, y));
}

/* A distractor's text: words, phone numbers, postcodes. Never a valid plate. */
static void clutter_text(anpr_rng *rng, char *buf, size_t n)
{
	static const char *const words[] = { "TAXI",      "CAR WASH", "OPEN 24 HRS",  "PARKING",
					     "NO ENTRY",  "BUS STOP", "PLUMBING",     "ELECTRICAL",
					     "LOGISTICS", "PIZZA",    "FISH & CHIPS", "ROADWORKS",
					     "DIVERSION", "SLOW",     "SALE NOW ON",  "HEATING",
					     "COURIER",   "BUILDERS", "TO LET",       "CAFE" };
	const size_t nw = sizeof(words) / sizeof(words[0]);

	switch (anpr_rng_int(rng, 0, 3)) {
	case 0:
		snprintf(buf, n, "%s", words[anpr_rng_int(rng, 0, (int)nw - 1)]);
		break;
	case 1:
		snprintf(buf, n, "0%d%d%d %d%d%d %d%d%d%d", anpr_rng_int(rng, 1, 9), anpr_rng_int(rng, 0, 9),
			 anpr_rng_int(rng, 0, 9), anpr_rng_int(rng, 0, 9), anpr_rng_int(rng, 0, 9),
			 anpr_rng_int(rng, 0, 9), anpr_rng_int(rng, 0, 9), anpr_rng_int(rng, 0, 9),
			 anpr_rng_int(rng, 0, 9), anpr_rng_int(rng, 0, 9));
		break;
	case 2: {
		/* Postcode-like: district and inward code. */
		static const char letters[] = "ABDEFGHJLNPQRSTUWXYZ";
		snprintf(buf, n, "%c%c%d %d%c%c", 'A' + anpr_rng_int(rng, 0, 25),
			 'A' + anpr_rng_int(rng, 0, 25), anpr_rng_int(rng, 1, 20), anpr_rng_int(rng, 0, 9),
			 anpr_rng_char(rng, letters), anpr_rng_char(rng, letters));
		break;
	}
	default:
		snprintf(buf, n, "%s %s", words[anpr_rng_int(rng, 0, (int)nw - 1)],
			 words[anpr_rng_int(rng, 0, (int)nw - 1)]);
		break;
	}
}

static bool boxes_meet(double ax0, double ay0, double ax1, double ay1, const anpr_rect *b)
{
	return ax0 < b->x + b->width && ax1 > b->x && ay0 < b->y + b->height && ay1 > b->y;
}

/*
 * Text-like distractors, kept off the plate: signs above the horizon (shop
 * fronts, road signs), livery lettering on the body, stickers on the vehicle.
 */
static anpr_err draw_clutter(anpr_synth *s, anpr_image *f, const anpr_synth_scene *sc, anpr_rng *rng,
			     const anpr_rect *keep_clear, int horizon)
{
	static const uint8_t sign_bg[4][3] = {
		{ 245, 245, 245 }, { 40, 110, 0 }, { 150, 60, 0 }, { 20, 200, 250 }
	};
	static const uint8_t sign_fg[4][3] = {
		{ 20, 20, 20 }, { 255, 255, 255 }, { 255, 255, 255 }, { 20, 20, 20 }
	};
	enum { SIGN, LIVERY, STICKER };
	char text[48];
	anpr_err err;

	for (int i = 0; i < sc->clutter; i++) {
		const int kind = anpr_rng_int(rng, SIGN, STICKER);
		const int font = anpr_rng_int(rng, 0, anpr_synth_font_count(s) - 1);
		clutter_text(rng, text, sizeof(text));
		/* Signs scale with the frame, lettering and stickers with the vehicle. */
		const double cap = kind == SIGN     ? f->height * anpr_rng_range(rng, 0.015, 0.05)
				   : kind == LIVERY ? sc->width_px * anpr_rng_range(rng, 0.08, 0.2)
						    : sc->width_px * anpr_rng_range(rng, 0.04, 0.1);
		const double xs = anpr_rng_range(rng, 0.8, 1.2);
		const double tw = anpr_synth_text_width_(s, font, text, cap, xs);
		const double pad = cap * 0.4;
		const int colour = anpr_rng_int(rng, 0, 3);
		const double sky =
		    synth_max(0.02 * f->height, synth_min((double)horizon, (double)f->height) - cap - pad);
		double x = 0, y = 0;
		bool placed = false;
		for (int tries = 0; tries < 6 && !placed; tries++) {
			if (kind == SIGN) {
				x = anpr_rng_range(rng, -0.1, 0.95) * f->width;
				y = anpr_rng_range(rng, 0.02 * f->height, sky);
			} else {
				x = sc->cx + sc->width_px * anpr_rng_range(rng, -1.5, 1.0);
				y = sc->cy - sc->width_px * anpr_rng_range(rng, 0.3, 1.2);
			}
			placed = !boxes_meet(x - pad, y - pad, x + tw + pad, y + cap + pad, keep_clear);
		}
		if (!placed)
			continue;
		const uint8_t *ink = sign_fg[colour];
		if (kind == SIGN) {
			anpr_synth_rect_(f, x - pad, y - pad, x + tw + pad, y + cap + pad, sign_bg[colour],
					 1.0);
		} else if (kind == STICKER) {
			/* White, yellow or green paper; dark print. */
			const int paper = colour == 1 ? 1 : colour == 3 ? 3 : 0;
			anpr_synth_rect_(f, x - pad, y - pad, x + tw + pad, y + cap + pad, sign_bg[paper],
					 1.0);
			ink = sign_fg[paper];
		} else {
			ink = sc->body_bgr[1] > 128 ? sign_fg[0] : sign_fg[1];
		}
		err = anpr_synth_text_(s, f, font, text, x, y, cap, xs, 0, ink, 1.0, NULL);
		if (err)
			return err;
	}
	return ANPR_ERR_OK;
}

/* ---- Rendering: plate, occluder, camera ---- */

/* Grey at the IR illuminator's level (0..1): luma weights in 16.16 fixed point. */
static void to_ir(anpr_image *f, double level)
{
	const uint32_t wb = (uint32_t)lround(0.114 * level * 65536),
		       wg = (uint32_t)lround(0.587 * level * 65536);
	const uint32_t wr = (uint32_t)lround(0.299 * level * 65536);

	for (int y = 0; y < f->height; y++) {
		uint8_t *p = synth_px(f, 0, y);
		for (int x = 0; x < f->width; x++, p += 3) {
			const uint32_t v = (wb * p[0] + wg * p[1] + wr * p[2] + 32768) >> 16;
			p[0] = p[1] = p[2] = (uint8_t)(v > 255 ? 255 : v);
		}
	}
}

/* Edge lines of a convex quad as n.q + c >= 0 inside, in pixel units. */
static void quad_edges(const anpr_point q[4], double nx[4], double ny[4], double nc[4])
{
	double area = 0;

	for (int i = 0; i < 4; i++)
		area += (double)q[i].x * (double)q[(i + 1) % 4].y - (double)q[(i + 1) % 4].x * (double)q[i].y;
	const double sgn = area > 0 ? 1.0 : -1.0;
	for (int i = 0; i < 4; i++) {
		const anpr_point a = q[i], b = q[(i + 1) % 4];
		const double ex = (double)b.x - (double)a.x, ey = (double)b.y - (double)a.y;
		const double len = synth_max(1e-9, hypot(ex, ey));
		nx[i] = -ey / len * sgn;
		ny[i] = ex / len * sgn;
		nc[i] = -(nx[i] * (double)a.x + ny[i] * (double)a.y);
	}
}

/*
 * Renders the flat plate at about its size in the frame, warps it onto its
 * quadrilateral and blends it in with antialiased edges.
 */
static anpr_err composite_plate(anpr_synth *s, anpr_image *f, const anpr_synth_scene *sc, const geom *g,
				const anpr_point q[4])
{
	double hp[9], inv[9], nx[4], ny[4], nc[4];
	anpr_point src[4];
	anpr_err err;

	/* Sample the plate no coarser than its largest side in the frame, so warping never magnifies. */
	const double kw = synth_max(hypot((double)(q[1].x - q[0].x), (double)(q[1].y - q[0].y)),
				    hypot((double)(q[2].x - q[3].x), (double)(q[2].y - q[3].y))) /
			  ANPR_PLATE_W_MM;
	const double kh = synth_max(hypot((double)(q[3].x - q[0].x), (double)(q[3].y - q[0].y)),
				    hypot((double)(q[2].x - q[1].x), (double)(q[2].y - q[1].y))) /
			  ANPR_PLATE_H_MM;
	const double k = synth_max(0.1, synth_min(10.0, synth_max(kw, kh)));
	err = anpr_synth_render_plate(s, &sc->plate, k, &s->plate);
	if (err)
		return err;
	/* Plate pixels (edge coordinates) to plate-centred millimetres, then through the homography. */
	const double mx = ANPR_PLATE_W_MM / s->plate.width, my = ANPR_PLATE_H_MM / s->plate.height;
	const double m[9] = { mx, 0, -ANPR_PLATE_W_MM / 2, 0, my, -ANPR_PLATE_H_MM / 2, 0, 0, 1 };
	for (int i = 0; i < 3; i++) {
		for (int j = 0; j < 3; j++)
			hp[i * 3 + j] =
			    g->h[i * 3] * m[j] + g->h[i * 3 + 1] * m[3 + j] + g->h[i * 3 + 2] * m[6 + j];
	}
	if (!inverse3(hp, inv))
		return ANPR_ERR_INTERNAL;
	double minx = 1e30, maxx = -1e30, miny = 1e30, maxy = -1e30;
	for (int i = 0; i < 4; i++) {
		minx = synth_min(minx, (double)q[i].x);
		maxx = synth_max(maxx, (double)q[i].x);
		miny = synth_min(miny, (double)q[i].y);
		maxy = synth_max(maxy, (double)q[i].y);
	}
	const int x0 = (int)synth_max(0, floor(minx)), y0 = (int)synth_max(0, floor(miny));
	const int x1 = (int)synth_min(f->width, ceil(maxx)), y1 = (int)synth_min(f->height, ceil(maxy));
	if (x1 - x0 < 2 || y1 - y0 < 2)
		return ANPR_ERR_OK; /* nothing worth drawing */
	/* The ROI's corner pixel centres, back into plate pixel-centre coordinates for warp_quad. */
	const double fx[4] = { x0 + 0.5, x1 - 0.5, x1 - 0.5, x0 + 0.5 };
	const double fy[4] = { y0 + 0.5, y0 + 0.5, y1 - 0.5, y1 - 0.5 };
	for (int i = 0; i < 4; i++) {
		const double w = inv[6] * fx[i] + inv[7] * fy[i] + inv[8];
		src[i].x = (float)((inv[0] * fx[i] + inv[1] * fy[i] + inv[2]) / w - 0.5);
		src[i].y = (float)((inv[3] * fx[i] + inv[4] * fy[i] + inv[5]) / w - 0.5);
	}
	err = anpr_cv_warp_quad(&s->plate, src, &s->warped, x1 - x0, y1 - y0, ANPR_CV_INTER_LINEAR);
	if (err)
		return err;
	quad_edges(q, nx, ny, nc);
	for (int y = y0; y < y1; y++) {
		const uint8_t *w = synth_px(&s->warped, 0, y - y0);
		uint8_t *p = synth_px(f, x0, y);
		const double cy = y + 0.5;
		for (int x = x0; x < x1; x++, p += 3, w += 3) {
			const double cx = x + 0.5;
			double d = 1e9;
			for (int i = 0; i < 4; i++)
				d = synth_min(d, nx[i] * cx + ny[i] * cy + nc[i]);
			const double a = d + 0.5;
			if (a <= 0)
				continue;
			if (a >= 1) {
				p[0] = w[0];
				p[1] = w[1];
				p[2] = w[2];
			} else {
				for (int c = 0; c < 3; c++)
					p[c] = (uint8_t)(p[c] + (w[c] - p[c]) * a + 0.5);
			}
		}
	}
	return ANPR_ERR_OK;
}

static void draw_occluder_px(anpr_image *f, const anpr_synth_scene *sc, const geom *g, anpr_rng *rng)
{
	const anpr_synth_box *b = &sc->occluder_mm;
	uint8_t c1[3], c2[3];
	anpr_point pts[16];

	switch (sc->occluder) {
	case ANPR_SYNTH_OCC_BAR:
		memset(c1, synth_clamp_u8(anpr_rng_range(rng, 70, 150)), 3);
		memset(c2, synth_clamp_u8(c1[0] * 0.5), 3);
		break;
	case ANPR_SYNTH_OCC_EDGE:
		memset(c1, synth_clamp_u8(anpr_rng_range(rng, 20, 60)), 3);
		memcpy(c2, c1, 3);
		break;
	case ANPR_SYNTH_OCC_BLOB:
		c1[0] = synth_clamp_u8(anpr_rng_range(rng, 20, 60));
		c1[1] = synth_clamp_u8(anpr_rng_range(rng, 50, 110));
		c1[2] = synth_clamp_u8(anpr_rng_range(rng, 40, 120));
		memcpy(c2, c1, 3);
		break;
	default:
		return;
	}
	if (sc->plate.ir) {
		memset(c1, synth_clamp_u8(c1[1] * sc->ir_scene * 1.5), 3);
		memset(c2, synth_clamp_u8(c2[1] * sc->ir_scene * 1.5), 3);
	}
	if (sc->occluder == ANPR_SYNTH_OCC_BLOB) {
		anpr_point e[16];
		anpr_synth_ellipse_pts_(e, 16, b->x + b->w / 2, b->y + b->h / 2, b->w / 2, b->h / 2, 0);
		for (int i = 0; i < 16; i++)
			pts[i] = project_tl(g, (double)e[i].x, (double)e[i].y);
		anpr_synth_convex_(f, pts, 16, c1, c1, 0, 0, 1.0);
		return;
	}
	pts[0] = project_tl(g, b->x, b->y);
	pts[1] = project_tl(g, b->x + b->w, b->y);
	pts[2] = project_tl(g, b->x + b->w, b->y + b->h);
	pts[3] = project_tl(g, b->x, b->y + b->h);
	/* Lit from above: lighter at the top. */
	anpr_synth_convex_(f, pts, 4, c1, c2, synth_min((double)pts[0].y, (double)pts[1].y),
			   synth_max((double)pts[2].y, (double)pts[3].y), 1.0);
}

/* Veiling glare: the patch is pulled towards white, strongest in the middle. */
static void draw_glare_px(anpr_image *f, const anpr_synth_scene *sc)
{
	const double r = synth_max(2.0, sc->glare_r * sc->width_px);
	const double gx = sc->cx + sc->glare_dx * sc->width_px, gy = sc->cy + sc->glare_dy * sc->width_px;
	const int x0 = (int)synth_max(0, floor(gx - r)), x1 = (int)synth_min(f->width - 1, ceil(gx + r));
	const int y0 = (int)synth_max(0, floor(gy - r)), y1 = (int)synth_min(f->height - 1, ceil(gy + r));

	for (int y = y0; y <= y1; y++) {
		uint8_t *p = synth_px(f, x0, y);
		for (int x = x0; x <= x1; x++, p += 3) {
			const double dx = x + 0.5 - gx, dy = y + 0.5 - gy, d = sqrt(dx * dx + dy * dy) / r;
			if (d >= 1)
				continue;
			const double a = sc->glare * (1 - d) * (1 - d);
			for (int k = 0; k < 3; k++)
				p[k] = (uint8_t)(p[k] + (255 - p[k]) * a + 0.5);
		}
	}
}

/*
 * Motion blur along motion_deg over the plate's neighbourhood (a line of
 * samples per pixel). The rest of the frame (background, far parts of the
 * vehicle) stays sharp; the border of the region is feathered.
 */
static anpr_err motion_blur(anpr_synth *s, anpr_image *f, const anpr_synth_scene *sc, const anpr_rect *box)
{
	const double len = synth_min(sc->motion_px, 40.0);
	const int taps = (int)ceil(len) + 1;
	anpr_image view = { 0 };
	anpr_err err;

	const int pad = (int)ceil(synth_max(len * 2, sc->width_px * 0.4));
	anpr_rect r = { box->x - pad, box->y - pad, box->width + 2 * pad, box->height + 2 * pad };
	r.x = r.x < 0 ? 0 : r.x;
	r.y = r.y < 0 ? 0 : r.y;
	r.width = (r.x + r.width > f->width ? f->width - r.x : r.width);
	r.height = (r.y + r.height > f->height ? f->height - r.y : r.height);
	if (r.width < 2 || r.height < 2)
		return ANPR_ERR_OK;
	err = anpr_image_view(f, r, &view);
	if (!err)
		err = anpr_image_copy(&view, &s->tmp);
	if (err)
		return err;
	const double ca = cos(sc->motion_deg * M_PI / 180), sa = sin(sc->motion_deg * M_PI / 180);
	int dxs[42], dys[42];
	for (int t = 0; t < taps; t++) {
		const double u = taps > 1 ? -len / 2 + len * t / (taps - 1) : 0;
		dxs[t] = (int)lround(u * ca);
		dys[t] = (int)lround(u * sa);
	}
	/* Row by row: each tap adds a shifted source row into 16-bit sums (41 x 255 fits), which vectorises. */
	const int n = r.width * 3;
	uint16_t acc[ANPR_IMAGE_MAX_SIDE * 3];
	const double feather = synth_max(1.0, pad * 0.9);
	for (int y = 0; y < r.height; y++) {
		memset(acc, 0, (size_t)n * sizeof(acc[0]));
		for (int t = 0; t < taps; t++) {
			const int sy = y + dys[t] < 0           ? 0
				       : y + dys[t] >= r.height ? r.height - 1
								: y + dys[t];
			const uint8_t *src = synth_px(&s->tmp, 0, sy);
			const int d = dxs[t] * 3;
			/* Inside, a plain shifted add; the few columns that fall off an end repeat the edge pixel. */
			const int lo = d < 0 ? -d : 0, hi = d > 0 ? n - d : n;
			for (int i = lo; i < hi; i++)
				acc[i] += src[i + d];
			for (int i = 0; i < lo && i < n; i++)
				acc[i] += src[i % 3];
			for (int i = hi > 0 ? hi : 0; i < n; i++)
				acc[i] += src[n - 3 + i % 3];
		}
		uint8_t *p = synth_px(f, r.x, r.y + y);
		const double ey = synth_min(y, r.height - 1 - y);
		for (int x = 0; x < r.width; x++, p += 3) {
			/* Fade in from the region's border so no seam shows. */
			const double a =
			    synth_min(1.0, synth_min(ey, synth_min(x, r.width - 1 - x)) / feather);
			for (int k = 0; k < 3; k++) {
				const double blurred = (double)acc[3 * x + k] / taps;
				p[k] = synth_clamp_u8(p[k] + (blurred - p[k]) * a);
			}
		}
	}
	anpr_image_free(&view);
	return ANPR_ERR_OK;
}

/* Exposure (saturating at white) and the tone curve. */
static void tone_curve(double gain, double gamma, uint8_t lut[256])
{
	for (int i = 0; i < 256; i++) {
		const double v = synth_min(1.0, gain * i / 255.0);
		lut[i] = synth_clamp_u8(255.0 * pow(v, gamma));
	}
}

static anpr_rect quad_box(const anpr_point q[4], int w, int h)
{
	double minx = 1e30, maxx = -1e30, miny = 1e30, maxy = -1e30;
	anpr_rect r;

	for (int i = 0; i < 4; i++) {
		minx = synth_min(minx, (double)q[i].x);
		maxx = synth_max(maxx, (double)q[i].x);
		miny = synth_min(miny, (double)q[i].y);
		maxy = synth_max(maxy, (double)q[i].y);
	}
	r.x = (int)synth_max(0, floor(minx));
	r.y = (int)synth_max(0, floor(miny));
	r.width = (int)synth_min(w, ceil(maxx)) - r.x;
	r.height = (int)synth_min(h, ceil(maxy)) - r.y;
	if (r.width < 0)
		r.width = 0;
	if (r.height < 0)
		r.height = 0;
	return r;
}

anpr_err anpr_synth_render_scene(anpr_synth *s, const anpr_synth_scene *sc, anpr_image *frame,
				 anpr_synth_truth *truth)
{
	anpr_synth_layout lay;
	anpr_rng rng;
	geom g;
	vehicle veh;
	anpr_point q[4];
	anpr_err err;

	if (!s || !sc || !frame || !truth || !scene_ok(sc))
		return ANPR_ERR_INVAL;
	err = anpr_synth_layout_plate(&sc->plate, &lay);
	if (err)
		return err;
	memset(truth, 0, sizeof(*truth));
	make_geom(sc, sc->cx, sc->cy, sc->width_px, &g);
	plate_quad(&g, q);
	err = anpr_image_alloc(frame, sc->frame_w, sc->frame_h, 3);
	if (err)
		return err;
	const anpr_rect box = quad_box(q, sc->frame_w, sc->frame_h);
	const int grow = (int)(sc->width_px * 0.05) + 2;
	const anpr_rect keep_clear = { box.x - grow, box.y - grow, box.width + 2 * grow,
				       box.height + 2 * grow };

	anpr_rng_seed(&rng, sc->detail_seed);
	plan_vehicle(&rng, sc->plate.rear, &veh);
	const int horizon = horizon_row(&g, &veh, &rng, sc->frame_h);
	draw_street(frame, &rng, horizon);
	draw_vehicle(frame, &g, sc, &veh, &rng);
	err = draw_clutter(s, frame, sc, &rng, &keep_clear, horizon);
	if (err)
		return err;
	if (sc->plate.ir)
		to_ir(frame, synth_max(0.05, synth_min(1.0, sc->ir_scene)));
	err = composite_plate(s, frame, sc, &g, q);
	if (err)
		return err;
	draw_occluder_px(frame, sc, &g, &rng);
	if (sc->glare > 0)
		draw_glare_px(frame, sc);
	if (sc->blur_sigma >= 0.2) {
		const double sigma = synth_min(sc->blur_sigma, 5.0);
		const int ksize = (int)synth_min(31, 2 * ceil(3 * sigma) + 1);
		err = anpr_cv_gaussian_blur(frame, &s->tmp2, ksize, sigma);
		if (err)
			return err;
		const anpr_image t = *frame;
		*frame = s->tmp2;
		s->tmp2 = t;
	}
	if (sc->motion_px >= 1.0) {
		err = motion_blur(s, frame, sc, &box);
		if (err)
			return err;
	}
	uint8_t lut[256];
	tone_curve(synth_max(0.05, synth_min(4.0, sc->gain)), synth_max(0.2, synth_min(5.0, sc->gamma)), lut);
	err =
	    anpr_synth_sensor_(s, frame, lut, synth_min(sc->noise_sigma, 60.0), sc->noise_seed, sc->plate.ir);
	if (err)
		return err;

	memcpy(truth->quad, q, sizeof(q));
	truth->box = box;
	truth->n_chars = lay.n;
	for (int i = 0; i < lay.n; i++) {
		const anpr_synth_box *c = &lay.chars[i];
		truth->char_quad[i][0] = project_tl(&g, c->x, c->y);
		truth->char_quad[i][1] = project_tl(&g, c->x + c->w, c->y);
		truth->char_quad[i][2] = project_tl(&g, c->x + c->w, c->y + c->h);
		truth->char_quad[i][3] = project_tl(&g, c->x, c->y + c->h);
	}
	truth->width_px = (hypot((double)(q[1].x - q[0].x), (double)(q[1].y - q[0].y)) +
			   hypot((double)(q[2].x - q[3].x), (double)(q[2].y - q[3].y))) /
			  2;
	truth->occluded = sc->occluder != ANPR_SYNTH_OCC_NONE ? anpr_synth_plate_cover(&sc->occluder_mm) : 0;
	return ANPR_ERR_OK;
}

anpr_err anpr_synth_scene_encode(const anpr_synth_scene *sc, const anpr_image *frame, bool png, uint8_t **out,
				 size_t *out_len)
{
	anpr_image round_trip = { 0 };
	uint8_t *jpg = NULL;
	size_t jpg_len = 0;
	anpr_err err;

	if (!sc || !frame || !out || !out_len)
		return ANPR_ERR_INVAL;
	*out = NULL;
	*out_len = 0;
	const int q = sc->jpeg_quality > 0 ? sc->jpeg_quality : 95;
	if (!png)
		return anpr_cv_encode_jpeg(frame, q, out, out_len);
	if (sc->jpeg_quality == 0)
		return anpr_cv_encode_png(frame, out, out_len);
	err = anpr_cv_encode_jpeg(frame, q, &jpg, &jpg_len);
	if (err)
		goto out;
	err = anpr_cv_decode(jpg, jpg_len, ANPR_CV_LOAD_COLOR, &round_trip);
	if (err)
		goto out;
	err = anpr_cv_encode_png(&round_trip, out, out_len);
out:
	free(jpg);
	anpr_image_free(&round_trip);
	return err;
}

const char *anpr_synth_scene_columns(void)
{
	return "tier\tvrm\tdisplay\tformat\tside\tfont\tband\tborder\tmaker_mark\tweight_mm\tdirt\tir\tplate_"
	       "seed\t"
	       "frame_w\tframe_h\twidth_px\tcx\tcy\troll_deg\tyaw_deg\tpitch_deg\tbody_bgr\tholder\tclutter\t"
	       "blur_sigma\tmotion_px\tmotion_deg\tnoise_sigma\tlight\tgain\tgamma\tglare\tglare_dx\tglare_"
	       "dy\t"
	       "glare_r\tir_scene\toccluder\tocc_x_mm\tocc_y_mm\tocc_w_mm\tocc_h_mm\toccluded\tjpeg_quality\t"
	       "detail_seed\tnoise_seed";
}

int anpr_synth_scene_row(const anpr_synth_scene *sc, char *buf, size_t n)
{
	const anpr_synth_plate *p = &sc->plate;

	return snprintf(buf, n,
			"%s\t%s\t%s\t%s\t%s\t%d\t%s\t%d\t%d\t%.2f\t%.3f\t%d\t0x%016" PRIx64 "\t"
			"%d\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%02x%02x%02x\t%d\t%d\t"
			"%.3f\t%.2f\t%.1f\t%.2f\t%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t"
			"%.3f\t%.3f\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.4f\t%d\t"
			"0x%016" PRIx64 "\t0x%016" PRIx64,
			anpr_synth_tier_name(sc->tier), p->vrm.text, p->vrm.display,
			anpr_vrm_gen_format_name(p->vrm.format), p->rear ? "rear" : "front", p->font,
			anpr_synth_band_name(p->band), p->border, p->maker_mark, p->weight_mm, p->dirt, p->ir,
			p->detail_seed, sc->frame_w, sc->frame_h, sc->width_px, sc->cx, sc->cy, sc->roll_deg,
			sc->yaw_deg, sc->pitch_deg, sc->body_bgr[0], sc->body_bgr[1], sc->body_bgr[2],
			sc->holder, sc->clutter, sc->blur_sigma, sc->motion_px, sc->motion_deg,
			sc->noise_sigma, anpr_synth_light_name(sc->light), sc->gain, sc->gamma, sc->glare,
			sc->glare_dx, sc->glare_dy, sc->glare_r, p->ir ? sc->ir_scene : 0.0,
			anpr_synth_occluder_name(sc->occluder), sc->occluder_mm.x, sc->occluder_mm.y,
			sc->occluder_mm.w, sc->occluder_mm.h,
			sc->occluder != ANPR_SYNTH_OCC_NONE ? anpr_synth_plate_cover(&sc->occluder_mm) : 0.0,
			sc->jpeg_quality, sc->detail_seed, sc->noise_seed);
}
