/* SPDX-License-Identifier: MIT */
/* Seeded roadside video clips: vehicles passing a fixed pole-mounted ANPR camera, with per-frame plate ground truth. */
#ifndef ANPR_SYNTH_CLIP_H
#define ANPR_SYNTH_CLIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "opencv_c.h"
#include "synth.h"

/*
 * A clip is made in two steps, like a scene: anpr_synth_clip_plan() draws
 * everything from the seed (camera, vehicles, their lanes, speeds and
 * arrival times, plates, hard cases) and works out the ground truth from the
 * geometry alone; anpr_synth_clip_render() then renders any frame as a pure
 * function of the plan and the frame's index, so frames can be rendered in
 * any order, by any number of threads, with byte-identical results.
 *
 * The world: X across the road (right in the image), Y up, Z along the road
 * away from the foot of the camera's pole, metres. The camera looks down the
 * road; its focal length is chosen so a plate enters the top of a 1080-row
 * frame about 105 px wide and leaves the bottom about 220 px wide
 * (docs/synthetic-plates.md gives the numbers and the reasoning).
 *
 * Threads: a plan is read-only once made and may be shared by any number of
 * threads; each thread renders with its own renderer. Nothing here prints.
 */

typedef enum anpr_synth_clip_dir {
	ANPR_SYNTH_DIR_TOWARDS, /* fronts of vehicles coming at the camera: white plates */
	ANPR_SYNTH_DIR_AWAY,    /* backs of vehicles driving away: yellow plates */
	ANPR_SYNTH_DIR_MIXED, /* the left lanes away, the right lanes towards (UK: drive on the left); 2+ lanes */
	ANPR_SYNTH_DIRS       /* count */
} anpr_synth_clip_dir;

typedef enum anpr_synth_clip_look {
	ANPR_SYNTH_LOOK_DAY, /* colour, daylight */
	ANPR_SYNTH_LOOK_IR,  /* night with an IR illuminator: monochrome, plates bright */
	ANPR_SYNTH_LOOK_MIXED, /* the camera switches between the two between vehicles; each vehicle has one look */
	ANPR_SYNTH_LOOKS       /* count */
} anpr_synth_clip_look;

#define ANPR_SYNTH_CLIP_MAX_VEHICLES 10000
#define ANPR_SYNTH_CLIP_MAX_SECONDS 3600.0
/* A vehicle every 1.5 s when only one of duration and vehicles is given (40 a minute). */
#define ANPR_SYNTH_CLIP_SECONDS_PER_VEHICLE 1.5

/* What the clip is asked to be. anpr_synth_clip_cfg_init() fills in the defaults. */
typedef struct anpr_synth_clip_cfg {
	uint64_t seed;
	int frame_w, frame_h; /* 64..ANPR_IMAGE_MAX_SIDE; default 1920x1080 */
	int fps;              /* 25..60; default 25 */
	double duration_s;    /* 0..ANPR_SYNTH_CLIP_MAX_SECONDS; 0: from vehicles */
	int vehicles;         /* 0..ANPR_SYNTH_CLIP_MAX_VEHICLES; 0: from the duration */
	int lanes;            /* 1..3; default 1 */
	anpr_synth_clip_dir direction;
	anpr_synth_clip_look look;
	double hard_share;    /* 0..1, default 0.1: vehicles with a hard case */
	double foreign_share; /* 0..1, default 0.05: white EU-style plates with other text formats */
} anpr_synth_clip_cfg;

/* Hard cases of a vehicle, as bits. */
#define ANPR_SYNTH_HARD_DIRT 0x01u     /* heavy grime and spray on the plate */
#define ANPR_SYNTH_HARD_OCCLUDER 0x02u /* tow bar, bracket or sticker over part of the plate */
#define ANPR_SYNTH_HARD_TILT 0x04u     /* plate rolled 3-8 degrees and pitched 12-25 */
#define ANPR_SYNTH_HARD_CLOSE 0x08u    /* following the vehicle ahead at 0.5-0.8 s, 2 m apart at least */
#define ANPR_SYNTH_HARD_GLARE 0x10u    /* headlamp glare reaching the plate (towards, IR look) */

/* One vehicle of a plan: what it is and what the camera sees of its plate. */
typedef struct anpr_synth_clip_vehicle {
	anpr_synth_plate plate; /* mark, colours, band, dirt; plate.ir is the look it is seen in */
	char display[16];       /* as printed: "AB12 CDE", "AB-123-CD" (plate.vrm.text has no spaces) */
	const char *format;     /* "current", "prefix", "suffix", "dateless", "ni", "q"; "foreign" */
	char country[4];        /* "gb", or a foreign plate's "fr", "de", "es", "it", "pl", "ie" */
	bool foreign;
	const char *body; /* "car", "suv", "van" */
	int lane;         /* 1..lanes, numbered left to right in the image */
	bool towards;
	double speed_mph;  /* 20..70 */
	unsigned hard;     /* ANPR_SYNTH_HARD_* bits; 0 for an ordinary vehicle */
	double headway_s;  /* time after the previous vehicle of the lane (0 for the first) */
	int first_frame;   /* first frame with the plate fully visible; -1 when never */
	int last_frame;    /* last such frame; -1 when never */
	int seen_frames;   /* frames with the plate fully visible (one box each) */
	int hidden_frames; /* frames with the plate inside the frame but partly behind a nearer vehicle */
	double min_width_px, max_width_px; /* apparent plate width over the seen frames */
} anpr_synth_clip_vehicle;

/* The plate in one frame where it is fully visible. Pixel-edge coordinates, as in synth_scene.h. */
typedef struct anpr_synth_clip_box {
	int frame;
	anpr_rect box;      /* smallest whole-pixel box around quad */
	anpr_point quad[4]; /* corners clockwise from the plate's top-left */
	double width_px;    /* mean of the top and bottom edge lengths */
} anpr_synth_clip_box;

/* The camera a plan settled on, for reports and the documentation. */
typedef struct anpr_synth_clip_camera {
	double focal_px;
	double height_m, pitch_deg, yaw_deg, roll_deg;
	double x_m;         /* across the road; the carriageway's centre is 0 */
	double far_m;       /* road distance where a plate 0.45 m up enters the top of the frame */
	double near_m;      /* and where it leaves the bottom */
	double exposure_ms; /* sets the motion blur */
} anpr_synth_clip_camera;

typedef struct anpr_synth_clip anpr_synth_clip;
typedef struct anpr_synth_clip_renderer anpr_synth_clip_renderer;

/* Defaults: 1920x1080 at 25 fps, 40 vehicles in 60 s, one lane towards, day, hard 0.1, foreign 0.05. */
void anpr_synth_clip_cfg_init(anpr_synth_clip_cfg *cfg);

/*
 * Plans a clip. With only one of duration and vehicles given the other
 * follows at 1.5 s a vehicle (a duration too short for the traffic drawn is
 * lengthened; a vehicle count is lowered). With both given, a count that
 * does not fit is ANPR_ERR_RANGE with the duration needed in diag. Returns
 * ANPR_ERR_INVAL for a configuration outside the ranges above (diag says
 * which), ANPR_ERR_NOMEM. The caller owns *out. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_synth_clip_plan(const anpr_synth_clip_cfg *cfg, anpr_synth_clip **out,
					      char *diag, size_t diag_len);

/* Frees a plan; NULL is fine. No renderer of it may be in use. */
void anpr_synth_clip_free(anpr_synth_clip *c);

/* The configuration with duration and vehicles resolved. */
const anpr_synth_clip_cfg *anpr_synth_clip_config(const anpr_synth_clip *c);

int anpr_synth_clip_frames(const anpr_synth_clip *c);
int anpr_synth_clip_vehicle_count(const anpr_synth_clip *c);

/* Vehicle i (0..count-1, in order of first appearance); NULL out of range. Owned by the plan. */
const anpr_synth_clip_vehicle *anpr_synth_clip_vehicle_at(const anpr_synth_clip *c, int i);

/* Vehicle i's plate boxes, one per frame it is fully visible, in frame order; returns their count. */
int anpr_synth_clip_boxes(const anpr_synth_clip *c, int i, const anpr_synth_clip_box **boxes);

void anpr_synth_clip_camera_get(const anpr_synth_clip *c, anpr_synth_clip_camera *out);

/* True when frame is rendered in the IR look. */
bool anpr_synth_clip_frame_ir(const anpr_synth_clip *c, int frame);

/* Copies the empty road (before sensor noise) in the day or IR look into out. */
ANPR_MUST_CHECK anpr_err anpr_synth_clip_background(const anpr_synth_clip *c, bool ir, anpr_image *out);

/*
 * A renderer for one thread: its own FreeType handle, plate textures (each
 * vehicle's plate is rendered once, then warped per frame) and scratch
 * images. c is borrowed and must outlive it. Errors as anpr_synth_open().
 */
ANPR_MUST_CHECK anpr_err anpr_synth_clip_renderer_open(const anpr_synth_clip *c,
						       anpr_synth_clip_renderer **out);

/* NULL is fine. */
void anpr_synth_clip_renderer_close(anpr_synth_clip_renderer *r);

/*
 * Renders frame (0..frames-1) as BGR into out (allocated or reused as for
 * opencv_c). The result depends only on the plan and frame. Returns
 * ANPR_ERR_INVAL for a bad frame, ANPR_ERR_NOMEM, ANPR_ERR_INTERNAL.
 */
ANPR_MUST_CHECK anpr_err anpr_synth_clip_render(anpr_synth_clip_renderer *r, int frame, anpr_image *out);

/*
 * Writes the ground truth as JSON Lines, one vehicle per line in vehicle
 * order (docs/synthetic-plates.md lists the fields). ANPR_ERR_IO when a
 * write fails. The marks are synthetic, not personal data.
 */
ANPR_MUST_CHECK anpr_err anpr_synth_clip_write_truth(const anpr_synth_clip *c, FILE *f);

/* The video codec for a file name: "MJPG" for .avi, "avc1" (H.264) for .mp4; NULL for anything else. */
const char *anpr_synth_clip_fourcc(const char *path);

/* Called with each frame in order, after it went to the video; false stops the run (ANPR_ERR_IO). */
typedef bool (*anpr_synth_clip_frame_fn)(void *ctx, int frame, const anpr_image *img);

typedef struct anpr_synth_clip_stats {
	double wall_s;    /* the whole run */
	double render_ms; /* mean per frame, in the workers */
	double write_ms;  /* mean per frame: encode and write, in the calling thread */
	int threads;      /* rendering threads */
} anpr_synth_clip_stats;

/*
 * Renders every frame with jobs worker threads (1..64) and writes them in
 * order to a video at path (codec by anpr_synth_clip_fourcc()), calling fn
 * (may be NULL) for each. The file does not depend on jobs. Returns
 * ANPR_ERR_INVAL for a bad path or jobs, ANPR_ERR_IO or ANPR_ERR_ENCODE when
 * the video cannot be written, or a renderer's error. st may be NULL.
 */
ANPR_MUST_CHECK anpr_err anpr_synth_clip_write_video(const anpr_synth_clip *c, const char *path, int jobs,
						     anpr_synth_clip_frame_fn fn, void *ctx,
						     anpr_synth_clip_stats *st);

/* "towards", "away", "mixed"; "day", "ir", "mixed"; "unknown" otherwise. */
const char *anpr_synth_clip_dir_name(anpr_synth_clip_dir d);
const char *anpr_synth_clip_look_name(anpr_synth_clip_look l);
ANPR_MUST_CHECK anpr_err anpr_synth_clip_dir_parse(const char *name, anpr_synth_clip_dir *out);
ANPR_MUST_CHECK anpr_err anpr_synth_clip_look_parse(const char *name, anpr_synth_clip_look *out);

#endif
