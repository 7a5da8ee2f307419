/* SPDX-License-Identifier: MIT */
/* The images that go with a read: the 120x60 plate patch and the overview of the scene, as size-capped JPEGs. */
#ifndef ANPR_EVIDENCE_H
#define ANPR_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "opencv_c.h"

#define ANPR_PATCH_W 120
#define ANPR_PATCH_H 60
#define ANPR_PATCH_MAX_BYTES 3072
#define ANPR_OVERVIEW_MAX_BYTES 25000
/* Below this JPEG quality the overview is made smaller instead: a vehicle must stay recognisable. */
#define ANPR_OVERVIEW_MIN_QUALITY 40
#define ANPR_OVERVIEW_MIN_WIDTH 320

/*
 * Each image is encoded at the highest JPEG quality that fits its cap, found
 * by bisection. The overview keeps the largest width (from the frame's own
 * down, in steps) at which that quality is at least
 * ANPR_OVERVIEW_MIN_QUALITY, so a busy scene is sent smaller rather than
 * blurred into blocks.
 *
 * Threads: a work area belongs to one thread; the functions touch nothing else.
 */

typedef struct anpr_evidence_work {
	anpr_image scaled; /* resized overview or warped patch */
} anpr_evidence_work;

typedef struct anpr_jpeg {
	uint8_t *data; /* malloc'd; anpr_jpeg_free() */
	size_t len;
	int width, height, quality;
} anpr_jpeg;

/*
 * The plate patch: the region around the plate quad (clockwise from top-left,
 * in frame pixels) with the plate's own slant, widened to 2:1 so the plate
 * fills the width, warped to exactly 120x60 into patch. Errors:
 * ANPR_ERR_INVAL (bad frame or degenerate quad), ANPR_ERR_NOMEM.
 */
ANPR_MUST_CHECK anpr_err anpr_evidence_warp_patch(const anpr_image *frame, const anpr_point quad[4],
						  anpr_image *patch);

/* Encodes a patch to at most 3,072 bytes. ANPR_ERR_ENCODE when even quality 1 does not fit. */
ANPR_MUST_CHECK anpr_err anpr_evidence_encode_patch(const anpr_image *patch, anpr_jpeg *out);

/*
 * The overview: the whole scene (frame, which may already be scaled down;
 * quad in its pixels), scaled further as above to at most 25,000 bytes.
 * plate_box (may be NULL) gets the quad's bounding box in overview pixels.
 */
ANPR_MUST_CHECK anpr_err anpr_evidence_overview(const anpr_image *frame, const anpr_point quad[4],
						anpr_evidence_work *w, anpr_jpeg *out, anpr_rect *plate_box);

void anpr_jpeg_free(anpr_jpeg *j);
void anpr_evidence_work_free(anpr_evidence_work *w);

#endif
