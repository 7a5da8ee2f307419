/* SPDX-License-Identifier: MIT */
/* Finds number plates in a full frame as lines of character-like blobs, in either polarity. */
#ifndef ANPR_DETECT_H
#define ANPR_DETECT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "opencv_c.h"

typedef struct anpr_detector anpr_detector;

typedef struct anpr_detect_cfg {
	int min_plate_width; /* px in the frame; smaller plates are not searched for (default 60) */
	int max_plate_width; /* px in the frame (default 600) */
	int max_regions;     /* most regions returned per frame (default 8) */
} anpr_detect_cfg;

/* One plate-like text line. */
typedef struct anpr_plate_region {
	anpr_point text[4];  /* the character row, clockwise from top-left, frame coordinates */
	anpr_point plate[4]; /* estimated plate outline around it, same order */
	float char_height;   /* px in the frame */
	float angle_deg;     /* baseline tilt, positive clockwise */
	float score;         /* plate-likeness, higher is better; for ranking only */
	int n_chars;         /* character blobs found on the line */
	bool light_text;     /* light characters on a dark plate */
} anpr_plate_region;

/*
 * Creates a detector with its work buffers. cfg may be NULL for defaults.
 * The caller owns *out. One thread at a time per detector.
 */
ANPR_MUST_CHECK anpr_err anpr_detector_open(const anpr_detect_cfg *cfg, anpr_detector **out);

/* Frees the detector; NULL is fine. */
void anpr_detector_close(anpr_detector *d);

/*
 * Finds plate regions in a grey frame, best first. Writes up to max of them
 * (and at most cfg->max_regions) and their count to *n. Returns
 * ANPR_ERR_INVAL for a non-grey or empty frame.
 */
ANPR_MUST_CHECK anpr_err anpr_detect(anpr_detector *d, const anpr_image *grey, anpr_plate_region *out,
				     size_t max, size_t *n);

/*
 * Whether two plate outlines are one plate: the centre of either lies in
 * the other's bounding box. The detector keeps one region per plate by it,
 * and the reader one read.
 */
bool anpr_quads_overlap(const anpr_point a[4], const anpr_point b[4]);

#endif
