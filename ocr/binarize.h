/* SPDX-License-Identifier: MIT */
/* Local-mean thresholding of a grey image in both polarities, labelled into connected components in one pass. */
#ifndef ANPR_BINARIZE_H
#define ANPR_BINARIZE_H

#include <stddef.h>

#include "err.h"
#include "opencv_c.h"

/*
 * Work memory (row buffers and run lists), grown to the largest image seen
 * and then reused, so steady-state calls do not allocate. One thread at a
 * time per handle.
 */
typedef struct anpr_binarizer anpr_binarizer;

/* Creates a binarizer; the caller owns *out. Returns ANPR_ERR_INVAL, ANPR_ERR_NOMEM. */
ANPR_MUST_CHECK anpr_err anpr_binarize_open(anpr_binarizer **out);

/* Frees it; NULL is fine. */
void anpr_binarize_close(anpr_binarizer *b);

/* Most foreground runs (row segments) labelled per polarity; rows beyond are left out. */
#define ANPR_BINARIZE_MAX_RUNS (1u << 20)

/*
 * Compares each pixel of grey with the mean of the block x block window
 * around it (block odd, 3..255; edges replicated; the mean rounded exactly as
 * OpenCV's box filter rounds it), with k = floor(offset):
 *   dark pixels:  grey <= mean - k  (anpr_cv_adaptive_threshold(block, offset, mean, invert))
 *   light pixels: grey >  mean + k  (anpr_cv_adaptive_threshold(block, -offset, mean, no invert))
 * and labels the 8-connected components of each, as anpr_cv_components()
 * would on those binary images: same components in the same order, at most
 * max written to dark (light), the total found to *ndark (*nlight). Either
 * polarity is skipped when its array is NULL. No binary or label image is
 * made: runs of each row are joined as they come. Should a polarity exceed
 * ANPR_BINARIZE_MAX_RUNS (noise everywhere), its later rows are left out.
 * Returns ANPR_ERR_INVAL for a non-grey image or a bad block, ANPR_ERR_NOMEM.
 */
ANPR_MUST_CHECK anpr_err anpr_binarize_components(anpr_binarizer *b, const anpr_image *grey, int block,
						  double offset, anpr_component *dark, size_t *ndark,
						  anpr_component *light, size_t *nlight, size_t max);

#endif
