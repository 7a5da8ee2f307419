/* SPDX-License-Identifier: MIT */
/*
 * Internals of the recogniser that tests and tools reach: folding a glyph
 * read twice, a strip's glyphs, their shapes, splitting glyphs run together.
 */
#ifndef ANPR_RECOG_INTERNAL_H
#define ANPR_RECOG_INTERNAL_H

#include "grammar.h"
#include "opencv_c.h"

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

/*
 * The glyphs on a strip (grey, dark on light): dark pieces (Otsu) of about
 * one height standing on one line, whose height, top and bottom lie within
 * 0.15 glyph heights of the medians of the tall pieces (over 0.3 of the
 * strip's height, short of 0.95 of it), at least 0.1 glyph heights wide.
 * Bars beside the plate, bolts, borders and small band letters differ in
 * height or line and are not counted. Returns their count, with their boxes,
 * left to right, in pieces (at most max of them; the count may be larger).
 * work is thresholding memory, (re)allocated as for opencv_c, which the
 * caller frees; it then holds the thresholded strip, ink non-zero, for the
 * glyphs' shapes (glyph_shape.h). -1 when it cannot tell: a piece across
 * the glyphs' line is wider than 1.3 glyph heights (glyphs run together, or
 * into a border), more than 64 pieces, bad input.
 */
int anpr_ocr_glyph_pieces(const anpr_image *strip, anpr_image *work, anpr_rect *pieces, int max);

/*
 * The recogniser's look at each symbol's own glyph, with the line's boxes
 * x0[i] to x1[i] (ANPR_OCR_MAX_POS entries; x1 <= x0: unknown): where the
 * glyph shape model is sure (0.9) of a class the OCR did not offer and the
 * box plainly holds that one glyph piece, the class is offered at 0.01;
 * where the OCR offered symbols of more than one shape, the shape reweighs
 * them (anpr_glyph_shape_reweigh()). work as for anpr_ocr_glyph_pieces().
 */
void anpr_ocr_check_shapes(anpr_ocr_line *line, const int *x0, const int *x1, const anpr_image *strip,
			   anpr_image *work);

/*
 * Splits the symbols the LSTM ran together (AB58 read 8, DA71 read DA7):
 * where a position's box, x0[i] to x1[i] in strip pixels, holds the
 * centres of two or more of the strip's glyph pieces
 * (anpr_ocr_glyph_pieces()) that no other box holds, the glyph shape model
 * is sure of each (probability 0.9 or more), one is of the symbol read,
 * they stand between the neighbours' boxes as close as the glyphs of one
 * group (gaps of 0.25 glyph heights at most), and neither neighbour reads
 * any of them or a look-alike, the position becomes one per piece. The
 * piece of the symbol read keeps the OCR's alternatives; each other piece
 * reads as its shape's class, O as O or 0. x0 and x1 follow; arrays hold
 * ANPR_OCR_MAX_POS entries. work as for anpr_ocr_glyph_pieces(). Returns
 * the number of positions added (0 for bad input).
 */
int anpr_ocr_split_merged(anpr_ocr_line *line, int *x0, int *x1, const anpr_image *strip, anpr_image *work);

#endif
