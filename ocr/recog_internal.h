/* SPDX-License-Identifier: MIT */
/* Internals of the recogniser that tests reach: folding a glyph read twice. */
#ifndef ANPR_RECOG_INTERNAL_H
#define ANPR_RECOG_INTERNAL_H

#include "grammar.h"

/*
 * Where one model's line has more symbols than another model saw (n) on the
 * same strip, folds stutters until it has n: two neighbours with no space
 * between them whose best symbols are a look-alike pair (0/O/D/Q, 1/I, 5/S,
 * 8/B, 2/Z, 6/G) and whose boxes, x0[i] to x1[i] in strip pixels, share at
 * least 0.4 of the narrower one or together span at most 1.4 of the line's
 * median box width. The strongest such pair goes first; the folded
 * position holds both symbols' alternatives, averaged. If the count cannot
 * reach n that way, line, x0 and x1 are left as they were. Arrays hold
 * ANPR_OCR_MAX_POS entries; a box with x1 <= x0 is unknown.
 */
void anpr_ocr_fold_to(anpr_ocr_line *line, int *x0, int *x1, int n);

#endif
