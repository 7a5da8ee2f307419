/* SPDX-License-Identifier: MIT */
/* Cuts a detected plate's character row out of the frame as an upright, dark-on-light strip for OCR. */
#ifndef ANPR_STRIP_H
#define ANPR_STRIP_H

#include "detect.h"
#include "err.h"
#include "opencv_c.h"

/* Glyph height in a strip, px: what the plate model was trained on. */
#define ANPR_STRIP_CHAR_PX 40

/*
 * Warps region r's character row from the grey frame into strip: deskewed,
 * glyphs ANPR_STRIP_CHAR_PX tall with a margin around them, inverted when the
 * plate has light characters, contrast stretched. strip is (re)allocated as
 * needed; dark shapes that cannot be glyphs (plate border, bolts, hyphens,
 * the EU stars) are whitened. scratch is work space. Returns ANPR_ERR_INVAL for a degenerate region. Any thread, one
 * strip per thread.
 */
ANPR_MUST_CHECK anpr_err anpr_strip_extract(const anpr_image *grey, const anpr_plate_region *r,
					    anpr_image *strip, anpr_image *scratch);

#endif
