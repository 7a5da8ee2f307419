/* SPDX-License-Identifier: MIT */
/* The ground-truth sidecar of a clip (docs/clip-format.md): a strict parser and the checks of a video against it. */
#ifndef ANPR_TRUTH_H
#define ANPR_TRUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define ANPR_TRUTH_VERSION 1
#define ANPR_TRUTH_MAX_BYTES (64u << 20) /* a whole sidecar */
#define ANPR_TRUTH_MAX_LINE (256u << 10) /* one line: a vehicle with its boxes */
#define ANPR_TRUTH_MAX_VEHICLES 100000
#define ANPR_TRUTH_MAX_FRAMES 10000000 /* about 46 h at 60 fps */
#define ANPR_TRUTH_MAX_LANES 8
#define ANPR_TRUTH_VRM_MAX 16

/* One plate box: the smallest whole-pixel box around the plate in one frame. */
typedef struct anpr_truth_box {
	int frame, x, y, w, h;
} anpr_truth_box;

/* One vehicle (plain data, owned by its anpr_truth). */
typedef struct anpr_truth_vehicle {
	int64_t id;
	char vrm[ANPR_TRUTH_VRM_MAX + 1]; /* A-Z and 0-9 */
	char country[8];                  /* "gb", "fr", ...; "" when not given */
	int lane;                         /* 1.. from the left of the image */
	bool towards;                     /* front plate towards the camera, else rear plate going away */
	bool foreign, hard;
	int first_frame, last_frame; /* the plate fully in view; both -1 when never */
	anpr_truth_box *
	    boxes; /* read-only for callers; increasing frames within [first_frame, last_frame]; may be none */
	int n_boxes;
	int line; /* line in the sidecar, for messages */
} anpr_truth_vehicle;

/* The header line. */
typedef struct anpr_truth_header {
	int version;
	double fps;
	int64_t frames;
	int width, height;
	int64_t start_utc_ms; /* UTC of frame 0; 0 when not given (synthetic clips) */
	int vehicles;         /* vehicle lines that follow */
	int lanes;            /* lanes described in the geometry; 0 when none */
} anpr_truth_header;

typedef struct anpr_truth anpr_truth;

/*
 * Parses len bytes of sidecar text. name is used in messages ("NAME:LINE: what"). Strict:
 * broken JSON, a missing, unknown or mistyped key, a frame outside the clip, a box outside
 * the frame or out of order, a repeated vehicle id, a lane outside the geometry, a vehicle
 * count that differs from the header are ANPR_ERR_FORMAT; sizes beyond the caps above are
 * ANPR_ERR_TOO_BIG; both with diag naming file and line. ANPR_ERR_NOMEM, ANPR_ERR_INVAL.
 * The caller owns *out. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_truth_parse(const char *name, const char *text, size_t len, anpr_truth **out,
					  char *diag, size_t diag_len);

/* Reads and parses the file at path (as anpr_truth_parse; ANPR_ERR_IO when it cannot be read). */
ANPR_MUST_CHECK anpr_err anpr_truth_load(const char *path, anpr_truth **out, char *diag, size_t diag_len);

void anpr_truth_free(anpr_truth *t);

const anpr_truth_header *anpr_truth_get_header(const anpr_truth *t);
int anpr_truth_count(const anpr_truth *t);
const anpr_truth_vehicle *anpr_truth_at(const anpr_truth *t, int i);
/* The box of vehicle v in frame, or NULL when the truth has none for that frame. */
const anpr_truth_box *anpr_truth_box_at(const anpr_truth_vehicle *v, int frame);

/*
 * Checks the container of a video file for truncation: an AVI's RIFF size and an MP4's
 * top-level boxes must account for the file's bytes exactly. ANPR_ERR_FORMAT (truncated
 * or damaged; diag says where), ANPR_ERR_UNSUPPORTED (another container: not checked),
 * ANPR_ERR_IO. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_truth_check_container(const char *video, char *diag, size_t diag_len);

#endif
