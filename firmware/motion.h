/* SPDX-License-Identifier: MIT */
/* Where the picture changes: regions of motion against a running background, so readers search only there. */
#ifndef ANPR_MOTION_H
#define ANPR_MOTION_H

#include <stddef.h>

#include "err.h"
#include "opencv_c.h"

/*
 * A pole-mounted camera watches a still scene; plates arrive on moving
 * vehicles. Each frame is reduced to a small grey thumbnail (one cell per
 * 8x8 pixels) and compared with a running average of the scene; the cells
 * that changed, grown by a margin that holds the largest plate, give up to
 * ANPR_MOTION_MAX_ROIS rectangles for the readers to search. The whole frame
 * is searched instead when no background is known yet, when much of the
 * picture changed (camera shake, lights switching, rain), and every
 * full_every frames so that a vehicle that stops in view is still read.
 *
 * Memory is fixed at open. Threads: one thread per handle.
 */

#define ANPR_MOTION_MAX_ROIS 4

typedef struct anpr_motion anpr_motion;

typedef struct anpr_motion_cfg {
	int width, height; /* frame size */
	int margin_px;     /* grown around changed cells (the largest plate, say 600) */
	int full_every;    /* frames between full-frame searches; 0: never forced */
	int threshold;     /* grey-level change of a cell that counts as motion (0: 12) */
} anpr_motion_cfg;

/* Errors: ANPR_ERR_INVAL, ANPR_ERR_NOMEM. The caller owns *out. */
ANPR_MUST_CHECK anpr_err anpr_motion_open(const anpr_motion_cfg *cfg, anpr_motion **out);

void anpr_motion_close(anpr_motion *m);

/*
 * Updates the background with frame (BGR or grey, of the size given at open)
 * and writes the regions to search into rois and their count into *n; one
 * region covering the frame when everything is to be searched. Returns
 * ANPR_ERR_INVAL for a frame of another size (rois then cover the frame).
 */
ANPR_MUST_CHECK anpr_err anpr_motion_update(anpr_motion *m, const anpr_image *frame,
					    anpr_rect rois[ANPR_MOTION_MAX_ROIS], size_t *n);

#endif
