/* SPDX-License-Identifier: MIT */
/* Ground truth for benchmark images: the OpenALPR .txt format and Pascal VOC .xml boxes. */
#ifndef ANPR_GROUNDTRUTH_H
#define ANPR_GROUNDTRUTH_H

#include <stddef.h>

#include "err.h"
#include "grammar.h"

#define ANPR_GT_MAX_PLATES 64
#define ANPR_GT_MAX_FILE (1024 * 1024)

typedef struct anpr_gt_plate {
	int x, y, w, h;          /* box in image pixels */
	char text[ANPR_VRM_BUF]; /* normalised plate text; empty when the file gives none (VOC) */
} anpr_gt_plate;

/*
 * Parses the OpenALPR benchmark format: one plate per line,
 * "file<TAB>x<TAB>y<TAB>w<TAB>h<TAB>PLATE" (blank lines allowed). Writes up
 * to max plates and their count to *n. Returns ANPR_ERR_FORMAT with
 * "line N: reason" in diag for anything else. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_gt_parse_txt(const char *data, size_t len, anpr_gt_plate *out, size_t max,
					   size_t *n, char *diag, size_t diag_len);

/*
 * Parses the <bndbox> elements (xmin, ymin, xmax, ymax, decimals allowed) of a
 * Pascal VOC annotation; plates carry no text. Errors as anpr_gt_parse_txt().
 */
ANPR_MUST_CHECK anpr_err anpr_gt_parse_voc(const char *data, size_t len, anpr_gt_plate *out, size_t max,
					   size_t *n, char *diag, size_t diag_len);

/*
 * Loads the ground truth beside an image: IMAGE-without-extension.txt, else
 * .xml. ANPR_ERR_NOT_FOUND when neither exists; ANPR_ERR_TOO_BIG beyond
 * ANPR_GT_MAX_FILE; parse errors as above with the file name in diag.
 */
ANPR_MUST_CHECK anpr_err anpr_gt_load(const char *image_path, anpr_gt_plate *out, size_t max, size_t *n,
				      char *diag, size_t diag_len);

#endif
