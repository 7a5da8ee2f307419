/* SPDX-License-Identifier: MIT */
/* Scores what a glyph is by its own shape, to weigh against the OCR's alternatives. */
#ifndef ANPR_GLYPH_SHAPE_H
#define ANPR_GLYPH_SHAPE_H

#include <stdbool.h>

#include "grammar.h"
#include "opencv_c.h"

/*
 * The LSTM reads real UK glyphs for look-alikes (an M with its notch filled
 * in by blur passes for an H, a W for an N, an O with square corners for a
 * D). Their shapes differ plainly on the glyph itself: where strokes meet,
 * whether a bar crosses, how round a corner is. A small network, trained by
 * `make glyph-shape` on glyphs cut from real UK character tiles and from
 * rendered plates (ocr/model/README.md), scores those shapes, and the score
 * reweighs the OCR's own belief among the symbols it offered.
 *
 * One class per plate symbol, except that O and 0 share one: UK plates print
 * them alike, and the grammar tells them apart by position.
 */
#define ANPR_GLYPH_SHAPE_SYMBOLS "ABCDEFGHIJKLMNOPQRSTUVWXYZ123456789"
#define ANPR_GLYPH_SHAPE_CLASSES 35
/* Features: the box's width over its height, then the ink share of each cell of a 6 x 9 grid, row by row. */
#define ANPR_GLYPH_SHAPE_GRID_W 6
#define ANPR_GLYPH_SHAPE_GRID_H 9
#define ANPR_GLYPH_SHAPE_FEATURES (1 + ANPR_GLYPH_SHAPE_GRID_W * ANPR_GLYPH_SHAPE_GRID_H)

/* The class of plate symbol c ('0' is O's), or -1 for anything else. */
int anpr_glyph_shape_class(char c);

/*
 * The features of the glyph that fills box on ink (single channel, ink
 * non-zero). False, f untouched, when the box is smaller than the grid or
 * not wholly inside the image.
 */
bool anpr_glyph_shape_features(const anpr_image *ink, anpr_rect box, float f[ANPR_GLYPH_SHAPE_FEATURES]);

/* The natural logarithm of each class's probability for features f, classes in ANPR_GLYPH_SHAPE_SYMBOLS order. */
void anpr_glyph_shape_classify(const float f[ANPR_GLYPH_SHAPE_FEATURES],
			       float logp[ANPR_GLYPH_SHAPE_CLASSES]);

/*
 * Reweighs a position's alternatives by the shape's probabilities: each p
 * is multiplied by its class's probability, then all are scaled back to the
 * probability they held together before. Symbols the OCR did not offer are
 * not added, and O and 0 keep their ratio. Each p stays within [1e-6, 1];
 * the alternatives are sorted most likely first again. Each alternative
 * with look-alikes (anpr_grammar_lookalikes()) also gets how likely, by
 * shape, its likeliest look-alike is against itself, within [0.02, 1]
 * (anpr_ocr_alt.shape_subst): the grammar then reads a plain 6 as a G only
 * at that share of its usual look-alike penalty. Nothing changes unless the
 * position is in doubt (anpr_glyph_shape_doubtful()).
 */
void anpr_glyph_shape_reweigh(anpr_ocr_pos *pos, const float logp[ANPR_GLYPH_SHAPE_CLASSES]);

/* True when the OCR offered, besides its best symbol, another of a different shape: worth a look at the glyph. */
bool anpr_glyph_shape_doubtful(const anpr_ocr_pos *pos);

#endif
