/* SPDX-License-Identifier: MIT */
/* Seeded roadside clips: a fixed pole-mounted camera, vehicles passing in lanes, rendered frames and plate ground truth. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "opencv_video.h"
#include "synth_clip.h"
#include "synth_clip_internal.h"
#include "synth_internal.h"
#include "synth_scene.h"
#include "vrm_gen.h"

/*
 * The camera. Height and pitch are fixed; the focal length is solved so a
 * plate 0.45 m up (a typical front plate) is ENTRY_PX_1080 wide (scaled to
 * the frame's rows) when its top edge meets the top of the frame. With 5 m
 * and 12 degrees that is f = 6.4 frame heights (a 25 mm lens on a 1080p
 * 1/2.8" sensor), a plate enters 34 m away and leaves the bottom of the
 * frame 16 m away at about 220 px: the frame's rows span 1080 * 0.52 / 4.55
 * px of plate width at most, whatever the lens, so 5 m is as high as the
 * camera can be for 100 -> 220 px. 18 m of road is 0.6 s at 70 mph and 2 s
 * at 20 mph.
 */
#define CAM_HEIGHT_M 5.0
#define CAM_PITCH_DEG 12.0
#define AIM_PLATE_Y_M 0.45
#define ENTRY_PX_1080 105.0
#define PLATE_W_M (ANPR_PLATE_W_MM / 1000.0)
#define PLATE_H_M (ANPR_PLATE_H_MM / 1000.0)
#define LANE_M 3.65
#define MPH_MS 0.44704
/* The first plate enters no sooner, the last leaves no later, than this from the clip's ends. */
#define START_S 0.2
#define END_S 0.2
/* Lane neighbours keep apart over the plate zone and this much road before and after it. */
#define PAD_M 8.0
#define GAP_M 3.0       /* bumper to bumper, ordinary traffic, at least */
#define CLOSE_GAP_M 2.0 /* close following */
#define MIN_HEADWAY_S 1.0
/* A plate counts as fully visible with its corners this far inside the frame. */
#define EDGE_PX 0.5
#define MAX_FACES 64
#define MAX_ACTIVE 64
#define TEX_CACHE 16
#define PROF_MAX 8

enum { STREAM_CLIP = 1, STREAM_VEHICLE = 2, STREAM_NOISE = 3, STREAM_ROAD = 4 };
enum { BODY_CAR, BODY_SUV, BODY_VAN, BODIES };
enum { OCC_NONE, OCC_BAR, OCC_EDGE, OCC_BLOB };

static const char *const k_dir_names[ANPR_SYNTH_DIRS] = { "towards", "away", "mixed" };
static const char *const k_look_names[ANPR_SYNTH_LOOKS] = { "day", "ir", "mixed" };
static const char *const k_body_names[BODIES] = { "car", "suv", "van" };

const char *anpr_synth_clip_dir_name(anpr_synth_clip_dir d)
{
	return (unsigned)d < ANPR_SYNTH_DIRS ? k_dir_names[d] : "unknown";
}

const char *anpr_synth_clip_look_name(anpr_synth_clip_look l)
{
	return (unsigned)l < ANPR_SYNTH_LOOKS ? k_look_names[l] : "unknown";
}

anpr_err anpr_synth_clip_dir_parse(const char *name, anpr_synth_clip_dir *out)
{
	for (int i = 0; name && out && i < ANPR_SYNTH_DIRS; i++) {
		if (strcmp(name, k_dir_names[i]) == 0) {
			*out = (anpr_synth_clip_dir)i;
			return ANPR_ERR_OK;
		}
	}
	return ANPR_ERR_INVAL;
}

anpr_err anpr_synth_clip_look_parse(const char *name, anpr_synth_clip_look *out)
{
	for (int i = 0; name && out && i < ANPR_SYNTH_LOOKS; i++) {
		if (strcmp(name, k_look_names[i]) == 0) {
			*out = (anpr_synth_clip_look)i;
			return ANPR_ERR_OK;
		}
	}
	return ANPR_ERR_INVAL;
}

const char *anpr_synth_clip_fourcc(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (!dot || strchr(dot, '/'))
		return NULL;
	if (strcmp(dot, ".avi") == 0)
		return "MJPG";
	if (strcmp(dot, ".mp4") == 0)
		return "avc1"; /* H.264 (FFmpeg's libx264), as cameras record */
	return NULL;
}

void anpr_synth_clip_cfg_init(anpr_synth_clip_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->frame_w = 1920;
	cfg->frame_h = 1080;
	cfg->fps = 25;
	cfg->duration_s = 60;
	cfg->vehicles = 40;
	cfg->lanes = 1;
	cfg->direction = ANPR_SYNTH_DIR_TOWARDS;
	cfg->look = ANPR_SYNTH_LOOK_DAY;
	cfg->hard_share = 0.1;
	cfg->foreign_share = 0.05;
}

/* ---- Vectors and the camera ---- */

typedef struct v3 {
	double x, y, z;
} v3;

static v3 v3_make(double x, double y, double z)
{
	const v3 r = { x, y, z };

	return r;
}

static v3 v3_add(v3 a, v3 b)
{
	return v3_make(a.x + b.x, a.y + b.y, a.z + b.z);
}

static v3 v3_sub(v3 a, v3 b)
{
	return v3_make(a.x - b.x, a.y - b.y, a.z - b.z);
}

static v3 v3_mul(v3 a, double k)
{
	return v3_make(a.x * k, a.y * k, a.z * k);
}

static double v3_dot(v3 a, v3 b)
{
	return a.x * b.x + a.y * b.y + a.z * b.z;
}

/* A pinhole: focal length and principal point in pixels, position and axes (right, down, forward) in the world. */
typedef struct camera {
	double f, cx, cy;
	v3 pos, right, down, fwd;
} camera;

/* Yaw turns towards +X, pitch looks down, roll turns the image; radians. */
static void camera_setup(camera *c, double f, int w, int h, double x, double yaw, double pitch, double roll)
{
	const double sy = sin(yaw), cy = cos(yaw), sp = sin(pitch), cp = cos(pitch);
	const double sr = sin(roll), cr = cos(roll);
	const v3 right0 = { cy, 0, -sy };
	const v3 down0 = { -sy * sp, -cp, -cy * sp };

	c->f = f;
	c->cx = w / 2.0;
	c->cy = h / 2.0;
	c->pos = v3_make(x, CAM_HEIGHT_M, 0);
	c->fwd = v3_make(sy * cp, -sp, cy * cp);
	c->right = v3_add(v3_mul(right0, cr), v3_mul(down0, sr));
	c->down = v3_sub(v3_mul(down0, cr), v3_mul(right0, sr));
}

/* Image position of p (pixel-edge coordinates); returns its depth, clamped so nothing behind the camera flips. */
static double project(const camera *c, v3 p, double *u, double *v)
{
	const v3 d = v3_sub(p, c->pos);
	const double z = synth_max(0.3, v3_dot(d, c->fwd));

	*u = synth_max(-20000.0, synth_min(20000.0, c->cx + c->f * v3_dot(d, c->right) / z));
	*v = synth_max(-20000.0, synth_min(20000.0, c->cy + c->f * v3_dot(d, c->down) / z));
	return z;
}

/* Road distance at which a point y metres up, straight ahead of the camera, is seen at image row `row`. */
static double row_distance(const camera *c, double y, double row)
{
	double lo = 0.5, hi = 3000;

	for (int i = 0; i < 80; i++) {
		const double mid = (lo + hi) / 2;
		double u, v;
		project(c, v3_make(c->pos.x, y, mid), &u, &v);
		if (v > row)
			lo = mid; /* still below the row: farther */
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* The focal length that makes a plate AIM_PLATE_Y_M up ENTRY_PX_1080 (scaled) wide as it enters the frame. */
static double solve_focal(int w, int h)
{
	double lo = 0.2 * h, hi = 60.0 * h;

	for (int i = 0; i < 80; i++) {
		const double f = (lo + hi) / 2;
		camera c;
		camera_setup(&c, f, w, h, 0, 0, CAM_PITCH_DEG * M_PI / 180, 0);
		const double z = row_distance(&c, AIM_PLATE_Y_M + PLATE_H_M / 2, 0);
		const double depth = v3_dot(v3_sub(v3_make(0, AIM_PLATE_Y_M, z), c.pos), c.fwd);
		if (f * PLATE_W_M / depth < ENTRY_PX_1080 * h / 1080.0)
			lo = f;
		else
			hi = f;
	}
	return (lo + hi) / 2;
}

/* ---- The plan ---- */

typedef struct vehicle {
	anpr_synth_clip_vehicle pub;
	int stream; /* index of its random stream */
	int body;
	double look_coin;
	/* Motion: the plate's face is at Z = a + sigma * speed * (t - t0), X = x0 + drift * (Z - a). */
	double a, t0, speed, sigma, x0, drift;
	double zone;          /* road the plate takes to cross the frame, m */
	double e;             /* exponential share of the free time before it */
	double close_headway; /* s, when following closely */
	double spacing;       /* least time after the lane's previous vehicle */
	/* Body, metres: u across (right), y up, w back from the face that carries the plate. */
	double width, length, sill, waist, face_bottom, face_top, roof_y, top_k;
	double prof[PROF_MAX][2];                       /* the top outline (w, y) from the face backwards */
	bool top_glass[PROF_MAX], side_glass[PROF_MAX]; /* per segment k (points k, k+1) */
	int n_prof;
	double plate_x, plate_y, plate_roll, plate_tilt;
	double lamp_w, lamp_h, lamp_y, lamp_inset, grille_w;
	uint8_t paint[3];
	bool drl, holder;
	double glare, glare_r; /* headlamp bloom at night: strength 0..1, radius m */
	int occ_kind;
	anpr_synth_box occ; /* plate millimetres */
	uint8_t occ_bgr[3];
	double plate_gain;
	double t_lo, t_hi; /* when it may be in view */
	int draw_first, draw_last;
	int plate_first, plate_last;
	anpr_synth_clip_box *boxes;
	int n_boxes, cap_boxes;
} vehicle;

struct anpr_synth_clip {
	anpr_synth_clip_cfg cfg;
	int frames;
	camera cam; /* the real one */
	camera aim; /* pitch only, for where plates enter and leave */
	anpr_synth_clip_camera info;
	double exposure_s, noise_day, noise_ir, gain, gamma, ir_body, tex_k, z_mid, mean_mph;
	double lane_x[3];
	bool lane_towards[3];
	double lane_tail[3];
	double road_grey, road_tint, dash_phase;
	uint8_t grass[3];
	/* The camera's tone curve (exposure and gamma), applied to everything as it is drawn, before the noise. */
	uint8_t tone[2][256];
	uint64_t seed_road;
	vehicle *v;
	int n;
	int max_draw; /* longest draw window, frames */
	uint8_t *frame_ir;
	anpr_image bg[2];
};

/* Common paint colours (BGR) with their rough share of UK cars (as synth_scene.c). */
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

/*
 * Foreign plates: white EU-style plates with another country's text format,
 * drawn by the same renderer (UK proportions, no hyphens or seals). pattern:
 * L letter, D digit, N non-zero digit; display: x is the next character.
 */
typedef struct foreign_fmt {
	const char *country, *code, *pattern, *display;
	int gap;
} foreign_fmt;

static const foreign_fmt k_foreign[] = {
	{ "fr", "F", "LLDDDLL", "xx-xxx-xx", 2 }, { "de", "D", "LLLNDDD", "x xx xxxx", 1 },
	{ "es", "E", "NDDDKKK", "xxxx xxx", 4 },  { "it", "I", "LLDDDLL", "xx xxxxx", 2 },
	{ "pl", "PL", "LLNDDDD", "xx xxxxx", 2 }, { "ie", "IRL", "DDCNDDD", "xx-x-xxxx", 2 },
};

static void draw_foreign(anpr_rng *rng, vehicle *v)
{
	const size_t nf = sizeof(k_foreign) / sizeof(k_foreign[0]);
	const foreign_fmt *f = &k_foreign[anpr_rng_int(rng, 0, (int)nf - 1)];
	anpr_vrm_mark *m = &v->pub.plate.vrm;
	size_t i, j = 0;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < ANPR_VRM_GEN_MAX && f->pattern[i]; i++) {
		const char p = f->pattern[i];
		/* L a letter, K a Spanish one (consonants, no Q), C an Irish one-letter county,
		 * N a digit 1-9, D any digit. */
		m->text[i] = p == 'L'   ? anpr_rng_char(rng, "ABCDEFGHJKLMNPRSTVWXYZ")
			     : p == 'K' ? anpr_rng_char(rng, "BCDFGHJKLMNPRSTVWXYZ")
			     : p == 'C' ? anpr_rng_char(rng, "CDGLTW")
			     : p == 'N' ? (char)('1' + anpr_rng_int(rng, 0, 8))
					: (char)('0' + anpr_rng_int(rng, 0, 9));
	}
	m->text[i] = '\0';
	m->gap = f->gap;
	m->format = ANPR_VRM_GEN_CURRENT; /* unused by the renderer; the truth says "foreign" */
	snprintf(m->display, sizeof(m->display), "%s", m->text);
	for (i = 0; f->display[i] && i + 1 < sizeof(v->pub.display); i++)
		v->pub.display[i] = f->display[i] == 'x' ? m->text[j++] : f->display[i];
	v->pub.display[i] = '\0';
	snprintf(v->pub.country, sizeof(v->pub.country), "%s", f->country);
	v->pub.foreign = true;
	v->pub.format = "foreign";
}

/* The body: its outline seen from the side, from the face with the plate backwards. */
static void draw_body(anpr_rng *rng, vehicle *v)
{
	static const double share[BODIES] = { 75, 17, 8 };
	double p[PROF_MAX][2] = { { 0 } };
	bool tg[PROF_MAX] = { false }, sg[PROF_MAX] = { false };
	int n;

	v->body = (int)anpr_rng_pick(rng, share, BODIES);
	if (v->body == BODY_VAN) {
		v->width = anpr_rng_range(rng, 1.95, 2.1);
		v->length = anpr_rng_range(rng, 4.9, 5.6);
		v->roof_y = anpr_rng_range(rng, 1.95, 2.45);
		v->face_bottom = anpr_rng_range(rng, 0.3, 0.38);
		const double yh = anpr_rng_range(rng, 0.95, 1.08);
		v->waist = yh + 0.12;
		v->top_k = 0.9;
		const double pts[5][2] = { { 0, yh },
					   { 0.45, yh + 0.12 },
					   { 1.25, v->roof_y },
					   { 2.1, v->roof_y },
					   { v->length, v->roof_y } };
		memcpy(p, pts, sizeof(pts));
		n = 5;
		tg[1] = true;
		sg[1] = sg[2] = true;
	} else {
		const bool suv = v->body == BODY_SUV;
		const double s = suv ? 1.15 : 1.0;
		v->width = suv ? anpr_rng_range(rng, 1.85, 2.0) : anpr_rng_range(rng, 1.72, 1.9);
		v->length = suv ? anpr_rng_range(rng, 4.3, 4.9) : anpr_rng_range(rng, 3.9, 4.8);
		v->roof_y = suv ? anpr_rng_range(rng, 1.62, 1.78) : anpr_rng_range(rng, 1.38, 1.52);
		v->face_bottom = anpr_rng_range(rng, 0.2, 0.3) * s;
		const double yh = anpr_rng_range(rng, 0.66, 0.78) * s,
			     cowl = yh + anpr_rng_range(rng, 0.1, 0.16);
		const double bonnet = anpr_rng_range(rng, 0.85, 1.2), ws = anpr_rng_range(rng, 0.7, 0.95);
		const double roof = anpr_rng_range(rng, 1.1, 1.6), rw = anpr_rng_range(rng, 0.5, 0.9);
		const double boot_y = anpr_rng_range(rng, 0.92, 1.02) * s;
		const double used = bonnet + ws + roof + rw;
		v->length = synth_max(v->length, used + anpr_rng_range(rng, 0.15, 0.6));
		v->waist = cowl;
		v->top_k = 0.74;
		const double pts[6][2] = { { 0, yh },
					   { bonnet, cowl },
					   { bonnet + ws, v->roof_y },
					   { bonnet + ws + roof, v->roof_y },
					   { used, boot_y },
					   { v->length, boot_y - 0.06 } };
		memcpy(p, pts, sizeof(pts));
		n = 6;
		tg[1] = tg[3] = true;
		sg[1] = sg[2] = sg[3] = true;
	}
	/* A vehicle going away shows its back: the same outline from the other end. */
	if (!v->pub.towards) {
		for (int k = 0; k < n; k++) {
			v->prof[k][0] = v->length - p[n - 1 - k][0];
			v->prof[k][1] = p[n - 1 - k][1];
		}
		for (int k = 0; k + 1 < n; k++) {
			v->top_glass[k] = tg[n - 2 - k];
			v->side_glass[k] = sg[n - 2 - k];
		}
		if (v->body == BODY_VAN) /* the back doors: a tall face */
			v->prof[0][1] = v->roof_y - 0.04;
	} else {
		memcpy(v->prof, p, sizeof(p));
		memcpy(v->top_glass, tg, sizeof(tg));
		memcpy(v->side_glass, sg, sizeof(sg));
	}
	v->n_prof = n;
	v->face_top = v->prof[0][1];
	v->sill = v->face_bottom + 0.06;
	v->top_k = synth_min(v->top_k, 1.0);
	/* Lamps high on the face near its corners; the plate low and centred. */
	if (v->pub.towards) {
		v->lamp_w = anpr_rng_range(rng, 0.24, 0.4);
		v->lamp_h = anpr_rng_range(rng, 0.07, 0.13);
		v->lamp_y = v->face_top - v->lamp_h / 2 - anpr_rng_range(rng, 0.02, 0.06);
		v->plate_y = anpr_rng_range(rng, 0.3, synth_min(0.55, v->face_top - 0.2));
	} else if (v->body == BODY_VAN) {
		v->lamp_w = anpr_rng_range(rng, 0.1, 0.14);
		v->lamp_h = anpr_rng_range(rng, 0.25, 0.35);
		v->lamp_y = anpr_rng_range(rng, 0.8, 1.0);
		v->plate_y = anpr_rng_range(rng, 0.42, 0.65);
	} else {
		v->lamp_w = anpr_rng_range(rng, 0.2, 0.35);
		v->lamp_h = anpr_rng_range(rng, 0.08, 0.15);
		v->lamp_y = v->face_top - v->lamp_h / 2 - anpr_rng_range(rng, 0.03, 0.07);
		v->plate_y = anpr_rng_range(rng, 0.42, synth_max(0.45, v->face_top - 0.16));
	}
	v->plate_y = synth_max(v->plate_y, v->face_bottom + 0.09);
	v->lamp_inset = anpr_rng_range(rng, 0.03, 0.1);
	v->grille_w = v->width * anpr_rng_range(rng, 0.35, 0.5);
	v->plate_x = anpr_rng_normal_clamped(rng, 0, 0.02, -0.06, 0.06);
}

static double occ_overlap(const anpr_synth_box *a, const anpr_synth_box *b)
{
	const double w = synth_min(a->x + a->w, b->x + b->w) - synth_max(a->x, b->x);
	const double h = synth_min(a->y + a->h, b->y + b->h) - synth_max(a->y, b->y);

	return w > 0 && h > 0 ? w * h : 0;
}

/* An occluder by the rules of synth_scene.c: at most 15% of the plate, touching at most one character, under half of it. */
static void draw_occluder(anpr_rng *rng, vehicle *v)
{
	anpr_synth_layout lay;
	anpr_synth_box b = { 0, 0, 0, 0 };
	static const double kinds[3] = { 0.5, 0.25, 0.25 };
	const int kind = 1 + (int)anpr_rng_pick(rng, kinds, 3);

	v->occ_kind = OCC_NONE;
	if (anpr_synth_layout_plate(&v->pub.plate, &lay) != ANPR_ERR_OK)
		return;
	for (int tries = 0; tries < 60; tries++) {
		if (kind == OCC_BAR) {
			b.w = anpr_rng_range(rng, 8, 30);
			b.x = anpr_rng_range(rng, -b.w / 2, ANPR_PLATE_W_MM - b.w / 2);
			b.y = -10;
			b.h = ANPR_PLATE_H_MM + 20;
		} else if (kind == OCC_EDGE) {
			const double reach = anpr_rng_range(rng, 15, 0.15 * ANPR_PLATE_W_MM);
			b.w = reach + 10;
			b.x = anpr_rng_chance(rng, 0.5) ? -10 : ANPR_PLATE_W_MM - reach;
			b.y = -10;
			b.h = ANPR_PLATE_H_MM + 20;
		} else {
			b.w = anpr_rng_range(rng, 20, 70);
			b.h = anpr_rng_range(rng, 15, 60);
			b.x = anpr_rng_range(rng, -b.w / 2, ANPR_PLATE_W_MM - b.w / 2);
			b.y = anpr_rng_range(rng, -b.h / 2, ANPR_PLATE_H_MM - b.h / 2);
		}
		const double cover = anpr_synth_plate_cover(&b);
		int touched = 0;
		bool ok = cover <= 0.15 && cover >= 0.01;
		for (int i = 0; ok && i < lay.n; i++) {
			const double o = occ_overlap(&b, &lay.chars[i]);
			if (o > 0 && (++touched > 1 || o > 0.5 * lay.chars[i].w * lay.chars[i].h))
				ok = false;
		}
		if (ok) {
			v->occ_kind = kind;
			v->occ = b;
			break;
		}
	}
	const int grey = anpr_rng_int(rng, 25, 140);
	v->occ_bgr[0] = v->occ_bgr[1] = v->occ_bgr[2] = (uint8_t)grey;
	if (kind == OCC_BLOB) {
		v->occ_bgr[0] = synth_clamp_u8(anpr_rng_range(rng, 20, 60));
		v->occ_bgr[1] = synth_clamp_u8(anpr_rng_range(rng, 50, 110));
		v->occ_bgr[2] = synth_clamp_u8(anpr_rng_range(rng, 40, 120));
	}
}

/* Everything about vehicle `stream` that does not depend on the others. */
static anpr_err draw_vehicle(const anpr_synth_clip *c, int stream, vehicle *v)
{
	static const double bands[ANPR_SYNTH_BANDS] = { 45, 20, 15, 15, 5 };
	anpr_rng rng;
	anpr_err err;

	memset(v, 0, sizeof(*v));
	anpr_rng_seed(&rng,
		      anpr_rng_derive(c->cfg.seed, ((uint64_t)STREAM_VEHICLE << 48) ^ (uint64_t)stream));
	v->stream = stream;
	const int lane = anpr_rng_int(&rng, 0, c->cfg.lanes - 1);
	v->pub.lane = lane + 1;
	v->pub.towards = c->lane_towards[lane];
	v->sigma = v->pub.towards ? -1 : 1;
	v->pub.speed_mph = anpr_rng_normal_clamped(&rng, c->mean_mph, 6, 20, 70);
	v->speed = v->pub.speed_mph * MPH_MS;
	if (anpr_rng_chance(&rng, c->cfg.hard_share)) {
		/* At least one case that does not depend on the look (glare needs night and an oncoming vehicle). */
		while (!(v->pub.hard & ~ANPR_SYNTH_HARD_GLARE)) {
			v->pub.hard |= anpr_rng_chance(&rng, 0.4) ? ANPR_SYNTH_HARD_DIRT : 0;
			v->pub.hard |= anpr_rng_chance(&rng, 0.35) ? ANPR_SYNTH_HARD_OCCLUDER : 0;
			v->pub.hard |= anpr_rng_chance(&rng, 0.35) ? ANPR_SYNTH_HARD_TILT : 0;
			v->pub.hard |= anpr_rng_chance(&rng, 0.35) ? ANPR_SYNTH_HARD_CLOSE : 0;
			v->pub.hard |= anpr_rng_chance(&rng, 0.3) ? ANPR_SYNTH_HARD_GLARE : 0;
		}
	}
	anpr_synth_plate *p = &v->pub.plate;
	if (anpr_rng_chance(&rng, c->cfg.foreign_share)) {
		draw_foreign(&rng, v);
		p->band = ANPR_SYNTH_BAND_GB_EU; /* repainted with the country's code */
		p->rear = false;                 /* white at both ends */
	} else {
		err = anpr_vrm_gen_random(&rng, NULL, &p->vrm);
		if (err)
			return err;
		snprintf(v->pub.display, sizeof(v->pub.display), "%s", p->vrm.display);
		snprintf(v->pub.country, sizeof(v->pub.country), "gb");
		/* "uk-current" and so on without the country, which has its own field. */
		v->pub.format = anpr_vrm_gen_format_name(p->vrm.format) + 3;
		p->band = (anpr_synth_band)anpr_rng_pick(&rng, bands, ANPR_SYNTH_BANDS);
		p->rear = !v->pub.towards;
		p->border = anpr_rng_chance(&rng, 0.15);
	}
	p->font = anpr_rng_int(&rng, 0, 1);
	p->maker_mark = anpr_rng_chance(&rng, 0.7);
	p->weight_mm = anpr_rng_normal_clamped(&rng, 0, 0.8, -2.5, 2.5);
	p->detail_seed = anpr_rng_next(&rng);
	if (v->pub.hard & ANPR_SYNTH_HARD_DIRT)
		p->dirt = anpr_rng_range(&rng, 0.45, 0.9);
	else
		p->dirt = anpr_rng_chance(&rng, 0.2) ? anpr_rng_range(&rng, 0.05, 0.25) : 0;
	draw_body(&rng, v);
	draw_paint(&rng, v->paint);
	if (v->pub.hard & ANPR_SYNTH_HARD_TILT) {
		v->plate_roll =
		    (anpr_rng_chance(&rng, 0.5) ? -1 : 1) * anpr_rng_range(&rng, 3, 8) * M_PI / 180;
		v->plate_tilt =
		    (anpr_rng_chance(&rng, 0.5) ? -1 : 1) * anpr_rng_range(&rng, 12, 25) * M_PI / 180;
	} else {
		v->plate_roll = anpr_rng_normal_clamped(&rng, 0, 0.7, -2, 2) * M_PI / 180;
		v->plate_tilt = anpr_rng_normal_clamped(&rng, 0, 3, -6, 6) * M_PI / 180;
	}
	v->x0 = c->lane_x[lane] + anpr_rng_normal_clamped(&rng, 0, 0.15, -0.45, 0.45);
	v->drift = tan(anpr_rng_normal_clamped(&rng, 0, 0.3, -0.8, 0.8) * M_PI / 180);
	if (v->pub.hard & ANPR_SYNTH_HARD_GLARE) {
		v->glare = anpr_rng_range(&rng, 0.8, 1.0);
		v->glare_r = anpr_rng_range(&rng, 0.55, 0.85);
	} else {
		v->glare = anpr_rng_range(&rng, 0.3, 0.5);
		v->glare_r = anpr_rng_range(&rng, 0.12, 0.22);
	}
	if (v->pub.hard & ANPR_SYNTH_HARD_OCCLUDER) {
		draw_occluder(&rng, v);
		if (v->occ_kind == OCC_NONE)
			v->pub.hard &= ~ANPR_SYNTH_HARD_OCCLUDER;
	}
	v->plate_gain = anpr_rng_range(&rng, 0.85, 1.0);
	v->e = -log(1 - anpr_rng_unit(&rng));
	v->close_headway = anpr_rng_range(&rng, 0.5, 0.8);
	v->look_coin = anpr_rng_unit(&rng);
	v->drl = anpr_rng_chance(&rng, 0.6);
	v->holder = anpr_rng_chance(&rng, 0.5);
	v->pub.body = k_body_names[v->body];

	/* Where its plate crosses the frame: entering at the top (towards) or the bottom (away). */
	const double top = row_distance(&c->aim, v->plate_y + PLATE_H_M / 2, 0) + 0.5;
	const double bottom = row_distance(&c->aim, v->plate_y - PLATE_H_M / 2, c->cfg.frame_h) - 0.5;
	v->a = v->pub.towards ? top : bottom;
	v->zone = top - bottom;
	v->draw_first = v->plate_first = v->pub.first_frame = -1;
	v->draw_last = v->plate_last = v->pub.last_frame = -1;
	return ANPR_ERR_OK;
}

/*
 * The gap at which a plate y_plate up clears a roof `roof` up just in front
 * of it, seen from the camera where plates are nearest: so an ordinary
 * vehicle's plate is seen for part of its pass however tall the one
 * ahead of it (towards) or behind it (away) is.
 */
static double clear_gap(const anpr_synth_clip *c, double roof, double plate_y)
{
	return synth_max(0.0, (roof - plate_y) * c->info.near_m / (CAM_HEIGHT_M - plate_y)) + 0.5;
}

/* The least time by which f must trail l (ahead of it in the lane) so they keep apart while in view. */
static double min_spacing(const anpr_synth_clip *c, const vehicle *l, const vehicle *f)
{
	const bool close = (f->pub.hard & ANPR_SYNTH_HARD_CLOSE) != 0;
	const double gap = close ? CLOSE_GAP_M
				 : synth_max(GAP_M, f->pub.towards ? clear_gap(c, l->roof_y, f->plate_y)
								   : clear_gap(c, f->roof_y, l->plate_y));
	/* Towards, f's face trails l's tail; away, f's tail (its far end) trails l's face. */
	const double need =
	    f->pub.towards ? l->length + gap - (f->a - l->a) : f->length + gap - (l->a - f->a);
	/* The gap changes linearly when their speeds differ: check both ends of f's time in view. */
	const double k = 1 - l->speed / f->speed;
	const double c1 = (need - PAD_M * k) / l->speed, c2 = (need + (f->zone + PAD_M) * k) / l->speed;

	return synth_max(close ? f->close_headway : MIN_HEADWAY_S, synth_max(c1, c2));
}

/*
 * Arrival times for vehicles 0..n-1, lane by lane: each trails the one ahead
 * by its least spacing plus a share of the free time; the shares are
 * exponential, so the free time is spread as a Poisson process would spread
 * it (closely following vehicles get none). False when they do not fit in
 * duration; *needed is the shortest duration that fits.
 */
static bool schedule(anpr_synth_clip *c, int n, double duration, double *needed)
{
	bool ok = true;

	*needed = 0;
	for (int lane = 1; lane <= c->cfg.lanes; lane++) {
		double sum_min = START_S, sum_e = c->lane_tail[lane - 1];
		const vehicle *prev = NULL;
		for (int i = 0; i < n; i++) {
			vehicle *v = &c->v[i];
			if (v->pub.lane != lane)
				continue;
			if (!prev)
				v->pub.hard &= ~ANPR_SYNTH_HARD_CLOSE; /* nobody to follow */
			v->spacing = prev ? min_spacing(c, prev, v) : 0;
			sum_min += v->spacing;
			sum_e += (v->pub.hard & ANPR_SYNTH_HARD_CLOSE) ? 0 : v->e;
			prev = v;
		}
		if (!prev)
			continue;
		sum_min += prev->zone / prev->speed + END_S;
		*needed = synth_max(*needed, sum_min);
		const double free_s = duration - sum_min;
		if (free_s < 0) {
			ok = false;
			continue;
		}
		double t = START_S;
		prev = NULL;
		for (int i = 0; i < n; i++) {
			vehicle *v = &c->v[i];
			if (v->pub.lane != lane)
				continue;
			const double extra = (v->pub.hard & ANPR_SYNTH_HARD_CLOSE)
						 ? 0
						 : v->e * free_s / synth_max(sum_e, 1e-9);
			t += v->spacing + extra;
			v->t0 = t;
			v->pub.headway_s = prev ? v->spacing + extra : 0;
			prev = v;
		}
	}
	return ok;
}

/* ---- Geometry of a vehicle at a moment ---- */

typedef struct pose {
	v3 o, across, up, back; /* the face's centre on the ground and the vehicle's axes */
	double z;               /* the face's Z */
} pose;

static void vehicle_pose(const vehicle *v, double t, pose *p)
{
	const double z = v->a + v->sigma * v->speed * (t - v->t0);
	const double h = atan(v->drift);

	p->z = z;
	p->o = v3_make(v->x0 + v->drift * (z - v->a), 0, z);
	p->back = v3_make(sin(h), 0, cos(h));
	p->across = v3_make(cos(h), 0, -sin(h));
	p->up = v3_make(0, 1, 0);
}

static v3 body_point(const pose *p, double u, double y, double w)
{
	return v3_add(p->o, v3_add(v3_mul(p->across, u), v3_add(v3_mul(p->up, y), v3_mul(p->back, w))));
}

/* One projected polygon of a vehicle. */
typedef struct face {
	double pts[16][2];
	int n;
	double depth;
	uint8_t top[3], bottom[3];
	double alpha;
	bool solid; /* hides what is behind it (everything but the shadow) */
} face;

typedef enum material {
	MAT_PAINT,
	MAT_GLASS,
	MAT_DARK,   /* tyres, plastic trim, grille */
	MAT_TRIM,   /* lighter plastic: slats, badge */
	MAT_LAMP,   /* the lamp housing */
	MAT_LIGHT,  /* its lit part */
	MAT_SHADOW, /* the vehicle's shadow on the road */
} material;

/* Builds a vehicle's polygons for one frame. */
typedef struct builder {
	const anpr_synth_clip *c;
	const vehicle *v;
	pose ps;
	bool ir;
	double fall; /* IR illuminator fall-off with distance */
	face *f;
	int n;
	double minx, miny, maxx, maxy; /* of the solid polygons */
} builder;

static void material_colour(const builder *b, material m, double k, uint8_t out[3])
{
	const vehicle *v = b->v;
	const bool front = v->pub.towards;
	uint8_t base[3];

	if (b->ir) {
		double g;
		switch (m) {
		case MAT_PAINT: {
			const double luma = 0.114 * v->paint[0] + 0.587 * v->paint[1] + 0.299 * v->paint[2];
			g = (45 + 0.55 * luma) * b->c->ir_body * b->fall;
			break;
		}
		case MAT_GLASS:
			g = 30 * b->fall;
			break;
		case MAT_DARK:
			g = 22 * b->fall;
			break;
		case MAT_TRIM:
			g = 60 * b->fall;
			break;
		case MAT_LAMP:
			g = front ? 200 : 120 * b->fall;
			break;
		case MAT_LIGHT:
			g = front ? 255 : 215; /* headlamps are on at night; tail lamps glow */
			break;
		default:
			g = 0;
			break;
		}
		memset(out, b->c->tone[1][synth_clamp_u8(g * k)], 3);
		return;
	}
	switch (m) {
	case MAT_PAINT:
		memcpy(base, v->paint, 3);
		break;
	case MAT_GLASS:
		base[0] = 92, base[1] = 86, base[2] = 80;
		break;
	case MAT_DARK:
		base[0] = base[1] = 26, base[2] = 28;
		break;
	case MAT_TRIM:
		base[0] = base[1] = 78, base[2] = 82;
		break;
	case MAT_LAMP:
		if (front)
			base[0] = 188, base[1] = 190, base[2] = 192;
		else
			base[0] = 38, base[1] = 32, base[2] = 150;
		break;
	case MAT_LIGHT:
		if (front)
			memset(base, v->drl ? 250 : 215, 3);
		else
			base[0] = 70, base[1] = 62, base[2] = 225;
		break;
	default:
		memset(base, 0, 3);
		break;
	}
	for (int i = 0; i < 3; i++)
		out[i] = b->c->tone[0][synth_clamp_u8(base[i] * k)];
}

/*
 * Adds a planar convex polygon given in body coordinates (u, y, w). It is
 * culled when normal (body coordinates, NULL for none) faces away from the
 * camera. bias moves it in the painter's order (positive: drawn earlier).
 */
static void add_face(builder *b, const double (*pts)[3], int n, const double *normal, material m,
		     double k_top, double k_bottom, double alpha, double bias)
{
	v3 w[16];

	if (b->n >= MAX_FACES || n < 3 || n > 16)
		return;
	for (int i = 0; i < n; i++)
		w[i] = body_point(&b->ps, pts[i][0], pts[i][1], pts[i][2]);
	if (normal) {
		const v3 nw = v3_add(v3_mul(b->ps.across, normal[0]),
				     v3_add(v3_mul(b->ps.up, normal[1]), v3_mul(b->ps.back, normal[2])));
		if (v3_dot(nw, v3_sub(b->c->cam.pos, w[0])) <= 0)
			return;
	}
	face *f = &b->f[b->n++];
	double depth = 0;
	for (int i = 0; i < n; i++) {
		depth += project(&b->c->cam, w[i], &f->pts[i][0], &f->pts[i][1]);
		if (m != MAT_SHADOW) {
			b->minx = synth_min(b->minx, f->pts[i][0]);
			b->maxx = synth_max(b->maxx, f->pts[i][0]);
			b->miny = synth_min(b->miny, f->pts[i][1]);
			b->maxy = synth_max(b->maxy, f->pts[i][1]);
		}
	}
	f->n = n;
	f->depth = depth / n + bias;
	f->alpha = alpha;
	f->solid = m != MAT_SHADOW;
	material_colour(b, m, k_top, f->top);
	material_colour(b, m, k_bottom, f->bottom);
}

/* An axis-aligned rectangle on the face (w = dw, slightly in front of it). */
static void face_rect(builder *b, double u0, double y0, double u1, double y1, double dw, material m,
		      double k_top, double k_bottom, double bias)
{
	static const double towards_cam[3] = { 0, 0, -1 };
	const double pts[4][3] = { { u0, y1, dw }, { u1, y1, dw }, { u1, y0, dw }, { u0, y0, dw } };

	if (u1 > u0 && y1 > y0)
		add_face(b, pts, 4, towards_cam, m, k_top, k_bottom, 1.0, bias);
}

static void face_ellipse(builder *b, double cu, double cy, double ru, double ry, double dw, material m,
			 double k, double bias)
{
	static const double towards_cam[3] = { 0, 0, -1 };
	double pts[12][3];

	for (int i = 0; i < 12; i++) {
		const double a = i * M_PI / 6;
		pts[i][0] = cu + ru * cos(a);
		pts[i][1] = cy - ry * sin(a);
		pts[i][2] = dw;
	}
	add_face(b, pts, 12, towards_cam, m, k, k, 1.0, bias);
}

/* Half-width of the body at height y: full below the waist, narrowing to top_k of it at the roof. */
static double half_width(const vehicle *v, double y)
{
	const double t =
	    synth_max(0.0, synth_min(1.0, (y - v->waist) / synth_max(0.05, v->roof_y - v->waist)));

	return v->width / 2 * (1 - (1 - v->top_k) * t);
}

static void build_body(builder *b)
{
	const vehicle *v = b->v;
	const double hw = v->width / 2, fb = v->face_bottom, ft = v->face_top, L = v->length;
	static const double towards_cam[3] = { 0, 0, -1 };

	/* Shadow on the road, drawn first. */
	{
		const double pts[4][3] = { { -hw - 0.1, 0.003, -0.1 },
					   { hw + 0.1, 0.003, -0.1 },
					   { hw + 0.1, 0.003, L + 0.1 },
					   { -hw - 0.1, 0.003, L + 0.1 } };
		add_face(b, pts, 4, NULL, MAT_SHADOW, 1, 1, b->ir ? 0.35 : 0.5, 1000);
	}
	/* Tyres: seen under the face, and along the visible side. */
	for (int s = -1; s <= 1; s += 2) {
		const double u0 = s * (hw - 0.3), u1 = s * (hw - 0.06);
		const double pts[4][3] = { { synth_min(u0, u1), fb + 0.08, 0.75 },
					   { synth_max(u0, u1), fb + 0.08, 0.75 },
					   { synth_max(u0, u1), 0, 0.75 },
					   { synth_min(u0, u1), 0, 0.75 } };
		add_face(b, pts, 4, towards_cam, MAT_DARK, 1, 1, 1.0, 0);
		const double side[3] = { s, 0, 0 };
		const double axles[2] = { 0.8, L - 0.9 };
		for (int k = 0; k < 2; k++) {
			const double t[4][3] = { { s * hw, 0.62, axles[k] - 0.32 },
						 { s * hw, 0.62, axles[k] + 0.32 },
						 { s * hw, 0, axles[k] + 0.32 },
						 { s * hw, 0, axles[k] - 0.32 } };
			add_face(b, t, 4, side, MAT_DARK, 1, 1, 1.0, 0.2);
		}
	}
	/* Sides: paint below the waist, glass or paint above it leaning in to the roof. */
	for (int s = -1; s <= 1; s += 2) {
		const double side[3] = { s, 0, 0 }, upper[3] = { s, 0.35, 0 };
		for (int k = 0; k + 1 < v->n_prof; k++) {
			const double w0 = v->prof[k][0], w1 = v->prof[k + 1][0];
			const double y0 = v->prof[k][1], y1 = v->prof[k + 1][1];
			const double lo[4][3] = { { s * hw, v->sill, w0 },
						  { s * hw, synth_min(y0, v->waist), w0 },
						  { s * hw, synth_min(y1, v->waist), w1 },
						  { s * hw, v->sill, w1 } };
			add_face(b, lo, 4, side, MAT_PAINT, 0.8, 0.62, 1.0, 0);
			if (y0 <= v->waist && y1 <= v->waist)
				continue;
			const double ya = synth_max(y0, v->waist), yb = synth_max(y1, v->waist);
			const double up[4][3] = { { s * hw, v->waist, w0 },
						  { s * half_width(v, ya), ya, w0 },
						  { s * half_width(v, yb), yb, w1 },
						  { s * hw, v->waist, w1 } };
			add_face(b, up, 4, upper, v->side_glass[k] ? MAT_GLASS : MAT_PAINT, 0.9, 0.75, 1.0,
				 0);
		}
	}
	/* The top: bonnet, windscreen, roof, rear window, boot, each facing up and forwards or back. */
	for (int k = 0; k + 1 < v->n_prof; k++) {
		const double w0 = v->prof[k][0], w1 = v->prof[k + 1][0];
		const double y0 = v->prof[k][1], y1 = v->prof[k + 1][1];
		const double len = hypot(w1 - w0, y1 - y0);
		if (len < 1e-6)
			continue;
		const double normal[3] = { 0, (w1 - w0) / len, -(y1 - y0) / len };
		const double h0 = half_width(v, y0), h1 = half_width(v, y1);
		const double pts[4][3] = { { -h0, y0, w0 }, { h0, y0, w0 }, { h1, y1, w1 }, { -h1, y1, w1 } };
		if (v->top_glass[k])
			add_face(b, pts, 4, normal, MAT_GLASS, 1.25, 0.8, 1.0, 0);
		else
			add_face(b, pts, 4, normal, MAT_PAINT, 1.12, 1.02, 1.0, 0);
	}
	/* The face, corners bevelled. */
	{
		const double bev = synth_min(0.15, (ft - fb) / 3);
		const double pts[6][3] = { { -hw, ft - bev, 0 }, { -hw + bev, ft, 0 }, { hw - bev, ft, 0 },
					   { hw, ft - bev, 0 },  { hw, fb, 0 },        { -hw, fb, 0 } };
		add_face(b, pts, 6, towards_cam, MAT_PAINT, 1.0, 0.78, 1.0, -0.01);
	}
	/* On the face: bumper trim, grille or boot recess, lamps, plate holder. */
	const double px = v->plate_x, py = v->plate_y;
	face_rect(b, -hw * 0.62, fb + 0.03, hw * 0.62, synth_min(py - 0.08, fb + 0.14), -0.002, MAT_DARK, 1,
		  1, -0.02);
	if (v->pub.towards) {
		const double gy0 = py + 0.08, gy1 = ft - 0.05;
		if (gy1 - gy0 > 0.04) {
			face_rect(b, -v->grille_w / 2, gy0, v->grille_w / 2, gy1, -0.002, MAT_DARK, 1, 1,
				  -0.02);
			for (double y = gy0 + 0.03; y < gy1 - 0.02; y += 0.045)
				face_rect(b, -v->grille_w / 2, y, v->grille_w / 2, y + 0.012, -0.003,
					  MAT_TRIM, 1, 1, -0.03);
		}
	} else if (v->body != BODY_VAN) {
		face_rect(b, px - 0.36, py - 0.11, px + 0.36, py + 0.1, -0.002, MAT_PAINT, 0.8, 0.65, -0.02);
	} else {
		/* The van's back doors: two windows high up and the split between them. */
		const double wy0 = v->roof_y - 0.8, wy1 = v->roof_y - 0.22;
		face_rect(b, -hw + 0.12, wy0, -0.05, wy1, -0.002, MAT_GLASS, 1.2, 0.8, -0.02);
		face_rect(b, 0.05, wy0, hw - 0.12, wy1, -0.002, MAT_GLASS, 1.2, 0.8, -0.02);
		face_rect(b, -0.008, fb + 0.15, 0.008, ft - 0.05, -0.002, MAT_DARK, 1, 1, -0.02);
	}
	for (int s = -1; s <= 1; s += 2) {
		const double lu = s * (hw - v->lamp_inset - v->lamp_w / 2);
		face_ellipse(b, lu, v->lamp_y, v->lamp_w / 2, v->lamp_h / 2, -0.003, MAT_LAMP, 1, -0.03);
		face_ellipse(b, lu + s * v->lamp_w * 0.12, v->lamp_y, v->lamp_w * 0.22, v->lamp_h * 0.3,
			     -0.004, MAT_LIGHT, 1, -0.04);
	}
	if (v->holder) {
		/* A plastic surround in the plate's own plane (a bent plate bends its holder too). */
		const double cr = cos(v->plate_roll), sr = sin(v->plate_roll);
		const double ct = cos(v->plate_tilt), st = sin(v->plate_tilt);
		const double r[3] = { cr, sr * ct, sr * st }, u[3] = { -sr, cr * ct, cr * st };
		const double hx = PLATE_W_M / 2 + 0.012, hy = PLATE_H_M / 2 + 0.012;
		const double sx[4] = { -hx, hx, hx, -hx }, sy[4] = { hy, hy, -hy, -hy };
		double pts[4][3];
		for (int i = 0; i < 4; i++) {
			pts[i][0] = px + sx[i] * r[0] + sy[i] * u[0];
			pts[i][1] = py + sx[i] * r[1] + sy[i] * u[1];
			pts[i][2] = -0.004 + sx[i] * r[2] + sy[i] * u[2];
		}
		add_face(b, pts, 4, towards_cam, MAT_DARK, 1, 1, 1.0, -0.04);
	}
}

/* Painter's order: farthest first; ties keep their order, so the result never depends on the sort. */
static void sort_faces(face *f, int n)
{
	for (int i = 1; i < n; i++) {
		face t = f[i];
		int j = i - 1;
		while (j >= 0 && f[j].depth < t.depth) {
			f[j + 1] = f[j];
			j--;
		}
		f[j + 1] = t;
	}
}

/* Plate millimetres (x from the left edge, y down from the top) to image pixels, as a homography h. */
static void plate_homography(const anpr_synth_clip *c, const vehicle *v, const pose *ps, double h[9])
{
	const camera *cam = &c->cam;
	const double cr = cos(v->plate_roll), sr = sin(v->plate_roll);
	const double ct = cos(v->plate_tilt), st = sin(v->plate_tilt);
	/* Tilted back about the across axis, then rolled in its own plane. */
	const v3 up_t = v3_add(v3_mul(ps->up, ct), v3_mul(ps->back, st));
	const v3 r = v3_add(v3_mul(ps->across, cr), v3_mul(up_t, sr));
	const v3 u = v3_sub(v3_mul(up_t, cr), v3_mul(ps->across, sr));
	const v3 centre = body_point(ps, v->plate_x, v->plate_y, -0.006);
	const v3 cols[3] = {
		v3_mul(r, 0.001), v3_mul(u, -0.001),
		v3_sub(v3_add(centre, v3_sub(v3_mul(u, PLATE_H_M / 2), v3_mul(r, PLATE_W_M / 2))), cam->pos)
	};

	for (int j = 0; j < 3; j++) {
		const double z = v3_dot(cam->fwd, cols[j]);
		h[j] = cam->f * v3_dot(cam->right, cols[j]) + cam->cx * z;
		h[3 + j] = cam->f * v3_dot(cam->down, cols[j]) + cam->cy * z;
		h[6 + j] = z;
	}
}

static void map_h(const double h[9], double x, double y, double *u, double *v)
{
	const double w = h[6] * x + h[7] * y + h[8];

	*u = (h[0] * x + h[1] * y + h[2]) / w;
	*v = (h[3] * x + h[4] * y + h[5]) / w;
}

static void plate_quad(const double h[9], double q[4][2])
{
	map_h(h, 0, 0, &q[0][0], &q[0][1]);
	map_h(h, ANPR_PLATE_W_MM, 0, &q[1][0], &q[1][1]);
	map_h(h, ANPR_PLATE_W_MM, ANPR_PLATE_H_MM, &q[2][0], &q[2][1]);
	map_h(h, 0, ANPR_PLATE_H_MM, &q[3][0], &q[3][1]);
}

/* Fills b with vehicle v's polygons at time t, sorted for painting. */
static void build_vehicle(builder *b, const anpr_synth_clip *c, const vehicle *v, double t, bool ir,
			  face *faces)
{
	memset(b, 0, sizeof(*b));
	b->c = c;
	b->v = v;
	b->ir = ir;
	b->f = faces;
	b->minx = b->miny = 1e30;
	b->maxx = b->maxy = -1e30;
	vehicle_pose(v, t, &b->ps);
	b->fall = synth_max(0.5, synth_min(1.3, c->z_mid / synth_max(1.0, b->ps.z)));
	build_body(b);
	sort_faces(b->f, b->n);
}

/* ---- Ground truth from the geometry ---- */

/* Separating-axis test of two convex polygons. */
static bool convex_overlap(const double (*a)[2], int na, const double (*b)[2], int nb)
{
	for (int pass = 0; pass < 2; pass++) {
		const double(*p)[2] = pass ? b : a;
		const int np = pass ? nb : na;
		for (int i = 0; i < np; i++) {
			const double nx = -(p[(i + 1) % np][1] - p[i][1]), ny = p[(i + 1) % np][0] - p[i][0];
			double amin = 1e30, amax = -1e30, bmin = 1e30, bmax = -1e30;
			for (int k = 0; k < na; k++) {
				const double d = a[k][0] * nx + a[k][1] * ny;
				amin = synth_min(amin, d);
				amax = synth_max(amax, d);
			}
			for (int k = 0; k < nb; k++) {
				const double d = b[k][0] * nx + b[k][1] * ny;
				bmin = synth_min(bmin, d);
				bmax = synth_max(bmax, d);
			}
			if (amax <= bmin || bmax <= amin)
				return false;
		}
	}
	return true;
}

static anpr_err add_box(vehicle *v, int frame, const double q[4][2])
{
	if (v->n_boxes == v->cap_boxes) {
		const int cap = v->cap_boxes ? v->cap_boxes * 2 : 64;
		anpr_synth_clip_box *nb = realloc(v->boxes, (size_t)cap * sizeof(*nb));
		if (!nb)
			return ANPR_ERR_NOMEM;
		v->boxes = nb;
		v->cap_boxes = cap;
	}
	anpr_synth_clip_box *b = &v->boxes[v->n_boxes++];
	double minx = 1e30, maxx = -1e30, miny = 1e30, maxy = -1e30;
	b->frame = frame;
	for (int i = 0; i < 4; i++) {
		b->quad[i].x = (float)q[i][0];
		b->quad[i].y = (float)q[i][1];
		minx = synth_min(minx, q[i][0]);
		maxx = synth_max(maxx, q[i][0]);
		miny = synth_min(miny, q[i][1]);
		maxy = synth_max(maxy, q[i][1]);
	}
	b->box.x = (int)floor(minx);
	b->box.y = (int)floor(miny);
	b->box.width = (int)ceil(maxx) - b->box.x;
	b->box.height = (int)ceil(maxy) - b->box.y;
	b->width_px =
	    (hypot(q[1][0] - q[0][0], q[1][1] - q[0][1]) + hypot(q[2][0] - q[3][0], q[2][1] - q[3][1])) / 2;
	return ANPR_ERR_OK;
}

typedef struct active {
	int idx;
	double z;
} active;

/* Farthest first; the stream breaks ties so the order is total. */
static void sort_active(active *a, int n, const anpr_synth_clip *c)
{
	for (int i = 1; i < n; i++) {
		const active t = a[i];
		int j = i - 1;
		while (j >= 0 &&
		       (a[j].z < t.z || (a[j].z == t.z && c->v[a[j].idx].stream > c->v[t.idx].stream))) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = t;
	}
}

static int cmp_t_lo(const void *pa, const void *pb)
{
	const vehicle *a = pa, *b = pb;

	if (a->t_lo != b->t_lo)
		return a->t_lo < b->t_lo ? -1 : 1;
	return a->stream - b->stream;
}

/*
 * Walks every frame: which vehicles are drawn, where each plate is, and
 * whether it is inside the frame and clear of every nearer vehicle. The
 * vehicles end up in time order (by when they may first be seen).
 */
static anpr_err plan_truth(anpr_synth_clip *c)
{
	face *faces = malloc((size_t)MAX_ACTIVE * MAX_FACES * sizeof(*faces));
	builder *bs = malloc((size_t)MAX_ACTIVE * sizeof(*bs));
	active act[MAX_ACTIVE];
	double quads[MAX_ACTIVE][4][2];
	const double W = c->cfg.frame_w, H = c->cfg.frame_h;
	anpr_err err = ANPR_ERR_OK;

	if (!faces || !bs) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	/* When each may be in view: its face between just under the camera and past the far end of the road seen. */
	const double far_z = row_distance(&c->aim, 0, 0) + 4, near_z = 2.5;
	for (int i = 0; i < c->n; i++) {
		vehicle *v = &c->v[i];
		const double ta = v->t0 + (far_z - v->a) / (v->sigma * v->speed);
		const double tb = v->t0 + (near_z - v->a) / (v->sigma * v->speed);
		v->t_lo = synth_min(ta, tb);
		v->t_hi = synth_max(ta, tb);
	}
	qsort(c->v, (size_t)c->n, sizeof(*c->v), cmp_t_lo);
	int lo = 0;
	for (int frame = 0; frame < c->frames; frame++) {
		const double t = (double)frame / c->cfg.fps;
		int na = 0;
		while (lo < c->n && c->v[lo].t_hi < t)
			lo++;
		for (int i = lo; i < c->n && c->v[i].t_lo <= t && na < MAX_ACTIVE; i++) {
			if (c->v[i].t_hi < t)
				continue;
			act[na].idx = i;
			act[na].z = c->v[i].a + c->v[i].sigma * c->v[i].speed * (t - c->v[i].t0);
			na++;
		}
		sort_active(act, na, c);
		for (int k = 0; k < na; k++) {
			vehicle *v = &c->v[act[k].idx];
			double h[9];
			build_vehicle(&bs[k], c, v, t, false, faces + (size_t)k * MAX_FACES);
			plate_homography(c, v, &bs[k].ps, h);
			plate_quad(h, quads[k]);
			const builder *b = &bs[k];
			if (b->maxx > 0 && b->minx < W && b->maxy > 0 && b->miny < H) {
				if (v->draw_first < 0)
					v->draw_first = frame;
				v->draw_last = frame;
			}
		}
		for (int k = 0; k < na; k++) {
			vehicle *v = &c->v[act[k].idx];
			const double(*q)[2] = quads[k];
			double minx = 1e30, maxx = -1e30, miny = 1e30, maxy = -1e30;
			for (int i = 0; i < 4; i++) {
				minx = synth_min(minx, q[i][0]);
				maxx = synth_max(maxx, q[i][0]);
				miny = synth_min(miny, q[i][1]);
				maxy = synth_max(maxy, q[i][1]);
			}
			if (!(maxx > 0 && minx < W && maxy > 0 && miny < H))
				continue;
			if (v->plate_first < 0)
				v->plate_first = frame;
			v->plate_last = frame;
			if (minx < EDGE_PX || maxx > W - EDGE_PX || miny < EDGE_PX || maxy > H - EDGE_PX)
				continue;
			bool hidden = false;
			for (int j = k + 1; j < na && !hidden; j++) {
				const builder *o = &bs[j];
				if (o->maxx < minx || o->minx > maxx || o->maxy < miny || o->miny > maxy)
					continue;
				for (int fi = 0; fi < o->n && !hidden; fi++) {
					if (o->f[fi].solid)
						hidden = convex_overlap(
						    q, 4, (const double(*)[2])o->f[fi].pts, o->f[fi].n);
				}
			}
			if (hidden) {
				v->pub.hidden_frames++;
				continue;
			}
			err = add_box(v, frame, q);
			if (err)
				goto out;
		}
	}
	c->max_draw = 0;
	for (int i = 0; i < c->n; i++) {
		vehicle *v = &c->v[i];
		v->pub.seen_frames = v->n_boxes;
		if (v->n_boxes > 0) {
			v->pub.first_frame = v->boxes[0].frame;
			v->pub.last_frame = v->boxes[v->n_boxes - 1].frame;
			v->pub.min_width_px = 1e30;
			for (int k = 0; k < v->n_boxes; k++) {
				v->pub.min_width_px = synth_min(v->pub.min_width_px, v->boxes[k].width_px);
				v->pub.max_width_px = synth_max(v->pub.max_width_px, v->boxes[k].width_px);
			}
		}
		if (v->draw_first >= 0 && v->draw_last - v->draw_first + 1 > c->max_draw)
			c->max_draw = v->draw_last - v->draw_first + 1;
	}
out:
	free(faces);
	free(bs);
	return err;
}

static int cmp_appearance(const void *pa, const void *pb)
{
	const vehicle *a = pa, *b = pb;
	/* Never drawn (not expected) sorts last. */
	const int da = a->draw_first < 0 ? INT32_MAX : a->draw_first,
		  db = b->draw_first < 0 ? INT32_MAX : b->draw_first;

	if (da != db)
		return da < db ? -1 : 1;
	if (a->plate_first != b->plate_first)
		return a->plate_first < b->plate_first ? -1 : 1;
	return a->stream - b->stream;
}

/*
 * The look of every frame. Mixed: the camera may switch between colour and
 * IR in a gap between plates, never while one is in view, so every vehicle
 * is seen in one look (its coin decides, when it arrives after a gap).
 */
static void plan_looks(anpr_synth_clip *c)
{
	const bool all_ir = c->cfg.look == ANPR_SYNTH_LOOK_IR;
	bool ir = all_ir;
	int cur_end = -1, seg = 0;

	memset(c->frame_ir, all_ir, (size_t)c->frames);
	if (c->cfg.look == ANPR_SYNTH_LOOK_MIXED) {
		/* In order of their plates' appearance; vehicles are sorted by their bodies'. */
		int *order = malloc((size_t)c->n * sizeof(*order));
		int n = 0;
		for (int i = 0; order && i < c->n; i++) {
			if (c->v[i].plate_first >= 0)
				order[n++] = i;
		}
		for (int i = 1; order && i < n; i++) {
			const int t = order[i];
			int j = i - 1;
			while (j >= 0 && c->v[order[j]].plate_first > c->v[t].plate_first) {
				order[j + 1] = order[j];
				j--;
			}
			order[j + 1] = t;
		}
		for (int k = 0; order && k < n; k++) {
			const vehicle *v = &c->v[order[k]];
			const bool want = v->look_coin < 0.5;
			if (v->plate_first > cur_end && (k == 0 || want != ir)) {
				const int at = cur_end < 0 ? 0 : (cur_end + v->plate_first + 1) / 2;
				memset(c->frame_ir + seg, ir, (size_t)(at - seg));
				seg = at;
				ir = want;
			}
			if (v->plate_last > cur_end)
				cur_end = v->plate_last;
		}
		memset(c->frame_ir + seg, ir, (size_t)(c->frames - seg));
		free(order);
	}
	for (int i = 0; i < c->n; i++) {
		vehicle *v = &c->v[i];
		const int at = v->plate_first >= 0 ? v->plate_first : v->draw_first >= 0 ? v->draw_first : 0;
		v->pub.plate.ir = c->frame_ir[at] != 0;
		/* Headlamp glare is a night, oncoming hazard. */
		if (!(v->pub.towards && v->pub.plate.ir))
			v->pub.hard &= ~ANPR_SYNTH_HARD_GLARE;
	}
}

/* ---- The road ---- */

static double lattice(int64_t ix, int64_t iz, uint64_t seed)
{
	const uint64_t h =
	    anpr_rng_mix(seed ^ ((uint64_t)ix * 0x9E3779B97F4A7C15u) ^ ((uint64_t)iz * 0xC2B2AE3D27D4EB4Fu));

	return (double)(h >> 11) / 4503599627370496.0 - 1.0; /* [-1, 1) */
}

/* Smooth value noise in [-1, 1] over the road plane, cells `cell` metres wide. */
static double vnoise(double x, double z, double cell, uint64_t seed)
{
	const double fx = x / cell, fz = z / cell, x0 = floor(fx), z0 = floor(fz);
	const double tx = fx - x0, tz = fz - z0;
	const double sx = tx * tx * (3 - 2 * tx), sz = tz * tz * (3 - 2 * tz);
	const int64_t ix = (int64_t)x0, iz = (int64_t)z0;
	const double a = lattice(ix, iz, seed), b = lattice(ix + 1, iz, seed);
	const double c = lattice(ix, iz + 1, seed), d = lattice(ix + 1, iz + 1, seed);

	return (a + (b - a) * sx) * (1 - sz) + (c + (d - c) * sx) * sz;
}

/* The road's colour at (X, Z): asphalt with wheel tracks, UK lane markings, kerb and grass verge. */
static void road_colour(const anpr_synth_clip *c, double X, double Z, bool ir, double out[3])
{
	const double half = c->cfg.lanes * LANE_M / 2, ax = fabs(X);
	const uint64_t seed = c->seed_road;
	const double grain = lattice((int64_t)floor(X / 0.03), (int64_t)floor(Z / 0.03), seed ^ 1);
	const double mid = vnoise(X, Z, 0.8, seed ^ 2);
	const double fall = ir ? synth_max(0.35, synth_min(1.8, pow(c->z_mid / synth_max(Z, 1.0), 2))) : 1.0;

	if (ax > half + 0.45) {
		const double n = 0.6 * vnoise(X, Z, 0.35, seed ^ 3) + 0.4 * grain;
		for (int k = 0; k < 3; k++)
			out[k] = ir ? 105 * (1 + 0.15 * n) * fall : c->grass[k] * (1 + 0.18 * n);
		return;
	}
	if (ax > half + 0.3) {
		const double g = (ir ? 90 : 165) * (1 + 0.05 * grain + 0.04 * mid) * fall;
		out[0] = out[1] = out[2] = g;
		return;
	}
	double g = (ir ? 40 : c->road_grey) * (1 + 0.06 * mid + 0.06 * grain);
	/* Darker wheel tracks in each lane. */
	for (int l = 0; l < c->cfg.lanes; l++) {
		for (int s = -1; s <= 1; s += 2) {
			const double d = (X - c->lane_x[l] - s * 0.85) / 0.3;
			g *= 1 - 0.07 * exp(-d * d);
		}
	}
	/* Markings: solid edge lines, dashed lane lines (2 m in 9), longer dashes between opposite lanes. */
	bool paint = ax > half - 0.25 && ax < half - 0.1;
	for (int l = 1; l < c->cfg.lanes && !paint; l++) {
		const double lx = -half + l * LANE_M;
		if (fabs(X - lx) < 0.05) {
			const bool centre = c->lane_towards[l - 1] != c->lane_towards[l];
			paint = fmod(Z + c->dash_phase, 9.0) < (centre ? 4.0 : 2.0);
		}
	}
	if (paint)
		g = (ir ? 150 : 228) * (0.88 + 0.08 * mid + 0.04 * grain);
	g *= fall;
	out[0] = g - (ir ? 0 : c->road_tint);
	out[1] = g;
	out[2] = g + (ir ? 0 : c->road_tint);
}

/* The empty road as the camera sees it, 2x2 samples a pixel. */
static anpr_err make_background(const anpr_synth_clip *c, bool ir, anpr_image *img)
{
	const camera *cam = &c->cam;
	anpr_err err = anpr_image_alloc(img, c->cfg.frame_w, c->cfg.frame_h, 3);

	if (err)
		return err;
	for (int y = 0; y < img->height; y++) {
		uint8_t *p = synth_px(img, 0, y);
		for (int x = 0; x < img->width; x++, p += 3) {
			double acc[3] = { 0, 0, 0 };
			for (int s = 0; s < 4; s++) {
				const double u = (x + 0.25 + 0.5 * (s & 1) - cam->cx) / cam->f;
				const double v = (y + 0.25 + 0.5 * (s >> 1) - cam->cy) / cam->f;
				const v3 d =
				    v3_add(cam->fwd, v3_add(v3_mul(cam->right, u), v3_mul(cam->down, v)));
				double col[3];
				if (d.y > -1e-6) {
					/* Above the horizon (not with the default pitch): a grey sky. */
					col[0] = col[1] = col[2] = ir ? 20 : 200;
				} else {
					const double t = -cam->pos.y / d.y;
					road_colour(c, cam->pos.x + t * d.x, cam->pos.z + t * d.z, ir, col);
				}
				for (int k = 0; k < 3; k++)
					acc[k] += col[k] / 4;
			}
			for (int k = 0; k < 3; k++)
				p[k] = c->tone[ir][synth_clamp_u8(acc[k])];
		}
	}
	return ANPR_ERR_OK;
}

/* ---- Planning ---- */

static anpr_err check_cfg(const anpr_synth_clip_cfg *cfg, char *diag, size_t n)
{
	const char *why = NULL;

	if (cfg->frame_w < 64 || cfg->frame_w > ANPR_IMAGE_MAX_SIDE || cfg->frame_h < 64 ||
	    cfg->frame_h > ANPR_IMAGE_MAX_SIDE)
		why = "frame size outside 64..8192";
	else if (cfg->fps < 25 || cfg->fps > 60)
		why = "fps outside 25..60";
	else if (!(cfg->duration_s >= 0 && cfg->duration_s <= ANPR_SYNTH_CLIP_MAX_SECONDS))
		why = "duration outside 0..3600 s";
	else if (cfg->vehicles < 0 || cfg->vehicles > ANPR_SYNTH_CLIP_MAX_VEHICLES)
		why = "vehicles outside 0..10000";
	else if (cfg->vehicles == 0 && cfg->duration_s < 1.0 / cfg->fps)
		why = "neither a duration nor a number of vehicles";
	else if (cfg->lanes < 1 || cfg->lanes > 3)
		why = "lanes outside 1..3";
	else if ((unsigned)cfg->direction >= ANPR_SYNTH_DIRS || (unsigned)cfg->look >= ANPR_SYNTH_LOOKS)
		why = "unknown direction or look";
	else if (cfg->direction == ANPR_SYNTH_DIR_MIXED && cfg->lanes < 2)
		why = "mixed directions need 2 or 3 lanes";
	else if (!(cfg->hard_share >= 0 && cfg->hard_share <= 1) ||
		 !(cfg->foreign_share >= 0 && cfg->foreign_share <= 1))
		why = "a share outside 0..1";
	if (!why)
		return ANPR_ERR_OK;
	snprintf(diag, n, "%s", why);
	return ANPR_ERR_INVAL;
}

/* Camera, lanes, road and exposure: everything drawn once per clip. */
static void plan_clip(anpr_synth_clip *c)
{
	anpr_rng rng;
	const int W = c->cfg.frame_w, H = c->cfg.frame_h;
	const double pitch = CAM_PITCH_DEG * M_PI / 180;

	anpr_rng_seed(&rng, anpr_rng_derive(c->cfg.seed, (uint64_t)STREAM_CLIP << 48));
	const double f = solve_focal(W, H);
	camera_setup(&c->aim, f, W, H, 0, 0, pitch, 0);
	const double far_m = row_distance(&c->aim, AIM_PLATE_Y_M + PLATE_H_M / 2, 0);
	const double near_m = row_distance(&c->aim, AIM_PLATE_Y_M - PLATE_H_M / 2, H);
	c->z_mid = (far_m + near_m) / 2;
	/*
	 * One lane: on a pole at the nearside verge, 2 m from the lane's centre.
	 * More: on a cantilever over the carriageway, 0.4 m right of its centre
	 * (a frame 9.5 m wide where plates enter cannot see 3 lanes to the end).
	 */
	const double x = c->cfg.lanes == 1 ? 2.0 : 0.4;
	const double yaw = atan2(-x, c->z_mid);
	const double roll = anpr_rng_normal_clamped(&rng, 0, 0.8, -2, 2) * M_PI / 180;
	camera_setup(&c->cam, f, W, H, x, yaw, pitch, roll);
	const double half = c->cfg.lanes * LANE_M / 2;
	for (int l = 0; l < c->cfg.lanes; l++) {
		c->lane_x[l] = -half + (l + 0.5) * LANE_M;
		c->lane_towards[l] = c->cfg.direction == ANPR_SYNTH_DIR_TOWARDS ||
				     (c->cfg.direction == ANPR_SYNTH_DIR_MIXED && l >= c->cfg.lanes / 2);
	}
	for (int l = 0; l < 3; l++)
		c->lane_tail[l] = -log(1 - anpr_rng_unit(&rng));
	c->mean_mph = anpr_rng_range(&rng, 28, 60);
	c->exposure_s = anpr_rng_range(&rng, 1.0, 2.0) / 1000;
	c->noise_day = anpr_rng_range(&rng, 1.5, 3.5);
	c->noise_ir = anpr_rng_range(&rng, 3.0, 6.0);
	c->gain = anpr_rng_range(&rng, 0.92, 1.08);
	c->gamma = anpr_rng_range(&rng, 0.95, 1.05);
	c->ir_body = anpr_rng_range(&rng, 0.35, 0.6);
	for (int i = 0; i < 256; i++) {
		c->tone[0][i] = synth_clamp_u8(255.0 * pow(synth_min(1.0, c->gain * i / 255.0), c->gamma));
		c->tone[1][i] = (uint8_t)i; /* the IR flash is what exposes: no correction */
	}
	c->road_grey = anpr_rng_range(&rng, 88, 120);
	c->road_tint = anpr_rng_range(&rng, -4, 4);
	c->dash_phase = anpr_rng_range(&rng, 0, 9);
	c->grass[0] = synth_clamp_u8(anpr_rng_range(&rng, 50, 70));
	c->grass[1] = synth_clamp_u8(anpr_rng_range(&rng, 95, 125));
	c->grass[2] = synth_clamp_u8(anpr_rng_range(&rng, 65, 90));
	c->seed_road = anpr_rng_derive(c->cfg.seed, (uint64_t)STREAM_ROAD << 48);
	/* Plate textures at about twice the widest a plate gets, so warping only ever shrinks them. */
	c->tex_k = synth_max(0.5, synth_min(4.0, 2.0 * 265.0 * H / 1080.0 / ANPR_PLATE_W_MM));
	c->info.focal_px = f;
	c->info.height_m = CAM_HEIGHT_M;
	c->info.pitch_deg = CAM_PITCH_DEG;
	c->info.yaw_deg = yaw * 180 / M_PI;
	c->info.roll_deg = roll * 180 / M_PI;
	c->info.x_m = x;
	c->info.far_m = far_m;
	c->info.near_m = near_m;
	c->info.exposure_ms = c->exposure_s * 1000;
}

anpr_err anpr_synth_clip_plan(const anpr_synth_clip_cfg *cfg, anpr_synth_clip **out, char *diag,
			      size_t diag_len)
{
	anpr_synth_clip *c = NULL;
	char scratch[8];
	anpr_err err;

	if (!diag || diag_len == 0) {
		diag = scratch;
		diag_len = sizeof(scratch);
	}
	diag[0] = '\0';
	if (!cfg || !out)
		return ANPR_ERR_INVAL;
	*out = NULL;
	err = check_cfg(cfg, diag, diag_len);
	if (err)
		return err;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ANPR_ERR_NOMEM;
	c->cfg = *cfg;
	plan_clip(c);
	const bool derive_n = cfg->vehicles == 0, derive_d = cfg->duration_s == 0;
	int n = derive_n ? (int)synth_max(1, lround(cfg->duration_s / ANPR_SYNTH_CLIP_SECONDS_PER_VEHICLE))
			 : cfg->vehicles;
	n = n > ANPR_SYNTH_CLIP_MAX_VEHICLES ? ANPR_SYNTH_CLIP_MAX_VEHICLES : n;
	double duration = derive_d ? ANPR_SYNTH_CLIP_SECONDS_PER_VEHICLE * n : cfg->duration_s;
	c->v = calloc((size_t)n, sizeof(*c->v));
	if (!c->v) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		err = draw_vehicle(c, i, &c->v[i]);
		if (err)
			goto out;
	}
	for (;;) {
		double needed;
		if (schedule(c, n, duration, &needed))
			break;
		if (derive_d && needed + 0.1 <= ANPR_SYNTH_CLIP_MAX_SECONDS) {
			duration = ceil(needed * 10 + 1) / 10;
		} else if (derive_n && n > 1) {
			n--;
		} else {
			snprintf(diag, diag_len, "%d vehicle%s on %d lane%s need%s at least %.1f s", n,
				 n == 1 ? "" : "s", cfg->lanes, cfg->lanes == 1 ? "" : "s", n == 1 ? "s" : "",
				 needed);
			err = ANPR_ERR_RANGE;
			goto out;
		}
	}
	c->n = n;
	c->cfg.vehicles = n;
	c->cfg.duration_s = duration;
	c->frames = (int)synth_max(1, lround(duration * cfg->fps));
	c->frame_ir = malloc((size_t)c->frames);
	if (!c->frame_ir) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	err = plan_truth(c);
	if (err)
		goto out;
	qsort(c->v, (size_t)c->n, sizeof(*c->v), cmp_appearance);
	plan_looks(c);
	for (int ir = 0; ir < 2; ir++) {
		if (memchr(c->frame_ir, ir, (size_t)c->frames)) {
			err = make_background(c, ir != 0, &c->bg[ir]);
			if (err)
				goto out;
		}
	}
	*out = c;
	c = NULL;
out:
	anpr_synth_clip_free(c);
	return err;
}

void anpr_synth_clip_free(anpr_synth_clip *c)
{
	if (!c)
		return;
	for (int i = 0; c->v && i < c->n; i++)
		free(c->v[i].boxes);
	/* Vehicles drawn but dropped when they did not fit own no boxes yet. */
	free(c->v);
	free(c->frame_ir);
	anpr_image_free(&c->bg[0]);
	anpr_image_free(&c->bg[1]);
	free(c);
}

const anpr_synth_clip_cfg *anpr_synth_clip_config(const anpr_synth_clip *c)
{
	return &c->cfg;
}

int anpr_synth_clip_frames(const anpr_synth_clip *c)
{
	return c->frames;
}

int anpr_synth_clip_vehicle_count(const anpr_synth_clip *c)
{
	return c->n;
}

const anpr_synth_clip_vehicle *anpr_synth_clip_vehicle_at(const anpr_synth_clip *c, int i)
{
	return i >= 0 && i < c->n ? &c->v[i].pub : NULL;
}

int anpr_synth_clip_boxes(const anpr_synth_clip *c, int i, const anpr_synth_clip_box **boxes)
{
	if (i < 0 || i >= c->n) {
		*boxes = NULL;
		return 0;
	}
	*boxes = c->v[i].boxes;
	return c->v[i].n_boxes;
}

bool anpr_synth_clip_extent_(const anpr_synth_clip *c, int i, int frame, double *z_near, double *z_far)
{
	if (i < 0 || i >= c->n || frame < c->v[i].draw_first || frame > c->v[i].draw_last)
		return false;
	const vehicle *v = &c->v[i];
	const double t = (double)frame / c->cfg.fps;
	*z_near = v->a + v->sigma * v->speed * (t - v->t0);
	*z_far = *z_near + v->length;
	return true;
}

void anpr_synth_clip_camera_get(const anpr_synth_clip *c, anpr_synth_clip_camera *out)
{
	*out = c->info;
}

bool anpr_synth_clip_frame_ir(const anpr_synth_clip *c, int frame)
{
	return frame >= 0 && frame < c->frames && c->frame_ir[frame];
}

anpr_err anpr_synth_clip_background(const anpr_synth_clip *c, bool ir, anpr_image *out)
{
	if (!c || !out)
		return ANPR_ERR_INVAL;
	if (!c->bg[ir].data)
		return make_background(c, ir, out);
	return anpr_image_copy(&c->bg[ir], out);
}

/* ---- Rendering ---- */

typedef struct tex_entry {
	int vehicle; /* -1: free */
	bool ir;
	anpr_image img;
} tex_entry;

#define NOISE_LEN ((size_t)1 << 18)

struct anpr_synth_clip_renderer {
	const anpr_synth_clip *c;
	anpr_synth *s;
	tex_entry tex[TEX_CACHE];
	anpr_image small, warped, blur;
	face faces[MAX_FACES];
	/* Sensor noise, day (per channel) and IR (the same on the three channels), with room for a row past the end. */
	int16_t *noise[2];
};

/*
 * Gaussian noise of sigma grey levels, from a 4096-entry table (12 random
 * bits a sample). Every renderer of a plan makes the same buffer; frames
 * differ by where each row's slice of it starts.
 */
static int16_t *make_noise(const anpr_synth_clip *c, double sigma, bool mono)
{
	const size_t extra = (size_t)ANPR_IMAGE_MAX_SIDE * 3;
	int16_t *buf = malloc((NOISE_LEN + extra) * sizeof(*buf));
	int16_t table[4096];
	anpr_rng rng;

	if (!buf)
		return NULL;
	anpr_rng_seed(&rng,
		      anpr_rng_derive(c->cfg.seed, ((uint64_t)STREAM_NOISE << 48) ^ 0xFFFFFFFFu ^ mono));
	for (int i = 0; i < 4096; i++)
		table[i] = (int16_t)lround(synth_max(-255, synth_min(255, anpr_rng_normal(&rng, 0, sigma))));
	for (size_t i = 0; i < NOISE_LEN; i += 15) {
		uint64_t bits = anpr_rng_next(&rng);
		for (size_t j = 0; j < 15 && i + j < NOISE_LEN; j += mono ? 3 : 1, bits >>= 12) {
			const int16_t v = table[bits & 4095];
			buf[i + j] = v;
			if (mono) {
				buf[i + j + 1] = v;
				buf[i + j + 2] = v;
			}
		}
	}
	memcpy(buf + NOISE_LEN, buf, extra * sizeof(*buf));
	return buf;
}

/*
 * Pixel loops run in blocks of a fixed length: GCC's -O2 vectorises a loop
 * only when its trip count is a known multiple of the vector width.
 */
#define BLOCK 64

static void add_row_noise(uint8_t *restrict p, const int16_t *restrict d, size_t n)
{
	size_t i = 0;

	for (; i + BLOCK <= n; i += BLOCK) {
		for (size_t j = i; j < i + BLOCK; j++) {
			const int v = p[j] + d[j];
			p[j] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
	}
	for (; i < n; i++) {
		const int v = p[i] + d[i];
		p[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
}

static void add_row_u8(uint16_t *restrict acc, const uint8_t *restrict src, int n)
{
	int i = 0;

	for (; i + BLOCK <= n; i += BLOCK) {
		for (int j = i; j < i + BLOCK; j++)
			acc[j] += src[j];
	}
	for (; i < n; i++)
		acc[i] += src[i];
}

static void scale_row(uint8_t *restrict p, const uint16_t *restrict acc, int lo, int hi, uint32_t recip)
{
	int i = lo;

	for (; i + BLOCK <= hi; i += BLOCK) {
		for (int j = i; j < i + BLOCK; j++)
			p[j] = (uint8_t)((acc[j] * recip + 32768) >> 16);
	}
	for (; i < hi; i++)
		p[i] = (uint8_t)((acc[i] * recip + 32768) >> 16);
}

/* Adds a slice of the noise buffer to each row. */
static void add_noise(const int16_t *noise, anpr_image *img, uint64_t seed, bool mono)
{
	const size_t n = (size_t)img->width * 3;
	anpr_rng rng;

	anpr_rng_seed(&rng, seed);
	for (int y = 0; y < img->height; y++) {
		size_t off = anpr_rng_next(&rng) % NOISE_LEN;
		if (mono)
			off -= off % 3; /* keep the three channels of a pixel equal */
		add_row_noise(synth_px(img, 0, y), noise + off, n);
	}
}

anpr_err anpr_synth_clip_renderer_open(const anpr_synth_clip *c, anpr_synth_clip_renderer **out)
{
	anpr_synth_clip_renderer *r;
	anpr_err err;

	if (!c || !out)
		return ANPR_ERR_INVAL;
	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ANPR_ERR_NOMEM;
	r->c = c;
	for (int i = 0; i < TEX_CACHE; i++)
		r->tex[i].vehicle = -1;
	r->noise[0] = make_noise(c, c->noise_day, false);
	r->noise[1] = make_noise(c, c->noise_ir, true);
	err = r->noise[0] && r->noise[1] ? anpr_synth_open(NULL, &r->s) : ANPR_ERR_NOMEM;
	if (err) {
		anpr_synth_clip_renderer_close(r);
		return err;
	}
	*out = r;
	return ANPR_ERR_OK;
}

void anpr_synth_clip_renderer_close(anpr_synth_clip_renderer *r)
{
	if (!r)
		return;
	for (int i = 0; i < TEX_CACHE; i++)
		anpr_image_free(&r->tex[i].img);
	anpr_image_free(&r->small);
	anpr_image_free(&r->warped);
	anpr_image_free(&r->blur);
	anpr_synth_close(r->s);
	free(r->noise[0]);
	free(r->noise[1]);
	free(r);
}

/* The country's code in the band of a foreign plate, over the GB the renderer drew. */
static anpr_err foreign_band(anpr_synth *s, const vehicle *v, bool ir, double k, anpr_image *img)
{
	const size_t nf = sizeof(k_foreign) / sizeof(k_foreign[0]);
	const char *code = "EU";
	uint8_t bg[3] = { 153, 51, 0 }, ink[3] = { 255, 255, 255 };

	for (size_t i = 0; i < nf; i++) {
		if (strcmp(k_foreign[i].country, v->pub.country) == 0)
			code = k_foreign[i].code;
	}
	if (ir) {
		memset(bg, 185, 3);
		memset(ink, 230, 3);
	}
	anpr_synth_rect_(img, 0, 49 * k, ANPR_PLATE_BAND_MM * k, ANPR_PLATE_H_MM * k, bg, 1.0);
	double cap = 24 * k;
	const double w = anpr_synth_text_width_(s, v->pub.plate.font, code, cap, 1.0);
	if (w > 40 * k)
		cap *= 40 * k / w;
	const double tw = anpr_synth_text_width_(s, v->pub.plate.font, code, cap, 1.0);
	return anpr_synth_text_(s, img, v->pub.plate.font, code, (ANPR_PLATE_BAND_MM * k - tw) / 2,
				62 * k + (24 * k - cap) / 2, cap, 1.0, 0, ink, 1.0, NULL);
}

/* A vehicle's plate as it is on the vehicle: rendered once at c->tex_k, with its band, occluder and light. */
static anpr_err make_texture(anpr_synth_clip_renderer *r, const vehicle *v, bool ir, anpr_image *img)
{
	const double k = r->c->tex_k;
	anpr_synth_plate p = v->pub.plate;
	anpr_err err;

	p.ir = ir;
	err = anpr_synth_render_plate(r->s, &p, k, img);
	if (!err && v->pub.foreign)
		err = foreign_band(r->s, v, ir, k, img);
	if (err)
		return err;
	if (v->occ_kind != OCC_NONE) {
		const anpr_synth_box *b = &v->occ;
		uint8_t c1[3], c2[3];
		memcpy(c1, v->occ_bgr, 3);
		if (ir)
			memset(c1, synth_clamp_u8(0.6 * c1[1]), 3);
		for (int i = 0; i < 3; i++)
			c2[i] = synth_clamp_u8(c1[i] * 0.55);
		if (v->occ_kind == OCC_BLOB) {
			anpr_point e[16];
			anpr_synth_ellipse_pts_(e, 16, (b->x + b->w / 2) * k, (b->y + b->h / 2) * k,
						b->w / 2 * k, b->h / 2 * k, 0);
			anpr_synth_convex_(img, e, 16, c1, c1, 0, 0, 1.0);
		} else {
			/* Lit from above: lighter at the top. */
			const anpr_point q[4] = { { (float)(b->x * k), (float)(b->y * k) },
						  { (float)((b->x + b->w) * k), (float)(b->y * k) },
						  { (float)((b->x + b->w) * k), (float)((b->y + b->h) * k) },
						  { (float)(b->x * k), (float)((b->y + b->h) * k) } };
			anpr_synth_convex_(img, q, 4, c1, c2, 0, img->height, 1.0);
		}
	}
	{
		/* The plate's light (day) and the camera's tone curve. */
		uint8_t lut[256];
		for (int i = 0; i < 256; i++)
			lut[i] = r->c->tone[ir][synth_clamp_u8(i * (ir ? 1.0 : v->plate_gain))];
		for (int y = 0; y < img->height; y++) {
			uint8_t *q = synth_px(img, 0, y);
			for (int x = 0; x < img->width * 3; x++)
				q[x] = lut[q[x]];
		}
	}
	return ANPR_ERR_OK;
}

/* The cached texture of vehicle vi, rendering it when missing; evicts vehicles already gone by this frame. */
static anpr_err get_texture(anpr_synth_clip_renderer *r, int vi, bool ir, int frame, const anpr_image **out)
{
	const anpr_synth_clip *c = r->c;
	int slot = -1, oldest = -1;

	for (int i = 0; i < TEX_CACHE; i++) {
		const tex_entry *e = &r->tex[i];
		if (e->vehicle == vi && e->ir == ir) {
			*out = &e->img;
			return ANPR_ERR_OK;
		}
		if (e->vehicle < 0 || c->v[e->vehicle].draw_last < frame)
			slot = i;
		else if (oldest < 0 || e->vehicle < r->tex[oldest].vehicle)
			oldest = i;
	}
	if (slot < 0)
		slot = oldest;
	tex_entry *e = &r->tex[slot];
	e->vehicle = -1;
	anpr_err err = make_texture(r, &c->v[vi], ir, &e->img);
	if (err)
		return err;
	e->vehicle = vi;
	e->ir = ir;
	*out = &e->img;
	return ANPR_ERR_OK;
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

/*
 * Warps the plate texture onto its place in the frame (hm: plate millimetres
 * to pixels) and blends it in with antialiased edges. The texture is first
 * shrunk to about the plate's size on screen (area averaging), so the warp's
 * bilinear sampling never skips texels.
 */
static anpr_err draw_plate(anpr_synth_clip_renderer *r, anpr_image *f, const anpr_image *tex,
			   const double hm[9])
{
	double q[4][2], hp[9], inv[9];
	anpr_point src[4];
	anpr_err err;

	plate_quad(hm, q);
	const double sw = synth_max(hypot(q[1][0] - q[0][0], q[1][1] - q[0][1]),
				    hypot(q[2][0] - q[3][0], q[2][1] - q[3][1]));
	const double sh = synth_max(hypot(q[3][0] - q[0][0], q[3][1] - q[0][1]),
				    hypot(q[2][0] - q[1][0], q[2][1] - q[1][1]));
	const anpr_image *img = tex;
	if (tex->width > 1.4 * sw + 2) {
		const int w = (int)ceil(sw * 1.2) + 2, h = (int)ceil(synth_max(sh, sw * 0.1) * 1.2) + 2;
		err =
		    anpr_cv_resize(tex, &r->small, w, h < tex->height ? h : tex->height, ANPR_CV_INTER_AREA);
		if (err)
			return err;
		img = &r->small;
	}
	/* Texture pixels (edge coordinates) to plate millimetres, then through hm. */
	const double mx = ANPR_PLATE_W_MM / img->width, my = ANPR_PLATE_H_MM / img->height;
	for (int i = 0; i < 3; i++) {
		hp[i * 3] = hm[i * 3] * mx;
		hp[i * 3 + 1] = hm[i * 3 + 1] * my;
		hp[i * 3 + 2] = hm[i * 3 + 2];
	}
	if (!inverse3(hp, inv))
		return ANPR_ERR_INTERNAL;
	double minx = 1e30, maxx = -1e30, miny = 1e30, maxy = -1e30;
	for (int i = 0; i < 4; i++) {
		minx = synth_min(minx, q[i][0]);
		maxx = synth_max(maxx, q[i][0]);
		miny = synth_min(miny, q[i][1]);
		maxy = synth_max(maxy, q[i][1]);
	}
	const int x0 = (int)synth_max(0, floor(minx)), y0 = (int)synth_max(0, floor(miny));
	const int x1 = (int)synth_min(f->width, ceil(maxx)), y1 = (int)synth_min(f->height, ceil(maxy));
	if (x1 - x0 < 2 || y1 - y0 < 2)
		return ANPR_ERR_OK;
	const double fx[4] = { x0 + 0.5, x1 - 0.5, x1 - 0.5, x0 + 0.5 };
	const double fy[4] = { y0 + 0.5, y0 + 0.5, y1 - 0.5, y1 - 0.5 };
	for (int i = 0; i < 4; i++) {
		const double w = inv[6] * fx[i] + inv[7] * fy[i] + inv[8];
		src[i].x = (float)((inv[0] * fx[i] + inv[1] * fy[i] + inv[2]) / w - 0.5);
		src[i].y = (float)((inv[3] * fx[i] + inv[4] * fy[i] + inv[5]) / w - 0.5);
	}
	err = anpr_cv_warp_quad(img, src, &r->warped, x1 - x0, y1 - y0, ANPR_CV_INTER_LINEAR);
	if (err)
		return err;
	/* Edge lines n.p + c >= 0 inside, |n| = 1: coverage from the distance to the nearest edge. */
	double nx[4], ny[4], nc[4], area = 0;
	for (int i = 0; i < 4; i++)
		area += q[i][0] * q[(i + 1) % 4][1] - q[(i + 1) % 4][0] * q[i][1];
	const double sgn = area > 0 ? 1.0 : -1.0;
	for (int i = 0; i < 4; i++) {
		const double ex = q[(i + 1) % 4][0] - q[i][0], ey = q[(i + 1) % 4][1] - q[i][1];
		const double len = synth_max(1e-9, hypot(ex, ey));
		nx[i] = -ey / len * sgn;
		ny[i] = ex / len * sgn;
		nc[i] = -(nx[i] * q[i][0] + ny[i] * q[i][1]);
	}
	for (int y = y0; y < y1; y++) {
		const uint8_t *w = synth_px(&r->warped, 0, y - y0);
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
				memcpy(p, w, 3);
			} else {
				for (int k = 0; k < 3; k++)
					p[k] = (uint8_t)(p[k] + (w[k] - p[k]) * a + 0.5);
			}
		}
	}
	return ANPR_ERR_OK;
}

/* Veiling glare around a lit lamp: pulled towards white, strongest in the middle. */
static void draw_glare(anpr_image *f, double gx, double gy, double r, double strength)
{
	const int x0 = (int)synth_max(0, floor(gx - r)), x1 = (int)synth_min(f->width - 1, ceil(gx + r));
	const int y0 = (int)synth_max(0, floor(gy - r)), y1 = (int)synth_min(f->height - 1, ceil(gy + r));

	if (r < 1)
		return;
	for (int y = y0; y <= y1; y++) {
		uint8_t *p = synth_px(f, x0, y);
		for (int x = x0; x <= x1; x++, p += 3) {
			const double dx = x + 0.5 - gx, dy = y + 0.5 - gy, d = sqrt(dx * dx + dy * dy) / r;
			if (d >= 1)
				continue;
			const double a = strength * (1 - d) * (1 - d);
			for (int k = 0; k < 3; k++)
				p[k] = (uint8_t)(p[k] + (255 - p[k]) * a + 0.5);
		}
	}
}

/*
 * Motion blur over a vehicle's region: the average of copies shifted along
 * (dx, dy), its image motion during the exposure, feathered at the region's
 * border. The road inside the region is smeared too; at a few pixels along
 * the road it does not show.
 */
static anpr_err motion_blur(anpr_synth_clip_renderer *r, anpr_image *f, anpr_rect reg, double dx, double dy)
{
	const double len = synth_min(hypot(dx, dy), 40.0);
	const int taps = (int)ceil(len) + 1;
	uint16_t acc[ANPR_IMAGE_MAX_SIDE * 3];
	int dxs[42], dys[42];
	anpr_image view = { 0 };
	anpr_err err;

	if (reg.x < 0) {
		reg.width += reg.x;
		reg.x = 0;
	}
	if (reg.y < 0) {
		reg.height += reg.y;
		reg.y = 0;
	}
	reg.width = reg.x + reg.width > f->width ? f->width - reg.x : reg.width;
	reg.height = reg.y + reg.height > f->height ? f->height - reg.y : reg.height;
	if (reg.width < 2 || reg.height < 2 || taps < 2)
		return ANPR_ERR_OK;
	err = anpr_image_view(f, reg, &view);
	if (!err)
		err = anpr_image_copy(&view, &r->blur);
	if (err)
		return err;
	const double scale = len > 0 ? 1.0 / len : 0;
	for (int t = 0; t < taps; t++) {
		const double s = -len / 2 + len * t / (taps - 1);
		dxs[t] = (int)lround(s * dx * scale);
		dys[t] = (int)lround(s * dy * scale);
	}
	const int n = reg.width * 3;
	const int feather = (int)ceil(len) + 2;
	const uint32_t recip = (uint32_t)(65536 / taps);
	for (int y = 0; y < reg.height; y++) {
		memset(acc, 0, (size_t)n * sizeof(acc[0]));
		for (int t = 0; t < taps; t++) {
			const int sy = y + dys[t] < 0             ? 0
				       : y + dys[t] >= reg.height ? reg.height - 1
								  : y + dys[t];
			const uint8_t *src = synth_px(&r->blur, 0, sy);
			const int d = dxs[t] * 3;
			const int lo = d < 0 ? -d : 0, hi = d > 0 ? n - d : n;
			if (hi > lo)
				add_row_u8(acc + lo, src + lo + d, hi - lo);
			for (int i = 0; i < lo && i < n; i++)
				acc[i] += src[i % 3];
			for (int i = hi > 0 ? hi : 0; i < n; i++)
				acc[i] += src[n - 3 + i % 3];
		}
		uint8_t *p = synth_px(f, reg.x, reg.y + y);
		const int ey = y < reg.height - 1 - y ? y : reg.height - 1 - y;
		/* Inside, the average itself; a border `feather` wide fades it in so no seam shows. */
		const bool inside = ey >= feather && reg.width > 2 * feather;
		const int in0 = inside ? feather : reg.width, in1 = inside ? reg.width - feather : reg.width;
		scale_row(p, acc, 3 * in0, 3 * in1, recip);
		for (int x = 0; x < reg.width; x++) {
			if (x == in0)
				x = in1;
			if (x >= reg.width)
				break;
			const int e = ey < x ? ey : x < reg.width - 1 - x ? x : reg.width - 1 - x;
			const double a = synth_min(1.0, (double)(e < 0 ? 0 : e) / feather);
			for (int k = 0; k < 3; k++) {
				const double blurred = (double)acc[3 * x + k] / taps;
				p[3 * x + k] = synth_clamp_u8(p[3 * x + k] + (blurred - p[3 * x + k]) * a);
			}
		}
	}
	anpr_image_free(&view);
	return ANPR_ERR_OK;
}

static anpr_err draw_vehicle_px(anpr_synth_clip_renderer *r, int vi, int frame, bool ir, anpr_image *f)
{
	const anpr_synth_clip *c = r->c;
	const vehicle *v = &c->v[vi];
	const double t = (double)frame / c->cfg.fps;
	builder b;
	double hm[9];
	const anpr_image *tex;
	anpr_err err;

	build_vehicle(&b, c, v, t, ir, r->faces);
	for (int i = 0; i < b.n; i++) {
		const face *fc = &b.f[i];
		anpr_point pts[16];
		double y0 = 1e30, y1 = -1e30;
		for (int k = 0; k < fc->n; k++) {
			pts[k].x = (float)fc->pts[k][0];
			pts[k].y = (float)fc->pts[k][1];
			y0 = synth_min(y0, fc->pts[k][1]);
			y1 = synth_max(y1, fc->pts[k][1]);
		}
		anpr_synth_convex_(f, pts, fc->n, fc->top, fc->bottom, y0, y1, fc->alpha);
	}
	err = get_texture(r, vi, ir, frame, &tex);
	if (err)
		return err;
	plate_homography(c, v, &b.ps, hm);
	err = draw_plate(r, f, tex, hm);
	if (err)
		return err;
	/* Blur by how far the plate moves in the image while the shutter is open. */
	pose before;
	double hb[9], u0, v0, u1, v1;
	vehicle_pose(v, t - c->exposure_s, &before);
	plate_homography(c, v, &before, hb);
	map_h(hm, ANPR_PLATE_W_MM / 2, ANPR_PLATE_H_MM / 2, &u1, &v1);
	map_h(hb, ANPR_PLATE_W_MM / 2, ANPR_PLATE_H_MM / 2, &u0, &v0);
	if (hypot(u1 - u0, v1 - v0) >= 0.6) {
		const int pad = (int)ceil(hypot(u1 - u0, v1 - v0)) + 4;
		const anpr_rect reg = { (int)floor(b.minx) - pad, (int)floor(b.miny) - pad,
					(int)ceil(b.maxx - b.minx) + 2 * pad,
					(int)ceil(b.maxy - b.miny) + 2 * pad };
		err = motion_blur(r, f, reg, u1 - u0, v1 - v0);
		if (err)
			return err;
	}
	/* At night the headlamps of oncoming vehicles bloom; a hard case reaches the plate. */
	if (ir && v->pub.towards) {
		for (int s = -1; s <= 1; s += 2) {
			const double lu =
			    s * (v->width / 2 - v->lamp_inset - v->lamp_w / 2) + s * v->lamp_w * 0.12;
			double gx, gy;
			const double depth = project(&c->cam, body_point(&b.ps, lu, v->lamp_y, 0), &gx, &gy);
			draw_glare(f, gx, gy, v->glare_r * c->cam.f / depth, v->glare);
		}
	}
	return ANPR_ERR_OK;
}

anpr_err anpr_synth_clip_render(anpr_synth_clip_renderer *r, int frame, anpr_image *out)
{
	active act[MAX_ACTIVE];
	int na = 0;
	anpr_err err;

	if (!r || !out || frame < 0 || frame >= r->c->frames)
		return ANPR_ERR_INVAL;
	const anpr_synth_clip *c = r->c;
	const bool ir = c->frame_ir[frame] != 0;
	const double t = (double)frame / c->cfg.fps;
	err = anpr_image_copy(&c->bg[ir], out);
	if (err)
		return err;
	/* Vehicles are in order of draw_first: the ones of this frame started at most max_draw frames ago. */
	int lo = 0, hi = c->n;
	while (lo < hi) {
		const int mid = (lo + hi) / 2;
		/* Never drawn (draw_first -1) sorts last. */
		if (c->v[mid].draw_first >= 0 && c->v[mid].draw_first < frame - c->max_draw)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int i = lo;
	     i < c->n && c->v[i].draw_first >= 0 && c->v[i].draw_first <= frame && na < MAX_ACTIVE; i++) {
		const vehicle *v = &c->v[i];
		if (v->draw_last < frame)
			continue;
		act[na].idx = i;
		act[na].z = v->a + v->sigma * v->speed * (t - v->t0);
		na++;
	}
	sort_active(act, na, c);
	for (int k = 0; k < na; k++) {
		err = draw_vehicle_px(r, act[k].idx, frame, ir, out);
		if (err)
			return err;
	}
	add_noise(r->noise[ir], out,
		  anpr_rng_derive(c->cfg.seed, ((uint64_t)STREAM_NOISE << 48) ^ (uint64_t)frame), ir);
	return ANPR_ERR_OK;
}

/* ---- Ground truth file ---- */

static const char *hard_kind_name(unsigned bit)
{
	switch (bit) {
	case ANPR_SYNTH_HARD_DIRT:
		return "dirt";
	case ANPR_SYNTH_HARD_OCCLUDER:
		return "occluder";
	case ANPR_SYNTH_HARD_TILT:
		return "tilt";
	case ANPR_SYNTH_HARD_CLOSE:
		return "close";
	case ANPR_SYNTH_HARD_GLARE:
		return "glare";
	default:
		return "unknown";
	}
}

static long frame_ms(const anpr_synth_clip *c, int frame)
{
	return frame < 0 ? -1 : lround(frame * 1000.0 / c->cfg.fps);
}

anpr_err anpr_synth_clip_write_truth(const anpr_synth_clip *c, FILE *f)
{
	bool ok = true;

	if (!c || !f)
		return ANPR_ERR_INVAL;
	/* The header (docs/clip-format.md): what a reader of the sidecar checks the video against. */
	const anpr_synth_clip_camera *cam = &c->info;
	ok = fprintf(f,
		     "{\"clip_truth\":1,\"generator\":\"anpr-synth clip\",\"fps\":%d,\"frames\":%d,"
		     "\"width\":%d,\"height\":%d,\"start_utc\":null,\"vehicles\":%d,\"look\":\"%s\","
		     "\"camera\":{\"height_m\":%.2f,\"pitch_deg\":%.2f,\"yaw_deg\":%.2f,\"roll_deg\":%.2f,"
		     "\"focal_px\":%.1f,\"x_m\":%.2f,\"far_m\":%.2f,\"near_m\":%.2f,\"exposure_ms\":%.2f},"
		     "\"lanes\":[",
		     c->cfg.fps, c->frames, c->cfg.frame_w, c->cfg.frame_h, c->n,
		     anpr_synth_clip_look_name(c->cfg.look), cam->height_m, cam->pitch_deg, cam->yaw_deg,
		     cam->roll_deg, cam->focal_px, cam->x_m, cam->far_m, cam->near_m, cam->exposure_ms) > 0;
	for (int l = 0; ok && l < c->cfg.lanes; l++)
		ok = fprintf(f, "%s{\"lane\":%d,\"direction\":\"%s\",\"width_m\":%.2f}", l ? "," : "", l + 1,
			     c->lane_towards[l] ? "towards" : "away", LANE_M) > 0;
	ok = ok && fputs("]}\n", f) >= 0;
	for (int i = 0; ok && i < c->n; i++) {
		const vehicle *v = &c->v[i];
		const anpr_synth_clip_vehicle *p = &v->pub;
		ok =
		    fprintf(
			f,
			"{\"vehicle\":%d,\"vrm\":\"%s\",\"display\":\"%s\",\"format\":\"%s\",\"country\":\"%"
			"s\","
			"\"lane\":%d,\"direction\":\"%s\",\"speed_mph\":%.1f,\"body\":\"%s\",\"look\":\"%s\","
			"\"plate\":\"%s\",\"first_frame\":%d,\"last_frame\":%d,\"first_ms\":%ld,\"last_ms\":%"
			"ld,"
			"\"seen_frames\":%d,\"hidden_frames\":%d,\"width_px\":[%.1f,%.1f],\"headway_s\":%.2f,"
			"\"dirt\":%.2f,\"foreign\":%s,\"hard\":%s,\"hard_kinds\":[",
			i, p->plate.vrm.text, p->display, p->format, p->country, p->lane,
			p->towards ? "towards" : "away", p->speed_mph, p->body, p->plate.ir ? "ir" : "day",
			p->plate.rear ? "yellow" : "white", p->first_frame, p->last_frame,
			frame_ms(c, p->first_frame), frame_ms(c, p->last_frame), p->seen_frames,
			p->hidden_frames, p->min_width_px, p->max_width_px, p->headway_s, p->plate.dirt,
			p->foreign ? "true" : "false", p->hard ? "true" : "false") > 0;
		bool first = true;
		for (unsigned bit = 1; ok && bit <= ANPR_SYNTH_HARD_GLARE; bit <<= 1) {
			if (p->hard & bit) {
				ok = fprintf(f, "%s\"%s\"", first ? "" : ",", hard_kind_name(bit)) > 0;
				first = false;
			}
		}
		ok = ok && fputs("],\"boxes\":[", f) >= 0;
		for (int k = 0; ok && k < v->n_boxes; k++) {
			const anpr_synth_clip_box *b = &v->boxes[k];
			ok = fprintf(f, "%s[%d,%d,%d,%d,%d]", k ? "," : "", b->frame, b->box.x, b->box.y,
				     b->box.width, b->box.height) > 0;
		}
		ok = ok && fputs("]}\n", f) >= 0;
	}
	return ok ? ANPR_ERR_OK : ANPR_ERR_IO;
}

/* ---- Writing the video: workers render, the caller writes in order ---- */

typedef struct slot {
	anpr_image img;
	int frame;
	bool ready;
} slot;

typedef struct writer_job {
	const anpr_synth_clip *c;
	pthread_mutex_t lock;
	pthread_cond_t changed; /* a slot became ready or free, or the run stopped */
	slot *slots;
	int n_slots;
	int next;    /* next frame to claim */
	int written; /* frames written */
	bool stop;
	anpr_err err; /* the first failure */
	int64_t render_ns;
} writer_job;

static void job_fail(writer_job *j, anpr_err err)
{
	pthread_mutex_lock(&j->lock);
	if (!j->err)
		j->err = err;
	j->stop = true;
	pthread_cond_broadcast(&j->changed);
	pthread_mutex_unlock(&j->lock);
}

static void *render_worker(void *arg)
{
	writer_job *j = arg;
	anpr_synth_clip_renderer *r = NULL;
	anpr_err err = anpr_synth_clip_renderer_open(j->c, &r);

	if (err) {
		job_fail(j, err);
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&j->lock);
		/* Frame i goes to slot i % n_slots, free once frame i - n_slots is written. */
		while (!j->stop && j->next < j->c->frames && j->next - j->written >= j->n_slots)
			pthread_cond_wait(&j->changed, &j->lock);
		if (j->stop || j->next >= j->c->frames) {
			pthread_mutex_unlock(&j->lock);
			break;
		}
		const int i = j->next++;
		slot *s = &j->slots[i % j->n_slots];
		pthread_mutex_unlock(&j->lock);
		const int64_t t0 = anpr_clock_mono_ns();
		err = anpr_synth_clip_render(r, i, &s->img);
		const int64_t t1 = anpr_clock_mono_ns();
		if (err) {
			job_fail(j, err);
			break;
		}
		pthread_mutex_lock(&j->lock);
		s->frame = i;
		s->ready = true;
		j->render_ns += t1 - t0;
		pthread_cond_broadcast(&j->changed);
		pthread_mutex_unlock(&j->lock);
	}
	anpr_synth_clip_renderer_close(r);
	return NULL;
}

anpr_err anpr_synth_clip_write_video(const anpr_synth_clip *c, const char *path, int jobs,
				     anpr_synth_clip_frame_fn fn, void *ctx, anpr_synth_clip_stats *st)
{
	const char *fourcc = anpr_synth_clip_fourcc(path);
	pthread_t threads[64];
	anpr_video_writer *w = NULL;
	writer_job j;
	int started = 0;
	int64_t write_ns = 0;
	anpr_err err;

	if (!c || !fourcc || jobs < 1 || jobs > 64)
		return ANPR_ERR_INVAL;
	const int64_t t_start = anpr_clock_mono_ns();
	err = anpr_video_create(path, fourcc, c->cfg.fps, c->cfg.frame_w, c->cfg.frame_h, &w);
	if (err)
		return err;
	memset(&j, 0, sizeof(j));
	j.c = c;
	j.n_slots = 2 * jobs;
	j.slots = calloc((size_t)j.n_slots, sizeof(*j.slots));
	if (!j.slots) {
		const anpr_err ignored = anpr_video_finish(w); /* the run failed already */
		(void)ignored;
		return ANPR_ERR_NOMEM;
	}
	pthread_mutex_init(&j.lock, NULL);
	pthread_cond_init(&j.changed, NULL);
	for (int i = 0; i < jobs; i++) {
		if (pthread_create(&threads[i], NULL, render_worker, &j) != 0) {
			job_fail(&j, ANPR_ERR_NOMEM);
			break;
		}
		started++;
	}
	for (int i = 0; i < c->frames; i++) {
		slot *s = &j.slots[i % j.n_slots];
		pthread_mutex_lock(&j.lock);
		while (!j.stop && !(s->ready && s->frame == i))
			pthread_cond_wait(&j.changed, &j.lock);
		const bool stop = j.stop;
		pthread_mutex_unlock(&j.lock);
		if (stop)
			break;
		const int64_t t0 = anpr_clock_mono_ns();
		err = anpr_video_write(w, &s->img);
		if (!err && fn && !fn(ctx, i, &s->img))
			err = ANPR_ERR_IO;
		write_ns += anpr_clock_mono_ns() - t0;
		if (err) {
			job_fail(&j, err);
			break;
		}
		pthread_mutex_lock(&j.lock);
		s->ready = false;
		j.written = i + 1;
		pthread_cond_broadcast(&j.changed);
		pthread_mutex_unlock(&j.lock);
	}
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	err = j.err;
	const anpr_err fin = anpr_video_finish(w);
	if (!err)
		err = fin;
	if (st) {
		const double frames = c->frames > 0 ? c->frames : 1;
		st->wall_s = (double)(anpr_clock_mono_ns() - t_start) / 1e9;
		st->render_ms = (double)j.render_ns / 1e6 / frames;
		st->write_ms = (double)write_ns / 1e6 / frames;
		st->threads = started;
	}
	for (int i = 0; i < j.n_slots; i++)
		anpr_image_free(&j.slots[i].img);
	free(j.slots);
	pthread_cond_destroy(&j.changed);
	pthread_mutex_destroy(&j.lock);
	return err;
}
