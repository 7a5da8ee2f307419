/* SPDX-License-Identifier: MIT */
/* Cuts a detected plate's character row out of the frame as an upright, dark-on-light strip for OCR. */
#ifndef ANPR_STRIP_H
#define ANPR_STRIP_H

#include <stdbool.h>
#include <stdint.h>

#include "detect.h"
#include "err.h"
#include "opencv_c.h"

/* Glyph height in a strip, px: what the plate model was trained on. */
#define ANPR_STRIP_CHAR_PX 40
/* Side margins, in glyph heights: anpr_strip_extract()'s, and the range anpr_strip_extract_margin() takes. */
#define ANPR_STRIP_MARGIN 1.0f
#define ANPR_STRIP_MIN_MARGIN 0.3f
#define ANPR_STRIP_MAX_MARGIN 3.0f
/* Largest strip: 1.6 glyphs tall, at most 16 glyphs long (a 14-glyph row and its margins). */
#define ANPR_STRIP_MAX_PIXELS (ANPR_STRIP_CHAR_PX * 8 / 5 * ANPR_STRIP_CHAR_PX * 16)

/*
 * Work memory for strip cleaning, sized once so the frame path does not
 * allocate: keep one per reader. Zero it before first use; free with
 * anpr_strip_work_free().
 */
typedef struct anpr_strip_work {
	/*
	 * Paint an occluder's soft edges over with it: the columns beside a bar
	 * crossing the plate that are inked through one margin only (a bar lit
	 * from above fades towards one end). Off (zeroed), they are left as they
	 * are. What lies under such an edge is a guess either way, so the reader
	 * cuts a doubtful row both ways and lets the cuts vote.
	 */
	bool occluder_edges;
	anpr_image mask;
	uint32_t stack[ANPR_STRIP_MAX_PIXELS];
	uint32_t members[ANPR_STRIP_MAX_PIXELS];
} anpr_strip_work;

/* Frees the mask image held in w; the struct itself is the caller's. */
void anpr_strip_work_free(anpr_strip_work *w);

/*
 * Warps region r's character row from the grey frame into strip: deskewed,
 * glyphs ANPR_STRIP_CHAR_PX tall with a margin around them, inverted when the
 * plate has light characters, contrast stretched. strip is (re)allocated as
 * needed; dark shapes that cannot be glyphs (plate border, bolts, hyphens,
 * the EU stars) are whitened. w is work memory. Returns ANPR_ERR_INVAL for a degenerate region. Any thread, one
 * strip per thread.
 */
ANPR_MUST_CHECK anpr_err anpr_strip_extract(const anpr_image *grey, const anpr_plate_region *r,
					    anpr_image *strip, anpr_strip_work *w);

/*
 * As anpr_strip_extract(), with side margins of margin_x glyph heights
 * (ANPR_STRIP_MIN_MARGIN..ANPR_STRIP_MAX_MARGIN; anpr_strip_extract() uses
 * ANPR_STRIP_MARGIN): a tighter cut of the same row reads differently, and a
 * wider one takes in glyphs the detector left out of a short row; the reader
 * combines them when the first read is doubtful. ANPR_ERR_INVAL also when the
 * strip would exceed ANPR_STRIP_MAX_PIXELS.
 */
ANPR_MUST_CHECK anpr_err anpr_strip_extract_margin(const anpr_image *grey, const anpr_plate_region *r,
						   float margin_x, anpr_image *strip, anpr_strip_work *w);

#endif
