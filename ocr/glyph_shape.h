/* SPDX-License-Identifier: MIT */
/* Tells the wide letters H, M, N and W apart by the shape of one thresholded glyph. */
#ifndef ANPR_GLYPH_SHAPE_H
#define ANPR_GLYPH_SHAPE_H

#include <stdbool.h>

#include "grammar.h"
#include "opencv_c.h"

/*
 * The LSTM reads real UK glyphs of these four letters for one another more
 * than any other letters (an M with its notch filled in by blur passes for
 * an H, a W for an N). Their shapes differ plainly on the glyph itself: where
 * the middle strokes meet, whether a bar crosses. A small network, trained by
 * `make glyph-shape` on glyphs cut from real UK character tiles and from
 * rendered plates (ocr/model/README.md), scores those shapes, and the score
 * reweighs the OCR's own belief among the four.
 */
#define ANPR_GLYPH_SHAPE_LETTERS "HMNW"
#define ANPR_GLYPH_SHAPE_CLASSES 4
/* Features: the box's width over its height, then the ink share of each cell of a 6 x 9 grid, row by row. */
#define ANPR_GLYPH_SHAPE_GRID_W 6
#define ANPR_GLYPH_SHAPE_GRID_H 9
#define ANPR_GLYPH_SHAPE_FEATURES (1 + ANPR_GLYPH_SHAPE_GRID_W * ANPR_GLYPH_SHAPE_GRID_H)

/*
 * The features of the glyph that fills box on ink (single channel, ink
 * non-zero). False, f untouched, when the box is smaller than the grid or
 * not wholly inside the image.
 */
bool anpr_glyph_shape_features(const anpr_image *ink, anpr_rect box, float f[ANPR_GLYPH_SHAPE_FEATURES]);

/* The natural logarithm of the probability of each of H, M, N, W (in that order) for features f. */
void anpr_glyph_shape_classify(const float f[ANPR_GLYPH_SHAPE_FEATURES],
			       float logp[ANPR_GLYPH_SHAPE_CLASSES]);

/*
 * Reweighs a position's alternatives among H, M, N and W by the shape's
 * probabilities: each such alternative's p is multiplied by its shape
 * probability, then the four together are scaled back to the probability
 * they held before, so the other alternatives keep theirs. Letters the OCR
 * did not offer are not added. Each p stays within [1e-6, 1]; the alternatives are
 * sorted most likely first again. Nothing changes unless the position's best
 * alternative and at least one other are among the four.
 */
void anpr_glyph_shape_reweigh(anpr_ocr_pos *pos, const float logp[ANPR_GLYPH_SHAPE_CLASSES]);

/* True when the position's best alternative and another are among H, M, N, W: worth a look at the glyph. */
bool anpr_glyph_shape_doubtful(const anpr_ocr_pos *pos);

#endif
