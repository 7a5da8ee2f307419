/* SPDX-License-Identifier: MIT */
/* Ground truth for benchmark images: the OpenALPR .txt format, Pascal VOC .xml boxes, anpr-synth manifests. */
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

/* Largest anpr-synth manifest read: 200,000 rows of a few hundred bytes. */
#define ANPR_GT_MAX_MANIFEST (64 * 1024 * 1024)

/* One image of an anpr-synth plates set and its plate as displayed, with the group space. */
typedef struct anpr_gt_display {
	char file[128];
	char display[ANPR_VRM_BUF + 4];
} anpr_gt_display;

/*
 * Parses the file and display columns of an anpr-synth plates manifest
 * (manifest.tsv: '#' comment lines, a tab-separated header that names the
 * columns, then one row per image; blank lines allowed). Writes up to max
 * rows and their count to *n. Returns ANPR_ERR_FORMAT with "line N: reason"
 * in diag for a header without those columns, a row short of them, an empty
 * or overlong field, a file name with a '/', display text other than A-Z and
 * 0-9 in groups with single spaces, more than max rows, or a file listed
 * twice (diag then names the file, not a line). The rows come out sorted by
 * file. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_gt_parse_manifest(const char *data, size_t len, anpr_gt_display *out,
						size_t max, size_t *n, char *diag, size_t diag_len);

/* The row for file among n rows from anpr_gt_parse_manifest(), or NULL. */
const anpr_gt_display *anpr_gt_find_display(const anpr_gt_display *rows, size_t n, const char *file);

/*
 * Loads DIR/manifest.tsv. ANPR_ERR_NOT_FOUND when there is none;
 * ANPR_ERR_TOO_BIG beyond ANPR_GT_MAX_MANIFEST; parse errors as above with
 * the file name in diag.
 */
ANPR_MUST_CHECK anpr_err anpr_gt_load_manifest(const char *dir, anpr_gt_display *out, size_t max, size_t *n,
					       char *diag, size_t diag_len);

#endif
